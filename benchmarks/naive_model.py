"""The way not to build it: a time-stepped model that ticks every account every day.

Used by ``bench_engine.py`` as the baseline the event-driven engine is measured against.
It follows the engine's behaviour rules for the reactive strategy (health drift, issues and
their resolution by a limited team in priority order, expansion pitches, competitor
approaches, surveys, renewals with loyalty and contraction, churn, win-back, the prospect
pipeline, monthly snapshots) but, like a spreadsheet, it updates every account's health
every simulated day and rolls a die for every random process of every account every day.
It is written plainly and without waste (local variables, one pass per day), so the
comparison measures the method, not sloppy code.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario

PROSPECT, CUSTOMER, LOYAL, FORMER = 0, 1, 2, 3


@dataclass
class _Acct:
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
class _Job:
    priority: int
    requested: float
    seq: int
    acct: _Acct = field(compare=False)
    hours: float = field(compare=False)
    left: float = field(compare=False)
    kind: str = field(compare=False)


class NaiveModel:
    """Reactive strategy, one tick per simulated day for every account."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.sc = sc = scenario
        self.rng = random.Random(seed)
        self.specs = [sc.portfolio.segment(s) for s in SEGMENTS]
        self.events: list[tuple] = []
        self.snapshots: list[tuple] = []
        self.accounts: list[_Acct] = []
        self.jobs: list[_Job] = []
        self.seq = 0
        b = sc.behaviour
        rng = self.rng
        for seg, spec in enumerate(self.specs):
            for _ in range(spec.count):
                a = _Acct(seg, CUSTOMER, term=spec.term_months * DAYS_PER_MONTH)
                a.arr = spec.arr_median * math.exp(spec.arr_sigma * rng.gauss(0, 1))
                a.health = min(
                    99.0, max(1.0, rng.gauss(b.initial_health_mean, b.initial_health_sd))
                )
                tenure = rng.expovariate(1 / (3 * DAYS_PER_YEAR))
                a.renewals = int(tenure // a.term)
                a.contract_end = a.term - tenure % a.term
                a.survey_phase = rng.randrange(int(b.survey_interval_days))
                if a.renewals >= b.loyalty_renewals and a.health >= b.loyalty_health:
                    a.stage = LOYAL
                self.accounts.append(a)

    def _log(self, day: int, a: _Acct, event: str, value: float = math.nan) -> None:
        self.events.append((day, id(a), event, a.stage, a.arr, a.health, value))

    def _new_prospect(self, day: int) -> None:
        rng, sc = self.rng, self.sc
        mix = [sc.pipeline.segment_mix.get(s, 0.0) for s in SEGMENTS]
        seg = rng.choices(range(4), weights=mix)[0]
        spec = self.specs[seg]
        a = _Acct(seg, PROSPECT, term=spec.term_months * DAYS_PER_MONTH)
        a.potential = spec.arr_median * math.exp(spec.arr_sigma * rng.gauss(0, 1))
        a.decision_day = day + rng.expovariate(1 / sc.pipeline.sales_cycle_days)
        a.survey_phase = rng.randrange(int(sc.behaviour.survey_interval_days))
        self.accounts.append(a)
        self._log(day, a, "arrival")

    def _leave(self, day: int, a: _Acct, event: str) -> None:
        a.stage, a.arr = FORMER, 0.0
        self._log(day, a, event)

    def _renew(self, day: int, a: _Acct) -> None:
        b, rng = self.sc.behaviour, self.rng
        h = a.health
        logit = math.log(b.renewal_at_50 / (1 - b.renewal_at_50)) + b.renewal_slope * (h - 50) / 10
        odds = math.exp(-logit) * (b.loyal_churn_factor if a.stage == LOYAL else 1.0)
        if a.renewals == 0:
            odds *= b.first_term_churn_factor
        if rng.random() >= 1 / (1 + odds):
            self._leave(day, a, "churn")
            return
        a.renewals += 1
        a.contract_end += a.term
        self._log(day, a, "renew")
        if h < b.contraction_health:
            a.arr *= 1 - b.contraction_share
            self._log(day, a, "contract")
        if a.stage == LOYAL and h < b.loyal_drop_health:
            a.stage = CUSTOMER
            self._log(day, a, "demote")
        elif a.stage == CUSTOMER and a.renewals >= b.loyalty_renewals and h >= b.loyalty_health:
            a.stage = LOYAL
            self._log(day, a, "promote")

    def _request(self, day: int, a: _Acct, hours: float, priority: int, kind: str) -> None:
        self.seq += 1
        self.jobs.append(_Job(priority, day, self.seq, a, hours, hours, kind))

    def _work_the_queue(self, day: int) -> None:
        """Each manager works hours_per_week / 7 hours a day on the most urgent jobs."""
        b, team = self.sc.behaviour, self.sc.team
        self.jobs.sort()
        per_manager = team.hours_per_week / 7
        budget = [per_manager] * team.managers
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
            a = job.acct
            active = a.stage in (CUSTOMER, LOYAL)
            if job.kind == "issue":
                if active:
                    wait = day - job.requested
                    gain = b.resolution_health_gain - b.wait_health_penalty_per_day * wait
                    a.health = min(100.0, max(0.0, a.health + gain))
                self._log(day, a, "issue_resolved", day - job.requested)
            elif active:
                p = b.upsell_success_at_100 * a.health / 100
                p *= b.upsell_loyal_boost if a.stage == LOYAL else 1.0
                if self.rng.random() < min(p, 0.99):
                    a.arr *= 1 + b.upsell_uplift
                    a.health = min(100.0, a.health + 2.0)
                    self._log(day, a, "upsell")
                else:
                    if a.health < b.serve_before_sell_health:
                        a.health = max(0.0, a.health - b.pitch_fail_health_hit)
                    self._log(day, a, "upsell_fail")

    def _prepare(self) -> tuple[int, float]:
        """Daily probabilities of every random process; returns (days, arrivals per day)."""
        sc, b = self.sc, self.sc.behaviour
        self._rates = (
            b.health_floor,
            math.exp(-b.decay_rate),  # health drift over one day
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
        if day % 30 == 0:
            self._snapshot(day)

    def _tick(self, day: int, a: _Acct) -> None:
        """One account's day: drift its health, roll a die for every random process."""
        sc, b, rng = self.sc, self.sc.behaviour, self.rng
        rest, drift, p_issue, p_upsell, p_wolf, p_winback, interval = self._rates
        a.health = rest + (a.health - rest) * drift  # every account, every day
        stage = a.stage
        if stage == CUSTOMER or stage == LOYAL:
            seg = a.seg
            if rng.random() < p_issue[seg]:
                a.health = max(0.0, a.health - b.issue_health_hit)
                self._log(day, a, "issue_open")
                hours = rng.expovariate(1 / self.specs[seg].issue_hours)
                self._request(day, a, hours, 1, "issue")
            if rng.random() < p_upsell[seg]:
                if a.health >= 50:
                    self._request(day, a, b.pitch_hours or 1e-9, 3, "pitch")
                else:
                    self._log(day, a, "opportunity_missed")
            if rng.random() < p_wolf[seg]:
                p = b.competitor_defect_at_0 * (1 - a.health / 100) ** 2
                p *= b.loyal_churn_factor if stage == LOYAL else 1.0
                if rng.random() < p:
                    self._leave(day, a, "defect")
                    return
                self._log(day, a, "approach")
            if (day + a.survey_phase) % interval == 0:
                if rng.random() < b.survey_response_rate:
                    mean = b.nps_at_50 + b.nps_per_10_health * (a.health - 50) / 10
                    score = min(10, max(0, round(rng.gauss(mean, b.nps_noise_sd))))
                    self._log(day, a, "survey", float(score))
            if day >= a.contract_end:
                self._renew(day, a)
        elif stage == PROSPECT:
            if day >= a.decision_day:
                if rng.random() < sc.pipeline.conversion:
                    a.stage, a.arr, a.renewals = CUSTOMER, a.potential, 0
                    a.health = b.new_customer_health
                    a.contract_end = day + a.term
                    self._log(day, a, "convert")
                else:
                    self._leave(day, a, "lost")
        elif rng.random() < p_winback:
            a.stage = PROSPECT
            a.decision_day = day + rng.expovariate(1 / sc.pipeline.sales_cycle_days)
            self._log(day, a, "winback")

    def run_simpy(self) -> list[tuple]:
        """The same daily ticks written the way a first SimPy model often is: one process
        per account that wakes every simulated day, plus a daily process for the pipeline
        and the team. Same rules, same work per tick; SimPy schedules every tick."""
        import simpy

        days, arrivals_per_day = self._prepare()
        env = simpy.Environment()

        def account(a: _Acct):
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
                if day % 30 == 0:
                    self._snapshot(day)
                yield env.timeout(1)

        for a in self.accounts:
            env.process(account(a))
        env.process(office())
        env.run(until=days)
        return self.events

    def _snapshot(self, day: int) -> None:
        counts = [[0] * 4 for _ in range(4)]
        health = [[0.0] * 4 for _ in range(4)]
        for a in self.accounts:
            counts[a.stage][a.seg] += 1
            health[a.stage][a.seg] += a.health
        self.snapshots.append((day, counts, health))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's Poisson draw (small means)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
