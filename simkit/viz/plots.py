"""Matplotlib figures of runs, comparisons and the lessons' ideas.

Each function takes results (:class:`~simkit.engine.results.Results`), a comparison
(:class:`~simkit.experiments.compare.Comparison`) or a tidy table made from them, draws one
figure in the kit's colours (:mod:`simkit.viz.palette`) and finish (:mod:`simkit.viz.style`),
and returns the :class:`~matplotlib.figure.Figure` without calling ``plt.show()``. The
functions that draw a single panel accept ``ax=`` to draw into a panel of your own figure.

>>> from simkit.engine.model import simulate
>>> from simkit.engine.scenario import default_scenario
>>> res = simulate(default_scenario().update({"horizon_years": 0.5}), "customer_success")
>>> fig = stage_flow(res)
>>> fig.axes[0].get_title(loc="left").split(";")[0]
'Where the book is: accounts by stage (Customer success)'

Figures for one account's whole story (the dashboard's drill-down) are in
:mod:`simkit.viz.story`; tables with readable labels in :mod:`simkit.viz.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simkit.analysis.economics import RETURN_LABEL, strategy_return
from simkit.analysis.registry import label as metric_label
from simkit.engine.accounts import LIFECYCLE_STAGES
from simkit.engine.scenario import SEGMENTS
from simkit.engine.strategies import strategy_label
from simkit.viz.palette import (
    SEGMENT_COLOURS,
    STAGE_COLOURS,
    STAGE_LABELS,
    metric_axis_label,
    segment_label,
    strategy_colour,
)
from simkit.viz.style import figure_and_axes, money_axis, style_axes

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results
    from simkit.experiments.compare import Comparison

__all__ = [
    "account_timeline",
    "book_shares",
    "capacity_curves",
    "compare_bars",
    "metric_over_time",
    "retention_value",
    "return_on_cost",
    "segment_bars",
    "segment_compare_bars",
    "stage_flow",
    "survival_curves",
    "whitespace_bars",
]


def stage_flow(
    results: Results, by: str = "accounts", ax: Axes | None = None, lost: bool = False
) -> Figure:
    """Stacked area of accounts (or ARR) in each stage, month by month: where the book goes.

    ``by="accounts"`` stacks the four lifecycle stages (prospects, customers, loyal
    customers and former customers -- customers who left), so the height grows as
    prospects arrive; lost deals (prospects that never bought) are not part of the book
    and are left out unless ``lost=True`` stacks them on top. ``by="arr"`` stacks only the
    paying stages, in money. The data are the run's month-end ``snapshots``.
    """
    if by not in ("accounts", "arr"):
        raise ValueError(f"by must be 'accounts' or 'arr', got {by!r}")
    snap = results.snapshots.groupby(["month", "stage"], observed=False)[by].sum().unstack("stage")
    if by == "arr":
        stages = ["customer", "loyal"]
    else:
        stages = [*LIFECYCLE_STAGES, *(["lost"] if lost else [])]
    stages = [s for s in stages if s in snap.columns]
    fig, ax = figure_and_axes(ax, (8, 4))
    ax.stackplot(
        snap.index,
        *(snap[s] for s in stages),
        labels=[STAGE_LABELS.get(s, s) for s in stages],
        colors=[STAGE_COLOURS[s] for s in stages],
        alpha=0.9,
    )
    unit = "accounts" if by == "accounts" else "ARR"
    title = f"Where the book is: {unit} by stage ({strategy_label(results.strategy)})"
    if by == "accounts" and not lost and "lost" in snap.columns:
        title += f"; {int(snap['lost'].iloc[-1]):,} lost deals not shown"
    style_axes(
        ax,
        title,
        "month",
        "accounts at month end" if by == "accounts" else "ARR at month end (per year)",
    )
    if by == "arr":
        money_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xlim(snap.index.min(), snap.index.max())
    fig.tight_layout()
    return fig


def compare_bars(
    comparison: Comparison,
    metrics: Sequence[str] = ("logo_retention", "nrr", "revenue", "strategy_cost"),
    ncols: int = 2,
    planned: int | None = None,
) -> Figure:
    """One panel per figure: each strategy's mean over replications with its 95 % CI.

    Bars follow the comparison's strategy order and colours; a panel's title and y label
    are the figure's label from :meth:`~simkit.experiments.compare.Comparison.table`.
    Percentages start near the lowest interval rather than at zero, so that differences of
    a few points stay visible; panels of money get ``250k`` / ``1.5M`` ticks.

    ``planned`` is the number of replications a comparison still in progress will have:
    the title then says how many of them the bars hold so far ("2 of 5 replications so
    far"). With one replication there is no interval yet, and no error bar.
    """
    table = comparison.table(list(metrics))
    n = len(metrics)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.2 * nrows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = table[table["metric"] == metric].set_index("strategy").loc[comparison.strategies]
        x = np.arange(len(sub))
        err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
        err = np.nan_to_num(err) if np.isfinite(err).any() else None  # one run: no interval
        ax.bar(x, sub["mean"], color=[strategy_colour(s) for s in sub.index], yerr=err, capsize=4)
        ax.set_xticks(
            x, [strategy_label(s) for s in sub.index], rotation=15, ha="right", fontsize=8
        )
        label = sub["label"].iloc[0]
        style_axes(ax, label, "", label)
        if sub["mean"].abs().max() >= 1e4:
            money_axis(ax)
        if "%" in label:
            lo = np.nanmin(sub["ci_low"].fillna(sub["mean"]))
            ax.set_ylim(max(0, lo - 10), None)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    reps = comparison.replications
    shown = f"{reps} of {planned} replications so far" if planned and planned > reps else ""
    fig.suptitle(
        f"Strategies compared ({shown or f'{reps} replications'}, 95 % CI)",
        x=0.01,
        ha="left",
        fontsize=12,
    )
    fig.tight_layout()
    return fig


def return_on_cost(comparison: Comparison) -> Figure:
    """Each strategy's return against the baseline: extra gross profit per unit of extra
    cost, per year, with its 95 % interval.

    The baseline is the comparison's first strategy; each other strategy gets one bar,
    ``extra gross profit per year / extra cost per year``, paired by replication, and an
    error bar for its Fieller interval (see
    :func:`simkit.analysis.economics.strategy_return`). A dashed line marks 1: above it the
    extra work pays for itself. A strategy whose extra cost is not clearly positive has no
    return, and its bar says why instead.

    >>> from simkit.experiments.compare import compare
    >>> from simkit.engine.scenario import default_scenario
    >>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
    ...               ["reactive", "proactive"], replications=2)
    >>> return_on_cost(cmp).axes[0].get_title(loc="left")
    'Return: extra gross profit per unit of extra cost, per year (vs Reactive)'
    """
    base = comparison.strategies[0]
    names = list(comparison.strategies[1:])
    ret = strategy_return(comparison.runs, base).set_index("strategy").reindex(names)
    values = ret["return"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.5 * max(len(names), 1)))
    y = np.arange(len(names))
    err = np.vstack([values - ret["low"].to_numpy(float), ret["high"].to_numpy(float) - values])
    ax.barh(
        y,
        np.nan_to_num(values),
        color=[strategy_colour(s) for s in names],
        xerr=np.nan_to_num(err),
        capsize=4,
    )
    for yi, v, why in zip(y, values, ret["reason"].fillna(""), strict=True):
        text = (
            f"n/a: {why.replace('the denominator', 'the extra cost')}"
            if np.isnan(v)
            else (f"{v:.2f}")
        )
        ax.annotate(
            text,
            (0 if np.isnan(v) else v, yi),
            xytext=(4, 8),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.axvline(1.0, color="#777777", lw=1, ls="--")
    ax.set_yticks(y, [strategy_label(s) for s in names])
    ax.invert_yaxis()
    ax.set_title(
        f"Return: extra gross profit per unit of extra cost, per year (vs {strategy_label(base)})",
        loc="left",
        fontsize=11,
    )
    ax.set_xlabel(f"{RETURN_LABEL}; 95 % interval; dashed line: 1 = pays for itself")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def metric_over_time(
    table: pd.DataFrame, metric: str, by: str = "strategy", ax: Axes | None = None
) -> Figure:
    """A metric per period, one line per group: how a figure moves over the run.

    ``table`` comes from :func:`simkit.analysis.summary.summarize` (e.g. ``period="Q"``);
    ``by`` names the group column (``"strategy"`` lines take the strategy colours,
    ``"segment"`` lines the segment colours). Rows of the same group and period, such as
    replications, are averaged. The x axis counts periods from 1 and names them (month,
    quarter, year) from the table's period lengths; the y label says the figure's basis
    (``"NRR (% per year)"`` -- annualised in every period -- or ``"NPS (score, in each
    quarter)"``).
    """
    if metric not in table.columns:
        raise ValueError(f"{metric!r} is not a column of the table")
    fig, ax = figure_and_axes(ax, (7, 3.5))
    grouped = table.groupby([by, "period"], observed=True)[metric].mean().unstack(by)
    for name in grouped.columns:
        colour = (
            strategy_colour(name)
            if by == "strategy"
            else SEGMENT_COLOURS.get(name)
            if by == "segment"
            else None
        )
        ax.plot(
            grouped.index + 1,
            grouped[name],
            marker="o",
            color=colour,
            label=strategy_label(name) if by == "strategy" else str(name),
        )
    unit = _period_name(table)
    label = metric_axis_label(metric, _PERIOD_CODES.get(unit))
    style_axes(ax, f"{label}, {unit} by {unit}", f"{unit} (1 = the first)", label)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


_PERIOD_CODES = {"month": "M", "quarter": "Q", "year": "Y"}


def _period_code(table: pd.DataFrame) -> str | None:
    """The period code of a summarize table (``"M"``, ``"Q"``, ``"Y"``, ``"all"``), if known;
    a table of one period (the whole horizon) is ``"all"``."""
    if "period" in table.columns and len(table) and (table["period"] == 0).all():
        return "all"
    return _PERIOD_CODES.get(_period_name(table))


def _period_name(table: pd.DataFrame) -> str:
    """The period length of a summarize table in words: month, quarter, year (else period)."""
    if not {"period_start", "period_end"} <= set(table.columns) or table.empty:
        return "period"
    days = float((table["period_end"] - table["period_start"]).max())
    for name, length in (("month", 365 / 12), ("quarter", 365 / 4), ("year", 365.0)):
        if abs(days - length) < 1e-6:
            return name
    return "period"


def segment_bars(table: pd.DataFrame, metric: str, ax: Axes | None = None) -> Figure:
    """A metric by segment, one bar per segment in its colour.

    ``table`` is a ``summarize(..., by="segment")`` table; rows of the same segment (periods,
    replications) are averaged.
    """
    fig, ax = figure_and_axes(ax, (6, 3.2))
    sub = table.groupby("segment", observed=True)[metric].mean().reindex(SEGMENTS)
    ax.bar(range(4), sub.to_numpy(), color=[SEGMENT_COLOURS[s] for s in SEGMENTS])
    ax.set_xticks(range(4), [segment_label(s) for s in SEGMENTS])
    label = metric_axis_label(metric, _period_code(table))
    style_axes(ax, f"{label} by segment", "segment", label)
    fig.tight_layout()
    return fig


def account_timeline(results: Results, account: int, ax: Axes | None = None) -> Figure:
    """One account's story: its health after each event, with a mark per kind of event.

    Issues, touches, surveys, upsells, renewals and departures each have a marker and a
    legend entry; the dashboard's fuller drawing is :func:`simkit.viz.story.story_figure`.
    """
    story = results.story(account)
    fig, ax = figure_and_axes(ax, (8, 3.6))
    ax.plot(story["time"], story["health"], color="#444444", lw=1, label="health after event")
    marks = {
        "issue_open": ("v", "#d62728", "issue"),
        "touch": ("o", "#1b9e77", "touch"),
        "survey": ("s", "#1f78b4", "survey"),
        "upsell": ("^", "#6a3d9a", "upsell"),
        "renew": ("D", "#2ca02c", "renewal"),
        "churn": ("X", "#d95f02", "churn"),
        "defect": ("X", "#8c2d04", "lost to competitor"),
    }
    for ev, (m, c, label) in marks.items():
        sub = story[story["event"] == ev]
        if len(sub):
            ax.scatter(sub["time"], sub["health"], marker=m, color=c, label=label, zorder=3, s=36)
    seg = story["segment"].iloc[0]
    style_axes(
        ax,
        f"Account {account} ({seg}) under {strategy_label(results.strategy)}",
        "day",
        "health (0-100)",
    )
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- the lessons' figures
def capacity_curves(table: pd.DataFrame) -> Figure:
    """Team size against time to resolution, churn and utilisation, one line per strategy.

    ``table`` is tidy, as from :func:`simkit.experiments.capacity.capacity_sweep`: columns
    ``strategy``, ``managers``, ``metric``, ``mean``, ``ci_low``, ``ci_high`` (and ``n``: with
    fewer than 3 runs per point the intervals are left out, being too wide to read).

    >>> t = pd.DataFrame({"strategy": "reactive", "managers": [2, 2, 2, 4, 4, 4],
    ...     "metric": ["time_to_resolution", "churn_rate", "utilisation"] * 2,
    ...     "mean": [3.0, 19.0, 90.0, 0.6, 17.0, 45.0], "ci_low": float("nan"),
    ...     "ci_high": float("nan")})
    >>> [ax.get_title(loc="left") for ax in capacity_curves(t).axes]
    ['Time to resolution', 'Churn', 'Team utilisation']
    """
    panels = [
        (m, metric_label(m, with_unit=False), metric_label(m))
        for m in ("time_to_resolution", "churn_rate", "utilisation")
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    # intervals from fewer than 3 runs are too wide to help: show means only
    show_ci = "n" not in table.columns or bool((table["n"] >= 3).all())
    for ax, (metric, title, ylabel) in zip(axes, panels, strict=True):
        sub = table[table["metric"] == metric]
        for name, line in sub.groupby("strategy", sort=False):
            line = line.sort_values("managers")
            err = np.nan_to_num(
                np.vstack([line["mean"] - line["ci_low"], line["ci_high"] - line["mean"]])
            )
            ax.errorbar(
                line["managers"],
                line["mean"],
                yerr=err if show_ci else None,
                marker="o",
                capsize=3,
                color=strategy_colour(str(name)),
                label=strategy_label(str(name)),
            )
        style_axes(ax, title, "account managers", ylabel)
        ax.set_xticks(sorted(sub["managers"].unique()))
        if metric == "time_to_resolution" and len(sub) and sub["mean"].max() > 20:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        if metric == "utilisation":
            ax.set_ylim(0, 105)
        elif ax.get_yscale() == "linear":
            ax.set_ylim(0, None)  # from zero, so small differences are not blown up
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle("More accounts per manager: queues, waiting and churn", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def survival_curves(
    curves: dict[str, Sequence[float]],
    observed: Sequence[float] | None = None,
    period: str = "year",
    ax: Axes | None = None,
) -> Figure:
    """Share of a cohort still a customer, period by period (0-100 %).

    ``curves`` maps a label to survival shares S(0..T) (fractions, S(0) = 1); ``observed``
    adds measured shares as dots (e.g. a simulated cohort).

    >>> fig = survival_curves({"r = 0.8": [1, 0.8, 0.64]}, observed=[1, 0.78, 0.66])
    >>> fig.axes[0].get_ylabel()
    '% of the cohort still a customer'
    """
    fig, ax = figure_and_axes(ax, (7, 3.6))
    palette = ["#1f78b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"]
    for i, (label, values) in enumerate(curves.items()):
        y = 100 * np.asarray(values, dtype=float)
        ax.plot(np.arange(len(y)), y, color=palette[i % len(palette)], lw=2, label=label)
    if observed is not None:
        y = 100 * np.asarray(observed, dtype=float)
        ax.plot(np.arange(len(y)), y, "o", color="#333333", label="simulated cohort", zorder=3)
    style_axes(
        ax, "How many of a cohort are still customers", period, "% of the cohort still a customer"
    )
    ax.set_ylim(0, 102)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def retention_value(discount_rate: float = 0.1, highlight: Sequence[float] = ()) -> Figure:
    """Expected lifetime and margin multiple against the renewal rate: the curve bends up.

    >>> fig = retention_value(0.1, highlight=[0.8, 0.85])
    >>> fig.axes[0].get_xlabel()
    'renewal rate per year (%)'
    """
    from simkit.analysis.retention import expected_lifetime, margin_multiple

    r = np.linspace(0.5, 0.95, 91)
    life = np.array([expected_lifetime(v) for v in r])
    mult = np.array([margin_multiple(v, discount_rate) for v in r])
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(100 * r, life, color="#1f78b4", lw=2, label="expected lifetime (years)")
    ax.plot(
        100 * r,
        mult,
        color="#1b9e77",
        lw=2,
        label=f"value in years of margin (discount {100 * discount_rate:g} %)",
    )
    for v in highlight:
        ax.axvline(100 * v, color="#999999", lw=1, ls="--")
        ax.plot([100 * v], [margin_multiple(v, discount_rate)], "o", color="#1b9e77")
    style_axes(
        ax, "A few points of retention are worth a lot", "renewal rate per year (%)", "years"
    )
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def segment_compare_bars(
    table: pd.DataFrame, metric: str, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """A metric by segment, one bar per strategy in each segment.

    ``table`` has ``strategy``, ``segment`` and ``metric`` columns, e.g.
    ``summarize(comparison, by=["strategy", "segment"], period="all")``; rows of the same
    (strategy, segment) are averaged.

    >>> t = pd.DataFrame({"strategy": ["reactive", "reactive", "proactive_check_ins"] * 2,
    ...     "segment": ["key", "small", "key", "small", "key", "small"],
    ...     "nrr": [90.0, 80.0, 95.0, 88.0, 92.0, 81.0]})
    >>> segment_compare_bars(t, "nrr").axes[0].get_xlabel()
    'segment'
    """
    if metric not in table.columns:
        raise ValueError(f"{metric!r} is not a column of the table")
    fig, ax = figure_and_axes(ax, (7, 3.4))
    means = table.groupby(["segment", "strategy"], observed=True, sort=False)[metric].mean()
    means = means.unstack("strategy")
    segments = [s for s in SEGMENTS if s in means.index]
    strategies = list(dict.fromkeys(table["strategy"]))
    width = 0.8 / max(len(strategies), 1)
    x = np.arange(len(segments))
    for i, name in enumerate(strategies):
        ax.bar(
            x + (i - (len(strategies) - 1) / 2) * width,
            means.loc[segments, name].to_numpy(),
            width,
            color=strategy_colour(name),
            label=strategy_label(name),
        )
    ax.set_xticks(x, [segment_label(s) for s in segments])
    label = metric_axis_label(metric, _period_code(table))
    style_axes(ax, title or f"{label} by segment", "segment", label)
    if table[metric].abs().max() >= 1e4:
        money_axis(ax)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def whitespace_bars(table: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Expansion ARR won against ARR left on the table (opportunities never pitched), by segment.

    ``table`` is indexed by segment with ``won_arr`` and ``missed_arr`` columns, as from
    :func:`simkit.analysis.lessons.whitespace_by_segment`.

    >>> t = pd.DataFrame({"won_arr": [5e5, 1e5], "missed_arr": [2e5, 3e5]},
    ...                  index=pd.Index(["key", "small"], name="segment"))
    >>> whitespace_bars(t).axes[0].get_ylabel()
    'ARR (currency per year)'
    """
    fig, ax = figure_and_axes(ax, (7, 3.4))
    segments = [s for s in SEGMENTS if s in table.index]
    x = np.arange(len(segments))
    won = table.loc[segments, "won_arr"].to_numpy(dtype=float)
    missed = table.loc[segments, "missed_arr"].to_numpy(dtype=float)
    colours = [SEGMENT_COLOURS[s] for s in segments]
    ax.bar(x - 0.2, won, 0.4, color=colours, label="expansion won")
    ax.bar(x + 0.2, missed, 0.4, color=colours, alpha=0.35, hatch="//", label="whitespace left")
    ax.set_xticks(x, [segment_label(s) for s in segments])
    style_axes(
        ax, "Expansion won vs whitespace left, by segment", "segment", "ARR (currency per year)"
    )
    money_axis(ax)
    ax.legend(
        handles=[
            Patch(facecolor="#777777", label="expansion won"),
            Patch(facecolor="#777777", alpha=0.35, hatch="//", label="whitespace left"),
        ],
        frameon=False,
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def book_shares(book: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Share of accounts against share of ARR, by segment: where the money sits.

    ``book`` is indexed by segment with ``share of accounts (%)`` and ``share of ARR (%)``
    columns, as from :func:`simkit.analysis.lessons.book_by_segment`.

    >>> b = pd.DataFrame({"share of accounts (%)": [10.0, 90.0], "share of ARR (%)": [60.0, 40.0]},
    ...                  index=pd.Index(["key", "small"], name="segment"))
    >>> book_shares(b).axes[0].get_ylabel()
    '% of the book'
    """
    fig, ax = figure_and_axes(ax, (7, 3.4))
    segments = [s for s in SEGMENTS if s in book.index]
    x = np.arange(len(segments))
    colours = [SEGMENT_COLOURS[s] for s in segments]
    ax.bar(x - 0.2, book.loc[segments, "share of accounts (%)"], 0.4, color=colours, alpha=0.35)
    ax.bar(x + 0.2, book.loc[segments, "share of ARR (%)"], 0.4, color=colours)
    ax.set_xticks(x, [segment_label(s) for s in segments])
    style_axes(ax, "Where the accounts are, and where the money is", "segment", "% of the book")
    ax.legend(
        handles=[
            Patch(facecolor="#777777", alpha=0.35, label="share of accounts"),
            Patch(facecolor="#777777", label="share of ARR"),
        ],
        frameon=False,
        fontsize=8,
    )
    fig.tight_layout()
    return fig
