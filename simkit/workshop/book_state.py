"""What a team's book looks like now, in the numbers a plan's hours depend on.

Before a team decides, its page shows how many hours the plan would take
(:func:`simkit.workshop.decisions.planned_hours`). The hours follow the book: how many
clients each segment has, how many are unhappy enough for a rescue call, how many new
customers a quarter brings, how much issue work the segment's clients raise. A
:class:`BookState` holds those numbers, measured from a model at a moment
(:func:`measure_book`) -- the starting book (:func:`starting_book_state`) or a team's book
after its last quarter (``TeamGame.book_state()``).

>>> from simkit.workshop.settings import Settings
>>> state = starting_book_state(Settings())
>>> state.segments["key"].clients, round(state.hours_per_manager)
(20, 521)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from simkit.engine.accounts import Account
from simkit.engine.scenario import DAYS_PER_YEAR, SEGMENTS, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.workshop.settings import Settings

__all__ = ["BookState", "SegmentState", "measure_book", "starting_book_state"]

QUARTER_DAYS = DAYS_PER_YEAR / 4


@dataclass(frozen=True)
class SegmentState:
    """One segment of the book now.

    clients : customers and loyal accounts.
    below_40, below_55 : clients whose health is below 40 / 55 (rescue candidates).
    healthy_share : share of the clients healthy enough for a harmless pitch.
    new_per_quarter : new customers a quarter is expected to bring (pipeline x conversion).
    issue_hours : issue work the clients are expected to raise in a quarter.
    pitch_hours : hours of upsell pitches a quarter if every opportunity were pitched.
    """

    clients: int
    below_40: int
    below_55: int
    healthy_share: float
    new_per_quarter: float
    issue_hours: float
    pitch_hours: float


@dataclass(frozen=True)
class BookState:
    """The book by segment, and the hours one manager works in a quarter."""

    segments: dict[str, SegmentState]
    hours_per_manager: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "segments": {s: asdict(v) for s, v in self.segments.items()},
            "hours_per_manager": self.hours_per_manager,
        }


def measure_book(
    scenario: Scenario, accounts: Iterable[Account], health_of: Callable[[Account], float]
) -> BookState:
    """The :class:`BookState` of ``accounts`` (a model's, with its ``health_of``)."""
    healths: dict[str, list[float]] = {s: [] for s in SEGMENTS}
    for a in accounts:
        if a.active:
            healths[a.segment].append(health_of(a))
    b, pipe = scenario.behaviour, scenario.pipeline
    quarter = QUARTER_DAYS / DAYS_PER_YEAR
    segments = {}
    for s in SEGMENTS:
        spec, hs = scenario.portfolio.segment(s), healths[s]
        n = len(hs)
        new = pipe.prospects_per_month * 3 * pipe.conversion * pipe.segment_mix.get(s, 0.0)
        segments[s] = SegmentState(
            clients=n,
            below_40=sum(h < 40 for h in hs),
            below_55=sum(h < 55 for h in hs),
            healthy_share=sum(h >= b.serve_before_sell_health for h in hs) / n if n else 0.0,
            new_per_quarter=new,
            issue_hours=n * spec.issues_per_year * quarter * spec.issue_hours,
            pitch_hours=n * spec.upsells_per_year * quarter * b.pitch_hours,
        )
    return BookState(segments, scenario.team.hours_per_week * QUARTER_DAYS / 7.0)


def starting_book_state(settings: Settings) -> BookState:
    """The :class:`BookState` of the game's starting book (the same for every team)."""
    return _starting(settings.model_dump_json())


@functools.lru_cache(maxsize=8)
def _starting(settings_json: str) -> BookState:
    from simkit.engine.model import Model
    from simkit.workshop.settings import Settings

    settings = Settings.model_validate_json(settings_json)
    model = Model(settings.game_scenario(), "reactive", 0, settings.book())
    return measure_book(model.scenario, model.accounts, model.health_of)
