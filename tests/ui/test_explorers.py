"""Tests for simkit.ui.explorers: move a control, the figure and the note follow."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from simkit.engine.model import simulate
from simkit.ui.explorers import (
    AccountStoryExplorer,
    RetentionExplorer,
    StageFlowExplorer,
    TeamCapacityExplorer,
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


def test_stage_flow_explorer_redraws_when_the_strategy_changes():
    x = StageFlowExplorer(SMALL)
    first = x.widget  # drawn on first display
    png = bytes(x.image.value)
    assert png.startswith(b"\x89PNG")
    snap = x.results().snapshots
    paying = snap[snap["stage"].isin(["customer", "loyal"])].groupby("month")["accounts"].sum()
    assert x.note.value == (
        f"Paying accounts: {paying.iloc[0]:.0f} at the start, {paying.iloc[-1]:.0f} after "
        f"{paying.index[-1]} months."
    )
    x.strategy.value = "proactive_check_ins"
    assert bytes(x.image.value) != png and x.widget is first
    assert set(x._runs) == {"reactive", "proactive_check_ins"}
    assert x.results().strategy == "proactive_check_ins"
    assert repr(x.widget) == "<StageFlowExplorer>"


def test_account_story_explorer_follows_the_account_box(reactive_run):
    x = AccountStoryExplorer(reactive_run, account=1)
    x.refresh()
    assert x.note.value.startswith("Account 1 (")
    x.account.value = 2
    assert x.note.value.startswith("Account 2 (")
    assert "Account 2 " in x.render().axes[0].get_title(loc="left")
    assert x.account.max == len(reactive_run.accounts) - 1


def test_team_capacity_explorer_adds_points_as_the_slider_moves():
    x = TeamCapacityExplorer(SMALL, managers=(1, 2), replications=1)
    x.refresh()
    assert sorted(x.table()["managers"].unique()) == [2]
    x.managers.value = 1
    assert sorted(x.table()["managers"].unique()) == [1, 2]
    point = x.table().query("managers == 1").set_index("metric")["mean"]
    assert x.note.value.startswith("With 1 manager (Reactive): ")
    assert f"issues wait {point['time_to_resolution']:.1f} days" in x.note.value
    assert f"busy {point['utilisation']:.0f} % of its hours" in x.note.value


def test_retention_explorer_numbers_and_text():
    x = RetentionExplorer(renewal=80, discount=10, uplift=5)
    n = x.numbers()
    assert n["lifetime_before"] == pytest.approx(5.0)
    assert n["lifetime_after"] == pytest.approx(1 / 0.15)
    # value in years of margin received at the end of each year the account stays:
    # sum over t >= 1 of r**t / (1+i)**t = r / (1+i-r)
    assert n["value_before"] == pytest.approx(0.80 / 0.30)
    assert n["value_after"] == pytest.approx(0.85 / 0.25)
    assert n["value_increase_pct"] == pytest.approx(100 * (3.4 / (0.8 / 0.3) - 1))
    x.refresh()
    assert "+28 %" in x.note.value
    x.renewal.value = 90
    assert "From 90 % to 95 % renewal" in x.note.value


def test_an_explorer_shows_a_problem_as_a_red_note(reactive_run):
    x = AccountStoryExplorer(reactive_run, account=0)
    x.results = reactive_run
    x.account.max = len(reactive_run.accounts) + 5
    x.account.value = len(reactive_run.accounts) + 2  # no such account
    assert "#b2182b" in x.note.value and "no account" in x.note.value
