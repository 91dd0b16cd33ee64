"""The strategy's work: regular check-ins, onboarding reviews and rescue calls.

:class:`StrategyWork` is one part of :class:`simkit.engine.model.Model` (a mixin: it uses
the model's ``env``, ``team``, ``ledger`` and ``strategy``). Every piece of proactive work
is a process that asks the team for a manager and holds one for the work's hours::

    with self.team.request(priority=touch.priority) as chair:
        yield chair
        yield self.env.timeout(touch.hours * self.days_per_hour)

Check-ins and onboarding reviews do their touches in their own process (``yield from
self.touch(...)``), so an over-booked cadence slips instead of piling up work; a health
watcher sleeps until the account's health would reach the strategy's alert threshold and is
woken early (:meth:`simpy.Process.interrupt`) when an event brings that moment closer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from simkit.engine import rules
from simkit.engine.accounts import Account, Stage
from simkit.engine.customer import GOLDEN, Process
from simkit.engine.strategies import Alert, Touch

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.ledger import Ledger
    from simkit.engine.scenario import Behaviour, Theory
    from simkit.engine.strategies import Strategy

CUSTOMER, LOYAL = Stage.CUSTOMER, Stage.LOYAL


class StrategyWork:
    """The strategy's proactive work for an account (part of the model)."""

    env: simpy.Environment
    team: simpy.PriorityResource
    ledger: Ledger
    strategy: Strategy
    behaviour: Behaviour
    theory: Theory | None
    days_per_hour: float
    rest: float
    rate: float

    def start_check_ins(self, a: Account) -> None:
        """Start the strategy's regular touches for ``a`` if it qualifies and has none yet."""
        if a.checking_in == a.life or self.theory is not None or not self.current(a, a.life):
            return
        cadence = self.strategy.check_in(a)
        if cadence is not None:
            a.checking_in = a.life
            self.start(self.check_ins(a, a.life, cadence.every_days))

    def check_ins(self, a: Account, life: int, every_days: float) -> Process:
        """The strategy's regular touch, at its cadence, while the account qualifies.

        The manager who makes the touch comes from the shared team, so when the team is busy
        the touch waits, and the next one is not booked before this one is done: an
        over-booked cadence slips rather than piling up.
        """
        yield self.env.timeout(max(((a.id * GOLDEN + 0.5) % 1.0) * every_days, 1.0))
        while True:
            cadence = self.strategy.check_in(a) if self.current(a, life) else None
            if cadence is None:
                if a.checking_in == life:
                    a.checking_in = 0  # free to start again if the account qualifies later
                return
            due = self.env.now + cadence.every_days
            window = self.team_spec.touch_window_share * cadence.every_days
            yield from self.touch(a, cadence.touch, window)
            if due > self.env.now:
                yield self.env.timeout(due - self.env.now)

    def onboarding(self, a: Account, life: int) -> Process:
        """The strategy's reviews after a contract is won (e.g. day 30 and day 90)."""
        start, previous = self.env.now, 0.0
        for day, touch in sorted(self.strategy.onboarding(a), key=lambda dt: dt[0]):
            if start + day > self.env.now:
                yield self.env.timeout(start + day - self.env.now)
            if not self.current(a, life):
                return
            window = self.team_spec.touch_window_share * max(day - previous, 1.0)
            yield from self.touch(a, touch, window)
            previous = day

    def touch(self, a: Account, touch: Touch, window: float = math.inf) -> Process:
        """Proactive work: wait for a manager (at most ``window`` days, else the touch is
        missed), spend the hours; the account's health rises by the touch's gain, less when
        the team is overloaded."""
        done = yield from self.work(touch.hours, touch.priority, window)
        if done is None:
            self.ledger.note("touch_missed", a, a.stage, a.stage, value=window, detail=touch.kind)
            return
        if a.stage == CUSTOMER or a.stage == LOYAL:
            a.last_touch = self.env.now
            h = self.health_of(a)
            gain = rules.touch_gain(h, touch.hours, self.behaviour.touch_health_gain)
            self.set_health(a, h + gain * done[1])
        self.ledger.note("touch", a, a.stage, a.stage, hours=touch.hours, detail=touch.kind)

    def watch_health(self, a: Account, life: int) -> Process:
        """The strategy's health alert: step in (a rescue call) when health falls to the
        threshold, at most once per cool-down.

        The watcher sleeps until drift alone would take health to the threshold; when an
        event moves health so that the threshold comes sooner, :meth:`set_health` wakes it
        early with :meth:`simpy.Process.interrupt`.
        """
        while self.current(a, life):
            alert = self.strategy.health_alert(a)
            now = self.env.now
            at = math.inf if alert is None else self.alert_time(a, alert)
            if at > now:
                a.alert_at = at
                try:  # an alert that never comes due still wakes on an interrupt
                    yield self.env.timeout(at - now) if at < math.inf else self.env.event()
                except simpy.Interrupt:
                    continue
                finally:
                    a.alert_at = None
                continue
            health = self.health_of(a)
            if health <= alert.threshold + 1e-6:
                yield from self.rescue(a, alert)
            else:
                # Stored below the threshold but drifted above it since (a resting level
                # above the threshold lifts unhappy accounts): store today's value, so the
                # next booking starts from it -- drift is memoryless, nothing else changes.
                a.health_then, a.health_since = health, now

    def rescue(self, a: Account, alert: Alert) -> Process:
        """A rescue call for an account whose health has fallen to the alert threshold."""
        a.last_touch = self.env.now  # the cool-down runs from the decision to step in
        rescue = Touch("rescue", alert.touch.hours, alert.touch.priority)
        yield from self.touch(a, rescue, self.team_spec.touch_window_share * alert.cooldown_days)

    def alert_time(self, a: Account, alert: Alert) -> float:
        """When ``a``'s alert comes due: health reaches the threshold by drift (now if it is
        already there), but not within the cool-down after the last touch."""
        days = rules.days_until_health(a.health_then, alert.threshold, self.rest, self.rate)
        return max(a.health_since + days, self.env.now, a.last_touch + alert.cooldown_days)
