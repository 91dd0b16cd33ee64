"""Metric exercises that answer back: right, or what went wrong and where to look.

Each exercise in :data:`EXERCISES` knows its right answer *and* the wrong answers people
usually give, each with a hint aimed at that mistake (dividing by the end count instead of
the start count, counting new clients as retained, typing 0.95 for 95 %...). The right
answers are not typed in anywhere: a small function per exercise (its *solver*, in
:mod:`simkit.teaching.solvers`) computes them from the exercise's numbers with the plain
functions in :mod:`simkit.analysis.metrics`, or from a simulation. The words -- titles,
hints, options -- and the small data tables live in ``simkit/data/exercises.toml``;
``{name}`` in a text is filled from the solver's facts.

In a notebook, compute your answer and pass it to :func:`check`:

>>> check("retention-formula", (105 - 10) / 100 * 100).passed
True
>>> print(check("retention-formula", 105 / 100 * 100).message)
You kept the 10 new clients in: they were not there at the start, so they cannot
have been retained. Subtract them from the end count first.
>>> print(check("retention-formula", 0.95).message)
0.95 looks like a fraction. Rates in simkit are percentages from 0 to 100: multiply
by 100 (0.95 -> 95).
>>> check("retention-formula", ...).passed
False

:func:`progress` lists what you have passed in this session; :func:`data` gives the tables
(and the simulated portfolio) the exercises use. The student and instructor notebooks are
built from one source by :mod:`simkit.teaching.build`.

This module is what notebooks import; the parts live in modules of their own:
:mod:`~simkit.teaching.exercise` (what an exercise is), :mod:`~simkit.teaching.registry`
(reading the TOML file), :mod:`~simkit.teaching.feedback` (judging an answer),
:mod:`~simkit.teaching.progress` (what has been passed), :mod:`~simkit.teaching.datasets`
(the data sets) and :mod:`~simkit.teaching.solvers` (the answers).
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from simkit.teaching.datasets import data, data_sets, exercise_scenario
from simkit.teaching.exercise import LEVELS, Exercise, Mistake
from simkit.teaching.feedback import Result, judge
from simkit.teaching.progress import Progress, keep_progress, progress_of, reset_progress
from simkit.teaching.progress import record as record_attempt
from simkit.teaching.registry import REGISTRY_FILE, load_exercises
from simkit.teaching.solvers import JUDGES, SOLVERS

__all__ = [
    "EXERCISES",
    "LEVELS",
    "Exercise",
    "Mistake",
    "Progress",
    "Result",
    "catalogue",
    "check",
    "data",
    "data_sets",
    "exercise_scenario",
    "keep_progress",
    "progress",
    "reset_progress",
]

EXERCISES: dict[str, Exercise] = load_exercises(REGISTRY_FILE, SOLVERS, JUDGES)
"""Every exercise by id, in the order the notebooks ask them."""


def check(exercise_id: str, answer: Any, *, record: bool = True) -> Result:
    """Check an answer to an exercise and say what is right or wrong with it.

    Parameters
    ----------
    exercise_id : the exercise's id, as written in the notebook.
    answer : your answer: a number, a letter for multiple choice, a strategy for the
        design problem.
    record : add the outcome to :func:`progress` (the notebooks' hidden tests pass False).

    Returns
    -------
    Result
        ``.passed`` and ``.message``; shown as a coloured box in a notebook.

    Examples
    --------
    >>> print(check("churn-formula", 18 / 252 * 100).message)
    You divided by the 252 clients at the end. Churn is a share of the clients you
    started with: divide by 240.
    >>> check("nps-interpret", "c").passed
    True
    """
    if exercise_id not in EXERCISES:
        near = difflib.get_close_matches(str(exercise_id), list(EXERCISES), n=1)
        tip = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"no exercise {exercise_id!r}{tip}")
    ex = EXERCISES[exercise_id]
    try:
        passed, message = judge(ex, answer)
    except Exception as exc:  # never let a learner's odd answer end in a traceback
        passed, message = False, f"Could not check this answer ({type(exc).__name__}: {exc})."
    if record:
        record_attempt(ex.id, passed)
    return Result(ex.id, ex.title, passed, message)


def progress(notebook: str | None = None) -> Progress:
    """What you have passed so far, for one notebook (name or number prefix) or all.

    >>> reset_progress()
    >>> _ = check("upsell-rate", 60)
    >>> progress("05").rows[2]
    ('05-growth-upsell-renewal', 'upsell-rate', 'Upsell success rate', 'passed')
    >>> reset_progress()
    """
    return progress_of(EXERCISES.values(), notebook)


def catalogue() -> pd.DataFrame:
    """Every exercise: notebook, id, title, level and the metrics it practises.

    >>> catalogue().groupby("level").size().to_dict()["design"]
    1
    """
    return pd.DataFrame(
        [
            {
                "notebook": ex.notebook,
                "exercise": ex.id,
                "title": ex.title,
                "level": ex.level,
                "metrics": ", ".join(ex.metrics),
            }
            for ex in EXERCISES.values()
        ]
    )
