"""One large run with territories, its territories on several processes or a Dask cluster.

With ``team.structure = "territories"`` (:mod:`simkit.engine.territories`) a book is split
into territories that share nothing: each has its own managers, accounts, prospects and
random numbers. :func:`simkit.engine.model.simulate` runs them one after another; on a big
book :func:`run_territories` runs them side by side -- split, run, merge:

1. **split**: :func:`~simkit.engine.territories.plan` lays out the starting book once and
   deals it to the territories;
2. **run**: the territories go in groups of similar size (:func:`groups`, a few per worker)
   to :func:`~simkit.experiments.runner.map_unordered` (local worker processes, or a Dask
   scheduler), the biggest group first so that the workers finish together;
3. **merge**: :func:`~simkit.engine.territories.merge` puts the territories' records back in
   territory order and makes them one run.

A territory's numbers depend only on the territory, so the merged run is identical -- every
event, snapshot and account -- for 1, 2 or N workers and on Dask:

>>> from simkit.engine.scenario import default_scenario
>>> sc = default_scenario().update({"horizon_years": 1, "team.structure": "territories"})
>>> one = run_territories(sc, "proactive", jobs=1)
>>> two = run_territories(sc, "proactive", jobs=2)
>>> one.events.equals(two.events) and one.accounts.equals(two.accounts)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simkit.engine.model import territory_record
from simkit.engine.results import Record, Results
from simkit.engine.scenario import Scenario
from simkit.engine.territories import TerritoryError, merge, pack, plan
from simkit.experiments.runner import StrategyLike, map_unordered

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


TASKS_PER_WORKER = 3
"""Territories are handed to workers in this many groups per worker: few enough that handing
out and sending back costs little, enough that a worker finishing early takes another group."""


def _run_group(task: tuple[Any, ...]) -> list[Record]:
    """Worker side: the records of a group of territories, one after another."""
    scenario, strategy, replication, book, group, time_limit, record = task
    return [
        pack(territory_record(scenario, strategy, replication, book, t, time_limit, record))
        for t in group
    ]


def groups(sizes: Sequence[int], n: int) -> list[list[int]]:
    """Territory indices in ``n`` groups of similar total size, biggest group first: each
    territory, biggest first, goes to the group with least so far (ties: the earlier group).

    >>> groups([5, 1, 4, 2, 3], 2)
    [[0, 3, 1], [2, 4]]
    """
    out: list[list[int]] = [[] for _ in range(max(1, min(n, len(sizes))))]
    load = [0] * len(out)
    for k in sorted(range(len(sizes)), key=lambda k: (-sizes[k], k)):
        g = load.index(min(load))
        out[g].append(k)
        load[g] += sizes[k]
    order = sorted(range(len(out)), key=lambda g: (-load[g], g))
    return [out[g] for g in order if out[g]]


def run_territories(
    scenario: Scenario,
    strategy: StrategyLike = "reactive",
    replication: int = 0,
    book: pd.DataFrame | None = None,
    jobs: int = 1,
    scheduler: object = None,
    time_limit: float | None = None,
    record: str = "events",
) -> Results:
    """One run of a scenario with territories, its territories in parallel.

    Parameters
    ----------
    scenario : a scenario with ``team.structure = "territories"``.
    strategy, replication, book : as for :func:`simkit.engine.model.simulate`.
    jobs : local worker processes (1: one after another, in this process).
    scheduler : a ``distributed.Client`` or a Dask scheduler address to run the territories
        on a Dask cluster instead (``jobs`` is then ignored).
    time_limit : seconds one territory may take (it stops itself, as in
        :func:`~simkit.engine.model.simulate`); a worker still busy with its group of
        territories past :func:`~simkit.experiments.runner.hard_limit` of it is killed.
    record : ``"events"`` (the full event log) or ``"summary"`` (a lean run).

    Returns the merged :class:`~simkit.engine.results.Results`, the same for any ``jobs``
    and on Dask, and the same as ``simulate(scenario, strategy, replication, book)``.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
    if scenario.team.structure != "territories":
        raise TerritoryError(
            f"team.structure: run_territories needs 'territories', got "
            f"{scenario.team.structure!r} (a pooled team is one queue: use simulate)"
        )
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
    parts = plan(scenario, replication, book)
    workers = 1 if scheduler is None and jobs == 1 else max(jobs, 2)
    batches = groups([len(t.openings) + 1 for t in parts], workers * TASKS_PER_WORKER)
    tasks = [
        (scenario, strategy, replication, book, [parts[k] for k in batch], time_limit, record)
        for batch in batches
    ]
    records: list[Record | None] = [None] * len(parts)
    for i, recs in map_unordered(_run_group, tasks, jobs, scheduler, time_limit):
        for k, rec in zip(batches[i], recs, strict=True):
            records[k] = rec
    done = [r for r in records if r is not None]
    return Results.from_record(merge(scenario, parts, done))
