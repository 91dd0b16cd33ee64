"""The debrief: each team's decisions against its outcomes, and the classic mistakes.

After the last round the instructor walks the room through what happened. Every classic
mistake of account management is one pure function here: it reads a team's decisions and
quarter reports (:mod:`simkit.workshop.report`) and returns a :class:`Mistake` with its
*evidence from the numbers*, or None when the team did not make it:

=========================  ==================================================================
``over_booked``            the team planned more than it could do: utilisation above the
                           sustainable load, or more than 5 % of planned touches missed
``no_onboarding``          onboarding reviews off, and customers won in the game left in year one
``no_rescue``              no rescue calls, and clients left with health below 40
``pitching_unhealthy``     pitching every account, and pitches failed at unhealthy accounts
``neglected_key_accounts`` key accounts got neither check-ins nor rescue calls, and key
                           accounts left or their health sank below 50
``overstaffing``           a whole manager or more sat idle (utilisation far below the
                           sustainable load)
``cut_into_overload``      the team was cut, and the smaller team was overloaded
=========================  ==================================================================

:func:`mistakes` runs them all; :func:`debrief` adds the decisions round by round, the
outcome, and "what would proactive check-ins or customer success have done with your book"
from the reference runs on the same book and luck.

>>> from simkit.workshop.decisions import Decisions
>>> calm = {"round": 1, "managers": 4, "figures": {"utilisation": 60.0,
...         "missed_touch_share": 0.0}, "sustainable_load": 85.0}
>>> over_booked([Decisions(managers=4)], [calm]) is None
True
>>> busy = dict(calm, figures={"utilisation": 97.0, "missed_touch_share": 12.0})
>>> print(over_booked([Decisions(managers=4)], [busy]).evidence)
Round 1: utilisation 97 % (sustainable 85 %), 12 % of planned touches missed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from simkit.analysis.registry import label
from simkit.engine.scenario import SEGMENTS
from simkit.engine.strategies import strategy_label
from simkit.workshop.decisions import CHOICE_LABELS, Decisions
from simkit.workshop.report import money

__all__ = [
    "CHECKS",
    "Mistake",
    "debrief",
    "describe_decisions",
    "mistakes",
]

Report = Mapping[str, Any]

MISSED_SHARE_LIMIT = 5.0
"""Missed touches above this share (%) of those planned mean the team was over-booked."""

KEY_HEALTH_FLOOR = 50.0
"""Key accounts' mean health below this counts as neglect (with no check-ins, no rescue)."""

WHAT_IF = ("proactive_check_ins", "customer_success")
"""The references the debrief holds each team's book up against."""

OUTCOME = ("operating_profit", "nrr", "logo_retention", "nps")
"""The figures (since the start) the debrief compares."""


@dataclass(frozen=True)
class Mistake:
    """A classic mistake a team made: what, where (rounds), the numbers, and what to try."""

    code: str
    title: str
    rounds: tuple[int, ...]
    evidence: str
    advice: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {**asdict(self), "rounds": list(self.rounds)}


def _figure(report: Report, name: str) -> float:
    value = report.get("figures", {}).get(name)
    return math.nan if value is None else float(value)


def _pairs(
    decisions: Sequence[Decisions], reports: Sequence[Report]
) -> list[tuple[Decisions, Report]]:
    return list(zip(decisions, reports, strict=False))


def _overloaded(report: Report) -> bool:
    util, missed = _figure(report, "utilisation"), _figure(report, "missed_touch_share")
    return util > report.get("sustainable_load", 85.0) or missed > MISSED_SHARE_LIMIT


def _load_words(report: Report) -> str:
    util, missed = _figure(report, "utilisation"), _figure(report, "missed_touch_share")
    words = f"utilisation {util:.0f} % (sustainable {report.get('sustainable_load', 85.0):.0f} %)"
    if missed == missed:
        words += f", {missed:.0f} % of planned touches missed"
    return words


def _segments_with(d: Decisions, field: str, value: object) -> list[str]:
    return [s for s in SEGMENTS if getattr(d.segment(s), field) == value]


def _reason(report: Report, reason: str) -> tuple[int, float]:
    for r in report.get("reasons", ()):
        if r["reason"] == reason:
            return int(r["accounts"]), float(r["arr"])
    return 0, 0.0


# -- the classic mistakes ---------------------------------------------------------------------
def over_booked(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """More work than the team could do: utilisation above the sustainable load or more
    than 5 % of the planned touches missed, in some round."""
    bad = [r for _, r in _pairs(decisions, reports) if _overloaded(r)]
    if not bad:
        return None
    return Mistake(
        "over_booked",
        "The team was over-booked",
        tuple(int(r["round"]) for r in bad),
        " ".join(f"Round {r['round']}: {_load_words(r)}." for r in bad),
        "Plan proactive work within the team's hours (the capacity meter), or hire before "
        "adding work: missed and rushed touches help less than fewer, kept ones.",
    )


def no_onboarding(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """Onboarding off (in some segment) while customers won during the game left within
    their first year (customers won before the game started are not counted: no onboarding
    decision of the team could reach them)."""
    hits = []
    for d, r in _pairs(decisions, reports):
        off = _segments_with(d, "onboarding", False)
        lost, arr = _reason(r, "won during the game, gone within its first year")
        if off and lost:
            hits.append((r, off, lost, arr))
    if not hits:
        return None
    return Mistake(
        "no_onboarding",
        "New customers were left without onboarding",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(
            f"Round {r['round']}: onboarding off for {', '.join(off)}; {lost} customer(s) won "
            f"during the game left within their first year (ARR {money(arr)})."
            for r, off, lost, arr in hits
        ),
        "First-year customers churn more; 30- and 90-day reviews lift their health while it "
        "matters most.",
    )


def no_rescue(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """No rescue calls (in some segment) while clients left with health below 40."""
    hits = []
    for d, r in _pairs(decisions, reports):
        off = _segments_with(d, "rescue", "off")
        lost, arr = _reason(r, "health below 40 when it left")
        if off and lost:
            hits.append((r, off, lost, arr))
    if not hits:
        return None
    return Mistake(
        "no_rescue",
        "Unhappy accounts got no rescue call",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(
            f"Round {r['round']}: no rescue calls for {', '.join(off)}; {lost} client(s) left "
            f"with health below 40 (ARR {money(arr)})."
            for r, off, lost, arr in hits
        ),
        "A health alert finds the accounts about to leave; a rescue call costs two hours, "
        "a lost account its whole ARR.",
    )


def pitching_unhealthy(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """Pitching every account ("always"), and pitches failed at unhealthy accounts."""
    hits = []
    for d, r in _pairs(decisions, reports):
        always = _segments_with(d, "upsell", "always")
        failed = int(r.get("pitches", {}).get("failed_unhealthy", 0))
        if always and failed:
            hits.append((r, always, failed))
    if not hits:
        return None
    return Mistake(
        "pitching_unhealthy",
        "Selling before serving",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(
            f"Round {r['round']}: pitching every account in {', '.join(always)}; {failed} "
            "pitch(es) failed at unhealthy accounts, which cost them health."
            for r, always, failed in hits
        ),
        "Pitch healthy accounts; fix an unhappy account's problems before selling to it.",
    )


def neglected_key_accounts(
    decisions: Sequence[Decisions], reports: Sequence[Report]
) -> Mistake | None:
    """Key accounts with neither check-ins nor rescue calls, and key accounts lost or their
    mean health below 50."""
    hits = []
    for d, r in _pairs(decisions, reports):
        key = d.segment("key")
        if key.check_ins != "none" or key.rescue != "off":
            continue
        seg = r.get("segments", {}).get("key", {})
        health = r.get("health", {}).get("by_segment", {}).get("key")
        lost = int(seg.get("lost", 0))
        sick = health is not None and health < KEY_HEALTH_FLOOR
        if lost or sick:
            hits.append((r, lost, float(seg.get("arr_lost", 0.0)), health))
    if not hits:
        return None

    def words(r: Report, lost: int, arr: float, health: float | None) -> str:
        parts = [f"Round {r['round']}: no check-ins or rescue calls for key accounts"]
        if lost:
            parts.append(f"{lost} key account(s) left (ARR {money(arr)})")
        if health is not None:
            parts.append(f"their mean health was {health:.0f}")
        return "; ".join(parts) + "."

    return Mistake(
        "neglected_key_accounts",
        "Key accounts were neglected",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(words(*h) for h in hits),
        "A few key accounts carry much of the ARR: a QBR each quarter is cheap insurance.",
    )


def overstaffing(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """A whole manager or more idle: the team's work would have fitted a smaller team
    within the sustainable load."""
    hits = []
    for d, r in _pairs(decisions, reports):
        util = _figure(r, "utilisation")
        if util != util:
            continue
        needed = math.ceil(d.managers * util / r.get("sustainable_load", 85.0) - 1e-9)
        spare = d.managers - max(needed, 1)
        if spare >= 1:
            salary = _figure(r, "team_cost") / d.managers
            hits.append((r, d.managers, util, spare, spare * salary / 4))
    if not hits:
        return None
    return Mistake(
        "overstaffing",
        "Managers sat idle",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(
            f"Round {r['round']}: {n} managers were {util:.0f} % busy; {spare} fewer would have "
            f"done the same work (about {money(cost)} of salary that quarter)."
            for r, n, util, spare, cost in hits
        ),
        "Either give the spare hours work that pays (check-ins, onboarding, rescue) or "
        "carry a smaller team.",
    )


def cut_into_overload(decisions: Sequence[Decisions], reports: Sequence[Report]) -> Mistake | None:
    """The team was cut, and the smaller team was overloaded that quarter."""
    hits = []
    pairs = _pairs(decisions, reports)
    for (before, _), (d, r) in zip(pairs, pairs[1:], strict=False):
        if d.managers < before.managers and _overloaded(r):
            hits.append((r, before.managers, d.managers))
    if not hits:
        return None
    return Mistake(
        "cut_into_overload",
        "The team was cut into overload",
        tuple(int(r["round"]) for r, *_ in hits),
        " ".join(
            f"Round {r['round']}: cut from {a} to {b} managers; {_load_words(r)}."
            for r, a, b in hits
        ),
        "Cutting saves salary only if the remaining team can still do the work; the missed "
        "touches and overload show up later as churn.",
    )


CHECKS: tuple[Callable[[Sequence[Decisions], Sequence[Report]], Mistake | None], ...] = (
    over_booked,
    no_onboarding,
    no_rescue,
    pitching_unhealthy,
    neglected_key_accounts,
    overstaffing,
    cut_into_overload,
)
"""Every classic mistake, in the order the debrief lists them."""


def mistakes(decisions_by_round: Sequence[Decisions], reports: Sequence[Report]) -> list[Mistake]:
    """Every classic mistake (:data:`CHECKS`) the team made, with its evidence."""
    return [m for check in CHECKS if (m := check(decisions_by_round, reports)) is not None]


# -- the debrief ----------------------------------------------------------------------------
def describe_decisions(d: Decisions) -> str:
    """A quarter's decisions in one line.

    >>> for part in describe_decisions(Decisions(managers=4)).split("; "):
    ...     print(part)
    4 managers
    no check-ins
    no onboarding
    no rescue calls
    pitch healthy accounts everywhere
    issues key > enterprise > mid_market > small
    """

    def by(field: str, skip: object) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for s in SEGMENTS:
            value = getattr(d.segment(s), field)
            if value != skip:
                groups.setdefault(str(value), []).append(s)
        return groups

    check_ins = by("check_ins", "none")
    onboard = [s for s in SEGMENTS if d.segment(s).onboarding]
    rescue = by("rescue", "off")
    upsell = by("upsell", None)
    parts = [f"{d.managers} managers"]

    def listed(groups: dict[str, list[str]]) -> str:
        return "; ".join(f"{CHOICE_LABELS[v]} for {', '.join(s)}" for v, s in groups.items())

    parts.append(listed(check_ins) if check_ins else "no check-ins")
    parts.append(f"onboarding for {', '.join(onboard)}" if onboard else "no onboarding")
    parts.append(listed(rescue) if rescue else "no rescue calls")
    if len(upsell) == 1:
        parts.append(f"{CHOICE_LABELS[next(iter(upsell))]} everywhere")
    else:
        parts.append("; ".join(f"{CHOICE_LABELS[v]} in {', '.join(s)}" for v, s in upsell.items()))
    parts.append("issues " + " > ".join(d.issue_priority))
    return "; ".join(parts)


def debrief(
    decisions_by_round: Sequence[Decisions],
    reports: Sequence[Report],
    references: Mapping[str, Sequence[Report]] | None = None,
) -> dict[str, Any]:
    """One team's debrief, JSON-able: ``rounds`` (decisions in words and the quarter's
    figures), ``outcome`` (figures since the start, with registry labels), ``mistakes``
    (:func:`mistakes`), and ``what_if`` -- what proactive check-ins and customer success did
    with the same book and luck by the same round, and the difference to the team."""
    rounds = []
    for d, r in _pairs(decisions_by_round, reports):
        rounds.append(
            {
                "round": int(r["round"]),
                "decisions": describe_decisions(d),
                "figures": {m: r["figures"].get(m) for m in OUTCOME},
                "events": list(r.get("events", ())),
            }
        )
    last = reports[-1] if reports else None
    outcome = {m: last["cumulative"].get(m) for m in OUTCOME} if last else {}
    what_if = {}
    for name in WHAT_IF:
        runs = [x for x in (references or {}).get(name, ()) if last and x["round"] <= last["round"]]
        if not runs:
            continue
        theirs = {m: runs[-1]["cumulative"].get(m) for m in OUTCOME}
        diff = {
            m: None if theirs[m] is None or outcome.get(m) is None else theirs[m] - outcome[m]
            for m in OUTCOME
        }
        what_if[name] = {
            "label": strategy_label(name),
            "figures": theirs,
            "difference": diff,
            "sentence": _what_if_sentence(name, theirs, diff),
        }
    return {
        "rounds": rounds,
        "outcome": outcome,
        "labels": {m: label(m) for m in OUTCOME},
        "mistakes": [m.to_dict() for m in mistakes(decisions_by_round, reports)],
        "what_if": what_if,
    }


def _what_if_sentence(name: str, theirs: Mapping[str, Any], diff: Mapping[str, Any]) -> str:
    profit, d_profit = theirs.get("operating_profit"), diff.get("operating_profit")
    nrr, d_nrr = theirs.get("nrr"), diff.get("nrr")
    if profit is None or d_profit is None or nrr is None or d_nrr is None:
        return f"{strategy_label(name)} on your book: not enough data."
    more = "more" if d_profit >= 0 else "less"
    return (
        f"{strategy_label(name)} on your book and luck: operating profit {money(profit)} a "
        f"year ({money(abs(d_profit))} {more} than yours), NRR {nrr:.1f} % "
        f"({d_nrr:+.1f} points against yours)."
    )
