"""Territories: accounts assigned to pods of managers, each pod with its own queue.

A *pooled* team (``team.structure = "pooled"``, the default) has one queue: any free manager
takes the next piece of work, whoever's account it is. Many real account teams work in
*territories* instead (``team.structure = "territories"``): every account belongs to one pod
of managers -- one manager, or a few -- and waits only for them. A pod can be swamped while
the next pod is idle; in exchange each account always deals with the same people.
Whether that trade pays is a strategy question the simulation can answer.

How accounts are assigned (``team.assign``):

``"round_robin"``
    the book is dealt like cards: account ``i`` goes to territory ``i mod pods``.
``"segment"``
    one territory per segment (key, enterprise, ...); managers are split in proportion to the
    segment's expected issue hours a year (at least one each).
``"owner"``
    the ``owner`` column of an imported book (:func:`simkit.io.portfolio.read_csv`): one
    territory per owner. ``team.owners`` names the managers in order (``"Ana, Ben"``); left
    empty, the book's owners are the territories. Accounts without an owner are dealt round robin.

``team.pods`` sets the number of territories (0: one per manager, one per segment, or one
per owner); managers are shared out as evenly as possible. New prospects are dealt to the
territories in proportion to their managers (by segment: to the segment's territory), so
each territory has its own, thinner Poisson stream of arrivals.

Territories share nothing, so each one is simulated as its own model (:func:`plan` makes
them) and the runs are merged into one (:func:`merge`): accounts keep their book positions
as ids, new prospects are numbered territory by territory after the book, and every random
number comes from a tape keyed by the account's book position or by the territory
(:class:`simkit.engine.streams.TerritoryKeys`). The merged run is therefore the same whether
the territories run one after another, on two workers or on a Dask cluster
(:mod:`simkit.experiments.territories`); and each book account meets the same luck as in a
pooled run of the same seed, so pooled and territories compare with common random numbers.

>>> from simkit.engine.scenario import default_scenario
>>> sc = default_scenario().update({"team.structure": "territories", "team.assign": "segment"})
>>> [(t.label, t.managers) for t in plan(sc)]
[('key', (0,)), ('enterprise', (1,)), ('mid_market', (2,)), ('small', (3,))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simkit.engine.book import Opening, imported_book, sampled_book
from simkit.engine.events import EVENT_CODE, LOG_DTYPE, EventLog
from simkit.engine.results import Record
from simkit.engine.scenario import SEGMENTS, Scenario
from simkit.engine.streams import Streams, TerritoryKeys

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

UNASSIGNED = "unassigned"
"""The owner of an imported account whose owner cell was blank (:mod:`simkit.io.portfolio`)."""


class TerritoryError(ValueError):
    """Accounts cannot be assigned to territories as asked; the message names the field."""


@dataclass(frozen=True)
class Territory:
    """One territory: its managers, its share of the book and of the pipeline.

    Attributes
    ----------
    index : the territory's number (0, 1, ...); it keys the territory's own random numbers.
    label : what it is called: a segment, an owner, or ``"pod 3"``.
    managers : the team's managers (numbered 0 to ``team.managers - 1``) who work in it.
    book : positions in the whole starting book of its accounts, ascending.
    openings : those accounts as they start.
    scenario : the scenario as the territory sees it: its managers, its share of prospects.
    """

    index: int
    label: str
    managers: tuple[int, ...]
    book: np.ndarray = field(repr=False)
    openings: list[Opening] = field(repr=False)
    scenario: Scenario = field(repr=False)

    @property
    def keys(self) -> TerritoryKeys:
        """Which random numbers its accounts draw (see :class:`~simkit.engine.streams.Streams`)."""
        return TerritoryKeys(self.index, self.book)


def plan(
    scenario: Scenario, replication: int = 0, book: pd.DataFrame | None = None
) -> list[Territory]:
    """The territories of one replication: the starting book (sampled exactly as for a pooled
    run, or imported) split by ``team.assign``, the managers and the pipeline shared out.

    Raises :class:`TerritoryError` naming the field when the split is impossible.
    """
    team = scenario.team
    if team.structure != "territories":
        raise TerritoryError(f"team.structure is {team.structure!r}; plan() needs 'territories'")
    gen = Streams(scenario.seed, replication).generator("portfolio")
    openings = sampled_book(scenario, gen) if book is None else imported_book(book, scenario, gen)
    if team.assign == "owner":
        labels, where = _by_owner(scenario, book)
    elif team.assign == "segment":
        labels, where = _by_segment(scenario, openings)
    else:
        n = team.pods or team.managers
        labels, where = [f"pod {k + 1}" for k in range(n)], np.arange(len(openings)) % n
    n = len(labels)
    if n > team.managers:
        raise TerritoryError(
            f"team.managers: more territories than managers ({n} territories by "
            f"{team.assign}, {team.managers} managers); add managers or assign another way"
        )
    if team.assign == "owner" and _names(team.owners):
        managers = [(k,) for k in range(n)]  # one named manager per territory
    else:
        managers = _share_managers(team.managers, _weights(scenario, openings, where, n))
    m = np.array([len(g) for g in managers], float)
    mix = np.array([scenario.pipeline.segment_mix.get(s, 0.0) for s in SEGMENTS], float)
    out = []
    for k in range(n):
        if team.assign == "segment":  # a segment's prospects go to its territory
            share = np.array([float(s == labels[k]) for s in SEGMENTS])
        else:  # prospects are dealt in proportion to managers
            share = np.full(len(SEGMENTS), m[k] / m.sum())
        rate = scenario.pipeline.prospects_per_month * (
            float((mix * share).sum() / mix.sum()) if mix.sum() > 0 else float(share[0])
        )
        own = np.flatnonzero(where == k)
        sub = scenario.model_copy(
            update={
                "team": team.model_copy(
                    update={
                        "managers": len(managers[k]),
                        "structure": "pooled",
                        "pods": 0,
                        "owners": "",
                    }
                ),
                "pipeline": scenario.pipeline.model_copy(
                    update={
                        "prospects_per_month": rate,
                        "segment_mix": dict(zip(SEGMENTS, (mix * share).tolist(), strict=True)),
                    }
                ),
            }
        )
        out.append(Territory(k, labels[k], managers[k], own, [openings[i] for i in own], sub))
    return out


def _by_segment(scenario: Scenario, openings: list[Opening]) -> tuple[list[str], np.ndarray]:
    """One territory per segment that has accounts or gets prospects."""
    seg = np.array([SEGMENTS.index(o.segment) for o in openings], dtype=np.int64)
    flowing = scenario.pipeline.prospects_per_month > 0
    used = [
        s
        for i, s in enumerate(SEGMENTS)
        if (seg == i).any() or (flowing and scenario.pipeline.segment_mix.get(s, 0.0) > 0)
    ]
    pods = scenario.team.pods
    if pods and pods != len(used):
        raise TerritoryError(
            f"team.pods: assigning by segment makes one territory per segment ({len(used)} "
            f"here: {', '.join(used)}), got pods = {pods}; set pods = 0"
        )
    index = {SEGMENTS.index(s): k for k, s in enumerate(used)}
    return used, np.array([index[i] for i in seg.tolist()], dtype=np.int64)


def _by_owner(scenario: Scenario, book: pd.DataFrame | None) -> tuple[list[str], np.ndarray]:
    """One territory per owner of an imported book (``team.owners`` or the book's owners)."""
    if book is None or "owner" not in book.columns:
        raise TerritoryError(
            "team.assign: 'owner' needs an imported book with an owner column "
            "(simkit.io.portfolio.read_csv); use 'round_robin' or 'segment' for a sampled book"
        )
    owner = book["owner"].fillna("").astype(str).str.strip().to_numpy()
    blank = (owner == "") | (owner == UNASSIGNED)
    names = _names(scenario.team.owners) or sorted(set(owner[~blank].tolist()))
    if not names:
        raise TerritoryError("team.assign: 'owner' needs a book with at least one owner filled in")
    pods = scenario.team.pods
    if pods and pods != len(names):
        raise TerritoryError(
            f"team.pods: assigning by owner makes one territory per owner ({len(names)}), "
            f"got pods = {pods}; set pods = 0"
        )
    index = {name: k for k, name in enumerate(names)}
    unknown = sorted(set(owner[~blank].tolist()) - set(index))
    if unknown:
        i = int(np.flatnonzero(owner == unknown[0])[0])
        which = f"account {book['account_id'].iloc[i]}, " if "account_id" in book.columns else ""
        raise TerritoryError(
            f"owner: {unknown[0]!r} ({which}spreadsheet row {i + 2}) is none of the managers "
            f"in team.owners ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})"
        )
    where = np.array([index.get(o, -1) for o in owner.tolist()], dtype=np.int64)
    where[blank] = np.arange(int(blank.sum())) % len(names)  # no owner: dealt round robin
    return names, where


def _names(text: str) -> list[str]:
    """The comma-separated names of ``team.owners``, in order."""
    return [n.strip() for n in text.split(",") if n.strip()]


def _weights(scenario: Scenario, openings: list[Opening], where: np.ndarray, n: int) -> np.ndarray:
    """How much work each territory has: expected issue hours a year (by segment), or its
    number of accounts (other rules); managers are shared out in proportion."""
    if scenario.team.assign != "segment":
        return np.bincount(where, minlength=n) + 1e-9
    specs = {s: scenario.portfolio.segment(s) for s in SEGMENTS}
    hours = {s: spec.issues_per_year * spec.issue_hours for s, spec in specs.items()}
    w = np.zeros(n)
    np.add.at(w, where, [hours[o.segment] for o in openings])
    return np.where(w > 0, w, w.max(initial=0.0) * 0.01 + 1e-9)


def _share_managers(managers: int, weights: np.ndarray) -> list[tuple[int, ...]]:
    """Managers 0..managers-1 in consecutive groups: at least one each, the rest in proportion
    to ``weights`` (largest remainders first, ties to the earlier territory).

    >>> _share_managers(5, np.ones(2)), _share_managers(6, np.array([1.0, 3.0]))
    ([(0, 1, 2), (3, 4)], [(0, 1), (2, 3, 4, 5)])
    """
    n = len(weights)
    extra = (managers - n) * weights / weights.sum()
    count = 1 + np.floor(extra).astype(int)
    order = np.argsort(-(extra - np.floor(extra)), kind="stable")
    count[order[: managers - int(count.sum())]] += 1
    ends = np.cumsum(count)
    return [tuple(range(int(e - c), int(e))) for c, e in zip(count, ends, strict=True)]


# ---------------------------------------------------------------------------- merging
def merge(
    scenario: Scenario, territories: Sequence[Territory], records: Sequence[Record]
) -> Record:
    """One run's record from its territories' records (in territory order).

    Book accounts take their book positions as ids; each territory's new prospects follow,
    territory by territory; owners become the team's manager numbers. Events are put in time
    order (ties: territory order), month-end snapshots are added up cell by cell. The
    records' event logs are used up (emptied) as they are merged, to spare memory.
    """
    if len(records) != len(territories):
        raise ValueError(
            f"merge needs one record per territory ({len(territories)}), got {len(records)}"
        )
    total_book = sum(len(t.book) for t in territories)
    maps, next_id, parts = [], total_book, []
    for t, rec in zip(territories, records, strict=True):
        cols = _account_columns(rec.accounts)
        n_new = len(cols[0]) - len(t.book)
        ids = np.concatenate([t.book, np.arange(next_id, next_id + n_new)]).astype(np.int64)
        next_id += n_new
        maps.append(ids)
        owners = np.array(t.managers, dtype=np.int64)
        parts.append((ids[cols[0]], *cols[1:7], owners[cols[7]]))
    columns = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(columns[0], kind="stable")  # by account id: the book, then new ones
    rows = list(zip(*(c[order].tolist() for c in columns), strict=True))
    first = records[0]
    return Record(
        scenario=scenario,
        strategy=first.strategy,
        replication=first.replication,
        t0=first.t0,
        log=_merge_logs([r.log for r in records], maps),
        snapshots=_merge_snapshots([r.snapshots for r in records]),
        accounts=rows,
        end=first.end,
    )


def _merge_logs(logs: Sequence[EventLog], maps: Sequence[np.ndarray]) -> EventLog:
    """The territories' event logs as one, in time order, with global account ids.

    Column by column, each territory's column is dropped once merged, so a big run needs
    little more memory than its logs.
    """
    details: dict[str, int] = {}
    recode = [np.array([details.setdefault(d, len(details)) for d in log.details] or [0])
              for log in logs]  # fmt: skip
    dtype = logs[0].dtype if logs else LOG_DTYPE  # the full log, or a lean one
    referral = EVENT_CODE["referral"]
    # each log is already in time order: a stable sort of the runs keeps ties in territory order
    order = np.argsort(np.concatenate([log.column("time") for log in logs]), kind="stable")
    merged = EventLog(dtype)
    merged.details = details
    for name in dtype.names or ():
        parts = []
        for log, ids, codes in zip(logs, maps, recode, strict=True):
            column = log.column(name)
            if name == "account":
                column = ids[column]
            elif name == "detail":
                column = np.where(column >= 0, codes[np.maximum(column, 0)], column)
            elif name == "value":  # a referral's value is the referred prospect's id
                hit = log.column("event") == referral
                if hit.any():
                    column = column.copy()
                    column[hit] = ids[column[hit].astype(np.int64)]
            parts.append(column.astype(dtype[name], copy=False))
        column = np.concatenate(parts)[order]
        del parts
        if name != "event":  # (events are read for referrals until the end)
            for log in logs:
                log.release_column(name)  # merged: drop the territory's copy
        merged.put_column(name, column)
    for log in logs:
        log.release_column("event")
    return merged


def pack(record: Record) -> Record:
    """``record`` made cheap to send from a worker process: its month-end snapshots as six
    arrays (month, time, revenue, counts, ARR, health sums; month first), its accounts as
    eight columns, and no scenario (:func:`merge` is given the scenario). Unpickling
    thousands of small lists and tuples was the costliest part of bringing a record home."""
    return dataclasses.replace(
        record,
        snapshots=_packed(record.snapshots),
        accounts=_account_columns(record.accounts),
        scenario=None,
    )


ACCOUNT_KINDS = (np.int64, np.int64, np.int64, float, float, np.int64, float, np.int64)
"""Types of a record's account columns: id, segment, stage, ARR, health, renewals,
customer since, owner."""


def _account_columns(rows: list[tuple] | tuple) -> tuple[np.ndarray, ...]:
    if isinstance(rows, tuple):  # packed already
        return rows
    if not rows:
        return tuple(np.empty(0, k) for k in ACCOUNT_KINDS)
    return tuple(
        np.array(c, dtype=k) for c, k in zip(zip(*rows, strict=True), ACCOUNT_KINDS, strict=True)
    )


def _packed(rows: list[tuple] | tuple) -> tuple[np.ndarray, ...]:
    if isinstance(rows, tuple):  # packed already
        return rows
    kinds = (np.int64, float, float, np.int64, float, float)
    return tuple(np.array([r[i] for r in rows], dtype=k) for i, k in enumerate(kinds))


def _merge_snapshots(parts: Sequence[list[tuple] | tuple]) -> list[tuple]:
    """Month-end snapshots added up over territories (all share the same months)."""
    packed = [_packed(p) for p in parts]
    month, time = packed[0][0], packed[0][1]
    revenue, counts, arrs, hsum = (np.sum([p[i] for p in packed], axis=0) for i in (2, 3, 4, 5))
    return [
        (int(month[m]), float(time[m]), revenue[m].tolist(), counts[m].tolist(),
         arrs[m].tolist(), hsum[m])
        for m in range(len(month))
    ]  # fmt: skip
