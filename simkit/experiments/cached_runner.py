"""Comparisons that remember their runs: what an interactive what-if needs to answer fast.

A what-if screen re-runs a comparison every time a slider moves, and most of the runs it
asks for were done a moment ago. :class:`CachedRunner` does the same job as
:func:`simkit.experiments.compare.compare` but keeps each run's headline figures, keyed by
what fully determines a run -- the scenario, the strategy and the replication number
(runs draw their random numbers from ``(scenario.seed, replication)`` alone) -- and only
simulates runs it has not seen:

* one more replication simulates one run per strategy, not all of them again;
* ticking a strategy back on costs nothing;
* the cost of a manager hour changes what the work costs, not what happens, so a new
  rate re-prices the remembered runs instantly.

>>> from simkit.engine.scenario import default_scenario
>>> runner = CachedRunner(jobs=1)
>>> s = default_scenario().update({"horizon_years": 1})
>>> a = runner.run(s, ["reactive"], replications=2)
>>> b = runner.run(s.update({"team.cost_per_hour": 150.0}), ["reactive"], replications=2)
>>> runner.simulated  # the second comparison needed no new simulation
2
>>> ratio = b.runs["strategy_cost"] / a.runs["strategy_cost"]
>>> [round(float(r), 6) for r in ratio] == [150.0 / s.team.cost_per_hour] * 2
True
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import pandas as pd

from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy, get_strategy
from simkit.experiments.compare import Comparison
from simkit.experiments.runner import Run, check_replications, default_jobs, run_many

__all__ = ["PRICED_COLUMNS", "CachedRunner"]

PRICED_COLUMNS = ("strategy_cost",)
"""Headline figures proportional to the cost of a manager hour (re-priced, not re-run)."""

RUN_TIME_LIMIT = 120.0
"""Wall-clock seconds one interactive run may take before it is stopped with a clear error."""

Progress = Callable[[int, int], None]
"""``callback(done, total)``: how many of the runs that needed simulating are done."""


class CachedRunner:
    """Runs comparisons and remembers each run's headline figures, so only new runs are
    simulated.

    Parameters
    ----------
    jobs : processes to use (None: as :func:`simkit.experiments.runner.default_jobs` decides
        from the amount of new work).
    max_runs : how many runs' figures to remember; the least recently used are forgotten
        first.

    A run is remembered by (scenario without its hourly cost, book, strategy,
    replication). A built-in strategy given by name is remembered by its name; a strategy
    *object* is remembered as that very object, so two objects with the same name but
    different settings are told apart. To change a strategy's settings, make a new object
    (or a new runner): changing an object in place is not noticed.

    Attributes
    ----------
    simulated : how many runs this runner has simulated so far (remembered runs not counted).
    """

    def __init__(self, jobs: int | None = None, max_runs: int = 5000) -> None:
        if max_runs < 1:
            raise ValueError(f"max_runs must be >= 1, got {max_runs!r}")
        self.jobs = jobs
        self.max_runs = max_runs
        self.simulated = 0
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

    def run(
        self,
        scenario: Scenario,
        strategies: Sequence[Strategy | str],
        replications: int = 5,
        callback: Progress | None = None,
        book: pd.DataFrame | None = None,
    ) -> Comparison:
        """Compare ``strategies`` on ``scenario`` over ``replications`` common replications.

        Returns the same :class:`~simkit.experiments.compare.Comparison` as
        :func:`~simkit.experiments.compare.compare` would (summaries only, no event logs).

        Parameters
        ----------
        scenario : the world to simulate.
        strategies : strategy names or objects, with distinct names.
        replications : runs per strategy (replications 0 .. n-1).
        callback : ``callback(done, total)`` is called before the first run and after each
            batch of runs, counting only the runs that needed simulating (``(0, 0)`` when
            every run was remembered): a progress bar's feed.
        book : an imported starting book (:func:`simkit.io.portfolio.read_csv`); runs on
            different books are remembered apart.
        """
        replications = check_replications(replications)
        specs = list(strategies)
        if not specs:
            raise ValueError("pick at least one strategy to simulate")
        objs = [get_strategy(s) for s in specs]
        names = [s.name for s in objs]
        if len(set(names)) != len(names):
            raise ValueError(f"strategy names must be distinct, got {names}")
        keys = [self._strategy_key(s) for s in specs]
        rate = scenario.team.cost_per_hour
        unpriced = scenario.update({"team.cost_per_hour": 1.0})  # figures per manager hour
        world = self._world_key(unpriced, book)

        todo = [
            (obj, key, rep)
            for obj, key in zip(objs, keys, strict=True)
            for rep in range(replications)
            if (world, key, rep) not in self._cache
        ]
        total = len(todo)
        if callback:
            callback(0, total)
        jobs = default_jobs(total, scenario) if self.jobs is None else max(1, int(self.jobs))
        for start in range(0, total, jobs):
            batch = todo[start : start + jobs]
            tasks = [Run(unpriced, obj, rep, False, book, RUN_TIME_LIMIT) for obj, _, rep in batch]
            out = run_many(tasks, jobs)
            for (_obj, key, rep), result in zip(batch, out, strict=True):
                self._cache[(world, key, rep)] = result.summary
            self.simulated += len(batch)
            if callback:
                callback(start + len(batch), total)

        rows = []
        for name, key in zip(names, keys, strict=True):
            for rep in range(replications):
                self._cache.move_to_end((world, key, rep))  # recently used: forgotten last
                row = self._cache[(world, key, rep)].to_dict()
                for col in PRICED_COLUMNS:
                    if col in row:
                        row[col] *= rate
                rows.append({"strategy": name, "replication": rep, **row})
        while len(self._cache) > self.max_runs:
            self._cache.popitem(last=False)
        return Comparison(scenario, names, replications, pd.DataFrame(rows))

    def forget(self) -> None:
        """Forget every remembered run (the count in :attr:`simulated` stays)."""
        self._cache.clear()
        self._objects.clear()
