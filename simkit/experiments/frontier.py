"""The cost-vs-revenue frontier: which strategy and team size buy the most for the money.

Every option -- a strategy at a team size (and at any other grid point of a sweep) -- has a
cost and a value, each a mean over replications with a 95 % confidence interval. An option is
*efficient* when no other option costs less and earns more; the efficient options form the
frontier, and a manager should only ever pick from it. Along team size, the *marginal
return* says what one more step buys: extra value divided by extra cost, so a marginal
return above 1 on revenue means the extra managers more than pay for themselves.

Which cost?
    ``team_cost`` is **headcount cost**: managers x hours per week x weeks x cost per hour.
    It is what adding a manager really costs -- you pay for the whole week, busy or idle --
    so it is the cost used whenever the team (size, hours or rate) varies in the data.
    ``strategy_cost`` is **hours worked x cost per hour**: the share of the team's time a
    strategy actually uses. With a fixed team every strategy has the same headcount cost,
    so hours worked is then the cost that tells strategies apart. ``cost="auto"`` picks
    accordingly; the table always carries both, and :func:`frontier_plot` draws both when
    team cost is the chosen one.

Options are only compared within the same *conditions*: grid fields outside ``team.*`` (a
bigger portfolio, a different market) are not choices a manager makes, so each combination
of them gets its own frontier.

>>> import pandas as pd
>>> runs = pd.DataFrame({
...     "team.managers": [2, 2, 4, 4, 2, 2, 4, 4],
...     "strategy": ["reactive"] * 4 + ["customer_success"] * 4,
...     "replication": [0, 1] * 4,
...     "revenue": [100.0, 104, 130, 132, 110, 112, 150, 149],
...     "strategy_cost": [5.0, 5, 6, 6, 8, 8, 9, 9],
...     "team_cost": [20.0, 20, 40, 40, 20, 20, 40, 40],
... })
>>> t = frontier_table(runs)
>>> t[["strategy", "team.managers", "value", "cost", "efficient", "marginal_return"]]
           strategy  team.managers  value  cost  efficient  marginal_return
0          reactive              2  102.0  20.0      False              NaN
1          reactive              4  131.0  40.0      False            1.450
2  customer_success              2  111.0  20.0       True              NaN
3  customer_success              4  149.5  40.0       True            1.925
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simkit.analysis.summary import HEADLINE
from simkit.engine.scenario import Scenario
from simkit.experiments.runner import confidence_interval
from simkit.viz.plots import MONEY_TICKS, strategy_colour, strategy_label

COSTS = {
    "team_cost": "Team cost (managers x hours x cost/hour)",
    "strategy_cost": "Strategy cost (hours worked x cost/hour)",
}
"""Cost measures and their labels: headcount cost and hours-worked cost."""

TEAM_FIELDS = ("team.managers", "team.hours_per_week", "team.cost_per_hour")
"""Grid fields that change the headcount cost."""


def _params(df: pd.DataFrame) -> list[str]:
    """Grid columns of a sweep frame: dotted scenario fields or top-level scenario fields."""
    fields = set(Scenario.model_fields)
    return [
        c
        for c in df.columns
        if isinstance(c, str) and c not in ("strategy", "replication") and ("." in c or c in fields)
    ]


def _label(measure: str) -> str:
    return COSTS.get(measure) or HEADLINE.get(measure) or measure.replace("_", " ")


def choose_cost(sweep_df: pd.DataFrame) -> str:
    """``"team_cost"`` when the team varies in the data, else ``"strategy_cost"``.

    >>> choose_cost(pd.DataFrame({"team.managers": [3, 6], "strategy": ["reactive"] * 2}))
    'team_cost'
    >>> choose_cost(pd.DataFrame({"strategy": ["reactive", "customer_success"]}))
    'strategy_cost'
    """
    varies = [c for c in TEAM_FIELDS if c in sweep_df.columns and sweep_df[c].nunique() > 1]
    return "team_cost" if varies else "strategy_cost"


def _efficient(cost: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Non-dominated points: no other point costs no more and earns no less (one strictly)."""
    ok = ~(np.isnan(cost) | np.isnan(value))
    out = np.zeros(len(cost), dtype=bool)
    for i in np.flatnonzero(ok):
        others = ok & (cost <= cost[i]) & (value >= value[i])
        others &= (cost < cost[i]) | (value > value[i])
        out[i] = not others.any()
    return out


def frontier_table(
    sweep_df: pd.DataFrame,
    cost: str = "auto",
    value: str = "revenue",
    along: str = "team.managers",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean cost and value of every option with CIs, the efficient ones, and marginal returns.

    Parameters
    ----------
    sweep_df : one row per run, as returned by :func:`simkit.experiments.runner.sweep` (grid
        fields, ``strategy``, ``replication``, run figures) or ``compare(...).runs``.
    cost : ``"team_cost"`` (headcount), ``"strategy_cost"`` (hours worked), another numeric
        column, or ``"auto"`` (team cost when the team varies in the data; see the module).
    value : what the money buys: ``"revenue"`` (over the horizon), ``"end_arr"``, ``"nrr"``...
    along : the grid field the marginal return steps along (team size by default).
    confidence : level of the confidence intervals.

    Returns
    -------
    One row per option (grid fields, ``strategy``): ``label``, ``n`` (replications),
    ``value`` / ``value_low`` / ``value_high``, ``cost`` / ``cost_low`` / ``cost_high`` (the
    chosen cost), the same three for ``team_cost`` and ``strategy_cost`` when present,
    ``efficient`` (on the frontier of its conditions), and for each step up ``along``:
    ``extra_cost``, ``extra_value``, ``marginal_return`` (extra value per unit of extra
    cost) with ``marginal_low`` / ``marginal_high`` (from replication-paired differences;
    exact when the extra cost is the same in every replication, as headcount cost is).
    ``value_measure`` and ``cost_measure`` name the columns used.
    """
    if not isinstance(sweep_df, pd.DataFrame):
        raise TypeError(f"frontier_table needs a DataFrame of runs, got {type(sweep_df).__name__}")
    for col in ("strategy", "replication"):
        if col not in sweep_df.columns:
            raise ValueError(f"the runs table has no {col!r} column (is it a sweep result?)")
    if cost == "auto":
        cost = choose_cost(sweep_df)
    numeric = [c for c in sweep_df.columns if pd.api.types.is_numeric_dtype(sweep_df[c])]
    params = _params(sweep_df)
    for name, what in ((cost, "cost"), (value, "value")):
        if name not in sweep_df.columns or name in params or name == "replication":
            choices = [c for c in numeric if c not in params and c != "replication"]
            raise ValueError(f"{what} {name!r} is not a figure of the runs; choose from {choices}")
        if name not in numeric:
            raise ValueError(f"{what} column {name!r} is not numeric")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    conditions = [p for p in params if not p.startswith("team.")]
    measures = [cost, value] + [c for c in COSTS if c in sweep_df.columns and c != cost]

    keys = [*params, "strategy"]
    strategy_order = list(dict.fromkeys(sweep_df["strategy"]))
    rows = []
    for option, runs in sweep_df.groupby(keys, sort=False, dropna=False):
        option = option if isinstance(option, tuple) else (option,)
        row: dict[str, object] = dict(zip(keys, option, strict=True))
        row["label"] = strategy_label(str(row["strategy"]))
        row["n"] = int(runs["replication"].nunique())
        for name, prefix in ((value, "value"), (cost, "cost")):
            row[prefix], row[f"{prefix}_low"], row[f"{prefix}_high"] = confidence_interval(
                runs[name], confidence
            )
        for name in COSTS:
            if name in sweep_df.columns:
                row[name], row[f"{name}_low"], row[f"{name}_high"] = confidence_interval(
                    runs[name], confidence
                )
        rows.append(row)
    table = pd.DataFrame(rows)
    order = [*conditions, "strategy"] + ([along] if along in params else [])
    table["_s"] = table["strategy"].map({s: i for i, s in enumerate(strategy_order)})
    table = table.sort_values([c if c != "strategy" else "_s" for c in order], kind="stable").drop(
        columns="_s"
    )
    table = table.reset_index(drop=True)

    table["efficient"] = False
    parts = (
        [s for _, s in table.groupby(conditions, sort=False, dropna=False)]
        if conditions
        else [table]
    )
    for sub in parts:
        flags = _efficient(sub["cost"].to_numpy(float), sub["value"].to_numpy(float))
        table.loc[sub.index, "efficient"] = flags
    table["efficient"] = table["efficient"].astype(bool)

    for col in ("extra_cost", "extra_value", "marginal_return", "marginal_low", "marginal_high"):
        table[col] = math.nan
    if along in params:
        _marginal_returns(sweep_df, table, params, along, cost, value, confidence)
    table["value_measure"] = value
    table["cost_measure"] = cost
    table.attrs.update(
        value=value,
        cost=cost,
        along=along,
        params=params,
        conditions=conditions,
        measures=measures,
    )
    return table


def _marginal_returns(
    runs: pd.DataFrame,
    table: pd.DataFrame,
    params: list[str],
    along: str,
    cost: str,
    value: str,
    confidence: float,
) -> None:
    """Fill extra cost/value and marginal return for each step up ``along`` (in place)."""
    fixed = [p for p in params if p != along] + ["strategy"]
    by_option = {
        (k if isinstance(k, tuple) else (k,)): g.set_index("replication")[[cost, value]]
        for k, g in runs.groupby([*fixed, along], sort=False, dropna=False)
    }
    for _, line in table.groupby(fixed, sort=False, dropna=False):
        line = line.sort_values(along)
        prev = None
        for i, row in line.iterrows():
            key = tuple(row[c] for c in fixed) + (row[along],)
            here = by_option.get(key)
            if prev is not None and here is not None:
                paired = here.join(prev.add_suffix("_prev"), how="inner")
                d_cost = paired[cost] - paired[f"{cost}_prev"]
                d_value = paired[value] - paired[f"{value}_prev"]
                extra_cost, extra_value = float(d_cost.mean()), float(d_value.mean())
                table.loc[i, "extra_cost"] = extra_cost
                table.loc[i, "extra_value"] = extra_value
                if extra_cost != 0 and not math.isnan(extra_cost):
                    m, lo, hi = confidence_interval(d_value / extra_cost, confidence)
                    lo, hi = (lo, hi) if extra_cost > 0 else (hi, lo)
                    table.loc[i, ["marginal_return", "marginal_low", "marginal_high"]] = (
                        extra_value / extra_cost,
                        lo,
                        hi,
                    )
            prev = here


def _panel(ax: plt.Axes, sub: pd.DataFrame, x: str, along: str | None, value_label: str) -> None:
    """One frontier panel: options as points with CI bars, the efficient ones ringed."""
    efficient = _efficient(sub[x].to_numpy(float), sub["value"].to_numpy(float))
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
    front = sub[efficient].sort_values(x)
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
    ax.set_xlabel(_label(x))
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
    """Cost against value for every option of a :func:`frontier_table`, frontier marked.

    Points are coloured by strategy (the kit's palette) and labelled with the team size;
    bars are 95 % confidence intervals; efficient options are ringed and joined by a dashed
    line. When the table's cost is headcount (``team_cost``) and ``show_hours`` is true, a
    second panel shows the same options against hours-worked cost. With several
    conditions (e.g. portfolio sizes) there is one row of panels per condition.

    >>> import pandas as pd
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
    params = table.attrs.get("params") or _params(table)
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
    value_label = _label(value)
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


def _money(v: float) -> str:
    if v != v:
        return "n/a"
    a = abs(v)
    return f"{v / 1e6:,.2f}M" if a >= 1e6 else f"{v / 1e3:,.1f}k" if a >= 1e4 else f"{v:,.2f}"


def format_frontier(table: pd.DataFrame) -> pd.DataFrame:
    """The frontier table as short text, one row per option (for a terminal or a notebook).

    >>> import pandas as pd
    >>> runs = pd.DataFrame({"team.managers": [2, 2, 4, 4], "strategy": ["reactive"] * 4,
    ...     "replication": [0, 1, 0, 1], "revenue": [100.0, 104, 130, 132],
    ...     "strategy_cost": [5.0, 5, 6, 6], "team_cost": [20.0, 20, 40, 40]})
    >>> format_frontier(frontier_table(runs))["return per extra cost"].tolist()
    ['', '1.45 [0.815, 2.09]']
    """
    params = table.attrs.get("params") or _params(table)
    cost, value = str(table["cost_measure"].iloc[0]), str(table["value_measure"].iloc[0])
    out = table[params].copy()
    out["strategy"] = [strategy_label(str(s)) for s in table["strategy"]]
    out[f"{value} (95% CI)"] = [
        f"{_money(m)} [{_money(lo)}, {_money(hi)}]" if lo == lo else _money(m)
        for m, lo, hi in zip(table["value"], table["value_low"], table["value_high"], strict=True)
    ]
    out[cost] = [_money(v) for v in table["cost"]]
    if cost == "team_cost" and "strategy_cost" in table.columns:
        out["strategy_cost"] = [_money(v) for v in table["strategy_cost"]]
    out["efficient"] = ["yes" if e else "" for e in table["efficient"]]
    out["return per extra cost"] = [
        "" if m != m else f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if lo == lo else f"{m:.3g}"
        for m, lo, hi in zip(
            table["marginal_return"], table["marginal_low"], table["marginal_high"], strict=True
        )
    ]
    return out
