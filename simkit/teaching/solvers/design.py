"""Notebook 08, design a strategy: the open problem "beat the reactive baseline".

There is no single right answer here. :func:`judge_strategy` runs the learner's strategy
against :class:`~simkit.engine.strategies.Reactive` over paired replications (common random
numbers) and passes it when the 95 % confidence interval of the NRR difference lies above
zero; otherwise it says what went wrong -- the class instead of an object, nothing
overridden, a crash in the learner's code, an overloaded team.
"""

from __future__ import annotations

from typing import Any

from simkit.teaching.datasets import exercise_scenario
from simkit.teaching.solvers.core import Facts, judges, solves

DESIGN_REPLICATIONS = 3
"""Paired runs per strategy when checking the design problem."""

_HOOKS = ("setup", "check_in", "onboarding", "health_alert", "issue_priority", "pitch_upsell")


@solves("beat-reactive")
def beat_reactive() -> Facts:
    """No fixed answer: the facts only say how many paired runs the judge uses."""
    return {"answer": None, "replications": DESIGN_REPLICATIONS}


def _not_a_design(answer: Any) -> str | None:
    """Why ``answer`` cannot be simulated as a design of its own, or None when it can."""
    from simkit.engine.strategies import Combined, Reactive, Strategy

    if isinstance(answer, type) and issubclass(answer, Strategy):
        name = answer.__name__
        return f"You passed the class {name}. Pass a strategy object: {name}()."
    if not isinstance(answer, Strategy):
        return (
            f"Your answer has type {type(answer).__name__}. Write a class that subclasses "
            "simkit.engine.strategies.Strategy and pass an instance of it, e.g. MyStrategy()."
        )
    if isinstance(answer, Reactive):
        return "That is the reactive baseline itself; design something different."
    unchanged = not isinstance(answer, Combined) and all(
        getattr(type(answer), h) is getattr(Strategy, h) for h in _HOOKS
    )
    if unchanged and answer.pitch_health == Strategy().pitch_health:
        return (
            "Your strategy does exactly what reactive does. Override at least one method: "
            "check_in (regular touches), onboarding, health_alert, issue_priority or "
            "pitch_upsell."
        )
    if answer.name == "reactive":
        return 'Give your strategy its own name, e.g. name = "my plan".'
    return None


@judges("strategy")
def judge_strategy(answer: Any) -> tuple[bool, str]:
    """Run the learner's strategy against reactive and judge the paired NRR difference."""
    from simkit.engine.strategies import Reactive
    from simkit.experiments.compare import compare

    problem = _not_a_design(answer)
    if problem is not None:
        return False, problem
    scenario = exercise_scenario()
    try:
        cmp = compare(
            scenario, [Reactive(), answer], DESIGN_REPLICATIONS, jobs=1, time_limit=30, isolate=True
        )
    except Exception as exc:  # the learner's code: report it, do not crash
        return False, (
            f"Your strategy raised {type(exc).__name__} during the simulation: {exc}. "
            "Fix it and check again."
        )
    diff = cmp.differences(metrics=["nrr"]).iloc[0]
    mean, lo, hi = float(diff["mean_diff"]), float(diff["ci_low"]), float(diff["ci_high"])
    util = cmp.table(["utilisation"]).set_index("strategy")["mean"]
    mine, base = float(util[answer.name]), float(util["reactive"])
    figures = (
        f"NRR {mean:+.1f} points against reactive (95 % CI {lo:+.1f} to {hi:+.1f}) over "
        f"{DESIGN_REPLICATIONS} paired runs with the same {scenario.team.managers} managers; "
        f"team utilisation {mine:.0f} % (reactive {base:.0f} %)."
    )
    if lo > 0:
        return True, f"Your strategy beats reactive: {figures}"
    if mean > 0:
        return False, (
            f"Better on average, but the interval includes 0, so it may be luck: {figures} "
            "Make the effect stronger, e.g. reach more of the accounts that churn."
        )
    if mine > 90:
        return False, (
            f"Your strategy overloads the team: {figures} Issues queue up and health falls. "
            "Spend fewer hours per touch, or touch fewer accounts less often."
        )
    return False, (
        f"No better than reactive: {figures} Look at who churns in the event log "
        "(segment, health) and aim your touches there."
    )
