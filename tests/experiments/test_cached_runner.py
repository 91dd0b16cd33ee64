"""Tests for simkit.experiments.cached_runner: the same answers as compare, fewer simulations,
and results that arrive as they are computed (a slow fake run makes the timing plain)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simkit.engine.strategies import ProactiveCheckIns, Reactive, Strategy
from simkit.experiments.cached_runner import CachedRunner, stream_compare
from simkit.experiments.compare import Comparison, compare
from simkit.experiments.presets import named
from simkit.experiments.runner import Run, RunResult, run_one
from tests.helpers import alive, descendants, small_scenario, wait_until

SMALL = small_scenario()  # ~60 accounts, one year, two managers


def test_runner_matches_compare_at_any_cost_per_hour():
    scenario = SMALL.update({"team.cost_per_hour": 130.0})
    runner = CachedRunner(jobs=1)
    got = runner.run(scenario, ["reactive", "customer_success"], replications=2)
    want = compare(scenario, ["reactive", "customer_success"], replications=2, jobs=1)
    assert isinstance(got, Comparison)
    assert got.strategies == want.strategies and got.replications == 2
    assert got.scenario == scenario
    pd.testing.assert_frame_equal(got.runs, want.runs, check_exact=False, rtol=1e-12)


def test_runner_remembers_runs_and_reprices_cost_changes():
    runner = CachedRunner(jobs=1)
    calls: list[tuple[int, int]] = []
    a = runner.run(SMALL, ["reactive"], 2, callback=lambda d, t: calls.append((d, t)))
    assert runner.simulated == 2 and calls[0] == (0, 2) and calls[-1] == (2, 2)
    calls.clear()
    b = runner.run(
        SMALL.update({"team.cost_per_hour": 150.0}),
        ["reactive"],
        2,
        callback=lambda d, t: calls.append((d, t)),
    )
    assert runner.simulated == 2 and calls == [(0, 0)]  # nothing new to simulate
    ratio = b.runs["strategy_cost"] / a.runs["strategy_cost"]
    np.testing.assert_allclose(ratio, 150.0 / SMALL.team.cost_per_hour)
    pd.testing.assert_series_equal(b.runs["revenue"], a.runs["revenue"])
    runner.run(SMALL, ["reactive"], 3)  # one more replication: one more run
    assert runner.simulated == 3
    runner.run(SMALL.update({"team.managers": 3}), ["reactive"], 3)  # a new world
    assert runner.simulated == 6


def test_runner_tells_strategy_objects_with_the_same_name_apart():
    runner = CachedRunner(jobs=1)
    never = named(ProactiveCheckIns(pitch_health=None), "variant")
    always = named(ProactiveCheckIns(pitch_health=0), "variant")
    a = runner.run(SMALL, [never], 1)
    b = runner.run(SMALL, [always], 1)
    assert runner.simulated == 2
    assert not np.allclose(a.runs["revenue"], b.runs["revenue"])


def test_runner_forgets_the_least_recently_used_runs_first():
    runner = CachedRunner(jobs=1, max_runs=2)
    runner.run(SMALL, ["reactive"], 1)
    runner.run(SMALL, ["customer_success"], 1)
    runner.run(SMALL, ["reactive"], 1)  # remembered, and now the most recently used
    assert runner.simulated == 2
    runner.run(SMALL, ["proactive"], 1)  # a third run: customer_success is forgotten
    runner.run(SMALL, ["reactive"], 1)
    assert runner.simulated == 3
    runner.run(SMALL, ["customer_success"], 1)
    assert runner.simulated == 4
    runner.forget()
    runner.run(SMALL, ["reactive"], 1)
    assert runner.simulated == 5


def test_runner_rejects_bad_requests():
    runner = CachedRunner(jobs=1)
    with pytest.raises(ValueError, match="replications must be a whole number"):
        runner.run(SMALL, ["reactive"], 0)
    with pytest.raises(ValueError, match="at least one strategy"):
        runner.run(SMALL, [], 2)
    with pytest.raises(ValueError, match="distinct"):
        runner.run(SMALL, ["reactive", Reactive()], 1)
    with pytest.raises(ValueError, match="max_runs"):
        CachedRunner(max_runs=0)


# ------------------------------------------------------------------ streaming
def slow_run(task: Run) -> RunResult:
    """A run that takes at least SLOW seconds and says when it ended (wall clock, so that
    it compares across processes)."""
    time.sleep(SLOW)
    out = run_one(task)
    return out._replace(summary=pd.concat([out.summary, pd.Series({"ended_at": time.time()})]))


SLOW = 0.3


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_update_arrives_before_the_last_run_ends(jobs):
    runner = CachedRunner(jobs=jobs, worker=slow_run)
    seen: list[tuple[float, int, int]] = []
    try:
        for update in runner.stream(SMALL, ["reactive", "customer_success"], 3):
            seen.append((time.time(), update.shown, update.done))
    finally:
        runner.close()
    runs = update.comparison.runs
    assert [k for _, k, _ in seen] == [1, 2, 3]  # one update per complete replication
    first_at, _, first_done = seen[0]
    assert first_at < runs["ended_at"].max() - SLOW / 2  # well before the last run ended
    assert first_done < 6 and update.complete and update.last
    # replication-major: every strategy's replication 0 ended before any replication 2
    ended = runs.set_index(["strategy", "replication"])["ended_at"]
    assert ended.xs(0, level="replication").max() < ended.xs(2, level="replication").min()


def test_updates_hold_complete_replications_with_intervals_from_the_second():
    runner = CachedRunner(jobs=1)
    updates = list(runner.stream(SMALL, ["reactive", "customer_success"], 3))
    first = updates[0].comparison
    assert first.replications == 1 and sorted(first.runs["replication"]) == [0, 0]
    row = first.table(["revenue"]).iloc[0]
    assert row["n"] == 1 and np.isnan(row["ci_low"]) and not np.isnan(row["mean"])
    second = updates[1].comparison.table(["revenue"]).iloc[0]
    assert second["n"] == 2 and second["ci_low"] < second["mean"] < second["ci_high"]
    assert updates[0].describe() == "1 of 3 replications (2 of 6 runs)"
    # the last update is the whole comparison, equal to compare's
    want = compare(SMALL, ["reactive", "customer_success"], 3, jobs=1)
    pd.testing.assert_frame_equal(updates[-1].comparison.runs, want.runs, rtol=1e-12)


def test_remembered_replications_come_at_once_and_only_new_runs_are_simulated():
    runner = CachedRunner(jobs=1)
    runner.run(SMALL, ["reactive"], 2)
    updates = list(runner.stream(SMALL, ["reactive"], 4))
    assert [(u.shown, u.simulated) for u in updates] == [(2, 0), (3, 1), (4, 2)]
    assert runner.simulated == 4


def test_stop_ends_the_stream_and_asking_again_continues():
    runner = CachedRunner(jobs=2, worker=slow_run)
    stop = threading.Event()
    try:
        updates = []
        for update in runner.stream(SMALL, ["reactive", "customer_success"], 5, stop=stop):
            updates.append(update)
            stop.set()  # Stop, as soon as the first results show
        started = time.monotonic()
        assert not runner.pool.running  # the busy workers were killed
        last = updates[-1]
        assert last.stopped and last.last and not last.complete and last.shown >= 1
        assert last.done < 10 and runner.simulated == last.done
        again = list(runner.stream(SMALL, ["reactive", "customer_success"], 5))
        assert again[-1].complete and again[-1].simulated == 10 - last.done
        assert runner.pool.starts == 2  # started again after the stop
        assert time.monotonic() - started < 30
    finally:
        runner.close()


def test_workers_live_across_comparisons():
    runner = CachedRunner(jobs=2)
    try:
        runner.run(SMALL, ["reactive", "customer_success"], 2)
        pids = runner.pool.pids()
        runner.run(SMALL.update({"team.managers": 3}), ["reactive", "customer_success"], 2)
        assert runner.simulated == 8
        assert runner.pool.starts == 1 and runner.pool.pids() == pids and len(pids) == 2
    finally:
        runner.close()
    assert not runner.pool.running


def test_a_strategy_written_after_the_workers_started_reaches_them():
    runner = CachedRunner(jobs=2)
    runner.warm()
    try:

        class LateIdea(Strategy):  # defined inside a function: no importable name
            name = "late_idea"

            def issue_priority(self, account):
                return 0

        got = runner.run(SMALL, ["reactive", LateIdea()], 1)
        assert got.strategies == ["reactive", "late_idea"] and runner.pool.starts == 1
    finally:
        runner.close()


def test_stream_compare_gives_compares_numbers():
    updates = list(stream_compare(SMALL, ["reactive", "proactive"], 3, jobs=2))
    shown = [u.shown for u in updates]
    assert shown == sorted(set(shown)) and shown[-1] == 3 and updates[-1].complete
    want = compare(SMALL, ["reactive", "proactive"], 3, jobs=1)
    pd.testing.assert_frame_equal(updates[-1].comparison.runs, want.runs)
    with pytest.raises(ValueError, match="distinct"):
        next(stream_compare(SMALL, ["reactive", "reactive"], 2))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_leaving_stream_compare_early_leaves_no_worker():
    before = descendants(os.getpid())
    stream = stream_compare(SMALL.update({"horizon_years": 3.0}), ["reactive", "cs"], 20, jobs=2)
    first = next(stream)
    workers = {p for p in descendants(os.getpid()) - before if alive(p)}
    assert first.shown >= 1 and not first.complete and workers
    stream.close()  # what Ctrl-C does to the command's loop
    assert wait_until(lambda: not any(alive(p) for p in workers), 5)
