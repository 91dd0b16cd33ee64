"""A team's decisions for one quarter, how they are checked, and what they cost in hours.

Each round a team decides how its managers' hours go. Per segment (key, enterprise,
mid_market, small):

=================  ==========================================================================
``check_ins``      ``"none"``, ``"qbr"`` (a quarterly business review, 2 h, every 91 days) or
                   ``"monthly"`` (a 1-hour check-in every 30 days)
``onboarding``     reviews 30 and 90 days after a contract is won (2 h each): on or off
``rescue``         a rescue call (2 h) when health falls: ``"off"``, ``"low"`` (below 40) or
                   ``"early"`` (below 55)
``upsell``         pitch an expansion opportunity ``"never"``, to ``"healthy"`` accounts only
                   (health at least the scenario's ``serve_before_sell_health``, 55 by
                   default: a failed pitch there does no harm) or ``"always"``
=================  ==========================================================================

and for the team: ``managers`` (the team size this quarter; hiring or letting go costs the
settings' ``hire_cost`` / ``severance``) and ``issue_priority`` (the order in which the
segments' issues are served; all issues still go before proactive work). The simple mode
opens check-ins, onboarding and the team size only.

:func:`to_plan` turns decisions into the engine's terms (:class:`simkit.engine.plan.Plan`);
the numbers there are assumptions of the game, listed in docs/model.md.
:func:`parse_decisions` checks what a browser sent -- one :class:`DecisionError` naming the
field and what is allowed -- and :func:`planned_hours` estimates the hours a plan asks of the
team, for the page's capacity meter.

>>> from simkit.workshop.settings import Settings
>>> settings = Settings()
>>> d = parse_decisions({"key.check_ins": "qbr", "managers": "5"}, settings)
>>> d.managers, d.segment("key").check_ins, d.segment("small").check_ins
(5, 'qbr', 'none')
>>> parse_decisions({"key.check_ins": "weekly"}, settings)
Traceback (most recent call last):
...
simkit.workshop.decisions.DecisionError: key.check_ins: must be one of none, qbr, monthly ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simkit.engine.plan import Plan, SegmentPlan
from simkit.engine.safe_load import excerpt
from simkit.engine.scenario import SEGMENTS, Scenario
from simkit.engine.strategies import Alert, Cadence, Touch
from simkit.workshop.book_state import BookState, starting_book_state
from simkit.workshop.settings import Settings

__all__ = [
    "CHOICES",
    "CHOICE_LABELS",
    "SIMPLE_FIELDS",
    "DecisionError",
    "Decisions",
    "SegmentDecisions",
    "default_decisions",
    "parse_decisions",
    "planned_hours",
    "to_plan",
]

CHOICES: dict[str, tuple[Any, ...]] = {
    "check_ins": ("none", "qbr", "monthly"),
    "onboarding": (False, True),
    "rescue": ("off", "low", "early"),
    "upsell": ("never", "healthy", "always"),
}
"""The values each per-segment decision may take."""

CHOICE_LABELS: dict[str, str] = {
    "none": "none",
    "qbr": "QBR every quarter (2 h)",
    "monthly": "monthly check-in (1 h)",
    "off": "off",
    "low": "rescue below health 40",
    "early": "rescue below health 55",
    "never": "never pitch",
    "healthy": "pitch healthy accounts",
    "always": "always pitch",
}
"""Plain words for the values, for forms and the debrief."""

SIMPLE_FIELDS = ("managers", "check_ins", "onboarding")
"""The decisions open in the simple mode (the others keep their defaults)."""

# -- the decision-to-model mapping (assumptions of the game, docs/model.md) -----------------
QBR = Cadence(91.0, Touch("qbr", 2.0))
MONTHLY = Cadence(30.0, Touch("check_in", 1.0))
REVIEW_HOURS = 2.0
ONBOARDING = (
    (30.0, Touch("onboarding_30", REVIEW_HOURS)),
    (90.0, Touch("onboarding_90", REVIEW_HOURS)),
)
RESCUE_HOURS = 2.0
RESCUE_THRESHOLD = {"low": 40.0, "early": 55.0}
ISSUE_PRIORITIES = (-2, -1, 0, 1)
"""Queue priorities of the segments' issues in the team's order: all ahead of proactive work
(priority 2) and upsell pitches (3), as in the reactive baseline."""

QUARTER_DAYS = 365.0 / 4


class DecisionError(ValueError):
    """Decisions the game cannot take: one line naming the field (also in ``.field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class SegmentDecisions(BaseModel):
    """What the team does for one segment this quarter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_ins: Literal["none", "qbr", "monthly"] = "none"
    onboarding: bool = False
    rescue: Literal["off", "low", "early"] = "off"
    upsell: Literal["never", "healthy", "always"] = "healthy"


class Decisions(BaseModel):
    """One team's decisions for one quarter (JSON: ``{"managers": 4, "segments": {"key":
    {...}, ...}, "issue_priority": [...]}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    managers: int = Field(ge=1, le=100)
    segments: dict[str, SegmentDecisions] = Field(
        default_factory=lambda: {s: SegmentDecisions() for s in SEGMENTS}
    )
    issue_priority: tuple[str, ...] = SEGMENTS

    @field_validator("segments")
    @classmethod
    def _every_segment(cls, value: dict[str, SegmentDecisions]) -> dict[str, SegmentDecisions]:
        if set(value) != set(SEGMENTS):
            raise ValueError(f"needs exactly the segments {', '.join(SEGMENTS)}")
        return {s: value[s] for s in SEGMENTS}

    @field_validator("issue_priority")
    @classmethod
    def _an_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if sorted(value) != sorted(SEGMENTS):
            raise ValueError(f"must list each of {', '.join(SEGMENTS)} once")
        return tuple(value)

    def segment(self, name: str) -> SegmentDecisions:
        """The decisions for the segment called ``name``."""
        return self.segments[name]


def default_decisions(settings: Settings) -> Decisions:
    """What a team plays before it decides anything: the starting team, no proactive work,
    pitches to healthy accounts, issues served largest accounts first."""
    return Decisions(managers=settings.start_managers)


def to_plan(decisions: Decisions, scenario: Scenario) -> Plan:
    """The engine's plan for ``decisions`` (the mapping in the module notes)."""
    healthy = scenario.behaviour.serve_before_sell_health
    order = {s: ISSUE_PRIORITIES[i] for i, s in enumerate(decisions.issue_priority)}
    parts = []
    for s in SEGMENTS:
        d = decisions.segment(s)
        rescue = None
        if d.rescue != "off":
            rescue = Alert(RESCUE_THRESHOLD[d.rescue], Touch("rescue", RESCUE_HOURS, priority=1))
        parts.append(
            SegmentPlan(
                check_in={"none": None, "qbr": QBR, "monthly": MONTHLY}[d.check_ins],
                onboarding=ONBOARDING if d.onboarding else (),
                alert=rescue,
                pitch_health={"never": None, "healthy": healthy, "always": 0.0}[d.upsell],
                issue_priority=order[s],
            )
        )
    return Plan(tuple(parts))


# -- hours -----------------------------------------------------------------------------------
def planned_hours(decisions: Decisions, book: BookState | Settings) -> dict[str, Any]:
    """The hours a quarter of ``decisions`` asks of the team, estimated from the book.

    ``book`` is the team's current :class:`~simkit.workshop.book_state.BookState`
    (``TeamGame.book_state()``) or the settings (then the starting book). Check-ins and
    onboarding are counted from the clients and the expected new customers; rescue calls
    from the clients below the threshold now (one call each); issues and pitches from the
    segments' yearly rates. It is an estimate for a meter, not a promise: the quarter's
    luck decides the rest.

    Returns a JSON-able dict: ``by_activity`` and ``by_segment`` hours, ``proactive``
    (check-ins, onboarding, rescue), ``expected_total`` (with issues and pitches),
    ``capacity`` (the team's hours in a quarter), and both as shares of it (%).
    """
    state = book if isinstance(book, BookState) else starting_book_state(book)
    by_segment: dict[str, dict[str, float]] = {}
    for s in SEGMENTS:
        d, seg = decisions.segment(s), state.segments[s]
        cadence = {"none": None, "qbr": QBR, "monthly": MONTHLY}[d.check_ins]
        check_ins = 0.0
        if cadence is not None:
            check_ins = seg.clients * QUARTER_DAYS / cadence.every_days * cadence.touch.hours
        onboarding = (
            seg.new_per_quarter * sum(t.hours for _, t in ONBOARDING) if d.onboarding else 0.0
        )
        rescue = {"off": 0.0, "low": seg.below_40, "early": seg.below_55}[d.rescue] * RESCUE_HOURS
        pitched = {"never": 0.0, "healthy": seg.healthy_share, "always": 1.0}[d.upsell]
        by_segment[s] = {
            "check_ins": check_ins,
            "onboarding": onboarding,
            "rescue": rescue,
            "issues": seg.issue_hours,
            "pitches": seg.pitch_hours * pitched,
        }
    activities = ("check_ins", "onboarding", "rescue", "issues", "pitches")
    by_activity = {a: sum(by_segment[s][a] for s in SEGMENTS) for a in activities}
    proactive = by_activity["check_ins"] + by_activity["onboarding"] + by_activity["rescue"]
    total = sum(by_activity.values())
    capacity = decisions.managers * state.hours_per_manager
    return {
        "managers": decisions.managers,
        "by_activity": {a: round(h, 1) for a, h in by_activity.items()},
        "by_segment": {s: {a: round(h, 1) for a, h in v.items()} for s, v in by_segment.items()},
        "proactive": round(proactive, 1),
        "expected_total": round(total, 1),
        "capacity": round(capacity, 1),
        "proactive_share": round(100 * proactive / capacity, 1),
        "total_share": round(100 * total / capacity, 1),
    }


# -- checking what a browser sent ------------------------------------------------------------
def parse_decisions(
    raw: Mapping[str, Any],
    settings: Settings,
    previous: Decisions | None = None,
    book: BookState | None = None,
) -> Decisions:
    """Check a team's submitted values and return its :class:`Decisions`.

    ``raw`` may be nested (``{"segments": {"key": {"check_ins": "qbr"}}}``, as stored) or
    flat form names (``{"key.check_ins": "qbr", "key.onboarding": "on", "managers": "5",
    "issue_priority": "key,small,enterprise,mid_market"}``). Fields left out keep
    ``previous`` (or the defaults). Refused, with a :class:`DecisionError` naming the field:
    an unknown field or value; a team size outside 1..``max_managers`` or changed by more
    than ``max_team_change`` from the previous quarter; a decision the simple mode does not
    open; proactive work planned above the team's hours (:func:`planned_hours` on ``book``,
    default the starting book).
    """
    if not isinstance(raw, Mapping):
        raise DecisionError("decisions", f"must be a table of fields, got {excerpt(raw)}")
    if len(raw) > 100:
        raise DecisionError("decisions", f"too many fields ({len(raw)}); at most 100")
    base = previous if previous is not None else default_decisions(settings)
    managers = base.managers
    cells = {s: base.segment(s).model_dump() for s in SEGMENTS}
    order = list(base.issue_priority)
    for name, value in _flat(raw):
        if name == "managers":
            managers = _whole(value, "managers")
        elif name == "issue_priority":
            order = _order(value)
        elif "." in name and name.split(".", 1)[0] in SEGMENTS:
            segment, field = name.split(".", 1)
            if field not in CHOICES:
                raise DecisionError(
                    name, f"unknown decision; each segment has {', '.join(CHOICES)}"
                )
            cells[segment][field] = _choice(value, field, name)
        else:
            raise DecisionError(
                excerpt(name, 40).strip("'"),
                "unknown field; the decisions are managers, issue_priority and "
                "<segment>.check_ins/onboarding/rescue/upsell for the segments "
                + ", ".join(SEGMENTS),
            )
    _check_team(managers, settings, previous)
    if settings.mode == "simple":
        _check_simple(cells, order, base)
    try:
        decisions = Decisions(
            managers=managers,
            segments={s: SegmentDecisions(**cells[s]) for s in SEGMENTS},
            issue_priority=tuple(order),
        )
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        raise DecisionError("decisions", str(exc.errors()[0]["msg"])) from None
    hours = planned_hours(decisions, book if book is not None else settings)
    if hours["proactive"] > hours["capacity"]:
        raise DecisionError(
            "managers",
            f"the plan asks {hours['proactive']:,.0f} h of check-ins, onboarding and rescue calls "
            f"but {managers} managers have {hours['capacity']:,.0f} h this quarter; plan fewer "
            "touches or more managers",
        )
    return decisions


def _flat(raw: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``raw`` as (dotted name, value) pairs, whether nested by segment or flat."""
    out: list[tuple[str, Any]] = []
    for key, value in raw.items():
        name = str(key)
        if name == "segments" and isinstance(value, Mapping):
            for segment, part in value.items():
                if str(segment) not in SEGMENTS:
                    raise DecisionError(
                        f"segments.{excerpt(segment, 30)}",
                        f"unknown segment; the segments are {', '.join(SEGMENTS)}",
                    )
                out.extend(_segment_pairs(str(segment), part))
        elif name in SEGMENTS:
            out.extend(_segment_pairs(name, value))
        else:
            out.append((name, value))
    return out


def _segment_pairs(segment: str, part: object) -> list[tuple[str, Any]]:
    if not isinstance(part, Mapping):
        raise DecisionError(segment, f"must be a table of decisions, got {excerpt(part)}")
    return [(f"{segment}.{field}", value) for field, value in part.items()]


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool):
        raise DecisionError(field, f"must be a whole number, got {excerpt(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        return int(value.strip())
    raise DecisionError(field, f"must be a whole number of managers, got {excerpt(value)}")


_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0", "")


def _choice(value: object, field: str, name: str) -> Any:
    if field == "onboarding":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str | int) else None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise DecisionError(name, f"must be on or off, got {excerpt(value)}")
    allowed = CHOICES[field]
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in allowed:
        raise DecisionError(name, f"must be one of {', '.join(allowed)} (got {excerpt(value)})")
    return text


def _order(value: object) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or len(items) > 10:
        raise DecisionError(
            "issue_priority", f"must list the segments in order, got {excerpt(value)}"
        )
    order = [str(s).strip().lower() for s in items]
    if sorted(order) != sorted(SEGMENTS):
        raise DecisionError(
            "issue_priority",
            f"must list each of {', '.join(SEGMENTS)} once, in the order their issues are "
            f"served (got {excerpt(value)})",
        )
    return order


def _check_team(managers: int, settings: Settings, previous: Decisions | None) -> None:
    now = previous.managers if previous is not None else settings.start_managers
    most, step = settings.max_managers, settings.max_team_change
    if not 1 <= managers <= most:
        raise DecisionError("managers", f"must be from 1 to {most}, got {managers}")
    if abs(managers - now) > step:
        low, high = max(1, now - step), min(most, now + step)
        raise DecisionError(
            "managers",
            f"you can hire or let go at most {step} a quarter: from {now} to {low}..{high}, "
            f"got {managers}",
        )


def _check_simple(cells: dict[str, dict[str, Any]], order: list[str], base: Decisions) -> None:
    for s in SEGMENTS:
        for field in ("rescue", "upsell"):
            kept = getattr(base.segment(s), field)
            if cells[s][field] != kept:
                raise DecisionError(
                    f"{s}.{field}", f"not open in the simple mode (the game keeps {kept!r})"
                )
    if tuple(order) != tuple(base.issue_priority):
        raise DecisionError("issue_priority", "not open in the simple mode")
