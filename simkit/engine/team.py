"""The account-management team: a SimPy resource, and how loaded it has been lately.

Every piece of manager work goes through :meth:`TeamWork.work`, which reads as SimPy::

    with self.team.request(priority=priority) as chair:
        yield chair                                   # wait for a free manager
        yield self.env.timeout(hours * days_per_hour)  # do the work

and adds the two ways a limited team binds besides waiting:

- **windows**: proactive work that cannot start within its window (a check-in that is
  still waiting when half its cadence has passed) is given up -- ``chair | timeout`` -- and
  reported as missed;
- **overload**: the team's recent load (busy managers, smoothed over about a month by
  :class:`TeamLoad`) above the sustainable level lowers the quality of the work
  (:func:`simkit.engine.rules.work_quality`).

>>> import simpy
>>> env = simpy.Environment()
>>> load = TeamLoad(env, managers=4)
>>> load.change(+2); env.run(until=1000.0); round(load.share(), 3)   # two of four busy, long
0.5
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from simkit.engine import rules

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Team

LOAD_MEMORY_DAYS = 30.0
"""Time constant of the team's recent load: work done a month ago weighs 1/e as much as now."""


class TeamLoad:
    """Busy managers, smoothed exponentially over :data:`LOAD_MEMORY_DAYS`.

    The model calls :meth:`change` when a manager starts (+1) or finishes (-1) a piece of
    work; :meth:`share` is the smoothed number of busy managers over the team's size.
    """

    def __init__(self, env: simpy.Environment, managers: int) -> None:
        self.env = env
        self.managers = managers
        self.busy = 0
        self.smoothed = 0.0
        self.since = env.now

    def _catch_up(self) -> None:
        now = self.env.now
        if now > self.since:
            keep = math.exp(-(now - self.since) / LOAD_MEMORY_DAYS)
            self.smoothed = self.busy + (self.smoothed - self.busy) * keep
            self.since = now

    def change(self, delta: int) -> None:
        """``delta`` managers start (+) or stop (-) working now."""
        self._catch_up()
        self.busy += delta

    def share(self) -> float:
        """Recent load: smoothed busy managers as a share of the team (0 to 1)."""
        self._catch_up()
        return self.smoothed / self.managers


WorkResult = tuple[float, float] | None
"""What :meth:`TeamWork.work` returns: ``(when it started, quality)``, or None if missed."""


class TeamWork:
    """Doing a piece of work with the team (part of :class:`simkit.engine.model.Model`)."""

    env: simpy.Environment
    team: simpy.PriorityResource
    load: TeamLoad
    days_per_hour: float
    team_spec: Team

    def work(
        self, hours: float, priority: int, window: float = math.inf
    ) -> Generator[simpy.Event, object, WorkResult]:
        """Wait for a free manager (at most ``window`` days), then work ``hours``.

        Returns when the work started and its quality (1.0 unless the team is overloaded), or
        None when no manager was free within the window (the request is withdrawn).
        Use it as ``result = yield from self.work(...)``.
        """
        with self.team.request(priority=priority) as chair:
            if window == math.inf or chair.triggered:  # no window, or a manager is free now
                yield chair
            else:
                got = yield chair | self.env.timeout(window)
                if chair not in got:
                    return None  # leaving the with-block withdraws the request
            spec = self.team_spec
            quality = rules.work_quality(
                self.load.share(), spec.sustainable_load, spec.overload_quality
            )
            started = self.env.now
            self.load.change(+1)
            try:
                yield self.env.timeout(hours * self.days_per_hour)
            finally:
                self.load.change(-1)
        return started, quality
