"""Running many simulations: replications, on local processes or a Dask cluster.

One run of the model is one possible history; a conclusion needs several, each with its own
random numbers. A *replication* number picks them: run ``r`` of a scenario draws its random
numbers from streams seeded by ``(scenario.seed, r)`` alone, so a run gives the same answer
whichever process, machine or order it runs in, and two strategies run with the same
replication number meet the same luck (common random numbers; see
:mod:`simkit.analysis.stats`).

This module is the engine room of every experiment:

* :class:`Run` says what to simulate (scenario, strategy, replication, and whether to keep the
  full results), :func:`run_one` does it and returns a :class:`RunResult` with the run's
  headline figures (:func:`simkit.analysis.summary.run_summary`).
* :func:`run_many` does a list of runs, in parallel when that is worth it, and returns the
  results in task order; :func:`replicate` is the common case of one strategy, n replications.
* :func:`map_unordered` is the pool underneath: it applies a function to tasks on local
  processes or on a Dask cluster and yields results as they finish. Sweeps use it directly
  so that they can save each run as soon as it is done.

>>> from simkit.engine.scenario import default_scenario
>>> small = default_scenario().update({"horizon_years": 1, "portfolio.small.count": 40})
>>> out = run_many([Run(small, "reactive", 0), Run(small, "reactive", 1)], jobs=1)
>>> [(o.strategy, o.replication) for o in out]
[('reactive', 0), ('reactive', 1)]
>>> bool(out[0].summary["revenue"] > 0)
True

Comparisons of strategies live in :mod:`simkit.experiments.compare`, sweeps over scenario
settings in :mod:`simkit.experiments.sweep`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from simkit.analysis.summary import run_summary
from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy

StrategyLike = Strategy | str
"""A strategy object or a strategy name (``"reactive"``, ``"cs+proactive"``...)."""

T = TypeVar("T")
R = TypeVar("R")


class Run(NamedTuple):
    """One simulation to do: a scenario under a strategy, in one replication.

    A plain tuple, so ``(scenario, strategy, replication, keep, book)`` works too.

    Attributes
    ----------
    scenario : the world to simulate.
    strategy : a strategy object or name.
    replication : which replication (0, 1, ...): picks the random numbers.
    keep : keep the full :class:`~simkit.engine.results.Results` (event log, snapshots), not
        just the headline figures. Full results of big runs are large; keep them only when
        you will look inside.
    book : an imported starting book (see :func:`simkit.io.portfolio.read_csv`) instead of
        one sampled from the scenario.
    """

    scenario: Scenario
    strategy: StrategyLike
    replication: int
    keep: bool = False
    book: pd.DataFrame | None = None


class RunResult(NamedTuple):
    """What one run returns: its strategy name and replication, its headline figures, and
    (when the :class:`Run` asked to keep them) its full results, else None."""

    strategy: str
    replication: int
    summary: pd.Series
    results: Results | None


def run_one(task: Run | tuple) -> RunResult:
    """Simulate one :class:`Run` and summarise it with :func:`~simkit.analysis.summary.run_summary`.

    This is what every worker process executes; call it directly for a single run.
    """
    scenario, strategy, replication, keep, book = Run(*task)
    res = simulate(scenario, strategy, replication, book)
    return RunResult(res.strategy, replication, run_summary(res), res if keep else None)


def default_jobs(n_runs: int, scenario: Scenario) -> int:
    """How many processes are worth starting for ``n_runs`` runs of ``scenario``.

    Starting a process and sending it work costs a fraction of a second, so small jobs
    (under a few thousand account-years in all) run in this process; bigger ones use every
    core this process may run on, but never more processes than runs.

    >>> from simkit.engine.scenario import default_scenario
    >>> default_jobs(1, default_scenario().update({"horizon_years": 1}))
    1
    """
    work = (
        n_runs
        * scenario.portfolio.total_accounts
        * (scenario.horizon_years + scenario.warmup_years)
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 1 if work < 4000 or cpus < 2 else min(cpus, n_runs)


# Set while a pool of forked workers runs: the function and tasks they inherit, so that only
# a task's index travels to a worker and only its result travels back.
_FORKED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _run_forked(index: int) -> Any:
    """Worker side of a forked pool: apply the inherited function to task ``index``."""
    assert _FORKED is not None, "worker started without the forked task list"
    fn, tasks = _FORKED
    return fn(tasks[index])


def map_unordered(
    fn: Callable[[T], R], tasks: Sequence[T], jobs: int = 1, scheduler: object = None
) -> Iterator[tuple[int, R]]:
    """Apply ``fn`` to every task, yielding ``(task index, result)`` as each one finishes.

    Parameters
    ----------
    fn : a function of one task. It must not depend on state other than its task (it may
        run in another process).
    tasks : the tasks.
    jobs : local processes: 1 runs everything here, in order; more start a process pool.
        Where the operating system can *fork* (Linux, macOS), workers inherit ``fn`` and the
        tasks, so strategies defined in a notebook, even closures, need no pickling.
    scheduler : a ``distributed.Client`` or a Dask scheduler address
        (``"tcp://host:8786"``) to run on a Dask cluster instead (``jobs`` is then ignored);
        ``fn`` and the tasks are then pickled (cloudpickle handles notebook code).

    Stopping early (closing the generator, or an exception such as Ctrl-C) cancels the work
    not yet started and shuts the pool down.

    >>> sorted(map_unordered(abs, [-2, 3, -1]))
    [(0, 2), (1, 3), (2, 1)]
    """
    if scheduler is not None:
        yield from _dask_map(fn, tasks, scheduler)
    elif jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            yield i, fn(task)
    else:
        yield from _pool_map(fn, tasks, jobs)


def _pool_map(fn: Callable[[T], R], tasks: Sequence[T], jobs: int) -> Iterator[tuple[int, R]]:
    """:func:`map_unordered` on a local process pool."""
    from concurrent.futures import as_completed

    global _FORKED
    forking = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if forking else None
    _FORKED = (fn, tasks) if forking else None
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx)
    try:
        futures = {
            (pool.submit(_run_forked, i) if forking else pool.submit(fn, task)): i
            for i, task in enumerate(tasks)
        }
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED = None


def _dask_map(
    fn: Callable[[T], R], tasks: Sequence[T], scheduler: object
) -> Iterator[tuple[int, R]]:
    """:func:`map_unordered` on a Dask cluster (a ``distributed.Client`` or an address)."""
    from distributed import Client, as_completed

    own = None
    if isinstance(scheduler, str):
        try:
            client = own = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ValueError(
                f"cannot connect to the Dask scheduler at {scheduler} ({exc})"
            ) from None
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        raise TypeError(
            "scheduler must be a distributed.Client or an address such as 'tcp://127.0.0.1:8786',"
            f" got {type(scheduler).__name__}"
        )
    futures: dict = {}
    try:
        futures = {client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        for fut in as_completed(list(futures), loop=client.loop):
            yield futures[fut], fut.result()
    finally:
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left)
        if own is not None:
            own.close()


def run_many(
    tasks: Sequence[Run | tuple],
    jobs: int | None = None,
    progress: bool = False,
    desc: str = "runs",
    scheduler: object = None,
) -> list[RunResult]:
    """Do every :class:`Run` and return their results in task order.

    Parameters
    ----------
    tasks : the runs (:class:`Run` or plain ``(scenario, strategy, replication, keep[, book])``
        tuples).
    jobs : local processes (None: :func:`default_jobs` decides from the size of the work).
    progress : show a progress bar.
    desc : the progress bar's label.
    scheduler : run on a Dask cluster instead (see :func:`map_unordered`).

    The results are identical whatever ``jobs`` or ``scheduler``: every run's randomness
    depends only on its scenario's seed and its replication.
    """
    from tqdm.auto import tqdm

    if not tasks:
        return []
    runs = [Run(*t) for t in tasks]
    jobs = default_jobs(len(runs), runs[0].scenario) if jobs is None else max(1, int(jobs))
    out: list[RunResult | None] = [None] * len(runs)
    with tqdm(total=len(runs), desc=desc, disable=not progress, leave=False) as bar:
        for i, result in map_unordered(run_one, runs, jobs, scheduler):
            out[i] = result
            bar.update()
    return out  # type: ignore[return-value]  # every slot is filled


def replicate(
    scenario: Scenario,
    strategy: StrategyLike = "reactive",
    replications: int = 5,
    jobs: int | None = None,
    progress: bool = False,
) -> list[Results]:
    """Full results of ``replications`` runs of one strategy (replications 0 .. n-1).

    Use it to look inside runs (event logs, snapshots); for figures with confidence
    intervals, :func:`simkit.experiments.compare.compare` keeps only what it needs.

    >>> from simkit.engine.scenario import default_scenario
    >>> runs = replicate(default_scenario().update({"horizon_years": 1}), "reactive", 2, jobs=1)
    >>> [r.replication for r in runs]
    [0, 1]
    """
    check_replications(replications)
    tasks = [Run(scenario, strategy, r, keep=True) for r in range(replications)]
    return [out.results for out in run_many(tasks, jobs, progress, desc="replicate")]


def check_replications(replications: object) -> int:
    """``replications`` as an int, or a ValueError saying it must be a whole number >= 1."""
    if (
        isinstance(replications, bool)
        or not isinstance(replications, int | np.integer)
        or replications < 1
    ):
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    return int(replications)
