"""Tables for a terminal: ``simkit run`` and ``simkit compare`` print figures with them.

A terminal is narrow, so a cell is ``mean ±half-width`` of the 95 % confidence interval, in
the unit that suits the mean (``14.82M ±0.97M``, ``312.0k ±44.6k``, ``84.5 ±1.8``); a
figure of one run (no interval) is written in full (``16,163,247``).

>>> cell(14_820_000.0, 13_850_000.0, 15_790_000.0), cell(16_163_247.0)
('14.82M ±0.97M', '16,163,247')
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["cell", "compact_table", "figure_lines"]


def _with_unit(mean: float, half: float) -> str:
    """``mean ±half`` in the unit that suits the mean (M, k or plain)."""
    a = abs(mean)
    scale, unit, digits = (1e6, "M", 2) if a >= 1e6 else (1e3, "k", 1) if a >= 1e4 else (1, "", 1)
    return f"{mean / scale:,.{digits}f}{unit} ±{half / scale:,.{digits}f}{unit}"


def cell(mean: float, low: float = math.nan, high: float = math.nan) -> str:
    """One figure as text: ``mean ±half-width`` with an interval, the plain mean without,
    ``n/a`` when the figure is undefined (NaN).

    >>> cell(98.25, 96.0, 100.5), cell(12.34), cell(float("nan"))
    ('98.2 ±2.2', '12.3', 'n/a')
    """
    if mean != mean:
        return "n/a"
    if low != low or high != high:
        return f"{mean:,.0f}" if abs(mean) >= 1000 else f"{mean:.1f}"
    return _with_unit(mean, (high - low) / 2)


def compact_table(table: pd.DataFrame) -> pd.DataFrame:
    """Figures as rows, strategies as columns, cells ``mean ±half-width`` (fits a terminal).

    ``table`` has the columns of :meth:`simkit.experiments.compare.Comparison.table`.

    >>> t = pd.DataFrame({"strategy": ["a"], "metric": ["nrr"], "label": ["NRR (%/yr)"],
    ...                   "mean": [98.25], "ci_low": [96.0], "ci_high": [100.5]})
    >>> compact_table(t).loc["NRR (%/yr)", "a"]
    '98.2 ±2.2'
    """
    cells = [
        cell(m, lo, hi)
        for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
    ]
    wide = table.assign(cell=cells).pivot(index="label", columns="strategy", values="cell")
    wide.columns.name = None
    wide.index.name = None
    return wide.reindex(
        index=list(dict.fromkeys(table["label"])), columns=list(dict.fromkeys(table["strategy"]))
    )


def figure_lines(table: pd.DataFrame) -> list[str]:
    """One strategy's figures, one indented ``label  value`` line each, values aligned.

    >>> t = pd.DataFrame({"label": ["NRR", "Revenue"], "mean": [98.25, 1e6],
    ...                   "ci_low": [math.nan] * 2, "ci_high": [math.nan] * 2})
    >>> figure_lines(t)
    ['  NRR      98.2', '  Revenue  1,000,000']
    """
    width = max((len(str(label)) for label in table["label"]), default=0)
    return [
        f"  {label:<{width}}  {cell(m, lo, hi)}"
        for label, m, lo, hi in zip(
            table["label"], table["mean"], table["ci_low"], table["ci_high"], strict=True
        )
    ]
