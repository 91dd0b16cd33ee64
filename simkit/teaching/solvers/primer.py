"""Solvers of notebook 00, the pandas primer: the table moves the metric exercises need.

Every answer is read from the ``book`` table (19 accounts: segment, ARR, health, renewed)
the way the notebook teaches -- a column, a row, a True/False mask and its ``.sum()`` or
``.mean()``, ``.isin``, ``&`` and ``~``, ``groupby`` -- and so is every wrong answer a hint
is aimed at (``<=`` for ``<``, a count for a share, one segment of two...).
"""

from __future__ import annotations

from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, solves

answer_is("primer-mask-meaning", "a")

ACCOUNT = "B09"
"""The account whose ARR the first exercise asks for."""

LOW_HEALTH = 50
"""Health below this counts as low (the threshold of the alert strategies)."""


@solves("primer-select")
def primer_select() -> Facts:
    """The ARR of one account: a row chosen by a column's value, then one column."""
    t = table("book")
    row = t[t["account"] == ACCOUNT].iloc[0]
    position = int(row.name)
    return dict(answer=float(row["arr"]), account=ACCOUNT, position=position,
                health=float(row["health"]),
                off_by_one=float(t["arr"].iloc[int(ACCOUNT[1:])]))  # fmt: skip


@solves("primer-count")
def primer_count() -> Facts:
    """How many accounts have low health: ``.sum()`` of a True/False mask counts the True."""
    t = table("book")
    low = t["health"] < LOW_HEALTH
    return dict(answer=int(low.sum()), rows=len(t), threshold=LOW_HEALTH,
                at_or_below=int((t["health"] <= LOW_HEALTH).sum()),
                healthy=int((~low).sum()),
                summed_health=float(t.loc[low, "health"].sum()))  # fmt: skip


@solves("primer-share")
def primer_share() -> Facts:
    """The share of accounts that renewed: ``.mean()`` of a True/False column, times 100."""
    t = table("book")
    renewed = int(t["renewed"].sum())
    share = 100.0 * float(t["renewed"].mean())
    return dict(answer=share, renewed=renewed, rows=len(t), count=renewed,
                not_renewed=100.0 - share)  # fmt: skip


@solves("primer-isin")
def primer_isin() -> Facts:
    """The ARR of the key and enterprise accounts together: ``.isin`` for "one of these"."""
    t = table("book")
    arr = t.groupby("segment")["arr"].sum()
    both = float(t.loc[t["segment"].isin(["key", "enterprise"]), "arr"].sum())
    return dict(answer=both, key_only=float(arr["key"]), enterprise_only=float(arr["enterprise"]),
                whole_book=float(t["arr"].sum()))  # fmt: skip


@solves("primer-and")
def primer_and() -> Facts:
    """Small accounts that did not renew: two masks joined with ``&``, one turned with ``~``."""
    t = table("book")
    small, lost = t["segment"] == "small", ~t["renewed"]
    return dict(answer=int((small & lost).sum()), small=int(small.sum()),
                all_lost=int(lost.sum()), either=int((small | lost).sum()))  # fmt: skip


@solves("primer-groupby")
def primer_groupby() -> Facts:
    """The lowest renewal rate of any segment: ``groupby`` then ``.mean()`` per group."""
    t = table("book")
    by_segment = t.groupby("segment")["renewed"]
    rates = 100.0 * by_segment.mean()
    worst = str(rates.idxmin())
    return dict(answer=float(rates.min()), worst=worst, best=str(rates.idxmax()),
                highest=float(rates.max()), overall=100.0 * float(t["renewed"].mean()),
                fewest=float(by_segment.sum().min()),
                lost_in_worst=int((~t.loc[t["segment"] == worst, "renewed"]).sum()))  # fmt: skip
