"""A plan: a strategy whose answers follow decisions that can change while the model runs.

The built-in strategies (:mod:`simkit.engine.strategies`) fix their answers when they are
made. A team in the workshop game decides again every quarter: which segments get regular
check-ins, whether new customers get onboarding reviews, when a falling health triggers a
rescue call, when to pitch an upsell, and whose issues go first. A :class:`Plan` holds those
answers per segment, already turned into the engine's own terms (a
:class:`~simkit.engine.strategies.Cadence`, review :class:`~simkit.engine.strategies.Touch`
es, an :class:`~simkit.engine.strategies.Alert`, a pitch threshold, a queue priority);
:class:`PlanStrategy` answers the model's five questions by looking the account's segment up
in the *current* plan, so swapping the plan (:meth:`PlanStrategy.set_plan`) changes every
answer from that moment on.

What the words of a game mean in these terms (a QBR every 91 days, "rescue when health falls
below 40" ...) is decided by the game (:mod:`simkit.workshop.decisions`), not here: the
engine knows touches, cadences and thresholds, not workshops.

>>> from simkit.engine.strategies import Cadence, Touch
>>> qbr = SegmentPlan(check_in=Cadence(91.0, Touch("qbr", 2.0)), issue_priority=0)
>>> plan = Plan((qbr, SegmentPlan(), SegmentPlan(), SegmentPlan()))
>>> strategy = PlanStrategy(plan)
>>> strategy.plan.segments[0].check_in.touch.kind, strategy.plan.segments[3].check_in
('qbr', None)

A plan's values are checked when it is made, so the model can trust its answers (the guard
of :mod:`simkit.engine.guard` does not wrap a :class:`PlanStrategy`):

>>> SegmentPlan(issue_priority="first")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: SegmentPlan.issue_priority must be a whole number from -10 to 10 ..., got 'first'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simkit.engine.accounts import Account
from simkit.engine.scenario import SEGMENTS
from simkit.engine.strategies import (
    MAX_DAYS,
    Alert,
    Cadence,
    Strategy,
    Touch,
    checked_number,
    checked_priority,
)

__all__ = ["Plan", "PlanStrategy", "SegmentPlan"]


@dataclass(frozen=True)
class SegmentPlan:
    """What the team does for the accounts of one segment.

    check_in : the regular touch (None: no regular touch).
    onboarding : reviews after a contract is won, as (days after the win, touch) pairs.
    alert : the rescue rule as health falls (None: no rescue calls).
    pitch_health : pitch an expansion opportunity when health is at least this (0: always,
        None: never).
    issue_priority : queue priority of the segment's issues (lower is served sooner).
    """

    check_in: Cadence | None = None
    onboarding: tuple[tuple[float, Touch], ...] = ()
    alert: Alert | None = None
    pitch_health: float | None = 50.0
    issue_priority: int = 1

    def __post_init__(self) -> None:
        if self.check_in is not None and not isinstance(self.check_in, Cadence):
            raise ValueError("SegmentPlan.check_in must be a Cadence or None")
        if self.alert is not None and not isinstance(self.alert, Alert):
            raise ValueError("SegmentPlan.alert must be an Alert or None")
        reviews = []
        for item in self.onboarding:
            day, touch = item
            day = checked_number(day, "SegmentPlan.onboarding days", 0, MAX_DAYS)
            if not isinstance(touch, Touch):
                raise ValueError("SegmentPlan.onboarding must hold (days, Touch) pairs")
            reviews.append((day, touch))
        object.__setattr__(self, "onboarding", tuple(sorted(reviews, key=lambda r: r[0])))
        if self.pitch_health is not None:
            object.__setattr__(
                self,
                "pitch_health",
                checked_number(self.pitch_health, "SegmentPlan.pitch_health", 0, 100),
            )
        priority = checked_priority(self.issue_priority, "SegmentPlan.issue_priority")
        object.__setattr__(self, "issue_priority", priority)


@dataclass(frozen=True)
class Plan:
    """One :class:`SegmentPlan` per segment, in the order of
    :data:`simkit.engine.scenario.SEGMENTS` (key, enterprise, mid_market, small)."""

    segments: tuple[SegmentPlan, ...]

    def __post_init__(self) -> None:
        parts = tuple(self.segments)
        if len(parts) != len(SEGMENTS) or not all(isinstance(p, SegmentPlan) for p in parts):
            raise ValueError(f"a Plan needs one SegmentPlan per segment ({', '.join(SEGMENTS)})")
        object.__setattr__(self, "segments", parts)

    def segment(self, name: str) -> SegmentPlan:
        """The plan of the segment called ``name``."""
        return self.segments[SEGMENTS.index(name)]


class PlanStrategy(Strategy):
    """A strategy that answers from the current :class:`Plan`, looked up by segment.

    The model copies the strategy it is given, so change the plan of a running model on the
    model's own copy (``model.strategy.set_plan(plan)``, which
    :meth:`simkit.engine.staffing.GameModel.replan` does, re-booking the work already
    planned).
    """

    name = "plan"

    def __init__(self, plan: Plan, name: str = "plan") -> None:
        super().__init__(None)
        self.name = name
        self.set_plan(plan)

    def set_plan(self, plan: Plan) -> None:
        """Answer from ``plan`` from now on."""
        if not isinstance(plan, Plan):
            raise TypeError(f"set_plan takes a Plan, got {type(plan).__name__}")
        self.plan = plan
        self._by_segment = plan.segments

    def check_in(self, account: Account) -> Cadence | None:
        return self._by_segment[account.seg].check_in

    def onboarding(self, account: Account) -> Sequence[tuple[float, Touch]]:
        return self._by_segment[account.seg].onboarding

    def health_alert(self, account: Account) -> Alert | None:
        return self._by_segment[account.seg].alert

    def issue_priority(self, account: Account) -> int:
        return self._by_segment[account.seg].issue_priority

    def pitch_upsell(self, account: Account) -> bool:
        threshold = self._by_segment[account.seg].pitch_health
        return threshold is not None and account.health >= threshold
