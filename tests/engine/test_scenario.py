"""Scenarios: defaults, validation errors naming the field, files in and out."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from simkit.engine.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from simkit.io.files import save_scenario


def test_default_is_a_mid_size_b2b_book():
    s = default_scenario()
    assert s.portfolio.total_accounts == 500
    assert s.team.managers >= 1 and s.horizon_years == 3.0
    assert s.theory is None and s.start == "book"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("team.managers", 0, "team.managers: must be >= 1"),
        ("team.hours_per_week", 0, "team.hours_per_week: must be > 0"),
        ("team.cost_per_hour", -5, "team.cost_per_hour: must be >= 0"),
        ("portfolio.small.count", -1, "portfolio.small.count: must be >= 0"),
        ("portfolio.key.arr_median", 0, "portfolio.key.arr_median: must be > 0"),
        ("portfolio.key.term_months", 0, "portfolio.key.term_months: must be >= 1"),
        ("pipeline.conversion", 1.5, "pipeline.conversion: must be <= 1"),
        ("pipeline.prospects_per_month", -1, "pipeline.prospects_per_month: must be >= 0"),
        ("behaviour.renewal_at_50", 1.0, "behaviour.renewal_at_50: must be < 1"),
        ("behaviour.health_floor", 120, "behaviour.health_floor: must be <= 100"),
        ("behaviour.survey_response_rate", -0.1, "behaviour.survey_response_rate: must be >= 0"),
        ("horizon_years", 0, "horizon_years: must be > 0"),
        ("warmup_years", -1, "warmup_years: must be >= 0"),
        ("seed", -3, "seed: must be >= 0"),
        ("start", "yesterday", "start: must be one of 'book' or 'cohort'"),
        ("team.managers", "six", "team.managers: input should be a valid integer"),
        ("team.manager", 3, "team.manager: unknown field"),
    ],
)
def test_each_invalid_value_names_the_field_and_the_range(field, value, needle):
    with pytest.raises(ScenarioError) as info:
        default_scenario().update({field: value})
    assert needle in str(info.value)
    assert f"(got {value!r})" in str(info.value) or "unknown field" in str(info.value)


def test_cross_field_rule():
    with pytest.raises(ScenarioError, match="loyal_drop_health must be <= loyalty_health"):
        default_scenario().update({"behaviour.loyal_drop_health": 99})


def test_several_problems_are_reported_in_one_error():
    with pytest.raises(ScenarioError) as info:
        default_scenario().update({"team.managers": 0, "horizon_years": -1})
    assert "team.managers" in str(info.value) and "horizon_years" in str(info.value)


def test_scenarios_are_immutable():
    s = default_scenario()
    with pytest.raises(ValidationError, match="frozen"):
        s.team.managers = 9  # type: ignore[misc]


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".yml"])
def test_round_trip_through_files(tmp_path, suffix):
    s = default_scenario().update({"team.managers": 9, "theory": {"renewal": "beta", "alpha": 2}})
    path = save_scenario(s, tmp_path / f"s{suffix}")
    assert Scenario.from_file(path) == s
    assert list(tmp_path.iterdir()) == [path]  # no temp files left behind
    assert path.stat().st_mode & 0o044  # readable by others, like any file (not mkstemp's 0600)


def test_a_file_only_needs_the_fields_it_changes(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("horizon_years = 2\n[team]\nmanagers = 11\n")
    s = load_scenario(path)
    assert (s.team.managers, s.horizon_years) == (11, 2.0)
    assert s.portfolio == default_scenario().portfolio


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("bad.toml", "[team\n", "not valid TOML"),
        ("bad.yaml", "team: [1, 2\n", "not valid YAML"),
        ("list.yaml", "- 1\n- 2\n", "expected a table"),
        ("bad.json", "{}", "must end in .toml, .yaml or .yml"),
        ("range.toml", "[team]\nmanagers = 0\n", "team.managers: must be >= 1"),
        ("typo.toml", "[teem]\nmanagers = 3\n", "teem: unknown field"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert needle in str(info.value) and name in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        Scenario.from_file(tmp_path / "nope.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScenarioError, match="cannot read the file"):
        Scenario.from_file(binary)


def test_writing_refuses_unknown_suffix(tmp_path):
    with pytest.raises(ScenarioError, match="must end in"):
        save_scenario(default_scenario(), tmp_path / "s.txt")
    assert not list(Path(tmp_path).iterdir())
