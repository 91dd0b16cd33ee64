"""Metrics on simulation results: per period, per segment, per strategy, and per run.

:func:`summarize` counts, from the event log, the numbers each metric needs
(:func:`simkit.analysis.counts.count_periods`: clients at the start and end of a period,
new clients, ARR lost and gained, renewals, survey answers ...) and adds one column per
metric of the registry (:data:`simkit.analysis.registry.METRICS`), computed by the
metric's plain function from :mod:`simkit.analysis.metrics` -- so a metric on results
means exactly what the teaching function means. Lean runs (``record="summary"``, which
keep only the part of the log counts read) are summarised exactly like full ones.
:func:`run_summary` gives a run's headline
figures, each formed as its registry entry's ``basis`` says (the mean of the yearly values
for rates, the whole horizon for totals and shares).

One annualisation rule
----------------------
A figure per year (basis ``"per year"``) is put per year the same way in every table,
whatever its period (``"M"``, ``"Q"``, ``"Y"`` or ``"all"``), so a quarterly table and a
yearly one show comparable numbers under the same label
(:mod:`simkit.analysis.metric`):

* totals -- money, touches, deals -- are divided by the runs pooled in the row and by the
  row's length in years (a quarter's revenue x 4; over the whole horizon, the total
  divided by ``horizon_years``);
* retention rates -- logo retention, GRR, NRR -- compound: a quarter keeping ``R`` keeps
  ``R ** 4`` a year; churn is 100 minus that yearly retention.

The other figures (NPS, utilisation, time to resolution, engagement, renewal and win rates)
are measured over each row's period, and their column labels say so
(``label(name, period="Q")``).

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
>>> one_year = summarize(res, by=[], period="Y")
>>> HEADLINE["nrr"], math.isclose(run_summary(res)["nrr"], one_year["nrr"].iloc[0])
('NRR (% per year)', True)
>>> quarters = summarize(res, by=[], period="Q")   # revenue per year in every quarter
>>> math.isclose(quarters["revenue"].mean(), one_year["revenue"].iloc[0])
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from simkit.analysis.counts import GROUPS, RUN_KEYS, count_periods, period_edges, rows
from simkit.analysis.registry import METRICS, PER_QUARTER, PER_YEAR, HeadlineView, Metric, names
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario

__all__ = ["HEADLINE", "RATE_COLUMNS", "YEARLY_MEANS", "add_metrics", "run_summary", "summarize"]

HEADLINE: Mapping[str, str] = HeadlineView()
"""Headline figures of a run, with the labels the CLI and widgets show: the registry's
:func:`~simkit.analysis.registry.headline`, kept up to date with it."""

YEARLY_MEANS = names(basis=PER_YEAR)
"""Figures :func:`run_summary` reports as the length-weighted mean of the yearly values
(the registry's metrics with basis ``"per year"``, as the package defines them); for totals
this is the total over the horizon divided by ``horizon_years``."""

RATE_COLUMNS = names(unit="%")
"""Columns of :func:`summarize` that are percentages (0-100; NRR and utilisation can exceed
100), as the package defines them."""


def _source(
    source: object, by: Sequence[str]
) -> tuple[pd.DataFrame, float, Scenario | dict[tuple[str, int], Scenario]]:
    """The log to count, the measured horizon in days, and the scenario(s) behind it.

    The log is each run's :attr:`~simkit.engine.results.Results.log`: the event log of a full
    run, the rows counts read of a lean one -- the same counts either way."""
    if isinstance(source, Results):
        tag = any(k in by for k in RUN_KEYS)
        events = source.tagged("log") if tag else source.log
        return events, source.scenario.horizon_days, source.scenario
    if hasattr(source, "scenario") and (hasattr(source, "log") or hasattr(source, "events")):
        log = source.log if hasattr(source, "log") else source.events  # a Comparison
        return log, source.scenario.horizon_days, source.scenario
    if isinstance(source, Sequence) and source and all(isinstance(r, Results) for r in source):
        horizons = {r.scenario.horizon_days for r in source}
        if len(horizons) != 1:
            raise ValueError("all runs must have the same horizon to be summarised together")
        scenarios = {(r.strategy, r.replication): r.scenario for r in source}
        if len(scenarios) != len(source):
            raise ValueError(
                "the runs must differ in strategy or replication to be summarised together"
            )
        events = pd.concat([r.tagged("log") for r in source], ignore_index=True)
        return events, horizons.pop(), scenarios
    raise TypeError(
        "summarize() takes Results, a Comparison, or a list of Results; "
        f"got {type(source).__name__}"
    )


def summarize(
    source: object,
    by: Sequence[str] | str | None = None,
    period: str = "Y",
    *,
    registry: Mapping[str, Metric] | None = None,
) -> pd.DataFrame:
    """Metrics per period and group, as a tidy DataFrame (one row per group and period).

    Parameters
    ----------
    source : :class:`~simkit.engine.results.Results`, a comparison, or a list of Results.
    by : any of ``"strategy"``, ``"replication"``, ``"segment"`` (default: strategy and
        replication).
    period : ``"M"``, ``"Q"``, ``"Y"`` or ``"all"`` (the whole horizon as one period).
    registry : the metrics to add (default :data:`simkit.analysis.registry.METRICS`).

    Columns: the groups, ``period``, ``period_start``, ``period_end`` and ``runs`` (runs
    pooled in the row); the counts behind each metric
    (:data:`simkit.analysis.counts.COUNTS`: ``start``, ``end``, ``lost``, ``start_arr``,
    ``churned_arr``, ``revenue_earned``, ``manager_hours`` ... -- totals over the row's
    period and runs); and one column per metric of the registry not already among them
    (``logo_retention``, ``churn_rate``, ``grr``, ``nrr``, ``revenue``, ``gross_profit``,
    ``clv_simple``, ``nps``, ``time_to_resolution`` in days, ``utilisation`` ...). Figures
    per year are per year in every row, by the rule in the module's notes; the others are
    measured over the row's period. A metric whose denominator is zero is NaN. Column labels
    for people: ``simkit.analysis.registry.label(name, period=period)``.
    """
    by = [by] if isinstance(by, str) else list(by) if by is not None else list(RUN_KEYS)
    unknown = [b for b in by if b not in GROUPS]
    if unknown:
        raise ValueError(f"by may contain 'strategy', 'replication', 'segment'; got {unknown}")
    events, horizon, scenario = _source(source, by)
    table = count_periods(events, period_edges(horizon, period), by, scenario)
    add_metrics(table, METRICS if registry is None else registry)
    return table


def add_metrics(table: pd.DataFrame, registry: Mapping[str, Metric] | None = None) -> None:
    """Add a column per metric to a table of counts, computed row by row with its plain
    function (metrics that are counts of the table already are columns, and are left)."""
    records = rows(table)
    for m in (METRICS if registry is None else registry).values():
        if m.name not in table.columns:
            table[m.name] = np.array([m.value(r) for r in records], dtype=float)


def run_summary(res: Results, *, registry: Mapping[str, Metric] | None = None) -> pd.Series:
    """Headline figures of one run: every metric of the registry, one number each.

    A metric with basis ``"per year"`` is the mean of its yearly values, each put per year
    (so a final part-year counts in proportion to its length, and a total comes out as the
    total over the horizon divided by ``horizon_years``); one without an annualising rule
    (engagement) is the mean over the complete years, if there is one. A metric ``"per
    quarter"`` is the mean of its quarterly values. Years or quarters where a figure is
    undefined are left out. The others are taken over the whole horizon (totals, averages,
    the state at the end or start). The summary is kept in ``res.cache`` and reused while
    the registry is unchanged.
    """
    reg = METRICS if registry is None else registry
    cached = res.cache.get("run_summary")
    if registry is None and cached is not None and list(cached.index) == list(reg):
        return cached.copy()
    horizon = res.scenario.horizon_days
    tables = {"all": count_periods(res.log, period_edges(horizon, "all"), (), res.scenario)}
    for period, basis in (("Y", PER_YEAR), ("Q", PER_QUARTER)):
        if any(m.basis == basis for m in reg.values()):
            tables[basis] = count_periods(res.log, period_edges(horizon, period), (), res.scenario)
    records = {key: rows(table) for key, table in tables.items()}
    out = {}
    for m in reg.values():
        if m.basis not in (PER_YEAR, PER_QUARTER):
            out[m.name] = m.value(records["all"][0])
            continue
        table = tables[m.basis]
        weight = (table["period_end"] - table["period_start"]).to_numpy()
        values = np.array([m.value(r) for r in records[m.basis]])
        ok = ~np.isnan(values)
        if m.annualise is None and (ok & np.isclose(weight, weight.max())).any():
            ok &= np.isclose(weight, weight.max())  # complete periods only
        out[m.name] = float(np.average(values[ok], weights=weight[ok])) if ok.any() else math.nan
    summary = pd.Series(out, name=(res.strategy, res.replication), dtype=float)
    if registry is None:
        res.cache["run_summary"] = summary.copy()
    return summary
