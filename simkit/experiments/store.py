"""Saving a sweep as it runs, so that an interrupted sweep resumes where it stopped.

A sweep of a few hundred runs can take an hour; losing it to a closed laptop lid should cost
seconds, not the hour. A :class:`SweepStore` keeps the finished runs of one sweep in a
``.csv`` or ``.parquet`` file, rewritten atomically (never half-written) every couple of
seconds, next to a small *sidecar* JSON file (``runs.csv.sweep.json``) that says which sweep
the file belongs to: the base scenario, the grid, the strategies and the simkit version.

Running the same sweep again with the same file reads the finished runs back and only does
the rest. A file from a different sweep is refused with a message naming what differs, never
mixed in or overwritten; so is a file that no sweep wrote. More replications than last time
are fine: replications are the one thing a sweep may grow.

Every saved row is checked before it is trusted, and a damaged file is refused with its name
and the row: a row cut off mid-line (the file must end with a line break, and every row have
one value per column), an empty cell, a figure that is not a number or is infinite, a grid
value, strategy or replication that is not this sweep's, a run saved twice, a missing or
unexpected column. A figure that is undefined for a run (no surveys answered, say) is saved as
the text ``nan``, so an empty cell always means damage, never "undefined".

Runs are identified by a key ``(grid point, strategy, replication)`` of indices: point ``p``
is the p-th combination of grid values (the first field varying slowest), strategy ``s`` the
s-th strategy of the sweep.

>>> import tempfile, pathlib
>>> from simkit.engine.scenario import default_scenario
>>> from simkit.engine.strategies import get_strategy
>>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.csv"
>>> grid = (["team.managers"], [[2, 4]])
>>> store = SweepStore(path, default_scenario(), *grid, [get_strategy("reactive")])
>>> store.open()
{}
>>> store.record((1, 0, 0), {"revenue": 10.0})
>>> store.save()
>>> SweepStore(path, default_scenario(), *grid, [get_strategy("reactive")]).open()
{(1, 0, 0): {'revenue': 10.0}}
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simkit.analysis.summary import HEADLINE
from simkit.engine.safe_load import excerpt, shorten
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy

SWEEP_FILE_VERSION = 2
"""Version of the sidecar's format (2: undefined figures saved as ``nan``, not left empty)."""

FLUSH_SECONDS = 2.0
"""A store saves at most this often, so an interruption loses at most this much work."""

Key = tuple[int, int, int]
"""A run of a sweep: (grid point index, strategy index, replication)."""

SUFFIXES = (".csv", ".parquet", ".pq")
"""File types a sweep can be saved to."""


def check_target(
    path: str | os.PathLike[str], suffixes: tuple[str, ...], what: str = "the output"
) -> Path:
    """``path`` as a Path if a file of one of ``suffixes`` can be written there, else a
    ValueError saying why -- call it for every output before any work starts, so that a
    long sweep does not end in a refused file name, nor write one file and refuse the next.

    >>> check_target("out/frontier.jpg", (".png", ".svg", ".pdf"), "the figure")
    Traceback (most recent call last):
    ...
    ValueError: out/frontier.jpg: the figure must be a .png, .svg or .pdf file
    """
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        kinds = (
            ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        )
        raise ValueError(f"{path}: {what} must be a {kinds} file")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; {what} needs a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{path}: {folder} is a file, not a folder")
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{path}: cannot write in {folder} (permission denied)")
    return path


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """The small JSON file that says which sweep a results file belongs to.

    >>> sidecar_path("out/sweep.csv").name
    'sweep.csv.sweep.json'
    """
    path = Path(path)
    return path.with_name(path.name + ".sweep.json")


def plain(value: object) -> object:
    """A grid value as a plain Python scalar (numpy scalars unwrapped).

    >>> plain(np.int64(3)), plain("big")
    (3, 'big')
    """
    return value.item() if isinstance(value, np.generic) else value


def value_key(value: object) -> str:
    """How a grid value is recognised again after a round trip through CSV or Parquet.

    A CSV file gives ``3`` back as ``3`` or ``3.0`` and ``true`` as a bool; the key makes them
    equal to what the grid said:

    >>> value_key(3) == value_key(3.0) == value_key(np.float64(3.0)), value_key(True)
    (True, 'bool:True')
    """
    value = plain(value)
    if isinstance(value, bool):
        return f"bool:{value}"
    if isinstance(value, int | float):
        return f"num:{float(value)!r}"
    return f"str:{value}"


def describe_strategy(strategy: Strategy) -> dict:
    """Everything that makes a strategy what it is: its class and every parameter.

    Two strategies with the same name but different parameters describe differently, so a
    saved sweep of one is not taken for a sweep of the other.

    >>> from simkit.engine.strategies import ProactiveCheckIns
    >>> describe_strategy(ProactiveCheckIns())["class"]
    'simkit.engine.strategies.ProactiveCheckIns'
    """
    params = {}
    for k, v in sorted(vars(strategy).items()):
        if isinstance(v, Strategy):
            params[k] = describe_strategy(v)
        elif isinstance(v, tuple | list) and v and all(isinstance(p, Strategy) for p in v):
            params[k] = [describe_strategy(p) for p in v]
        else:
            params[k] = repr(v)
    kind = type(strategy)
    return {"name": strategy.name, "class": f"{kind.__module__}.{kind.__qualname__}", **params}


def sweep_identity(
    scenario: Scenario,
    keys: list[str],
    values: list[list],
    strategies: list[Strategy],
    book: pd.DataFrame | None = None,
) -> dict:
    """What a saved sweep must match to be resumed: simkit version, scenario, grid, strategies
    and, when one was given, a fingerprint of the imported starting book."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        simkit_version = version("simkit")
    except PackageNotFoundError:  # run from a checkout that was never installed
        simkit_version = "unknown"
    return {
        "simkit": simkit_version,
        "scenario": scenario.to_dict(),
        "grid": {k: v for k, v in zip(keys, values, strict=True)},
        "strategies": [describe_strategy(s) for s in strategies],
        "book": None if book is None else _book_digest(book),
    }


def _book_digest(book: pd.DataFrame) -> str:
    """A fingerprint of an imported book's content (same rows, same fingerprint)."""
    hashed = pd.util.hash_pandas_object(book.reset_index(drop=True), index=True)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()[:20]


def digest(identity: dict) -> str:
    """A short fingerprint of a sweep identity (equal identities, equal digests)."""
    text = json.dumps(identity, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def runs_frame(
    done: dict[Key, dict], keys: list[str], points: list[tuple], names: list[str], order: list[Key]
) -> pd.DataFrame:
    """The tidy table of a sweep's runs, one row per key of ``order``: the grid fields,
    ``strategy``, ``replication``, then the run's figures."""
    rows = []
    for p, s, r in order:
        row: dict[str, object] = dict(zip(keys, points[p], strict=True))
        row["strategy"] = names[s]
        row["replication"] = r
        row.update(done[(p, s, r)])
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=[*keys, "strategy", "replication", *HEADLINE])
    frame.attrs["grid"] = list(keys)
    return frame


class SweepStore:
    """The finished runs of one sweep, in memory and (given a path) in a file.

    Parameters
    ----------
    path : a ``.csv`` or ``.parquet`` file, or None to keep the runs in memory only.
    scenario : the sweep's base scenario.
    keys, values : the grid: dotted field names and, for each, its list of values.
    strategies : the sweep's strategies, in order.
    flush_seconds : :meth:`record` saves when this long has passed since the last save.
    figures : the figures every run has (e.g. ``list(simkit.analysis.registry.METRICS)``); a
        saved file must have exactly these figure columns. None: whatever figure columns the
        file has (every row must still have all of them).

    Use: :meth:`open` (the runs already saved, which the sweep can skip), then
    :meth:`record` each run as it finishes, and :meth:`flush` at the end (also after an
    error or Ctrl-C, to keep what finished). :attr:`done` holds every run recorded so far.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        scenario: Scenario,
        keys: list[str],
        values: list[list],
        strategies: list[Strategy],
        flush_seconds: float = FLUSH_SECONDS,
        figures: list[str] | None = None,
        book: pd.DataFrame | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None and self.path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"{self.path}: sweep results go to a .csv or .parquet file")
        self.keys, self.values = list(keys), [list(v) for v in values]
        self.points = list(itertools.product(*self.values))
        self.names = [s.name for s in strategies]
        self.identity = sweep_identity(scenario, self.keys, self.values, strategies, book)
        self.flush_seconds = flush_seconds
        self.figures = None if figures is None else list(figures)
        self.done: dict[Key, dict] = {}
        self._unsaved = 0
        self._last_save = time.monotonic()

    def open(self) -> dict[Key, dict]:
        """Read the runs already saved (none without a file) and claim the file.

        Refuses (ValueError) a file that no sweep wrote, a file from a different sweep, and a
        file whose rows do not fit this sweep's grid and strategies; a file that does not
        exist yet gets its sidecar written now.
        """
        if self.path is None:
            return {}
        if self.path.exists():
            self.done = self._read()
        else:
            from simkit.io.files import atomic_write_text

            side = {"format": "simkit sweep", "version": SWEEP_FILE_VERSION}
            side.update(digest=digest(self.identity), identity=self.identity)
            atomic_write_text(sidecar_path(self.path), json.dumps(side, indent=1, default=repr))
        self._last_save = time.monotonic()
        return dict(self.done)

    def record(self, key: Key, figures: dict) -> None:
        """Keep one finished run; save the file when :attr:`flush_seconds` have passed."""
        self.done[key] = figures
        self._unsaved += 1
        if self.path is not None and time.monotonic() - self._last_save >= self.flush_seconds:
            self.save()

    def flush(self) -> None:
        """Save the runs recorded since the last save, if any (nothing to do without a file)."""
        if self.path is not None and self._unsaved:
            self.save()

    def save(self) -> None:
        """Write every run recorded so far to the file, atomically, in key order."""
        if self.path is None:
            return
        from simkit.io.files import atomic_write_text, write_frame

        frame = self.frame(sorted(self.done))
        if self.path.suffix.lower() == ".csv":  # "nan", not an empty cell, for undefined
            atomic_write_text(self.path, frame.to_csv(index=False, na_rep="nan"))
        else:
            write_frame(frame, self.path)
        self._unsaved, self._last_save = 0, time.monotonic()

    def frame(self, order: list[Key]) -> pd.DataFrame:
        """The runs of ``order`` as a tidy table (see :func:`runs_frame`)."""
        return runs_frame(self.done, self.keys, self.points, self.names, order)

    def _read(self) -> dict[Key, dict]:
        """The runs in an existing file, after checking it belongs to this sweep and that
        every row is whole (see the module docstring)."""
        path, side = self.path, sidecar_path(self.path)
        assert path is not None
        if not side.exists():
            raise ValueError(
                f"{path} exists but {side.name} does not, so it was not written by a simkit "
                "sweep; choose another output file or delete it"
            )
        try:
            saved = json.loads(side.read_text(encoding="utf-8"))
            saved_digest, saved_identity = saved["digest"], saved["identity"]
            version = saved.get("version")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"{side}: not a readable sweep description ({shorten(str(exc), 80)})"
            ) from None
        if version != SWEEP_FILE_VERSION:
            raise ValueError(
                f"{path} was saved in another sweep file format ({excerpt(version)}, now "
                f"{SWEEP_FILE_VERSION}); delete it and {side.name} to start again"
            )
        if saved_digest != digest(self.identity):
            raise ValueError(self._mismatch(saved_identity))
        if path.suffix.lower() == ".csv":
            frame = self._read_csv(path)
        else:
            try:
                frame = pd.read_parquet(path)
            except Exception as exc:  # noqa: BLE001 - any unreadable file gets one clear message
                raise ValueError(
                    f"{path}: cannot read the saved sweep ({shorten(str(exc), 80)}); delete it "
                    "to start again"
                ) from None
        return self._runs(frame, first_row=2 if path.suffix.lower() == ".csv" else 1)

    def _damaged(self, where: str, what: str) -> ValueError:
        """The error for a damaged saved sweep: the file, the row or column, and the way out."""
        return ValueError(
            f"{self.path}: {where}: {what}; the file was cut off or edited -- fix or delete "
            "that row to resume"
        )

    def _read_csv(self, path: Path) -> pd.DataFrame:
        """A saved CSV sweep as a frame, after checking its shape record by record."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(
                f"{path}: cannot read the saved sweep ({shorten(str(exc), 80)})"
            ) from None
        if not text.strip() or "\x00" in text:
            raise ValueError(
                f"{path}: the saved sweep is empty or not text; delete it to start again"
            )
        if not text.endswith("\n"):
            raise self._damaged(
                f"row {text.count(chr(10)) + 1}", "the last row is cut off (no line break)"
            )
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise self._damaged("the file", f"not readable as CSV ({exc})") from None
        header = records[0]
        self._check_columns(header)
        for n, record in enumerate(records[1:], start=2):
            if len(record) != len(header):
                raise self._damaged(
                    f"row {n}", f"{len(record)} values, but the header has {len(header)}"
                )
            if "" in record:
                raise self._damaged(f"row {n}", f"column {header[record.index('')]} is empty")
        return pd.read_csv(io.StringIO(text))

    def _check_columns(self, columns: list[str]) -> None:
        """Refuse a saved sweep whose columns are not this sweep's."""
        need = [*self.keys, "strategy", "replication"]
        expected = need + (self.figures or [c for c in columns if c not in need])
        missing = [c for c in expected if c not in columns]
        if missing:
            raise ValueError(
                f"{self.path}: the saved sweep lacks column(s) {excerpt(missing)}; delete it "
                "to start again"
            )
        extra = [c for c in columns if c not in expected]
        repeated = sorted({c for c in columns if list(columns).count(c) > 1})
        if extra or repeated:
            raise ValueError(
                f"{self.path}: the saved sweep has unexpected or repeated column(s) "
                f"{excerpt(extra or repeated)}; delete it to start again"
            )

    def _runs(self, frame: pd.DataFrame, first_row: int) -> dict[Key, dict]:
        """Every row of a saved sweep as a run, each checked to be one of this sweep's."""
        assert self.path is not None
        columns = [str(c) for c in frame.columns]
        self._check_columns(columns)
        need = [*self.keys, "strategy", "replication"]
        figures = [c for c in columns if c not in need]
        for name in figures:  # vectorised: a sweep file may hold 100,000 runs
            column = frame[name]
            numbers = pd.to_numeric(column, errors="coerce")
            bad = (numbers.isna() & column.notna()) | np.isinf(numbers.astype(float))
            if column.dtype == bool or bad.any():
                i = int(np.flatnonzero(bad.to_numpy() | (column.dtype == bool))[0])
                raise self._damaged(
                    f"row {i + first_row}",
                    f"{name} = {excerpt(column.iat[i], 30)} is not a finite number",
                )
        index = [{value_key(v): i for i, v in enumerate(vals)} for vals in self.values]
        strategy_index = {n: i for i, n in enumerate(self.names)}
        shape = [len(v) for v in self.values]
        values = frame[need].to_numpy(dtype=object)
        numbers = frame[figures].to_numpy(dtype=float)
        done: dict[Key, dict] = {}
        first: dict[Key, int] = {}
        for i, (row, figs) in enumerate(zip(values, numbers, strict=True)):
            where = f"row {i + first_row}"
            cell = []
            for idx, name, value in zip(index, self.keys, row, strict=False):
                if value_key(value) not in idx:
                    raise ValueError(
                        f"{self.path}: {where}: {name} = {excerpt(value, 30)} is not a value "
                        "of this sweep's grid"
                    )
                cell.append(idx[value_key(value)])
            strategy, replication = row[-2], row[-1]
            if strategy not in strategy_index:
                raise ValueError(
                    f"{self.path}: {where}: strategy {excerpt(strategy, 30)} is not one of "
                    "this sweep's"
                )
            if (
                isinstance(replication, bool | np.bool_)
                or not isinstance(replication, int | float | np.number)
                or not math.isfinite(replication)
                or replication != int(replication)
                or replication < 0
            ):
                raise self._damaged(
                    where, f"replication {excerpt(replication, 30)} is not a whole number >= 0"
                )
            point = int(np.ravel_multi_index(cell, shape)) if cell else 0
            key = (point, strategy_index[strategy], int(replication))
            if key in done:
                raise ValueError(
                    f"{self.path}: {where} repeats the run of row {first[key]} (same grid "
                    "point, strategy and replication); delete one of them"
                )
            done[key] = dict(zip(figures, (float(f) for f in figs), strict=True))
            first[key] = i + first_row
        return done

    def _mismatch(self, saved: dict) -> str:
        """The message refusing a file of another sweep, naming the parts that differ."""
        assert self.path is not None

        def text(part: object) -> str:
            return json.dumps(part, sort_keys=True, default=repr)

        differ = [
            part
            for part in ("scenario", "grid", "strategies", "simkit")
            if text(saved.get(part)) != text(self.identity[part])
        ] or ["settings"]
        what = " and ".join([", ".join(differ[:-1]), differ[-1]] if len(differ) > 1 else differ)
        verb = "differs" if len(differ) == 1 else "differ"
        return (
            f"{self.path} holds results of a different sweep (its {what} {verb}); choose another "
            f"output file, or delete {self.path.name} and {sidecar_path(self.path).name} to "
            "start again"
        )
