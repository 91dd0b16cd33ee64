"""Fixtures for the real-browser tests: a Voila dashboard on localhost and Debian's Chromium.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (override with
``CHROMIUM_PATH``) and skip, saying how to install it, only when it is truly absent.
Screenshots and the server log go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
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


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc), e.g. Voila and its kernels."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def dashboard_url(artifacts: Path) -> Iterator[str]:
    """Start ``simkit dashboard`` on a free 127.0.0.1 port; stop it, and its kernels, after.

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
    with open(artifacts / "dashboard-server.log", "w") as log:
        proc = subprocess.Popen(
            [*cli, "dashboard", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            if not wait_ready(url, timeout=60, process=proc):
                proc.kill()
                log.flush()
                tail = (artifacts / "dashboard-server.log").read_text()[-2000:]
                pytest.fail(f"the dashboard did not start within 60 s:\n{tail}")
            yield url
        finally:
            _stop_server(proc)


def _stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (the dashboard stops Voila, Voila its kernels); kill the group on timeout;
    then check that nothing the server started is still running."""
    watched = _descendants(proc.pid) if Path("/proc").is_dir() else set()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in watched) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = sorted(p for p in watched if _alive(p))
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
    context.close()
