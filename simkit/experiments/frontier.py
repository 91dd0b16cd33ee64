"""The cost-vs-revenue frontier: which strategy and team size buy the most for the money.

Every option -- a strategy at a team size (and at any other grid point of a sweep) -- has a
cost and a value, each a mean over replications with a 95 % confidence interval. An option is
*efficient* when no other option costs less and earns more; the efficient options form the
frontier, and a manager should only ever pick from it. Along team size, the *marginal
return* says what one more step buys: extra value divided by extra cost, so a marginal
return above 1 on revenue means the extra managers more than pay for themselves.

Which cost?
    ``team_cost`` is **headcount cost**: managers x salary, per year (fully loaded). It is
    what adding a manager really costs -- you pay for the whole week, busy or idle --
    so it is the cost used whenever the team (size, hours or rate) varies in the data.
    ``strategy_cost`` is **hours worked x cost per hour**: the share of the team's time a
    strategy actually uses. With a fixed team every strategy has the same headcount cost,
    so hours worked is then the cost that tells strategies apart. ``cost="auto"`` picks
    accordingly; the table always carries both, and the figure
    (:func:`simkit.viz.frontier.frontier_plot`) draws both when team cost is the chosen one.

Options are only compared within the same *conditions*: grid fields outside ``team.*`` (a
bigger portfolio, a different market) are not choices a manager makes, so each combination
of them gets its own frontier.

This module computes the table (:func:`frontier_table`) and its text form
(:func:`format_frontier`); it draws nothing and loads no plotting library. The figure is
:func:`simkit.viz.frontier.frontier_plot`.

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

import numpy as np
import pandas as pd

from simkit.analysis.stats import confidence_interval
from simkit.analysis.summary import HEADLINE
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import strategy_label

COSTS = {
    "team_cost": "Team cost (managers x salary, per year)",
    "strategy_cost": "Strategy cost (hours worked x cost/hour, per year)",
}
"""Cost measures and their labels: headcount cost and hours-worked cost."""

TEAM_FIELDS = ("team.managers", "team.hours_per_week", "team.cost_per_hour")
"""Grid fields that change the headcount cost."""


def grid_columns(df: pd.DataFrame) -> list[str]:
    """Grid columns of a table of runs: dotted scenario fields or top-level scenario fields.

    >>> grid_columns(pd.DataFrame(columns=["team.managers", "strategy", "revenue"]))
    ['team.managers']
    """
    fields = set(Scenario.model_fields)
    return [
        c
        for c in df.columns
        if isinstance(c, str) and c not in ("strategy", "replication") and ("." in c or c in fields)
    ]


def measure_label(measure: str) -> str:
    """How a cost or value column is labelled for people (e.g. on a figure's axis).

    >>> measure_label("team_cost"), measure_label("revenue"), measure_label("my_figure")
    ('Team cost (managers x salary, per year)', 'Revenue (per year)', 'my figure')
    """
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


def efficient(cost: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Which options are efficient: no other option costs no more and earns no less (and
    beats it on one of the two). Options with a NaN cost or value are never efficient.

    >>> efficient(np.array([1.0, 2.0, 2.0, 3.0]), np.array([5.0, 4.0, 6.0, 6.0])).tolist()
    [True, False, True, False]
    """
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
    sweep_df : one row per run, as returned by :func:`simkit.experiments.sweep.sweep` (grid
        fields, ``strategy``, ``replication``, run figures) or ``compare(...).runs``.
    cost : ``"team_cost"`` (headcount), ``"strategy_cost"`` (hours worked), another numeric
        column, or ``"auto"`` (team cost when the team varies in the data; see the module).
    value : what the money buys: ``"revenue"`` or ``"gross_profit"`` (per year), ``"end_arr"``,
        ``"nrr"``...
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
    params = grid_columns(sweep_df)
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
        flags = efficient(sub["cost"].to_numpy(float), sub["value"].to_numpy(float))
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
    params = table.attrs.get("params") or grid_columns(table)
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
