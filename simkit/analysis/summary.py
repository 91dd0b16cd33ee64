"""Metrics on simulation results: per period, per segment, per strategy.

:func:`summarize` counts, from the event log, the numbers each plain metric in
:mod:`simkit.analysis.metrics` needs -- clients at the start and end of a period, new clients, ARR
lost and gained, renewals, survey answers -- and then calls the plain function on them, so a
metric on results means exactly what the teaching function means.

Periods are half-open on the left: period ``k`` covers ``(start, end]`` where
``start = k * length``; the state "at" a boundary includes everything that happened at that
instant. Accounts "at the start" of a period form its *cohort*: GRR, NRR, logo churn and
engagement are measured on that cohort; new-business figures on everyone.

>>> from simkit.engine.scenario import default_scenario
>>> from simkit.engine.model import simulate
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
>>> table = summarize(res, by="segment", period="Y")
>>> list(table["segment"])
['key', 'enterprise', 'mid_market', 'small']
>>> bool((table["nrr"] >= table["grr"]).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simkit.analysis import metrics
from simkit.engine.scenario import DAYS_PER_MONTH

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results

PERIOD_MONTHS = {"M": 1, "Q": 3, "Y": 12}
RUN_KEYS = ["strategy", "replication"]
_ACTIVE = ("customer", "loyal")

RATE_COLUMNS = [
    "retention_rate",
    "churn_rate",
    "logo_retention",
    "grr",
    "nrr",
    "renewal_rate",
    "upsell_rate",
    "engagement_rate",
]
"""Columns of :func:`summarize` that are percentages (0-100)."""


def _frames(source: object) -> tuple[pd.DataFrame, float]:
    """Events with strategy/replication columns, and the measured horizon in days."""
    from simkit.engine.results import Results

    if isinstance(source, Results):
        return source.tagged("events"), source.scenario.horizon_days
    if hasattr(source, "events") and hasattr(source, "scenario"):  # a Comparison
        return source.events, source.scenario.horizon_days
    if isinstance(source, Sequence) and source and all(isinstance(r, Results) for r in source):
        horizons = {r.scenario.horizon_days for r in source}
        if len(horizons) != 1:
            raise ValueError("all runs must have the same horizon to be summarised together")
        return pd.concat([r.tagged("events") for r in source], ignore_index=True), horizons.pop()
    raise TypeError(
        "summarize() takes Results, a Comparison, or a list of Results; "
        f"got {type(source).__name__}"
    )


def period_edges(horizon_days: float, period: str) -> np.ndarray:
    """Boundaries of the periods covering the horizon (the last one may be shorter).

    >>> period_edges(365.0, "Q").round(2).tolist()
    [0.0, 91.25, 182.5, 273.75, 365.0]
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


def _state_at_edges(ev: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """Stage and ARR of every account at every period boundary (after events at that time)."""
    keys = RUN_KEYS + ["account"]
    first = ev.groupby(keys, observed=True, sort=False).agg(segment=("segment", "first"))
    grid = first.reset_index().merge(pd.DataFrame({"edge": np.arange(len(edges))}), how="cross")
    grid["t"] = edges[grid["edge"].to_numpy()]
    grid = grid.sort_values("t", kind="stable")
    right = ev[keys + ["time", "stage_after", "arr"]].sort_values("time", kind="stable")
    state = pd.merge_asof(grid, right, left_on="t", right_on="time", by=keys, direction="backward")
    state["active"] = state["stage_after"].isin(_ACTIVE)
    state["arr"] = state["arr"].where(state["active"], 0.0)
    return state


def _revenue(ev: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """Revenue each account earned in each period: its ARR integrated over time."""
    keys = RUN_KEYS + ["account"]
    steps = ev.loc[(ev["arr_change"] != 0) | ev["stage_before"].isna(), keys + ["time", "arr"]]
    steps = steps.sort_values(keys + ["time"], kind="stable")
    nxt = steps.groupby(keys, observed=True)["time"].shift(-1).fillna(edges[-1])
    seg = steps.assign(until=nxt.to_numpy())
    seg = seg[seg["arr"] > 0]
    rows = []
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        overlap = (np.minimum(seg["until"], hi) - np.maximum(seg["time"], lo)).clip(lower=0)
        rows.append(seg[keys].assign(period=k, revenue=seg["arr"] * overlap / 365.0))
    out = pd.concat(rows, ignore_index=True)
    return out.groupby(keys + ["period"], observed=True, as_index=False)["revenue"].sum()


def summarize(
    source: object, by: Sequence[str] | str | None = None, period: str = "Y"
) -> pd.DataFrame:
    """Metrics per period and group, as a tidy DataFrame (one row per group and period).

    Parameters
    ----------
    source : :class:`~simkit.engine.results.Results`, a comparison, or a list of Results.
    by : any of ``"strategy"``, ``"replication"``, ``"segment"`` (default: strategy and
        replication).
    period : ``"M"``, ``"Q"``, ``"Y"`` or ``"all"`` (the whole horizon as one period).

    Columns: the counts behind each metric (``start``, ``end``, ``new``, ``lost``,
    ``start_arr``, ``expansion``, ``contraction``, ``churned_arr``, ``new_arr``, ``renewed``,
    ``up_for_renewal``, ``upsells``, ``pitches``, ``resolved``, ``responses``, ``promoters``,
    ``detractors``, ``engaged``, ``revenue``, ``manager_hours``) and the metrics computed from
    them with :mod:`simkit.analysis.metrics`: ``retention_rate``, ``churn_rate``, ``logo_retention``,
    ``grr``, ``nrr``, ``renewal_rate``, ``upsell_rate``, ``time_to_resolution`` (days),
    ``nps``, ``engagement_rate``, ``clv``. A metric whose denominator is zero is NaN.
    """
    ev, horizon = _frames(source)
    by = [by] if isinstance(by, str) else list(by) if by is not None else list(RUN_KEYS)
    unknown = [b for b in by if b not in ("strategy", "replication", "segment")]
    if unknown:
        raise ValueError(f"by may contain 'strategy', 'replication', 'segment'; got {unknown}")
    edges = period_edges(horizon, period)
    keys = RUN_KEYS + ["account"]

    state = _state_at_edges(ev, edges)
    start = state[state["edge"] < len(edges) - 1].rename(
        columns={"edge": "period", "active": "active_start", "arr": "arr_start"}
    )
    end = state[state["edge"] > 0].assign(period=lambda d: d["edge"] - 1)
    per = start[keys + ["segment", "period", "active_start", "arr_start"]].merge(
        end[keys + ["period", "active"]].rename(columns={"active": "active_end"}),
        on=keys + ["period"],
    )

    e = ev[ev["time"] > 0].copy()
    e["period"] = np.clip(
        np.searchsorted(edges, e["time"].to_numpy(), side="left") - 1, 0, len(edges) - 2
    )
    e = e.merge(per[keys + ["period", "active_start"]], on=keys + ["period"], how="left")
    e["active_start"] = e["active_start"].fillna(False).astype(bool)
    name = e["event"].astype(str)
    cohort = e["active_start"]
    gone = name.isin(["churn", "defect"])
    touchy = name.isin(["touch", "issue_resolved", "survey"])
    e = e.assign(
        is_new=name.eq("convert"),
        new_arr=np.where(name.eq("convert"), e["arr_change"], 0.0),
        expansion=np.where(name.eq("upsell") & cohort, e["arr_change"], 0.0),
        contraction=np.where(name.eq("contract") & cohort, -e["arr_change"], 0.0),
        churned_arr=np.where(gone & cohort, -e["arr_change"], 0.0),
        all_expansion=np.where(name.eq("upsell"), e["arr_change"], 0.0),
        all_contraction=np.where(name.eq("contract"), -e["arr_change"], 0.0),
        all_churned=np.where(gone, -e["arr_change"], 0.0),
        renewed=name.eq("renew"),
        up_for_renewal=name.isin(["renew"]) | name.eq("churn"),
        upsells=name.eq("upsell"),
        pitches=name.isin(["upsell", "upsell_fail"]),
        resolved=name.eq("issue_resolved"),
        resolution_days=np.where(name.eq("issue_resolved"), e["value"], 0.0),
        responses=name.eq("survey"),
        promoters=name.eq("survey") & (e["value"] >= 9),
        detractors=name.eq("survey") & (e["value"] <= 6),
        engaged_event=touchy & cohort,
    )
    # engagement: cohort accounts with at least one two-way contact in the period
    engaged = (
        e[e["engaged_event"]]
        .drop_duplicates(keys + ["period"])[keys + ["period"]]
        .assign(engaged=True)
    )
    per = per.merge(engaged, on=keys + ["period"], how="left")
    per["engaged"] = per["engaged"].fillna(False).astype(bool) & per["active_start"]
    per = per.merge(_revenue(ev, edges), on=keys + ["period"], how="left")
    per["revenue"] = per["revenue"].fillna(0.0)
    per["lost"] = per["active_start"] & ~per["active_end"]

    group = by + ["period"]
    counts = per.groupby(group, observed=True).agg(
        start=("active_start", "sum"),
        end=("active_end", "sum"),
        lost=("lost", "sum"),
        start_arr=("arr_start", "sum"),
        engaged=("engaged", "sum"),
        revenue=("revenue", "sum"),
    )
    sums = e.groupby(group, observed=True).agg(
        new=("is_new", "sum"),
        new_arr=("new_arr", "sum"),
        expansion=("expansion", "sum"),
        contraction=("contraction", "sum"),
        churned_arr=("churned_arr", "sum"),
        all_expansion=("all_expansion", "sum"),
        all_contraction=("all_contraction", "sum"),
        all_churned=("all_churned", "sum"),
        renewed=("renewed", "sum"),
        up_for_renewal=("up_for_renewal", "sum"),
        upsells=("upsells", "sum"),
        pitches=("pitches", "sum"),
        resolved=("resolved", "sum"),
        resolution_days=("resolution_days", "sum"),
        responses=("responses", "sum"),
        promoters=("promoters", "sum"),
        detractors=("detractors", "sum"),
        manager_hours=("hours", "sum"),
    )
    table = counts.join(sums, how="left").fillna(0.0).reset_index()
    n_runs = ev.groupby(RUN_KEYS, observed=True).ngroups
    runs_per_row = n_runs if not set(RUN_KEYS) <= set(by) else 1
    if "strategy" in by and "replication" not in by:
        runs_per_row = ev.groupby("strategy", observed=True)["replication"].nunique()
        runs_per_row = table["strategy"].map(runs_per_row).to_numpy()
    table.insert(len(by) + 1, "period_start", edges[table["period"].to_numpy()])
    table.insert(len(by) + 2, "period_end", edges[table["period"].to_numpy() + 1])
    table.insert(len(by) + 3, "runs", runs_per_row)
    _apply_metrics(table)
    return table


def _safe(fn, *args) -> float:
    """A plain metric, or NaN where it is undefined (e.g. no clients at the start)."""
    try:
        return fn(*args)
    except ValueError:
        return math.nan


def _apply_metrics(t: pd.DataFrame) -> None:
    """Add metric columns computed row by row with the plain functions of simkit.analysis.metrics."""
    rows = t.to_dict("records")
    years = ((t["period_end"] - t["period_start"]) / 365.0).to_numpy()
    out: dict[str, list[float]] = {
        c: [] for c in RATE_COLUMNS + ["time_to_resolution", "nps", "clv"]
    }
    for r, yrs in zip(rows, years, strict=True):
        s, n = r["start"], r["new"]
        out["retention_rate"].append(
            _safe(metrics.retention_rate, s, r["end"], n) if r["end"] >= n else math.nan
        )
        out["churn_rate"].append(_safe(metrics.churn_rate, r["lost"], s))
        out["logo_retention"].append(_safe(metrics.logo_retention, s, s - r["lost"]))
        out["grr"].append(
            _safe(
                metrics.gross_revenue_retention, r["start_arr"], r["contraction"], r["churned_arr"]
            )
        )
        out["nrr"].append(
            _safe(
                metrics.net_revenue_retention,
                r["start_arr"],
                r["expansion"],
                r["contraction"],
                r["churned_arr"],
            )
        )
        out["renewal_rate"].append(_safe(metrics.renewal_rate, r["renewed"], r["up_for_renewal"]))
        out["upsell_rate"].append(_safe(metrics.upsell_rate, r["upsells"], r["pitches"]))
        out["engagement_rate"].append(_safe(metrics.engagement_rate, r["engaged"], s))
        out["time_to_resolution"].append(
            r["resolution_days"] / r["resolved"] if r["resolved"] else math.nan
        )
        out["nps"].append(
            _safe(
                metrics.nps_from_shares,
                100 * r["promoters"] / r["responses"],
                100 * r["detractors"] / r["responses"],
            )
            if r["responses"]
            else math.nan
        )
        # CLV: yearly revenue per account times expected lifetime in years (1 / yearly churn)
        avg_accounts = (s + r["end"]) / 2
        churn_frac = (r["lost"] / s) / yrs if s and yrs > 0 else 0.0
        if avg_accounts > 0 and churn_frac > 0:
            yearly = r["revenue"] / avg_accounts / yrs
            out["clv"].append(_safe(metrics.customer_lifetime_value, yearly, 1 / churn_frac))
        else:
            out["clv"].append(math.nan)
    for col, values in out.items():
        t[col] = values
    del t["resolution_days"]


def _codes(col: pd.Series, names: Sequence[str]) -> np.ndarray:
    """Integer codes of a categorical (or text) column, in the order of ``names`` (-1: other)."""
    cat = col.astype(pd.CategoricalDtype(list(names)))
    return cat.cat.codes.to_numpy()


def _one_run_table(ev: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """``summarize(results, by=[], period=...)`` for a single run, computed with numpy.

    Same definitions, same columns and metrics; sums may differ from :func:`summarize` in
    the last bits only (it adds in another order). This is what makes a run's summary cheap.
    """
    from simkit.engine.events import EVENTS

    n_per = len(edges) - 1
    time = ev["time"].to_numpy(dtype=float)
    acct = ev["account"].to_numpy(dtype=np.int64)
    code = _codes(ev["event"], EVENTS)
    after = _codes(ev["stage_after"], ("prospect", "customer", "loyal", "former"))
    first = ev["stage_before"].isna().to_numpy()
    arr = ev["arr"].to_numpy(dtype=float)
    change = ev["arr_change"].to_numpy(dtype=float)
    value = ev["value"].to_numpy(dtype=float)
    hours = ev["hours"].to_numpy(dtype=float)
    if len(time) > 1 and not (np.diff(time) >= 0).all():  # the model logs in time order
        order = np.argsort(time, kind="stable")
        time, acct, code, after, first = (
            time[order],
            acct[order],
            code[order],
            after[order],
            first[order],
        )
        arr, change, value, hours = arr[order], change[order], value[order], hours[order]
    n_acc = int(acct.max()) + 1 if len(acct) else 0
    active = (after == 1) | (after == 2)

    # state of every account at every edge: its last event at or before the edge
    by_acct = np.argsort(acct, kind="stable")  # each account's events, in time order
    run_start = np.concatenate([[0], np.cumsum(np.bincount(acct, minlength=n_acc))[:-1]])
    act_at = np.zeros((len(edges), n_acc), dtype=bool)
    arr_at = np.zeros((len(edges), n_acc))
    for k, t in enumerate(edges):
        seen = np.bincount(acct[: np.searchsorted(time, t, side="right")], minlength=n_acc)
        has = seen > 0
        last = by_acct[run_start[has] + seen[has] - 1]
        act_at[k, has] = active[last]
        arr_at[k, has] = np.where(active[last], arr[last], 0.0)

    # events inside the horizon, by period; "cohort" = the account was active at the start
    inside = time > 0
    t_in, a_in, c_in = time[inside], acct[inside], code[inside]
    per = np.clip(np.searchsorted(edges, t_in, side="left") - 1, 0, n_per - 1)
    cohort = act_at[per, a_in]
    e = {name: i for i, name in enumerate(EVENTS)}

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(per[mask], minlength=n_per).astype(float)

    def total(mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.bincount(per[mask], weights=weights[mask], minlength=n_per)

    chg, val = change[inside], value[inside]
    gone = (c_in == e["churn"]) | (c_in == e["defect"])
    survey = c_in == e["survey"]
    touchy = (c_in == e["touch"]) | (c_in == e["issue_resolved"]) | survey
    engaged_pairs = np.unique(per[touchy & cohort] * n_acc + a_in[touchy & cohort])
    lost = act_at[:-1] & ~act_at[1:]
    table = pd.DataFrame(
        {
            "period": np.arange(n_per),
            "period_start": edges[:-1],
            "period_end": edges[1:],
            "start": act_at[:-1].sum(axis=1),
            "end": act_at[1:].sum(axis=1),
            "lost": lost.sum(axis=1),
            "start_arr": arr_at[:-1].sum(axis=1),
            "engaged": np.bincount(engaged_pairs // max(n_acc, 1), minlength=n_per),
            "revenue": _one_run_revenue(time, acct, arr, change, first, edges),
            "new": count(c_in == e["convert"]),
            "new_arr": total(c_in == e["convert"], chg),
            "expansion": total((c_in == e["upsell"]) & cohort, chg),
            "contraction": -total((c_in == e["contract"]) & cohort, chg),
            "churned_arr": -total(gone & cohort, chg),
            "all_expansion": total(c_in == e["upsell"], chg),
            "all_contraction": -total(c_in == e["contract"], chg),
            "all_churned": -total(gone, chg),
            "renewed": count(c_in == e["renew"]),
            "up_for_renewal": count((c_in == e["renew"]) | (c_in == e["churn"])),
            "upsells": count(c_in == e["upsell"]),
            "pitches": count((c_in == e["upsell"]) | (c_in == e["upsell_fail"])),
            "resolved": count(c_in == e["issue_resolved"]),
            "resolution_days": total(c_in == e["issue_resolved"], val),
            "responses": count(survey),
            "promoters": count(survey & (val >= 9)),
            "detractors": count(survey & (val <= 6)),
            "manager_hours": total(np.ones(len(per), bool), hours[inside]),
        }
    )
    _apply_metrics(table)
    return table


def _one_run_revenue(
    time: np.ndarray,
    acct: np.ndarray,
    arr: np.ndarray,
    change: np.ndarray,
    first: np.ndarray,
    edges: np.ndarray,
) -> np.ndarray:
    """Revenue per period: every account's ARR integrated over time (as :func:`_revenue`)."""
    step = (change != 0) | first
    t, a, v = time[step], acct[step], arr[step]
    order = np.lexsort((t, a))  # by account, then time (stable for equal times)
    t, a, v = t[order], a[order], v[order]
    until = np.append(t[1:], edges[-1])
    until[:-1][a[1:] != a[:-1]] = edges[-1]  # an account's last step runs to the horizon
    pay = v > 0
    t, until, v = t[pay], until[pay], v[pay]
    out = np.empty(len(edges) - 1)
    for k in range(len(edges) - 1):
        overlap = (np.minimum(until, edges[k + 1]) - np.maximum(t, edges[k])).clip(min=0)
        out[k] = float(np.sum(v * overlap / 365.0))
    return out


HEADLINE = {
    "logo_retention": "Logo retention (%/yr)",
    "churn_rate": "Churn (%/yr)",
    "grr": "GRR (%/yr)",
    "nrr": "NRR (%/yr)",
    "revenue": "Revenue (total)",
    "end_arr": "ARR at end",
    "clv": "CLV",
    "nps": "NPS",
    "time_to_resolution": "Time to resolution (days)",
    "manager_hours": "Manager hours (total)",
    "strategy_cost": "Strategy cost (hours x rate)",
    "utilisation": "Team utilisation (%)",
}
"""Headline figures of a run, with the labels the CLI and widgets show."""


YEARLY_MEANS = (
    "logo_retention",
    "churn_rate",
    "grr",
    "nrr",
    "retention_rate",
    "renewal_rate",
    "upsell_rate",
    "engagement_rate",
    "clv",
)
"""Figures :func:`run_summary` reports as the length-weighted mean of the yearly values."""


def run_summary(res: Results) -> pd.Series:
    """Headline figures of one run.

    Yearly rates are the mean over the horizon's years (a final part-year counts in
    proportion to its length); totals are over the whole horizon.
    """
    horizon = res.scenario.horizon_days
    yearly = _one_run_table(res.events, period_edges(horizon, "Y"))
    whole = _one_run_table(res.events, period_edges(horizon, "all")).iloc[0]
    weight = (yearly["period_end"] - yearly["period_start"]).to_numpy()
    out = {}
    for col in YEARLY_MEANS:
        vals = yearly[col].to_numpy(dtype=float)
        ok = ~np.isnan(vals)
        out[col] = float(np.average(vals[ok], weights=weight[ok])) if ok.any() else math.nan
    sc = res.scenario
    out["revenue"] = float(whole["revenue"])
    out["end_arr"] = float(res.accounts["arr"].sum())
    out["nps"] = float(whole["nps"])
    out["time_to_resolution"] = float(whole["time_to_resolution"])
    out["manager_hours"] = float(whole["manager_hours"])
    out["strategy_cost"] = out["manager_hours"] * sc.team.cost_per_hour
    capacity = sc.team.managers * sc.team.hours_per_week * sc.horizon_days / 7
    out["utilisation"] = 100 * out["manager_hours"] / capacity
    out["team_cost"] = capacity * sc.team.cost_per_hour
    out["accounts_start"] = float(yearly["start"].iloc[0])
    summary = res.cache["run_summary"] = pd.Series(out, name=(res.strategy, res.replication))
    return summary
