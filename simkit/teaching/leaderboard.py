"""The class view: every trainee's exercise progress in one table the instructor can project.

Each trainee keeps progress in a JSON file of their own (see
:mod:`simkit.teaching.progress`: ``SIMKIT_PROGRESS_FILE`` or ``keep_progress(path)``). Put
those files in one folder -- a shared drive, or collect them at the break -- and
:func:`gather` reads them all into a :class:`Room`: one row per trainee, one column per
exercise (passed, tried or not started), totals, and when each trainee last checked an
answer. ``simkit exercises leaderboard FOLDER`` prints it and writes it as CSV and as a
self-contained HTML page.

A file that is not a progress file -- half-written, empty, not JSON, the wrong shape -- is
skipped with a one-line reason in :attr:`Room.skipped`; it never stops the others. Names
come from the file (its ``name`` field) or else its file name, and are shown as text:
escaped in HTML, control characters removed on the terminal, and never able to start a
spreadsheet formula in the CSV.

>>> import json, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "ana.json").write_text(json.dumps({"version": 1, "exercises": {
...     "retention-formula": {"passed": True, "attempts": 2},
...     "churn-formula": {"passed": False, "attempts": 1}}}))
>>> _ = (folder / "ben.json").write_text('{"version": 1, "exerc')   # still being written
>>> room = gather(folder)
>>> [t.name for t in room.trainees]
['ana']
>>> room.notes()
['skipped ben.json: not JSON (broken at line 1, column 16: half-written?)']
>>> print(room.summary()[["trainee", "01", "passed", "tried"]].to_string(index=False))
trainee  01  passed  tried
    ana 1/5       1      1
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.teaching.exercise import Exercise

__all__ = ["MAX_FILE_BYTES", "Room", "Trainee", "gather", "read_progress_file", "write_room"]

MAX_FILE_BYTES = 1_000_000
"""A progress file is a few kilobytes; anything bigger than this is not one and is skipped."""

MAX_NAME = 60
"""Names longer than this are cut (with an ellipsis) in every view."""

MARKS = {"passed": "✔", "tried": "✘", "not started": ""}
"""How each status shows in the printed table and the HTML page."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Trainee:
    """One trainee's progress file, read and checked.

    ``exercises`` maps exercise id to ``(passed, attempts)``; ``updated`` is when the file
    was last written (its ``updated`` field, else the file's modification time), in UTC.
    """

    name: str
    file: str
    exercises: Mapping[str, tuple[bool, int]]
    updated: datetime

    def status(self, exercise_id: str) -> str:
        """``"passed"``, ``"tried"`` or ``"not started"``, as in :func:`~.progress.status`."""
        entry = self.exercises.get(exercise_id)
        return "not started" if entry is None else "passed" if entry[0] else "tried"


def clean_name(name: str) -> str:
    """A name fit to show: control and direction characters removed, spaces collapsed, cut
    to :data:`MAX_NAME` characters (escaping for HTML happens where HTML is written).

    >>> clean_name("  Ana\\x1b[2J  Pérez\\n")
    'Ana[2J Pérez'
    """
    text = " ".join(_CONTROL.sub("", name).split())
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def _updated(value: object, path: Path) -> datetime:
    """The ``updated`` field as an aware UTC datetime, else the file's modification time."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None:
            return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def read_progress_file(path: str | Path) -> Trainee:
    """Read one progress file; a ValueError says in a few words why it is not one.

    >>> read_progress_file("no/such/file.json")
    Traceback (most recent call last):
    ...
    ValueError: cannot be read (No such file or directory)
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size:,} bytes: too big for a progress file")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not raw.strip():
        raise ValueError("empty (still being written?)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ValueError(f"not JSON (broken at {where}: half-written?)") from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        raise ValueError('not a simkit progress file (no "exercises" table)')
    exercises: dict[str, tuple[bool, int]] = {}
    for key, entry in data["exercises"].items():
        ok = isinstance(entry, dict) and isinstance(entry.get("passed"), bool)
        attempts = entry.get("attempts") if isinstance(entry, dict) else None
        if not ok or not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
            raise ValueError(
                f"exercise {clean_name(str(key))!r}: needs passed (true/false) and attempts "
                "(a whole number >= 0)"
            )
        exercises[str(key)] = (entry["passed"], attempts)
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"name must be text, got {type(name).__name__}")
    shown = clean_name(name or "") or clean_name(path.stem) or "(no name)"
    return Trainee(shown, path.name, exercises, _updated(data.get("updated"), path))


@dataclass
class Room:
    """Every trainee's progress over a list of exercises (see :func:`gather`).

    Attributes
    ----------
    exercises : the exercises shown, in order (columns).
    trainees : one per progress file read, most exercises passed first.
    skipped : ``(file name, reason)`` of every file that could not be read.
    unknown : ``(file name, exercise ids)`` of files naming exercises not in the list
        (an older or newer kit); those entries are left out.
    """

    exercises: Sequence[Exercise]
    trainees: list[Trainee] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[tuple[str, list[str]]] = field(default_factory=list)

    def _known(self, t: Trainee, status: str) -> int:
        return sum(t.status(ex.id) == status for ex in self.exercises)

    def table(self) -> pd.DataFrame:
        """Trainee x exercise: one row per trainee with the status of every exercise (columns
        named by exercise id), then ``passed``, ``tried`` and ``last_activity`` (UTC)."""
        rows = []
        for t in self.trainees:
            row: dict[str, Any] = {"trainee": t.name, "file": t.file}
            row.update({ex.id: t.status(ex.id) for ex in self.exercises})
            row["passed"], row["tried"] = self._known(t, "passed"), self._known(t, "tried")
            row["last_activity"] = t.updated.isoformat(timespec="seconds")
            rows.append(row)
        columns = ["trainee", "file", *(ex.id for ex in self.exercises)]
        return pd.DataFrame(rows, columns=[*columns, "passed", "tried", "last_activity"])

    def notebooks(self) -> list[str]:
        """The notebooks of the exercises, in order."""
        return list(dict.fromkeys(ex.notebook for ex in self.exercises))

    def summary(self) -> pd.DataFrame:
        """What the terminal shows: per trainee, ``passed/total`` for each notebook (columns
        named by the notebook's number), the totals, and the last activity (UTC, to the
        minute)."""
        rows = []
        for t in self.trainees:
            row: dict[str, Any] = {"trainee": t.name}
            for book in self.notebooks():
                mine = [ex for ex in self.exercises if ex.notebook == book]
                done = sum(t.status(ex.id) == "passed" for ex in mine)
                row[book.split("-")[0]] = f"{done}/{len(mine)}"
            row["passed"], row["tried"] = self._known(t, "passed"), self._known(t, "tried")
            row["last activity"] = t.updated.strftime("%Y-%m-%d %H:%M")
            rows.append(row)
        columns = ["trainee", *(b.split("-")[0] for b in self.notebooks())]
        return pd.DataFrame(rows, columns=[*columns, "passed", "tried", "last activity"])

    def passed_by(self) -> dict[str, int]:
        """Exercise id -> how many trainees passed it (where the room is stuck)."""
        return {
            ex.id: sum(t.status(ex.id) == "passed" for t in self.trainees) for ex in self.exercises
        }

    def to_text(self) -> str:
        """The summary as a plain-text table (what the command prints)."""
        if not self.trainees:
            return "no trainees yet: no readable progress files"
        table = self.summary()
        width = int(table["trainee"].str.len().max())
        table["trainee"] = table["trainee"].str.ljust(width)
        return table.to_string(index=False, justify="left")

    def to_csv(self) -> str:
        """The full table as CSV; a name that would start a spreadsheet formula gets a
        leading apostrophe."""
        table = self.table()
        for column in ("trainee", "file"):
            table[column] = [_no_formula(v) for v in table[column]]
        return table.to_csv(index=False)

    def to_html(self, title: str = "Exercise progress", refresh: float | None = None) -> str:
        """A self-contained HTML page: inline style, no scripts, no external resources.

        ``refresh`` (seconds) makes the browser reload the page that often, for a page
        projected while ``simkit exercises leaderboard --watch`` rewrites it.
        """
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        meta = f'<meta http-equiv="refresh" content="{refresh:g}">' if refresh else ""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{meta}<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f'<h1>{html.escape(title)}</h1><p class="note">{len(self.trainees)} trainees, '
            f"{len(self.exercises)} exercises; updated {when}. "
            "✔ passed, ✘ tried, blank: not started.</p>"
            f"{self._repr_html_()}{self._skipped_html()}</body></html>\n"
        )

    def _repr_html_(self) -> str:
        """The table as an HTML fragment (also how a notebook shows a Room)."""
        books = self.notebooks()
        head1 = "".join(
            f'<th colspan="{sum(ex.notebook == b for ex in self.exercises)}" class="book">'
            f"{html.escape(b)}</th>"
            for b in books
        )
        head2 = "".join(
            f'<th class="ex" title="{html.escape(ex.title)}">{html.escape(ex.id)}</th>'
            for ex in self.exercises
        )
        body = []
        for t in self.trainees:
            cells = "".join(
                f'<td class="{t.status(ex.id).replace(" ", "-")}">{MARKS[t.status(ex.id)]}</td>'
                for ex in self.exercises
            )
            who = f'title="{html.escape(clean_name(t.file))}">{html.escape(t.name)}'
            body.append(
                f'<tr><th class="name" {who}</th>'
                f'{cells}<td class="total">{self._known(t, "passed")}</td>'
                f'<td class="total">{self._known(t, "tried")}</td>'
                f'<td class="when">{t.updated.strftime("%Y-%m-%d %H:%M")}</td></tr>'
            )
        counts = self.passed_by()
        foot = "".join(f'<td class="count">{counts[ex.id]}</td>' for ex in self.exercises)
        return (
            '<table class="room"><thead>'
            f'<tr><th rowspan="2">trainee</th>{head1}<th rowspan="2">passed</th>'
            '<th rowspan="2">tried</th><th rowspan="2">last activity (UTC)</th></tr>'
            f"<tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody>"
            f'<tfoot><tr><th>passed by</th>{foot}<td colspan="3"></td></tr></tfoot></table>'
        )

    def _skipped_html(self) -> str:
        if not self.skipped:
            return ""
        items = "".join(
            f"<li><code>{html.escape(f)}</code>: {html.escape(r)}</li>" for f, r in self.skipped
        )
        return f'<p class="note">Files skipped:</p><ul class="note">{items}</ul>'

    def notes(self) -> list[str]:
        """One line per skipped file and per file naming unknown exercises."""
        lines = [f"skipped {clean_name(f)}: {r}" for f, r in self.skipped]
        for f, ids in self.unknown:
            shown = ", ".join(clean_name(i) for i in ids[:5]) + (", ..." if len(ids) > 5 else "")
            lines.append(
                f"note {clean_name(f)}: left out exercises this kit does not have: {shown}"
            )
        return lines


def _no_formula(value: object) -> object:
    """Text a spreadsheet would read as a formula gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.6em;margin:0 0 .2em}.note{color:#555}"
    "table.room{border-collapse:collapse;font-size:1.05em}"
    ".room th,.room td{border:1px solid #ccc;padding:.25em .45em;text-align:center}"
    ".room th.name{text-align:left;white-space:nowrap}"
    ".room th.ex{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;"
    "font-size:.8em;color:#444}"
    ".room th.book{font-size:.85em;background:#f3f3f3}"
    ".room td.passed{background:#d9f0d3;color:#1b7837;font-weight:bold}"
    ".room td.tried{background:#fde0dd;color:#b2182b}"
    ".room td.total{font-weight:bold}.room td.when{white-space:nowrap;color:#555}"
    ".room td.count{color:#555;font-size:.85em}"
)


def gather(folder: str | Path, exercises: Iterable[Exercise] | None = None) -> Room:
    """Read every ``*.json`` progress file in ``folder`` (not its sub-folders) into a Room.

    Parameters
    ----------
    folder : the folder holding one progress file per trainee. Hidden files (and the
        temporary files of a save in progress) are ignored.
    exercises : the columns (default: every exercise of the kit, in notebook order).

    Raises ValueError when ``folder`` is not a folder. Trainees are sorted by exercises
    passed (most first), then by name; two files with the same name get their file name
    added.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise ValueError(f"{folder}: {what}")
    if exercises is None:
        from simkit.teaching.exercises import EXERCISES

        exercises = EXERCISES.values()
    room = Room(list(exercises))
    known = {ex.id for ex in room.exercises}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            trainee = read_progress_file(path)
        except ValueError as exc:
            room.skipped.append((path.name, str(exc)))
            continue
        unknown = sorted(set(trainee.exercises) - known)
        if unknown:
            room.unknown.append((path.name, unknown))
        room.trainees.append(trainee)
    _disambiguate(room.trainees)
    room.trainees.sort(key=lambda t: (-room._known(t, "passed"), t.name.casefold(), t.file))
    return room


def _disambiguate(trainees: list[Trainee]) -> None:
    """Two trainees with one name: add each one's file name, so the rows can be told apart."""
    seen: dict[str, int] = {}
    for t in trainees:
        seen[t.name] = seen.get(t.name, 0) + 1
    for i, t in enumerate(trainees):
        if seen[t.name] > 1:
            trainees[i] = Trainee(
                clean_name(f"{t.name} ({Path(t.file).stem})"), t.file, t.exercises, t.updated
            )


def write_room(room: Room, out: str | Path, refresh: float | None = None) -> tuple[Path, Path]:
    """Write ``leaderboard.csv`` and ``leaderboard.html`` into ``out`` (atomically)."""
    from simkit.io.files import atomic_write_text

    if refresh is not None and (not math.isfinite(refresh) or refresh <= 0):
        raise ValueError(f"refresh must be a number of seconds above 0, got {refresh}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: is a file, not a folder")
    csv, page = out / "leaderboard.csv", out / "leaderboard.html"
    atomic_write_text(csv, room.to_csv())
    atomic_write_text(page, room.to_html(refresh=refresh))
    return csv, page
