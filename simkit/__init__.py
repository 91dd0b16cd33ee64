"""simkit: simulate a portfolio of client accounts under account-management strategies.

>>> from simkit import default_scenario, simulate
>>> res = simulate(default_scenario().update({"horizon_years": 1}), "proactive_check_ins")
>>> res.strategy
'proactive_check_ins'
"""

from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from simkit.engine.strategies import (
    Alert,
    Cadence,
    CustomerSuccess,
    KeyAccountFocus,
    ProactiveCheckIns,
    Reactive,
    Strategy,
    Touch,
    get_strategy,
)
from simkit.experiments.frontier import frontier_plot, frontier_table
from simkit.experiments.runner import Comparison, compare, replicate, sweep

__version__ = "0.1.0"

__all__ = [
    "Alert",
    "Cadence",
    "Comparison",
    "CustomerSuccess",
    "KeyAccountFocus",
    "ProactiveCheckIns",
    "Reactive",
    "Results",
    "Scenario",
    "ScenarioError",
    "Strategy",
    "Touch",
    "compare",
    "default_scenario",
    "get_strategy",
    "load_scenario",
    "frontier_plot",
    "frontier_table",
    "replicate",
    "simulate",
    "sweep",
]
