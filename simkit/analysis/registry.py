"""The metric registry: every figure the summaries report, defined once.

A *metric* here is one figure of a run or a period -- churn, NRR, CLV, team utilisation --
with everything the rest of simkit needs to show it: its name (the column in tables), a
label and unit for people, the period basis of the headline figure, whether higher is
better, and how to compute it. The computing is always the same two steps:

1. the counting core (:func:`simkit.analysis.counts.count_periods`) counts, per period,
   the numbers listed in :data:`simkit.analysis.counts.COUNTS` -- clients at the start,
   clients lost, ARR churned, survey answers ...;
2. the metric's ``inputs`` picks the arguments of its *plain function* (from
   :mod:`simkit.analysis.metrics`) out of those counts, and the function computes it.

So a metric on simulation results means exactly what the plain function a trainee uses by
hand means. :data:`METRICS` holds the entries in the order tables show them;
:func:`simkit.analysis.summary.summarize` adds one column per entry, and
:func:`simkit.analysis.summary.run_summary` reports each per its ``basis``.

>>> m = metric("churn_rate")
>>> m.label, m.unit, m.basis, m.direction, m.function.__name__
('Churn', '%', 'per year', 'lower', 'churn_rate')
>>> m.value({"lost": 5, "start": 100})
5.0
>>> label("nrr"), label("nrr", with_unit=False), headline()["nrr"]
('NRR (%)', 'NRR', 'NRR (%/yr)')

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from simkit.analysis import metrics
from simkit.analysis.counts import COUNTS

__all__ = [
    "AT_END",
    "AT_START",
    "BASES",
    "CountInputs",
    "DIRECTIONS",
    "HeadlineView",
    "METRICS",
    "Metric",
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

PER_YEAR = "per year"
"""Basis of a rate: the headline figure is the length-weighted mean of the yearly values."""
WHOLE_HORIZON = "whole horizon"
"""Basis of a total or an average over the whole run (revenue, hours, NPS of all answers)."""
AT_END = "at end"
"""Basis of a state at the end of the horizon (ARR at end)."""
AT_START = "at start"
"""Basis of a state at the start of the horizon (accounts at start)."""
BASES = (PER_YEAR, WHOLE_HORIZON, AT_END, AT_START)
"""The period bases a metric can have."""

UNITS = {
    "%": "a percentage, 0-100 (NRR and utilisation can exceed 100)",
    "currency": "money, in the currency of the scenario",
    "days": "days",
    "hours": "account-manager hours",
    "score": "a score without a unit (NPS runs from -100 to 100)",
    "accounts": "a number of accounts",
}
"""Units a metric can have, and what each means."""

DIRECTIONS = ("higher", "lower", "neither")
"""Whether a higher value is better, a lower one, or neither (a trade-off, like hours)."""

Counts = Mapping[str, Any]
"""One row of counts: a count name (or ``period_start``/``period_end``) -> its value."""


@dataclass(frozen=True)
class CountInputs:
    """Arguments of a plain function read straight from counts: ``arguments`` maps each
    argument to the count it takes. Build it with :func:`from_counts`."""

    arguments: Mapping[str, str]

    def __call__(self, counts: Counts) -> dict[str, Any]:
        """The keyword arguments for the plain function, read from a row of counts."""
        return {arg: counts[name] for arg, name in self.arguments.items()}


def from_counts(*same: str, **renamed: str) -> CountInputs:
    """Inputs taken straight from counts: each argument of the plain function is one count.

    ``from_counts("start_arr", "contraction")`` passes the counts of those names as the
    arguments of the same names; ``from_counts(successes="upsells")`` renames.

    >>> from_counts("start", retained="end")({"start": 10, "end": 8, "lost": 2})
    {'start': 10, 'retained': 8}
    """
    return CountInputs({**{name: name for name in same}, **renamed})


@dataclass(frozen=True)
class Metric:
    """One figure the summaries report, with its label, unit, basis and how to compute it.

    A metric is computed either by a plain function of :mod:`simkit.analysis.metrics`
    (``function`` and ``inputs``) or is a count of the counting core as it is (``count``).

    Attributes
    ----------
    name : the column name in tables and the key in run summaries (``"churn_rate"``).
    label : what people read (``"Churn"``); see :meth:`label_with_unit` and
        :meth:`headline_label` for the unit added.
    unit : one of :data:`UNITS`.
    basis : how a run's headline figure is formed, one of :data:`BASES`: ``"per year"``
        (mean of the yearly values) or over the whole horizon, at its end or start.
    direction : ``"higher"`` or ``"lower"`` is better, or ``"neither"``.
    description : one sentence on what it measures.
    function : the plain function that computes it.
    inputs : builds the function's keyword arguments from a row of counts (names of
        :data:`simkit.analysis.counts.COUNTS`, plus ``period_start``/``period_end`` in
        days): :func:`from_counts`, or any function returning a dict -- or None where the
        metric is undefined for that row (it then shows as NaN).
    count : instead of a function: the name of the count that *is* the figure.
    headline : whether the run's headline figures (:func:`headline`) include it.
    """

    name: str
    label: str
    unit: str
    basis: str
    direction: str
    description: str
    function: Callable[..., float] | None = None
    inputs: Callable[[Counts], Mapping[str, Any] | None] | None = field(default=None, repr=False)
    count: str | None = None
    headline: bool = False

    def __post_init__(self) -> None:
        """Refuse an entry the summaries could not use, saying what is wrong."""
        if not self.name.isidentifier():
            raise ValueError(f"metric name must be a Python identifier, got {self.name!r}")
        if self.unit not in UNITS:
            raise ValueError(f"{self.name}: unit must be one of {list(UNITS)}, got {self.unit!r}")
        if self.basis not in BASES:
            raise ValueError(f"{self.name}: basis must be one of {BASES}, got {self.basis!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"{self.name}: direction must be one of {DIRECTIONS}, got {self.direction!r}"
            )
        if (self.count is None) == (self.function is None):
            raise ValueError(f"{self.name}: give either function (with inputs) or count")
        if self.function is not None and self.inputs is None:
            raise ValueError(f"{self.name}: a metric with a function needs inputs")
        if self.count is not None and self.count not in COUNTS:
            raise ValueError(f"{self.name}: count {self.count!r} is not one of COUNTS")
        if self.function is None and self.count != self.name and self.name in COUNTS:
            raise ValueError(f"{self.name}: the name of a count can only show that count")
        if self.function is not None and self.name in COUNTS:
            raise ValueError(f"{self.name}: the name is taken by a count; choose another")

    def value(self, counts: Counts) -> float:
        """The metric for one row of counts; NaN where it is undefined (say, no clients at
        the start of the period, so the plain function raises ``ValueError``).

        >>> metric("grr").value({"start_arr": 0.0, "contraction": 0.0, "churned_arr": 0.0})
        nan
        """
        if self.function is None:
            return float(counts[self.count])  # type: ignore[index]
        arguments = self.inputs(counts)  # type: ignore[misc]
        if arguments is None:
            return math.nan
        try:
            return float(self.function(**arguments))
        except ValueError:
            return math.nan

    def label_with_unit(self) -> str:
        """The label with its unit, for a value per period: ``"Churn (%)"``."""
        return f"{self.label} ({self.unit})"

    def headline_label(self) -> str:
        """The label of the run's headline figure: the unit and the basis where they help.

        Percentages and days always show their unit (``"Churn (%/yr)"`` for a yearly rate);
        money and hours summed over the horizon show ``"(total)"``; a score or a value per
        account stands alone (``"NPS"``, ``"CLV"``).

        >>> [metric(n).headline_label() for n in ("churn_rate", "revenue", "nps")]
        ['Churn (%/yr)', 'Revenue (total)', 'NPS']
        """
        if self.unit == "%":
            suffix = "%/yr" if self.basis == PER_YEAR else "%"
        elif self.unit == "days":
            suffix = "days"
        elif self.unit in ("currency", "hours") and self.basis == WHOLE_HORIZON:
            suffix = "total"
        else:
            return self.label
        return f"{self.label} ({suffix})"


def _clv_inputs(c: Counts) -> dict[str, float] | None:
    """CLV: yearly revenue per account times the expected lifetime in years (1 / yearly churn).

    Undefined (None) without accounts or without churn (an endless lifetime).
    """
    years = (c["period_end"] - c["period_start"]) / 365.0
    accounts = (c["start"] + c["end"]) / 2
    if years <= 0 or accounts <= 0 or not c["start"] or not c["lost"]:
        return None
    yearly_churn = (c["lost"] / c["start"]) / years
    return {"avg_revenue": c["revenue"] / accounts / years, "lifespan": 1 / yearly_churn}


def _nps_inputs(c: Counts) -> dict[str, float] | None:
    """NPS from the shares of promoters and detractors among the survey answers."""
    if not c["responses"]:
        return None
    return {
        "promoters_pct": 100 * c["promoters"] / c["responses"],
        "detractors_pct": 100 * c["detractors"] / c["responses"],
    }


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

    >>> metric("clv").description
    'Customer lifetime value: yearly revenue per account times expected lifetime in years.'
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


def label(name: str, with_unit: bool = True) -> str:
    """The label of a metric for people, with its unit by default (a column or an axis of a
    table per period); for a run's headline figure use :func:`headline`.

    >>> label("time_to_resolution"), label("clv", with_unit=False)
    ('Time to resolution (days)', 'CLV')
    """
    m = metric(name)
    return m.label_with_unit() if with_unit else m.label


def headline(registry: Mapping[str, Metric] | None = None) -> dict[str, str]:
    """A run's headline figures: name -> label (unit and basis included), in order.

    >>> list(headline())[:4]
    ['logo_retention', 'churn_rate', 'grr', 'nrr']
    """
    reg = _REGISTRY if registry is None else registry
    return {m.name: m.headline_label() for m in reg.values() if m.headline}


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
for _metric in (
    Metric(
        "logo_retention", "Logo retention", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of the clients at the start of a period still clients at its end.",
        function=metrics.logo_retention,
        inputs=lambda c: {"start": c["start"], "retained": c["start"] - c["lost"]},
        headline=True,
    ),
    Metric(
        "churn_rate", "Churn", unit="%", basis=PER_YEAR, direction="lower",
        description="Share of the clients at the start of a period lost during it.",
        function=metrics.churn_rate, inputs=from_counts("lost", "start"),
        headline=True,
    ),
    Metric(
        "retention_rate", "Retention rate", unit="%", basis=PER_YEAR, direction="higher",
        description="Clients at the end minus new clients, over clients at the start.",
        function=metrics.retention_rate, inputs=from_counts("start", "end", "new"),
    ),
    Metric(
        "renewal_rate", "Renewal rate", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of the contracts that came up for renewal that were renewed.",
        function=metrics.renewal_rate, inputs=from_counts("renewed", "up_for_renewal"),
    ),
    Metric(
        "grr", "GRR", unit="%", basis=PER_YEAR, direction="higher",
        description="Gross revenue retention: share of the cohort's starting ARR kept, "
        "growth ignored.",
        function=metrics.gross_revenue_retention,
        inputs=from_counts("start_arr", "contraction", "churned_arr"),
        headline=True,
    ),
    Metric(
        "nrr", "NRR", unit="%", basis=PER_YEAR, direction="higher",
        description="Net revenue retention: the cohort's starting ARR kept plus its expansion.",
        function=metrics.net_revenue_retention,
        inputs=from_counts("start_arr", "expansion", "contraction", "churned_arr"),
        headline=True,
    ),
    Metric(
        "upsell_rate", "Upsell success", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of upsell and cross-sell pitches accepted.",
        function=metrics.upsell_rate,
        inputs=from_counts(successes="upsells", attempts="pitches"),
    ),
    Metric(
        "revenue", "Revenue", unit="currency", basis=WHOLE_HORIZON, direction="higher",
        description="Revenue earned: every account's ARR integrated over time.",
        count="revenue", headline=True,
    ),
    Metric(
        "end_arr", "ARR at end", unit="currency", basis=AT_END, direction="higher",
        description="Annual recurring revenue of the active accounts at the end.",
        count="end_arr", headline=True,
    ),
    Metric(
        "clv", "CLV", unit="currency", basis=PER_YEAR, direction="higher",
        description="Customer lifetime value: yearly revenue per account times expected "
        "lifetime in years.",
        function=metrics.customer_lifetime_value, inputs=_clv_inputs,
        headline=True,
    ),
    Metric(
        "nps", "NPS", unit="score", basis=WHOLE_HORIZON, direction="higher",
        description="Net Promoter Score of the survey answers: % promoters minus % detractors.",
        function=metrics.nps_from_shares, inputs=_nps_inputs,
        headline=True,
    ),
    Metric(
        "engagement_rate", "Engagement", unit="%", basis=PER_YEAR, direction="higher",
        description="Share of the cohort with at least one two-way contact in the period.",
        function=metrics.engagement_rate, inputs=from_counts("engaged", active="start"),
    ),
    Metric(
        "time_to_resolution", "Time to resolution", unit="days", basis=WHOLE_HORIZON,
        direction="lower",
        description="Average days from an issue's report to its fix.",
        function=metrics.time_to_resolution_from_total,
        inputs=from_counts(total_time="resolution_days", resolved="resolved"),
        headline=True,
    ),
    Metric(
        "manager_hours", "Manager hours", unit="hours", basis=WHOLE_HORIZON,
        direction="neither",
        description="Account-manager hours spent on accounts.",
        count="manager_hours", headline=True,
    ),
    Metric(
        "strategy_cost", "Strategy cost", unit="currency", basis=WHOLE_HORIZON,
        direction="lower",
        description="What the hours worked cost: manager hours times the cost per hour.",
        function=metrics.labour_cost,
        inputs=from_counts(hours="manager_hours", cost_per_hour="cost_per_hour"),
        headline=True,
    ),
    Metric(
        "team_cost", "Team cost", unit="currency", basis=WHOLE_HORIZON, direction="lower",
        description="What the team costs, used or not: hours available times the cost per hour.",
        function=metrics.labour_cost,
        inputs=from_counts(hours="capacity_hours", cost_per_hour="cost_per_hour"),
    ),
    Metric(
        "utilisation", "Team utilisation", unit="%", basis=WHOLE_HORIZON, direction="neither",
        description="Share of the team's available hours spent on accounts.",
        function=metrics.utilisation,
        inputs=from_counts(hours="manager_hours", capacity="capacity_hours"),
        headline=True,
    ),
    Metric(
        "accounts_start", "Accounts at start", unit="accounts", basis=AT_START,
        direction="neither",
        description="Active accounts (customers and loyal) at the start.",
        count="start",
    ),
):
    register(_metric)
# fmt: on
del _metric
