"""Tests for simkit.analysis.lessons: the lessons' tables and stories from an event log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simkit.analysis.lessons import (
    account_story,
    book_by_segment,
    cohort_survival,
    fate_text,
    fates,
    interesting_account,
    whitespace_by_segment,
)
from simkit.analysis.retention import geometric_survival
from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS
from simkit.engine.strategies import Reactive
from simkit.experiments.compare import compare
from simkit.experiments.presets import named
from tests.helpers import small_scenario

SMALL = small_scenario()  # ~60 accounts, one year, two managers


@pytest.fixture(scope="module")
def reactive_run():
    return simulate(SMALL, "reactive")


@pytest.fixture(scope="module")
def proactive_run():
    return simulate(SMALL, "proactive_check_ins")


def test_whitespace_follows_the_pitch_policy():
    cmp = compare(
        SMALL,
        [named(Reactive(pitch_health=None), "never"), named(Reactive(pitch_health=0), "always")],
        replications=1,
        jobs=1,
        keep=True,
    )
    never = whitespace_by_segment(cmp.results[("never", 0)])
    always = whitespace_by_segment(cmp.results[("always", 0)])
    assert (never["pitched"] == 0).all() and never["missed_arr"].sum() > 0
    assert (always["not pitched"] == 0).all() and always["won_arr"].sum() > 0
    assert (never["opportunities"] == never["pitched"] + never["not pitched"]).all()
    # a comparison gives the mean per run
    both = whitespace_by_segment(cmp)
    np.testing.assert_allclose(
        both["opportunities"], (never["opportunities"] + always["opportunities"]) / 2
    )
    with pytest.raises(TypeError, match="expected Results"):
        whitespace_by_segment(cmp.runs)


def test_whitespace_counts_the_event_log(proactive_run):
    ev = proactive_run.events
    table = whitespace_by_segment(proactive_run)
    won = ev[ev["event"] == "upsell"].groupby("segment", observed=False)["arr_change"].sum()
    np.testing.assert_allclose(table["won_arr"], won.reindex(list(SEGMENTS)).fillna(0))
    declined = int((ev["event"] == "upsell_fail").sum())
    assert table["pitched"].sum() == int((ev["event"] == "upsell").sum()) + declined


def test_book_by_segment_agrees_with_the_first_snapshot(reactive_run):
    book = book_by_segment(reactive_run)
    snap = reactive_run.snapshots
    first = snap[(snap["month"] == 0) & snap["stage"].isin(["customer", "loyal"])]
    per_segment = first.groupby("segment", observed=False)[["accounts", "arr"]].sum()
    np.testing.assert_array_equal(book["accounts"], per_segment.loc[list(SEGMENTS), "accounts"])
    np.testing.assert_allclose(book["ARR"], per_segment.loc[list(SEGMENTS), "arr"])
    np.testing.assert_allclose(book["ARR per account"], book["ARR"] / book["accounts"])
    assert book["share of accounts (%)"].sum() == pytest.approx(100)


def test_interesting_account_honours_filters(reactive_run):
    acct = interesting_account(reactive_run, "small", event="churn")
    story = reactive_run.story(acct)
    assert (story["segment"] == "small").all() and "churn" in set(story["event"])
    ev = reactive_run.events
    small = ev[ev["segment"] == "small"]
    churned = small[small["account"].isin(small.loc[small["event"] == "churn", "account"])]
    assert story["event"].nunique() == churned.groupby("account")["event"].nunique().max()
    with pytest.raises(ValueError, match="segment must be one of"):
        interesting_account(reactive_run, "tiny")
    with pytest.raises(ValueError, match="event must be one of"):
        interesting_account(reactive_run, event="party")


def test_account_story_tells_the_ending(reactive_run):
    acct = interesting_account(reactive_run, event="churn")
    text = account_story(reactive_run, acct)
    story = reactive_run.story(acct)
    segment = str(story["segment"].iloc[0]).replace("_", "-")
    assert text.startswith(f"Account {acct} ({segment}) ") and "did not renew" in text
    churn_day = story.loc[story["event"] == "churn", "time"].iloc[-1]
    assert f"On day {churn_day:.0f} it did not renew." in text
    assert "a former customer" in text
    n_issues = int((story["event"] == "issue_open").sum())
    if n_issues:
        assert f"It raised {n_issues} issue" in text


def test_cohort_survival_follows_a_constant_renewal_rate():
    s = small_scenario(
        start="cohort",
        warmup_years=0,
        horizon_years=3,
        theory={"renewal": "constant", "r": 0.8},
        **{"portfolio.small.count": 1500},
    )
    res = simulate(s)
    counts = cohort_survival(res)
    n = s.portfolio.total_accounts
    assert counts[0] == n and len(counts) == 4
    assert all(a >= b for a, b in zip(counts, counts[1:], strict=False))
    expected = n * geometric_survival(0.8, np.arange(4))
    sd = np.sqrt(n * geometric_survival(0.8, np.arange(4)) * 0.2 + 1)
    assert np.all(np.abs(np.array(counts) - expected) < 4 * sd)
    with pytest.raises(ValueError, match="period_days"):
        cohort_survival(res, period_days=0)


def test_fates_flags_losses_consistently(reactive_run, proactive_run):
    t = fates(reactive_run, proactive_run)
    for side, res in (("a", reactive_run), ("b", proactive_run)):
        ev = res.events
        lost = ev[ev["event"].isin(["churn", "defect"])].groupby("account")["time"].min()
        assert set(t.loc[t[f"lost_{side}"], "account"]) == set(lost.index)
        got = t.set_index("account").loc[lost.index, f"day_{side}"]
        np.testing.assert_allclose(got, lost)
    arrived = reactive_run.events.loc[reactive_run.events["event"] == "arrival", "account"]
    assert set(t.loc[t["new"], "account"]) == set(arrived)
    start = t[~t["new"]]
    assert start["arr"].is_monotonic_decreasing and not t["new"].iloc[: len(start)].any()


def test_fates_label_accounts_with_the_books_ids(reactive_run, proactive_run):
    book = pd.DataFrame({"account_id": [f"CRM-{i}" for i in range(3)]})
    t = fates(reactive_run, proactive_run, book).set_index("account")
    assert t.loc[0, "label"].startswith("CRM-0 · ")
    assert t.loc[5, "label"].startswith("#5 · ")


def test_fate_text_says_how_the_run_ended(reactive_run):
    ev = reactive_run.events
    churned = int(ev.loc[ev["event"] == "churn", "account"].iloc[0])
    day = ev.loc[(ev["account"] == churned) & (ev["event"] == "churn"), "time"].iloc[-1]
    assert fate_text(reactive_run, churned) == f"did not renew on day {day:.0f}"
    gone = set(ev.loc[ev["event"].isin(["churn", "defect"]), "account"])
    kept = next(a for a in reactive_run.accounts["account"] if a not in gone)
    story = reactive_run.story(kept)
    renewals = int((story["event"] == "renew").sum())
    assert fate_text(reactive_run, kept) == (
        f"kept ({renewals} renewal(s), {story['arr'].iat[-1]:,.0f} ARR at the end)"
    )
    assert not math.isnan(story["arr"].iat[-1])


def test_a_lost_deal_story_ends_as_a_lost_deal_not_a_former_customer(reactive_run):
    ev = reactive_run.events
    never = set(ev.loc[ev["event"] == "lost", "account"]) - set(
        ev.loc[ev["event"].isin(["convert", "churn", "defect"]), "account"]
    )
    account = int(min(never))
    story = account_story(reactive_run, account)
    assert "it never bought" in story
    assert story.endswith(
        "At the end it was a lost deal (never a customer), with health "
        f"{reactive_run.story(account)['health'].iat[-1]:.0f}/100 after its last event."
    )
    assert "former" not in story


def test_a_story_counts_the_touches_the_team_missed():
    busy = simulate(small_scenario(**{"team.hours_per_week": 8.0}), "proactive_check_ins")
    ev = busy.events
    missed = ev[ev["event"] == "touch_missed"].groupby("account").size()
    account = int(missed.idxmax())
    n = int(missed.max())
    assert f"{n} planned touches were missed" in account_story(busy, account) or (
        n == 1 and "1 planned touch was missed" in account_story(busy, account)
    )
