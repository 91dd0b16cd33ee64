"""Comparing strategies: the same replications under each, figures with confidence intervals.

One run is luck as much as strategy. :func:`compare` runs every strategy over the same
replications -- the same seeds, so the same issue arrivals, competitor approaches and survey
noise (common random numbers) -- and returns a :class:`Comparison`: one row of headline
figures per (strategy, replication) in :attr:`Comparison.runs`, and methods that turn them
into answers:

* :meth:`Comparison.table`: each figure's mean per strategy with a 95 % confidence interval;
* :meth:`Comparison.wide`: the same as text, one column per strategy, for reading;
* :meth:`Comparison.differences`: each strategy minus a baseline, replication by replication.
  Common random numbers make this interval much tighter than comparing two means;
* :meth:`Comparison.summarize`: per-period metrics of kept runs (``keep=True``).
* :meth:`Comparison.replay`: one run again with its full event log, for a drill-down.

Runs are *lean* unless asked otherwise: each records what its summary needs and its monthly
snapshots, not its event log (``record="summary"``; see :func:`simkit.engine.model.simulate`).
``keep=True`` keeps every run with its event log; ``keep=True, record="summary"`` keeps the
runs lean (snapshots, accounts, per-period summaries; no events). Either way the figures are
the same, and :meth:`Comparison.replay` gives any one run's events on demand.

>>> from simkit.engine.scenario import default_scenario
>>> cmp = compare(default_scenario().update({"horizon_years": 1}),
...               ["reactive", "proactive_check_ins"], replications=2)
>>> cmp.table(["churn_rate"])[["strategy", "metric", "n"]]
              strategy      metric  n
0             reactive  churn_rate  2
1  proactive_check_ins  churn_rate  2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from simkit.analysis.economics import strategy_return
from simkit.analysis.registry import METRICS, label
from simkit.analysis.stats import confidence_interval, paired_difference
from simkit.analysis.summary import HEADLINE
from simkit.engine.guard import check_strategy
from simkit.engine.ledger import check_record
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy, get_strategy
from simkit.experiments.runner import Run, StrategyLike, check_replications, replay, run_many


@dataclass
class Comparison:
    """Strategies run over common replications, and the answers drawn from them.

    Made by :func:`compare`; build one yourself from any table of runs with the same columns.

    Attributes
    ----------
    scenario : the scenario every strategy faced.
    strategies : the strategies' names, in the order given.
    replications : runs per strategy (replications 0 .. n-1).
    runs : one row per (strategy, replication): ``strategy``, ``replication`` and the
        headline figures of :func:`simkit.analysis.summary.run_summary`.
    results : the :class:`~simkit.engine.results.Results` of each run by
        (strategy, replication), when ``compare(..., keep=True)`` kept them (lean ones with
        ``record="summary"``).
    strategy_objects : the strategies by name, so that :meth:`replay` runs the very same
        ones (built-ins are found by name without it).
    book : the imported starting book the runs used, if any.
    """

    scenario: Scenario
    strategies: list[str]
    replications: int
    runs: pd.DataFrame
    results: dict[tuple[str, int], Results] = field(default_factory=dict, repr=False)
    strategy_objects: dict[str, Strategy] = field(default_factory=dict, repr=False)
    book: pd.DataFrame | None = field(default=None, repr=False)

    def _kept(self) -> list[Results]:
        if not self.results:
            raise ValueError(
                "this comparison kept summaries only; run compare(..., keep=True), or "
                "Comparison.replay(strategy, replication) for one run's events"
            )
        return list(self.results.values())

    @property
    def events(self) -> pd.DataFrame:
        """All kept runs' event logs in one frame, with strategy and replication columns
        (a :class:`~simkit.engine.results.LeanRunError` for runs kept lean)."""
        return pd.concat([r.tagged("events") for r in self._kept()], ignore_index=True)

    @property
    def log(self) -> pd.DataFrame:
        """What the counting core reads of every kept run, lean or full, in one frame with
        strategy and replication columns (see :attr:`simkit.engine.results.Results.log`)."""
        return pd.concat([r.tagged("log") for r in self._kept()], ignore_index=True)

    def replay(self, strategy: str, replication: int) -> Results:
        """One run of this comparison again, with its full event log: the drill-down into
        an account's story. Same scenario, strategy, replication and book, so the same
        random numbers and the same figures as the row of :attr:`runs` it replays.

        >>> from simkit.engine.scenario import default_scenario
        >>> cmp = compare(default_scenario().update({"horizon_years": 1}), ["cs"], 2)
        >>> run = cmp.replay("customer_success", 1)
        >>> run.recorded, len(run.story(0)) > 0
        ('events', True)
        """
        if strategy not in self.strategies:
            raise ValueError(f"strategy {strategy!r} is not one of {self.strategies}")
        if replication not in range(self.replications):
            raise ValueError(
                f"replication must be 0 to {self.replications - 1} in this comparison, "
                f"got {replication!r}"
            )
        obj = self.strategy_objects.get(strategy, strategy)
        return replay(Run(self.scenario, obj, replication, book=self.book))

    def summarize(self, by: Sequence[str] | str | None = None, period: str = "Y") -> pd.DataFrame:
        """Per-period metrics of the kept runs, lean or full -- the same numbers either way
        (see :func:`simkit.analysis.summary.summarize`)."""
        from simkit.analysis.summary import summarize

        return summarize(self, by=by, period=period)

    def _check_metrics(self, metrics: Sequence[str] | None) -> list[str]:
        metrics = list(metrics or HEADLINE)
        missing = [m for m in metrics if m not in self.runs.columns]
        if missing:
            raise ValueError(f"unknown figure(s) {missing}; choose from {list(self.runs.columns)}")
        return metrics

    def table(self, metrics: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of each figure per strategy, one row each.

        Columns: ``strategy``, ``metric``, ``label`` (for people), ``mean``, ``ci_low``,
        ``ci_high`` and ``n`` (replications where the figure was defined).
        """
        metrics = self._check_metrics(metrics)
        rows = []
        for strategy in self.strategies:
            sub = self.runs[self.runs["strategy"] == strategy]
            for m in metrics:
                mean, lo, hi = confidence_interval(sub[m], confidence)
                rows.append(
                    {
                        "strategy": strategy,
                        "metric": m,
                        "label": _label(m),
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
        """Each strategy minus a baseline, paired replication by replication, with CIs.

        Parameters
        ----------
        baseline : the strategy to compare against (default: the first one).
        metrics : figures to compare (default: the headline figures).
        confidence : level of the intervals.

        Returns one row per (strategy, figure): ``mean_diff``, ``ci_low``, ``ci_high`` (see
        :func:`simkit.analysis.stats.paired_difference`). One more row per strategy,
        ``return``, is the extra gross profit per year per extra unit of strategy cost per
        year, with its interval by Fieller's theorem (see
        :func:`simkit.analysis.economics.strategy_return`); it is NaN, with the reason in
        ``note``, when the extra cost is not clearly above zero.
        """
        baseline = baseline or self.strategies[0]
        if baseline not in self.strategies:
            raise ValueError(f"baseline {baseline!r} is not one of {self.strategies}")
        metrics = self._check_metrics(metrics)
        base = self.runs[self.runs["strategy"] == baseline].set_index("replication")
        returns = None
        if {"gross_profit", "strategy_cost"} <= set(self.runs.columns):
            returns = strategy_return(self.runs, baseline, level=confidence).set_index("strategy")
        rows = []
        for strategy in self.strategies:
            if strategy == baseline:
                continue
            sub = self.runs[self.runs["strategy"] == strategy].set_index("replication")
            for m in metrics:
                mean, lo, hi = paired_difference(sub[m], base[m], confidence)
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
            if returns is not None and strategy in returns.index:
                r = returns.loc[strategy]
                rows.append(
                    {
                        "strategy": strategy,
                        "baseline": baseline,
                        "metric": "return",
                        "mean_diff": r["return"],
                        "ci_low": r["low"],
                        "ci_high": r["high"],
                        "note": r.get("reason", ""),
                    }
                )
        return pd.DataFrame(rows)

    def wide(self, metrics: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """One row per figure, one column per strategy: ``mean [low, high]`` as text.

        Money and other big figures are rounded to whole units with thousands separators
        (``1,234,567 [1,200,000, 1,270,000]``), small ones to one decimal.
        """
        t = self.table(metrics, confidence)
        t["text"] = [
            format_interval(m, lo, hi)
            for m, lo, hi in zip(t["mean"], t["ci_low"], t["ci_high"], strict=True)
        ]
        out = t.pivot(index="label", columns="strategy", values="text")
        order = [_label(m) for m in (metrics or HEADLINE)]
        return out.reindex(index=order, columns=self.strategies)


def _label(metric: str) -> str:
    """A figure's label from the metric registry (its name if it is not a metric)."""
    return label(metric) if metric in METRICS else metric


def format_interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` as short text: whole units from 1,000 up, else one decimal.

    >>> format_interval(1234.5, 1000.0, 1469.0), format_interval(12.34, 11.0, 13.7)
    ('1,234 [1,000, 1,469]', '12.3 [11.0, 13.7]')
    >>> format_interval(12.0, float("nan"), float("nan")), format_interval(float("nan"), 0, 1)
    ('12.0', 'n/a')
    """
    if mean != mean:
        return "n/a"
    big = abs(mean) >= 1000
    f = (lambda v: f"{v:,.0f}") if big else (lambda v: f"{v:.1f}")
    return f"{f(mean)} [{f(low)}, {f(high)}]" if low == low else f(mean)


def compare(
    scenario: Scenario,
    strategies: Sequence[StrategyLike],
    replications: int = 5,
    jobs: int | None = None,
    keep: bool = False,
    progress: bool = False,
    book: pd.DataFrame | None = None,
    time_limit: float | None = None,
    isolate: bool = False,
    record: str | None = None,
) -> Comparison:
    """Run each strategy over the same ``replications`` (common random numbers).

    Parameters
    ----------
    scenario : the scenario every strategy faces.
    strategies : strategy objects or names (``"reactive"``, ``"cs+proactive"``, ...); their
        names must be distinct.
    replications : runs per strategy (replication numbers 0 .. n-1).
    jobs : processes (None: all cores when the work is big enough, else 1; see
        :func:`simkit.experiments.runner.default_jobs`).
    keep : keep every run's results (events, snapshots) as well as its summary.
    progress : show a progress bar.
    book : an imported starting book (see :func:`simkit.io.portfolio.read_csv`) instead of the
        one sampled from the scenario.
    time_limit : wall-clock seconds each run may take (None: no limit); a run past it
        raises :class:`~simkit.engine.guard.SimulationTimeout` naming the strategy.
    isolate : run in worker processes even with ``jobs=1``, so that a strategy method that
        never returns is stopped at the time limit (for strategies you did not write, such
        as a learner's answer).
    record : what each run records: ``"summary"`` (lean: no event log) or ``"events"``.
        None: ``"events"`` when ``keep``, else ``"summary"``. The figures are the same
        either way; :meth:`Comparison.replay` gives one run's events later.

    Every strategy is checked before anything runs (:func:`simkit.engine.guard.check_strategy`)
    and its answers during the runs, so a custom strategy's mistake is one
    :class:`~simkit.engine.guard.StrategyError` naming the strategy and the method.
    """
    replications = check_replications(replications)
    if record is not None:
        check_record(record)
    if isinstance(strategies, str | Strategy):
        strategies = [strategies]
    strats = [get_strategy(s) for s in strategies]
    if not strats:
        raise ValueError("compare needs at least one strategy")
    for s in strats:
        check_strategy(s)
    names = [s.name for s in strats]
    if len(set(names)) != len(names):
        raise ValueError(f"strategy names must be distinct, got {names}")
    tasks = [
        Run(scenario, s, rep, keep, book, record=record)
        for s in strats
        for rep in range(replications)
    ]
    done = run_many(
        tasks, jobs=jobs, progress=progress, desc="compare", time_limit=time_limit, isolate=isolate
    )
    runs = pd.DataFrame(
        [
            {"strategy": o.strategy, "replication": o.replication, **o.summary.to_dict()}
            for o in done
        ]
    )
    results = {(o.strategy, o.replication): o.results for o in done if o.results is not None}
    objects = {s.name: s for s in strats}
    return Comparison(scenario, names, replications, runs, results, objects, book)
