"""The bad-input suite: what a careless or hostile user hands the kit, and the one short,
clear error each must get -- never a traceback, a hang, a silently absurd result or a
half-written file.

The cases are the rows of the tables in :mod:`tests.bad_input` (built from the scenario
schema and the account file's columns, so they grow with them, plus every reproduction of
issue 17). One test runs them all and checks, for each, the error type (``ScenarioError``,
``PortfolioError`` or ``ValueError``; on the command line: exit code 2 and one
``error: ...`` line on stderr), that the message holds its fragments (the field, the row or
the file), that it is short (under :data:`~tests.bad_input.MAX_MESSAGE` characters) and
carries no traceback, and that no file was written or changed. Hypothesis then feeds random
bytes, text and values to the readers. ``tests/conftest.py`` prints how many cases of each
kind ran at the end of the test report.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import tests.bad_input.command_line
import tests.bad_input.scenarios
import tests.bad_input.sweeps  # noqa: F401 - each fills CASES when imported
from simkit.cli import app
from simkit.engine.safe_load import FileFormatError, read_mapping
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario
from simkit.io.portfolio import PortfolioError, parse_csv
from tests.bad_input import AS_OF, CASES, MAX_MESSAGE, Case
from tests.bad_input.scenarios import laughs, leaves
from tests.bad_input.sweeps import SPEC, resume


# == the test =============================================================================
@pytest.fixture(scope="module")
def saved_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-run sweep: grid.toml, runs.csv and its sidecar."""
    folder = tmp_path_factory.mktemp("saved-sweep")
    old = Path.cwd()
    os.chdir(folder)
    try:
        Path("grid.toml").write_text(SPEC)
        resume()
    finally:
        os.chdir(old)
    return folder


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.kind}: {c.name}") for c in CASES])
def test_bad_input_gets_one_short_clear_error(case: Case, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    for name, content in case.files:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.saved_sweep:
        folder = request.getfixturevalue("saved_sweep")
        for name in ("grid.toml", "runs.csv", "runs.csv.sweep.json"):
            shutil.copy(folder / name, name)
    if case.damage is not None:
        case.damage()
    before = snapshot()

    if case.cli is None:
        assert case.run is not None
        with pytest.raises(case.error) as info:
            case.run()
        message = str(info.value)
    else:
        result = CliRunner().invoke(app, list(case.cli))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 2, result.output
        message = result.stderr
        assert message.startswith("error: "), message
        assert message.rstrip("\n").count("\n") < case.lines, message

    for fragment in case.fragments:
        assert fragment in message, message[:500]
    assert "Traceback" not in message and 'File "' not in message
    assert len(message) < MAX_MESSAGE, message[:500]
    assert snapshot() == before, "a file was written or changed"


def snapshot() -> dict[Path, int]:
    """Every file and folder under the scratch folder, with its modification time."""
    return {p: 0 if p.is_dir() else p.stat().st_mtime_ns for p in Path().rglob("*")}


# == random input (hypothesis) ============================================================
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_as_an_account_file(data):
    try:
        parse_csv(data, as_of=AS_OF, source="junk.csv")
    except PortfolioError as exc:
        assert str(exc).startswith("junk.csv: ") and "Traceback" not in str(exc)


test_random_bytes_as_an_account_file.bad_input_kind = "random input (hypothesis)"  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=":-[]{}&*!|>'\"\n #,.=0123456789tenam_yk\t", max_size=150))
def test_random_text_as_a_scenario_file(tmp_path_factory, text):
    folder = tmp_path_factory.getbasetemp()
    for suffix in (".toml", ".yaml"):
        path = folder / f"random{suffix}"
        path.write_text(text)
        try:
            Scenario.from_file(path)
        except ScenarioError as exc:
            assert len(str(exc)) < MAX_MESSAGE + len(str(path)) and "\n" not in str(exc)


test_random_text_as_a_scenario_file.bad_input_kind = "random input (hypothesis)"  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from([p for p, _ in leaves()]),
    value=st.one_of(
        st.floats(), st.integers(-(10**20), 10**20), st.booleans(), st.text(max_size=5)
    ),
)
def test_random_values_of_random_fields(path, value):
    try:
        default_scenario().update({path: value})
    except ScenarioError as exc:
        assert str(exc).startswith(path.split(".")[0]) and len(str(exc)) < MAX_MESSAGE


test_random_values_of_random_fields.bad_input_kind = "random input (hypothesis)"  # type: ignore[attr-defined]


def test_read_mapping_is_not_fooled_by_a_suffix_in_capitals(tmp_path):
    """A .YAML file is still read with the safe loader (its budgets apply)."""
    path = tmp_path / "S.YAML"
    path.write_text(laughs(9))
    with pytest.raises(FileFormatError, match="aliases expand"):
        read_mapping(path)


test_read_mapping_is_not_fooled_by_a_suffix_in_capitals.bad_input_kind = "scenario file"  # type: ignore[attr-defined]
