"""Tests for simkit.viz.plots: every figure has a title, labelled axes and the kit's colours."""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simkit.analysis.retention import geometric_survival
from simkit.analysis.summary import summarize
from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS
from simkit.experiments.runner import compare
from simkit.ui.widgets import book_by_segment, capacity_sweep, whitespace_by_segment
from simkit.viz import plots
from tests.helpers import small_scenario

SMALL = small_scenario()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def run():
    return simulate(SMALL, "proactive_check_ins")


@pytest.fixture(scope="module")
def comparison():
    return compare(SMALL, ["reactive", "customer_success"], replications=2, jobs=1, keep=True)


def _labelled(ax) -> None:
    assert ax.get_title(loc="left") or ax.figure._suptitle is not None
    assert ax.get_ylabel(), "every panel needs a y label"


def _hex(colour) -> str:
    return mcolors.to_hex(colour)


def test_palette_is_fixed_for_built_ins_and_stable_for_others():
    assert plots.strategy_colour("reactive") == plots.STRATEGY_COLOURS["reactive"]
    assert plots.strategy_colour("my_own") == plots.strategy_colour("my_own")
    assert plots.strategy_colour("my_own") in plots.EXTRA_COLOURS
    assert plots.strategy_label("customer_success+proactive_check_ins") == (
        "Customer success + Proactive check-ins"
    )


def test_stage_flow_uses_the_stage_colours(run):
    fig = plots.stage_flow(run)
    ax = fig.axes[0]
    _labelled(ax)
    fills = [_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert fills == [plots.STAGE_COLOURS[s] for s in ("prospect", "customer", "loyal", "former")]
    assert ax.get_xlabel() == "month"
    with pytest.raises(ValueError, match="by must be"):
        plots.stage_flow(run, by="health")


def test_stage_flow_in_money_shows_only_paying_stages(run):
    ax = plots.stage_flow(run, by="arr").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["customer", "loyal"]
    assert "ARR" in ax.get_ylabel()


def test_compare_bars_colours_and_intervals(comparison):
    fig = plots.compare_bars(comparison, ["logo_retention", "revenue"])
    for ax in fig.axes[:2]:
        _labelled(ax)
        colours = [_hex(p.get_facecolor()) for p in ax.patches]
        assert colours == [plots.strategy_colour(s) for s in comparison.strategies]
        heights = [p.get_height() for p in ax.patches]
        assert all(np.isfinite(heights))


def test_metric_over_time_names_the_period(comparison):
    quarterly = summarize(comparison, by="strategy", period="Q")
    ax = plots.metric_over_time(quarterly, "nrr").axes[0]
    assert ax.get_title(loc="left") == "NRR (%) per quarter"
    assert ax.get_xlabel().startswith("quarter")
    assert [_hex(line.get_color()) for line in ax.get_lines()] == [
        plots.strategy_colour(s) for s in sorted(comparison.strategies)
    ]
    with pytest.raises(ValueError, match="not a column"):
        plots.metric_over_time(quarterly, "happiness")


def test_segment_bars_have_units(run):
    table = summarize(run, by="segment", period="all")
    ax = plots.segment_bars(table, "churn_rate").axes[0]
    assert ax.get_ylabel() == "Churn (%)"
    assert [_hex(p.get_facecolor()) for p in ax.patches] == [
        plots.SEGMENT_COLOURS[s] for s in SEGMENTS
    ]


def test_account_timeline_marks_events(run):
    account = int(run.events.loc[run.events["event"] == "issue_open", "account"].iloc[0])
    ax = plots.account_timeline(run, account).axes[0]
    _labelled(ax)
    assert ax.get_ylim() == (0, 100)
    assert "issue" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_capacity_curves_one_line_per_strategy_per_panel():
    table = capacity_sweep(SMALL, ["reactive", "customer_success"], [1, 2], replications=1, jobs=1)
    fig = plots.capacity_curves(table)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        _labelled(ax)
        assert ax.get_xlabel() == "account managers"
        assert [_hex(line.get_color()) for line in ax.get_lines()] == [
            plots.strategy_colour("reactive"),
            plots.strategy_colour("customer_success"),
        ]


def test_capacity_curves_drop_intervals_from_too_few_runs():
    rows = []
    for m, (ttr, churn, util) in {2: (3.0, 20.0, 90.0), 4: (0.6, 17.0, 45.0)}.items():
        for metric, mean in zip(
            ["time_to_resolution", "churn_rate", "utilisation"], [ttr, churn, util], strict=True
        ):
            rows.append(
                {
                    "strategy": "reactive",
                    "managers": m,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": mean - 1,
                    "ci_high": mean + 1,
                    "n": 2,
                }
            )
    few = plots.capacity_curves(pd.DataFrame(rows))
    assert not any(c for ax in few.axes for c in ax.collections)  # no error bars
    many = plots.capacity_curves(pd.DataFrame(rows).assign(n=5))
    assert all(ax.collections for ax in many.axes)


def test_survival_curves_plot_shares_as_percent():
    years = np.arange(5)
    fig = plots.survival_curves(
        {"r = 0.8": geometric_survival(0.8, years)}, observed=[1, 0.79, 0.65, 0.5, 0.42]
    )
    ax = fig.axes[0]
    line, dots = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), 100 * 0.8**years)
    np.testing.assert_allclose(dots.get_ydata(), [100, 79, 65, 50, 42])
    assert ax.get_xlabel() == "year"


def test_retention_value_bends_upwards():
    ax = plots.retention_value(0.1, highlight=[0.8]).axes[0]
    lifetime = ax.get_lines()[0].get_ydata()
    assert np.all(np.diff(lifetime, 2) > 0)  # convex: each point of retention is worth more
    assert ax.get_xlabel() == "renewal rate per year (%)"


def test_segment_compare_bars_groups_by_strategy(comparison):
    table = summarize(comparison, by=["strategy", "segment"], period="all")
    fig = plots.segment_compare_bars(table, "nrr")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "NRR (%)"
    colours = {_hex(p.get_facecolor()) for p in ax.patches}
    assert colours == {plots.strategy_colour(s) for s in comparison.strategies}
    assert len(ax.patches) == 2 * len(SEGMENTS)
    with pytest.raises(ValueError, match="not a column"):
        plots.segment_compare_bars(table, "luck")


def test_whitespace_bars_and_book_shares(run):
    ax = plots.whitespace_bars(whitespace_by_segment(run)).axes[0]
    _labelled(ax)
    assert len(ax.patches) == 2 * len(SEGMENTS)
    book = book_by_segment(run)
    ax = plots.book_shares(book).axes[0]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(sum(heights[:4]), 100)  # shares of accounts add up
    np.testing.assert_allclose(sum(heights[4:]), 100)  # and so do shares of ARR
