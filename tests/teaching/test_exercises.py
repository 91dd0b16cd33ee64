"""Tests for simkit.teaching.exercises (checks, hints, progress) and simkit.teaching.build (builds)."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simkit.analysis import metrics
from simkit.cli import app
from simkit.engine.strategies import Strategy
from simkit.teaching import exercises as ex
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
NUMBERS = [e.id for e in ex.EXERCISES.values() if e.kind == "number"]
CHOICES = [e.id for e in ex.EXERCISES.values() if e.kind == "choice"]
PERCENTS = [e.id for e in ex.EXERCISES.values() if e.unit in ("%", "points")]
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch):
    """Every test starts with empty, in-memory progress (never a file in the repo)."""
    monkeypatch.delenv(ex.PROGRESS_ENV, raising=False)
    monkeypatch.setitem(ex._store, "path", ex._FROM_ENV)
    ex.reset_progress()
    yield
    ex.reset_progress()


def _answer(exercise_id: str):
    return ex.EXERCISES[exercise_id].facts()["answer"]


def _code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# -- coverage: every metric practised, every exercise asked once ---------------------------------


def test_every_metric_function_has_an_exercise():
    functions = {n for n in metrics.__all__ if callable(getattr(metrics, n)) and n[0].islower()}
    practised = {m for e in ex.EXERCISES.values() for m in e.metrics}
    assert functions - practised == set()
    assert practised - functions == set(), "exercises name metrics that do not exist"


def test_every_exercise_is_asked_once_in_its_own_source_notebook():
    asked: dict[str, list[str]] = {}
    for path in SOURCES:
        for cell in _code_cells(path):
            if HIDDEN[0] not in cell.source:
                for ex_id in CHECK_CALL.findall(cell.source):
                    asked.setdefault(ex_id, []).append(path.stem)
    assert set(asked) == set(ex.EXERCISES)
    for ex_id, books in asked.items():
        assert books == [ex.EXERCISES[ex_id].notebook], ex_id


def test_levels_are_mixed_and_every_notebook_has_a_table_or_simulation_problem():
    levels = ex.catalogue().groupby("notebook")["level"].agg(set)
    assert set(ex.catalogue()["level"]) == set(ex.LEVELS)
    for book, kinds in levels.items():
        if book.startswith("08"):
            assert kinds == {"design"}
        else:
            assert kinds & {"table", "simulation"}, book


@pytest.mark.parametrize("exercise_id", CHOICES)
def test_multiple_choice_options_match_the_notebook_text(exercise_id):
    e = ex.EXERCISES[exercise_id]
    nb = nbformat.read(SOURCE / f"{e.notebook}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for letter, option in e.options.items():
        assert f"**{letter}**: {option}" in text


# -- solutions: the executed sources show a passing check for every exercise ---------------------


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_notebooks_are_stored_executed_with_every_check_passing(path):
    for cell in _code_cells(path):
        assert cell.execution_count is not None, f"never run: {cell.source[:60]!r}"
        if CHECK_CALL.search(cell.source) and HIDDEN[0] not in cell.source:
            text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            assert text.startswith("✔ Correct"), text
        for out in cell.outputs:
            assert out.get("output_type") != "error"
            assert not re.search(r"0x[0-9a-f]{6,}", json.dumps(out.get("data", {})))


# -- anticipated mistakes, percent/fraction, tolerance -----------------------------------------


@pytest.mark.parametrize(
    ("exercise_id", "index"),
    [
        (e.id, i)
        for e in ex.EXERCISES.values()
        if e.kind == "number"
        for i in range(len(e.mistakes))
    ],
)
def test_each_anticipated_wrong_number_gets_its_own_hint(exercise_id, index):
    e = ex.EXERCISES[exercise_id]
    wrong, hint = e.anticipated()[index]
    assert not e.close(wrong, _answer(exercise_id)), "a mistake must differ from the answer"
    result = ex.check(exercise_id, wrong)
    assert not result.passed
    assert result.message == hint
    assert "{" not in result.message  # every {field} was filled in


@pytest.mark.parametrize(
    ("exercise_id", "letter"),
    [(e.id, k) for e in ex.EXERCISES.values() if e.kind == "choice" for k in e.options],
)
def test_each_choice_gets_its_explanation(exercise_id, letter):
    e = ex.EXERCISES[exercise_id]
    result = ex.check(exercise_id, f"({letter.upper()})")
    assert result.passed == (letter == _answer(exercise_id))
    assert result.message == e.feedback[letter].format(**e.facts())
    assert ex.check(exercise_id, e.options[letter]).passed == result.passed  # the option text


@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_right_answer_passes_within_tolerance(exercise_id):
    e, right = ex.EXERCISES[exercise_id], _answer(exercise_id)
    slack = 0.9 * max(e.abs_tol, e.rel_tol * abs(right))
    assert ex.check(exercise_id, right).passed
    assert ex.check(exercise_id, np.float64(right) + slack).passed
    assert not ex.check(exercise_id, right + 1.2 * slack / 0.9).passed
    assert ex.check(exercise_id, round(right, 2)).passed
    # an answer clearly outside the tolerance (1.5 % off, or 3x the absolute tolerance for
    # small numbers) is wrong: it gets a hint, not a pass
    far = ex.check(exercise_id, right + max(0.015 * abs(right), 3 * e.abs_tol) if right else 0.5)
    assert not far.passed and far.message


@pytest.mark.parametrize("exercise_id", PERCENTS)
def test_fraction_and_double_percent_get_their_own_hint(exercise_id):
    right = _answer(exercise_id)
    small = ex.check(exercise_id, right / 100)
    assert not small.passed
    assert "looks like a fraction" in small.message
    assert "multiply by 100" in small.message
    big = ex.check(exercise_id, right * 100)
    assert not big.passed and "100 times too big" in big.message


def test_rounding_too_early_sign_errors_and_direction_are_named():
    assert "round too early" in ex.check("retention-table", 79.0).message
    assert "wrong sign" in ex.check("sim-churn-points", -_answer("sim-churn-points")).message
    assert ex.check("clv-simple", 70_000).message.startswith("70,000 is too high.")
    assert ex.check("clv-simple", 1_000).message.startswith("1,000 is too low.")


def test_negative_discounted_clv_means_percent_inputs():
    result = ex.check("discounted-clv", 100 * 80 / (1 + 0.1 - 80))
    assert "fractions" in result.message and not result.passed


# -- answers that are not answers yet ----------------------------------------------------------


@pytest.mark.parametrize("exercise_id", [*NUMBERS, *CHOICES, "beat-reactive"])
@pytest.mark.parametrize("blank", [..., None])
def test_placeholder_answers_say_what_to_fill_in(exercise_id, blank):
    result = ex.check(exercise_id, blank)
    assert not result.passed
    assert (
        result.message == f"Replace the ... with your answer: {ex.EXERCISES[exercise_id].fill_in}."
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("95", "without quotes"),
        ("95 %", "without quotes"),
        ("ninety-five", "Put a percentage"),
        (True, "True/False"),
        (float("nan"), "NaN"),
        (pd.Series([95.0]), ".iloc[0]"),
        (pd.Series([95.0, 90.0]), "pandas Series of 2 values"),
        (np.array([95.0, 1.0, 2.0]), "NumPy array of 3 values"),
        ({"rate": 95}, "has type dict"),
    ],
)
def test_wrong_types_get_a_hint_not_a_crash(answer, expected):
    result = ex.check("retention-formula", answer)
    assert not result.passed
    assert expected in result.message


def test_choice_answers_must_be_a_known_letter():
    assert "letter of your choice" in ex.check("nps-interpret", 3).message
    assert (
        "not one of the options: answer with a, b, c, d" in ex.check("nps-interpret", "z").message
    )


def test_unknown_exercise_suggests_the_nearest_id():
    with pytest.raises(
        ValueError, match="no exercise 'retention-fromula'; did you mean 'retention-formula'"
    ):
        ex.check("retention-fromula", 95)


def test_learners_cannot_change_the_answers_by_editing_the_data():
    clients = ex.data("clients")
    clients["client_at_start"] = False
    assert ex.data("clients")["client_at_start"].any()
    assert ex.check("retention-table", _answer("retention-table")).passed


def test_data_sets_are_described_and_unknown_names_are_refused():
    assert set(ex.data_sets()) == {*ex._TABLES, "portfolio"}
    assert all(ex.data_sets().values())
    with pytest.raises(ValueError, match="no data set 'nope'; choose from clients"):
        ex.data("nope")


# -- display ----------------------------------------------------------------------------------


def test_result_display_is_stable_text_and_html():
    good, bad = ex.check("upsell-rate", 60), ex.check("upsell-rate", 40)
    assert repr(good) == "✔ Correct [upsell-rate] 6 of 10 offers accepted: 60 %."
    assert repr(bad) == "✘ Not yet [upsell-rate] That is the share of offers turned down."
    html = bad._repr_html_()
    assert "Upsell success rate" in html and "#b2182b" in html and "0x" not in html
    assert "&lt;" in ex.Result("x", "<b>", False, "a < b")._repr_html_()


# -- progress ----------------------------------------------------------------------------------


def test_progress_lists_passed_tried_and_not_started():
    ex.check("retention-formula", 95)
    ex.check("churn-formula", 92.5)
    ex.check("churn-formula", 7.5, record=False)  # hidden tests do not count
    p = ex.progress("01")
    status = dict(zip(p.to_frame()["exercise"], p.to_frame()["status"], strict=True))
    assert status["retention-formula"] == "passed"
    assert status["churn-formula"] == "tried"
    assert status["retention-table"] == "not started"
    assert p.passed == 1
    assert repr(p).startswith("1 of 5 exercises passed")
    assert "0x" not in p._repr_html_()
    assert len(ex.progress().rows) == len(ex.EXERCISES)
    with pytest.raises(ValueError, match="no notebook '99'"):
        ex.progress("99")


def test_progress_is_kept_in_a_file_only_when_asked(tmp_path, monkeypatch):
    ex.check("upsell-rate", 60)
    assert not list(tmp_path.iterdir())
    store = tmp_path / "sub" / "progress.json"
    monkeypatch.setenv(ex.PROGRESS_ENV, str(store))
    ex.reset_progress()
    ex.check("upsell-rate", 40)
    ex.check("renewal-rate", 90)
    saved = json.loads(store.read_text())["exercises"]
    assert saved["upsell-rate"] == {"passed": False, "attempts": 1}
    assert saved["renewal-rate"]["passed"] is True
    ex.reset_progress()  # a new session: progress comes back from the file
    assert dict((r[1], r[3]) for r in ex.progress("05").rows)["renewal-rate"] == "passed"
    assert not list(store.parent.glob("*.tmp"))
    ex.keep_progress(None)  # off for this session, whatever the environment says
    ex.check("upsell-rate", 60)
    assert json.loads(store.read_text())["exercises"]["upsell-rate"]["passed"] is False


def test_a_broken_progress_file_is_reported_and_left_alone(tmp_path):
    store = tmp_path / "progress.json"
    store.write_text("{not json")
    with pytest.warns(UserWarning, match="not a simkit progress file"):
        ex.keep_progress(store)
    ex.check("upsell-rate", 60)
    assert store.read_text() == "{not json"
    assert ex.progress("05").passed == 1


# -- the design problem ----------------------------------------------------------------------


class _Unchanged(Strategy):
    name = "unchanged"


class _Broken(Strategy):
    name = "broken"

    def check_in(self, account):
        raise RuntimeError("forgot to return a Cadence")


class _Farmer(Strategy):
    """Never pitches an upsell: NRR can only fall against reactive."""

    name = "farmer"

    def __init__(self) -> None:
        super().__init__(pitch_health=None)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (_Unchanged, "Pass a strategy object: _Unchanged()"),
        ("reactive", "has type str"),
        (_Unchanged(), "does exactly what reactive does"),
        (Strategy(pitch_health=30), "its own name"),
        (_Broken(), "raised RuntimeError during the simulation: forgot to return a Cadence"),
    ],
)
def test_design_check_explains_what_is_missing(answer, expected):
    result = ex.check("beat-reactive", answer)
    assert not result.passed
    assert expected in result.message


@pytest.mark.slow
def test_design_check_reports_the_paired_difference_of_a_worse_strategy():
    result = ex.check("beat-reactive", _Farmer())
    assert not result.passed
    assert result.message.startswith("No better than reactive: NRR -")
    assert "95 % CI" in result.message and "3 paired runs" in result.message


# -- registry file ------------------------------------------------------------------------------


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exercises.toml"
    path.write_text(text)
    return path


def test_registry_problems_name_the_exercise(tmp_path):
    entry = 'id = "{id}"\nnotebook = "x"\ntitle = "t"\nlevel = "{level}"\nmetrics = []\n'
    one = "[[exercise]]\n" + entry
    with pytest.raises(ValueError, match="exercise 'nope': no solver"):
        ex._load_registry(_registry(tmp_path, one.format(id="nope", level="formula")))
    with pytest.raises(ValueError, match="exercise 'upsell-rate': level must be one of"):
        ex._load_registry(_registry(tmp_path, one.format(id="upsell-rate", level="easy")))
    with pytest.raises(ValueError, match="exercise 'upsell-rate': unknown keys \\['colour'\\]"):
        bad = one.format(id="upsell-rate", level="formula") + 'colour = "red"\n'
        ex._load_registry(_registry(tmp_path, bad))
    with pytest.raises(ValueError, match="solvers without an exercise"):
        ex._load_registry(_registry(tmp_path, one.format(id="upsell-rate", level="formula")))


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


def test_show_writes_numbers_the_way_people_do():
    assert [ex._show(v) for v in (95.0, 90.476, 0.95, 45000.0, 266.666)] == [
        "95",
        "90.48",
        "0.95",
        "45,000",
        "266.7",
    ]
    assert math.isclose(float(ex._show(1 / 3)), 0.3333)
