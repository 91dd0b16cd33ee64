"""Serving the manager dashboard with Voila: start it, wait until it answers, stop it cleanly.

``simkit dashboard`` and ``make dashboard`` call :func:`serve`, which runs
``python -m voila dashboard/manager.ipynb`` as a child process, waits until Voila answers,
and on Ctrl-C (or SIGTERM) asks it to stop -- Voila then shuts down the kernels of open
pages -- killing it only if it does not stop in time. Voila never outlives this process: on
Linux it is started so that it gets SIGTERM when its parent dies, however it died
(:func:`simkit.experiments.workers.parent_death_preexec`). Nothing here imports ipywidgets or the
simulation: the page itself is :mod:`simkit.ui.dashboard`, run by Voila in its own kernel.

Who may use it (:func:`voila_config`, written to a private ``voila.json`` for each start):

* **a token**: every start makes a new random one (:func:`new_token`); a page opened without
  it goes to a login page. :func:`serve` prints the URL with the token, like ``make lab``.
  The token is in the private config file, never on the command line (``ps`` shows those).
* **this machine only**: Voila listens on 127.0.0.1 and refuses (403) a request whose
  ``Host`` header names another machine (DNS rebinding). Listening elsewhere (``host=``)
  must be asked for and prints a warning.
* **a few pages at once**: each page is a kernel of a few hundred MB; at most
  :data:`MAX_PAGES` run (:class:`simkit.ui.kernel_limits.CappedKernelManager`, one more is
  answered 503 with a sentence), and a page unused for :data:`IDLE_MINUTES` minutes is
  closed (Jupyter's kernel culling).
* **uploads up to** :data:`simkit.ui.portfolio.MAX_UPLOAD_BYTES`: Voila's websocket takes
  messages up to :data:`WEBSOCKET_MAX_BYTES` (Tornado's default, 10 MiB, dropped larger
  files without a word); the page refuses larger files with a message.
* **no stray configuration**: Voila reads only that ``voila.json`` (a ``voila.py`` in the
  current folder is not executed).

The pieces are public so tests and tools can use them alone: :func:`voila_command` (the
command line), :func:`voila_config`, :func:`port_free` / :func:`free_port`,
:func:`wait_ready` and :func:`stop`.

>>> cmd = voila_command(8866, Path("dashboard/manager.ipynb"), config_dir=Path("/tmp/c"))
>>> cmd[1:3], "--Voila.ip=127.0.0.1" in cmd, "--Voila.config_file_paths=/tmp/c" in cmd
(['-m', 'voila'], True, True)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from simkit.io.hosts import is_local

__all__ = [
    "DEFAULT_PORT",
    "HOST",
    "IDLE_MINUTES",
    "KERNEL_MANAGER",
    "MAX_PAGES",
    "NOTEBOOK",
    "READY_PATH",
    "WEBSOCKET_MAX_BYTES",
    "dashboard_url",
    "free_port",
    "is_local",
    "new_token",
    "notebook_path",
    "port_free",
    "serve",
    "stop",
    "voila_command",
    "voila_config",
    "wait_ready",
    "write_config",
]

NOTEBOOK = Path("dashboard") / "manager.ipynb"
"""Where the dashboard notebook lives, relative to the repository root."""

DEFAULT_PORT = 8866
"""The port ``simkit dashboard`` uses unless told otherwise."""

HOST = "127.0.0.1"
"""The address the dashboard listens on unless told otherwise: this machine, not the network."""

MAX_PAGES = 4
"""The most dashboard pages (kernels, a few hundred MB each) that run at once."""

IDLE_MINUTES = 10
"""A page unused this long is closed (its kernel shut down), even with its tab still open."""

WEBSOCKET_MAX_BYTES = 64 * 1024 * 1024
"""The largest message Voila's websocket takes: room for an upload of
:data:`simkit.ui.portfolio.MAX_UPLOAD_BYTES` and its wrapping."""

KERNEL_MANAGER = "simkit.ui.kernel_limits.CappedKernelManager"
"""The kernel manager Voila uses (by class name): Jupyter's, with a cap on kernels."""

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
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
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


def new_token() -> str:
    """A fresh random access token (URL-safe text, 256 bits).

    >>> len(new_token()) >= 40, new_token() != new_token()
    (True, True)
    """
    return secrets.token_urlsafe(32)


def voila_config(token: str, host: str = HOST, max_pages: int = MAX_PAGES) -> dict:
    """Voila's settings for the dashboard: token, host check, kernel cap, culling, uploads.

    A ``voila.json`` with these (:func:`write_config`) is the only configuration Voila
    reads. On a local ``host`` requests must name this machine in their ``Host`` header
    (``localhost`` or a loopback address); listening on the network turns that check off
    and leaves the token as the only guard.

    >>> c = voila_config("t0k")
    >>> c["Voila"]["token"], c["Voila"]["tornado_settings"]["allow_remote_access"]
    ('t0k', False)
    >>> c["MappingKernelManager"]["cull_idle_timeout"], c["CappedKernelManager"]["max_kernels"]
    (600, 4)
    """
    if not token:
        raise ValueError("the dashboard needs a token; make one with new_token()")
    return {
        "Voila": {
            "token": token,
            "tornado_settings": {
                "allow_remote_access": not is_local(host),
                "local_hostnames": ["localhost"],
                "websocket_max_message_size": WEBSOCKET_MAX_BYTES,
                # Voila's page never gets the _xsrf cookie, so the beacon that shuts a closed
                # page's kernel down was refused (403) and every page held its kernel until
                # culled. Its endpoints that change anything (that beacon, kernel DELETE) are
                # API handlers, which refuse another site's Origin anyway; the login form
                # takes only the token.
                "disable_check_xsrf": True,
            },
        },
        "VoilaConfiguration": {
            "multi_kernel_manager_class": KERNEL_MANAGER,
            "preheat_kernel": False,  # no kernels started before anyone asks
            "show_tracebacks": False,
        },
        "MappingKernelManager": {
            "cull_idle_timeout": IDLE_MINUTES * 60,
            "cull_interval": 60,
            "cull_connected": True,  # an open but unused tab is closed too
            "cull_busy": False,  # never in the middle of a simulation
        },
        "CappedKernelManager": {"max_kernels": max_pages},
    }


def write_config(folder: Path, config: dict) -> Path:
    """Write ``config`` as ``folder/voila.json``, readable by its owner only."""
    path = Path(folder) / "voila.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1)
    return path


def voila_command(
    port: int, notebook: Path | None = None, *, config_dir: Path, host: str = HOST
) -> list[str]:
    """The command line that serves the dashboard on ``host``:``port`` with the settings in
    ``config_dir/voila.json`` (:func:`write_config`) and no other configuration file.

    >>> cmd = voila_command(8866, Path("m.ipynb"), config_dir=Path("/tmp/c"))
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
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",
        f"--Voila.config_file_paths={config_dir}",
    ]


def dashboard_url(host: str, port: int, token: str | None = None) -> str:
    """The address to open (with ``?token=`` when given).

    >>> dashboard_url("127.0.0.1", 8866, "abc")
    'http://127.0.0.1:8866/?token=abc'
    >>> dashboard_url("::1", 8866)
    'http://[::1]:8866/'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


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


def serve(
    port: int = DEFAULT_PORT,
    notebook: Path | None = None,
    timeout: float = 60.0,
    host: str = HOST,
    max_pages: int = MAX_PAGES,
) -> int:
    """Serve the dashboard on http://``host``:``port``/ until Ctrl-C (or SIGTERM).

    A new token is made for every start; the URL printed when the dashboard is ready
    carries it. ``host`` other than this machine (e.g. ``0.0.0.0``) makes the dashboard
    reachable from the network: only when asked, and with a warning.

    Returns the exit code: 0 after a clean stop. Raises :class:`OSError` with a clear
    message when the port is taken, before starting anything.
    """
    if not port_free(port, host):
        raise OSError(
            f"port {port} on {host} is already in use (another dashboard?); "
            "stop that one or choose another port with --port"
        )
    if not is_local(host):
        print(
            f"warning: the dashboard listens on {host}, so other machines can reach it: anyone "
            "who has the URL with its token can use it, and plain http is not encrypted",
            file=sys.stderr,
            flush=True,
        )
    token = new_token()
    folder = Path(tempfile.mkdtemp(prefix="simkit-voila-"))  # private (0700)
    write_config(folder, voila_config(token, host, max_pages))
    probe = dashboard_url({"0.0.0.0": HOST, "::": "::1"}.get(host, host), port)
    url = dashboard_url(host, port, token)
    print(f"starting the dashboard on {dashboard_url(host, port)} ...", flush=True)
    from simkit.experiments.workers import parent_death_preexec

    try:
        # Voila gets SIGTERM (and shuts its kernels down) if this process dies, even by SIGKILL
        process = subprocess.Popen(
            voila_command(port, notebook, config_dir=folder, host=host),
            preexec_fn=parent_death_preexec(signal.SIGTERM),
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if not wait_ready(probe, timeout, process):
            code = process.poll()
            stop(process)
            print(
                f"the dashboard did not start (voila exit code {code}); see the messages above",
                file=sys.stderr,
            )
            return 1
        print(f"dashboard ready: {url}  (Ctrl-C stops it)", flush=True)
        print(
            f"  open it with the token above; at most {max_pages} pages at once, an unused "
            f"page is closed after {IDLE_MINUTES} minutes",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        print("stopping the dashboard ...", flush=True)
        stop(process)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
