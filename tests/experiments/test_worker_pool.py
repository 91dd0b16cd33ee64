"""Tests for simkit.experiments.workers.WorkerPool: workers that stay up between calls, stop
at once when asked, and never outlive what started them (watched through Linux /proc)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from simkit.experiments.workers import WorkerPool
from tests.helpers import alive, wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _nap(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fail(_task: object) -> None:
    raise RuntimeError("a bug in the task")


def test_calls_reuse_the_same_worker_processes():
    with WorkerPool(2) as pool:
        first = {pid for _, pid in pool.imap_unordered(_nap, [0.05] * 4)}
        second = {pid for _, pid in pool.imap_unordered(_nap, [0.05] * 4)}
        assert pool.starts == 1 and first == second == set(pool.pids())
        assert os.getpid() not in first
    assert not pool.running and not any(alive(p) for p in first)


def test_results_come_as_they_finish_and_tasks_go_out_in_order():
    with WorkerPool(2) as pool:
        got = list(pool.imap_unordered(_nap, [0.6, 0.05, 0.05, 0.05]))
    order = [i for i, _ in got]
    assert order[-1] == 0  # the slow first task finished last, the others did not wait
    assert sorted(order) == [0, 1, 2, 3]


def test_stop_kills_busy_workers_at_once_and_the_next_call_starts_new_ones():
    pool = WorkerPool(2)
    stop = threading.Event()
    try:
        pool.start()
        pids = pool.pids()
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        got = list(pool.imap_unordered(_nap, [30.0] * 4, stop=stop))
        assert got == [] and time.monotonic() - started < 5
        assert not pool.running and wait_until(lambda: not any(alive(p) for p in pids), 5)
        assert [r for _, r in pool.imap_unordered(abs, [-3])] == [3] and pool.starts == 2
    finally:
        pool.close()


def test_an_error_in_a_task_is_raised_and_a_late_task_is_killed():
    with WorkerPool(2) as pool:
        with pytest.raises(RuntimeError, match="a bug in the task"):
            list(pool.imap_unordered(_fail, [1, 2]))
        assert not pool.running
        with pytest.raises(TimeoutError, match="nap 30: no result after 0.5 s"):
            list(pool.imap_unordered(_nap, [30.0], allowed=0.5, describe=lambda s: f"nap {s:g}"))
        assert not pool.running


def test_leaving_the_iteration_early_kills_the_workers():
    pool = WorkerPool(2)
    results = pool.imap_unordered(_nap, [0.05, 30.0, 30.0])
    next(results)
    pids = pool.pids()
    results.close()
    assert not pool.running and wait_until(lambda: not any(alive(p) for p in pids), 5)


def test_code_written_after_the_workers_started_reaches_them():
    with WorkerPool(2) as pool:
        pool.start()
        offset = 7
        got = dict(pool.imap_unordered(lambda x: x + offset, [1, 2]))  # a closure, by value
        assert got == {0: 8, 1: 9} and pool.starts == 1


def test_jobs_must_be_a_whole_number():
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1"):
        WorkerPool(0)
