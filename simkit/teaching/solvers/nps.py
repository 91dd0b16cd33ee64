"""Solvers of notebook 03, net promoter score: from shares, from scores, by segment."""

from __future__ import annotations

import numpy as np

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, pct, solves

answer_is("nps-interpret", "c")

SCORES = (10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 5, 9, 10, 3, 8, 9, 6, 7, 10, 4)
"""The twenty survey answers of exercise ``nps-from-scores``."""


@solves("nps-from-shares")
def nps_from_shares() -> Facts:
    """NPS with 60 % promoters and 10 % detractors."""
    p, d = 60, 10
    return dict(answer=m.nps_from_shares(p, d), added=p + d, minus_passives=p - d - (100 - p - d))


@solves("nps-from-scores")
def nps_from_scores() -> Facts:
    """NPS of the twenty answers in :data:`SCORES`."""
    s = np.array(SCORES)
    n, p, d = len(s), int((s >= 9).sum()), int((s <= 6).sum())
    return dict(answer=m.nps(SCORES), n=n, promoters=p, detractors=d,
                seven_up=pct(int((s >= 7).sum()) - d, n),
                six_passive=pct(p - int((s <= 5).sum()), n), no_passives=pct(p - d, p + d),
                promoter_share=pct(p, n), count_diff=p - d,
                mean_score=float(s.mean()))  # fmt: skip


@solves("nps-by-segment")
def nps_by_segment() -> Facts:
    """NPS of the enterprise accounts that answered the ``survey`` (blanks left out)."""
    t = table("survey")
    ent = t[t["segment"] == "enterprise"]
    answered = ent["score"].dropna()
    p, d = int((answered >= 9).sum()), int((answered <= 6).sum())
    return dict(answer=m.nps(answered), answered=len(answered), invited=len(ent),
                whole=m.nps(t["score"].dropna()), with_unanswered=pct(p - d, len(ent)),
                mean_score=float(answered.mean()))  # fmt: skip
