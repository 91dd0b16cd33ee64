"""Tables for people: a run's or a comparison's figures under readable labels.

The analysis layer names figures by key (``logo_retention``, ``strategy_cost``) and
strategies by name (``proactive_check_ins``); a lesson or a manager wants "Logo retention
(%/yr)" and "Proactive check-ins", rounded, with the confidence interval written next to
the mean. These functions do that last step, for the lessons (:func:`headline_figures`),
the what-if tables (:func:`results_table`, :func:`differences_table`) and the dashboard's
download (:func:`summary_frame`). Every figure is labelled with its unit and basis ("NRR
(% per year)", "Revenue (per year)"); the return of a strategy is extra gross profit per
unit of extra cost, per year, with its interval
(:func:`simkit.analysis.economics.strategy_return`). They return pandas objects; the
widgets turn them into HTML.

>>> from simkit.experiments.compare import compare
>>> from simkit.engine.scenario import default_scenario
>>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
...               ["reactive", "proactive"], replications=2, jobs=1)
>>> list(results_table(cmp, ["nrr", "revenue"]).columns)
['Reactive', 'Proactive check-ins']
>>> differences_table(cmp, ["nrr"]).columns.name
'minus Reactive'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from simkit.analysis.economics import RETURN_LABEL, strategy_return
from simkit.analysis.registry import METRICS, label
from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.strategies import strategy_label

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results
    from simkit.experiments.compare import Comparison

__all__ = [
    "RETURN_LABEL",
    "RETURN_METRIC",
    "differences_table",
    "format_difference",
    "format_return",
    "headline_figures",
    "results_table",
    "summary_frame",
]

RETURN_METRIC = "return"
"""The ``metric`` of the return rows of :func:`summary_frame` (labelled :data:`RETURN_LABEL`)."""


def _label(metric: str) -> str:
    return label(metric) if metric in METRICS else metric.replace("_", " ")


def headline_figures(results: Results) -> pd.Series:
    """A run's headline figures under readable labels, rounded to one decimal.

    The rows are :data:`simkit.analysis.summary.HEADLINE` in its order; the series is named
    after the run's strategy, so several runs line up as columns of ``pd.concat(..., axis=1)``.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> figures = headline_figures(res)
    >>> figures.name, figures.index[0]
    ('Reactive', 'Logo retention (% per year)')
    """
    summary = run_summary(results)
    keys = [k for k in HEADLINE if k in summary.index]
    out = pd.Series([float(summary[k]) for k in keys], index=[HEADLINE[k] for k in keys])
    out.name = strategy_label(results.strategy)
    return out.round(1)


def results_table(comparison: Comparison, metrics: Sequence[str]) -> pd.DataFrame:
    """Each figure's mean and 95 % CI as text, one row per figure, one column per strategy.

    Rows are labelled as in :data:`~simkit.analysis.summary.HEADLINE`, columns with the
    strategies' readable labels, cells as ``"83.1 [82.0, 84.2]"`` (see
    :meth:`~simkit.experiments.compare.Comparison.wide`).
    """
    table = comparison.wide(list(metrics))
    table.columns = pd.Index([strategy_label(c) for c in table.columns], name=None)
    table.index.name = None
    return table


def format_difference(mean: float, low: float, high: float, metric: str) -> str:
    """A paired difference as signed text: ``"+1.2 [+0.4, +2.0]"``, ``"-12,345 [...]"``.

    Differences of 1,000 or more (mean or bounds) are written in whole units with thousands
    separators; a missing interval leaves the mean alone and a missing mean reads ``"n/a"``
    (a return is written by :func:`format_return`).

    >>> format_difference(1.23, 0.4, 2.0, "nrr"), format_difference(-2500, -4000, -1000, "revenue")
    ('+1.2 [+0.4, +2.0]', '-2,500 [-4,000, -1,000]')
    >>> nan = math.nan
    >>> format_difference(nan, 0.0, 1.0, "nrr"), format_difference(2.0, nan, nan, "nrr")
    ('n/a', '+2.0')
    """
    if math.isnan(mean):
        return "n/a"
    has_ci = not math.isnan(low)
    big = abs(mean) >= 1000 or (has_ci and max(abs(low), abs(high)) >= 1000)

    def f(v: float) -> str:
        return f"{v:+,.0f}" if big else f"{v:+.1f}"

    return f"{f(mean)} [{f(low)}, {f(high)}]" if has_ci else f(mean)


def format_return(value: float, low: float, high: float, reason: str = "") -> str:
    """A return as text: the ratio with its interval, or why there is none.

    >>> format_return(1.849, 1.2, 2.5)
    '1.85 [1.20, 2.50]'
    >>> format_return(math.nan, math.nan, math.nan, "the denominator is not clearly above 0")
    'n/a: the extra cost is not clearly above 0'
    """
    if math.isnan(value):
        why = reason.replace("the denominator", "the extra cost") if reason else "no return"
        return f"n/a: {why}"
    if math.isnan(low):
        return f"{value:.2f}"
    return f"{value:.2f} [{low:.2f}, {high:.2f}]"


def _returns(comparison: Comparison, baseline: str) -> pd.DataFrame:
    """:func:`~simkit.analysis.economics.strategy_return` of a comparison's runs (rows that
    say "n/a" when the runs carry no gross profit, e.g. runs of an older version)."""
    try:
        return strategy_return(comparison.runs, baseline).set_index("strategy")
    except ValueError as exc:
        others = [s for s in comparison.strategies if s != baseline]
        nan = math.nan
        return pd.DataFrame(
            {"return": nan, "low": nan, "high": nan, "n": 0, "reason": str(exc)},
            index=pd.Index(others, name="strategy"),
        )


def differences_table(comparison: Comparison, metrics: Sequence[str]) -> pd.DataFrame:
    """Each strategy minus the baseline (the first one), replication by replication.

    Rows are the figures' labels (unit and basis included) plus :data:`RETURN_LABEL`, the
    extra gross profit per unit of extra cost, per year, with its 95 % interval (see
    :func:`simkit.analysis.economics.strategy_return`); columns are the other strategies'
    labels (named ``"minus <baseline>"``); cells are :func:`format_difference` and
    :func:`format_return` texts. Empty (no columns) when there is only one strategy.
    """
    base = comparison.strategies[0]
    others = [strategy_label(s) for s in comparison.strategies[1:]]
    name = f"minus {strategy_label(base)}"
    if not others:
        out = pd.DataFrame(index=[], columns=others)
        out.columns.name = name
        return out
    metrics = list(metrics)
    diff = comparison.differences(base, metrics)
    diff = diff[diff["metric"].isin(metrics)].copy()
    diff["text"] = [
        format_difference(m, lo, hi, metric)
        for m, lo, hi, metric in zip(
            diff["mean_diff"], diff["ci_low"], diff["ci_high"], diff["metric"], strict=True
        )
    ]
    diff["label"] = diff["metric"].map(_label)
    wide = diff.pivot(index="label", columns="strategy", values="text")
    wide = wide.reindex(index=[_label(m) for m in metrics], columns=comparison.strategies[1:])
    ret = _returns(comparison, base).reindex(comparison.strategies[1:])
    wide.loc[RETURN_LABEL] = [
        format_return(r, lo, hi, why)
        for r, lo, hi, why in zip(
            ret["return"], ret["low"], ret["high"], ret["reason"], strict=True
        )
    ]
    wide.columns = pd.Index(others, name=name)
    wide.index.name = None
    return wide


def summary_frame(comparison: Comparison) -> pd.DataFrame:
    """Mean and 95 % CI of every headline figure per strategy, plus each strategy's return.

    A tidy table for a CSV download: the rows of
    :meth:`~simkit.experiments.compare.Comparison.table` with ``compared_to`` and ``note``
    columns (empty for them), then one ``return`` row per strategy after the first: its
    extra gross profit per unit of extra cost, per year, against the baseline (the first
    strategy, named in ``compared_to``), with its interval -- or NaN and, in ``note``, why.

    >>> from simkit.experiments.compare import compare
    >>> from simkit.engine.scenario import default_scenario
    >>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
    ...               ["reactive", "proactive"], replications=2, jobs=1)
    >>> s = summary_frame(cmp)
    >>> s.query("metric == 'return'")[["strategy", "compared_to"]].values.tolist()
    [['proactive_check_ins', 'reactive']]
    """
    table = comparison.table()
    table.insert(1, "compared_to", "")
    table["note"] = ""
    if len(comparison.strategies) > 1:
        base = comparison.strategies[0]
        ret = _returns(comparison, base).reindex(comparison.strategies[1:]).reset_index()
        rows = pd.DataFrame(
            {
                "strategy": ret["strategy"],
                "compared_to": base,
                "metric": RETURN_METRIC,
                "label": RETURN_LABEL,
                "mean": ret["return"],
                "ci_low": ret["low"],
                "ci_high": ret["high"],
                "n": ret["n"],
                "note": ret["reason"],
            }
        )
        table = pd.concat([table, rows[table.columns]], ignore_index=True)
    return table
