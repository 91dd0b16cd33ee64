"""Comparisons: common replications, run figures, confidence intervals, paired differences."""

import math

import numpy as np
import pytest
from scipy import stats

from simkit.analysis.summary import HEADLINE, run_summary, summarize
from simkit.engine.strategies import get_strategy
from simkit.experiments.runner import compare, confidence_interval, run_many
from tests.helpers import small_scenario

YEARLY = [
    "logo_retention",
    "churn_rate",
    "grr",
    "nrr",
    "retention_rate",
    "renewal_rate",
    "upsell_rate",
    "engagement_rate",
    "clv",
]


@pytest.fixture(scope="module")
def cmp():
    sc = small_scenario(horizon_years=1.5, **{"portfolio.small.upsells_per_year": 3.0})
    return compare(sc, ["reactive", "customer_success"], replications=3, jobs=1, keep=True)


def test_confidence_interval_is_the_student_t_interval():
    x = [3.0, 5.0, 4.0, 8.0, 6.0]
    lo, hi = stats.t.interval(0.9, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert confidence_interval(x, 0.9) == pytest.approx((np.mean(x), lo, hi))
    assert confidence_interval([2.0, math.nan, 4.0])[0] == 3.0  # NaN runs are left out
    m, lo, hi = confidence_interval([7.0])
    assert m == 7.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in confidence_interval([]))
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        confidence_interval(x, 95)


def test_one_row_per_strategy_and_replication(cmp):
    assert cmp.runs[["strategy", "replication"]].values.tolist() == [
        [s, r] for s in ("reactive", "customer_success") for r in range(3)
    ]
    assert set(HEADLINE) <= set(cmp.runs.columns)


def test_run_figures_are_the_yearly_and_whole_horizon_summaries(cmp):
    """Each run's figures equal summarize(): yearly rates weighted by period length (the
    final half year counts half), totals over the whole horizon."""
    for (strategy, rep), res in cmp.results.items():
        row = cmp.runs[(cmp.runs["strategy"] == strategy) & (cmp.runs["replication"] == rep)]
        row = row.iloc[0]
        yearly = summarize(res, by=[], period="Y")
        whole = summarize(res, by=[], period="all").iloc[0]
        weight = (yearly["period_end"] - yearly["period_start"]).to_numpy()
        assert weight.tolist() == pytest.approx([365.0, 182.5])
        for col in YEARLY:
            vals = yearly[col].to_numpy(float)
            ok = ~np.isnan(vals)
            want = np.average(vals[ok], weights=weight[ok]) if ok.any() else math.nan
            assert row[col] == pytest.approx(want, rel=1e-12, nan_ok=True), col
        for col in ("revenue", "nps", "time_to_resolution", "manager_hours"):
            assert row[col] == pytest.approx(whole[col], rel=1e-12, nan_ok=True), col
        assert row["accounts_start"] == yearly["start"].iloc[0]
        assert row["end_arr"] == pytest.approx(res.accounts["arr"].sum())
        sc = res.scenario
        assert row["strategy_cost"] == pytest.approx(row["manager_hours"] * sc.team.cost_per_hour)
        capacity = sc.team.managers * sc.team.hours_per_week * sc.horizon_days / 7
        assert row["team_cost"] == pytest.approx(capacity * sc.team.cost_per_hour)
        assert run_summary(res).equals(run_summary(res))


def test_table_means_and_intervals(cmp):
    t = cmp.table(["revenue", "nrr"])
    assert len(t) == 4 and (t["n"] == 3).all()
    sub = cmp.runs[cmp.runs["strategy"] == "customer_success"]["revenue"]
    row = t[(t["strategy"] == "customer_success") & (t["metric"] == "revenue")].iloc[0]
    assert row["mean"] == pytest.approx(sub.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["label"] == HEADLINE["revenue"]
    with pytest.raises(ValueError, match="unknown figure"):
        cmp.table(["happiness"])


def test_differences_are_paired_by_replication(cmp):
    d = cmp.differences(metrics=["revenue"]).set_index("metric")
    base = cmp.runs[cmp.runs["strategy"] == "reactive"].set_index("replication")
    other = cmp.runs[cmp.runs["strategy"] == "customer_success"].set_index("replication")
    gap = other["revenue"] - base["revenue"]
    m, lo, hi = confidence_interval(gap)
    assert (d.loc["revenue", "mean_diff"], d.loc["revenue", "ci_low"]) == pytest.approx((m, lo))
    cost_gap = (other["strategy_cost"] - base["strategy_cost"]).mean()
    assert d.loc["return_per_cost", "mean_diff"] == pytest.approx(gap.mean() / cost_gap)
    with pytest.raises(ValueError, match="baseline 'kam' is not one of"):
        cmp.differences(baseline="kam")


def test_wide_table_is_text_per_strategy(cmp):
    w = cmp.wide(["nrr", "revenue"])
    assert list(w.columns) == ["reactive", "customer_success"]
    assert list(w.index) == [HEADLINE["nrr"], HEADLINE["revenue"]]
    assert all("[" in cell for cell in w.to_numpy().ravel())


def test_run_many_keeps_task_order_on_several_processes():
    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    tasks = [(sc, get_strategy(s), r, False) for s in ("proactive", "reactive") for r in (1, 0)]
    serial = run_many(tasks, jobs=1)
    parallel = run_many(tasks, jobs=2)
    assert [(n, r) for n, r, _, _ in parallel] == [
        ("proactive_check_ins", 1),
        ("proactive_check_ins", 0),
        ("reactive", 1),
        ("reactive", 0),
    ]
    for a, b in zip(serial, parallel, strict=True):
        assert a[2].equals(b[2])


def test_bad_arguments():
    sc = small_scenario(horizon_years=0.5)
    with pytest.raises(ValueError, match="replications must be a whole number >= 1"):
        compare(sc, ["reactive"], 0)
    with pytest.raises(ValueError, match="distinct"):
        compare(sc, ["cs", "customer_success"], 1)
    with pytest.raises(ValueError, match="at least one strategy"):
        compare(sc, [], 1)
    with pytest.raises(ValueError, match="unknown strategy"):
        compare(sc, ["shouting"], 1)
