"""Closed-form retention models: what a portfolio *should* do if nothing else is going on.

The simulator is only trustworthy if, with every strategy effect switched off, it reproduces
the textbook results below. This package holds those results as small functions, one
module per model (``geometric``, ``sbg``, ``markov`` below); import them from the package::

    from simkit.analysis.retention import fit_sbg, margin_multiple

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

from simkit.analysis.retention.geometric import (
    RetentionUplift,
    expected_lifetime,
    geometric_survival,
    margin_multiple,
    retention_uplift_value,
)
from simkit.analysis.retention.markov import (
    DEFAULT_STAGES,
    markov_clv,
    transition_matrix_from_events,
)
from simkit.analysis.retention.sbg import (
    SBGFit,
    fit_sbg,
    sbg_churn_pmf,
    sbg_derl,
    sbg_expected_residual_lifetime,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
)

__all__ = [
    "DEFAULT_STAGES",
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
