"""Experiments: replications, strategy comparisons with confidence intervals, sweeps.

One run is luck as much as strategy. :func:`compare` runs every strategy over the same
replications -- the same seeds, so the same issue arrivals, competitor approaches and survey
noise (common random numbers) -- and reports each figure's mean with a 95 % confidence
interval, plus the paired difference to a baseline, which CRN makes much tighter than
comparing two independent means.

>>> from simkit.engine.scenario import default_scenario
>>> cmp = compare(default_scenario().update({"horizon_years": 1}),
...               ["reactive", "proactive_check_ins"], replications=2)
>>> cmp.table(["churn_rate"])[["strategy", "metric", "n"]]
              strategy      metric  n
0             reactive  churn_rate  2
1  proactive_check_ins  churn_rate  2

:func:`sweep` does the same over a grid of scenario changes (team sizes, portfolio mixes...),
on local processes or a Dask cluster, saving finished runs so an interrupted sweep resumes.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy, get_strategy

StrategyLike = Strategy | str


def confidence_interval(
    values: Iterable[float], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of a sample (NaN bounds for fewer than 2 values).

    >>> m, lo, hi = confidence_interval([10.0, 12.0, 11.0, 13.0])
    >>> round(m, 2), round(lo, 2), round(hi, 2)
    (11.5, 9.45, 13.55)
    """
    x = np.asarray([v for v in values if v == v], dtype=float)  # drop NaN
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def _run(task: tuple) -> tuple[str, int, pd.Series, Results | None]:
    scenario, strategy, rep, keep, *book = task
    res = simulate(scenario, strategy, rep, book[0] if book else None)
    return res.strategy, rep, run_summary(res), res if keep else None


def default_jobs(n_runs: int, scenario: Scenario) -> int:
    """Processes worth starting: 1 for small jobs (start-up costs more than it saves)."""
    work = (
        n_runs
        * scenario.portfolio.total_accounts
        * (scenario.horizon_years + scenario.warmup_years)
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 1 if work < 4000 or cpus < 2 else min(cpus, n_runs)


def run_many(
    tasks: Sequence[tuple[Scenario, Strategy, int, bool]],
    jobs: int | None = None,
    progress: bool = False,
    desc: str = "runs",
) -> list[tuple[str, int, pd.Series, Results | None]]:
    """Run (scenario, strategy, replication, keep) tasks, in parallel when worth it.

    Results come back in task order whatever the number of processes, and are identical to
    a serial run (every run's randomness depends only on its seed and replication).
    """
    from tqdm.auto import tqdm

    if not tasks:
        return []
    jobs = default_jobs(len(tasks), tasks[0][0]) if jobs is None else max(1, int(jobs))
    bar = tqdm(total=len(tasks), desc=desc, disable=not progress, leave=False)
    out: list = [None] * len(tasks)
    try:
        if jobs == 1:
            for i, task in enumerate(tasks):
                out[i] = _run(task)
                bar.update()
        else:
            from concurrent.futures import as_completed

            global _FORKED_TASKS
            forking = "fork" in mp.get_all_start_methods()
            ctx = mp.get_context("fork") if forking else None
            # Forked workers inherit the task list, so strategies defined in a notebook or
            # a script (even closures) need no pickling; only results travel back.
            _FORKED_TASKS = list(tasks) if forking else None
            try:
                with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                    futures = {
                        (pool.submit(_run_forked, i) if forking else pool.submit(_run, task)): i
                        for i, task in enumerate(tasks)
                    }
                    for fut in as_completed(futures):
                        out[futures[fut]] = fut.result()
                        bar.update()
            finally:
                _FORKED_TASKS = None
    finally:
        bar.close()
    return out


_FORKED_TASKS: list | None = None


def _run_forked(index: int) -> tuple[str, int, pd.Series, Results | None]:
    assert _FORKED_TASKS is not None, "worker started without the forked task list"
    return _run(_FORKED_TASKS[index])


@dataclass
class Comparison:
    """Strategies run over common replications.

    Attributes
    ----------
    runs : one row per (strategy, replication) with the headline figures of
        :func:`simkit.analysis.summary.run_summary`.
    results : the full :class:`~simkit.engine.results.Results` of each run (when kept), by
        (strategy, replication).
    """

    scenario: Scenario
    strategies: list[str]
    replications: int
    runs: pd.DataFrame
    results: dict[tuple[str, int], Results] = field(default_factory=dict, repr=False)

    @property
    def events(self) -> pd.DataFrame:
        """All kept runs' event logs, with strategy and replication columns."""
        if not self.results:
            raise ValueError("this comparison kept summaries only; run compare(..., keep=True)")
        return pd.concat([r.tagged("events") for r in self.results.values()], ignore_index=True)

    def summarize(self, by: Sequence[str] | str | None = None, period: str = "Y") -> pd.DataFrame:
        """Per-period metrics of the kept runs (see :func:`simkit.analysis.summary.summarize`)."""
        from simkit.analysis.summary import summarize

        return summarize(self, by=by, period=period)

    def table(self, metrics: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of each figure per strategy (tidy: one row each)."""
        metrics = list(metrics or HEADLINE)
        missing = [m for m in metrics if m not in self.runs.columns]
        if missing:
            raise ValueError(f"unknown figure(s) {missing}; choose from {list(self.runs.columns)}")
        rows = []
        for strategy in self.strategies:
            sub = self.runs[self.runs["strategy"] == strategy]
            for m in metrics:
                mean, lo, hi = confidence_interval(sub[m], confidence)
                rows.append(
                    {
                        "strategy": strategy,
                        "metric": m,
                        "label": HEADLINE.get(m, m),
                        "mean": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                        "n": int(sub[m].notna().sum()),
                    }
                )
        return pd.DataFrame(rows)

    def differences(
        self,
        baseline: str | None = None,
        metrics: Sequence[str] | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Paired differences (strategy - baseline, replication by replication) with CIs.

        Also gives the *return* of each strategy: extra revenue per extra unit of strategy
        cost, ``(revenue - baseline revenue) / (cost - baseline cost)``.
        """
        baseline = baseline or self.strategies[0]
        if baseline not in self.strategies:
            raise ValueError(f"baseline {baseline!r} is not one of {self.strategies}")
        metrics = list(metrics or HEADLINE)
        base = self.runs[self.runs["strategy"] == baseline].set_index("replication")
        rows = []
        for strategy in self.strategies:
            if strategy == baseline:
                continue
            sub = self.runs[self.runs["strategy"] == strategy].set_index("replication")
            cols = list(dict.fromkeys([*metrics, "revenue", "strategy_cost"]))
            diff = sub[cols] - base[cols]
            for m in metrics:
                mean, lo, hi = confidence_interval(diff[m], confidence)
                rows.append(
                    {
                        "strategy": strategy,
                        "baseline": baseline,
                        "metric": m,
                        "mean_diff": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
            gain, cost = diff["revenue"].mean(), diff["strategy_cost"].mean()
            rows.append(
                {
                    "strategy": strategy,
                    "baseline": baseline,
                    "metric": "return_per_cost",
                    "mean_diff": gain / cost if cost else math.nan,
                    "ci_low": math.nan,
                    "ci_high": math.nan,
                }
            )
        return pd.DataFrame(rows)

    def wide(self, metrics: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """One row per figure, one column per strategy: ``mean [low, high]`` as text."""
        t = self.table(metrics, confidence)
        t["text"] = [
            _fmt_ci(m, lo, hi)
            for m, lo, hi in zip(t["mean"], t["ci_low"], t["ci_high"], strict=True)
        ]
        out = t.pivot(index="label", columns="strategy", values="text")
        order = [HEADLINE.get(m, m) for m in (metrics or HEADLINE)]
        return out.reindex(index=order, columns=self.strategies)


def _fmt_ci(mean: float, lo: float, hi: float) -> str:
    if mean != mean:
        return "n/a"
    big = abs(mean) >= 1000
    f = (lambda v: f"{v:,.0f}") if big else (lambda v: f"{v:.1f}")
    return f"{f(mean)} [{f(lo)}, {f(hi)}]" if lo == lo else f(mean)


def compare(
    scenario: Scenario,
    strategies: Sequence[StrategyLike],
    replications: int = 5,
    jobs: int | None = None,
    keep: bool = False,
    progress: bool = False,
    book: pd.DataFrame | None = None,
) -> Comparison:
    """Run each strategy over the same ``replications`` (common random numbers).

    Parameters
    ----------
    scenario : the scenario every strategy faces.
    strategies : strategy objects or names (``"reactive"``, ``"cs+proactive"``, ...).
    replications : runs per strategy (replication numbers 0 .. n-1).
    jobs : processes (None: all cores when the work is big enough, else 1).
    keep : keep every run's full results (events, snapshots) as well as its summary.
    progress : show a progress bar.
    book : an imported starting book (see :func:`simkit.io.portfolio.read_csv`) instead of the
        one sampled from the scenario.
    """
    if not isinstance(replications, int | np.integer) or replications < 1:
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    strats = [get_strategy(s) for s in strategies]
    if not strats:
        raise ValueError("compare needs at least one strategy")
    names = [s.name for s in strats]
    if len(set(names)) != len(names):
        raise ValueError(f"strategy names must be distinct, got {names}")
    tasks = [(scenario, s, rep, keep, book) for s in strats for rep in range(replications)]
    done = run_many(tasks, jobs=jobs, progress=progress, desc="compare")
    runs = pd.DataFrame(
        [{"strategy": n, "replication": r, **summ.to_dict()} for n, r, summ, _ in done]
    )
    results = {(n, r): res for n, r, _, res in done if res is not None}
    return Comparison(scenario, names, replications, runs, results)


def replicate(
    scenario: Scenario,
    strategy: StrategyLike = "reactive",
    replications: int = 5,
    jobs: int | None = None,
    progress: bool = False,
) -> list[Results]:
    """Full results of ``replications`` runs of one strategy (replications 0 .. n-1)."""
    cmp = compare(scenario, [strategy], replications, jobs=jobs, keep=True, progress=progress)
    return [cmp.results[(cmp.strategies[0], r)] for r in range(replications)]


# ---------------------------------------------------------------------------------- sweeps
SWEEP_FILE_VERSION = 1
_FLUSH_SECONDS = 2.0  # an interrupted sweep loses at most this much finished work
_NOT_SWEEPABLE = {
    "seed": "cells share random numbers through their replications; sweep replications instead",
    "name": "it is a label, not a model input",
}


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep file (``grid.toml``) asks for; see :func:`load_sweep_spec`."""

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

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "grid.toml"
    >>> _ = f.write_text('strategies = ["reactive"]\\n[grid]\\n"team.managers" = [3, 6]\\n')
    >>> spec = load_sweep_spec(f)
    >>> spec.grid, spec.strategies, spec.replications
    ({'team.managers': [3, 6]}, ['reactive'], 5)
    """
    import tomllib

    from simkit.engine.scenario import ScenarioError, default_scenario, load_scenario

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such sweep file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML: {str(exc).splitlines()[0]}") from None
    allowed = ("scenario", "grid", "strategies", "replications")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})")
    base = data.get("scenario")
    try:
        if base is None:
            scenario = default_scenario()
        elif isinstance(base, str):
            scenario = load_scenario(path.parent / base)
        elif isinstance(base, dict):
            scenario = default_scenario().update(_flatten(base))
        else:
            raise ValueError("scenario: give a scenario file name or a [scenario] table")
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
        raise ValueError(f"{path}: replications: must be a whole number >= 1 (got {reps!r})")
    try:
        _check_grid(scenario, grid)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return SweepSpec(scenario, {str(k): v for k, v in grid.items()}, strategies, reps)


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _plain(value: object) -> object:
    """A grid value as a plain Python scalar (numpy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


def _value_key(value: object) -> str:
    """How a grid value is recognised again after a round trip through CSV or Parquet."""
    value = _plain(value)
    if isinstance(value, bool):
        return f"bool:{value}"
    if isinstance(value, int | float):
        return f"num:{float(value)!r}"
    return f"str:{value}"


def _check_grid(scenario: Scenario, grid: object) -> tuple[list[str], list[list]]:
    """Grid keys and values, each key and each point checked against the scenario."""
    from simkit.engine.scenario import ScenarioError

    if not isinstance(grid, dict):
        raise ValueError(
            "grid must be a mapping of dotted scenario fields to lists of values, "
            "e.g. {'team.managers': [3, 4, 6]}"
        )
    keys, values = [], []
    for key, vals in grid.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"grid keys must be dotted scenario fields, got {key!r}")
        top = key.split(".")[0]
        if top in _NOT_SWEEPABLE:
            raise ValueError(f"grid {key}: cannot be swept ({_NOT_SWEEPABLE[top]})")
        if isinstance(vals, str | bytes | dict | set | frozenset) or not isinstance(vals, Iterable):
            raise ValueError(f"grid {key}: give a list of values, got {vals!r}")
        vals = [_plain(v) for v in vals]
        if not vals:
            raise ValueError(f"grid {key}: the list of values is empty")
        for v in vals:
            if not isinstance(v, bool | int | float | str):
                raise ValueError(
                    f"grid {key}: values must be numbers, text or true/false, got {v!r}"
                )
            try:
                scenario.update({key: v})
            except ScenarioError as exc:
                raise ScenarioError(f"grid {key} = {v!r}: {exc}") from None
        if len({_value_key(v) for v in vals}) != len(vals):
            raise ValueError(f"grid {key}: a value is repeated in {vals}")
        keys.append(key)
        values.append(vals)
    return keys, values


def _describe_strategy(s: Strategy) -> dict:
    """Everything that makes a strategy what it is (for the sweep file's identity)."""
    params = {}
    for k, v in sorted(vars(s).items()):
        if isinstance(v, Strategy):
            params[k] = _describe_strategy(v)
        elif isinstance(v, tuple | list) and v and all(isinstance(p, Strategy) for p in v):
            params[k] = [_describe_strategy(p) for p in v]
        else:
            params[k] = repr(v)
    return {"name": s.name, "class": f"{type(s).__module__}.{type(s).__qualname__}", **params}


def _sweep_identity(
    scenario: Scenario, keys: list[str], values: list[list], strats: list[Strategy]
) -> dict:
    import simkit

    return {
        "simkit": simkit.__version__,
        "scenario": scenario.to_dict(),
        "grid": {k: v for k, v in zip(keys, values, strict=True)},
        "strategies": [_describe_strategy(s) for s in strats],
    }


def _digest(identity: dict) -> str:
    import hashlib
    import json

    text = json.dumps(identity, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """The small JSON file that says which sweep a results file belongs to.

    >>> sidecar_path("out/sweep.csv").name
    'sweep.csv.sweep.json'
    """
    path = Path(path)
    return path.with_name(path.name + ".sweep.json")


def _read_saved(
    path: Path, identity: dict, keys: list[str], values: list[list], names: list[str]
) -> dict[tuple[int, int, int], dict]:
    """Finished runs already in ``path`` (empty when there is none), keyed by
    (grid point, strategy, replication). Refuses a file from another sweep."""
    import json

    side = sidecar_path(path)
    if not path.exists():
        return {}
    if not side.exists():
        raise ValueError(
            f"{path} exists but {side.name} does not, so it was not written by a simkit sweep; "
            "choose another output file or delete it"
        )
    try:
        saved = json.loads(side.read_text(encoding="utf-8"))
        saved_digest, saved_identity = saved["digest"], saved["identity"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{side}: not a readable sweep description ({exc})") from None
    if saved_digest != _digest(identity):
        differ = [
            part
            for part in ("scenario", "grid", "strategies", "simkit")
            if json.dumps(saved_identity.get(part), sort_keys=True, default=repr)
            != json.dumps(identity[part], sort_keys=True, default=repr)
        ] or ["settings"]
        what = " and ".join([", ".join(differ[:-1]), differ[-1]] if len(differ) > 1 else differ)
        raise ValueError(
            f"{path} holds results of a different sweep (its {what} "
            f"{'differs' if len(differ) == 1 else 'differ'}); choose another output file, or "
            f"delete {path.name} and {side.name} to start again"
        )
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets one clear message
        raise ValueError(f"{path}: cannot read the saved sweep ({exc})") from None
    need = [*keys, "strategy", "replication"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: saved sweep lacks column(s) {missing}")
    index = [{_value_key(v): i for i, v in enumerate(vals)} for vals in values]
    strat_index = {n: i for i, n in enumerate(names)}
    shape = [len(v) for v in values]
    metrics = [c for c in frame.columns if c not in need]
    done: dict[tuple[int, int, int], dict] = {}
    for row in frame.to_dict("records"):
        try:
            cell = tuple(idx[_value_key(row[k])] for idx, k in zip(index, keys, strict=True))
            key = (
                int(np.ravel_multi_index(cell, shape)) if cell else 0,
                strat_index[row["strategy"]],
                int(row["replication"]),
            )
        except (KeyError, ValueError, TypeError):
            raise ValueError(
                f"{path}: row {row} does not belong to this sweep's grid and strategies"
            ) from None
        done[key] = {m: float(row[m]) for m in metrics}
    return done


def _write_saved(
    path: Path, done: dict, keys: list[str], points: list[tuple], names: list[str]
) -> None:
    from simkit.io.files import write_frame

    write_frame(_sweep_frame(done, keys, points, names, sorted(done)), path)


def _sweep_frame(
    done: dict, keys: list[str], points: list[tuple], names: list[str], order: list[tuple]
) -> pd.DataFrame:
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


def _sweep_run(task: tuple) -> tuple[tuple[int, int, int], dict]:
    key, scenario, strategy, rep = task
    return key, run_summary(simulate(scenario, strategy, rep)).to_dict()


def _sweep_run_forked(index: int) -> tuple[tuple[int, int, int], dict]:
    assert _FORKED_TASKS is not None, "worker started without the forked task list"
    return _sweep_run(_FORKED_TASKS[index])


def _local_results(tasks: list[tuple], jobs: int) -> Iterator[tuple]:
    """Run tasks on ``jobs`` local processes, yielding results as they finish."""
    global _FORKED_TASKS
    if jobs == 1:
        for task in tasks:
            yield _sweep_run(task)
        return
    from concurrent.futures import as_completed

    forking = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if forking else None
    _FORKED_TASKS = tasks if forking else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    try:
        futures = [
            pool.submit(_sweep_run_forked, i) if forking else pool.submit(_sweep_run, t)
            for i, t in enumerate(tasks)
        ]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED_TASKS = None


def _dask_results(tasks: list[tuple], scheduler: object) -> Iterator[tuple]:
    """Run tasks on a Dask cluster (a ``distributed.Client`` or a scheduler address)."""
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
    futures = []
    try:
        futures = [client.submit(_sweep_run, t, pure=False) for t in tasks]
        for fut in as_completed(futures, loop=client.loop):
            yield fut.result()
    finally:
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left)
        if own is not None:
            own.close()


def sweep(
    scenario: Scenario,
    grid: dict[str, Sequence],
    strategies: Sequence[StrategyLike],
    replications: int = 5,
    jobs: int | None = None,
    scheduler: object = None,
    path: str | os.PathLike[str] | None = None,
    progress: bool = False,
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

    Returns
    -------
    One row per run in a fixed order (grid point, strategy, replication): the grid fields,
    ``strategy``, ``replication`` and the figures of :func:`simkit.analysis.summary.run_summary`.
    The same sweep gives the same frame whatever ``jobs``, ``scheduler`` or interruptions.

    >>> from simkit.engine.scenario import default_scenario
    >>> small = default_scenario().update({"horizon_years": 1, "portfolio.small.count": 50})
    >>> df = sweep(small, {"team.managers": [2, 4]}, ["reactive"], replications=2, jobs=1)
    >>> df[["team.managers", "strategy", "replication"]].values.tolist()
    [[2, 'reactive', 0], [2, 'reactive', 1], [4, 'reactive', 0], [4, 'reactive', 1]]
    """
    import itertools
    import json
    import time

    from tqdm.auto import tqdm

    from simkit.io.files import atomic_write_text

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
    if isinstance(replications, bool) or not isinstance(replications, int | np.integer):
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    if replications < 1:
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    if isinstance(strategies, str | Strategy):
        strategies = [strategies]
    strats = [get_strategy(s) for s in strategies]
    if not strats:
        raise ValueError("sweep needs at least one strategy")
    names = [s.name for s in strats]
    if len(set(names)) != len(names):
        raise ValueError(f"strategy names must be distinct, got {names}")
    keys, values = _check_grid(scenario, grid)
    points = list(itertools.product(*values))
    from simkit.engine.scenario import ScenarioError

    cells = []
    for point in points:
        try:
            cells.append(scenario.update(dict(zip(keys, point, strict=True))))
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v!r}" for k, v in zip(keys, point, strict=True))
            raise ScenarioError(f"grid point {where}: {exc}") from None

    wanted = [
        (p, s, r)
        for p in range(len(points))
        for s in range(len(names))
        for r in range(replications)
    ]
    done: dict[tuple[int, int, int], dict] = {}
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in (".csv", ".parquet", ".pq"):
            raise ValueError(f"{path}: sweep results go to a .csv or .parquet file")
        identity = _sweep_identity(scenario, keys, values, strats)
        done = _read_saved(path, identity, keys, values, names)
        if not path.exists():
            side = {"format": "simkit sweep", "version": SWEEP_FILE_VERSION}
            side.update(digest=_digest(identity), identity=identity)
            atomic_write_text(sidecar_path(path), json.dumps(side, indent=1, default=repr))
    todo = [k for k in wanted if k not in done]
    tasks = [(k, cells[k[0]], strats[k[1]], k[2]) for k in todo]

    if todo:
        if scheduler is not None:
            results = _dask_results(tasks, scheduler)
        else:
            n_jobs = default_jobs(len(tasks), scenario) if jobs is None else max(1, int(jobs))
            results = _local_results(tasks, min(n_jobs, len(tasks)))
        bar = tqdm(
            total=len(wanted),
            initial=len(wanted) - len(todo),
            desc="sweep",
            disable=not progress,
            leave=False,
        )
        unsaved, last = 0, time.monotonic()
        try:
            for key, summary in results:
                done[key] = summary
                unsaved += 1
                bar.update()
                if path is not None and time.monotonic() - last >= _FLUSH_SECONDS:
                    _write_saved(path, done, keys, points, names)
                    unsaved, last = 0, time.monotonic()
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            bar.close()
            if path is not None and unsaved:
                _write_saved(path, done, keys, points, names)
    elif path is not None and not path.exists():
        _write_saved(path, done, keys, points, names)
    frame = _sweep_frame(done, keys, points, names, wanted)
    frame.attrs["reused"] = len(wanted) - len(todo)  # runs found already saved in ``path``
    return frame
