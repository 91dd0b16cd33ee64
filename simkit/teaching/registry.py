"""The exercise registry: the words of every exercise, read from ``simkit/data/exercises.toml``.

The TOML file holds what a teacher writes -- titles, hints, anticipated wrong answers,
multiple-choice options -- and the small data tables; the numbers come from code. Each
``[[exercise]]`` must have a *solver* (a function returning its facts, see
:mod:`simkit.teaching.solvers`) and each solver an exercise, so an exercise cannot ask a
question nobody computes the answer to:

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "exercises.toml"
>>> _ = path.write_text('''
... [[exercise]]
... id = "double"
... notebook = "00-demo"
... title = "Double it"
... level = "formula"
... metrics = []
... [[exercise.mistake]]
... value = "halved"
... hint = "You halved it: {halved}."
... ''')
>>> exercises = load_exercises(path, {"double": lambda: {"answer": 42, "halved": 10.5}})
>>> exercises["double"].anticipated()
[(10.5, 'You halved it: 10.5.')]
>>> load_exercises(path, {})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: exercises.toml: exercise 'double': no solver; add @solves('double') in ...

Every key is checked, so a typo in the file names the exercise and the key instead of
being silently ignored.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simkit.teaching.exercise import LEVELS, Exercise, Facts, Mistake

__all__ = ["REGISTRY_FILE", "WHEN", "load_exercises", "read_tables"]

REGISTRY_FILE = Path(__file__).resolve().parents[1] / "data" / "exercises.toml"
"""Titles, hints, wrong answers, options and data tables of every exercise."""

WHEN: dict[str, Callable[[float, Facts], bool]] = {"negative": lambda x, facts: x < 0}
"""Named tests for mistakes that cover a family of answers (``when = "negative"``)."""

_EXERCISE_KEYS = {
    "id", "notebook", "title", "level", "metrics", "unit", "fill_in", "rel_tol", "abs_tol",
    "judge", "verdicts", "success", "hint", "options", "feedback", "mistake",
}  # fmt: skip
_MISTAKE_KEYS = {"value", "when", "example", "either_sign", "hint"}

Judge = Callable[[Any, Mapping[str, str]], tuple[bool, str]]


def _default_fill_in(entry: Mapping[str, Any]) -> str:
    if "options" in entry:
        return "the letter of your choice, e.g. 'a'"
    return {"%": "a percentage from 0 to 100", "points": "a score from -100 to 100"}.get(
        entry.get("unit", ""), "a number"
    )


def _mistakes(entry: Mapping[str, Any], where: str) -> tuple[Mistake, ...]:
    mistakes = []
    for i, mk in enumerate(entry.get("mistake", [])):
        bad = set(mk) - _MISTAKE_KEYS
        if bad:
            raise ValueError(f"{where} mistake {i + 1}: unknown keys {sorted(bad)}")
        when = mk.get("when")
        if when is not None and when not in WHEN:
            raise ValueError(f"{where} mistake {i + 1}: when must be one of {sorted(WHEN)}")
        mistakes.append(
            Mistake(
                hint=mk["hint"],
                value=mk.get("value"),
                when=WHEN[when] if when else None,
                example=mk.get("example"),
                either_sign=bool(mk.get("either_sign", False)),
            )
        )
    return tuple(mistakes)


def _build(
    entry: Mapping[str, Any],
    where: str,
    solve: Callable[[], Facts],
    judges: Mapping[str, Judge],
) -> Exercise:
    unknown = set(entry) - _EXERCISE_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_EXERCISE_KEYS)}"
        )
    if entry.get("level") not in LEVELS:
        raise ValueError(f"{where}: level must be one of {', '.join(LEVELS)}")
    options, feedback = entry.get("options"), entry.get("feedback")
    if (options is None) != (feedback is None) or (options and set(options) != set(feedback)):
        raise ValueError(f"{where}: options and feedback must have the same letters")
    judge = entry.get("judge")
    if judge is not None and judge not in judges:
        raise ValueError(f"{where}: judge must be one of {', '.join(sorted(judges)) or 'none'}")
    verdicts = entry.get("verdicts")
    if (judge is None) != (verdicts is None):
        raise ValueError(f"{where}: judge and verdicts go together (an open problem needs both)")
    if judge is not None:
        needed, given = set(getattr(judges[judge], "verdicts", ())), set(verdicts)
        if needed != given:
            missing, extra = sorted(needed - given), sorted(given - needed)
            raise ValueError(
                f"{where}: verdicts must be exactly the judge's {sorted(needed)}; "
                f"missing {missing}, unknown {extra}"
            )
    return Exercise(
        id=entry["id"],
        notebook=entry["notebook"],
        title=entry["title"],
        level=entry["level"],
        metrics=tuple(entry["metrics"]),
        solve=solve,
        mistakes=_mistakes(entry, where),
        hint=entry.get("hint", ""),
        success=entry.get("success", ""),
        fill_in=entry.get("fill_in", _default_fill_in(entry)),
        unit=entry.get("unit", ""),
        options=options,
        feedback=feedback,
        judge=judges[judge] if judge is not None else None,
        verdicts=verdicts,
        rel_tol=float(entry.get("rel_tol", 1e-3)),
        abs_tol=float(entry.get("abs_tol", 0.0)),
    )


def load_exercises(
    path: Path,
    solvers: Mapping[str, Callable[[], Facts]],
    judges: Mapping[str, Judge] | None = None,
) -> dict[str, Exercise]:
    """Read the ``[[exercise]]`` entries of a registry file, in order, as :class:`Exercise`.

    Parameters
    ----------
    path : the TOML file (normally :data:`REGISTRY_FILE`).
    solvers : exercise id -> its solver; every exercise needs one and every solver an
        exercise.
    judges : name -> function judging open answers, for entries with ``judge = "name"``;
        such an entry's ``[exercise.verdicts]`` must name exactly the messages the judge
        declares (its ``verdicts`` attribute, see :func:`simkit.teaching.solvers.core.judges`).

    Raises ValueError naming the exercise for an unknown key, a bad level, a missing
    solver, options without feedback, a judge without its verdicts, or a duplicate id.
    """
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    exercises: dict[str, Exercise] = {}
    for i, entry in enumerate(raw.get("exercise", [])):
        ex_id = entry.get("id", f"#{i + 1}")
        where = f"{path.name}: exercise {ex_id!r}"
        if ex_id in exercises:
            raise ValueError(f"{where}: duplicate id")
        if ex_id not in solvers:
            raise ValueError(
                f"{where}: no solver; add @solves({ex_id!r}) in simkit/teaching/solvers/"
            )
        exercises[ex_id] = _build(entry, where, solvers[ex_id], judges or {})
    orphans = set(solvers) - set(exercises)
    if orphans:
        raise ValueError(f"{path.name}: solvers without an exercise: {sorted(orphans)}")
    return exercises


def read_tables(path: Path = REGISTRY_FILE) -> dict[str, dict[str, Any]]:
    """The ``[data.NAME]`` tables of a registry file: name -> column name -> values.

    Each table may have an ``about`` entry, one line saying what it holds.

    >>> read_tables()["mrr"]["about"]
    "16 accounts' monthly recurring revenue at the start and end of a quarter."
    """
    return tomllib.loads(path.read_text(encoding="utf-8")).get("data", {})
