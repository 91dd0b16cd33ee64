"""Did clients stay? Retention, churn, logo retention and renewal rates; deals won.

These four answer the first question about a book of clients: out of the clients you
started the period with, how many are still there? They differ in what they count --
clients at the start and end (:func:`retention_rate`), clients lost (:func:`churn_rate`),
logos kept (:func:`logo_retention`) or contracts renewed (:func:`renewal_rate`) -- and all
return a percentage from 0 to 100. Only clients count: a prospect whose deal is lost was never
a client, so it is no churn; :func:`win_rate` counts those deals.

>>> retention_rate(start=100, end=105, new=10), churn_rate(lost=5, start=100)
(95.0, 5.0)
"""

from __future__ import annotations

from simkit.analysis.metrics.validation import (
    COUNT,
    ZERO_CLIENTS,
    Number,
    check_at_most,
    check_number,
    fmt,
    pct,
)

__all__ = ["churn_rate", "logo_retention", "renewal_rate", "retention_rate", "win_rate"]


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
    start = check_number("start", start, strict=True, why=ZERO_CLIENTS)
    end = check_number("end", end, why=COUNT)
    new = check_number("new", new, why=COUNT)
    if end < new:
        raise ValueError(
            "end must be at least new (the clients at the end include the new ones), "
            f"got end = {fmt(end)}, new = {fmt(new)}"
        )
    check_at_most(
        "end - new", end - new, "start", start, "only clients you started with can be retained"
    )
    return pct(end - new, start)


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
    lost = check_number("lost", lost, why=COUNT)
    start = check_number("start", start, strict=True, why=ZERO_CLIENTS)
    check_at_most("lost", lost, "start", start, "you can't lose more clients than you started with")
    return pct(lost, start)


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
    start = check_number("start", start, strict=True, why=ZERO_CLIENTS)
    retained = check_number("retained", retained, why=COUNT)
    check_at_most(
        "retained", retained, "start", start, "you can't keep more clients than you started with"
    )
    return pct(retained, start)


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
    renewed = check_number("renewed", renewed, why=COUNT)
    up_for_renewal = check_number(
        "up_for_renewal",
        up_for_renewal,
        strict=True,
        why="a rate needs at least one contract up for renewal",
    )
    check_at_most(
        "renewed",
        renewed,
        "up_for_renewal",
        up_for_renewal,
        "only contracts that were up for renewal can be renewed",
    )
    return pct(renewed, up_for_renewal)


def win_rate(won: Number, lost: Number) -> float:
    """Win rate: the share of the deals decided that were won.

    .. math:: \\text{win rate} = \\frac{\\text{won}}{\\text{won} + \\text{lost}} \\times 100

    Parameters
    ----------
    won : number
        Deals won: prospects that became customers (0 or more).
    lost : number
        Deals lost: prospects that never became customers (0 or more). At least one deal
        must have been decided.

    Returns
    -------
    float
        Percentage from 0 to 100.

    Notes
    -----
    A lost deal is a prospect that leaves the pipeline; it was never a client, so it is not
    churn and never a *former* client. Counting it as churn makes churn look larger than
    it is.

    Examples
    --------
    >>> win_rate(won=35, lost=65)
    35.0
    """
    won = check_number("won", won, why=COUNT)
    lost = check_number("lost", lost, why=COUNT)
    if won + lost <= 0:
        raise ValueError("won + lost must be greater than 0 (a win rate needs a decided deal)")
    return pct(won, won + lost)
