"""Tables for people: a run's or a comparison's figures under readable labels.

The analysis layer names figures by key (``logo_retention``, ``strategy_cost``) and
strategies by name (``proactive_check_ins``); a lesson or a manager wants "Logo retention
(%/yr)" and "Proactive check-ins", rounded, with the confidence interval written next to
the mean. These functions do that last step, for the lessons (:func:`headline_figures`),
the what-if tables (:func:`results_table`, :func:`differences_table`) and the dashboard's
download (:func:`summary_frame`). They return pandas objects; the widgets turn them into
HTML.

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

from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.strategies import strategy_label

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results
    from simkit.experiments.compare import Comparison

__all__ = [
    "RETURN_LABEL",
    "differences_table",
    "format_difference",
    "headline_figures",
    "results_table",
    "summary_frame",
]

RETURN_LABEL = "Revenue gained per unit of extra cost"
"""The label of the return-on-cost row (``metric == "return_per_cost"``)."""


def headline_figures(results: Results) -> pd.Series:
    """A run's headline figures under readable labels, rounded to one decimal.

    The rows are :data:`simkit.analysis.summary.HEADLINE` in its order; the series is named
    after the run's strategy, so several runs line up as columns of ``pd.concat(..., axis=1)``.

    >>> from simkit.engine.model import simulate
    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> figures = headline_figures(res)
    >>> figures.name, figures.index[0]
    ('Reactive', 'Logo retention (%/yr)')
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
    separators; a return on cost is a plain ratio (``"1.85"``); a missing interval leaves
    the mean alone and a missing mean reads ``"n/a"``.

    >>> format_difference(1.23, 0.4, 2.0, "nrr"), format_difference(-2500, -4000, -1000, "revenue")
    ('+1.2 [+0.4, +2.0]', '-2,500 [-4,000, -1,000]')
    >>> format_difference(1.849, 1.2, 2.5, "return_per_cost")
    '1.85'
    >>> nan = math.nan
    >>> format_difference(nan, 0.0, 1.0, "nrr"), format_difference(2.0, nan, nan, "nrr")
    ('n/a', '+2.0')
    """
    if math.isnan(mean):
        return "n/a"
    if metric == "return_per_cost":
        return f"{mean:.2f}"
    has_ci = not math.isnan(low)
    big = abs(mean) >= 1000 or (has_ci and max(abs(low), abs(high)) >= 1000)

    def f(v: float) -> str:
        return f"{v:+,.0f}" if big else f"{v:+.1f}"

    return f"{f(mean)} [{f(low)}, {f(high)}]" if has_ci else f(mean)


def differences_table(comparison: Comparison, metrics: Sequence[str]) -> pd.DataFrame:
    """Each strategy minus the baseline (the first one), replication by replication.

    Rows are the figures' labels plus :data:`RETURN_LABEL`; columns are the other
    strategies' labels (named ``"minus <baseline>"``); cells are
    :func:`format_difference` texts. Empty (no columns) when there is only one strategy.
    """
    base = comparison.strategies[0]
    others = [strategy_label(s) for s in comparison.strategies[1:]]
    name = f"minus {strategy_label(base)}"
    if not others:
        out = pd.DataFrame(index=[], columns=others)
        out.columns.name = name
        return out
    diff = comparison.differences(base, list(metrics))
    diff["text"] = [
        format_difference(m, lo, hi, metric)
        for m, lo, hi, metric in zip(
            diff["mean_diff"], diff["ci_low"], diff["ci_high"], diff["metric"], strict=True
        )
    ]
    diff["label"] = diff["metric"].map({**HEADLINE, "return_per_cost": RETURN_LABEL})
    wide = diff.pivot(index="label", columns="strategy", values="text")
    order = [HEADLINE[m] for m in metrics] + [RETURN_LABEL]
    wide = wide.reindex(index=order, columns=comparison.strategies[1:])
    wide.columns = pd.Index(others, name=name)
    wide.index.name = None
    return wide


def summary_frame(comparison: Comparison) -> pd.DataFrame:
    """Mean and 95 % CI of every headline figure per strategy, plus the return on cost.

    A tidy table for a CSV download: the rows of
    :meth:`~simkit.experiments.compare.Comparison.table` with a ``compared_to`` column
    (empty for them), then one ``return_per_cost`` row per strategy after the first: the
    revenue it gained per unit of extra strategy cost against the baseline (the first
    strategy, named in ``compared_to``).

    >>> from simkit.experiments.compare import compare
    >>> from simkit.engine.scenario import default_scenario
    >>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
    ...               ["reactive", "proactive"], replications=2, jobs=1)
    >>> s = summary_frame(cmp)
    >>> s.query("metric == 'return_per_cost'")[["strategy", "compared_to"]].values.tolist()
    [['proactive_check_ins', 'reactive']]
    """
    table = comparison.table()
    table.insert(1, "compared_to", "")
    if len(comparison.strategies) > 1:
        diff = comparison.differences()
        ret = diff[diff["metric"] == "return_per_cost"].rename(
            columns={"mean_diff": "mean", "baseline": "compared_to"}
        )
        ret = ret.assign(label=RETURN_LABEL, n=comparison.replications)
        table = pd.concat([table, ret[table.columns]], ignore_index=True)
    return table
