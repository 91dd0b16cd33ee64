"""Solvers of notebook 06, service and engagement: time to resolution, engagement rate."""

from __future__ import annotations

import numpy as np

from simkit.analysis import metrics as m
from simkit.teaching.datasets import table
from simkit.teaching.solvers.core import Facts, answer_is, pct, solves

answer_is("ttr-interpret", "b")

HOURS = (30, 18, 24, 48)
"""Hours taken by the four issues of exercise ``time-to-resolution``."""


@solves("time-to-resolution")
def time_to_resolution() -> Facts:
    """Average time to resolution of the four issues in :data:`HOURS`."""
    return dict(answer=m.average_time_to_resolution(HOURS), total=float(sum(HOURS)),
                median=float(np.median(HOURS)))  # fmt: skip


@solves("ttr-table")
def ttr_table() -> Facts:
    """Average time to resolution of the resolved issues in ``issues`` (open ones left out)."""
    t = table("issues")
    done = (t["resolved_day"] - t["opened_day"]).dropna()
    return dict(answer=m.average_time_to_resolution(done), resolved=len(done), issues=len(t),
                still_open=len(t) - len(done), open_as_zero=float(done.sum() / len(t)),
                total=float(done.sum()))  # fmt: skip


@solves("engagement-rate")
def engagement_rate() -> Facts:
    """Engagement of 200 active clients: two-way contact counts, newsletters do not."""
    active, talked, resolved_only, newsletter_only, prospects = 200, 120, 30, 40, 25
    engaged = talked + resolved_only
    return dict(answer=m.engagement_rate(engaged, active),
                with_newsletter=pct(engaged + newsletter_only, active),
                no_issues=pct(talked, active), with_prospects=pct(engaged + prospects, active),
                over_everyone=pct(engaged, active + prospects))  # fmt: skip


@solves("engagement-table")
def engagement_table() -> Facts:
    """Engagement from the ``touches`` log and the ``active_accounts`` list."""
    touches, active = table("touches"), table("active_accounts")
    clients = touches["account"].isin(active["account"])
    two_way = touches["kind"] != "newsletter"
    engaged = touches.loc[two_way & clients, "account"].nunique()
    return dict(answer=m.engagement_rate(engaged, len(active)), active=len(active),
                engaged=engaged, rows=pct(int((two_way & clients).sum()), len(active)),
                with_newsletter=pct(touches.loc[clients, "account"].nunique(), len(active)),
                with_prospects=pct(touches.loc[two_way, "account"].nunique(),
                                   len(active)))  # fmt: skip
