"""How solvers are registered: the :data:`SOLVERS` and :data:`JUDGES` tables.

A *solver* computes an exercise's facts -- ``"answer"`` and the numbers its hints quote --
with the plain functions of :mod:`simkit.analysis.metrics`, so no right answer is ever typed
in. Register one with :func:`solves`; the exercise's words live in
``simkit/data/exercises.toml`` under the same id:

>>> @solves("demo-growth")
... def _demo() -> Facts:
...     a, b = 50, 60
...     return dict(answer=pct(b - a, a), by_end=pct(b - a, b))
>>> SOLVERS.pop("demo-growth")() == {"answer": 20.0, "by_end": 100 * 10 / 60}
True

Multiple-choice questions only need the right letter (:func:`answer_is`); open problems
are judged by a function registered with :func:`judges`, which picks one of the messages
(*verdicts*) the exercise's entry in the TOML file holds and fills it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simkit.teaching.exercise import Facts

__all__ = ["JUDGES", "SOLVERS", "Facts", "answer_is", "judges", "pct", "solves"]

Solver = Callable[[], Facts]
Judge = Callable[[Any, Mapping[str, str]], tuple[bool, str]]

SOLVERS: dict[str, Solver] = {}
"""Exercise id -> function returning its facts (``"answer"`` and the numbers hints quote)."""

JUDGES: dict[str, Judge] = {}
"""Name -> function ``judge(answer, verdicts) -> (passed, message)`` for open problems."""


def solves(exercise_id: str) -> Callable[[Solver], Solver]:
    """Register the decorated function as the solver of ``exercise_id``."""

    def register(fn: Solver) -> Solver:
        if exercise_id in SOLVERS:
            raise ValueError(f"two solvers for exercise {exercise_id!r}")
        SOLVERS[exercise_id] = fn
        return fn

    return register


def judges(name: str, verdicts: Iterable[str] = ()) -> Callable[[Judge], Judge]:
    """Register the decorated function as the judge named ``name`` (``judge = "name"``).

    ``verdicts`` names the messages it may pick; the registry makes sure the exercise's
    ``[exercise.verdicts]`` table holds exactly those (they are kept on the function as
    its ``verdicts`` attribute).

    >>> @judges("demo", verdicts=["yes", "no"])
    ... def _demo(answer, words):
    ...     return answer == 42, words["yes" if answer == 42 else "no"].format(answer=answer)
    >>> JUDGES.pop("demo")(41, {"yes": "Right.", "no": "{answer} is not it."})
    (False, '41 is not it.')
    """

    def register(fn: Judge) -> Judge:
        fn.verdicts = tuple(verdicts)  # type: ignore[attr-defined]
        JUDGES[name] = fn
        return fn

    return register


def answer_is(exercise_id: str, letter: str) -> None:
    """Register a multiple-choice exercise whose right option is ``letter``.

    >>> answer_is("demo-choice", "b")
    >>> SOLVERS.pop("demo-choice")()
    {'answer': 'b'}
    """
    solves(exercise_id)(lambda: {"answer": letter})


def pct(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``: the shape of most wrong answers.

    >>> pct(18, 240)
    7.5
    """
    return 100.0 * part / whole
