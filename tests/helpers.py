"""Small scenarios shared by the tests (fast to simulate)."""

from __future__ import annotations

from simkit.engine.scenario import Scenario, default_scenario


def small_scenario(**changes: object) -> Scenario:
    """The default scenario shrunk to ~60 accounts and one year, plus ``changes``."""
    base = {
        "portfolio.key.count": 4,
        "portfolio.enterprise.count": 8,
        "portfolio.mid_market.count": 20,
        "portfolio.small.count": 28,
        "pipeline.prospects_per_month": 3.0,
        "team.managers": 2,
        "horizon_years": 1.0,
        "warmup_years": 0.25,
    }
    base.update(changes)
    return default_scenario().update(base)
