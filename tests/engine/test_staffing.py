"""A model steered between quarters: team size, re-planning, continuing where it stopped."""

from __future__ import annotations

import numpy as np
import pytest

from simkit.engine.guard import guard
from simkit.engine.plan import Plan, PlanStrategy, SegmentPlan
from simkit.engine.results import Results
from simkit.engine.scenario import SEGMENTS, default_scenario
from simkit.engine.staffing import VACANCY, GameModel
from simkit.engine.strategies import Alert, Cadence, Touch

QUARTER = 91.25
QBR = Cadence(91.0, Touch("qbr", 2.0))
MONTHLY = Cadence(30.0, Touch("check_in", 1.0))
RESCUE = Alert(55.0, Touch("rescue", 2.0, priority=1))


@pytest.fixture(scope="module")
def scenario():
    return default_scenario().update({"horizon_years": 1.0, "warmup_years": 0.0})


def plan(**by_segment: SegmentPlan) -> Plan:
    return Plan(tuple(by_segment.get(s, SegmentPlan()) for s in SEGMENTS))


def events(model: GameModel):
    return Results.from_record(model.record()).events


def touches(ev, kind: str, after: float = 0.0, segment: str | None = None):
    rows = ev[(ev["event"] == "touch") & (ev["detail"] == kind) & (ev["time"] > after)]
    return rows if segment is None else rows[rows["segment"] == segment]


# -- the plan strategy ----------------------------------------------------------------------
def test_plan_strategy_answers_from_the_current_plan(scenario):
    model = GameModel(scenario, PlanStrategy(plan(key=SegmentPlan(check_in=QBR))))
    key = next(a for a in model.accounts if a.segment == "key")
    small = next(a for a in model.accounts if a.segment == "small")
    assert model.strategy.check_in(key) == QBR and model.strategy.check_in(small) is None
    model.strategy.set_plan(plan(small=SegmentPlan(check_in=MONTHLY, issue_priority=-2)))
    assert model.strategy.check_in(key) is None and model.strategy.check_in(small) == MONTHLY
    assert model.strategy.issue_priority(small) == -2


def test_plan_strategy_is_trusted_and_its_values_are_checked():
    strategy = guard(PlanStrategy(plan()))
    assert "check_in" not in vars(strategy)  # not wrapped: a plan is checked when made
    with pytest.raises(ValueError, match="issue_priority"):
        SegmentPlan(issue_priority=99)
    with pytest.raises(ValueError, match="one SegmentPlan per segment"):
        Plan((SegmentPlan(),))


def test_pitch_rule_follows_the_plan(scenario):
    model = GameModel(scenario, PlanStrategy(plan(key=SegmentPlan(pitch_health=None))))
    key = next(a for a in model.accounts if a.segment == "key")
    assert not model.strategy.pitch_upsell(key)
    model.strategy.set_plan(plan(key=SegmentPlan(pitch_health=0.0)))
    assert model.strategy.pitch_upsell(key)


# -- the team size ----------------------------------------------------------------------------
def test_team_has_chairs_for_the_largest_team_and_vacancies_hold_the_rest(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=7)
    assert model.team.capacity == 7 and model.managers == 4
    assert len(model.vacancies) == 3 and all(v.triggered for v in model.vacancies)
    assert model.team.count == 3  # vacancies only: no work yet
    assert model.set_managers(6) == (2, 0)
    assert model.team.count == 1 and model.load.managers == 6
    assert model.set_managers(2) == (0, 4)
    assert model.team.count == 5 and model.load.managers == 2
    with pytest.raises(ValueError, match="from 1 to 7"):
        model.set_managers(8)


def test_a_manager_let_go_finishes_the_work_in_hand(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=4)
    env = model.env
    env.run(until=10.0)
    busy = model.team.count  # whatever is in hand at day 10
    for _ in range(model.team.capacity - busy):  # fill every chair with two days of work
        model.start(model.work(16.0, priority=0))
    env.run(until=env.now + 0.01)
    assert model.team.count == model.team.capacity
    model.set_managers(1)
    waiting = [v for v in model.vacancies if not v.triggered]
    assert len(waiting) == 3  # nobody is thrown out mid-task
    assert model.team.queue[0] is waiting[0] and waiting[0].priority == VACANCY
    env.run(until=env.now + 5.0)  # the work in hand ends; the vacancies take the chairs
    assert all(v.triggered for v in model.vacancies)
    assert model.set_managers(3) == (2, 0)


def test_fewer_managers_make_issues_wait_longer(scenario):
    waits = {}
    for managers in (2, 6):
        model = GameModel(scenario, PlanStrategy(plan()), most_managers=6)
        model.set_managers(managers)
        model.env.run(until=QUARTER)
        ev = events(model)
        waits[managers] = ev.loc[ev["event"] == "issue_resolved", "value"].mean()
    assert waits[2] > 2 * waits[6]


def test_hiring_mid_run_shortens_the_queue(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=8)
    model.set_managers(1)
    model.env.run(until=QUARTER)
    assert len(model.team.queue) > 20  # one manager cannot keep up
    model.set_managers(8)
    model.env.run(until=QUARTER + 30)
    assert len(model.team.queue) < 5


# -- re-planning ---------------------------------------------------------------------------
def test_accounts_that_now_qualify_start_check_ins(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=6)
    model.env.run(until=QUARTER)
    assert not model.check_in_runs
    model.replan(plan(key=SegmentPlan(check_in=MONTHLY)))
    active_key = [a for a in model.accounts if a.active and a.segment == "key"]
    assert {k[0] for k in model.check_in_runs} == {a.id for a in active_key}
    model.env.run(until=QUARTER + 35)
    made = touches(events(model), "check_in", after=QUARTER)
    assert set(made["segment"].astype(str)) == {"key"}
    assert made["account"].nunique() >= len(active_key) - 2  # a few may have just left


def test_a_shorter_cadence_rebooks_sleeping_check_ins_at_once(scenario):
    model = GameModel(scenario, PlanStrategy(plan(key=SegmentPlan(check_in=QBR))), most_managers=6)
    model.env.run(until=QUARTER + 10)
    model.replan(plan(key=SegmentPlan(check_in=MONTHLY)))
    model.env.run(until=QUARTER + 10 + 31)
    ev = events(model)
    monthly = touches(ev, "check_in", after=QUARTER + 10)
    active_key = [a for a in model.accounts if a.active and a.segment == "key"]
    # under the QBR booking most would wait up to 91 days; re-booked, each is called within
    # the month
    assert monthly["account"].nunique() >= len(active_key) - 2


def test_check_ins_stop_when_the_plan_drops_them(scenario):
    model = GameModel(
        scenario, PlanStrategy(plan(small=SegmentPlan(check_in=MONTHLY))), most_managers=6
    )
    model.env.run(until=QUARTER)
    assert touches(events(model), "check_in").shape[0] > 100
    model.replan(plan())
    model.env.run(until=2 * QUARTER)
    late = touches(events(model), "check_in", after=QUARTER + 3)  # work in hand may finish
    assert late.empty
    assert not model.check_in_runs


def test_sleeping_health_watchers_rebook_to_a_new_threshold(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=6)
    model.env.run(until=QUARTER)
    assert touches(events(model), "rescue").empty
    model.replan(plan(**{s: SegmentPlan(alert=RESCUE) for s in SEGMENTS}))
    model.env.run(until=QUARTER + 20)
    rescues = touches(events(model), "rescue", after=QUARTER)
    assert len(rescues) > 20
    model.replan(plan())  # and off again: watchers go back to sleep, no more calls
    model.env.run(until=2 * QUARTER)
    # calls already asked for are made within their window (half the 30-day cool-down)
    assert touches(events(model), "rescue", after=QUARTER + 20 + 16).empty


def test_stepping_quarter_by_quarter_equals_one_run(scenario):
    """The model continues from where it stopped: four steps give the events of one run."""
    strategy = PlanStrategy(
        plan(key=SegmentPlan(check_in=QBR, alert=RESCUE), small=SegmentPlan(check_in=MONTHLY))
    )
    stepped = GameModel(scenario, strategy, most_managers=6)
    for q in range(1, 5):
        stepped.env.run(until=q * QUARTER)
    whole = GameModel(scenario, strategy, most_managers=6)
    whole.env.run(until=4 * QUARTER)
    a, b = events(stepped), events(whole)
    assert len(a) > 1000
    assert a.equals(b)


def test_replanning_to_the_same_plan_changes_nothing(scenario):
    p = plan(key=SegmentPlan(check_in=QBR, alert=RESCUE), mid_market=SegmentPlan(check_in=MONTHLY))
    steered = GameModel(scenario, PlanStrategy(p), most_managers=6)
    steered.env.run(until=QUARTER)
    steered.replan(p)
    steered.set_managers(4)
    steered.env.run(until=2 * QUARTER)
    plain = GameModel(scenario, PlanStrategy(p), most_managers=6)
    plain.env.run(until=2 * QUARTER)
    assert events(steered).equals(events(plain))


def test_only_a_plan_strategy_can_be_replanned(scenario):
    model = GameModel(scenario, "reactive")
    with pytest.raises(TypeError, match="PlanStrategy"):
        model.replan(plan())


def test_a_game_model_needs_room_for_the_starting_team(scenario):
    with pytest.raises(ValueError, match="most_managers"):
        GameModel(scenario, "reactive", most_managers=2)


def test_load_is_measured_against_the_current_team(scenario):
    model = GameModel(scenario, PlanStrategy(plan()), most_managers=8)
    model.env.run(until=QUARTER)
    before = model.load.share()
    model.set_managers(8)
    assert np.isclose(model.load.share(), before * 4 / 8)
