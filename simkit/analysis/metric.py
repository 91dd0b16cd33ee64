"""What a metric is: one figure with its label, unit, basis, and how to compute it.

:class:`Metric` is the record every entry of the metric registry
(:mod:`simkit.analysis.registry`) is made of. Besides the plain function that computes it
from the counting core's counts, a metric knows how to say what it is: its label for people
always carries its **unit** and its **basis** -- the period the figure is about -- so that a
whole-horizon figure never sits unmarked next to a yearly one:

>>> m = Metric("churn", "Churn", unit="%", basis=PER_YEAR, direction="lower",
...            description="Clients lost.", count="lost", annualise="churn")
>>> m.label_with_unit()
'Churn (% per year)'

The basis
---------
``"per year"`` (:data:`PER_YEAR`)
    A rate or a flow, reported per year. When it has an ``annualise`` rule, its value in a
    period of any length (a month, a quarter, a part-year, the whole horizon) is put on a
    yearly basis by that rule, so a quarterly table and a yearly one show comparable
    numbers under the same label (:data:`ANNUALISE`):

    * ``"total"`` (money, touches, deals): the period's total, divided by the runs pooled in
      the row and by the period's length in years -- over a run, the total over the
      measured horizon divided by ``horizon_years``;
    * ``"retention"`` (logo retention, GRR, NRR): compounded, ``R ** (1 / years)``;
    * ``"churn"``: 100 minus the compounded yearly retention.

    Without a rule (engagement: the share of the cohort contacted in a period) the value is
    about the row's own period, and its label in a period table says so.
``"per quarter"`` (:data:`PER_QUARTER`)
    Measured quarter by quarter (no built-in metric uses it).
``"whole horizon"`` (:data:`WHOLE_HORIZON`)
    A share, average or total over the measured horizon (NPS, utilisation, time to
    resolution); in a table by period, over each period.
``"at end"`` / ``"at start"`` (:data:`AT_END`, :data:`AT_START`)
    A state at the end (ARR) or the start (clients) of the horizon, or of each period.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simkit.analysis import metrics
from simkit.analysis.counts import COUNTS
from simkit.engine.scenario import DAYS_PER_YEAR

__all__ = [
    "AGGREGATES",
    "ANNUALISE",
    "AT_END",
    "AT_START",
    "BASES",
    "CountInputs",
    "Counts",
    "DIRECTIONS",
    "Metric",
    "PERIOD_WORDS",
    "PER_QUARTER",
    "PER_YEAR",
    "UNITS",
    "UNIT_TEXT",
    "WHOLE_HORIZON",
    "from_counts",
    "period_years",
]

PER_YEAR = "per year"
"""Basis of a yearly rate or flow: see the module's notes."""
PER_QUARTER = "per quarter"
"""Basis of a figure measured quarter by quarter (the mean of the quarterly values)."""
WHOLE_HORIZON = "whole horizon"
"""Basis of a share, an average or a total over the whole measured horizon."""
AT_END = "at end"
"""Basis of a state at the end of the horizon (ARR at the end)."""
AT_START = "at start"
"""Basis of a state at the start of the horizon (clients at the start)."""
BASES = (PER_YEAR, PER_QUARTER, WHOLE_HORIZON, AT_END, AT_START)
"""The period bases a metric can have."""

UNITS = {
    "%": "a percentage, 0-100 (NRR and utilisation can exceed 100)",
    "currency": "money, in the currency of the scenario (per year, or a total)",
    "currency per year": "money a year at a moment, such as ARR",
    "currency per customer": "money per customer, such as a lifetime value",
    "days": "days",
    "hours": "account-manager hours",
    "score": "a score without a unit (NPS runs from -100 to 100)",
    "accounts": "a number of accounts",
    "touches": "a number of proactive touches (check-ins, reviews, rescue calls)",
    "deals": "a number of deals (prospects won or lost)",
}
"""Units a metric can have, and what each means."""

UNIT_TEXT = {
    "%": "%",
    "currency": "",
    "currency per year": "per year",
    "currency per customer": "per customer",
    "days": "days",
    "hours": "hours",
    "score": "score",
    "accounts": "accounts",
    "touches": "touches",
    "deals": "deals",
}
"""How each unit is written in a label (money needs no word: its basis says per what)."""

DIRECTIONS = ("higher", "lower", "neither")
"""Whether a higher value is better, a lower one, or neither (a trade-off, like hours)."""

AGGREGATES = ("", "mean", "total", "from yearly rates")
"""Words that say how a figure is formed over its period, written before the period in the
label: ``"days, mean over the horizon"``, ``"hours, total over the horizon"``."""

ANNUALISE = {
    "total": "a total: divided by the runs pooled and by the period's length in years",
    "retention": "a retention rate: compounded to one year, R ** (1 / years)",
    "churn": "a churn rate: 100 minus the compounded yearly retention",
}
"""The rules that put a figure of a period of any length per year (basis ``"per year"``)."""

PERIOD_WORDS = {"M": "month", "Q": "quarter", "Y": "year", "all": ""}
"""Period codes of :func:`simkit.analysis.summary.summarize` in words ("" for the horizon)."""

_BASIS_TEXT = {
    PER_YEAR: "per year",
    PER_QUARTER: "per quarter",
    WHOLE_HORIZON: "over the horizon",
    AT_END: "at the end",
    AT_START: "at the start",
}

Counts = Mapping[str, Any]
"""One row of counts: a count name (or ``period_start``/``period_end``/``runs``) -> value."""


def period_years(counts: Counts) -> float:
    """The length in years of the period a row of counts covers (1 when it does not say).

    >>> period_years({"period_start": 0.0, "period_end": 91.25})
    0.25
    """
    if "period_start" not in counts or "period_end" not in counts:
        return 1.0
    years = float(counts["period_end"] - counts["period_start"]) / DAYS_PER_YEAR
    return 1.0 if abs(years - 1.0) < 1e-12 else years  # a year, whatever the rounding


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
    (``function`` and ``inputs``) or is a count of the counting core as it is (``count``);
    then, if it has an ``annualise`` rule, put per year.

    Attributes
    ----------
    name : the column name in tables and the key in run summaries (``"churn_rate"``).
    label : the figure's name for people (``"Churn"``); :meth:`label_with_unit` adds its
        unit and basis (``"Churn (% per year)"``).
    unit : one of :data:`UNITS`.
    basis : one of :data:`BASES`: what period the run's figure is about, and how
        :func:`simkit.analysis.summary.run_summary` forms it.
    direction : ``"higher"`` or ``"lower"`` is better, or ``"neither"``.
    description : what it measures, and what is (and is not) in it.
    function : the plain function that computes it.
    inputs : builds the function's keyword arguments from a row of counts (names of
        :data:`simkit.analysis.counts.COUNTS`, plus ``period_start``/``period_end`` in days
        and ``runs``): :func:`from_counts`, or any function returning a dict -- or None
        where the metric is undefined for that row (it then shows as NaN).
    count : instead of a function: the name of the count that *is* the figure.
    headline : whether the run's headline figures include it.
    annualise : with basis ``"per year"``, the rule that puts a period's value per year
        (one of :data:`ANNUALISE`), or None.
    aggregate : a word of :data:`AGGREGATES` for the label (``"mean"``, ``"total"``).
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
    annualise: str | None = None
    aggregate: str = ""

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
        if self.aggregate not in AGGREGATES:
            raise ValueError(
                f"{self.name}: aggregate must be one of {AGGREGATES}, got {self.aggregate!r}"
            )
        if self.annualise is not None and self.annualise not in ANNUALISE:
            raise ValueError(
                f"{self.name}: annualise must be one of {list(ANNUALISE)} or None, "
                f"got {self.annualise!r}"
            )
        if self.annualise is not None and self.basis != PER_YEAR:
            raise ValueError(f"{self.name}: only a figure per year can be annualised")
        if self.unit == "currency" and not (
            self.basis in (PER_YEAR, PER_QUARTER) or self.aggregate == "total"
        ):
            raise ValueError(
                f"{self.name}: money is reported per year (basis 'per year') or explicitly as "
                "a total over the horizon (aggregate 'total')"
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
        if self.annualise is not None and self.name in COUNTS:
            raise ValueError(
                f"{self.name}: a figure put per year can't share its name with a count "
                "(the table would show the count); choose another"
            )

    # ---------------------------------------------------------------- the value
    def value(self, counts: Counts) -> float:
        """The metric for one row of counts, put per year by its ``annualise`` rule; NaN
        where it is undefined (say, no clients at the start of the period, so the plain
        function raises ``ValueError``). A row without ``period_start``/``period_end`` is
        taken as one year.

        >>> m = Metric("rev", "Revenue", unit="currency", basis=PER_YEAR, direction="higher",
        ...            description="x", count="revenue_earned", annualise="total")
        >>> m.value({"revenue_earned": 30.0, "period_start": 0.0, "period_end": 91.25})
        120.0
        """
        raw = self._raw(counts)
        if self.annualise is None or math.isnan(raw):
            return raw
        years = period_years(counts)
        try:
            if self.annualise == "total":
                runs = float(counts.get("runs", 1) or 1)
                return metrics.per_year(raw / runs, years)
            if self.annualise == "retention":
                return metrics.yearly_retention(raw, years)
            return metrics.yearly_churn(raw, years)
        except ValueError:
            return math.nan

    def _raw(self, counts: Counts) -> float:
        """The figure of the row's period as the plain function (or the count) gives it."""
        if self.function is None:
            return float(counts[self.count])  # type: ignore[index]
        try:
            arguments = self.inputs(counts)  # type: ignore[misc]
            if arguments is None:
                return math.nan
            return float(self.function(**arguments))
        except ValueError:
            return math.nan

    # ---------------------------------------------------------------- labels
    def _basis_text(self, period: str | None) -> str:
        if period is not None and period not in PERIOD_WORDS:
            raise ValueError(f"period must be one of {list(PERIOD_WORDS)} or None, not {period!r}")
        word = PERIOD_WORDS.get(period or "all", "")
        if period is None or self.annualise is not None:
            text = _BASIS_TEXT[self.basis]
        elif self.basis in (AT_END, AT_START):
            edge = "end" if self.basis == AT_END else "start"
            text = f"at the {edge} of each {word}" if word else f"at the {edge}"
        else:
            text = f"in each {word}" if word else "over the horizon"
        return f"{self.aggregate} {text}" if self.aggregate else text

    def label_with_unit(self, period: str | None = None) -> str:
        """The label with its unit and basis: ``"Churn (% per year)"``,
        ``"Time to resolution (days, mean over the horizon)"``, ``"Revenue (per year)"``.

        ``period`` (``"M"``, ``"Q"``, ``"Y"``, ``"all"``) labels the column of a table by
        period: a figure put per year keeps its label (its values are per year in every
        period), the others say they are measured in each period.

        >>> m = Metric("hours", "Hours", unit="hours", basis=WHOLE_HORIZON, direction="neither",
        ...            description="x", count="manager_hours", aggregate="total")
        >>> m.label_with_unit(), m.label_with_unit("Q")
        ('Hours (hours, total over the horizon)', 'Hours (hours, total in each quarter)')
        """
        unit, basis = UNIT_TEXT[self.unit], self._basis_text(period)
        if not unit:
            text = basis
        elif basis.startswith("per "):
            text = f"{unit} {basis}"
        else:
            text = f"{unit}, {basis}"
        return f"{self.label} ({text})"

    def headline_label(self) -> str:
        """The label of the run's headline figure (the same as :meth:`label_with_unit`)."""
        return self.label_with_unit()
