"""Calibration: make a scenario's accounts renew like a real cohort table.

A manager knows how one of their own cohorts behaved: of the accounts won in one period,
how many were still paying one, two, three ... contract periods later. :func:`calibrate`
fits the shifted-beta-geometric model (:func:`simkit.analysis.retention.fit_sbg`) to that
table and returns two scenarios built on a base scenario:

``theory``
    theory mode with churn probabilities drawn from the fitted Beta(alpha, beta): a
    simulated cohort follows the fitted curve exactly (up to sampling noise), but
    strategies have no effect. Use it to check the fit and to project the cohort.
``behaviour``
    the full behaviour model with ``renewal_at_50``, ``first_term_churn_factor`` and
    ``loyal_churn_factor`` adjusted so that a fresh cohort, run under the *baseline*
    strategy (the practice the table came from; reactive by default), survives like the
    fitted curve over the observed periods. Strategy what-ifs are run on this one.

What "reproduces the table" means in the full model
---------------------------------------------------
In the full model nobody has a fixed renewal probability: it follows health, and health
follows issues, waiting time and the strategy. So a calibration only holds for a stated
practice (the baseline strategy), portfolio mix and team load (those of the base
scenario). :func:`cohort_scenario` builds that cohort: the base scenario's segment mix
scaled to ``accounts`` accounts, the team scaled by the same factor (same load per
manager), no new prospects, everyone starting as a new customer at time 0. Its survival,
read with :func:`simulated_cohort`, is compared with the fitted curve; the largest gap is
reported and a warning is raised when it exceeds the tolerance.

The full model has no lasting per-account differences in loyalty, only in health, and
health forgets its past within months. Its retention therefore rises after the first
renewal only through the first-term and loyalty factors, while sBG retention keeps
rising with tenure. Over 6-8 observed periods the largest gap is typically 0.01-0.035
of the cohort (the sampling noise of a 3,000-account cohort is about 0.01 of that);
the default tolerance is 0.04. Under the reactive baseline no account of the default
scenario ever becomes loyal (health stays below ``loyalty_health``), so
``loyal_churn_factor`` is then left as it was and a note says so.

How the parameters are found is told in :mod:`~simkit.analysis.calibration.behaviour`:
a pilot run records what the model's renewal and defection rules
(:mod:`simkit.engine.rules`) need, the survival curve for any parameters then follows by
formula, and one real run checks the result. Everything is seeded by the scenario, so the
same inputs give the same scenario.

The package, one module per job:

``cohort_table``  reading and checking a cohort table (:func:`read_cohort_table`)
``cohorts``       cohorts in the simulator (:func:`cohort_scenario`, :func:`simulated_cohort`)
``behaviour``     fitting the full behaviour model to a curve
``scenarios``     :func:`calibrate` and its :class:`CalibrationResult`

>>> res = calibrate(None, [1000, 869, 743, 653, 593, 551, 517, 491], behaviour=False)
>>> res.theory.theory.renewal, round(res.fit.alpha, 3)
('beta', 0.668)
"""

from simkit.analysis.calibration.behaviour import BEHAVIOUR_PARAMETERS
from simkit.analysis.calibration.cohort_table import COLUMNS, CohortTableError, read_cohort_table
from simkit.analysis.calibration.cohorts import cohort_scenario, simulated_cohort
from simkit.analysis.calibration.scenarios import CalibrationResult, calibrate

__all__ = [
    "BEHAVIOUR_PARAMETERS",
    "COLUMNS",
    "CalibrationResult",
    "CohortTableError",
    "calibrate",
    "cohort_scenario",
    "read_cohort_table",
    "simulated_cohort",
]
