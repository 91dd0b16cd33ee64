"""The metric registry: each metric defined once, and a new entry shows up everywhere."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from simkit.analysis import metrics, registry
from simkit.analysis.counts import COUNTS
from simkit.analysis.metric import UNIT_TEXT
from simkit.analysis.registry import (
    AT_END,
    AT_START,
    METRICS,
    PER_QUARTER,
    PER_YEAR,
    WHOLE_HORIZON,
    CountInputs,
    Metric,
    from_counts,
    headline,
    label,
    metric,
    register,
    unregister,
)
from simkit.analysis.summary import HEADLINE, YEARLY_MEANS, run_summary, summarize
from simkit.engine.model import simulate
from tests.helpers import small_scenario

ARR_GROWTH = Metric(
    "arr_growth",
    "ARR growth",
    unit="%",
    basis=PER_YEAR,
    direction="higher",
    description="Growth of the book's ARR over the period, new business included.",
    function=metrics.revenue_growth,
    inputs=from_counts(start_revenue="start_arr", end_revenue="end_arr"),
    headline=True,
)


@pytest.fixture(scope="module")
def run():
    return simulate(small_scenario(horizon_years=2.0), "customer_success")


# ------------------------------------------------------------------- each metric once
@pytest.mark.parametrize("name", list(METRICS))
def test_every_metric_is_computed_from_counts_by_a_plain_function(name):
    m = METRICS[name]
    if m.count is not None:
        assert m.count in COUNTS
        return
    assert m.function.__module__.startswith("simkit.analysis.metrics.")
    assert getattr(metrics, m.function.__name__) is m.function  # reachable as metrics.<name>
    parameters = inspect.signature(m.function).parameters
    if isinstance(m.inputs, CountInputs):
        assert set(m.inputs.arguments) <= set(parameters)
        assert set(m.inputs.arguments.values()) <= set(COUNTS)


def test_every_metric_is_a_column_of_summarize_and_a_figure_of_run_summary(run):
    table = summarize(run, by=[], period="Y")
    assert set(METRICS) <= set(table.columns)
    summary = run_summary(run)
    assert list(summary.index) == list(METRICS)
    assert summary.notna().all()


def test_metric_values_on_a_row_of_counts():
    row = {"start": 200, "end": 190, "new": 10, "lost": 20, "responses": 0}
    assert metric("logo_retention").value(row) == 90.0  # no period given: taken as a year
    assert metric("retention_rate").value(row) == 90.0
    assert math.isnan(metric("nps").value(row))  # no answers: undefined
    assert math.isnan(metric("churn_rate").value({"lost": 0, "start": 0}))  # plain fn refuses


def test_rates_and_totals_are_put_per_year_by_one_rule():
    half = {"period_start": 0.0, "period_end": 182.5, "runs": 1}
    row = {**half, "start": 100, "lost": 19, "revenue_earned": 5_000.0}
    # half a year keeping 81 %: 0.81 ** 2 = 65.61 % a year; churn is the rest
    assert metric("logo_retention").value(row) == pytest.approx(65.61)
    assert metric("churn_rate").value(row) == pytest.approx(34.39)
    assert metric("revenue").value(row) == pytest.approx(10_000.0)  # a total: / 0.5 years
    two_runs = {**row, "runs": 2}
    assert metric("revenue").value(two_runs) == pytest.approx(5_000.0)  # per run
    assert metric("logo_retention").value(two_runs) == pytest.approx(65.61)  # a share


# ------------------------------------------------------------------- every label says its basis
BASIS_WORDS = {
    PER_YEAR: "per year",
    PER_QUARTER: "per quarter",
    WHOLE_HORIZON: "over the horizon",
    AT_END: "at the end",
    AT_START: "at the start",
}


@pytest.mark.parametrize("name", list(METRICS))
def test_every_label_says_its_basis_and_unit(name):
    """The issue's complaint: a whole-horizon NRR sat next to yearly ones, unlabelled."""
    m = METRICS[name]
    text = label(name)
    assert text.startswith(m.label + " (") and text.endswith(")")
    assert BASIS_WORDS[m.basis] in text, f"{text!r} does not say its basis"
    assert UNIT_TEXT[m.unit] in text, f"{text!r} does not say its unit"
    if m.unit == "currency":  # money is per year, or a total over the horizon that says so
        assert "per year" in text or "total over the horizon" in text
    assert HEADLINE.get(name, text) == text  # the headline reads the same
    for period, word in (("M", "month"), ("Q", "quarter"), ("Y", "year")):
        in_table = label(name, period=period)
        assert m.annualise is not None or word in in_table, in_table
        assert m.annualise is None or in_table == text  # annualised in every period


def test_labels_are_distinct():
    labels = [label(n) for n in METRICS]
    assert len(set(labels)) == len(labels)


def test_labels_units_and_the_headline():
    assert label("churn_rate") == "Churn (% per year)"
    assert label("nrr") == "NRR (% per year)"
    assert label("revenue") == "Revenue (per year)"
    assert label("revenue", with_unit=False) == "Revenue"
    assert label("time_to_resolution") == "Time to resolution (days, mean over the horizon)"
    assert (
        label("time_to_resolution", period="Q") == "Time to resolution (days, mean in each quarter)"
    )
    assert label("end_arr") == "ARR (per year, at the end)"
    assert label("end_arr", period="Q") == "ARR (per year, at the end of each quarter)"
    assert label("manager_hours") == "Manager hours (hours, total over the horizon)"
    assert label("nps", period="all") == "NPS (score, over the horizon)"
    assert label("engagement_rate", period="Q") == "Engagement (%, in each quarter)"
    assert label("revenue", period="Q") == "Revenue (per year)"  # annualised: per year
    assert HEADLINE["utilisation"] == "Team utilisation (%, over the horizon)"
    assert HEADLINE["clv_simple"] == "Simple CLV (per customer, from yearly rates over the horizon)"
    assert "retention_rate" not in HEADLINE and "accounts_start" not in HEADLINE
    assert dict(HEADLINE) == headline()
    assert set(YEARLY_MEANS) == {"logo_retention", "churn_rate", "retention_rate", "grr", "nrr"} | {
        "deals_won",
        "deals_lost",
        "revenue",
        "gross_profit",
        "acquisition_spend",
        "strategy_cost",
        "team_cost",
        "operating_profit",
        "engagement_rate",
        "touches_planned",
        "touches_delivered",
        "touches_missed",
    }
    with pytest.raises(ValueError, match="period must be one of"):
        label("nrr", period="W")


def test_the_old_names_are_gone():
    """One CLV family, named; the return is no longer a figure of the runs."""
    for old in ("clv", "return_per_cost"):
        assert old not in METRICS
    assert {"clv_simple", "clv_margin"} <= set(METRICS)
    simple, margin = metric("clv_simple").description, metric("clv_margin").description
    assert "1 / (1 - r) - 1 = r / (1 - r)" in simple and "before acquisition" in margin
    ops = metric("operating_profit").description
    assert "headcount" in ops and "acquisition" in ops and "not in it" in ops


def test_directions_say_which_way_is_better():
    assert metric("churn_rate").direction == "lower"
    assert metric("nrr").direction == "higher"
    assert metric("time_to_resolution").direction == "lower"


# ------------------------------------------------------------------- adding a metric
def test_a_metric_added_to_a_copy_of_the_registry_appears_in_the_summaries(run):
    mine = {**METRICS, ARR_GROWTH.name: ARR_GROWTH}
    table = summarize(run, by=[], period="Y", registry=mine)
    by_hand = 100 * (table["end_arr"] - table["start_arr"]) / table["start_arr"]
    np.testing.assert_allclose(table["arr_growth"], by_hand, rtol=1e-12)
    assert "arr_growth" not in summarize(run, by=[], period="Y").columns  # the package's own
    summary = run_summary(run, registry=mine)
    weights = table["period_end"] - table["period_start"]
    assert summary["arr_growth"] == pytest.approx(np.average(by_hand, weights=weights))
    assert "arr_growth" not in run_summary(run).index
    assert headline(mine)["arr_growth"] == "ARR growth (% per year)"


def test_a_registered_metric_appears_everywhere_until_unregistered(run):
    before = run_summary(run)  # kept with the run ...
    register(ARR_GROWTH)
    try:
        after = run_summary(run)  # ... and not reused once the registry changed
        assert after["arr_growth"] == pytest.approx(
            run_summary(run, registry={"arr_growth": ARR_GROWTH})["arr_growth"]
        )
        assert after.drop("arr_growth").equals(before)
        assert "arr_growth" in summarize(run, by=["segment"], period="Q").columns
        assert HEADLINE["arr_growth"] == "ARR growth (% per year)"
        assert list(HEADLINE)[-1] == "arr_growth"
        with pytest.raises(ValueError, match="registered already"):
            register(ARR_GROWTH)
    finally:
        unregister("arr_growth")
    assert "arr_growth" not in METRICS and "arr_growth" not in HEADLINE
    assert "arr_growth" not in run_summary(run).index


# ------------------------------------------------------------------- bad entries
GOOD = dict(
    name="x",
    label="X",
    unit="%",
    basis=WHOLE_HORIZON,
    direction="higher",
    description="x",
    function=metrics.churn_rate,
    inputs=from_counts("lost", "start"),
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": "percent"}, "unit must be one of"),
        ({"basis": "per month"}, "basis must be one of"),
        ({"direction": "up"}, "direction must be one of"),
        ({"count": "start"}, "either function .* or count"),
        ({"function": None, "inputs": None}, "either function .* or count"),
        ({"inputs": None}, "needs inputs"),
        ({"function": None, "inputs": None, "count": "starts"}, "not one of COUNTS"),
        ({"name": "lost"}, "taken by a count"),
        ({"annualise": "total"}, "only a figure per year"),
        ({"basis": PER_YEAR, "annualise": "yearly"}, "annualise must be one of"),
        ({"unit": "currency"}, "money is reported per year"),
        ({"aggregate": "sum"}, "aggregate must be one of"),
        (
            {"basis": PER_YEAR, "annualise": "total", "function": None, "inputs": None}
            | {"name": "new", "count": "new"},
            "can't share its name with a count",
        ),
        ({"name": "two words"}, "identifier"),
    ],
)
def test_bad_entries_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        Metric(**{**GOOD, **change})


def test_unknown_metric_names_the_known_ones():
    with pytest.raises(KeyError, match="no metric 'churn'; the metrics are logo_retention, "):
        metric("churn")
    with pytest.raises(TypeError, match="takes a Metric"):
        register("churn")  # type: ignore[arg-type]
    assert registry.names(basis=registry.AT_START) == ("accounts_start",)
    assert registry.names(basis=PER_QUARTER) == ()
