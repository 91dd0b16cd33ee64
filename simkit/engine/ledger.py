"""The ledger: what a run writes down while it runs.

The model's processes change accounts; the ledger keeps the books on those changes, cheaply
enough to do on every event:

- running totals of accounts and ARR by (stage, segment), so a month-end snapshot costs a
  copy of a small (state x segment) table instead of a pass over every account;
- revenue, accrued cell by cell whenever a cell's ARR changes (ARR x days / 365), so revenue
  is exact without ticking every account every day;
- the event log (:class:`~simkit.engine.events.EventLog`), one row per event once the
  warm-up is over -- or, in a lean run (``record="summary"``), only the rows and columns
  the counting core reads (:data:`~simkit.engine.events.LEAN_DTYPE`): the same summaries
  for less memory, and no health to compute per event.

>>> from simkit.engine.accounts import STAGES, Account, Stage
>>> ledger = Ledger(now=lambda: 0.0, rest=35.0, rate=0.01)
>>> a = Account(None, 0, "small", 3, Stage.CUSTOMER)
>>> ledger.add(a)
>>> ledger.set_arr(a, 12_000.0)
>>> ledger.count[Stage.CUSTOMER][3], ledger.arr[Stage.CUSTOMER][3]
(1, 12000.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from simkit.engine.accounts import STAGES, Account
from simkit.engine.events import EVENT_CODE, LEAN_CODE, LEAN_DTYPE, LOG_DTYPE, EventLog
from simkit.engine.rules import drifted_health
from simkit.engine.scenario import DAYS_PER_YEAR, SEGMENTS

NO_STAGE = -1
"""Stage code of "no stage" (before an account exists) and of an event without a detail."""

RECORDS = ("summary", "events")
"""What a run may record: ``"summary"`` (a lean log: what summaries need, and the monthly
snapshots) or ``"events"`` (the full event log, for looking at events)."""


def check_record(record: object) -> str:
    """``record`` if it is one of :data:`RECORDS`, else a ValueError saying what is allowed.

    >>> check_record("events")
    'events'
    """
    if record not in RECORDS:
        raise ValueError(f"record must be 'summary' or 'events', got {record!r}")
    return str(record)


N_STATES, N_SEGMENTS = len(STAGES), len(SEGMENTS)


def _table(value: float | int) -> list[list]:
    """A (state x segment) table filled with ``value``."""
    return [[value] * N_SEGMENTS for _ in range(N_STATES)]


class Ledger:
    """Running totals, revenue and the event log of one run.

    ``now`` is the clock (the model passes ``lambda: env.now``); ``rest`` and ``rate`` are
    the health-drift parameters, used to log each account's health at the moment of an event.
    ``record`` is ``"events"`` (the full log) or ``"summary"`` (the lean log: :meth:`note`
    leaves out :data:`~simkit.engine.events.LEAN_SKIPS` and the health column).
    """

    def __init__(
        self, now: Callable[[], float], rest: float, rate: float, record: str = "events"
    ) -> None:
        self.now = now
        self.rest, self.rate = rest, rate
        self.recorded = check_record(record)
        self.count: list[list[int]] = _table(0)
        self.arr: list[list[float]] = _table(0.0)
        self.revenue: list[list[float]] = _table(0.0)  # earned since the last snapshot
        self.accrued_at: list[list[float]] = _table(0.0)
        self.log = EventLog(LEAN_DTYPE if record == "summary" else LOG_DTYPE)
        self.recording = False
        self.snapshots: list[tuple] = []
        self._append = self.log.rows.append
        if record == "summary":  # the instance attribute shadows the full-log method
            self.note = self._note_lean  # type: ignore[method-assign]

    # ------------------------------------------------------------------ totals
    def add(self, a: Account) -> None:
        """Count a new account in its stage."""
        self.count[a.stage][a.seg] += 1

    def accrue(self, stage: int, seg: int) -> None:
        """Book the revenue one (stage, segment) cell earned since it was last booked."""
        now = self.now()
        self.revenue[stage][seg] += (
            self.arr[stage][seg] * (now - self.accrued_at[stage][seg]) / DAYS_PER_YEAR
        )
        self.accrued_at[stage][seg] = now

    def accrue_all(self) -> None:
        """Book every cell's revenue up to now."""
        for stage in range(N_STATES):
            for seg in range(N_SEGMENTS):
                self.accrue(stage, seg)

    def set_arr(self, a: Account, arr: float) -> None:
        """Change an account's ARR, keeping the totals and revenue right."""
        self.accrue(a.stage, a.seg)
        self.arr[a.stage][a.seg] += arr - a.arr
        a.arr = arr

    def set_stage(self, a: Account, stage: int) -> None:
        """Move an account to ``stage`` in the totals (the caller logs the move)."""
        if a.arr:
            self.accrue(a.stage, a.seg)
            self.accrue(stage, a.seg)
        self.count[a.stage][a.seg] -= 1
        self.arr[a.stage][a.seg] -= a.arr
        a.stage = stage
        self.count[stage][a.seg] += 1
        self.arr[stage][a.seg] += a.arr

    # ------------------------------------------------------------------ the log
    def note(
        self,
        event: str,
        a: Account,
        before: int,
        after: int,
        arr_change: float = 0.0,
        value: float = math.nan,
        hours: float = 0.0,
        detail: str | None = None,
    ) -> None:
        """Append one event-log row (only once measurement has started)."""
        if self.recording:
            now = self.now()
            self._append((
                now, a.id, EVENT_CODE[event], before, after, a.arr, arr_change,
                drifted_health(a.health_then, now - a.health_since, self.rest, self.rate),
                value, hours, NO_STAGE if detail is None else self.log.detail_code(detail),
            ))  # fmt: skip

    def _note_lean(
        self,
        event: str,
        a: Account,
        before: int,
        after: int,
        arr_change: float = 0.0,
        value: float = math.nan,
        hours: float = 0.0,
        detail: str | None = None,
    ) -> None:
        """:meth:`note` for a lean log: no health, no row for the events counts never read."""
        if self.recording:
            code = LEAN_CODE[event]
            if code is not None:
                self._append((
                    self.now(), a.id, code, before, after, a.arr, arr_change, value, hours,
                    NO_STAGE if detail is None else self.log.detail_code(detail),
                ))  # fmt: skip

    def begin(self, accounts: Sequence[Account]) -> None:
        """Start measuring: revenue so far is dropped, every account gets an ``init`` row."""
        self.accrue_all()
        self.revenue = _table(0.0)
        self.recording = True
        for a in accounts:
            self.note("init", a, NO_STAGE, a.stage)

    def snapshot(self, month: int, time: float, accounts: Sequence[Account]) -> None:
        """Record month-end counts, ARR, health and the month's revenue by stage and segment."""
        self.accrue_all()
        n = len(accounts)
        h0 = np.fromiter((a.health_then for a in accounts), float, n)
        since = np.fromiter((a.health_since for a in accounts), float, n)
        cell = np.fromiter((a.stage * N_SEGMENTS + a.seg for a in accounts), np.int64, n)
        health = drifted_health(h0, self.now() - since, self.rest, self.rate)
        hsum = np.bincount(cell, weights=health, minlength=N_STATES * N_SEGMENTS)
        counts = [row[:] for row in self.count]
        arrs = [row[:] for row in self.arr]
        self.snapshots.append((month, time, self.revenue, counts, arrs, hsum))
        self.revenue = _table(0.0)
        self.log.flush()  # pack the month's events (tuples of Python floats are bulky)
