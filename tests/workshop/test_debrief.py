"""The debrief: each classic mistake fires on its own case, with its evidence, and not on a
good plan."""

from __future__ import annotations

import json

import pytest

from simkit.engine.scenario import SEGMENTS
from simkit.workshop import debrief as db
from simkit.workshop.decisions import Decisions
from simkit.workshop.game import TeamGame, reference_reports
from simkit.workshop.settings import Settings

SALARY = 120_000.0


def decide(managers: int = 4, **cells: dict) -> Decisions:
    """Decisions with the same cell everywhere unless a segment is named."""
    every = cells.pop("every", {})
    segments = {s: {**every, **cells.get(s, {})} for s in SEGMENTS}
    return Decisions(managers=managers, segments=segments)


GOOD = decide(
    4,
    every={"onboarding": True, "rescue": "low", "upsell": "healthy"},
    key={"check_ins": "qbr"},
)


def report(round_: int = 1, managers: int = 4, **over) -> dict:
    """A quarter report of a calm, healthy quarter; ``over`` replaces parts of it."""
    base = {
        "round": round_,
        "managers": managers,
        "figures": {"utilisation": 72.0, "missed_touch_share": 1.0, "team_cost": managers * SALARY,
                    "operating_profit": 1e7, "nrr": 100.0, "logo_retention": 90.0, "nps": 10.0},
        "cumulative": {"operating_profit": 1e7, "nrr": 100.0, "logo_retention": 90.0, "nps": 10.0},
        "reasons": [{"reason": "churned at renewal", "accounts": 2, "arr": 30_000.0}],
        "pitches": {"made": 10, "won": 5, "failed": 5, "failed_unhealthy": 0},
        "segments": {s: {"lost": 0, "arr_lost": 0.0} for s in SEGMENTS},
        "health": {"by_segment": {s: 60.0 for s in SEGMENTS}},
        "sustainable_load": 85.0,
        "events": ["A quiet quarter."],
    }  # fmt: skip
    base.update(over)
    return base


FIRST_YEAR = [
    {"reason": "in its first year as a customer", "accounts": 5, "arr": 60_000.0},
    {"reason": "won during the game, gone within its first year", "accounts": 3, "arr": 45_000.0},
]
BOOK_FIRST_YEAR = FIRST_YEAR[:1]  # only customers won before the game: no decision reached them
LOW_HEALTH = [{"reason": "health below 40 when it left", "accounts": 2, "arr": 80_000.0}]

CASES = [
    (db.over_booked, [GOOD], [report(figures={**report()["figures"], "utilisation": 96.0})],
     "utilisation 96 % (sustainable 85 %)"),
    (db.over_booked, [GOOD], [report(figures={**report()["figures"], "missed_touch_share": 9.0})],
     "9 % of planned touches missed"),
    (db.no_onboarding, [decide(4, every={"rescue": "low"}, key={"check_ins": "qbr"})],
     [report(reasons=FIRST_YEAR)],
     "3 customer(s) won during the game left within their first year (ARR 45k)"),
    (db.no_rescue, [decide(4, every={"onboarding": True}, key={"check_ins": "qbr"})],
     [report(reasons=LOW_HEALTH)], "2 client(s) left with health below 40 (ARR 80k)"),
    (db.pitching_unhealthy, [decide(4, every={"onboarding": True, "rescue": "low",
                                              "upsell": "always"}, key={"check_ins": "qbr"})],
     [report(pitches={"made": 10, "won": 3, "failed": 7, "failed_unhealthy": 4})],
     "4 pitch(es) failed at unhealthy accounts"),
    (db.neglected_key_accounts, [decide(4, every={"onboarding": True})],
     [report(segments={**report()["segments"], "key": {"lost": 1, "arr_lost": 310_000.0}})],
     "1 key account(s) left (ARR 310k)"),
    (db.neglected_key_accounts, [decide(4, every={"onboarding": True})],
     [report(health={"by_segment": {**report()["health"]["by_segment"], "key": 41.0}})],
     "their mean health was 41"),
    (db.overstaffing, [decide(8, every={"onboarding": True, "rescue": "low"},
                              key={"check_ins": "qbr"})],
     [report(managers=8, figures={**report()["figures"], "utilisation": 40.0,
                                  "team_cost": 8 * SALARY})],
     "8 managers were 40 % busy; 4 fewer would have done the same work (about 120k"),
    (db.cut_into_overload, [GOOD, GOOD.model_copy(update={"managers": 3})],
     [report(1), report(2, managers=3, figures={**report()["figures"], "utilisation": 93.0,
                                                "team_cost": 3 * SALARY})],
     "Round 2: cut from 4 to 3 managers; utilisation 93 %"),
]  # fmt: skip


@pytest.mark.parametrize(("check", "decisions", "reports", "evidence"), CASES)
def test_each_mistake_fires_with_its_evidence(check, decisions, reports, evidence):
    found = check(decisions, reports)
    assert found is not None and found.code == check.__name__
    assert evidence in found.evidence, found.evidence
    assert found.rounds == (reports[-1]["round"],)
    assert found.advice and found.title
    assert found in db.mistakes(decisions, reports)


@pytest.mark.parametrize("check", db.CHECKS)
def test_no_mistake_fires_on_a_good_plan(check):
    assert check([GOOD, GOOD], [report(1), report(2)]) is None


def test_the_same_numbers_without_the_decision_are_no_mistake():
    """The evidence alone is not a mistake: losing a first-year customer despite onboarding
    is luck, not neglect."""
    assert db.no_onboarding([GOOD], [report(reasons=FIRST_YEAR)]) is None
    assert db.no_rescue([GOOD], [report(reasons=LOW_HEALTH)]) is None
    unhealthy = {"made": 10, "won": 3, "failed": 7, "failed_unhealthy": 4}
    assert db.pitching_unhealthy([GOOD], [report(pitches=unhealthy)]) is None
    busy = report(2, figures={**report()["figures"], "utilisation": 93.0})
    assert db.cut_into_overload([GOOD, GOOD], [report(1), busy]) is None  # not cut: over-booked


def test_debrief_of_a_played_game_is_json_with_what_ifs():
    settings = Settings(rounds=2)
    game = TeamGame(settings)
    plans = [decide(4), decide(3)]
    for d in plans:
        game.play(d)
    refs = reference_reports(settings, 2)
    out = db.debrief(game.decisions, game.reports, refs)
    json.dumps(out, allow_nan=False)
    assert [r["round"] for r in out["rounds"]] == [1, 2]
    assert out["rounds"][1]["decisions"].startswith("3 managers; no check-ins")
    assert out["outcome"]["operating_profit"] == game.reports[-1]["cumulative"]["operating_profit"]
    assert set(out["what_if"]) == {"proactive_check_ins", "customer_success"}
    cs = out["what_if"]["customer_success"]
    mine = out["outcome"]["nrr"]
    assert cs["difference"]["nrr"] == pytest.approx(cs["figures"]["nrr"] - mine)
    assert cs["sentence"].startswith("Customer success on your book and luck")
    codes = {m["code"] for m in out["mistakes"]}
    assert "neglected_key_accounts" in codes or "no_rescue" in codes  # nothing proactive at all


def test_first_year_losses_from_before_the_game_are_not_an_onboarding_mistake():
    """Customers won before round 1 left in their first year: onboarding was off, but no
    decision of the team could have onboarded them, so it is not the team's mistake."""
    off = decide(4, every={"rescue": "low"}, key={"check_ins": "qbr"})
    assert db.no_onboarding([off], [report(reasons=BOOK_FIRST_YEAR)]) is None
    assert db.no_onboarding([off], [report(reasons=FIRST_YEAR)]) is not None
