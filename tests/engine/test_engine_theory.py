"""With strategy effects switched off, the simulator reduces to textbook retention theory.

Theory mode (``Scenario.theory``) gives every account a fixed renewal probability: a constant
``r``, or one minus a churn probability drawn from Beta(alpha, beta). A cohort of 10,000
new customers is simulated for eight yearly contract periods and compared with the closed
forms in :mod:`simkit.analysis.retention`.

Statistical checks and how often they fail by chance
----------------------------------------------------
- Survival bands: in both modes each account's survival to period t is an independent
  Bernoulli(S(t)), so the survivors at t are Binomial(N, S(t)). Each of the T = 8 periods
  is checked against the exact binomial interval of level 1 - 0.05 / T (Bonferroni), so
  the whole curve fails by chance at most 5 % of the time.
- Lifetimes: a chi-square goodness-of-fit test of the multinomial "left at renewal 1..T,
  still active after T" against the closed-form churn distribution, at the 1 % level.
- Parameter recovery: over 8 seeds, every estimate within 3.5 standard errors and the
  mean z-score within 3 standard errors of zero (about 0.7 % in all).
- Markov CLV: the mean discounted revenue of the cohort has a normal 95 % interval (5 %).
Seeds are fixed, so every run draws the same numbers: these tests are deterministic, and
the rates above say how unlucky a seed would have to be to make a correct engine fail.
Each check is also run against a slightly wrong curve, to show it has the power to fail.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simkit.analysis.retention import (
    fit_sbg,
    geometric_survival,
    margin_multiple,
    markov_clv,
    sbg_churn_pmf,
    sbg_survival,
    transition_matrix_from_events,
)
from simkit.engine.model import simulate
from simkit.engine.scenario import DAYS_PER_YEAR, SEGMENTS, Scenario, default_scenario

N = 10_000
PERIODS = 8  # yearly contracts over an 8-year horizon: renewals at days 365, ..., 2920
ARR = 6_000.0
SEED = 11
ALPHA, BETA = 0.8, 2.5
R = 0.8


def theory_cohort(theory: dict, **changes) -> Scenario:
    """N small accounts with equal ARR, all new customers at day 0, yearly contracts."""
    spec = {
        "theory": theory,
        "start": "cohort",
        "warmup_years": 0,
        "horizon_years": PERIODS,
        "seed": SEED,
        "portfolio.small.arr_median": ARR,
        "portfolio.small.arr_sigma": 0.0,
    }
    for seg in SEGMENTS:
        spec[f"portfolio.{seg}.count"] = N if seg == "small" else 0
        spec[f"portfolio.{seg}.term_months"] = 12
    spec.update(changes)
    return default_scenario().update(spec)


def survivors(res) -> np.ndarray:
    """Accounts still active at periods 0..PERIODS (theory mode has no win-back)."""
    renewals = res.accounts["renewals"].to_numpy()
    return np.array([(renewals >= t).sum() for t in range(PERIODS + 1)])


def outside_bands(counts: np.ndarray, curve: np.ndarray, level: float = 0.05) -> list[int]:
    """Periods whose survivor count lies outside the Bonferroni-adjusted binomial interval."""
    periods = len(curve) - 1
    lo, hi = stats.binom.interval(1 - level / periods, counts[0], curve[1:])
    return [t for t in range(1, periods + 1) if not lo[t - 1] <= counts[t] <= hi[t - 1]]


def lifetime_p_value(counts: np.ndarray, pmf: np.ndarray, tail: float) -> float:
    """Chi-square test: accounts lost at renewals 1..T and still active after T."""
    observed = np.append(counts[:-1] - counts[1:], counts[-1])
    expected = counts[0] * np.append(pmf, tail)
    return float(stats.chisquare(observed, expected).pvalue)


@pytest.fixture(scope="module")
def constant_run():
    return simulate(theory_cohort({"renewal": "constant", "r": R}))


@pytest.fixture(scope="module")
def beta_run():
    return simulate(theory_cohort({"renewal": "beta", "alpha": ALPHA, "beta": BETA}))


# ------------------------------------------------------------------ constant retention
def test_constant_cohort_follows_r_to_the_t(constant_run):
    counts = survivors(constant_run)
    t = np.arange(PERIODS + 1)
    assert counts[0] == N
    assert outside_bands(counts, geometric_survival(R, t)) == []
    pmf = geometric_survival(R, t[:-1]) * (1 - R)
    assert lifetime_p_value(counts, pmf, geometric_survival(R, PERIODS)) > 0.01


def test_constant_bands_reject_a_slightly_different_r(constant_run):
    counts = survivors(constant_run)
    t = np.arange(PERIODS + 1)
    assert outside_bands(counts, geometric_survival(R + 0.01, t)) != []
    pmf = geometric_survival(R + 0.01, t[:-1]) * (0.99 - R)
    assert lifetime_p_value(counts, pmf, geometric_survival(R + 0.01, PERIODS)) < 0.01


def test_every_renewal_decision_uses_r(constant_run):
    ev = constant_run.events
    decided = ev[ev["event"].isin(["renew", "churn"])]
    assert np.allclose(decided["value"], R)
    # no issues, surveys, touches, upsells, competitors, pipeline or win-back
    assert set(ev["event"].astype(str)) <= {"init", "renew", "churn", "promote"}


# ------------------------------------------------------------- heterogeneous retention
def test_beta_cohort_follows_the_sbg_survival_curve(beta_run):
    counts = survivors(beta_run)
    t = np.arange(PERIODS + 1)
    assert outside_bands(counts, sbg_survival(ALPHA, BETA, t)) == []
    pmf = sbg_churn_pmf(ALPHA, BETA, t[1:])
    assert lifetime_p_value(counts, pmf, sbg_survival(ALPHA, BETA, PERIODS)) > 0.01


def test_beta_bands_reject_neighbouring_parameters(beta_run):
    counts = survivors(beta_run)
    t = np.arange(PERIODS + 1)
    # same first-year churn (alpha / (alpha + beta)), less heterogeneity
    assert outside_bands(counts, sbg_survival(1.6 * ALPHA, 1.6 * BETA, t)) != []
    # churn and renewal swapped: the convention the engine used to get wrong
    assert outside_bands(counts, sbg_survival(BETA, ALPHA, t)) != []


def test_beta_renewal_probabilities_are_one_minus_beta_churn(beta_run):
    ev = beta_run.events
    first = ev[ev["event"].isin(["renew", "churn"])].drop_duplicates("account")
    churn = 1 - first["value"].to_numpy()  # each account's own churn probability
    assert len(churn) == N
    result = stats.kstest(churn, stats.beta(ALPHA, BETA).cdf)
    assert result.pvalue > 0.01
    assert stats.kstest(churn, stats.beta(BETA, ALPHA).cdf).pvalue < 1e-6


def test_fit_sbg_recovers_alpha_and_beta_from_the_simulated_cohort(beta_run):
    """Over several seeds the estimates scatter around the truth like z-scores should.

    One seed alone is a single draw of 10,000 churn probabilities; a fixed seed can be a
    3-standard-error outlier by bad luck (seed 11 is: z = 3.2 for beta). Eight seeds check
    what matters -- no bias and honest standard errors: every |z| < 3.5 (chance of a false
    failure about 0.4 %), and the mean z within 3 standard errors of 0 (0.3 %).
    """
    fit = fit_sbg(survivors(beta_run))
    assert fit.alpha_se < 0.1 and fit.beta_se < 0.4  # 10,000 accounts pin them down
    z_alpha, z_beta = [], []
    for seed in range(100, 108):
        sc = theory_cohort({"renewal": "beta", "alpha": ALPHA, "beta": BETA}, seed=seed)
        f = fit_sbg(survivors(simulate(sc)))
        z_alpha.append((f.alpha - ALPHA) / f.alpha_se)
        z_beta.append((f.beta - BETA) / f.beta_se)
    for z in (np.array(z_alpha), np.array(z_beta)):
        assert np.all(np.abs(z) < 3.5), z
        assert abs(z.mean()) < 3 / np.sqrt(len(z)), z


def test_retention_rises_with_tenure_only_under_heterogeneity(constant_run, beta_run):
    def rates(run):
        c = survivors(run)
        return c[1:] / c[:-1]

    het = rates(beta_run)
    assert np.all(np.diff(het) > 0)  # sBG: the flighty accounts leave first
    assert het[-1] - het[0] > 0.15
    assert np.ptp(rates(constant_run)) < 0.05


# ------------------------------------------------------------------ strategies are off
@pytest.mark.parametrize(
    "strategy",
    ["key_account_focus", "customer_success", "proactive_check_ins", "cs+proactive+kam"],
)
def test_strategies_have_no_effect_in_theory_mode(beta_run, strategy):
    other = simulate(beta_run.scenario, strategy)
    pd.testing.assert_frame_equal(other.events, beta_run.events, check_exact=True)
    pd.testing.assert_frame_equal(other.accounts, beta_run.accounts, check_exact=True)


def test_theory_mode_measures_the_cohort_from_day_0_whatever_the_start(beta_run):
    book = beta_run.scenario.update({"start": "book", "warmup_years": 2.0})
    pd.testing.assert_frame_equal(simulate(book).events, beta_run.events, check_exact=True)


def test_renewals_at_exactly_the_horizon_end_are_kept(constant_run):
    ev = constant_run.events
    decided = ev[ev["event"].isin(["renew", "churn"])]
    end = PERIODS * DAYS_PER_YEAR
    assert decided["time"].max() == end
    assert sorted(decided["time"].unique()) == [k * DAYS_PER_YEAR for k in range(1, PERIODS + 1)]
    # every account still active at the end made exactly PERIODS renewals
    active = constant_run.accounts["stage"].isin(["customer", "loyal"])
    assert (constant_run.accounts.loc[active, "renewals"] == PERIODS).all()


# ---------------------------------------------------------------- Markov-chain CLV
DISCOUNT = 0.10


def discounted_revenue(res) -> np.ndarray:
    """Each account's ARR paid at the start of every contract period it is active in,
    discounted by (1 + d)**t -- the timing of markov_clv (period 0 undiscounted)."""
    renewals = res.accounts["renewals"].to_numpy()
    t = np.arange(PERIODS + 1)
    alive = renewals[:, None] >= t[None, :]
    return ARR * (alive / (1 + DISCOUNT) ** t).sum(axis=1)


@pytest.mark.parametrize("loyalty_renewals", [1, 2])
def test_markov_clv_from_the_estimated_matrix_matches_simulated_revenue(loyalty_renewals):
    """Stages: customer -> loyal after ``loyalty_renewals`` renewals, former absorbing.

    With one renewal to loyalty the stage chain is exactly Markov (both active stages renew
    with probability r). With two it is not (a customer who renewed once moves to loyal, a
    new one cannot), but customer and loyal pay the same and churn alike, so "active vs
    former" is still an exact Markov chain and the value from "customer" is unchanged.
    """
    sc = theory_cohort(
        {"renewal": "constant", "r": R}, **{"behaviour.loyalty_renewals": loyalty_renewals}
    )
    res = simulate(sc)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "no periods observed starting in", RuntimeWarning)
        matrix = transition_matrix_from_events(
            res.events, period_days=DAYS_PER_YEAR, horizon=PERIODS * DAYS_PER_YEAR
        )
    churn = 1 - R
    for stage in ("customer", "loyal"):
        seen = matrix.loc[stage, "former"]
        assert abs(seen - churn) < 0.02, (stage, seen)
    if loyalty_renewals == 1:
        assert matrix.loc["customer", "loyal"] == pytest.approx(R, abs=0.02)
        assert matrix.loc["customer", "customer"] == 0.0
    rewards = {"prospect": 0.0, "customer": ARR, "loyal": ARR, "former": 0.0}
    estimated = markov_clv(matrix, rewards, DISCOUNT, horizon=PERIODS)["customer"]

    value = discounted_revenue(res)
    mean, half = value.mean(), 1.96 * value.std(ddof=1) / np.sqrt(len(value))
    assert abs(estimated - mean) < half

    # the true chain (and Gupta & Lehmann's margin multiple, as the horizon grows)
    truth = pd.DataFrame(
        [[1, 0, 0, 0], [0, 0, R, churn], [0, 0, R, churn], [0, 0, 0, 1]],
        index=list(rewards),
        columns=list(rewards),
    )
    exact = markov_clv(truth, rewards, DISCOUNT, horizon=PERIODS)["customer"]
    assert abs(exact - mean) < half
    forever = markov_clv(truth, rewards, DISCOUNT)["customer"]
    assert forever == pytest.approx(ARR * (1 + margin_multiple(R, DISCOUNT)))
    # the interval is narrow enough to tell r = 0.80 from r = 0.81
    wrong = truth.replace({R: R + 0.01, churn: churn - 0.01})
    assert abs(markov_clv(wrong, rewards, DISCOUNT, horizon=PERIODS)["customer"] - mean) > half
