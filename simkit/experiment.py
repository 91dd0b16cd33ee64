"""Experiments: replications, strategy comparisons with confidence intervals.

One run is luck as much as strategy. :func:`compare` runs every strategy over the same
replications -- the same seeds, so the same issue arrivals, competitor approaches and survey
noise (common random numbers) -- and reports each figure's mean with a 95 % confidence
interval, plus the paired difference to a baseline, which CRN makes much tighter than
comparing two independent means.

>>> from simkit.scenario import default_scenario
>>> cmp = compare(default_scenario().update({"horizon_years": 1}),
...               ["reactive", "proactive_check_ins"], replications=2)
>>> cmp.table(["churn_rate"])[["strategy", "metric", "n"]]
              strategy      metric  n
0             reactive  churn_rate  2
1  proactive_check_ins  churn_rate  2
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from simkit.model import simulate
from simkit.results import Results
from simkit.scenario import Scenario
from simkit.strategies import Strategy, get_strategy
from simkit.summary import HEADLINE

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
    return res.strategy, rep, res.summary(), res if keep else None


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
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futures = {pool.submit(_run, task): i for i, task in enumerate(tasks)}
                from concurrent.futures import as_completed

                for fut in as_completed(futures):
                    out[futures[fut]] = fut.result()
                    bar.update()
    finally:
        bar.close()
    return out


@dataclass
class Comparison:
    """Strategies run over common replications.

    Attributes
    ----------
    runs : one row per (strategy, replication) with the headline figures of
        :func:`simkit.summary.run_summary`.
    results : the full :class:`~simkit.results.Results` of each run (when kept), by
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
        """Per-period metrics of the kept runs (see :func:`simkit.summary.summarize`)."""
        from simkit.summary import summarize

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
    book : an imported starting book (see :func:`simkit.portfolio.read_csv`) instead of the
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
