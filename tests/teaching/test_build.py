"""Tests for simkit.teaching.build: student and instructor versions from one source."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.teaching.build import (
    HIDDEN,
    SOLUTION,
    BuildError,
    build,
    placeholder,
    student_source,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "exercises" / "source"
SOURCES = sorted(SOURCE.glob("*.ipynb"))
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def _code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# -- building student and instructor versions ---------------------------------------------------


def _solution_lines(path: Path) -> set[str]:
    lines: set[str] = set()
    for cell in _code_cells(path):
        inside = False
        for line in cell.source.split("\n"):
            if line.strip() in (SOLUTION[0], HIDDEN[0]):
                inside = True
            elif line.strip() in (SOLUTION[1], HIDDEN[1]):
                inside = False
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    report = build(SOURCE, out)
    return out, report


def test_build_writes_a_student_and_an_instructor_version_of_every_source(built):
    out, report = built
    names = sorted(p.name for p in SOURCES)
    assert sorted(p.name for p in (out / "student").glob("*.ipynb")) == names
    assert sorted(p.name for p in (out / "instructor").glob("*.ipynb")) == names
    assert len(report.written) == 2 * len(names)
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_student_versions_hold_no_solutions_hidden_tests_or_outputs(built, path):
    student = nbformat.read(built[0] / "student" / path.name, as_version=4)
    nbformat.validate(student)
    text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    code_lines = {
        line.strip()
        for c in student.cells
        if c.cell_type == "code"
        for line in c.source.split("\n")
    }
    leaked = _solution_lines(path) & code_lines
    assert not leaked
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "hidden-tests" not in cell.metadata.get("tags", [])
    assert "# YOUR CODE HERE" in text
    assert student.cells[0].source.startswith("> **Student version**")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_instructor_versions_keep_solutions_and_outputs(built, path):
    source = nbformat.read(path, as_version=4)
    instructor = nbformat.read(built[0] / "instructor" / path.name, as_version=4)
    assert [c.source for c in instructor.cells[1:]] == [c.source for c in source.cells]
    assert [c.get("outputs") for c in instructor.cells[1:]] == [
        c.get("outputs") for c in source.cells
    ]
    assert "answer key" in instructor.cells[0].source


def test_build_is_repeatable_byte_for_byte(built, tmp_path):
    build(SOURCE, tmp_path)
    for first in built[0].rglob("*.ipynb"):
        again = tmp_path / first.relative_to(built[0])
        assert again.read_bytes() == first.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_student_notebooks_run_and_every_check_gives_a_hint(built, path):
    from nbclient import NotebookClient

    nb = nbformat.read(built[0] / "student" / path.name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()  # raises on any error
    checks = [c for c in nb.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert checks
    for cell in checks:
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert text.startswith("✘ Not yet"), text
        assert "Replace the ..." in text or "does exactly what reactive does" in text


def test_placeholder_follows_the_last_assigned_name():
    assert placeholder("a = 1\nb: float = a * 2") == "b = ...  # YOUR CODE HERE"
    assert placeholder("x = (\n    1 +\n    2\n)") == "x = ...  # YOUR CODE HERE"
    assert placeholder("print('no assignment')") == "pass  # YOUR CODE HERE"
    assert placeholder("this is not python") == "pass  # YOUR CODE HERE"


def test_student_source_removes_hidden_tests_and_keeps_the_rest():
    src = "a = 1\n### BEGIN HIDDEN TESTS\nassert a\n### END HIDDEN TESTS\nb = 2"
    assert student_source(src) == "a = 1\nb = 2"
    src = (
        "class S:\n    ### BEGIN SOLUTION\n    def f(self):\n        return 1\n    ### END SOLUTION"
    )
    assert student_source(src) == "class S:\n    pass  # YOUR CODE HERE"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1: '### BEGIN SOLUTION' has no matching"),
        ("x = 1\n### END SOLUTION", "line 2: '### END SOLUTION' without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION", "line 2: '### BEGIN SOLUTION' inside another"),
    ],
)
def test_unbalanced_markers_name_the_notebook_cell_and_line(tmp_path, source, message):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    (tmp_path / "src").mkdir()
    nbformat.write(nb, tmp_path / "src" / "bad.ipynb")
    with pytest.raises(BuildError, match=re.escape(f"bad.ipynb cell 1, {message}")):
        build(tmp_path / "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-built


def test_unknown_check_ids_and_missing_folders_are_refused(tmp_path):
    (tmp_path / "src").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('check("no-such", 1)')])
    nbformat.write(nb, tmp_path / "src" / "a.ipynb")
    with pytest.raises(BuildError, match="a.ipynb cell 1: check\\('no-such'\\) names no known"):
        build(tmp_path / "src", tmp_path / "out")
    with pytest.raises(BuildError, match="no such folder"):
        build(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildError, match="no .ipynb files"):
        build(tmp_path / "empty", tmp_path / "out")


def test_stale_generated_notebooks_are_removed_and_other_files_kept(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SOURCES[0], src / SOURCES[0].name)
    shutil.copy(SOURCES[1], src / "old-name.ipynb")
    build(src, tmp_path / "out")
    (src / "old-name.ipynb").unlink()
    mine = tmp_path / "out" / "student" / "my-notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), mine)
    report = build(src, tmp_path / "out")
    assert {p.name for p in report.removed} == {"old-name.ipynb"}
    assert mine.exists()
    assert not (tmp_path / "out" / "instructor" / "old-name.ipynb").exists()


def test_cli_builds_and_reports_errors_in_one_line(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["exercises", "build", "--source", str(SOURCE), "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert f"wrote {len(SOURCES)} notebooks to {tmp_path / 'student'}" in ok.output
    bad = runner.invoke(app, ["exercises", "build", "--source", str(tmp_path / "nope")])
    assert bad.exit_code == 2
    assert bad.output.strip().count("\n") == 0
    assert bad.output.startswith("error: ") and "no such folder" in bad.output
    assert "Traceback" not in bad.output
