"""Fitting the full behaviour model to a cohort curve.

In the full model nobody has a fixed renewal probability: it follows health, and health
follows issues, waiting time and the strategy. :func:`fit_behaviour` adjusts the renewal
parameters (:data:`BEHAVIOUR_PARAMETERS`) so that a fresh cohort run under a baseline
strategy survives like a target curve:

1. One *pilot* run of the cohort (up to :data:`PILOT_ACCOUNTS` accounts) in which nobody
   leaves (renewal certain, no defections) records every account's health and stage at
   each renewal date and at each competitor approach.
2. For any candidate parameters the expected survival of each account follows from those
   records with the model's own rules -- :func:`simkit.engine.rules.renewal_log_odds` with
   the loyalty and first-term factors (:func:`log_renewal_probability`) and
   :func:`simkit.engine.rules.defection_probability`, applied to whole arrays -- so the
   cohort's survival curve is computed in microseconds and fitted to the target
   (``scipy.optimize``: least squares, then the largest gap is narrowed).
3. A real run of the cohort checks the result. Accounts that leave free managers' time for
   the others, which the pilot cannot see; if the real run differs from the pilot's
   prediction by more than 0.01, the target is shifted by that difference and step 2 is
   repeated once (in practice the difference is about 0.005).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simkit.analysis.calibration.cohorts import simulated_cohort
from simkit.engine import rules
from simkit.engine.scenario import DAYS_PER_MONTH, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.strategies import Strategy

__all__ = ["BEHAVIOUR_PARAMETERS", "PILOT_ACCOUNTS", "fit_behaviour", "log_renewal_probability"]

BEHAVIOUR_PARAMETERS = ("renewal_at_50", "first_term_churn_factor", "loyal_churn_factor")
"""Behaviour fields :func:`~simkit.analysis.calibration.calibrate` adjusts (everything else is
kept from the base)."""

PILOT_ACCOUNTS = 1000
"""Largest pilot cohort: the pilot's records average well with this many accounts."""

_BOUNDS = {  # search bounds, inside the fields' allowed ranges
    "renewal_at_50": (1e-3, 1 - 1e-4),
    "first_term_churn_factor": (0.02, 10.0),
    "loyal_churn_factor": (0.02, 1.0),
}


@dataclass
class _Paths:
    """Pilot records: health and loyalty at each renewal and at each competitor approach."""

    health: np.ndarray  # (n, T) health at renewal k = 1..T
    loyal: np.ndarray  # (n, T) loyal at renewal k
    first: np.ndarray  # (T,) 1 at the first renewal
    approach_row: np.ndarray  # account row of each approach
    approach_period: np.ndarray  # period k (0-based column) whose renewal it precedes
    approach_health: np.ndarray
    approach_loyal: np.ndarray
    dropped: int  # accounts that left the pilot all the same (no full record)


def _pilot(cohort: Scenario, strategy: Strategy, periods: int) -> _Paths:
    """Run ``cohort`` with leaving switched off and record what the renewal and defection
    rules need: each account's health and loyalty at its renewals and approaches."""
    from simkit.engine.model import simulate

    pilot = cohort.update(
        {"behaviour.renewal_at_50": 1.0 - 1e-9, "behaviour.competitor_defect_at_0": 0.0}
    )
    ev = simulate(pilot, strategy).events
    event = ev["event"].astype(str)
    term_days = cohort.portfolio.small.term_months * DAYS_PER_MONTH
    renew = ev.loc[event == "renew", ["account", "time", "health", "stage_before"]]
    renew = renew.assign(k=renew.groupby("account").cumcount())
    renew = renew.loc[renew["k"] < periods]
    complete = renew.groupby("account").size()
    accounts = complete.index[complete == periods].to_numpy()
    row = pd.Series(np.arange(len(accounts)), index=accounts)
    renew = renew.loc[renew["account"].isin(accounts)]
    health = np.zeros((len(accounts), periods))
    loyal = np.zeros((len(accounts), periods))
    r, k = row[renew["account"]].to_numpy(), renew["k"].to_numpy()
    health[r, k] = renew["health"].to_numpy()
    loyal[r, k] = (renew["stage_before"].astype(str) == "loyal").to_numpy()
    app = ev.loc[(event == "approach") & ev["account"].isin(accounts)]
    period = np.floor(app["time"].to_numpy() / term_days).astype(int)
    keep = period < periods
    return _Paths(
        health=health,
        loyal=loyal,
        first=(np.arange(periods) == 0).astype(float),
        approach_row=row[app["account"]].to_numpy()[keep],
        approach_period=period[keep],
        approach_health=app["health"].to_numpy()[keep],
        approach_loyal=(app["stage_before"].astype(str) == "loyal").to_numpy()[keep],
        dropped=pilot.portfolio.total_accounts - len(accounts),
    )


def log_renewal_probability(
    health: np.ndarray,
    at_50: float,
    slope: float,
    log_loyal_factor: np.ndarray | float = 0.0,
    log_first_term_factor: np.ndarray | float = 0.0,
) -> np.ndarray:
    """``log`` of :func:`simkit.engine.rules.renewal_probability`, on arrays of health.

    The rule's churn odds are ``exp(-renewal_log_odds) * loyal_factor * first_term_factor``;
    in logs the factors become terms, so the log-odds of renewing are
    :func:`~simkit.engine.rules.renewal_log_odds` minus the log factors, and
    ``log P = -log(1 + exp(-log-odds))`` (computed without overflow). Pass a factor's log
    per account (0 where it does not apply).

    >>> from simkit.engine.rules import renewal_probability
    >>> p = renewal_probability(62.0, 0.8, 0.5, loyal_factor=0.5, first_term_factor=2.5)
    >>> got = log_renewal_probability(np.array([62.0]), 0.8, 0.5, np.log(0.5), np.log(2.5))
    >>> bool(np.isclose(np.exp(got[0]), p, rtol=1e-12))
    True
    """
    log_odds = rules.renewal_log_odds(health, at_50, slope)
    return -np.logaddexp(0.0, -(log_odds - log_first_term_factor - log_loyal_factor))


def _expected_survival(x: np.ndarray, paths: _Paths, slope: float, defect0: float) -> np.ndarray:
    """Expected cohort survival S(1..T) for log-parameters x (see the module docstring).

    Each account survives period k if it is not won by a competitor at any approach in the
    period (:func:`simkit.engine.rules.defection_probability`) and renews at its end
    (:func:`log_renewal_probability`); the cohort's survival is the mean over accounts.
    """
    logit50, log_first, log_loyal = x
    at_50 = 1.0 / (1.0 + math.exp(-logit50))
    log_s = log_renewal_probability(
        paths.health, at_50, slope, log_loyal * paths.loyal, log_first * paths.first
    )
    if defect0 > 0 and paths.approach_row.size:
        d = rules.defection_probability(
            paths.approach_health,
            defect0,
            loyal_factor=np.exp(log_loyal * paths.approach_loyal),
        )
        np.add.at(
            log_s,
            (paths.approach_row, paths.approach_period),
            np.log1p(-np.minimum(d, 1.0 - 1e-12)),
        )
    return np.exp(np.cumsum(log_s, axis=1)).mean(axis=0)


def _optimise(
    paths: _Paths,
    target: np.ndarray,
    slope: float,
    defect0: float,
    start: np.ndarray,
    free: np.ndarray,
) -> np.ndarray:
    """Best log-parameters: least squares first, then the largest gap made as small as can be.

    Only the entries of ``start`` marked in ``free`` move.
    """
    lo = np.array(
        [_logit(_BOUNDS[BEHAVIOUR_PARAMETERS[0]][0])]
        + [math.log(_BOUNDS[k][0]) for k in BEHAVIOUR_PARAMETERS[1:]]
    )
    hi = np.array(
        [_logit(_BOUNDS[BEHAVIOUR_PARAMETERS[0]][1])]
        + [math.log(_BOUNDS[k][1]) for k in BEHAVIOUR_PARAMETERS[1:]]
    )
    start = np.clip(start, lo, hi)
    from scipy.optimize import minimize

    def full(y: np.ndarray) -> np.ndarray:
        x = start.copy()
        x[free] = y
        return x

    def gaps(y: np.ndarray) -> np.ndarray:
        return _expected_survival(full(y), paths, slope, defect0) - target

    bounds = list(zip(lo[free], hi[free], strict=True))
    least = minimize(
        lambda y: float(np.sum(gaps(y) ** 2)),
        start[free],
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 500},
    )
    # the tolerance is about the largest gap: trade a little squared error to shrink it
    minimax = minimize(
        lambda y: float(np.abs(gaps(y)).max() + 1e-3 * np.sum(gaps(y) ** 2)),
        np.clip(least.x, lo[free], hi[free]),
        method="Nelder-Mead",
        bounds=bounds,
        options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000},
    )
    return full(np.clip(minimax.x, lo[free], hi[free]))


def _logit(p: float) -> float:
    """Log-odds of a probability: the optimiser searches ``renewal_at_50`` on this scale."""
    return math.log(p / (1.0 - p))


def _params(x: np.ndarray, free: np.ndarray, base: Mapping[str, float]) -> dict[str, float]:
    """Behaviour values of log-parameters ``x``; fixed ones keep their base value exactly."""
    values = [1.0 / (1.0 + math.exp(-x[0])), math.exp(x[1]), math.exp(x[2])]
    out = {}
    for k, name in enumerate(BEHAVIOUR_PARAMETERS):
        low, high = _BOUNDS[name]
        out[name] = float(min(max(values[k], low), high)) if free[k] else float(base[name])
    return out


def fit_behaviour(
    pilot: Scenario, cohort: Scenario, fitted: np.ndarray, strategy: Strategy
) -> tuple[dict[str, float], np.ndarray, list[str]]:
    """Adjust the renewal parameters so ``cohort`` under ``strategy`` follows ``fitted``.

    ``pilot`` is a (smaller) copy of ``cohort`` used for the pilot run; ``fitted`` is the
    target survival share at periods 0..T. Returns the behaviour values (every field of
    :data:`BEHAVIOUR_PARAMETERS`), the shares a real run of ``cohort`` with them survived,
    and notes for people.
    """
    from simkit.engine.model import simulate

    periods = len(fitted) - 1
    b = cohort.behaviour
    base = {name: float(getattr(b, name)) for name in BEHAVIOUR_PARAMETERS}
    paths = _pilot(pilot, strategy, periods)
    notes: list[str] = []
    free = np.array([True, True, bool(paths.loyal.any())])
    if paths.dropped:
        notes.append(
            f"{paths.dropped} accounts left the pilot run although renewal was all but certain "
            "(a very steep renewal_slope?); the fit used the others"
        )
    if not free[2]:
        notes.append(
            f"no account of the {strategy.name} cohort became loyal, so loyal_churn_factor "
            "cannot be calibrated from this table and is kept"
        )
    slope, defect0 = b.renewal_slope, b.competitor_defect_at_0
    target = fitted[1:]
    start = np.array(
        [_logit(base["renewal_at_50"])] + [math.log(base[k]) for k in BEHAVIOUR_PARAMETERS[1:]]
    )
    x = _optimise(paths, target, slope, defect0, start, free)

    def run(x: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
        params = _params(x, free, base)
        sc = cohort.update({f"behaviour.{k}": v for k, v in params.items()})
        table = simulated_cohort(simulate(sc, strategy), periods)
        return params, table["survivors"].to_numpy() / table["survivors"].iloc[0]

    params, simulated = run(x)
    offset = simulated[1:] - _expected_survival(x, paths, slope, defect0)
    if np.abs(offset).max() > _OFFSET_LIMIT:
        # the pilot keeps every account, so managers are busier than in the real cohort:
        # shift the target by the difference the real run showed, and fit once more
        x2 = _optimise(paths, target - offset, slope, defect0, x, free)
        params2, simulated2 = run(x2)
        if np.abs(simulated2 - fitted).max() < np.abs(simulated - fitted).max():
            params, simulated = params2, simulated2
    for k, name in enumerate(BEHAVIOUR_PARAMETERS):
        low, high = _BOUNDS[name]
        value = params[name]
        if free[k] and not low * 1.001 < value < high * 0.999:
            notes.append(
                f"{name} ended at the edge of its search range [{low:g}, {high:g}] ({value:.4g}); "
                f"the {strategy.name} cohort cannot follow the table more closely with it"
            )
    return params, simulated, notes


_OFFSET_LIMIT = 0.01  # pilot prediction vs real run, beyond which the fit is corrected once
