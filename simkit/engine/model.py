"""The SimPy model: a book of accounts, a team of account managers, and time.

Picture a support desk with ``team.managers`` chairs (a :class:`simpy.PriorityResource`).
Every piece of account-manager work -- resolving an issue, a quarterly business review, an
onboarding call, a rescue call, an upsell pitch -- needs a chair for as long as it takes.
When all chairs are taken, work waits in a queue ordered by the strategy's priorities; the
wait shows up as time to resolution, and waiting customers lose health.

Each account carries a few independent random clocks, each driven by its own random tape
(see :mod:`simkit.engine.streams`): issue arrivals, expansion opportunities, competitor approaches,
surveys and, when it holds a contract, the renewal date. Nothing is ticked day by day: an
account's health is stored at its last event and drifted forward by formula when needed
(:func:`simkit.engine.accounts.drifted_health`), and each clock schedules only its next event.
The random clocks' events are light callback objects pushed straight onto SimPy's event
queue with exactly the keys a :class:`simpy.Timeout` would get (:class:`_Event`), so they
happen in the same order as timeouts would, at a fraction of the cost; the team is a real
:class:`simpy.PriorityResource`, driven by callbacks rather than one process per job.

Run a model with :func:`simulate`:

>>> from simkit.engine.scenario import default_scenario
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
>>> sorted(res.events["event"].unique())[:3]
['approach', 'arrival', 'churn']
"""

from __future__ import annotations

import copy
import gc
import math
from collections.abc import Callable
from heapq import heappush
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import simpy
from simpy.events import NORMAL

from simkit.engine.accounts import Account, Stage, clip_health
from simkit.engine.events import EVENTS, EventLog
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario
from simkit.engine.strategies import Strategy, Touch, get_strategy
from simkit.engine.streams import Streams, exponential, normal

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results



_E = {name: i for i, name in enumerate(EVENTS)}
_PROSPECT, _CUSTOMER, _LOYAL, _FORMER = Stage.PROSPECT, Stage.CUSTOMER, Stage.LOYAL, Stage.FORMER
_NORMAL = NORMAL  # SimPy's priority for timeouts and succeeded events
_FIRST = -1  # before anything else at the same time (the day mover)
_DAY = 1.0  # width of the event buckets, days
_NONE = -1  # no stage / no detail

# bits of Account.chains: which random clocks are running
_ISSUES, _UPSELLS, _COMPETITORS, _SURVEYS, _CHECKINS = 1, 2, 4, 8, 16
_GOLDEN = 0.6180339887498949  # spreads deterministic phases of regular touches and surveys


class _Event:
    """A scheduled callback: the least :meth:`simpy.Environment.step` needs to process.

    The model pushes these straight onto ``env._queue`` with the key a
    :class:`simpy.Timeout` would get -- (time, NORMAL, next event id) -- so the order of
    events is exactly SimPy's, without building a full event object.
    """

    __slots__ = ("callbacks", "_value")
    _ok = True

    def __init__(self, callbacks: tuple[Callable[[_Event], None]], value: object) -> None:
        self.callbacks = callbacks  # often one tuple shared by every event of a kind
        self._value = value


class _Job:
    """One request for account-manager time, driven by callbacks (no SimPy process)."""

    __slots__ = ("model", "acct", "hours", "kind", "t_request", "t_start", "done", "u", "req")

    def __init__(
        self,
        model: Model,
        acct: Account,
        hours: float,
        kind: str,
        done: Callable[[_Job], None],
        u: float = 0.0,
    ) -> None:
        self.model = model
        self.acct = acct
        self.hours = hours
        self.kind = kind
        self.done = done
        self.u = u
        self.t_request = model.env._now
        self.t_start = 0.0

    def granted(self, _ev: _Event) -> None:
        m = self.model
        self.t_start = now = m.env._now
        end = now + self.hours * m.days_per_hour
        key = (end, _NORMAL, next(m._eid), _Event((self.finished,), None))
        if end < m._horizon:
            heappush(m._queue, key)
        else:
            m._later(key)

    def finished(self, _ev: _Event) -> None:
        self.model.managers.release(self.req)
        self.done(self)


class Model:
    """One replication of one scenario under one strategy.

    Use :func:`simulate` unless you need to step the model yourself.
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
        self.env = env = simpy.Environment()
        self._queue: list[tuple] = env._queue  # events go straight onto SimPy's queue
        self._eid = env._eid
        # events beyond the current day wait in day buckets, keys already assigned
        self._day = 0
        self._horizon = _DAY
        self._buckets: dict[int, list[tuple]] = {}
        heappush(self._queue, (self._horizon, _FIRST, 0, _Event((self._next_day,), None)))
        self._callbacks: dict[Callable, tuple[Callable]] = {}  # one tuple per callback
        self.managers = simpy.PriorityResource(env, capacity=sc.team.managers)
        """The team: every piece of account-manager work holds one of its slots."""
        self.days_per_hour = sc.team.days_per_hour
        b = self.behaviour = sc.behaviour
        self.rest = b.health_floor
        self.rate = b.decay_rate
        self.theory = sc.theory
        self.segments = [sc.portfolio.segment(s) for s in SEGMENTS]
        mix = np.array([sc.pipeline.segment_mix.get(s, 0.0) for s in SEGMENTS], float)
        self._mix_cdf = np.cumsum(mix) / mix.sum() if mix.sum() > 0 else np.ones(4)

        # a cohort (and theory mode, which always starts one) is measured from its first day
        self.t0 = sc.warmup_days if sc.start == "book" and sc.theory is None else 0.0
        self.t_end = self.t0 + sc.horizon_days
        self._months = int(sc.horizon_days / DAYS_PER_MONTH + 1e-9)
        self.book = None if book is None else _check_book(book)
        n_prospects = self._initial_prospect_count()
        self.streams = st = Streams(sc.seed, replication)
        self._t_pipeline = st.tape("pipeline")
        self._t_issues = st.tape("issues")
        self._t_renewals = st.tape("renewals")
        self._t_upsells = st.tape("upsells")
        self._t_competitors = st.tape("competitors")
        self._t_surveys = st.tape("surveys")
        self._t_winback = st.tape("winback")

        self.accounts: list[Account] = []
        self.log = EventLog()
        self._row = self.log.rows.append
        self.recording = False
        # running totals by (stage, segment), for cheap monthly snapshots
        self._count = [[0] * 4 for _ in range(4)]
        self._arr = [[0.0] * 4 for _ in range(4)]
        self._rev = [[0.0] * 4 for _ in range(4)]  # revenue earned since the last snapshot
        self._rev_t = [[0.0] * 4 for _ in range(4)]  # when each cell's revenue was last accrued
        self._snapshots: list[tuple] = []

        strat_cls = type(self.strategy)
        self._alerts_on = strat_cls.health_alert is not Strategy.health_alert or hasattr(
            self.strategy, "parts"
        )
        self._build_start(n_prospects)

    # ------------------------------------------------------------------ public API
    def run(self) -> Results:
        """Run to the end of the horizon and return the results."""
        from simkit.engine.results import Results

        # The run makes no reference cycles (events are freed by reference counting), so the
        # cyclic garbage collector only slows it down, scanning every pending event again
        # and again: it is paused for the run and restored after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            # events at exactly t_end still belong to the horizon (periods are (start, end])
            self.env.run(until=self.t_end + 1e-7)
        finally:
            if collecting:
                gc.enable()
        self.log.flush()
        return Results.from_model(self)

    def health_of(self, a: Account) -> float:
        """Current health of ``a`` (drifted lazily from its last event)."""
        return self.rest + (a._h - self.rest) * math.exp(-self.rate * (self.env._now - a._t))

    # ------------------------------------------------------------------ bookkeeping
    def _log(
        self,
        ev: int,
        a: Account,
        before: int,
        after: int,
        arr_change: float = 0.0,
        value: float = math.nan,
        hours: float = 0.0,
        detail: int = _NONE,
    ) -> None:
        if not self.recording:
            return
        now = self.env._now
        rest = self.rest
        self._row(
            (
                now,
                a.id,
                ev,
                before,
                after,
                a.arr,
                arr_change,
                rest + (a._h - rest) * math.exp(-self.rate * (now - a._t)),
                value,
                hours,
                detail,
            )
        )

    def _accrue(self, stage: int, seg: int) -> None:
        """Book the revenue a (stage, segment) cell earned since it was last touched."""
        now = self.env._now
        self._rev[stage][seg] += (
            self._arr[stage][seg] * (now - self._rev_t[stage][seg]) / DAYS_PER_YEAR
        )
        self._rev_t[stage][seg] = now

    def _accrue_all(self) -> None:
        for st in range(4):
            for sg in range(4):
                self._accrue(st, sg)

    def _set_arr(self, a: Account, arr: float) -> None:
        self._accrue(a.stage, a.seg)
        self._arr[a.stage][a.seg] += arr - a.arr
        a.arr = arr

    def _set_stage(self, a: Account, stage: Stage) -> None:
        if a.arr:
            self._accrue(a.stage, a.seg)
            self._accrue(stage, a.seg)
        self._count[a.stage][a.seg] -= 1
        self._arr[a.stage][a.seg] -= a.arr
        a.stage = stage
        self._count[stage][a.seg] += 1
        self._arr[stage][a.seg] += a.arr

    def _set_health(self, a: Account, h: float) -> None:
        a._h = clip_health(h)
        a._t = self.env._now
        if self._alerts_on:
            self._arm_alert(a)

    def _touch_gain(self, a: Account, hours: float) -> None:
        h = self.health_of(a)
        self._set_health(a, h + self.behaviour.touch_health_gain * math.sqrt(hours) * (1 - h / 100))

    def _at(self, delay: float, fn: Callable[[_Event], None], value: object) -> None:
        """Call ``fn`` in ``delay`` days: a SimPy timeout, minus the Timeout object."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        t = self.env._now + delay
        callbacks = self._callbacks.get(fn)
        if callbacks is None:
            callbacks = self._callbacks[fn] = (fn,)
        key = (t, _NORMAL, next(self._eid), _Event(callbacks, value))
        if t < self._horizon:
            heappush(self._queue, key)
        else:
            self._later(key)

    def _later(self, key: tuple) -> None:
        """Keep an event of a later day in that day's bucket until the day comes."""
        day = int(key[0] // _DAY)
        bucket = self._buckets.get(day)
        if bucket is None:
            self._buckets[day] = [key]
        else:
            bucket.append(key)

    def _next_day(self, _ev: _Event) -> None:
        """Move the coming day's events onto SimPy's heap (runs first at each midnight).

        Every event keeps the (time, priority, id) key it was given when scheduled, so SimPy
        processes events in exactly the order it would with one big heap; the heap is just
        a day's events deep instead of every pending event of every account.
        """
        self._day += 1
        self._horizon = (self._day + 1) * _DAY
        queue = self._queue
        for key in self._buckets.pop(self._day, ()):
            heappush(queue, key)
        if queue or self._buckets:  # with nothing left at all, let SimPy's queue run dry
            heappush(queue, (self._horizon, _FIRST, 0, _Event((self._next_day,), None)))

    def _work(
        self,
        a: Account,
        touch_hours: float,
        priority: int,
        kind: str,
        done: Callable[[_Job], None],
        u: float = 0.0,
    ) -> None:
        job = _Job(self, a, touch_hours, kind, done, u)
        job.req = req = self.managers.request(priority=priority)
        req.callbacks.append(job.granted)

    # ------------------------------------------------------------------ the starting book
    def _initial_prospect_count(self) -> int:
        sc = self.scenario
        if sc.theory is not None or sc.start == "cohort" or self.book is not None:
            return 0
        return int(
            round(sc.pipeline.prospects_per_month * sc.pipeline.sales_cycle_days / DAYS_PER_MONTH)
        )

    def _new_account(self, seg: int, stage: Stage) -> Account:
        a = Account(self, len(self.accounts), SEGMENTS[seg], seg, stage)
        a.owner = a.id % self.scenario.team.managers
        self.accounts.append(a)
        self._count[stage][seg] += 1
        return a

    def _build_start(self, n_prospects: int) -> None:
        sc, b = self.scenario, self.behaviour
        gen = self.streams.generator("portfolio")
        cohort = sc.start == "cohort" or sc.theory is not None
        if self.book is not None:
            self._book_start(gen)
        for seg, spec in enumerate(self.segments if self.book is None else ()):
            n = spec.count
            if n == 0:
                continue
            arr = spec.arr_median * np.exp(spec.arr_sigma * gen.standard_normal(n))
            term = spec.term_months * DAYS_PER_MONTH
            tenure = np.zeros(n) if cohort else gen.exponential(3.0 * DAYS_PER_YEAR, n)
            health = np.clip(gen.normal(b.initial_health_mean, b.initial_health_sd, n), 1, 99)
            for i in range(n):
                a = self._new_account(seg, _CUSTOMER)
                a.term_days = term
                self._set_arr(a, float(arr[i]))
                a.renewals = int(tenure[i] // term)
                a.customer_since = -float(tenure[i])
                a.contract_end = term - float(tenure[i] % term)
                a._h = b.new_customer_health if cohort else float(health[i])
                if not cohort and a.renewals >= b.loyalty_renewals and a._h >= b.loyalty_health:
                    self._set_stage(a, _LOYAL)
        if self.theory is not None:
            t = self.theory
            n = len(self.accounts)
            if t.renewal == "constant":
                p = np.full(n, t.r)
            else:  # sBG: the *churn* probability is Beta(alpha, beta), S(t) = B(a, b+t)/B(a, b)
                p = 1.0 - self.streams.generator("theory").beta(t.alpha, t.beta, n)
            for a, pa in zip(self.accounts, p, strict=True):
                a.p_renew = float(pa)
        self.strategy.setup(self.accounts)
        for a in list(self.accounts):
            if a.stage == _PROSPECT:  # an imported prospect: its deal is in the pipeline
                self._begin_sales_cycle(a, first_draw_potential=False)
                continue
            self._at(a.contract_end, self._on_renewal, a)
            if self.theory is None:
                self._start_clocks(a)
                if cohort:
                    self._onboard(a)
        for u in gen.random(n_prospects):
            seg = self._pick_segment(float(u))
            a = self._new_account(seg, _PROSPECT)
            self._begin_sales_cycle(a, first_draw_potential=True)
        if self.theory is None and sc.pipeline.prospects_per_month > 0:
            self._at(self._arrival_gap(), self._on_arrival, None)
        if self.t0 > 0:
            self._at(self.t0, self._start_recording, None)
        else:
            self._start_recording(None)

    def _book_start(self, gen: np.random.Generator) -> None:
        """The starting book from an imported account list (see :mod:`simkit.io.portfolio`)."""
        b = self.behaviour
        book = self.book
        health = np.clip(gen.normal(b.initial_health_mean, b.initial_health_sd, len(book)), 1, 99)
        seg_index = {s: i for i, s in enumerate(SEGMENTS)}
        for i, row in enumerate(book.itertuples(index=False)):
            stage = _PROSPECT if row.stage == "prospect" else _CUSTOMER
            a = self._new_account(seg_index[row.segment], stage)
            a.term_days = row.term_months * DAYS_PER_MONTH
            h = row.health
            a._h = float(health[i]) if h != h else float(h)  # NaN: sampled from the scenario
            if stage == _PROSPECT:
                a.potential_arr = float(row.arr)
                continue
            self._set_arr(a, float(row.arr))
            a.customer_since = -float(row.tenure_days)
            a.renewals = int(row.tenure_days // a.term_days)
            a.contract_end = max(float(row.days_to_renewal), 1e-6)
            if row.stage == "loyal":
                self._set_stage(a, _LOYAL)

    def _start_recording(self, _ev: _Event | None) -> None:
        self._accrue_all()
        self.recording = True
        self._rev = [[0.0] * 4 for _ in range(4)]
        init = _E["init"]
        for a in self.accounts:
            self._log(init, a, _NONE, a.stage)
        self._snapshot(None)

    def _snapshot(self, _ev: _Event | None) -> None:
        self._accrue_all()
        now = self.env.now
        month = int(round((now - self.t0) / DAYS_PER_MONTH))
        accts = self.accounts
        n = len(accts)
        h0 = np.fromiter((a._h for a in accts), float, n)
        t0 = np.fromiter((a._t for a in accts), float, n)
        cell = np.fromiter((a.stage * 4 + a.seg for a in accts), np.int64, n)
        health = self.rest + (h0 - self.rest) * np.exp(-self.rate * (now - t0))
        hsum = np.bincount(cell, weights=health, minlength=16)
        self._snapshots.append(
            (
                month,
                now - self.t0,
                self._rev,
                [row[:] for row in self._count],
                [row[:] for row in self._arr],
                hsum,
            )
        )
        self._rev = [[0.0] * 4 for _ in range(4)]
        self.log.flush()  # pack the month's events (tuples of Python floats are bulky)
        if month < self._months:
            self._at(self.t0 + (month + 1) * DAYS_PER_MONTH - now, self._snapshot, None)

    # ------------------------------------------------------------------ clocks
    def _start_clocks(self, a: Account) -> None:
        """Start each random clock of an account that has a contract (if not running)."""
        spec = self.segments[a.seg]
        chains = a.chains
        aid = a.id
        if not chains & _ISSUES and spec.issues_per_year > 0:
            a.chains |= _ISSUES
            gap = exponential(self._t_issues.next(aid), DAYS_PER_YEAR / spec.issues_per_year)
            self._at(gap, self._on_issue, a)
        if not chains & _UPSELLS and spec.upsells_per_year > 0:
            a.chains |= _UPSELLS
            gap = exponential(self._t_upsells.next(aid), DAYS_PER_YEAR / spec.upsells_per_year)
            self._at(gap, self._on_opportunity, a)
        if not chains & _COMPETITORS and spec.competitor_approaches_per_year > 0:
            a.chains |= _COMPETITORS
            mean = DAYS_PER_YEAR / spec.competitor_approaches_per_year
            self._at(exponential(self._t_competitors.next(aid), mean), self._on_approach, a)
        if not chains & _SURVEYS and self.behaviour.survey_response_rate > 0:
            a.chains |= _SURVEYS
            phase = (aid * _GOLDEN) % 1.0
            self._at(phase * self.behaviour.survey_interval_days, self._on_survey, a)
        self._ensure_check_ins(a)

    def _ensure_check_ins(self, a: Account) -> None:
        if a.chains & _CHECKINS or self.theory is not None:  # theory mode: no strategy work
            return
        cadence = self.strategy.check_in(a)
        if cadence is None:
            return
        a.chains |= _CHECKINS
        phase = (a.id * _GOLDEN + 0.5) % 1.0
        self._at(max(phase * cadence.every_days, 1.0), self._on_check_in, a)

    def _on_issue(self, ev: _Event) -> None:
        a: Account = ev._value
        if not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            a.chains &= ~_ISSUES
            return
        spec = self.segments[a.seg]
        tape = self._t_issues
        effort = exponential(tape.next(a.id), spec.issue_hours)
        gap = exponential(tape.next(a.id), DAYS_PER_YEAR / spec.issues_per_year)
        self._at(gap, self._on_issue, a)
        a.open_issues += 1
        self._set_health(a, self.health_of(a) - self.behaviour.issue_health_hit)
        self._log(_E["issue_open"], a, a.stage, a.stage)
        self._work(a, effort, self.strategy.issue_priority(a), "issues", self._issue_resolved)

    def _issue_resolved(self, job: _Job) -> None:
        a = job.acct
        a.open_issues -= 1
        b = self.behaviour
        now = self.env.now
        if a.stage == _CUSTOMER or a.stage == _LOYAL:
            wait = job.t_start - job.t_request
            gain = b.resolution_health_gain - b.wait_health_penalty_per_day * wait
            self._set_health(a, self.health_of(a) + gain)
        self._log(
            _E["issue_resolved"], a, a.stage, a.stage, value=now - job.t_request, hours=job.hours
        )

    def _on_opportunity(self, ev: _Event) -> None:
        a: Account = ev._value
        if not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            a.chains &= ~_UPSELLS
            return
        spec = self.segments[a.seg]
        tape = self._t_upsells
        u = tape.next(a.id)
        self._at(
            exponential(tape.next(a.id), DAYS_PER_YEAR / spec.upsells_per_year),
            self._on_opportunity,
            a,
        )
        if self.strategy.pitch_upsell(a):
            self._work(a, self.behaviour.pitch_hours or 1e-9, 3, "pitches", self._pitched, u)
        else:
            self._log(
                _E["opportunity_missed"],
                a,
                a.stage,
                a.stage,
                value=a.arr * self.behaviour.upsell_uplift,
            )

    def _pitched(self, job: _Job) -> None:
        a, b = job.acct, self.behaviour
        if not (a.stage == _CUSTOMER or a.stage == _LOYAL):  # left while the pitch waited
            self._log(
                _E["touch"],
                a,
                a.stage,
                a.stage,
                hours=job.hours,
                detail=self.log.detail_code("pitch"),
            )
            return
        h = self.health_of(a)
        p = b.upsell_success_at_100 * h / 100 * (b.upsell_loyal_boost if a.stage == _LOYAL else 1)
        if job.u < min(p, 0.99):
            gain = a.arr * b.upsell_uplift
            self._set_arr(a, a.arr + gain)
            self._set_health(a, h + 2.0)
            self._log(_E["upsell"], a, a.stage, a.stage, arr_change=gain, value=p, hours=job.hours)
            self._ensure_check_ins(a)
        else:
            if h < b.serve_before_sell_health:
                self._set_health(a, h - b.pitch_fail_health_hit)
            self._log(_E["upsell_fail"], a, a.stage, a.stage, value=p, hours=job.hours)

    def _on_approach(self, ev: _Event) -> None:
        a: Account = ev._value
        if not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            a.chains &= ~_COMPETITORS
            return
        spec, b = self.segments[a.seg], self.behaviour
        tape = self._t_competitors
        u = tape.next(a.id)
        mean = DAYS_PER_YEAR / spec.competitor_approaches_per_year
        self._at(exponential(tape.next(a.id), mean), self._on_approach, a)
        h = self.health_of(a)
        p = b.competitor_defect_at_0 * (1 - h / 100) ** 2
        if a.stage == _LOYAL:
            p *= b.loyal_churn_factor
        if u < p:
            self._leave(a, "defect", p)
        else:
            self._log(_E["approach"], a, a.stage, a.stage, value=p)

    def _on_survey(self, ev: _Event) -> None:
        a: Account = ev._value
        if not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            a.chains &= ~_SURVEYS
            return
        b = self.behaviour
        tape = self._t_surveys
        u_respond, u_noise = tape.next(a.id), tape.next(a.id)
        self._at(b.survey_interval_days, self._on_survey, a)
        if u_respond < b.survey_response_rate:
            h = self.health_of(a)
            mean = b.nps_at_50 + b.nps_per_10_health * (h - 50) / 10
            score = min(10, max(0, round(normal(u_noise, mean, b.nps_noise_sd))))
            self._log(_E["survey"], a, a.stage, a.stage, value=float(score))

    def _on_check_in(self, ev: _Event) -> None:
        a: Account = ev._value
        cadence = self.strategy.check_in(a) if (a.stage == _CUSTOMER or a.stage == _LOYAL) else None
        if cadence is None:
            a.chains &= ~_CHECKINS
            return
        self._at(cadence.every_days, self._on_check_in, a)
        self._do_touch(a, cadence.touch)

    def _do_touch(self, a: Account, touch: Touch) -> None:
        self._work(a, touch.hours, touch.priority, touch.kind, self._touched)

    def _touched(self, job: _Job) -> None:
        a = job.acct
        if job.kind == "rescue":
            a.rescue_busy = False
        if a.stage == _CUSTOMER or a.stage == _LOYAL:
            a.last_touch = self.env.now
            self._touch_gain(a, job.hours)
        self._log(
            _E["touch"], a, a.stage, a.stage, hours=job.hours, detail=self.log.detail_code(job.kind)
        )

    def _onboard(self, a: Account) -> None:
        for day, touch in self.strategy.onboarding(a):
            self._at(day, self._on_review, (a, touch, a.customer_since))

    def _on_review(self, ev: _Event) -> None:
        a, touch, since = ev._value
        if a.customer_since == since and (a.stage == _CUSTOMER or a.stage == _LOYAL):
            self._do_touch(a, touch)

    # ------------------------------------------------------------------ health alerts
    def _arm_alert(self, a: Account) -> None:
        if a.rescue_busy or not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            return
        alert = self.strategy.health_alert(a)
        if alert is None:
            return
        now = self.env.now
        h, rest, thr = a._h, self.rest, alert.threshold
        if h <= thr:
            delay = 0.0
        elif rest >= thr:
            return  # drift alone never reaches the threshold
        else:
            delay = math.log((h - rest) / (thr - rest)) / self.rate
        earliest = max(now + delay, a.last_touch + alert.cooldown_days)
        if a.alert_at is not None and now <= a.alert_at <= earliest:
            return  # an earlier check is already booked; it will re-arm
        delay = earliest - now
        a.alert_at = now + delay
        self._at(delay, self._on_alert, a)

    def _on_alert(self, ev: _Event) -> None:
        a: Account = ev._value
        if a.alert_at != self.env.now:
            return  # superseded
        a.alert_at = None
        if a.rescue_busy or not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            return
        alert = self.strategy.health_alert(a)
        if alert is None:
            return
        if self.health_of(a) > alert.threshold + 1e-6:
            self._arm_alert(a)
            return
        a.rescue_busy = True
        a.last_touch = self.env.now
        self._work(a, alert.touch.hours, alert.touch.priority, "rescue", self._touched)

    # ------------------------------------------------------------------ contracts
    def _renewal_probability(self, a: Account, h: float) -> float:
        if self.theory is not None:
            return a.p_renew
        b = self.behaviour
        logit = math.log(b.renewal_at_50 / (1 - b.renewal_at_50)) + b.renewal_slope * (h - 50) / 10
        odds_churn = math.exp(-logit)
        if a.stage == _LOYAL:
            odds_churn *= b.loyal_churn_factor
        if a.renewals == 0:
            odds_churn *= b.first_term_churn_factor
        return 1.0 / (1.0 + odds_churn)

    def _on_renewal(self, ev: _Event) -> None:
        a: Account = ev._value
        now = self.env.now
        if a.contract_end != now or not (a.stage == _CUSTOMER or a.stage == _LOYAL):
            return  # an old contract's date
        b = self.behaviour
        h = self.health_of(a)
        p = self._renewal_probability(a, h)
        if self._t_renewals.next(a.id) >= p:
            self._leave(a, "churn", p)
            return
        a.renewals += 1
        a.contract_end = now + a.term_days
        self._at(a.term_days, self._on_renewal, a)
        self._log(_E["renew"], a, a.stage, a.stage, value=p)
        if self.theory is None and h < b.contraction_health and b.contraction_share > 0:
            cut = a.arr * b.contraction_share
            self._set_arr(a, a.arr - cut)
            self._log(_E["contract"], a, a.stage, a.stage, arr_change=-cut)
        if a.stage == _LOYAL and self.theory is None and h < b.loyal_drop_health:
            self._move(a, _CUSTOMER, "demote")
        elif (
            a.stage == _CUSTOMER
            and a.renewals >= b.loyalty_renewals
            and (self.theory is not None or h >= b.loyalty_health)
        ):
            self._move(a, _LOYAL, "promote")

    def _move(
        self, a: Account, stage: Stage, event: str, value: float = math.nan, arr_change: float = 0.0
    ) -> None:
        before = a.stage
        self._set_stage(a, stage)
        self._log(_E[event], a, before, stage, arr_change=arr_change, value=value)
        if stage == _CUSTOMER or stage == _LOYAL:
            self._ensure_check_ins(a)

    def _leave(self, a: Account, event: str, p: float) -> None:
        lost = a.arr
        self._set_arr(a, 0.0)
        a.contract_end = None
        self._move(a, _FORMER, event, value=p, arr_change=-lost)
        b = self.behaviour
        if self.theory is None and b.winback_per_year > 0:
            mean = DAYS_PER_YEAR / b.winback_per_year
            self._at(
                exponential(self._t_winback.next(a.id), mean),
                self._on_winback,
                (a, a.customer_since),
            )

    def _on_winback(self, ev: _Event) -> None:
        a, since = ev._value
        if a.stage != _FORMER or a.customer_since != since:
            return
        self._move(a, _PROSPECT, "winback")
        self._begin_sales_cycle(a, first_draw_potential=False)

    # ------------------------------------------------------------------ pipeline
    def _arrival_gap(self) -> float:
        return float(
            self.streams.arrivals.exponential(
                DAYS_PER_MONTH / self.scenario.pipeline.prospects_per_month
            )
        )

    def _pick_segment(self, u: float) -> int:
        return min(int(np.searchsorted(self._mix_cdf, u, side="right")), 3)

    def _on_arrival(self, _ev: _Event) -> None:
        seg = self._pick_segment(float(self.streams.arrivals.random()))
        a = self._new_account(seg, _PROSPECT)
        self._log(_E["arrival"], a, _NONE, _PROSPECT)
        self._begin_sales_cycle(a, first_draw_potential=True)
        self._at(self._arrival_gap(), self._on_arrival, None)

    def _begin_sales_cycle(self, a: Account, first_draw_potential: bool) -> None:
        spec = self.segments[a.seg]
        tape = self._t_pipeline
        u_size, u_cycle = tape.next(a.id), tape.next(a.id)
        if first_draw_potential or a.potential_arr <= 0:
            a.potential_arr = spec.arr_median * math.exp(spec.arr_sigma * normal(u_size))
        cycle = exponential(u_cycle, self.scenario.pipeline.sales_cycle_days)
        self._at(cycle, self._on_decision, a)

    def _on_decision(self, ev: _Event) -> None:
        a: Account = ev._value
        if a.stage != _PROSPECT:
            return
        if self._t_pipeline.next(a.id) >= self.scenario.pipeline.conversion:
            self._move(a, _FORMER, "lost")
            return
        now = self.env.now
        spec = self.segments[a.seg]
        a.term_days = spec.term_months * DAYS_PER_MONTH
        a.renewals = 0
        a.customer_since = now
        a.contract_end = now + a.term_days
        a._h, a._t = self.behaviour.new_customer_health, now
        a.alert_at = None
        self._set_stage(a, _CUSTOMER)
        self._set_arr(a, a.potential_arr)
        self._log(_E["convert"], a, _PROSPECT, _CUSTOMER, arr_change=a.arr)
        self._at(a.term_days, self._on_renewal, a)
        self._start_clocks(a)
        self._onboard(a)
        if self._alerts_on:
            self._arm_alert(a)


BOOK_COLUMNS = (
    "segment",
    "arr",
    "stage",
    "term_months",
    "days_to_renewal",
    "tenure_days",
    "health",
)
"""Columns of an imported starting book (built by :func:`simkit.io.portfolio.read_csv`)."""


def _check_book(book: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in BOOK_COLUMNS if c not in book.columns]
    if missing:
        raise ValueError(f"book is missing column(s) {missing}; expected {list(BOOK_COLUMNS)}")
    bad_stage = set(book["stage"]) - {"prospect", "customer", "loyal"}
    if bad_stage:
        raise ValueError(f"book stage must be prospect, customer or loyal, got {sorted(bad_stage)}")
    bad_seg = set(book["segment"]) - set(SEGMENTS)
    if bad_seg:
        raise ValueError(f"book segment must be one of {SEGMENTS}, got {sorted(bad_seg)}")
    if (
        (book["arr"] < 0).any()
        or (book["term_months"] < 1).any()
        or (book["days_to_renewal"] < 0).any()
    ):
        raise ValueError("book arr and days_to_renewal must be >= 0 and term_months >= 1")
    return book.reset_index(drop=True)


def simulate(
    scenario: Scenario,
    strategy: Strategy | str = "reactive",
    replication: int = 0,
    book: pd.DataFrame | None = None,
) -> Results:
    """Run one replication of ``scenario`` under ``strategy`` and return its results.

    Same scenario, strategy and replication give identical results in any process.
    ``book`` replaces the sampled starting book with an imported account list (columns
    :data:`BOOK_COLUMNS`; see :func:`simkit.io.portfolio.read_csv`).

    >>> from simkit.engine.scenario import default_scenario
    >>> a = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> b = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> a.events.equals(b.events)
    True
    """
    return Model(scenario, strategy, replication, book).run()
