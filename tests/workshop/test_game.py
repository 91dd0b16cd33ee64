"""One team's game: quarter reports, replay after a restart, common random numbers,
references and the leaderboard."""

from __future__ import annotations

import json
import math
import time

import pytest

from simkit.analysis.registry import METRICS, label
from simkit.engine.scenario import SEGMENTS
from simkit.workshop.decisions import Decisions, default_decisions, parse_decisions
from simkit.workshop.game import (
    LEADERBOARD,
    REFERENCES,
    GameOver,
    TeamGame,
    leaderboard,
    reference_reports,
    replay,
)
from simkit.workshop.settings import Settings

QUARTER_YEARS = 0.25


@pytest.fixture(scope="module")
def settings():
    return Settings(rounds=3)


@pytest.fixture(scope="module")
def plans(settings):
    """Three quarters of changing decisions: hire, add check-ins, cut again."""
    first = parse_decisions({"key.check_ins": "qbr", "small.onboarding": "on"}, settings)
    second = parse_decisions(
        {"managers": 6, "key.check_ins": "monthly", "enterprise.check_ins": "qbr",
         "mid_market.rescue": "early", "small.upsell": "never"},
        settings, first,
    )  # fmt: skip
    third = parse_decisions({"managers": 5, "issue_priority": "small,mid_market,enterprise,key"},
                            settings, second)  # fmt: skip
    return [first, second, third]


@pytest.fixture(scope="module")
def live(settings, plans):
    game = TeamGame(settings)
    for d in plans:
        game.play(d)
    return game


def test_a_report_is_json_and_has_every_registry_figure(live):
    report = live.reports[0]
    json.dumps(report, allow_nan=False)
    assert set(report["figures"]) == set(METRICS) == set(report["cumulative"])
    assert report["round"] == 1 and report["days"] == [0.0, 91.25]
    for part in ("counts", "reasons", "health", "hours", "staffing", "segments", "pitches"):
        assert part in report
    assert set(report["segments"]) == set(SEGMENTS)
    assert 2 <= len(report["events"]) <= 3 and all(isinstance(e, str) for e in report["events"])


def test_replay_after_a_restart_gives_identical_reports(settings, plans, live):
    again = replay(settings, [d.model_dump() for d in plans])  # as stored: plain dicts
    assert again.reports == live.reports
    assert again.rounds_played == 3 and again.finished


def test_teams_with_the_same_decisions_get_the_same_report(settings, plans):
    a, b = TeamGame(settings), TeamGame(settings)
    assert a.play(plans[0]) == b.play(plans[0])
    assert a.play(plans[1]) == b.play(plans[1])


def test_different_decisions_give_different_reports(settings, plans, live):
    other = TeamGame(settings)
    other.play(plans[0])
    report = other.play(default_decisions(settings).model_copy(update={"managers": 4}))
    mine = live.reports[1]
    assert report["figures"]["operating_profit"] != mine["figures"]["operating_profit"]
    assert report["hours"]["check_ins"] < mine["hours"]["check_ins"]
    # common random numbers: the first quarter, played the same way, is the same
    assert other.reports[0] == live.reports[0]


def test_team_cost_and_capacity_follow_the_team_of_the_quarter(settings, live):
    salary = settings.scenario.economics.manager_salary
    hours_per_quarter = settings.scenario.team.hours_per_week * 91.25 / 7
    for report, managers in zip(live.reports, (4, 6, 5), strict=True):
        f = report["figures"]
        assert report["managers"] == managers
        assert f["team_cost"] == pytest.approx(managers * salary)
        assert report["hours"]["capacity"] == pytest.approx(managers * hours_per_quarter)
        used = sum(report["hours"][k] for k in ("issues", "check_ins", "onboarding", "rescue",
                                                "pitches"))  # fmt: skip
        assert f["utilisation"] == pytest.approx(100 * used / report["hours"]["capacity"])


def test_operating_profit_subtracts_the_team_and_the_hiring(settings, live):
    hired = live.reports[1]
    assert (
        hired["staffing"]["hired"] == 2
        and hired["staffing"]["hiring_cost"] == 2 * settings.hire_cost
    )
    cut = live.reports[2]
    assert (
        cut["staffing"]["let_go"] == 1 and cut["staffing"]["severance_cost"] == settings.severance
    )
    for report in live.reports:
        f, s = report["figures"], report["staffing"]
        one_off = (s["hiring_cost"] + s["severance_cost"]) / QUARTER_YEARS
        assert f["operating_profit"] == pytest.approx(
            f["gross_profit"] - f["team_cost"] - f["acquisition_spend"] - one_off
        )
        money = report["quarter_money"]
        assert money["operating_profit"] == pytest.approx(f["operating_profit"] * QUARTER_YEARS)
        assert money["team_cost"] == pytest.approx(report["managers"] * 0.25 * 120_000)


def test_cumulative_figures_add_the_quarters_up(settings, live):
    last = live.reports[-1]["cumulative"]
    quarters = [r["figures"] for r in live.reports]
    for name in ("revenue", "gross_profit", "team_cost", "acquisition_spend", "operating_profit"):
        assert last[name] == pytest.approx(sum(q[name] for q in quarters) / 3)
    assert live.reports[0]["cumulative"]["revenue"] == pytest.approx(quarters[0]["revenue"])
    # retention compounds: three quarters kept R1, R2, R3 of the clients (roughly their product)
    assert 0 < last["logo_retention"] <= 100


def test_counts_reasons_and_events_agree(live):
    for report in live.reports:
        c = report["counts"]
        lost = sum(seg["lost"] for seg in report["segments"].values())
        assert c["churned"] + c["defected"] == lost
        by_how = {r["reason"]: r["accounts"] for r in report["reasons"]}
        assert by_how.get("churned at renewal", 0) == c["churned"]
        assert by_how.get("defected to a competitor mid-term", 0) == c["defected"]
        assert c["clients_end"] == sum(seg["clients"] for seg in report["segments"].values())
        assert 0 <= report["health"]["below_40"] <= 100
        assert any("ARR" in e for e in report["events"])


def test_the_game_ends_after_its_rounds(live, plans):
    with pytest.raises(GameOver, match="3 rounds"):
        live.play(plans[-1])


def test_book_state_follows_the_team(settings, live):
    start = TeamGame(settings).book_state()
    now = live.book_state()
    assert (
        sum(s.clients for s in now.segments.values()) == live.reports[-1]["counts"]["clients_end"]
    )
    assert now != start


def test_references_play_the_same_book_and_luck(settings):
    refs = reference_reports(settings, 2)
    assert list(refs) == list(REFERENCES) and all(len(r) == 2 for r in refs.values())
    alone = TeamGame(settings, reference="customer_success")
    assert [alone.play(), alone.play()] == refs["customer_success"]
    assert reference_reports(settings, 1)["reactive"] == refs["reactive"][:1]
    assert refs["reactive"][1]["figures"] != refs["proactive_check_ins"][1]["figures"]
    assert refs["proactive_check_ins"][0]["hours"]["check_ins"] > 0
    with pytest.raises(ValueError, match="rounds_done"):
        reference_reports(settings, 4)


def test_leaderboard_ranks_teams_and_references_by_operating_profit(settings, live, plans):
    other = TeamGame(settings)
    for _ in range(3):
        other.play(Decisions(managers=4))
    refs = reference_reports(settings, 3)
    table = leaderboard({"Blue": live.reports, "Red": other.reports[-1]}, refs)
    assert list(table.columns) == ["rank", "team", "kind", "round", *map(label, LEADERBOARD)]
    assert len(table) == 2 + len(REFERENCES) and list(table["rank"]) == list(range(1, 7))
    profit = table[label("operating_profit")]
    assert list(profit) == sorted(profit, reverse=True)
    blue = table[table["team"] == "Blue"].iloc[0]
    assert blue[label("nrr")] == pytest.approx(live.reports[-1]["cumulative"]["nrr"])
    assert set(table["kind"]) == {"team", "reference"}
    assert leaderboard({}, refs).empty  # no team has played: no reference rows either


def test_one_quarter_and_its_report_is_quick():
    settings = Settings()
    game = TeamGame(settings)
    decisions = parse_decisions({"key.check_ins": "monthly", "small.onboarding": "on"}, settings)
    started = time.perf_counter()
    game.play(decisions)
    took = time.perf_counter() - started
    assert took < 2.0, f"one quarter and its report took {took:.2f} s"


@pytest.mark.slow
def test_thirty_teams_close_a_round_well_within_ten_seconds():
    settings = Settings()
    games = [TeamGame(settings) for _ in range(30)]
    decisions = [
        parse_decisions(
            {"managers": 4 + i % 3, "key.check_ins": ("none", "qbr", "monthly")[i % 3]}, settings
        )  # fmt: skip
        for i in range(30)
    ]
    started = time.perf_counter()
    for game, d in zip(games, decisions, strict=True):
        game.play(d)
    reference_reports(settings, 1)
    took = time.perf_counter() - started
    assert took < 10.0 and not math.isnan(took)
