"""Closed-form retention models: what a portfolio *should* do if nothing else is going on.

The simulator is only trustworthy if, with every strategy effect switched off, it reproduces
the textbook results below. This module holds those results as small functions.

Conventions used everywhere
---------------------------
Time ``t`` counts contract periods (months, years ...). Every account in a cohort pays for
period ``t = 0``; at the end of each period it renews or churns. ``S(t)`` is the share of the
cohort still paying in period ``t``, so ``S(0) = 1``. ``T`` is the number of the renewal an
account fails, so ``P(T = t) = S(t - 1) - S(t)`` for ``t >= 1``.

Three models
------------
1. **Constant retention** ``r``: every account renews with the same probability, so
   ``S(t) = r**t``, accounts pay on average ``1 / (1 - r)`` periods, and with margin ``m``
   collected at the end of each period survived an account is worth ``m * r / (1 + i - r)``
   (Gupta & Lehmann's *margin multiple*).
2. **Heterogeneous retention** -- the shifted-beta-geometric (sBG) model of Fader & Hardie
   (2007). Each account has its own fixed churn probability ``p``; across accounts ``p`` follows
   a Beta(alpha, beta) distribution. The flighty accounts leave first, so the cohort's
   retention rate *rises with tenure* even though no individual account changes. Ignore this
   and you underestimate long-run value. :func:`fit_sbg` estimates alpha and beta from a
   cohort table.
3. **Stages as a Markov chain** (Pfeifer & Carraway 2000): an account moves between stages
   (prospect, customer, loyal, former) with fixed probabilities per period; the expected
   discounted value from each stage has a closed form, :func:`markov_clv`.
   :func:`transition_matrix_from_events` estimates the matrix from a simulation's event log.

References: Fader & Hardie (2007) "How to project customer retention", J. Interactive
Marketing 21(1); Fader & Hardie (2010) "Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity", Marketing Science 29(1); Gupta & Lehmann (2003) "Customers
as assets", J. Interactive Marketing 17(1); Pfeifer & Carraway (2000) "Modeling customer
relationships as Markov chains", J. Interactive Marketing 14(2).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1, polygamma

__all__ = [
    "RetentionUplift",
    "SBGFit",
    "expected_lifetime",
    "fit_sbg",
    "geometric_survival",
    "margin_multiple",
    "markov_clv",
    "retention_uplift_value",
    "sbg_churn_pmf",
    "sbg_derl",
    "sbg_expected_residual_lifetime",
    "sbg_log_likelihood",
    "sbg_retention",
    "sbg_survival",
    "transition_matrix_from_events",
]

DEFAULT_STAGES = ("prospect", "customer", "loyal", "former")


# --------------------------------------------------------------------------- validation
def _check_rate(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value < 1.0:  # also rejects nan
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not (value > 0.0 and np.isfinite(value)):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _check_discount(value: float, *, strictly_positive: bool = False) -> float:
    value = float(value)
    if strictly_positive and not value > 0.0:
        raise ValueError(f"discount_rate must be > 0 for an infinite horizon, got {value!r}")
    if not (value >= 0.0 and np.isfinite(value)):
        raise ValueError(f"discount_rate must be >= 0, got {value!r}")
    return value


def _check_periods(t: ArrayLike, minimum: int) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if arr.size and not (np.all(np.isfinite(arr)) and arr.min() >= minimum):
        bad = float(arr[~(np.isfinite(arr) & (arr >= minimum))].flat[0])
        raise ValueError(f"t must be >= {minimum}, got {bad!r}")
    return arr


def _check_tenure(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return int(n)


def _out(values: np.ndarray, t: ArrayLike) -> float | np.ndarray:
    """Plain float for scalar input, ndarray for array input."""
    return float(values) if np.ndim(t) == 0 else np.asarray(values, dtype=float)


# ------------------------------------------------------------------ constant retention r
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
    r = _check_rate("r", r)
    return _out(r ** _check_periods(t, 0), t)


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
    return 1.0 / (1.0 - _check_rate("r", r))


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
    r = _check_rate("r", r)
    i = _check_discount(discount_rate)
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
    r = _check_rate("r", r)
    after = float(r + uplift)
    if not 0.0 <= after < 1.0:
        raise ValueError(f"r + uplift must be in [0, 1), got {after!r}")
    before_value = margin_multiple(r, discount_rate)
    after_value = margin_multiple(after, discount_rate)
    pct = 100.0 * (after_value / before_value - 1.0) if before_value > 0 else float("inf")
    return RetentionUplift(before_value, after_value, pct)


# --------------------------------------------------- heterogeneous retention: the sBG model
def sbg_survival(alpha: float, beta: float, t: ArrayLike) -> float | np.ndarray:
    """sBG survival: share of a cohort still paying in period ``t``.

    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, ``S(0) = 1``. Churn probabilities are
    Beta(alpha, beta) across accounts; the mean churn probability is alpha / (alpha + beta).

    For an account manager: the curve flattens with time because the accounts that were
    going to leave have mostly left; the survivors are the loyal core.

    Parameters
    ----------
    alpha, beta : float
        Beta-distribution parameters, > 0.
    t : int or array of int
        Period number(s), >= 0.

    Examples
    --------
    >>> round(sbg_survival(0.704, 1.182, 1), 4)
    0.6267
    >>> sbg_survival(1.0, 1.0, [0, 1, 3]).round(4)
    array([1.  , 0.5 , 0.25])
    """
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    tt = _check_periods(t, 0)
    return _out(np.exp(betaln(a, b + tt) - betaln(a, b)), t)


def sbg_retention(alpha: float, beta: float, t: ArrayLike) -> float | np.ndarray:
    """sBG retention rate: share of accounts paying in period t-1 that renew for period t.

    ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` for ``t >= 1``;
    it rises towards 1 with tenure.

    For an account manager: a falling churn rate in older cohorts is not proof that your
    programme works -- heterogeneity alone produces it.

    Parameters
    ----------
    alpha, beta : float
        Beta-distribution parameters, > 0.
    t : int or array of int
        Renewal number(s), >= 1.

    Examples
    --------
    >>> sbg_retention(1.0, 1.0, [1, 2, 3]).round(4)
    array([0.5   , 0.6667, 0.75  ])
    """
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    tt = _check_periods(t, 1)
    return _out((b + tt - 1.0) / (a + b + tt - 1.0), t)


def sbg_churn_pmf(alpha: float, beta: float, t: ArrayLike) -> float | np.ndarray:
    """sBG churn distribution: probability that an account fails its t-th renewal.

    ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) = S(t - 1) - S(t)`` for ``t >= 1``.

    For an account manager: this is the share of a new cohort you should expect to lose
    at each renewal date -- useful for staffing renewal conversations.

    Parameters
    ----------
    alpha, beta : float
        Beta-distribution parameters, > 0.
    t : int or array of int
        Renewal number(s), >= 1.

    Examples
    --------
    >>> sbg_churn_pmf(1.0, 1.0, [1, 2, 3]).round(4)
    array([0.5   , 0.1667, 0.0833])
    """
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    tt = _check_periods(t, 1)
    return _out(np.exp(betaln(a + 1.0, b + tt - 1.0) - betaln(a, b)), t)


def sbg_derl(alpha: float, beta: float, discount_rate: float, n: int = 1) -> float:
    """Discounted expected residual lifetime (DERL) of an account at tenure ``n``.

    Fader & Hardie (2010): an account that has paid for ``n`` periods (made ``n - 1``
    renewals) and is about to decide on its n-th renewal is expected to make

    ``DERL = sum_{t>=n} S(t)/S(n-1) / (1+d)**(t-n)
           = B(alpha, beta+n)/B(alpha, beta+n-1) * 2F1(1, beta+n; alpha+beta+n; 1/(1+d))``

    further payments; the first (at the upcoming renewal) is not discounted. Multiply by the
    margin per period to get residual value.

    ``scipy.special.hyp2f1`` is unreliable near ``z = 1/(1+d) -> 1`` for some parameters
    (it returns nan for alpha, beta in the hundreds and even negative values for integer
    alpha at d = 0.001), so for ``d >= 1e-4`` the series is summed directly (at most a few
    hundred thousand terms, exact to ~1e-12); below that the hyp2f1 closed form is used.

    For an account manager: an account that has already renewed many times is worth more
    than a new one, because it has shown it belongs to the loyal core.

    Parameters
    ----------
    alpha, beta : float
        sBG parameters, > 0.
    discount_rate : float
        Discount rate ``d`` per period, >= 0. With ``d = 0`` this is
        :func:`sbg_expected_residual_lifetime` (infinite when alpha <= 1).
    n : int
        Tenure (periods paid so far), >= 1.

    Examples
    --------
    >>> round(sbg_derl(0.668, 3.806, 0.10, n=1), 3)
    5.415
    >>> round(sbg_derl(0.668, 3.806, 0.10, n=5), 3)
    6.897
    """
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    d = _check_discount(discount_rate)
    n = _check_tenure(n)
    if d == 0.0:
        return sbg_expected_residual_lifetime(a, b, n)
    if d >= _SERIES_MIN_DISCOUNT:
        return _derl_series(a, b, d, n)
    value = _derl_hyp2f1(a, b, d, n)
    return value if np.isfinite(value) and value > 0 else _derl_series(a, b, d, n)


_SERIES_MIN_DISCOUNT = 1e-4


def _derl_hyp2f1(a: float, b: float, d: float, n: int) -> float:
    """F&H (2010) closed form of DERL with the Gauss hypergeometric function."""
    ratio = np.exp(betaln(a, b + n) - betaln(a, b + n - 1))
    return float(ratio * hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d)))


def _derl_series(a: float, b: float, d: float, n: int) -> float:
    """DERL by summing its series ``sum_k prod_{j=0..k} r(n + j) / (1 + d)**k``.

    Each term is at most ``1 / (1 + d)`` times the one before, so what is left after a
    term is at most that term / d; stop when that is below 1e-15 of the total.
    """
    total, log_term, start, chunk = 0.0, np.log1p(d), 0, 4096
    while start < 1 << 25:
        t = n + start + np.arange(chunk)
        logs = log_term + np.cumsum(np.log((b + t - 1) / (a + b + t - 1)) - np.log1p(d))
        total += float(np.exp(logs).sum())
        if np.exp(logs[-1]) / d < 1e-15 * total:
            return total
        log_term, start, chunk = logs[-1], start + chunk, min(chunk * 2, 1 << 20)
    raise ValueError(f"discount_rate {d!r} is too small to sum DERL for alpha={a!r}, beta={b!r}")


def sbg_expected_residual_lifetime(alpha: float, beta: float, n: int = 1) -> float:
    """Undiscounted expected number of further payments from an account at tenure ``n``.

    ``ERL = sum_{t>=n} S(t) / S(n - 1) = (beta + n - 1) / (alpha - 1)`` for alpha > 1, and
    infinite for alpha <= 1 (the loyal tail is so loyal that the mean never settles).
    A new account's expected total lifetime is ``1 + ERL(n=1) = (alpha+beta-1)/(alpha-1)``.

    For an account manager: expected remaining tenure grows with tenure already served;
    always discount (:func:`sbg_derl`) before turning this into money.

    Parameters
    ----------
    alpha, beta : float
        sBG parameters, > 0.
    n : int
        Tenure (periods paid so far), >= 1.

    Examples
    --------
    >>> sbg_expected_residual_lifetime(3.0, 4.0, n=1)
    2.0
    >>> sbg_expected_residual_lifetime(0.7, 1.2)
    inf
    """
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    n = _check_tenure(n)
    return (b + n - 1.0) / (a - 1.0) if a > 1.0 else float("inf")


# ----------------------------------------------------------------------- fitting the sBG
def _cohort_counts(survival: ArrayLike, n_start: float | None) -> tuple[np.ndarray, float | None]:
    """Validate a cohort table and return (counts, cohort size or None)."""
    s = np.asarray(survival.to_numpy() if isinstance(survival, pd.Series) else survival, float)
    if s.ndim != 1 or s.size < 3:
        raise ValueError(
            "survival must be 1-D with at least 3 values (cohort size, then 2+ periods), "
            f"got shape {s.shape}"
        )
    if not np.all(np.isfinite(s)) or s.min() < 0:
        raise ValueError("survival must contain finite numbers >= 0")
    if s[0] <= 0:
        raise ValueError(f"survival[0] (cohort size) must be > 0, got {float(s[0])!r}")
    if np.any(np.diff(s) > 0):
        k = int(np.argmax(np.diff(s) > 0)) + 1
        raise ValueError(f"survival must not rise: survival[{k}] > survival[{k - 1}]")
    if s[-1] == s[0]:
        raise ValueError("survival shows no churn at all; alpha and beta cannot be estimated")
    if s[1] == 0:
        raise ValueError("survival drops to 0 after one period; alpha and beta cannot be estimated")
    shares = s[0] in (1.0, 100.0)
    if n_start is not None:
        n_start = _check_positive("n_start", n_start)
        if not shares and n_start != s[0]:
            raise ValueError(
                f"n_start must match survival[0] for counts, got {n_start!r} vs {float(s[0])!r}"
            )
    elif not shares:
        n_start = float(s[0])
    return s / s[0] * (n_start or 1.0), n_start


def _loglik_parts(counts: np.ndarray, a: float, b: float, order: int) -> float | np.ndarray:
    """Log-likelihood (order 0), its gradient (1) or Hessian (2) in (alpha, beta)."""
    t = np.arange(1, counts.size)
    lost, last, n = counts[:-1] - counts[1:], counts[-1], counts[0]
    big_t = counts.size - 1
    if order == 0:
        return float(
            lost @ betaln(a + 1, b + t - 1) + last * betaln(a, b + big_t) - n * betaln(a, b)
        )
    f = digamma if order == 1 else (lambda x: polygamma(1, x))
    ab_t, ab_big = f(a + b + t), f(a + b + big_t)
    da = lost @ (f(a + 1) - ab_t) + last * (f(a) - ab_big) - n * (f(a) - f(a + b))
    db = lost @ (f(b + t - 1) - ab_t) + last * (f(b + big_t) - ab_big) - n * (f(b) - f(a + b))
    if order == 1:
        return np.array([da, db])
    dab = -lost @ ab_t - last * ab_big + n * f(a + b)
    return np.array([[da, dab], [dab, db]])


def sbg_log_likelihood(
    alpha: float, beta: float, survival: ArrayLike, *, n_start: float | None = None
) -> float:
    """Log-likelihood of a cohort table under the sBG model.

    ``LL = sum_{t=1}^{T} n_t * ln P(T = t) + N_T * ln S(T)``: the ``n_t`` accounts lost at
    renewal t each contribute ``P(T = t)``; the ``N_T`` still active after the last observed
    period contribute ``S(T)`` (they are right-censored). ``survival`` is read as in
    :func:`fit_sbg`; for shares without ``n_start`` the value is per account.

    For an account manager: a higher (less negative) number means the parameters explain
    your cohort better; it is what :func:`fit_sbg` maximises.

    Examples
    --------
    >>> high_end = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> round(sbg_log_likelihood(1.0, 1.0, high_end), 1)
    -2115.5
    """
    counts, _ = _cohort_counts(survival, n_start)
    a, b = _check_positive("alpha", alpha), _check_positive("beta", beta)
    return _loglik_parts(counts, a, b, 0)


@dataclass(frozen=True)
class SBGFit:
    """Maximum-likelihood sBG fit returned by :func:`fit_sbg`.

    ``survival`` is the fitted curve for periods 0..n_periods (same length as the input).
    Standard errors are nan when the cohort size is unknown (shares without ``n_start``).
    """

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    log_likelihood: float
    n_periods: int
    n_start: float | None
    survival: np.ndarray = field(compare=False, repr=False)

    def project(self, t: ArrayLike) -> float | np.ndarray:
        """Fitted survival S(t) for any period(s), including future ones."""
        return sbg_survival(self.alpha, self.beta, t)

    def retention(self, t: ArrayLike) -> float | np.ndarray:
        """Fitted retention rate r(t) for renewal number(s) t >= 1."""
        return sbg_retention(self.alpha, self.beta, t)

    def __repr__(self) -> str:
        size = "unknown" if self.n_start is None else f"{self.n_start:g}"
        return (
            f"SBGFit(alpha={self.alpha:.4g} ± {self.alpha_se:.2g}, "
            f"beta={self.beta:.4g} ± {self.beta_se:.2g}, n_periods={self.n_periods}, "
            f"n_start={size}, log_likelihood={self.log_likelihood:.2f})"
        )


_LOG_BOUND = 13.8  # |log alpha|, |log beta| <= 13.8, i.e. alpha, beta in [1e-6, 1e6]


def fit_sbg(survival: ArrayLike, *, n_start: float | None = None) -> SBGFit:
    """Fit the sBG model to a cohort table by maximum likelihood.

    ``survival`` lists how many of a cohort are still active at t = 0, 1, ..., T, starting
    with the cohort size, e.g. ``[1000, 869, 743, 653]``. If the first value is exactly 1.0
    or 100 the table is read as shares (fractions or percent) and ``n_start`` gives the
    cohort size; without it the estimates are the same but standard errors are nan (they
    shrink with the number of accounts). ``n_start`` must equal ``survival[0]`` for counts.

    The log-likelihood (:func:`sbg_log_likelihood`) is maximised over (ln alpha, ln beta) with
    analytic gradients; standard errors come from the inverse of the analytic observed
    information matrix in (alpha, beta). At least two periods are needed: one period only
    pins down the mean churn alpha / (alpha + beta).

    For an account manager: fit this to your renewal history to project how many of
    today's new accounts will still be with you in five years -- far better than drawing a
    straight or exponential line through the points.

    Examples
    --------
    >>> fit = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.668, 3.806)
    >>> round(fit.project(12), 3)        # observed in year 12: 0.394
    0.378
    """
    counts, n_start = _cohort_counts(survival, n_start)
    scale = counts[0]
    unit = counts / scale  # optimise the per-account likelihood: same tolerances at any size

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = np.exp(theta)
        grad = _loglik_parts(unit, a, b, 1) * np.array([a, b])
        return -_loglik_parts(unit, a, b, 0), -grad

    # start at alpha = 1 with the observed first-period churn p1 = alpha / (alpha + beta)
    p1 = float(np.clip(1.0 - unit[1], 1e-6, 1.0 - 1e-6))
    start = np.log([1.0, (1.0 - p1) / p1])
    res = minimize(
        objective,
        np.clip(start, -_LOG_BOUND, _LOG_BOUND),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500},
    )
    a, b = (float(v) for v in np.exp(res.x))
    if np.any(np.abs(res.x) > _LOG_BOUND - 1e-6) or a + b > 1e4:
        warnings.warn(
            f"fit_sbg: alpha={a:.3g}, beta={b:.3g} are at the constant-retention limit; this "
            "cohort's retention does not rise with tenure, so alpha and beta are not "
            "identified (the fitted curve is still usable)",
            RuntimeWarning,
            stacklevel=2,
        )
    a_se = b_se = float("nan")
    if n_start is not None:
        info = -_loglik_parts(counts, a, b, 2)
        if np.all(np.linalg.eigvalsh(info) > 0):
            a_se, b_se = (float(v) for v in np.sqrt(np.diag(np.linalg.inv(info))))
    curve = sbg_survival(a, b, np.arange(counts.size))
    curve.setflags(write=False)
    return SBGFit(
        alpha=a,
        beta=b,
        alpha_se=a_se,
        beta_se=b_se,
        log_likelihood=_loglik_parts(counts, a, b, 0),
        n_periods=counts.size - 1,
        n_start=n_start,
        survival=curve,
    )


# -------------------------------------------------------------- stages as a Markov chain
def _check_stochastic(matrix: np.ndarray, labels: Sequence) -> None:
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"transition_matrix must be square, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or matrix.min() < 0 or matrix.max() > 1:
        raise ValueError("transition_matrix entries must be in [0, 1]")
    sums = matrix.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        k = bad[0]
        raise ValueError(
            f"transition_matrix rows must sum to 1 (within 1e-9); row {labels[k]!r} "
            f"sums to {float(sums[k])!r}"
        )


def markov_clv(
    transition_matrix: ArrayLike | pd.DataFrame,
    rewards: ArrayLike | pd.Series | Mapping,
    discount_rate: float,
    horizon: int | None = None,
) -> np.ndarray | pd.Series:
    """Expected discounted value of an account from each starting stage (Pfeifer & Carraway).

    With ``M = P / (1 + d)`` and reward ``R[s]`` received at the *start* of every period the
    account spends in stage ``s`` (the current period included, undiscounted):

    - finite horizon ``T``: ``V = sum_{t=0}^{T} M**t R`` (periods 0..T, i.e. T + 1 rewards);
    - ``horizon=None``: ``V = (I - M)^{-1} R``, the limit of the finite sum (needs d > 0).

    For an account manager: this puts a money value on moving an account from "customer"
    to "loyal" -- the difference between the two entries of V.

    Parameters
    ----------
    transition_matrix : (k, k) array or DataFrame
        ``P[i, j]`` = probability of moving from stage i to stage j in one period. Rows sum
        to 1 (within 1e-9), entries in [0, 1]. A DataFrame needs the same labels as index
        and columns.
    rewards : length-k array, Series or dict
        Margin per period in each stage (may be negative, e.g. a prospecting cost). A Series
        or dict is matched to a DataFrame's labels.
    discount_rate : float
        Per-period discount rate ``d``, >= 0 (> 0 when ``horizon`` is None).
    horizon : int or None
        Last period counted (>= 0), or None for an infinite horizon.

    Returns
    -------
    ndarray, or Series indexed by stage when the input was labelled.

    Examples
    --------
    >>> P = [[0.8, 0.2], [0.0, 1.0]]          # active -> churned, churned is absorbing
    >>> markov_clv(P, [100.0, 0.0], 0.10).round(2)
    array([366.67,   0.  ])
    >>> markov_clv(P, [100.0, 0.0], 0.10, horizon=1).round(2)
    array([172.73,   0.  ])
    """
    labels = None
    if isinstance(transition_matrix, pd.DataFrame):
        df = transition_matrix
        if len(df.index) != len(df.columns) or set(df.index) != set(df.columns):
            raise ValueError("transition_matrix index and columns must hold the same labels")
        labels = list(df.index)
        matrix = df.loc[labels, labels].to_numpy(dtype=float)
    else:
        matrix = np.asarray(transition_matrix, dtype=float)
    k = matrix.shape[0] if matrix.ndim >= 1 else 0
    _check_stochastic(matrix, labels or list(range(k)))

    if isinstance(rewards, Mapping | pd.Series) and labels is not None:
        given = pd.Series(rewards, dtype=float)
        if set(given.index) != set(labels) or len(given) != k:
            raise ValueError(
                f"rewards must have one entry per state {labels}, got {list(given.index)}"
            )
        reward_vec = given.loc[labels].to_numpy()
    elif isinstance(rewards, Mapping):
        raise ValueError("rewards given as a dict need a labelled DataFrame transition_matrix")
    else:
        if isinstance(rewards, pd.Series):
            labels = list(rewards.index)
        reward_vec = np.asarray(rewards, dtype=float)
        if reward_vec.shape != (k,):
            raise ValueError(
                f"rewards must have {k} entries (one per state), got {reward_vec.size}"
            )
    if not np.all(np.isfinite(reward_vec)):
        raise ValueError("rewards must be finite numbers")

    d = _check_discount(discount_rate, strictly_positive=horizon is None)
    m = matrix / (1.0 + d)
    if horizon is None:
        value = np.linalg.solve(np.eye(k) - m, reward_vec)
    else:
        if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 0:
            raise ValueError(f"horizon must be an integer >= 0 or None, got {horizon!r}")
        term, value = reward_vec.copy(), reward_vec.copy()
        for _ in range(int(horizon)):
            term = m @ term
            value += term
    return value if labels is None else pd.Series(value, index=labels, name="clv")


def transition_matrix_from_events(
    events: pd.DataFrame,
    *,
    period_days: float = 365.0,
    states: Sequence[str] = DEFAULT_STAGES,
    horizon: float | None = None,
) -> pd.DataFrame:
    """Estimate the per-period stage transition matrix from a simulation's event log.

    For each account and each whole period k, i.e. ``[k * period_days, (k+1) * period_days)``,
    read its stage at the period start and at the next period start (the last stage change
    at or before that instant) and count the pair. Rows are then normalised:
    ``P[i, j] = n_ij / sum_j n_ij``. Periods before an account's first row (it had not arrived
    yet) and periods ending after ``horizon`` are skipped. A stage with no observed periods
    gets 1 on the diagonal (stays put) and a ``RuntimeWarning``, so the result is always a
    valid input for :func:`markov_clv`.

    For an account manager: this turns a simulated (or real) history into "what share of
    loyal accounts are still loyal a year later", the numbers a Markov CLV needs.

    Parameters
    ----------
    events : DataFrame
        Columns ``time`` (days since start), ``account``, ``stage_before`` (NA on an
        account's first row) and ``stage_after``; other columns are ignored. A row changes
        the stage when ``stage_after`` differs from ``stage_before``.
    period_days : float
        Period length in days, > 0.
    states : sequence of str
        Stage names, in the order of the result's rows and columns.
    horizon : float or None
        End of observation in days; default the latest event time.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "time": [0.0, 200.0, 0.0, 0.0],
    ...     "account": [1, 1, 2, 3],
    ...     "stage_before": [None, "customer", None, None],
    ...     "stage_after": ["customer", "loyal", "customer", "loyal"],
    ... })
    >>> transition_matrix_from_events(log, period_days=365.0, horizon=365.0,
    ...                               states=("customer", "loyal"))
    to        customer  loyal
    from
    customer       0.5    0.5
    loyal          0.0    1.0
    """
    missing = [c for c in ("time", "account", "stage_before", "stage_after") if c not in events]
    if missing:
        raise ValueError(f"events is missing columns {missing}")
    period_days = _check_positive("period_days", period_days)
    states = list(states)
    if len(set(states)) != len(states) or not states:
        raise ValueError(f"states must be distinct names, got {states}")

    before, after = events["stage_before"], events["stage_after"]
    changes = events.loc[after.notna() & (before.isna() | (before != after))]
    changes = changes.assign(_order=np.arange(len(changes)), time=changes["time"].astype(float))
    unknown = sorted(set(changes["stage_after"]) - set(states))
    if unknown:
        raise ValueError(f"events has stages not in states: {unknown}")

    end = float(events["time"].max()) if horizon is None else float(horizon)
    if horizon is not None and not end >= 0:
        raise ValueError(f"horizon must be >= 0 days, got {end!r}")
    n_periods = int(np.floor(end / period_days + 1e-9)) if np.isfinite(end) else 0
    counts = np.zeros((len(states), len(states)))
    if n_periods > 0 and len(changes):
        accounts = changes["account"].unique()
        grid = pd.DataFrame(
            {
                "account": np.repeat(accounts, n_periods + 1),
                "k": np.tile(np.arange(n_periods + 1), len(accounts)),
            }
        )
        grid["time"] = grid["k"] * period_days
        right = changes.sort_values(["time", "_order"])[["time", "account", "stage_after"]]
        at = pd.merge_asof(grid.sort_values("time"), right, on="time", by="account")
        stage = at.pivot(index="account", columns="k", values="stage_after")
        code = {s: i for i, s in enumerate(states)}
        start = stage.iloc[:, :-1].to_numpy().ravel()
        stop = stage.iloc[:, 1:].to_numpy().ravel()
        seen = pd.notna(start)
        np.add.at(
            counts,
            ([code[s] for s in start[seen]], [code[s] for s in stop[seen]]),
            1.0,
        )
    totals = counts.sum(axis=1)
    empty = totals == 0
    if empty.any():
        unseen = [s for s, e in zip(states, empty, strict=True) if e]
        warnings.warn(
            f"no periods observed starting in {unseen}; putting 1 on the diagonal for them",
            RuntimeWarning,
            stacklevel=2,
        )
        counts[empty, empty] = 1.0
        totals[empty] = 1.0
    return pd.DataFrame(
        counts / totals[:, None],
        index=pd.Index(states, name="from"),
        columns=pd.Index(states, name="to"),
    )
