"""The SimPy model: a book of accounts, a team of account managers, and time.

Picture a support desk with ``team.managers`` chairs: the team is a
:class:`simpy.PriorityResource`. Every piece of account-manager work -- resolving an issue, a
quarterly business review, an onboarding call, a rescue call, an upsell pitch -- is a small
process that asks for a chair, holds it for as long as the work takes and gives it back::

    def resolve_issue(self, account, effort, priority):
        asked = self.env.now
        with self.team.request(priority=priority) as chair:
            yield chair                                  # wait for a free manager
            yield self.env.timeout(effort * days_per_hour)
        ...                                              # health moves with the wait

When every chair is taken, work waits in a queue ordered by the strategy's priorities; the
wait shows up as time to resolution, and waiting customers lose health.

Each account lives through a few concurrent processes, one per thing that happens to it at
random or on a calendar: issues arrive (:meth:`Model.issues`), expansion opportunities
appear (:meth:`Model.opportunities`), competitors call (:meth:`Model.competitors`), surveys
go out (:meth:`Model.surveys`), the contract comes up for renewal (:meth:`Model.contract`),
and the strategy's regular check-ins and onboarding reviews come due
(:meth:`Model.check_ins`, :meth:`Model.onboarding`). Each process sleeps with
``yield env.timeout(gap)`` until its next event and ends when the account stops being a
customer. Prospects arrive from the pipeline (:meth:`Model.pipeline`) and go through a sales
cycle (:meth:`Model.sales_cycle`).

Nothing is ticked day by day: health is stored at the account's last health-changing event
and drifted forward by formula when it is needed (:func:`simkit.engine.rules.drifted_health`).
Every behaviour rule -- how likely a renewal is, how much a touch helps -- is a pure function
in :mod:`simkit.engine.rules`; every random number comes from the account's own tape for
that purpose (:mod:`simkit.engine.streams`), so strategies face the same luck.

Run a model with :func:`simulate`:

>>> from simkit.engine.scenario import default_scenario
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
>>> sorted(res.events["event"].unique())[:3]
['approach', 'arrival', 'churn']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simkit.engine import rules
from simkit.engine.accounts import Account, Stage
from simkit.engine.book import Opening, imported_book, sampled_book
from simkit.engine.ledger import NO_STAGE, Ledger
from simkit.engine.results import Record, Results
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario
from simkit.engine.strategies import Alert, Strategy, Touch, get_strategy
from simkit.engine.streams import Streams, exponential, normal

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Process = Generator[simpy.Event, object, None]
"""What every model process is: a generator of SimPy events."""

PROSPECT, CUSTOMER, LOYAL, FORMER = Stage.PROSPECT, Stage.CUSTOMER, Stage.LOYAL, Stage.FORMER
ISSUE_PRIORITY_PITCH = 3  # upsell pitches wait behind issues and proactive work
GOLDEN = 0.6180339887498949  # spreads the phases of regular touches and surveys over time


class Model:
    """One replication of one scenario under one strategy.

    Building a model lays out the starting book and starts every process; :meth:`run` runs
    SimPy to the end of the horizon. Use :func:`simulate` unless you need to step the model
    yourself (``model.env.run(until=...)``) or look at its live state.

    Attributes
    ----------
    env : the :class:`simpy.Environment`; time is in days.
    team : the account managers, a :class:`simpy.PriorityResource` (lower priority value is
        served first).
    accounts : every account that ever existed in the run, in order of appearance.
    ledger : the :class:`~simkit.engine.ledger.Ledger`: running totals, revenue, month-end
        snapshots and the event log of everything that happened after the warm-up.
    t0, t_end : when measurement starts (after the warm-up) and ends, in days.
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy | str,
        replication: int = 0,
        book: pd.DataFrame | None = None,
    ) -> None:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
        if replication < 0:
            raise ValueError(f"replication must be >= 0, got {replication}")
        self.scenario = sc = scenario
        self.strategy = copy.deepcopy(get_strategy(strategy))
        self.replication = replication
        self.env = simpy.Environment()
        self.team = simpy.PriorityResource(self.env, capacity=sc.team.managers)
        self.days_per_hour = sc.team.days_per_hour
        self.behaviour = b = sc.behaviour
        self.rest, self.rate = b.health_floor, b.decay_rate
        self.theory = sc.theory
        self.segments = [sc.portfolio.segment(s) for s in SEGMENTS]
        mix = np.array([sc.pipeline.segment_mix.get(s, 0.0) for s in SEGMENTS], float)
        self.mix_cdf = np.cumsum(mix) / mix.sum() if mix.sum() > 0 else np.ones(4)
        # a cohort (and theory mode, which always starts one) is measured from its first day
        self.t0 = sc.warmup_days if sc.start == "book" and sc.theory is None else 0.0
        self.t_end = self.t0 + sc.horizon_days
        self.months = int(sc.horizon_days / DAYS_PER_MONTH + 1e-9)
        self.streams = st = Streams(sc.seed, replication)
        self.tapes = {p: st.tape(p) for p in ("pipeline", "issues", "renewals", "upsells")}
        self.tapes.update({p: st.tape(p) for p in ("competitors", "surveys", "winback")})
        self.accounts: list[Account] = []
        self.ledger = Ledger(lambda: self.env.now, self.rest, self.rate)
        self.alerts_on = type(self.strategy).health_alert is not Strategy.health_alert or hasattr(
            self.strategy, "parts"
        )
        self._open(book)

    # ------------------------------------------------------------------ running
    def run(self) -> Results:
        """Run to the end of the horizon and return the results."""
        # events at exactly t_end still belong to the horizon (periods are (start, end])
        self.env.run(until=self.t_end + 1e-7)
        return Results.from_record(self.record())

    def record(self) -> Record:
        """What the run has recorded so far, as a plain :class:`~simkit.engine.results.Record`."""
        now = self.env.now
        return Record(
            scenario=self.scenario,
            strategy=self.strategy.name,
            replication=self.replication,
            t0=self.t0,
            log=self.ledger.log,
            snapshots=self.ledger.snapshots,
            accounts=[
                (
                    a.id,
                    a.seg,
                    int(a.stage),
                    a.arr,
                    self.health_of(a),
                    a.renewals,
                    math.nan if a.customer_since is None else a.customer_since - self.t0,
                    a.owner,
                )
                for a in self.accounts
            ],  # fmt: skip
            end=now,
        )

    def health_of(self, a: Account) -> float:
        """Health of ``a`` now: drifted from its last health-changing event."""
        return rules.drifted_health(
            a.health_then, self.env.now - a.health_since, self.rest, self.rate
        )

    # ------------------------------------------------------------------ changing accounts
    def set_health(self, a: Account, health: float) -> None:
        """Store a new health for ``a`` (clipped to 0-100) and re-arm its health alert."""
        a.health_then = rules.clip_health(health)
        a.health_since = self.env.now
        if self.alerts_on:
            self.arm_alert(a)

    def move(self, a: Account, stage: Stage, event: str, value: float = math.nan,
             arr_change: float = 0.0) -> None:  # fmt: skip
        """Change an account's stage and log the move as ``event``."""
        before = a.stage
        self.ledger.set_stage(a, stage)
        self.ledger.note(event, a, before, stage, arr_change=arr_change, value=value)
        if stage == CUSTOMER or stage == LOYAL:
            self.start_check_ins(a)

    def start(self, process: Process) -> simpy.Process:
        """Start a process (shorthand for ``env.process``)."""
        return self.env.process(process)

    # ------------------------------------------------------------------ the starting book
    def new_account(self, segment: int, stage: Stage) -> Account:
        """Create an account in ``stage`` (counted in the running totals) and return it."""
        a = Account(self, len(self.accounts), SEGMENTS[segment], segment, stage)
        a.owner = a.id % self.scenario.team.managers
        self.accounts.append(a)
        self.ledger.add(a)
        return a

    def _open(self, book: pd.DataFrame | None) -> None:
        """Lay out the starting book and start every process."""
        sc = self.scenario
        gen = self.streams.generator("portfolio")
        cohort = sc.start == "cohort" or sc.theory is not None
        openings = sampled_book(sc, gen) if book is None else imported_book(book, sc, gen)
        seg_index = {s: i for i, s in enumerate(SEGMENTS)}
        for o in openings:
            self._place(o, seg_index[o.segment])
        if self.theory is not None:
            t, n = self.theory, len(self.accounts)
            if t.renewal == "constant":
                p = np.full(n, t.r)
            else:  # sBG: the *churn* probability is Beta(alpha, beta), S(t) = B(a, b+t)/B(a, b)
                p = 1.0 - self.streams.generator("theory").beta(t.alpha, t.beta, n)
            for a, pa in zip(self.accounts, p, strict=True):
                a.p_renew = float(pa)
        self.strategy.setup(self.accounts)
        for a in list(self.accounts):
            if a.stage == PROSPECT:  # an imported prospect: its deal is in the pipeline
                self.start(self.sales_cycle(a, draw_size=False))
            else:
                self.become_customer(a, onboard=cohort and self.theory is None)
        if self.theory is None and book is None and not cohort:
            n = round(
                sc.pipeline.prospects_per_month * sc.pipeline.sales_cycle_days / DAYS_PER_MONTH
            )
            for u in gen.random(int(n)):
                a = self.new_account(self.pick_segment(float(u)), PROSPECT)
                self.start(self.sales_cycle(a, draw_size=True))
        if self.theory is None and sc.pipeline.prospects_per_month > 0:
            self.start(self.pipeline())
        self.start(self.measure())

    def _place(self, o: Opening, seg: int) -> None:
        stage = {"prospect": PROSPECT, "customer": CUSTOMER, "loyal": LOYAL}[o.stage]
        a = self.new_account(seg, PROSPECT if stage == PROSPECT else CUSTOMER)
        a.term_days = o.term_days
        a.health_then = o.health
        if stage == PROSPECT:
            a.potential_arr = o.arr
            return
        self.ledger.set_arr(a, o.arr)
        a.renewals = o.renewals
        a.customer_since = o.customer_since
        a.contract_end = o.contract_end
        if stage == LOYAL:
            self.ledger.set_stage(a, LOYAL)

    def become_customer(self, a: Account, onboard: bool) -> None:
        """Start the processes of an account that holds a contract."""
        a.life += 1
        self.start(self.contract(a, a.life))
        if self.theory is not None:
            return  # theory mode: renewals only, no strategy, no random clocks
        spec, b = self.segments[a.seg], self.behaviour
        if spec.issues_per_year > 0:
            self.start(self.issues(a, a.life))
        if spec.upsells_per_year > 0:
            self.start(self.opportunities(a, a.life))
        if spec.competitor_approaches_per_year > 0:
            self.start(self.competitors(a, a.life))
        if b.survey_response_rate > 0:
            self.start(self.surveys(a, a.life))
        self.start_check_ins(a)
        if onboard:
            self.start(self.onboarding(a, a.life))
        if self.alerts_on:
            self.arm_alert(a)

    # ------------------------------------------------------------------ measurement
    def measure(self) -> Process:
        """Wait out the warm-up, log every account's state, then snapshot each month-end."""
        if self.t0 > 0:
            yield self.env.timeout(self.t0)
        self.ledger.begin(self.accounts)
        for month in range(self.months + 1):
            if month:
                yield self.env.timeout(self.t0 + month * DAYS_PER_MONTH - self.env.now)
            self.ledger.snapshot(month, self.env.now - self.t0, self.accounts)

    # ------------------------------------------------------------------ the pipeline
    def pick_segment(self, u: float) -> int:
        """The segment of a new prospect, from a uniform number and the pipeline's mix."""
        return min(int(np.searchsorted(self.mix_cdf, u, side="right")), 3)

    def pipeline(self) -> Process:
        """New prospects arrive at random (a Poisson process) and start a sales cycle."""
        arrivals = self.streams.arrivals
        mean_gap = DAYS_PER_MONTH / self.scenario.pipeline.prospects_per_month
        while True:
            yield self.env.timeout(float(arrivals.exponential(mean_gap)))
            a = self.new_account(self.pick_segment(float(arrivals.random())), PROSPECT)
            self.ledger.note("arrival", a, NO_STAGE, PROSPECT)
            self.start(self.sales_cycle(a, draw_size=True))

    def sales_cycle(self, a: Account, draw_size: bool) -> Process:
        """A prospect's deal: after a random sales cycle it is won (customer) or lost."""
        spec, tape = self.segments[a.seg], self.tapes["pipeline"]
        u_size, u_cycle = tape.next(a.id), tape.next(a.id)
        if draw_size or a.potential_arr <= 0:
            a.potential_arr = spec.arr_median * math.exp(spec.arr_sigma * normal(u_size))
        yield self.env.timeout(exponential(u_cycle, self.scenario.pipeline.sales_cycle_days))
        if tape.next(a.id) >= self.scenario.pipeline.conversion:
            self.move(a, FORMER, "lost")
            return
        now = self.env.now
        a.term_days = spec.term_months * DAYS_PER_MONTH
        a.renewals = 0
        a.customer_since = now
        a.contract_end = now + a.term_days
        a.health_then, a.health_since = self.behaviour.new_customer_health, now
        a.alert_at = None
        self.ledger.set_stage(a, CUSTOMER)
        self.ledger.set_arr(a, a.potential_arr)
        self.ledger.note("convert", a, PROSPECT, CUSTOMER, arr_change=a.arr)
        self.become_customer(a, onboard=True)

    def winback(self, a: Account, life: int) -> Process:
        """A former customer may be won back, some day, as a prospect."""
        mean = DAYS_PER_YEAR / self.behaviour.winback_per_year
        yield self.env.timeout(exponential(self.tapes["winback"].next(a.id), mean))
        if a.stage == FORMER and a.life == life:
            self.move(a, PROSPECT, "winback")
            self.start(self.sales_cycle(a, draw_size=False))

    # ------------------------------------------------------------------ a customer's life
    def current(self, a: Account, life: int) -> bool:
        """Whether ``a`` is still the customer it was when a process started (``life``)."""
        return a.life == life and (a.stage == CUSTOMER or a.stage == LOYAL)

    def contract(self, a: Account, life: int) -> Process:
        """Renew at each contract end, or churn; renewals may contract ARR or move loyalty."""
        b, renewals = self.behaviour, self.tapes["renewals"]
        while True:
            yield self.env.timeout(a.contract_end - self.env.now)
            if not self.current(a, life):
                return
            h = self.health_of(a)
            p = self.renewal_probability(a, h)
            if renewals.next(a.id) >= p:
                self.leave(a, "churn", p)
                return
            a.renewals += 1
            a.contract_end = self.env.now + a.term_days
            self.ledger.note("renew", a, a.stage, a.stage, value=p)
            if self.theory is None:
                cut = rules.contraction(a.arr, h, b.contraction_health, b.contraction_share)
                if cut > 0:
                    self.ledger.set_arr(a, a.arr - cut)
                    self.ledger.note("contract", a, a.stage, a.stage, arr_change=-cut)
            if (
                a.stage == LOYAL
                and self.theory is None
                and rules.drops_loyalty(h, b.loyal_drop_health)
            ):
                self.move(a, CUSTOMER, "demote")
            elif a.stage == CUSTOMER and (
                rules.becomes_loyal(a.renewals, h, b.loyalty_renewals, b.loyalty_health)
                or (self.theory is not None and a.renewals >= b.loyalty_renewals)
            ):
                self.move(a, LOYAL, "promote")

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
        self.ledger.set_arr(a, 0.0)
        a.contract_end = None
        self.move(a, FORMER, event, value=p, arr_change=-lost)
        if self.theory is None and self.behaviour.winback_per_year > 0:
            self.start(self.winback(a, a.life))

    def issues(self, a: Account, life: int) -> Process:
        """Issues arrive at random; each hurts health and waits for a manager to resolve it."""
        spec, tape = self.segments[a.seg], self.tapes["issues"]
        mean_gap = DAYS_PER_YEAR / spec.issues_per_year
        while True:
            yield self.env.timeout(exponential(tape.next(a.id), mean_gap))
            if not self.current(a, life):
                return
            effort = exponential(tape.next(a.id), spec.issue_hours)
            a.open_issues += 1
            self.set_health(a, self.health_of(a) - self.behaviour.issue_health_hit)
            self.ledger.note("issue_open", a, a.stage, a.stage)
            self.start(self.resolve_issue(a, effort, self.strategy.issue_priority(a)))

    def resolve_issue(self, a: Account, effort: float, priority: int) -> Process:
        """Wait for a free manager, work the issue; a long wait costs health."""
        asked = self.env.now
        with self.team.request(priority=priority) as chair:
            yield chair
            wait = self.env.now - asked
            yield self.env.timeout(effort * self.days_per_hour)
        a.open_issues -= 1
        if a.stage == CUSTOMER or a.stage == LOYAL:
            b = self.behaviour
            gain = rules.resolution_gain(
                wait, b.resolution_health_gain, b.wait_health_penalty_per_day
            )
            self.set_health(a, self.health_of(a) + gain)
        self.ledger.note(
            "issue_resolved", a, a.stage, a.stage, value=self.env.now - asked, hours=effort
        )

    def opportunities(self, a: Account, life: int) -> Process:
        """Expansion opportunities appear at random; the strategy decides whether to pitch."""
        spec, tape, b = self.segments[a.seg], self.tapes["upsells"], self.behaviour
        mean_gap = DAYS_PER_YEAR / spec.upsells_per_year
        while True:
            u = tape.next(a.id)
            yield self.env.timeout(exponential(tape.next(a.id), mean_gap))
            if not self.current(a, life):
                return
            if self.strategy.pitch_upsell(a):
                self.start(self.pitch(a, u))
            else:
                self.ledger.note(
                    "opportunity_missed", a, a.stage, a.stage, value=a.arr * b.upsell_uplift
                )

    def pitch(self, a: Account, u: float) -> Process:
        """A manager pitches; success rises with health, failure annoys an unhappy account."""
        b = self.behaviour
        with self.team.request(priority=ISSUE_PRIORITY_PITCH) as chair:
            yield chair
            yield self.env.timeout(b.pitch_hours * self.days_per_hour)
        if not (a.stage == CUSTOMER or a.stage == LOYAL):  # left while the pitch waited
            self.ledger.note("touch", a, a.stage, a.stage, hours=b.pitch_hours, detail="pitch")
            return
        h = self.health_of(a)
        boost = b.upsell_loyal_boost if a.stage == LOYAL else 1.0
        p = rules.upsell_probability(h, b.upsell_success_at_100, loyal_boost=boost)
        if u < p:
            gain = a.arr * b.upsell_uplift
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

    def competitors(self, a: Account, life: int) -> Process:
        """Competitors approach at random; an unhappy account may defect mid-term."""
        spec, tape, b = self.segments[a.seg], self.tapes["competitors"], self.behaviour
        mean_gap = DAYS_PER_YEAR / spec.competitor_approaches_per_year
        while True:
            u = tape.next(a.id)
            yield self.env.timeout(exponential(tape.next(a.id), mean_gap))
            if not self.current(a, life):
                return
            loyal = b.loyal_churn_factor if a.stage == LOYAL else 1.0
            p = rules.defection_probability(
                self.health_of(a), b.competitor_defect_at_0, loyal_factor=loyal
            )
            if u < p:
                self.leave(a, "defect", p)
                return
            self.ledger.note("approach", a, a.stage, a.stage, value=p)

    def surveys(self, a: Account, life: int) -> Process:
        """NPS surveys go out on a calendar; answers follow health, with noise."""
        b, tape = self.behaviour, self.tapes["surveys"]
        yield self.env.timeout((a.id * GOLDEN) % 1.0 * b.survey_interval_days)
        while self.current(a, life):
            u_respond, u_noise = tape.next(a.id), tape.next(a.id)
            if u_respond < b.survey_response_rate:
                mean = rules.survey_mean(self.health_of(a), b.nps_at_50, b.nps_per_10_health)
                score = rules.survey_score(mean, normal(u_noise, 0.0, b.nps_noise_sd))
                self.ledger.note("survey", a, a.stage, a.stage, value=float(score))
            yield self.env.timeout(b.survey_interval_days)

    # ------------------------------------------------------------------ the strategy's work
    def start_check_ins(self, a: Account) -> None:
        """Start the strategy's regular touches for ``a`` if it qualifies and has none yet."""
        if a.checking_in == a.life or self.theory is not None or not self.current(a, a.life):
            return
        cadence = self.strategy.check_in(a)
        if cadence is not None:
            a.checking_in = a.life
            self.start(self.check_ins(a, a.life, cadence.every_days))

    def check_ins(self, a: Account, life: int, every_days: float) -> Process:
        """The strategy's regular touch, at its cadence, while the account qualifies."""
        yield self.env.timeout(max(((a.id * GOLDEN + 0.5) % 1.0) * every_days, 1.0))
        while True:
            cadence = self.strategy.check_in(a) if self.current(a, life) else None
            if cadence is None:
                if a.checking_in == life:
                    a.checking_in = 0  # free to start again if the account qualifies later
                return
            self.start(self.touch(a, cadence.touch))
            yield self.env.timeout(cadence.every_days)

    def onboarding(self, a: Account, life: int) -> Process:
        """The strategy's reviews after a contract is won (e.g. day 30 and day 90)."""
        start = self.env.now
        for day, touch in sorted(self.strategy.onboarding(a), key=lambda dt: dt[0]):
            yield self.env.timeout(start + day - self.env.now)
            if self.current(a, life):
                self.start(self.touch(a, touch))

    def touch(self, a: Account, touch: Touch) -> Process:
        """Proactive work: wait for a manager, spend the hours; the account's health rises."""
        with self.team.request(priority=touch.priority) as chair:
            yield chair
            yield self.env.timeout(touch.hours * self.days_per_hour)
        if touch.kind == "rescue":
            a.rescue_busy = False
        if a.stage == CUSTOMER or a.stage == LOYAL:
            a.last_touch = self.env.now
            h = self.health_of(a)
            self.set_health(
                a, h + rules.touch_gain(h, touch.hours, self.behaviour.touch_health_gain)
            )
        self.ledger.note("touch", a, a.stage, a.stage, hours=touch.hours, detail=touch.kind)

    def arm_alert(self, a: Account) -> None:
        """Book a look at ``a`` when drift alone would take its health to the strategy's alert
        threshold (or after the cool-down since the last touch, if that is later)."""
        if a.rescue_busy or not (a.stage == CUSTOMER or a.stage == LOYAL):
            return
        alert = self.strategy.health_alert(a)
        if alert is None:
            return
        now = self.env.now
        delay = rules.days_until_health(a.health_then, alert.threshold, self.rest, self.rate)
        if delay == math.inf:
            return
        at = max(a.health_since + delay, now, a.last_touch + alert.cooldown_days)
        if at <= now:  # already at the threshold and not touched lately: step in now
            self.rescue(a, alert)
        elif a.alert_at is None or not now <= a.alert_at <= at:  # else an earlier look is booked
            a.alert_at = at
            self.start(self.alert(a, at))

    def alert(self, a: Account, at: float) -> Process:
        """At the booked time, rescue ``a`` if its health is at the threshold (else re-arm)."""
        yield self.env.timeout(at - self.env.now)
        if a.alert_at != at:
            return  # superseded by an earlier booking
        a.alert_at = None
        if a.rescue_busy or not (a.stage == CUSTOMER or a.stage == LOYAL):
            return
        alert = self.strategy.health_alert(a)
        if alert is None:
            return
        if self.health_of(a) > alert.threshold + 1e-6:
            self.arm_alert(a)
        else:
            self.rescue(a, alert)

    def rescue(self, a: Account, alert: Alert) -> None:
        """Send a manager to an account whose health has fallen to the alert threshold."""
        a.alert_at = None  # any look booked for later is no longer needed
        a.rescue_busy = True
        a.last_touch = self.env.now
        self.start(self.touch(a, Touch("rescue", alert.touch.hours, alert.touch.priority)))


def simulate(
    scenario: Scenario,
    strategy: Strategy | str = "reactive",
    replication: int = 0,
    book: pd.DataFrame | None = None,
) -> Results:
    """Run one replication of ``scenario`` under ``strategy`` and return its results.

    Same scenario, strategy and replication give identical results in any process.
    ``book`` replaces the sampled starting book with an imported account list (columns
    :data:`simkit.engine.book.BOOK_COLUMNS`; see :func:`simkit.io.portfolio.read_csv`).

    >>> from simkit.engine.scenario import default_scenario
    >>> a = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> b = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> a.events.equals(b.events)
    True
    """
    return Model(scenario, strategy, replication, book).run()
