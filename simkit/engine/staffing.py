"""A model a team can steer between quarters: new decisions, more or fewer managers.

A simulation run is usually decided up front: one strategy, one team, one horizon. In the
workshop game a team decides again every quarter, so its model must stop at the end of a
quarter, take new decisions and *continue from where it stopped* -- the same accounts, the
same queue, the same luck. :class:`GameModel` is a :class:`~simkit.engine.model.Model` that
can do that, with SimPy's public API only:

**Stepping.** ``model.env.run(until=end_of_quarter)`` runs the model up to a moment and
stops; calling it again with a later moment goes on. Nothing is replayed.

**Changing the team size** (:meth:`GameModel.set_managers`). A :class:`simpy.PriorityResource`
cannot change its capacity, so the game model's team has a chair for every manager the game
could ever employ, and the chairs of managers *not* on the team are held by *vacancies*:
requests at a priority ahead of all work (:data:`VACANCY`) that are never given back while
the position is empty::

    vacancy = team.request(priority=VACANCY)   # letting a manager go: one chair less
    team.release(vacancy)                      # hiring: the chair is free for work again

A vacancy asked for while every manager is busy waits at the head of the queue, so the
manager who leaves finishes the work in hand first (nobody walks out mid-call). Hiring takes
back a waiting vacancy (``request.cancel()``) before it frees a chair.

**Re-planning** (:meth:`GameModel.replan`). The model's strategy is a
:class:`~simkit.engine.plan.PlanStrategy`; a new plan changes its answers at once (issue
priority, upsell pitches), and the work already booked is re-booked:

- accounts that now qualify for regular check-ins start them;
- a check-in process sleeping until its next touch is woken
  (:meth:`simpy.Process.interrupt`, the new booking as the cause) when its cadence changed,
  and stops when its segment no longer gets check-ins;
- a health watcher sleeping until its rescue threshold is woken to re-book when the new
  threshold moves that moment (the same mechanism the model uses when an event moves health).

Onboarding reviews already booked with a customer won earlier are kept (they were promised
at the win); the new plan's reviews apply to contracts won from now on.

>>> from simkit.engine.scenario import default_scenario
>>> from simkit.engine.plan import Plan, PlanStrategy, SegmentPlan
>>> plan = Plan((SegmentPlan(),) * 4)
>>> model = GameModel(default_scenario().update({"horizon_years": 1, "warmup_years": 0}),
...                   PlanStrategy(plan), most_managers=8)
>>> model.managers, model.team.capacity
(4, 8)
>>> model.env.run(until=91.25)
>>> model.set_managers(6)
(2, 0)
>>> model.load.managers
6
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from simkit.engine.accounts import Account
from simkit.engine.customer import GOLDEN, Process
from simkit.engine.model import Model
from simkit.engine.plan import Plan, PlanStrategy
from simkit.engine.scenario import Scenario
from simkit.engine.strategies import MIN_PRIORITY, Strategy

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["VACANCY", "GameModel"]

VACANCY = MIN_PRIORITY - 1
"""Queue priority of an empty position's hold on a chair: ahead of every piece of work."""


class GameModel(Model):
    """A model whose plan and team size can change while it runs (see the module notes).

    Parameters
    ----------
    scenario : the scenario; ``team.managers`` is the team at the start.
    strategy : usually a :class:`~simkit.engine.plan.PlanStrategy` (only then can
        :meth:`replan` change it); any strategy runs, e.g. the built-in references.
    book : an imported starting book, as for :class:`~simkit.engine.model.Model`.
    most_managers : the largest team the model may grow to (default: the starting team).
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy | str,
        book: pd.DataFrame | None = None,
        *,
        most_managers: int | None = None,
    ) -> None:
        team = scenario.team
        if getattr(team, "structure", "pooled") != "pooled":
            raise ValueError("a game model needs a pooled team (team.structure = 'pooled')")
        most = team.managers if most_managers is None else most_managers
        if not isinstance(most, int) or most < team.managers:
            raise ValueError(
                f"most_managers must be a whole number of at least team.managers "
                f"({team.managers}), got {most!r}"
            )
        # check-in processes by (account, life), and the next touch (due, cadence) of those
        # sleeping until it: the starting book's check-ins start while the model is built
        self.check_in_runs: dict[tuple[int, int], simpy.Process] = {}
        self.check_in_booking: dict[tuple[int, int], tuple[float, float]] = {}
        super().__init__(scenario, strategy, 0, book)
        # The model built its team at the starting size; before time starts (no process has
        # asked for a manager yet) it gets a chair for every manager the game allows, and the
        # chairs of positions not filled are held by vacancies.
        self.team = simpy.PriorityResource(self.env, capacity=most)
        self.managers = most
        self.vacancies: list[simpy.Request] = []
        self.set_managers(team.managers)

    # ------------------------------------------------------------------ the team
    def set_managers(self, managers: int) -> tuple[int, int]:
        """Make the team ``managers`` strong from now on; returns (hired, let go).

        Letting a manager go puts a vacancy on a chair (at once if a manager is free, else
        as soon as one finishes the work in hand); hiring frees a chair. The team's recent
        load (:class:`~simkit.engine.team.TeamLoad`) is measured against the new size.
        """
        if not isinstance(managers, int) or not 1 <= managers <= self.team.capacity:
            raise ValueError(
                f"managers must be a whole number from 1 to {self.team.capacity}, got {managers!r}"
            )
        hired = let_go = 0
        while self.managers > managers:
            self.vacancies.append(self.team.request(priority=VACANCY))
            self.managers -= 1
            let_go += 1
        while self.managers < managers:
            waiting = [i for i, v in enumerate(self.vacancies) if not v.triggered]
            vacancy = self.vacancies.pop(waiting[-1] if waiting else -1)
            if vacancy.triggered:
                self.team.release(vacancy)
            else:
                vacancy.cancel()
            self.managers += 1
            hired += 1
        self.load.managers = managers
        return hired, let_go

    # ------------------------------------------------------------------ re-planning
    def replan(self, plan: Plan) -> None:
        """Follow ``plan`` from now on, re-booking the work already planned (module notes)."""
        if not isinstance(self.strategy, PlanStrategy):
            raise TypeError(
                f"only a model run with a PlanStrategy can be re-planned, "
                f"not strategy {self.strategy.name!r}"
            )
        self.strategy.set_plan(plan)
        now = self.env.now
        for a in self.accounts:
            if not a.active or self.theory is not None:
                continue
            key = (a.id, a.life)
            booking = self.check_in_booking.get(key)
            cadence = self.strategy.check_in(a)
            if booking is not None:  # a check-in process sleeps: re-book its next touch
                due, every = booking
                if cadence is None:
                    self.check_in_runs[key].interrupt(now)  # wakes, sees no cadence, stops
                elif cadence.every_days != every:
                    self.check_in_runs[key].interrupt(self.rebooked(a, due, every, cadence))
            elif cadence is not None:
                self.start_check_ins(a)  # starts only if it has no check-in process yet
            if a.alert_at is not None:  # a sleeping health watcher: re-book if its moment moved
                alert = self.strategy.health_alert(a)
                at = math.inf if alert is None else self.alert_time(a, alert)
                if at != a.alert_at:
                    a.alert_at = None
                    a.watcher.interrupt()

    def rebooked(self, a: Account, due: float, every: float, cadence: object) -> float:
        """When the next check-in falls under a new cadence: a cadence after the touch the
        current booking counted from, or -- when that is already past -- spread over the new
        cadence from now (as a first booking is), so a change does not call every account on
        the same day."""
        new_every = cadence.every_days  # type: ignore[attr-defined]
        now = self.env.now
        due = due - every + new_every
        if due >= now:
            return due
        return now + max(((a.id * GOLDEN + 0.5) % 1.0) * new_every, 1.0)

    # ------------------------------------------------------------------ check-ins
    def start_check_ins(self, a: Account) -> None:
        """Start the plan's regular touches for ``a`` if it qualifies and has none yet
        (as :meth:`~simkit.engine.work.StrategyWork.start_check_ins`, keeping the process so
        that a new plan can re-book it)."""
        if a.checking_in == a.life or self.theory is not None or not self.current(a, a.life):
            return
        cadence = self.strategy.check_in(a)
        if cadence is not None:
            a.checking_in = a.life
            process = self.start(self.check_ins(a, a.life, cadence.every_days))
            self.check_in_runs[(a.id, a.life)] = process

    def check_ins(self, a: Account, life: int, every_days: float) -> Process:
        """The plan's regular touch, at its cadence, while the account qualifies.

        As :meth:`~simkit.engine.work.StrategyWork.check_ins` (the next touch is booked when
        the last one starts, so an over-booked cadence slips), with one difference: while it
        sleeps until the next touch, a new plan may wake it with the new booking as the
        interrupt's cause (:meth:`replan`).
        """
        key = (a.id, life)
        due = self.env.now + max(((a.id * GOLDEN + 0.5) % 1.0) * every_days, 1.0)
        try:
            while True:
                while due > self.env.now:
                    self.check_in_booking[key] = (due, every_days)
                    try:
                        yield self.env.timeout(due - self.env.now)
                    except simpy.Interrupt as wake:
                        due = float(wake.cause)  # type: ignore[arg-type]
                        cadence = self.strategy.check_in(a)
                        every_days = every_days if cadence is None else cadence.every_days
                    finally:
                        self.check_in_booking.pop(key, None)
                cadence = self.strategy.check_in(a) if self.current(a, life) else None
                if cadence is None:
                    if a.checking_in == life:
                        a.checking_in = 0  # free to start again if the account qualifies later
                    return
                every_days = cadence.every_days
                due = self.env.now + every_days
                window = self.team_spec.touch_window_share * every_days
                yield from self.touch(a, cadence.touch, window)
        finally:
            self.check_in_runs.pop(key, None)
