"""Tests for simkit.teaching.solvers: solver and judge registration (the design problem's
judge: test_design.py)."""

from __future__ import annotations

import pytest

from simkit.teaching import exercises as ex
from simkit.teaching.registry import REGISTRY_FILE, load_exercises
from simkit.teaching.solvers import JUDGES, SOLVERS
from simkit.teaching.solvers.core import solves

# -- registration ------------------------------------------------------------------------------


def test_every_exercise_has_exactly_its_own_solver():
    assert set(SOLVERS) == set(ex.EXERCISES)
    assert all(ex.EXERCISES[i].solve is SOLVERS[i] for i in SOLVERS)


def test_a_second_solver_for_the_same_exercise_is_refused():
    with pytest.raises(ValueError, match="two solvers for exercise 'upsell-rate'"):
        solves("upsell-rate")(lambda: {"answer": 0})
    assert SOLVERS["upsell-rate"]()["answer"] == 60.0  # the first one is kept


def test_a_judge_and_its_verdicts_must_match(tmp_path):
    text = REGISTRY_FILE.read_text(encoding="utf-8")
    cut = text.replace('\npassed = """', '\nwon = """')
    assert cut != text
    path = tmp_path / "exercises.toml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(
        ValueError,
        match=r"'beat-reactive': verdicts must be exactly.*"
        r"missing \['passed'\], unknown \['won'\]",
    ):
        load_exercises(path, SOLVERS, JUDGES)
    path.write_text(text.replace('judge = "strategy"\n', ""), encoding="utf-8")
    with pytest.raises(ValueError, match="'beat-reactive': judge and verdicts go together"):
        load_exercises(path, SOLVERS, JUDGES)
