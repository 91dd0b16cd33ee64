"""Metrics on results mean exactly what the plain metric functions mean.

Each figure of ``summarize`` is recomputed here by hand from the event log -- walking every
account's events in plain Python -- and passed through the plain function in
``simkit.analysis.metrics``; both must agree. ``run_summary`` is checked against the yearly
and whole-horizon tables it is made of.
"""

import math

import numpy as np
import pandas as pd
import pytest

from simkit.analysis import metrics
from simkit.analysis.counts import period_edges
from simkit.analysis.summary import run_summary, summarize
from simkit.engine.model import simulate
from simkit.experiments.compare import compare
from tests.helpers import small_scenario


@pytest.fixture(scope="module")
def run():
    sc = small_scenario(horizon_years=2.0, **{"portfolio.small.upsells_per_year": 3.0})
    return simulate(sc, "customer_success", 1)


def _hand_count(res, period: str) -> pd.DataFrame:
    edges = period_edges(res.scenario.horizon_days, period)
    ev = res.events
    rows = []
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        c = dict(
            start=0,
            end=0,
            end_arr=0.0,
            new=0,
            lost=0,
            start_arr=0.0,
            expansion=0.0,
            contraction=0.0,
            churned_arr=0.0,
            renewed=0,
            up_for_renewal=0,
            upsells=0,
            pitches=0,
            durations=[],
            scores=[],
            engaged=0,
            revenue=0.0,
            hours=0.0,
        )
        for _, g in ev.groupby("account", observed=True):
            times, stages = g["time"].to_numpy(), g["stage_after"].astype(str).to_numpy()
            arrs, names = g["arr"].to_numpy(), g["event"].astype(str).to_numpy()

            def state(t, times=times, stages=stages, arrs=arrs):
                idx = np.nonzero(times <= t)[0]
                return (None, 0.0) if len(idx) == 0 else (stages[idx[-1]], arrs[idx[-1]])

            s0, a0 = state(lo)
            s1, a1 = state(hi)
            active0, active1 = s0 in ("customer", "loyal"), s1 in ("customer", "loyal")
            c["start"] += active0
            c["end"] += active1
            c["end_arr"] += a1 if active1 else 0.0
            c["lost"] += active0 and not active1
            c["start_arr"] += a0 if active0 else 0.0
            inside = (times > lo) & (times <= hi)
            touched = False
            for name, row in zip(names[inside], g[inside].itertuples(), strict=True):
                c["new"] += name == "convert"
                c["renewed"] += name == "renew"
                c["up_for_renewal"] += name in ("renew", "churn")
                c["upsells"] += name == "upsell"
                c["pitches"] += name in ("upsell", "upsell_fail")
                c["hours"] += row.hours
                if name == "issue_resolved":
                    c["durations"].append(row.value)
                if name == "survey":
                    c["scores"].append(int(row.value))
                if active0:
                    if name == "upsell":
                        c["expansion"] += row.arr_change
                    if name == "contract":
                        c["contraction"] -= row.arr_change
                    if name in ("churn", "defect"):
                        c["churned_arr"] -= row.arr_change
                    touched |= name in ("touch", "issue_resolved", "survey")
            c["engaged"] += active0 and touched
            # revenue: ARR held over time within (lo, hi]
            bounds = np.append(times, res.scenario.horizon_days)
            for t0, t1, a in zip(bounds[:-1], bounds[1:], arrs, strict=True):
                c["revenue"] += a * max(0.0, min(t1, hi) - max(t0, lo)) / 365.0
        rows.append(c)
    return rows


def _nan_or(fn, *args):
    try:
        return fn(*args)
    except ValueError:
        return math.nan


@pytest.mark.parametrize("period", ["Q", "Y", "all"])
def test_summarize_matches_a_hand_count_through_the_plain_functions(run, period):
    table = summarize(run, by=[], period=period)
    hand = _hand_count(run, period)
    assert len(table) == len(hand)
    for (_, got), c in zip(table.iterrows(), hand, strict=True):
        for key in (
            "start",
            "end",
            "new",
            "lost",
            "renewed",
            "up_for_renewal",
            "upsells",
            "pitches",
            "engaged",
        ):
            assert got[key] == c[key], key
        for key in ("start_arr", "end_arr", "expansion", "contraction", "churned_arr"):
            assert got[key] == pytest.approx(c[key], rel=1e-9, abs=1e-6), key
        assert got["revenue_earned"] == pytest.approx(c["revenue"], rel=1e-9)
        assert got["manager_hours"] == pytest.approx(c["hours"])
        team = run.scenario.team
        capacity = team.managers * team.hours_per_week * (got["period_end"] - got["period_start"])
        assert got["capacity_hours"] == pytest.approx(capacity / 7)
        years = (got["period_end"] - got["period_start"]) / 365.0
        econ = run.scenario.economics

        def yearly(value: float, years: float = years) -> float:  # compounded to a year, by hand
            return 100 * (value / 100) ** (1 / years)

        expect = {
            "retention_rate": yearly(
                _nan_or(metrics.retention_rate, c["start"], c["end"], c["new"])
            ),
            "logo_retention": yearly(100 * (c["start"] - c["lost"]) / c["start"]),
            "churn_rate": 100 - yearly(100 - _nan_or(metrics.churn_rate, c["lost"], c["start"])),
            "grr": yearly(
                _nan_or(
                    metrics.gross_revenue_retention,
                    c["start_arr"],
                    c["contraction"],
                    c["churned_arr"],
                )
            ),
            "nrr": yearly(
                _nan_or(
                    metrics.net_revenue_retention,
                    c["start_arr"],
                    c["expansion"],
                    c["contraction"],
                    c["churned_arr"],
                )
            ),
            "renewal_rate": _nan_or(metrics.renewal_rate, c["renewed"], c["up_for_renewal"]),
            "upsell_rate": _nan_or(metrics.upsell_rate, c["upsells"], c["pitches"]),
            "engagement_rate": _nan_or(metrics.engagement_rate, c["engaged"], c["start"]),
            "nps": _nan_or(metrics.nps, c["scores"]) if c["scores"] else math.nan,
            "time_to_resolution": _nan_or(metrics.average_time_to_resolution, c["durations"])
            if c["durations"]
            else math.nan,
            "utilisation": 100 * c["hours"] / (capacity / 7),
            # money: totals of the period over its length in years
            "revenue": c["revenue"] / years,
            "gross_profit": c["revenue"] * econ.gross_margin / years,
            "strategy_cost": c["hours"] * team.cost_per_hour / years,
            "team_cost": team.managers * econ.manager_salary,
            "deals_won": c["new"] / years,
        }
        for key, value in expect.items():
            if math.isnan(value):
                assert math.isnan(got[key]), key
            else:
                assert got[key] == pytest.approx(value, rel=1e-9), key


def test_revenue_agrees_with_the_model_snapshots(run):
    by_year = summarize(run, by=[], period="Y")
    total = run.snapshots["revenue"].sum()
    assert by_year["revenue_earned"].sum() == pytest.approx(total, rel=1e-9)
    assert run_summary(run)["revenue"] == pytest.approx(total / run.scenario.horizon_years)


@pytest.mark.parametrize("period", ["M", "Q", "Y"])
def test_every_period_length_annualises_the_same_way(run, period):
    """A quarterly and a yearly table put money and retention per year by one rule: the
    length-weighted mean of the per-year values of any period length is the horizon's."""
    table = summarize(run, by=[], period=period)
    whole = summarize(run, by=[], period="all").iloc[0]
    weight = table["period_end"] - table["period_start"]
    for money in ("revenue", "gross_profit", "strategy_cost", "team_cost", "operating_profit"):
        assert np.average(table[money], weights=weight) == pytest.approx(whole[money]), money
    # retention compounds: a period of y years keeping R keeps R ** (1 / y) a year
    years = weight / 365.0
    kept = table["start_arr"] + table["expansion"] - table["contraction"] - table["churned_arr"]
    raw = 100 * kept / table["start_arr"]
    np.testing.assert_allclose(table["nrr"], 100 * (raw / 100) ** (1 / years), rtol=1e-9)
    np.testing.assert_allclose(table["churn_rate"], 100 - table["logo_retention"], rtol=1e-9)


def test_grouping_by_segment_partitions_the_counts(run):
    whole = summarize(run, by=[], period="Y")
    seg = (
        summarize(run, by=["segment"], period="Y")
        .groupby("period")[["start", "end", "new", "revenue"]]
        .sum()
    )
    np.testing.assert_allclose(seg.to_numpy(), whole[["start", "end", "new", "revenue"]].to_numpy())


def test_on_a_comparison_by_strategy():
    cmp = compare(small_scenario(), ["reactive", "proactive_check_ins"], 2, jobs=1, keep=True)
    table = summarize(cmp, by="strategy", period="all")
    assert set(table["strategy"]) == {"reactive", "proactive_check_ins"}
    assert (table["runs"] == 2).all()
    per_run = summarize(cmp, by=["strategy", "replication"], period="all")
    assert (per_run["runs"] == 1).all()
    sums = per_run.groupby("strategy")[["start", "lost", "manager_hours", "capacity_hours"]].sum()
    pd.testing.assert_frame_equal(
        table.set_index("strategy")[list(sums.columns)], sums, check_names=False
    )
    by_replication = summarize(cmp, by="replication", period="all")
    assert by_replication["replication"].tolist() == [0, 1]
    assert (by_replication["runs"] == 2).all()  # the two strategies of each replication


def test_a_list_of_runs_is_pooled_like_a_comparison():
    sc = small_scenario()
    runs = [simulate(sc, "reactive", 0), simulate(sc, "reactive", 1)]
    pooled = summarize(runs, by=[], period="all").iloc[0]
    single = [summarize(r, by=[], period="all").iloc[0] for r in runs]
    # money per year is per run: the pooled row is the mean of the runs
    for money in ("revenue", "gross_profit", "strategy_cost", "team_cost"):
        assert pooled[money] == pytest.approx((single[0][money] + single[1][money]) / 2), money
    for count in ("start", "lost", "start_arr", "churned_arr", "revenue_earned", "capacity_hours"):
        assert pooled[count] == pytest.approx(single[0][count] + single[1][count]), count
    with pytest.raises(ValueError, match="must differ in strategy or replication"):
        summarize([runs[0], runs[0]])


def test_run_summary_takes_rates_per_year_and_totals_over_the_horizon(run):
    yearly = summarize(run, by=[], period="Y")
    whole = summarize(run, by=[], period="all").iloc[0]
    s = run_summary(run)
    assert s["logo_retention"] == pytest.approx(yearly["logo_retention"].mean())
    for name in ("manager_hours", "nps", "time_to_resolution", "utilisation", "clv_simple"):
        assert s[name] == pytest.approx(whole[name]), name
    years = run.scenario.horizon_years
    assert s["revenue"] == pytest.approx(yearly["revenue_earned"].sum() / years)
    assert s["revenue"] == pytest.approx(whole["revenue"])  # total / horizon_years
    assert s["manager_hours"] == pytest.approx(run.events["hours"].sum())  # a total, labelled
    assert s["end_arr"] == pytest.approx(run.accounts["arr"].sum())
    assert s["accounts_start"] == yearly["start"].iloc[0]
    assert 0 < s["utilisation"] < 100


def test_run_summary_weighs_a_part_year_by_its_length():
    res = simulate(small_scenario(horizon_years=1.5), "reactive")
    yearly = summarize(res, by=[], period="Y")
    assert (yearly["period_end"] - yearly["period_start"]).tolist() == [365.0, 182.5]
    expected = (2 * yearly["churn_rate"].iloc[0] + yearly["churn_rate"].iloc[1]) / 3
    assert run_summary(res)["churn_rate"] == pytest.approx(expected)


def test_run_summary_is_kept_with_the_run(run):
    first = run_summary(run)
    first["nrr"] = -1.0  # the caller's copy: the kept summary is not changed
    again = run_summary(run)
    assert again["nrr"] != -1.0
    assert again.equals(run.cache["run_summary"])


def test_bad_arguments():
    res = simulate(small_scenario(horizon_years=0.5), "reactive")
    with pytest.raises(ValueError, match="period must be one of"):
        summarize(res, period="W")
    with pytest.raises(ValueError, match="by may contain"):
        summarize(res, by=["owner"])
    with pytest.raises(TypeError, match="summarize\\(\\) takes Results"):
        summarize("results.csv")
