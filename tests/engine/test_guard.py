"""Guarding runs against custom strategies: values checked when made, answers checked at the
boundary (naming the strategy and the method), built-ins untouched, common random numbers
kept, and a wall-clock limit that does not change results."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simkit.engine.guard as guard_module
from simkit.engine.guard import (
    SimulationTimeout,
    StrategyError,
    check_strategy,
    check_time_limit,
    guard,
    run_until,
)
from simkit.engine.model import Model, simulate
from simkit.engine.strategies import (
    Alert,
    Cadence,
    CustomerSuccess,
    KeyAccountFocus,
    ProactiveCheckIns,
    Reactive,
    Strategy,
    Touch,
    get_strategy,
)
from tests.helpers import small_scenario

NAN, INF = math.nan, math.inf
TOUCH = Touch("call", 1.0)


# ------------------------------------------------------------------ values checked when made
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: Touch("x", INF), "Touch.hours must be > 0 and at most 40"),
        (lambda: Touch("x", NAN), "Touch.hours must be > 0"),
        (lambda: Touch("x", 1e9), "got 1000000000.0"),
        (lambda: Touch("x", -1), "Touch.hours must be > 0"),
        (lambda: Touch("x", "2"), "got '2'"),
        (lambda: Touch("x", True), "got True"),
        (lambda: Touch("", 1), "Touch.kind must be a non-empty label"),
        (lambda: Touch(None, 1), "Touch.kind must be a non-empty label"),
        (lambda: Touch("a\nb", 1), "Touch.kind must be a non-empty label"),
        (lambda: Touch("x" * 101, 1), "at most 100 printable characters"),
        (lambda: Touch("x", 1, priority="high"), "Touch.priority must be a whole number"),
        (lambda: Touch("x", 1, priority=11), "from -10 to 10"),
        (lambda: Touch("x", 1, priority=1.5), "Touch.priority"),
        (lambda: Cadence(INF, TOUCH), "Cadence.every_days must be >= 1 and at most 1826.25"),
        (lambda: Cadence(NAN, TOUCH), "Cadence.every_days must be >= 1"),
        (lambda: Cadence(0.5, TOUCH), "Cadence.every_days must be >= 1"),
        (lambda: Cadence(30, "call"), "Cadence.touch must be a Touch"),
        (lambda: Alert(NAN, TOUCH), "Alert.threshold must be >= 0 and at most 100"),
        (lambda: Alert(120, TOUCH), "Alert.threshold"),
        (lambda: Alert(50, None), "Alert.touch must be a Touch"),
        (lambda: Alert(50, TOUCH, cooldown_days=INF), "Alert.cooldown_days"),
        (lambda: CustomerSuccess(review_days=(30, NAN)), "review_days must be >= 0"),
        (lambda: CustomerSuccess(threshold=NAN), "Alert.threshold"),
        (lambda: ProactiveCheckIns(qbr_hours=INF), "Touch.hours"),
        (lambda: KeyAccountFocus(review_days=NAN), "Cadence.every_days"),
        (lambda: Reactive(pitch_health=NAN), "pitch_health must be >= 0 and at most 100"),
        (lambda: Reactive(pitch_health="high"), "pitch_health"),
    ],
)
def test_bad_values_are_refused_when_made(make, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        make()


def test_good_values_are_normalised():
    t = Touch("qbr", np.float64(2), priority=np.int64(-3))
    assert (type(t.hours), t.hours, type(t.priority), t.priority) == (float, 2.0, int, -3)
    assert Cadence(30, t).every_days == 30.0 and Alert(0, t).threshold == 0.0
    assert Touch("x", 40).hours == 40.0  # the documented maximum itself is allowed


@given(hours=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()))
@settings(max_examples=200, deadline=None)
def test_a_touch_is_either_sane_or_a_value_error(hours):
    try:
        t = Touch("x", hours)
    except ValueError as exc:
        assert "Touch.hours" in str(exc)
        assert not (0 < hours <= 40)
    else:
        assert 0 < t.hours <= 40 and math.isfinite(t.hours)


# ------------------------------------------------------------------ answers checked
class Answering(Strategy):
    """A strategy whose one method answers what the test says."""

    name = "mine"

    def __init__(self, method: str, answer: object) -> None:
        super().__init__()
        self.method, self.answer = method, answer

    def check_in(self, account):
        return self.answer if self.method == "check_in" else None

    def onboarding(self, account):
        return self.answer if self.method == "onboarding" else ()

    def health_alert(self, account):
        return self.answer if self.method == "health_alert" else None

    def issue_priority(self, account):
        return self.answer if self.method == "issue_priority" else 1

    def pitch_upsell(self, account):
        return self.answer if self.method == "pitch_upsell" else False

    def setup(self, accounts):
        return self.answer if self.method == "setup" else None


BAD_ANSWERS = [
    ("issue_priority", "high", "whole number from -10 to 10"),
    ("issue_priority", None, "whole number from -10 to 10"),
    ("issue_priority", True, "whole number from -10 to 10"),
    ("issue_priority", 1.0, "whole number from -10 to 10"),
    ("issue_priority", 99, "whole number from -10 to 10"),
    ("check_in", 5, "a Cadence(every_days, Touch(...)) or None"),
    ("check_in", TOUCH, "a Cadence"),
    ("health_alert", 40, "an Alert(threshold, Touch(...)) or None"),
    ("pitch_upsell", None, "True or False"),
    ("pitch_upsell", "yes", "True or False"),
    ("pitch_upsell", 1, "True or False"),
    ("onboarding", None, "(days, Touch) pairs"),
    ("onboarding", [(NAN, TOUCH)], "the days of a review must be >= 0"),
    ("onboarding", [(-1, TOUCH)], "the days of a review must be >= 0"),
    ("onboarding", [(30, "call")], "each review must be a Touch"),
    ("onboarding", [30], "(days, Touch) pairs"),
    ("onboarding", [(d, TOUCH) for d in range(101)], "at most 100 reviews"),
    ("setup", 5, "None"),
]


@pytest.mark.parametrize(("method", "answer", "needle"), BAD_ANSWERS)
def test_a_bad_answer_is_one_error_naming_strategy_and_method(method, answer, needle):
    sc = small_scenario(horizon_years=0.5)
    with pytest.raises(StrategyError) as caught:
        simulate(sc, Answering(method, answer))
    message = str(caught.value)
    assert message.startswith(f"strategy 'mine': {method} returned")
    assert needle in message and "\n" not in message and len(message) < 300


def test_the_issue_example_reads_as_documented():
    with pytest.raises(StrategyError) as caught:
        guard(Answering("issue_priority", "high")).issue_priority(None)
    assert str(caught.value) == (
        "strategy 'mine': issue_priority returned 'high'; it must return a whole number from "
        "-10 to 10 (lower is served sooner)"
    )


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        ("issue_priority", np.int64(0)),
        ("pitch_upsell", np.bool_(True)),
        ("onboarding", ((np.float64(30), TOUCH), [0, TOUCH])),
        ("check_in", Cadence(45, TOUCH)),
        ("health_alert", Alert(40, TOUCH)),
    ],
)
def test_good_answers_of_other_types_are_accepted(method, answer):
    res = simulate(small_scenario(horizon_years=0.5), Answering(method, answer))
    assert len(res.events) > 0


def test_onboarding_may_be_a_generator():
    class Yielding(Strategy):
        name = "yielding"

        def onboarding(self, account):
            yield 10, TOUCH
            yield 40.0, TOUCH

    res = simulate(small_scenario(horizon_years=0.5), Yielding())
    assert (res.events["event"] == "touch").sum() > 0


def test_an_error_inside_the_strategy_names_it_and_keeps_the_cause():
    class Broken(Strategy):
        name = "broken"

        def check_in(self, account):
            return 1 / 0

    with pytest.raises(StrategyError, match=r"^strategy 'broken': check_in raised Zero") as c:
        simulate(small_scenario(horizon_years=0.5), Broken())
    assert isinstance(c.value.__cause__, ZeroDivisionError)


@given(answer=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()))
@settings(max_examples=150, deadline=None)
def test_any_priority_is_accepted_in_range_or_refused(answer):
    checked = guard(Answering("issue_priority", answer)).issue_priority
    if type(answer) is int and -10 <= answer <= 10:
        assert checked(None) == answer
    else:
        with pytest.raises(StrategyError, match="issue_priority returned"):
            checked(None)


@pytest.mark.parametrize("name", [None, "", "   ", 42, "two\nlines", "x" * 101])
def test_a_strategy_needs_a_short_one_line_name(name):
    class Named(Strategy):
        pass

    Named.name = name
    with pytest.raises(StrategyError, match="a strategy's name must be a non-empty label"):
        simulate(small_scenario(horizon_years=0.5), Named())
    with pytest.raises(StrategyError, match=r"\(class Named\)"):
        check_strategy(Reactive() + Named())  # every part of a combination is checked


def test_a_forgotten_super_init_is_explained():
    class NoInit(Strategy):
        name = "no_init"

        def __init__(self):
            pass

    with pytest.raises(StrategyError, match=r"call super\(\).__init__\(\)"):
        check_strategy(NoInit())


def test_passing_the_class_is_explained():
    with pytest.raises(TypeError, match=r"pass a strategy object, not the class: Reactive\(\)"):
        get_strategy(Reactive)


# ------------------------------------------------------------------ what is wrapped
def test_built_ins_are_trusted_and_a_custom_strategy_is_wrapped_on_a_copy_only():
    for s in (Reactive(), CustomerSuccess(), ProactiveCheckIns() + KeyAccountFocus()):
        parts = getattr(s, "parts", (s,))
        guard(s)
        assert all(not set(vars(p)) & set(guard_module.HOOKS) for p in parts)

    mine = Answering("issue_priority", 3)
    model = Model(small_scenario(), mine)
    assert "issue_priority" in vars(model.strategy)  # the model's copy is checked
    assert "issue_priority" not in vars(mine)  # the caller's object is left alone
    combo = Model(small_scenario(), Reactive() + mine).strategy
    assert "issue_priority" in vars(combo.parts[1]) and not vars(combo.parts[0]).keys() & {
        "issue_priority"
    }


def test_inherited_defaults_are_not_wrapped():
    class OnlyPriority(Strategy):
        name = "only_priority"

        def issue_priority(self, account):
            return 0

    wrapped = set(vars(guard(OnlyPriority()))) & set(guard_module.HOOKS)
    assert wrapped == {"issue_priority"}


class CopyOfCS(CustomerSuccess):
    name = "customer_success"  # same name, so the event logs compare equal


def test_the_guard_keeps_common_random_numbers():
    """A custom strategy that behaves like a built-in (so fully wrapped) gives the very
    same history as the built-in: checking answers draws no random numbers."""
    sc = small_scenario(horizon_years=1)
    for r in (0, 1):
        plain, wrapped = simulate(sc, "customer_success", r), simulate(sc, CopyOfCS(), r)
        assert plain.events.equals(wrapped.events)


# ------------------------------------------------------------------ the time limit
def test_a_time_limit_does_not_change_the_results():
    sc = small_scenario(horizon_years=1)
    one_go = Model(sc, "cs+proactive", 1).run()
    chunked = Model(sc, "cs+proactive", 1).run(time_limit=3600)
    assert one_go.events.equals(chunked.events)
    assert one_go.snapshots.equals(chunked.snapshots)


class Busy(Strategy):
    """Lots of legal but tiny work: every account, every day."""

    name = "busy"

    def check_in(self, account):
        return Cadence(1, Touch("ping", 0.01))


def test_a_run_past_its_time_limit_stops_naming_the_strategy():
    model = Model(small_scenario(**{"portfolio.small.count": 2000}, horizon_years=5), Busy())
    started = time.monotonic()
    with pytest.raises(SimulationTimeout, match=r"^strategy 'busy', replication 0: the run took"):
        model.run(time_limit=0.3)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("bad", [0, -1, NAN, INF, "10", True])
def test_time_limits_are_checked(bad):
    with pytest.raises(ValueError, match="time_limit must be > 0"):
        check_time_limit(bad)


def test_run_until_reaches_the_end_exactly():
    import simpy

    env = simpy.Environment()
    run_until(env, 100.5, 10.0, "test")
    assert env.now == 100.5


# ------------------------------------------------------------------ the cost of the guard
@pytest.mark.slow
def test_the_guard_costs_little():
    """Fully wrapped custom strategies (every method of three parts checked) against the same
    runs with the guard switched off: the best of several runs is at most ~15 % slower
    (measured: 0-4 %). Built-ins are not wrapped at all."""
    sc = small_scenario(**{"portfolio.small.count": 400}, horizon_years=2)

    class A(CustomerSuccess):
        name = "a"

    class B(ProactiveCheckIns):
        name = "b"

    def best(times: int) -> float:
        out = []
        for r in range(times):
            model = Model(sc, A() + B(), r % 2)
            t = time.perf_counter()
            model.run()
            out.append(time.perf_counter() - t)
        return min(out)

    real = guard_module.guard
    on = best(5)
    guard_module.guard = lambda s: s
    try:
        off = best(5)
    finally:
        guard_module.guard = real
    assert on < off * 1.15 + 0.01, (on, off)
