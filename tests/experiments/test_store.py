"""The sweep store: finished runs saved as they come, resumed, and foreign files refused."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import simkit.experiments.sweep as sweep_module
from simkit.engine.strategies import CustomerSuccess, get_strategy
from simkit.experiments.store import (
    SweepStore,
    describe_strategy,
    digest,
    sidecar_path,
    sweep_identity,
    value_key,
)
from simkit.experiments.sweep import sweep
from tests.helpers import small_scenario

GRID = {"team.managers": [1, 3], "portfolio.small.count": [10, 30]}
STRATEGIES = ["reactive", "customer_success"]


@pytest.fixture(scope="module")
def base():
    return small_scenario(horizon_years=0.5, warmup_years=0.0)


@pytest.fixture(scope="module")
def serial(base):
    return sweep(base, GRID, STRATEGIES, replications=2, jobs=1)


def _store(path, base, flush_seconds=2.0):
    keys, values = ["team.managers"], [[1, 3]]
    return SweepStore(path, base, keys, values, [get_strategy("reactive")], flush_seconds)


# -- the store on its own -------------------------------------------------------------------
def test_a_store_without_a_file_keeps_runs_in_memory(base, tmp_path):
    store = _store(None, base)
    assert store.open() == {}
    store.record((1, 0, 0), {"revenue": 5.0})
    store.flush()
    assert store.frame([(1, 0, 0)]).to_dict("records") == [
        {"team.managers": 3, "strategy": "reactive", "replication": 0, "revenue": 5.0}
    ]
    assert list(tmp_path.iterdir()) == []


def test_record_saves_only_every_flush_interval(base, tmp_path):
    path = tmp_path / "runs.csv"
    lazy = _store(path, base, flush_seconds=3600)
    lazy.open()
    lazy.record((0, 0, 0), {"revenue": 1.0})
    assert not path.exists()  # not yet: the interval has not passed
    lazy.flush()
    assert len(pd.read_csv(path)) == 1
    eager = _store(path, base, flush_seconds=0)
    assert eager.open() == {(0, 0, 0): {"revenue": 1.0}}
    eager.record((1, 0, 0), {"revenue": 2.0})
    assert pd.read_csv(path)["revenue"].tolist() == [1.0, 2.0]  # saved at once, in key order


@pytest.mark.parametrize(
    ("saved", "grid_value"), [(3, 3), (3.0, 3), (np.int64(3), 3), (True, True), ("big", "big")]
)
def test_grid_values_are_recognised_after_a_round_trip(saved, grid_value):
    assert value_key(saved) == value_key(grid_value)
    assert value_key(1) != value_key(True) and value_key("1") != value_key(1)


def test_strategies_with_the_same_name_but_other_settings_are_different_sweeps(base):
    plain, tuned = CustomerSuccess(), CustomerSuccess(threshold=30.0)
    assert plain.name == tuned.name
    assert describe_strategy(plain) != describe_strategy(tuned)
    ids = [sweep_identity(base, [], [], [s]) for s in (plain, tuned)]
    assert digest(ids[0]) != digest(ids[1])
    assert digest(ids[0]) == digest(sweep_identity(base, [], [], [CustomerSuccess()]))


def test_only_csv_and_parquet_files(base, tmp_path):
    with pytest.raises(ValueError, match=".csv or .parquet"):
        _store(tmp_path / "runs.xlsx", base)


# -- the store under a sweep -----------------------------------------------------------------
def test_saved_file_and_sidecar(base, serial, tmp_path):
    path = tmp_path / "runs.csv"
    df = sweep(base, GRID, STRATEGIES, replications=2, jobs=1, path=path)
    pd.testing.assert_frame_equal(df, serial)
    pd.testing.assert_frame_equal(pd.read_csv(path), serial, check_dtype=False)
    side = json.loads(sidecar_path(path).read_text())
    assert side["identity"]["grid"] == GRID
    assert sorted(os.listdir(tmp_path)) == ["runs.csv", "runs.csv.sweep.json"]


class Interrupt(KeyboardInterrupt):
    pass


def test_interrupted_sweep_resumes_without_redoing_runs(base, serial, tmp_path, monkeypatch):
    path = tmp_path / "runs.csv"
    real, calls = sweep_module.run_one, []

    def flaky(task):
        calls.append(task)
        if len(calls) == 6:
            raise Interrupt
        return real(task)

    monkeypatch.setattr(sweep_module, "run_one", flaky)
    with pytest.raises(Interrupt):
        sweep(base, GRID, STRATEGIES, replications=2, jobs=1, path=path)
    saved = pd.read_csv(path)
    assert len(saved) == 5  # every finished run was saved, and only those
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]

    calls.clear()
    monkeypatch.setattr(sweep_module, "run_one", lambda task: (calls.append(task), real(task))[1])
    resumed = sweep(base, GRID, STRATEGIES, replications=2, jobs=1, path=path)
    assert len(calls) == len(serial) - 5
    assert resumed.attrs["reused"] == 5
    pd.testing.assert_frame_equal(resumed, serial, check_exact=True)


def test_more_replications_extend_a_saved_sweep(base, serial, tmp_path, monkeypatch):
    path = tmp_path / "runs.parquet"
    sweep(base, GRID, STRATEGIES, replications=1, jobs=1, path=path)
    real, calls = sweep_module.run_one, []
    monkeypatch.setattr(sweep_module, "run_one", lambda task: (calls.append(task), real(task))[1])
    more = sweep(base, GRID, STRATEGIES, replications=2, jobs=1, path=path)
    assert {task.replication for task in calls} == {1} and len(calls) == len(serial) // 2
    pd.testing.assert_frame_equal(more, serial, check_exact=True)


def test_a_file_from_another_sweep_is_refused(base, tmp_path):
    path = tmp_path / "runs.csv"
    sweep(base, {"team.managers": [1, 3]}, ["reactive"], 1, jobs=1, path=path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="different sweep \\(its grid differs\\)"):
        sweep(base, {"team.managers": [1, 4]}, ["reactive"], 1, jobs=1, path=path)
    with pytest.raises(ValueError, match="its scenario differs"):
        sweep(base.update({"seed": 9}), {"team.managers": [1, 3]}, ["reactive"], 1, path=path)
    with pytest.raises(ValueError, match="strategies differ"):
        sweep(base, {"team.managers": [1, 3]}, ["proactive"], 1, jobs=1, path=path)
    assert path.read_bytes() == before


def test_a_foreign_or_damaged_file_is_refused(base, tmp_path):
    foreign = tmp_path / "mine.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="was not written by a simkit sweep"):
        sweep(base, {"team.managers": [1]}, ["reactive"], 1, jobs=1, path=foreign)
    assert foreign.read_text() == "a,b\n1,2\n"
    path = tmp_path / "runs.csv"
    sweep(base, {"team.managers": [1]}, ["reactive"], 1, jobs=1, path=path)
    path.write_text("team.managers,strategy\n")
    with pytest.raises(ValueError, match="lacks column"):
        sweep(base, {"team.managers": [1]}, ["reactive"], 1, jobs=1, path=path)
    with pytest.raises(ValueError, match=".csv or .parquet"):
        sweep(base, {"team.managers": [1]}, ["reactive"], 1, path=tmp_path / "runs.xlsx")


def test_a_failed_write_leaves_the_previous_file_whole(base, tmp_path, monkeypatch):
    path = tmp_path / "runs.csv"
    sweep(base, {"team.managers": [1, 3]}, ["reactive"], 1, jobs=1, path=path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        sweep(base, {"team.managers": [1, 3]}, ["reactive"], 2, jobs=1, path=path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["runs.csv", "runs.csv.sweep.json"]
