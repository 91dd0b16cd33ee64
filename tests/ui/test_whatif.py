"""Tests for simkit.ui.whatif: the what-if driven from Python (the methods its Run and Stop
buttons and controls call), without a browser; a slow fake run shows results arriving."""

from __future__ import annotations

import base64
import io
import re
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer

from simkit.analysis.summary import HEADLINE
from simkit.engine.strategies import Strategy
from simkit.experiments.runner import Run, RunResult, run_one
from simkit.ui.whatif import PLOT_METRICS, TABLE_METRICS, WhatIf
from simkit.viz.tables import RETURN_LABEL
from tests.helpers import small_scenario, wait_until

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


# ------------------------------------------------------------------ results as they arrive
SLOW = 0.15


def slow_run(task: Run) -> RunResult:
    """A run that takes at least SLOW seconds and says when it ended (wall clock)."""
    time.sleep(SLOW)
    out = run_one(task)
    return out._replace(summary=pd.concat([out.summary, pd.Series({"ended_at": time.time()})]))


def test_results_show_as_replications_arrive():
    app = WhatIf(SMALL, replications=3, jobs=1)
    app.runner.worker = slow_run
    shown: list[tuple[float, int, bool, str, str]] = []
    app.on_update(
        lambda update, drawn: shown.append(
            (time.time(), update.shown, drawn, app.view.status.value, app.view.table.value)
        )
    )
    bars: list[bool] = []  # does the first chart panel have error bars?
    app.on_update(
        lambda *_: bars.append(
            any(isinstance(c, ErrorbarContainer) for c in app.figure().axes[0].containers)
        )
    )
    app.run()
    assert bars == [False, True, True]  # the interval appears from the second replication on
    ended = app.comparison.runs["ended_at"]
    assert [k for _, k, *_ in shown] == [1, 2, 3]
    first_at, _, drawn, status, table = shown[0]
    assert first_at < ended.max() - SLOW  # shown a whole run before the last one ended
    assert drawn and "1 of 3 replications (2 of 6 runs) so far" in status and "#555" in status
    assert "Logo retention" in table and " [" not in table.split("Logo retention")[1][:200]
    assert " [" in shown[1][4].split("Logo retention")[1][:200]  # intervals from the second
    assert "#1b7837" in shown[-1][3] and shown[-1][2]  # the last is drawn, in green
    assert app.controls.stop_button.disabled  # only enabled while running


def test_the_figure_says_how_many_replications_are_in_so_far(app):
    title = app.figure(planned=5)._suptitle.get_text()
    assert "2 of 5 replications so far" in title
    assert "(2 replications" in app.figure()._suptitle.get_text()


def test_stop_button_stops_a_background_comparison_and_run_goes_on_from_there():
    app = WhatIf(SMALL, replications=5, jobs=2, background=True)
    app.runner.worker = slow_run
    seen: list[int] = []
    app.on_update(lambda update, drawn: seen.append(update.shown))
    try:
        app.controls.run_button.click()  # returns at once: the work is in a thread
        assert app.running and not app.controls.stop_button.disabled
        assert wait_until(lambda: bool(seen), 60), "no first update"
        app.controls.stop_button.click()
        assert app.wait(10), "Stop did not stop"
        last = app.last
        assert last.stopped and last.shown < 5 and app.comparison.replications == last.shown
        assert "Stopped: showing" in app.view.status.value
        assert app.controls.stop_button.disabled and not app.runner.pool.running
        done = app.runner.simulated
        assert done < 10
        app.controls.run_button.click()
        assert app.wait(120)
        assert app.last.complete and app.runner.simulated == 10  # the rest, not all again
        assert f"{10 - done} simulated, {done} remembered" in app.view.status.value
    finally:
        app.close()


def test_clicks_reuse_the_same_worker_processes():
    app = WhatIf(SMALL, replications=2, jobs=2)
    try:
        app.controls.run_button.click()
        pids = app.runner.pool.pids()
        app.controls.set(managers=3)
        app.controls.run_button.click()
        assert app.runner.simulated == 8 and app.comparison.scenario.team.managers == 3
        assert app.runner.pool.starts == 1 and app.runner.pool.pids() == pids != []
    finally:
        app.close()
    assert not app.runner.pool.running


def test_a_new_run_replaces_one_still_running():
    app = WhatIf(SMALL, replications=3, jobs=2, background=True)
    app.runner.worker = slow_run
    try:
        app.update()
        app.controls.set(managers=3)
        app.update()  # stops the first, then starts this one
        assert app.wait(120)
        assert app.last.complete and app.comparison.scenario.team.managers == 3
    finally:
        app.close()
