"""simkit: simulate a portfolio of client accounts under account-management strategies.

>>> from simkit import default_scenario, simulate
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "proactive_check_ins")
>>> res.strategy
'proactive_check_ins'

The names below are the short way in; each lives in a module of its layer (``engine``:
the model; ``analysis``: metrics and summaries; ``experiments``: replications, sweeps and
frontiers; ``viz``, ``ui``, ``teaching`` on top). They are loaded on first use (PEP 562),
so ``import simkit`` -- and ``simkit --help`` -- stay quick and pull in neither
matplotlib nor scipy until a name that needs them is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_WHERE = {
    # engine: the model and what it reads
    "Scenario": "simkit.engine.scenario",
    "ScenarioError": "simkit.engine.scenario",
    "default_scenario": "simkit.engine.scenario",
    "load_scenario": "simkit.engine.scenario",
    "Alert": "simkit.engine.strategies",
    "Cadence": "simkit.engine.strategies",
    "CustomerSuccess": "simkit.engine.strategies",
    "KeyAccountFocus": "simkit.engine.strategies",
    "ProactiveCheckIns": "simkit.engine.strategies",
    "Reactive": "simkit.engine.strategies",
    "Strategy": "simkit.engine.strategies",
    "Touch": "simkit.engine.strategies",
    "get_strategy": "simkit.engine.strategies",
    "StrategyError": "simkit.engine.guard",
    "SimulationTimeout": "simkit.engine.guard",
    "simulate": "simkit.engine.model",
    "Results": "simkit.engine.results",
    # experiments: many runs at once
    "Comparison": "simkit.experiments.compare",
    "compare": "simkit.experiments.compare",
    "replicate": "simkit.experiments.runner",
    "sweep": "simkit.experiments.sweep",
    "frontier_table": "simkit.experiments.frontier",
    "sensitivity": "simkit.experiments.sensitivity",
    # viz: figures
    "frontier_plot": "simkit.viz.frontier",
}
"""Public name -> the module that defines it."""

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use, and keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'simkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names too, before they are loaded (for tab completion)."""
    return sorted({*globals(), *_WHERE})
