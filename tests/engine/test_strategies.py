"""Strategies: the interface, built-ins, combination, custom strategies, common random numbers."""

import pandas as pd
import pytest

from simkit.engine.model import simulate
from simkit.engine.strategies import (
    Cadence,
    Combined,
    CustomerSuccess,
    KeyAccountFocus,
    ProactiveCheckIns,
    Reactive,
    Strategy,
    Touch,
    get_strategy,
)
from tests.helpers import small_scenario


class KeyOnlyCalls(Strategy):
    """Touches key accounts only (used to check common random numbers)."""

    name = "key_only_calls"

    def check_in(self, account):
        return Cadence(30, Touch("call", 1.0)) if account.segment == "key" else None


def test_names_and_aliases():
    assert get_strategy("proactive").name == "proactive_check_ins"
    assert get_strategy("KAM").name == "key_account_focus"
    combo = get_strategy("cs + proactive")
    assert isinstance(combo, Combined) and len(combo.parts) == 2
    assert get_strategy(combo) is combo
    with pytest.raises(ValueError, match="choose from reactive"):
        get_strategy("nope")


def test_touch_and_cadence_validation():
    with pytest.raises(ValueError, match="hours must be > 0"):
        Touch("x", 0)
    with pytest.raises(ValueError, match="every_days must be >= 1"):
        Cadence(0.5, Touch("x", 1))
    with pytest.raises(TypeError, match="can only combine strategies"):
        Combined(Reactive(), "reactive")  # type: ignore[arg-type]


def test_combined_takes_the_most_of_each_part():
    combo = CustomerSuccess() + ProactiveCheckIns() + KeyAccountFocus()
    assert combo.name == "customer_success+proactive_check_ins+key_account_focus"
    res = simulate(small_scenario(), combo)
    kinds = set(res.events.loc[res.events["event"] == "touch", "detail"].astype(str))
    assert {"account_review", "qbr"} <= kinds  # KAM reviews key accounts, QBRs for others
    assert kinds & {"onboarding_30", "onboarding_90", "rescue", "check_in", "light_check_in"}


def test_each_built_in_spends_hours_its_own_way():
    sc = small_scenario(**{"team.managers": 4})
    touches = {}
    for name in ("reactive", "key_account_focus", "customer_success", "proactive_check_ins"):
        ev = simulate(sc, name).events
        touches[name] = set(ev.loc[ev["event"] == "touch", "detail"].astype(str))
    assert touches["reactive"] == set()
    assert touches["key_account_focus"] == {"account_review"}
    assert touches["customer_success"] <= {"onboarding_30", "onboarding_90", "rescue"}
    assert "rescue" in touches["customer_success"]
    assert {"qbr", "check_in", "light_check_in"} <= touches["proactive_check_ins"]


def test_key_account_focus_serves_key_accounts_first():
    """On a stretched team, key accounts' issues jump the queue; the long tail waits."""
    sc = small_scenario(
        **{
            "team.managers": 1,
            "portfolio.small.issues_per_year": 20,
            "portfolio.key.issues_per_year": 20,
        }
    )
    waits = {}
    for name in ("reactive", "key_account_focus"):
        ev = simulate(sc, name).events
        done = ev[ev["event"] == "issue_resolved"]
        wait = done["value"] - done["hours"] * sc.team.days_per_hour
        waits[name] = wait.groupby(done["segment"].astype(str)).mean()
    assert waits["key_account_focus"]["key"] < waits["key_account_focus"]["small"]
    assert waits["key_account_focus"]["key"] < waits["reactive"]["key"]


def test_a_learner_strategy_plugs_in_with_a_few_lines():
    res = simulate(small_scenario(), KeyOnlyCalls())
    calls = res.events[(res.events["event"] == "touch") & (res.events["detail"] == "call")]
    assert len(calls) > 0 and set(calls["segment"].astype(str)) == {"key"}
    assert res.strategy == "key_only_calls"


def test_pitch_rules_express_farming_and_selling_before_serving():
    sc = small_scenario(
        **{"portfolio.small.upsells_per_year": 6, "portfolio.mid_market.upsells_per_year": 6}
    )
    farming = simulate(sc, Reactive(pitch_health=None)).events["event"].astype(str)
    assert not farming.isin(["upsell", "upsell_fail"]).any()
    assert farming.eq("opportunity_missed").any()
    eager = simulate(sc, Reactive(pitch_health=0)).events
    assert not eager["event"].eq("opportunity_missed").any()


def test_common_random_numbers_untouched_accounts_see_the_same_world():
    """With plenty of managers (no queueing), touching key accounts only changes key accounts."""
    sc = small_scenario(**{"team.managers": 200})
    base = simulate(sc, "reactive").events
    other = simulate(sc, KeyOnlyCalls()).events
    cols = ["time", "account", "event", "stage_after", "arr", "value"]
    for frame in (base, other):
        assert frame["segment"].eq("key").any()
    untouched_a = base[base["segment"] != "key"][cols].reset_index(drop=True)
    untouched_b = other[other["segment"] != "key"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(untouched_a, untouched_b)
    # ... while the key accounts' stories did change
    assert (
        not base[base["segment"] == "key"][cols]
        .reset_index(drop=True)
        .equals(other[other["segment"] == "key"][cols].reset_index(drop=True))
    )


def test_prospect_arrivals_are_identical_across_strategies():
    sc = small_scenario()
    arrivals = [
        simulate(sc, s)
        .events.query("event == 'arrival'")[["time", "account", "segment"]]
        .reset_index(drop=True)
        for s in ("reactive", "customer_success")
    ]
    pd.testing.assert_frame_equal(*arrivals)
