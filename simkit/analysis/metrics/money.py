"""What is left of the revenue? Gross profit, the team's cost, acquisition and operating profit.

Revenue is not profit. A finance team counts, per year:

* **gross profit** = revenue x gross margin (:func:`gross_profit`): what the revenue leaves
  once the cost of delivering the product is paid;
* **the team as paid headcount** = managers x yearly salary, fully loaded
  (:func:`headcount_cost`): paid whether the managers are busy or not. (The cost of the
  *hours worked*, hours x cost per hour, is :func:`simkit.analysis.metrics.labour_cost`: a
  way of pricing what a strategy uses of that team.)
* **acquisition spend** = new customers won x what winning one costs in its segment
  (:func:`acquisition_spend`);
* **operating profit** (of the book, as simkit counts it) = gross profit - headcount
  - acquisition spend (:func:`operating_profit`).

>>> gp = gross_profit(revenue=1_000_000, gross_margin=0.75)
>>> operating_profit(gp, headcount_cost=4 * 120_000, acquisition_spend=100_000)
170000.0
>>> acquisition_spend({"key": 1, "small": 10}, {"key": 40_000, "small": 1_500})
55000.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from simkit.analysis.metrics.validation import COUNT, MONEY, Number, check_number, fmt

__all__ = ["acquisition_spend", "gross_profit", "headcount_cost", "operating_profit"]


def gross_profit(revenue: Number, gross_margin: Number) -> float:
    """Gross profit: the revenue times the gross margin.

    .. math:: \\text{gross profit} = \\text{revenue} \\times \\text{gross margin}

    Parameters
    ----------
    revenue : number
        Revenue earned (0 or more).
    gross_margin : number
        Share of revenue left after the cost of delivering the product, as a **fraction**
        from 0 to 1 (0.75 for 75 %).

    Notes
    -----
    A strategy that wins revenue at no margin (deep discounts, costly custom work) adds
    nothing here: compare strategies on gross profit, not on revenue.

    >>> gross_profit(200_000, 0.8)
    160000.0
    """
    revenue = check_number("revenue", revenue, why=MONEY)
    m = check_number("gross_margin", gross_margin, why="it is a share of revenue")
    if m > 1:
        raise ValueError(
            f"gross_margin must be a fraction from 0 to 1 (0.75 for 75 %), got {fmt(m)}"
        )
    return revenue * m


def headcount_cost(managers: Number, salary: Number, years: Number = 1.0) -> float:
    """The team as paid headcount: managers x yearly salary x years.

    Parameters
    ----------
    managers : number
        Account managers on the team (0 or more; a fraction is a part-time share).
    salary : number
        What one manager costs a year, fully loaded (salary, taxes, benefits, tools).
    years : number, optional
        How long (default one year). ``managers`` may also be manager-years with
        ``years=1``.

    >>> headcount_cost(4, 120_000)
    480000.0
    """
    managers = check_number("managers", managers, why=COUNT)
    salary = check_number("salary", salary, why=MONEY)
    years = check_number("years", years, why="it is a length of time")
    return managers * salary * years


def acquisition_spend(
    won: Mapping[str, Number] | Number, cost: Mapping[str, Number] | Number
) -> float:
    """What winning new customers cost: each one times the acquisition cost of its segment.

    .. math:: \\text{spend} = \\sum_s \\text{won}_s \\times \\text{cost}_s

    Parameters
    ----------
    won : number or mapping
        New customers won, or a mapping segment -> new customers won.
    cost : number or mapping
        What winning one costs, or a mapping segment -> that cost (every segment in ``won``).

    >>> acquisition_spend(3, 5_000)
    15000.0
    """
    if isinstance(won, Mapping) != isinstance(cost, Mapping):
        raise ValueError("won and cost must both be numbers or both be mappings by segment")
    if not isinstance(won, Mapping):
        return check_number("won", won, why=COUNT) * check_number("cost", cost, why=MONEY)
    missing = [s for s in won if s not in cost]  # type: ignore[operator]
    if missing:
        raise ValueError(f"cost has no acquisition cost for segment {missing[0]!r}")
    return math.fsum(
        check_number(f"won[{s!r}]", n, why=COUNT) * check_number(f"cost[{s!r}]", cost[s], why=MONEY)  # type: ignore[index]
        for s, n in won.items()
    )


def operating_profit(
    gross_profit: Number, headcount_cost: Number, acquisition_spend: Number
) -> float:
    """Operating profit of the book: gross profit less the team's headcount and the
    acquisition spend.

    .. math:: \\text{operating profit} = \\text{gross profit} - \\text{headcount}
              - \\text{acquisition spend}

    The hours the team works are inside its headcount (they are not subtracted again);
    sales and marketing beyond the acquisition cost, product and overheads are not in it.

    >>> operating_profit(750_000, 480_000, 100_000)
    170000.0
    """
    gp = check_number("gross_profit", gross_profit, minimum=None)
    team = check_number("headcount_cost", headcount_cost, why=MONEY)
    spend = check_number("acquisition_spend", acquisition_spend, why=MONEY)
    return gp - team - spend
