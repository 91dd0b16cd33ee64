"""Notebook 08, design a strategy: "beat reactive on NRR without adding managers", on economics.

There is no single right answer. :func:`judge_strategy` runs the learner's strategy and
:class:`~simkit.engine.strategies.Reactive` over the same :data:`DESIGN_REPLICATIONS`
simulated books (common random numbers), each run under a time cap of
:data:`DESIGN_TIME_LIMIT` seconds in a worker process that is stopped if it hangs, and
passes it only when **all four** of these hold (:func:`verdict`, in this order):

1. **The team can do the work**: mean team utilisation at or below the scenario's
   sustainable load (``team.sustainable_load`` x 100: 85 % by default). Above it, managers
   do worse work and nothing is left for a bad month.
2. **The work planned is done**: at most :data:`MAX_MISSED_SHARE` % of the proactive
   touches planned are missed (no manager free within their window).
3. **NRR clearly higher**: the 95 % confidence interval of the paired NRR difference
   against reactive lies above 0.
4. **It pays**: the 95 % interval of the return -- extra gross profit per year over extra
   cost per year (:func:`simkit.analysis.economics.strategy_return`) -- lies above
   :data:`MIN_RETURN` (1: the extra work pays for itself). A strategy that costs no more
   than reactive (the return is then undefined) must instead show a gross profit net of
   cost clearly above reactive's.

Capacity comes first, so a strategy that over-books the team (a 3-hour review every 30
days for every account) is rejected with the utilisation and the missed work named,
whatever its NRR. The messages are the ``[exercise.verdicts]`` of ``beat-reactive`` in
``simkit/data/exercises.toml``; this module only decides which one and fills in its
numbers:

>>> base = Figures(nrr_gain=9.5, nrr_low=6.7, nrr_high=12.3, ret=6.8, ret_low=4.3,
...                ret_high=9.2, net_gain=1.5e6, net_low=0.9e6, net_high=2.1e6,
...                extra_profit=1.7e6, extra_cost=0.23e6, utilisation=83.0,
...                base_utilisation=46.4, load_limit=85.0, missed_share=0.0,
...                touches_missed=0.0, touches_planned=1105.0, replications=3, managers=4)
>>> verdict(base)
(True, 'passed')
>>> from dataclasses import replace
>>> verdict(replace(base, utilisation=100.0, missed_share=73.0)), verdict(replace(base, nrr_low=-1))
((False, 'overbooked'), (False, 'unclear'))
>>> verdict(replace(base, ret_low=0.8))
(False, 'does_not_pay')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from simkit.teaching.datasets import exercise_scenario
from simkit.teaching.exercise import fill
from simkit.teaching.solvers.core import Facts, judges, solves

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario
    from simkit.experiments.compare import Comparison

DESIGN_REPLICATIONS = 3
"""Paired runs per strategy when checking the design problem."""

DESIGN_TIME_LIMIT = 20.0
"""Wall-clock seconds one simulated run of a candidate may take (a sensible strategy takes
well under one second here). A run past it stops; a method that never returns is stopped
with its worker process a few seconds later."""

MAX_MISSED_SHARE = 5.0
"""The most a passing strategy may miss: % of its planned proactive touches."""

MIN_RETURN = 1.0
"""The return's 95 % interval must lie above this: each unit of extra cost must bring back
more than one unit of extra gross profit."""

VERDICTS = (
    "is_class",
    "not_a_strategy",
    "is_reactive",
    "unchanged",
    "reactive_name",
    "crashed",
    "timeout",
    "figures",
    "economics_return",
    "economics_net",
    "overbooked",
    "missed_work",
    "worse",
    "unclear",
    "does_not_pay",
    "passed",
)
"""The messages of the judge (``[exercise.verdicts]`` in the TOML file). ``figures`` and
the two ``economics_`` ones are parts the others quote as ``{figures}`` and ``{economics}``."""

_HOOKS = ("setup", "check_in", "onboarding", "health_alert", "issue_priority", "pitch_upsell")


@solves("beat-reactive")
def beat_reactive() -> Facts:
    """No fixed answer: the facts are the rule the judge applies."""
    return {
        "answer": None,
        "replications": DESIGN_REPLICATIONS,
        "time_limit": DESIGN_TIME_LIMIT,
        "max_missed": MAX_MISSED_SHARE,
        "min_return": MIN_RETURN,
    }


def _not_a_design(answer: Any) -> tuple[str, Facts] | None:
    """Why ``answer`` cannot be simulated as a design of its own (verdict, facts), or None."""
    from simkit.engine.strategies import Combined, Reactive, Strategy

    if isinstance(answer, type) and issubclass(answer, Strategy):
        return "is_class", {"cls": answer.__name__}
    if not isinstance(answer, Strategy):
        return "not_a_strategy", {"type_name": type(answer).__name__}
    if isinstance(answer, Reactive):
        return "is_reactive", {}
    unchanged = not isinstance(answer, Combined) and all(
        getattr(type(answer), h) is getattr(Strategy, h) for h in _HOOKS
    )
    if unchanged and getattr(answer, "pitch_health", None) == Strategy().pitch_health:
        return "unchanged", {}
    if answer.name == "reactive":
        return "reactive_name", {}
    return None


@dataclass(frozen=True)
class Figures:
    """What the judge reads from the paired runs of a candidate and reactive.

    NRR and money differences are the candidate minus reactive, paired by replication;
    ``ret`` and its bounds are NaN when the extra cost is not clearly above 0. Money is per
    year; utilisation and missed share are % (means over the replications); touches are
    per year.
    """

    nrr_gain: float
    nrr_low: float
    nrr_high: float
    ret: float
    ret_low: float
    ret_high: float
    net_gain: float
    net_low: float
    net_high: float
    extra_profit: float
    extra_cost: float
    utilisation: float
    base_utilisation: float
    load_limit: float
    missed_share: float
    touches_missed: float
    touches_planned: float
    replications: int
    managers: int

    @property
    def return_defined(self) -> bool:
        """True when the extra cost is clearly above 0, so that the return means something."""
        return not math.isnan(self.ret_low)

    def pays(self) -> bool:
        """The economics rule: return interval above :data:`MIN_RETURN`, or (no clear extra
        cost) gross profit net of cost clearly above reactive's."""
        if self.return_defined:
            return self.ret_low > MIN_RETURN
        return self.net_low > 0


def figures_of(cmp: Comparison, name: str, baseline: str = "reactive") -> Figures:
    """The :class:`Figures` of strategy ``name`` against ``baseline`` in a comparison."""
    from simkit.analysis.economics import strategy_return
    from simkit.analysis.stats import paired_difference

    runs = cmp.runs.set_index("replication")
    mine, base = runs[runs["strategy"] == name], runs[runs["strategy"] == baseline]
    nrr = paired_difference(mine["nrr"], base["nrr"])
    net = paired_difference(
        mine["gross_profit"] - mine["strategy_cost"], base["gross_profit"] - base["strategy_cost"]
    )
    ret = strategy_return(cmp.runs, baseline).set_index("strategy").loc[name]
    return Figures(
        nrr_gain=nrr[0],
        nrr_low=nrr[1],
        nrr_high=nrr[2],
        ret=float(ret["return"]),
        ret_low=float(ret["low"]),
        ret_high=float(ret["high"]),
        net_gain=net[0],
        net_low=net[1],
        net_high=net[2],
        extra_profit=float(ret["extra_gross_profit_per_year"]),
        extra_cost=float(ret["extra_cost_per_year"]),
        utilisation=float(mine["utilisation"].mean()),
        base_utilisation=float(base["utilisation"].mean()),
        load_limit=100.0 * cmp.scenario.team.sustainable_load,
        missed_share=float(mine["missed_touch_share"].fillna(0.0).mean()),
        touches_missed=float(mine["touches_missed"].mean()),
        touches_planned=float(mine["touches_planned"].mean()),
        replications=cmp.replications,
        managers=cmp.scenario.team.managers,
    )


def verdict(f: Figures) -> tuple[bool, str]:
    """The rule of the exercise: ``(passed, name of the message)``; see the module docstring."""
    if f.utilisation > f.load_limit:
        return False, "overbooked"
    if f.missed_share > MAX_MISSED_SHARE:
        return False, "missed_work"
    if f.nrr_gain <= 0:
        return False, "worse"
    if f.nrr_low <= 0:
        return False, "unclear"
    if not f.pays():
        return False, "does_not_pay"
    return True, "passed"


def _message(name: str, f: Figures, words: Mapping[str, str]) -> str:
    """Fill the message ``name`` with the figures (and the ``figures`` and ``economics`` parts)."""
    facts: Facts = {**asdict(f), "max_missed": MAX_MISSED_SHARE, "min_return": MIN_RETURN}
    facts["figures"] = fill(words["figures"], facts)
    part = "economics_return" if f.return_defined else "economics_net"
    facts["economics"] = fill(words[part], facts)
    return fill(words[name], facts)


def run_design(
    answer: Any,
    scenario: Scenario | None = None,
    replications: int = DESIGN_REPLICATIONS,
    time_limit: float = DESIGN_TIME_LIMIT,
) -> Comparison:
    """Reactive and ``answer`` over the same replications, each run capped at ``time_limit``
    seconds in a worker process (so that a method that never returns can be stopped)."""
    from simkit.engine.strategies import Reactive
    from simkit.experiments.compare import compare

    return compare(
        scenario or exercise_scenario(),
        [Reactive(), answer],
        replications,
        jobs=1,
        time_limit=time_limit,
        isolate=True,
    )


@judges("strategy", verdicts=VERDICTS)
def judge_strategy(
    answer: Any,
    words: Mapping[str, str],
    scenario: Scenario | None = None,
    replications: int = DESIGN_REPLICATIONS,
    time_limit: float = DESIGN_TIME_LIMIT,
) -> tuple[bool, str]:
    """Run the learner's strategy against reactive and judge it by :func:`verdict`.

    ``scenario``, ``replications`` and ``time_limit`` default to the exercise's; tests pass
    smaller ones. Errors in the learner's code and runs past the time limit become messages,
    never tracebacks.
    """
    from simkit.engine.guard import SimulationTimeout

    problem = _not_a_design(answer)
    if problem is not None:
        name, facts = problem
        return False, fill(words[name], facts)
    try:
        cmp = run_design(answer, scenario, replications, time_limit)
    except SimulationTimeout:
        return False, fill(words["timeout"], {"time_limit": time_limit})
    except Exception as exc:  # the learner's code: report it, do not crash
        return False, fill(words["crashed"], {"error_type": type(exc).__name__, "error": exc})
    figures = figures_of(cmp, answer.name)
    passed, name = verdict(figures)
    return passed, _message(name, figures, words)
