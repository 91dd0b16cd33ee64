"""Does the ranking of the strategies flip inside an assumption's plausible range?

A sensitivity analysis (:mod:`simkit.experiments.sensitivity`) measures how much each
assumption moves each strategy's figures. A manager needs one more answer: can the
assumption change *which strategy is best*? Two strategies *swap places* when one is ahead at
one setting of the assumption and behind at another, the other assumptions unchanged.
:func:`ranking_flips` finds the swaps in a table of values arranged in *comparisons* (sets of
settings that differ only by one assumption); :func:`result_flips` arranges a sensitivity
result that way: one comparison per assumption for one-at-a-time designs (low end, centre,
high end), one per Morris step (the points before and after the step).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd


class SensitivityResult(Protocol):
    """What :func:`result_flips` reads of a
    :class:`simkit.experiments.sensitivity.SensitivityResult` (not imported here: that module
    imports this one)."""

    method: str
    parameters: Sequence[Any]
    design: pd.DataFrame
    runs: pd.DataFrame

    def points(self) -> pd.DataFrame: ...


__all__ = ["noise_tolerance", "ranking_flips", "result_flips"]


def ranking_flips(values: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """Find, per parameter, pairs of strategies that swap places between positions.

    ``values`` has one row per (``parameter``, ``comparison``, ``position``, ``strategy``)
    with the metric in ``value``: a *comparison* is a set of positions that differ only by
    the parameter (OAT: its low end, the centre and its high end; Morris: the two points of
    one step). Two strategies *swap* in a comparison when one is ahead by more than
    ``tolerance`` at one position and behind by more than ``tolerance`` at another.

    Returns one row per parameter: ``flips`` (any swap), ``share`` (share of its
    comparisons with a swap) and ``pairs`` (the swapping strategies, ``"a/b; c/d"``).

    >>> v = pd.DataFrame({
    ...     "parameter": ["x"] * 4 + ["y"] * 4, "comparison": [0] * 8,
    ...     "position": ["low", "low", "high", "high"] * 2,
    ...     "strategy": ["a", "b"] * 4,
    ...     "value": [1.0, 2.0, 3.0, 2.5,   1.0, 2.0, 1.5, 2.5]})
    >>> ranking_flips(v)[["parameter", "flips", "pairs"]].values.tolist()
    [['x', True, 'a/b'], ['y', False, '']]
    """
    need = {"parameter", "comparison", "position", "strategy", "value"}
    missing = need - set(values.columns)
    if missing:
        raise ValueError(
            f"ranking_flips needs the columns {sorted(need)}; missing {sorted(missing)}"
        )
    rows = []
    for parameter, sub in values.groupby("parameter", sort=False):
        swapped_pairs: set[tuple[str, str]] = set()
        comparisons = 0
        swapped = 0
        for _, comp in sub.groupby("comparison", sort=False):
            wide = comp.pivot_table(index="position", columns="strategy", values="value")
            strategies = list(wide.columns)
            here: set[tuple[str, str]] = set()
            for i, a in enumerate(strategies):
                for b in strategies[i + 1 :]:
                    gap = (wide[a] - wide[b]).to_numpy(dtype=float)
                    if (gap > tolerance).any() and (gap < -tolerance).any():
                        here.add((a, b))
            comparisons += 1
            swapped += bool(here)
            swapped_pairs |= here
        rows.append(
            {"parameter": parameter, "flips": bool(swapped_pairs),
             "share": swapped / comparisons if comparisons else math.nan,
             "pairs": "; ".join(f"{a}/{b}" for a, b in sorted(swapped_pairs))}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["parameter", "flips", "share", "pairs"])


def _comparisons(result: SensitivityResult, metric: str) -> pd.DataFrame:
    """The values of ``metric`` arranged for :func:`ranking_flips`."""
    means = result.points()[["point", "strategy", metric]].rename(columns={metric: "value"})
    d = result.design
    if result.method == "oat":
        frames = []
        for p in result.parameters:
            pts = d[(d["moved"] == p.field) | (d["point"] == 0)][["point", "position"]]
            frames.append(pts.assign(parameter=p.field, comparison=0))
        keys = pd.concat(frames, ignore_index=True)
    else:
        X = d[[p.field for p in result.parameters]].to_numpy(dtype=float)
        frames = []
        for i in range(1, len(X)):
            if d["step"].iloc[i] == 0:  # a new trajectory starts: no step to compare
                continue
            moved = int(np.argmax(np.abs(X[i] - X[i - 1])))
            frames.append(
                pd.DataFrame(
                    {
                        "point": [i - 1, i],
                        "position": ["before", "after"],
                        "parameter": result.parameters[moved].field,
                        "comparison": i,
                    }
                )  # fmt: skip
            )
        keys = pd.concat(frames, ignore_index=True)
    return keys.merge(means, on="point")


def noise_tolerance(runs: pd.DataFrame, metric: str) -> float:
    """Twice the standard error of the paired difference between two strategies' ``metric``,
    from the replications at each design point (pooled over points and pairs): a swap
    smaller than this is within the noise of the replications. 0 with one replication.

    >>> runs = pd.DataFrame({"point": [0] * 4, "replication": [0, 0, 1, 1],
    ...                      "strategy": ["a", "b"] * 2, "nrr": [90.0, 91.0, 92.0, 91.0]})
    >>> noise_tolerance(runs, "nrr")    # differences -1 and +1: sd sqrt(2), se 1
    2.0
    """
    wide = runs.pivot_table(index=["point", "replication"], columns="strategy", values=metric)
    reps = runs["replication"].nunique()
    if reps < 2 or wide.shape[1] < 2:
        return 0.0
    variances = []
    strategies = list(wide.columns)
    for i, a in enumerate(strategies):
        for b in strategies[i + 1 :]:
            gap = (wide[a] - wide[b]).groupby(level="point").var(ddof=1)
            variances.append(gap.to_numpy(dtype=float))
    pooled = float(np.nanmean(np.concatenate(variances)))
    return 2.0 * math.sqrt(pooled / reps) if pooled == pooled else 0.0


def result_flips(result: SensitivityResult, tolerance: float | str = "noise") -> pd.DataFrame:
    """Per (assumption, metric) of a sensitivity result: whether the ranking of its
    strategies by ``nrr`` or ``profit`` flips beyond ``tolerance`` (``"noise"``: the
    :func:`noise_tolerance` of each metric; see
    :meth:`simkit.experiments.sensitivity.SensitivityResult.flips`)."""
    if isinstance(tolerance, str) and tolerance != "noise":
        raise ValueError(f"tolerance must be a number >= 0 or 'noise', got {tolerance!r}")
    if not isinstance(tolerance, str) and not tolerance >= 0:
        raise ValueError(f"tolerance must be a number >= 0 or 'noise', got {tolerance!r}")
    frames = []
    means = result.points()
    for metric in ("nrr", "profit"):
        tol = noise_tolerance(result.runs, metric) if tolerance == "noise" else float(tolerance)
        found = ranking_flips(_comparisons(result, metric), tol)
        if result.method == "oat":
            centre = means[means["point"] == 0].set_index("strategy")[metric]
        else:
            centre = means.groupby("strategy")[metric].mean()
        ranking = " > ".join(centre.sort_values(ascending=False, kind="stable").index)
        frames.append(found.assign(metric=metric, ranking=ranking, tolerance=tol))
    out = pd.concat(frames, ignore_index=True)
    order = {p.field: i for i, p in enumerate(result.parameters)}
    out = out.assign(_p=out["parameter"].map(order)).sort_values(["_p", "metric"], kind="stable")
    cols = ["parameter", "metric", "flips", "share", "pairs", "ranking", "tolerance"]
    return out[cols].reset_index(drop=True)
