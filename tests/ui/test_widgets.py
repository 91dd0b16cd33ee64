"""Tests for simkit.ui.widgets: the what-if parts and the lesson explorers, driven from Python
(the same methods the buttons and sliders call), without a browser."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simkit.analysis.retention import geometric_survival
from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS, ScenarioError
from simkit.engine.strategies import ProactiveCheckIns, Reactive, Strategy
from simkit.experiments.runner import Comparison, compare
from simkit.ui.widgets import (
    PLOT_METRICS,
    TABLE_METRICS,
    AccountStoryExplorer,
    RetentionExplorer,
    StageFlowExplorer,
    TeamCapacityExplorer,
    WhatIf,
    WhatIfControls,
    WhatIfRunner,
    account_story,
    book_by_segment,
    capacity_sweep,
    classic_mistakes,
    cohort_survival,
    csv_download,
    error_html,
    figure_png,
    headline_figures,
    interesting_account,
    named,
    whitespace_by_segment,
)
from tests.helpers import small_scenario

SMALL = small_scenario()  # ~60 accounts, one year, two managers


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def reactive_run():
    return simulate(SMALL, "reactive")


def _csv_from_link(html: str) -> pd.DataFrame:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(data)))


class Exploding(Strategy):
    """A learner's strategy with a bug in it."""

    name = "exploding"

    def check_in(self, account):
        raise RuntimeError("oops in check_in")


# ================================================================== building blocks
def test_csv_download_round_trips_the_frame():
    df = pd.DataFrame({"strategy": ["a", "b"], "value": [1.5, -2.25], "n": [3, 4]})
    link = csv_download(df, "runs.csv", "Get <it>")
    assert 'download="runs.csv"' in link.value
    assert "Get &lt;it&gt;" in link.value  # the label is escaped
    pd.testing.assert_frame_equal(_csv_from_link(link.value), df)


@pytest.mark.parametrize("name", ["", "runs.txt", "../runs.csv", "a/b.csv", 'x".csv', None])
def test_csv_download_refuses_unsafe_file_names(name):
    with pytest.raises(ValueError, match="plain file name ending in .csv"):
        csv_download(pd.DataFrame({"a": [1]}), name)


def test_error_html_is_red_and_escaped():
    text = error_html("<b>x</b> & y")
    assert "#b2182b" in text and "&lt;b&gt;" in text and "<b>" not in text


def test_figure_png_renders_and_closes_the_figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    data = figure_png(fig)
    assert data.startswith(b"\x89PNG")
    assert fig.number not in plt.get_fignums()


# ================================================================== controls
def test_controls_start_from_the_scenario_and_build_a_changed_one():
    c = WhatIfControls(SMALL, replications=3)
    v = c.values()
    assert v["managers"] == SMALL.team.managers
    assert v["replications"] == 3
    assert v["counts"] == {s: SMALL.portfolio.segment(s).count for s in SEGMENTS}
    assert v["strategies"] == ["reactive", "proactive_check_ins"]
    c.set(managers=5, cost_per_hour=120.0, horizon_years=2.0, small=50, counts={"key": 1})
    s = c.scenario()
    assert (s.team.managers, s.team.cost_per_hour, s.horizon_years) == (5, 120.0, 2.0)
    assert (s.portfolio.small.count, s.portfolio.key.count) == (50, 1)
    assert s.behaviour == SMALL.behaviour  # everything else is untouched


def test_controls_accept_aliases_and_own_strategies():
    mine = named(Reactive(), "my_way")
    c = WhatIfControls(SMALL, strategies=[mine])
    c.set(strategies=["cs", "my_way", "kam"])
    assert [s.name for s in c.selected()] == ["key_account_focus", "customer_success", "my_way"]
    assert c.selected()[-1] is mine


def test_controls_name_unknown_inputs_and_bad_values():
    c = WhatIfControls(SMALL)
    with pytest.raises(ValueError, match="unknown input.*'team'"):
        c.set(team=3)
    with pytest.raises(ValueError, match="counts\\['giant'\\]"):
        c.set(counts={"giant": 3})
    with pytest.raises(ValueError, match="managers must be a number from 1 to"):
        c.set(managers=0)
    with pytest.raises(ValueError, match="unknown strategy 'magic'"):
        c.set(strategies=["magic"])


def test_controls_refuse_a_strategy_name_that_is_taken():
    with pytest.raises(ValueError, match="already taken"):
        WhatIfControls(SMALL, strategies=[ProactiveCheckIns(pitch_health=None)])
    with pytest.raises(TypeError, match="Strategy objects"):
        WhatIfControls(SMALL, strategies=["reactive"])


def test_controls_explain_an_empty_selection_and_an_empty_book():
    c = WhatIfControls(SMALL)
    c.set(strategies=[])
    with pytest.raises(ValueError, match="pick at least one strategy"):
        c.selected()
    c.set(counts={s: 0 for s in SEGMENTS})
    with pytest.raises(ScenarioError, match="at least one account"):
        c.scenario()


# ================================================================== runner
def test_runner_matches_compare_at_any_cost_per_hour():
    scenario = SMALL.update({"team.cost_per_hour": 130.0})
    runner = WhatIfRunner(jobs=1)
    got = runner.run(scenario, ["reactive", "customer_success"], replications=2)
    want = compare(scenario, ["reactive", "customer_success"], replications=2, jobs=1)
    assert isinstance(got, Comparison)
    assert got.strategies == want.strategies and got.replications == 2
    pd.testing.assert_frame_equal(got.runs, want.runs, check_exact=False, rtol=1e-12)


def test_runner_remembers_runs_and_reprices_cost_changes():
    runner = WhatIfRunner(jobs=1)
    calls: list[tuple[int, int]] = []
    a = runner.run(SMALL, ["reactive"], 2, callback=lambda d, t: calls.append((d, t)))
    assert runner.simulated == 2 and calls[0] == (0, 2) and calls[-1] == (2, 2)
    calls.clear()
    b = runner.run(
        SMALL.update({"team.cost_per_hour": 150.0}),
        ["reactive"],
        2,
        callback=lambda d, t: calls.append((d, t)),
    )
    assert runner.simulated == 2 and calls == [(0, 0)]  # nothing new to simulate
    ratio = b.runs["strategy_cost"] / a.runs["strategy_cost"]
    np.testing.assert_allclose(ratio, 150.0 / SMALL.team.cost_per_hour)
    pd.testing.assert_series_equal(b.runs["revenue"], a.runs["revenue"])
    runner.run(SMALL, ["reactive"], 3)  # one more replication: one more run
    assert runner.simulated == 3
    runner.run(SMALL.update({"team.managers": 3}), ["reactive"], 3)  # a new world
    assert runner.simulated == 6


def test_runner_tells_strategy_objects_with_the_same_name_apart():
    runner = WhatIfRunner(jobs=1)
    never = named(ProactiveCheckIns(pitch_health=None), "variant")
    always = named(ProactiveCheckIns(pitch_health=0), "variant")
    a = runner.run(SMALL, [never], 1)
    b = runner.run(SMALL, [always], 1)
    assert runner.simulated == 2
    assert not np.allclose(a.runs["revenue"], b.runs["revenue"])


def test_runner_rejects_bad_requests():
    runner = WhatIfRunner(jobs=1)
    with pytest.raises(ValueError, match="replications must be a whole number"):
        runner.run(SMALL, ["reactive"], 0)
    with pytest.raises(ValueError, match="at least one strategy"):
        runner.run(SMALL, [], 2)
    with pytest.raises(ValueError, match="distinct"):
        runner.run(SMALL, ["reactive", Reactive()], 1)


# ================================================================== the what-if
@pytest.fixture(scope="module")
def app() -> WhatIf:
    app = WhatIf(SMALL, replications=2, jobs=1)
    app.run()
    return app


def test_whatif_fills_every_view(app):
    cmp = app.comparison
    assert cmp.strategies == ["reactive", "proactive_check_ins"]
    assert bytes(app.view.figure.value).startswith(b"\x89PNG")
    assert "Logo retention" in app.view.table.value
    assert "minus Reactive" in app.view.differences.value
    pd.testing.assert_frame_equal(
        _csv_from_link(app.view.download.value), cmp.runs, check_dtype=False, rtol=1e-9
    )
    assert "4 runs" in app.view.status.value and "#1b7837" in app.view.status.value


def test_whatif_tables_have_readable_labels(app):
    table = app.results_table()
    assert list(table.index) == [HEADLINE[m] for m in TABLE_METRICS]
    assert list(table.columns) == ["Reactive", "Proactive check-ins"]
    cell = re.compile(r"-?[\d,.]+( \[-?[\d,.]+, -?[\d,.]+\])?|n/a")
    assert all(cell.fullmatch(v) for v in table.iloc[:, 0])
    diff = app.differences_table()
    assert list(diff.columns) == ["Proactive check-ins"]
    assert diff.index[-1] == "Revenue gained per unit of extra cost"
    assert diff.loc[HEADLINE["strategy_cost"]].iloc[0].startswith("+")  # check-ins cost hours


def test_whatif_figure_has_one_panel_per_plot_metric(app):
    fig = app.figure()
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles == [HEADLINE[m] for m in PLOT_METRICS]


def test_whatif_shows_bad_input_in_red_and_keeps_old_results():
    app = WhatIf(SMALL, replications=2, jobs=1)
    app.controls.set(strategies=[])
    assert app.update() is None
    assert "#b2182b" in app.view.status.value and "pick at least one strategy" in (
        app.view.status.value
    )
    with pytest.raises(ValueError, match="pick at least one strategy"):
        app.run()
    with pytest.raises(ValueError, match="call run"):
        app.results_table()


def test_whatif_shows_a_broken_strategy_as_a_message():
    app = WhatIf(SMALL, strategies=[Exploding()], selected=["exploding"], replications=1, jobs=1)
    assert app.update() is None
    assert "RuntimeError: oops in check_in" in app.view.status.value


def test_whatif_button_and_auto_update_run_it():
    app = WhatIf(SMALL, selected=["reactive"], replications=1, jobs=1)
    app.controls.run_button.click()
    assert app.comparison is not None and app.comparison.strategies == ["reactive"]
    assert app.differences_table().empty  # one strategy: nothing to subtract
    app.controls.auto.value = True
    app.controls.managers.value = 3
    assert app.comparison.scenario.team.managers == 3


def test_whatif_displays_as_a_short_stable_text(app):
    bundle = app._repr_mimebundle_()
    assert bundle["text/plain"] == "<WhatIf: strategy comparison>"
    assert "application/vnd.jupyter.widget-view+json" in bundle


# ================================================================== lesson helpers
def test_named_copies_without_touching_the_original():
    base = ProactiveCheckIns(pitch_health=None)
    copy = named(base, "farming")
    assert copy.name == "farming" and base.name == "proactive_check_ins"
    assert copy.pitch_health is None and copy is not base
    with pytest.raises(ValueError, match="non-empty"):
        named(base, " ")


def test_classic_mistakes_play_what_they_say():
    mistakes = list(classic_mistakes().values())
    names = [s.name for s in mistakes]
    assert len(set(names)) == len(names) == 5
    by_name = dict(zip(names, mistakes, strict=True))
    assert by_name["farming"].pitch_health is None
    assert by_name["selling_before_serving"].pitch_health == 0
    assert by_name["selling_before_serving"].check_in is not None


def test_whitespace_follows_the_pitch_policy():
    cmp = compare(
        SMALL,
        [named(Reactive(pitch_health=None), "never"), named(Reactive(pitch_health=0), "always")],
        replications=1,
        jobs=1,
        keep=True,
    )
    never = whitespace_by_segment(cmp.results[("never", 0)])
    always = whitespace_by_segment(cmp.results[("always", 0)])
    assert (never["pitched"] == 0).all() and never["missed_arr"].sum() > 0
    assert (always["not pitched"] == 0).all() and always["won_arr"].sum() > 0
    assert (never["opportunities"] == never["pitched"] + never["not pitched"]).all()
    # a comparison gives the mean per run
    both = whitespace_by_segment(cmp)
    np.testing.assert_allclose(
        both["opportunities"], (never["opportunities"] + always["opportunities"]) / 2
    )


def test_book_by_segment_agrees_with_the_first_snapshot(reactive_run):
    book = book_by_segment(reactive_run)
    snap = reactive_run.snapshots
    first = snap[(snap["month"] == 0) & snap["stage"].isin(["customer", "loyal"])]
    per_segment = first.groupby("segment", observed=False)[["accounts", "arr"]].sum()
    np.testing.assert_array_equal(book["accounts"], per_segment.loc[list(SEGMENTS), "accounts"])
    np.testing.assert_allclose(book["ARR"], per_segment.loc[list(SEGMENTS), "arr"])
    assert book["share of accounts (%)"].sum() == pytest.approx(100)


def test_interesting_account_honours_filters(reactive_run):
    acct = interesting_account(reactive_run, "small", event="churn")
    story = reactive_run.story(acct)
    assert (story["segment"] == "small").all() and "churn" in set(story["event"])
    with pytest.raises(ValueError, match="segment must be one of"):
        interesting_account(reactive_run, "tiny")
    with pytest.raises(ValueError, match="event must be one of"):
        interesting_account(reactive_run, event="party")


def test_account_story_tells_the_ending(reactive_run):
    acct = interesting_account(reactive_run, event="churn")
    text = account_story(reactive_run, acct)
    assert text.startswith(f"Account {acct} (") and "did not renew" in text
    assert "a former customer" in text
    n_issues = int((reactive_run.story(acct)["event"] == "issue_open").sum())
    if n_issues > 1:
        assert f"{n_issues} issues" in text


def test_headline_figures_are_labelled(reactive_run):
    figures = headline_figures(reactive_run)
    assert figures.name == "Reactive"
    assert figures[HEADLINE["revenue"]] == pytest.approx(run_summary(reactive_run)["revenue"], 0.01)


def test_cohort_survival_follows_a_constant_renewal_rate():
    s = small_scenario(
        start="cohort",
        warmup_years=0,
        horizon_years=3,
        theory={"renewal": "constant", "r": 0.8},
        **{"portfolio.small.count": 1500},
    )
    counts = cohort_survival(simulate(s))
    n = s.portfolio.total_accounts
    assert counts[0] == n and len(counts) == 4
    assert all(a >= b for a, b in zip(counts, counts[1:], strict=False))
    expected = n * geometric_survival(0.8, np.arange(4))
    sd = np.sqrt(n * geometric_survival(0.8, np.arange(4)) * 0.2 + 1)
    assert np.all(np.abs(np.array(counts) - expected) < 4 * sd)
    with pytest.raises(ValueError, match="period_days"):
        cohort_survival(simulate(s), period_days=0)


def test_capacity_sweep_shows_utilisation_falling_with_team_size():
    table = capacity_sweep(SMALL, ["reactive"], managers=[1, 2, 4], replications=1, jobs=1)
    util = table[table["metric"] == "utilisation"].set_index("managers")["mean"]
    assert list(util.index) == [1, 2, 4]
    assert util[1] > util[2] > util[4]
    with pytest.raises(ValueError, match="at least one team size"):
        capacity_sweep(SMALL, ["reactive"], managers=[])


# ================================================================== explorers
def test_stage_flow_explorer_redraws_when_the_strategy_changes():
    x = StageFlowExplorer(SMALL)
    first = x.widget  # drawn on first display
    png = bytes(x.image.value)
    assert png.startswith(b"\x89PNG") and "Paying accounts" in x.note.value
    x.strategy.value = "proactive_check_ins"
    assert bytes(x.image.value) != png and x.widget is first
    assert set(x._runs) == {"reactive", "proactive_check_ins"}
    assert repr(x.widget) == "<StageFlowExplorer>"


def test_account_story_explorer_follows_the_account_box(reactive_run):
    x = AccountStoryExplorer(reactive_run, account=1)
    x.refresh()
    assert x.note.value.startswith("Account 1 (")
    x.account.value = 2
    assert x.note.value.startswith("Account 2 (")
    assert x.account.max == len(reactive_run.accounts) - 1


def test_team_capacity_explorer_adds_points_as_the_slider_moves():
    x = TeamCapacityExplorer(SMALL, managers=(1, 2), replications=1)
    x.refresh()
    assert sorted(x.table()["managers"].unique()) == [2]
    x.managers.value = 1
    assert sorted(x.table()["managers"].unique()) == [1, 2]
    assert "With 1 manager (Reactive)" in x.note.value and "days on average" in x.note.value


def test_retention_explorer_numbers_and_text():
    x = RetentionExplorer(renewal=80, discount=10, uplift=5)
    n = x.numbers()
    assert n["lifetime_before"] == pytest.approx(5.0)
    assert n["lifetime_after"] == pytest.approx(1 / 0.15)
    assert n["value_increase_pct"] == pytest.approx(27.5, abs=0.05)
    x.refresh()
    assert "+28 %" in x.note.value
    x.renewal.value = 90
    assert "From 90 % to 95 %" in x.note.value


def test_controls_do_not_share_layouts():
    c = WhatIfControls(SMALL)
    c.managers.layout.display = "none"
    assert c.horizon.layout.display is None and c.segments["key"].layout.display is None
