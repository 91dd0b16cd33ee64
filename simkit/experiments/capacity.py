"""Team capacity: the same book run with teams of different sizes.

With too few account managers, issues queue for the next free hour, waits grow, unhappy
accounts leave and the team is busy all the time; with more, waits shrink but idle hours
grow. :func:`capacity_sweep` measures that trade-off for one or more strategies: each team
size is a :func:`~simkit.experiments.compare.compare` of the strategies on the same
replications, so the curves differ only by team size. Draw the result with
:func:`simkit.viz.plots.capacity_curves`.

>>> from simkit.engine.scenario import default_scenario
>>> s = default_scenario().update({"horizon_years": 0.5})
>>> t = capacity_sweep(s, ["reactive"], managers=[3, 6], replications=1, jobs=1)
>>> sorted(t["managers"].unique().tolist()), sorted(t["metric"].unique().tolist())[:2]
([3, 6], ['churn_rate', 'nps'])
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy
from simkit.experiments.compare import compare

__all__ = ["CAPACITY_METRICS", "capacity_sweep"]

CAPACITY_METRICS = ("time_to_resolution", "churn_rate", "utilisation", "revenue", "nps")
"""Figures a capacity sweep reports: waiting, losses, how busy the team is, money, mood."""


def capacity_sweep(
    scenario: Scenario,
    strategies: Sequence[Strategy | str] = ("reactive",),
    managers: Sequence[int] = (2, 3, 4, 6),
    replications: int = 2,
    jobs: int | None = None,
) -> pd.DataFrame:
    """Run the same book with different team sizes: time to resolution, churn, utilisation.

    Parameters
    ----------
    scenario : the world to simulate; only ``team.managers`` changes between team sizes.
    strategies : strategy names or objects to run at every team size.
    managers : the team sizes.
    replications : runs per strategy and team size.
    jobs : processes (None: decided by the amount of work).

    Returns a tidy table with one row per (team size, strategy, figure of
    :data:`CAPACITY_METRICS`): ``strategy``, ``managers``, ``metric``, ``label``, ``mean``,
    ``ci_low``, ``ci_high``, ``n``.
    """
    if not managers:
        raise ValueError("managers must list at least one team size")
    tables = []
    for m in managers:
        cmp = compare(scenario.update({"team.managers": m}), strategies, replications, jobs=jobs)
        t = cmp.table(list(CAPACITY_METRICS))
        t.insert(1, "managers", int(m))
        tables.append(t)
    return pd.concat(tables, ignore_index=True)
