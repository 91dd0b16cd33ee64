"""Confidence intervals for simulation output: how sure a mean over replications is.

A stochastic simulation answers every question with a sample. Run a strategy five times
(five *replications*, each with its own random numbers) and you get five revenues; their mean
is the estimate, and the spread says how far that estimate may be from the long-run answer.
:func:`confidence_interval` turns a sample into a mean with a Student-t interval::

    mean +- t(confidence, n - 1) * standard deviation / sqrt(n)

which covers the true mean in ``confidence`` of experiments when replications are independent
and their mean is roughly normal (true for sums and averages of many accounts).

Comparing two strategies is sharper than estimating each: when both are run over the *same*
replications (common random numbers: same seeds, so the same issue arrivals and the same
competitor approaches), most of the luck is shared and cancels in the difference.
:func:`paired_difference` takes the difference replication by replication and puts an
interval on that. Here the two strategies' own intervals overlap, yet the paired interval
shows that B beats A in every replication:

>>> a = [100.0, 120.0, 90.0, 110.0]
>>> b = [103.0, 124.0, 92.0, 114.0]
>>> confidence_interval(a).low < confidence_interval(b).low < confidence_interval(a).high
True
>>> d = paired_difference(b, a)
>>> round(d.mean, 2), round(d.low, 2), round(d.high, 2)
(3.25, 1.73, 4.77)

Both return an :class:`Interval`, a named tuple ``(mean, low, high)``: unpack it
(``m, lo, hi = confidence_interval(x)``) or use its fields. Values that are NaN (a figure a
run could not define, such as NPS without survey answers) are left out; with fewer than two
values the bounds are NaN, since one value says nothing about spread.

A *ratio* of two paired means -- extra profit per unit of extra cost -- needs more care than
a difference: when the denominator may be close to 0, the ratio may be anything.
:func:`ratio_interval` gives Fieller's interval, which says so instead of printing a huge
number:

>>> gain, cost = [12.0, 9.0, 11.0, 8.0], [5.0, 4.0, 5.0, 4.0]
>>> r = ratio_interval(gain, cost)
>>> round(r.ratio, 3), round(r.low, 3), round(r.high, 3), r.reason
(2.222, 1.922, 2.455, '')
>>> ratio_interval([1.0, 2.0, 1.5], [1.0, -1.0, 0.5]).reason
'the denominator is not clearly above 0 (its 95 % interval includes 0)'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd


class Interval(NamedTuple):
    """A mean with the bounds of its confidence interval.

    A plain named tuple, so ``mean, low, high = interval`` works, as do ``interval.mean``,
    ``interval.low`` and ``interval.high``. The bounds are NaN when the sample was too small
    (fewer than two values) to say anything about spread.

    >>> Interval(11.5, 9.5, 13.5).half_width
    2.0
    """

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the interval's width: the "plus or minus" of ``mean +- half_width``."""
        return (self.high - self.low) / 2


def _sample(values: Iterable[float]) -> np.ndarray:
    """The values as floats, NaN left out."""
    x = np.asarray(list(values), dtype=float)
    return x[~np.isnan(x)]


def confidence_interval(values: Iterable[float], confidence: float = 0.95) -> Interval:
    """Mean and Student-t confidence interval of a sample.

    Parameters
    ----------
    values : one figure per replication (a list, an array or a pandas Series). NaN values
        are left out.
    confidence : the interval's level, between 0 and 1 (0.95: a 95 % interval).

    Returns
    -------
    Interval
        ``(mean, low, high)``. Empty sample: all NaN. One value: that value, NaN bounds.
        Identical values: a zero-width interval.

    >>> m, lo, hi = confidence_interval([10.0, 12.0, 11.0, 13.0])
    >>> round(m, 2), round(lo, 2), round(hi, 2)
    (11.5, 9.45, 13.55)
    >>> confidence_interval([7.0])
    Interval(mean=7.0, low=nan, high=nan)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    x = _sample(values)
    if len(x) == 0:
        return Interval(math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, math.nan, math.nan)
    from scipy import stats  # imported here: scipy is slow to load and rarely needed

    t = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1))
    half = t * float(x.std(ddof=1)) / math.sqrt(len(x))
    return Interval(mean, mean - half, mean + half)


def paired_difference(
    values: Iterable[float], baseline: Iterable[float], confidence: float = 0.95
) -> Interval:
    """Mean and confidence interval of ``values - baseline``, taken pair by pair.

    Use it to compare two strategies run over common random numbers: pair ``i`` is the same
    replication under both, so the shared luck cancels and the interval is much narrower than
    the two strategies' own intervals suggest.

    Parameters
    ----------
    values, baseline : one figure per replication. Two pandas Series are paired by their
        index (e.g. the replication number), so their order does not matter and unmatched
        replications are left out; anything else is paired by position and must be as long.
        A pair with a NaN on either side is left out.
    confidence : the interval's level, between 0 and 1.

    >>> import pandas as pd
    >>> new = pd.Series([5.0, 7.0, 6.0], index=[2, 0, 1])  # replications out of order
    >>> old = pd.Series([4.0, 5.0, 6.0], index=[0, 1, 2])
    >>> paired_difference(new, old).mean  # (7 - 4) + (6 - 5) + (5 - 6), over 3
    1.0
    """
    if isinstance(values, pd.Series) and isinstance(baseline, pd.Series):
        gaps = values.sub(baseline).dropna()
    else:
        a, b = np.asarray(list(values), dtype=float), np.asarray(list(baseline), dtype=float)
        if a.shape != b.shape:
            raise ValueError(
                f"paired values need one baseline value each: got {len(a)} and {len(b)}"
            )
        gaps = a - b
    return confidence_interval(gaps, confidence)


class RatioInterval(NamedTuple):
    """A ratio of two means with the bounds of its confidence interval, and why there is no
    ratio when there is none.

    ``ratio`` is ``mean(numerators) / mean(denominators)``; ``low`` and ``high`` its
    Fieller interval. When the denominator's mean is not clearly above 0 all three are NaN
    and ``reason`` says why (it is empty otherwise).
    """

    ratio: float
    low: float
    high: float
    n: int
    reason: str


def ratio_interval(
    numerators: Iterable[float], denominators: Iterable[float], level: float = 0.95
) -> RatioInterval:
    """The ratio of two paired means, ``mean(a) / mean(b)``, with Fieller's interval.

    Pair ``i`` is one replication's numerator ``a[i]`` and denominator ``b[i]`` (say, a
    strategy's extra gross profit and extra cost against a baseline in replication ``i``).
    Fieller's theorem finds every ratio ``theta`` for which ``mean(a) - theta * mean(b)``
    is within its Student-t bounds, using the paired (co)variances: the roots of

    .. math:: (\\bar b^2 - t^2 s_{bb})\\,\\theta^2 - 2 (\\bar a \\bar b - t^2 s_{ab})\\,\\theta
              + (\\bar a^2 - t^2 s_{aa}) = 0

    where ``s_aa``, ``s_bb``, ``s_ab`` are the sample (co)variances divided by ``n`` and
    ``t`` is the Student-t quantile with ``n - 1`` degrees of freedom. The interval is
    finite only when the denominator's mean is clearly away from 0
    (``mean(b)**2 > t**2 s_bb``, i.e. the denominator's own interval excludes 0); otherwise
    the ratio can be arbitrarily large and nothing is returned but the reason.

    Parameters
    ----------
    numerators, denominators : one value per replication; two pandas Series are paired by
        their index, anything else by position. Pairs with a NaN are left out.
    level : the interval's level, between 0 and 1.

    Returns
    -------
    RatioInterval
        ``(ratio, low, high, n, reason)``. NaN ratio and bounds, with a reason, when there
        are fewer than two pairs or the denominator is not clearly above 0.

    >>> ratio_interval([4.0, 4.0], [2.0, 2.0])  # no spread: the interval is the ratio
    RatioInterval(ratio=2.0, low=2.0, high=2.0, n=2, reason='')
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if isinstance(numerators, pd.Series) and isinstance(denominators, pd.Series):
        pairs = pd.concat([numerators, denominators], axis=1, join="inner").dropna()
        a, b = pairs.iloc[:, 0].to_numpy(float), pairs.iloc[:, 1].to_numpy(float)
    else:
        a = np.asarray(list(numerators), dtype=float)
        b = np.asarray(list(denominators), dtype=float)
        if a.shape != b.shape:
            raise ValueError(
                f"each numerator needs one denominator: got {len(a)} and {len(b)} values"
            )
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
    n = len(a)
    nan = math.nan
    if n < 2:
        return RatioInterval(nan, nan, nan, n, "fewer than two replications: no interval")
    from scipy import stats  # imported here: scipy is slow to load and rarely needed

    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    ma, mb = float(a.mean()), float(b.mean())
    cov = np.cov(a, b, ddof=1) / n
    saa, sbb, sab = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    quad = mb * mb - t2 * sbb
    if quad <= 0:  # the denominator's interval includes 0: the ratio is unbounded
        reason = (
            f"the denominator is not clearly above 0 (its {100 * level:g} % interval includes 0)"
        )
        return RatioInterval(nan, nan, nan, n, reason)
    if mb < 0:
        return RatioInterval(nan, nan, nan, n, "the denominator is clearly below 0")
    half = ma * mb - t2 * sab
    disc = max(half * half - quad * (ma * ma - t2 * saa), 0.0)
    low, high = (half - math.sqrt(disc)) / quad, (half + math.sqrt(disc)) / quad
    return RatioInterval(ma / mb, low, high, n, "")
