"""Tests for simkit.viz.story: one account's story with stages, issue waits and NPS answers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from simkit.engine.model import simulate
from simkit.engine.scenario import default_scenario
from simkit.viz.story import stage_bands, story_figure


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_stage_bands_cover_the_horizon_without_gaps():
    bands = stage_bands(
        [0, 10, 50, 50, 300], ["prospect", "customer", "customer", "loyal", "former"], 365
    )
    assert bands == [
        (0, 10, "prospect"),
        (10, 50, "customer"),
        (50, 300, "loyal"),
        (300, 365, "former"),
    ]
    assert stage_bands([0], ["customer"], 365) == [(0, 365, "customer")]


def test_story_figure_draws_stages_waits_and_nps():
    res = simulate(default_scenario().update({"horizon_years": 1}), "customer_success")
    ev = res.events
    busy = ev[ev["event"] == "survey"].groupby("account").size()
    account = int(busy.idxmax())
    fig = story_figure(res, account)
    ax = fig.axes[0]
    story = res.story(account)
    nps_labels = [t.get_text() for t in ax.texts]
    scores = [f"{v:.0f}" for v in story.loc[story["event"] == "survey", "value"]]
    assert nps_labels == scores
    # one red bar per resolved issue, as long as the issue stayed open
    waits = sorted(story.loc[story["event"] == "issue_resolved", "value"])
    bars = [line for line in ax.get_lines() if line.get_linewidth() == 5]
    assert sorted(float(b.get_xdata()[1] - b.get_xdata()[0]) for b in bars) == pytest.approx(waits)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "issue open (wait + fix)" in legend
    stages = set(story["stage_after"].astype(str))
    assert {label[len("stage: ") :] for label in legend if label.startswith("stage: ")} == stages
    assert ax.get_xlim() == (0, res.scenario.horizon_days)
