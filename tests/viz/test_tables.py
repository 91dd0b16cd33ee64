"""Tests for simkit.viz.tables: figures under readable labels, intervals written as text."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from simkit.analysis.economics import strategy_return
from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.model import simulate
from simkit.experiments.compare import compare
from simkit.viz.tables import (
    RETURN_LABEL,
    differences_table,
    format_difference,
    format_return,
    headline_figures,
    results_table,
    summary_frame,
)
from tests.helpers import small_scenario

SMALL = small_scenario()


@pytest.fixture(scope="module")
def cmp():
    return compare(SMALL, ["reactive", "customer_success", "proactive"], replications=3, jobs=1)


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"[-+]?[\d,]*\.?\d+", text)]


def test_headline_figures_are_the_run_summary_rounded_under_labels():
    res = simulate(SMALL, "customer_success")
    figures = headline_figures(res)
    summary = run_summary(res)
    assert figures.name == "Customer success"
    for key, label in HEADLINE.items():
        assert figures[label] == round(float(summary[key]), 1)


def test_results_table_writes_each_strategys_mean_and_interval(cmp):
    table = results_table(cmp, ["nrr", "revenue"])
    assert list(table.columns) == ["Reactive", "Customer success", "Proactive check-ins"]
    runs = cmp.runs
    for column, strategy in zip(table.columns, cmp.strategies, strict=True):
        for metric in ("nrr", "revenue"):
            v = runs.loc[runs["strategy"] == strategy, metric]
            half = stats.t.ppf(0.975, len(v) - 1) * stats.sem(v)
            mean, lo, hi = _numbers(table.loc[HEADLINE[metric], column])
            digits = 0 if abs(v.mean()) >= 1000 else 1
            assert mean == pytest.approx(round(v.mean(), digits), abs=10**-digits)
            assert lo == pytest.approx(v.mean() - half, abs=10**-digits)
            assert hi == pytest.approx(v.mean() + half, abs=10**-digits)


def test_differences_table_pairs_each_strategy_with_the_baseline(cmp):
    table = differences_table(cmp, ["revenue", "nrr"])
    assert table.columns.name == "minus Reactive"
    assert list(table.columns) == ["Customer success", "Proactive check-ins"]
    assert list(table.index) == [HEADLINE["revenue"], HEADLINE["nrr"], RETURN_LABEL]
    runs = cmp.runs.set_index(["strategy", "replication"])
    for column, strategy in zip(table.columns, cmp.strategies[1:], strict=True):
        diff = runs.loc[strategy, "nrr"] - runs.loc["reactive", "nrr"]
        half = stats.t.ppf(0.975, len(diff) - 1) * stats.sem(diff)
        mean, lo, hi = _numbers(table.loc[HEADLINE["nrr"], column])
        assert (mean, lo, hi) == pytest.approx(
            (diff.mean(), diff.mean() - half, diff.mean() + half), abs=0.051
        )
        gain = runs.loc[strategy, "gross_profit"] - runs.loc["reactive", "gross_profit"]
        cost = runs.loc[strategy, "strategy_cost"] - runs.loc["reactive", "strategy_cost"]
        text = table.loc[RETURN_LABEL, column]
        ret = strategy_return(cmp.runs, "reactive").set_index("strategy").loc[strategy]
        if ret["reason"]:  # no clear extra cost: no number, and the reason
            assert text.startswith("n/a: the extra cost is not clearly above 0")
        else:
            value, low, high = _numbers(text)
            assert value == pytest.approx(gain.mean() / cost.mean(), abs=0.005)
            assert (low, high) == pytest.approx((ret["low"], ret["high"]), abs=0.005)
    assert "proactive" in cmp.strategies[2] and not table.iloc[-1, 1].startswith("n/a")


def test_one_strategy_has_no_differences():
    one = compare(SMALL, ["reactive"], replications=2, jobs=1)
    table = differences_table(one, ["nrr"])
    assert table.empty and table.columns.name == "minus Reactive"


@pytest.mark.parametrize(
    "args, text",
    [
        ((1.23, 0.4, 2.04, "nrr"), "+1.2 [+0.4, +2.0]"),
        ((-0.04, -0.5, 0.42, "nrr"), "-0.0 [-0.5, +0.4]"),
        ((-2500.0, -4000.0, -1000.0, "revenue"), "-2,500 [-4,000, -1,000]"),
        ((12.0, -900.0, 1200.0, "revenue"), "+12 [-900, +1,200]"),  # a wide interval: whole units
        ((3.0, math.nan, math.nan, "nrr"), "+3.0"),
        ((math.nan, 0.0, 1.0, "nrr"), "n/a"),
    ],
)
def test_format_difference(args, text):
    assert format_difference(*args) == text


def test_format_return():
    assert format_return(1.849, 1.2, 2.5) == "1.85 [1.20, 2.50]"
    assert format_return(1.849, math.nan, math.nan) == "1.85"
    nan = math.nan
    assert format_return(nan, nan, nan, "the denominator is clearly below 0") == (
        "n/a: the extra cost is clearly below 0"
    )


def test_summary_frame_adds_the_return_to_the_table(cmp):
    frame = summary_frame(cmp)
    main = frame[frame["metric"] != "return"]
    assert len(main) == len(cmp.strategies) * len(HEADLINE)
    assert (main["compared_to"] == "").all() and (main["note"] == "").all()
    runs = cmp.runs
    revenue = main[main["metric"] == "revenue"].set_index("strategy")["mean"]
    np.testing.assert_allclose(
        revenue.loc[cmp.strategies], runs.groupby("strategy")["revenue"].mean().loc[cmp.strategies]
    )
    ret = frame[frame["metric"] == "return"]
    assert list(ret["strategy"]) == cmp.strategies[1:]
    assert set(ret["compared_to"]) == {"reactive"} and set(ret["label"]) == {RETURN_LABEL}
    want = strategy_return(runs, "reactive")
    np.testing.assert_allclose(ret["mean"], want["return"])
    np.testing.assert_allclose(ret["ci_low"], want["low"])
    assert list(ret["note"]) == list(want["reason"])
    assert not ret["mean"].isna().all()  # check-ins clearly cost more: a return
    ok = main.dropna(subset=["ci_low", "ci_high"])  # a figure undefined in a run has no CI
    assert (ok["ci_low"] <= ok["mean"]).all() and (ok["mean"] <= ok["ci_high"]).all()


def test_every_row_of_the_tables_says_its_basis(cmp):
    """The issue's complaint: figures did not say their period."""
    bases = ("per year", "over the horizon", "at the end", "at the start")
    for text in headline_figures(simulate(SMALL, "reactive")).index:
        assert any(b in text for b in bases), text
    for text in differences_table(cmp, ["nrr", "nps", "end_arr"]).index:
        assert any(b in text for b in bases), text
