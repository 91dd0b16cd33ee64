"""Matplotlib figures from results, with one palette for the whole kit.

Every strategy and every stage has one colour wherever it appears (lessons, what-if
notebook, dashboard, CLI), so a learner never has to re-read a legend. Plot functions take
results or comparison objects, return a :class:`matplotlib.figure.Figure`, and never call
``plt.show()``.

>>> STAGE_COLOURS["loyal"]
'#1b9e77'
>>> strategy_colour("reactive")
'#7f7f7f'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simkit.accounts import STAGES
from simkit.scenario import SEGMENTS

if TYPE_CHECKING:  # pragma: no cover
    from simkit.experiment import Comparison
    from simkit.results import Results

STAGE_COLOURS = {
    "prospect": "#a6cee3",
    "customer": "#1f78b4",
    "loyal": "#1b9e77",
    "former": "#d95f02",
}
"""One colour per lifecycle stage."""

SEGMENT_COLOURS = {
    "key": "#6a3d9a",
    "enterprise": "#1f78b4",
    "mid_market": "#33a02c",
    "small": "#ff7f00",
}
"""One colour per segment."""

STRATEGY_COLOURS = {
    "reactive": "#7f7f7f",
    "key_account_focus": "#6a3d9a",
    "customer_success": "#e7298a",
    "proactive_check_ins": "#1b9e77",
}
"""Built-in strategies' colours; other strategies get colours from :data:`EXTRA_COLOURS`."""

EXTRA_COLOURS = ["#e6ab02", "#66a61e", "#a6761d", "#1f78b4", "#d95f02", "#386cb0"]

LABELS = {
    "reactive": "Reactive",
    "key_account_focus": "Key-account focus",
    "customer_success": "Customer success",
    "proactive_check_ins": "Proactive check-ins",
}


def strategy_colour(name: str) -> str:
    """The colour of a strategy: fixed for built-ins, stable (by name) for others."""
    if name in STRATEGY_COLOURS:
        return STRATEGY_COLOURS[name]
    return EXTRA_COLOURS[sum(name.encode()) % len(EXTRA_COLOURS)]


def strategy_label(name: str) -> str:
    """A readable label for a strategy name (``"key_account_focus"`` -> ``"Key-account focus"``)."""
    return " + ".join(LABELS.get(p, p.replace("_", " ").capitalize()) for p in name.split("+"))


def _style(ax: plt.Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)


def _money(ax: plt.Axes, axis: str = "y") -> None:
    fmt = matplotlib.ticker.FuncFormatter(
        lambda v, _: (
            f"{v / 1e6:.1f}M"
            if abs(v) >= 1e6
            else f"{v / 1e3:.0f}k"
            if abs(v) >= 1e3
            else f"{v:.0f}"
        )
    )
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def stage_flow(results: Results, by: str = "accounts", ax: plt.Axes | None = None) -> Figure:
    """Stacked area of accounts (or ARR) in each stage, month by month."""
    if by not in ("accounts", "arr"):
        raise ValueError(f"by must be 'accounts' or 'arr', got {by!r}")
    snap = results.snapshots.groupby(["month", "stage"], observed=False)[by].sum().unstack("stage")
    stages = list(STAGES) if by == "accounts" else ["customer", "loyal"]
    fig, ax = _fig_ax(ax, (8, 4))
    ax.stackplot(
        snap.index,
        *(snap[s] for s in stages),
        labels=stages,
        colors=[STAGE_COLOURS[s] for s in stages],
        alpha=0.9,
    )
    unit = "accounts" if by == "accounts" else "ARR"
    _style(
        ax,
        f"Where the book is: {unit} by stage ({strategy_label(results.strategy)})",
        "month",
        unit if by == "accounts" else "ARR (currency)",
    )
    if by == "arr":
        _money(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xlim(snap.index.min(), snap.index.max())
    fig.tight_layout()
    return fig


def compare_bars(
    comparison: Comparison,
    metrics: Sequence[str] = ("logo_retention", "nrr", "revenue", "strategy_cost"),
    ncols: int = 2,
) -> Figure:
    """One panel per figure: each strategy's mean with its 95 % confidence interval."""
    table = comparison.table(list(metrics))
    n = len(metrics)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.2 * nrows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = table[table["metric"] == metric].set_index("strategy").loc[comparison.strategies]
        x = np.arange(len(sub))
        err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
        err = np.nan_to_num(err)
        ax.bar(x, sub["mean"], color=[strategy_colour(s) for s in sub.index], yerr=err, capsize=4)
        ax.set_xticks(
            x, [strategy_label(s) for s in sub.index], rotation=15, ha="right", fontsize=8
        )
        label = sub["label"].iloc[0]
        _style(ax, label, "", label)
        if sub["mean"].abs().max() >= 1e4:
            _money(ax)
        if "%" in label:
            lo = np.nanmin(sub["ci_low"].fillna(sub["mean"]))
            ax.set_ylim(max(0, lo - 10), None)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.suptitle(
        f"Strategies compared ({comparison.replications} replications, 95 % CI)",
        x=0.01,
        ha="left",
        fontsize=12,
    )
    fig.tight_layout()
    return fig


def metric_over_time(
    table: pd.DataFrame, metric: str, by: str = "strategy", ax: plt.Axes | None = None
) -> Figure:
    """A metric from :func:`simkit.summary.summarize` per period, one line per group."""
    if metric not in table.columns:
        raise ValueError(f"{metric!r} is not a column of the table")
    fig, ax = _fig_ax(ax, (7, 3.5))
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
    _style(ax, f"{metric.replace('_', ' ')} per period", "period", metric.replace("_", " "))
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def segment_bars(table: pd.DataFrame, metric: str, ax: plt.Axes | None = None) -> Figure:
    """A metric by segment (rows of a ``summarize(..., by="segment")`` table)."""
    fig, ax = _fig_ax(ax, (6, 3.2))
    sub = table.groupby("segment", observed=True)[metric].mean().reindex(SEGMENTS)
    ax.bar(range(4), sub.to_numpy(), color=[SEGMENT_COLOURS[s] for s in SEGMENTS])
    ax.set_xticks(range(4), [s.replace("_", "-") for s in SEGMENTS])
    _style(ax, f"{metric.replace('_', ' ')} by segment", "segment", metric.replace("_", " "))
    fig.tight_layout()
    return fig


def account_timeline(results: Results, account: int, ax: plt.Axes | None = None) -> Figure:
    """One account's story: health over time with its stage changes, issues, touches and deals."""
    story = results.story(account)
    fig, ax = _fig_ax(ax, (8, 3.6))
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
    _style(
        ax,
        f"Account {account} ({seg}) under {strategy_label(results.strategy)}",
        "day",
        "health (0-100)",
    )
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def _fig_ax(ax: plt.Axes | None, size: tuple[float, float]) -> tuple[Figure, plt.Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size)
    return fig, ax
