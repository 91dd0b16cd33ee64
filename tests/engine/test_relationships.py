"""Relationships beyond one contact and one contract (referrals, champions, projects).

Every feature is opt-in: with the defaults the engine draws no extra random number and a run
is identical to one of a scenario without the ``[relationships]`` section.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simkit.engine import rules
from simkit.engine.events import EVENT_CODE, EVENTS
from simkit.engine.model import simulate
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario
from simkit.engine.streams import ARRIVALS_KEY, PURPOSES

BASE = default_scenario().update({"horizon_years": 1.0, "warmup_years": 0.25})


def _without_section(s: Scenario) -> Scenario:
    data = s.to_dict()
    data.pop("relationships")
    return Scenario.from_dict(data)


def _count(res, event: str) -> int:
    return int((res.events["event"].astype(str) == event).sum())


def test_defaults_switch_every_feature_off():
    rel = default_scenario().relationships
    assert (rel.referral_rate, rel.champion_leaves_per_year, rel.project_share) == (0, 0, 0)
    assert rel.key_contacts == 1 and rel.referral_conversion_boost == 1.0
    assert _without_section(default_scenario()).relationships == rel


@pytest.mark.parametrize("strategy", ["reactive", "cs+proactive"])
def test_features_off_give_exactly_the_run_without_the_section(strategy):
    on_paper = BASE.update(
        {
            "relationships.key_contacts": 5,  # contacts only matter when champions leave
            "relationships.referral_conversion_boost": 2.0,  # only matters with referrals
            "relationships.champion_loss_health": 90.0,
            "relationships.project_to_ongoing_health": 10.0,
        }
    )
    a = simulate(on_paper, strategy)
    b = simulate(_without_section(BASE), strategy)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.snapshots, b.snapshots)
    for event in ("referral", "champion_left", "project_end", "project_ongoing"):
        assert _count(a, event) == 0


def test_new_purposes_and_events_are_appended_so_old_codes_and_tapes_stay():
    assert PURPOSES[:10] == (
        "portfolio", "arrivals", "pipeline", "issues", "renewals", "upsells",
        "competitors", "surveys", "winback", "theory",
    )  # fmt: skip
    assert ARRIVALS_KEY == 10
    assert EVENTS[-4:] == ("referral", "champion_left", "project_end", "project_ongoing")
    assert EVENT_CODE["touch_missed"] == 19


def test_referrals_bring_prospects_from_promoters_only():
    off = simulate(BASE, "proactive")
    on = simulate(BASE.update({"relationships.referral_rate": 0.5}), "proactive")
    referrals = on.events[on.events["event"].astype(str) == "referral"]
    assert len(referrals) > 0 and _count(off, "referral") == 0
    assert _count(on, "arrival") == _count(off, "arrival") + len(referrals)
    # every referral follows a promoter's answer of the same account at the same moment
    surveys = on.events[on.events["event"].astype(str) == "survey"]
    promoted = set(zip(surveys["time"], surveys["account"], strict=True))
    for t, acc in zip(referrals["time"], referrals["account"], strict=True):
        assert (t, acc) in promoted
        score = surveys[(surveys["time"] == t) & (surveys["account"] == acc)]["value"].iloc[0]
        assert score >= rules.PROMOTER_SCORE


def test_referrals_are_zero_without_promoters():
    no_promoters = BASE.update(
        {"relationships.referral_rate": 1.0, "behaviour.nps_at_50": 3.0,
         "behaviour.nps_per_10_health": 0.0, "behaviour.nps_noise_sd": 0.0}
    )  # fmt: skip
    assert _count(simulate(no_promoters, "proactive"), "referral") == 0


def test_referred_prospects_convert_better_with_a_boost():
    base = BASE.update({"relationships.referral_rate": 1.0, "horizon_years": 2.0})

    def referred_conversion(s: Scenario) -> float:
        ev = simulate(s, "proactive").events
        ev = ev.assign(event=ev["event"].astype(str))
        referred = set(ev.loc[ev["event"] == "referral", "value"].astype(int))
        fate = ev[ev["account"].isin(referred) & ev["event"].isin(["convert", "lost"])]
        fate = fate.drop_duplicates("account")
        return float((fate["event"] == "convert").mean())

    assert (
        referred_conversion(base.update({"relationships.referral_conversion_boost": 2.5}))
        > referred_conversion(base) + 0.2
    )


def _champion_run(contacts: int):
    s = BASE.update(
        {"relationships.champion_leaves_per_year": 2.0, "relationships.key_contacts": contacts}
    )
    return simulate(s, "reactive")


def test_more_contacts_soften_a_champion_loss():
    one, three = _champion_run(1), _champion_run(3)
    left1 = one.events[one.events["event"].astype(str) == "champion_left"]
    left3 = three.events[three.events["event"].astype(str) == "champion_left"]
    assert len(left1) > 0 and len(left3) > 0
    assert set(left1["segment"].astype(str)) == {"key"}  # only key accounts are mapped
    assert left1["value"].eq(20.0).all() and left3["value"].round(9).eq(round(20 / 3, 9)).all()

    # key accounts end healthier with three contacts than with one
    def key_health(res) -> float:
        acc = res.accounts
        return float(acc.loc[acc["segment"].astype(str) == "key", "health"].mean())

    assert key_health(three) > key_health(one)


def test_projects_end_without_renewal_unless_healthy():
    projects = BASE.update({"relationships.project_share": 1.0, "horizon_years": 2.0})
    ev = simulate(projects, "proactive").events
    ev = ev.assign(event=ev["event"].astype(str))
    ended = ev[ev["event"] == "project_end"]
    assert len(ended) > 0
    bar = projects.relationships.project_to_ongoing_health
    assert (ended["value"] < bar).all()  # health below the bar: the project ends
    for t, acc in zip(ended["time"], ended["account"], strict=True):
        same = ev[(ev["time"] == t) & (ev["account"] == acc)]["event"].tolist()
        assert "churn" in same and "renew" not in same  # counted as a client who left
    ongoing = ev[ev["event"] == "project_ongoing"]
    assert len(ongoing) > 0 and (ongoing["value"] >= bar).all()
    for acc in ongoing["account"]:  # an ongoing account renews as usual afterwards
        later = ev[(ev["account"] == acc) & (ev["event"] == "project_end")]
        assert later.empty
    # a low bar turns every project into an ongoing account: no project ends at all
    easy = simulate(projects.update({"relationships.project_to_ongoing_health": 0.0}), "reactive")
    assert _count(easy, "project_end") == 0 and _count(easy, "project_ongoing") > 0


def test_project_share_lowers_retention():
    def churned(share: float) -> int:
        s = BASE.update({"relationships.project_share": share, "horizon_years": 2.0})
        return _count(simulate(s, "reactive"), "churn")

    assert churned(1.0) > churned(0.0)


@pytest.mark.parametrize(
    "field, value",
    [("referral_rate", 1.5), ("key_contacts", 0), ("referral_conversion_boost", 0.5),
     ("project_share", -0.1), ("champion_leaves_per_year", True)],
)  # fmt: skip
def test_bad_relationship_values_are_refused_by_name(field, value):
    with pytest.raises(ScenarioError, match=f"relationships.{field}"):
        BASE.update({f"relationships.{field}": value})


@pytest.mark.parametrize(
    "call, expected",
    [(lambda: rules.champion_loss(30.0, 3), 10.0),
     (lambda: rules.referred_conversion(0.5, 3.0), 1.0),
     (lambda: rules.refers(9, 0.29, 0.3), True),
     (lambda: rules.refers(8, 0.0, 1.0), False),
     (lambda: rules.project_continues(69.9, 70.0), False)],
)  # fmt: skip
def test_relationship_rules(call, expected):
    assert call() == expected
