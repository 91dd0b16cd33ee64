"""Stages, legal transitions and lazily drifted health."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simkit.engine.accounts import (
    LEGAL_TRANSITIONS,
    STAGES,
    Stage,
    clip_health,
    drifted_health,
    is_legal,
)


def test_four_stages_in_lifecycle_order():
    assert STAGES == ("prospect", "customer", "loyal", "former")
    assert [Stage(i).label for i in range(4)] == list(STAGES)


def test_only_the_documented_moves_exist():
    assert is_legal("prospect", "customer") and is_legal("former", "prospect")
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


@given(h=st.floats(0, 100), rest=st.floats(0, 100), t1=st.floats(0, 3650), t2=st.floats(0, 3650))
def test_drift_is_memoryless(h, rest, t1, t2):
    rate = math.log(2) / 180
    once = drifted_health(h, t1 + t2, rest, rate)
    twice = drifted_health(drifted_health(h, t1, rest, rate), t2, rest, rate)
    assert once == pytest.approx(twice, abs=1e-9)
    assert min(h, rest) - 1e-9 <= once <= max(h, rest) + 1e-9


def test_half_life():
    assert drifted_health(90.0, 180.0, 50.0, math.log(2) / 180) == pytest.approx(70.0)


def test_clip():
    assert clip_health(101) == 100 and clip_health(-1) == 0 and clip_health(42.5) == 42.5
