"""The counting core on hand-made event logs, where every count can be worked out on paper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simkit.analysis.counts import COUNTS, count_periods, period_edges
from simkit.engine.scenario import default_scenario

COLUMNS = ["time", "account", "segment", "event", "stage_before", "stage_after", "arr"]


def log(rows: list[tuple], **extra: list) -> pd.DataFrame:
    """An event log from (time, account, segment, event, before, after, arr) rows; arr_change
    is worked out per account, value and hours default to 0."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["arr_change"] = df.groupby("account")["arr"].diff().fillna(0.0)
    df["value"] = extra.pop("value", 0.0)
    df["hours"] = extra.pop("hours", 0.0)
    for name, values in extra.items():
        df[name] = values
    return df


# Two years. Account 0: a small customer who is upsold in year 1, contracts and renews at day
# 365 (the boundary: it belongs to year 1) and churns in year 2. Account 1: an enterprise
# prospect that converts in year 1 (not in year 1's cohort) and stays. Account 2: a small
# customer answering a survey (9) and having an issue resolved after 3 days in year 2.
BOOK = [
    (0.0, 0, "small", "init", None, "customer", 100.0),
    (0.0, 1, "enterprise", "init", None, "prospect", 0.0),
    (0.0, 2, "small", "init", None, "customer", 40.0),
    (100.0, 0, "small", "upsell", "customer", "customer", 150.0),
    (200.0, 1, "enterprise", "convert", "prospect", "customer", 500.0),
    (365.0, 0, "small", "contract", "customer", "customer", 120.0),
    (365.0, 0, "small", "renew", "customer", "customer", 120.0),
    (400.0, 2, "small", "survey", "customer", "customer", 40.0),
    (500.0, 2, "small", "issue_resolved", "customer", "customer", 40.0),
    (600.0, 0, "small", "churn", "customer", "former", 0.0),
]
VALUES = [0, 0, 0, 0, 0, 0, 0, 9, 3, 0]
HOURS = [0, 0, 0, 2, 1, 0, 1, 0.5, 4, 0]


@pytest.fixture(scope="module")
def years() -> pd.DataFrame:
    return count_periods(log(BOOK, value=VALUES, hours=HOURS), period_edges(730.0, "Y"))


def test_cohort_counts_per_year(years):
    y1, y2 = years.iloc[0], years.iloc[1]
    assert (y1["start"], y1["end"], y1["lost"], y1["new"]) == (2, 3, 0, 1)
    assert (y2["start"], y2["end"], y2["lost"], y2["new"]) == (3, 2, 1, 0)
    assert y1["start_arr"] == 140.0 and y1["end_arr"] == 120.0 + 40.0 + 500.0
    assert y1["expansion"] == 50.0 and y1["contraction"] == 30.0  # at day 365: year 1
    assert y1["new_arr"] == 500.0 and y2["churned_arr"] == 120.0
    assert (y1["renewed"], y1["up_for_renewal"], y2["up_for_renewal"]) == (1, 1, 1)
    assert (y1["upsells"], y1["pitches"]) == (1, 1)


def test_service_counts_and_engagement(years):
    y1, y2 = years.iloc[0], years.iloc[1]
    assert (y2["responses"], y2["promoters"], y2["detractors"]) == (1, 1, 0)
    assert (y2["resolved"], y2["resolution_days"]) == (1, 3.0)
    assert y1["engaged"] == 0  # an upsell is no two-way contact
    assert y2["engaged"] == 1  # account 2: survey and issue, counted once
    assert y1["manager_hours"] == 4.0 and y2["manager_hours"] == 4.5


def test_revenue_integrates_arr_over_time(years):
    # account 0: 100 for 100 days, 150 for 265, 120 for 235 (churns at 600); account 1: 500
    # from day 200; account 2: 40 all along.
    year1 = (100 * 100 + 150 * 265 + 500 * 165 + 40 * 365) / 365
    year2 = (120 * 235 + 500 * 365 + 40 * 365) / 365
    assert years["revenue_earned"].tolist() == pytest.approx([year1, year2])
    # client-years: account 0 until day 600, account 1 from day 200, account 2 all along
    assert years["customer_years"].tolist() == pytest.approx(
        [(365 + 165 + 365) / 365, (235 + 365 + 365) / 365]
    )


def test_groups_by_segment_in_segment_order():
    table = count_periods(log(BOOK), period_edges(730.0, "all"), by=["segment"])
    assert table["segment"].tolist() == ["enterprise", "small"]  # text: alphabetical
    assert table["start"].tolist() == [0, 2] and table["new"].tolist() == [1, 0]
    ordered = log(BOOK)
    ordered["segment"] = pd.Categorical(
        ordered["segment"], categories=["key", "enterprise", "mid_market", "small"]
    )
    table = count_periods(ordered, period_edges(730.0, "all"), by=["segment"])
    assert table["segment"].tolist() == ["enterprise", "small"]
    assert table["start"].tolist() == [0, 2]


def test_runs_are_told_apart_and_may_come_unsorted():
    """The same account numbers in two runs are two accounts; the log of several runs need
    not be in time order."""
    one = log(BOOK, strategy="a", replication=0)
    two = log(BOOK[:3] + [(50.0, 2, "small", "churn", "customer", "former", 0.0)])
    two["strategy"], two["replication"] = "b", 0
    both = pd.concat([one, two], ignore_index=True)
    both = both.sort_values("account", kind="stable")  # out of time order, each account in order
    assert not both["time"].is_monotonic_increasing
    edges = period_edges(730.0, "all")
    table = count_periods(both, edges, by=["strategy"])
    assert table["strategy"].tolist() == ["a", "b"]
    assert table["start"].tolist() == [2, 2]
    assert table["lost"].tolist() == [1, 1]
    assert table["churned_arr"].tolist() == [120.0, 40.0]
    pooled = count_periods(both, edges).iloc[0]
    assert (pooled["start"], pooled["lost"], pooled["runs"]) == (4, 2, 2)


def test_team_hours_and_cost_come_from_the_scenarios():
    sc = default_scenario()
    pricier = sc.update({"team.cost_per_hour": sc.team.cost_per_hour * 2, "team.managers": 3})
    a, b = log(BOOK, strategy="a", replication=0), log(BOOK, strategy="b", replication=0)
    both = pd.concat([a, b], ignore_index=True)
    edges = period_edges(730.0, "Y")
    table = count_periods(both, edges, by=["strategy"], scenario={("a", 0): sc, ("b", 0): pricier})
    per_day = np.array([sc.team.managers, 3]) * sc.team.hours_per_week / 7
    assert table["capacity_hours"].tolist() == pytest.approx(np.repeat(per_day, 2) * 365)
    assert (
        table["cost_per_hour"].tolist()
        == [sc.team.cost_per_hour] * 2 + [2 * sc.team.cost_per_hour] * 2
    )
    pooled = count_periods(both, edges, scenario={("a", 0): sc, ("b", 0): pricier})
    assert np.isnan(pooled["cost_per_hour"]).all()  # two rates in one row: no single rate
    assert pooled["capacity_hours"].tolist() == pytest.approx([per_day.sum() * 365] * 2)
    assert pooled["manager_years"].tolist() == pytest.approx([sc.team.managers + 3] * 2)
    assert (pooled["manager_salary"] == sc.economics.manager_salary).all()  # shared: kept
    alone = count_periods(a, edges)
    assert np.isnan(alone["capacity_hours"]).all()  # no scenario, no team


def test_every_count_is_a_column_in_order(years):
    assert list(years.columns) == ["period", "period_start", "period_end", "runs", *COUNTS]


def test_bad_groups():
    with pytest.raises(ValueError, match="by may contain"):
        count_periods(log(BOOK), period_edges(730.0, "Y"), by=["owner"])
    with pytest.raises(ValueError, match="no column 'strategy'"):
        count_periods(log(BOOK), period_edges(730.0, "Y"), by=["strategy"])


def test_period_edges():
    assert period_edges(730.0, "Y").tolist() == [0.0, 365.0, 730.0]
    assert period_edges(100.0, "all").tolist() == [0.0, 100.0]
    assert len(period_edges(365.0, "M")) == 13
    with pytest.raises(ValueError, match="period must be one of"):
        period_edges(365.0, "W")


# A pipeline: prospect 10 (small) is lost at day 50, prospect 11 (key) is won at day 60 and
# churns at day 500, prospect 12 (small) is lost at day 400. Client 13 (enterprise) stays and
# gets proactive touches, one of them missed, and an upsell pitch (a "touch" with detail
# "pitch", which is no proactive touch).
PIPELINE = [
    (0.0, 10, "small", "init", None, "prospect", 0.0, ""),
    (0.0, 11, "key", "init", None, "prospect", 0.0, ""),
    (0.0, 12, "small", "init", None, "prospect", 0.0, ""),
    (0.0, 13, "enterprise", "init", None, "customer", 1000.0, ""),
    (30.0, 13, "enterprise", "touch", "customer", "customer", 1000.0, "check_in"),
    (50.0, 10, "small", "lost", "prospect", "lost", 0.0, ""),
    (60.0, 11, "key", "convert", "prospect", "customer", 730.0, ""),
    (90.0, 13, "enterprise", "touch_missed", "customer", "customer", 1000.0, "check_in"),
    (120.0, 13, "enterprise", "touch", "customer", "customer", 1000.0, "pitch"),
    (400.0, 12, "small", "lost", "prospect", "lost", 0.0, ""),
    (450.0, 13, "enterprise", "touch", "customer", "customer", 1000.0, "qbr"),
    (500.0, 11, "key", "churn", "customer", "former", 0.0, ""),
]


def _pipeline_log() -> pd.DataFrame:
    rows = [r[:7] for r in PIPELINE]
    return log(rows, detail=[r[7] or None for r in PIPELINE])


def test_lost_deals_are_counted_apart_and_never_as_clients_lost():
    years = count_periods(_pipeline_log(), period_edges(730.0, "Y"))
    assert years["lost_deals"].tolist() == [1, 1]
    assert years["new"].tolist() == [1, 0]
    assert years["lost"].tolist() == [0, 1]  # only account 11, a client who churned
    assert years["start"].tolist() == [1, 2] and years["end"].tolist() == [2, 1]


def test_touches_delivered_and_missed():
    years = count_periods(_pipeline_log(), period_edges(730.0, "Y"))
    assert years["touches_made"].tolist() == [1, 1]  # the pitch is no proactive touch
    assert years["missed_touches"].tolist() == [1, 0]


def test_acquisition_and_prices_come_from_the_scenario():
    sc = default_scenario().update(
        {"economics.acquisition_cost.key": 40_000.0, "economics.acquisition_cost.enterprise": 9.0}
    )
    years = count_periods(_pipeline_log(), period_edges(730.0, "Y"), scenario=sc)
    assert years["acquisition_costs"].tolist() == [40_000.0, 0.0]  # one key account won
    # client-years by segment: enterprise 13 all along, key 11 from day 60 to day 500
    y1 = 9.0 * 365 / 365 + 40_000.0 * 305 / 365
    y2 = 9.0 * 365 / 365 + 40_000.0 * 135 / 365
    assert years["acquisition_cost_years"].tolist() == pytest.approx([y1, y2])
    assert years["manager_years"].tolist() == pytest.approx([sc.team.managers] * 2)
    assert (years["gross_margin"] == sc.economics.gross_margin).all()
    assert (years["manager_salary"] == sc.economics.manager_salary).all()
    assert (years["discount_rate"] == sc.economics.discount_rate).all()
    alone = count_periods(_pipeline_log(), period_edges(730.0, "Y"))
    assert alone["acquisition_costs"].isna().all() and alone["gross_margin"].isna().all()
