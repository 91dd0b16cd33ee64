"""Tests for simkit.teaching.solvers.design: exercise 08 is judged on NRR, economics and the
team's capacity, under a time cap.

The rule itself (:func:`verdict`) is tested on made-up figures; the judge end to end on a
one-year book (fast), and on the exercise's own two-year book (slow).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from simkit.engine.guard import SimulationTimeout
from simkit.engine.strategies import Cadence, Strategy, Touch, get_strategy
from simkit.teaching import exercises as ex
from simkit.teaching.datasets import exercise_scenario
from simkit.teaching.solvers import design
from simkit.teaching.solvers.design import (
    DESIGN_REPLICATIONS,
    DESIGN_TIME_LIMIT,
    MAX_MISSED_SHARE,
    MIN_RETURN,
    VERDICTS,
    Figures,
    judge_strategy,
    verdict,
)

WORDS = ex.EXERCISES["beat-reactive"].verdicts
NOTEBOOK = Path(__file__).resolve().parents[2] / "exercises/source/08-design-a-strategy.ipynb"


# -- strategies a learner might write ------------------------------------------------------------
class _Unchanged(Strategy):
    name = "unchanged"


class _Broken(Strategy):
    name = "broken"

    def check_in(self, account):
        raise RuntimeError("forgot to return a Cadence")


class _Farmer(Strategy):
    """Never pitches an upsell: NRR can only fall against reactive."""

    name = "farmer"

    def __init__(self) -> None:
        super().__init__(pitch_health=None)


class _OverBooked(Strategy):
    """A 3-hour review every 30 days for every account: far more than four managers can do."""

    name = "monthly review for all"

    def check_in(self, account):
        return Cadence(every_days=30, touch=Touch("review", hours=3.0))


class _KeyAndEnterprise(Strategy):
    """A one-hour check-in every quarter, for key and enterprise accounts only."""

    name = "key and enterprise check-ins"

    def check_in(self, account):
        if account.segment in ("key", "enterprise"):
            return Cadence(every_days=91, touch=Touch("check_in", hours=1.0))
        return None


class _Loops(Strategy):
    """A check_in that never returns."""

    name = "loops"

    def check_in(self, account):
        while True:
            pass


# -- answers that are not designs ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (_Unchanged, "Pass a strategy object: _Unchanged()"),
        ("reactive", "has type str"),
        (get_strategy("reactive"), "the reactive baseline itself"),
        (_Unchanged(), "does exactly what reactive does"),
        (Strategy(pitch_health=30), "its own name"),
        (_Broken(), "check_in raised RuntimeError: forgot to return a Cadence"),
    ],
)
def test_design_check_explains_what_is_missing(answer, expected):
    result = ex.check("beat-reactive", answer)
    assert not result.passed
    assert expected in result.message


# -- the rule on made-up figures -----------------------------------------------------------------
GOOD = Figures(
    nrr_gain=9.5, nrr_low=6.7, nrr_high=12.3, ret=6.8, ret_low=4.3, ret_high=9.2,
    net_gain=1.5e6, net_low=0.9e6, net_high=2.1e6, extra_profit=1.7e6, extra_cost=0.23e6,
    utilisation=83.0, base_utilisation=46.4, load_limit=85.0, missed_share=0.0,
    touches_missed=0.0, touches_planned=1105.0, replications=3, managers=4,
)  # fmt: skip
NAN = math.nan


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, (True, "passed")),
        ({"utilisation": 85.0}, (True, "passed")),  # at the sustainable load is allowed
        ({"utilisation": 85.1}, (False, "overbooked")),
        # capacity comes first: a clear NRR gain does not save an over-booked plan
        ({"utilisation": 99.0, "nrr_low": 3.0, "missed_share": 40.0}, (False, "overbooked")),
        ({"missed_share": MAX_MISSED_SHARE}, (True, "passed")),
        ({"missed_share": MAX_MISSED_SHARE + 0.1}, (False, "missed_work")),
        ({"nrr_gain": -0.5, "nrr_low": -2.0}, (False, "worse")),
        ({"nrr_gain": 0.0, "nrr_low": -2.0}, (False, "worse")),
        ({"nrr_low": -0.1}, (False, "unclear")),
        ({"ret_low": MIN_RETURN}, (False, "does_not_pay")),
        ({"ret": 0.6, "ret_low": 0.2, "ret_high": 0.9}, (False, "does_not_pay")),
        # no clear extra cost: the return is undefined; profit net of cost must be clearly up
        ({"ret": NAN, "ret_low": NAN, "ret_high": NAN}, (True, "passed")),
        ({"ret": NAN, "ret_low": NAN, "ret_high": NAN, "net_low": -1.0}, (False, "does_not_pay")),
    ],
)
def test_the_rule(change, expected):
    assert verdict(replace(GOOD, **change)) == expected


@pytest.mark.parametrize("name", ["overbooked", "missed_work", "worse", "unclear", "passed"])
@pytest.mark.parametrize("defined", [True, False])
def test_every_verdict_is_filled_in(name, defined):
    f = GOOD if defined else replace(GOOD, ret=NAN, ret_low=NAN, ret_high=NAN)
    text = design._message(name, f, WORDS)
    assert "{" not in text and "}" not in text
    assert "NRR +9.5 points against reactive (95 % CI +6.7 to +12.3)" in text
    if name == "passed":
        assert ("a return of 6.80 (95 % CI 4.30 to 9.20)" in text) == defined
        assert ("return is not defined" in text) != defined


def test_the_verdicts_in_the_registry_are_the_judges():
    assert set(WORDS) == set(VERDICTS) == set(judge_strategy.verdicts)


def test_a_run_past_the_time_limit_gets_a_clear_message(monkeypatch):
    def too_slow(*args, **kwargs):
        raise SimulationTimeout("strategy 'x', replication 0: no result after 30 s")

    monkeypatch.setattr(design, "run_design", too_slow)
    result = ex.check("beat-reactive", _KeyAndEnterprise())
    assert not result.passed
    assert result.message.startswith(
        f"Stopped: one simulated run of your strategy took longer than {DESIGN_TIME_LIMIT:g} "
        "seconds"
    )
    assert "loop forever" in result.message and "setup(accounts)" in result.message


# -- the judge on simulations: a one-year book (fast) --------------------------------------------
@pytest.fixture(scope="module")
def one_year():
    return exercise_scenario().update({"horizon_years": 1.0})


def test_an_over_booked_strategy_is_rejected_naming_utilisation_and_missed_work(one_year):
    passed, message = judge_strategy(_OverBooked(), WORDS, scenario=one_year)
    assert not passed
    assert message.startswith("Rejected: your strategy over-books the team. Utilisation is 100 %")
    missed = re.search(r"and (\d+) % of the touches you plan are missed \(([\d,]+) of", message)
    assert missed and int(missed.group(1)) > 50, message
    assert "above the sustainable 85 %" in message


def test_customer_success_passes_with_its_return(one_year):
    passed, message = judge_strategy(get_strategy("customer_success"), WORDS, scenario=one_year)
    assert passed, message
    assert message.startswith("Your strategy beats reactive and pays for itself: NRR +")
    ret = re.search(r"a return of ([\d.]+) \(95 % CI ([\d.-]+) to ([\d.]+)\)", message)
    assert ret and float(ret.group(2)) > MIN_RETURN


# -- the judge on the exercise itself (slow) -----------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "strategy",
    [get_strategy("customer_success"), _KeyAndEnterprise(), get_strategy("key_account_focus")],
    ids=lambda s: s.name,
)
def test_sensible_strategies_pass_the_exercise(strategy):
    result = ex.check("beat-reactive", strategy)
    assert result.passed, result.message
    assert f"over {DESIGN_REPLICATIONS} paired runs with the same 4 managers" in result.message


@pytest.mark.slow
def test_the_over_booked_strategy_is_rejected_in_the_exercise():
    result = ex.check("beat-reactive", _OverBooked())
    assert not result.passed
    assert "over-books the team. Utilisation is 100 %, above the sustainable 85 %" in result.message
    assert "of the touches you plan are missed" in result.message


@pytest.mark.slow
def test_a_clear_nrr_gain_does_not_excuse_a_team_at_full_load():
    """Customer success plus check-ins for everyone: NRR clearly up, but the team at 100 %."""
    result = ex.check("beat-reactive", get_strategy("customer_success+proactive_check_ins"))
    assert not result.passed
    assert result.message.startswith("Rejected: your strategy over-books the team.")
    gain = re.search(r"NRR \+([\d.]+) points against reactive \(95 % CI \+([\d.]+)", result.message)
    assert gain and float(gain.group(2)) > 0, result.message  # the NRR gain alone would pass


@pytest.mark.slow
def test_a_worse_strategy_is_told_so():
    result = ex.check("beat-reactive", _Farmer())
    assert not result.passed
    assert result.message.startswith("No better than reactive: NRR -")
    assert "95 % CI" in result.message and "3 paired runs" in result.message


@pytest.mark.slow
def test_a_strategy_that_never_returns_is_stopped(one_year):
    started = time.monotonic()
    passed, message = judge_strategy(
        _Loops(), WORDS, scenario=one_year, replications=2, time_limit=0.5
    )
    assert not passed
    assert message.startswith("Stopped: one simulated run of your strategy took longer than 0.5")
    assert time.monotonic() - started < 30  # stopped, not waited for


# -- the notebook states the rule the judge applies ----------------------------------------------
def test_the_notebook_states_the_rule_the_judge_applies():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    team = exercise_scenario().team
    words = {3: "three", 4: "four"}
    assert f"the {words[team.managers]} account managers of the exercise scenario" in text
    assert f"same {words[DESIGN_REPLICATIONS]} simulated books" in text
    assert f"sustainable load of {100 * team.sustainable_load:g} %" in text
    assert f"at most {MAX_MISSED_SHARE:g} % of the touches you plan are missed" in text
    assert f"is above {MIN_RETURN:g}, so each unit spent" in text
    assert f"may take at most {DESIGN_TIME_LIMIT:g} seconds" in text


def test_the_facilitator_guide_states_the_same_rule():
    guide = NOTEBOOK.parents[2] / "docs" / "facilitator-guide.md"
    text = " ".join(guide.read_text(encoding="utf-8").split())
    team = exercise_scenario().team
    words = {3: "three", 4: "four"}
    assert f"the same {words[DESIGN_REPLICATIONS]} simulated books" in text
    assert f"with the same {words[team.managers]} managers" in text
    assert f"sustainable load, {100 * team.sustainable_load:g} %" in text
    assert f"at most {MAX_MISSED_SHARE:g} % of the proactive touches" in text
    assert f"per year -- is above {MIN_RETURN:g}" in text
    assert f"time cap of {DESIGN_TIME_LIMIT:g} seconds" in text
