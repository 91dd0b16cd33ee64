"""Tests for simkit.ui.whatif: the what-if driven from Python (the methods its Run button and
controls call), without a browser."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simkit.analysis.summary import HEADLINE
from simkit.engine.strategies import Strategy
from simkit.ui.whatif import PLOT_METRICS, TABLE_METRICS, WhatIf
from simkit.viz.tables import RETURN_LABEL
from tests.helpers import small_scenario

SMALL = small_scenario()  # ~60 accounts, one year, two managers


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _csv_from_link(html: str) -> pd.DataFrame:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(data)))


class Exploding(Strategy):
    """A learner's strategy with a bug in it."""

    name = "exploding"

    def check_in(self, account):
        raise RuntimeError("oops in check_in")


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


def test_whatif_runs_what_the_controls_say(app):
    cmp = app.comparison
    assert cmp.scenario.team.managers == app.controls.managers.value
    assert cmp.replications == 2 and len(cmp.runs) == 4


def test_whatif_table_cells_are_the_runs_means(app):
    table = app.results_table()
    assert list(table.columns) == ["Reactive", "Proactive check-ins"]
    assert len(table) == len(TABLE_METRICS)
    runs = app.comparison.runs
    cell = table.loc[HEADLINE["nrr"], "Proactive check-ins"]
    mean = runs.loc[runs["strategy"] == "proactive_check_ins", "nrr"].mean()
    assert float(cell.split(" [")[0]) == pytest.approx(mean, abs=0.051)
    diff = app.differences_table()
    assert list(diff.columns) == ["Proactive check-ins"]
    assert diff.index[-1] == RETURN_LABEL
    assert diff.loc[HEADLINE["strategy_cost"]].iloc[0].startswith("+")  # check-ins cost hours


def test_whatif_figure_draws_the_runs_means(app):
    fig = app.figure()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(PLOT_METRICS)
    runs = app.comparison.runs
    means = runs.groupby("strategy")[list(PLOT_METRICS)].mean().loc[app.comparison.strategies]
    for ax, metric in zip(panels, PLOT_METRICS, strict=True):
        np.testing.assert_allclose([p.get_height() for p in ax.patches], means[metric])


def test_whatif_remembers_runs_between_updates():
    app = WhatIf(SMALL, selected=["reactive"], replications=1, jobs=1)
    app.run()
    app.controls.set(replications=2)
    app.run()
    assert app.runner.simulated == 2  # one run, then one more replication
    assert "1 simulated, 1 remembered" in app.view.status.value


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


def test_progress_bar_shows_only_while_simulating(app):
    view = app.view
    view.step(0, 4)
    assert view.progress.layout.display == "flex" and "Simulating 4 new runs" in view.status.value
    view.step(4, 4)
    assert view.progress.layout.display == "none"
    view.step(0, 0)
    assert view.progress.layout.display == "none"
