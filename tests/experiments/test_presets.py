"""Tests for simkit.experiments.presets: renamed copies and the classic mistakes."""

from __future__ import annotations

import pytest

from simkit.engine.strategies import KeyAccountFocus, ProactiveCheckIns, Reactive
from simkit.experiments.presets import classic_mistakes, named


def test_named_copies_without_touching_the_original():
    base = ProactiveCheckIns(pitch_health=None)
    copy = named(base, " farming ")
    assert copy.name == "farming" and base.name == "proactive_check_ins"
    assert copy.pitch_health is None and copy is not base
    copy.pitch_health = 50
    assert base.pitch_health is None  # a deep copy
    with pytest.raises(ValueError, match="non-empty"):
        named(base, " ")


def test_classic_mistakes_play_what_they_say():
    mistakes = list(classic_mistakes().values())
    names = [s.name for s in mistakes]
    assert len(set(names)) == len(names) == 5
    by_name = dict(zip(names, mistakes, strict=True))
    assert type(by_name["reactive"]) is Reactive
    assert type(by_name["key_account_focus"]) is KeyAccountFocus
    assert isinstance(by_name["farming"], ProactiveCheckIns)
    assert by_name["farming"].pitch_health is None  # checks in, never pitches
    assert type(by_name["selling_before_serving"]) is Reactive  # no check-ins...
    assert by_name["selling_before_serving"].pitch_health == 0  # ...yet pitches everything
    reference = by_name["serve_then_grow"]
    assert isinstance(reference, ProactiveCheckIns)
    assert reference.pitch_health is not None  # pitches, to healthy accounts
    assert reference.pitch_health == ProactiveCheckIns().pitch_health
