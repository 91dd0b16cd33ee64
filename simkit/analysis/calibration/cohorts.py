"""Cohorts in the simulator: a fresh cohort shaped like a scenario's book, and its survivors.

:func:`cohort_scenario` builds the cohort a calibration simulates: the base scenario's
segment mix scaled to a number of accounts, the team scaled by the same factor (same load
per manager), no new prospects, everyone starting as a new customer at time 0.
:func:`simulated_cohort` reads a run's cohort table (survivors per contract period), the
same shape :func:`~simkit.analysis.calibration.cohort_table.read_cohort_table` returns for
a real cohort, so the two can be compared period by period.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results

__all__ = ["cohort_scenario", "simulated_cohort", "term_months"]


def term_months(scenario: Scenario, period_months: int | None) -> int:
    """The contract period a cohort table counts in, in months: ``period_months`` if given
    (checked to be 1-120), else the term all the scenario's segments share.

    >>> from simkit.engine.scenario import default_scenario
    >>> term_months(default_scenario(), None), term_months(default_scenario(), 3)
    (12, 3)
    """
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
    >>> from simkit.engine.scenario import default_scenario
    >>> sc = cohort_scenario(default_scenario(), accounts=1000, periods=5)
    >>> sc.portfolio.total_accounts, sc.team.managers, sc.horizon_years, sc.start
    (1000, 8, 5.0, 'cohort')
    """
    if isinstance(accounts, bool) or int(accounts) != accounts or accounts < 1:
        raise ValueError(f"accounts must be a whole number >= 1, got {accounts!r}")
    if isinstance(periods, bool) or int(periods) != periods or periods < 1:
        raise ValueError(f"periods must be a whole number >= 1, got {periods!r}")
    term = term_months(scenario, period_months)
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
    >>> from simkit.engine.scenario import default_scenario
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
