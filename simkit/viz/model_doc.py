"""The generated parts of ``docs/model.md``: written by code, so they cannot drift.

``docs/model.md`` describes the model in the spirit of the STRESS-DES reporting guideline.
Three of its parts are facts about the code and are regenerated, never typed:

* ``parameters`` -- one row per scenario field (walking the pydantic scenario model): its
  default (from ``simkit/data/default.toml``) and its allowed range (from the ``Field``
  constraints). The *meaning*, *unit* and *source* columns are prose kept in the document:
  regenerating keeps them, and a new field gets ``TODO`` cells that
  ``tests/test_model_doc.py`` refuses;
* ``stages`` -- the Mermaid stage diagram of :func:`simkit.viz.diagram.mermaid_stages`;
* ``ranges`` -- the plausible ranges of the sensitivity analysis
  (:data:`simkit.experiments.sensitivity_ranges.PLAUSIBLE_RANGES`);
* ``outputs`` -- the default scenario's figures per strategy (5 replications, 95 %
  intervals) next to the published ranges of :data:`BENCHMARKS`; ``segments`` -- the
  reactive baseline's churn and gross revenue retention per segment beside
  :data:`SEGMENT_GRR`.

Each part sits between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``.
Regenerate with ``python -m simkit.viz.model_doc`` (``--no-outputs`` skips the simulations).

>>> rows = {r.field: r for r in field_rows()}
>>> rows["behaviour.renewal_at_50"].allowed, rows["team.managers"].allowed
('(0, 1)', '[1, 100,000], whole number')
>>> rows["portfolio.<segment>.count"].default
'key 20 · enterprise 60 · mid_market 170 · small 250'
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "FieldRow",
    "DERIVED",
    "OUTPUT_FIGURES",
    "derive",
    "figure_label",
    "field_rows",
    "generated",
    "outputs_table",
    "parameter_table",
    "ranges_table",
    "read_parameter_rows",
    "replace_generated",
    "segment_table",
    "update",
]

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
"""The model document of this checkout."""

SEGMENT = "<segment>"
"""Stands for each of the four segments in a field name."""

EXTRA_RULES = {
    "behaviour.loyal_drop_health": "at most behaviour.loyalty_health",
    "pipeline.segment_mix.<segment>": "not all 0 when prospects arrive",
}
"""Constraints that live in model validators rather than in ``Field`` (added to 'allowed')."""

COLUMNS = ("field", "meaning", "unit", "default", "allowed", "source")
"""Columns of the parameter table."""


# -- the parameter table ------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRow:
    """One scenario field as the document lists it: dotted name (``<segment>`` for one row
    covering the four segments), its default and its allowed values, as text."""

    field: str
    default: str
    allowed: str


def fmt(value: Any) -> str:
    """A number as the document writes it: thousands separated, no trailing zeros.

    >>> fmt(250000.0), fmt(0.85), fmt(20), fmt(182.5), fmt("book")
    ('250,000', '0.85', '20', '182.5', 'book')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if math.isfinite(value) and value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:g}"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for a in (annotation, *get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def allowed(info: FieldInfo) -> str:
    """The values a field allows, from its annotation and its ``Field`` constraints.

    >>> from simkit.engine.scenario import Behaviour, Scenario
    >>> allowed(Behaviour.model_fields["renewal_slope"]), allowed(Scenario.model_fields["start"])
    ('[0, 10]', 'one of: book, cohort')
    """
    ann = info.annotation
    if get_origin(ann) is Literal:
        return "one of: " + ", ".join(str(a) for a in get_args(ann))
    limits: dict[str, Any] = {}
    for m in info.metadata:
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if getattr(m, key, None) is not None:
                limits[key] = getattr(m, key)
    if ann is str:
        return f"text of {limits.get('min_length', 0)}-{limits.get('max_length', 'any')} characters"
    low = f"[{fmt(limits['ge'])}" if "ge" in limits else f"({fmt(limits.get('gt', '-inf'))}"
    high = f"{fmt(limits['le'])}]" if "le" in limits else f"{fmt(limits.get('lt', 'inf'))})"
    text = f"{low}, {high}"
    return text + ", whole number" if ann is int else text


def _segments(values: Mapping[str, Any]) -> str:
    return " · ".join(f"{s} {fmt(values.get(s, 0))}" for s in SEGMENTS)


def _walk(model: type[BaseModel], prefix: str, values: Mapping[str, Any]) -> list[FieldRow]:
    rows: list[FieldRow] = []
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        value = values.get(name, info.default)
        sub = _model_of(info.annotation)
        rule = EXTRA_RULES.get(dotted)
        if sub is not None and list(sub.model_fields) == list(SEGMENTS):
            inner = _model_of(sub.model_fields[SEGMENTS[0]].annotation)
            if inner is None:  # one amount per segment
                first = sub.model_fields[SEGMENTS[0]]
                rows.append(FieldRow(f"{dotted}.{SEGMENT}", _segments(value), allowed(first)))
                continue
            for leaf, leaf_info in inner.model_fields.items():
                per = {s: value[s][leaf] for s in SEGMENTS}
                rows.append(
                    FieldRow(f"{dotted}.{SEGMENT}.{leaf}", _segments(per), allowed(leaf_info))
                )
        elif sub is not None:
            defaults = value if isinstance(value, Mapping) else {}
            rows += _walk(sub, dotted + ".", defaults)
        elif get_origin(info.annotation) is dict:
            key = f"{dotted}.{SEGMENT}"
            text = "a weight >= 0 per segment"
            rule = EXTRA_RULES.get(key)
            rows.append(FieldRow(key, _segments(value), f"{text}; {rule}" if rule else text))
        else:
            text = allowed(info)
            rows.append(FieldRow(dotted, fmt(value), f"{text}; {rule}" if rule else text))
    return rows


def field_rows(scenario: Scenario | None = None) -> list[FieldRow]:
    """Every field of the scenario model, in the order of the model, with its default
    (from ``scenario``, the default scenario if None; an absent optional section, such as
    ``theory``, shows its own defaults) and its allowed values."""
    sc = scenario or default_scenario()
    return _walk(Scenario, "", sc.to_dict())


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_parameter_rows(text: str) -> dict[str, dict[str, str]]:
    """The parameter table of a document: field -> {column: cell text} (field unquoted)."""
    block = generated(text, "parameters")
    rows = {}
    for line in block.splitlines():
        if not line.startswith("| `"):
            continue
        cells = _cells(line)
        if len(cells) != len(COLUMNS):
            raise ValueError(f"a parameter row must have {len(COLUMNS)} cells: {line}")
        row = dict(zip(COLUMNS, cells, strict=True))
        row["field"] = row["field"].strip("`")
        rows[row["field"]] = row
    return rows


def parameter_table(kept: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The parameter table as Markdown; meaning, unit and source come from ``kept`` (the
    document's current rows) or are ``TODO``."""
    kept = kept or {}
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in field_rows():
        old = kept.get(row.field, {})
        cells = [
            f"`{row.field}`",
            old.get("meaning", "TODO"),
            old.get("unit", "TODO"),
            row.default,
            row.allowed,
            old.get("source", "TODO"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ranges_table() -> str:
    """The plausible ranges a sensitivity analysis uses by default
    (:data:`simkit.experiments.sensitivity_ranges.PLAUSIBLE_RANGES`), as Markdown."""
    from simkit.experiments.sensitivity_ranges import PLAUSIBLE_RANGES

    sc = default_scenario().to_dict()
    lines = [
        "| parameter | default | low | high | unit | why this range |",
        "|---|---|---|---|---|---|",
    ]
    for p in PLAUSIBLE_RANGES.values():
        node: Any = sc
        for part in p.field.split("."):
            node = node[part]
        cells = [f"`{p.field}`", fmt(node), fmt(p.low), fmt(p.high), p.unit, p.reason]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- default outputs next to published ranges ---------------------------------------------
@dataclass(frozen=True)
class Benchmark:
    """A published range for one figure: ``low``-``high`` (None: no bound), what the
    sources say in short, and their reference keys in ``docs/model.md``."""

    figure: str
    low: float | None
    high: float | None
    says: str
    refs: tuple[str, ...]


OUTPUT_FIGURES: tuple[str, ...] = (
    "churn_rate",
    "grr",
    "nrr",
    "renewal_rate",
    "upsell_rate",
    "nps",
    "time_to_resolution",
    "utilisation",
    "accounts_per_manager",
    "arr_per_manager",
)
"""Figures of the outputs table: run summary figures (labelled by the metric registry, with
unit and period) and the two of :data:`DERIVED`."""

DERIVED: Mapping[str, str] = {
    "accounts_per_manager": "Client accounts per manager (at the start)",
    "arr_per_manager": "ARR per manager (currency, at the end)",
}
"""Figures the outputs table derives from run figures and the team size, with their labels."""


def figure_label(name: str) -> str:
    """The label of a figure of the outputs table, with its unit and period.

    >>> figure_label("accounts_per_manager")
    'Client accounts per manager (at the start)'
    """
    if name in DERIVED:
        return DERIVED[name]
    from simkit.analysis.registry import metric

    m = metric(name)
    return m.headline_label() if hasattr(m, "headline_label") else m.label


def derive(runs: Any, managers: int) -> None:
    """Add the :data:`DERIVED` figures to a table of run figures (in place)."""
    start = "accounts_start" if "accounts_start" in runs else "clients_start"
    runs["accounts_per_manager"] = runs[start] / managers
    runs["arr_per_manager"] = runs["end_arr"] / managers


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("churn_rate", 5, 30, "median about 10 %/yr; SMB books far higher", ("S4", "S2")),
    Benchmark("grr", 70, 95, "medians 90-92 %; SMB 70-80 %, enterprise above 90 %", ("S1", "S2")),
    Benchmark(
        "nrr", 80, 120, "medians 100-110 %; SMB 80-100 %, mid-market 90-120 %", ("S1", "S2")
    ),  # fmt: skip
    Benchmark(
        "renewal_rate",
        80,
        95,
        "the articles call 90 % strong; dollar churn medians of 8-13 % imply 87-92 %",
        ("A2", "S3", "S4"),
    ),  # fmt: skip
    Benchmark(
        "upsell_rate", None, None, "the articles' example: 6 of 10 pitches (60 %)", ("A2",)
    ),  # fmt: skip
    Benchmark(
        "nps", 5, 45, "B2B SaaS clients of one consultancy 5-35; software average 41", ("S8", "S7")
    ),  # fmt: skip
    Benchmark(
        "time_to_resolution", None, None, "the articles' example: 24 h cut to 12 h", ("A2",)
    ),  # fmt: skip
    Benchmark(
        "utilisation",
        None,
        None,
        "no published figure; the model's sustainable load is an assumption",
        (),
    ),  # fmt: skip
    Benchmark(
        "accounts_per_manager",
        37,
        200,
        "about 37 (accounts above $1k/yr) to 200 (below); 50-100 at $20k ACV",
        ("S9", "S10"),
    ),  # fmt: skip
    Benchmark(
        "arr_per_manager",
        1_000_000,
        2_000_000,
        "$1-2M of ARR per customer success manager",
        ("S10",),
    ),  # fmt: skip
)
"""Published ranges the default outputs are set beside (references in ``docs/model.md``)."""


def _interval(mean: float, low: float, high: float) -> str:
    from simkit.experiments.compare import format_interval

    return format_interval(mean, low, high)


def _verdict(mean: float, b: Benchmark) -> str:
    if mean != mean or (b.low is None and b.high is None):
        return "n/a"
    if b.low is not None and mean < b.low:
        return "below"
    if b.high is not None and mean > b.high:
        return "above"
    return "inside"


def _range_text(b: Benchmark) -> str:
    if b.low is None and b.high is None:
        return "--"
    return (
        f"{fmt(b.low) if b.low is not None else ''} - {fmt(b.high) if b.high is not None else ''}"
    )


def outputs_table(replications: int = 5, jobs: int | None = None) -> str:
    """The default scenario's figures per strategy (mean [95 % interval] over
    ``replications``) next to :data:`BENCHMARKS`, as Markdown."""
    from simkit.engine.strategies import BUILT_IN, strategy_label
    from simkit.experiments.compare import compare

    sc = default_scenario()
    strategies = list(BUILT_IN)
    cmp = compare(sc, strategies, replications=replications, jobs=jobs)
    derive(cmp.runs, sc.team.managers)
    table = cmp.table(list(OUTPUT_FIGURES)).set_index(["metric", "strategy"])
    head = ["figure", *(strategy_label(s) for s in strategies), "published", "sources",
            "reactive default"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    bench = {b.figure: b for b in BENCHMARKS}
    for name in OUTPUT_FIGURES:
        b = bench[name]
        cells = [f"`{name}`: {figure_label(name)}"]
        for s in strategies:
            row = table.loc[(name, s)]
            cells.append(_interval(row["mean"], row["ci_low"], row["ci_high"]))
        refs = ", ".join(f"[{r}]" for r in b.refs) or "--"
        reactive = table.loc[(name, strategies[0]), "mean"]
        cells += [f"{_range_text(b)}: {b.says}", refs, _verdict(reactive, b)]
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        f"\n\n_Default scenario, {replications} replications per strategy (common random "
        f"numbers), {fmt(sc.horizon_years)} years measured after {fmt(sc.warmup_years)} years "
        "of warm-up; mean [95 % interval]._"
    )
    return "\n".join(lines) + note


SEGMENT_GRR: Mapping[str, tuple[float, float, str]] = {
    "key": (90, 100, "enterprise, ACV above $50k: above 90 %"),
    "enterprise": (90, 100, "enterprise, ACV above $50k: above 90 %"),
    "mid_market": (80, 90, "mid-market, ACV $12-50k: 80-90 %"),
    "small": (70, 80, "SMB, ACV below $12k: 70-80 %"),
}
"""Published gross revenue retention by segment [S2], matched to the model's segments by
their median ARR."""


def segment_table(replications: int = 5, jobs: int | None = None) -> str:
    """The reactive baseline's logo churn and GRR per segment (mean [95 % interval] over
    ``replications`` of the yearly values) next to :data:`SEGMENT_GRR`, as Markdown."""
    from simkit.analysis.stats import confidence_interval
    from simkit.analysis.summary import summarize
    from simkit.experiments.runner import replicate

    sc = default_scenario()
    runs = replicate(sc, "reactive", replications, jobs=jobs)
    per = summarize(runs, by=["replication", "segment"], period="Y")
    per = per.groupby(["segment", "replication"])[["churn_rate", "grr"]].mean()
    head = ["segment (median ARR)", "logo churn (%/yr)", "GRR (%/yr)", "published GRR [S2]",
            "GRR default"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for seg in SEGMENTS:
        sub = per.loc[seg]
        churn = _interval(*confidence_interval(sub["churn_rate"]))
        grr = confidence_interval(sub["grr"])
        low, high, says = SEGMENT_GRR[seg]
        b = Benchmark("grr", low, high, says, ("S2",))
        arr = fmt(sc.portfolio.segment(seg).arr_median)
        lines.append(
            f"| `{seg}` ({arr}) | {churn} | {_interval(*grr)} | {says} | {_verdict(grr.mean, b)} |"
        )
    note = (
        f"\n\n_Reactive strategy, default scenario, {replications} replications; "
        "mean [95 % interval] of the yearly values._"
    )
    return "\n".join(lines) + note


# -- the document ---------------------------------------------------------------------------
def _markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"


def generated(text: str, name: str) -> str:
    """The generated part ``name`` of a document (between its markers)."""
    begin, end = _markers(name)
    found = re.search(re.escape(begin) + r"\n(.*?)\n?" + re.escape(end), text, re.S)
    if found is None:
        raise ValueError(f"the document has no generated part {name!r} ({begin} ... {end})")
    return found.group(1)


def replace_generated(text: str, name: str, body: str) -> str:
    """``text`` with the generated part ``name`` replaced by ``body``."""
    generated(text, name)  # refuse a document without the markers
    begin, end = _markers(name)
    pattern = re.escape(begin) + r"\n.*?" + re.escape(end)
    return re.sub(pattern, lambda _m: f"{begin}\n{body}\n{end}", text, count=1, flags=re.S)


def mermaid_block() -> str:
    """The stage diagram as a fenced Mermaid block."""
    from simkit.viz.diagram import mermaid_stages

    return "```mermaid\n" + mermaid_stages() + "```"


def update(
    path: str | Path = DOC, outputs: bool = True, replications: int = 5, jobs: int | None = None
) -> Path:
    """Regenerate the generated parts of the document at ``path`` (in place, atomically)."""
    from simkit.io.files import atomic_write_text

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    text = replace_generated(text, "parameters", parameter_table(read_parameter_rows(text)))
    text = replace_generated(text, "stages", mermaid_block())
    text = replace_generated(text, "ranges", ranges_table())
    if outputs:
        text = replace_generated(text, "outputs", outputs_table(replications, jobs))
        text = replace_generated(text, "segments", segment_table(replications, jobs))
    atomic_write_text(path, text)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m simkit.viz.model_doc [PATH] [--no-outputs]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    outputs = "--no-outputs" not in args
    paths = [a for a in args if not a.startswith("--")]
    path = update(paths[0] if paths else DOC, outputs=outputs)
    print(f"updated {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
