"""A customer's life: the events that happen to an account while it holds a contract.

:class:`CustomerLife` is one part of :class:`simkit.engine.model.Model` (a mixin: it uses
the model's ``env``, ``team``, ``ledger``, ``tapes``, ``strategy`` and ``behaviour``).
Its main process, :meth:`CustomerLife.customer`, is a next-event loop: one SimPy process per
customer that keeps its clocks -- next issue, next expansion opportunity, next competitor
call, next survey answer, contract end and, when relationship mapping is switched on, the
day a key account's champion leaves -- and sleeps until the earliest::

    while True:
        when = min(due)
        clock = due.index(when)
        yield self.env.timeout(when - self.env.now)
        ...                       # handle that event, wind that clock on

Work that needs a manager -- resolving an issue, pitching an upsell -- runs as its own
process holding a chair of the team (:meth:`CustomerLife.resolve_issue`,
:meth:`CustomerLife.pitch`), so an account can wait for help while life goes on.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from simkit.engine import rules
from simkit.engine.accounts import Account, Stage
from simkit.engine.scenario import DAYS_PER_YEAR, MAX_ACCOUNT_ARR
from simkit.engine.streams import exponential, geometric, normal

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.ledger import Ledger
    from simkit.engine.scenario import Behaviour, Relationships, SegmentSpec, Theory
    from simkit.engine.strategies import Strategy
    from simkit.engine.streams import Tape

Process = Generator[simpy.Event, object, None]
"""What every model process is: a generator of SimPy events."""

CUSTOMER, LOYAL, FORMER = Stage.CUSTOMER, Stage.LOYAL, Stage.FORMER
ISSUE, OPPORTUNITY, APPROACH, SURVEY, RENEWAL, CHAMPION = range(6)  # a customer's clocks
KEY = 0  # the segment index of key accounts (the only ones whose contacts are mapped)
PITCH_PRIORITY = 3  # upsell pitches wait behind issues and proactive work
GOLDEN = 0.6180339887498949  # spreads the phases of regular touches and surveys over time


class CustomerLife:
    """The processes and events of an account that holds a contract (part of the model)."""

    env: simpy.Environment
    team: simpy.PriorityResource
    ledger: Ledger
    tapes: dict[str, Tape]
    strategy: Strategy
    behaviour: Behaviour
    theory: Theory | None
    relations: Relationships
    projects: set[int]
    segments: list[SegmentSpec]
    days_per_hour: float

    def current(self, a: Account, life: int) -> bool:
        """Whether ``a`` is still the customer it was when a process started (``life``)."""
        return a.life == life and (a.stage == CUSTOMER or a.stage == LOYAL)

    def customer(self, a: Account) -> Process:
        """One customer relationship, from the won contract until the account leaves.

        Five things happen to a customer on their own clocks: issues arrive, expansion
        opportunities appear, competitors call (all at random), survey answers come in, and
        the contract comes up for renewal. The process keeps the time each clock next rings,
        sleeps until the earliest (``yield env.timeout(...)``), handles that event, and winds
        that clock on. It ends when the account churns or defects -- the only two ways out,
        and both happen here.
        """
        spec, b, now = self.segments[a.seg], self.behaviour, self.env.now
        tapes = self.tapes
        inf = math.inf
        issue_gap = DAYS_PER_YEAR / spec.issues_per_year if spec.issues_per_year else inf
        opportunity_gap = DAYS_PER_YEAR / spec.upsells_per_year if spec.upsells_per_year else inf
        approach_gap = (
            DAYS_PER_YEAR / spec.competitor_approaches_per_year
            if spec.competitor_approaches_per_year else inf
        )  # fmt: skip
        surveyed = self.theory is None and b.survey_response_rate > 0
        rel = self.relations
        champion_gap = (
            DAYS_PER_YEAR / rel.champion_leaves_per_year
            if rel.champion_leaves_per_year and a.seg == KEY else inf
        )  # fmt: skip
        if self.theory is not None:  # theory mode: nothing but renewals
            issue_gap = opportunity_gap = approach_gap = champion_gap = inf
        # the next time each clock rings: issue, opportunity, approach, survey, renewal, champion
        due = [
            now + exponential(tapes["issues"].next(a.id), issue_gap) if issue_gap < inf else inf,
            now + self.opportunity_wait(a, opportunity_gap),
            now + self.approach_wait(a, approach_gap),
            now + self.survey_wait(a, (a.id * GOLDEN) % 1.0 * b.survey_interval_days)
            if surveyed else inf,
            a.contract_end,
            now + exponential(tapes["champions"].next(a.id), champion_gap)
            if champion_gap < inf else inf,
        ]  # fmt: skip
        while True:
            when = min(due)
            clock = due.index(when)
            yield self.env.timeout(when - self.env.now)
            if clock == ISSUE:
                self.open_issue(a)
                due[ISSUE] = when + exponential(tapes["issues"].next(a.id), issue_gap)
            elif clock == OPPORTUNITY:
                self.opportunity(a)
                due[OPPORTUNITY] = when + self.opportunity_wait(a, opportunity_gap)
            elif clock == APPROACH:
                if self.approach(a):
                    return
                due[APPROACH] = when + self.approach_wait(a, approach_gap)
            elif clock == SURVEY:
                self.survey(a)
                due[SURVEY] = when + self.survey_wait(a, b.survey_interval_days)
            elif clock == RENEWAL:
                if not self.renew(a):
                    return
                due[RENEWAL] = a.contract_end
            else:
                self.champion_leaves(a)
                due[CHAMPION] = when + exponential(tapes["champions"].next(a.id), champion_gap)

    def opportunity_wait(self, a: Account, mean_gap: float) -> float:
        """Days to ``a``'s next expansion opportunity (and the draw that will decide a pitch)."""
        if mean_gap == math.inf:
            return math.inf
        tape = self.tapes["upsells"]
        a.upsell_u = tape.next(a.id)
        return exponential(tape.next(a.id), mean_gap)

    def approach_wait(self, a: Account, mean_gap: float) -> float:
        """Days to the next competitor approach (and the draw that will decide it)."""
        if mean_gap == math.inf:
            return math.inf
        tape = self.tapes["competitors"]
        a.approach_u = tape.next(a.id)
        return exponential(tape.next(a.id), mean_gap)

    def survey_wait(self, a: Account, first: float) -> float:
        """Days to ``a``'s next survey *answer*: ``first`` to the next survey, plus a whole
        interval for each survey that goes unanswered before it (a geometric number), so the
        process never wakes for silence."""
        b = self.behaviour
        unanswered = geometric(self.tapes["surveys"].next(a.id), b.survey_response_rate)
        return first + unanswered * b.survey_interval_days

    def renew(self, a: Account) -> bool:
        """The contract ends: renew (maybe smaller, maybe changing loyalty) or churn.
        Returns whether the account stays. A one-off project ends here unless it has turned
        into an ongoing account (:meth:`project_ends`)."""
        b, h = self.behaviour, self.health_of(a)
        if a.id in self.projects and self.project_ends(a, h):
            return False
        p = self.renewal_probability(a, h)
        if self.tapes["renewals"].next(a.id) >= p:
            self.leave(a, "churn", p)
            return False
        a.renewals += 1
        a.contract_end = self.env.now + a.term_days
        self.ledger.note("renew", a, a.stage, a.stage, value=p)
        if self.theory is None:
            cut = rules.contraction(a.arr, h, b.contraction_health, b.contraction_share)
            if cut > 0:
                self.ledger.set_arr(a, a.arr - cut)
                self.ledger.note("contract", a, a.stage, a.stage, arr_change=-cut)
        if a.stage == LOYAL and self.theory is None and rules.drops_loyalty(h, b.loyal_drop_health):
            self.move(a, CUSTOMER, "demote")
        elif a.stage == CUSTOMER and (
            rules.becomes_loyal(a.renewals, h, b.loyalty_renewals, b.loyalty_health)
            or (self.theory is not None and a.renewals >= b.loyalty_renewals)
        ):
            self.move(a, LOYAL, "promote")
        return True

    def project_ends(self, a: Account, health: float) -> bool:
        """A project's term is over: a client healthy enough
        (:func:`~simkit.engine.rules.project_continues`) becomes an ongoing account and goes on
        to the usual renewal; any other leaves (a ``project_end`` row, then a ``churn`` row, so
        every count of clients who left includes it). Returns whether the project ended."""
        self.projects.discard(a.id)
        if rules.project_continues(health, self.relations.project_to_ongoing_health):
            self.ledger.note("project_ongoing", a, a.stage, a.stage, value=health)
            return False
        self.ledger.note("project_end", a, a.stage, a.stage, value=health)
        self.leave(a, "churn", 0.0)
        return True

    def champion_leaves(self, a: Account) -> None:
        """A key account's champion leaves: the account loses health, less when the team knows
        several people there (:func:`~simkit.engine.rules.champion_loss`)."""
        rel = self.relations
        loss = rules.champion_loss(rel.champion_loss_health, rel.key_contacts)
        self.set_health(a, self.health_of(a) - loss)
        self.ledger.note("champion_left", a, a.stage, a.stage, value=loss)

    def renewal_probability(self, a: Account, health: float) -> float:
        """The chance ``a`` renews now (its fixed probability in theory mode)."""
        if self.theory is not None:
            return a.p_renew
        b = self.behaviour
        return rules.renewal_probability(
            health, b.renewal_at_50, b.renewal_slope,
            loyal_factor=b.loyal_churn_factor if a.stage == LOYAL else 1.0,
            first_term_factor=b.first_term_churn_factor if a.renewals == 0 else 1.0,
        )  # fmt: skip

    def leave(self, a: Account, event: str, p: float) -> None:
        """``a`` stops being a customer (``"churn"`` or ``"defect"``): ARR to 0, former."""
        lost = a.arr
        if a.alert_at is not None:  # let the health watcher see that the account has gone
            a.alert_at = None
            a.watcher.interrupt()
        self.ledger.set_arr(a, 0.0)
        a.contract_end = None
        self.move(a, FORMER, event, value=p, arr_change=-lost)
        if self.theory is None and self.behaviour.winback_per_year > 0:
            self.start(self.winback(a, a.life))

    def open_issue(self, a: Account) -> None:
        """An issue arrives: it hurts health and waits for a manager (:meth:`resolve_issue`)."""
        effort = exponential(self.tapes["issues"].next(a.id), self.segments[a.seg].issue_hours)
        a.open_issues += 1
        self.set_health(a, self.health_of(a) - self.behaviour.issue_health_hit)
        self.ledger.note("issue_open", a, a.stage, a.stage)
        self.start(self.resolve_issue(a, effort, self.strategy.issue_priority(a)))

    def resolve_issue(self, a: Account, effort: float, priority: int) -> Process:
        """Wait for a free manager, work the issue; a long wait costs health, and an
        overloaded team's fix helps less (:meth:`~simkit.engine.team.TeamWork.work`)."""
        asked = self.env.now
        started, quality = yield from self.work(effort, priority)
        a.open_issues -= 1
        if a.stage == CUSTOMER or a.stage == LOYAL:
            b = self.behaviour
            gain = rules.resolution_gain(
                started - asked, b.resolution_health_gain * quality, b.wait_health_penalty_per_day
            )
            self.set_health(a, self.health_of(a) + gain)
        self.ledger.note(
            "issue_resolved", a, a.stage, a.stage, value=self.env.now - asked, hours=effort
        )

    def opportunity(self, a: Account) -> None:
        """An expansion opportunity: the strategy decides whether a manager pitches it."""
        if self.strategy.pitch_upsell(a):
            self.start(self.pitch(a, a.upsell_u))
        else:
            value = a.arr * self.behaviour.upsell_uplift
            self.ledger.note("opportunity_missed", a, a.stage, a.stage, value=value)

    def pitch(self, a: Account, u: float) -> Process:
        """A manager pitches; success rises with health, failure annoys an unhappy account."""
        b = self.behaviour
        yield from self.work(b.pitch_hours, PITCH_PRIORITY)
        if not (a.stage == CUSTOMER or a.stage == LOYAL):  # left while the pitch waited
            self.ledger.note("touch", a, a.stage, a.stage, hours=b.pitch_hours, detail="pitch")
            return
        h = self.health_of(a)
        boost = b.upsell_loyal_boost if a.stage == LOYAL else 1.0
        p = rules.upsell_probability(h, b.upsell_success_at_100, loyal_boost=boost)
        if u < p:
            gain = rules.upsell_gain(a.arr, b.upsell_uplift, MAX_ACCOUNT_ARR)
            self.ledger.set_arr(a, a.arr + gain)
            self.set_health(a, h + rules.UPSELL_HEALTH_GAIN)
            self.ledger.note(
                "upsell", a, a.stage, a.stage, arr_change=gain, value=p, hours=b.pitch_hours
            )
            self.start_check_ins(a)  # a bigger account may now qualify for regular touches
        else:
            hit = rules.failed_pitch_hit(h, b.serve_before_sell_health, b.pitch_fail_health_hit)
            if hit:
                self.set_health(a, h - hit)
            self.ledger.note("upsell_fail", a, a.stage, a.stage, value=p, hours=b.pitch_hours)

    def approach(self, a: Account) -> bool:
        """A competitor calls ("wolves at the door"): an unhappy account may defect mid-term.
        Returns whether it left."""
        b = self.behaviour
        loyal = b.loyal_churn_factor if a.stage == LOYAL else 1.0
        p = rules.defection_probability(
            self.health_of(a), b.competitor_defect_at_0, loyal_factor=loyal
        )
        if a.approach_u < p:
            self.leave(a, "defect", p)
            return True
        self.ledger.note("approach", a, a.stage, a.stage, value=p)
        return False

    def survey(self, a: Account) -> None:
        """A survey answer (NPS, 0-10): it follows health, with noise."""
        b = self.behaviour
        mean = rules.survey_mean(self.health_of(a), b.nps_at_50, b.nps_per_10_health)
        score = rules.survey_score(
            mean, normal(self.tapes["surveys"].next(a.id), 0.0, b.nps_noise_sd)
        )
        self.ledger.note("survey", a, a.stage, a.stage, value=float(score))
        rate = self.relations.referral_rate
        if rate > 0 and score >= rules.PROMOTER_SCORE:  # no draw unless referrals are on
            tape = self.tapes["referrals"]
            if rules.refers(score, tape.next(a.id), rate):
                self.refer(a, tape.next(a.id))
