"""A quarter's report: what a team's decisions did to its book, as a JSON-able dict.

Every figure comes from the kit's one counting core and metric registry
(:func:`simkit.analysis.counts.count_periods`, :func:`simkit.analysis.summary.add_metrics`):
``figures`` are the registry's metrics for the quarter (labels
``label(name, period="Q")``), ``cumulative`` the same since the start of the game. Two things
only a game has are added, and said so:

* the team size changes between quarters, so each quarter's counts take that quarter's team
  (its paid headcount and its hours available), and the cumulative counts add the quarters'
  teams up;
* hiring and severance are one-off costs: ``operating_profit`` has them subtracted, put per
  year like every money figure (a quarter's amount counts four times over a quarter: the
  registry's rule, total over the period divided by its length in years).

The rest of the report reads the quarter's events: counts with reasons, health, hours by
activity, pitches, per-segment figures, and two or three plain sentences about the events
that mattered most, picked by a fixed rule (:func:`key_events`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simkit.analysis.counts import count_periods, rows
from simkit.analysis.registry import METRICS
from simkit.engine.events import EVENT_CODE
from simkit.engine.results import Results
from simkit.engine.scenario import DAYS_PER_YEAR, SEGMENTS, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.staffing import GameModel
    from simkit.workshop.settings import Settings

__all__ = ["REASONS", "SEGMENT_WORDS", "Events", "Loss", "key_events", "money", "quarter_report"]

SEGMENT_WORDS = {
    "key": "Key account",
    "enterprise": "Enterprise account",
    "mid_market": "Mid-market account",
    "small": "Small account",
}
"""How a sentence names an account of each segment."""

MISSED_SHARE_WORTH_A_SENTENCE = 5.0
"""Missed touches above this share (%) of those planned make a key event."""


def quarter_report(
    model: GameModel,
    edges: np.ndarray,
    history: list[dict[str, float]],
    settings: Settings,
) -> dict[str, Any]:
    """The report of the quarter that ends at ``edges[-1]`` (see the module notes).

    ``history`` holds one entry per quarter played (managers, hired, let_go, hiring_cost,
    severance_cost); the quarter's team counts (``manager_years``, ``capacity_hours``) are
    added to its last entry.
    """
    results = Results.from_record(model.record())
    events = results.events
    sc = model.scenario
    number = len(edges) - 1
    start, end = float(edges[-2]), float(edges[-1])
    now = history[-1]
    team_now = _with_team(sc, int(now["managers"]))
    quarter = _figures(count_periods(events, np.asarray(edges), (), team_now).iloc[[-1]])
    now["manager_years"] = float(quarter.pop("manager_years"))
    now["capacity_hours"] = float(quarter.pop("capacity_hours"))
    staffing_now = now["hiring_cost"] + now["severance_cost"]
    total = count_periods(events, np.array([0.0, end]), (), sc)
    total["manager_years"] = sum(h["manager_years"] for h in history)
    total["capacity_hours"] = sum(h["capacity_hours"] for h in history)
    cumulative = _figures(total)
    staffing_all = sum(h["hiring_cost"] + h["severance_cost"] for h in history)
    cumulative.pop("manager_years"), cumulative.pop("capacity_hours")
    q_years, all_years = (end - start) / DAYS_PER_YEAR, end / DAYS_PER_YEAR
    quarter["figures"]["operating_profit"] -= staffing_now / q_years
    cumulative["figures"]["operating_profit"] -= staffing_all / all_years

    log = Events.of(events)
    ev = log.where((log.time > start) & (log.time <= end))
    recent = log.where(log.time > start - (end - start))
    since = np.full(len(model.accounts), math.nan)
    for a in model.accounts:
        if a.customer_since is not None:
            since[a.id] = a.customer_since - model.t0
    losses = _losses(ev, recent, since)
    figures = quarter["figures"]
    report = {
        "round": number,
        "days": [start, end],
        "managers": int(now["managers"]),
        "figures": figures,
        "cumulative": cumulative["figures"],
        "quarter_money": {
            **{k: figures[k] * q_years for k in ("revenue", "gross_profit", "team_cost")},
            "hiring_cost": now["hiring_cost"],
            "severance_cost": now["severance_cost"],
            "operating_profit": figures["operating_profit"] * q_years,
        },
        "counts": {
            "won": int(quarter["counts"]["new"]),
            "lost_deals": int(quarter["counts"]["lost_deals"]),
            "churned": sum(x.event == "churn" for x in losses),
            "defected": sum(x.event == "defect" for x in losses),
            "clients_start": int(quarter["counts"]["start"]),
            "clients_end": int(quarter["counts"]["end"]),
            "new_lost": sum(x.first_year for x in losses),
        },
        "reasons": _reasons(losses),
        "health": _health(model),
        "hours": _hours(ev, now["capacity_hours"]),
        "staffing": {
            k: now[k] for k in ("managers", "hired", "let_go", "hiring_cost", "severance_cost")
        },
        "segments": _segments(model, ev, losses),
        "pitches": _pitches(ev, sc.behaviour.serve_before_sell_health),
        "events": key_events(ev, losses, figures),
        "sustainable_load": 100.0 * sc.team.sustainable_load,
    }
    return _jsonable(report)


def _with_team(sc: Scenario, managers: int) -> Scenario:
    """``sc`` with a team of ``managers`` (already checked by the model: no validation)."""
    if managers == sc.team.managers:
        return sc
    return sc.model_copy(update={"team": sc.team.model_copy(update={"managers": managers})})


def _figures(table: pd.DataFrame) -> dict[str, Any]:
    """The registry's metrics of a one-row table of counts (each by its entry's own
    function, as :func:`~simkit.analysis.summary.add_metrics` computes a column), and the
    counts themselves."""
    counts = rows(table.reset_index(drop=True))[0]
    return {
        "figures": {name: float(m.value(counts)) for name, m in METRICS.items()},
        "counts": {k: counts[k] for k in ("new", "lost_deals", "start", "end")},
        "manager_years": float(counts["manager_years"]),
        "capacity_hours": float(counts["capacity_hours"]),
    }


@dataclass(frozen=True)
class Events:
    """Some rows of the event log as plain numpy columns (fast to mask and count)."""

    time: np.ndarray
    account: np.ndarray
    seg: np.ndarray  # segment codes, in the order of SEGMENTS
    kind: np.ndarray  # event codes (EVENT_CODE)
    detail: np.ndarray  # the detail as text ("" for none)
    arr_change: np.ndarray
    health: np.ndarray
    hours: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Events:
        """The columns of an event-log frame (:attr:`simkit.engine.results.Results.events`)."""
        detail = frame["detail"]
        labels = np.append(np.asarray(detail.cat.categories, dtype=object), "")
        return cls(
            time=frame["time"].to_numpy(),
            account=frame["account"].to_numpy(),
            seg=frame["segment"].cat.codes.to_numpy(),
            kind=np.asarray(frame["event"].cat.codes.to_numpy(), dtype=np.int64),
            detail=labels[detail.cat.codes.to_numpy()],  # code -1 (none) picks ""
            arr_change=frame["arr_change"].to_numpy(),
            health=frame["health"].to_numpy(),
            hours=frame["hours"].to_numpy(),
        )

    def where(self, mask: np.ndarray) -> Events:
        """The rows in ``mask``."""
        return Events(*(getattr(self, f.name)[mask] for f in fields(self)))

    def kind_is(self, *names: str) -> np.ndarray:
        """Rows of the given event types."""
        return np.isin(self.kind, [EVENT_CODE[n] for n in names])

    def proactive(self) -> np.ndarray:
        """Proactive touches (check-ins, reviews, rescue calls; not pitches)."""
        return self.kind_is("touch") & (self.detail != "pitch")


@dataclass(frozen=True)
class Loss:
    """A client lost in the quarter, and what led up to it."""

    account: int
    segment: str
    event: str
    arr: float
    health: float
    missed: int  # planned touches missed this quarter
    touches: int  # proactive touches in the last two quarters
    first_year: bool
    won_in_game: bool  # won during the game (the teams' onboarding decisions could reach it)
    project: bool


def _losses(ev: Events, recent: Events, customer_since: np.ndarray) -> list[Loss]:
    """Every client lost in the quarter, largest ARR first."""
    gone = np.flatnonzero(ev.kind_is("churn", "defect"))
    missed = Counter(ev.account[ev.kind_is("touch_missed")].tolist())
    touched = Counter(recent.account[recent.proactive()].tolist())
    projects = set(ev.account[ev.kind_is("project_end")].tolist())
    out = []
    for i in gone:
        a = int(ev.account[i])
        since = customer_since[a] if a < len(customer_since) else math.nan
        out.append(
            Loss(
                account=a,
                segment=SEGMENTS[ev.seg[i]],
                event="churn" if ev.kind[i] == EVENT_CODE["churn"] else "defect",
                arr=float(-ev.arr_change[i]),
                health=float(ev.health[i]),
                missed=missed[a],
                touches=touched[a],
                first_year=bool(ev.time[i] - since < DAYS_PER_YEAR),
                won_in_game=bool(since >= 0),
                project=a in projects,
            )
        )
    return sorted(out, key=lambda loss: -loss.arr)


REASONS: tuple[tuple[str, Callable[[Loss], bool]], ...] = (
    ("churned at renewal", lambda x: x.event == "churn"),
    ("defected to a competitor mid-term", lambda x: x.event == "defect"),
    ("health below 40 when it left", lambda x: x.health < 40),
    ("in its first year as a customer", lambda x: x.first_year),
    ("won during the game, gone within its first year", lambda x: x.first_year and x.won_in_game),
    ("a planned touch was missed this quarter", lambda x: x.missed > 0),
    ("no proactive touch in the last two quarters", lambda x: x.touches == 0),
    ("a one-off project that ended", lambda x: x.project),
)
"""Why clients left, as overlapping reasons (an account can have several)."""


def _reasons(losses: list[Loss]) -> list[dict[str, Any]]:
    """How many clients (and how much ARR) left for each reason of :data:`REASONS`."""
    out = []
    for reason, applies in REASONS:
        hit = [x for x in losses if applies(x)]
        if hit:
            out.append({"reason": reason, "accounts": len(hit), "arr": sum(x.arr for x in hit)})
    return out


def _health(model: GameModel) -> dict[str, Any]:
    """Mean health of the clients now, the share below 40, and the mean by segment."""
    by: dict[str, list[float]] = {s: [] for s in SEGMENTS}
    for a in model.accounts:
        if a.active:
            by[a.segment].append(model.health_of(a))
    every = [h for hs in by.values() for h in hs]
    return {
        "mean": float(np.mean(every)) if every else math.nan,
        "below_40": 100.0 * sum(h < 40 for h in every) / len(every) if every else math.nan,
        "by_segment": {s: float(np.mean(hs)) if hs else math.nan for s, hs in by.items()},
    }


def _hours(ev: Events, capacity: float) -> dict[str, float]:
    """Manager hours by activity in the quarter (work is booked when it ends)."""
    touch = ev.kind_is("touch")
    pitch = ev.kind_is("upsell", "upsell_fail") | (touch & (ev.detail == "pitch"))
    onboarding = touch & np.char.startswith(ev.detail.astype(str), "onboarding")
    rescue = touch & (ev.detail == "rescue")
    check_ins = touch & ~pitch & ~onboarding & ~rescue
    out = {
        "issues": float(ev.hours[ev.kind_is("issue_resolved")].sum()),
        "check_ins": float(ev.hours[check_ins].sum()),
        "onboarding": float(ev.hours[onboarding].sum()),
        "rescue": float(ev.hours[rescue].sum()),
        "pitches": float(ev.hours[pitch].sum()),
    }
    out["idle"] = max(capacity - sum(out.values()), 0.0)
    out["capacity"] = capacity
    return out


def _segments(model: GameModel, ev: Events, losses: list[Loss]) -> dict[str, Any]:
    """Per segment: clients and ARR now, clients and ARR lost, touches made and missed."""
    clients = {s: 0 for s in SEGMENTS}
    arr = {s: 0.0 for s in SEGMENTS}
    for a in model.accounts:
        if a.active:
            clients[a.segment] += 1
            arr[a.segment] += a.arr
    n = len(SEGMENTS)
    touches = np.bincount(ev.seg[ev.proactive()], minlength=n)
    missed = np.bincount(ev.seg[ev.kind_is("touch_missed")], minlength=n)
    out: dict[str, Any] = {}
    for i, s in enumerate(SEGMENTS):
        mine = [x for x in losses if x.segment == s]
        out[s] = {
            "clients": clients[s],
            "arr": arr[s],
            "lost": len(mine),
            "arr_lost": sum(x.arr for x in mine),
            "touches": int(touches[i]),
            "missed_touches": int(missed[i]),
        }
    return out


def _pitches(ev: Events, healthy: float) -> dict[str, int]:
    """Upsell pitches made, won and failed; failed ones at accounts below ``healthy``."""
    won, failed = ev.kind_is("upsell"), ev.kind_is("upsell_fail")
    return {
        "made": int((won | failed).sum()),
        "won": int(won.sum()),
        "failed": int(failed.sum()),
        "failed_unhealthy": int((failed & (ev.health < healthy)).sum()),
    }


def money(amount: float) -> str:
    """A short amount: ``310k``, ``1.2M``.

    >>> money(310_400), money(1_234_000), money(950)
    ('310k', '1.2M', '950')
    """
    if abs(amount) >= 1e6:
        return f"{amount / 1e6:.1f}M"
    if abs(amount) >= 1e3:
        return f"{amount / 1e3:.0f}k"
    return f"{amount:.0f}"


def key_events(ev: Events, losses: list[Loss], figures: dict[str, float]) -> list[str]:
    """The two or three events of the quarter that mattered most, as plain sentences.

    The rule, in order: (1) the client lost with the largest ARR, with what led up to it
    (missed touches, no touch, its health); (2) the largest ARR won, a new deal or an upsell;
    (3) the team's missed touches when above 5 % of those planned, else the second-largest
    client lost. Quiet quarters get fewer sentences.
    """
    out: list[str] = []
    if losses:
        out.append(_loss_sentence(losses[0]))
    gains = np.flatnonzero(ev.kind_is("convert", "upsell"))
    if len(gains):
        i = gains[np.argmax(ev.arr_change[gains])]
        who, amount = SEGMENT_WORDS[SEGMENTS[ev.seg[i]]], money(ev.arr_change[i])
        if ev.kind[i] == EVENT_CODE["convert"]:
            out.append(f"A new {who.lower()} ({ev.account[i]}) signed for {amount} ARR.")
        else:
            out.append(
                f"{who} {ev.account[i]} bought an expansion worth {amount} ARR "
                f"(health {ev.health[i]:.0f})."
            )
    share = figures.get("missed_touch_share", math.nan)
    if share == share and share > MISSED_SHARE_WORTH_A_SENTENCE:
        missed = int(ev.kind_is("touch_missed").sum())
        out.append(
            f"The team missed {missed} planned touches ({share:.0f} % of those planned): no "
            "manager was free in time."
        )
    elif len(losses) > 1:
        out.append(_loss_sentence(losses[1]))
    return out[:3]


def _loss_sentence(x: Loss) -> str:
    how = "churned at renewal" if x.event == "churn" else "defected to a competitor"
    if x.missed:
        why = f" after {x.missed} missed touch{'es' if x.missed > 1 else ''}"
    elif not x.touches:
        why = " with no proactive touch in the last two quarters"
    else:
        why = f" despite {x.touches} touch{'es' if x.touches > 1 else ''}"
    return (
        f"{SEGMENT_WORDS[x.segment]} {x.account} (ARR {money(x.arr)}) {how}{why}; "
        f"its health was {x.health:.0f}."
    )


def _jsonable(value: Any) -> Any:
    """Plain Python: numpy numbers to int/float, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value
