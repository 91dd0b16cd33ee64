"""Fixtures for the real-browser tests: a Voila dashboard on localhost and Debian's Chromium.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (override with
``CHROMIUM_PATH``) and skip, saying how to install it, only when it is truly absent.
Screenshots and the server log go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import alive, descendants

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FOREIGN_HOST = "evil.example"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # a stranger's site that resolves to this machine (DNS rebinding), for the Host check
    f"--host-resolver-rules=MAP {FOREIGN_HOST} 127.0.0.1",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or ``$CHROMIUM_PATH``), if it is there."""
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _ready_url(log: Path, proc: subprocess.Popen, timeout: float = 15) -> str | None:
    """The URL with its token that ``simkit dashboard`` prints when it is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"dashboard ready: (http://\S+\?token=\S+)", log.read_text())
        if found:
            return found.group(1)
        if proc.poll() is not None:
            return None
        time.sleep(0.1)
    return None


@pytest.fixture(scope="session")
def dashboard_url(artifacts: Path) -> Iterator[str]:
    """Start ``simkit dashboard`` on a free 127.0.0.1 port and give the URL it prints, with
    its access token (``http://127.0.0.1:PORT/?token=...``); stop it, and its kernels, after.

    The server is its own process group, so a kill on timeout reaches Voila too.
    """
    from simkit.ui.server import free_port, wait_ready

    port = free_port()
    script = Path(sys.executable).with_name("simkit")
    cli = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "from simkit.cli import app; app()"]
    )
    log_path = artifacts / "dashboard-server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*cli, "dashboard", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            ready = wait_ready(url, timeout=60, process=proc) and _ready_url(log_path, proc)
            if not ready:
                proc.kill()
                log.flush()
                tail = log_path.read_text()[-2000:]
                pytest.fail(f"the dashboard did not start within 60 s:\n{tail}")
            yield ready
        finally:
            _stop_server(proc)


def _stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (the dashboard stops Voila, Voila its kernels); kill the group on timeout;
    then check that nothing the server started is still running."""
    watched = descendants(proc.pid) if Path("/proc").is_dir() else set()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    deadline = time.monotonic() + 15
    while any(alive(p) for p in watched) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = sorted(p for p in watched if alive(p))
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"processes left behind by the dashboard (now killed): {left}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (sync API)."""
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Chromium not found: install it with `apt-get install -y chromium` (or `make "
            "browser` as root), or point CHROMIUM_PATH at a Chromium binary"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def dashboard_page(chromium, dashboard_url: str) -> Iterator[object]:
    """A fresh page (one Voila kernel) with the dashboard loaded and its Run button shown."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1700})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(dashboard_url)
    page.get_by_role("button", name="Run comparison").wait_for()
    yield page
    close_page(page)


def close_page(page) -> None:
    """Leave the page as a person would (Voila's unload handler then shuts its kernel down,
    freeing its place under the server's cap on pages) and close its browser context."""
    try:
        page.goto("about:blank")
        page.wait_for_timeout(300)  # let the shutdown beacon go out
    finally:
        page.context.close()


# -- the bad-input suite's report ------------------------------------------------------------
BAD_INPUT_KIND = "bad_input_kind"
"""Report property naming the kind of a case of the bad-input suite (tests/test_bad_input.py)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[object]:
    """Tag the reports of bad-input cases with their kind (from the case, or the test's
    ``bad_input_kind`` attribute), so the summary below can count them, with xdist too."""
    report = yield
    params = getattr(getattr(item, "callspec", None), "params", {})
    kind = getattr(params.get("case"), "kind", None) or getattr(
        getattr(item, "function", None), BAD_INPUT_KIND, None
    )
    if kind and report.when == "call":
        report.user_properties.append((BAD_INPUT_KIND, kind))
    return report


def pytest_terminal_summary(terminalreporter: object) -> None:
    """After the run: how many bad-input cases of each kind passed and failed."""
    counts: dict[str, list[int]] = {}
    for outcome, column in (("passed", 0), ("failed", 1)):
        for report in terminalreporter.stats.get(outcome, []):  # type: ignore[attr-defined]
            kind = dict(getattr(report, "user_properties", ())).get(BAD_INPUT_KIND)
            if kind and getattr(report, "when", None) == "call":
                counts.setdefault(kind, [0, 0])[column] += 1
    if not counts:
        return
    write = terminalreporter.write_line  # type: ignore[attr-defined]
    terminalreporter.write_sep("-", "bad-input cases by kind")  # type: ignore[attr-defined]
    for kind, (passed, failed) in sorted(counts.items()):
        write(f"{kind:<40} {passed + failed:>6}" + (f"  ({failed} FAILED)" if failed else ""))
    total = [sum(c[i] for c in counts.values()) for i in (0, 1)]
    write(f"{'all bad-input cases':<40} {sum(total):>6}  ({total[0]} passed, {total[1]} failed)")
