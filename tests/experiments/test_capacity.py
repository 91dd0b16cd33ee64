"""Tests for simkit.experiments.capacity: team size against waiting, churn and utilisation."""

from __future__ import annotations

import pytest

from simkit.experiments.capacity import CAPACITY_METRICS, capacity_sweep
from simkit.experiments.compare import compare
from tests.helpers import small_scenario

SMALL = small_scenario()  # ~60 accounts, one year, two managers


def test_capacity_sweep_shows_utilisation_falling_with_team_size():
    table = capacity_sweep(SMALL, ["reactive"], managers=[1, 2, 4], replications=1, jobs=1)
    util = table[table["metric"] == "utilisation"].set_index("managers")["mean"]
    assert list(util.index) == [1, 2, 4]
    assert util[1] > util[2] > util[4]
    with pytest.raises(ValueError, match="at least one team size"):
        capacity_sweep(SMALL, ["reactive"], managers=[])


def test_each_point_is_a_comparison_at_that_team_size():
    table = capacity_sweep(
        SMALL, ["reactive", "customer_success"], managers=[3], replications=2, jobs=1
    )
    assert len(table) == 2 * len(CAPACITY_METRICS)
    want = compare(SMALL.update({"team.managers": 3}), ["reactive", "customer_success"], 2, jobs=1)
    churn = table[table["metric"] == "churn_rate"].set_index("strategy")["mean"]
    runs = want.runs.groupby("strategy")["churn_rate"].mean()
    assert churn.to_dict() == pytest.approx(runs.to_dict())
