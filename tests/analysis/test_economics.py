"""The return of a strategy and the CLV family, on made-up runs and a tiny made-up log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simkit.analysis import metrics
from simkit.analysis.counts import count_periods, period_edges
from simkit.analysis.economics import RETURN_COLUMNS, strategy_return
from simkit.analysis.stats import ratio_interval
from simkit.analysis.summary import add_metrics, run_summary
from simkit.engine.model import simulate
from simkit.engine.scenario import default_scenario
from tests.helpers import small_scenario


def _runs(**strategies: tuple[list[float], list[float], list[float]]) -> pd.DataFrame:
    """Runs from ``name=(revenue, gross_profit, strategy_cost)``, one value per replication."""
    rows = []
    for name, (revenue, profit, cost) in strategies.items():
        for rep, (r, p, c) in enumerate(zip(revenue, profit, cost, strict=True)):
            rows.append(
                {"strategy": name, "replication": rep, "revenue": r}
                | {"gross_profit": p, "strategy_cost": c, "team_cost": 480_000.0}
            )
    return pd.DataFrame(rows)


BASE = ([1000.0, 1100.0, 900.0, 1050.0], [750.0, 825.0, 675.0, 787.5], [50.0, 52.0, 48.0, 51.0])


def test_return_is_extra_gross_profit_over_extra_cost_with_fieller_interval():
    runs = _runs(
        base=BASE,
        careful=(
            [1040.0, 1140.0, 940.0, 1090.0],
            [780.0, 858.0, 703.0, 819.5],  # +30, +33, +28, +32 of gross profit
            [60.0, 63.0, 58.0, 61.0],  # +10, +11, +10, +10 of cost
        ),
    )
    out = strategy_return(runs, "base")
    assert list(out.columns) == list(RETURN_COLUMNS)
    row = out.iloc[0]
    assert row["strategy"] == "careful" and row["baseline"] == "base" and row["n"] == 4
    assert row["extra_gross_profit_per_year"] == pytest.approx(30.75)
    assert row["extra_cost_per_year"] == pytest.approx(10.25)
    assert row["return"] == pytest.approx(3.0)
    expected = ratio_interval([30.0, 33.0, 28.0, 32.0], [10.0, 11.0, 10.0, 10.0])
    assert (row["low"], row["high"]) == pytest.approx((expected.low, expected.high))
    assert row["low"] < 3.0 < row["high"] and row["reason"] == ""
    assert row["cost"] == "hours worked"  # same team: headcount is no extra cost


def test_return_uses_profit_not_revenue():
    """The issue's complaint: extra revenue at no margin looked like the best return."""
    runs = _runs(
        base=BASE,
        discounter=(
            [1300.0, 1400.0, 1200.0, 1350.0],  # +300 of revenue in every replication ...
            [751.0, 824.0, 676.0, 787.0],  # ... and no gross profit to speak of
            [60.0, 62.0, 58.0, 61.0],
        ),
        careful=(
            [1040.0, 1140.0, 940.0, 1090.0],
            [780.0, 858.0, 703.0, 819.5],
            [60.0, 63.0, 58.0, 61.0],
        ),
    )
    out = strategy_return(runs, "base").set_index("strategy")
    revenue_per_cost = 300.0 / 10.0  # what return_per_cost used to say: 30
    assert out.loc["discounter", "return"] == pytest.approx(0.0, abs=0.1)
    assert out.loc["discounter", "low"] < 0 < out.loc["discounter", "high"]
    assert out.loc["discounter", "return"] < revenue_per_cost / 100
    assert out.loc["careful", "return"] > out.loc["discounter", "return"] + 2


def test_no_return_when_the_extra_cost_is_not_clearly_positive():
    runs = _runs(
        base=BASE,
        same_cost=([1100.0] * 4, [800.0, 900.0, 700.0, 850.0], [50.5, 51.5, 47.5, 51.5]),
        cheaper=([1000.0] * 4, [760.0, 830.0, 690.0, 790.0], [40.0, 41.0, 38.0, 40.5]),
    )
    out = strategy_return(runs, "base").set_index("strategy")
    same = out.loc["same_cost"]
    assert math.isnan(same["return"]) and math.isnan(same["low"]) and math.isnan(same["high"])
    assert "not clearly above 0" in same["reason"]
    assert same["extra_gross_profit_per_year"] == pytest.approx(53.125)  # still reported
    assert math.isnan(out.loc["cheaper", "return"])
    assert "clearly below 0" in out.loc["cheaper", "reason"]


def test_a_bigger_team_counts_its_headcount_as_cost():
    runs = _runs(base=BASE, bigger=([1100.0] * 4, [850.0, 925.0, 775.0, 887.5], [50.0] * 4))
    runs.loc[runs["strategy"] == "bigger", "team_cost"] = 480_000.0 + 120_000.0
    row = strategy_return(runs, "base").iloc[0]
    assert row["cost"] == "hours worked + paid headcount"
    assert row["extra_cost_per_year"] == pytest.approx(120_000.0 - 0.25)
    assert row["return"] == pytest.approx(100.0 / (120_000.0 - 0.25))


def test_bad_runs_are_refused_with_one_clear_message():
    runs = _runs(base=BASE, other=BASE)
    with pytest.raises(ValueError, match="baseline 'nobody' is not one of"):
        strategy_return(runs, "nobody")
    with pytest.raises(ValueError, match="missing gross_profit"):
        strategy_return(runs.drop(columns="gross_profit"), "base")
    with pytest.raises(ValueError, match="one row per strategy and replication"):
        strategy_return(pd.concat([runs, runs.iloc[:1]]), "base")


def test_return_of_simulated_runs_with_no_margin_is_zero():
    """End to end: with a gross margin of 0, check-ins win revenue but no gross profit, so
    their return is 0 -- whatever the revenue says."""
    sc = small_scenario(**{"economics.gross_margin": 0.0})
    rows = []
    for strategy in ("reactive", "proactive_check_ins"):
        for rep in range(3):
            s = run_summary(simulate(sc, strategy, rep))
            rows.append({"strategy": strategy, "replication": rep, **s.to_dict()})
    runs = pd.DataFrame(rows)
    row = strategy_return(runs, "reactive").iloc[0]
    assert row["extra_gross_profit_per_year"] == 0.0
    assert row["extra_cost_per_year"] > 0  # check-ins take hours
    assert row["return"] == 0.0 or "not clearly above 0" in row["reason"]
    gained = runs.groupby("strategy")["revenue"].mean()
    assert gained["proactive_check_ins"] != gained["reactive"]  # revenue did move


# ------------------------------------------------------------------- the CLV family by hand
# Two years. A (small) pays 1,000 a year and churns at day 365; B (small) pays 1,000 a year
# and C (key) 3,000 a year, both all along; D, a prospect, is lost at day 100.
TINY = [
    (0.0, 0, "small", "init", None, "customer", 1000.0),
    (0.0, 1, "small", "init", None, "customer", 1000.0),
    (0.0, 2, "key", "init", None, "customer", 3000.0),
    (0.0, 3, "small", "init", None, "prospect", 0.0),
    (100.0, 3, "small", "lost", "prospect", "lost", 0.0),
    (365.0, 0, "small", "churn", "customer", "former", 0.0),
]


def _tiny(scenario) -> pd.Series:
    df = pd.DataFrame(
        TINY, columns=["time", "account", "segment", "event", "stage_before", "stage_after", "arr"]
    )
    df["arr_change"] = df.groupby("account")["arr"].diff().fillna(0.0)
    df["value"], df["hours"] = 0.0, 0.0
    table = count_periods(df, period_edges(730.0, "all"), scenario=scenario)
    add_metrics(table)
    return table.iloc[0]


ECONOMICS = {
    "economics.acquisition_cost.small": 500.0,
    "economics.acquisition_cost.key": 4_000.0,
    "economics.gross_margin": 0.75,
    "economics.discount_rate": 0.1,
}


def test_clv_simple_and_margin_recomputed_by_hand():
    row = _tiny(default_scenario().update(ECONOMICS))
    # revenue 1,000 x 1 + 1,000 x 2 + 3,000 x 2 = 9,000 over 1 + 2 + 2 = 5 client-years:
    # 1,800 a year per client. 2 of 3 clients kept over 2 years: r = (2/3) ** 0.5 = 0.8165 a
    # year, lifespan 1 / (1 - r) = 5.4495 years. Acquisition: 500 for 3 small client-years,
    # 4,000 for 2 key ones: (1,500 + 8,000) / 5 = 1,900.
    r = (2 / 3) ** 0.5
    assert row["customer_years"] == pytest.approx(5.0)
    assert row["lost"] == 1 and row["lost_deals"] == 1  # D is no churned client
    assert row["clv_simple"] == pytest.approx(1_800.0 / (1 - r) - 1_900.0)
    assert row["clv_simple"] == pytest.approx(7_909.1, abs=0.1)
    # margin CLV: m = 0.75 x 1,800 = 1,350; m r / (1 + 0.1 - r), before acquisition
    assert row["clv_margin"] == pytest.approx(1_350.0 * r / (1.1 - r))
    assert row["clv_margin"] == pytest.approx(3_888.0, abs=0.1)
    assert row["clv_margin"] == pytest.approx(metrics.discounted_clv(1_350.0, r, 0.1))
    # churn per year is the compounded one, and a lost deal is no churn
    assert row["churn_rate"] == pytest.approx(100 * (1 - r))


def test_the_two_clvs_meet_without_discount_margin_or_acquisition():
    """With i = 0 and margin 1, the margin CLV is the simple one's revenue x lifespan less
    one year of revenue (1 / (1 - r) - 1 = r / (1 - r)), acquisition left aside."""
    free = {
        **ECONOMICS,
        "economics.gross_margin": 1.0,
        "economics.discount_rate": 0.0,
        "economics.acquisition_cost.small": 0.0,
        "economics.acquisition_cost.key": 0.0,
    }
    row = _tiny(default_scenario().update(free))
    assert row["clv_margin"] == pytest.approx(row["clv_simple"] - 1_800.0)


def test_money_of_the_tiny_log_per_year():
    sc = default_scenario().update(ECONOMICS)
    row = _tiny(sc)
    assert row["revenue"] == pytest.approx(9_000.0 / 2)
    assert row["gross_profit"] == pytest.approx(0.75 * 9_000.0 / 2)
    assert row["team_cost"] == pytest.approx(sc.team.managers * sc.economics.manager_salary)
    assert row["acquisition_spend"] == 0.0  # nobody was won
    assert row["operating_profit"] == pytest.approx(row["gross_profit"] - row["team_cost"])
    assert row["deals_lost"] == pytest.approx(0.5) and row["win_rate"] == 0.0
    assert np.isnan(row["missed_touch_share"])  # no touch was planned
