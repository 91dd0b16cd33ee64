"""Serving the manager dashboard with Voila: start it, wait until it answers, stop it cleanly.

``simkit dashboard`` and ``make dashboard`` call :func:`serve`, which runs
``python -m voila dashboard/manager.ipynb`` as a child process bound to 127.0.0.1 only,
waits until Voila answers, and on Ctrl-C (or SIGTERM) asks it to stop -- Voila then shuts
down the kernels of open pages -- killing it only if it does not stop in time. Nothing here
imports ipywidgets or the simulation: the page itself is :mod:`simkit.ui.dashboard`, run by
Voila in its own kernel.

The pieces are public so tests and tools can use them alone: :func:`voila_command` (the
command line), :func:`port_free` / :func:`free_port`, :func:`wait_ready` and :func:`stop`.

>>> cmd = voila_command(8866, Path("dashboard/manager.ipynb"))
>>> cmd[1:3], "--Voila.ip=127.0.0.1" in cmd
(['-m', 'voila'], True)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "DEFAULT_PORT",
    "HOST",
    "NOTEBOOK",
    "READY_PATH",
    "free_port",
    "notebook_path",
    "port_free",
    "serve",
    "stop",
    "voila_command",
    "wait_ready",
]

NOTEBOOK = Path("dashboard") / "manager.ipynb"
"""Where the dashboard notebook lives, relative to the repository root."""

DEFAULT_PORT = 8866
"""The port ``simkit dashboard`` uses unless told otherwise."""

HOST = "127.0.0.1"
"""The only address the dashboard listens on: this machine, never the network."""

READY_PATH = "/voila/static/voila.js"
"""A URL that answers once Voila is up, without starting a kernel."""


def notebook_path() -> Path:
    """The dashboard notebook: ``dashboard/manager.ipynb`` next to the package, in the
    current folder, or (for an installed package without the repository) a copy written to
    a temporary folder.

    >>> notebook_path().name
    'manager.ipynb'
    """
    env = os.environ.get("SIMKIT_DASHBOARD_NOTEBOOK")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / NOTEBOOK, Path.cwd() / NOTEBOOK]
    for path in candidates:
        if path.is_file():
            return path
    folder = Path(tempfile.mkdtemp(prefix="simkit-dashboard-"))
    path = folder / NOTEBOOK.name
    path.write_text(_fallback_notebook(), encoding="utf-8")
    return path


def _fallback_notebook() -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Account strategy what-if"),
        nbformat.v4.new_code_cell(
            "from simkit.ui.dashboard import ManagerDashboard\n\nManagerDashboard().show()"
        ),
    ]
    return nbformat.writes(nb)


def port_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound right now.

    >>> with socket.socket() as s:
    ...     s.bind((HOST, 0))
    ...     port_free(s.getsockname()[1])
    False
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def voila_command(port: int, notebook: Path | None = None) -> list[str]:
    """The command line that serves the dashboard on 127.0.0.1:``port`` only.

    >>> cmd = voila_command(8866, Path("dashboard/manager.ipynb"))
    >>> "--Voila.ip=127.0.0.1" in cmd, "--port=8866" in cmd, "--no-browser" in cmd
    (True, True, True)
    """
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook or notebook_path()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",
        # a kernel whose page was closed without saying goodbye is shut down after an hour
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
    ]


def wait_ready(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> bool:
    """Poll ``url`` + :data:`READY_PATH` until it answers 200 (True) or ``timeout`` passes.

    Gives up early (False) when ``process`` exits.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with opener.open(url.rstrip("/") + READY_PATH, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    return False


def stop(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """Ask a server to stop (SIGTERM: Voila shuts its kernels down), kill it after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return int(process.returncode or 0)


def serve(port: int = DEFAULT_PORT, notebook: Path | None = None, timeout: float = 60.0) -> int:
    """Serve the dashboard on http://127.0.0.1:``port``/ until Ctrl-C (or SIGTERM).

    Returns the exit code: 0 after a clean stop. Raises :class:`OSError` with a clear
    message when the port is taken, before starting anything.
    """
    if not port_free(port):
        raise OSError(
            f"port {port} on {HOST} is already in use (another dashboard?); "
            "stop that one or choose another port with --port"
        )
    url = f"http://{HOST}:{port}/"
    print(f"starting the dashboard on {url} ...", flush=True)
    process = subprocess.Popen(voila_command(port, notebook))
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if not wait_ready(url, timeout, process):
            code = process.poll()
            stop(process)
            print(
                f"the dashboard did not start (voila exit code {code}); see the messages above",
                file=sys.stderr,
            )
            return 1
        print(f"dashboard ready: {url}  (Ctrl-C stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        print("stopping the dashboard ...", flush=True)
        stop(process)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            stop(process)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
