"""The cost-vs-value frontier as a figure: every option, its interval, the efficient ones.

:func:`simkit.experiments.frontier.frontier_table` says, for each option (a strategy at a
team size, perhaps under several conditions), what it costs and what it earns, with 95 %
confidence intervals, and which options are *efficient* (nothing cheaper earns more).
:func:`frontier_plot` draws that table: cost across, value up, one colour per strategy
(the kit's palette, :mod:`simkit.viz.palette`), each point labelled with its team size, the
efficient options ringed and joined by a dashed line -- the frontier a manager should pick
from. Reading it: moving right along a strategy's line is adding managers; a steep step
buys a lot per unit of cost, a flat one little.

>>> import pandas as pd
>>> from simkit.experiments.frontier import frontier_table
>>> runs = pd.DataFrame({"team.managers": [2, 2, 4, 4], "strategy": ["reactive"] * 4,
...     "replication": [0, 1, 0, 1], "revenue": [100.0, 104, 130, 132],
...     "strategy_cost": [5.0, 5, 6, 6], "team_cost": [20.0, 20, 40, 40]})
>>> fig = frontier_plot(frontier_table(runs), show_hours=False)
>>> fig.axes[0].get_xlabel()
'Team cost (managers x salary, per year)'
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simkit.engine.strategies import strategy_label
from simkit.experiments.frontier import COSTS, efficient, grid_columns, measure_label
from simkit.viz.palette import strategy_colour
from simkit.viz.style import MONEY_TICKS


def _panel(ax: Axes, sub: pd.DataFrame, x: str, along: str | None, value_label: str) -> None:
    """One frontier panel: options as points with CI bars, the efficient ones ringed."""
    on_frontier = efficient(sub[x].to_numpy(float), sub["value"].to_numpy(float))
    for strategy, pts in sub.groupby("strategy", sort=False):
        pts = pts.sort_values(along) if along else pts
        colour = strategy_colour(str(strategy))
        xerr = np.nan_to_num(
            np.vstack([pts[x] - pts[f"{x}_low"], pts[f"{x}_high"] - pts[x]]).clip(min=0)
        )
        yerr = np.nan_to_num(
            np.vstack([pts["value"] - pts["value_low"], pts["value_high"] - pts["value"]]).clip(
                min=0
            )
        )
        ax.errorbar(
            pts[x],
            pts["value"],
            xerr=xerr,
            yerr=yerr,
            fmt="o-",
            color=colour,
            lw=1,
            ms=6,
            capsize=3,
            label=strategy_label(str(strategy)),
        )
        if along:
            for xv, yv, step in zip(pts[x], pts["value"], pts[along], strict=True):
                ax.annotate(
                    f"{step:g}" if isinstance(step, numbers.Real) else str(step),
                    (xv, yv),
                    textcoords="offset points",
                    xytext=(5, -11),
                    fontsize=7,
                    color=colour,
                )
    front = sub[on_frontier].sort_values(x)
    if len(front):
        ax.plot(front[x], front["value"], "--", color="black", lw=1, zorder=1)
        ax.scatter(
            front[x],
            front["value"],
            s=170,
            facecolors="none",
            edgecolors="black",
            lw=1.2,
            zorder=3,
            label="efficient (nothing cheaper earns more)",
        )
    ax.set_xlabel(measure_label(x))
    ax.set_ylabel(value_label)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    if x in COSTS or sub[x].abs().max() >= 1e4:
        ax.xaxis.set_major_formatter(MONEY_TICKS)
    if sub["value"].abs().max() >= 1e4:
        ax.yaxis.set_major_formatter(MONEY_TICKS)


def frontier_plot(
    table: pd.DataFrame, show_hours: bool = True, conditions: Sequence[str] | None = None
) -> Figure:
    """Cost against value for every option of a frontier table, the frontier marked.

    ``table`` comes from :func:`simkit.experiments.frontier.frontier_table`.

    Points are coloured by strategy (the kit's palette) and labelled with the team size;
    bars are 95 % confidence intervals; efficient options are ringed and joined by a dashed
    line. When the table's cost is headcount (``team_cost``) and ``show_hours`` is true, a
    second panel shows the same options against hours-worked cost. With several
    conditions (e.g. portfolio sizes) there is one row of panels per condition.

    >>> import pandas as pd
    >>> from simkit.experiments.frontier import frontier_table
    >>> runs = pd.DataFrame({"team.managers": [2, 2, 4, 4], "strategy": ["reactive"] * 4,
    ...     "replication": [0, 1, 0, 1], "revenue": [100.0, 104, 130, 132],
    ...     "strategy_cost": [5.0, 5, 6, 6], "team_cost": [20.0, 20, 40, 40]})
    >>> fig = frontier_plot(frontier_table(runs))
    >>> len(fig.axes)
    2
    """
    need = {"strategy", "value", "cost", "efficient", "cost_measure", "value_measure"}
    missing = need - set(table.columns)
    if missing:
        raise ValueError(f"not a frontier table (missing {sorted(missing)}); use frontier_table")
    cost, value = str(table["cost_measure"].iloc[0]), str(table["value_measure"].iloc[0])
    params = table.attrs.get("params") or grid_columns(table)
    along = table.attrs.get("along", "team.managers")
    along = along if along in table.columns else None
    conds = (
        list(conditions)
        if conditions is not None
        else [p for p in params if not p.startswith("team.")]
    )
    table = table.assign(
        **{
            f"{cost}": table["cost"],
            f"{cost}_low": table["cost_low"],
            f"{cost}_high": table["cost_high"],
        }
    )
    xs = [cost]
    if show_hours and cost == "team_cost" and "strategy_cost" in table.columns:
        xs.append("strategy_cost")
    groups = list(table.groupby(conds, sort=False, dropna=False)) if conds else [((), table)]
    fig, axes = plt.subplots(
        len(groups), len(xs), figsize=(6.2 * len(xs), 4.4 * len(groups)), squeeze=False
    )
    value_label = measure_label(value)
    for row, (cond, sub) in enumerate(groups):
        cond = cond if isinstance(cond, tuple) else (cond,)
        where = ", ".join(
            f"{k} = {v:g}" if isinstance(v, int | float) else f"{k} = {v}"
            for k, v in zip(conds, cond, strict=True)
        )
        for col, x in enumerate(xs):
            ax = axes[row][col]
            _panel(ax, sub, x, along, value_label)
            what = "what adding managers costs" if x == "team_cost" else "hours the work takes"
            ax.set_title(
                f"{value_label} vs cost: {what}" + (f"\n{where}" if where else ""),
                fontsize=10,
                loc="left",
            )
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(len(labels), 3),
        frameon=False,
        fontsize=8,
        bbox_to_anchor=(0.5, 0.0),
    )
    fig.tight_layout(rect=(0, 0.08 if len(groups) == 1 else 0.04, 1, 1))
    return fig
