"""Constant retention: every account renews with the same probability ``r``.

The simplest retention model and the yardstick for the others: ``S(t) = r**t`` of a cohort
still pays in period ``t`` (:func:`geometric_survival`), an account pays on average
``1 / (1 - r)`` periods (:func:`expected_lifetime`), and with margin ``m`` collected at the
end of each period survived it is worth ``m * r / (1 + i - r)`` (Gupta & Lehmann's margin
multiple, :func:`margin_multiple`). :func:`retention_uplift_value` turns "5 points more
retention" into money.

>>> round(expected_lifetime(0.8), 6), round(margin_multiple(0.8, 0.10), 4)
(5.0, 2.6667)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from simkit.analysis.retention.validation import (
    as_output,
    check_discount,
    check_periods,
    check_rate,
)

__all__ = [
    "RetentionUplift",
    "expected_lifetime",
    "geometric_survival",
    "margin_multiple",
    "retention_uplift_value",
]


def geometric_survival(r: float, t: ArrayLike) -> float | np.ndarray:
    """Share of a cohort still paying in period ``t`` when everyone renews with probability r.

    ``S(t) = r**t``, with ``S(0) = 1``.

    For an account manager: with 80 % renewal, only about a third of this year's new
    accounts (0.8**5 = 0.33) are still with you five renewals later.

    Parameters
    ----------
    r : float
        Renewal probability per period, in [0, 1).
    t : int or array of int
        Period number(s), >= 0.

    Examples
    --------
    >>> round(geometric_survival(0.8, 5), 4)
    0.3277
    >>> geometric_survival(0.5, [0, 1, 2])
    array([1.  , 0.5 , 0.25])
    """
    r = check_rate("r", r)
    return as_output(r ** check_periods(t, 0), t)


def expected_lifetime(r: float) -> float:
    """Expected number of periods an account pays for under constant retention r.

    ``E[periods paid] = sum_{t>=0} r**t = 1 / (1 - r)``. The first period counts (every
    account pays for period 0); the period after the failed renewal does not.

    For an account manager: moving renewal from 80 % to 90 % doubles the average number
    of contract periods, from 5 to 10 -- small changes near the top matter a lot.

    Parameters
    ----------
    r : float
        Renewal probability per period, in [0, 1).

    Examples
    --------
    >>> round(expected_lifetime(0.8), 6)
    5.0
    >>> round(expected_lifetime(0.9), 6)
    10.0
    """
    return 1.0 / (1.0 - check_rate("r", r))


def margin_multiple(r: float, discount_rate: float) -> float:
    """Gupta & Lehmann's margin multiple: customer value per unit of margin per period.

    ``value = m * r / (1 + i - r)`` for margin ``m`` received at the end of every period the
    account survives (``= sum_{t>=1} m * r**t / (1 + i)**t``). The margin of the current,
    already-paid period is *not* included.

    For an account manager: at 80 % renewal and a 10 % discount rate an account is worth
    about 2.7 years of margin, not the 5 years its expected lifetime suggests.

    Parameters
    ----------
    r : float
        Renewal probability per period, in [0, 1).
    discount_rate : float
        Discount rate ``i`` per period, >= 0.

    Examples
    --------
    >>> round(margin_multiple(0.8, 0.10), 4)
    2.6667
    """
    r = check_rate("r", r)
    i = check_discount(discount_rate)
    return r / (1.0 + i - r)


class RetentionUplift(NamedTuple):
    """Result of :func:`retention_uplift_value` (values are margin multiples)."""

    value_before: float
    value_after: float
    pct_increase: float


def retention_uplift_value(r: float, discount_rate: float, uplift: float = 0.05) -> RetentionUplift:
    """How much more an account is worth if retention rises by ``uplift`` percentage points.

    Compares ``margin_multiple(r, i)`` with ``margin_multiple(r + uplift, i)``;
    ``pct_increase = 100 * (after / before - 1)``. ``uplift`` is absolute (0.05 takes 80 % to
    85 %), not relative.

    For an account manager: the famous "5 % more retention" claims are this arithmetic;
    the gain is larger the higher retention already is.

    Parameters
    ----------
    r : float
        Current renewal probability, in [0, 1).
    discount_rate : float
        Discount rate per period, >= 0.
    uplift : float
        Increase in renewal probability; ``r + uplift`` must be in [0, 1).

    Examples
    --------
    >>> u = retention_uplift_value(0.80, 0.10)
    >>> round(u.value_before, 3), round(u.value_after, 3), round(u.pct_increase, 1)
    (2.667, 3.4, 27.5)
    >>> round(retention_uplift_value(0.90, 0.10).pct_increase, 1)
    40.7
    """
    r = check_rate("r", r)
    after = float(r + uplift)
    if not 0.0 <= after < 1.0:
        raise ValueError(f"r + uplift must be in [0, 1), got {after!r}")
    before_value = margin_multiple(r, discount_rate)
    after_value = margin_multiple(after, discount_rate)
    pct = 100.0 * (after_value / before_value - 1.0) if before_value > 0 else float("inf")
    return RetentionUplift(before_value, after_value, pct)
