"""Tests for simkit.teaching.exercises: every exercise asked, solved, and answering back.

These go through :func:`check` with the real registry, so each exercise's anticipated
mistakes, options and tolerance are tried as a learner would meet them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from simkit.analysis import metrics
from simkit.teaching import exercises as ex
from simkit.teaching.build import HIDDEN

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "exercises" / "source"
SOURCES = sorted(SOURCE.glob("*.ipynb"))
NUMBERS = [e.id for e in ex.EXERCISES.values() if e.kind == "number"]
CHOICES = [e.id for e in ex.EXERCISES.values() if e.kind == "choice"]
PERCENTS = [e.id for e in ex.EXERCISES.values() if e.unit in ("%", "points")]
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def _answer(exercise_id: str):
    return ex.EXERCISES[exercise_id].facts()["answer"]


def _code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# -- coverage: every metric practised, every exercise asked once ---------------------------------


def test_every_metric_function_has_an_exercise():
    functions = {n for n in metrics.__all__ if callable(getattr(metrics, n)) and n[0].islower()}
    practised = {m for e in ex.EXERCISES.values() for m in e.metrics}
    assert functions - practised == set()
    assert practised - functions == set(), "exercises name metrics that do not exist"


def test_every_exercise_is_asked_once_in_its_own_source_notebook():
    asked: dict[str, list[str]] = {}
    for path in SOURCES:
        for cell in _code_cells(path):
            if HIDDEN[0] not in cell.source:
                for ex_id in CHECK_CALL.findall(cell.source):
                    asked.setdefault(ex_id, []).append(path.stem)
    assert set(asked) == set(ex.EXERCISES)
    for ex_id, books in asked.items():
        assert books == [ex.EXERCISES[ex_id].notebook], ex_id


def test_levels_are_mixed_and_every_notebook_has_a_table_or_simulation_problem():
    levels = ex.catalogue().groupby("notebook")["level"].agg(set)
    assert set(ex.catalogue()["level"]) == set(ex.LEVELS)
    for book, kinds in levels.items():
        if book.startswith("08"):
            assert kinds == {"design"}
        else:
            assert kinds & {"table", "simulation"}, book


@pytest.mark.parametrize("exercise_id", CHOICES)
def test_multiple_choice_options_match_the_notebook_text(exercise_id):
    e = ex.EXERCISES[exercise_id]
    nb = nbformat.read(SOURCE / f"{e.notebook}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for letter, option in e.options.items():
        assert f"**{letter}**: {option}" in text


# -- solutions: the executed sources show a passing check for every exercise ---------------------


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_notebooks_are_stored_executed_with_every_check_passing(path):
    for cell in _code_cells(path):
        assert cell.execution_count is not None, f"never run: {cell.source[:60]!r}"
        if CHECK_CALL.search(cell.source) and HIDDEN[0] not in cell.source:
            text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            assert text.startswith("✔ Correct"), text
        for out in cell.outputs:
            assert out.get("output_type") != "error"
            assert not re.search(r"0x[0-9a-f]{6,}", json.dumps(out.get("data", {})))


@pytest.mark.parametrize(
    ("exercise_id", "index"),
    [
        (e.id, i)
        for e in ex.EXERCISES.values()
        if e.kind == "number"
        for i in range(len(e.mistakes))
    ],
)
def test_each_anticipated_wrong_number_gets_its_own_hint(exercise_id, index):
    e = ex.EXERCISES[exercise_id]
    wrong, hint = e.anticipated()[index]
    assert not e.close(wrong, _answer(exercise_id)), "a mistake must differ from the answer"
    result = ex.check(exercise_id, wrong)
    assert not result.passed
    assert result.message == hint
    assert "{" not in result.message  # every {field} was filled in


@pytest.mark.parametrize(
    ("exercise_id", "letter"),
    [(e.id, k) for e in ex.EXERCISES.values() if e.kind == "choice" for k in e.options],
)
def test_each_choice_gets_its_explanation(exercise_id, letter):
    e = ex.EXERCISES[exercise_id]
    result = ex.check(exercise_id, f"({letter.upper()})")
    assert result.passed == (letter == _answer(exercise_id))
    assert result.message == e.feedback[letter].format(**e.facts())
    assert ex.check(exercise_id, e.options[letter]).passed == result.passed  # the option text


@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_right_answer_passes_within_tolerance(exercise_id):
    e, right = ex.EXERCISES[exercise_id], _answer(exercise_id)
    slack = 0.9 * max(e.abs_tol, e.rel_tol * abs(right))
    assert ex.check(exercise_id, right).passed
    assert ex.check(exercise_id, np.float64(right) + slack).passed
    assert not ex.check(exercise_id, right + 1.2 * slack / 0.9).passed
    assert ex.check(exercise_id, round(right, 2)).passed
    # an answer clearly outside the tolerance (1.5 % off, or 3x the absolute tolerance for
    # small numbers) is wrong: it gets a hint, not a pass
    far = ex.check(exercise_id, right + max(0.015 * abs(right), 3 * e.abs_tol) if right else 0.5)
    assert not far.passed and far.message


@pytest.mark.parametrize("exercise_id", PERCENTS)
def test_fraction_and_double_percent_get_their_own_hint(exercise_id):
    right = _answer(exercise_id)
    small = ex.check(exercise_id, right / 100)
    assert not small.passed
    assert "looks like a fraction" in small.message
    assert "multiply by 100" in small.message
    big = ex.check(exercise_id, right * 100)
    assert not big.passed and "100 times too big" in big.message


# -- answers that are not answers yet, unknown exercises -----------------------------------


@pytest.mark.parametrize("exercise_id", [*NUMBERS, *CHOICES, "beat-reactive"])
@pytest.mark.parametrize("blank", [..., None])
def test_placeholder_answers_say_what_to_fill_in(exercise_id, blank):
    result = ex.check(exercise_id, blank)
    assert not result.passed
    assert (
        result.message == f"Replace the ... with your answer: {ex.EXERCISES[exercise_id].fill_in}."
    )


def test_unknown_exercise_suggests_the_nearest_id():
    with pytest.raises(
        ValueError, match="no exercise 'retention-fromula'; did you mean 'retention-formula'"
    ):
        ex.check("retention-fromula", 95)
