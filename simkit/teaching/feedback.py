"""Feedback: turn a learner's answer into "right" or a hint aimed at what went wrong.

:func:`judge` looks at an answer the way a patient teacher would, in this order:

1. Is it an answer at all? ``...`` and ``None`` are asked to be replaced; text, True/False,
   NaN, a one-value Series and a whole array each get their own explanation.
2. Is it right, within the exercise's tolerance?
3. Is it one of the wrong answers the exercise anticipates (dividing by the end count,
   counting new clients as retained...)? Then that mistake's hint.
4. Otherwise the common slips: a fraction where a percentage was asked (0.95 for 95), a
   percentage multiplied by 100 twice, the sign flipped, rounded too early; and finally
   "too high" or "too low" with the exercise's general hint.

>>> from simkit.teaching.exercise import Exercise
>>> rate = Exercise(id="rate", notebook="00", title="A rate", level="formula", metrics=(),
...                 solve=lambda: {"answer": 95.0}, unit="%", hint="Divide by the start.")
>>> judge(rate, 95.04)
(True, 'Right.')
>>> print(judge(rate, 0.95)[1])
0.95 looks like a fraction. Rates in simkit are percentages from 0 to 100: multiply
by 100 (0.95 -> 95).
>>> judge(rate, 120)[1]
'120 is too high. Divide by the start.'

:func:`simkit.teaching.exercises.check` wraps this in a :class:`Result`, which notebooks
show as a coloured box.
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from simkit.teaching.exercise import Exercise, Facts, fill

__all__ = ["Result", "as_number", "judge", "show"]


@dataclass(frozen=True)
class Result:
    """The outcome of checking an answer: ``passed`` and a ``message`` that says why.

    Its ``repr`` is one line of text; in a notebook it shows as a green or red box.

    >>> Result("upsell-rate", "Upsell success rate", True, "6 of 10 offers accepted: 60 %.")
    ✔ Correct [upsell-rate] 6 of 10 offers accepted: 60 %.
    """

    exercise: str
    title: str
    passed: bool
    message: str

    def __repr__(self) -> str:
        mark = "✔ Correct" if self.passed else "✘ Not yet"
        return f"{mark} [{self.exercise}] {self.message}"

    def _repr_html_(self) -> str:
        colour, mark = ("#1b7837", "✔ Correct") if self.passed else ("#b2182b", "✘ Not yet")
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:2px 0">'
            f'<b style="color:{colour}">{mark}</b> &middot; {html.escape(self.title)} '
            f'<code style="color:#666">{html.escape(self.exercise)}</code><br>'
            f"{html.escape(self.message)}</div>"
        )


def judge(ex: Exercise, answer: Any) -> tuple[bool, str]:
    """Decide whether ``answer`` is right for ``ex`` and say why: ``(passed, message)``.

    Numbers, multiple-choice letters and open (design) problems are each judged their own
    way; see the module docstring for the order in which slips are recognised.
    """
    if answer is None or answer is ... or answer is NotImplemented:
        return False, f"Replace the ... with your answer: {ex.fill_in}."
    if ex.judge is not None:
        return ex.judge(answer, ex.verdicts or {})
    facts = ex.facts()
    if ex.kind == "choice":
        return _judge_choice(ex, answer, facts)
    return _judge_number(ex, answer, facts)


def _judge_choice(ex: Exercise, answer: Any, facts: Facts) -> tuple[bool, str]:
    assert ex.options is not None and ex.feedback is not None
    letters = list(ex.options)
    if not isinstance(answer, str):
        return (
            False,
            f"Answer with the letter of your choice in quotes, for example {letters[0]!r}.",
        )
    key = answer.strip().strip("()").rstrip(").:").strip().lower()
    if key not in ex.options:
        by_text = [k for k, text in ex.options.items() if text.lower() == answer.strip().lower()]
        if not by_text:
            return False, f"{answer!r} is not one of the options: answer with {', '.join(letters)}."
        key = by_text[0]
    return key == facts["answer"], fill(ex.feedback[key], facts)


_TYPE_NAMES = {"ndarray": "NumPy array", "Series": "pandas Series", "DataFrame": "pandas DataFrame"}


def as_number(ex: Exercise, answer: Any) -> tuple[float | None, str]:
    """The answer as a float, or ``None`` and a hint about why it is not a number yet.

    >>> from simkit.teaching.exercise import Exercise
    >>> ex = Exercise(id="x", notebook="00", title="x", level="formula", metrics=(),
    ...               solve=dict, fill_in="a percentage")
    >>> as_number(ex, 95)
    (95.0, '')
    >>> as_number(ex, "95 %")[1]
    "Your answer is text ('95 %'). Write the number without quotes or %."
    """
    if isinstance(answer, (bool, np.bool_)):
        return None, f"{answer} is True/False, not a number. Put {ex.fill_in} in your answer."
    if isinstance(answer, (numbers.Real, Decimal)):
        x = float(answer)
        if math.isnan(x):
            return None, (
                "Your answer is NaN (not a number): somewhere a missing value or a division "
                "by zero crept in. Check that your selections are not empty."
            )
        return x, ""
    if isinstance(answer, str):
        text = answer.strip().rstrip("%").replace(",", "").strip()
        try:
            float(text)
        except ValueError:
            return None, f"Your answer is the text {answer!r}. Put {ex.fill_in} in your answer."
        return None, f"Your answer is text ({answer!r}). Write the number without quotes or %."
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)):
        size = int(np.size(answer)) if not isinstance(answer, pd.DataFrame) else answer.size
        what = _TYPE_NAMES.get(type(answer).__name__, type(answer).__name__)
        if size == 1:
            return None, (
                f"Your answer is a {what} holding one value. Take the number out of it, "
                "for example with float(...) or .iloc[0]."
            )
        return None, (
            f"Your answer is a {what} of {size} values, but the exercise asks for one number: "
            f"{ex.fill_in}."
        )
    return None, f"Your answer has type {type(answer).__name__}. Put {ex.fill_in} in your answer."


def _judge_number(ex: Exercise, answer: Any, facts: Facts) -> tuple[bool, str]:
    x, problem = as_number(ex, answer)
    if x is None:
        return False, problem
    expected = float(facts["answer"])
    if ex.close(x, expected):
        return True, fill(ex.success, facts) if ex.success else "Right."
    for mk in ex.mistakes:
        if mk.when is not None:
            hit = mk.when(x, facts)
        else:
            assert mk.value is not None
            wrong = float(facts[mk.value])
            hit = ex.close(x, wrong) or (mk.either_sign and ex.close(-x, wrong))
        if hit:
            return False, fill(mk.hint, facts)
    if expected != 0 and ex.unit in ("%", "points"):
        if ex.close(x * 100, expected):
            scale = "from 0 to 100" if ex.unit == "%" else "from -100 to +100"
            what = "Rates in simkit are percentages" if ex.unit == "%" else "NPS is in points"
            return False, (
                f"{show(x)} looks like a fraction. {what} {scale}: multiply by 100 "
                f"({show(x)} -> {show(x * 100)})."
            )
        if ex.close(x / 100, expected):
            return False, (
                f"{show(x)} is 100 times too big: did you multiply by 100 twice, or by 100 "
                "after a formula that already gives a percentage?"
            )
    if expected != 0 and ex.close(-x, expected):
        return False, "Right size, wrong sign: check which number you subtract from which."
    if abs(x - expected) <= 0.02 * abs(expected):
        return False, (
            "Very close: did you round too early? Keep the full numbers until the end "
            "(or at least two decimals)."
        )
    direction = "too high" if x > expected else "too low"
    return False, f"{show(x)} is {direction}. {fill(ex.hint, facts)}".strip()


def show(x: float) -> str:
    """A number as people write it in a hint: 95, 90.48, 0.95, 45,000.

    >>> [show(v) for v in (95.0, 90.476, 0.95, 45000.0)]
    ['95', '90.48', '0.95', '45,000']
    """
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.4g}"
