"""Tests for simkit.teaching.feedback: how an answer is judged and how the verdict is shown."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simkit.teaching import exercises as ex
from simkit.teaching.exercise import Exercise, Mistake
from simkit.teaching.feedback import Result, judge, show


def _answer(exercise_id: str):
    return ex.EXERCISES[exercise_id].facts()["answer"]


# A made-up exercise, so the order in which slips are recognised is tested on its own:
# the answer is 40 %, 30 is the anticipated mistake, 55 is a negative-number family example.
RATE = Exercise(
    id="rate",
    notebook="00-demo",
    title="A rate",
    level="formula",
    metrics=(),
    solve=lambda: {"answer": 40.0, "by_end": 30.0},
    mistakes=(
        Mistake("Divided by the end: {by_end}.", value="by_end", either_sign=True),
        Mistake("Negative rates do not exist.", when=lambda x, facts: x < -50, example=-60.0),
    ),
    hint="Divide by the start.",
    success="Yes, {answer} %.",
    unit="%",
    fill_in="a percentage",
)


@pytest.mark.parametrize(
    ("answer", "passed", "message"),
    [
        (40.0, True, "Yes, 40.0 %."),
        (40.03, True, "Yes, 40.0 %."),  # inside the relative tolerance of 1e-3
        (30.0, False, "Divided by the end: 30.0."),
        (-30.0, False, "Divided by the end: 30.0."),  # either_sign
        (-60.0, False, "Negative rates do not exist."),  # a `when` family, before the sign check
        (
            0.4,
            False,
            "0.4 looks like a fraction. Rates in simkit are percentages from 0 to 100: "
            "multiply by 100 (0.4 -> 40).",
        ),
        (
            4000.0,
            False,
            "4,000 is 100 times too big: did you multiply by 100 twice, or by 100 "
            "after a formula that already gives a percentage?",
        ),
        (-40.0, False, "Right size, wrong sign: check which number you subtract from which."),
        (
            40.5,
            False,
            "Very close: did you round too early? Keep the full numbers until the end "
            "(or at least two decimals).",
        ),
        (45.0, False, "45 is too high. Divide by the start."),
        (12.0, False, "12 is too low. Divide by the start."),
        (..., False, "Replace the ... with your answer: a percentage."),
    ],
)
def test_judge_recognises_slips_in_order(answer, passed, message):
    assert judge(RATE, answer) == (passed, message)


def test_judge_of_a_choice_accepts_the_letter_or_the_option_text():
    quiz = Exercise(
        id="q",
        notebook="00-demo",
        title="Q",
        level="interpretation",
        metrics=(),
        solve=lambda: {"answer": "b", "n": 3},
        options={"a": "Churn", "b": "Retention"},
        feedback={"a": "No: {n} left.", "b": "Yes: {n} stayed."},
    )
    assert judge(quiz, " (B) ") == (True, "Yes: 3 stayed.")
    assert judge(quiz, "churn") == (False, "No: 3 left.")
    assert judge(quiz, "c") == (False, "'c' is not one of the options: answer with a, b.")


# -- slips the feedback names ------------------------------------------------------------


def test_rounding_too_early_sign_errors_and_direction_are_named():
    assert "round too early" in ex.check("retention-table", 79.0).message
    assert "wrong sign" in ex.check("sim-churn-points", -_answer("sim-churn-points")).message
    assert ex.check("clv-simple", 70_000).message.startswith("70,000 is too high.")
    assert ex.check("clv-simple", 1_000).message.startswith("1,000 is too low.")


def test_negative_discounted_clv_means_percent_inputs():
    result = ex.check("discounted-clv", 100 * 80 / (1 + 0.1 - 80))
    assert "fractions" in result.message and not result.passed


# -- answers that are not numbers yet ------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("95", "without quotes"),
        ("95 %", "without quotes"),
        ("ninety-five", "Put a percentage"),
        (True, "True/False"),
        (float("nan"), "NaN"),
        (pd.Series([95.0]), ".iloc[0]"),
        (pd.Series([95.0, 90.0]), "pandas Series of 2 values"),
        (np.array([95.0, 1.0, 2.0]), "NumPy array of 3 values"),
        ({"rate": 95}, "has type dict"),
    ],
)
def test_wrong_types_get_a_hint_not_a_crash(answer, expected):
    result = ex.check("retention-formula", answer)
    assert not result.passed
    assert expected in result.message


def test_choice_answers_must_be_a_known_letter():
    assert "letter of your choice" in ex.check("nps-interpret", 3).message
    assert (
        "not one of the options: answer with a, b, c, d" in ex.check("nps-interpret", "z").message
    )


# -- display ----------------------------------------------------------------------------------


def test_result_display_is_stable_text_and_html():
    good, bad = ex.check("upsell-rate", 60), ex.check("upsell-rate", 40)
    assert repr(good) == "✔ Correct [upsell-rate] 6 of 10 offers accepted: 60 %."
    assert repr(bad) == "✘ Not yet [upsell-rate] That is the share of offers turned down."
    html = bad._repr_html_()
    assert "Upsell success rate" in html and "#b2182b" in html and "0x" not in html
    assert "&lt;" in Result("x", "<b>", False, "a < b")._repr_html_()


def test_show_writes_numbers_the_way_people_do():
    assert [show(v) for v in (95.0, 90.476, 0.95, 45000.0, 266.666)] == [
        "95",
        "90.48",
        "0.95",
        "45,000",
        "266.7",
    ]
    assert math.isclose(float(show(1 / 3)), 0.3333)
