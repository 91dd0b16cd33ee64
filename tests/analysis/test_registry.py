"""The metric registry: each metric defined once, and a new entry shows up everywhere."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from simkit.analysis import metrics, registry
from simkit.analysis.counts import COUNTS
from simkit.analysis.registry import (
    METRICS,
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
    assert metric("logo_retention").value(row) == 90.0
    assert metric("retention_rate").value(row) == 90.0
    assert math.isnan(metric("nps").value(row))  # no answers: undefined
    assert math.isnan(metric("churn_rate").value({"lost": 0, "start": 0}))  # plain fn refuses
    clv = metric("clv").value(
        {"period_start": 0.0, "period_end": 182.5, "start": 100, "end": 100, "lost": 10}
        | {"revenue": 50_000.0}
    )
    # half a year: 1,000 a year per account; 10 % churn in half a year = 20 % a year -> 5 years
    assert clv == pytest.approx(5_000.0)


def test_labels_units_and_the_headline():
    assert label("churn_rate") == "Churn (%)"
    assert label("revenue") == "Revenue (currency)"
    assert label("revenue", with_unit=False) == "Revenue"
    assert HEADLINE["churn_rate"] == "Churn (%/yr)"
    assert HEADLINE["utilisation"] == "Team utilisation (%)"
    assert HEADLINE["manager_hours"] == "Manager hours (total)"
    assert HEADLINE["end_arr"] == "ARR at end"
    assert HEADLINE["clv"] == "CLV"
    assert "retention_rate" not in HEADLINE and "accounts_start" not in HEADLINE
    assert dict(HEADLINE) == headline()
    assert set(YEARLY_MEANS) == {"logo_retention", "churn_rate", "retention_rate", "grr", "nrr"} | {
        "renewal_rate",
        "upsell_rate",
        "engagement_rate",
        "clv",
    }


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
    assert headline(mine)["arr_growth"] == "ARR growth (%/yr)"


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
        assert HEADLINE["arr_growth"] == "ARR growth (%/yr)"
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
