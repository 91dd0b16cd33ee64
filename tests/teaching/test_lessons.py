"""The lessons teach, and cannot drift from their numbers or give their answers away.

Checked on every notebook of ``notebooks/``:

* **prose that cannot drift**: a markdown cell states no number except a small allow-list of
  fixed facts (:data:`FIXED_FACTS`: lesson numbers, the 95 % of every interval, the NPS
  scale, the articles' 30/90-day reviews ...). A figure about a run can only come from code
  -- a cell that renders a sentence from the results -- so it changes when the results do;
* **hidden answers**: no code cell holds a quiz answer (``answer=`` or a ``Question(...)``
  literal) and no explanation of the question registry appears anywhere in a notebook file
  (sources, outputs, saved widget state); questions are asked by id
  (``ask("01-renewed-twice")``) from ``simkit/data/questions.toml``;
* **structure**: each numbered lesson opens with what you will be able to do, puts a
  "Predict, then run" prompt before each simulation, answers every question it asks in a
  rendered cell, and ends with its check-yourself questions, key points and next steps;
* **one metrics reference**: the generated table of ``docs/metrics.md`` is the registry's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from simkit.analysis import lessons
from simkit.analysis.registry import METRICS
from simkit.ui.quiz import load_questions

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if p.stem[:2].isdigit()]
METRICS_DOC = ROOT / "docs" / "metrics.md"

# ================================================================== prose that cannot drift
FIXED_FACTS: tuple[tuple[str, str], ...] = (
    (r"(?<![\w.,])0[0-9](?![\w%]|[.,]\d)", "a lesson's number, 00 to 09"),
    (r"\b95 %", "the level of every confidence interval"),
    (r"\b100 %", "the whole: retention is at most 100 %, NRR above 100 % means growth"),
    (r"[−-]100 to 100\b", "the range of NPS"),
    (r"\b0[–-]10\b", "the NPS survey scale"),
    (r"\b9[–-]10\b", "the NPS answers of promoters"),
    (r"\b0[–-]6\b", "the NPS answers of detractors"),
    (r"\b0(?:[–-]| to )100\b", "the health scale"),
    (r"\b30/90-day\b|\b30 and 90 days\b", "the articles' onboarding reviews (customer success)"),
    (r"\b5 to 25 times\b", "winning a client costs 5 to 25 times keeping one (Bain, via [A5])"),
    (r"\((?:19|20)\d\d\)", "the year of a cited study"),
    (r"× 100\b", "a share written as a percentage in a formula"),
    (r"\b1 / (?=\()", "the constant 1 of a formula: 1 / (1 − r)"),
    (r"\(1 [+−-] [a-z](?: [+−-] [a-z])?\)", "the constant 1 of a formula: (1 + i − r)"),
    (r"\b(?i:above|below) 1\b(?![.,]\d)", "a return of 1: the extra work exactly pays for itself"),
)
"""Numbers a lesson's prose may state, each a fixed fact with its reason. Anything else --
a retention rate, a count of clients, a difference -- must be rendered by code."""

_NUMBER = re.compile(r"(?<![\w.])[+−-]?\d+(?:[.,]\d+)*")
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_LOOKS_LIKE_CODE = re.compile(r"[A-Za-z_(){}\[\]=:\"']")


def stray_numbers(markdown: str) -> list[str]:
    """The numbers of a markdown text that are not fixed facts.

    Link targets, HTML comments and the markers of numbered lists are not prose; a code
    span is skipped when it holds code (``scenario.update({"team.managers": 3})``), not when
    it is a bare number (`` `87.6` ``).
    """
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = _CODE.sub(
        lambda m: " " if _LOOKS_LIKE_CODE.search(m.group(0).strip("`")) else m.group(0), text
    )
    text = re.sub(r"(?m)^\s*\d+\.\s", " ", text)
    for pattern, _why in FIXED_FACTS:
        text = re.sub(pattern, " ", text)
    return _NUMBER.findall(text)


def drifting_numbers(nb: nbformat.NotebookNode) -> list[str]:
    """``cell N: numbers`` for every markdown cell of a notebook that states stray numbers."""
    found = []
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "markdown" and (numbers := stray_numbers(cell.source)):
            found.append(f"cell {i}: {', '.join(numbers)}")
    return found


def test_a_hard_coded_result_in_prose_is_caught():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 03 Strategies compared\n\nRead the [metrics](x-2.md)."),
        nbformat.v4.new_markdown_cell(
            "Proactive check-ins keep 88.2 % of clients a year, against 82.7 % for reactive: "
            "+5.3 points, and 4,835,120 more revenue."
        ),
        nbformat.v4.new_code_cell("print(88.2)"),
    ]
    assert drifting_numbers(nb) == ["cell 2: 88.2, 82.7, +5.3, 4,835,120"]


@pytest.mark.parametrize(
    "text, stray",
    [
        ("Lessons 03 and 06 use 95 % intervals; NPS runs from −100 to 100 (answers 0–10).", []),
        ("Reviews after 30 and 90 days; a return above 1 pays; see Fader and Hardie (2007).", []),
        ('Set `scenario.update({"team.managers": 3})` and run [it](07-team-capacity.ipynb).', []),
        ("1. Identify\n2. Segment\n\nvalue = m × r / (1 + i − r); lifetime 1 / (1 − r)", []),
        ("The team is busy `83.2` % of its time.", ["83.2"]),
        ("A return above 1.5 is good; 95 % of clients renewed in year 2.", ["1.5", "2"]),
        ("Health drifts towards 45 with six managers.", ["45"]),
        ("Lesson 4 and lesson 004.", ["4", "004"]),
        ("It costs $45k, about 5x more.", ["45", "5"]),
    ],
)
def test_only_fixed_facts_pass(text, stray):
    assert stray_numbers(text) == stray


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_states_no_figure_that_code_should_compute(path):
    found = drifting_numbers(nbformat.read(path, as_version=4))
    assert not found, (
        f"{path.name}: numbers in markdown ({'; '.join(found)}). Render a figure about the "
        "results from code (IPython.display.Markdown(f'...{value:.1f}...')), or add a fixed "
        "fact with its reason to FIXED_FACTS."
    )


# ================================================================== hidden answers
_ASK = re.compile(r"\bask\(\s*[\"']([^\"']+)[\"']\s*\)")
_LEAK = re.compile(r"\banswer\s*=|\bQuestion\s*\(")
QUESTIONS = load_questions()


def quiz_leaks(source: str) -> list[str]:
    """What in a code cell gives a quiz answer away: ``answer=`` or a ``Question(...)``."""
    return _LEAK.findall(source)


def test_a_question_written_in_a_cell_is_caught():
    cell = 'Question("Which stage?", {"loyal": "Yes", "former": "No"}, answer="loyal").widget()'
    assert quiz_leaks(cell) == ["Question(", "answer="]
    assert quiz_leaks('ask("01-renewed-twice")') == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_cell_holds_a_quiz_answer(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code":
            assert not quiz_leaks(cell.source), (
                f"{path.name} cell {i}: a quiz answer in code; store the question in "
                "simkit/data/questions.toml and call ask('<id>')"
            )
    # nor anywhere in the file: sources, outputs, saved widget state
    raw = path.read_text(encoding="utf-8")
    for q in QUESTIONS.values():
        for why in q.options.values():
            assert why not in raw and json.dumps(why)[1:-1] not in raw, (
                f"{path.name} shows an explanation of {q.id}: {why!r}"
            )


def _asked(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [m for c in nb.cells if c.cell_type == "code" for m in _ASK.findall(c.source)]


def test_every_question_is_asked_by_its_lesson_and_every_ask_has_a_question():
    asked = {p.stem: _asked(p) for p in NOTEBOOKS}
    for stem, ids in asked.items():
        for qid in ids:
            assert qid in QUESTIONS, f"{stem} asks {qid!r}, which questions.toml does not hold"
            assert QUESTIONS[qid].lesson == stem, f"{qid} belongs to {QUESTIONS[qid].lesson}"
    everywhere = [qid for ids in asked.values() for qid in ids]
    assert sorted(everywhere) == sorted(QUESTIONS), "each question asked exactly once"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_ends_its_code_with_check_yourself_questions(path):
    nb = nbformat.read(path, as_version=4)
    code = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    assert _ASK.fullmatch(code[-1]), f"{path.name}: the last code cell should be ask('<id>')"


# ================================================================== structure
PROMPTS = ("**Predict, then run:**", "**Think:**")
SIMULATES = re.compile(r"\b(?:simulate|compare|capacity_sweep|sensitivity)\(|\.run\(\)")
_HEADING = re.compile(r"(?m)^#+ .*$")


def _is_prompt(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and any(p in cell.source for p in PROMPTS)


def _prose(markdown: str) -> str:
    """The sentences of a markdown cell: no headings, table rows, code or link targets."""
    text = re.sub(r"(?m)^\s*\|.*$", " ", _HEADING.sub(" ", markdown))
    return _CODE.sub(" ", re.sub(r"\]\([^)]*\)", "]", text))


def structure_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What a notebook lacks of the lesson pattern: a prediction before each simulation, a
    rendered answer after each prompt, no question asked outside a prompt."""
    problems = []
    cells = nb.cells
    predicted = False
    for i, cell in enumerate(cells, 1):
        if cell.cell_type == "markdown" and "**Predict, then run:**" in cell.source:
            predicted = True
        if cell.cell_type == "code" and SIMULATES.search(cell.source):
            if not predicted:
                problems.append(f"cell {i}: a simulation without a 'Predict, then run' prompt")
            predicted = False
        if cell.cell_type == "markdown" and "?" in _prose(cell.source) and not _is_prompt(cell):
            problems.append(f"cell {i}: asks a question outside a Predict or Think prompt")
        if _is_prompt(cell):
            answered = False
            for later in cells[i:]:
                if _is_prompt(later) or "## Check yourself" in later.source:
                    break
                if later.cell_type == "code" and "Markdown(" in later.source:
                    answered = True
                    break
            if not answered:
                problems.append(f"cell {i}: a prompt with no rendered answer (Markdown(...))")
    return problems


def test_structure_problems_are_found_in_a_made_up_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Is the book growing?"),
        nbformat.v4.new_code_cell("results = simulate(scenario)"),
        nbformat.v4.new_markdown_cell("**Think:** which segment shrinks?"),
        nbformat.v4.new_code_cell("table"),
        nbformat.v4.new_markdown_cell("## Check yourself"),
    ]
    assert structure_problems(nb) == [
        "cell 1: asks a question outside a Predict or Think prompt",
        "cell 2: a simulation without a 'Predict, then run' prompt",
        "cell 3: a prompt with no rendered answer (Markdown(...))",
    ]
    nb.cells[0].source = "**Predict, then run:** is the book growing?"
    nb.cells.insert(2, nbformat.v4.new_code_cell("Markdown(f'It grew by {g:.1f} %.')"))
    nb.cells.insert(5, nbformat.v4.new_code_cell("Markdown(answer)"))
    assert structure_problems(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_predictions_come_before_runs_and_every_question_is_answered(path):
    problems = structure_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}: " + "; ".join(problems)


def _bullets(markdown: str) -> int:
    return len(re.findall(r"(?m)^[*-] ", markdown))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_opens_with_objectives_and_closes_with_key_points(path):
    nb = nbformat.read(path, as_version=4)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and "By the end of this lesson you will be able to" in (
        first.source
    ), f"{path.name}: start with the objectives"
    assert _bullets(first.source) >= 2, f"{path.name}: list at least two objectives"
    key = [c for c in nb.cells if c.cell_type == "markdown" and "## Key points" in c.source]
    assert len(key) == 1 and _bullets(key[0].source) >= 2, f"{path.name}: one Key points list"
    assert nb.cells.index(key[0]) > max(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code"
    ), f"{path.name}: key points come after the last code cell"
    assert last.cell_type == "markdown" and last.source.startswith("## Next steps")


# ================================================================== one metrics reference
def test_metrics_reference_is_generated_from_the_registry():
    doc = METRICS_DOC.read_text(encoding="utf-8")
    assert lessons.generated_metrics_table(doc) == lessons.metrics_reference(), (
        "docs/metrics.md is out of date: run python -m simkit.analysis.lessons"
    )
    for name in METRICS:
        assert f"| `{name}` |" in doc


def test_metrics_reference_follows_a_changed_registry():
    one = {"nrr": METRICS["nrr"]}
    table = lessons.metrics_reference(one, with_return=False)
    assert table.count("\n| `") == 1 and "NRR (% per year)" in table
    assert table != lessons.metrics_reference()


def test_update_metrics_doc_rewrites_only_the_generated_part(tmp_path):
    doc = tmp_path / "metrics.md"
    doc.write_text(
        "# Metrics\n\nintro\n\n<!-- BEGIN GENERATED: metrics -->\nold\n"
        "<!-- END GENERATED: metrics -->\n\nafter\n"
    )
    assert lessons.update_metrics_doc(doc) is True
    text = doc.read_text()
    assert text.startswith("# Metrics\n\nintro\n") and text.endswith("\n\nafter\n")
    assert lessons.generated_metrics_table(text) == lessons.metrics_reference()
    assert lessons.update_metrics_doc(doc) is False
    doc.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        lessons.update_metrics_doc(doc)


@pytest.mark.parametrize("stem", ["04-metrics-that-matter", "05-retention-economics"])
def test_metrics_lessons_link_to_the_reference(stem):
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "](../docs/metrics.md" in text


def test_retention_rate_falls_short_of_logo_retention_by_the_new_clients_who_left():
    """The identity docs/metrics.md and lesson 04 explain, on a simulated book."""
    from simkit.analysis.summary import summarize
    from simkit.engine.model import simulate
    from simkit.engine.scenario import default_scenario

    res = simulate(default_scenario().update({"horizon_years": 2}), "reactive")
    yearly = summarize(res, by=[], period="Y")
    gaps = []
    for _, row in yearly.iterrows():
        left = lessons.new_clients_who_left(row)
        assert 0 <= left <= row["new"]
        expected = row["logo_retention"] - 100 * left / row["start"]
        assert row["retention_rate"] == pytest.approx(expected)
        assert row["logo_retention"] + row["churn_rate"] == pytest.approx(100)
        gaps.append(left)
    assert sum(gaps) > 0  # new clients do leave in their first year, so the gap is real
