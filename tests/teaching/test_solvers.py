"""Tests for simkit.teaching.solvers: the design problem's judge, and solver registration."""

from __future__ import annotations

import pytest

from simkit.engine.strategies import Strategy
from simkit.teaching import exercises as ex
from simkit.teaching.solvers import SOLVERS
from simkit.teaching.solvers.core import solves

# -- the design problem ----------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (_Unchanged, "Pass a strategy object: _Unchanged()"),
        ("reactive", "has type str"),
        (_Unchanged(), "does exactly what reactive does"),
        (Strategy(pitch_health=30), "its own name"),
        (_Broken(), "check_in raised RuntimeError: forgot to return a Cadence"),
    ],
)
def test_design_check_explains_what_is_missing(answer, expected):
    result = ex.check("beat-reactive", answer)
    assert not result.passed
    assert expected in result.message


@pytest.mark.slow
def test_design_check_reports_the_paired_difference_of_a_worse_strategy():
    result = ex.check("beat-reactive", _Farmer())
    assert not result.passed
    assert result.message.startswith("No better than reactive: NRR -")
    assert "95 % CI" in result.message and "3 paired runs" in result.message


# -- registration ------------------------------------------------------------------------------


def test_every_exercise_has_exactly_its_own_solver():
    assert set(SOLVERS) == set(ex.EXERCISES)
    assert all(ex.EXERCISES[i].solve is SOLVERS[i] for i in SOLVERS)


def test_a_second_solver_for_the_same_exercise_is_refused():
    with pytest.raises(ValueError, match="two solvers for exercise 'upsell-rate'"):
        solves("upsell-rate")(lambda: {"answer": 0})
    assert SOLVERS["upsell-rate"]()["answer"] == 60.0  # the first one is kept
