"""Solvers of notebook 01, retention and churn: start counts, end counts and new clients."""

from __future__ import annotations

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, pct, solves

answer_is("retention-interpret", "b")


@solves("retention-formula")
def retention_formula() -> Facts:
    """Retention from 100 clients at the start, 105 at the end, 10 of them new."""
    start, end, new = 100, 105, 10
    ok = m.retention_rate(start, end, new)
    return dict(answer=ok, start=start, end=end, new=new, churn=100 - ok,
                kept_new=pct(end, start), by_end=pct(end - new, end),
                added_new=pct(end + new, start))  # fmt: skip


@solves("churn-formula")
def churn_formula() -> Facts:
    """Churn of 240 clients of whom 18 left while 30 joined."""
    start, lost, new = 240, 18, 30
    end = start - lost + new
    return dict(answer=m.churn_rate(lost, start), start=start, lost=lost, new=new, end=end,
                by_end=pct(lost, end), retention=m.retention_rate(start, end, new),
                new_share=pct(new, start), net_change=pct(end - start, start))  # fmt: skip


@solves("retention-table")
def retention_table() -> Facts:
    """Retention counted from the ``clients`` table (client at the start? at the end?)."""
    t = table("clients")
    start, end = int(t["client_at_start"].sum()), int(t["client_at_end"].sum())
    new = int((~t["client_at_start"] & t["client_at_end"]).sum())
    ok = m.retention_rate(start, end, new)
    return dict(answer=ok, start=start, end=end, new=new, rows=len(t), churn=100 - ok,
                kept_new=pct(end, start), by_end=pct(end - new, end),
                all_rows=pct(end - new, len(t)))  # fmt: skip


@solves("churn-by-segment")
def churn_by_segment() -> Facts:
    """Churn of the small accounts in the ``clients`` table."""
    t = table("clients")
    lost = t["client_at_start"] & ~t["client_at_end"]
    small = t["segment"] == "small"
    start = int((t["client_at_start"] & small).sum())
    n_lost = int((lost & small).sum())
    ok = m.churn_rate(n_lost, start)
    return dict(answer=ok, start=start, lost=n_lost, retention=100 - ok,
                whole_book=m.churn_rate(int(lost.sum()), int(t["client_at_start"].sum())),
                over_all=pct(n_lost, int(t["client_at_start"].sum())),
                over_rows=pct(n_lost, int(small.sum())))  # fmt: skip
