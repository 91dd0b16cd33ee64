"""Putting figures of any period on a yearly basis: one rule for totals, one for retention.

A quarter's revenue and a year's revenue are not comparable, nor are a quarter's churn and
a year's churn. simkit reports every figure that needs it *per year*, by one of two rules:

* **a total** (revenue, costs, touches, deals) is divided by the period's length in years:
  :func:`per_year`. Over a whole horizon this is "the total over the measured horizon
  divided by ``horizon_years``";
* **a retention rate** (logo retention, GRR, NRR) compounds: keeping ``R`` of the book over
  ``y`` years is keeping ``R ** (1 / y)`` a year (:func:`yearly_retention`), and churn is
  the rest of the yearly retention (:func:`yearly_churn`). A quarter that keeps 95 % keeps
  81.5 % over four such quarters, not 80 %.

>>> per_year(250_000, years=0.25)
1000000.0
>>> round(yearly_retention(95.0, years=0.25), 2), round(yearly_churn(5.0, years=0.25), 2)
(81.45, 18.55)
"""

from __future__ import annotations

from simkit.analysis.metrics.validation import Number, check_number

__all__ = ["per_year", "yearly_churn", "yearly_retention"]

_YEARS = "a period has a length"


def per_year(total: Number, years: Number) -> float:
    """A total over a period as an amount per year: ``total / years``.

    Parameters
    ----------
    total : number
        The amount over the period (any sign: a profit can be negative).
    years : number
        The period's length in years (greater than 0): 0.25 for a quarter.

    >>> per_year(120, years=2)
    60.0
    """
    total = check_number("total", total, minimum=None)
    years = check_number("years", years, strict=True, why=_YEARS)
    return total / years


def yearly_retention(retention_pct: Number, years: Number) -> float:
    """A retention rate over a period of ``years``, compounded to one year, in percent.

    .. math:: R_{\\text{year}} = 100 \\times (R / 100)^{1 / \\text{years}}

    Parameters
    ----------
    retention_pct : number
        Share kept over the period, 0 or more (NRR can exceed 100).
    years : number
        The period's length in years (greater than 0).

    >>> yearly_retention(81.0, years=2)
    90.0
    >>> yearly_retention(104.0, years=1)
    104.0
    """
    r = check_number("retention_pct", retention_pct, why="a share kept can't be negative")
    years = check_number("years", years, strict=True, why=_YEARS)
    if years == 1.0:  # a year already: the very same number, not a rounded copy
        return r
    return 100.0 * (r / 100.0) ** (1.0 / years)


def yearly_churn(churn_pct: Number, years: Number) -> float:
    """A churn rate over a period of ``years`` as churn per year, in percent: what is not
    kept of the compounded yearly retention.

    .. math:: C_{\\text{year}} = 100 - 100 \\times (1 - C / 100)^{1 / \\text{years}}

    >>> yearly_churn(19.0, years=2)
    10.0
    """
    c = check_number("churn_pct", churn_pct, why="a share lost can't be negative")
    if c > 100:
        raise ValueError(f"churn_pct must be at most 100 (a share of clients), got {c}")
    if check_number("years", years, strict=True, why=_YEARS) == 1.0:
        return c
    return 100.0 - yearly_retention(100.0 - c, years)
