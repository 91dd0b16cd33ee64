"""Tests for simkit.viz.sensitivity: the tornado draws the table's numbers, in its order.

Bars are read back from the figure and compared with the sensitivity table: a plot that
draws the wrong column, the wrong strategy or the wrong order fails.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest

from simkit.experiments.sensitivity import sensitivity
from simkit.experiments.sensitivity_ranges import Parameter
from simkit.viz.sensitivity import HIGH_COLOUR, LOW_COLOUR, parameter_label, tornado
from tests.helpers import small_scenario

SMALL = small_scenario()
PARAMS = [
    "behaviour.renewal_at_50",
    "behaviour.touch_health_gain",
    Parameter("behaviour.nps_noise_sd", 0.5, 3.0, "answer points", "no effect on money"),
]
STRATEGIES = ["reactive", "customer_success", "proactive_check_ins"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def oat():
    return sensitivity(SMALL, STRATEGIES, PARAMS, method="oat", replications=1, jobs=1)


@pytest.fixture(scope="module")
def morris():
    return sensitivity(SMALL, STRATEGIES, PARAMS, trajectories=2, replications=1, jobs=1, seed=5)


def _rows_top_down(table, strategy, output):
    sub = table[(table["strategy"] == strategy) & (table["output"] == output)]
    return sub.sort_values("effect", ascending=False, kind="stable")


def test_one_at_a_time_bars_run_from_the_default_to_each_end(oat):
    ax = tornado(oat, "proactive_check_ins", "nrr_diff").axes[0]
    rows = _rows_top_down(oat.table(), "proactive_check_ins", "nrr_diff")
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]  # top first
    assert labels == [parameter_label(r) for _, r in rows.iterrows()]
    low = [
        p for p in ax.patches if p.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb(LOW_COLOUR)
    ]
    high = [
        p for p in ax.patches if p.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb(HIGH_COLOUR)
    ]
    assert len(low) == len(high) == len(rows)
    for bars, column in ((low, "at_low"), (high, "at_high")):
        bars = sorted(bars, key=lambda p: -p.get_y())  # top first
        for bar, (_, row) in zip(bars, rows.iterrows(), strict=True):
            assert math.isclose(bar.get_x(), row["at_default"], abs_tol=1e-9)
            assert math.isclose(bar.get_x() + bar.get_width(), row[column], abs_tol=1e-9)
    assert ax.get_xlabel() == "NRR difference vs Reactive (points per year)"
    assert "Proactive check-ins vs Reactive" in ax.get_title(loc="left")


def test_morris_bars_are_mu_star_largest_on_top(morris):
    ax = tornado(morris, "customer_success", "profit_diff").axes[0]
    rows = _rows_top_down(morris.table(), "customer_success", "profit_diff")
    bars = sorted(ax.patches, key=lambda p: -p.get_y())
    assert [b.get_width() for b in bars] == pytest.approx(list(rows["mu_star"]), abs=1e-9)
    assert all(b.get_x() == 0 for b in bars)
    xlabel = ax.get_xlabel()
    assert xlabel.startswith("Profit difference vs Reactive (currency per year)")
    assert "Morris mu*" in xlabel and "plausible range" in xlabel
    assert ax.get_yticklabels()[0].get_text().startswith("behaviour.nps_noise_sd")  # no effect


def test_levels_and_top_and_a_table_as_source(morris):
    ax = tornado(morris.table(outputs=["nrr"]), "reactive", "nrr", top=1).axes[0]
    assert len(ax.patches) == 1
    assert ax.get_yticklabels()[0].get_text().startswith("behaviour.renewal_at_50")
    assert ax.get_xlabel().startswith("NRR (% per year)")
    assert "vs" not in ax.get_title(loc="left")


def test_flipped_rankings_are_marked():
    row = {"parameter": "behaviour.health_floor", "low": 35.0, "high": 55.0, "flips": True}
    assert parameter_label(row) == "behaviour.health_floor (35 to 55) (ranking flips)"


def test_bad_requests_get_a_clear_error(morris):
    with pytest.raises(ValueError, match="no output 'churn'"):
        tornado(morris, output="churn")
    with pytest.raises(ValueError, match="no nrr_diff for strategy 'reactive'"):
        tornado(morris, "reactive", "nrr_diff")
    with pytest.raises(ValueError, match="top must be a whole number"):
        tornado(morris, top=0)
    with pytest.raises(TypeError, match="takes a sensitivity result"):
        tornado([1, 2, 3])


def test_only_strategies_that_swap_are_marked(oat):
    """The table's (and so the tornado's) flip mark names a strategy that swaps places."""
    flips = oat.flips(tolerance=0.0)
    table = oat.table(outputs=["nrr_diff", "profit"], tolerance=0.0)
    for _, row in table.iterrows():
        metric = "nrr" if row["output"] == "nrr_diff" else "profit"
        pairs = flips[(flips["parameter"] == row["parameter"]) & (flips["metric"] == metric)]
        involved = {s for p in pairs["pairs"].iloc[0].split("; ") if p for s in p.split("/")}
        assert row["flips"] == (row["strategy"] in involved)
