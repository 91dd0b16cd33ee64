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
* An account is *active* (a client) when it is a customer or loyal. The accounts active at
  the start of a period form its *cohort*: retention, revenue retention and engagement are
  measured on the cohort; new business on everyone.
* Only clients churn. A prospect whose deal is lost (stage ``lost``) was never a client: it
  is counted in ``lost_deals``, never in ``lost`` (clients who left) nor as former.
* Money and hours are totals over the period *and* over the runs pooled in a row (``runs``
  says how many); the registry puts them per run and per year
  (:mod:`simkit.analysis.metrics.periods`).
* An account's stage and ARR at any time are those after its last event at or before it
  (every account has an ``init`` or ``arrival`` row, so the log alone tells them).

What is read
------------
Only the columns :data:`COLUMNS_READ` and only the rows of events that change a stage or an
ARR, take manager hours, or are counted by name. A *lean* run (``record="summary"``) logs
just those (:data:`simkit.engine.events.LEAN_DTYPE`, leaving out
:data:`simkit.engine.events.LEAN_SKIPS`), so its log (:attr:`simkit.engine.results.Results.log`)
gives exactly the counts of the full event log, at a fraction of the memory. A new count
that reads another column, or an event the lean log leaves out, must be added there too
(``tests/analysis/test_lean.py`` checks full and lean counts agree).

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
>>> float(table["customer_years"].iloc[0])   # account 0 all year, account 1 for 100 days
1.273972602739726
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simkit.engine.accounts import ACTIVE_STAGES, STAGES
from simkit.engine.events import EVENTS
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario

__all__ = [
    "COLUMNS_READ",
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

COLUMNS_READ = (
    "time", "account", "segment", "event", "stage_before", "stage_after", "arr", "arr_change",
    "value", "hours", "detail",
)  # fmt: skip
"""The log columns :func:`count_periods` reads (besides :data:`RUN_KEYS` when present;
``detail`` only to tell an upsell pitch from a proactive touch). No count reads ``health``."""

COUNTS: dict[str, str] = {
    "start": "clients (customers and loyal) at the period start: the cohort",
    "end": "clients at the period end, new ones included",
    "lost": "cohort clients no longer clients at the period end: they churned or defected "
    "(lost deals are never counted here: a prospect is not a client)",
    "start_arr": "ARR of the cohort at the period start",
    "end_arr": "ARR of the clients at the period end",
    "engaged": "cohort clients with a two-way contact (touch, resolved issue, survey answer)",
    "revenue_earned": "revenue earned: every account's ARR integrated over the period, per "
    "365 days (a total over the period)",
    "customer_years": "client-years: clients integrated over the period, in years",
    "acquisition_cost_years": "client-years, each weighted by the acquisition cost of the "
    "client's segment (over customer_years: the clients' mean acquisition cost)",
    "new": "deals won: prospects converted to customers",
    "lost_deals": "deals lost: prospects that left the pipeline without becoming customers",
    "new_arr": "ARR of the converted prospects",
    "acquisition_costs": "deals won times the acquisition cost of their segment",
    "expansion": "ARR the cohort gained from upsells",
    "contraction": "ARR the cohort lost to smaller renewals (a positive amount)",
    "churned_arr": "ARR of cohort clients that churned or defected (a positive amount)",
    "all_expansion": "ARR gained from upsells by any account",
    "all_contraction": "ARR lost to smaller renewals by any account",
    "all_churned": "ARR of any client that churned or defected",
    "renewed": "contracts renewed",
    "up_for_renewal": "contracts that reached their end (renewed or churned)",
    "upsells": "upsell or cross-sell pitches accepted",
    "pitches": "upsell or cross-sell pitches made",
    "resolved": "issues resolved",
    "resolution_days": "days the resolved issues took, together",
    "responses": "survey answers",
    "promoters": "survey answers of 9 or 10",
    "detractors": "survey answers of 0 to 6",
    "touches_made": "proactive touches made: check-ins, reviews, rescue calls (an "
    "upsell pitch is no proactive touch)",
    "missed_touches": "proactive touches given up: no manager was free within their window",
    "manager_hours": "account-manager hours spent",
    "capacity_hours": "team hours available (managers x hours per week x weeks), over the runs",
    "manager_years": "managers on the team times the period's length in years, over the runs",
    "cost_per_hour": "the cost of an hour worked (NaN when the runs of a row differ)",
    "manager_salary": "a manager's yearly cost as paid headcount (NaN when the runs differ)",
    "gross_margin": "the gross margin, a fraction (NaN when the runs of a row differ)",
    "discount_rate": "the discount rate per year, a fraction (NaN when the runs differ)",
}
"""Every count :func:`count_periods` takes, in the order of its columns, with its meaning.
A metric needing a number not here needs a new count (one more column below). The last
four are the scenario's prices, so that metrics can turn counts into money; they and
``capacity_hours``, ``manager_years``, ``acquisition_*`` are NaN without a scenario."""

_INT_COUNTS = frozenset(
    {"start", "end", "lost", "engaged", "new", "lost_deals", "renewed", "up_for_renewal"}
    | {"upsells", "pitches", "resolved", "responses", "promoters", "detractors"}
    | {"touches_made", "missed_touches"}
)

_PRICES = ("cost_per_hour", "manager_salary", "gross_margin", "discount_rate")
"""Counts that are one price per row: the runs' common value, NaN when they differ."""


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
) -> dict[str, np.ndarray]:
    """Each run's team and prices: ``hours_per_day``, ``managers`` and the :data:`_PRICES`
    (one value per run), and ``acquisition`` (one row per run, one column per segment).
    All NaN without a scenario."""
    n = len(runs)
    if scenario is None:
        out = {k: np.full(n, np.nan) for k in ("hours_per_day", "managers", *_PRICES)}
        out["acquisition"] = np.full((n, len(SEGMENTS)), np.nan)
        return out
    if isinstance(scenario, Mapping):
        scs = [scenario[(r.strategy, r.replication)] for r in runs.itertuples(index=False)]
    else:
        scs = [scenario] * n
    econ = [s.economics for s in scs]
    return {
        "hours_per_day": np.array([s.team.managers * s.team.hours_per_week / 7.0 for s in scs]),
        "managers": np.array([float(s.team.managers) for s in scs]),
        "cost_per_hour": np.array([float(s.team.cost_per_hour) for s in scs]),
        "manager_salary": np.array([float(e.manager_salary) for e in econ]),
        "gross_margin": np.array([float(e.gross_margin) for e in econ]),
        "discount_rate": np.array([float(e.discount_rate) for e in econ]),
        "acquisition": np.array(
            [[float(getattr(e.acquisition_cost, seg)) for seg in SEGMENTS] for e in econ]
        ).reshape(n, len(SEGMENTS)),
    }


def count_periods(
    events: pd.DataFrame,
    edges: np.ndarray,
    by: Sequence[str] = (),
    scenario: Scenario | Mapping[tuple[str, int], Scenario] | None = None,
) -> pd.DataFrame:
    """Counts per group and period from an event log: one row per group and period.

    Parameters
    ----------
    events : the event log of one run (:attr:`simkit.engine.results.Results.events`, or a
        lean run's :attr:`~simkit.engine.results.Results.log`) or of several, with
        ``strategy`` and ``replication`` columns telling the runs apart.
    edges : period boundaries in days, from :func:`period_edges`.
    by : any of :data:`GROUPS`; ``()`` pools everything into one row per period.
    scenario : the scenario the runs faced, or one per ``(strategy, replication)``; gives the
        team's ``capacity_hours`` and ``manager_years``, the acquisition costs and the
        prices (``cost_per_hour``, ``manager_salary``, ``gross_margin``, ``discount_rate``);
        those are NaN without it.

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
    first = ev["stage_before"].isna().to_numpy()
    moved = first | (_codes(ev["stage_before"], STAGES) != _codes(ev["stage_after"], STAGES))
    seg = _codes(ev["segment"], SEGMENTS)
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

    # the team: runs pooled in each group, their hours available, headcount and prices
    team = _team(scenario, runs)
    member = np.zeros((n_groups, len(runs)))
    member[acc_group[has_events], acc_run[has_events]] = 1.0
    days = np.diff(edges)

    def price(name: str) -> np.ndarray:
        """One price per group: the value its runs share, NaN when they differ."""
        values = [np.unique(team[name][m > 0]) for m in member]
        return np.repeat([v[0] if len(v) == 1 else np.nan for v in values], n_per)

    # each event's acquisition cost (its run's price for its segment; 0 outside the segments)
    cost_of = np.where(seg >= 0, team["acquisition"][run, seg.clip(0)], 0.0)
    integrals = _integrals(
        time,
        uid,
        moved | (change != 0),
        {
            "revenue_earned": np.where(active, arr, 0.0),
            "customer_years": active.astype(float),
            "acquisition_cost_years": np.where(active, cost_of, 0.0),
        },
        acc_group,
        edges,
        n_groups,
    )
    pitch = ev["detail"].eq("pitch").to_numpy(bool) if "detail" in ev.columns else False
    proactive = (c_in == e["touch"]) & ~np.broadcast_to(pitch, time.shape)[inside]

    columns = {
        "start": act_count[:, :-1],
        "end": act_count[:, 1:],
        "lost": lost,
        "start_arr": arr_sum[:-1].T,
        "end_arr": arr_sum[1:].T,
        "engaged": engaged,
        **integrals,
        "new": number(c_in == e["convert"]),
        "lost_deals": number(c_in == e["lost"]),
        "new_arr": total(c_in == e["convert"], chg),
        "acquisition_costs": total(c_in == e["convert"], cost_of[inside]),
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
        "touches_made": number(proactive),
        "missed_touches": number(c_in == e["touch_missed"]),
        "manager_hours": total(
            np.ones(len(cell), dtype=bool), ev["hours"].to_numpy(dtype=float)[inside]
        ),
        "capacity_hours": np.outer(member @ team["hours_per_day"], days),
        "manager_years": np.outer(member @ team["managers"], days / DAYS_PER_YEAR),
        **{name: price(name) for name in _PRICES},
    }
    if scenario is None:  # no prices: what winning a client costs is unknown
        columns["acquisition_costs"] = columns["acquisition_cost_years"] = np.full(cells, np.nan)
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


def _integrals(
    time: np.ndarray,
    uid: np.ndarray,
    step: np.ndarray,
    levels: Mapping[str, np.ndarray],
    acc_group: np.ndarray,
    edges: np.ndarray,
    n_groups: int,
) -> dict[str, np.ndarray]:
    """Amounts held over time, integrated per (group, period), per 365 days.

    ``levels`` maps a name to each event's level after it (ARR paid, 1 for a client, ...);
    a level changes only at the events flagged in ``step`` (a change of ARR or stage, and
    each account's first row) and holds until the account's next step, its last one until
    the end of the horizon. Revenue is the integral of ARR: ARR x days / 365.
    """
    t, a = time[step], uid[step]
    order = np.lexsort((t, a))  # by account, then time (stable for equal times)
    t, a = t[order], a[order]
    until = np.append(t[1:], edges[-1])
    until[:-1][a[1:] != a[:-1]] = edges[-1]  # an account's last step runs to the horizon
    g = acc_group[a]
    n_per = len(edges) - 1
    out = {}
    for name, level in levels.items():
        v = level[step][order]
        held = v != 0
        tk, uk, vk, gk = t[held], until[held], v[held], g[held]
        table = np.zeros((n_groups, n_per))
        for k in range(n_per):
            overlap = (np.minimum(uk, edges[k + 1]) - np.maximum(tk, edges[k])).clip(min=0)
            table[:, k] = np.bincount(gk, weights=vk * overlap / 365.0, minlength=n_groups)
        out[name] = table
    return out
