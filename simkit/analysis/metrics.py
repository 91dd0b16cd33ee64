"""
Account-management metrics as plain functions on numbers.

Each function here turns a few counts or amounts from a period (a month, a
quarter, a year) into one of the figures an account manager reports on: how
many clients stayed, how much revenue the existing book grew or shrank, how
satisfied clients are, how fast issues get fixed. The functions do no
simulation and keep no state, so you can check every number by hand, and the
simulation results elsewhere in simkit are meant to be summarised with them.

The functions, grouped by the question they answer:

=========================  ======================================================
Did clients stay?          :func:`retention_rate`, :func:`churn_rate`,
                           :func:`logo_retention`, :func:`renewal_rate`
Did revenue stay and       :func:`revenue_growth`, :func:`gross_revenue_retention`,
grow?                      :func:`net_revenue_retention`, :func:`mrr_movements`,
                           :func:`upsell_rate`
What is a client worth?    :func:`customer_lifetime_value`, :func:`discounted_clv`
Are clients happy and      :func:`nps`, :func:`nps_from_shares`,
looked after?              :func:`engagement_rate`,
                           :func:`average_time_to_resolution`
=========================  ======================================================

Conventions used throughout:

* Rates and shares come back as a plain ``float`` on a 0-100 scale, so
  ``95.0`` means 95 %. Percent inputs (:func:`nps_from_shares`) use the same
  scale.
* Model parameters are the exception: the per-period ``retention`` probability
  and ``discount_rate`` of :func:`discounted_clv` are fractions (``0.8``, not
  ``80``), as in the textbook formulas.
* Counts may be whole or fractional (an average over several simulation runs
  is rarely whole), but never negative. Money can be in any currency, as long
  as all arguments of one call use the same one. Amounts that are *lost*
  (contraction, churned revenue) are entered as positive numbers.
* Python ints and floats, NumPy scalars, ``Fraction`` and ``Decimal`` all
  work. ``True``/``False``, strings, NaN and infinity do not.

Bad input raises :class:`ValueError` with a message that names the argument and
says what is allowed, for example:

>>> churn_rate(lost=-5, start=100)
Traceback (most recent call last):
    ...
ValueError: lost must be 0 or more (it is a count), got -5

A first example: a book of 100 clients loses 5 during the year and wins 10 new
ones, ending with 105.

>>> churn_rate(lost=5, start=100)
5.0
>>> retention_rate(start=100, end=105, new=10)
95.0

"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Set
from dataclasses import asdict, dataclass
from decimal import Decimal

import numpy as np

__all__ = [
    "MRRMovements",
    "average_time_to_resolution",
    "churn_rate",
    "customer_lifetime_value",
    "discounted_clv",
    "engagement_rate",
    "gross_revenue_retention",
    "logo_retention",
    "mrr_movements",
    "net_revenue_retention",
    "nps",
    "nps_from_shares",
    "renewal_rate",
    "retention_rate",
    "revenue_growth",
    "upsell_rate",
]

Number = float | numbers.Real | Decimal

# Reasons appended to error messages, so the same wording is used everywhere.
_ZERO_CLIENTS = "you can't compute a rate over zero starting clients"
_COUNT = "it is a count"
_LOSS = "enter the amount lost as a positive number"
_MONEY = "it is an amount of money"


# -- validation helpers ------------------------------------------------------


def _fmt(value: float) -> str:
    """Show a float the way a trainee typed it: ``100`` rather than ``100.0``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _check_number(
    name: str,
    value: object,
    *,
    minimum: float | None = 0.0,
    strict: bool = False,
    why: str = "",
) -> float:
    """Return *value* as a plain float, or raise a ValueError naming *name*.

    The value must be a finite real number, at least *minimum* (or greater
    than it if *strict*); ``minimum=None`` allows any sign. *why* is a short
    reason added to the error message.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number, got {value} (True/False is not a count)")
    if not isinstance(value, (numbers.Real, Decimal)):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large to compute with") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number (not NaN or infinity), got {x}")
    reason = f" ({why})" if why else ""
    if minimum is not None:
        if strict and x <= minimum:
            raise ValueError(f"{name} must be greater than {_fmt(minimum)}{reason}, got {_fmt(x)}")
        if x < minimum:
            raise ValueError(f"{name} must be {_fmt(minimum)} or more{reason}, got {_fmt(x)}")
    return x


def _check_at_most(name: str, value: float, limit_name: str, limit: float, why: str) -> None:
    """Raise a ValueError if *value* is larger than *limit*."""
    if value > limit:
        raise ValueError(
            f"{name} must not be more than {limit_name} ({why}), "
            f"got {name} = {_fmt(value)}, {limit_name} = {_fmt(limit)}"
        )


def _check_numbers(name: str, values: object) -> np.ndarray:
    """Return a one-dimensional sequence of numbers as a float array.

    Accepts lists, tuples, other iterables, NumPy arrays and pandas Series.
    Every element must pass :func:`_check_number` (any sign allowed); the
    error names the position of the first bad element, e.g. ``scores[3]``.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(
            f"{name} must be a list, tuple, NumPy array or pandas Series of numbers, "
            f"got {type(values).__name__}"
        )
    if isinstance(values, (Set, Mapping)):
        raise ValueError(
            f"{name} must be an ordered sequence such as a list, not a {type(values).__name__} "
            f"(a set drops repeated values; for a dict pass list(d.values()))"
        )
    if hasattr(values, "to_numpy"):  # pandas Series or Index
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        if values.ndim != 1:
            raise ValueError(
                f"{name} must be one-dimensional, got an array of shape {values.shape}"
            )
        array = values.astype(float)
        bad = ~np.isfinite(array)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name}[{i}] must be a finite number (not NaN or infinity; drop missing "
                f"values first), got {array[i]}"
            )
        return array
    return np.array(
        [_check_number(f"{name}[{i}]", v, minimum=None) for i, v in enumerate(values)],
        dtype=float,
    )


def _first_bad(name: str, values: np.ndarray, bad: np.ndarray, allowed: str) -> None:
    """Raise a ValueError about the first element of *values* flagged in *bad*."""
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}] must be {allowed}, got {_fmt(float(values[i]))}")


def _pct(part: float, whole: float) -> float:
    """``part / whole`` in percent, for a part that can't exceed the whole.

    Multiplying before dividing keeps round numbers exact (95.0, not
    94.99999999999999); the cap at 100 hides rounding noise in the last digit.
    """
    return min(100.0, 100.0 * part / whole)


# -- clients: retention, churn, renewals --------------------------------------


def retention_rate(start: Number, end: Number, new: Number) -> float:
    """Client retention rate: the share of starting clients still there at the end.

    .. math:: \\text{retention} = \\frac{\\text{end} - \\text{new}}{\\text{start}} \\times 100

    New clients are subtracted from the end count so that winning new
    business can't hide the loss of existing clients.

    Parameters
    ----------
    start : number
        Clients at the start of the period (greater than 0).
    end : number
        Clients at the end of the period, new ones included.
    new : number
        Clients won during the period (at most ``end``).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    For an account manager this is the headline result of the job: out of the
    clients you were handed, how many did you keep? Without new clients it is
    ``100 - churn_rate``.

    Examples
    --------
    Start the year with 100 clients, sign 10 new ones and finish with 105:
    95 of the original 100 stayed.

    >>> retention_rate(start=100, end=105, new=10)
    95.0
    >>> retention_rate(start=40, end=40, new=0)
    100.0
    """
    start = _check_number("start", start, strict=True, why=_ZERO_CLIENTS)
    end = _check_number("end", end, why=_COUNT)
    new = _check_number("new", new, why=_COUNT)
    if end < new:
        raise ValueError(
            "end must be at least new (the clients at the end include the new ones), "
            f"got end = {_fmt(end)}, new = {_fmt(new)}"
        )
    _check_at_most(
        "end - new", end - new, "start", start, "only clients you started with can be retained"
    )
    return _pct(end - new, start)


def churn_rate(lost: Number, start: Number) -> float:
    """Churn rate: the share of starting clients lost during the period.

    .. math:: \\text{churn} = \\frac{\\text{lost}}{\\text{start}} \\times 100

    Parameters
    ----------
    lost : number
        Clients who left during the period (0 up to ``start``).
    start : number
        Clients at the start of the period (greater than 0).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    Churn is the mirror image of retention. A rising churn rate is the
    earliest hard evidence that clients don't get the value they expected,
    and each lost client must be replaced by a new sale just to stand still.

    Examples
    --------
    Of 100 clients at the start, 5 cancel:

    >>> churn_rate(lost=5, start=100)
    5.0
    >>> churn_rate(lost=0, start=12)
    0.0
    """
    lost = _check_number("lost", lost, why=_COUNT)
    start = _check_number("start", start, strict=True, why=_ZERO_CLIENTS)
    _check_at_most(
        "lost", lost, "start", start, "you can't lose more clients than you started with"
    )
    return _pct(lost, start)


def logo_retention(start: Number, retained: Number) -> float:
    """Logo retention: the share of starting clients (logos) still a client at the end.

    .. math:: \\text{logo retention} = \\frac{\\text{retained}}{\\text{start}} \\times 100

    Parameters
    ----------
    start : number
        Clients at the start of the period (greater than 0).
    retained : number
        How many of those clients are still clients at the end (0 up to ``start``).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    It is the same idea as :func:`retention_rate`, counted directly instead of
    from end and new totals. Every client counts once whatever its size, so
    losing ten small accounts hurts it more than losing one big one; read it
    next to :func:`gross_revenue_retention`, which weighs clients by revenue.

    Examples
    --------
    >>> logo_retention(start=200, retained=184)
    92.0
    >>> logo_retention(start=100, retained=105 - 10) == retention_rate(100, 105, 10)
    True
    """
    start = _check_number("start", start, strict=True, why=_ZERO_CLIENTS)
    retained = _check_number("retained", retained, why=_COUNT)
    _check_at_most(
        "retained", retained, "start", start, "you can't keep more clients than you started with"
    )
    return _pct(retained, start)


def renewal_rate(renewed: Number, up_for_renewal: Number) -> float:
    """Contract renewal rate: the share of expiring contracts that were renewed.

    .. math:: \\text{renewal rate} = \\frac{\\text{renewed}}{\\text{up for renewal}} \\times 100

    Parameters
    ----------
    renewed : number
        Contracts renewed (0 up to ``up_for_renewal``).
    up_for_renewal : number
        Contracts that reached their end date in the period (greater than 0).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    Renewal is the moment a client decides, with money, whether the
    relationship is worth keeping. Only contracts that came up for renewal
    count, so a quiet period with few expiries can still show a poor rate.

    Examples
    --------
    90 of 100 expiring contracts are renewed:

    >>> renewal_rate(renewed=90, up_for_renewal=100)
    90.0
    >>> renewal_rate(renewed=3, up_for_renewal=4)
    75.0
    """
    renewed = _check_number("renewed", renewed, why=_COUNT)
    up_for_renewal = _check_number(
        "up_for_renewal",
        up_for_renewal,
        strict=True,
        why="a rate needs at least one contract up for renewal",
    )
    _check_at_most(
        "renewed",
        renewed,
        "up_for_renewal",
        up_for_renewal,
        "only contracts that were up for renewal can be renewed",
    )
    return _pct(renewed, up_for_renewal)


def engagement_rate(engaged: Number, active: Number) -> float:
    """Client engagement rate: the share of active accounts you had a real exchange with.

    .. math:: \\text{engagement} = \\frac{\\text{engaged}}{\\text{active}} \\times 100

    In simkit an account counts as *engaged* in a period if it had at least
    one two-way touch with its account manager: a check-in, a business
    review, an issue that was resolved, or an answered survey. A one-way
    newsletter or an unanswered email does not count.

    Parameters
    ----------
    engaged : number
        Active accounts with at least one two-way touch (0 up to ``active``).
    active : number
        Accounts that were clients during the period (greater than 0).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    Why this definition: engagement moves before renewal does. Accounts
    that nobody talks to drift, and their problems surface only when the
    contract is up. A touch is also something an account manager decides to
    make, unlike product logins, so this rate measures work the team can
    plan and change. Product usage is a useful signal too, but it belongs to
    the product, not to account management.

    Examples
    --------
    150 of 200 active accounts had a check-in, review, resolved issue or
    survey answer this quarter:

    >>> engagement_rate(engaged=150, active=200)
    75.0
    """
    engaged = _check_number("engaged", engaged, why=_COUNT)
    active = _check_number(
        "active", active, strict=True, why="a rate needs at least one active account"
    )
    _check_at_most("engaged", engaged, "active", active, "only active accounts can be engaged")
    return _pct(engaged, active)


# -- value of a client ----------------------------------------------------------


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
    avg_revenue = _check_number("avg_revenue", avg_revenue, why=_MONEY)
    lifespan = _check_number("lifespan", lifespan, why="it is a length of time")
    acquisition_cost = _check_number(
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
    margin = _check_number("margin", margin, minimum=None)
    r = _check_number("retention", retention, minimum=None)
    if not 0 <= r <= 1:
        raise ValueError(
            f"retention must be a fraction between 0 and 1 (e.g. 0.8 for 80 %), got {_fmt(r)}"
        )
    i = _check_number("discount_rate", discount_rate, minimum=None)
    if not 0 <= i < 1:
        raise ValueError(
            "discount_rate must be a fraction from 0 up to (not including) 1 "
            f"(e.g. 0.1 for 10 %), got {_fmt(i)}"
        )
    acquisition_cost = _check_number(
        "acquisition_cost",
        acquisition_cost,
        why="enter the cost as a positive amount; it is subtracted",
    )
    if periods is not None:
        t = _check_number("periods", periods, why="it is a number of periods")
        if not t.is_integer():
            raise ValueError(f"periods must be a whole number of periods, got {_fmt(t)}")
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


# -- satisfaction: NPS -------------------------------------------------------------


def nps(scores: Iterable[Number]) -> float:
    """Net Promoter Score from individual 0-10 survey answers.

    .. math:: \\text{NPS} = \\%\\,\\text{promoters} - \\%\\,\\text{detractors}

    Promoters answer 9 or 10, detractors 0 to 6; passives (7 and 8) count in
    the total but in neither group.

    Parameters
    ----------
    scores : list, tuple, NumPy array or pandas Series
        Answers to "how likely are you to recommend us?", each a whole number
        from 0 to 10 (``7.0`` is fine, ``7.5`` is not). At least one answer;
        drop unanswered surveys (NaN) first.

    Returns
    -------
    float
        A score from -100 (everyone a detractor) to +100 (everyone a promoter).

    Notes
    -----
    NPS sums up how many clients would vouch for you against how many might
    warn others off. Passives pull it towards 0, so converting them to
    promoters raises the score as much as winning back a detractor.

    Examples
    --------
    Ten answers: six promoters (9-10), three passives (7-8), one detractor:

    >>> nps([10, 9, 9, 10, 9, 9, 8, 7, 7, 3])
    50.0
    >>> nps((10, 10, 0, 0))
    0.0
    """
    values = _check_numbers("scores", scores)
    if values.size == 0:
        raise ValueError("scores is empty: NPS needs at least one survey answer")
    bad = (values < 0) | (values > 10) | (values != np.floor(values))
    _first_bad("scores", values, bad, "a whole number from 0 to 10")
    promoters = int(np.count_nonzero(values >= 9))
    detractors = int(np.count_nonzero(values <= 6))
    return (promoters - detractors) * 100 / values.size


def nps_from_shares(promoters_pct: Number, detractors_pct: Number) -> float:
    """Net Promoter Score when only the promoter and detractor shares are known.

    .. math:: \\text{NPS} = \\text{promoters pct} - \\text{detractors pct}

    Parameters
    ----------
    promoters_pct : number
        Share of respondents who answered 9 or 10, in percent (0 to 100).
    detractors_pct : number
        Share of respondents who answered 0 to 6, in percent (0 to 100).
        The two shares together can't exceed 100.

    Returns
    -------
    float
        A score from -100 to +100.

    Notes
    -----
    Use this with survey reports that give shares instead of raw answers.
    Shares are percentages here, so 60 % promoters is ``60``, not ``0.6``.

    Examples
    --------
    60 % promoters and 10 % detractors:

    >>> nps_from_shares(promoters_pct=60, detractors_pct=10)
    50.0
    >>> nps_from_shares(0, 100)
    -100.0
    """
    why = "a percentage from 0 to 100"
    promoters = _check_number("promoters_pct", promoters_pct, why=why)
    detractors = _check_number("detractors_pct", detractors_pct, why=why)
    _check_at_most("promoters_pct", promoters, "100", 100.0, why)
    _check_at_most("detractors_pct", detractors, "100", 100.0, why)
    # Allow for rounding: 100/3 + 200/3 comes out a hair above 100.
    if promoters + detractors > 100 + 1e-9:
        raise ValueError(
            "promoters_pct + detractors_pct must not be more than 100 (they are shares of "
            f"the same respondents), got {_fmt(promoters)} + {_fmt(detractors)}"
        )
    return promoters - detractors


# -- revenue ------------------------------------------------------------------------


def revenue_growth(start_revenue: Number, end_revenue: Number) -> float:
    """Revenue growth of an account from one period to the next, in percent.

    .. math:: \\text{growth} = \\frac{\\text{end} - \\text{start}}{\\text{start}} \\times 100

    Parameters
    ----------
    start_revenue : number
        Revenue in the earlier period (greater than 0).
    end_revenue : number
        Revenue in the later period (0 or more).

    Returns
    -------
    float
        Percentage change: negative when revenue fell, -100 when it fell to
        zero, above 100 when it more than doubled.

    Notes
    -----
    Growth within existing accounts, from upsells, cross-sells and wider
    use, is the second half of an account manager's job after keeping the
    client at all, and usually the cheapest revenue a company can win.

    Examples
    --------
    An account worth 50,000 last year and 60,000 this year:

    >>> revenue_growth(start_revenue=50_000, end_revenue=60_000)
    20.0
    >>> revenue_growth(80, 60)
    -25.0
    """
    start = _check_number(
        "start_revenue",
        start_revenue,
        strict=True,
        why="growth is measured against the starting revenue",
    )
    end = _check_number("end_revenue", end_revenue, why=_MONEY)
    return 100.0 * (end - start) / start


def upsell_rate(successes: Number, attempts: Number) -> float:
    """Upsell / cross-sell success rate: the share of offers that turned into a sale.

    .. math:: \\text{success rate} = \\frac{\\text{successes}}{\\text{attempts}} \\times 100

    Parameters
    ----------
    successes : number
        Upsell or cross-sell offers accepted (0 up to ``attempts``).
    attempts : number
        Offers presented to clients (greater than 0).

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    A high rate means offers match what clients need. A falling rate while
    attempts go up is a warning sign of selling before serving, which also
    costs goodwill.

    Examples
    --------
    6 of 10 offers accepted:

    >>> upsell_rate(successes=6, attempts=10)
    60.0
    """
    successes = _check_number("successes", successes, why=_COUNT)
    attempts = _check_number(
        "attempts", attempts, strict=True, why="a rate needs at least one attempt"
    )
    _check_at_most(
        "successes", successes, "attempts", attempts, "every success comes from an attempt"
    )
    return _pct(successes, attempts)


def _check_revenue_base(
    start_arr: Number, contraction: Number, churned_arr: Number
) -> tuple[float, float, float]:
    """Validate the arguments shared by GRR and NRR."""
    start = _check_number(
        "start_arr",
        start_arr,
        strict=True,
        why="retention is measured against the starting revenue",
    )
    contraction = _check_number("contraction", contraction, why=_LOSS)
    churned = _check_number("churned_arr", churned_arr, why=_LOSS)
    _check_at_most(
        "contraction + churned_arr",
        contraction + churned,
        "start_arr",
        start,
        "you can't lose more revenue than the accounts had at the start",
    )
    return start, contraction, churned


def gross_revenue_retention(start_arr: Number, contraction: Number, churned_arr: Number) -> float:
    """Gross revenue retention (GRR): the share of starting revenue kept, growth ignored.

    .. math:: \\text{GRR} = \\frac{\\text{start} - \\text{contraction} - \\text{churned}}
              {\\text{start}} \\times 100

    Parameters
    ----------
    start_arr : number
        Recurring revenue (ARR or MRR) of the existing accounts at the start
        (greater than 0).
    contraction : number
        Revenue lost to downgrades by accounts that stayed, as a positive amount.
    churned_arr : number
        Revenue lost from accounts that left, as a positive amount.
        ``contraction + churned_arr`` can't exceed ``start_arr``.

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    GRR shows how well the existing book is defended. Upsells can't lift it,
    so it can't be flattered by selling more to a few accounts while others
    shrink or leave.

    Examples
    --------
    100,000 of ARR at the start; 5,000 lost to downgrades and 10,000 to churn:

    >>> gross_revenue_retention(start_arr=100_000, contraction=5_000, churned_arr=10_000)
    85.0
    """
    start, contraction, churned = _check_revenue_base(start_arr, contraction, churned_arr)
    return _pct(start - contraction - churned, start)


def net_revenue_retention(
    start_arr: Number, expansion: Number, contraction: Number, churned_arr: Number
) -> float:
    """Net revenue retention (NRR): starting revenue kept, plus growth from the same accounts.

    .. math:: \\text{NRR} = \\frac{\\text{start} + \\text{expansion} - \\text{contraction}
              - \\text{churned}}{\\text{start}} \\times 100

    Parameters
    ----------
    start_arr : number
        Recurring revenue (ARR or MRR) of the existing accounts at the start
        (greater than 0).
    expansion : number
        Extra revenue from those accounts through upsells and cross-sells (0 or more).
    contraction : number
        Revenue lost to downgrades, as a positive amount.
    churned_arr : number
        Revenue lost from accounts that left, as a positive amount.
        ``contraction + churned_arr`` can't exceed ``start_arr``.

    Returns
    -------
    float
        Percentage, 0 or more; above 100 when growth in the existing accounts
        more than makes up for what was lost. Never below the GRR of the
        same figures.

    Notes
    -----
    NRR above 100 % means the book grows even without a single new client,
    the clearest sign that account management pays for itself. Revenue from
    new clients is left out on purpose.

    Examples
    --------
    The book from :func:`gross_revenue_retention`, plus 20,000 of upsells:

    >>> net_revenue_retention(
    ...     start_arr=100_000, expansion=20_000, contraction=5_000, churned_arr=10_000
    ... )
    105.0
    """
    start, contraction, churned = _check_revenue_base(start_arr, contraction, churned_arr)
    expansion = _check_number("expansion", expansion, why=_MONEY)
    # GRR plus the expansion share; written this way NRR >= GRR holds exactly in floats.
    return _pct(start - contraction - churned, start) + 100.0 * expansion / start


@dataclass(frozen=True)
class MRRMovements:
    """Breakdown of how monthly recurring revenue (MRR) changed over a period.

    Lost amounts (``contraction``, ``churn``) are positive numbers;
    ``net = new + expansion - contraction - churn``. ``start`` and ``end``
    are ``None`` unless a starting MRR was given.
    """

    new: float
    expansion: float
    contraction: float
    churn: float
    net: float
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """Return the movements as a plain dict, e.g. for a pandas DataFrame row."""
        return asdict(self)

    def __repr__(self) -> str:
        fields = {k: v for k, v in self.to_dict().items() if v is not None}
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in fields.items())
        return f"MRRMovements({inner})"


def mrr_movements(
    new: Number,
    expansion: Number,
    contraction: Number,
    churned: Number,
    start: Number | None = None,
) -> MRRMovements:
    """Split the change in MRR (or ARR) into its four movements.

    .. math:: \\text{net} = \\text{new} + \\text{expansion} - \\text{contraction}
              - \\text{churn}, \\qquad \\text{end} = \\text{start} + \\text{net}

    Parameters
    ----------
    new : number
        MRR from clients won in the period.
    expansion : number
        Extra MRR from existing clients (upsells, cross-sells, price rises).
    contraction : number
        MRR lost to downgrades, as a positive amount.
    churned : number
        MRR lost from clients who left, as a positive amount.
    start : number, optional
        MRR at the start of the period. If given, ``end`` is filled in.

    Returns
    -------
    MRRMovements
        A frozen record with ``new``, ``expansion``, ``contraction``,
        ``churn``, ``net``, ``start`` and ``end``; ``.to_dict()`` gives a dict.

    Notes
    -----
    The total alone can hide trouble: a good month of new sales can cover
    heavy churn. Seeing the four movements side by side shows whether growth
    comes from the existing book (expansion, the account manager's work) or
    only from new business.

    Examples
    --------
    >>> m = mrr_movements(new=300, expansion=200, contraction=50, churned=150, start=5_000)
    >>> m
    MRRMovements(new=300, expansion=200, contraction=50, churn=150, net=300, start=5000, end=5300)
    >>> m.net, m.end
    (300.0, 5300.0)
    >>> mrr_movements(new=0, expansion=100, contraction=0, churned=400).net
    -300.0
    """
    new = _check_number("new", new, why=_MONEY)
    expansion = _check_number("expansion", expansion, why=_MONEY)
    contraction = _check_number("contraction", contraction, why=_LOSS)
    churn = _check_number("churned", churned, why=_LOSS)
    net = new + expansion - contraction - churn
    if start is None:
        return MRRMovements(new, expansion, contraction, churn, net)
    start = _check_number("start", start, why=_MONEY)
    end = start + net
    if end < 0:
        raise ValueError(
            "contraction + churned must not be more than start + new + expansion "
            "(MRR can't fall below 0), "
            f"got start = {_fmt(start)}, net = {_fmt(net)}, so end = {_fmt(end)}"
        )
    return MRRMovements(new, expansion, contraction, churn, net, start, end)


# -- service --------------------------------------------------------------------------


def average_time_to_resolution(durations: Iterable[Number]) -> float:
    """Average time to resolution: total time spent resolving issues over the number resolved.

    .. math:: \\text{time to resolution} = \\frac{\\sum \\text{durations}}{\\text{issues resolved}}

    Parameters
    ----------
    durations : list, tuple, NumPy array or pandas Series
        Time each resolved issue took, from report to fix, all in one unit
        (hours, days, ...). At least one value, none negative.

    Returns
    -------
    float
        Mean duration, in the unit of the input.

    Notes
    -----
    This measures how quickly clients get help. When account managers are
    overloaded, issues queue up, this number grows and client health falls
    behind it, often well before anyone cancels.

    Examples
    --------
    Three issues took 30, 18 and 24 hours; after a process change three
    others took 10, 14 and 12 hours, halving the average:

    >>> average_time_to_resolution([30, 18, 24])
    24.0
    >>> average_time_to_resolution([10, 14, 12])
    12.0
    """
    values = _check_numbers("durations", durations)
    if values.size == 0:
        raise ValueError("durations is empty: there are no resolved issues to average")
    _first_bad("durations", values, values < 0, "0 or more (a duration can't be negative)")
    return math.fsum(values) / values.size
