"""Comparing strategies: common replications, tables with intervals, paired differences."""

import math

import numpy as np
import pandas as pd
import pytest

from simkit.analysis.economics import strategy_return
from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.model import simulate
from simkit.engine.results import LeanRunError
from simkit.experiments.compare import Comparison, compare, format_interval
from tests.helpers import small_scenario

STRATEGIES = ["reactive", "customer_success"]


@pytest.fixture(scope="module")
def cmp():
    sc = small_scenario(horizon_years=1.0, **{"portfolio.small.upsells_per_year": 3.0})
    return compare(sc, STRATEGIES, replications=3, jobs=1, keep=True)


def _made_up(revenue: dict[str, list[float]], cost: dict[str, list[float]]) -> Comparison:
    """A comparison with chosen figures, to check the arithmetic on known numbers."""
    rows = [
        {"strategy": s, "replication": r, "revenue": v, "strategy_cost": c, "nrr": 100.0}
        for s in revenue
        for r, (v, c) in enumerate(zip(revenue[s], cost[s], strict=True))
    ]
    return Comparison(None, list(revenue), len(next(iter(revenue.values()))), pd.DataFrame(rows))


def test_one_row_per_strategy_and_replication(cmp):
    assert cmp.runs[["strategy", "replication"]].values.tolist() == [
        [s, r] for s in STRATEGIES for r in range(3)
    ]
    assert set(HEADLINE) <= set(cmp.runs.columns)
    assert set(cmp.results) == {(s, r) for s in STRATEGIES for r in range(3)}


def test_each_row_is_that_strategy_and_replication_simulated_afresh(cmp):
    for strategy, rep in (("reactive", 2), ("customer_success", 0)):
        row = cmp.runs[(cmp.runs["strategy"] == strategy) & (cmp.runs["replication"] == rep)]
        fresh = run_summary(simulate(cmp.scenario, strategy, rep))
        for figure in HEADLINE:
            assert row[figure].iloc[0] == pytest.approx(fresh[figure], nan_ok=True), figure


def test_strategies_share_their_replications():
    """Common random numbers: without a warm-up (run under each strategy) the same
    replication starts every strategy from the same book; other replications differ."""
    sc = small_scenario(horizon_years=0.5, warmup_years=0.0)
    c = compare(sc, STRATEGIES, replications=2, jobs=1, keep=True)

    def book(strategy: str, rep: int) -> pd.DataFrame:
        ev = c.results[(strategy, rep)].events
        return ev[ev["event"] == "init"][["account", "segment", "arr", "health"]]

    pd.testing.assert_frame_equal(book("reactive", 1), book("customer_success", 1))
    assert not book("reactive", 0)["arr"].equals(book("reactive", 1)["arr"])


def test_table_on_known_numbers():
    c = _made_up(
        {"a": [10.0, 12.0, 11.0, 13.0], "b": [20.0, 20.0, 20.0, 20.0]}, {"a": [1] * 4, "b": [2] * 4}
    )
    t = c.table(["revenue"]).set_index("strategy")
    # mean 11.5, sd 1.291, t(0.975, 3) = 3.182: 11.5 +- 2.054
    assert t.loc["a", ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [11.5, 9.446, 13.554], abs=1e-3
    )
    assert t.loc["b", ["mean", "ci_low", "ci_high"]].tolist() == [20.0, 20.0, 20.0]
    assert (t["n"] == 4).all() and (t["label"] == HEADLINE["revenue"]).all()


def test_table_of_a_real_comparison(cmp):
    t = cmp.table(["revenue", "nrr"])
    assert t[["strategy", "metric"]].values.tolist() == [
        [s, m] for s in STRATEGIES for m in ("revenue", "nrr")
    ]
    assert (t["ci_low"] < t["mean"]).all() and (t["mean"] < t["ci_high"]).all()
    with pytest.raises(ValueError, match="unknown figure"):
        cmp.table(["happiness"])


def test_differences_on_known_numbers():
    c = _made_up(
        {"base": [100.0, 120.0, 90.0], "new": [103.0, 124.0, 92.0]},
        {"base": [10.0, 10.0, 10.0], "new": [11.0, 12.0, 13.0]},
    )
    d = c.differences(metrics=["revenue"]).set_index("metric")
    # gains 3, 4, 2: mean 3, sd 1, t(0.975, 2) = 4.303: 3 +- 2.484
    assert d.loc["revenue", ["mean_diff", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [3.0, 0.516, 5.484], abs=1e-3
    )
    assert "return" not in d.index  # made-up runs without gross profit have no return row
    assert set(d["baseline"]) == {"base"} and set(d["strategy"]) == {"new"}


def test_differences_end_with_the_return_on_gross_profit_and_its_interval():
    c = _made_up(
        {"base": [100.0, 120.0, 90.0], "new": [103.0, 124.0, 92.0]},
        {"base": [10.0, 10.0, 10.0], "new": [12.0, 12.1, 11.9]},
    )
    runs = c.runs.assign(gross_profit=0.75 * c.runs["revenue"])
    with_profit = Comparison(None, c.strategies, c.replications, runs)
    d = with_profit.differences(metrics=["revenue"]).set_index("metric")
    # 0.75 x 3 more gross profit for 2 more cost on average: a return of 1.125
    assert d.loc["return", "mean_diff"] == pytest.approx(1.125)
    want = strategy_return(runs, "base").set_index("strategy").loc["new"]
    assert d.loc["return", "ci_low"] == pytest.approx(want["low"], nan_ok=True)
    assert d.loc["return", "ci_high"] == pytest.approx(want["high"], nan_ok=True)


def test_differences_pair_by_replication_not_by_row_order():
    c = _made_up(
        {"base": [100.0, 120.0, 90.0], "new": [103.0, 124.0, 92.0]},
        {"base": [1] * 3, "new": [2] * 3},
    )
    shuffled = Comparison(None, c.strategies, 3, c.runs.iloc[[5, 0, 3, 1, 4, 2]])
    both = ["revenue", "nrr"]
    pd.testing.assert_frame_equal(shuffled.differences(metrics=both), c.differences(metrics=both))
    assert shuffled.differences(metrics=["revenue"])["mean_diff"].iloc[0] == pytest.approx(3.0)


def test_differences_of_a_real_comparison_against_either_baseline(cmp):
    forward = cmp.differences(metrics=["revenue"]).set_index("metric")
    back = cmp.differences(baseline="customer_success", metrics=["revenue"]).set_index("metric")
    assert back.loc["revenue", "mean_diff"] == pytest.approx(-forward.loc["revenue", "mean_diff"])
    with pytest.raises(ValueError, match="baseline 'kam' is not one of"):
        cmp.differences(baseline="kam")


def test_wide_table_is_text_per_strategy(cmp):
    w = cmp.wide(["nrr", "revenue"])
    assert list(w.columns) == STRATEGIES
    assert list(w.index) == [HEADLINE["nrr"], HEADLINE["revenue"]]
    t = cmp.table(["revenue"]).set_index("strategy")
    m, lo, hi = t.loc["reactive", ["mean", "ci_low", "ci_high"]]
    assert w.loc[HEADLINE["revenue"], "reactive"] == f"{m:,.0f} [{lo:,.0f}, {hi:,.0f}]"


@pytest.mark.parametrize(
    ("mean", "low", "high", "text"),
    [
        (1234.5, 1000.0, 1469.0, "1,234 [1,000, 1,469]"),
        (-2500.0, -3000.0, -2000.0, "-2,500 [-3,000, -2,000]"),
        (12.34, 11.0, 13.7, "12.3 [11.0, 13.7]"),
        (12.0, math.nan, math.nan, "12.0"),
        (math.nan, math.nan, math.nan, "n/a"),
    ],
)
def test_format_interval(mean, low, high, text):
    assert format_interval(mean, low, high) == text


def test_events_and_summaries_need_kept_runs(cmp):
    events = cmp.events
    assert set(events["strategy"]) == set(STRATEGIES)
    assert sorted(events["replication"].unique()) == [0, 1, 2]
    per_year = cmp.summarize(by="strategy", period="all").set_index("strategy")
    runs_mean = cmp.runs.groupby("strategy")["revenue"].mean()
    # revenue is per year in both: pooled over the replications, then per run and year
    assert per_year.loc["reactive", "revenue"] == pytest.approx(runs_mean["reactive"])
    lean = compare(cmp.scenario, ["reactive"], replications=1, jobs=1)
    assert lean.results == {}
    with pytest.raises(ValueError, match="kept summaries only"):
        _ = lean.events


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


def test_same_comparison_whatever_the_number_of_processes(cmp):
    two = compare(cmp.scenario, STRATEGIES, replications=3, jobs=2)
    pd.testing.assert_frame_equal(two.runs, cmp.runs, check_exact=True)
    assert np.isfinite(two.runs["revenue"]).all()


def test_a_bad_custom_strategy_is_refused_before_any_run(monkeypatch):
    from simkit.engine.guard import StrategyError
    from simkit.engine.strategies import Strategy
    from simkit.experiments import compare as compare_module

    class Nameless(Strategy):
        name = ""

    def no_runs(*args, **kwargs):
        raise AssertionError("runs started")

    monkeypatch.setattr(compare_module, "run_many", no_runs)
    with pytest.raises(StrategyError, match="a strategy's name must be a non-empty label"):
        compare(small_scenario(), ["reactive", Nameless()], replications=1)


def test_a_single_strategy_may_be_given_alone():
    sc = small_scenario(horizon_years=0.5)
    assert compare(sc, "reactive", replications=1, jobs=1).strategies == ["reactive"]


# -- lean runs and the drill-down -----------------------------------------------------------
def test_kept_lean_runs_summarise_like_full_ones_and_say_events_are_missing(cmp):
    lean = compare(cmp.scenario, STRATEGIES, replications=3, jobs=1, keep=True, record="summary")
    assert all(r.lean for r in lean.results.values())
    pd.testing.assert_frame_equal(lean.runs, cmp.runs, check_exact=True)
    for by, period in (("strategy", "Q"), (["strategy", "segment"], "Y")):
        pd.testing.assert_frame_equal(
            lean.summarize(by=by, period=period), cmp.summarize(by=by, period=period),
            check_exact=True,
        )  # fmt: skip
    with pytest.raises(LeanRunError, match="re-run it with record='events'"):
        _ = lean.events


def test_replay_gives_the_numbers_of_the_row_it_drills_into(cmp):
    lean = compare(cmp.scenario, STRATEGIES, replications=3, jobs=1)
    run = lean.replay("customer_success", 2)
    assert run.recorded == "events" and len(run.events) > 0
    row = lean.runs.set_index(["strategy", "replication"]).loc[("customer_success", 2)]
    pd.testing.assert_series_equal(
        run_summary(run), row.rename(("customer_success", 2)), check_exact=True
    )
    with pytest.raises(ValueError, match="strategy 'cs' is not one of"):
        lean.replay("cs", 0)
    with pytest.raises(ValueError, match="replication must be 0 to 2"):
        lean.replay("reactive", 3)


def test_replay_runs_the_very_strategy_object_compared():
    from simkit.engine.strategies import Reactive

    class Patient(Reactive):
        name = "patient"

        def pitch_upsell(self, account):
            return False

    sc = small_scenario(horizon_years=0.5)
    lean = compare(sc, ["reactive", Patient()], replications=1, jobs=1)
    replayed = lean.replay("patient", 0)
    assert "upsell" not in set(replayed.events["event"].astype(str))
    assert run_summary(replayed)["revenue"] == lean.runs.iloc[1]["revenue"]


def test_a_bad_record_is_refused_before_any_run():
    with pytest.raises(ValueError, match="record must be 'summary' or 'events'"):
        compare(small_scenario(), ["reactive"], 1, record="full")
