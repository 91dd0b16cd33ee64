"""Solvers of notebook 05, growth, upsell and renewal rates."""

from __future__ import annotations

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, pct, solves

answer_is("renewal-interpret", "b")


@solves("revenue-growth")
def revenue_growth() -> Facts:
    """Growth from 50,000 to 60,000."""
    a, b = 50_000, 60_000
    return dict(answer=m.revenue_growth(a, b), by_end=pct(b - a, b), diff=b - a,
                ratio=pct(b, a))  # fmt: skip


@solves("book-growth-table")
def book_growth_table() -> Facts:
    """Growth of the whole book in the ``revenue`` table (not the mean of the rates)."""
    t = table("revenue")
    a, b = t["revenue_last_year"], t["revenue_this_year"]
    per = 100 * (b - a) / a
    return dict(answer=m.revenue_growth(float(a.sum()), float(b.sum())),
                mean_of_rates=float(per.mean()), diff=float(b.sum() - a.sum()),
                best=str(t.loc[per.idxmax(), "account"]))  # fmt: skip


@solves("upsell-rate")
def upsell_rate() -> Facts:
    """Upsell success: 6 of 10 offers accepted."""
    won, tried = 6, 10
    return dict(answer=m.upsell_rate(won, tried), over_lost=pct(won, tried - won),
                fail=pct(tried - won, tried))  # fmt: skip


@solves("upsell-table")
def upsell_table() -> Facts:
    """Upsell success of the pitches to accounts with health under 50 (``pitches``)."""
    t = table("pitches")
    won, low = t["outcome"] == "won", t["health"] < 50
    return dict(answer=m.upsell_rate(int((won & low).sum()), int(low.sum())),
                pitches=int(low.sum()),
                high_rate=m.upsell_rate(int((won & ~low).sum()), int((~low).sum())),
                overall=m.upsell_rate(int(won.sum()), len(t)),
                over_all_pitches=pct(int((won & low).sum()), len(t)))  # fmt: skip


@solves("renewal-rate")
def renewal_rate() -> Facts:
    """Renewal rate: 90 of the 100 contracts due renewed (400 clients in all)."""
    clients, due, renewed = 400, 100, 90
    return dict(answer=m.renewal_rate(renewed, due), clients=clients, due=due, renewed=renewed,
                over_clients=pct(renewed, clients),
                not_renewed=pct(due - renewed, due))  # fmt: skip
