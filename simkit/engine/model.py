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

The processes of a run:

- :meth:`Model.pipeline` -- new prospects arrive at random; each goes through
  :meth:`Model.sales_cycle` and is won (customer) or lost.
- :meth:`~simkit.engine.customer.CustomerLife.customer` -- one process per customer, a
  next-event loop over its clocks: issues arrive, expansion opportunities appear,
  competitors call, survey answers come in, the contract comes up for renewal. It ends when
  the account churns or defects (module :mod:`simkit.engine.customer`).
- :meth:`~simkit.engine.customer.CustomerLife.resolve_issue` and
  :meth:`~simkit.engine.customer.CustomerLife.pitch` -- work that needs a manager.
- The strategy's work (module :mod:`simkit.engine.work`): regular check-ins, onboarding
  reviews, and a health watcher that sends a rescue call when health falls to a threshold.
- :meth:`Model.winback` -- a former customer may come back as a prospect.
- :meth:`Model.measure` -- waits out the warm-up, then writes month-end snapshots.

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
import gc
import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simkit.engine import rules
from simkit.engine.accounts import Account, Stage
from simkit.engine.book import Opening, imported_book, sampled_book
from simkit.engine.customer import CustomerLife, Process
from simkit.engine.guard import guard, run_until
from simkit.engine.ledger import NO_STAGE, Ledger
from simkit.engine.results import Record, Results
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario
from simkit.engine.strategies import Strategy, get_strategy
from simkit.engine.streams import Streams, exponential, normal
from simkit.engine.team import TeamLoad, TeamWork
from simkit.engine.territories import Territory, merge, plan
from simkit.engine.work import StrategyWork

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


PROSPECT, CUSTOMER, LOYAL, FORMER, LOST = tuple(Stage)


class Model(CustomerLife, StrategyWork, TeamWork):
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
        snapshots and the event log of everything that happened after the warm-up (in full,
        or lean with ``record="summary"``: see :func:`simkit.engine.model.simulate`).
    t0, t_end : when measurement starts (after the warm-up) and ends, in days.
    territory : None, or the one territory this model runs (of a run with
        ``team.structure = "territories"``; :mod:`simkit.engine.territories`): its managers,
        its accounts, its share of the pipeline and its own random numbers.
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy | str,
        replication: int = 0,
        book: pd.DataFrame | None = None,
        record: str = "events",
        territory: Territory | None = None,
    ) -> None:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
        if replication < 0:
            raise ValueError(f"replication must be >= 0, got {replication}")
        self.territory = territory
        if territory is not None:  # its team, its share of the pipeline (see territories.plan)
            scenario = territory.scenario
        elif scenario.team.structure == "territories":
            raise ValueError(
                "team.structure: a Model is one queue; run territories with simulate() or "
                "simkit.experiments.territories.run_territories()"
            )
        self.scenario = sc = scenario
        # a custom strategy's every answer is checked at the boundary (built-ins are trusted)
        self.strategy = guard(copy.deepcopy(get_strategy(strategy)))
        self.replication = replication
        self.env = simpy.Environment()
        self.team = simpy.PriorityResource(self.env, capacity=sc.team.managers)
        self.team_spec = sc.team
        self.load = TeamLoad(self.env, sc.team.managers)
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
        self.streams = st = Streams(sc.seed, replication, territory and territory.keys)
        self.tapes = {p: st.tape(p) for p in ("pipeline", "issues", "renewals", "upsells")}
        self.tapes.update({p: st.tape(p) for p in ("competitors", "surveys", "winback")})
        # opt-in relationship features: their tapes draw nothing unless a feature is on
        self.tapes.update({p: st.tape(p) for p in ("referrals", "champions", "projects")})
        self.relations = sc.relationships
        self.projects: set[int] = set()  # accounts holding a one-off project
        self.referred: set[int] = set()  # prospects that came from a referral
        self.accounts: list[Account] = []
        self.ledger = Ledger(lambda: self.env.now, self.rest, self.rate, record)
        self.alerts_on = type(self.strategy).health_alert is not Strategy.health_alert or hasattr(
            self.strategy, "parts"
        )
        self._open(book)

    # ------------------------------------------------------------------ running
    def run(self, time_limit: float | None = None) -> Results:
        """Run to the end of the horizon and return the results.

        ``time_limit`` is a wall-clock limit in seconds (None: none): past it the run stops
        with a :class:`~simkit.engine.guard.SimulationTimeout` naming the strategy. It is
        checked every few simulated days, so it cannot stop a strategy method that never
        returns; run untrusted strategies in a worker process for that
        (``simkit.experiments.runner.run_many(..., isolate=True)``).
        """
        who = f"strategy {self.strategy.name!r}, replication {self.replication}"
        # Python's cyclic garbage collector would scan every live process and event again
        # and again while the run allocates them; nothing the run frees needs it (reference
        # counting frees finished processes), so it is paused for the run and restored after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            # events at exactly t_end still belong to the horizon (periods are (start, end])
            run_until(self.env, self.t_end + 1e-7, time_limit, who)
        finally:
            if collecting:
                gc.enable()
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
        if a.alert_at is not None:  # a health watcher sleeps: wake it if its alert comes sooner
            alert = self.strategy.health_alert(a)
            at = math.inf if alert is None else self.alert_time(a, alert)
            if at <= self.env.now:  # due now: step in at once; the watcher keeps its booking
                self.start(self.rescue(a, alert))
            elif at < a.alert_at:  # due sooner than the watcher thinks: wake it to re-book
                a.alert_at = None
                a.watcher.interrupt()

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
        if self.territory is not None:  # a territory's share of the book (drawn by its plan)
            openings = self.territory.openings
        else:
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
        """Start the processes of an account that has just come to hold a contract: its life
        as a customer, and the strategy's work for it."""
        a.life += 1
        self.start(self.customer(a))
        if self.theory is not None:
            return  # theory mode: renewals only, no strategy
        self.start_check_ins(a)
        if onboard:
            self.start(self.onboarding(a, a.life))
        if self.alerts_on:
            a.watcher = self.start(self.watch_health(a, a.life))

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
        conversion = self.scenario.pipeline.conversion
        if a.id in self.referred:
            self.referred.discard(a.id)
            conversion = rules.referred_conversion(
                conversion, self.relations.referral_conversion_boost
            )
        if tape.next(a.id) >= conversion:
            self.move(a, LOST, "lost")
            return
        now = self.env.now
        a.term_days = spec.term_months * DAYS_PER_MONTH
        a.renewals = 0
        a.customer_since = now
        a.contract_end = now + a.term_days
        a.health_then, a.health_since = self.behaviour.new_customer_health, now
        self.ledger.set_stage(a, CUSTOMER)
        self.ledger.set_arr(a, a.potential_arr)
        self.ledger.note("convert", a, PROSPECT, CUSTOMER, arr_change=a.arr)
        share = self.relations.project_share
        if share > 0:  # no draw when projects are off
            if self.tapes["projects"].next(a.id) < share:
                self.projects.add(a.id)
            else:  # a won-back former project client may buy an ongoing contract this time
                self.projects.discard(a.id)
        self.become_customer(a, onboard=True)

    def refer(self, referrer: Account, u_segment: float) -> None:
        """A promoter recommends you: a referred prospect (of a segment drawn from the
        pipeline's mix) enters the pipeline and starts a sales cycle that converts better
        (:func:`~simkit.engine.rules.referred_conversion`)."""
        a = self.new_account(self.pick_segment(u_segment), PROSPECT)
        self.referred.add(a.id)
        self.ledger.note("referral", referrer, referrer.stage, referrer.stage, value=float(a.id))
        self.ledger.note("arrival", a, NO_STAGE, PROSPECT, detail="referral")
        self.start(self.sales_cycle(a, draw_size=True))

    def winback(self, a: Account, life: int) -> Process:
        """A former customer may be won back, some day, as a prospect."""
        mean = DAYS_PER_YEAR / self.behaviour.winback_per_year
        yield self.env.timeout(exponential(self.tapes["winback"].next(a.id), mean))
        if a.stage == FORMER and a.life == life:
            self.move(a, PROSPECT, "winback")
            self.start(self.sales_cycle(a, draw_size=False))


def simulate(
    scenario: Scenario,
    strategy: Strategy | str = "reactive",
    replication: int = 0,
    book: pd.DataFrame | None = None,
    time_limit: float | None = None,
    record: str = "events",
) -> Results:
    """Run one replication of ``scenario`` under ``strategy`` and return its results.

    ``time_limit`` (seconds of wall-clock time, None for none) stops a run that takes too
    long with a :class:`~simkit.engine.guard.SimulationTimeout` (see :meth:`Model.run`).

    Same scenario, strategy and replication give identical results in any process.
    ``book`` replaces the sampled starting book with an imported account list (columns
    :data:`simkit.engine.book.BOOK_COLUMNS`; see :func:`simkit.io.portfolio.read_csv`).

    ``record`` says what the run writes down: ``"events"`` (the default) the full event log,
    for looking at events; ``"summary"`` a *lean* run -- snapshots, accounts and every summary
    exactly as the full run gives them, but no ``events`` (asking raises
    :class:`~simkit.engine.results.LeanRunError`), for less memory and time. Comparisons,
    sweeps and sensitivity analyses run lean.

    >>> from simkit.engine.scenario import default_scenario
    >>> a = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> b = simulate(default_scenario().update({"horizon_years": 1}), "proactive")
    >>> a.events.equals(b.events)
    True
    """
    if scenario.team.structure == "territories":  # independent territories, one by one
        parts = plan(scenario, replication, book)
        records = [territory_record(scenario, strategy, replication, book, t, time_limit, record)
                   for t in parts]  # fmt: skip
        return Results.from_record(merge(scenario, parts, records))
    return Model(scenario, strategy, replication, book, record).run(time_limit)


def territory_record(
    scenario: Scenario,
    strategy: Strategy | str,
    replication: int,
    book: pd.DataFrame | None,
    territory: Territory,
    time_limit: float | None = None,
    record: str = "events",
) -> Record:
    """Run one territory of a run with territories; its record, for
    :func:`simkit.engine.territories.merge` (the parallel runner is
    :mod:`simkit.experiments.territories`)."""
    model = Model(scenario, strategy, replication, book, record, territory)
    model.run(time_limit)
    return model.record()
