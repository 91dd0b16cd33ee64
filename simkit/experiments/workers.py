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

:class:`WorkerPool` keeps workers alive *between* calls, for screens that ask for runs again
and again (the what-if): starting processes costs a fraction of a second per click, a pool
that is already there costs nothing. It obeys the same rules, and hands a task to a worker
only when one is free, so that a Stop (a :class:`threading.Event`) stops at once.

:func:`check_scheduler_address` refuses a malformed Dask address at once, before anything
tries to connect to it. Only the standard library is used here, so the command line can
check an address without loading anything heavy.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import pickle
import re
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, TypeVar

__all__ = [
    "SCHEMES",
    "Terminated",
    "WorkerPool",
    "available_cpus",
    "check_scheduler_address",
    "check_terminated",
    "die_with_parent",
    "kill_workers",
    "parent_death_preexec",
    "quiet_stdout",
    "sigterm_unwinds",
    "worker_start",
]

T = TypeVar("T")
R = TypeVar("R")

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


def worker_result(future: Future, task: str) -> Any:
    """The result of a task run by a worker process; its own error as it is, and a
    :class:`ChildProcessError` naming ``task`` when the worker died (out of memory, or killed
    from outside) instead of the pool's :class:`BrokenProcessPool`."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise ChildProcessError(
            f"{task}: a worker process died unexpectedly (out of memory, or killed from outside)"
        ) from None


class Terminated(BaseException):
    """SIGTERM arrived inside :func:`sigterm_unwinds`. Like KeyboardInterrupt, it is not an
    ``Exception``, so only code that means to stop on it does."""


_TERMINATED = threading.Event()


def _raise_terminated(_signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the unwinding finish
    _TERMINATED.set()
    if frame is not None and (
        frame.f_code.co_name == "__del__" or frame.f_globals.get("__name__") == "logging"
    ):
        # Finalizers and logging's fork hooks (a worker starting) swallow exceptions with an
        # "Exception ignored" traceback on stderr; the waiting loops see the flag instead
        # (check_terminated)
        return
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


def available_cpus() -> int:
    """Cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


def _call(blob: bytes) -> Any:
    """Worker side of :class:`WorkerPool`: unpickle ``(fn, task)`` and apply it."""
    fn, task = pickle.loads(blob)
    return fn(task)


def _dumps(item: object) -> bytes:
    """Pickle a ``(fn, task)`` pair for a worker that was started *before* it existed.

    A strategy class written in a notebook lives in ``__main__`` and a worker forked earlier
    has never seen it, so pickling it by name would fail there; cloudpickle (installed with
    Dask) sends such classes and functions by value, everything importable by name.
    """
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - Dask brings cloudpickle
        return pickle.dumps(item)
    return cloudpickle.dumps(item)


class WorkerPool:
    """Worker processes that stay up between calls, and die with this process.

    Parameters
    ----------
    jobs : worker processes (None: every core this process may use).

    The processes start at the first :meth:`imap_unordered` (or at :meth:`start`) and stay
    until :meth:`close`, this pool is garbage-collected, or this process ends -- whichever
    comes first; a call that ends early (Stop, an error, Ctrl-C) kills them and the next
    call starts fresh ones. :attr:`starts` counts how often processes were started, which
    is how a test sees that repeated calls reuse them.

    Start the pool from the thread that will live longest (in a notebook, the main thread,
    e.g. with :meth:`start` before handing work to a background thread): on Linux a worker
    is killed when the *thread* that started it ends (see :func:`die_with_parent`); from
    another thread the workers watch this process's pid instead.

    >>> with WorkerPool(2) as pool:
    ...     sorted(pool.imap_unordered(abs, [-2, 3, -1]))
    [(0, 2), (1, 3), (2, 1)]
    """

    POLL = 0.05
    """Seconds between two looks at the Stop event and the clock while workers are busy."""

    def __init__(self, jobs: int | None = None) -> None:
        if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
            raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
        self.jobs = jobs or available_cpus()
        self.starts = 0
        self._executor: ProcessPoolExecutor | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def running(self) -> bool:
        """Whether worker processes are up."""
        return self._executor is not None

    def pids(self) -> list[int]:
        """Process ids of the workers (empty when none is running)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def start(self) -> None:
        """Start the worker processes now, from this thread (nothing if they are up)."""
        if self._executor is not None:
            return
        forking = "fork" in mp.get_all_start_methods()
        main = threading.current_thread() is threading.main_thread()
        executor = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=mp.get_context("fork") if forking else None,
            initializer=worker_start,
            initargs=(os.getpid(), main),
        )
        # With fork, the first task makes the pool start every worker, from this thread.
        for fut in [executor.submit(os.getpid) for _ in range(self.jobs)]:
            fut.result()
        self._executor = executor
        self._finalizer = weakref.finalize(self, _shut, executor)
        self.starts += 1

    def close(self) -> None:
        """Kill the workers now and reap them (the next call starts new ones)."""
        executor, self._executor = self._executor, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if executor is not None:
            _shut(executor)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def imap_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        concurrency: int | None = None,
        stop: threading.Event | None = None,
        allowed: float | None = None,
        describe: Callable[[T], str] = repr,
    ) -> Iterator[tuple[int, R]]:
        """Apply ``fn`` to every task on the workers, yielding ``(task index, result)`` as each
        finishes. Tasks are handed out in order.

        Parameters
        ----------
        fn, tasks : a function of one task, and the tasks (sent pickled; see :func:`_dumps`).
        concurrency : at most this many tasks run at once (None: one per worker).
        stop : when this event is set, the iteration ends within :attr:`POLL` seconds and
            the workers still busy are killed.
        allowed : seconds a task may run; a worker past it is killed, with the others, and
            :class:`TimeoutError` names the task (``describe(task)``).
        describe : how a task is named in errors.

        When every worker is used, each also has one task waiting, so that it goes straight
        on while the caller is busy with a result (drawing it, say); otherwise only as many
        tasks as may run are handed out. A task's clock starts when it can run (it is among
        the oldest unfinished, one per worker), as the caller sees it.

        A task's error is raised here (the other workers are killed); a worker that dies
        raises :class:`ChildProcessError`. Ending early in any way -- ``stop``, an error,
        closing the iterator, Ctrl-C -- kills the workers; the next call starts new ones.
        """
        if not tasks:
            return
        self.start()
        executor = self._executor
        assert executor is not None
        limit = max(1, min(concurrency or self.jobs, self.jobs))
        depth = 2 * limit if limit == self.jobs else limit
        pending: dict[Future, list] = {}  # in hand-out order: future -> [index, started]
        queue = iter(range(len(tasks)))
        finished = False

        def hand_out() -> None:
            while len(pending) < depth:
                i = next(queue, None)
                if i is None:
                    return
                pending[executor.submit(_call, _dumps((fn, tasks[i])))] = [i, None]

        try:
            hand_out()
            while pending:
                now = time.monotonic()
                for entry in list(pending.values())[:limit]:  # these can be running
                    entry[1] = now if entry[1] is None else entry[1]
                    if allowed is not None and now - entry[1] > allowed:
                        raise TimeoutError(
                            f"{describe(tasks[entry[0]])}: no result after {allowed:g} s, so "
                            "its worker process was stopped; does a strategy method never "
                            "return?"
                        )
                done, _ = wait(pending, timeout=self.POLL, return_when=FIRST_COMPLETED)
                check_terminated()
                if stop is not None and stop.is_set():
                    return
                for fut in sorted(done, key=lambda f: pending[f][0]):
                    i = pending.pop(fut)[0]
                    result = worker_result(fut, describe(tasks[i]))
                    hand_out()
                    yield i, result
            finished = True
        finally:
            if not finished:
                self.close()


def _shut(executor: ProcessPoolExecutor) -> None:
    """Kill a pool's workers and let the pool wind down (also its finalizer)."""
    kill_workers(executor)
    executor.shutdown(wait=True, cancel_futures=True)
