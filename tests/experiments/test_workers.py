"""Worker processes never outlive their parent; a stuck task is killed at its time limit;
stopping early stops at once; scheduler addresses are checked before anything connects.

Processes are watched through /proc (Linux) and ``os.kill(pid, 0)``; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from simkit.engine.guard import SimulationTimeout
from simkit.engine.strategies import Strategy
from simkit.experiments.compare import compare
from simkit.experiments.runner import Run, map_unordered, run_many
from simkit.experiments.workers import check_scheduler_address, parent_death_preexec
from tests.helpers import alive, descendants, small_scenario, wait_until

linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def new_children(before: set[int]) -> set[int]:
    """Children of this process that were not there ``before`` and still run (other tests
    may leave processes of their own, e.g. a Dask cluster)."""
    return {p for p in descendants(os.getpid()) - before if alive(p)}


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


class Forever(Strategy):
    """A strategy whose issue priority never comes back."""

    name = "forever"

    def issue_priority(self, account):
        while True:
            pass


# ------------------------------------------------------------------ scheduler addresses
@pytest.mark.parametrize(
    "good", ["tcp://127.0.0.1:8786", "tls://scheduler.example.org:8786", "127.0.0.1:8786",
             "tcp://[::1]:8786", "tcp://dask-scheduler"],
)  # fmt: skip
def test_scheduler_addresses_that_look_right_pass(good):
    assert check_scheduler_address(good) == good


@pytest.mark.parametrize(
    "bad", ["garbage://", "garbage://host:1", "tcp://", "tcp://host:99999", "", "  ", 8786,
            None, "tcp://host:port", "http://host:8786", "tcp://a b:1", "x" * 5000],
)  # fmt: skip
def test_malformed_scheduler_addresses_are_one_short_error(bad):
    with pytest.raises(ValueError, match="is not a Dask scheduler address") as caught:
        check_scheduler_address(bad)
    assert len(str(caught.value)) < 200


def test_a_malformed_address_fails_before_dask_is_touched():
    started = time.monotonic()
    with pytest.raises(ValueError, match="not a Dask scheduler address"):
        list(map_unordered(abs, [1, 2], scheduler="garbage://"))
    assert time.monotonic() - started < 1


# ------------------------------------------------------------------ stuck and stopped work
@linux
@pytest.mark.slow
def test_a_strategy_that_never_returns_is_killed_at_the_time_limit():
    sc = small_scenario(horizon_years=0.5)
    before, started = descendants(os.getpid()), time.monotonic()
    with pytest.raises(SimulationTimeout, match=r"^strategy 'forever', replication 0: no result"):
        run_many([Run(sc, Forever(), 0)], jobs=1, time_limit=0.5, isolate=True)
    assert time.monotonic() - started < 15  # hard limit 1.25 x 0.5 + 5 s
    assert wait_until(lambda: not new_children(before), 3)


@linux
@pytest.mark.slow
def test_compare_can_isolate_a_learners_strategy():
    sc = small_scenario(horizon_years=0.5)
    before = descendants(os.getpid())
    with pytest.raises(SimulationTimeout, match="strategy 'forever'"):
        compare(sc, ["reactive", Forever()], replications=1, jobs=1, time_limit=0.5, isolate=True)
    assert wait_until(lambda: not new_children(before), 3)


@linux
def test_closing_early_kills_busy_workers_at_once():
    before = descendants(os.getpid())
    results = map_unordered(_sleep, [0.05, 30, 30, 30], jobs=2)
    assert next(results) == (0, 0.05)
    workers = new_children(before)
    assert len(workers) == 2
    started = time.monotonic()
    results.close()  # what Ctrl-C or an error in the caller does
    assert time.monotonic() - started < 3  # not the 30 s the busy tasks would take
    assert wait_until(lambda: not any(alive(p) for p in workers), 3)


@linux
def test_an_error_kills_the_other_workers():
    before, started = descendants(os.getpid()), time.monotonic()
    with pytest.raises(ZeroDivisionError):
        list(map_unordered(_ratio, [0.0, 30.0, 30.0], jobs=2))
    assert time.monotonic() - started < 10
    assert wait_until(lambda: not new_children(before), 3)


def _ratio(x: float) -> float:
    if x:
        time.sleep(x)
    return 1 / x


@linux
def test_workers_die_with_their_parent_even_on_sigkill():
    """A parent killed outright (no chance to clean up) takes its pool with it."""
    script = textwrap.dedent(
        """
        import sys, time
        from simkit.experiments.runner import map_unordered
        for i, _ in map_unordered(time.sleep, [60, 60], jobs=2):
            pass
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    try:
        assert wait_until(lambda: len(descendants(parent.pid)) >= 2, 30), "no workers started"
        workers = descendants(parent.pid)
        parent.kill()
        parent.wait(10)
        assert wait_until(lambda: not any(alive(p) for p in workers), 5), "orphaned workers"
    finally:
        if parent.poll() is None:
            parent.kill()


@linux
def test_a_server_started_with_the_preexec_dies_with_its_parent():
    """What the dashboard does for Voila: a grandchild that gets SIGTERM when its parent dies."""
    script = textwrap.dedent(
        """
        import subprocess, sys, time
        from simkit.experiments.workers import parent_death_preexec
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                 preexec_fn=parent_death_preexec())
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parents[2],
    )  # fmt: skip
    try:
        server = int(parent.stdout.readline())
        assert alive(server)
        parent.kill()
        parent.wait(10)
        assert wait_until(lambda: not alive(server), 5), "the server outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()


def test_the_preexec_is_harmless_for_a_normal_child():
    preexec = parent_death_preexec(signal.SIGTERM)
    done = subprocess.run([sys.executable, "-c", "print('ok')"], preexec_fn=preexec,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "ok")
