"""Tests for simkit.viz.plots: each figure draws the numbers it was given, in the kit's colours.

Bars, lines and areas are read back from the figure and compared with numbers computed here
from the data, so a figure that draws the wrong column, the wrong order or the wrong
colour fails.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from scipy import stats

from simkit.analysis.economics import strategy_return
from simkit.analysis.registry import label as registry_label
from simkit.analysis.retention import geometric_survival
from simkit.analysis.summary import summarize
from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS
from simkit.experiments.compare import compare
from simkit.viz import plots
from simkit.viz.palette import SEGMENT_COLOURS, STAGE_COLOURS, strategy_colour
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
    return compare(SMALL, ["reactive", "customer_success"], replications=3, jobs=1, keep=True)


def _labelled(ax) -> None:
    assert ax.get_title(loc="left") or ax.figure._suptitle is not None
    assert ax.get_ylabel(), "every panel needs a y label"


def _hex(colour) -> str:
    return mcolors.to_hex(colour)


def _heights(ax) -> list[float]:
    return [p.get_height() for p in ax.patches]


def _stack_top(ax, month: int) -> float:
    top = ax.collections[-1].get_paths()[0].vertices
    return top[np.isclose(top[:, 0], month), 1].max()


def test_stage_flow_stacks_the_month_end_counts(run):
    ax = plots.stage_flow(run).axes[0]
    _labelled(ax)
    fills = [_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert fills == [STAGE_COLOURS[s] for s in ("prospect", "customer", "loyal", "former")]
    assert ax.get_xlabel() == "month"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == "former (customers who left)"
    # the top of the stack is every account of the book (lost deals are not in it)
    snap = run.snapshots
    book = snap[snap["stage"] != "lost"].groupby("month", observed=False)["accounts"].sum()
    last_month = book.index.max()
    assert _stack_top(ax, last_month) == pytest.approx(book.loc[last_month])
    lost = int(snap[(snap["month"] == last_month) & (snap["stage"] == "lost")]["accounts"].sum())
    assert lost > 0 and ax.get_title(loc="left").endswith(f"{lost:,} lost deals not shown")
    with pytest.raises(ValueError, match="by must be"):
        plots.stage_flow(run, by="health")


def test_stage_flow_can_stack_the_lost_deals_apart_from_former(run):
    ax = plots.stage_flow(run, lost=True).axes[0]
    fills = [_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert fills[-2:] == [STAGE_COLOURS["former"], STAGE_COLOURS["lost"]]
    assert STAGE_COLOURS["lost"] != STAGE_COLOURS["former"]
    totals = run.snapshots.groupby("month", observed=False)["accounts"].sum()
    assert _stack_top(ax, totals.index.max()) == pytest.approx(totals.iloc[-1])


def test_stage_flow_in_money_shows_only_paying_stages(run):
    ax = plots.stage_flow(run, by="arr").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["customer", "loyal"]
    assert "ARR" in ax.get_ylabel()


def test_compare_bars_draw_each_strategys_mean_and_t_interval(comparison):
    metrics = ["logo_retention", "revenue"]
    fig = plots.compare_bars(comparison, metrics)
    runs = comparison.runs
    for ax, metric in zip(fig.axes, metrics, strict=False):
        _labelled(ax)
        assert [_hex(p.get_facecolor()) for p in ax.patches] == [
            strategy_colour(s) for s in comparison.strategies
        ]
        values = [runs.loc[runs["strategy"] == s, metric] for s in comparison.strategies]
        np.testing.assert_allclose(_heights(ax), [v.mean() for v in values])
        # the error bars reach the Student-t 95 % interval of each strategy's runs
        (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
        segments = bars.errorbar.lines[2][0].get_segments()
        for seg, v in zip(segments, values, strict=True):
            half = stats.t.ppf(0.975, len(v) - 1) * stats.sem(v)
            np.testing.assert_allclose(
                sorted(seg[:, 1]), [v.mean() - half, v.mean() + half], rtol=1e-9
            )
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["Reactive", "Customer success"]


def test_return_on_cost_draws_extra_gross_profit_per_extra_cost(comparison):
    ax = plots.return_on_cost(comparison).axes[0]
    want = strategy_return(comparison.runs, "reactive").set_index("strategy")
    row = want.loc["customer_success"]
    if np.isnan(row["return"]):  # the extra cost is not clearly positive: said, not drawn
        assert [p.get_width() for p in ax.patches] == [0.0]
        assert any("n/a" in t.get_text() for t in ax.texts)
    else:
        assert [p.get_width() for p in ax.patches] == pytest.approx([row["return"]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Customer success"]
    assert "gross profit" in ax.get_title(loc="left") and "per year" in ax.get_xlabel()


def test_return_on_cost_draws_the_interval_of_a_clear_return():
    three = compare(
        SMALL, ["reactive", "proactive_check_ins"], replications=3, jobs=1
    )  # check-ins cost clearly more hours
    row = strategy_return(three.runs, "reactive").iloc[0]
    assert row["reason"] == ""
    ax = plots.return_on_cost(three).axes[0]
    assert [p.get_width() for p in ax.patches] == pytest.approx([row["return"]])
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    (segment,) = bars.errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose(sorted(segment[:, 0]), [row["low"], row["high"]], rtol=1e-9)


def test_metric_over_time_plots_the_period_means(comparison):
    quarterly = summarize(comparison, by="strategy", period="Q")
    ax = plots.metric_over_time(quarterly, "nrr").axes[0]
    assert ax.get_title(loc="left") == "NRR (% per year), quarter by quarter"
    assert ax.get_ylabel() == "NRR (% per year)"  # annualised in every quarter
    nps = plots.metric_over_time(quarterly, "nps").axes[0]
    assert nps.get_ylabel() == "NPS (score, in each quarter)"
    assert ax.get_xlabel().startswith("quarter")
    lines = {line.get_label(): line for line in ax.get_lines()}
    for name, label in (("reactive", "Reactive"), ("customer_success", "Customer success")):
        sub = quarterly[quarterly["strategy"] == name]
        want = sub.groupby("period")["nrr"].mean()
        np.testing.assert_allclose(lines[label].get_ydata(), want.to_numpy())
        np.testing.assert_array_equal(lines[label].get_xdata(), want.index + 1)
        assert _hex(lines[label].get_color()) == strategy_colour(name)
    with pytest.raises(ValueError, match="not a column"):
        plots.metric_over_time(quarterly, "happiness")


def test_segment_bars_draw_each_segments_mean(run):
    table = summarize(run, by="segment", period="Y")
    ax = plots.segment_bars(table, "churn_rate").axes[0]
    assert ax.get_ylabel() == "Churn (% per year)"
    want = [table.loc[table["segment"] == s, "churn_rate"].mean() for s in SEGMENTS]
    np.testing.assert_allclose(_heights(ax), want)
    assert [_hex(p.get_facecolor()) for p in ax.patches] == [SEGMENT_COLOURS[s] for s in SEGMENTS]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "key",
        "enterprise",
        "mid-market",
        "small",
    ]


def test_account_timeline_follows_the_accounts_health(run):
    account = int(run.events.loc[run.events["event"] == "issue_open", "account"].iloc[0])
    ax = plots.account_timeline(run, account).axes[0]
    _labelled(ax)
    story = run.story(account)
    health = ax.get_lines()[0]
    np.testing.assert_allclose(health.get_xdata(), story["time"])
    np.testing.assert_allclose(health.get_ydata(), story["health"])
    assert ax.get_ylim() == (0, 100)
    issues = next(c for c in ax.collections if c.get_label() == "issue")
    assert len(issues.get_offsets()) == int((story["event"] == "issue_open").sum())


def _capacity_rows(n: int) -> pd.DataFrame:
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
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def test_capacity_curves_draw_one_line_per_metric_through_the_means():
    table = _capacity_rows(5)
    fig = plots.capacity_curves(table)
    assert len(fig.axes) == 3
    metrics = ["time_to_resolution", "churn_rate", "utilisation"]
    for ax, metric in zip(fig.axes, metrics, strict=True):
        _labelled(ax)
        assert ax.get_xlabel() == "account managers"
        assert ax.get_ylabel() == registry_label(metric)  # unit and basis from the registry
        (curve,) = ax.containers  # one strategy: one line with its error bars
        line = curve.lines[0]
        want = table[table["metric"] == metric].sort_values("managers")
        np.testing.assert_array_equal(np.asarray(line.get_xdata(), float), want["managers"])
        np.testing.assert_allclose(np.asarray(line.get_ydata(), float), want["mean"])
        assert _hex(line.get_color()) == strategy_colour("reactive")
        assert ax.collections, "intervals from 5 runs are drawn"


def test_capacity_curves_drop_intervals_from_too_few_runs():
    few = plots.capacity_curves(_capacity_rows(2))
    assert not any(c for ax in few.axes for c in ax.collections)  # no error bars


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


def test_retention_value_draws_lifetime_as_one_over_churn():
    ax = plots.retention_value(0.1, highlight=[0.8]).axes[0]
    lifetime = ax.get_lines()[0]
    r = lifetime.get_xdata() / 100
    np.testing.assert_allclose(lifetime.get_ydata(), 1 / (1 - r))
    assert np.all(np.diff(lifetime.get_ydata(), 2) > 0)  # convex: each point is worth more
    assert ax.get_xlabel() == "renewal rate per year (%)"


def test_segment_compare_bars_group_the_means_by_strategy(comparison):
    table = summarize(comparison, by=["strategy", "segment"], period="all")
    ax = plots.segment_compare_bars(table, "nrr").axes[0]
    assert ax.get_ylabel() == "NRR (% per year)"
    hours = plots.segment_compare_bars(table, "manager_hours").axes[0]
    assert hours.get_ylabel() == "Manager hours (hours, total over the horizon)"
    assert len(ax.patches) == 2 * len(SEGMENTS)
    # each strategy's bars (told apart by colour) are its means per segment, in segment order
    for strategy in ["reactive", "customer_success"]:
        bars = [b for b in ax.patches if _hex(b.get_facecolor()) == strategy_colour(strategy)]
        sub = table[table["strategy"] == strategy]
        want = [sub.loc[sub["segment"] == s, "nrr"].mean() for s in SEGMENTS]
        np.testing.assert_allclose([b.get_height() for b in bars], want)
        assert [b.get_x() for b in bars] == sorted(b.get_x() for b in bars)
    with pytest.raises(ValueError, match="not a column"):
        plots.segment_compare_bars(table, "luck")


def test_whitespace_bars_draw_won_and_missed_arr():
    table = pd.DataFrame(
        {"won_arr": [5e5, 1e5, 2e4], "missed_arr": [2e5, 3e5, 4e4]},
        index=pd.Index(["small", "key", "enterprise"], name="segment"),
    )
    ax = plots.whitespace_bars(table).axes[0]
    _labelled(ax)
    order = ["key", "enterprise", "small"]  # the kit's segment order, whatever the table's
    np.testing.assert_allclose(_heights(ax)[:3], table.loc[order, "won_arr"])
    np.testing.assert_allclose(_heights(ax)[3:], table.loc[order, "missed_arr"])
    assert [t.get_text() for t in ax.get_xticklabels()] == order


def test_book_shares_draw_the_shares_of_accounts_and_arr():
    book = pd.DataFrame(
        {"share of accounts (%)": [10.0, 30.0, 60.0], "share of ARR (%)": [55.0, 30.0, 15.0]},
        index=pd.Index(["key", "mid_market", "small"], name="segment"),
    )
    ax = plots.book_shares(book).axes[0]
    np.testing.assert_allclose(_heights(ax), [10, 30, 60, 55, 30, 15])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["key", "mid-market", "small"]
