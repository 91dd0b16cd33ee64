"""Decisions: parsing what a browser sends, the mapping to the engine, the hours a plan takes."""

from __future__ import annotations

import pytest

from simkit.engine.scenario import SEGMENTS
from simkit.workshop.book_state import starting_book_state
from simkit.workshop.decisions import (
    DecisionError,
    Decisions,
    default_decisions,
    parse_decisions,
    planned_hours,
    to_plan,
)
from simkit.workshop.settings import Settings


@pytest.fixture(scope="module")
def settings():
    return Settings()


def every(**cell):
    return {"segments": {s: dict(cell) for s in SEGMENTS}}


def test_nested_and_flat_forms_give_the_same_decisions(settings):
    nested = parse_decisions(
        {"managers": 5, "segments": {"key": {"check_ins": "qbr", "onboarding": True}},
         "issue_priority": ["small", "key", "enterprise", "mid_market"]},
        settings,
    )  # fmt: skip
    flat = parse_decisions(
        {"managers": "5", "key.check_ins": "QBR ", "key.onboarding": "on",
         "issue_priority": "small,key,enterprise,mid_market"},
        settings,
    )  # fmt: skip
    assert nested == flat
    assert flat.segment("key").check_ins == "qbr" and flat.segment("enterprise").check_ins == "none"
    assert Decisions.model_validate_json(flat.model_dump_json()) == flat


def test_fields_left_out_keep_the_previous_decisions(settings):
    first = parse_decisions({"mid_market.rescue": "low", "managers": 5}, settings)
    second = parse_decisions({"key.check_ins": "monthly"}, settings, first)
    assert second.managers == 5 and second.segment("mid_market").rescue == "low"
    assert second.segment("key").check_ins == "monthly"


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"key.check_ins": "weekly"}, "key.check_ins", "none, qbr, monthly"),
        ({"small.rescue": 3}, "small.rescue", "off, low, early"),
        ({"small.upsell": "sometimes"}, "small.upsell", "never, healthy, always"),
        ({"key.onboarding": "maybe"}, "key.onboarding", "on or off"),
        ({"key.colour": "red"}, "key.colour", "unknown decision"),
        ({"budget": 5}, "budget", "unknown field"),
        ({"segments": {"giant": {}}}, "segments.'giant'", "unknown segment"),
        ({"managers": "four"}, "managers", "whole number"),
        ({"managers": True}, "managers", "whole number"),
        ({"managers": 2.5}, "managers", "whole number"),
        ({"managers": 0}, "managers", "from 1 to 8"),
        ({"managers": 7}, "managers", "at most 2 a quarter: from 4 to 2..6"),
        ({"issue_priority": "key,key,small,enterprise"}, "issue_priority", "each of"),
        ({"issue_priority": 5}, "issue_priority", "in order"),
        ("managers=4", "decisions", "table of fields"),
    ],
)
def test_bad_values_get_one_line_naming_the_field(settings, raw, field, words):
    with pytest.raises(DecisionError) as caught:
        parse_decisions(raw, settings)
    message = str(caught.value)
    assert caught.value.field == field and message.startswith(field) and words in message
    assert "\n" not in message


def test_hiring_limits_count_from_the_previous_quarter(settings):
    six = parse_decisions({"managers": 6}, settings)
    assert parse_decisions({"managers": 8}, settings, six).managers == 8
    with pytest.raises(DecisionError, match="from 6 to 4..8"):
        parse_decisions({"managers": 3}, settings, six)


def test_more_proactive_work_than_the_team_has_hours_is_refused(settings):
    everyone_monthly = every(check_ins="monthly", onboarding=True, rescue="early")
    with pytest.raises(DecisionError) as caught:
        parse_decisions({**everyone_monthly, "managers": 2}, settings)
    assert caught.value.field == "managers" and "plan fewer touches" in str(caught.value)
    assert parse_decisions({**everyone_monthly, "managers": 6}, settings).managers == 6


def test_simple_mode_keeps_the_closed_decisions(settings):
    simple = settings.with_overrides({"mode": "simple"})
    ok = parse_decisions({"key.check_ins": "qbr", "key.rescue": "off"}, simple)  # unchanged
    assert ok.segment("key").check_ins == "qbr"
    for raw, field in [
        ({"key.rescue": "low"}, "key.rescue"),
        ({"small.upsell": "always"}, "small.upsell"),
        ({"issue_priority": "small,mid_market,enterprise,key"}, "issue_priority"),
    ]:
        with pytest.raises(DecisionError, match="not open in the simple mode") as caught:
            parse_decisions(raw, simple)
        assert caught.value.field == field


def test_the_mapping_to_the_engine(settings):
    d = parse_decisions(
        {"key.check_ins": "qbr", "small.check_ins": "monthly", "enterprise.onboarding": "on",
         "mid_market.rescue": "early", "key.rescue": "low", "small.upsell": "never",
         "key.upsell": "always", "issue_priority": "small,key,enterprise,mid_market"},
        settings,
    )  # fmt: skip
    plan = to_plan(d, settings.scenario)
    key, ent, mid, small = plan.segments
    assert (key.check_in.every_days, key.check_in.touch.hours) == (91.0, 2.0)
    assert (small.check_in.every_days, small.check_in.touch.hours) == (30.0, 1.0)
    assert [day for day, _ in ent.onboarding] == [30.0, 90.0] and not key.onboarding
    assert key.alert.threshold == 40 and mid.alert.threshold == 55 and ent.alert is None
    assert small.pitch_health is None and key.pitch_health == 0.0
    assert ent.pitch_health == settings.scenario.behaviour.serve_before_sell_health
    assert [p.issue_priority for p in plan.segments] == [-1, 0, 1, -2]  # small first
    assert all(p.issue_priority < 2 for p in plan.segments)  # issues before proactive work


def test_planned_hours_follow_the_plan_and_the_team(settings):
    state = starting_book_state(settings)
    none = planned_hours(default_decisions(settings), settings)
    assert none["proactive"] == 0 and none["by_activity"]["issues"] > 0
    assert none["capacity"] == pytest.approx(4 * 40 * 91.25 / 7, abs=0.1)
    qbr = planned_hours(Decisions(managers=4, segments={
        s: {"check_ins": "qbr"} for s in SEGMENTS}), state)  # fmt: skip
    monthly = planned_hours(Decisions(managers=4, segments={
        s: {"check_ins": "monthly"} for s in SEGMENTS}), state)  # fmt: skip
    clients = sum(seg.clients for seg in state.segments.values())
    assert qbr["by_activity"]["check_ins"] == pytest.approx(clients * 2 * 91.25 / 91, abs=0.5)
    assert monthly["by_activity"]["check_ins"] > qbr["by_activity"]["check_ins"]
    six = planned_hours(Decisions(managers=6), state)
    assert six["capacity"] == pytest.approx(1.5 * none["capacity"], abs=0.1)
    assert six["total_share"] < none["total_share"]
    pitched = planned_hours(Decisions(managers=4, segments={
        s: {"upsell": "always"} for s in SEGMENTS}), state)  # fmt: skip
    never = planned_hours(Decisions(managers=4, segments={
        s: {"upsell": "never"} for s in SEGMENTS}), state)  # fmt: skip
    assert never["by_activity"]["pitches"] == 0 < pitched["by_activity"]["pitches"]


def test_rescue_hours_count_the_accounts_below_the_threshold(settings):
    state = starting_book_state(settings)
    low = planned_hours(Decisions(managers=4, segments={
        s: {"rescue": "low"} for s in SEGMENTS}), state)  # fmt: skip
    early = planned_hours(Decisions(managers=4, segments={
        s: {"rescue": "early"} for s in SEGMENTS}), state)  # fmt: skip
    below_40 = sum(seg.below_40 for seg in state.segments.values())
    assert low["by_activity"]["rescue"] == pytest.approx(2 * below_40)
    assert early["by_activity"]["rescue"] > low["by_activity"]["rescue"]
