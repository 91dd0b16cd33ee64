"""Workshop settings: defaults that follow the scenario, one-line errors, files, overrides."""

from __future__ import annotations

import pytest

from simkit.engine.scenario import default_scenario
from simkit.io.portfolio import EXAMPLE_AS_OF, example_path
from simkit.workshop.settings import Settings, SettingsError, load_settings


def test_defaults_follow_the_scenario():
    s = Settings()
    sc = default_scenario()
    assert s.rounds == 4 and s.mode == "full"
    assert s.start_managers == sc.team.managers and s.max_managers == 2 * sc.team.managers
    assert s.hire_cost == s.severance == 0.25 * sc.economics.manager_salary
    assert s.seed == sc.seed


def test_the_game_scenario_has_no_warm_up_and_one_quarter_a_round():
    s = Settings(rounds=3, start_managers=5, max_managers=9, seed=7)
    sc = s.game_scenario()
    assert sc.horizon_years == 0.75 and sc.warmup_years == 0.0 and sc.start == "book"
    assert sc.team.managers == 5 and sc.seed == 7


def test_settings_round_trip_through_json():
    s = Settings(rounds=2, mode="simple", hire_cost=1000.0)
    assert Settings.model_validate_json(s.model_dump_json()) == s


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rounds": 0}, "rounds: must be >= 1"),
        ({"rounds": 13}, "rounds: must be <= 12"),
        ({"mode": "hard"}, "mode: must be one of 'simple' or 'full'"),
        ({"max_managers": 3, "start_managers": 4}, "max_managers must be at least"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"hire_cost": float("nan")}, "hire_cost"),
        ({"book_csv": "   "}, "book_csv: the account list is empty"),
        ({"book_csv": "a,b\n1,2\n"}, "book_csv"),
    ],
)
def test_bad_settings_get_one_line_naming_the_field(fields, message):
    with pytest.raises(SettingsError) as caught:
        s = Settings(**fields)
        s.game_scenario()  # an account list is read when the game needs it
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_game_needs_a_pooled_team():
    sc = default_scenario().update({"team.structure": "territories"})
    with pytest.raises(SettingsError, match="pooled"):
        Settings(scenario=sc)


def test_overrides_are_checked_and_follow_the_salary():
    s = Settings()
    t = s.with_overrides({"rounds": 6, "scenario.economics.manager_salary": 100_000})
    assert t.rounds == 6 and t.hire_cost == 25_000 and t.scenario.economics.manager_salary == 1e5
    assert s.rounds == 4  # frozen: the original is unchanged
    kept = s.with_overrides({"hire_cost": 5.0, "scenario.economics.manager_salary": 100_000})
    assert kept.hire_cost == 5.0
    with pytest.raises(SettingsError, match="scenario.team.managers: must be >= 1"):
        s.with_overrides({"scenario.team.managers": 0})
    with pytest.raises(SettingsError, match="nonsense: unknown field"):
        s.with_overrides({"nonsense": 1})


def test_load_settings_from_toml_with_a_scenario_and_a_book(tmp_path):
    (tmp_path / "book.csv").write_text(example_path().read_text())
    path = tmp_path / "game.toml"
    path.write_text(
        'rounds = 2\nmode = "simple"\nbook = "book.csv"\n'
        f'book_as_of = "{EXAMPLE_AS_OF}"\n'
        "[scenario.team]\nhours_per_week = 35.0\n"
    )
    s = load_settings(path)
    assert s.rounds == 2 and s.mode == "simple" and s.scenario.team.hours_per_week == 35.0
    assert len(s.book()) == 120
    assert s.game_scenario().portfolio.total_accounts == 120  # sized to the imported book


def test_load_settings_from_yaml(tmp_path):
    path = tmp_path / "game.yaml"
    path.write_text("rounds: 3\nstart_managers: 3\nmax_managers: 5\n")
    s = load_settings(path)
    assert (s.rounds, s.start_managers, s.max_managers) == (3, 3, 5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rounds = 20\n", "rounds: must be <= 12"),
        ("[scenario.team]\nmanagers = -1\n", "scenario.team.managers"),
        ('book = "missing.csv"\n', "book:"),
        ("rounds = \n", "game.toml"),
    ],
)
def test_bad_settings_files_name_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "game.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_a_book_without_a_date_gets_todays_so_replays_agree():
    s = Settings(book_csv=example_path().read_text())
    assert s.book_as_of is not None
    again = Settings.model_validate_json(s.model_dump_json())
    assert again.book_as_of == s.book_as_of
