"""Calibration: make a scenario's accounts renew like a real cohort table.

A manager knows how one of their own cohorts behaved: of the accounts won in one period,
how many were still paying one, two, three ... contract periods later. :func:`calibrate`
fits the shifted-beta-geometric model (:func:`simkit.analysis.retention.fit_sbg`) to that table and
returns two scenarios built on a base scenario:

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

How the parameters are found
----------------------------
1. One *pilot* run of the cohort (up to 1,000 accounts) in which nobody leaves (renewal
   certain, no defections) records every account's health and stage at each renewal date
   and at each competitor approach.
2. For any candidate parameters the expected survival of each account follows from those
   records by formula (the model's logistic renewal rule and defection rule), so the
   cohort's survival curve is computed in microseconds and fitted to the sBG curve
   (``scipy.optimize``: least squares, then the largest gap is narrowed).
3. A real run of ``accounts`` accounts checks the result. Accounts that leave free
   managers' time for the others, which the pilot cannot see; if the real run differs
   from the pilot's prediction by more than 0.01, the target is shifted by that
   difference and step 2 is repeated once (in practice the difference is about 0.005).

Everything is seeded by the scenario, so the same inputs give the same scenario.

The cohort table
----------------
Survivors per contract period, starting with the cohort's size at period 0: a CSV file
with columns ``period,survivors`` (periods 0, 1, 2, ... without gaps; other columns are
ignored), a DataFrame with those columns, a Series (indexed by period) or a list.
Survivors are counts (``1000, 869, 743, ...``) or shares starting at 1 or 100
(``100, 86.9, 74.3, ...``); for shares, ``n_start`` gives the cohort size (only the
standard errors need it). In error messages the rows of a CSV file are numbered as in a
spreadsheet (the header is row 1). ``examples/cohort.csv`` is a made-up example:

.. code-block:: text

    period,survivors
    0,1200
    1,973
    2,809
    ...

>>> table = read_cohort_table([1000, 869, 743, 653, 593, 551, 517, 491])
>>> table.head(3)
   period  survivors
0       0     1000.0
1       1      869.0
2       2      743.0
>>> read_cohort_table([1000, 869, 900, 800])
Traceback (most recent call last):
...
simkit.analysis.calibration.CohortTableError: cohort table row 3 (period 2), column survivors: 900 is ...
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from simkit.analysis.retention import SBGFit, fit_sbg, sbg_survival
from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS, Scenario, default_scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results
    from simkit.engine.strategies import Strategy

__all__ = [
    "BEHAVIOUR_PARAMETERS",
    "CalibrationResult",
    "CohortTableError",
    "calibrate",
    "cohort_scenario",
    "read_cohort_table",
    "simulated_cohort",
]

COLUMNS = ("period", "survivors")
"""Columns of a cohort table."""

BEHAVIOUR_PARAMETERS = ("renewal_at_50", "first_term_churn_factor", "loyal_churn_factor")
"""Behaviour fields :func:`calibrate` adjusts (everything else is kept from the base)."""

_PILOT_ACCOUNTS = 1000  # the pilot's records average well with this many accounts
_BOUNDS = {  # search bounds, inside the fields' allowed ranges
    "renewal_at_50": (1e-3, 1 - 1e-4),
    "first_term_churn_factor": (0.02, 10.0),
    "loyal_churn_factor": (0.02, 1.0),
}


class CohortTableError(ValueError):
    """A cohort table cannot be used; the message names the row and what is allowed."""


# --------------------------------------------------------------------------- the table
def read_cohort_table(
    table: str | os.PathLike[str] | pd.DataFrame | pd.Series | Sequence[float] | np.ndarray,
) -> pd.DataFrame:
    """Read and check a cohort table; return it with columns ``period`` and ``survivors``.

    Parameters
    ----------
    table : path, DataFrame, Series, list or array
        A CSV path or DataFrame with columns ``period,survivors``; a Series of survivors
        indexed by period (a default 0..n-1 index is fine); or a plain list of survivors
        for periods 0, 1, 2, ...

    Returns
    -------
    DataFrame
        ``period`` (int, 0..T) and ``survivors`` (float), T >= 2.

    Raises
    ------
    CohortTableError
        Naming the row and column when a value is missing, not a number, negative or larger
        than the one before, or when periods do not run 0, 1, 2, ...; and when a column is
        missing or there are fewer than 3 rows. Rows of a CSV file are numbered as in a
        spreadsheet (the header is row 1, period 0 is row 2); rows of a list, Series or
        DataFrame count from 1.

    Examples
    --------
    >>> read_cohort_table(pd.Series([100.0, 80.0, 70.0]))["survivors"].tolist()
    [100.0, 80.0, 70.0]
    >>> read_cohort_table([1000, 800])
    Traceback (most recent call last):
    ...
    simkit.analysis.calibration.CohortTableError: cohort table: needs at least 3 rows (...), got 2
    """
    where, rows = "cohort table", None
    if isinstance(table, str | os.PathLike):
        where = str(table)
        frame, rows = _read_csv(Path(table))
    elif isinstance(table, pd.DataFrame):
        frame = table.rename(columns=lambda c: str(c).strip().lower())
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise CohortTableError(
                f"{where}: missing column {missing[0]!r}; expected columns period,survivors "
                f"(got {', '.join(map(str, table.columns)) or 'none'})"
            )
        frame = frame[list(COLUMNS)]
    elif isinstance(table, pd.Series):
        index = table.index
        periods = (
            index.to_numpy()
            if pd.api.types.is_numeric_dtype(index.dtype)
            else np.arange(len(table))
        )
        frame = pd.DataFrame({"period": periods, "survivors": table.to_numpy()})
    elif isinstance(table, Sequence | np.ndarray) and not isinstance(table, str | bytes):
        values = list(np.asarray(table, dtype=object).ravel()) if np.ndim(table) else []
        if np.ndim(table) > 1:
            raise CohortTableError(f"{where}: expected one list of survivors, got a 2-D table")
        frame = pd.DataFrame({"period": np.arange(len(values)), "survivors": values})
    else:
        raise CohortTableError(
            f"{where}: expected a CSV path, a DataFrame, a Series or a list of survivors, "
            f"got {type(table).__name__}"
        )
    return _check_table(frame, where, rows)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The period and survivors columns as text, and each record's spreadsheet row."""
    if not path.is_file():
        raise CohortTableError(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, skipinitialspace=True)
            records = [(reader.line_num, rec) for rec in reader if any(f.strip() for f in rec)]
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CohortTableError(f"{path}: not a readable CSV file ({detail})") from None
    if not records:
        raise CohortTableError(f"{path}: the file is empty; expected columns period,survivors")
    (_, header), body = records[0], records[1:]
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CohortTableError(
            f"{path}: missing column {missing[0]!r}; expected a header line period,survivors "
            f"(got {', '.join(h.strip() for h in header)})"
        )
    for row, rec in body:
        if len(rec) != len(header):
            raise CohortTableError(
                f"{path} row {row}: {len(rec)} values but the header has {len(header)} "
                f"columns ({','.join(h.strip() for h in header)})"
            )
    at = [names.index(c) for c in COLUMNS]
    frame = pd.DataFrame([[rec[k] for k in at] for _, rec in body], columns=list(COLUMNS))
    return frame, [row for row, _ in body]


def _number(value: Any, label: str, column: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CohortTableError(f"{label}, column {column}: empty; expected a number")
    if isinstance(value, float) and math.isnan(value):
        raise CohortTableError(f"{label}, column {column}: empty; expected a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise CohortTableError(f"{label}, column {column}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise CohortTableError(f"{label}, column {column}: {value!r} is not a finite number")
    return number


def _check_table(frame: pd.DataFrame, where: str, rows: list[int] | None) -> pd.DataFrame:
    """Check rows in order. ``rows`` numbers them as in a spreadsheet (a CSV file's header
    is row 1); without it they count from 1."""
    n = len(frame)
    rows = list(range(1, n + 1)) if rows is None else rows
    survivors: list[float] = []
    for i, (p_raw, s_raw) in enumerate(frame.itertuples(index=False, name=None)):
        row = f"{where} row {rows[i]}"
        period = _number(p_raw, row, "period")
        if period != i:
            raise CohortTableError(
                f"{row}, column period: expected {i} (periods run 0, 1, 2, ... without gaps "
                f"or repeats), got {p_raw!r}"
            )
        row = f"{row} (period {i})"
        value = _number(s_raw, row, "survivors")
        if value < 0:
            raise CohortTableError(f"{row}, column survivors: must be >= 0, got {s_raw!r}")
        if i == 0 and value == 0:
            raise CohortTableError(f"{row}, column survivors: the cohort size must be > 0")
        if survivors and value > survivors[-1]:
            raise CohortTableError(
                f"{row}, column survivors: {value:g} is more than the {survivors[-1]:g} of "
                "the period before; a cohort can only shrink"
            )
        survivors.append(value)
    if n < 3:
        raise CohortTableError(
            f"{where}: needs at least 3 rows (period 0 and two more periods), got {n}"
        )
    if survivors[-1] == survivors[0]:
        raise CohortTableError(f"{where}: no account ever leaves, so there is no churn to fit")
    if survivors[1] == 0:
        raise CohortTableError(
            f"{where} row {rows[1]} (period 1), column survivors: every account left "
            "after one period; a fit needs survivors at period 1"
        )
    return pd.DataFrame({"period": np.arange(n), "survivors": np.asarray(survivors, dtype=float)})


# ------------------------------------------------------------- cohorts in the simulator
def _term_months(scenario: Scenario, period_months: int | None) -> int:
    if period_months is not None:
        if isinstance(period_months, bool) or int(period_months) != period_months:
            raise ValueError(f"period_months must be a whole number, got {period_months!r}")
        if not 1 <= period_months <= 120:
            raise ValueError(f"period_months must be between 1 and 120, got {period_months!r}")
        return int(period_months)
    terms = {scenario.portfolio.segment(s).term_months for s in SEGMENTS}
    if len(terms) > 1:
        raise ValueError(
            f"the scenario's segments have different term_months {sorted(terms)}; pass "
            "period_months (the contract period the cohort table counts in)"
        )
    return terms.pop()


def cohort_scenario(
    scenario: Scenario,
    *,
    accounts: int = 2000,
    periods: int = 8,
    period_months: int | None = None,
) -> Scenario:
    """A fresh cohort shaped like ``scenario``'s book, for survival curves.

    The segment mix of the starting book is scaled to ``accounts`` accounts (largest
    remainders) and the number of managers by the same factor, so each manager carries the
    same load. Every account starts as a new customer at time 0; no prospects arrive; the
    horizon covers ``periods`` contract periods of ``period_months`` months (by default the
    segments' common term). Theory mode, if set, is kept.

    Examples
    --------
    >>> sc = cohort_scenario(default_scenario(), accounts=1000, periods=5)
    >>> sc.portfolio.total_accounts, sc.team.managers, sc.horizon_years, sc.start
    (1000, 12, 5.0, 'cohort')
    """
    if isinstance(accounts, bool) or int(accounts) != accounts or accounts < 1:
        raise ValueError(f"accounts must be a whole number >= 1, got {accounts!r}")
    if isinstance(periods, bool) or int(periods) != periods or periods < 1:
        raise ValueError(f"periods must be a whole number >= 1, got {periods!r}")
    term = _term_months(scenario, period_months)
    counts = np.array([scenario.portfolio.segment(s).count for s in SEGMENTS], float)
    if counts.sum() == 0:
        counts = np.array([0.0, 0.0, 0.0, 1.0])  # an empty book: a cohort of small accounts
    share = counts / counts.sum() * accounts
    scaled = np.floor(share).astype(int)
    for k in np.argsort(-(share - scaled), kind="stable")[: accounts - scaled.sum()]:
        scaled[k] += 1
    factor = accounts / max(scenario.portfolio.total_accounts, 1)
    changes: dict[str, Any] = {
        "start": "cohort",
        "warmup_years": 0.0,
        "horizon_years": periods * term / 12,
        "pipeline.prospects_per_month": 0.0,
        "team.managers": max(1, round(scenario.team.managers * factor)),
    }
    for seg, n in zip(SEGMENTS, scaled, strict=True):
        changes[f"portfolio.{seg}.count"] = int(n)
        changes[f"portfolio.{seg}.term_months"] = term
    return scenario.update(changes)


def simulated_cohort(results: Results, periods: int | None = None) -> pd.DataFrame:
    """The cohort table of a simulated cohort: accounts still active at each period.

    An account counts at period ``t`` if it renewed ``t`` times without leaving (churning
    or defecting) first; a later win-back does not bring it back into the cohort. Only
    accounts active at time 0 belong to the cohort, so run a cohort scenario
    (:func:`cohort_scenario`, or ``start="cohort"``). ``periods`` defaults to the number of
    whole contract terms (the longest segment term) in the horizon.

    Examples
    --------
    >>> from simkit.engine.model import simulate
    >>> sc = default_scenario().update(
    ...     {"theory": {"renewal": "constant", "r": 0.5}, "start": "cohort", "warmup_years": 0})
    >>> simulated_cohort(simulate(sc))["survivors"].tolist()
    [500, 258, 130, 56]
    """
    sc = results.scenario
    used = [s for s in SEGMENTS if sc.portfolio.segment(s).count > 0] or ["small"]
    term_days = max(sc.portfolio.segment(s).term_months * DAYS_PER_MONTH for s in used)
    available = int(math.floor(sc.horizon_days / term_days + 1e-9))
    if periods is None:
        periods = available
    elif periods > available:
        raise ValueError(
            f"periods={periods} is more than the {available} whole contract periods the "
            "horizon covers"
        )
    ev = results.events
    event = ev["event"].astype(str)
    cohort = ev.loc[
        (event == "init") & ev["stage_after"].astype(str).isin(["customer", "loyal"]), "account"
    ].to_numpy()
    in_cohort = np.isin(ev["account"].to_numpy(), cohort)
    ev = ev.loc[in_cohort]
    event = event[in_cohort]
    left = ev.loc[event.isin(["churn", "defect"])].groupby("account")["time"].min()
    renew = ev.loc[event == "renew", ["account", "time"]]
    exit_time = renew["account"].map(left).fillna(np.inf)
    renewed = renew.loc[renew["time"] < exit_time].groupby("account").size()
    made = renewed.reindex(cohort, fill_value=0).to_numpy()
    survivors = [int((made >= t).sum()) for t in range(periods + 1)]
    return pd.DataFrame({"period": np.arange(periods + 1), "survivors": survivors})


# ------------------------------------------------------------------------ the result
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


# ----------------------------------------------------------------------- calibration
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
    term = _term_months(base, period_months)
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
            full, accounts=min(accounts, _PILOT_ACCOUNTS), periods=periods, period_months=term
        )
        params, simulated, more = _fit_behaviour(pilot, cohort, fitted, strategy)
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
    suffix = f" (calibrated to a cohort, {mode})"
    return name[: 200 - len(suffix)] + suffix


# ------------------------------------------------------------ behaviour-model fitting
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


def _expected_survival(x: np.ndarray, paths: _Paths, slope: float, defect0: float) -> np.ndarray:
    """Expected cohort survival S(1..T) for log-parameters x (see the module docstring)."""
    logit50, log_first, log_loyal = x
    logit = (
        logit50
        + slope * (paths.health - 50.0) / 10.0
        - log_first * paths.first
        - log_loyal * paths.loyal
    )
    log_s = -np.logaddexp(0.0, -logit)  # log P(renew)
    if defect0 > 0 and paths.approach_row.size:
        d = defect0 * (1.0 - paths.approach_health / 100.0) ** 2
        d = d * np.exp(log_loyal * paths.approach_loyal)
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
    return math.log(p / (1.0 - p))


def _params(x: np.ndarray, free: np.ndarray, base: Mapping[str, float]) -> dict[str, float]:
    """Behaviour values of log-parameters ``x``; fixed ones keep their base value exactly."""
    values = [1.0 / (1.0 + math.exp(-x[0])), math.exp(x[1]), math.exp(x[2])]
    out = {}
    for k, name in enumerate(BEHAVIOUR_PARAMETERS):
        low, high = _BOUNDS[name]
        out[name] = float(min(max(values[k], low), high)) if free[k] else float(base[name])
    return out


def _fit_behaviour(
    pilot: Scenario, cohort: Scenario, fitted: np.ndarray, strategy: Strategy
) -> tuple[dict[str, float], np.ndarray, list[str]]:
    """Adjust the renewal parameters so ``cohort`` under ``strategy`` follows ``fitted``.

    ``pilot`` is a (smaller) copy of ``cohort`` used for the pilot run.
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
