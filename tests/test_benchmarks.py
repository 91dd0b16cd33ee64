"""Smoke tests of the benchmark harness (``benchmarks/``), cheap enough for every test run.

No speed is asserted here (timings belong in ``benchmarks/results.md``). These check that the
baselines and the measuring tools measure what they claim: the daily-tick baseline plays by
the engine's own rules (:mod:`simkit.engine.rules`), the step-by-step driver processes the
same run as ``Model.run``, the benchmarks touch no private attribute of SimPy or of the model,
and ``run_all.py`` keeps the history of ``results.md``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import simpy

from simkit.engine import rules
from simkit.engine.model import Model, simulate
from simkit.engine.results import Results
from simkit.engine.scenario import DAYS_PER_YEAR, default_scenario

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_engine  # noqa: E402
import naive_model  # noqa: E402
import run_all  # noqa: E402

SMALL = {
    "horizon_years": 2,
    "warmup_years": 0,
    "portfolio.key.count": 0,
    "portfolio.enterprise.count": 5,
    "portfolio.mid_market.count": 10,
    "portfolio.small.count": 25,
    "team.managers": 1,
}


def small_scenario(**changes: object):
    return default_scenario().update({**SMALL, **changes})


def events_of(model: naive_model.NaiveModel) -> Counter:
    return Counter(e[2] for e in model.run())


# ------------------------------------------------------------------ the daily-tick baseline
def test_naive_model_runs_a_small_book_through_a_lifecycle():
    counts = events_of(naive_model.NaiveModel(small_scenario(), seed=3))
    for event in ("issue_open", "issue_resolved", "renew", "survey", "arrival"):
        assert counts[event] > 0, (event, counts)
    # every issue opened is resolved or still waiting: never more resolved than opened
    assert counts["issue_resolved"] <= counts["issue_open"]


def test_naive_model_takes_renewals_from_the_rules(monkeypatch):
    monkeypatch.setattr(rules, "renewal_probability", lambda *a, **k: 0.0)
    counts = events_of(naive_model.NaiveModel(small_scenario(), seed=3))
    assert counts["renew"] == 0
    assert counts["churn"] > 0


def test_naive_model_takes_defections_from_the_rules(monkeypatch):
    monkeypatch.setattr(rules, "defection_probability", lambda *a, **k: 1.0)
    counts = events_of(naive_model.NaiveModel(small_scenario(), seed=3))
    assert counts["approach"] == 0  # every approach wins the account
    assert counts["defect"] > 0


def test_naive_model_takes_survey_answers_from_the_rules(monkeypatch):
    monkeypatch.setattr(rules, "survey_score", lambda mean, noise: 7)
    events = naive_model.NaiveModel(small_scenario(), seed=3).run()
    answers = {e[6] for e in events if e[2] == "survey"}
    assert answers == {7.0}


def test_naive_model_takes_upsell_odds_from_the_rules(monkeypatch):
    monkeypatch.setattr(rules, "upsell_probability", lambda *a, **k: 1.0)
    counts = events_of(naive_model.NaiveModel(small_scenario(), seed=3))
    assert counts["upsell"] > 0
    assert counts["upsell_fail"] == 0


def test_naive_models_daily_drift_is_one_day_of_the_engines_drift():
    model = naive_model.NaiveModel(small_scenario(), seed=0)
    model._prepare()
    b = model.sc.behaviour
    a = naive_model.Acct(seg=0, stage=naive_model.FORMER, health=90.0)
    model.rng.random = lambda: 1.0  # no win-back today
    model._tick(0, a)
    assert a.health == pytest.approx(rules.drifted_health(90.0, 1.0, b.health_floor, b.decay_rate))
    assert a.health < 90.0


@pytest.mark.parametrize("form", ["run", "run_simpy"])
def test_both_daily_tick_forms_tick_every_account_every_day(form):
    """The plain loop and the SimPy form both tick the whole book once a day, every day."""
    model = naive_model.NaiveModel(small_scenario(**{"pipeline.prospects_per_month": 0}), 0)
    ticks: Counter = Counter()
    tick = model._tick

    def counted(day: int, a: naive_model.Acct) -> None:
        ticks[day] += 1
        tick(day, a)

    model._tick = counted  # type: ignore[method-assign]
    getattr(model, form)()
    days = round((SMALL["horizon_years"] + SMALL["warmup_years"]) * DAYS_PER_YEAR)
    assert len(model.accounts) == 40
    assert ticks == Counter(dict.fromkeys(range(days), 40))


# ------------------------------------------------------------------ the measuring tools
def test_drive_counts_every_processed_event():
    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        while True:
            yield env.timeout(1)

    env.process(ticker(env))
    # the process starting at 0, then its timeouts at days 1..10; the one at 11 is not due
    assert bench_engine.drive(env, until=10.5) == 11
    assert env.now == 10
    assert bench_engine.drive(env, limit=3) == 3
    assert env.now == 13


def test_driving_the_engine_step_by_step_is_the_same_run_as_model_run():
    scenario = small_scenario(horizon_years=1)
    model = Model(scenario, "customer_success")
    steps = bench_engine.drive(model.env, until=model.t_end + 1e-7)
    driven = Results.from_record(model.record())
    assert steps > len(driven.events) > 0  # more SimPy events than logged ones
    assert driven.events.equals(simulate(scenario, "customer_success").events)


def test_bare_model_runs_exactly_the_steps_asked_for():
    env = bench_engine.bare_model(processes=20)
    assert bench_engine.drive(env, limit=500) == 500
    assert env.now > 0


PRIVATE = re.compile(r"\b(env|model|self\.env|self\.model)\._\w|\._(queue|eid|now|buckets)\b")


def test_benchmarks_touch_no_private_attribute_of_simpy_or_the_model():
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(BENCHMARKS.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PRIVATE.search(line)
    ]
    assert not found, "\n".join(found)


def test_run_all_adds_a_run_on_top_and_keeps_the_history():
    legacy = "# Benchmark results\n\nMeasured 2026-11-25 09:46 UTC ...\n| x | 1 |\n"
    first = run_all.with_history("## Run of A\n\nfigures A\n", legacy)
    assert first.index("## Run of A") < first.index("Measured 2026-11-25")
    assert first.endswith("\n---\n\n" + legacy)  # the earlier report, byte for byte
    second = run_all.with_history("## Run of B\n\nfigures B\n", first)
    assert second.index("## Run of B") < second.index("## Run of A") < second.index("2026-11-25")
    assert second.endswith(first.split(run_all.MARK, 1)[1].lstrip("\n"))
    assert second.count(run_all.MARK) == 1
    assert second.count("# Benchmark results\n") == 2  # the title, and the legacy report's own
