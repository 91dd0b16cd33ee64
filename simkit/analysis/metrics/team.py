"""What did the team's time buy? Utilisation and the cost of hours.

An account team has a number of hours to give (managers x hours per week x weeks); the
strategy decides how many of them are used. :func:`utilisation` is the share used and
:func:`labour_cost` prices hours at a cost per hour -- the hours worked (what a strategy
costs) or the hours available (what the team costs, used or not).

>>> utilisation(hours=1_500, capacity=2_000)
75.0
>>> labour_cost(hours=1_500, cost_per_hour=80)
120000.0
"""

from __future__ import annotations

from simkit.analysis.metrics.validation import Number, check_number

__all__ = ["labour_cost", "utilisation"]


def utilisation(hours: Number, capacity: Number) -> float:
    """Team utilisation: the share of the team's available hours spent on accounts.

    .. math:: \\text{utilisation} = \\frac{\\text{hours}}{\\text{capacity}} \\times 100

    Parameters
    ----------
    hours : number
        Hours account managers spent on accounts in the period (0 or more).
    capacity : number
        Hours the team had available in the period (greater than 0).

    Returns
    -------
    float
        Percentage, 0 or more (above 100 only if the team worked overtime).

    Notes
    -----
    Low utilisation is idle capacity a strategy could use; utilisation close to 100 %
    means work waits in a queue, and waiting clients grow unhappy.

    Examples
    --------
    >>> utilisation(hours=450, capacity=600)
    75.0
    """
    hours = check_number("hours", hours, why="it is a number of hours")
    capacity = check_number(
        "capacity", capacity, strict=True, why="utilisation needs hours available"
    )
    return 100.0 * hours / capacity


def labour_cost(hours: Number, cost_per_hour: Number) -> float:
    """The cost of a number of hours at a cost per hour.

    .. math:: \\text{cost} = \\text{hours} \\times \\text{cost per hour}

    Parameters
    ----------
    hours : number
        Hours to price (0 or more): hours worked for a strategy's cost, hours available for
        the team's cost.
    cost_per_hour : number
        Fully loaded cost of one account-manager hour (0 or more).

    Returns
    -------
    float
        Cost in the currency of ``cost_per_hour``.

    Examples
    --------
    >>> labour_cost(hours=10, cost_per_hour=75)
    750.0
    """
    hours = check_number("hours", hours, why="it is a number of hours")
    rate = check_number("cost_per_hour", cost_per_hour, why="it is an amount of money")
    return hours * rate
