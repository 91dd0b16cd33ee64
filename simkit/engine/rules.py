"""Behaviour rules: how an account responds to time, contact, problems, offers and rivals.

Every rule of the model is one small pure function here: numbers in, a number out, no
state, no randomness (the caller draws the uniform number and compares it with the
probability a rule returns). The SimPy model (:mod:`simkit.engine.model`), calibration
(:mod:`simkit.analysis.calibration`) and the daily-tick benchmark baseline all call these
functions, so a rule changed here changes everywhere at once, and tests can check a rule
on its own.

The parameters come from :class:`simkit.engine.scenario.Behaviour` (``b`` below); see
``docs/model.md`` for where each value comes from.

Health
------
Health (0-100) is the relationship state a customer-success team tracks. Without contact it
drifts exponentially towards a resting level (``b.health_floor``):

>>> from math import log
>>> drifted_health(80.0, elapsed=180.0, rest=35.0, rate=log(2) / 180)   # one half-life
57.5

A touch adds health with diminishing returns in its length and in the health already there:

>>> touch_gain(50.0, hours=4.0, gain=6.0)     # 6 * sqrt(4) * (1 - 50/100)
6.0

Contracts
---------
The chance to renew is logistic in health; loyalty and a first term change the odds of
churning:

>>> round(renewal_probability(50.0, at_50=0.8, slope=0.5), 3)
0.8
>>> round(renewal_probability(50.0, at_50=0.8, slope=0.5, loyal_factor=0.5), 3)
0.889
"""

from __future__ import annotations

import math

import numpy as np

HEALTH_MIN, HEALTH_MAX = 0.0, 100.0
"""Health always stays inside this range."""

UPSELL_SUCCESS_CAP = 0.99
"""No pitch is ever certain to succeed."""

UPSELL_HEALTH_GAIN = 2.0
"""Health an account gains when it accepts an upsell (it bought more: it is engaged)."""


def clip_health(health: float) -> float:
    """Keep health inside [0, 100].

    >>> clip_health(104.2), clip_health(-3.0), clip_health(42.0)
    (100.0, 0.0, 42.0)
    """
    return HEALTH_MIN if health < HEALTH_MIN else HEALTH_MAX if health > HEALTH_MAX else health


def drifted_health(health, elapsed, rest: float, rate: float):
    """Health after ``elapsed`` days without contact: exponential drift towards ``rest``.

    ``rate`` is ln 2 divided by the half-life in days. Health above ``rest`` falls towards it,
    health below it recovers towards it (an unhappy account's anger fades too).

    >>> drifted_health(50.0, 0.0, rest=35.0, rate=0.01)
    50.0
    >>> drifted_health(20.0, 1e9, rest=35.0, rate=0.01)
    35.0

    ``health`` and ``elapsed`` may also be numpy arrays (one entry per account).
    """
    if isinstance(elapsed, np.ndarray):  # a whole book at once (month-end snapshots)
        return rest + (health - rest) * np.exp(-rate * elapsed)
    return rest + (health - rest) * math.exp(-rate * elapsed)


def days_until_health(health: float, threshold: float, rest: float, rate: float) -> float:
    """Days of drift until health falls to ``threshold`` (0 if already there, ``inf`` if
    drift alone never gets there because the resting level is above the threshold).

    >>> from math import log
    >>> round(days_until_health(80.0, 57.5, rest=35.0, rate=log(2) / 180), 6)
    180.0
    >>> days_until_health(50.0, 30.0, rest=35.0, rate=0.01)
    inf
    """
    if health <= threshold:
        return 0.0
    if rest >= threshold:
        return math.inf
    return math.log((health - rest) / (threshold - rest)) / rate


def touch_gain(health: float, hours: float, gain: float) -> float:
    """Health a touch of ``hours`` adds: ``gain * sqrt(hours) * (1 - health/100)``.

    Longer touches help, with diminishing returns; a delighted account has less room to
    improve than an unhappy one.

    >>> touch_gain(0.0, 1.0, 6.0), touch_gain(100.0, 9.0, 6.0)
    (6.0, 0.0)
    """
    return gain * math.sqrt(max(hours, 0.0)) * (1.0 - health / 100.0)


def work_quality(load: float, sustainable: float, at_full: float) -> float:
    """How good the team's work is at a recent ``load`` (share of managers busy, 0-1).

    Up to the ``sustainable`` load work is as good as ever (1.0); above it quality falls
    linearly to ``at_full`` at 100 % load: rushed reviews and hurried fixes help less.

    >>> work_quality(0.6, 0.85, 0.5), work_quality(1.0, 0.85, 0.5)
    (1.0, 0.5)
    >>> round(work_quality(0.925, 0.85, 0.5), 6)   # half-way into the overload
    0.75
    """
    if load <= sustainable or sustainable >= 1.0:
        return 1.0
    return 1.0 - (1.0 - at_full) * (min(load, 1.0) - sustainable) / (1.0 - sustainable)


def resolution_gain(wait_days: float, gain: float, penalty_per_day: float) -> float:
    """Health change when an issue is resolved after the customer waited ``wait_days`` for an
    account manager: a quick fix builds trust, a long wait costs more than the fix gives.

    >>> resolution_gain(0.0, gain=5.0, penalty_per_day=0.5)
    5.0
    >>> resolution_gain(20.0, gain=5.0, penalty_per_day=0.5)
    -5.0
    """
    return gain - penalty_per_day * wait_days


def renewal_log_odds(health, at_50: float, slope: float):
    """Log-odds of renewing at ``health`` before loyalty and first-term effects:
    ``logit(at_50) + slope * (health - 50) / 10``. Pure arithmetic in ``health``, so it also
    works on a numpy array of healths (calibration uses it that way).

    >>> renewal_log_odds(50.0, at_50=0.5, slope=0.5), renewal_log_odds(70.0, 0.5, 0.5)
    (0.0, 1.0)
    """
    return math.log(at_50 / (1.0 - at_50)) + slope * (health - 50.0) / 10.0


def renewal_probability(
    health: float,
    at_50: float,
    slope: float,
    *,
    loyal_factor: float = 1.0,
    first_term_factor: float = 1.0,
) -> float:
    """Probability that a contract is renewed at its end.

    Logistic in health: ``at_50`` at health 50, ``slope`` added to the log-odds per 10 points
    of health above 50. The odds of *churning* are multiplied by ``loyal_factor`` for a loyal
    account (below 1: loyalty protects) and by ``first_term_factor`` at the first renewal
    (above 1: the first term is the riskiest).

    >>> round(renewal_probability(70.0, at_50=0.8, slope=0.5), 4)   # log-odds + 1
    0.9158
    >>> round(renewal_probability(50.0, 0.8, 0.5, first_term_factor=4.0), 12)  # odds 0.25 -> 1
    0.5
    """
    odds_churn = (
        math.exp(-renewal_log_odds(health, at_50, slope)) * loyal_factor * first_term_factor
    )
    return 1.0 / (1.0 + odds_churn)


def defection_probability(health: float, at_0: float, *, loyal_factor: float = 1.0) -> float:
    """Probability that a competitor's approach ("wolves at the door") wins the account.

    Quadratic in unhappiness: ``at_0`` for an account at health 0, nothing at health 100;
    loyal accounts resist better (``loyal_factor`` below 1). Pure arithmetic in ``health``
    (works on numpy arrays too).

    >>> defection_probability(50.0, at_0=0.4)
    0.1
    >>> defection_probability(100.0, at_0=0.4)
    0.0
    """
    return at_0 * (1.0 - health / 100.0) ** 2 * loyal_factor


def upsell_probability(health: float, at_100: float, *, loyal_boost: float = 1.0) -> float:
    """Probability that an upsell or cross-sell pitch succeeds: proportional to health
    (``at_100`` for a delighted account), raised by ``loyal_boost`` for loyal accounts, and
    never above :data:`UPSELL_SUCCESS_CAP`.

    >>> upsell_probability(50.0, at_100=0.6)
    0.3
    >>> upsell_probability(100.0, at_100=0.8, loyal_boost=2.0)
    0.99
    """
    return min(at_100 * health / 100.0 * loyal_boost, UPSELL_SUCCESS_CAP)


def upsell_gain(arr: float, uplift: float, cap: float) -> float:
    """ARR an accepted upsell adds: ``uplift`` times the account's ARR, but never past
    ``cap`` (the largest ARR one account may hold), so compounding upsells cannot run away.

    >>> upsell_gain(10_000.0, 0.2, 1e11), upsell_gain(9e10, 0.5, 1e11)
    (2000.0, 10000000000.0)
    """
    return max(min(arr * uplift, cap - arr), 0.0)


def failed_pitch_hit(health: float, serve_before_sell_health: float, hit: float) -> float:
    """Health lost when a pitch fails: selling to an account that is not served well (health
    below ``serve_before_sell_health``) annoys it; a healthy account shrugs a "no" off.

    >>> failed_pitch_hit(30.0, 40.0, 5.0), failed_pitch_hit(60.0, 40.0, 5.0)
    (5.0, 0.0)
    """
    return hit if health < serve_before_sell_health else 0.0


def contraction(arr: float, health: float, contraction_health: float, share: float) -> float:
    """ARR cut at a renewal: an account renewing while unhappy (health below
    ``contraction_health``) renews smaller, by ``share`` of its ARR.

    >>> contraction(1000.0, 30.0, 40.0, 0.2), contraction(1000.0, 60.0, 40.0, 0.2)
    (200.0, 0.0)
    """
    return arr * share if health < contraction_health else 0.0


def becomes_loyal(
    renewals: int, health: float, loyalty_renewals: int, loyalty_health: float
) -> bool:
    """Whether a customer's relationship has matured into loyalty: renewed at least
    ``loyalty_renewals`` times and healthy (at least ``loyalty_health``).

    >>> becomes_loyal(2, 75.0, 2, 70.0), becomes_loyal(1, 90.0, 2, 70.0)
    (True, False)
    """
    return renewals >= loyalty_renewals and health >= loyalty_health


def drops_loyalty(health: float, loyal_drop_health: float) -> bool:
    """Whether a loyal account falls back to customer at a renewal (health below the line).

    >>> drops_loyalty(40.0, 45.0), drops_loyalty(50.0, 45.0)
    (True, False)
    """
    return health < loyal_drop_health


def survey_mean(health: float, at_50: float, per_10_health: float) -> float:
    """Expected NPS answer (0-10 scale, before noise) of an account at ``health``.

    >>> survey_mean(70.0, at_50=7.0, per_10_health=0.8)
    8.6
    """
    return at_50 + per_10_health * (health - 50.0) / 10.0


def survey_score(mean: float, noise: float) -> int:
    """A survey answer: the mean plus noise, rounded and kept on the 0-10 scale.
    Promoters answer 9-10, passives 7-8, detractors 0-6.

    >>> survey_score(8.6, 0.7), survey_score(8.6, 3.0), survey_score(2.0, -4.0)
    (9, 10, 0)
    """
    return int(min(10, max(0, round(mean + noise))))


# -- relationships (opt-in: simkit.engine.scenario.Relationships) --------------------------
PROMOTER_SCORE = 9
"""The lowest survey answer (0-10) of a promoter: the clients who recommend you."""


def refers(score: int, u: float, rate: float) -> bool:
    """Whether a survey answer brings a referred prospect: only a promoter (9-10) refers, with
    probability ``rate`` (``u`` is the caller's uniform number).

    >>> refers(10, 0.2, 0.3), refers(10, 0.5, 0.3), refers(8, 0.0, 1.0)
    (True, False, False)
    """
    return score >= PROMOTER_SCORE and u < rate


def referred_conversion(conversion: float, boost: float) -> float:
    """The chance a referred prospect's deal is won: the usual chance times ``boost``, at
    most 1 (a warm introduction shortens the trust-building, it cannot make a sure thing surer).

    >>> referred_conversion(0.25, 1.5), referred_conversion(0.8, 2.0)
    (0.375, 1.0)
    """
    return min(1.0, conversion * boost)


def champion_loss(loss: float, contacts: int) -> float:
    """Health a key account loses when its champion leaves: the whole ``loss`` with one
    contact, shared out over several (each other contact still knows the account).

    >>> champion_loss(20.0, 1), champion_loss(20.0, 4)
    (20.0, 5.0)
    """
    return loss / max(1, contacts)


def project_continues(health: float, ongoing_health: float) -> bool:
    """Whether a one-off project becomes an ongoing account at the end of its term: only a
    client whose health reached ``ongoing_health`` wants more than the project.

    >>> project_continues(75.0, 70.0), project_continues(60.0, 70.0)
    (True, False)
    """
    return health >= ongoing_health
