"""The plausible ranges of the model's assumptions, each with the reason for it.

A behaviour parameter such as ``behaviour.touch_health_gain`` (how much health a proactive
touch adds) has no published value: it is an assumption. Sensitivity analysis
(:mod:`simkit.experiments.sensitivity`) asks whether the answer -- which strategy wins, and
by how much -- changes when such an assumption moves across the range of values that are
still plausible. This module holds that range for each assumption, in one table,
:data:`PLAUSIBLE_RANGES`, with the reason for its ends (see also ``docs/model.md``).

>>> p = PLAUSIBLE_RANGES["behaviour.renewal_at_50"]
>>> p.low, p.high, p.unit
(0.8, 0.94, 'probability')
>>> Parameter("behaviour.touch_health_gain", 18.0, 6.0)
Traceback (most recent call last):
...
ValueError: behaviour.touch_health_gain: the low end of the range must be below the high end ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["PLAUSIBLE_RANGES", "Parameter", "as_parameters"]


@dataclass(frozen=True)
class Parameter:
    """One scenario field to vary, over ``[low, high]``.

    Attributes
    ----------
    field : the dotted scenario field (``"behaviour.renewal_at_50"``).
    low, high : the ends of the plausible range.
    unit : the unit of the field's values, for tables and axes.
    reason : why the range ends where it does.
    """

    field: str
    low: float
    high: float
    unit: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field:
            raise ValueError(f"a parameter needs a dotted scenario field name, got {self.field!r}")
        for end in (self.low, self.high):
            if isinstance(end, bool) or not isinstance(end, int | float) or not math.isfinite(end):
                raise ValueError(
                    f"{self.field}: the range ends must be finite numbers, got {end!r}"
                )
        if not self.low < self.high:
            raise ValueError(
                f"{self.field}: the low end of the range must be below the high end "
                f"(got {self.low} >= {self.high})"
            )


_TABLE = (
    Parameter(
        "behaviour.renewal_at_50", 0.80, 0.94, "probability",
        "At health 50 this spans yearly logo churn of roughly 6-20 %: from enterprise books to "
        "small-business ones (published median logo churn is about 10 %/yr).",
    ),
    Parameter(
        "behaviour.renewal_slope", 0.15, 0.60, "log-odds per 10 health",
        "No published elasticity of renewal to relationship health; from half to almost "
        "twice the default, i.e. from a weak to a strong link between health and renewal.",
    ),
    Parameter(
        "behaviour.first_term_churn_factor", 1.0, 2.5, "odds multiplier",
        "From no first-term effect to a first renewal 2.5 times as risky (in odds); cohort "
        "retention that rises with tenure (the sBG pattern) says it is above 1.",
    ),
    Parameter(
        "behaviour.loyal_churn_factor", 0.3, 0.8, "odds multiplier",
        "The articles say loyal customers leave less; by how much is not published, so from "
        "a strong (0.3) to a mild (0.8) protection.",
    ),
    Parameter(
        "behaviour.health_half_life_days", 90.0, 365.0, "days",
        "A relationship left alone fades within a quarter to a year; the articles recommend "
        "quarterly reviews, which only matter if health fades on that scale.",
    ),
    Parameter(
        "behaviour.health_floor", 35.0, 55.0, "health points",
        "Where an untouched account settles: from clearly unhappy to just above the renewal "
        "midpoint (50).",
    ),
    Parameter(
        "behaviour.new_customer_health", 50.0, 70.0, "health points",
        "A newly won customer starts from neutral to mildly enthusiastic.",
    ),
    Parameter(
        "behaviour.touch_health_gain", 6.0, 18.0, "health points per sqrt(hour)",
        "The effect of proactive work, the model's central unknown: from half to one and a "
        "half times the default.",
    ),
    Parameter(
        "behaviour.issue_health_hit", 3.0, 10.0, "health points",
        "An issue is an irritation, not a crisis: from a small to a marked dent.",
    ),
    Parameter(
        "behaviour.resolution_health_gain", 2.0, 8.0, "health points",
        "A quick fix earns back some or all of the issue's dent.",
    ),
    Parameter(
        "behaviour.wait_health_penalty_per_day", 0.2, 1.0, "health points per day",
        "A fix after one to five weeks of waiting cancels its gain at the ends of this range.",
    ),
    Parameter(
        "behaviour.competitor_defect_at_0", 0.15, 0.45, "probability",
        "How often a competitor wins an unhappy account mid-term; mid-term defection is rarer "
        "than churn at renewal in subscription books, so well below one half.",
    ),
    Parameter(
        "behaviour.upsell_success_at_100", 0.4, 0.8, "probability",
        "The articles' example closes 6 of 10 pitches (60 %); from 40 % to 80 % for a "
        "delighted account.",
    ),
    Parameter(
        "behaviour.upsell_uplift", 0.08, 0.25, "share of ARR",
        "An expansion adds a module or seats: from 8 % to 25 % of the account's ARR.",
    ),
    Parameter(
        "behaviour.contraction_share", 0.05, 0.20, "share of ARR",
        "An unhappy renewal drops seats or modules: from 5 % to 20 % of ARR.",
    ),
    Parameter(
        "behaviour.pitch_fail_health_hit", 4.0, 12.0, "health points",
        "Selling before serving annoys: from a shrug to a marked dent.",
    ),
    Parameter(
        "team.sustainable_load", 0.75, 0.95, "share of capacity",
        "Above which load quality drops: from a team that needs slack to one that copes "
        "almost to full load.",
    ),
    Parameter(
        "team.overload_quality", 0.3, 0.8, "share of usual effect",
        "What a touch or fix is worth from a team at full load: from a third to most of its "
        "usual value.",
    ),
)  # fmt: skip

PLAUSIBLE_RANGES: Mapping[str, Parameter] = MappingProxyType({p.field: p for p in _TABLE})
"""The default parameters of a sensitivity analysis: dotted field -> :class:`Parameter`."""


def as_parameters(
    parameters: Iterable[Parameter | str] | Mapping[str, Sequence[float]] | None,
) -> tuple[Parameter, ...]:
    """The parameters a sensitivity analysis varies, from what a caller may give.

    ``None`` gives :data:`PLAUSIBLE_RANGES`; a mapping gives ``{field: (low, high)}``; a
    sequence may mix :class:`Parameter` objects and field names of :data:`PLAUSIBLE_RANGES`.

    >>> [p.field for p in as_parameters(["behaviour.upsell_uplift"])]
    ['behaviour.upsell_uplift']
    >>> as_parameters({"team.managers": (4, 8)})[0].high
    8
    >>> as_parameters(["behaviour.magic"])
    Traceback (most recent call last):
    ...
    ValueError: behaviour.magic has no plausible range in the table; give (field, low, high) ...
    """
    if parameters is None:
        return tuple(PLAUSIBLE_RANGES.values())
    if isinstance(parameters, Mapping):
        out = []
        for field, bounds in parameters.items():
            if isinstance(bounds, str) or not isinstance(bounds, Sequence) or len(bounds) != 2:
                raise ValueError(f"{field}: give its range as (low, high), got {bounds!r}")
            out.append(Parameter(str(field), bounds[0], bounds[1], reason="given"))
        result = tuple(out)
    else:
        result = tuple(_one(p) for p in parameters)
    if not result:
        raise ValueError("a sensitivity analysis needs at least one parameter")
    fields = [p.field for p in result]
    doubled = sorted({f for f in fields if fields.count(f) > 1})
    if doubled:
        raise ValueError(f"each parameter may appear once; repeated: {', '.join(doubled)}")
    return result


def _one(parameter: Parameter | str) -> Parameter:
    if isinstance(parameter, Parameter):
        return parameter
    if isinstance(parameter, str):
        if parameter not in PLAUSIBLE_RANGES:
            raise ValueError(
                f"{parameter} has no plausible range in the table; give (field, low, high) as "
                "a Parameter or a {field: (low, high)} mapping"
            )
        return PLAUSIBLE_RANGES[parameter]
    raise ValueError(f"a parameter is a field name or a Parameter, got {parameter!r}")
