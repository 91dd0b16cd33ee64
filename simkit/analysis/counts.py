"""The counting core: from an event log to the numbers every metric needs, per period.

A metric such as churn or NRR is a plain function of a few counts -- clients at the start
of a period, clients lost, ARR churned -- (:mod:`simkit.analysis.metrics`). This module is
the one place those counts are taken from the event log of simulation runs:
:func:`count_periods` returns one row per group and period with a column per entry of
:data:`COUNTS`. :mod:`simkit.analysis.summary` then turns the rows into metrics with the
metric registry (:mod:`simkit.analysis.registry`).

Definitions
-----------
* Periods are half-open on the left: period ``k`` covers ``(edges[k], edges[k + 1]]``; the
  state "at" a boundary includes everything that happened at that instant
  (:func:`period_edges` gives the boundaries).
* An account is *active* when it is a customer or loyal. The accounts active at the start of
  a period form its *cohort*: retention, revenue retention and engagement are measured on
  the cohort; new business on everyone.
* An account's stage and ARR at any time are those after its last event at or before it
  (every account has an ``init`` or ``arrival`` row, so the log alone tells them).

>>> import pandas as pd
>>> log = pd.DataFrame({
...     "time": [0.0, 0.0, 100.0, 200.0],
...     "account": [0, 1, 1, 0],
...     "segment": ["small"] * 4,
...     "event": ["init", "init", "churn", "upsell"],
...     "stage_before": [None, None, "customer", "customer"],
...     "stage_after": ["customer", "customer", "former", "customer"],
...     "arr": [100.0, 50.0, 0.0, 120.0],
...     "arr_change": [0.0, 0.0, -50.0, 20.0],
...     "value": 0.0, "hours": [0.0, 0.0, 0.0, 2.0],
... })
>>> table = count_periods(log, period_edges(365.0, "all"))
>>> table[["start", "end", "lost"]].iloc[0].tolist()          # account 1 churned
[2, 1, 1]
>>> table[["start_arr", "churned_arr", "expansion"]].iloc[0].tolist()
[150.0, 50.0, 20.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simkit.engine.accounts import ACTIVE_STAGES
from simkit.engine.events import EVENTS
from simkit.engine.scenario import DAYS_PER_MONTH

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario

__all__ = [
    "COUNTS",
    "GROUPS",
    "PERIOD_MONTHS",
    "RUN_KEYS",
    "count_periods",
    "period_edges",
    "rows",
]

PERIOD_MONTHS = {"M": 1, "Q": 3, "Y": 12}
"""Period codes of :func:`period_edges` and their length in months (``"all"``: the horizon)."""

RUN_KEYS = ("strategy", "replication")
"""Columns that tell runs apart in a log of several runs."""

GROUPS = ("strategy", "replication", "segment")
"""What :func:`count_periods` can group by."""

COUNTS: dict[str, str] = {
    "start": "active accounts at the period start (the cohort)",
    "end": "active accounts at the period end, new ones included",
    "lost": "cohort accounts no longer active at the period end",
    "start_arr": "ARR of the cohort at the period start",
    "end_arr": "ARR of the active accounts at the period end",
    "engaged": "cohort accounts with a two-way contact (touch, resolved issue, survey answer)",
    "revenue": "revenue earned: every account's ARR integrated over the period, per 365 days",
    "new": "prospects converted to customers",
    "new_arr": "ARR of the converted prospects",
    "expansion": "ARR the cohort gained from upsells",
    "contraction": "ARR the cohort lost to smaller renewals (a positive amount)",
    "churned_arr": "ARR of cohort accounts that churned or defected (a positive amount)",
    "all_expansion": "ARR gained from upsells by any account",
    "all_contraction": "ARR lost to smaller renewals by any account",
    "all_churned": "ARR of any account that churned or defected",
    "renewed": "contracts renewed",
    "up_for_renewal": "contracts that reached their end (renewed or churned)",
    "upsells": "upsell or cross-sell pitches accepted",
    "pitches": "upsell or cross-sell pitches made",
    "resolved": "issues resolved",
    "resolution_days": "days the resolved issues took, together",
    "responses": "survey answers",
    "promoters": "survey answers of 9 or 10",
    "detractors": "survey answers of 0 to 6",
    "manager_hours": "account-manager hours spent",
    "capacity_hours": "team hours available (managers x hours per week x weeks), over the runs",
    "cost_per_hour": "the team's cost per hour (NaN when the runs of a row differ)",
}
"""Every count :func:`count_periods` takes, in the order of its columns, with its meaning.
A metric needing a number not here needs a new count (one more column below)."""

_INT_COUNTS = frozenset(
    {"start", "end", "lost", "engaged", "new", "renewed", "up_for_renewal", "upsells"}
    | {"pitches", "resolved", "responses", "promoters", "detractors"}
)


def period_edges(horizon_days: float, period: str) -> np.ndarray:
    """Boundaries of the periods covering the horizon (the last one may be shorter).

    ``period`` is ``"M"``, ``"Q"``, ``"Y"`` or ``"all"`` (the whole horizon as one period).

    >>> period_edges(365.0, "Q").round(2).tolist()
    [0.0, 91.25, 182.5, 273.75, 365.0]
    >>> period_edges(500.0, "Y").tolist()
    [0.0, 365.0, 500.0]
    """
    if period == "all":
        return np.array([0.0, horizon_days])
    if period not in PERIOD_MONTHS:
        raise ValueError(f"period must be one of 'M', 'Q', 'Y' or 'all', got {period!r}")
    length = PERIOD_MONTHS[period] * DAYS_PER_MONTH
    n = max(1, math.ceil(horizon_days / length - 1e-9))
    edges = np.arange(n + 1) * length
    edges[-1] = horizon_days
    return edges


def _codes(col: pd.Series, names: Sequence[str]) -> np.ndarray:
    """Integer codes of a categorical (or text) column, in the order of ``names`` (-1: other)."""
    return col.astype(pd.CategoricalDtype(list(names))).cat.codes.to_numpy()


def _run_codes(ev: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """A run number per event, and each run's keys (empty columns for a single-run log)."""
    if not all(k in ev.columns for k in RUN_KEYS):
        return np.zeros(len(ev), dtype=np.int64), pd.DataFrame(index=range(1))
    keys = ev[list(RUN_KEYS)]
    codes = keys.groupby(list(RUN_KEYS), sort=False, observed=True, dropna=False).ngroup()
    codes = codes.to_numpy(dtype=np.int64)
    _, first = np.unique(codes, return_index=True)
    return codes, keys.iloc[first].reset_index(drop=True)


def _account_ids(run: np.ndarray, account: np.ndarray, n_runs: int) -> tuple[np.ndarray, int]:
    """Every event's account as a number 0..n-1, unique across runs, and n."""
    if account.dtype.kind in "iu" and (len(account) == 0 or account.min() >= 0):
        if n_runs == 1:  # one run: its account ids already are small numbers
            return account.astype(np.int64), int(account.max()) + 1 if len(account) else 0
        key = run * (int(account.max()) + 1) + account
        uniq, uid = np.unique(key, return_inverse=True)
        return uid.astype(np.int64).ravel(), len(uniq)
    uid, labels = pd.MultiIndex.from_arrays([run, account]).factorize()
    return np.asarray(uid, dtype=np.int64), len(labels)


def _team(
    scenario: Scenario | Mapping[tuple[str, int], Scenario] | None, runs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Team hours per day and cost per hour of each run (NaN without a scenario)."""
    n = len(runs)
    if scenario is None:
        return np.full(n, np.nan), np.full(n, np.nan)
    if isinstance(scenario, Mapping):
        scs = [scenario[(r.strategy, r.replication)] for r in runs.itertuples(index=False)]
    else:
        scs = [scenario] * n
    per_day = np.array([s.team.managers * s.team.hours_per_week / 7.0 for s in scs])
    return per_day, np.array([float(s.team.cost_per_hour) for s in scs])


def count_periods(
    events: pd.DataFrame,
    edges: np.ndarray,
    by: Sequence[str] = (),
    scenario: Scenario | Mapping[tuple[str, int], Scenario] | None = None,
) -> pd.DataFrame:
    """Counts per group and period from an event log: one row per group and period.

    Parameters
    ----------
    events : the event log of one run (:attr:`simkit.engine.results.Results.events`) or of
        several, with ``strategy`` and ``replication`` columns telling the runs apart.
    edges : period boundaries in days, from :func:`period_edges`.
    by : any of :data:`GROUPS`; ``()`` pools everything into one row per period.
    scenario : the scenario the runs faced, or one per ``(strategy, replication)``; gives the
        team's ``capacity_hours`` and ``cost_per_hour`` (NaN without it).

    Returns
    -------
    DataFrame with the ``by`` columns, ``period`` (0, 1, ...), ``period_start``,
    ``period_end``, ``runs`` (runs pooled in the row) and one column per entry of
    :data:`COUNTS`. Rows come sorted by group, then period.
    """
    by = list(by)
    unknown = [b for b in by if b not in GROUPS]
    if unknown:
        raise ValueError(f"by may contain {', '.join(map(repr, GROUPS))}; got {unknown}")
    missing = [b for b in by if b not in events.columns]
    if missing:
        raise ValueError(f"events has no column {missing[0]!r} to group by")
    n_per = len(edges) - 1
    ev = events
    time = ev["time"].to_numpy(dtype=float)
    if len(time) > 1 and not (np.diff(time) >= 0).all():
        # a run logs in time order, several concatenated runs do not: sort by time, keeping
        # the order of events at the same time (each account's own order stays as logged)
        ev = ev.iloc[np.argsort(time, kind="stable")]
        time = ev["time"].to_numpy(dtype=float)
    run, runs = _run_codes(ev)
    uid, n_acc = _account_ids(run, ev["account"].to_numpy(), len(runs))
    code = _codes(ev["event"], EVENTS)
    active = ev["stage_after"].isin(ACTIVE_STAGES).to_numpy()
    arr = ev["arr"].to_numpy(dtype=float)
    change = ev["arr_change"].to_numpy(dtype=float)

    # each account: its group, its run, and its events in time order
    by_acct = np.argsort(uid, kind="stable")
    seen_total = np.bincount(uid, minlength=n_acc)
    first_row = np.concatenate([[0], np.cumsum(seen_total)[:-1]])
    has_events = seen_total > 0
    acc_first = np.zeros(n_acc, dtype=np.int64)
    acc_first[has_events] = by_acct[first_row[has_events]]
    acc_run = run[acc_first]
    acc_group = np.zeros(n_acc, dtype=np.int64)
    groups = pd.DataFrame(index=range(1))
    if by:
        keys = ev[by].iloc[acc_first[has_events]].reset_index(drop=True)
        group_of = keys.groupby(by, observed=True, sort=True, dropna=False).ngroup().to_numpy()
        _, first_of_group = np.unique(group_of, return_index=True)
        groups = keys.iloc[first_of_group].reset_index(drop=True)
        acc_group[has_events] = group_of
    n_groups = len(groups)
    cells = n_groups * n_per

    # stage and ARR of every account at every edge: its last event at or before the edge
    act_at = np.zeros((len(edges), n_acc), dtype=bool)
    arr_sum = np.zeros((len(edges), n_groups))
    for k, t in enumerate(edges):
        seen = np.bincount(uid[: np.searchsorted(time, t, side="right")], minlength=n_acc)
        has = seen > 0
        last = by_acct[first_row[has] + seen[has] - 1]
        act_at[k, has] = active[last]
        arr_sum[k] = np.bincount(
            acc_group[has], weights=np.where(active[last], arr[last], 0.0), minlength=n_groups
        )
    act_count = np.stack(
        [np.bincount(acc_group, weights=a, minlength=n_groups) for a in act_at], axis=1
    )
    lost = np.stack(
        [
            np.bincount(acc_group, weights=act_at[k] & ~act_at[k + 1], minlength=n_groups)
            for k in range(n_per)
        ],
        axis=1,
    )

    # events inside the horizon, by cell (group, period); the cohort: active at period start
    inside = time > 0
    a_in, c_in = uid[inside], code[inside]
    per = np.clip(np.searchsorted(edges, time[inside], side="left") - 1, 0, n_per - 1)
    cell = acc_group[a_in] * n_per + per
    cohort = act_at[per, a_in]
    e = {name: i for i, name in enumerate(EVENTS)}
    chg = change[inside]
    val = ev["value"].to_numpy(dtype=float)[inside]

    def number(mask: np.ndarray) -> np.ndarray:
        """How many of the events in ``mask`` fall in each cell."""
        return np.bincount(cell[mask], minlength=cells)

    def total(mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The sum of ``weights`` over the events in ``mask``, per cell."""
        return np.bincount(cell[mask], weights=weights[mask], minlength=cells)

    gone = (c_in == e["churn"]) | (c_in == e["defect"])
    survey = c_in == e["survey"]
    upsell, contract = c_in == e["upsell"], c_in == e["contract"]
    touchy = ((c_in == e["touch"]) | (c_in == e["issue_resolved"]) | survey) & cohort
    engaged_pairs = np.unique(per[touchy] * n_acc + a_in[touchy])
    engaged_acc = engaged_pairs % n_acc
    engaged = np.bincount(acc_group[engaged_acc] * n_per + engaged_pairs // n_acc, minlength=cells)

    # the team: runs pooled in each group, their hours available and cost per hour
    per_day, rate = _team(scenario, runs)
    member = np.zeros((n_groups, len(runs)))
    member[acc_group[has_events], acc_run[has_events]] = 1.0
    days = np.diff(edges)
    rates = [np.unique(rate[m > 0]) for m in member]
    group_rate = np.array([r[0] if len(r) == 1 else np.nan for r in rates])

    columns = {
        "start": act_count[:, :-1],
        "end": act_count[:, 1:],
        "lost": lost,
        "start_arr": arr_sum[:-1].T,
        "end_arr": arr_sum[1:].T,
        "engaged": engaged,
        "revenue": _revenue(time, uid, arr, change, ev, acc_group, edges, n_groups),
        "new": number(c_in == e["convert"]),
        "new_arr": total(c_in == e["convert"], chg),
        "expansion": total(upsell & cohort, chg),
        "contraction": -total(contract & cohort, chg),
        "churned_arr": -total(gone & cohort, chg),
        "all_expansion": total(upsell, chg),
        "all_contraction": -total(contract, chg),
        "all_churned": -total(gone, chg),
        "renewed": number(c_in == e["renew"]),
        "up_for_renewal": number((c_in == e["renew"]) | (c_in == e["churn"])),
        "upsells": number(upsell),
        "pitches": number(upsell | (c_in == e["upsell_fail"])),
        "resolved": number(c_in == e["issue_resolved"]),
        "resolution_days": total(c_in == e["issue_resolved"], val),
        "responses": number(survey),
        "promoters": number(survey & (val >= 9)),
        "detractors": number(survey & (val <= 6)),
        "manager_hours": total(
            np.ones(len(cell), dtype=bool), ev["hours"].to_numpy(dtype=float)[inside]
        ),
        "capacity_hours": np.outer(member @ per_day, days),
        "cost_per_hour": np.repeat(group_rate, n_per),
    }
    rows = np.repeat(np.arange(n_groups), n_per)
    out = {col: groups[col].iloc[rows].reset_index(drop=True) for col in by}
    out["period"] = np.tile(np.arange(n_per), n_groups)
    out["period_start"] = np.tile(edges[:-1], n_groups)
    out["period_end"] = np.tile(edges[1:], n_groups)
    out["runs"] = np.repeat(member.sum(axis=1).astype(np.int64), n_per)
    for name in COUNTS:
        values = np.asarray(columns[name], dtype=float).reshape(-1)
        out[name] = np.rint(values).astype(np.int64) if name in _INT_COUNTS else values
    return pd.DataFrame(out)


def rows(table: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a table of counts as dicts (what a metric's ``inputs`` reads), quickly.

    >>> second = rows(pd.DataFrame({"start": [10, 20], "lost": [1, 3]}))[1]
    >>> int(second["start"]), int(second["lost"])
    (20, 3)
    """
    columns = {name: table[name].to_numpy() for name in table.columns}
    return [{name: values[i] for name, values in columns.items()} for i in range(len(table))]


def _revenue(
    time: np.ndarray,
    uid: np.ndarray,
    arr: np.ndarray,
    change: np.ndarray,
    ev: pd.DataFrame,
    acc_group: np.ndarray,
    edges: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Revenue per (group, period): every account's ARR integrated over time, per 365 days.

    An account's ARR changes only at events that change it (and is set at its first row);
    each level holds until the next change, the last until the end of the horizon.
    """
    step = (change != 0) | ev["stage_before"].isna().to_numpy()
    t, a, v = time[step], uid[step], arr[step]
    order = np.lexsort((t, a))  # by account, then time (stable for equal times)
    t, a, v = t[order], a[order], v[order]
    until = np.append(t[1:], edges[-1])
    until[:-1][a[1:] != a[:-1]] = edges[-1]  # an account's last step runs to the horizon
    pay = v > 0
    t, until, v, g = t[pay], until[pay], v[pay], acc_group[a[pay]]
    n_per = len(edges) - 1
    out = np.zeros((n_groups, n_per))
    for k in range(n_per):
        overlap = (np.minimum(until, edges[k + 1]) - np.maximum(t, edges[k])).clip(min=0)
        out[:, k] = np.bincount(g, weights=v * overlap / 365.0, minlength=n_groups)
    return out
