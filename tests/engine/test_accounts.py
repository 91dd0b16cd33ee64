"""Stages, legal transitions and what an account shows a strategy."""

import pytest

from simkit.engine.accounts import (
    LEGAL_TRANSITIONS,
    LIFECYCLE_STAGES,
    OUTCOMES,
    STAGES,
    Stage,
    is_legal,
)
from simkit.engine.model import Model
from tests.helpers import small_scenario


def test_four_stages_in_lifecycle_order_and_lost_apart():
    assert LIFECYCLE_STAGES == ("prospect", "customer", "loyal", "former")
    assert STAGES == (*LIFECYCLE_STAGES, "lost") and OUTCOMES == ("lost",)
    assert Stage.PROSPECT.label == "prospect" and Stage.FORMER.label == "former"
    assert Stage.CUSTOMER < Stage.LOYAL


def test_only_the_documented_moves_exist():
    assert is_legal("prospect", "customer") and is_legal("former", "prospect")
    assert is_legal("prospect", "lost") and not is_legal("prospect", "former")
    assert not any(is_legal("lost", s) for s in STAGES)  # a lost deal is final
    assert is_legal("loyal", "customer") and is_legal("customer", "former")
    for skip in [
        ("prospect", "loyal"),
        ("former", "customer"),
        ("former", "loyal"),
        ("customer", "prospect"),
        ("loyal", "prospect"),
    ]:
        assert not is_legal(*skip)
    assert all(a != b for a, b in LEGAL_TRANSITIONS)


def test_an_account_shows_health_drifted_to_the_models_clock():
    m = Model(small_scenario(), "reactive")
    a = next(x for x in m.accounts if x.active)
    a.health_then, a.health_since = 80.0, 0.0
    rest, half_life = m.behaviour.health_floor, m.behaviour.health_half_life_days
    m.env.run(until=half_life)
    if a.health_since == 0.0:  # nothing touched it: pure drift, half-way to rest
        assert a.health == pytest.approx(rest + (80.0 - rest) / 2)
    assert a.tenure_days == pytest.approx(m.env.now - a.customer_since)


def test_prospects_hold_no_contract():
    m = Model(small_scenario(), "reactive")
    prospects = [a for a in m.accounts if a.stage == Stage.PROSPECT]
    assert prospects and all(not a.active and a.arr == 0 and a.tenure_days == 0 for a in prospects)
