"""The way not to build it: a time-stepped model that ticks every account every day.

``bench_engine.py`` measures the SimPy engine against this baseline. It plays the reactive
strategy with the engine's own behaviour rules -- every formula comes from
:mod:`simkit.engine.rules`, the starting book from :func:`simkit.engine.book.sampled_book`,
the pitch decision from :class:`simkit.engine.strategies.Reactive` -- but, like a
spreadsheet, it updates every account's health every simulated day and rolls a die for every
random process of every account every day (issues, expansion opportunities, competitor
approaches, win-back), then lets the team work its queue for the day.

It is written plainly and without waste (local variables, one pass per day, the daily health
drift as one multiply-add whose factor is taken from :func:`~simkit.engine.rules.drifted_health`),
so the comparison measures the method, not sloppy code. Two ways to run it:

* :meth:`NaiveModel.run`: a plain Python loop over days and, inside it, over accounts (the
  hardest baseline to beat);
* :meth:`NaiveModel.run_simpy`: the same ticks written as a first SimPy model often is, one
  process per account waking every simulated day.

>>> from simkit.engine.scenario import default_scenario
>>> small = default_scenario().update(
...     {"horizon_years": 1, "warmup_years": 0, "portfolio.small.count": 20,
...      "portfolio.mid_market.count": 0, "portfolio.enterprise.count": 0,
...      "portfolio.key.count": 0, "team.managers": 1})
>>> events = NaiveModel(small, seed=1).run()
>>> sorted({e[2] for e in events} & {"issue_open", "issue_resolved"})
['issue_open', 'issue_resolved']
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from simkit.engine import rules
from simkit.engine.book import sampled_book
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario
from simkit.engine.strategies import Reactive

PROSPECT, CUSTOMER, LOYAL, FORMER = 0, 1, 2, 3
PITCH_PRIORITY = 3
"""Queue priority of an upsell pitch, as in the engine: behind issues and proactive work."""
SNAPSHOT_EVERY = 30
"""Days between book snapshots (the engine snapshots at month-ends)."""


@dataclass
class Acct:
    """One account of the daily-tick model: plain attributes, health stored as it is today."""

    seg: int
    stage: int
    arr: float = 0.0
    health: float = 50.0
    renewals: int = 0
    term: float = 365.0
    contract_end: float = 0.0
    decision_day: float = 0.0
    potential: float = 0.0
    survey_phase: int = 0


@dataclass(order=True)
class Job:
    """A piece of manager work waiting in the daily queue (ordered by priority, then age)."""

    priority: int
    requested: float
    seq: int
    acct: Acct = field(compare=False)
    hours: float = field(compare=False)
    left: float = field(compare=False)
    kind: str = field(compare=False)


class NaiveModel:
    """The reactive strategy with one tick per simulated day for every account.

    ``events`` collects ``(day, account id, event, stage, arr, health, value)`` tuples and
    ``snapshots`` the book every :data:`SNAPSHOT_EVERY` days. Build one per run.
    """

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.sc = sc = scenario
        self.b = b = sc.behaviour
        self.rng = random.Random(seed)
        self.specs = [sc.portfolio.segment(s) for s in SEGMENTS]
        self.strategy = Reactive()
        self.events: list[tuple] = []
        self.snapshots: list[tuple] = []
        self.accounts: list[Acct] = []
        self.jobs: list[Job] = []
        self.seq = 0
        seg_index = {s: i for i, s in enumerate(SEGMENTS)}
        stage_code = {"customer": CUSTOMER, "loyal": LOYAL}
        interval = int(b.survey_interval_days)
        for o in sampled_book(sc, np.random.default_rng(seed)):
            a = Acct(seg_index[o.segment], stage_code[o.stage], o.arr, o.health, o.renewals)
            a.term, a.contract_end = o.term_days, o.contract_end
            a.survey_phase = self.rng.randrange(interval)
            self.accounts.append(a)
        # the pipeline starts full, as in the engine: a sales cycle's worth of prospects
        pipeline = sc.pipeline
        for _ in range(
            round(pipeline.prospects_per_month * pipeline.sales_cycle_days / DAYS_PER_MONTH)
        ):
            self._new_prospect(0, log=False)

    # ------------------------------------------------------------------ bookkeeping
    def _log(self, day: int, a: Acct, event: str, value: float = math.nan) -> None:
        self.events.append((day, id(a), event, a.stage, a.arr, a.health, value))

    def _snapshot(self, day: int) -> None:
        counts = [[0] * 4 for _ in range(4)]
        health = [[0.0] * 4 for _ in range(4)]
        for a in self.accounts:
            counts[a.stage][a.seg] += 1
            health[a.stage][a.seg] += a.health
        self.snapshots.append((day, counts, health))

    # ------------------------------------------------------------------ what happens
    def _new_prospect(self, day: int, log: bool = True) -> None:
        rng, sc = self.rng, self.sc
        mix = [sc.pipeline.segment_mix.get(s, 0.0) for s in SEGMENTS]
        seg = rng.choices(range(4), weights=mix)[0]
        spec = self.specs[seg]
        a = Acct(seg, PROSPECT, term=spec.term_months * DAYS_PER_MONTH)
        a.potential = spec.arr_median * math.exp(spec.arr_sigma * rng.gauss(0, 1))
        a.decision_day = day + rng.expovariate(1 / sc.pipeline.sales_cycle_days)
        a.survey_phase = rng.randrange(int(self.b.survey_interval_days))
        self.accounts.append(a)
        if log:
            self._log(day, a, "arrival")

    def _leave(self, day: int, a: Acct, event: str) -> None:
        a.stage, a.arr = FORMER, 0.0
        self._log(day, a, event)

    def _renew(self, day: int, a: Acct) -> None:
        """The contract ends today: renew (maybe smaller, maybe changing loyalty) or churn."""
        b, h = self.b, a.health
        p = rules.renewal_probability(
            h, b.renewal_at_50, b.renewal_slope,
            loyal_factor=b.loyal_churn_factor if a.stage == LOYAL else 1.0,
            first_term_factor=b.first_term_churn_factor if a.renewals == 0 else 1.0,
        )  # fmt: skip
        if self.rng.random() >= p:
            self._leave(day, a, "churn")
            return
        a.renewals += 1
        a.contract_end += a.term
        self._log(day, a, "renew", p)
        cut = rules.contraction(a.arr, h, b.contraction_health, b.contraction_share)
        if cut > 0:
            a.arr -= cut
            self._log(day, a, "contract")
        if a.stage == LOYAL and rules.drops_loyalty(h, b.loyal_drop_health):
            a.stage = CUSTOMER
            self._log(day, a, "demote")
        elif a.stage == CUSTOMER and rules.becomes_loyal(
            a.renewals, h, b.loyalty_renewals, b.loyalty_health
        ):
            a.stage = LOYAL
            self._log(day, a, "promote")

    def _request(self, day: int, a: Acct, hours: float, priority: int, kind: str) -> None:
        self.seq += 1
        self.jobs.append(Job(priority, day, self.seq, a, hours, hours, kind))

    def _finish(self, day: int, job: Job) -> None:
        """A job is done today: an issue resolved, or a pitch answered."""
        b, a = self.b, job.acct
        active = a.stage == CUSTOMER or a.stage == LOYAL
        if job.kind == "issue":
            if active:
                gain = rules.resolution_gain(
                    day - job.requested, b.resolution_health_gain, b.wait_health_penalty_per_day
                )
                a.health = rules.clip_health(a.health + gain)
            self._log(day, a, "issue_resolved", day - job.requested)
        elif active:
            boost = b.upsell_loyal_boost if a.stage == LOYAL else 1.0
            p = rules.upsell_probability(a.health, b.upsell_success_at_100, loyal_boost=boost)
            if self.rng.random() < p:
                a.arr += a.arr * b.upsell_uplift
                a.health = rules.clip_health(a.health + rules.UPSELL_HEALTH_GAIN)
                self._log(day, a, "upsell", p)
            else:
                hit = rules.failed_pitch_hit(
                    a.health, b.serve_before_sell_health, b.pitch_fail_health_hit
                )
                a.health = rules.clip_health(a.health - hit)
                self._log(day, a, "upsell_fail", p)

    def _work_the_queue(self, day: int) -> None:
        """Each manager works ``hours_per_week / 7`` hours a day on the most urgent jobs."""
        team = self.sc.team
        self.jobs.sort()
        budget = [team.hours_per_week / 7] * team.managers
        done, m = [], 0
        for job in self.jobs:
            while m < len(budget) and budget[m] <= 1e-12:
                m += 1
            if m == len(budget):
                break
            spent = min(job.left, budget[m])
            job.left -= spent
            budget[m] -= spent
            if job.left <= 1e-12:
                done.append(job)
        for job in done:
            self.jobs.remove(job)
            self._finish(day, job)

    # ------------------------------------------------------------------ the daily tick
    def _prepare(self) -> tuple[int, float]:
        """Daily probabilities of every random process; returns (days, arrivals per day)."""
        sc, b = self.sc, self.b
        self._rates = (
            b.health_floor,
            # drift is linear in the distance to the resting level, so one day of it is one
            # factor: the rule applied to a distance of 1 over 1 day
            rules.drifted_health(1.0, 1.0, rest=0.0, rate=b.decay_rate),
            [s.issues_per_year / DAYS_PER_YEAR for s in self.specs],
            [s.upsells_per_year / DAYS_PER_YEAR for s in self.specs],
            [s.competitor_approaches_per_year / DAYS_PER_YEAR for s in self.specs],
            b.winback_per_year / DAYS_PER_YEAR,
            int(b.survey_interval_days),
        )
        days = int(round((sc.warmup_years + sc.horizon_years) * DAYS_PER_YEAR))
        return days, sc.pipeline.prospects_per_month / DAYS_PER_MONTH

    def run(self) -> list[tuple]:
        """Plain Python: a loop over days, and inside it a loop over every account."""
        days, arrivals_per_day = self._prepare()
        for day in range(days):
            self._day(day, arrivals_per_day)
        return self.events

    def _day(self, day: int, arrivals_per_day: float) -> None:
        """One simulated day: arrivals, every account's tick, the team's work, snapshots."""
        for _ in range(_poisson(self.rng, arrivals_per_day)):
            self._new_prospect(day)
        for a in self.accounts:
            self._tick(day, a)
        self._work_the_queue(day)
        if day % SNAPSHOT_EVERY == 0:
            self._snapshot(day)

    def _tick(self, day: int, a: Acct) -> None:
        """One account's day: drift its health, roll a die for every random process."""
        b, rng = self.b, self.rng
        rest, drift, p_issue, p_upsell, p_wolf, p_winback, interval = self._rates
        a.health = rest + (a.health - rest) * drift  # rules.drifted_health over one day
        stage = a.stage
        if stage == CUSTOMER or stage == LOYAL:
            seg = a.seg
            if rng.random() < p_issue[seg]:
                a.health = rules.clip_health(a.health - b.issue_health_hit)
                self._log(day, a, "issue_open")
                hours = rng.expovariate(1 / self.specs[seg].issue_hours)
                priority = self.strategy.issue_priority(a)  # type: ignore[arg-type]
                self._request(day, a, hours, priority, "issue")
            if rng.random() < p_upsell[seg]:
                if self.strategy.pitch_upsell(a):  # type: ignore[arg-type]  # reads .health
                    self._request(day, a, b.pitch_hours or 1e-9, PITCH_PRIORITY, "pitch")
                else:
                    self._log(day, a, "opportunity_missed")
            if rng.random() < p_wolf[seg]:
                loyal = b.loyal_churn_factor if stage == LOYAL else 1.0
                p = rules.defection_probability(
                    a.health, b.competitor_defect_at_0, loyal_factor=loyal
                )
                if rng.random() < p:
                    self._leave(day, a, "defect")
                    return
                self._log(day, a, "approach", p)
            if (day + a.survey_phase) % interval == 0 and rng.random() < b.survey_response_rate:
                mean = rules.survey_mean(a.health, b.nps_at_50, b.nps_per_10_health)
                score = rules.survey_score(mean, rng.gauss(0.0, b.nps_noise_sd))
                self._log(day, a, "survey", float(score))
            if day >= a.contract_end:
                self._renew(day, a)
        elif stage == PROSPECT:
            if day >= a.decision_day:
                if rng.random() < self.sc.pipeline.conversion:
                    a.stage, a.arr, a.renewals = CUSTOMER, a.potential, 0
                    a.health = b.new_customer_health
                    a.contract_end = day + a.term
                    self._log(day, a, "convert")
                else:
                    self._leave(day, a, "lost")
        elif rng.random() < p_winback:
            a.stage = PROSPECT
            a.decision_day = day + rng.expovariate(1 / self.sc.pipeline.sales_cycle_days)
            self._log(day, a, "winback")

    def run_simpy(self) -> list[tuple]:
        """The same daily ticks written the way a first SimPy model often is: one process
        per account that wakes every simulated day, plus a daily process for the pipeline
        and the team. Same rules, same work per tick; SimPy schedules every tick."""
        import simpy

        days, arrivals_per_day = self._prepare()
        env = simpy.Environment()

        def account(a: Acct):
            while True:
                self._tick(int(env.now), a)
                yield env.timeout(1)

        def office():
            while True:
                day = int(env.now)
                before = len(self.accounts)
                for _ in range(_poisson(self.rng, arrivals_per_day)):
                    self._new_prospect(day)
                for a in self.accounts[before:]:
                    env.process(account(a))
                self._work_the_queue(day)
                if day % SNAPSHOT_EVERY == 0:
                    self._snapshot(day)
                yield env.timeout(1)

        for a in self.accounts:
            env.process(account(a))
        env.process(office())
        env.run(until=days)
        return self.events


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's Poisson draw (small means)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
