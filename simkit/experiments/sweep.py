"""Sweeps: every combination of scenario settings, under every strategy and replication.

How many managers does the book need? Does a bigger small-business segment change which
strategy wins? A *grid* answers such questions: dotted scenario fields, each with a list of
values, e.g. ``{"team.managers": [3, 4, 6, 8], "portfolio.small.count": [150, 250]}``. Each
combination of values is a *grid point*; :func:`sweep` simulates every point under every
strategy in every replication and returns one tidy row per run, ready for
:func:`simkit.experiments.frontier.frontier_table` or a pandas ``groupby``.

Every point uses replications 0 .. n-1, so two points differ by their settings, not by the
luck of the draw (common random numbers). Each run is lean: it records what its headline
figures need, not its event log (``record="summary"``; see
:func:`simkit.engine.model.simulate`). The runs can go to local processes or a Dask
cluster, and to a file that is saved as they finish (:mod:`simkit.experiments.store`), so an
interrupted sweep resumes without redoing finished runs.

A sweep can also be described in a TOML file and read with :func:`load_sweep_spec` (this is
what ``simkit sweep grid.toml`` does).

>>> from simkit.engine.scenario import default_scenario
>>> small = default_scenario().update({"horizon_years": 1, "portfolio.small.count": 50})
>>> df = sweep(small, {"team.managers": [2, 4]}, ["reactive"], replications=2, jobs=1)
>>> df[["team.managers", "strategy", "replication"]].values.tolist()
[[2, 'reactive', 0], [2, 'reactive', 1], [4, 'reactive', 0], [4, 'reactive', 1]]
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simkit.analysis.registry import METRICS
from simkit.engine.safe_load import excerpt, shorten
from simkit.engine.scenario import Scenario, ScenarioError
from simkit.engine.strategies import Strategy, get_strategy
from simkit.experiments.runner import (
    Run,
    StrategyLike,
    check_replications,
    default_jobs,
    map_unordered,
    run_one,
)
from simkit.experiments.store import Key, SweepStore, plain, value_key

NOT_SWEEPABLE = {
    "seed": "cells share random numbers through their replications; sweep replications instead",
    "name": "it is a label, not a model input",
}
"""Scenario fields a grid may not change, and why."""

MAX_VALUES = 1_000
"""The most values one grid field may take."""

CONFIRM_RUNS = 2_000
"""A sweep of more runs than this (grid points x strategies x replications) starts only when
confirmed (``confirm=True``; ``simkit sweep --yes``): it can take hours or days."""

MAX_RUNS = 1_000_000
"""No sweep may have more runs than this, confirmed or not."""


def check_size(points: int, strategies: int, replications: int, confirm: bool = False) -> int:
    """The number of runs of a sweep, after checking it is not too big to start unasked.

    >>> check_size(10, 4, 5)
    200
    >>> check_size(2_000, 4, 5)
    Traceback (most recent call last):
    ...
    ValueError: this sweep is 40,000 runs (2,000 grid points x 4 strategies x 5 replications), ...
    """
    runs = points * strategies * replications
    size = (
        f"{runs:,} runs ({points:,} grid points x {strategies} strategies x {replications} "
        "replications)"
    )
    if runs > MAX_RUNS:
        raise ValueError(f"this sweep is {size}, more than {MAX_RUNS:,}; make the grid smaller")
    if runs > CONFIRM_RUNS and not confirm:
        raise ValueError(
            f"this sweep is {size}, more than {CONFIRM_RUNS:,}; confirm it (confirm=True; on "
            "the command line --yes) or make the grid smaller"
        )
    return runs


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep file (``grid.toml``) asks for; see :func:`load_sweep_spec`.

    Run it with ``sweep(spec.scenario, spec.grid, spec.strategies, spec.replications)``.
    """

    scenario: Scenario
    grid: dict[str, list]
    strategies: list[str]
    replications: int


def load_sweep_spec(path: str | os.PathLike[str]) -> SweepSpec:
    """Read a sweep file: base scenario, grid, strategies and replications.

    The file is TOML (see ``examples/grid.toml``)::

        scenario = "my-book.toml"      # optional: a scenario file (relative to this file),
                                       # or a [scenario] table of fields to change
        strategies = ["reactive", "customer_success"]
        replications = 5

        [grid]                         # dotted scenario fields -> lists of values
        "team.managers" = [3, 4, 6, 8]
        "portfolio.small.count" = [150, 250]

    Everything is checked before anything runs; an error names the file and the entry.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "grid.toml"
    >>> _ = f.write_text('strategies = ["reactive"]\\n[grid]\\n"team.managers" = [3, 6]\\n')
    >>> spec = load_sweep_spec(f)
    >>> spec.grid, spec.strategies, spec.replications
    ({'team.managers': [3, 6]}, ['reactive'], 5)
    """
    from simkit.engine.safe_load import FileFormatError, read_mapping
    from simkit.engine.scenario import default_scenario, load_scenario

    path = Path(path)
    try:
        data = read_mapping(path, "sweep file", (".toml",))
    except FileFormatError as exc:
        raise ValueError(f"{path}: {exc}") from None
    allowed = ("scenario", "grid", "strategies", "replications")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ValueError(
            f"{path}: unknown key {excerpt(unknown[0], 40)} (allowed: {', '.join(allowed)})"
        )
    base = data.get("scenario")
    try:
        if base is None:
            scenario = default_scenario()
        elif isinstance(base, str):
            scenario = load_scenario(path.parent / base)
        elif isinstance(base, dict):
            scenario = default_scenario().update(_flatten(base))
        else:
            raise ValueError(
                f"{path}: scenario: give a scenario file name or a [scenario] table, "
                f"got {excerpt(base)}"
            )
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: scenario: {exc}") from None
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        raise ValueError(f'{path}: grid: must be a table such as [grid] "team.managers" = [3, 6]')
    strategies = data.get("strategies", ["reactive"])
    if isinstance(strategies, str):
        strategies = [strategies]
    if not isinstance(strategies, list) or not all(isinstance(s, str) for s in strategies):
        raise ValueError(f"{path}: strategies: must be a list of strategy names")
    reps = data.get("replications", 5)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"{path}: replications: must be a whole number >= 1 (got {excerpt(reps)})")
    try:
        check_grid(scenario, grid)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return SweepSpec(scenario, {str(k): v for k, v in grid.items()}, strategies, reps)


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    """Nested TOML tables as dotted keys: ``{"team": {"managers": 3}}`` -> ``team.managers``."""
    out: dict[str, object] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def check_grid(scenario: Scenario, grid: object) -> tuple[list[str], list[list]]:
    """A grid's fields and value lists, every field and every value checked on ``scenario``.

    Raises a ValueError (a :class:`~simkit.engine.scenario.ScenarioError` for a value the
    scenario refuses) naming the field: unknown fields, values that are not lists, empty or
    repeated values, and fields that cannot be swept (:data:`NOT_SWEEPABLE`).

    >>> from simkit.engine.scenario import default_scenario
    >>> check_grid(default_scenario(), {"team.managers": (2, 3)})
    (['team.managers'], [[2, 3]])
    """
    if not isinstance(grid, dict):
        raise ValueError(
            "grid must be a mapping of dotted scenario fields to lists of values, "
            "e.g. {'team.managers': [3, 4, 6]}"
        )
    keys, values = [], []
    for key, vals in grid.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"grid keys must be dotted scenario fields, got {excerpt(key)}")
        key = shorten(key, 80)
        top = key.split(".")[0]
        if top in NOT_SWEEPABLE:
            raise ValueError(f"grid {key}: cannot be swept ({NOT_SWEEPABLE[top]})")
        if isinstance(vals, str | bytes | dict | set | frozenset) or not isinstance(vals, Iterable):
            raise ValueError(f"grid {key}: give a list of values, got {excerpt(vals)}")
        vals = [plain(v) for v in vals]
        if not vals:
            raise ValueError(f"grid {key}: the list of values is empty")
        if len(vals) > MAX_VALUES:
            raise ValueError(
                f"grid {key}: {len(vals):,} values, more than {MAX_VALUES:,}; sweep fewer values"
            )
        for v in vals:
            if not isinstance(v, bool | int | float | str):
                raise ValueError(
                    f"grid {key}: values must be numbers, text or true/false, got {excerpt(v)}"
                )
            try:
                scenario.update({key: v})
            except ScenarioError as exc:
                raise ScenarioError(f"grid {key} = {excerpt(v)}: {exc}") from None
        if len({value_key(v) for v in vals}) != len(vals):
            raise ValueError(f"grid {key}: a value is repeated in {excerpt(vals)}")
        keys.append(key)
        values.append(vals)
    return keys, values


def _cells(scenario: Scenario, keys: list[str], points: list[tuple]) -> list[Scenario]:
    """The scenario of every grid point (a combination can be invalid where each value is not)."""
    cells = []
    for point in points:
        try:
            cells.append(scenario.update(dict(zip(keys, point, strict=True))))
        except ScenarioError as exc:
            where = ", ".join(f"{k}={excerpt(v)}" for k, v in zip(keys, point, strict=True))
            raise ScenarioError(f"grid point {where}: {exc}") from None
    return cells


def sweep(
    scenario: Scenario,
    grid: dict[str, Sequence],
    strategies: Sequence[StrategyLike] | StrategyLike,
    replications: int = 5,
    jobs: int | None = None,
    scheduler: object = None,
    path: str | os.PathLike[str] | None = None,
    progress: bool = False,
    confirm: bool = False,
    book: pd.DataFrame | None = None,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Run every combination of grid values under every strategy and replication.

    Parameters
    ----------
    scenario : the base scenario; each grid point changes some of its fields.
    grid : dotted scenario fields -> lists of values, e.g.
        ``{"team.managers": [3, 4, 6, 8], "portfolio.small.count": [150, 250]}``. Every
        point is checked up front: a bad field or value raises one error naming it.
    strategies : strategy objects or names; each runs at every grid point.
    replications : runs per (point, strategy), replications 0 .. n-1 in every cell (common
        random numbers: differences between cells are not luck of the draw).
    jobs : local processes (None: all cores when the work is big enough).
    scheduler : a ``distributed.Client`` or a scheduler address (``"tcp://host:8786"``) to
        run on a Dask cluster instead of local processes (``jobs`` is then ignored).
    path : a ``.csv`` or ``.parquet`` file to save finished runs to as the sweep goes
        (atomically, every couple of seconds). Running the same sweep again with the same
        path skips the runs already saved; a file from a different sweep is refused.
        ``replications`` may grow between runs; anything else must stay the same.
    progress : show a progress bar.
    confirm : start a sweep of more than :data:`CONFIRM_RUNS` runs (without it, such a sweep
        raises a ValueError before anything runs or is written).
    book : an imported starting book (see :func:`simkit.io.portfolio.read_csv`) for every
        run instead of the sampled one; a saved sweep remembers which book it ran.
    time_limit : wall-clock seconds one run may take (None: no limit).

    Returns
    -------
    One row per run in a fixed order (grid point, strategy, replication): the grid fields,
    ``strategy``, ``replication`` and the figures of :func:`simkit.analysis.summary.run_summary`.
    The same sweep gives the same frame whatever ``jobs``, ``scheduler`` or interruptions.
    ``attrs["reused"]`` counts the runs found already saved in ``path``.
    """
    from tqdm.auto import tqdm

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
    replications = check_replications(replications)
    if isinstance(strategies, str | Strategy):
        strategies = [strategies]
    strats = [get_strategy(s) for s in strategies]
    if not strats:
        raise ValueError("sweep needs at least one strategy")
    names = [s.name for s in strats]
    if len(set(names)) != len(names):
        raise ValueError(f"strategy names must be distinct, got {names}")
    keys, values = check_grid(scenario, grid)
    check_size(math.prod(len(v) for v in values), len(strats), replications, confirm)
    store = SweepStore(path, scenario, keys, values, strats, figures=list(METRICS), book=book)
    cells = _cells(scenario, keys, store.points)

    wanted: list[Key] = [
        (p, s, r)
        for p in range(len(cells))
        for s in range(len(strats))
        for r in range(replications)
    ]
    saved = store.open()
    todo = [k for k in wanted if k not in saved]
    # lean runs: a sweep reads each run's headline figures, never its events
    tasks = [Run(cells[p], strats[s], r, False, book, time_limit, "summary") for p, s, r in todo]
    if tasks:
        n_jobs = default_jobs(len(tasks), scenario) if jobs is None else max(1, int(jobs))
        results = map_unordered(run_one, tasks, n_jobs, scheduler)
        bar = tqdm(
            total=len(wanted),
            initial=len(wanted) - len(todo),
            desc="sweep",
            disable=not progress,
            leave=False,
        )
        try:
            for i, out in results:
                store.record(todo[i], out.summary.to_dict())
                bar.update()
        finally:
            results.close()  # stops the pool when an error or Ctrl-C ends the loop early
            bar.close()
            store.flush()
    if store.path is not None and not store.path.exists():
        store.save()  # nothing was left to run, yet the file should be there
    frame = store.frame(wanted)
    frame.attrs["reused"] = len(wanted) - len(todo)
    return frame
