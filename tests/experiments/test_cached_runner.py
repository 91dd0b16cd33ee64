"""Tests for simkit.experiments.cached_runner: the same answers as compare, fewer simulations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simkit.engine.strategies import ProactiveCheckIns, Reactive
from simkit.experiments.cached_runner import CachedRunner
from simkit.experiments.compare import Comparison, compare
from simkit.experiments.presets import named
from tests.helpers import small_scenario

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
