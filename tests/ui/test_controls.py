"""Tests for simkit.ui.controls: the what-if's inputs, set and read from Python."""

from __future__ import annotations

import pytest

from simkit.engine.scenario import SEGMENTS, ScenarioError
from simkit.engine.strategies import ProactiveCheckIns, Reactive
from simkit.experiments.presets import named
from simkit.ui.controls import WhatIfControls
from tests.helpers import small_scenario

SMALL = small_scenario()  # ~60 accounts, one year, two managers


def test_controls_start_from_the_scenario_and_build_a_changed_one():
    c = WhatIfControls(SMALL, replications=3)
    v = c.values()
    assert v["managers"] == SMALL.team.managers
    assert v["replications"] == 3
    assert v["counts"] == {s: SMALL.portfolio.segment(s).count for s in SEGMENTS}
    assert v["strategies"] == ["reactive", "proactive_check_ins"]
    c.set(managers=5, cost_per_hour=120.0, horizon_years=2.0, small=50, counts={"key": 1})
    s = c.scenario()
    assert (s.team.managers, s.team.cost_per_hour, s.horizon_years) == (5, 120.0, 2.0)
    assert (s.portfolio.small.count, s.portfolio.key.count) == (50, 1)
    assert s.behaviour == SMALL.behaviour  # everything else is untouched


def test_controls_accept_aliases_and_own_strategies():
    mine = named(Reactive(), "my_way")
    c = WhatIfControls(SMALL, strategies=[mine])
    c.set(strategies=["cs", "my_way", "kam"])
    assert [s.name for s in c.selected()] == ["key_account_focus", "customer_success", "my_way"]
    assert c.selected()[-1] is mine


def test_controls_name_unknown_inputs_and_bad_values():
    c = WhatIfControls(SMALL)
    with pytest.raises(ValueError, match="unknown input.*'team'"):
        c.set(team=3)
    with pytest.raises(ValueError, match="counts\\['giant'\\]"):
        c.set(counts={"giant": 3})
    with pytest.raises(ValueError, match="managers must be a number from 1 to"):
        c.set(managers=0)
    with pytest.raises(ValueError, match="unknown strategy 'magic'"):
        c.set(strategies=["magic"])


def test_controls_refuse_a_strategy_name_that_is_taken():
    with pytest.raises(ValueError, match="already taken"):
        WhatIfControls(SMALL, strategies=[ProactiveCheckIns(pitch_health=None)])
    with pytest.raises(TypeError, match="Strategy objects"):
        WhatIfControls(SMALL, strategies=["reactive"])


def test_controls_explain_an_empty_selection_and_an_empty_book():
    c = WhatIfControls(SMALL)
    c.set(strategies=[])
    with pytest.raises(ValueError, match="pick at least one strategy"):
        c.selected()
    c.set(counts={s: 0 for s in SEGMENTS})
    with pytest.raises(ScenarioError, match="at least one account"):
        c.scenario()


def test_controls_do_not_share_layouts():
    c = WhatIfControls(SMALL)
    c.managers.layout.display = "none"
    assert c.horizon.layout.display is None and c.segments["key"].layout.display is None
