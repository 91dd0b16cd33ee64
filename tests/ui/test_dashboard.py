"""Tests for simkit.ui.dashboard: the page's logic in Python, and the page itself in a real
Chromium (marker ``browser``)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import ipywidgets as w
import pandas as pd
import pytest

from simkit.analysis.economics import strategy_return
from simkit.analysis.summary import run_summary
from simkit.engine.scenario import ScenarioError
from simkit.io.portfolio import example_path, read_csv
from simkit.ui.dashboard import ManagerDashboard
from simkit.ui.portfolio import MAX_UPLOAD_BYTES
from simkit.ui.server import MAX_PAGES
from simkit.viz.tables import RETURN_LABEL
from tests.conftest import FOREIGN_HOST, close_page
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
    assert dash.portfolio.use_example()
    dash.controls.set(horizon_years=1.5)  # long enough for some accounts to leave
    dash.run()
    return dash


# ================================================================== the page, in Python
def test_page_holds_the_parts_a_manager_needs():
    dash = make()
    page = dash.widget
    assert repr(page) == "<ManagerDashboard>"
    assert dash.portfolio.upload.accept == ".csv"
    assert dash.run_button.description == "Run comparison"
    assert dash.view.figure.layout.display == "none"  # nothing to show before a run
    labels = [label for label, _ in dash.portfolio.source.options]
    assert labels[0].startswith("Built-in book (60 sampled accounts)")
    assert any("Example portfolio" in label for label in labels)


def test_run_fills_table_and_figure_and_they_follow_the_inputs():
    dash = make()
    dash.run()
    table1 = dash.results_table()
    png1 = dash.view.figure.value
    assert list(table1.columns) == ["Reactive", "Customer success"]
    assert "Run 1 done" in dash.run_info.value
    assert dash.return_image.layout.display is None and bytes(dash.return_image.value)
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
    assert RETURN_LABEL in dash.differences_table().index


def test_one_strategy_hides_the_return_chart():
    dash = make(selected=["reactive"], replications=1)
    dash.run()
    assert dash.return_image.layout.display == "none"


@pytest.mark.parametrize("portfolio", ["builtin", "example"])
def test_cost_per_hour_reprices_the_runs(portfolio):
    dash = make(replications=1)
    if portfolio == "example":
        dash.portfolio.use_example()
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
    assert "120 accounts" in ran.portfolio.status.value
    assert ran.controls.segments["key"].disabled


def test_an_imported_book_keeps_the_teams_inputs():
    dash = make()
    dash.portfolio.use_example()
    dash.controls.set(managers=5, cost_per_hour=90.0, horizon_years=2.0)
    sc = dash.scenario()
    assert (sc.team.managers, sc.team.cost_per_hour, sc.horizon_years) == (5, 90.0, 2.0)
    assert sc.portfolio.total_accounts == len(dash.book) == 120


def test_downloads_hold_the_figures(ran):
    href = re.search(
        r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', ran.summary_download.value
    )
    frame = pd.read_csv(io.BytesIO(base64.b64decode(href.group(1))))
    assert set(frame["strategy"]) == {"reactive", "customer_success"}
    ret = frame[frame["metric"] == "return"]
    assert list(ret["strategy"]) == ["customer_success"]
    want = strategy_return(ran.comparison.runs, "reactive").set_index("strategy")
    assert ret["mean"].iloc[0] == pytest.approx(want.loc["customer_success", "return"], nan_ok=True)
    assert "what-if-runs.csv" in ran.view.download.value


def test_problems_with_inputs_show_in_red_instead_of_raising():
    dash = make()
    dash.controls.strategies.value = ()
    assert dash.update() is None
    assert "pick at least one strategy" in dash.view.status.value
    assert "#b2182b" in dash.view.status.value
    assert not dash.run_button.disabled
    dash.controls.strategies.value = ("reactive",)
    dash.controls.set(counts={"key": 0, "enterprise": 0, "mid_market": 0, "small": 0})
    with pytest.raises(ScenarioError, match="at least one account"):
        dash.run()


def test_a_new_book_forgets_the_comparison():
    dash = make(replications=1)
    dash.run()
    assert dash.stories.comparison is not None
    dash.portfolio.use_example()
    assert dash.comparison is None and dash.stories.comparison is None


def test_account_stories_follow_the_run_and_replay_its_runs_when_opened(ran):
    assert ran.stories.comparison is ran.comparison
    assert ran.stories.book is ran.book
    assert ran.stories.simulated == 0 and ran.stories.sides.children == ()  # not yet looked at
    ran.tabs.selected_index = 1  # the manager opens "Account stories"
    try:
        assert len(ran.stories.sides.children) == 2 and ran.stories.simulated == 2
    finally:
        ran.tabs.selected_index = 0
    runs = ran.comparison.runs.set_index(["strategy", "replication"])
    for strategy in ran.comparison.strategies:
        res = ran.stories.results(strategy, 0)  # the replication shown, with its event log
        assert res.recorded == "events" and len(res.events) > 0
        again = run_summary(res)
        row = runs.loc[(strategy, 0)]
        common = [c for c in row.index if c in again.index]
        assert len(common) > 10
        pd.testing.assert_series_equal(
            again[common].astype(float), row[common].astype(float), rtol=1e-9, check_names=False
        )  # same seed, same numbers as the summary run


def test_results_arrive_replication_by_replication_with_a_stop_button():
    dash = make(replications=3)
    seen: list[tuple[int, str]] = []
    dash.whatif.on_update(lambda update, drawn: seen.append((update.shown, dash.run_info.value)))
    dash.run()
    assert [k for k, _ in seen] == [1, 2, 3]
    assert seen[0][1] == "" and "Run 1 done" in seen[-1][1]  # stories offered at the end
    assert "3 replications" in dash.view.status.value
    buttons = [b.description for b in _descendants(dash.widget) if isinstance(b, w.Button)]
    assert "Run comparison" in buttons and "Stop" in buttons
    assert dash.controls.stop_button.disabled  # nothing running


def _descendants(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _descendants(child)
    return found


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


@pytest.mark.browser
def test_results_stream_in_the_browser_and_stop_stops_them(dashboard_page, artifacts):
    page = dashboard_page
    page.locator("select[multiple]").select_option(label=["Reactive", "Customer success"])
    assert _set_slider(page, "Replications", "End").strip() == "30"  # 60 runs: a while
    page.get_by_role("button", name="Run comparison").click()
    page.get_by_text("more on the way").wait_for()  # the first replications are on show
    assert "Customer success" in page.locator(".simkit-table").first.inner_text()
    page.screenshot(path=str(artifacts / "dashboard-streaming.png"), full_page=True)
    page.get_by_role("button", name="Stop").click()  # heard while the runs go on
    page.get_by_text("Stopped: showing").wait_for(timeout=20_000)
    info = page.get_by_text("Run 1 stopped with")
    info.wait_for()
    assert "of 30 replications" in info.inner_text()
    assert page.get_by_role("button", name="Stop").is_disabled()


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


def wide_example(size: int) -> bytes:
    """The example portfolio with a ``notes`` column that makes it ``size`` bytes or more."""
    header, *rows = example_path().read_text().splitlines()
    pad = "x" * (size // len(rows) + 1)
    return ("\n".join([f"{header},notes", *(f"{row},{pad}" for row in rows)]) + "\n").encode()


@pytest.mark.browser
def test_uploads_up_to_the_limit_arrive_and_larger_ones_are_refused_with_a_message(
    dashboard_page, artifacts, tmp_path
):
    page = dashboard_page
    # 12 MiB: more than Tornado's default websocket limit (10 MiB), which dropped it silently
    page.wait_for_function(f"window.simkitUploadLimit === {MAX_UPLOAD_BYTES}")
    upload(page, "wide.csv", wide_example(12 * 2**20))
    page.get_by_text("Your file: wide.csv (120 accounts)").wait_for()

    huge = tmp_path / "huge.csv"  # over the limit (and over the websocket's)
    huge.write_bytes(wide_example(80 * 2**20))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload CSV").click()
    chooser.value.set_files(str(huge))
    size = huge.stat().st_size / 2**20
    message = page.get_by_text(
        f"huge.csv is {size:.1f} MiB; the dashboard takes account lists up to 50 MiB"
    )
    message.wait_for()
    assert message.evaluate("e => getComputedStyle(e).color") == "rgb(178, 24, 43)"
    page.screenshot(path=str(artifacts / "dashboard-too-large.png"), full_page=True)
    # the page still works: the previous book stays and a good file is still taken
    upload(page, "portfolio.csv", example_path().read_bytes())
    page.get_by_text("Your file: portfolio.csv (120 accounts)").wait_for()


@pytest.mark.browser
def test_the_dashboard_needs_its_token_and_refuses_foreign_hosts(
    chromium, dashboard_url, artifacts
):
    parts = urlsplit(dashboard_url)
    token = parse_qs(parts.query)["token"][0]
    base = f"{parts.scheme}://{parts.netloc}/"
    page = chromium.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.set_default_timeout(90_000)
    try:
        # without the token, or with a wrong one: the login page, no dashboard
        for url in (base, base + "?token=not-the-token"):
            page.goto(url)
            assert urlsplit(page.url).path == "/login"
            assert page.get_by_role("textbox", name="Password or token:").is_visible()
            assert page.get_by_role("button", name="Run comparison").count() == 0
        page.screenshot(path=str(artifacts / "dashboard-login.png"))

        # a site on another name that resolves to this machine: refused even with the token
        response = page.goto(f"http://{FOREIGN_HOST}:{parts.port}/?token={token}")
        assert response.status == 403
        assert page.get_by_role("button", name="Run comparison").count() == 0

        # the printed URL, with its token, opens the dashboard -- again and again: a page
        # left (here: reloaded) hands its kernel back, so reloads never meet the page cap
        page.goto(dashboard_url)
        page.get_by_role("button", name="Run comparison").wait_for()
        for _ in range(MAX_PAGES):
            page.reload()
            page.get_by_role("button", name="Run comparison").wait_for()
    finally:
        close_page(page)


def test_too_large_uploads_are_refused_in_python():
    dash = make()
    dash.portfolio.use_example()
    # what the page's upload guard sends for an 80 MiB file: its name and size, no content
    dash.portfolio.upload.value = (
        {
            "name": "crm.csv",
            "type": "text/csv",
            "size": 80 * 2**20,
            "content": b"",
            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )
    status = dash.portfolio.status.value
    assert "crm.csv is 80.0 MiB" in status and "up to 50 MiB" in status and "#b2182b" in status
    assert len(dash.book) == 120  # the example stays
    assert not dash.portfolio.load_csv(b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv")
    assert "big.csv is 50.0 MiB" in dash.portfolio.status.value
    assert dash.portfolio.load_csv(wide_example(2**20), "wide.csv")  # a big file is fine


def test_example_file_parses_for_the_browser_upload():
    # The browser test uploads examples/portfolio.csv "as of" today: it must load whatever
    # the date (past renewal dates roll forward).
    book = read_csv(example_path())
    assert len(book) == 120 and (book["days_to_renewal"] >= 0).all()
    assert json.loads(json.dumps(book.attrs))["as_of"] == dt.date.today().isoformat()
