"""Sweeps: every grid point x strategy x replication, on local processes or Dask; grid files."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simkit.analysis.summary import run_summary
from simkit.cli import app
from simkit.engine.model import simulate
from simkit.engine.scenario import ScenarioError
from simkit.experiments.runner import Run, run_many
from simkit.experiments.sweep import check_grid, load_sweep_spec, sweep
from simkit.io.files import save_scenario
from tests.helpers import small_scenario

GRID = {"team.managers": [1, 3], "portfolio.small.count": [10, 30]}
STRATEGIES = ["reactive", "customer_success"]


@pytest.fixture(scope="module")
def base():
    return small_scenario(horizon_years=0.5, warmup_years=0.0)


@pytest.fixture(scope="module")
def serial(base):
    return sweep(base, GRID, STRATEGIES, replications=2, jobs=1)


def test_one_tidy_row_per_run_in_a_fixed_order(serial):
    assert len(serial) == 2 * 2 * 2 * 2
    assert list(serial.columns[:4]) == [*GRID, "strategy", "replication"]
    assert {"revenue", "nrr", "strategy_cost", "team_cost", "logo_retention"} <= set(serial)
    expected = [(m, c, s, r) for m in (1, 3) for c in (10, 30) for s in STRATEGIES for r in (0, 1)]
    got = list(serial[[*GRID, "strategy", "replication"]].itertuples(index=False, name=None))
    assert got == expected


def test_each_row_is_that_cell_simulated(base, serial):
    for i in (0, 7, 13):
        row = serial.iloc[i]
        cell = base.update({k: int(row[k]) for k in GRID})
        alone = run_summary(simulate(cell, row["strategy"], int(row["replication"])))
        for figure in ("revenue", "nrr", "manager_hours", "team_cost"):
            assert row[figure] == pytest.approx(alone[figure], rel=1e-12, nan_ok=True)


def test_cells_share_replications_and_differ_by_their_settings(serial):
    one = serial[(serial["team.managers"] == 1) & (serial["portfolio.small.count"] == 30)]
    three = serial[(serial["team.managers"] == 3) & (serial["portfolio.small.count"] == 30)]
    assert one["replication"].tolist() == three["replication"].tolist()
    assert (three["team_cost"].to_numpy() == 3 * one["team_cost"].to_numpy()).all()


def test_same_results_whatever_the_number_of_processes(base, serial):
    parallel = sweep(base, GRID, STRATEGIES, replications=2, jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"team.managrs": [2]}, "team.managrs"),
        ({"team.managers": [2, 0]}, "team.managers = 0: team.managers: must be >= 1"),
        ({"portfolio.small.count": ["many"]}, "portfolio.small.count"),
        ({"team.managers": 3}, "team.managers: give a list of values"),
        ({"team.managers": []}, "team.managers: the list of values is empty"),
        ({"team.managers": [2, 2]}, "team.managers: a value is repeated"),
        ({"seed": [1, 2]}, "seed: cannot be swept"),
        ({"team.managers": [[2]]}, "values must be numbers, text or true/false"),
        (["team.managers"], "grid must be a mapping"),
    ],
)
def test_bad_grid_is_one_clear_error_naming_the_field(base, grid, message):
    with pytest.raises(ValueError) as info:
        sweep(base, grid, ["reactive"], 1, jobs=1)
    assert message in str(info.value)


def test_a_combination_that_is_invalid_together_is_named(base):
    grid = {"behaviour.loyalty_health": [50.0, 70.0], "behaviour.loyal_drop_health": [60.0]}
    with pytest.raises(ScenarioError, match="grid point behaviour.loyalty_health=50.0"):
        sweep(base, grid, ["reactive"], 1, jobs=1)


def test_grid_values_are_plain_and_checked_up_front(base):
    keys, values = check_grid(base, {"team.managers": np.array([1, 3]), "horizon_years": [0.5]})
    assert keys == ["team.managers", "horizon_years"]
    assert values == [[1, 3], [0.5]] and type(values[0][0]) is int
    assert check_grid(base, {}) == ([], [])


def test_an_empty_grid_is_one_point_and_a_single_strategy_name_will_do(base):
    df = sweep(base, {}, "reactive", replications=2, jobs=1)
    assert df[["strategy", "replication"]].values.tolist() == [["reactive", 0], ["reactive", 1]]
    assert df.attrs["reused"] == 0 and df.attrs["grid"] == []


def test_bad_strategies_and_replications(base):
    with pytest.raises(ValueError, match="unknown strategy"):
        sweep(base, GRID, ["shouting"], 1)
    with pytest.raises(ValueError, match="distinct"):
        sweep(base, GRID, ["reactive", "reactive"], 1)
    with pytest.raises(ValueError, match="replications must be a whole number"):
        sweep(base, GRID, ["reactive"], 0)
    with pytest.raises(TypeError, match="scenario must be a simkit Scenario"):
        sweep({"team.managers": 3}, GRID, ["reactive"], 1)


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results(base):
    distributed = pytest.importorskip("distributed")
    grid = {"team.managers": [1, 3]}
    local = sweep(base, grid, STRATEGIES, replications=2, jobs=1)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with distributed.Client(cluster) as client:
            on_client = sweep(base, grid, STRATEGIES, replications=2, scheduler=client)
            tasks = [Run(base, s, r) for s in STRATEGIES for r in (1, 0)]
            remote = run_many(tasks, scheduler=client)
        by_address = sweep(
            base, grid, STRATEGIES, replications=2, scheduler=cluster.scheduler_address
        )
    pd.testing.assert_frame_equal(on_client, local)
    pd.testing.assert_frame_equal(by_address, local)
    here = run_many(tasks, jobs=1)
    assert [(o.strategy, o.replication) for o in remote] == [
        (o.strategy, o.replication) for o in here
    ]
    for a, b in zip(remote, here, strict=True):
        pd.testing.assert_series_equal(a.summary, b.summary, check_exact=True)


def test_an_unreachable_scheduler_is_one_clear_error(base, monkeypatch):
    distributed = pytest.importorskip("distributed")
    with pytest.raises(TypeError, match="scheduler must be a distributed.Client"):
        sweep(base, {"team.managers": [1]}, ["reactive"], 1, scheduler=42)

    def refuse(*args, **kwargs):
        raise OSError("Timed out trying to connect")

    monkeypatch.setattr(distributed, "Client", refuse)
    with pytest.raises(
        ValueError, match="cannot connect to the Dask scheduler at tcp://127.0.0.1:9"
    ):
        sweep(base, {"team.managers": [1]}, ["reactive"], 1, scheduler="tcp://127.0.0.1:9")


# ------------------------------------------------------------------------------ grid files
def test_the_example_grid_file_loads():
    spec = load_sweep_spec(Path(__file__).parents[2] / "examples" / "grid.toml")
    assert spec.grid == {"team.managers": [3, 4, 6, 8], "portfolio.small.count": [150, 250]}
    assert "customer_success" in spec.strategies and spec.replications == 5
    assert spec.scenario.horizon_years == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("replication = 3\n", "unknown key 'replication'"),
        ("replications = 0\n", "replications: must be a whole number >= 1"),
        ("strategies = 3\n", "strategies: must be a list"),
        ("grid = 3\n", "grid: must be a table"),
        ("[scenario]\nhorizon_years = -1\n", "scenario: horizon_years: must be > 0"),
        ('scenario = "nowhere.toml"\n', "nowhere.toml: no such scenario file"),
        ("[grid\n", "not valid TOML"),
    ],
)
def test_bad_grid_files(tmp_path, text, message):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_sweep_spec(path)
    assert message in str(info.value) and "grid.toml" in str(info.value)


def test_grid_file_with_a_scenario_file_next_to_it(tmp_path):
    save_scenario(small_scenario(horizon_years=0.5), tmp_path / "book.toml")
    (tmp_path / "grid.toml").write_text(
        'scenario = "book.toml"\nstrategies = ["cs"]\nreplications = 2\n'
        '[grid]\n"team.managers" = [1, 2]\n'
    )
    spec = load_sweep_spec(tmp_path / "grid.toml")
    assert spec.scenario.portfolio.total_accounts == 60
    assert spec.strategies == ["cs"] and spec.replications == 2


# ------------------------------------------------------------------------------ CLI
def _grid_file(tmp_path):
    save_scenario(small_scenario(horizon_years=0.5, warmup_years=0.0), tmp_path / "book.toml")
    path = tmp_path / "grid.toml"
    path.write_text(
        'scenario = "book.toml"\nstrategies = ["reactive", "cs"]\nreplications = 2\n'
        '[grid]\n"team.managers" = [1, 3]\n'
    )
    return path


def test_cli_sweep_writes_resumable_results_and_the_frontier(tmp_path):
    grid = _grid_file(tmp_path)
    out = tmp_path / "out" / "runs.csv"
    runner = CliRunner()
    first = runner.invoke(app, ["sweep", str(grid), "-o", str(out), "--jobs", "1", "--frontier"])
    assert first.exit_code == 0, first.output
    assert "8 runs (0 already saved" in first.output
    assert "cost = team_cost" in first.output
    runs = pd.read_csv(out)
    assert len(runs) == 8 and set(runs["strategy"]) == {"reactive", "customer_success"}
    assert (tmp_path / "out" / "runs-frontier.png").stat().st_size > 1000
    assert len(pd.read_csv(tmp_path / "out" / "runs-frontier.csv")) == 4
    again = runner.invoke(app, ["sweep", str(grid), "-o", str(out), "--replications", "3"])
    assert again.exit_code == 0, again.output
    assert "12 runs (8 already saved" in again.output


def test_cli_sweep_errors_are_one_line(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('[grid]\n"team.managers" = [0]\n')
    result = CliRunner().invoke(app, ["sweep", str(path), "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {path}: grid team.managers = 0: team.managers: must be >= 1 (got 0)"
    ]


def test_sweep_runs_are_lean(base, monkeypatch):
    """A sweep reads headline figures only: its runs record no event log."""
    from simkit.experiments import sweep as sweep_module

    real, recorded = sweep_module.run_one, []

    def spy(task):
        recorded.append(task.records)
        return real(task)

    monkeypatch.setattr(sweep_module, "run_one", spy)
    sweep(base, {"team.managers": [1, 3]}, ["reactive"], replications=1, jobs=1)
    assert recorded == ["summary", "summary"]
