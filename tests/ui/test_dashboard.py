"""Tests for simkit.ui.dashboard: the page's logic in Python, the Voila launcher, and the page
itself in a real Chromium (marker ``browser``)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import signal
import socket
import subprocess
import sys

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from simkit.analysis.summary import run_summary
from simkit.cli import app
from simkit.engine.model import simulate
from simkit.engine.scenario import default_scenario
from simkit.experiments.runner import compare
from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
from simkit.ui.dashboard import (
    STORY_FILTERS,
    ManagerDashboard,
    _fallback_notebook,
    fates,
    notebook_path,
    port_free,
    return_figure,
    serve,
    stop,
    story_figure,
    summary_frame,
    voila_command,
)
from tests.helpers import small_scenario

SHORT = small_scenario(horizon_years=0.5)  # 60 sampled accounts, 2 managers
BAD_CSV = (
    b"account_id,segment,arr,contract_end\n"
    b"A1,Gold,1000,2027-01-31\n"
    b"A2,small,-5,2027-01-31\n"
    b"A2,small,10,2027-01-31\n"
)


def make(**kw) -> ManagerDashboard:
    kw.setdefault("selected", ["reactive", "customer_success"])
    kw.setdefault("replications", 2)
    return ManagerDashboard(SHORT, jobs=1, **kw)


@pytest.fixture(scope="module")
def ran() -> ManagerDashboard:
    """A dashboard that has run the example portfolio once."""
    dash = make()
    assert dash.use_example()
    dash.controls.set(horizon_years=1.5)  # long enough for some accounts to leave
    dash.run()
    return dash


def upload_value(data: bytes, name: str) -> tuple[dict, ...]:
    return (
        {
            "name": name,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 10, 1),
        },
    )


# ================================================================== the page, in Python
def test_page_holds_the_parts_a_manager_needs():
    dash = make()
    page = dash.widget
    assert repr(page) == "<ManagerDashboard>"
    assert dash.upload.accept == ".csv"
    assert dash.run_button.description == "Run comparison"
    assert dash.view.figure.layout.display == "none"  # nothing to show before a run
    labels = [label for label, _ in dash.source.options]
    assert labels[0].startswith("Built-in book (60 sampled accounts)")
    assert any("Example portfolio" in label for label in labels)


def test_run_fills_table_and_figure_and_they_follow_the_inputs():
    dash = make()
    dash.run()
    table1 = dash.results_table()
    png1 = dash.view.figure.value
    assert list(table1.columns) == ["Reactive", "Customer success"]
    assert "Run 1 done" in dash.run_info.value
    dash.controls.set(managers=3)
    dash.run()
    table2 = dash.results_table()
    assert not table1.equals(table2)
    assert dash.view.figure.value != png1
    assert dash.comparison.scenario.team.managers == 3
    assert "Run 2 done" in dash.run_info.value


def test_strategy_choice_changes_the_columns():
    dash = make()
    dash.controls.set(strategies=["reactive", "proactive_check_ins", "key_account_focus"])
    dash.run()
    assert list(dash.results_table().columns) == [
        "Reactive",
        "Key-account focus",
        "Proactive check-ins",
    ]
    assert "Revenue gained per unit of extra cost" in dash.differences_table().index


@pytest.mark.parametrize("portfolio", ["builtin", "example"])
def test_cost_per_hour_reprices_the_runs(portfolio):
    dash = make(replications=1)
    if portfolio == "example":
        dash.use_example()
    dash.run()
    cost = dash.comparison.runs.set_index(["strategy", "replication"])["strategy_cost"]
    dash.controls.set(cost_per_hour=150.0)
    dash.run()
    doubled = dash.comparison.runs.set_index(["strategy", "replication"])["strategy_cost"]
    pd.testing.assert_series_equal(doubled, 2 * cost)


def test_example_portfolio_is_simulated_as_imported(ran):
    sc = ran.comparison.scenario
    assert sc.portfolio.total_accounts == 120
    assert sc.warmup_years == 0
    assert ran.comparison.runs["accounts_start"].eq(113).all()  # customers in the file
    assert "120 accounts" in ran.portfolio_status.value
    assert ran.controls.segments["key"].disabled


def test_downloads_hold_the_figures(ran):
    href = re.search(
        r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', ran.summary_download.value
    )
    frame = pd.read_csv(io.BytesIO(base64.b64decode(href.group(1))))
    assert set(frame["strategy"]) == {"reactive", "customer_success"}
    ret = frame[frame["metric"] == "return_per_cost"]
    assert list(ret["strategy"]) == ["customer_success"]
    diff = ran.comparison.differences()
    expected = diff.loc[diff["metric"] == "return_per_cost", "mean_diff"].iloc[0]
    assert ret["mean"].iloc[0] == pytest.approx(expected)
    assert "what-if-runs.csv" in ran.view.download.value


def test_summary_frame_has_ci_rows_per_strategy_and_metric():
    cmp = compare(SHORT, ["reactive", "proactive"], replications=2, jobs=1)
    s = summary_frame(cmp)
    main = s[s["metric"] != "return_per_cost"]
    assert len(main) == 2 * main["metric"].nunique()
    ok = main.dropna(subset=["ci_low", "ci_high"])  # a figure undefined in a run has no CI
    assert len(ok) >= len(main) / 2
    assert (ok["ci_low"] <= ok["mean"]).all() and (ok["mean"] <= ok["ci_high"]).all()


def test_return_figure_shows_each_strategy_against_the_baseline():
    cmp = compare(SHORT, ["reactive", "customer_success", "proactive"], replications=1, jobs=1)
    fig = return_figure(cmp)
    bars = fig.axes[0].patches
    diff = cmp.differences()
    expected = diff[diff["metric"] == "return_per_cost"]["mean_diff"].tolist()
    assert [b.get_width() for b in bars] == pytest.approx(expected)
    plt.close(fig)


# ---------------------------------------------------------------- uploads
def test_bad_upload_lists_every_problem_in_red_and_keeps_the_portfolio():
    dash = make()
    dash.upload.value = upload_value(BAD_CSV, "crm.csv")
    status = dash.portfolio_status.value
    assert "#b2182b" in status
    assert "crm.csv: 3 problems" in status
    assert "row 2, column segment" in status and "row 3, column arr" in status
    assert "row 4, column account_id" in status
    assert dash.book is None and dash.source.value == "builtin"
    assert dash.upload.value == ()


def test_good_upload_becomes_the_portfolio():
    dash = make(as_of=dt.date.fromisoformat(EXAMPLE_AS_OF))
    data = example_path().read_bytes()
    dash.upload.value = upload_value(data, "portfolio.csv")
    assert dash.source.value == "upload"
    assert any("Your file: portfolio.csv (120" in label for label, _ in dash.source.options)
    assert len(dash.book) == 120
    per_manager = SHORT.portfolio.total_accounts / SHORT.team.managers
    assert dash.controls.managers.value == round(120 / per_manager)  # same load per manager
    dash.use_builtin()
    assert dash.book is None and not dash.controls.segments["key"].disabled
    dash.source.value = "upload"  # back to the uploaded file, without uploading again
    assert len(dash.book) == 120


def test_problems_with_inputs_show_in_red_instead_of_raising():
    dash = make()
    dash.controls.strategies.value = ()
    assert dash.update() is None
    assert "pick at least one strategy" in dash.view.status.value
    assert "#b2182b" in dash.view.status.value
    assert not dash.run_button.disabled


# ---------------------------------------------------------------- account stories
def test_drill_down_lists_accounts_lost_under_a_only(ran):
    a, b = ran.story_strategies()
    assert (a, b) == ("reactive", "customer_success")
    table = ran.story_accounts("lost_a_only")
    assert len(table) > 0
    res_a, res_b = ran.story_results(a), ran.story_results(b)
    for account in table["account"].head(5):
        events_a = set(res_a.story(account)["event"].astype(str))
        events_b = set(res_b.story(account)["event"].astype(str))
        assert events_a & {"churn", "defect"}
        assert not events_b & {"churn", "defect"}
    assert table["arr"].is_monotonic_decreasing
    everyone = ran.story_accounts("all")
    assert len(everyone) == len(res_a.accounts)  # any account: the book and newcomers
    assert (~everyone["new"]).sum() == 120 and not everyone["new"].iloc[:120].any()
    assert set(table["account"]) <= set(everyone["account"])
    with pytest.raises(ValueError, match="which must be one of"):
        ran.story_accounts("nonsense")


def test_drill_down_runs_are_the_compared_runs(ran):
    res = ran.story_results("customer_success", 1)
    summary = run_summary(res)
    row = ran.comparison.runs.query("strategy == 'customer_success' and replication == 1")
    assert summary["revenue"] == pytest.approx(row["revenue"].iloc[0])


def test_drill_shows_both_sides_with_the_accounts_own_id(ran):
    account = int(ran.story_accounts("lost_a_only")["account"].iloc[0])
    fig_a, fig_b = ran.drill(account)
    assert "Reactive" in fig_a.axes[0].get_title(loc="left")
    assert "Customer success" in fig_b.axes[0].get_title(loc="left")
    own_id = ran.book["account_id"].iat[account]
    left, right = ran.story_sides.children
    assert own_id in left.children[0].value and "Reactive" in left.children[0].value
    assert "did not renew" in left.children[0].value or "left for a competitor" in (
        left.children[0].value
    )
    assert "kept" in right.children[0].value
    assert left.children[2].value.count(own_id) >= 1  # the story in words uses the file's id
    assert left.children[1].value != right.children[1].value  # two different timelines


def test_changing_strategy_b_refreshes_the_list(ran):
    ran.story_b.value = "reactive"
    try:
        assert len(ran.story_accounts("lost_a_only")) == 0  # same strategy: same fate
        assert "No account in this list" in ran.story_note.value
    finally:
        ran.story_b.value = "customer_success"
    assert len(ran.story_account.options) > 0


def test_fates_flags_losses_consistently():
    res_a, res_b = simulate(SHORT, "reactive"), simulate(SHORT, "proactive")
    t = fates(res_a, res_b)
    lost = res_a.events[res_a.events["event"].isin(["churn", "defect"])]["account"]
    assert set(t.loc[t["lost_a"], "account"]) == set(lost)
    assert set(t.loc[t["new"], "account"]) == set(
        res_a.events.loc[res_a.events["event"] == "arrival", "account"]
    )
    assert list(STORY_FILTERS) == ["lost_a_only", "lost_either", "all"]


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
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "issue open (wait + fix)" in legend
    assert any(label.startswith("stage: ") for label in legend)
    assert ax.get_xlim() == (0, res.scenario.horizon_days)
    plt.close(fig)


# ================================================================== the launcher
def test_notebook_is_found_and_holds_only_a_call_into_simkit():
    path = notebook_path()
    assert path.name == "manager.ipynb" and path.parent.name == "dashboard"
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    fallback = nbformat.reads(_fallback_notebook(), as_version=4)
    assert code == [c.source for c in fallback.cells if c.cell_type == "code"]
    assert len(code) == 1 and len(code[0].splitlines()) <= 3
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_voila_binds_localhost_only_and_never_moves_port():
    cmd = voila_command(8999)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8999" in cmd
    assert "--Voila.port_retries=0" in cmd and "--no-browser" in cmd
    assert cmd[:3] == [sys.executable, "-m", "voila"]


def test_taken_port_is_refused_before_starting_anything():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_free(port)
        with pytest.raises(OSError, match=f"port {port} on 127.0.0.1 is already in use"):
            serve(port)
        result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 2
    assert "already in use" in result.stderr and "--port" in result.stderr


def test_stop_kills_a_server_that_ignores_sigterm():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print(1, flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    proc.stdout.readline()  # the handler is in place
    assert stop(proc, timeout=0.5) == -signal.SIGKILL
    proc.stdout.close()


# ================================================================== the page, in Chromium
def _slider(page, label: str):
    return page.locator(".widget-hslider", has_text=label)


def _set_slider(page, label: str, *keys: str) -> str:
    handle = _slider(page, label).locator(".noUi-handle")
    handle.focus()
    for key in keys:
        handle.press(key)
    return _slider(page, label).locator(".widget-readout").inner_text()


@pytest.mark.browser
def test_compare_and_drill_down_in_the_browser(dashboard_page, artifacts):
    page = dashboard_page
    page.locator("select[multiple]").select_option(label=["Reactive", "Customer success"])
    assert _set_slider(page, "Years simulated", "Home").strip() == "0.50"
    assert _set_slider(page, "Replications", "Home", "ArrowRight").strip() == "2"
    page.get_by_role("button", name="Run comparison").click()
    page.get_by_text("Run 1 done").wait_for()
    table = page.locator(".simkit-table").first
    first_table = table.inner_text()
    assert "Customer success" in first_table and "Key-account focus" not in first_table
    figure = page.locator("img").first
    first_src = figure.get_attribute("src")
    page.screenshot(path=str(artifacts / "dashboard-run-1.png"), full_page=True)

    before = _slider(page, "Account managers").locator(".widget-readout").inner_text()
    after = _set_slider(page, "Account managers", "ArrowLeft", "ArrowLeft", "ArrowLeft")
    assert int(after) == int(before) - 3
    page.get_by_role("button", name="Run comparison").click()
    page.get_by_text("Run 2 done").wait_for()
    assert table.inner_text() != first_table
    assert figure.get_attribute("src") != first_src
    page.screenshot(path=str(artifacts / "dashboard-run-2.png"), full_page=True)

    page.locator(".lm-TabBar-tab", has_text="Account stories").click()
    stories = page.locator(".widget-html", has_text="Customer success:")
    stories.first.wait_for()
    assert page.locator(".widget-html", has_text="Reactive:").first.is_visible()
    page.screenshot(path=str(artifacts / "dashboard-stories.png"), full_page=True)


def upload(page, name: str, data: bytes) -> None:
    """Pick a file through the upload button's file chooser (ipywidgets keeps its
    ``<input type=file>`` out of the page)."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload CSV").click()
    chooser.value.set_files({"name": name, "mimeType": "text/csv", "buffer": data})


@pytest.mark.browser
def test_csv_upload_in_the_browser(dashboard_page, artifacts):
    page = dashboard_page
    upload(page, "crm.csv", BAD_CSV)
    problem = page.get_by_text("row 2, column segment: 'Gold' is not a segment")
    problem.wait_for()
    assert page.get_by_text("row 3, column arr: -5 is negative").is_visible()
    colour = problem.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(178, 24, 43)"
    page.screenshot(path=str(artifacts / "dashboard-bad-upload.png"), full_page=True)

    upload(page, "portfolio.csv", example_path().read_bytes())
    page.get_by_text("Your file: portfolio.csv (120 accounts)").wait_for()
    assert not problem.is_visible()


def test_example_file_parses_for_the_browser_upload():
    # The browser test uploads examples/portfolio.csv "as of" today: it must load whatever
    # the date (past renewal dates roll forward).
    book = read_csv(example_path())
    assert len(book) == 120 and (book["days_to_renewal"] >= 0).all()
    assert json.loads(json.dumps(book.attrs))["as_of"] == dt.date.today().isoformat()
