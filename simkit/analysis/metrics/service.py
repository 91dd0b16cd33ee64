"""Are clients happy and looked after? Engagement, NPS and time to resolution.

:func:`engagement_rate` measures how many accounts the team actually talks to,
:func:`nps` and :func:`nps_from_shares` how many clients would recommend you, and
:func:`average_time_to_resolution` how fast their problems get fixed.
:func:`time_to_resolution_from_total` is the same average when only the total time and
the number of issues are known (the run summaries count it that way).

>>> nps([10, 9, 9, 10, 9, 9, 8, 7, 7, 3]), average_time_to_resolution([30, 18, 24])
(50.0, 24.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from simkit.analysis.metrics.validation import (
    COUNT,
    Number,
    check_at_most,
    check_number,
    check_numbers,
    first_bad,
    fmt,
    pct,
)

__all__ = [
    "average_time_to_resolution",
    "engagement_rate",
    "nps",
    "nps_from_shares",
    "time_to_resolution_from_total",
]


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
    engaged = check_number("engaged", engaged, why=COUNT)
    active = check_number(
        "active", active, strict=True, why="a rate needs at least one active account"
    )
    check_at_most("engaged", engaged, "active", active, "only active accounts can be engaged")
    return pct(engaged, active)


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
    values = check_numbers("scores", scores)
    if values.size == 0:
        raise ValueError("scores is empty: NPS needs at least one survey answer")
    bad = (values < 0) | (values > 10) | (values != np.floor(values))
    first_bad("scores", values, bad, "a whole number from 0 to 10")
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
    promoters = check_number("promoters_pct", promoters_pct, why=why)
    detractors = check_number("detractors_pct", detractors_pct, why=why)
    check_at_most("promoters_pct", promoters, "100", 100.0, why)
    check_at_most("detractors_pct", detractors, "100", 100.0, why)
    # Allow for rounding: 100/3 + 200/3 comes out a hair above 100.
    if promoters + detractors > 100 + 1e-9:
        raise ValueError(
            "promoters_pct + detractors_pct must not be more than 100 (they are shares of "
            f"the same respondents), got {fmt(promoters)} + {fmt(detractors)}"
        )
    return promoters - detractors


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
    values = check_numbers("durations", durations)
    if values.size == 0:
        raise ValueError("durations is empty: there are no resolved issues to average")
    first_bad("durations", values, values < 0, "0 or more (a duration can't be negative)")
    return math.fsum(values) / values.size


def time_to_resolution_from_total(total_time: Number, resolved: Number) -> float:
    """Average time to resolution from the total time and the number of issues resolved.

    .. math:: \\text{time to resolution} = \\frac{\\text{total time}}{\\text{issues resolved}}

    The same figure as :func:`average_time_to_resolution` when you only have the sum of the
    durations, not each one -- for example from a monthly service report, or from the
    counts :func:`simkit.analysis.summary.summarize` keeps.

    Parameters
    ----------
    total_time : number
        Time all resolved issues took together, from report to fix (0 or more).
    resolved : number
        Issues resolved (greater than 0).

    Returns
    -------
    float
        Mean duration, in the unit of ``total_time``.

    Examples
    --------
    Three issues took 72 hours between them:

    >>> time_to_resolution_from_total(total_time=72, resolved=3)
    24.0
    >>> time_to_resolution_from_total(72, 3) == average_time_to_resolution([30, 18, 24])
    True
    """
    total = check_number("total_time", total_time, why="a duration can't be negative")
    resolved = check_number(
        "resolved", resolved, strict=True, why="an average needs at least one resolved issue"
    )
    return total / resolved
