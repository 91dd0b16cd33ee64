"""What is a client worth? Customer lifetime value, simple and discounted.

:func:`customer_lifetime_value` multiplies revenue by the expected lifespan;
:func:`discounted_clv` adds the chance of leaving early and the time value of money.
For the cohort models behind them (heterogeneous retention, stages as a Markov chain)
see :mod:`simkit.analysis.retention`.

>>> customer_lifetime_value(avg_revenue=10_000, lifespan=5, acquisition_cost=5_000)
45000.0
"""

from __future__ import annotations

import math

from simkit.analysis.metrics.validation import MONEY, Number, check_number, fmt

__all__ = ["customer_lifetime_value", "discounted_clv"]


def customer_lifetime_value(
    avg_revenue: Number, lifespan: Number, acquisition_cost: Number = 0.0
) -> float:
    """Customer lifetime value, simple form: revenue over the whole relationship minus its cost.

    .. math:: \\text{CLV} = \\text{avg revenue} \\times \\text{lifespan} - \\text{acquisition cost}

    Parameters
    ----------
    avg_revenue : number
        Average revenue per period from the client (0 or more).
    lifespan : number
        Expected number of periods the client stays (0 or more), in the same
        unit as ``avg_revenue`` (years with yearly revenue, and so on).
    acquisition_cost : number, optional
        What it cost to win the client (0 or more). Default 0.

    Returns
    -------
    float
        Value in the currency of the inputs; negative if the client never
        pays back what it cost to win.

    Notes
    -----
    CLV tells an account manager how much a relationship is worth keeping:
    it is the ceiling on what is sensible to spend to save or grow it. This
    form ignores the time value of money and the chance of leaving early;
    :func:`discounted_clv` accounts for both.

    Examples
    --------
    A client paying 10,000 a year for five years, won for 5,000:

    >>> customer_lifetime_value(avg_revenue=10_000, lifespan=5, acquisition_cost=5_000)
    45000.0
    >>> customer_lifetime_value(1_200, 2.5)
    3000.0
    """
    avg_revenue = check_number("avg_revenue", avg_revenue, why=MONEY)
    lifespan = check_number("lifespan", lifespan, why="it is a length of time")
    acquisition_cost = check_number(
        "acquisition_cost",
        acquisition_cost,
        why="enter the cost as a positive amount; it is subtracted",
    )
    return avg_revenue * lifespan - acquisition_cost


def discounted_clv(
    margin: Number,
    retention: Number,
    discount_rate: Number,
    acquisition_cost: Number = 0.0,
    periods: int | None = None,
) -> float:
    """Customer lifetime value with a retention probability and discounting.

    Timing convention: the client is won at time 0, when ``acquisition_cost``
    is paid. At the end of each period ``t = 1, 2, ...`` the client is still
    there with probability ``r**t`` and, if so, pays ``margin``; money
    received at ``t`` is worth ``1 / (1 + i)**t`` of money today. Summing the
    expected, discounted margins over ``periods`` periods:

    .. math:: \\text{CLV} = \\sum_{t=1}^{T} \\frac{m\\,r^t}{(1+i)^t} - \\text{acquisition cost}

    With ``periods=None`` the sum runs for ever and has the closed form

    .. math:: \\text{CLV} = \\frac{m\\,r}{1 + i - r} - \\text{acquisition cost}

    and the finite sum approaches it as ``periods`` grows. Under this
    convention nothing is paid at signing; to count a margin received at
    time 0 as well, add ``margin`` to the result.

    Parameters
    ----------
    margin : number
        Margin (or revenue) per period while the client stays. May be
        negative for a client that costs more to serve than it pays.
    retention : number
        Probability that a client present at the start of a period is still
        there at its end, as a **fraction** from 0 to 1 (0.8 for 80 %).
    discount_rate : number
        Discount rate per period as a **fraction** from 0 up to, not
        including, 1 (0.1 for 10 %).
    acquisition_cost : number, optional
        What it cost to win the client (0 or more). Default 0.
    periods : int, optional
        Number of periods to sum over (0 or more). ``None`` (the default)
        means no end date.

    Returns
    -------
    float
        Value in the currency of ``margin``, at today's prices.

    Notes
    -----
    The two parameters pull in the same direction: a client worth keeping
    is one who stays for long (high retention) and pays soon (money later is
    worth less). Raising retention from 80 % to 90 % roughly doubles the
    value below, which is why small retention gains matter so much. The
    expected lifetime with retention ``r`` is ``1 / (1 - r)`` periods.

    Examples
    --------
    A margin of 100 per year, 80 % yearly retention, 10 % discount rate:

    >>> round(discounted_clv(margin=100, retention=0.8, discount_rate=0.1), 2)
    266.67
    >>> round(discounted_clv(margin=100, retention=0.9, discount_rate=0.1), 2)
    450.0
    >>> round(discounted_clv(margin=100, retention=0.8, discount_rate=0.1, periods=3), 2)
    164.09

    With certain retention and no discounting it is the simple form
    (10,000 a year for five years, won for 5,000):

    >>> discounted_clv(10_000, retention=1, discount_rate=0, acquisition_cost=5_000, periods=5)
    45000.0
    """
    margin = check_number("margin", margin, minimum=None)
    r = check_number("retention", retention, minimum=None)
    if not 0 <= r <= 1:
        raise ValueError(
            f"retention must be a fraction between 0 and 1 (e.g. 0.8 for 80 %), got {fmt(r)}"
        )
    i = check_number("discount_rate", discount_rate, minimum=None)
    if not 0 <= i < 1:
        raise ValueError(
            "discount_rate must be a fraction from 0 up to (not including) 1 "
            f"(e.g. 0.1 for 10 %), got {fmt(i)}"
        )
    acquisition_cost = check_number(
        "acquisition_cost",
        acquisition_cost,
        why="enter the cost as a positive amount; it is subtracted",
    )
    if periods is not None:
        t = check_number("periods", periods, why="it is a number of periods")
        if not t.is_integer():
            raise ValueError(f"periods must be a whole number of periods, got {fmt(t)}")
    if r == 1 and i == 0:
        if periods is None:
            raise ValueError(
                "retention = 1 with discount_rate = 0 has no finite value without an end date "
                "(the client pays for ever and nothing is discounted); pass periods, "
                "a retention below 1 or a discount_rate above 0"
            )
        return margin * t - acquisition_cost
    closed_form = margin * r / (1 + i - r)
    if periods is None or r == 0:
        return closed_form - acquisition_cost
    # The finite geometric sum is the closed form times (1 - q**T), q = r / (1 + i).
    # expm1/log keep that factor accurate when q is close to 1.
    q = r / (1 + i)
    return closed_form * -math.expm1(t * math.log(q)) - acquisition_cost
