"""Running many simulations: one run's figures, task order, processes, replicate."""

import math
import time

import numpy as np
import pandas as pd
import pytest

from simkit.analysis.summary import run_summary
from simkit.engine.guard import SimulationTimeout
from simkit.engine.model import simulate
from simkit.engine.strategies import Cadence, Reactive, Touch, get_strategy
from simkit.experiments.runner import (
    Run,
    RunResult,
    check_replications,
    default_jobs,
    map_unordered,
    replay,
    replicate,
    run_many,
    run_one,
)
from tests.helpers import small_scenario

ACTIVE = ("customer", "loyal")


# -- figures of one run, recomputed from its event log --------------------------------------
def _timeline(events: pd.DataFrame) -> dict[int, list[tuple[float, bool, float]]]:
    """Each account's (time, active after, ARR after) steps, in time order."""
    out: dict[int, list] = {}
    ordered = events.sort_values("time", kind="stable")
    for t, acct, stage, arr in ordered[["time", "account", "stage_after", "arr"]].itertuples(
        index=False
    ):
        out.setdefault(int(acct), []).append((float(t), stage in ACTIVE, float(arr)))
    return out


def _state(steps: list, t: float) -> tuple[bool, float]:
    """(active, ARR) after the last step at or before ``t``."""
    before = [(a, arr) for time, a, arr in steps if time <= t]
    return before[-1] if before else (False, 0.0)


def _revenue(steps: list, horizon: float) -> float:
    """ARR earned while active, integrated over [0, horizon], in years of ARR."""
    total = 0.0
    for (t, active, arr), (t_next, _, _) in zip(steps, [*steps[1:], (horizon, 0, 0)], strict=True):
        if active:
            total += arr * (min(t_next, horizon) - max(t, 0.0)) / 365.0
    return total


def _period_rates(events: pd.DataFrame, lines: dict, a: float, b: float) -> dict[str, float]:
    """Logo retention, churn, renewal and upsell rates of the period (a, b]."""
    start = [k for k, steps in lines.items() if _state(steps, a)[0]]
    lost = [k for k in start if not _state(lines[k], b)[0]]
    inside = events[(events["time"] > a) & (events["time"] <= b)]["event"].astype(str)
    n = inside.value_counts()
    renewals, churns = n.get("renew", 0), n.get("churn", 0)
    upsells, fails = n.get("upsell", 0), n.get("upsell_fail", 0)
    return {
        "logo_retention": 100 * (len(start) - len(lost)) / len(start),
        "churn_rate": 100 * len(lost) / len(start),
        "renewal_rate": 100 * renewals / (renewals + churns) if renewals + churns else math.nan,
        "upsell_rate": 100 * upsells / (upsells + fails) if upsells + fails else math.nan,
    }


@pytest.fixture(scope="module")
def runs():
    """A year and a half (so the last 'year' is half a year) of two strategies."""
    sc = small_scenario(
        horizon_years=1.5,
        **{
            "portfolio.small.upsells_per_year": 3.0,
            "team.managers": 2,
            "team.hours_per_week": 40.0,
            "team.cost_per_hour": 75.0,
        },
    )
    tasks = [Run(sc, s, r, keep=True) for s in ("reactive", "customer_success") for r in (0, 1)]
    return run_many(tasks, jobs=1)


def test_totals_are_those_of_the_event_log(runs):
    for out in runs:
        ev, row = out.results.events, out.summary
        horizon = out.results.scenario.horizon_days
        lines = _timeline(ev)
        inside = ev[ev["time"] > 0]
        surveys = inside.loc[inside["event"] == "survey", "value"]
        resolved = inside.loc[inside["event"] == "issue_resolved", "value"]
        want = {
            "accounts_start": sum(_state(s, 0.0)[0] for s in lines.values()),
            "end_arr": sum(
                arr for active, arr in (_state(s, horizon) for s in lines.values()) if active
            ),
            # money per year: the total over the horizon / its length in years (1.5)
            "revenue": sum(_revenue(s, horizon) for s in lines.values()) / 1.5,
            "manager_hours": inside["hours"].sum(),
            "nps": 100 * ((surveys >= 9).mean() - (surveys <= 6).mean()),
            "time_to_resolution": resolved.mean(),
        }
        for figure, value in want.items():
            assert row[figure] == pytest.approx(value, rel=1e-9), (out.strategy, figure)


def test_yearly_rates_are_length_weighted_means_of_each_year(runs):
    """Year 1 is (0, 365], year 2 the half year (365, 547.5]: it weighs half as much, and its
    retention is compounded to a year first (kept R over half a year is R ** 2 a year);
    renewal and upsell rates are pooled over the whole horizon."""
    for out in runs:
        ev, row = out.results.events, out.summary
        lines = _timeline(ev)
        first = _period_rates(ev, lines, 0.0, 365.0)
        second = _period_rates(ev, lines, 365.0, 547.5)
        kept = 100 * (second["logo_retention"] / 100) ** 2
        yearly = {
            "logo_retention": (first["logo_retention"], kept),
            "churn_rate": (first["churn_rate"], 100 - kept),
        }
        for figure, pair in yearly.items():
            want = np.average(np.array(pair), weights=[2.0, 1.0])
            assert row[figure] == pytest.approx(want, rel=1e-9), (out.strategy, figure)
        whole = _period_rates(ev, lines, 0.0, 547.5)
        for figure in ("renewal_rate", "upsell_rate"):
            assert row[figure] == pytest.approx(whole[figure], rel=1e-9, nan_ok=True), figure


def test_costs_of_a_known_team(runs):
    # 2 managers x 40 h a week for 547.5 days (78.21 weeks) = 6,257.14 hours available;
    # headcount: 2 x 120,000 a year; hours worked at 75 an hour, per year (over 1.5 years)
    for out in runs:
        row = out.summary
        assert row["team_cost"] == pytest.approx(240_000.0)
        assert row["strategy_cost"] == pytest.approx(75.0 * row["manager_hours"] / 1.5)
        assert row["utilisation"] == pytest.approx(100 * row["manager_hours"] / 6_257.142857)
        assert 0 < row["utilisation"] < 100


def test_a_run_in_a_pool_equals_a_fresh_run(runs):
    """What the runner returns (computed once, possibly cached on the results) is what a new
    simulation of the same task gives when summarised from scratch."""
    for out in runs[::3]:
        fresh = simulate(out.results.scenario, out.strategy, out.replication)
        pd.testing.assert_series_equal(out.summary, run_summary(fresh), check_names=False)


def test_run_one_and_task_tuples():
    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    out = run_one((sc, "proactive", 2, False, None))
    assert isinstance(out, RunResult) and out.results is None
    assert (out.strategy, out.replication) == ("proactive_check_ins", 2)
    kept = run_one(Run(sc, get_strategy("proactive"), 2, keep=True))
    assert kept.results.replication == 2
    pd.testing.assert_series_equal(out.summary, kept.summary)


def test_run_many_keeps_task_order_on_several_processes():
    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    tasks = [(sc, get_strategy(s), r, False) for s in ("proactive", "reactive") for r in (1, 0)]
    serial = run_many(tasks, jobs=1)
    parallel = run_many(tasks, jobs=2)
    assert [(o.strategy, o.replication) for o in parallel] == [
        ("proactive_check_ins", 1),
        ("proactive_check_ins", 0),
        ("reactive", 1),
        ("reactive", 0),
    ]
    for a, b in zip(serial, parallel, strict=True):
        pd.testing.assert_series_equal(a.summary, b.summary, check_exact=True)
    assert not serial[0].summary.equals(serial[1].summary)  # replications differ
    assert run_many([]) == []


def test_a_strategy_defined_here_runs_in_forked_workers():
    """Forked workers inherit the tasks: a strategy class local to this test needs no pickling."""
    from simkit.engine.strategies import Reactive

    class Quiet(Reactive):
        name = "quiet"

    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    out = run_many([Run(sc, Quiet(), r) for r in range(2)], jobs=2)
    assert [o.strategy for o in out] == ["quiet", "quiet"]


def test_map_unordered_gives_every_result_once_with_its_index():
    tasks = list(range(7))
    for jobs in (1, 2):
        got = dict(map_unordered(_square, tasks, jobs=jobs))
        assert got == {i: i * i for i in tasks}


def _square(x: int) -> int:
    return x * x


def test_an_error_in_a_worker_reaches_the_caller():
    with pytest.raises(ZeroDivisionError):
        list(map_unordered(_inverse, [1, 0, 2], jobs=2))


def _inverse(x: int) -> float:
    return 1 / x


def test_replicate_returns_full_results_in_replication_order():
    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    runs = replicate(sc, "cs", 3, jobs=1)
    assert [r.replication for r in runs] == [0, 1, 2]
    assert {r.strategy for r in runs} == {"customer_success"}
    again = simulate(sc, "customer_success", 1)
    pd.testing.assert_frame_equal(runs[1].events, again.events)


def test_default_jobs_runs_small_work_here():
    small = small_scenario(horizon_years=0.5)
    assert default_jobs(3, small) == 1  # 3 runs x 60 accounts x 0.75 years: not worth it
    big = small_scenario(horizon_years=5, **{"portfolio.small.count": 2000})
    assert 1 <= default_jobs(8, big) <= 8
    assert default_jobs(1, big) == 1  # never more processes than runs


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3", True, None])
def test_replications_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="replications must be a whole number >= 1"):
        check_replications(bad)
    assert check_replications(np.int64(4)) == 4


# -- time limits --------------------------------------------------------------------------
class _Busy(Reactive):
    """Legal but endless work: a short call to every account every day."""

    name = "busy"

    def check_in(self, account):
        return Cadence(1, Touch("ping", 0.01))


def test_a_run_stops_at_its_time_limit_in_this_process_too():
    big = small_scenario(horizon_years=5, **{"portfolio.small.count": 2000})
    started = time.monotonic()
    with pytest.raises(SimulationTimeout, match="strategy 'busy', replication 0"):
        run_many([Run(big, _Busy(), 0)], jobs=1, time_limit=0.3)
    assert time.monotonic() - started < 10


def test_a_time_limit_leaves_the_figures_unchanged():
    sc = small_scenario(horizon_years=0.5)
    plain = run_one(Run(sc, "cs", 0))
    limited = run_one(Run(sc, "cs", 0, time_limit=600))
    pd.testing.assert_series_equal(plain.summary, limited.summary, check_exact=True)
    assert run_many([Run(sc, "cs", 0)], jobs=1, time_limit=600)[0].summary.equals(plain.summary)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), "fast"])
def test_a_bad_time_limit_is_refused_before_anything_runs(bad):
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        run_many([Run(small_scenario(), "reactive", 0)], jobs=1, time_limit=bad)


# -- lean runs ------------------------------------------------------------------------------
def test_runs_are_lean_unless_their_results_are_kept():
    sc = small_scenario(horizon_years=0.5)
    assert Run(sc, "cs", 0).records == "summary"
    assert Run(sc, "cs", 0, keep=True).records == "events"
    assert Run(sc, "cs", 0, keep=True, record="summary").records == "summary"
    lean_kept = run_one(Run(sc, "cs", 0, keep=True, record="summary")).results
    full = run_one(Run(sc, "cs", 0, keep=True)).results
    assert lean_kept.lean and not full.lean
    pd.testing.assert_series_equal(run_summary(lean_kept), run_summary(full), check_exact=True)


def test_replay_gives_one_lean_run_again_with_its_events():
    sc = small_scenario(**{"relationships.referral_rate": 0.5})
    task = Run(sc, "cs+proactive", 2)
    lean = run_one(task)
    full = replay(task)
    assert full.recorded == "events" and (full.strategy, full.replication) == lean[:2]
    assert len(full.story(int(full.accounts["account"].iloc[0]))) > 0
    pd.testing.assert_series_equal(run_summary(full), lean.summary, check_exact=True)


def test_a_bad_record_is_one_clear_error():
    with pytest.raises(ValueError, match="record must be 'summary' or 'events', got 'log'"):
        run_one(Run(small_scenario(horizon_years=0.5), "cs", 0, record="log"))
