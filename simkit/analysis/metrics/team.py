"""What did the team's time buy? Utilisation, the cost of hours, and touches planned vs made.

An account team has a number of hours to give (managers x hours per week x weeks); the
strategy decides how many of them are used. :func:`utilisation` is the share used and
:func:`labour_cost` prices hours at a cost per hour -- the hours worked (what a strategy
costs) or the hours available. A team that is too busy cannot make every touch it planned:
:func:`touches_planned` and :func:`missed_share` count what was planned and what was missed.

>>> utilisation(hours=1_500, capacity=2_000)
75.0
>>> labour_cost(hours=1_500, cost_per_hour=80)
120000.0
>>> touches_planned(delivered=90, missed=10), missed_share(missed=10, delivered=90)
(100.0, 10.0)
"""

from __future__ import annotations

from simkit.analysis.metrics.validation import COUNT, Number, check_number, pct

__all__ = ["labour_cost", "missed_share", "touches_planned", "utilisation"]


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


def touches_planned(delivered: Number, missed: Number) -> float:
    """Proactive touches planned: those delivered plus those missed.

    A touch (a check-in, a review, a rescue call) is *missed* when no manager was free to
    start it within its window -- for a check-in, say, half its cadence.

    >>> touches_planned(delivered=120, missed=30)
    150.0
    """
    return check_number("delivered", delivered, why=COUNT) + check_number(
        "missed", missed, why=COUNT
    )


def missed_share(missed: Number, delivered: Number) -> float:
    """Share of the planned proactive touches that were missed, in percent.

    .. math:: \\text{missed share} = \\frac{\\text{missed}}{\\text{missed} + \\text{delivered}}
              \\times 100

    Notes
    -----
    A strategy that plans more touches than the team can make shows it here first: hours
    and utilisation top out, and the missed share climbs.

    >>> missed_share(missed=30, delivered=120)
    20.0
    """
    planned = touches_planned(delivered, missed)
    if planned <= 0:
        raise ValueError("missed + delivered must be greater than 0 (no touch was planned)")
    return pct(float(missed), planned)
