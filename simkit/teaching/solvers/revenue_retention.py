"""Solvers of notebook 04, revenue retention: NRR, GRR, expansion and logo retention."""

from __future__ import annotations

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, pct, solves

answer_is("logo-vs-grr", "a")


def revenue_book() -> Facts:
    """One quarter of a 100,000 book: expansion, contraction, churn and new business."""
    start, exp, con, churn, new = 100_000, 20_000, 5_000, 10_000, 25_000
    nrr = m.net_revenue_retention(start, exp, con, churn)
    return dict(start=start, exp=exp, con=con, churn=churn, new=new, nrr=nrr,
                grr=m.gross_revenue_retention(start, con, churn),
                with_new=pct(start + exp + new - con - churn, start),
                grr_no_con=pct(start - churn, start), grr_no_churn=pct(start - con, start),
                lost_share=pct(con + churn, start),
                added_losses=pct(start + exp + con + churn, start),
                no_losses=pct(start + exp, start), net_growth=nrr - 100)  # fmt: skip


@solves("grr-formula")
def grr_formula() -> Facts:
    """GRR of :func:`revenue_book`."""
    f = revenue_book()
    return {**f, "answer": f["grr"]}


@solves("nrr-formula")
def nrr_formula() -> Facts:
    """NRR of :func:`revenue_book`."""
    f = revenue_book()
    return {**f, "answer": f["nrr"]}


def mrr_book() -> Facts:
    """The movements of the ``mrr`` table: who grew, shrank, left or is new."""
    t = table("mrr")
    s, e = t["mrr_start"], t["mrr_end"]
    had = s > 0
    expansion = float((e - s)[had & (e > s)].sum())
    contraction = float((s - e)[had & (e > 0) & (e < s)].sum())
    churned, new, start = float(s[had & (e == 0)].sum()), float(e[~had].sum()), float(s.sum())
    logos, kept = int(had.sum()), int((had & (e > 0)).sum())
    return dict(new=new, expansion=expansion, contraction=contraction, churned=churned,
                start=start, with_new=expansion + new, net_retained=expansion - contraction,
                book_change=float(e.sum() - s.sum()),
                nrr=m.net_revenue_retention(start, expansion, contraction, churned),
                grr=m.gross_revenue_retention(start, contraction, churned),
                end_over_start=pct(float(e.sum()), start), logos=logos, kept=kept,
                logo=m.logo_retention(logos, kept),
                logo_with_new=pct(int((e > 0).sum()), logos),
                lost_logos=pct(logos - kept, logos))  # fmt: skip


@solves("mrr-expansion")
def mrr_expansion() -> Facts:
    """Expansion MRR of :func:`mrr_book`."""
    f = mrr_book()
    return {**f, "answer": f["expansion"]}


@solves("nrr-table")
def nrr_table() -> Facts:
    """NRR of :func:`mrr_book`."""
    f = mrr_book()
    return {**f, "answer": f["nrr"]}


@solves("logo-retention-table")
def logo_retention_table() -> Facts:
    """Logo retention of :func:`mrr_book`."""
    f = mrr_book()
    return {**f, "answer": f["logo"]}
