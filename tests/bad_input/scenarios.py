"""Bad scenarios: every field of the schema given every kind of bad value, and bad files.

The field tables are built from the scenario's pydantic models, so they grow with the
schema: each number gets NaN, infinities, values past each bound, text, true/false,
nothing, a list and a table; each section a misspelled field and a number for a table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, get_args, get_origin

import tomli_w
import yaml

from simkit.engine.safe_load import MAX_FILE_BYTES
from simkit.engine.scenario import (
    Scenario,
    ScenarioError,
    _model_in,
    _number_type,
    default_scenario,
)
from tests.bad_input import case


# == the scenario schema ====================================================================
def leaves(model: type = Scenario, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every field of the scenario that holds a value (not a section), as a dotted path."""
    for name, field in model.model_fields.items():
        inner = _model_in(field.annotation)
        if inner is not None:
            yield from leaves(inner, f"{prefix}{name}.")
        else:
            yield prefix + name, field


def sections(model: type = Scenario, prefix: str = "") -> Iterator[tuple[str, type]]:
    """Every section of the scenario (``""`` for the top level) and its model."""
    yield prefix.rstrip("."), model
    for name, field in model.model_fields.items():
        inner = _model_in(field.annotation)
        if inner is not None:
            yield from sections(inner, f"{prefix}{name}.")


def bounds(field: Any) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """The field's lower and upper bound as ``("ge", 0)``-style pairs (None where absent)."""
    low = high = None
    for m in field.metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                low = (attr, getattr(m, attr))
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                high = (attr, getattr(m, attr))
    return low, high


def nested(path: str, value: object) -> dict:
    """``{"team": {"managers": value}}`` for ``"team.managers"``."""
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def update(path: str, value: object) -> Callable[[], object]:
    return lambda: default_scenario().update({path: value})


def from_file(name: str) -> Callable[[], object]:
    return lambda: Scenario.from_file(name)


SYMBOL = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _numeric_cases(path: str, field: Any, kind: type) -> None:
    """Every kind of bad number for one numeric field, through ``Scenario.update``."""
    k = f"scenario field ({'whole number' if kind is int else 'number'})"
    at = f"{path}: "
    for name, value in (("nan", float("nan")), ("inf", float("inf")), ("-inf", float("-inf"))):
        case(k, f"{path}={name}", at, "must be a finite number", run=update(path, value))
    for name, value in (("text", "4"), ("word", "lots"), ("empty text", "")):
        case(k, f"{path}={name}", at, "not text", run=update(path, value))
    for value in (True, False):
        case(k, f"{path}={value}", at, "not true/false", run=update(path, value))
    for name, value in (("none", None), ("list", [1]), ("table", {"a": 1})):
        case(k, f"{path}={name}", at, "input should be a valid", run=update(path, value))
    low, high = bounds(field)
    if low is not None:
        op, lo = low
        below = lo if op == "gt" else (lo - 1 if kind is int else lo - abs(lo) * 0.01 - 0.01)
        case(k, f"{path}=below", at, f"must be {SYMBOL[op]}", run=update(path, below))
        if kind is float:
            case(k, f"{path}=-1e308", at, f"must be {SYMBOL[op]}", run=update(path, -1e308))
    if high is not None:
        op, hi = high
        above = hi if op == "lt" else (hi + 1 if kind is int else hi + abs(hi) * 0.01 + 0.01)
        case(k, f"{path}=above", at, f"must be {SYMBOL[op]}", run=update(path, above))
        if kind is float:
            case(k, f"{path}=1e308", at, f"must be {SYMBOL[op]}", run=update(path, 1e308))
    if kind is int:
        case(k, f"{path}=2.5", at, "valid integer", run=update(path, 2.5))
        case(k, f"{path}=1e308", at, "too large for a whole number", run=update(path, 1e308))
        case(k, f"{path}=10**400", at, "must be", "digits", run=update(path, 10**400))
    # The same refusals from files: NaN in TOML, true and "4" in YAML.
    fk = "scenario field (in a file)"
    toml_nan = tomli_w.dumps(nested(path, float("nan")))
    case(fk, f"{path}=nan.toml", "s.toml: ", at, "finite", run=from_file("s.toml"),
         files=(("s.toml", toml_nan),), error=ScenarioError)  # fmt: skip
    for name, value, words in (("true", True, "not true/false"), ("'4'", "4", "not text")):
        text = yaml.safe_dump(nested(path, value))
        case(fk, f"{path}={name}.yaml", "s.yaml: ", at, words, run=from_file("s.yaml"),
             files=(("s.yaml", text),), error=ScenarioError)  # fmt: skip


def _field_cases() -> None:
    required = {p for p, f in leaves() if f.is_required()}
    for path, field in leaves():
        kind = _number_type(field.annotation)
        at = f"{path}: "
        if kind is not None:
            _numeric_cases(path, field, kind)
        elif field.annotation is str:
            k = "scenario field (text)"
            if any(getattr(m, "min_length", 0) for m in field.metadata):  # "" may mean "none"
                case(k, f"{path}=empty", at, "at least 1", run=update(path, ""))
            case(k, f"{path}=100k", at, "at most", "...", run=update(path, "n" * 100_000))
            case(k, f"{path}=5", at, "valid string", run=update(path, 5))
            case(k, f"{path}=none", at, "valid string", run=update(path, None))
        elif args := [a for a in get_args(field.annotation) if isinstance(a, str)]:
            k = "scenario field (choice)"
            case(k, f"{path}=bad", at, "must be one of", args[0], run=update(path, "yesterday"))
            case(k, f"{path}=100k", at, "must be one of", run=update(path, "y" * 100_000))
            case(k, f"{path}=3", at, "must be one of", run=update(path, 3))
            case(k, f"{path}=true", at, "must be one of", run=update(path, True))
        elif get_origin(field.annotation) is dict:
            k = "scenario field (table of numbers)"
            keys = get_args(get_args(field.annotation)[0])
            leaf = path.rsplit(".", 1)[-1]
            for key in keys:
                for name, value, words in (
                    ("nan", float("nan"), "finite"),
                    ("inf", float("inf"), "finite"),
                    ("-1", -1.0, ">= 0"),
                    ("text", "x", "not text"),
                    ("true", True, "not true/false"),
                ):
                    mix = {**{k2: 1.0 for k2 in keys}, key: value}
                    case(k, f"{path}.{key}={name}", leaf, words, run=update(path, mix))
            case(k, f"{path}.gold", path, "must be one of", run=update(path, {"gold": 1.0}))
            case(k, f"{path}=3", at, "table of fields", run=update(path, 3))
            zero = dict.fromkeys(keys, 0.0)
            case(k, f"{path}=all zero", "add up to more than 0", run=update(path, zero))
            huge = dict.fromkeys(keys, 1e308)
            case(k, f"{path}=overflow", "add up to a finite number", run=update(path, huge))
        if path in required:
            data = default_scenario().to_dict()
            *parents, leaf = path.split(".")
            node = data
            for part in parents:
                node = node[part]
            del node[leaf]
            case("scenario field (missing)", path, at, "required field is missing",
                 run=lambda data=data: Scenario.from_dict(data), error=ScenarioError)  # fmt: skip


def _section_cases() -> None:
    for path, model in sections():
        first = next(iter(model.model_fields))
        typo = (f"{path}." if path else "") + first + "x"
        case("scenario section", f"{path or 'top'}: misspelled", f"{typo}: unknown field",
             f"did you mean {first!r}", run=update(typo, 1))  # fmt: skip
        if path:
            case("scenario section", f"{path} = 3", f"{path}: must be a table of fields",
                 run=update(path, 3))  # fmt: skip
    case(
        "scenario section",
        "far-off name",
        "zzz: unknown field (allowed: name",
        run=update("zzz", 1),
    )
    case(
        "scenario section", "empty part", "is not a dotted scenario field", run=update("team..x", 1)
    )
    case("scenario section", "cross-field rule", "loyal_drop_health must be <= loyalty_health",
         run=update("behaviour.loyal_drop_health", 100.0))  # fmt: skip


_field_cases()
_section_cases()


# == scenario files (issue 17, items 1 and 3) ===============================================
def laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nname: *a{levels - 1}\n"


SCENARIO_FILES: list[tuple[str, str, str | bytes, tuple[str, ...]]] = [
    ("billion laughs, 9 levels", "s.yaml", laughs(9), ("aliases expand to more than",)),
    ("billion laughs, 6 levels", "s.yaml", laughs(6), ("aliases expand to more than",)),
    ("alias that contains itself", "s.yaml", "a: &a [1, *a]\n", ("contains it",)),
    ("alias chain 60 deep", "s.yaml",
     "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 60)),
     ("nest more than",)),
    ("300 aliases", "s.yaml", "a: &a 1\nb: [" + ", ".join(["*a"] * 300) + "]\n",
     ("more than 200 aliases",)),
    ("YAML list nested 5,000 deep", "s.yaml", "x: " + "[" * 5000 + "]" * 5000, ("nested",)),
    ("YAML table nested 5,000 deep", "s.yaml", "x: " + "{a: " * 5000 + "1" + "}" * 5000,
     ("nested",)),
    ("TOML array nested 5,000 deep", "s.toml", "x = " + "[" * 5000 + "]" * 5000, ("nested",)),
    ("TOML inline table 5,000 deep", "s.toml", "x = " + "{a = " * 5000 + "1" + "}" * 5000,
     ("nested",)),
    ("TOML table header 5,000 deep", "s.toml", "[" + ".".join(["a"] * 5000) + "]\nx = 1\n",
     ("nested",)),
    ("TOML dotted key 5,000 deep", "s.toml", ".".join(["a"] * 5000) + " = 1\n", ("nested",)),
    ("100k-character name", "s.yaml", "name: " + "a" * 100_000 + "\n",
     ("name: must be at most 200 characters", "...")),
    ("100k-character key", "s.toml", "k" * 100_000 + " = 1\n", ("unknown field",)),
    ("100k-item list", "s.toml", "name = [" + "1," * 100_000 + "]\n", ("name: input should",)),
    ("duplicate YAML key", "s.yaml", "team:\n  managers: 3\n  managers: 4\n",
     ("line 3: duplicate key 'managers' (first on line 2)",)),
    ("duplicate YAML section", "s.yaml", "team: {managers: 3}\nteam: {managers: 4}\n",
     ("duplicate key 'team'",)),
    ("duplicate YAML key, flow style", "s.yaml", "team: {managers: 3, managers: 4}\n",
     ("duplicate key 'managers'",)),
    ("duplicate TOML key", "s.toml", "[team]\nmanagers = 3\nmanagers = 4\n",
     ("not valid TOML", "line 3")),
    ("duplicate TOML table", "s.toml", "[team]\nmanagers = 3\n[team]\nmanagers = 4\n",
     ("not valid TOML",)),
    ("two YAML documents", "s.yaml", "team: {}\n---\nteam: {}\n", ("not valid YAML",)),
    ("YAML list at the top", "s.yaml", "- 1\n- 2\n", ("expected a table of fields",)),
    ("YAML scalar at the top", "s.yaml", "hello\n", ("expected a table of fields",)),
    ("empty YAML file", "s.yaml", "", ("expected a table of fields",)),
    ("YAML python tag", "s.yaml", "name: !!python/object/apply:os.system ['true']\n",
     ("not valid YAML",)),
    ("YAML unhashable key", "s.yaml", "? [a, b]\n: 1\n", ("not valid YAML",)),
    ("YAML tab indentation", "s.yaml", "team:\n\tmanagers: 3\n", ("not valid YAML",)),
    ("TOML syntax error", "s.toml", "[team\nmanagers = 3\n", ("not valid TOML",)),
    ("TOML 5,000-digit number", "s.toml", "seed = " + "9" * 5000 + "\n", ("4,300 digits",)),
    ("YAML 5,000-digit number", "s.yaml", "seed: " + "9" * 5000 + "\n", ("4,300 digits",)),
    ("YAML 1e999", "s.yaml", "horizon_years: 1.0e+999\n", ("horizon_years: must be a finite",)),
    ("TOML inf", "s.toml", "horizon_years = inf\n", ("horizon_years: must be a finite",)),
    ("JSON file", "s.json", '{"team": {"managers": 3}}', ("must end in .toml, .yaml or .yml",)),
    ("text file", "s.txt", "team.managers = 3", ("must end in .toml, .yaml or .yml",)),
    ("no suffix", "scenario", "[team]\n", ("must end in .toml, .yaml or .yml",)),
    ("binary data", "s.toml", b"\x00\x01\x02binary", ("binary data",)),
    ("Latin-1 text", "s.toml", 'name = "Zoë"\n'.encode("latin-1"), ("not UTF-8",)),
    ("UTF-16 text", "s.toml", 'name = "x"\n'.encode("utf-16"), ("cannot read the file",)),
    ("file over 1 MB", "s.toml", "#" * (MAX_FILE_BYTES + 1), ("too big",)),
    ("misspelled top-level field", "s.toml", "horizon_yeras = 2\n",
     ("horizon_yeras: unknown field (did you mean 'horizon_years'?)",)),
    ("misspelled section", "s.yaml", "teem:\n  managers: 3\n", ("did you mean 'team'",)),
    ("misspelled section field", "s.toml", "[team]\nmanagrs = 3\n",
     ("team.managrs: unknown field (did you mean 'managers'?)",)),
    ("section given as a number", "s.toml", "team = 3\n", ("team: must be a table of fields",)),
    ("theory: true", "s.yaml", "theory: true\n", ("theory: must be a table of fields",)),
    ("start: 3", "s.toml", "start = 3\n", ("start: must be one of",)),
    ("YAML date for a number", "s.yaml", "horizon_years: 2027-01-01\n",
     ("horizon_years: input should be a valid number",)),
    ("managers: true (issue 17)", "s.yaml", "team:\n  managers: true\n",
     ("team.managers: input should be a valid integer, not true/false",)),
    ('managers: "4" (issue 17)', "s.yaml", 'team:\n  managers: "4"\n',
     ("team.managers: input should be a valid integer, not text",)),
    ("managers: yes", "s.yaml", "team:\n  managers: yes\n", ("not true/false",)),
    ("managers = 4.5", "s.toml", "[team]\nmanagers = 4.5\n", ("team.managers", "integer")),
    ("segment mix key = nan (issue 17)", "s.toml", "[pipeline.segment_mix]\nkey = nan\n",
     ("pipeline.segment_mix.key: must be a finite number",)),
    ("segment mix key = inf", "s.toml", "[pipeline.segment_mix]\nkey = inf\n",
     ("pipeline.segment_mix.key: must be a finite number",)),
    ("segment mix all zero", "s.toml",
     "[pipeline.segment_mix]\nkey = 0\nenterprise = 0\nmid_market = 0\nsmall = 0\n",
     ("segment_mix weights must add up to more than 0",)),
    ("segment mix overflows", "s.toml", "[pipeline.segment_mix]\nkey = 1e308\nsmall = 1e308\n",
     ("add up to a finite number",)),
    ("segment mix unknown segment", "s.yaml", "pipeline:\n  segment_mix:\n    gold: 1\n",
     ("pipeline.segment_mix.gold: must be one of",)),
]  # fmt: skip

for name, file, content, fragments in SCENARIO_FILES:
    case("scenario file", name, f"{file}: ", *fragments, run=from_file(file),
         files=((file, content),), error=ScenarioError)  # fmt: skip
case("scenario file", "folder", "s.toml: is a folder", run=from_file("s.toml"),
     files=(("s.toml/x", ""),), error=ScenarioError)  # fmt: skip
case("scenario file", "missing file", "nope.toml: no such scenario file",
     run=from_file("nope.toml"), error=ScenarioError)  # fmt: skip
if hasattr(os, "geteuid") and os.geteuid() != 0:  # root reads any file
    case("scenario file", "unreadable file", "s.toml: cannot read the file",
         run=lambda: (os.chmod("s.toml", 0), Scenario.from_file("s.toml")),
         files=(("s.toml", "[team]\n"),), error=ScenarioError)  # fmt: skip
