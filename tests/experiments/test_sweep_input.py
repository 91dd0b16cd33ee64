"""Sweep input and saved sweeps: big sweeps need a yes, damaged files are never resumed.

The full table of damaged files and bad sweep files is in ``tests/test_bad_input.py``; this
module tests the behaviour around them: what a confirmed sweep does, that a refused resume
leaves the file untouched and runs nothing, and that undefined figures survive a resume.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import simkit.experiments.sweep as sweep_module
from simkit.experiments.store import check_target, sidecar_path
from simkit.experiments.sweep import CONFIRM_RUNS, MAX_RUNS, check_size, load_sweep_spec, sweep
from tests.helpers import small_scenario


@pytest.fixture(scope="module")
def base():
    return small_scenario(horizon_years=0.25, warmup_years=0.0)


def test_sweeps_over_the_threshold_need_confirmation(base, monkeypatch, tmp_path):
    grid = {"team.managers": list(range(1, 201))}
    path = tmp_path / "big.csv"
    with pytest.raises(ValueError, match=r"4,000 runs \(200 grid points x 2 strategies x 10"):
        sweep(base, grid, ["reactive", "proactive"], 10, path=path)
    assert not path.exists() and not sidecar_path(path).exists()  # nothing written, nothing run
    ran = []

    def pool(function, tasks, *args):
        ran.append(tasks)
        raise Reached

    monkeypatch.setattr(sweep_module, "map_unordered", pool)
    with pytest.raises(Reached):
        sweep(base, grid, ["reactive", "proactive"], 10, confirm=True)
    assert len(ran[0]) == 4000


class Reached(Exception):
    """Raised by a fake process pool once the sweep has handed it its runs."""


def test_size_limits():
    assert check_size(CONFIRM_RUNS, 1, 1) == CONFIRM_RUNS
    with pytest.raises(ValueError, match="confirm it"):
        check_size(CONFIRM_RUNS + 1, 1, 1)
    with pytest.raises(ValueError, match="make the grid smaller"):
        check_size(MAX_RUNS + 1, 1, 1, confirm=True)


def test_a_grid_field_may_not_take_thousands_of_values(base):
    with pytest.raises(ValueError, match="grid team.managers: 1,001 values, more than 1,000"):
        sweep(base, {"team.managers": list(range(1, 1002))}, ["reactive"], 1, confirm=True)


def test_undefined_figures_are_saved_as_nan_and_resumed(tmp_path):
    theory = small_scenario(horizon_years=0.25, warmup_years=0.0, theory={"renewal": "constant"})
    path = tmp_path / "runs.csv"
    first = sweep(theory, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    assert first["nps"].isna().all()  # no surveys in theory mode: undefined, not damage
    assert ",nan," in path.read_text() or ",nan\n" in path.read_text()
    again = sweep(theory, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    assert again.attrs["reused"] == 2
    pd.testing.assert_frame_equal(again, first)


def test_a_refused_resume_runs_nothing_and_leaves_the_file(base, tmp_path, monkeypatch):
    path = tmp_path / "runs.csv"
    sweep(base, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    cut = path.read_text()[:-25]
    path.write_text(cut)
    monkeypatch.setattr(sweep_module, "run_one", lambda task: pytest.fail("a run started"))
    with pytest.raises(ValueError, match=r"runs.csv: row 3: the last row is cut off"):
        sweep(base, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    assert path.read_text() == cut


def test_a_parquet_store_checks_its_rows_too(base, tmp_path):
    path = tmp_path / "runs.parquet"
    sweep(base, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    frame = pd.read_parquet(path)
    frame.loc[1, "revenue"] = math.inf
    frame.to_parquet(path, index=False)
    with pytest.raises(ValueError, match="row 2: revenue = inf is not a finite number"):
        sweep(base, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="cannot read the saved sweep"):
        sweep(base, {"team.managers": [1, 2]}, ["reactive"], 1, jobs=1, path=path)


def test_output_targets_are_checked_before_work(tmp_path):
    assert check_target(tmp_path / "new" / "deeper" / "f.png", (".png",)).name == "f.png"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        check_target(tmp_path / "file" / "f.png", (".png",))
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        check_target(tmp_path / "dir.png", (".png",))
    with pytest.raises(ValueError, match="must be a .png, .svg or .pdf file"):
        check_target(tmp_path / "f.jpg", (".png", ".svg", ".pdf"), "the figure")


def test_sweep_files_are_read_safely(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("replications = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ValueError, match="deep.toml: not valid TOML: nested more than"):
        load_sweep_spec(deep)
    yaml_spec = tmp_path / "grid.yaml"
    yaml_spec.write_text("strategies: [reactive]\n")
    with pytest.raises(ValueError, match="sweep files must end in .toml"):
        load_sweep_spec(yaml_spec)
