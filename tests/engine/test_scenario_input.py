"""Scenario input from people: safe TOML/YAML reading, strict numbers, short messages.

The table of every bad value of every field is in ``tests/test_bad_input.py``; this module
tests the pieces: the safe loader's budgets, the strictness rules, the wording, and random
input (hypothesis) that must only ever give a scenario or a ScenarioError.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.engine.safe_load import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_YAML_ALIASES,
    FileFormatError,
    excerpt,
    parse_toml,
    parse_yaml,
    read_mapping,
)
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario


def laughs(levels: int) -> str:
    """The "billion laughs" YAML: each anchor a list of nine aliases of the previous one."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"name: *a{levels - 1}")
    return "\n".join(lines) + "\n"


# -- the safe loader ------------------------------------------------------------------------
@pytest.mark.parametrize("levels", [5, 6, 9, 12])
def test_alias_bombs_are_refused_at_once(levels):
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match="aliases expand to more than"):
        parse_yaml(laughs(levels))
    assert time.perf_counter() - start < 0.5


def test_a_few_aliases_are_fine():
    data = parse_yaml("base: &b {managers: 3}\nteam:\n  <<: *b\n  hours_per_week: 30\n")
    assert data["team"] == {"managers": 3, "hours_per_week": 30}


def test_merge_keys_may_be_overridden_but_plain_keys_not_repeated():
    assert parse_yaml("b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n")["c"] == {"x": 2}
    with pytest.raises(FileFormatError, match=r"line 3: duplicate key 'x' \(first on line 2\)"):
        parse_yaml("c:\n  x: 1\n  x: 2\n")


def test_recursive_and_chained_aliases_are_refused():
    with pytest.raises(FileFormatError, match="contains it"):
        parse_yaml("a: &a [1, *a]\n")
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 60))
    with pytest.raises(FileFormatError, match="nest more than"):
        parse_yaml(chain)
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(FileFormatError, match="aliases"):
        parse_yaml(many)


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 5000 + "]" * 5000,
        "x: " + "{a: " * 5000 + "1" + "}" * 5000,
        "".join(" " * i + "- \n" for i in range(200)),
    ],
)
def test_deep_yaml_is_refused_without_recursion_error(text):
    with pytest.raises(FileFormatError, match="nested more than"):
        parse_yaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * 5000 + "1" + "}" * 5000,
        "[" + ".".join(["a"] * 5000) + "]\nx = 1\n",
        ".".join(["a"] * 5000) + " = 1\n",
    ],
)
def test_deep_toml_is_refused_without_recursion_error(text):
    with pytest.raises(FileFormatError, match="nested more than"):
        parse_toml(text)


def test_nesting_up_to_the_limit_is_fine():
    assert parse_toml("x = " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))["x"]


def test_huge_numbers_and_files(tmp_path):
    with pytest.raises(FileFormatError, match="more than 4,300 digits"):
        parse_toml("seed = " + "9" * 5000)
    with pytest.raises(FileFormatError, match="more than 4,300 digits"):
        parse_yaml("seed: " + "9" * 5000)
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(FileFormatError, match="too big"):
        read_mapping(big)


def test_unsafe_yaml_tags_are_refused():
    with pytest.raises(FileFormatError, match="not valid YAML"):
        parse_yaml("team: !!python/object/apply:os.system ['echo hi']\n")


def test_excerpt_is_short_and_cheap_for_anything():
    huge = list(range(1_000_000))
    start = time.perf_counter()
    assert excerpt(huge) == "[0, 1, 2, 3, ...]"
    assert len(excerpt("y" * 10**6)) == 60 and excerpt("y" * 10**6).endswith("...")
    assert excerpt(np.float64("inf")) == "inf"
    nested: list = []
    for _ in range(10_000):
        nested = [nested]
    assert len(excerpt(nested)) <= 60
    assert time.perf_counter() - start < 0.5


# -- strict numbers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "words"),
    [
        (True, "not true/false"),
        ("4", "not text"),
        (float("nan"), "finite number"),
        (2.5, "valid integer"),
        (None, "valid integer"),
    ],
)
def test_managers_must_be_a_whole_number(value, words):
    with pytest.raises(ScenarioError, match=f"team.managers: .*{words}"):
        default_scenario().update({"team.managers": value})


def test_numpy_numbers_and_whole_floats_are_numbers():
    s = default_scenario().update(
        {"team.managers": np.int64(7), "horizon_years": np.float64(2), "seed": 3.0}
    )
    assert (s.team.managers, s.horizon_years, s.seed) == (7, 2.0, 3)
    with pytest.raises(ScenarioError, match="not true/false"):
        default_scenario().update({"team.managers": np.bool_(True)})


def test_yaml_booleans_and_quoted_numbers_are_refused(tmp_path):
    for text, words in [
        ("team:\n  managers: true\n", "not true/false"),
        ("team:\n  managers: yes\n", "not true/false"),
        ('team:\n  managers: "4"\n', "not text"),
        ("horizon_years: 2027-01-01\n", "valid number"),
        ("pipeline:\n  segment_mix:\n    key: .nan\n", "finite number"),
        ("pipeline:\n  segment_mix:\n    key: on\n", "not true/false"),
    ]:
        path = tmp_path / "s.yaml"
        path.write_text(text)
        with pytest.raises(ScenarioError, match=words):
            Scenario.from_file(path)


@pytest.mark.parametrize("weight", ["nan", "inf", "-inf"])
def test_a_segment_mix_of_nan_or_inf_is_refused(tmp_path, weight):
    path = tmp_path / "mix.toml"
    path.write_text(f"[pipeline.segment_mix]\nkey = {weight}\n")
    with pytest.raises(ScenarioError, match="pipeline.segment_mix.key: must be a finite number"):
        Scenario.from_file(path)


def test_a_segment_mix_that_overflows_is_refused():
    with pytest.raises(ScenarioError, match="add up to a finite number"):
        default_scenario().update({"pipeline.segment_mix": {"key": 1e308, "small": 1e308}})


def test_misspelled_fields_get_a_suggestion():
    with pytest.raises(ScenarioError, match=r"team.managerz: unknown field \(did you mean"):
        default_scenario().update({"team.managerz": 3})
    with pytest.raises(ScenarioError, match=r"zzz: unknown field \(allowed: name, "):
        default_scenario().update({"zzz": 3})


def test_many_problems_are_counted_not_all_spelled_out():
    changes = {f"behaviour.{f}": -1.0 for f in list(default_scenario().behaviour.model_dump())[:12]}
    with pytest.raises(ScenarioError) as info:
        default_scenario().update(changes)
    assert "and 7 more problems" in str(info.value)
    assert len(str(info.value)) < 600


def test_bad_update_keys():
    with pytest.raises(ScenarioError, match="not a dotted scenario field"):
        default_scenario().update({"team..managers": 3})
    with pytest.raises(ScenarioError, match="not a dotted scenario field"):
        default_scenario().update({3: 3})
    with pytest.raises(ScenarioError, match="not a section"):
        default_scenario().update({"team.managers.x": 3})
    with pytest.raises(ScenarioError, match="changes must map"):
        default_scenario().update([("team.managers", 3)])  # type: ignore[arg-type]


def _numeric_leaves(model: type, prefix: str = "") -> list[tuple[str, object]]:
    from simkit.engine.scenario import _model_in, _number_type

    out = []
    for name, field in model.model_fields.items():
        inner = _model_in(field.annotation)
        if inner is not None:
            out += _numeric_leaves(inner, f"{prefix}{name}.")
        elif _number_type(field.annotation) is not None:
            out.append((prefix + name, field))
    return out


def test_every_number_of_the_scenario_has_both_bounds():
    """A number with no upper bound lets a file make a figure infinite; none may lack one."""
    unbounded = []
    for path, field in _numeric_leaves(Scenario):
        kinds = {type(m).__name__ for m in field.metadata}
        if not kinds & {"Ge", "Gt"} or not kinds & {"Le", "Lt"}:
            unbounded.append(path)
    assert not unbounded


# -- random input (hypothesis) ------------------------------------------------------------
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
FIELDS = [p for p, _ in _numeric_leaves(Scenario)] + ["name", "start", "theory.renewal"]


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(FIELDS), value=SCALARS)
def test_any_value_of_any_field_gives_a_valid_scenario_or_one_clear_error(field, value):
    try:
        s = default_scenario().update({field: value})
    except ScenarioError as exc:
        text = str(exc)
        assert field.split(".")[0] in text and "\n" not in text and len(text) < 300
        return
    assert not isinstance(value, bool) or field in ("name",)
    for v in _numbers(s.to_dict()):
        assert math.isfinite(v)


def _numbers(data: object) -> list[float]:
    if isinstance(data, dict):
        return [v for item in data.values() for v in _numbers(item)]
    return [data] if isinstance(data, int | float) and not isinstance(data, bool) else []


JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(["team", "pipeline", "x", "name"]), JSONISH))
def test_random_mappings_give_a_scenario_error_only(data):
    base = default_scenario().to_dict()
    base.update(data)
    try:
        Scenario.from_dict(base)
    except ScenarioError as exc:
        assert len(str(exc)) < 1000


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab:-[]{}&*!|>'\"\n #,.0123456789tn", max_size=120))
def test_random_yaml_text_gives_a_file_format_error_only(text):
    try:
        data = parse_yaml(text)
    except FileFormatError as exc:
        assert len(str(exc)) < 300 and "\n" not in str(exc)
        return
    yaml.safe_dump(data)  # whatever parsed is plain data
