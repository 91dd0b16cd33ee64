"""Does a strategy pay? Its return against a baseline: extra gross profit per unit of extra cost.

A strategy that makes managers work more costs more; it pays if what it brings back, in
*profit*, is more than that. Revenue is the wrong yardstick: a strategy that wins revenue
at no margin (discounts, costly custom work) would look like a winner. So the return of a
strategy against a baseline is, per year,

.. math:: \\text{return} = \\frac{\\text{extra gross profit per year}}{\\text{extra cost per year}}

where the extra cost is the cost of the extra hours worked (hours x cost per hour: the
``strategy_cost`` figure) and, when the two were run with teams of different sizes, the
extra paid headcount too (``team_cost``). A return of 1 means the extra work pays for
itself; 2 means each unit spent brings back two of gross profit.

Both strategies run over the same replications (common random numbers), so the extra
profit and the extra cost are taken replication by replication, and the return gets a
95 % interval from Fieller's theorem (:func:`simkit.analysis.stats.ratio_interval`). When
the extra cost is not clearly positive -- the strategy costs about the same as the
baseline, or less -- a ratio means nothing (a tiny denominator makes any number), so the
return is NaN and the ``reason`` column says why.

>>> import pandas as pd
>>> runs = pd.DataFrame({
...     "strategy": ["base"] * 3 + ["busy"] * 3, "replication": [0, 1, 2] * 2,
...     "gross_profit": [100.0, 110.0, 90.0, 130.0, 138.0, 122.0],
...     "strategy_cost": [10.0, 11.0, 9.0, 20.0, 21.5, 18.5]})
>>> r = strategy_return(runs, "base").iloc[0].to_dict()
>>> r["strategy"], r["extra_gross_profit_per_year"], r["extra_cost_per_year"], r["return"]
('busy', 30.0, 10.0, 3.0)
>>> bool(r["low"] < 3.0 < r["high"]), r["reason"]
(True, '')
"""

from __future__ import annotations

import pandas as pd

from simkit.analysis.stats import ratio_interval

__all__ = ["RETURN_COLUMNS", "RETURN_DESCRIPTION", "RETURN_LABEL", "strategy_return"]

RETURN_COLUMNS = (
    "strategy",
    "baseline",
    "extra_gross_profit_per_year",
    "extra_cost_per_year",
    "return",
    "low",
    "high",
    "n",
    "cost",
    "reason",
)
"""The columns of :func:`strategy_return`, in order."""

RETURN_LABEL = "Return: extra gross profit per unit of extra cost (per year)"
"""How the return is named for people."""

RETURN_DESCRIPTION = (
    "Extra gross profit per year over extra cost per year against the baseline, paired by "
    "replication, with a Fieller interval. Cost: hours worked x cost per hour, plus the paid "
    "headcount when the team sizes differ. NaN, with a reason, when the extra cost is not "
    "clearly positive."
)
"""What the return is, in one paragraph."""

_NEEDED = ("strategy", "replication", "gross_profit", "strategy_cost")
_TOLERANCE = 1e-9


def _paired(frame: pd.DataFrame, column: str, baseline: pd.DataFrame) -> pd.Series:
    """``frame[column] - baseline[column]``, replication by replication."""
    return frame[column].sub(baseline[column])


def strategy_return(runs: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """Each strategy's return against ``baseline``: extra gross profit per year over extra
    cost per year, with its interval.

    Parameters
    ----------
    runs : one row per (strategy, replication) with the run's figures per year:
        ``strategy``, ``replication``, ``gross_profit``, ``strategy_cost`` and, optionally,
        ``team_cost`` (the paid headcount; counted when it differs from the baseline's) --
        e.g. :attr:`simkit.experiments.compare.Comparison.runs`.
    baseline : the strategy to compare against.
    level : the level of the intervals (0.95: 95 %).

    Returns
    -------
    DataFrame
        One row per other strategy, in the order of ``runs``, with the columns of
        :data:`RETURN_COLUMNS`: ``extra_gross_profit_per_year`` and
        ``extra_cost_per_year`` (mean paired differences), ``return`` (their ratio),
        ``low`` and ``high`` (its Fieller interval), ``n`` (replications paired), ``cost``
        (what the extra cost counts) and ``reason`` (why there is no return, else empty).
    """
    missing = [c for c in _NEEDED if c not in runs.columns]
    if missing:
        raise ValueError(
            f"runs needs the columns {', '.join(_NEEDED)} (one row per strategy and "
            f"replication, figures per year); missing {', '.join(missing)}"
        )
    strategies = list(dict.fromkeys(runs["strategy"]))
    if baseline not in strategies:
        raise ValueError(f"baseline {baseline!r} is not one of the strategies {strategies}")
    if runs.duplicated(["strategy", "replication"]).any():
        raise ValueError("runs must have one row per strategy and replication")
    base = runs[runs["strategy"] == baseline].set_index("replication")
    rows = []
    for strategy in strategies:
        if strategy == baseline:
            continue
        sub = runs[runs["strategy"] == strategy].set_index("replication")
        gain = _paired(sub, "gross_profit", base)
        cost = _paired(sub, "strategy_cost", base)
        what = "hours worked"
        if "team_cost" in runs.columns:
            team = _paired(sub, "team_cost", base)
            if (team.abs() > _TOLERANCE * (1 + base["team_cost"].abs().max())).any():
                cost = cost + team
                what = "hours worked + paid headcount"
        pairs = pd.concat([gain, cost], axis=1, join="inner").dropna()
        ratio = ratio_interval(pairs.iloc[:, 0], pairs.iloc[:, 1], level)
        rows.append(
            {
                "strategy": strategy,
                "baseline": baseline,
                "extra_gross_profit_per_year": float(pairs.iloc[:, 0].mean()),
                "extra_cost_per_year": float(pairs.iloc[:, 1].mean()),
                "return": ratio.ratio,
                "low": ratio.low,
                "high": ratio.high,
                "n": ratio.n,
                "cost": what,
                "reason": ratio.reason,
            }
        )
    return pd.DataFrame(rows, columns=list(RETURN_COLUMNS))
