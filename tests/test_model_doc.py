"""docs/model.md says what the code does: every scenario field, its default and range, the
stage diagram, the sensitivity ranges and the default outputs.

The scenario model is walked here on its own (not with the document generator), so a field
the generator skipped, a default changed in ``default.toml`` or a ``Field`` bound changed in
``scenario.py`` without regenerating the document (``python -m simkit.viz.model_doc``)
fails. Every parameter needs a meaning, a unit and a source: a cited reference that the
document lists, or "assumption" with its reason.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario
from simkit.viz.model_doc import (
    derive,
    field_rows,
    generated,
    mermaid_block,
    ranges_table,
    read_parameter_rows,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
TEXT = DOC.read_text(encoding="utf-8")
ROWS = read_parameter_rows(TEXT)
CITATION = re.compile(r"\[([AS]\d+)\]")


def _leaves(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Every leaf field of the scenario model: dotted name -> its FieldInfo."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        dotted = prefix + name
        sub = next(
            (a for a in (info.annotation, *get_args(info.annotation))
             if isinstance(a, type) and issubclass(a, BaseModel)),
            None,
        )  # fmt: skip
        if sub is not None:
            out.update(_leaves(sub, dotted + "."))
        elif get_origin(info.annotation) is dict:
            for key in get_args(get_args(info.annotation)[0]):
                out[f"{dotted}.{key}"] = info
        else:
            out[dotted] = info
    return out


LEAVES = _leaves(Scenario)


def _row_of(leaf: str) -> str:
    parts = ["<segment>" if p in SEGMENTS else p for p in leaf.split(".")]
    return ".".join(parts)


def _value(leaf: str) -> Any:
    node: Any = default_scenario().to_dict()
    for part in leaf.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_every_scenario_field_is_in_the_document():
    missing = sorted({_row_of(leaf) for leaf in LEAVES} - set(ROWS))
    assert not missing, f"document these fields (python -m simkit.viz.model_doc): {missing}"
    extra = sorted(set(ROWS) - {_row_of(leaf) for leaf in LEAVES})
    assert not extra, f"the document lists fields the scenario no longer has: {extra}"


def test_defaults_and_ranges_are_the_codes():
    expected = {r.field: r for r in field_rows()}
    for field, row in ROWS.items():
        assert row["default"] == expected[field].default, f"{field}: default is stale"
        assert row["allowed"] == expected[field].allowed, f"{field}: allowed range is stale"


def test_numeric_defaults_read_back_from_default_toml():
    """Independently of the generator: the number in the document is the scenario's."""
    checked = 0
    for leaf in LEAVES:
        value = _value(leaf)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        cell = ROWS[_row_of(leaf)]["default"]
        segment = next((p for p in leaf.split(".") if p in SEGMENTS), None)
        if segment is not None:
            found = re.search(rf"(?:^|· ){segment} ([-\d.,e+]+)", cell)
            assert found, f"{leaf}: no value for {segment} in {cell!r}"
            shown = _number(found.group(1))
        else:
            shown = _number(cell)
        assert math.isclose(shown, value, rel_tol=1e-6), f"{leaf}: doc {shown} vs code {value}"
        checked += 1
    assert checked > 60


def test_numeric_ranges_read_back_from_the_field_constraints():
    for leaf, info in LEAVES.items():
        limits = {
            key: getattr(m, key)
            for m in info.metadata
            for key in ("ge", "gt", "le", "lt")
            if getattr(m, key, None) is not None
        }
        if not limits or info.annotation not in (int, float):
            continue
        cell = ROWS[_row_of(leaf)]["allowed"]
        found = re.match(r"([\[(])([^,]+(?:,\d{3})*), ([^\])]+)([\])])", cell)
        assert found, f"{leaf}: cannot read the range {cell!r}"
        left, low, high, right = found.groups()
        for key, bracket, shown in (
            ("ge", "[", (left, low)),
            ("gt", "(", (left, low)),
            ("le", "]", (right, high)),
            ("lt", ")", (right, high)),
        ):
            if key in limits:
                assert shown[0] == bracket, f"{leaf}: {cell!r} should use {bracket!r}"
                assert math.isclose(_number(shown[1]), limits[key], rel_tol=1e-12), leaf
        assert ("whole number" in cell) == (info.annotation is int), leaf


def test_every_parameter_has_a_meaning_a_unit_and_a_source():
    references = set(re.findall(r"\*\*\[([AS]\d+)\]\*\*", TEXT))
    for field, row in ROWS.items():
        for column in ("meaning", "unit", "source"):
            assert row[column] and "TODO" not in row[column], f"{field}: {column} is missing"
        source = row["source"]
        cited = set(CITATION.findall(source))
        if source.lower().startswith("assumption"):
            reason = source.split(":", 1)[1] if ":" in source else ""
            assert len(reason.strip()) >= 20, f"{field}: say why the assumed value is what it is"
        else:
            assert cited, f"{field}: cite a source ([A1], [S1] ...) or say 'assumption: why'"
        assert cited <= references, f"{field}: cites {sorted(cited - references)}, not listed"


def test_every_reference_is_used_and_every_citation_listed():
    listed = re.findall(r"\*\*\[([AS]\d+)\]\*\*", TEXT)
    assert len(listed) == len(set(listed)), "a reference is listed twice"
    body = TEXT.split("## References")[0]
    cited = set(CITATION.findall(body))
    assert set(listed) == cited, f"unused: {set(listed) - cited}; unlisted: {cited - set(listed)}"
    seeds = ROOT.parent / "shared" / "seeds"
    for name in re.findall(r"shared/seeds/(\w+\.txt)", TEXT):
        if seeds.is_dir():
            assert (seeds / name).is_file(), f"no seed article {name}"


def test_the_stage_diagram_is_the_codes():
    assert generated(TEXT, "stages") == mermaid_block(), "run: python -m simkit.viz.model_doc"
    assert "](images/model-stages.png)" in TEXT
    assert (ROOT / "docs" / "images" / "model-stages.png").is_file()


def test_the_sensitivity_ranges_are_the_codes():
    assert generated(TEXT, "ranges") == ranges_table(), "run: python -m simkit.viz.model_doc"


def test_the_document_follows_the_stress_des_outline():
    for heading in (
        "## 1. Objectives",
        "### 1.1 Purpose",
        "## 2. Logic",
        "## 3. Data",
        "## 4. Experimentation",
        "## 5. Implementation",
        "## 7. Verification and validation",
        "## 8. Which assumptions change the answer",
    ):
        assert heading in TEXT, f"missing section {heading!r}"


# -- the default outputs (recomputed) ------------------------------------------------------------
def _means(cell: str) -> float:
    return _number(cell.split("[")[0].strip())


def _tolerance(value: float) -> float:
    return 0.5 if abs(value) >= 1000 else 0.05  # the table rounds to units or one decimal


@pytest.mark.slow
def test_the_default_outputs_are_current():
    """Each documented mean lies inside the 95 % interval recomputed now."""
    from simkit.engine.strategies import BUILT_IN
    from simkit.experiments.compare import compare

    sc = default_scenario()
    strategies = list(BUILT_IN)
    cmp = compare(sc, strategies, replications=5)
    derive(cmp.runs, sc.team.managers)
    lines = [ln for ln in generated(TEXT, "outputs").splitlines() if ln.startswith("| `")]
    assert len(lines) >= 8
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        metric = re.match(r"`(\w+)`", cells[0]).group(1)
        table = cmp.table([metric]).set_index("strategy")
        for strategy, cell in zip(strategies, cells[1 : 1 + len(strategies)], strict=True):
            shown = _means(cell)
            low, high = table.loc[strategy, "ci_low"], table.loc[strategy, "ci_high"]
            tol = _tolerance(shown)
            assert low - tol <= shown <= high + tol, (
                f"{metric} / {strategy}: the document says {shown}, the model now gives "
                f"[{low:.2f}, {high:.2f}]; run python -m simkit.viz.model_doc"
            )


@pytest.mark.slow
def test_the_segment_outputs_are_current():
    from simkit.analysis.stats import confidence_interval
    from simkit.analysis.summary import summarize
    from simkit.experiments.runner import replicate

    runs = replicate(default_scenario(), "reactive", 5)
    per = summarize(runs, by=["replication", "segment"], period="Y")
    per = per.groupby(["segment", "replication"])[["churn_rate", "grr"]].mean()
    lines = [ln for ln in generated(TEXT, "segments").splitlines() if ln.startswith("| `")]
    assert len(lines) == len(SEGMENTS)
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        segment = re.match(r"`(\w+)`", cells[0]).group(1)
        for column, cell in (("churn_rate", cells[1]), ("grr", cells[2])):
            _, low, high = confidence_interval(per.loc[segment][column])
            shown = _means(cell)
            assert low - 0.05 <= shown <= high + 0.05, f"{segment} {column}: stale"
