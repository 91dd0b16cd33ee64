"""What an exercise is: its answer, the wrong answers we expect, and what to say to each.

An :class:`Exercise` does not store its right answer. It holds a *solver*, a small function
that computes the answer -- and the numbers the hints quote, and the wrong answers the
anticipated :class:`Mistake` objects refer to -- from the exercise's own numbers. Those
computed values are the exercise's *facts*:

>>> ex = Exercise(
...     id="double", notebook="00-demo", title="Double it", level="formula", metrics=(),
...     solve=lambda: {"answer": 2 * 21, "halved": 21 / 2},
...     mistakes=(Mistake("You halved {answer}'s input.", value="halved"),),
... )
>>> ex.facts()["answer"]
42
>>> ex.anticipated()
[(10.5, "You halved 42's input.")]
>>> ex.kind, ex.close(42.03, 42), ex.close(43, 42)
('number', True, False)

The exercises themselves are read from ``simkit/data/exercises.toml`` by
:mod:`simkit.teaching.registry`; :mod:`simkit.teaching.feedback` turns an answer into a
message, and :mod:`simkit.teaching.exercises` is what notebooks import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["LEVELS", "Exercise", "Facts", "Mistake", "fill"]

Facts = dict[str, Any]
"""An exercise's numbers: ``"answer"`` is the right answer, the rest are quoted by hints."""

LEVELS = ("formula", "table", "interpretation", "simulation", "design")
"""Kinds of exercise, from applying one formula to designing a strategy."""


def fill(template: str, facts: Facts) -> str:
    """Fill the ``{name}`` fields of a hint or explanation from an exercise's facts.

    >>> fill("Divide by {start}, not by {end}.", {"start": 240, "end": 252})
    'Divide by 240, not by 252.'
    """
    return template.format(**facts)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer we expect, and the hint that goes with it.

    Give exactly one of ``value`` (the name of the fact holding the wrong number this
    mistake produces) or ``when`` (a test for a whole family of wrong answers).

    Parameters
    ----------
    hint : what to say; ``{name}`` fields are filled from the exercise's facts.
    value : name of the fact holding the wrong value this mistake produces.
    when : instead of ``value``, a test ``when(answer, facts)`` for a family of wrong answers.
    example : for ``when`` mistakes, one answer it catches (used by the tests).
    either_sign : for ``value`` mistakes, also catch the value with its sign flipped.

    >>> Mistake("Negative? Use fractions.", when=lambda x, facts: x < 0, example=-1.0).example
    -1.0
    >>> Mistake("no way to recognise it")
    Traceback (most recent call last):
    ...
    ValueError: a Mistake needs exactly one of value or when
    """

    hint: str
    value: str | None = None
    when: Callable[[float, Facts], bool] | None = None
    example: float | None = None
    either_sign: bool = False

    def __post_init__(self) -> None:
        if (self.value is None) == (self.when is None):
            raise ValueError("a Mistake needs exactly one of value or when")
        if self.when is not None and self.example is None:
            raise ValueError("a Mistake with when= also needs an example answer it catches")


@cache
def _solved(solve: Callable[[], Facts]) -> Facts:
    """Run a solver once per session (simulation exercises take a second or two)."""
    return solve()


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to find its answer, and how to respond to each kind of answer.

    Attributes
    ----------
    id : short name used in ``check(id, answer)``.
    notebook : the source notebook (``exercises/source/<notebook>.ipynb``) that asks it.
    title : a few words shown in feedback and progress.
    level : one of :data:`LEVELS`: a mix of levels lets a facilitator pick exercises for
        the group.
    metrics : the :mod:`simkit.analysis.metrics` functions it practises (every one must be
        covered).
    solve : returns the facts: ``"answer"`` is the right answer, the rest are the numbers
        the hints quote and the wrong answers the mistakes refer to.
    mistakes : anticipated wrong numbers, tried in order after the right answer.
    hint : what to say when no anticipated mistake matches.
    success : what to say when the answer is right.
    fill_in : what the learner should put in the answer (said for ``...`` and wrong types).
    unit : ``"%"``, ``"points"`` (NPS), ``"money"``, ``"days"``, ``"hours"`` or ``""``; the
        percent-vs-fraction check runs for ``%`` and ``points``.
    options, feedback : for multiple choice, letter -> option text and letter -> explanation.
    judge : for open problems, a function ``judge(answer, verdicts) -> (passed, message)``
        that picks and fills one of ``verdicts``.
    verdicts : for open problems, the judge's messages by name (``{name}`` fields are
        filled by the judge), so that their words live in the registry file too.
    rel_tol, abs_tol : how close a number must be to count as right.
    """

    id: str
    notebook: str
    title: str
    level: str
    metrics: tuple[str, ...]
    solve: Callable[[], Facts]
    mistakes: tuple[Mistake, ...] = ()
    hint: str = ""
    success: str = ""
    fill_in: str = "a number"
    unit: str = ""
    options: Mapping[str, str] | None = None
    feedback: Mapping[str, str] | None = None
    judge: Callable[[Any, Mapping[str, str]], tuple[bool, str]] | None = field(
        default=None, repr=False
    )
    verdicts: Mapping[str, str] | None = None
    rel_tol: float = 1e-3
    abs_tol: float = 0.0

    @property
    def kind(self) -> str:
        """``number``, ``choice`` (multiple choice) or ``design`` (judged by a function)."""
        return "design" if self.judge else "choice" if self.options else "number"

    def facts(self) -> Facts:
        """The exercise's numbers, computed by its solver once per session."""
        return _solved(self.solve)

    def close(self, x: float, target: float) -> bool:
        """True when ``x`` is within the exercise's tolerance of ``target``."""
        return abs(x - target) <= max(self.abs_tol, self.rel_tol * abs(target))

    def anticipated(self) -> list[tuple[Any, str]]:
        """Each anticipated wrong answer with the hint it must get (what the tests try)."""
        facts = self.facts()
        if self.kind == "choice":
            assert self.options is not None and self.feedback is not None
            return [
                (k, fill(self.feedback[k], facts)) for k in self.options if k != facts["answer"]
            ]
        out = []
        for mk in self.mistakes:
            answer = facts[mk.value] if mk.value else mk.example
            out.append((answer, fill(mk.hint, facts)))
        return out
