"""Solvers of notebook 02, customer lifetime value: simple, from churn, and discounted."""

from __future__ import annotations

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, solves

answer_is("clv-interpret", "b")


@solves("clv-simple")
def clv_simple() -> Facts:
    """CLV of a client paying 10,000 a year for 5 years, 5,000 to acquire."""
    rev, years, cac = 10_000, 5, 5_000
    return dict(answer=m.customer_lifetime_value(rev, years, cac), rev=rev, years=years,
                cac=cac, no_cac=rev * years, plus_cac=rev * years + cac,
                cac_yearly=(rev - cac) * years)  # fmt: skip


@solves("clv-from-churn")
def clv_from_churn() -> Facts:
    """CLV when the lifetime is not given but follows from 20 % yearly churn."""
    rev, churn_pct, cac = 12_000, 20.0, 6_000
    life = 1 / (churn_pct / 100)
    return dict(answer=m.customer_lifetime_value(rev, life, cac), rev=rev, churn_pct=churn_pct,
                cac=cac, life=life, no_cac=rev * life, churn_as_pct=rev / churn_pct - cac,
                times_churn=rev * churn_pct - cac,
                retention_as_life=rev * (1 - churn_pct / 100) - cac,
                inverse_retention=rev / (1 - churn_pct / 100) - cac)  # fmt: skip


@solves("clv-table")
def clv_table() -> Facts:
    """Total lifetime value of the book in the ``segments`` table."""
    t = table("segments")
    life = 100 / t["churn_pct"]
    clv = t["avg_revenue"] * life - t["acquisition_cost"]
    wrong_life = t["avg_revenue"] * t["churn_pct"] - t["acquisition_cost"]
    return dict(answer=float((clv * t["accounts"]).sum()), no_accounts=float(clv.sum()),
                no_cac=float((t["avg_revenue"] * life * t["accounts"]).sum()),
                churn_as_life=float((wrong_life * t["accounts"]).sum()),
                best=str(t.loc[(clv * t["accounts"]).idxmax(), "segment"]))  # fmt: skip


@solves("discounted-clv")
def discounted_clv() -> Facts:
    """Discounted CLV forever: margin 100, retention 0.8, discount rate 0.1."""
    margin, r, i = 100, 0.8, 0.1
    return dict(answer=m.discounted_clv(margin, r, i), no_discount=margin * r / (1 - r),
                lifetime=margin / (1 - r), no_r_on_top=margin / (1 + i - r),
                r_up=m.discounted_clv(margin, 0.9, i))  # fmt: skip


@solves("discounted-clv-horizon")
def discounted_clv_horizon() -> Facts:
    """The same discounted CLV over three years only."""
    margin, r, i, t = 100, 0.8, 0.1, 3
    return dict(answer=m.discounted_clv(margin, r, i, periods=t),
                forever=m.discounted_clv(margin, r, i), flat=margin * t,
                undiscounted=sum(margin * r**k for k in range(1, t + 1)),
                no_retention=sum(margin / (1 + i) ** k for k in range(1, t + 1)))  # fmt: skip
