"""Calibrating a scenario to a cohort table: :func:`calibrate` and what it found.

:func:`calibrate` fits the sBG model to the table and builds the ``theory`` scenario from
the fit; with ``behaviour=True`` it also adjusts the full behaviour model
(:mod:`simkit.analysis.calibration.behaviour`) and checks it with a real run. The answer is
a :class:`CalibrationResult`: the fit, both scenarios, the parameters changed, a table of
observed, fitted and simulated shares per period, and notes in plain language.

>>> res = calibrate(None, [1000, 869, 743, 653, 593, 551, 517, 491], behaviour=False)
>>> print(res.report().splitlines()[0])
sBG fit: alpha = 0.6681, beta = 3.806 (± 0.1, ± 0.79); first-renewal rate 85.1%
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from simkit.analysis.calibration.behaviour import PILOT_ACCOUNTS, fit_behaviour
from simkit.analysis.calibration.cohort_table import CohortTableError, read_cohort_table
from simkit.analysis.calibration.cohorts import cohort_scenario, term_months
from simkit.analysis.retention.sbg import SBGFit, fit_sbg, sbg_survival
from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.strategies import Strategy

__all__ = ["CalibrationResult", "calibrate"]


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """What :func:`calibrate` found.

    Attributes
    ----------
    fit : the sBG fit to the observed table (alpha, beta, standard errors).
    theory : theory-mode scenario with Beta(alpha, beta) churn probabilities (or constant
        renewal when the table shows no rise in retention with tenure).
    behaviour : full-model scenario with adjusted renewal parameters, or None when not run.
    changes : behaviour fields changed, ``{field: (before, after)}``.
    table : one row per period: ``observed`` and ``fitted`` shares, ``behaviour`` (the
        baseline cohort's simulated share, NaN when not run), and the gaps.
    baseline : the strategy the behaviour calibration assumes the table came from.
    tolerance : largest acceptable gap between the behaviour model and the fitted curve.
    notes : plain-language remarks (identification, gaps above tolerance).
    """

    fit: SBGFit
    theory: Scenario
    behaviour: Scenario | None
    changes: dict[str, tuple[float, float]]
    table: pd.DataFrame
    baseline: str
    tolerance: float
    notes: tuple[str, ...] = field(default=())

    @property
    def fit_gap(self) -> float:
        """Largest |observed - fitted| share over the table's periods."""
        return float((self.table["observed"] - self.table["fitted"]).abs().max())

    @property
    def behaviour_gap(self) -> float:
        """Largest |simulated baseline cohort - fitted| share (NaN when not run)."""
        gap = (self.table["behaviour"] - self.table["fitted"]).abs()
        return float(gap.max()) if gap.notna().any() else float("nan")

    def scenario(self, mode: Literal["theory", "behaviour"] = "behaviour") -> Scenario:
        """The calibrated scenario of one mode."""
        if mode == "theory":
            return self.theory
        if mode == "behaviour":
            if self.behaviour is None:
                raise ValueError("the behaviour calibration was not run (behaviour=False)")
            return self.behaviour
        raise ValueError(f"mode must be 'theory' or 'behaviour', got {mode!r}")

    def report(self) -> str:
        """A few lines for people: the fit, the changes, the table and the gaps."""
        f = self.fit
        se = "" if math.isnan(f.alpha_se) else f" (± {f.alpha_se:.2g}, ± {f.beta_se:.2g})"
        lines = [
            f"sBG fit: alpha = {f.alpha:.4g}, beta = {f.beta:.4g}{se}; "
            f"first-renewal rate {f.beta / (f.alpha + f.beta):.1%}",
        ]
        for name, (old, new) in self.changes.items():
            lines.append(f"behaviour.{name}: {old:.4g} -> {new:.4g}")
        columns = [c for c in _SHARES if self.table[c].notna().any()]
        shown = self.table.assign(**{c: self.table[c].map("{:.3f}".format) for c in columns})
        shown = shown[["period", *columns]]
        lines.append(shown.to_string(index=False))
        lines.append(f"largest gap, observed vs fitted: {self.fit_gap:.3f}")
        if self.behaviour is not None:
            lines.append(
                f"largest gap, {self.baseline} cohort vs fitted: {self.behaviour_gap:.3f} "
                f"(tolerance {self.tolerance:g})"
            )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


_SHARES = ("observed", "fitted", "behaviour")


def calibrate(
    scenario: Scenario | None,
    cohort_table: str | os.PathLike[str] | pd.DataFrame | pd.Series | Sequence[float],
    *,
    n_start: float | None = None,
    period_months: int | None = None,
    behaviour: bool = True,
    baseline: str | Strategy = "reactive",
    accounts: int = 3000,
    tolerance: float = 0.04,
) -> CalibrationResult:
    """Fit the sBG model to a cohort table and build scenarios that renew like it.

    Parameters
    ----------
    scenario : Scenario or None
        The base scenario (portfolio, team, costs, other behaviour); None for the default.
    cohort_table : path, DataFrame, Series or list
        Survivors per contract period, see :func:`read_cohort_table`.
    n_start : float, optional
        Cohort size when the table holds shares (starts at 1 or 100); gives standard errors.
    period_months : int, optional
        Contract period of the table in months; sets every segment's ``term_months``.
        Default: the segments' common term.
    behaviour : bool
        Also adjust the full behaviour model (a few seconds of simulation); False returns
        the theory-mode scenario only.
    baseline : str or Strategy
        The practice the table came from; the behaviour model is calibrated under it.
    accounts : int
        Size of the simulated calibration cohort (more is steadier and slower).
    tolerance : float
        Largest acceptable gap between the behaviour model's cohort and the fitted curve;
        a ``RuntimeWarning`` says so when it is exceeded.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> res = calibrate(None, [1000, 869, 743, 653, 593, 551, 517, 491], behaviour=False)
    >>> round(res.fit.alpha, 3), round(res.fit.beta, 3)
    (0.668, 3.806)
    >>> res.theory.theory.renewal, round(res.fit_gap, 3)
    ('beta', 0.018)
    """
    from simkit.engine.strategies import get_strategy

    base = default_scenario() if scenario is None else scenario
    if not isinstance(base, Scenario):
        raise TypeError(f"scenario must be a simkit Scenario or None, got {type(base).__name__}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance!r}")
    if n_start is not None and not (isinstance(n_start, int | float) and n_start > 0):
        raise ValueError(f"n_start (the cohort's size) must be a number > 0, got {n_start!r}")
    strategy = get_strategy(baseline)
    table = read_cohort_table(cohort_table)
    survivors = table["survivors"].to_numpy()
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = fit_sbg(survivors, n_start=n_start)
        except ValueError as exc:
            raise CohortTableError(f"cohort table: {exc}") from None
    constant = any("constant-retention limit" in str(w.message) for w in caught)
    periods = len(survivors) - 1
    term = term_months(base, period_months)
    terms = {f"portfolio.{s}.term_months": term for s in SEGMENTS}
    if constant:
        r = fit.beta / (fit.alpha + fit.beta)
        theory: dict[str, Any] = {"renewal": "constant", "r": r}
        notes.append(
            f"retention does not rise with tenure in this table; the theory scenario uses "
            f"a constant renewal probability {r:.4f}"
        )
    else:
        theory = {"renewal": "beta", "alpha": fit.alpha, "beta": fit.beta}
    theory_sc = base.update(
        {
            **terms,
            "name": _name(base.name, "theory"),
            "theory": theory,
            "start": "cohort",
            "warmup_years": 0.0,
        }
    )
    fitted = np.asarray(sbg_survival(fit.alpha, fit.beta, np.arange(periods + 1)))
    frame = pd.DataFrame(
        {
            "period": table["period"],
            "observed": survivors / survivors[0],
            "fitted": fitted,
            "behaviour": np.nan,
        }
    )
    behaviour_sc, changes = None, {}
    if behaviour:
        full = base if base.theory is None else base.update({"theory": None})
        cohort = cohort_scenario(full, accounts=accounts, periods=periods, period_months=term)
        pilot = cohort_scenario(
            full, accounts=min(accounts, PILOT_ACCOUNTS), periods=periods, period_months=term
        )
        params, simulated, more = fit_behaviour(pilot, cohort, fitted, strategy)
        notes.extend(more)
        b = base.behaviour
        changes = {k: (float(getattr(b, k)), v) for k, v in params.items() if v != getattr(b, k)}
        behaviour_sc = full.update(
            {
                **terms,
                "name": _name(base.name, "behaviour"),
                **{f"behaviour.{k}": v for k, v in params.items()},
            }
        )
        frame["behaviour"] = simulated
    frame["gap_observed"] = frame["observed"] - frame["fitted"]
    frame["gap_behaviour"] = frame["behaviour"] - frame["fitted"]
    result = CalibrationResult(
        fit=fit,
        theory=theory_sc,
        behaviour=behaviour_sc,
        changes=changes,
        table=frame,
        baseline=strategy.name,
        tolerance=float(tolerance),
        notes=tuple(notes),
    )
    if behaviour and not result.behaviour_gap <= tolerance:
        warnings.warn(
            f"calibrate: the {strategy.name} cohort of the behaviour model is up to "
            f"{result.behaviour_gap:.3f} away from the fitted curve (tolerance {tolerance:g}); "
            "see CalibrationResult.table and .notes",
            RuntimeWarning,
            stacklevel=2,
        )
    return result


def _name(name: str, mode: str) -> str:
    """A calibrated scenario's name: the base name and how it was calibrated (<= 200 chars)."""
    suffix = f" (calibrated to a cohort, {mode})"
    return name[: 200 - len(suffix)] + suffix
