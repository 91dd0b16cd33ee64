"""Solvers of notebook 07, diagnose a simulated portfolio: NRR from summaries and from events.

The answers come from :func:`~simkit.teaching.datasets.table` ``("portfolio")``, two
simulated years of the default book, so they move whenever the engine's numbers move.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from simkit.analysis import metrics as m
from simkit.analysis.summary import run_summary, summarize
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, pct, solves


@cache
def yearly() -> pd.DataFrame:
    """The portfolio's yearly figures, with each ARR movement as a share of the start ARR."""
    t = summarize(table("portfolio"), by=[], period="Y")
    for col in ("expansion", "contraction", "churned_arr"):
        t[col + "_pct"] = 100 * t[col] / t["start_arr"]
    return t


@solves("sim-nrr-year2")
def sim_nrr_year2() -> Facts:
    """NRR of the second simulated year."""
    t = yearly()
    return dict(answer=float(t["nrr"].iloc[1]), year1=float(t["nrr"].iloc[0]),
                grr2=float(t["grr"].iloc[1]),
                mean=float(run_summary(table("portfolio"))["nrr"]))  # fmt: skip


@solves("sim-nrr-from-events")
def sim_nrr_from_events() -> Facts:
    """NRR of the first year, rebuilt from the event log of the year-start customers."""
    ev = table("portfolio").events
    cohort = ev[(ev["event"] == "init") & ev["stage_after"].isin(["customer", "loyal"])]
    in_year = (ev["time"] > 0) & (ev["time"] <= 365)
    year = ev[in_year & ev["account"].isin(cohort["account"])]

    def moved(frame: pd.DataFrame, *kinds: str) -> float:
        return float(frame.loc[frame["event"].isin(kinds), "arr_change"].sum())

    start = float(cohort["arr"].sum())
    exp, con, churn = (
        moved(year, "upsell"),
        -moved(year, "contract"),
        -moved(year, "churn", "defect"),
    )
    new = moved(ev[in_year], "convert")
    return dict(answer=m.net_revenue_retention(start, exp, con, churn), start=start,
                with_new=pct(start + exp - con - churn + new, start),
                churn_only=m.net_revenue_retention(start, exp, con, -moved(year, "churn")),
                grr=m.gross_revenue_retention(start, con, churn),
                summary_nrr=float(yearly()["nrr"].iloc[0]))  # fmt: skip


def nrr_change() -> Facts:
    """How each ARR movement moved NRR from year 1 to year 2, in points, and the worst one."""
    t = yearly()
    year1, year2 = t.iloc[0], t.iloc[1]
    # effect of each movement on NRR, in points: expansion adds, contraction and churn subtract
    effect = {
        "b": float(year2["expansion_pct"] - year1["expansion_pct"]),
        "c": -float(year2["contraction_pct"] - year1["contraction_pct"]),
        "d": -float(year2["churned_arr_pct"] - year1["churned_arr_pct"]),
    }
    worst = min(effect, key=effect.__getitem__)
    verdicts = {
        k: "the biggest fall of the three movements"
        if k == worst
        else "compare it with the other two movements; one moved NRR further"
        for k in effect
    }
    return dict(worst=worst, nrr1=float(year1["nrr"]),
                nrr2=float(year2["nrr"]), e1=float(year1["expansion_pct"]),
                e2=float(year2["expansion_pct"]), c1=float(year1["contraction_pct"]),
                c2=float(year2["contraction_pct"]), ch1=float(year1["churned_arr_pct"]),
                ch2=float(year2["churned_arr_pct"]), d_exp=effect["b"], d_con=effect["c"],
                d_churn=effect["d"], verdict_b=verdicts["b"], verdict_c=verdicts["c"],
                verdict_d=verdicts["d"],
                logo_change=float(year2["churn_rate"] - year1["churn_rate"]),
                money_change=float(year2["churned_arr"] - year1["churned_arr"]))  # fmt: skip


@solves("sim-nrr-drop-cause")
def sim_nrr_drop_cause() -> Facts:
    """Which movement pulled NRR down most (a letter)."""
    f = nrr_change()
    return {**f, "answer": f["worst"]}


@solves("sim-churn-points")
def sim_churn_points() -> Facts:
    """How many NRR points the change in churned ARR cost."""
    f = nrr_change()
    return {**f, "answer": f["d_churn"]}
