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
* A run records only what its caller needs: a run whose results are not kept is *lean*
  (``record="summary"``: the part of the log summaries read, and the monthly snapshots);
  a kept one records its full event log unless ``record="summary"`` says otherwise.
  :func:`replay` runs one replication again with its event log -- same seed, same numbers --
  for a drill-down into one account's story.
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

import contextlib
import gc
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from simkit.analysis.summary import run_summary
from simkit.engine.guard import SimulationTimeout, check_time_limit
from simkit.engine.ledger import check_record
from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy
from simkit.experiments.workers import (
    check_scheduler_address,
    check_terminated,
    kill_workers,
    worker_result,
    worker_start,
)

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
    keep : keep the :class:`~simkit.engine.results.Results` (event log, snapshots), not
        just the headline figures. Full results of big runs are large; keep them only when
        you will look inside.
    book : an imported starting book (see :func:`simkit.io.portfolio.read_csv`) instead of
        one sampled from the scenario.
    time_limit : wall-clock seconds the run may take (None: no limit); past it the run
        stops with a :class:`~simkit.engine.guard.SimulationTimeout`.
    record : what the run writes down (see :func:`simkit.engine.model.simulate`):
        ``"summary"`` (lean: summaries and monthly snapshots, no event log) or ``"events"``
        (the full event log). None: ``"events"`` when ``keep``, else ``"summary"`` --
        :attr:`records` says which.
    """

    scenario: Scenario
    strategy: StrategyLike
    replication: int
    keep: bool = False
    book: pd.DataFrame | None = None
    time_limit: float | None = None
    record: str | None = None

    @property
    def records(self) -> str:
        """What this run records: ``record`` if given, else ``"events"`` if its results are
        kept and ``"summary"`` (a lean run) if only its headline figures are.

        >>> Run(None, "cs", 0).records, Run(None, "cs", 0, keep=True).records
        ('summary', 'events')
        """
        if self.record is not None:
            return check_record(self.record)
        return "events" if self.keep else "summary"


class RunResult(NamedTuple):
    """What one run returns: its strategy name and replication, its headline figures, and
    (when the :class:`Run` asked to keep them) its full results, else None."""

    strategy: str
    replication: int
    summary: pd.Series
    results: Results | None


def run_one(task: Run | tuple) -> RunResult:
    """Simulate one :class:`Run` and summarise it with :func:`~simkit.analysis.summary.run_summary`.

    This is what every worker process executes; call it directly for a single run. The run
    records what :attr:`Run.records` says (lean unless its results are kept); the summary is
    the same either way.
    """
    run = Run(*task)
    scenario, strategy, replication, keep, book, time_limit, _ = run
    res = simulate(scenario, strategy, replication, book, time_limit, run.records)
    if len(res.accounts) >= BIG_RUN:
        # A finished model is cyclic garbage (accounts point at the model, SimPy's events at
        # the processes): only the cyclic collector frees it. Free a big one before counting,
        # so that its memory and the counting's are not needed at once.
        gc.collect()
    return RunResult(res.strategy, replication, run_summary(res), res if keep else None)


BIG_RUN = 50_000
"""Accounts (over the whole run) from which :func:`run_one` frees the finished model before
counting its summary: it lowers the peak memory of a big run by the model's size (measured:
lean 100k accounts x 5 years peaks at 0.97 GiB with it, 1.2 GiB without), for a collection
that takes 1-4 % of the run's time; small runs skip it (a full collection of a process
holding pandas costs more than it saves there)."""


def replay(task: Run | tuple) -> Results:
    """Run one replication again, recording its full event log, and return its results.

    A lean run keeps no events; a drill-down into one account's story replays the run it
    shows. The scenario, strategy, replication and book decide every random number, so the
    replay's figures are those of the lean run (:func:`~simkit.analysis.summary.run_summary`
    of both are equal).

    >>> from simkit.engine.scenario import default_scenario
    >>> task = Run(default_scenario().update({"horizon_years": 1}), "cs", 1)
    >>> lean = run_one(task)            # lean: the headline figures only
    >>> full = replay(task)             # the same run, with its event log
    >>> full.recorded, bool(run_summary(full).equals(lean.summary))
    ('events', True)
    """
    return run_one(Run(*task)._replace(keep=True, record="events")).results  # type: ignore[return-value]


def describe(task: object) -> str:
    """A task as people name it: ``strategy 'cs', replication 2`` for a :class:`Run`.

    >>> describe(Run(None, "reactive", 3))
    "strategy 'reactive', replication 3"
    """
    if isinstance(task, Run):
        name = getattr(task.strategy, "name", task.strategy)
        return f"strategy {name!r}, replication {task.replication}"
    return f"task {task!r}"[:80]


def hard_limit(time_limit: float) -> float:
    """How long a worker may take over a task whose own limit is ``time_limit`` before it
    is killed: the run stops itself at ``time_limit``, this leaves time for that.

    >>> hard_limit(60)
    80.0
    """
    return 1.25 * time_limit + 5.0


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


POLL = 0.5
"""Seconds between two looks at the clock and at signals while workers are busy."""

# Set while a pool of forked workers runs: the function and tasks they inherit, so that only
# a task's index travels to a worker and only its result travels back.
_FORKED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _run_forked(index: int) -> Any:
    """Worker side of a forked pool: apply the inherited function to task ``index``."""
    assert _FORKED is not None, "worker started without the forked task list"
    fn, tasks = _FORKED
    return fn(tasks[index])


def map_unordered(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int = 1,
    scheduler: object = None,
    time_limit: float | None = None,
    isolate: bool = False,
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
        ``fn`` and the tasks are then pickled (cloudpickle handles notebook code). A
        malformed address is refused before anything is contacted; an unreachable one
        after a few seconds.
    time_limit : seconds a task may take in a worker process (None: no limit). A worker
        still busy with a task :func:`hard_limit` seconds after it began is killed, with
        the pool, and :class:`~simkit.engine.guard.SimulationTimeout` is raised. (Runs
        also stop themselves at their :attr:`Run.time_limit`; the kill is for code that
        never returns.) Not enforced on Dask, nor for ``jobs=1`` without ``isolate``.
    isolate : run even a single job in a worker process, so that ``time_limit`` can stop
        code that never returns (a strategy someone else wrote).

    Workers never outlive this process (:mod:`simkit.experiments.workers`). Stopping
    early -- closing the generator, an error, Ctrl-C -- kills the workers at once: a task
    is only handed to a worker when one is free, so no queued work is waited for.

    >>> sorted(map_unordered(abs, [-2, 3, -1]))
    [(0, 2), (1, 3), (2, 1)]
    """
    limit = check_time_limit(time_limit)
    if scheduler is not None:
        yield from _dask_map(fn, tasks, scheduler)
    elif isolate or (jobs > 1 and len(tasks) > 1):
        yield from _pool_map(fn, tasks, max(1, jobs), limit)
    else:
        for i, task in enumerate(tasks):
            check_terminated()
            yield i, fn(task)


def _pool_map(
    fn: Callable[[T], R], tasks: Sequence[T], jobs: int, time_limit: float | None
) -> Iterator[tuple[int, R]]:
    """:func:`map_unordered` on a local process pool.

    Tasks are handed out one per free worker, so every task running has a known start and
    a deadline, and nothing waits in a queue when the pool has to stop.
    """
    global _FORKED
    if not tasks:
        return
    forking = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if forking else None
    _FORKED = (fn, tasks) if forking else None
    main = threading.current_thread() is threading.main_thread()
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=ctx,
        initializer=worker_start,
        initargs=(os.getpid(), main),
    )
    allowed = None if time_limit is None else hard_limit(time_limit)
    running: dict[Future, tuple[int, float]] = {}
    queue = iter(range(len(tasks)))
    finished = False

    def hand_out() -> None:
        i = next(queue, None)
        if i is not None:
            fut = pool.submit(_run_forked, i) if forking else pool.submit(fn, tasks[i])
            running[fut] = (i, time.monotonic())

    try:
        for _ in range(min(jobs, len(tasks))):
            hand_out()
        while running:
            timeout = POLL
            if allowed is not None:
                first = min(start for _, start in running.values())
                timeout = min(POLL, max(0.0, first + allowed - time.monotonic()))
            done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            check_terminated()  # a SIGTERM whose exception was lost (see workers)
            if not done:
                if allowed is None or time.monotonic() < first + allowed:
                    continue
                late = min(running.values(), key=lambda item: item[1])[0]
                raise SimulationTimeout(
                    f"{describe(tasks[late])}: no result after {allowed:g} s (time limit "
                    f"{time_limit:g} s), so its worker process was stopped; does a strategy "
                    "method never return?"
                )
            for fut in done:
                i, _ = running.pop(fut)
                # a task's error ends the map (and kills the pool)
                result = worker_result(fut, describe(tasks[i]))
                hand_out()
                yield i, result
        finished = True
    finally:
        if not finished:
            kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED = None


def _dask_map(
    fn: Callable[[T], R], tasks: Sequence[T], scheduler: object
) -> Iterator[tuple[int, R]]:
    """:func:`map_unordered` on a Dask cluster (a ``distributed.Client`` or an address)."""
    if isinstance(scheduler, str):
        check_scheduler_address(scheduler)  # before importing or contacting anything
    from distributed import Client, as_completed

    own = None
    if isinstance(scheduler, str):
        client = own = connect(scheduler)
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


def connect(address: str, timeout: float = 5.0) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address``, or a ValueError within
    ``timeout`` seconds saying it cannot be reached (one line, no traceback)."""
    from distributed import Client

    check_scheduler_address(address)
    try:
        return Client(address, timeout=f"{timeout:g}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ValueError(f"cannot connect to the Dask scheduler at {address} ({reason})") from None


def run_many(
    tasks: Sequence[Run | tuple],
    jobs: int | None = None,
    progress: bool = False,
    desc: str = "runs",
    scheduler: object = None,
    time_limit: float | None = None,
    isolate: bool = False,
) -> list[RunResult]:
    """Do every :class:`Run` and return their results in task order.

    Parameters
    ----------
    tasks : the runs (:class:`Run` or plain ``(scenario, strategy, replication, keep[, book])``
        tuples). Runs whose results are not kept are lean (see :attr:`Run.records`).
    jobs : local processes (None: :func:`default_jobs` decides from the size of the work).
    progress : show a progress bar.
    desc : the progress bar's label.
    scheduler : run on a Dask cluster instead (see :func:`map_unordered`).
    time_limit : wall-clock seconds each run may take (None: no limit; a run's own
        :attr:`Run.time_limit` comes first). A run past it raises
        :class:`~simkit.engine.guard.SimulationTimeout`.
    isolate : run in worker processes even with ``jobs=1``, so that a strategy method that
        never returns is killed at the time limit (use it for strategies you did not write).

    The results are identical whatever ``jobs`` or ``scheduler``: every run's randomness
    depends only on its scenario's seed and its replication.
    """
    from tqdm.auto import tqdm

    if not tasks:
        return []
    limit = check_time_limit(time_limit)
    runs = [Run(*t) for t in tasks]
    runs = [r if r.time_limit is not None else r._replace(time_limit=limit) for r in runs]
    jobs = default_jobs(len(runs), runs[0].scenario) if jobs is None else max(1, int(jobs))
    longest = max((r.time_limit for r in runs if r.time_limit is not None), default=None)
    out: list[RunResult | None] = [None] * len(runs)
    results = map_unordered(run_one, runs, jobs, scheduler, longest, isolate)
    with (
        contextlib.closing(results),
        tqdm(total=len(runs), desc=desc, disable=not progress, leave=False) as bar,
    ):
        for i, result in results:
            out[i] = result
            bar.update()
    return out  # type: ignore[return-value]  # every slot is filled


def replicate(
    scenario: Scenario,
    strategy: StrategyLike = "reactive",
    replications: int = 5,
    jobs: int | None = None,
    progress: bool = False,
    time_limit: float | None = None,
) -> list[Results]:
    """Full results of ``replications`` runs of one strategy (replications 0 .. n-1).

    ``time_limit`` is the wall-clock limit of each run in seconds (None: none).

    Use it to look inside runs (event logs, snapshots); for figures with confidence
    intervals, :func:`simkit.experiments.compare.compare` keeps only what it needs.

    >>> from simkit.engine.scenario import default_scenario
    >>> runs = replicate(default_scenario().update({"horizon_years": 1}), "reactive", 2, jobs=1)
    >>> [r.replication for r in runs]
    [0, 1]
    """
    check_replications(replications)
    tasks = [Run(scenario, strategy, r, keep=True) for r in range(replications)]
    done = run_many(tasks, jobs, progress, desc="replicate", time_limit=time_limit)
    return [out.results for out in done]


def check_replications(replications: object) -> int:
    """``replications`` as an int, or a ValueError saying it must be a whole number >= 1."""
    if (
        isinstance(replications, bool)
        or not isinstance(replications, int | np.integer)
        or replications < 1
    ):
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    return int(replications)
