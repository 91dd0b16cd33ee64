"""Results of one run as tidy pandas DataFrames.

A run is (scenario, strategy, replication) -> :class:`Results`:

``events``
    one row per thing that happened, in time order: ``time`` (days since measurement
    started), ``account``, ``segment``, ``event`` (see :data:`simkit.engine.events.EVENTS`),
    ``stage_before`` / ``stage_after``, ``arr`` (after the event), ``arr_change``, ``health``
    (after the event), ``value`` (event-specific: NPS score, days to resolution, renewal
    probability...), ``hours`` (account-manager hours spent), ``detail`` (touch kind,...).
    Every account has an ``init`` row at time 0 (or an ``arrival`` row when it appears), so the
    log alone tells every account's stage and ARR at any time.
``snapshots``
    month-end counts, ARR and mean health by stage and segment, and the revenue each
    (stage, segment) cell earned in the month that ends there (0 at month 0).
``accounts``
    every account's state at the end of the horizon.

A *lean* run (``record="summary"``, what comparisons, sweeps and sensitivity analyses
record) has the snapshots, the accounts and every summary (from :attr:`Results.log`, the
part of the log the counting core reads), but no ``events``: asking for them raises
:class:`LeanRunError` saying how to re-run with its events.

>>> from simkit.engine.scenario import default_scenario
>>> from simkit.engine.model import simulate
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
>>> list(res.snapshots.columns)
['month', 'time', 'stage', 'segment', 'accounts', 'arr', 'mean_health', 'revenue']
>>> int(res.snapshots.query("month == 0")["accounts"].sum()) == len(res.accounts) - int(
...     (res.events["event"] == "arrival").sum())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simkit.engine.accounts import STAGES
from simkit.engine.events import EVENTS, EventLog
from simkit.engine.scenario import SEGMENTS, Scenario


@dataclass
class Record:
    """The public record a finished model hands over: everything :class:`Results` is built
    from, in plain Python and numpy (no SimPy, no model internals).

    ``snapshots`` rows are ``(month, time, revenue, counts, arr, health_sum)`` with
    (stage x segment) tables; ``accounts`` rows are ``(id, segment code, stage code, arr,
    health, renewals, customer_since, owner)`` at the end of the run.
    """

    scenario: Scenario
    strategy: str
    replication: int
    t0: float
    log: EventLog
    snapshots: list[tuple]
    accounts: list[tuple]
    end: float


STAGE_DTYPE = pd.CategoricalDtype(list(STAGES), ordered=True)
SEGMENT_DTYPE = pd.CategoricalDtype(list(SEGMENTS), ordered=True)


class LeanRunError(ValueError):
    """A lean run (``record="summary"``) was asked for what it did not record: its events."""


class Results:
    """Everything one run produced. Build with :func:`simkit.engine.model.simulate`.

    Attributes
    ----------
    scenario, strategy, replication : what was run (the strategy by name).
    events : the event log (see the module notes). A lean run has none: asking for it raises
        :class:`LeanRunError`, saying how to re-run with ``record="events"``.
    snapshots, accounts : month-end tables and every account at the end (every run).
    log : what the counting core (:mod:`simkit.analysis.counts`) reads -- the event log itself
        in a full run; in a lean run only its rows and columns counts read
        (:data:`~simkit.engine.events.LEAN_DTYPE`, without
        :data:`~simkit.engine.events.LEAN_SKIPS`), which give the same counts.
    recorded : ``"events"`` or ``"summary"`` (lean).
    cache : figures derived from this run, kept by the analysis layer (e.g. the headline
        summary).

    >>> from simkit.engine.scenario import default_scenario
    >>> from simkit.engine.model import simulate
    >>> lean = simulate(default_scenario().update({"horizon_years": 1}), record="summary")
    >>> lean.recorded, "health" in lean.log.columns
    ('summary', False)
    >>> lean.events
    Traceback (most recent call last):
    ...
    simkit.engine.results.LeanRunError: strategy 'reactive', replication 0 was a lean run ...
    >>> len(lean.snapshots) > 0, lean.lean
    (True, True)
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: str,
        replication: int,
        events: pd.DataFrame,
        snapshots: pd.DataFrame,
        accounts: pd.DataFrame,
        cache: dict[str, Any] | None = None,
        *,
        recorded: str = "events",
    ) -> None:
        if recorded not in ("events", "summary"):
            raise ValueError(f"recorded must be 'events' or 'summary', got {recorded!r}")
        self.scenario = scenario
        self.strategy = strategy
        self.replication = replication
        self.log = events
        self.snapshots = snapshots
        self.accounts = accounts
        self.cache: dict[str, Any] = {} if cache is None else cache
        self.recorded = recorded

    @property
    def lean(self) -> bool:
        """Whether this run was lean: summaries and snapshots, no event log."""
        return self.recorded == "summary"

    @property
    def events(self) -> pd.DataFrame:
        """The event log, one row per event (see the module notes); a lean run raises
        :class:`LeanRunError` instead of returning an incomplete frame."""
        if self.lean:
            raise LeanRunError(
                f"strategy {self.strategy!r}, replication {self.replication} was a lean run "
                "(record='summary'): it kept its summaries and monthly snapshots, not its "
                "event log; re-run it with record='events' (simulate(..., record='events'), "
                "or Comparison.replay(strategy, replication)) for the events -- same seed, "
                "same numbers"
            )
        return self.log

    def __repr__(self) -> str:
        return (
            f"Results(strategy={self.strategy!r}, replication={self.replication}, "
            f"recorded={self.recorded!r}, {len(self.log):,} log rows, "
            f"{len(self.accounts):,} accounts)"
        )

    @classmethod
    def from_record(cls, record: Record) -> Results:
        """Turn a finished run's :class:`Record` into tidy DataFrames (a lean record, whose
        log has no ``health`` column, into a lean run)."""
        log = record.log
        seg_codes = np.array([row[1] for row in record.accounts], dtype=np.int8)
        account = log.column("account")
        details = sorted(log.details, key=log.details.__getitem__)
        codes = log.column
        columns = {
            "time": codes("time") - record.t0,
            "account": account,
            "segment": pd.Categorical.from_codes(seg_codes[account], dtype=SEGMENT_DTYPE),
            "event": pd.Categorical.from_codes(codes("event"), list(EVENTS)),
            "stage_before": pd.Categorical.from_codes(codes("before"), dtype=STAGE_DTYPE),
            "stage_after": pd.Categorical.from_codes(codes("after"), dtype=STAGE_DTYPE),
            "arr": codes("arr"),
            "arr_change": codes("arr_change"),
            "health": None if log.lean else codes("health"),
            "value": codes("value"),
            "hours": codes("hours"),
            "detail": pd.Categorical.from_codes(codes("detail"), details),
        }
        frame = pd.DataFrame({k: v for k, v in columns.items() if v is not None}, copy=False)
        return cls(
            scenario=record.scenario,
            strategy=record.strategy,
            replication=record.replication,
            events=frame,
            snapshots=_snapshots_frame(record.snapshots),
            accounts=_accounts_frame(record.accounts),
            recorded="summary" if log.lean else "events",
        )

    def story(self, account: int) -> pd.DataFrame:
        """One account's events in order: its story from the event log (a full run's)."""
        events = self.events
        if account not in set(self.accounts["account"]):
            raise ValueError(f"no account {account}; ids run from 0 to {len(self.accounts) - 1}")
        return events[events["account"] == account].reset_index(drop=True)

    # ------------------------------------------------------------------ export
    def tagged(self, frame: str) -> pd.DataFrame:
        """A frame (``"events"``, ``"snapshots"``, ``"accounts"``, or ``"log"``: what counts
        read) with strategy and replication columns in front, ready to concatenate with other
        runs."""
        if frame not in ("events", "snapshots", "accounts", "log"):
            raise ValueError(
                f"frame must be 'events', 'snapshots', 'accounts' or 'log', got {frame!r}"
            )
        df = getattr(self, frame)
        out = df.copy()
        out.insert(0, "replication", self.replication)
        out.insert(0, "strategy", self.strategy)
        return out


def _snapshots_frame(snapshots: list[tuple]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for month, time, revenue, counts, arrs, hsum in snapshots:
        for st, stage in enumerate(STAGES):
            for sg, segment in enumerate(SEGMENTS):
                n = counts[st][sg]
                rows.append(
                    {
                        "month": month,
                        "time": time,
                        "stage": stage,
                        "segment": segment,
                        "accounts": n,
                        "arr": max(arrs[st][sg], 0.0) if n else 0.0,
                        "mean_health": hsum[st * len(SEGMENTS) + sg] / n if n else np.nan,
                        "revenue": revenue[st][sg],
                    }
                )
    df = pd.DataFrame(rows)
    df["stage"] = df["stage"].astype(STAGE_DTYPE)
    df["segment"] = df["segment"].astype(SEGMENT_DTYPE)
    return df


def _accounts_frame(accounts: list[tuple]) -> pd.DataFrame:
    cols = list(zip(*accounts, strict=True)) if accounts else [()] * 8
    ids, segs, stages, arr, health, renewals, since, owner = cols
    return pd.DataFrame(
        {
            "account": np.array(ids, dtype=np.int64),
            "segment": pd.Categorical.from_codes(np.array(segs, np.int8), dtype=SEGMENT_DTYPE),
            "stage": pd.Categorical.from_codes(np.array(stages, np.int8), dtype=STAGE_DTYPE),
            "arr": np.array(arr, dtype=float),
            "health": np.array(health, dtype=float),
            "renewals": np.array(renewals, dtype=np.int64),
            "customer_since": np.array(since, dtype=float),
            "owner": np.array(owner, dtype=np.int64),
        }
    )
