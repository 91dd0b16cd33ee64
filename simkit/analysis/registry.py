"""The metric registry: every figure the summaries report, defined once.

A *metric* here is one figure of a run or a period -- churn, NRR, CLV, team utilisation --
with everything the rest of simkit needs to show it (:class:`~simkit.analysis.metric.Metric`):
its name (the column in tables), a label that always carries its unit and basis, whether
higher is better, and how to compute it. The computing is always the same steps:

1. the counting core (:func:`simkit.analysis.counts.count_periods`) counts, per period,
   the numbers listed in :data:`simkit.analysis.counts.COUNTS` -- clients at the start,
   clients lost, ARR churned, survey answers ...;
2. the metric's ``inputs`` picks the arguments of its *plain function* (from
   :mod:`simkit.analysis.metrics`) out of those counts, and the function computes it;
3. a figure per year is put per year by one rule for every period length (totals divided
   by the years, retention compounded: :mod:`simkit.analysis.metric`).

So a metric on simulation results means exactly what the plain function a trainee uses by
hand means. :data:`METRICS` holds the entries in the order tables show them;
:func:`simkit.analysis.summary.summarize` adds one column per entry, and
:func:`simkit.analysis.summary.run_summary` reports each per its ``basis``.

>>> m = metric("churn_rate")
>>> m.label, m.unit, m.basis, m.direction, m.function.__name__
('Churn', '%', 'per year', 'lower', 'churn_rate')
>>> m.value({"lost": 5, "start": 100})
5.0
>>> label("nrr"), label("nrr", with_unit=False), headline()["revenue"]
('NRR (% per year)', 'NRR', 'Revenue (per year)')

Money
-----
Every money figure is per year, annualised one way: the total over the measured period
divided by the runs pooled and by the period's length in years (over a run: the total over
the horizon divided by ``horizon_years``). ``gross_profit`` is revenue x gross margin;
``team_cost`` the team as paid headcount (managers x yearly salary); ``strategy_cost`` the
hours worked x cost per hour (what a strategy uses of the team); ``acquisition_spend`` the
deals won x the acquisition cost of their segment; ``operating_profit`` gross profit less
headcount less acquisition. The return of a strategy against a baseline is
:func:`simkit.analysis.economics.strategy_return`.

One CLV family
--------------
``clv_simple`` is the articles' CLV: average yearly revenue per client x expected lifespan
(1 / yearly churn) - the clients' mean acquisition cost. ``clv_margin`` is the discounted
margin CLV ``m r / (1 + i - r)``: m = gross margin x average yearly revenue per client, r =
yearly logo retention, i = the scenario's discount rate, before acquisition. With i = 0 and
a margin of 1, ``clv_margin`` = revenue x r / (1 - r) = revenue x (lifespan - 1): the simple
form's revenue over the lifespan less one year, since 1 / (1 - r) - 1 = r / (1 - r).

Adding a metric
---------------
Write its plain function in :mod:`simkit.analysis.metrics` (numbers in, a number out, a
``ValueError`` where it is undefined -- the summaries show NaN there) and add one entry,
here in :data:`METRICS` or at run time with :func:`register`:

>>> from simkit.analysis import metrics
>>> arr_growth = Metric(
...     "arr_growth", "ARR growth", unit="%", basis=PER_YEAR, direction="higher",
...     description="Growth of the book's ARR over the period, new business included.",
...     function=metrics.revenue_growth,
...     inputs=from_counts(start_revenue="start_arr", end_revenue="end_arr"),
... )
>>> arr_growth.value({"start_arr": 200_000.0, "end_arr": 230_000.0})
15.0

If it needs a number the counting core does not count yet, add that count to
:func:`~simkit.analysis.counts.count_periods` (one more entry of
:data:`~simkit.analysis.counts.COUNTS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from simkit.analysis import metrics
from simkit.analysis.metric import (
    AT_END,
    AT_START,
    BASES,
    DIRECTIONS,
    PER_QUARTER,
    PER_YEAR,
    UNITS,
    WHOLE_HORIZON,
    CountInputs,
    Counts,
    Metric,
    from_counts,
    period_years,
)

__all__ = [
    "AT_END",
    "AT_START",
    "BASES",
    "CountInputs",
    "DIRECTIONS",
    "HeadlineView",
    "METRICS",
    "Metric",
    "PER_QUARTER",
    "PER_YEAR",
    "UNITS",
    "WHOLE_HORIZON",
    "from_counts",
    "headline",
    "label",
    "metric",
    "names",
    "register",
    "unregister",
]


# -------------------------------------------------------------- inputs built from counts
def _nan(*values: object) -> bool:
    return any(math.isnan(float(v)) for v in values)  # type: ignore[arg-type]


def _client_rates(c: Counts) -> tuple[float, float] | None:
    """A row's average yearly revenue per client and yearly logo retention (a fraction).

    Revenue per client-year (revenue earned over the clients integrated over time) is
    revenue per client per year whatever the period's length; the cohort's retention over
    the period is compounded to a year. None without clients or time.
    """
    years = period_years(c)
    if years <= 0 or not c["customer_years"] or not c["start"]:
        return None
    kept = (c["start"] - c["lost"]) / c["start"]
    return c["revenue_earned"] / c["customer_years"], kept ** (1.0 / years)


def _clv_simple_inputs(c: Counts) -> dict[str, float] | None:
    """The articles' CLV: yearly revenue per client, lifespan 1 / yearly churn, and the
    clients' acquisition cost (their segments' costs, weighted by client-years)."""
    rates = _client_rates(c)
    if rates is None or rates[1] >= 1:  # no churn: an endless lifespan
        return None
    revenue, r = rates
    return {
        "avg_revenue": revenue,
        "lifespan": 1.0 / (1.0 - r),
        "acquisition_cost": c["acquisition_cost_years"] / c["customer_years"],
    }


def _clv_margin_inputs(c: Counts) -> dict[str, float] | None:
    """The discounted margin CLV: m = gross margin x yearly revenue per client, r = yearly
    logo retention, i = the discount rate (before acquisition)."""
    rates = _client_rates(c)
    if rates is None or _nan(c["gross_margin"], c["discount_rate"]):
        return None
    revenue, r = rates
    return {
        "margin": c["gross_margin"] * revenue,
        "retention": r,
        "discount_rate": c["discount_rate"],
    }


def _gross_profit_inputs(c: Counts) -> dict[str, float] | None:
    if _nan(c["gross_margin"]):
        return None
    return {"revenue": c["revenue_earned"], "gross_margin": c["gross_margin"]}


def _team_cost_inputs(c: Counts) -> dict[str, float] | None:
    if _nan(c["manager_years"], c["manager_salary"]):
        return None
    return {"managers": c["manager_years"], "salary": c["manager_salary"]}


def _operating_profit_inputs(c: Counts) -> dict[str, float] | None:
    """Gross profit, the team's headcount and the acquisition spend of a row."""
    gp, team = _gross_profit_inputs(c), _team_cost_inputs(c)
    if gp is None or team is None or _nan(c["acquisition_costs"]):
        return None
    return {
        "gross_profit": metrics.gross_profit(**gp),
        "headcount_cost": metrics.headcount_cost(**team),
        "acquisition_spend": c["acquisition_costs"],
    }


def _nps_inputs(c: Counts) -> dict[str, float] | None:
    """NPS from the shares of promoters and detractors among the survey answers."""
    if not c["responses"]:
        return None
    return {
        "promoters_pct": 100 * c["promoters"] / c["responses"],
        "detractors_pct": 100 * c["detractors"] / c["responses"],
    }


# -------------------------------------------------------------- the registry
_REGISTRY: dict[str, Metric] = {}

METRICS: Mapping[str, Metric] = MappingProxyType(_REGISTRY)
"""Every metric, by name, in the order tables show them (read-only; see :func:`register`)."""


def register(new: Metric, *, replace: bool = False) -> Metric:
    """Add a metric to :data:`METRICS` (at the end), so every summary reports it from now on.

    ``replace=True`` swaps an existing metric of the same name (keeping its place).
    Returns the metric, so ``register(Metric(...))`` can be assigned.
    """
    if not isinstance(new, Metric):
        raise TypeError(f"register() takes a Metric, got {type(new).__name__}")
    if new.name in _REGISTRY and not replace:
        raise ValueError(f"a metric named {new.name!r} is registered already (replace=True?)")
    _REGISTRY[new.name] = new
    return new


def unregister(name: str) -> Metric:
    """Remove a metric from :data:`METRICS` and return it (to undo :func:`register`)."""
    return _REGISTRY.pop(metric(name).name)


def metric(name: str) -> Metric:
    """The registered metric called ``name``.

    >>> metric("clv_simple").label_with_unit()
    'Simple CLV (per customer, from yearly rates over the horizon)'
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no metric {name!r}; the metrics are {', '.join(_REGISTRY)}") from None


def names(*, basis: str | None = None, unit: str | None = None) -> tuple[str, ...]:
    """Names of the registered metrics, in order; only those of one basis or unit if given.

    >>> names(basis=AT_END)
    ('end_arr',)
    """
    return tuple(
        m.name
        for m in _REGISTRY.values()
        if (basis is None or m.basis == basis) and (unit is None or m.unit == unit)
    )


def label(name: str, with_unit: bool = True, period: str | None = None) -> str:
    """The label of a metric for people, with its unit and basis by default.

    ``period`` (``"M"``, ``"Q"``, ``"Y"``, ``"all"``) labels a column of a table by period
    (see :meth:`~simkit.analysis.metric.Metric.label_with_unit`).

    >>> label("time_to_resolution")
    'Time to resolution (days, mean over the horizon)'
    >>> label("time_to_resolution", period="Q")
    'Time to resolution (days, mean in each quarter)'
    >>> label("churn_rate", period="Q"), label("clv_simple", with_unit=False)
    ('Churn (% per year)', 'Simple CLV')
    """
    m = metric(name)
    return m.label_with_unit(period) if with_unit else m.label


def headline(registry: Mapping[str, Metric] | None = None) -> dict[str, str]:
    """A run's headline figures: name -> label (unit and basis included), in order.

    >>> list(headline())[:4]
    ['logo_retention', 'churn_rate', 'grr', 'nrr']
    """
    reg = _REGISTRY if registry is None else registry
    return {m.name: m.label_with_unit() for m in reg.values() if m.headline}


class HeadlineView(Mapping[str, str]):
    """:func:`headline` as a read-only mapping that follows the registry (what
    ``simkit.analysis.summary.HEADLINE`` is): name -> headline label."""

    def __getitem__(self, name: str) -> str:
        return headline()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(headline())

    def __len__(self) -> int:
        return len(headline())

    def __repr__(self) -> str:
        return f"HeadlineView({headline()!r})"


# fmt: off
_CLIENTS = (
    Metric(
        "logo_retention", "Logo retention", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of the clients at the start of a period still clients at its end, "
        "compounded to a year. Lost deals are not clients and do not count.",
        function=metrics.logo_retention, annualise="retention",
        inputs=lambda c: {"start": c["start"], "retained": c["start"] - c["lost"]},
        headline=True,
    ),
    Metric(
        "churn_rate", "Churn", unit="%", basis=PER_YEAR, direction="lower",
        description="Share of the clients at the start of a period who left during it "
        "(churned at renewal or defected), per year. A lost deal is never churn.",
        function=metrics.churn_rate, inputs=from_counts("lost", "start"), annualise="churn",
        headline=True,
    ),
    Metric(
        "retention_rate", "Retention rate", unit="%", basis=PER_YEAR, direction="higher",
        description="Clients at the end minus new clients, over clients at the start, "
        "compounded to a year.",
        function=metrics.retention_rate, inputs=from_counts("start", "end", "new"),
        annualise="retention",
    ),
    Metric(
        "renewal_rate", "Renewal rate", unit="%", basis=WHOLE_HORIZON, direction="higher",
        description="Share of the contracts that came up for renewal that were renewed.",
        function=metrics.renewal_rate, inputs=from_counts("renewed", "up_for_renewal"),
    ),
    Metric(
        "grr", "GRR", unit="%", basis=PER_YEAR, direction="higher",
        description="Gross revenue retention: share of the cohort's starting ARR kept, "
        "growth ignored, compounded to a year.",
        function=metrics.gross_revenue_retention, annualise="retention",
        inputs=from_counts("start_arr", "contraction", "churned_arr"),
        headline=True,
    ),
    Metric(
        "nrr", "NRR", unit="%", basis=PER_YEAR, direction="higher",
        description="Net revenue retention: the cohort's starting ARR kept plus its "
        "expansion, compounded to a year.",
        function=metrics.net_revenue_retention, annualise="retention",
        inputs=from_counts("start_arr", "expansion", "contraction", "churned_arr"),
        headline=True,
    ),
    Metric(
        "upsell_rate", "Upsell success", unit="%", basis=WHOLE_HORIZON, direction="higher",
        description="Share of upsell and cross-sell pitches accepted.",
        function=metrics.upsell_rate,
        inputs=from_counts(successes="upsells", attempts="pitches"),
    ),
)

_PIPELINE = (
    Metric(
        "deals_won", "Deals won", unit="deals", basis=PER_YEAR, direction="higher",
        description="Prospects that became customers.",
        count="new", annualise="total",
    ),
    Metric(
        "deals_lost", "Deals lost", unit="deals", basis=PER_YEAR, direction="lower",
        description="Prospects that left the pipeline without buying: their own outcome, "
        "never churn and never former clients.",
        count="lost_deals", annualise="total",
    ),
    Metric(
        "win_rate", "Win rate", unit="%", basis=WHOLE_HORIZON, direction="higher",
        description="Share of the deals decided that were won.",
        function=metrics.win_rate, inputs=from_counts(won="new", lost="lost_deals"),
    ),
)

_MONEY = (
    Metric(
        "revenue", "Revenue", unit="currency", basis=PER_YEAR, direction="higher",
        description="Revenue earned (every account's ARR integrated over time), per year.",
        count="revenue_earned", annualise="total", headline=True,
    ),
    Metric(
        "gross_profit", "Gross profit", unit="currency", basis=PER_YEAR, direction="higher",
        description="Revenue x the scenario's gross margin, per year: what the revenue leaves "
        "once the product is delivered.",
        function=metrics.gross_profit, inputs=_gross_profit_inputs, annualise="total",
        headline=True,
    ),
    Metric(
        "end_arr", "ARR", unit="currency per year", basis=AT_END, direction="higher",
        description="Annual recurring revenue of the clients at the end.",
        count="end_arr", headline=True,
    ),
    Metric(
        "acquisition_spend", "Acquisition spend", unit="currency", basis=PER_YEAR,
        direction="neither",
        description="Deals won x the acquisition cost of their segment, per year.",
        count="acquisition_costs", annualise="total",
    ),
    Metric(
        "strategy_cost", "Strategy cost, hours worked", unit="currency", basis=PER_YEAR,
        direction="lower",
        description="The hours managers worked on accounts x the cost per hour, per year: "
        "what a strategy uses of the team (its extra over a baseline is the cost in "
        "strategy_return).",
        function=metrics.labour_cost, annualise="total", headline=True,
        inputs=from_counts(hours="manager_hours", cost_per_hour="cost_per_hour"),
    ),
    Metric(
        "team_cost", "Team cost, paid headcount", unit="currency", basis=PER_YEAR,
        direction="lower",
        description="Managers x yearly salary (fully loaded), per year: paid whether the "
        "managers are busy or not.",
        function=metrics.headcount_cost, inputs=_team_cost_inputs, annualise="total",
    ),
    Metric(
        "operating_profit", "Operating profit", unit="currency", basis=PER_YEAR,
        direction="higher",
        description="Gross profit - team cost as paid headcount - acquisition spend, per "
        "year. The hours worked are inside the headcount (not subtracted again); sales and "
        "marketing beyond the acquisition cost, product and overheads are not in it.",
        function=metrics.operating_profit, inputs=_operating_profit_inputs,
        annualise="total", headline=True,
    ),
)

_VALUE = (
    Metric(
        "clv_simple", "Simple CLV", unit="currency per customer", basis=WHOLE_HORIZON,
        direction="higher", aggregate="from yearly rates",
        description="The articles' CLV: average yearly revenue per client x expected "
        "lifespan (1 / yearly churn) - acquisition cost (the mean over the clients' "
        "segments, weighted by client-years); undiscounted revenue over the lifespan less "
        "acquisition. With i = 0 and margin 1, clv_margin = revenue x r / (1 - r) is this "
        "form's revenue x lifespan minus one year (1 / (1 - r) - 1 = r / (1 - r)).",
        function=metrics.customer_lifetime_value, inputs=_clv_simple_inputs, headline=True,
    ),
    Metric(
        "clv_margin", "Margin CLV, discounted", unit="currency per customer",
        basis=WHOLE_HORIZON, direction="higher", aggregate="from yearly rates",
        description="The discounted margin CLV m x r / (1 + i - r): m = gross margin x "
        "average yearly revenue per client, r = yearly logo retention, i = the scenario's "
        "discount rate; discounted margin, before acquisition. With i = 0 and margin 1 it "
        "is clv_simple's revenue x lifespan minus one year, before acquisition.",
        function=metrics.discounted_clv, inputs=_clv_margin_inputs, headline=True,
    ),
)

_SERVICE = (
    Metric(
        "nps", "NPS", unit="score", basis=WHOLE_HORIZON, direction="higher",
        description="Net Promoter Score of the survey answers: % promoters minus % detractors.",
        function=metrics.nps_from_shares, inputs=_nps_inputs,
        headline=True,
    ),
    Metric(
        "engagement_rate", "Engagement", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of the cohort with at least one two-way contact in a year (in a "
        "table by period: in each period; not annualised).",
        function=metrics.engagement_rate, inputs=from_counts("engaged", active="start"),
    ),
    Metric(
        "time_to_resolution", "Time to resolution", unit="days", basis=WHOLE_HORIZON,
        direction="lower", aggregate="mean",
        description="Average days from an issue's report to its fix.",
        function=metrics.time_to_resolution_from_total,
        inputs=from_counts(total_time="resolution_days", resolved="resolved"),
        headline=True,
    ),
)

_WORK = (
    Metric(
        "touches_planned", "Touches planned", unit="touches", basis=PER_YEAR,
        direction="neither",
        description="Proactive touches the strategy planned (delivered + missed), per year.",
        function=metrics.touches_planned, annualise="total", headline=True,
        inputs=from_counts(delivered="touches_made", missed="missed_touches"),
    ),
    Metric(
        "touches_delivered", "Touches delivered", unit="touches", basis=PER_YEAR,
        direction="neither",
        description="Proactive touches made (check-ins, reviews, rescue calls), per year.",
        count="touches_made", annualise="total", headline=True,
    ),
    Metric(
        "touches_missed", "Touches missed", unit="touches", basis=PER_YEAR,
        direction="lower",
        description="Proactive touches given up because no manager was free within their "
        "window, per year.",
        count="missed_touches", annualise="total",
    ),
    Metric(
        "missed_touch_share", "Share of touches missed", unit="%", basis=WHOLE_HORIZON,
        direction="lower",
        description="Missed touches as a share of those planned.",
        function=metrics.missed_share, headline=True,
        inputs=from_counts(missed="missed_touches", delivered="touches_made"),
    ),
    Metric(
        "manager_hours", "Manager hours", unit="hours", basis=WHOLE_HORIZON,
        direction="neither", aggregate="total",
        description="Account-manager hours spent on accounts over the whole horizon.",
        count="manager_hours", headline=True,
    ),
    Metric(
        "utilisation", "Team utilisation", unit="%", basis=WHOLE_HORIZON, direction="neither",
        description="Share of the team's available hours spent on accounts.",
        function=metrics.utilisation,
        inputs=from_counts(hours="manager_hours", capacity="capacity_hours"),
        headline=True,
    ),
    Metric(
        "accounts_start", "Clients", unit="accounts", basis=AT_START, direction="neither",
        description="Clients (customers and loyal) at the start.",
        count="start",
    ),
)
# fmt: on

for _metric in (*_CLIENTS, *_PIPELINE, *_MONEY, *_VALUE, *_SERVICE, *_WORK):
    register(_metric)
del _metric
