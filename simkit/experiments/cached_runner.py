"""Comparisons that arrive as they are computed, and remember their runs.

A what-if screen re-runs a comparison every time a slider moves. Three things make it feel
live rather than slow:

1. **Results stream.** Runs are done *replication-major* -- replication 0 of every
   strategy, then replication 1 of every strategy, ... (:func:`run_order`) -- and each
   time one more replication is complete for every strategy an :class:`Update` is yielded:
   a :class:`~simkit.experiments.compare.Comparison` of the replications finished so far.
   The first update comes after one run per strategy, not after all of them; its intervals
   are missing (one value has none) and appear from the second replication on.
2. **Workers stay.** :class:`CachedRunner` keeps a
   :class:`~simkit.experiments.workers.WorkerPool` between calls, so a click does not
   start processes; a Stop (a :class:`threading.Event`) ends a comparison at once.
3. **Runs are remembered.** A run is fully determined by the scenario, the strategy and the
   replication number (its random numbers come from ``(scenario.seed, replication)``
   alone), so :class:`CachedRunner` keeps each run's headline figures under that key and
   only simulates runs it has not seen:

   * one more replication simulates one run per strategy, not all of them again;
   * ticking a strategy back on costs nothing;
   * the cost of a manager hour changes what the work costs, not what happens, so a new
     rate re-prices the remembered runs instantly.

>>> from simkit.engine.scenario import default_scenario
>>> runner = CachedRunner(jobs=1)
>>> s = default_scenario().update({"horizon_years": 1})
>>> [u.comparison.replications for u in runner.stream(s, ["reactive", "cs"], 3)]
[1, 2, 3]
>>> a = runner.run(s, ["reactive"], replications=2)
>>> b = runner.run(s.update({"team.cost_per_hour": 150.0}), ["reactive"], replications=2)
>>> runner.simulated  # 6 runs streamed; the two comparisons after them needed none
6
>>> ratio = b.runs["strategy_cost"] / a.runs["strategy_cost"]
>>> [round(float(r), 6) for r in ratio] == [150.0 / s.team.cost_per_hour] * 2
True

The command line streams the same way without remembering (:func:`stream_compare`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

import pandas as pd

from simkit.engine.guard import SimulationTimeout, check_strategy
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy, get_strategy
from simkit.experiments.compare import Comparison
from simkit.experiments.runner import (
    Run,
    RunResult,
    StrategyLike,
    check_replications,
    default_jobs,
    describe,
    hard_limit,
    map_unordered,
    run_one,
)
from simkit.experiments.workers import WorkerPool, available_cpus

__all__ = [
    "PRICED_COLUMNS",
    "CachedRunner",
    "Update",
    "run_order",
    "stream_compare",
]

PRICED_COLUMNS = ("strategy_cost",)
"""Headline figures proportional to the cost of a manager hour (re-priced, not re-run)."""

RUN_TIME_LIMIT = 120.0
"""Wall-clock seconds one interactive run may take before it is stopped with a clear error."""

Progress = Callable[[int, int], None]
"""``callback(done, total)``: how many of the runs that needed simulating are done."""


class Update(NamedTuple):
    """A comparison in progress: what is known after some of its runs.

    Attributes
    ----------
    comparison : the replications complete for *every* strategy so far (replications
        ``0 .. k-1``; ``comparison.replications`` is ``k``), or None before the first.
    done : runs finished (remembered ones included).
    total : runs asked for (strategies x replications).
    replications : replications asked for.
    simulated : runs simulated by this call so far (the rest were remembered).
    seconds : wall-clock seconds since the call began.
    stopped : the comparison was stopped before it was complete (this is its last update).
    """

    comparison: Comparison | None
    done: int
    total: int
    replications: int
    simulated: int
    seconds: float
    stopped: bool = False

    @property
    def complete(self) -> bool:
        """Every run asked for is in :attr:`comparison`."""
        return self.done == self.total and not self.stopped

    @property
    def last(self) -> bool:
        """No update follows this one (complete, or stopped)."""
        return self.complete or self.stopped

    @property
    def shown(self) -> int:
        """Replications in :attr:`comparison` (0 before the first)."""
        return 0 if self.comparison is None else self.comparison.replications

    def describe(self) -> str:
        """The progress in words.

        >>> Update(None, 3, 10, 5, 3, 0.4).describe()
        '0 of 5 replications (3 of 10 runs)'
        """
        runs = f"{self.done} of {self.total} runs"
        return f"{self.shown} of {self.replications} replications ({runs})"


def run_order(strategies: int, replications: int) -> list[tuple[int, int]]:
    """``(strategy index, replication)`` pairs, replication-major: every strategy's
    replication 0 first, so the first results of every strategy arrive first.

    >>> run_order(2, 3)
    [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]
    """
    return [(s, r) for r in range(replications) for s in range(strategies)]


class _Assembly:
    """Rows of finished runs, turned into comparisons of the complete replications."""

    def __init__(
        self,
        scenario: Scenario,
        strategies: list[Strategy],
        replications: int,
        book: pd.DataFrame | None,
    ) -> None:
        self.scenario, self.replications, self.book = scenario, replications, book
        self.names = [s.name for s in strategies]
        self.objects = {s.name: s for s in strategies}
        self.rows: dict[tuple[str, int], dict] = {}
        self.started = time.perf_counter()
        self.shown = 0  # complete replications in the last update
        self.simulated = 0

    def add(self, name: str, replication: int, row: dict) -> None:
        self.rows[(name, replication)] = {"strategy": name, "replication": replication, **row}

    def complete(self) -> int:
        """Replications 0 .. k-1 are finished for every strategy: k."""
        k = 0
        while k < self.replications and all((n, k) in self.rows for n in self.names):
            k += 1
        return k

    def update(self, stopped: bool = False) -> Update:
        k = self.complete()
        self.shown = k
        cmp = None
        if k:
            rows = [self.rows[(n, r)] for n in self.names for r in range(k)]
            cmp = Comparison(self.scenario, list(self.names), k, pd.DataFrame(rows),
                             strategy_objects=self.objects, book=self.book)  # fmt: skip
        total = len(self.names) * self.replications
        seconds = time.perf_counter() - self.started
        return Update(cmp, len(self.rows), total, self.replications, self.simulated, seconds,
                      stopped and len(self.rows) < total)  # fmt: skip

    def fresh(self) -> bool:
        """One more replication is complete since the last update."""
        return self.complete() > self.shown


def _checked(strategies: StrategyLike | Iterable[StrategyLike]) -> list[Strategy]:
    if isinstance(strategies, str | Strategy):
        strategies = [strategies]
    objs = [get_strategy(s) for s in strategies]
    if not objs:
        raise ValueError("pick at least one strategy to simulate")
    names = [s.name for s in objs]
    if len(set(names)) != len(names):
        raise ValueError(f"strategy names must be distinct, got {names}")
    return objs


def stream_compare(
    scenario: Scenario,
    strategies: Sequence[StrategyLike],
    replications: int = 5,
    jobs: int | None = None,
    book: pd.DataFrame | None = None,
    time_limit: float | None = None,
    isolate: bool = False,
    scheduler: object = None,
) -> Iterator[Update]:
    """:func:`~simkit.experiments.compare.compare`, yielding an :class:`Update` each time one
    more replication is complete for every strategy; the last one holds every run.

    Parameters are those of :func:`~simkit.experiments.compare.compare` (``scheduler`` runs
    on a Dask cluster). Runs are handed out replication-major (:func:`run_order`) on
    :func:`~simkit.experiments.runner.map_unordered`, so closing the iterator early -- or
    Ctrl-C -- kills the workers at once; the last update seen is the partial answer.

    >>> from simkit.engine.scenario import default_scenario
    >>> ups = list(stream_compare(default_scenario().update({"horizon_years": 0.5}),
    ...                           ["reactive", "proactive"], 2, jobs=1))
    >>> [(u.shown, u.done, u.complete) for u in ups]
    [(1, 2, False), (2, 4, True)]
    """
    replications = check_replications(replications)
    objs = _checked(strategies)
    for s in objs:
        check_strategy(s)
    order = run_order(len(objs), replications)
    tasks = [Run(scenario, objs[s], r, False, book, time_limit) for s, r in order]
    jobs = default_jobs(len(tasks), scenario) if jobs is None else max(1, int(jobs))
    assembly = _Assembly(scenario, objs, replications, book)
    results = map_unordered(run_one, tasks, jobs, scheduler, time_limit, isolate)
    with contextlib.closing(results):
        for i, result in results:
            s, r = order[i]
            assembly.add(objs[s].name, r, result.summary.to_dict())
            assembly.simulated += 1
            if assembly.fresh():
                yield assembly.update()


class CachedRunner:
    """Runs comparisons as streams of :class:`Update`, on workers that stay up, and
    remembers each run's headline figures so only new runs are simulated.

    Parameters
    ----------
    jobs : worker processes (None: as :func:`simkit.experiments.runner.default_jobs` decides
        from the amount of new work, at most one per core; 1: in this process).
    max_runs : how many runs' figures to remember; the least recently used are forgotten
        first.
    worker : the function that does one :class:`~simkit.experiments.runner.Run` (default
        :func:`~simkit.experiments.runner.run_one`; tests pass a slow one).

    A run is remembered by (scenario without its hourly cost, book, strategy,
    replication). A built-in strategy given by name is remembered by its name; a strategy
    *object* is remembered as that very object, so two objects with the same name but
    different settings are told apart. To change a strategy's settings, make a new object
    (or a new runner): changing an object in place is not noticed.

    Attributes
    ----------
    simulated : how many runs this runner has simulated so far (remembered runs not counted).
    pool : its :class:`~simkit.experiments.workers.WorkerPool` (processes start at the first
        comparison that needs them, or at :meth:`warm`; :meth:`close` ends them).
    """

    def __init__(
        self,
        jobs: int | None = None,
        max_runs: int = 5000,
        worker: Callable[[Run], RunResult] = run_one,
    ) -> None:
        if max_runs < 1:
            raise ValueError(f"max_runs must be >= 1, got {max_runs!r}")
        self.jobs = jobs
        self.max_runs = max_runs
        self.worker = worker
        self.simulated = 0
        self.pool = WorkerPool(available_cpus() if jobs is None else max(1, int(jobs)))
        self._cache: OrderedDict[tuple, pd.Series] = OrderedDict()
        self._objects: dict[int, Strategy] = {}  # keeps the ids used in keys alive and unique

    def _strategy_key(self, spec: Strategy | str) -> tuple[str, object]:
        if isinstance(spec, Strategy):
            self._objects[id(spec)] = spec
            return spec.name, id(spec)
        return get_strategy(spec).name, "built-in"

    @staticmethod
    def _world_key(scenario: Scenario, book: pd.DataFrame | None) -> str:
        key = scenario.model_dump_json()
        if book is not None:
            key += f"|book:{int(pd.util.hash_pandas_object(book, index=True).sum())}"
        return key

    def warm(self) -> None:
        """Start the worker processes now, from this thread, if this runner may use them
        (a widget calls it before handing a comparison to a background thread)."""
        if self.pool.jobs > 1:
            self.pool.start()

    def close(self) -> None:
        """Stop the worker processes (the next comparison that needs them starts new ones)."""
        self.pool.close()

    def run(
        self,
        scenario: Scenario,
        strategies: Sequence[Strategy | str],
        replications: int = 5,
        callback: Progress | None = None,
        book: pd.DataFrame | None = None,
    ) -> Comparison:
        """Compare ``strategies`` on ``scenario`` over ``replications`` common replications
        and return the finished :class:`~simkit.experiments.compare.Comparison` (the same as
        :func:`~simkit.experiments.compare.compare` gives, summaries only).

        Parameters are those of :meth:`stream`.
        """
        last = None
        for update in self.stream(scenario, strategies, replications, book, callback=callback):
            last = update
        assert last is not None and last.comparison is not None
        return last.comparison

    def stream(
        self,
        scenario: Scenario,
        strategies: Sequence[Strategy | str],
        replications: int = 5,
        book: pd.DataFrame | None = None,
        stop: threading.Event | None = None,
        callback: Progress | None = None,
    ) -> Iterator[Update]:
        """Compare ``strategies`` on ``scenario``, yielding an :class:`Update` each time one
        more replication is complete for every strategy.

        Parameters
        ----------
        scenario : the world to simulate.
        strategies : strategy names or objects, with distinct names.
        replications : runs per strategy (replications 0 .. n-1).
        book : an imported starting book (:func:`simkit.io.portfolio.read_csv`); runs on
            different books are remembered apart.
        stop : set this event to stop: no further run starts, running ones are killed, and
            a last update with ``stopped=True`` holds what was complete. Finished runs stay
            remembered, so asking again continues where it stopped.
        callback : ``callback(done, total)`` before the first run and after each one,
            counting only the runs that needed simulating (``(0, 0)`` when every run was
            remembered): a progress bar's feed.

        Remembered replications come at once, in the first update; the last update always
        has ``last`` true.
        """
        replications = check_replications(replications)
        specs = list(strategies)
        objs = _checked(specs)
        names = [s.name for s in objs]
        keys = [self._strategy_key(s) for s in specs]
        rate = scenario.team.cost_per_hour
        unpriced = scenario.update({"team.cost_per_hour": 1.0})  # figures per manager hour
        world = self._world_key(unpriced, book)
        assembly = _Assembly(scenario, objs, replications, book)

        def remember(s: int, rep: int, summary: pd.Series) -> None:
            self._cache[(world, keys[s], rep)] = summary
            self._cache.move_to_end((world, keys[s], rep))  # recently used: forgotten last
            row = summary.to_dict()
            for col in PRICED_COLUMNS:
                if col in row:
                    row[col] *= rate
            assembly.add(names[s], rep, row)

        todo = []
        for s, rep in run_order(len(objs), replications):
            if (world, keys[s], rep) in self._cache:
                remember(s, rep, self._cache[(world, keys[s], rep)])
            else:
                todo.append((s, rep))
        total = len(todo)
        if callback:
            callback(0, total)
        if assembly.fresh() and todo:
            yield assembly.update()
        tasks = [Run(unpriced, objs[s], rep, False, book, RUN_TIME_LIMIT) for s, rep in todo]
        for i, result in self._map(tasks, scenario, stop):
            s, rep = todo[i]
            remember(s, rep, result.summary)
            assembly.simulated += 1
            self.simulated += 1
            if callback:
                callback(assembly.simulated, total)
            if assembly.fresh() and assembly.complete() < replications:
                yield assembly.update()
            if stop is not None and stop.is_set():
                break
        while len(self._cache) > self.max_runs:
            self._cache.popitem(last=False)
        yield assembly.update(stopped=stop is not None and stop.is_set())

    def _map(
        self, tasks: list[Run], scenario: Scenario, stop: threading.Event | None
    ) -> Iterator[tuple[int, RunResult]]:
        """The runs, in this process or on the pool, as they finish."""
        if not tasks:
            return
        jobs = default_jobs(len(tasks), scenario) if self.jobs is None else self.pool.jobs
        jobs = min(jobs, self.pool.jobs)
        if jobs <= 1:
            results = map_unordered(self.worker, tasks)
        else:
            results = self.pool.imap_unordered(
                self.worker, tasks, jobs, stop, hard_limit(RUN_TIME_LIMIT), describe
            )
        with contextlib.closing(results):
            try:
                for i, result in results:
                    yield i, result
                    if stop is not None and stop.is_set():
                        return
            except TimeoutError as exc:
                if isinstance(exc, SimulationTimeout):
                    raise
                raise SimulationTimeout(str(exc)) from None

    def forget(self) -> None:
        """Forget every remembered run (the count in :attr:`simulated` stays)."""
        self._cache.clear()
        self._objects.clear()
