"""Progress: which exercises a learner has passed, in memory or in a JSON file.

Every :func:`~simkit.teaching.exercises.check` records its outcome here with :func:`record`.
By default progress lives only in memory and is gone when the kernel restarts. To keep it
between sessions, either call :func:`keep_progress` in a notebook or set the environment
variable ``SIMKIT_PROGRESS_FILE`` to a path before starting Jupyter; the file is rewritten
atomically after each check, and passes saved earlier are merged into the session.

>>> reset_progress()
>>> record("upsell-rate", passed=False)
>>> record("upsell-rate", passed=True)
>>> record("upsell-rate", passed=False)  # once passed, always passed
>>> status("upsell-rate"), status("renewal-rate")
('passed', 'not started')
>>> reset_progress()

:func:`progress_of` turns the statuses of a list of exercises into a :class:`Progress`
table; learners call :func:`simkit.teaching.exercises.progress`, which lists every exercise.

The file is JSON::

    {"version": 1, "name": "Ana", "updated": "2025-05-12T09:41:07+00:00",
     "exercises": {"upsell-rate": {"attempts": 2, "passed": true}, ...}}

``name`` (optional: who the file belongs to, see :func:`keep_progress`) and ``updated``
(when it was last written, UTC) are what :mod:`simkit.teaching.leaderboard` shows the
instructor when it gathers the room's files.
"""

from __future__ import annotations

import html
import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.teaching.exercise import Exercise

__all__ = [
    "DEFAULT_PROGRESS_FILE",
    "PROGRESS_ENV",
    "Progress",
    "ProgressStore",
    "keep_progress",
    "progress_of",
    "record",
    "reset_progress",
    "status",
]

PROGRESS_ENV = "SIMKIT_PROGRESS_FILE"
"""Environment variable: a JSON file where progress is kept between sessions (off if unset)."""

DEFAULT_PROGRESS_FILE = "~/.simkit/progress.json"
"""Where :func:`keep_progress` keeps progress when given no path."""


@dataclass
class ProgressStore:
    """One session's progress and where (if anywhere) it is saved.

    ``path`` is ``None`` (memory only), a file, or ``"from-env"`` (the default: follow
    ``SIMKIT_PROGRESS_FILE``). ``session`` maps exercise id to ``{"passed", "attempts"}``;
    ``name``, when set, is saved with it so that the instructor's class view shows it.
    The module keeps one store, :data:`STORE`; tests swap in a fresh one.
    """

    path: Path | str | None = "from-env"
    session: dict[str, dict[str, Any]] = field(default_factory=dict)
    name: str | None = None
    loaded: str | None = None  # the file merged into the session, if any
    broken: bool = False  # that file is not a progress file: never overwrite it

    def file(self) -> Path | None:
        """The file progress is saved to, or None when it is kept in memory only."""
        if self.path != "from-env":
            return self.path  # type: ignore[return-value]
        env = os.environ.get(PROGRESS_ENV, "").strip()
        return Path(env).expanduser() if env else None

    def load(self) -> None:
        """Merge the saved file into the session (once per file; a broken file is left alone)."""
        path = self.file()
        if path is None or self.loaded == str(path):
            return
        self.loaded, self.broken = str(path), False
        if not path.exists():
            return
        try:
            whole = json.loads(path.read_text(encoding="utf-8"))
            saved = whole["exercises"]
            items = [(str(k), bool(v["passed"]), int(v["attempts"])) for k, v in saved.items()]
            if self.name is None and isinstance(whole.get("name"), str):
                self.name = whole["name"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            warnings.warn(
                f"{path}: not a simkit progress file ({exc}); progress is kept in memory only",
                stacklevel=3,
            )
            self.broken = True
            return
        for key, passed, attempts in items:
            mine = self.session.setdefault(key, {"passed": False, "attempts": 0})
            mine["passed"] = mine["passed"] or passed
            mine["attempts"] = max(mine["attempts"], attempts)

    def save(self) -> None:
        """Write the session to the progress file atomically (if there is one)."""
        path = self.file()
        if path is None or self.loaded != str(path) or self.broken:
            return
        from simkit.io.files import atomic_write_text

        saved: dict[str, Any] = {"version": 1, "exercises": self.session}
        saved["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        if self.name:
            saved["name"] = self.name
        text = json.dumps(saved, indent=1, sort_keys=True, ensure_ascii=False)
        try:
            atomic_write_text(path, text + "\n")
        except OSError as exc:
            warnings.warn(f"{path}: could not save progress ({exc})", stacklevel=4)


STORE = ProgressStore()
"""This session's progress."""


def keep_progress(
    path: str | os.PathLike[str] | None = DEFAULT_PROGRESS_FILE, name: str | None = None
) -> None:
    """Keep progress in a JSON file between sessions, or (``None``) in memory only.

    By default progress lives only in memory. Setting the environment variable
    ``SIMKIT_PROGRESS_FILE`` to a path before starting Jupyter has the same effect as
    calling this function with that path. The file is written atomically after each check;
    passes saved earlier are merged into this session.

    In a workshop, the instructor may ask everyone to keep progress in one shared folder,
    one file each (``keep_progress("/shared/room/ana.json", name="Ana P.")``);
    ``simkit exercises leaderboard /shared/room`` then shows the room's progress.

    Parameters
    ----------
    path : the JSON file (folders are created as needed), or None to stop saving.
    name : how the class view names you (default: the name saved in the file, else the
        file's name without ``.json``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> keep_progress(folder / "progress.json")
    >>> record("upsell-rate", passed=True)
    >>> (folder / "progress.json").exists()
    True
    >>> keep_progress(None)
    >>> reset_progress()
    """
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name must be a non-empty text, got {name!r}")
    STORE.path = Path(path).expanduser() if path is not None else None
    STORE.loaded = None
    STORE.name = name.strip() if name else None
    STORE.load()
    if name:
        STORE.save()  # the name shows in the class view before the first check


def record(exercise_id: str, passed: bool) -> None:
    """Count one attempt at an exercise (and save it, when progress is kept in a file)."""
    STORE.load()
    entry = STORE.session.setdefault(exercise_id, {"passed": False, "attempts": 0})
    entry["attempts"] += 1
    entry["passed"] = entry["passed"] or passed
    STORE.save()


def reset_progress() -> None:
    """Forget this session's progress (a progress file, if any, is left as it is).

    >>> record("upsell-rate", passed=True)
    >>> reset_progress()
    >>> status("upsell-rate")
    'not started'
    """
    STORE.session.clear()
    STORE.loaded = None


def status(exercise_id: str) -> str:
    """``"passed"``, ``"tried"`` (attempted, not passed yet) or ``"not started"``."""
    STORE.load()
    entry = STORE.session.get(exercise_id)
    return "not started" if not entry else "passed" if entry["passed"] else "tried"


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
        for _nb, ex, title, state in self.rows:
            mark = {"passed": "✔", "tried": "✘"}.get(state, "·")
            lines.append(f"  {mark} {ex:<{width}}  {state:<11} {title}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1b7837", "tried": "#b2182b", "not started": "#777"}
        body = "".join(
            f"<tr><td><code>{html.escape(ex)}</code></td><td>{html.escape(title)}</td>"
            f'<td style="color:{colour[state]}">{state}</td></tr>'
            for _nb, ex, title, state in self.rows
        )
        return (
            f"<p><b>{self._headline()}</b></p>"
            f"<table><tr><th>exercise</th><th>title</th><th>status</th></tr>{body}</table>"
        )


def progress_of(exercises: Iterable[Exercise], notebook: str | None = None) -> Progress:
    """The progress over ``exercises``: all of them, or one notebook's (name or prefix).

    Raises ValueError, listing the notebooks, when ``notebook`` matches none.
    """
    every = list(exercises)
    chosen = [ex for ex in every if notebook is None or ex.notebook.startswith(notebook)]
    if not chosen:
        books = sorted({ex.notebook for ex in every})
        raise ValueError(f"no notebook {notebook!r}; choose from {', '.join(books)}")
    return Progress(tuple((ex.notebook, ex.id, ex.title, status(ex.id)) for ex in chosen))
