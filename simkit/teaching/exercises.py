"""Metric exercises that answer back: right, or what went wrong and where to look.

Each exercise in :data:`EXERCISES` knows its right answer *and* the wrong answers people
usually give, each with a hint aimed at that mistake (dividing by the end count instead of
the start count, counting new clients as retained, typing 0.95 for 95 %...). The right
answers are not typed in anywhere: a small function per exercise (its *solver*, below)
computes them from the exercise's numbers with the plain functions in :mod:`simkit.analysis.metrics`,
or from a simulation. The words -- titles, hints, options -- and the small data tables live
in ``simkit/data/exercises.toml``; ``{name}`` in a text is filled from the solver's facts.

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
"""

from __future__ import annotations

import copy
import difflib
import html
import json
import math
import numbers
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simkit.analysis import metrics as m
from simkit.analysis.summary import run_summary

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario

__all__ = [
    "EXERCISES",
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

Facts = dict[str, Any]


# -- what an exercise is ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A wrong answer we expect, and the hint that goes with it.

    Parameters
    ----------
    hint : what to say; ``{name}`` fields are filled from the exercise's facts.
    value : name of the fact holding the wrong value this mistake produces.
    when : instead of ``value``, a test ``when(answer, facts)`` for a family of wrong answers.
    example : for ``when`` mistakes, one answer it catches (used by the tests).
    either_sign : for ``value`` mistakes, also catch the value with its sign flipped.
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


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to find its answer, and how to respond to each kind of answer.

    Attributes
    ----------
    id : short name used in ``check(id, answer)``.
    notebook : the source notebook (``exercises/source/<notebook>.ipynb``) that asks it.
    title : a few words shown in feedback and progress.
    level : ``formula``, ``table``, ``interpretation``, ``simulation`` or ``design``: a mix
        of levels lets a facilitator pick exercises for the group.
    metrics : the :mod:`simkit.analysis.metrics` functions it practises (every one must be covered).
    solve : returns the facts: ``"answer"`` is the right answer, the rest are the numbers
        the hints quote and the wrong answers the mistakes refer to.
    mistakes : anticipated wrong numbers, tried in order after the right answer.
    hint : what to say when no anticipated mistake matches.
    success : what to say when the answer is right.
    fill_in : what the learner should put in the answer (said for ``...`` and wrong types).
    unit : ``"%"``, ``"points"`` (NPS), ``"money"``, ``"days"``, ``"hours"`` or ``""``; the
        percent-vs-fraction check runs for ``%`` and ``points``.
    options, feedback : for multiple choice, letter -> option text and letter -> explanation.
    judge : for open problems, a function ``judge(answer) -> (passed, message)``.
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
    judge: Callable[[Any], tuple[bool, str]] | None = field(default=None, repr=False)
    rel_tol: float = 1e-3
    abs_tol: float = 0.0

    @property
    def kind(self) -> str:
        """``number``, ``choice`` or ``design``."""
        return "design" if self.judge else "choice" if self.options else "number"

    def facts(self) -> Facts:
        """The exercise's numbers, computed once per session."""
        return _facts(self.id)

    def close(self, x: float, target: float) -> bool:
        """True when ``x`` is within the exercise's tolerance of ``target``."""
        return abs(x - target) <= max(self.abs_tol, self.rel_tol * abs(target))

    def anticipated(self) -> list[tuple[Any, str]]:
        """Each anticipated wrong answer with the start of the hint it must get (for tests)."""
        facts = self.facts()
        if self.kind == "choice":
            return [
                (k, _fill(self.feedback[k], facts)) for k in self.options if k != facts["answer"]
            ]
        out = []
        for mk in self.mistakes:
            answer = facts[mk.value] if mk.value else mk.example
            out.append((answer, _fill(mk.hint, facts)))
        return out


@cache
def _facts(exercise_id: str) -> Facts:
    return EXERCISES[exercise_id].solve()


def _fill(template: str, facts: Facts) -> str:
    return template.format(**facts)


# -- feedback ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`check`: ``passed`` and a ``message`` that says why."""

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
        passed, message = _judge(ex, answer)
    except Exception as exc:  # never let a learner's odd answer end in a traceback
        passed, message = False, f"Could not check this answer ({type(exc).__name__}: {exc})."
    result = Result(ex.id, ex.title, passed, message)
    if record:
        _record(ex.id, passed)
    return result


def _judge(ex: Exercise, answer: Any) -> tuple[bool, str]:
    if answer is None or answer is ... or answer is NotImplemented:
        return False, f"Replace the ... with your answer: {ex.fill_in}."
    if ex.judge is not None:
        return ex.judge(answer)
    facts = ex.facts()
    if ex.kind == "choice":
        return _judge_choice(ex, answer, facts)
    return _judge_number(ex, answer, facts)


def _judge_choice(ex: Exercise, answer: Any, facts: Facts) -> tuple[bool, str]:
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
    explanation = _fill(ex.feedback[key], facts)
    if key == facts["answer"]:
        return True, explanation
    return False, explanation


_TYPE_NAMES = {"ndarray": "NumPy array", "Series": "pandas Series", "DataFrame": "pandas DataFrame"}


def _as_number(ex: Exercise, answer: Any) -> tuple[float | None, str]:
    """The answer as a float, or None and a hint about its type."""
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
    x, problem = _as_number(ex, answer)
    if x is None:
        return False, problem
    expected = float(facts["answer"])
    if ex.close(x, expected):
        return True, _fill(ex.success, facts) if ex.success else "Right."
    for mk in ex.mistakes:
        if mk.when is not None:
            hit = mk.when(x, facts)
        else:
            wrong = float(facts[mk.value])
            hit = ex.close(x, wrong) or (mk.either_sign and ex.close(-x, wrong))
        if hit:
            return False, _fill(mk.hint, facts)
    if expected != 0 and ex.unit in ("%", "points"):
        if ex.close(x * 100, expected):
            scale = "from 0 to 100" if ex.unit == "%" else "from -100 to +100"
            what = "Rates in simkit are percentages" if ex.unit == "%" else "NPS is in points"
            return False, (
                f"{_show(x)} looks like a fraction. {what} {scale}: multiply by 100 "
                f"({_show(x)} -> {_show(x * 100)})."
            )
        if ex.close(x / 100, expected):
            return False, (
                f"{_show(x)} is 100 times too big: did you multiply by 100 twice, or by 100 "
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
    return False, f"{_show(x)} is {direction}. {_fill(ex.hint, facts)}".strip()


def _show(x: float) -> str:
    """A number as people write it: 95, 90.48, 0.95, 45,000."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.4g}"


# -- progress ---------------------------------------------------------------------------------

PROGRESS_ENV = "SIMKIT_PROGRESS_FILE"
"""Environment variable: a JSON file where progress is kept between sessions (off if unset)."""

DEFAULT_PROGRESS_FILE = "~/.simkit/progress.json"
_FROM_ENV = "from-env"  # keep_progress not called: the environment variable decides

_session: dict[str, dict[str, Any]] = {}
_store: dict[str, Any] = {"path": _FROM_ENV, "loaded": None, "broken": False}


def keep_progress(path: str | os.PathLike[str] | None = DEFAULT_PROGRESS_FILE) -> None:
    """Keep progress in a JSON file between sessions, or (``None``) in memory only.

    By default progress lives only in memory. Setting the environment variable
    ``SIMKIT_PROGRESS_FILE`` to a path before starting Jupyter has the same effect as
    calling this function with that path. The file is written atomically after each check;
    passes saved earlier are merged into this session.

    Parameters
    ----------
    path : the JSON file (folders are created as needed), or None to stop saving.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> keep_progress(folder / "progress.json")
    >>> _ = check("upsell-rate", 60)
    >>> (folder / "progress.json").exists()
    True
    >>> keep_progress(None)
    >>> reset_progress()
    """
    _store["path"] = Path(path).expanduser() if path is not None else None
    _store["loaded"] = None
    _load_progress()


def _progress_path() -> Path | None:
    if _store["path"] != _FROM_ENV:
        return _store["path"]
    env = os.environ.get(PROGRESS_ENV, "").strip()
    return Path(env).expanduser() if env else None


def _load_progress() -> None:
    path = _progress_path()
    if path is None or _store["loaded"] == str(path):
        return
    _store["loaded"], _store["broken"] = str(path), False
    if not path.exists():
        return
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["exercises"]
        items = [(str(k), bool(v["passed"]), int(v["attempts"])) for k, v in saved.items()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        warnings.warn(
            f"{path}: not a simkit progress file ({exc}); progress is kept in memory only",
            stacklevel=3,
        )
        _store["broken"] = True
        return
    for key, passed, attempts in items:
        mine = _session.setdefault(key, {"passed": False, "attempts": 0})
        mine["passed"] = mine["passed"] or passed
        mine["attempts"] = max(mine["attempts"], attempts)


def _record(exercise_id: str, passed: bool) -> None:
    _load_progress()
    entry = _session.setdefault(exercise_id, {"passed": False, "attempts": 0})
    entry["attempts"] += 1
    entry["passed"] = entry["passed"] or passed
    path = _progress_path()
    if path is not None and _store["loaded"] == str(path) and not _store["broken"]:
        from simkit.io.files import atomic_write_text

        text = json.dumps({"version": 1, "exercises": _session}, indent=1, sort_keys=True)
        try:
            atomic_write_text(path, text + "\n")
        except OSError as exc:
            warnings.warn(f"{path}: could not save progress ({exc})", stacklevel=3)


def reset_progress() -> None:
    """Forget this session's progress (a progress file, if any, is left as it is).

    >>> reset_progress()
    >>> progress("01").passed
    0
    """
    _session.clear()
    _store["loaded"] = None


@dataclass(frozen=True)
class Progress:
    """Which exercises are passed, tried or not started; shown as a table in notebooks."""

    rows: tuple[tuple[str, str, str, str], ...]  # (notebook, id, title, status)

    @property
    def passed(self) -> int:
        """How many exercises are passed."""
        return sum(r[3] == "passed" for r in self.rows)

    def _headline(self) -> str:
        noun = "exercise" if len(self.rows) == 1 else "exercises"
        return f"{self.passed} of {len(self.rows)} {noun} passed"

    def to_frame(self) -> pd.DataFrame:
        """The progress as a DataFrame (notebook, exercise, title, status)."""
        return pd.DataFrame(list(self.rows), columns=["notebook", "exercise", "title", "status"])

    def __repr__(self) -> str:
        lines = [self._headline()]
        width = max((len(r[1]) for r in self.rows), default=0)
        for _nb, ex, title, status in self.rows:
            mark = {"passed": "✔", "tried": "✘"}.get(status, "·")
            lines.append(f"  {mark} {ex:<{width}}  {status:<11} {title}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1b7837", "tried": "#b2182b", "not started": "#777"}
        body = "".join(
            f"<tr><td><code>{html.escape(ex)}</code></td><td>{html.escape(title)}</td>"
            f'<td style="color:{colour[status]}">{status}</td></tr>'
            for _nb, ex, title, status in self.rows
        )
        return (
            f"<p><b>{self._headline()}</b></p>"
            f"<table><tr><th>exercise</th><th>title</th><th>status</th></tr>{body}</table>"
        )


def progress(notebook: str | None = None) -> Progress:
    """What you have passed so far, for one notebook (name or number prefix) or all.

    >>> reset_progress()
    >>> _ = check("upsell-rate", 60)
    >>> progress("05").rows[2]
    ('05-growth-upsell-renewal', 'upsell-rate', 'Upsell success rate', 'passed')
    >>> reset_progress()
    """
    _load_progress()
    chosen = [
        ex for ex in EXERCISES.values() if notebook is None or ex.notebook.startswith(notebook)
    ]
    if not chosen:
        books = sorted({ex.notebook for ex in EXERCISES.values()})
        raise ValueError(f"no notebook {notebook!r}; choose from {', '.join(books)}")
    rows = []
    for ex in chosen:
        entry = _session.get(ex.id)
        status = "not started" if not entry else "passed" if entry["passed"] else "tried"
        rows.append((ex.notebook, ex.id, ex.title, status))
    return Progress(tuple(rows))


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


# -- the registry: texts and tables from simkit/data/exercises.toml, numbers from solvers ------

REGISTRY_FILE = Path(__file__).resolve().parents[1] / "data" / "exercises.toml"
"""Titles, hints, wrong answers, options and data tables of every exercise."""

SOLVERS: dict[str, Callable[[], Facts]] = {}
"""Exercise id -> function returning its facts (``"answer"`` and the numbers hints quote)."""

_WHEN: dict[str, Callable[[float, Facts], bool]] = {"negative": lambda x, facts: x < 0}
"""Named tests for mistakes that cover a family of answers (``when = "negative"``)."""

_EXERCISE_KEYS = {
    "id", "notebook", "title", "level", "metrics", "unit", "fill_in", "rel_tol", "abs_tol",
    "judge", "success", "hint", "options", "feedback", "mistake",
}  # fmt: skip
_MISTAKE_KEYS = {"value", "when", "example", "either_sign", "hint"}
LEVELS = ("formula", "table", "interpretation", "simulation", "design")


def _solves(exercise_id: str) -> Callable[[Callable[[], Facts]], Callable[[], Facts]]:
    """Register a solver for an exercise (decorator)."""

    def register(fn: Callable[[], Facts]) -> Callable[[], Facts]:
        SOLVERS[exercise_id] = fn
        return fn

    return register


def _default_fill_in(entry: Mapping[str, Any]) -> str:
    if "options" in entry:
        return "the letter of your choice, e.g. 'a'"
    return {"%": "a percentage from 0 to 100", "points": "a score from -100 to 100"}.get(
        entry.get("unit", ""), "a number"
    )


def _build(entry: Mapping[str, Any], where: str) -> Exercise:
    unknown = set(entry) - _EXERCISE_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_EXERCISE_KEYS)}"
        )
    if entry.get("level") not in LEVELS:
        raise ValueError(f"{where}: level must be one of {', '.join(LEVELS)}")
    mistakes = []
    for i, mk in enumerate(entry.get("mistake", [])):
        bad = set(mk) - _MISTAKE_KEYS
        if bad:
            raise ValueError(f"{where} mistake {i + 1}: unknown keys {sorted(bad)}")
        when = mk.get("when")
        if when is not None and when not in _WHEN:
            raise ValueError(f"{where} mistake {i + 1}: when must be one of {sorted(_WHEN)}")
        mistakes.append(
            Mistake(
                hint=mk["hint"],
                value=mk.get("value"),
                when=_WHEN[when] if when else None,
                example=mk.get("example"),
                either_sign=bool(mk.get("either_sign", False)),
            )
        )
    options, feedback = entry.get("options"), entry.get("feedback")
    if (options is None) != (feedback is None) or (options and set(options) != set(feedback)):
        raise ValueError(f"{where}: options and feedback must have the same letters")
    judge = entry.get("judge")
    if judge is not None and judge != "strategy":
        raise ValueError(f"{where}: judge must be 'strategy'")
    return Exercise(
        id=entry["id"],
        notebook=entry["notebook"],
        title=entry["title"],
        level=entry["level"],
        metrics=tuple(entry["metrics"]),
        solve=SOLVERS[entry["id"]],
        mistakes=tuple(mistakes),
        hint=entry.get("hint", ""),
        success=entry.get("success", ""),
        fill_in=entry.get("fill_in", _default_fill_in(entry)),
        unit=entry.get("unit", ""),
        options=options,
        feedback=feedback,
        judge=_judge_strategy if judge else None,
        rel_tol=float(entry.get("rel_tol", 1e-3)),
        abs_tol=float(entry.get("abs_tol", 0.0)),
    )


def _load_registry(path: Path) -> tuple[dict[str, Exercise], dict[str, dict[str, Any]]]:
    """Read the exercises and data tables, checking that every exercise has a solver."""
    import tomllib

    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    exercises: dict[str, Exercise] = {}
    for i, entry in enumerate(raw.get("exercise", [])):
        ex_id = entry.get("id", f"#{i + 1}")
        where = f"{path.name}: exercise {ex_id!r}"
        if ex_id in exercises:
            raise ValueError(f"{where}: duplicate id")
        if ex_id not in SOLVERS:
            raise ValueError(f"{where}: no solver; add @_solves({ex_id!r}) in simkit/exercises.py")
        exercises[ex_id] = _build(entry, where)
    orphans = set(SOLVERS) - set(exercises)
    if orphans:
        raise ValueError(f"{path.name}: solvers without an exercise: {sorted(orphans)}")
    return exercises, raw.get("data", {})


# -- data sets ------------------------------------------------------------------------------


def exercise_scenario() -> Scenario:
    """The scenario of the simulation exercises: the default book over two years.

    >>> exercise_scenario().horizon_years
    2.0
    """
    from simkit.engine.scenario import default_scenario

    return default_scenario().update({"horizon_years": 2.0})


@cache
def _table(name: str) -> Any:
    """A data set, built once (internal: the solvers read these; learners get copies)."""
    if name == "portfolio":
        from simkit.engine.model import simulate

        return simulate(exercise_scenario(), "customer_success", 0)
    columns = {k: v for k, v in _TABLES[name].items() if k != "about"}
    return pd.DataFrame(columns)


def data(name: str) -> Any:
    """A fresh copy of an exercise data set (changing it cannot change the answers).

    ``"portfolio"`` is two simulated years of the default book under the customer-success
    strategy
    (:class:`~simkit.engine.results.Results`); the others are small tables, described by
    :func:`data_sets`.

    >>> data("segments")[["segment", "churn_pct"]].head(2)
          segment  churn_pct
    0         key        5.0
    1  enterprise        8.0
    >>> data("scores")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: no data set 'scores'; choose from clients, segments, ..., portfolio
    """
    names = [*_TABLES, "portfolio"]
    if name not in names:
        raise ValueError(f"no data set {name!r}; choose from {', '.join(names)}")
    return copy.deepcopy(_table(name))


def data_sets() -> dict[str, str]:
    """Name -> one-line description of every data set.

    >>> data_sets()["mrr"]
    "16 accounts' monthly recurring revenue at the start and end of a quarter."
    """
    about = {name: str(t.get("about", "")) for name, t in _TABLES.items()}
    return {
        **about,
        "portfolio": "Two simulated years of the default book, customer-success strategy.",
    }


# -- solvers: one per exercise, computing its answer and the numbers its hints quote ------------


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole


# 01 retention and churn


@_solves("retention-formula")
def _retention_formula() -> Facts:
    start, end, new = 100, 105, 10
    ok = m.retention_rate(start, end, new)
    return dict(answer=ok, start=start, end=end, new=new, churn=100 - ok,
                kept_new=_pct(end, start), by_end=_pct(end - new, end),
                added_new=_pct(end + new, start))  # fmt: skip


@_solves("churn-formula")
def _churn_formula() -> Facts:
    start, lost, new = 240, 18, 30
    end = start - lost + new
    return dict(answer=m.churn_rate(lost, start), start=start, lost=lost, new=new, end=end,
                by_end=_pct(lost, end), retention=m.retention_rate(start, end, new),
                new_share=_pct(new, start), net_change=_pct(end - start, start))  # fmt: skip


@_solves("retention-table")
def _retention_table() -> Facts:
    t = _table("clients")
    start, end = int(t["client_at_start"].sum()), int(t["client_at_end"].sum())
    new = int((~t["client_at_start"] & t["client_at_end"]).sum())
    ok = m.retention_rate(start, end, new)
    return dict(answer=ok, start=start, end=end, new=new, rows=len(t), churn=100 - ok,
                kept_new=_pct(end, start), by_end=_pct(end - new, end),
                all_rows=_pct(end - new, len(t)))  # fmt: skip


@_solves("churn-by-segment")
def _churn_by_segment() -> Facts:
    t = _table("clients")
    lost = t["client_at_start"] & ~t["client_at_end"]
    small = t["segment"] == "small"
    start = int((t["client_at_start"] & small).sum())
    n_lost = int((lost & small).sum())
    ok = m.churn_rate(n_lost, start)
    return dict(answer=ok, start=start, lost=n_lost, retention=100 - ok,
                whole_book=m.churn_rate(int(lost.sum()), int(t["client_at_start"].sum())),
                over_all=_pct(n_lost, int(t["client_at_start"].sum())),
                over_rows=_pct(n_lost, int(small.sum())))  # fmt: skip


# 02 customer lifetime value


@_solves("clv-simple")
def _clv_simple() -> Facts:
    rev, years, cac = 10_000, 5, 5_000
    return dict(answer=m.customer_lifetime_value(rev, years, cac), rev=rev, years=years,
                cac=cac, no_cac=rev * years, plus_cac=rev * years + cac,
                cac_yearly=(rev - cac) * years)  # fmt: skip


@_solves("clv-from-churn")
def _clv_from_churn() -> Facts:
    rev, churn_pct, cac = 12_000, 20.0, 6_000
    life = 1 / (churn_pct / 100)
    return dict(answer=m.customer_lifetime_value(rev, life, cac), rev=rev, churn_pct=churn_pct,
                cac=cac, life=life, no_cac=rev * life, churn_as_pct=rev / churn_pct - cac,
                times_churn=rev * churn_pct - cac,
                retention_as_life=rev * (1 - churn_pct / 100) - cac,
                inverse_retention=rev / (1 - churn_pct / 100) - cac)  # fmt: skip


@_solves("clv-table")
def _clv_table() -> Facts:
    t = _table("segments")
    life = 100 / t["churn_pct"]
    clv = t["avg_revenue"] * life - t["acquisition_cost"]
    wrong_life = t["avg_revenue"] * t["churn_pct"] - t["acquisition_cost"]
    return dict(answer=float((clv * t["accounts"]).sum()), no_accounts=float(clv.sum()),
                no_cac=float((t["avg_revenue"] * life * t["accounts"]).sum()),
                churn_as_life=float((wrong_life * t["accounts"]).sum()),
                best=str(t.loc[(clv * t["accounts"]).idxmax(), "segment"]))  # fmt: skip


@_solves("discounted-clv")
def _discounted_clv() -> Facts:
    margin, r, i = 100, 0.8, 0.1
    return dict(answer=m.discounted_clv(margin, r, i), no_discount=margin * r / (1 - r),
                lifetime=margin / (1 - r), no_r_on_top=margin / (1 + i - r),
                r_up=m.discounted_clv(margin, 0.9, i))  # fmt: skip


@_solves("discounted-clv-horizon")
def _discounted_clv_horizon() -> Facts:
    margin, r, i, t = 100, 0.8, 0.1, 3
    return dict(answer=m.discounted_clv(margin, r, i, periods=t),
                forever=m.discounted_clv(margin, r, i), flat=margin * t,
                undiscounted=sum(margin * r**k for k in range(1, t + 1)),
                no_retention=sum(margin / (1 + i) ** k for k in range(1, t + 1)))  # fmt: skip


# 03 NPS


@_solves("nps-from-shares")
def _nps_from_shares() -> Facts:
    p, d = 60, 10
    return dict(answer=m.nps_from_shares(p, d), added=p + d, minus_passives=p - d - (100 - p - d))


SCORES = (10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 5, 9, 10, 3, 8, 9, 6, 7, 10, 4)
"""The twenty survey answers of exercise ``nps-from-scores``."""


@_solves("nps-from-scores")
def _nps_from_scores() -> Facts:
    s = np.array(SCORES)
    n, p, d = len(s), int((s >= 9).sum()), int((s <= 6).sum())
    return dict(answer=m.nps(SCORES), n=n, promoters=p, detractors=d,
                seven_up=_pct(int((s >= 7).sum()) - d, n),
                six_passive=_pct(p - int((s <= 5).sum()), n), no_passives=_pct(p - d, p + d),
                promoter_share=_pct(p, n), count_diff=p - d,
                mean_score=float(s.mean()))  # fmt: skip


@_solves("nps-by-segment")
def _nps_by_segment() -> Facts:
    t = _table("survey")
    ent = t[t["segment"] == "enterprise"]
    answered = ent["score"].dropna()
    p, d = int((answered >= 9).sum()), int((answered <= 6).sum())
    return dict(answer=m.nps(answered), answered=len(answered), invited=len(ent),
                whole=m.nps(t["score"].dropna()), with_unanswered=_pct(p - d, len(ent)),
                mean_score=float(answered.mean()))  # fmt: skip


# 04 revenue retention


def _revenue_book() -> Facts:
    start, exp, con, churn, new = 100_000, 20_000, 5_000, 10_000, 25_000
    nrr = m.net_revenue_retention(start, exp, con, churn)
    return dict(start=start, exp=exp, con=con, churn=churn, new=new, nrr=nrr,
                grr=m.gross_revenue_retention(start, con, churn),
                with_new=_pct(start + exp + new - con - churn, start),
                grr_no_con=_pct(start - churn, start), grr_no_churn=_pct(start - con, start),
                lost_share=_pct(con + churn, start),
                added_losses=_pct(start + exp + con + churn, start),
                no_losses=_pct(start + exp, start), net_growth=nrr - 100)  # fmt: skip


@_solves("grr-formula")
def _grr_formula() -> Facts:
    f = _revenue_book()
    return {**f, "answer": f["grr"]}


@_solves("nrr-formula")
def _nrr_formula() -> Facts:
    f = _revenue_book()
    return {**f, "answer": f["nrr"]}


def _mrr_book() -> Facts:
    t = _table("mrr")
    s, e = t["mrr_start"], t["mrr_end"]
    had = s > 0
    expansion = float((e - s)[had & (e > s)].sum())
    contraction = float((s - e)[had & (e > 0) & (e < s)].sum())
    churned, new, start = float(s[had & (e == 0)].sum()), float(e[~had].sum()), float(s.sum())
    logos, kept = int(had.sum()), int((had & (e > 0)).sum())
    return dict(new=new, expansion=expansion, contraction=contraction, churned=churned,
                start=start, with_new=expansion + new, net_retained=expansion - contraction,
                book_change=float(e.sum() - s.sum()),
                nrr=m.net_revenue_retention(start, expansion, contraction, churned),
                grr=m.gross_revenue_retention(start, contraction, churned),
                end_over_start=_pct(float(e.sum()), start), logos=logos, kept=kept,
                logo=m.logo_retention(logos, kept),
                logo_with_new=_pct(int((e > 0).sum()), logos),
                lost_logos=_pct(logos - kept, logos))  # fmt: skip


@_solves("mrr-expansion")
def _mrr_expansion() -> Facts:
    f = _mrr_book()
    return {**f, "answer": f["expansion"]}


@_solves("nrr-table")
def _nrr_table() -> Facts:
    f = _mrr_book()
    return {**f, "answer": f["nrr"]}


@_solves("logo-retention-table")
def _logo_retention_table() -> Facts:
    f = _mrr_book()
    return {**f, "answer": f["logo"]}


# 05 growth, upsell, renewal


@_solves("revenue-growth")
def _revenue_growth() -> Facts:
    a, b = 50_000, 60_000
    return dict(answer=m.revenue_growth(a, b), by_end=_pct(b - a, b), diff=b - a,
                ratio=_pct(b, a))  # fmt: skip


@_solves("book-growth-table")
def _book_growth_table() -> Facts:
    t = _table("revenue")
    a, b = t["revenue_last_year"], t["revenue_this_year"]
    per = 100 * (b - a) / a
    return dict(answer=m.revenue_growth(float(a.sum()), float(b.sum())),
                mean_of_rates=float(per.mean()), diff=float(b.sum() - a.sum()),
                best=str(t.loc[per.idxmax(), "account"]))  # fmt: skip


@_solves("upsell-rate")
def _upsell_rate() -> Facts:
    won, tried = 6, 10
    return dict(answer=m.upsell_rate(won, tried), over_lost=_pct(won, tried - won),
                fail=_pct(tried - won, tried))  # fmt: skip


@_solves("upsell-table")
def _upsell_table() -> Facts:
    t = _table("pitches")
    won, low = t["outcome"] == "won", t["health"] < 50
    return dict(answer=m.upsell_rate(int((won & low).sum()), int(low.sum())),
                pitches=int(low.sum()),
                high_rate=m.upsell_rate(int((won & ~low).sum()), int((~low).sum())),
                overall=m.upsell_rate(int(won.sum()), len(t)),
                over_all_pitches=_pct(int((won & low).sum()), len(t)))  # fmt: skip


@_solves("renewal-rate")
def _renewal_rate() -> Facts:
    clients, due, renewed = 400, 100, 90
    return dict(answer=m.renewal_rate(renewed, due), clients=clients, due=due, renewed=renewed,
                over_clients=_pct(renewed, clients),
                not_renewed=_pct(due - renewed, due))  # fmt: skip


# 06 service and engagement

HOURS = (30, 18, 24, 48)
"""Hours taken by the four issues of exercise ``time-to-resolution``."""


@_solves("time-to-resolution")
def _time_to_resolution() -> Facts:
    return dict(answer=m.average_time_to_resolution(HOURS), total=float(sum(HOURS)),
                median=float(np.median(HOURS)))  # fmt: skip


@_solves("ttr-table")
def _ttr_table() -> Facts:
    t = _table("issues")
    done = (t["resolved_day"] - t["opened_day"]).dropna()
    return dict(answer=m.average_time_to_resolution(done), resolved=len(done), issues=len(t),
                still_open=len(t) - len(done), open_as_zero=float(done.sum() / len(t)),
                total=float(done.sum()))  # fmt: skip


@_solves("engagement-rate")
def _engagement_rate() -> Facts:
    active, talked, resolved_only, newsletter_only, prospects = 200, 120, 30, 40, 25
    engaged = talked + resolved_only
    return dict(answer=m.engagement_rate(engaged, active),
                with_newsletter=_pct(engaged + newsletter_only, active),
                no_issues=_pct(talked, active), with_prospects=_pct(engaged + prospects, active),
                over_everyone=_pct(engaged, active + prospects))  # fmt: skip


@_solves("engagement-table")
def _engagement_table() -> Facts:
    touches, active = _table("touches"), _table("active_accounts")
    clients = touches["account"].isin(active["account"])
    two_way = touches["kind"] != "newsletter"
    engaged = touches.loc[two_way & clients, "account"].nunique()
    return dict(answer=m.engagement_rate(engaged, len(active)), active=len(active),
                engaged=engaged, rows=_pct(int((two_way & clients).sum()), len(active)),
                with_newsletter=_pct(touches.loc[clients, "account"].nunique(), len(active)),
                with_prospects=_pct(touches.loc[two_way, "account"].nunique(),
                                    len(active)))  # fmt: skip


# 07 diagnose a simulated portfolio


@cache
def _yearly() -> pd.DataFrame:
    from simkit.analysis.summary import summarize

    t = summarize(_table("portfolio"), by=[], period="Y")
    for col in ("expansion", "contraction", "churned_arr"):
        t[col + "_pct"] = 100 * t[col] / t["start_arr"]
    return t


@_solves("sim-nrr-year2")
def _sim_nrr_year2() -> Facts:
    t = _yearly()
    return dict(answer=float(t["nrr"].iloc[1]), year1=float(t["nrr"].iloc[0]),
                grr2=float(t["grr"].iloc[1]),
                mean=float(run_summary(_table("portfolio"))["nrr"]))  # fmt: skip


@_solves("sim-nrr-from-events")
def _sim_nrr_from_events() -> Facts:
    ev = _table("portfolio").events
    cohort = ev[(ev["event"] == "init") & ev["stage_after"].isin(["customer", "loyal"])]
    in_year = (ev["time"] > 0) & (ev["time"] <= 365)
    year = ev[in_year & ev["account"].isin(cohort["account"])]

    def moved(frame: pd.DataFrame, *kinds: str) -> float:
        return float(frame.loc[frame["event"].isin(kinds), "arr_change"].sum())

    start = float(cohort["arr"].sum())
    exp, con, churn = (
        moved(year, "upsell"),
        -moved(year, "contract"),
        -moved(year, "churn", "defect"),
    )
    new = moved(ev[in_year], "convert")
    return dict(answer=m.net_revenue_retention(start, exp, con, churn), start=start,
                with_new=_pct(start + exp - con - churn + new, start),
                churn_only=m.net_revenue_retention(start, exp, con, -moved(year, "churn")),
                grr=m.gross_revenue_retention(start, con, churn),
                summary_nrr=float(_yearly()["nrr"].iloc[0]))  # fmt: skip


def _nrr_change() -> Facts:
    t = _yearly()
    year1, year2 = t.iloc[0], t.iloc[1]
    # effect of each movement on NRR, in points: expansion adds, contraction and churn subtract
    effect = {
        "b": float(year2["expansion_pct"] - year1["expansion_pct"]),
        "c": -float(year2["contraction_pct"] - year1["contraction_pct"]),
        "d": -float(year2["churned_arr_pct"] - year1["churned_arr_pct"]),
    }
    worst = min(effect, key=effect.get)
    verdicts = {
        k: "the biggest fall of the three movements"
        if k == worst
        else "compare it with the other two movements; one moved NRR further"
        for k in effect
    }
    return dict(worst=worst, nrr1=float(year1["nrr"]),
                nrr2=float(year2["nrr"]), e1=float(year1["expansion_pct"]),
                e2=float(year2["expansion_pct"]), c1=float(year1["contraction_pct"]),
                c2=float(year2["contraction_pct"]), ch1=float(year1["churned_arr_pct"]),
                ch2=float(year2["churned_arr_pct"]), d_exp=effect["b"], d_con=effect["c"],
                d_churn=effect["d"], verdict_b=verdicts["b"], verdict_c=verdicts["c"],
                verdict_d=verdicts["d"],
                logo_change=float(year2["churn_rate"] - year1["churn_rate"]),
                money_change=float(year2["churned_arr"] - year1["churned_arr"]))  # fmt: skip


@_solves("sim-nrr-drop-cause")
def _sim_nrr_drop_cause() -> Facts:
    f = _nrr_change()
    return {**f, "answer": f["worst"]}


@_solves("sim-churn-points")
def _sim_churn_points() -> Facts:
    f = _nrr_change()
    return {**f, "answer": f["d_churn"]}


# interpretation questions: the answer is a letter


def _letter(exercise_id: str, letter: str) -> None:
    SOLVERS[exercise_id] = lambda: {"answer": letter}


for _id, _letter_ in {
    "retention-interpret": "b",
    "clv-interpret": "b",
    "nps-interpret": "c",
    "logo-vs-grr": "a",
    "renewal-interpret": "b",
    "ttr-interpret": "b",
}.items():
    _letter(_id, _letter_)


# 08 design a strategy

DESIGN_REPLICATIONS = 3
"""Paired runs per strategy when checking the design problem."""


@_solves("beat-reactive")
def _beat_reactive() -> Facts:
    return {"answer": None, "replications": DESIGN_REPLICATIONS}


def _judge_strategy(answer: Any) -> tuple[bool, str]:
    """Run the learner's strategy against reactive and judge the paired NRR difference."""
    from simkit.engine.strategies import Combined, Reactive, Strategy
    from simkit.experiments.runner import compare

    if isinstance(answer, type) and issubclass(answer, Strategy):
        name = answer.__name__
        return False, f"You passed the class {name}. Pass a strategy object: {name}()."
    if not isinstance(answer, Strategy):
        return False, (
            f"Your answer has type {type(answer).__name__}. Write a class that subclasses "
            "simkit.engine.strategies.Strategy and pass an instance of it, e.g. MyStrategy()."
        )
    if isinstance(answer, Reactive):
        return False, "That is the reactive baseline itself; design something different."
    hooks = ("setup", "check_in", "onboarding", "health_alert", "issue_priority", "pitch_upsell")
    unchanged = not isinstance(answer, Combined) and all(
        getattr(type(answer), h) is getattr(Strategy, h) for h in hooks
    )
    if unchanged and answer.pitch_health == Strategy().pitch_health:
        return False, (
            "Your strategy does exactly what reactive does. Override at least one method: "
            "check_in (regular touches), onboarding, health_alert, issue_priority or "
            "pitch_upsell."
        )
    if answer.name == "reactive":
        return False, 'Give your strategy its own name, e.g. name = "my plan".'
    scenario = exercise_scenario()
    try:
        cmp = compare(scenario, [Reactive(), answer], DESIGN_REPLICATIONS, jobs=1)
    except Exception as exc:  # the learner's code: report it, do not crash
        return False, (
            f"Your strategy raised {type(exc).__name__} during the simulation: {exc}. "
            "Fix it and check again."
        )
    diff = cmp.differences(metrics=["nrr"]).iloc[0]
    mean, lo, hi = float(diff["mean_diff"]), float(diff["ci_low"]), float(diff["ci_high"])
    util = cmp.table(["utilisation"]).set_index("strategy")["mean"]
    mine, base = float(util[answer.name]), float(util["reactive"])
    figures = (
        f"NRR {mean:+.1f} points against reactive (95 % CI {lo:+.1f} to {hi:+.1f}) over "
        f"{DESIGN_REPLICATIONS} paired runs with the same {scenario.team.managers} managers; "
        f"team utilisation {mine:.0f} % (reactive {base:.0f} %)."
    )
    if lo > 0:
        return True, f"Your strategy beats reactive: {figures}"
    if mean > 0:
        return False, (
            f"Better on average, but the interval includes 0, so it may be luck: {figures} "
            "Make the effect stronger, e.g. reach more of the accounts that churn."
        )
    if mine > 90:
        return False, (
            f"Your strategy overloads the team: {figures} Issues queue up and health falls. "
            "Spend fewer hours per touch, or touch fewer accounts less often."
        )
    return False, (
        f"No better than reactive: {figures} Look at who churns in the event log "
        "(segment, health) and aim your touches there."
    )


EXERCISES: dict[str, Exercise]
"""Every exercise by id, in the order the notebooks ask them."""
_TABLES: dict[str, dict[str, Any]]
EXERCISES, _TABLES = _load_registry(REGISTRY_FILE)
