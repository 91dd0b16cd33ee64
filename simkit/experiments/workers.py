"""Worker processes that never outlive their parent, and checked Dask scheduler addresses.

Experiments run on worker processes; a worker left behind keeps a core busy for nothing and
holds files open. Three rules keep them in check:

* **A worker dies with its parent.** :func:`die_with_parent` (called first thing in every
  pool worker) asks Linux to send the worker SIGKILL the moment the process that started it
  is gone, however it went -- Ctrl-C, SIGTERM, SIGKILL or a crash (``prctl`` with
  ``PR_SET_PDEATHSIG``); elsewhere a watchdog thread polls the parent's pid. The same
  request is made for servers started with :func:`parent_death_preexec` (the dashboard's
  Voila, which gets SIGTERM so that it still shuts its kernels down).
* **Ctrl-C is the parent's.** A terminal sends Ctrl-C to every process of the job; workers
  ignore it (:func:`worker_start`) and the parent, which knows what to keep, stops them
  with :func:`kill_workers`.
* **A stuck worker is killed.** The pool in :mod:`simkit.experiments.runner` gives every
  task a deadline and kills the workers when one passes it.
* **SIGTERM unwinds.** Inside :func:`sigterm_unwinds` (every ``simkit`` command) SIGTERM
  raises :class:`Terminated`, so ``finally`` blocks run -- pools are killed, finished sweep
  runs are saved -- before the process exits.

:func:`check_scheduler_address` refuses a malformed Dask address at once, before anything
tries to connect to it. Only the standard library is used here, so the command line can
check an address without loading anything heavy.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "SCHEMES",
    "Terminated",
    "check_scheduler_address",
    "check_terminated",
    "die_with_parent",
    "kill_workers",
    "parent_death_preexec",
    "quiet_stdout",
    "sigterm_unwinds",
    "worker_start",
]

PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""

SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
"""Address schemes a Dask scheduler can listen on."""

_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r"(?::(?P<port>\d{1,5}))?/?$"
)


def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, or None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None


def die_with_parent(
    parent_pid: int, sig: int = signal.SIGKILL, poll: float = 0.5, kernel: bool = True
) -> None:
    """Make this process get ``sig`` as soon as its parent (``parent_pid``) is gone.

    On Linux the kernel does it (``PR_SET_PDEATHSIG``); elsewhere, or with ``kernel=False``,
    a daemon thread checks the parent's pid every ``poll`` seconds and exits the process
    when it has changed. If the parent is already gone, the process exits at once.

    The kernel sends the signal when the *thread* that started this process ends, so pass
    ``kernel=False`` when that was not the parent's main thread.
    """
    prctl = _prctl() if kernel else None
    if prctl is not None and prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0:
        if os.getppid() != parent_pid:  # the parent died before the request was made
            os._exit(1)
        return

    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def worker_start(parent_pid: int, main_thread: bool = True) -> None:
    """Initialiser of every pool worker: die with the parent (``main_thread``: the pool was
    started by the parent's main thread), leave Ctrl-C to the parent, and take the default
    action on SIGTERM (a forked worker inherits the parent's Python handlers)."""
    die_with_parent(parent_pid, kernel=main_thread)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def parent_death_preexec(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen` that makes the child get ``sig`` when
    this process dies (Linux; None elsewhere, where nothing is asked).

    libc's ``prctl`` is looked up here, in the parent, so that the child only calls it.

    >>> import subprocess, sys
    >>> subprocess.run([sys.executable, "-c", "pass"],
    ...                preexec_fn=parent_death_preexec()).returncode
    0
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def kill_workers(pool: Any, timeout: float = 2.0) -> None:
    """Kill the worker processes of a :class:`concurrent.futures.ProcessPoolExecutor` now
    (SIGKILL: a worker stuck in a loop gets no say) and reap them.

    Python 3.14 has ``pool.kill_workers()``; before, the pool keeps its processes in
    ``pool._processes``.
    """
    kill = getattr(pool, "kill_workers", None)
    if callable(kill):  # pragma: no cover - Python 3.14+
        kill()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))


class Terminated(BaseException):
    """SIGTERM arrived inside :func:`sigterm_unwinds`. Like KeyboardInterrupt, it is not an
    ``Exception``, so only code that means to stop on it does."""


_TERMINATED = threading.Event()


def _raise_terminated(_signum: int, _frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the unwinding finish
    _TERMINATED.set()
    raise Terminated


def check_terminated() -> None:
    """Raise :class:`Terminated` if SIGTERM has arrived inside :func:`sigterm_unwinds`.

    A signal handler's exception is raised wherever the main thread happens to be, and is
    lost when that is a ``__del__`` method; loops that wait (the worker pool) call this to
    notice the signal anyway.
    """
    if _TERMINATED.is_set():
        raise Terminated


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Inside, SIGTERM raises :class:`Terminated` (once; a second one is ignored while the
    first unwinds). Outside the main thread, where no handler can be set, it does nothing.

    >>> with sigterm_unwinds():
    ...     signal.getsignal(signal.SIGTERM) is _raise_terminated
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _TERMINATED.clear()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _TERMINATED.clear()


def quiet_stdout() -> None:
    """Send whatever is still written to stdout to /dev/null: its reader has gone
    (``simkit compare | head -1``), and the last flush at exit must not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no file descriptor
        pass


def check_scheduler_address(address: object) -> str:
    """``address`` when it looks like a Dask scheduler address, else a ValueError saying
    what one looks like. Nothing is contacted.

    >>> check_scheduler_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> check_scheduler_address("garbage://")
    Traceback (most recent call last):
    ...
    ValueError: scheduler 'garbage://' is not a Dask scheduler address; give one such as ...
    """
    text = address.strip() if isinstance(address, str) else ""
    found = _ADDRESS.match(text)
    scheme = (found.group("scheme") or "tcp") if found else ""
    port = found.group("port") if found else None
    if not found or scheme not in SCHEMES or (port is not None and not 0 < int(port) < 65536):
        shown = repr(address) if len(repr(address)) <= 80 else repr(address)[:77] + "..."
        raise ValueError(
            f"scheduler {shown} is not a Dask scheduler address; "
            "give one such as tcp://127.0.0.1:8786"
        )
    return text
