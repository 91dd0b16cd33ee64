"""Which assumptions change the answer: sensitivity of strategy comparisons to the model's
assumptions.

A comparison says "customer success beats reactive by 6 points of NRR a year". But the model
behind it rests on assumptions -- how much a touch helps, how fast a relationship fades --
that nobody has measured (:mod:`simkit.experiments.sensitivity_ranges` gives each one a
plausible range and the reason for it). :func:`sensitivity` moves the assumptions across
those ranges, runs every strategy at every setting, and reports, for each assumption:

* its **effect** on each strategy's difference to the baseline, in NRR (points per year)
  and in profit (money per year) -- and on each strategy's own NRR and profit;
* whether the **ranking** of the strategies **flips** inside the plausible range.

Two designs are offered (both sampled and analysed with SALib, not by hand):

``method="oat"``
    One at a time: every parameter at its low and its high end, the others at the
    scenario's values. The effect is the swing between the lowest and the highest result.
    Easy to read (a tornado plot), blind to interactions.
``method="morris"``
    Morris elementary effects (a global screening): ``trajectories`` random paths through the
    whole range box, each moving one parameter at a time by a fixed step. For each parameter
    ``mu_star`` is the mean absolute change of the output per *full plausible range* of the
    parameter (so it is in the output's unit), ``sigma`` the spread of those changes
    (non-linearity or interactions), ``mu`` their signed mean.

Every design point runs the same replications ``0 .. n-1`` of every strategy (common random
numbers), so two points differ by their settings, not by luck. Runs go to local processes or
a Dask cluster (:func:`simkit.experiments.runner.run_many`).

>>> from simkit.engine.scenario import default_scenario
>>> small = default_scenario().update({"horizon_years": 1, "portfolio.small.count": 40})
>>> res = sensitivity(small, ["reactive", "customer_success"], ["behaviour.renewal_at_50"],
...                   method="oat", replications=1, jobs=1)
>>> res.table()[["parameter", "strategy", "output"]]
                 parameter          strategy       output
0  behaviour.renewal_at_50  customer_success     nrr_diff
1  behaviour.renewal_at_50  customer_success  profit_diff
>>> list(res.flips().columns)
['parameter', 'metric', 'flips', 'share', 'pairs', 'ranking', 'tolerance']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import BaseModel

from simkit.analysis.registry import METRICS, PER_YEAR
from simkit.engine.scenario import Scenario, ScenarioError
from simkit.engine.strategies import get_strategy, strategy_label
from simkit.experiments.runner import Run, StrategyLike, check_replications, run_many
from simkit.experiments.sensitivity_flips import ranking_flips, result_flips
from simkit.experiments.sensitivity_ranges import PLAUSIBLE_RANGES, Parameter, as_parameters

__all__ = [
    "DEFAULT_STRATEGIES",
    "METHODS",
    "OUTPUTS",
    "PLAUSIBLE_RANGES",
    "Parameter",
    "QUICK",
    "SensitivityResult",
    "output_label",
    "ranking_flips",
    "sensitivity",
]

METHODS = ("morris", "oat")
"""The designs :func:`sensitivity` offers."""

DEFAULT_STRATEGIES: tuple[str, ...] = (
    "reactive",
    "customer_success",
    "proactive_check_ins",
    "key_account_focus",
)
"""The strategies compared by default; the first is the baseline."""

OUTPUTS: Mapping[str, tuple[str, str, str]] = {
    "nrr_diff": ("NRR difference vs {baseline}", "points per year", "nrr"),
    "profit_diff": ("Profit difference vs {baseline}", "currency per year", "profit"),
    "nrr": ("NRR", "% per year", "nrr"),
    "profit": ("Profit", "currency per year", "profit"),
}
"""Outputs whose sensitivity is measured: name -> (label, unit, the metric behind it).
``*_diff`` are a strategy minus the baseline in the same replication; the others are the
strategy's own figures."""

QUICK: Mapping[str, Any] = {"trajectories": 2, "levels": 4, "replications": 1, "horizon_years": 1.0}
"""Settings of a quick screening (``sensitivity(scenario, **QUICK)``): a few seconds on the
default scenario, for a first look and for tests."""


def output_label(output: str, baseline: str = "reactive", with_unit: bool = True) -> str:
    """A readable name of an output, with its unit and period.

    >>> output_label("nrr_diff", "reactive")
    'NRR difference vs Reactive (points per year)'
    """
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; choose from {', '.join(OUTPUTS)}")
    text, unit, _ = OUTPUTS[output]
    text = text.format(baseline=strategy_label(baseline))
    return f"{text} ({unit})" if with_unit else text


@dataclass
class SensitivityResult:
    """What :func:`sensitivity` found.

    Attributes
    ----------
    method : ``"morris"`` or ``"oat"``.
    scenario : the scenario at the centre (with any horizon override applied).
    strategies : strategy names; ``baseline`` is the one differences are taken against.
    parameters : the :class:`~simkit.experiments.sensitivity_ranges.Parameter` varied.
    replications : runs per strategy at each design point (replications 0 .. n-1).
    design : one row per design point: ``point``, the value of each parameter (a column per
        field), and for OAT ``moved`` (the field moved, "" at the centre) and ``position``
        (``"default"``, ``"low"``, ``"high"``); for Morris ``trajectory`` and ``step``.
    runs : one row per (point, strategy, replication): ``nrr`` (% per year) and ``profit``
        (money per year), and the run figures profit comes from (``revenue``,
        ``gross_profit``, ``strategy_cost``, as the run reports them).
    effects : the tidy effect table (see :meth:`table`).
    profit_basis : how ``profit`` was formed from the run's figures.
    """

    method: str
    scenario: Scenario
    strategies: list[str]
    baseline: str
    parameters: tuple[Parameter, ...]
    replications: int
    design: pd.DataFrame
    runs: pd.DataFrame
    effects: pd.DataFrame = field(repr=False)
    profit_basis: str = ""
    _flips: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def points(self) -> pd.DataFrame:
        """Mean outputs per (design point, strategy) over the replications: ``nrr``,
        ``profit``, ``nrr_diff`` and ``profit_diff`` (0 for the baseline)."""
        return _point_means(self.runs, self.baseline)

    def table(
        self,
        outputs: Sequence[str] = ("nrr_diff", "profit_diff"),
        strategy: str | None = None,
        tolerance: float | str = "noise",
    ) -> pd.DataFrame:
        """One row per (parameter, strategy, output), largest effect first within each
        (strategy, output).

        Columns: ``parameter`` (the field), ``low``, ``high``, ``default``, ``unit``,
        ``strategy``, ``baseline``, ``output``, ``label`` (with unit and period),
        ``effect`` (Morris: ``mu_star``; OAT: the swing, highest minus lowest result),
        ``rank`` (1 = largest effect), ``flips`` (inside the range this strategy swaps places
        with another by this output's metric, beyond ``tolerance``; see :meth:`flips`),
        then for Morris
        ``mu_star``, ``mu``, ``sigma``, ``mu_star_conf`` and for OAT ``at_low``,
        ``at_default``, ``at_high``.
        """
        unknown = [o for o in outputs if o not in OUTPUTS]
        if unknown:
            raise ValueError(f"unknown output(s) {unknown}; choose from {', '.join(OUTPUTS)}")
        t = self.effects[self.effects["output"].isin(list(outputs))]
        if strategy is not None:
            if strategy not in self.strategies:
                raise ValueError(f"strategy {strategy!r} is not one of {self.strategies}")
            t = t[t["strategy"] == strategy]
        pairs = self.flips(tolerance).set_index(["parameter", "metric"])["pairs"]
        involved = {key: {s for pair in str(p).split("; ") if p for s in pair.split("/")}
                    for key, p in pairs.items()}  # fmt: skip
        metric = t["output"].map(lambda o: OUTPUTS[o][2])
        keys = zip(t["parameter"], metric, t["strategy"], strict=True)
        t = t.assign(flips=[s in involved.get((p, m), set()) for p, m, s in keys])
        order = {o: i for i, o in enumerate(outputs)}
        strat = {s: i for i, s in enumerate(self.strategies)}
        t = t.assign(_o=t["output"].map(order), _s=t["strategy"].map(strat))
        t = t.sort_values(["_s", "_o", "rank"], kind="stable").drop(columns=["_o", "_s"])
        return t.reset_index(drop=True)

    def flips(self, tolerance: float | str = "noise") -> pd.DataFrame:
        """Whether the ranking of the strategies flips as each parameter moves in its range.

        One row per (parameter, metric): ``metric`` (``"nrr"`` or ``"profit"``), ``flips``
        (True when two strategies swap places), ``share`` (the share of the parameter's
        comparisons with a swap: OAT has one, low-default-high; Morris one per step that
        moves the parameter), ``pairs`` (the strategies that swap, ``"a/b; c/d"``),
        ``ranking`` (best first: at the centre for OAT, on average over the design for
        Morris) and ``tolerance``. Two strategies swap when one is ahead by more than the
        tolerance at one setting and behind by more than it at another. ``"noise"`` (the
        default) is twice the standard error of the paired difference between two
        strategies, from the replications (0 with one replication: every swap counts);
        give a number to choose it yourself.
        """
        key = str(tolerance)
        if key not in self._flips:
            self._flips[key] = result_flips(self, tolerance)
        return self._flips[key].copy()


def sensitivity(
    scenario: Scenario,
    strategies: Sequence[StrategyLike] = DEFAULT_STRATEGIES,
    parameters: Iterable[Parameter | str] | Mapping[str, Sequence[float]] | None = None,
    method: Literal["morris", "oat"] = "morris",
    *,
    baseline: str | None = None,
    trajectories: int = 4,
    levels: int = 4,
    replications: int = 2,
    horizon_years: float | None = None,
    jobs: int | None = None,
    scheduler: object = None,
    seed: int | None = None,
    progress: bool = False,
) -> SensitivityResult:
    """How the strategies' differences move with the model's assumptions.

    Parameters
    ----------
    scenario : the scenario at the centre of the ranges.
    strategies : strategy names or objects (at least two, distinct names).
    parameters : what to vary: None for every assumption in
        :data:`~simkit.experiments.sensitivity_ranges.PLAUSIBLE_RANGES`, a list of field
        names from it and/or :class:`~simkit.experiments.sensitivity_ranges.Parameter`
        objects, or ``{field: (low, high)}``.
    method : ``"morris"`` (global screening) or ``"oat"`` (one at a time).
    baseline : the strategy differences are taken against (default: the first).
    trajectories, levels : Morris design: number of paths ``r`` and grid levels ``p``
        (``r * (k + 1)`` design points for ``k`` parameters). Ignored by OAT
        (``2 k + 1`` points). A whole-number field (``team.managers``) takes the design's
        value rounded; ``design`` shows the values run.
    replications : runs per strategy at every point (the same seeds everywhere).
    horizon_years : simulate this many years instead of the scenario's horizon.
    jobs, scheduler : local processes, or a Dask ``distributed.Client`` / scheduler address
        (see :func:`simkit.experiments.runner.run_many`).
    seed : seed of the Morris design and of its bootstrap intervals (default: the
        scenario's seed). The runs' own randomness always comes from the scenario's seed.
    progress : show a progress bar.

    Every run counts: ``r (k + 1) * strategies * replications`` (Morris) or
    ``(2 k + 1) * strategies * replications`` (OAT). The defaults (18 parameters, 4
    strategies, 4 trajectories, 2 replications) make 608 runs of the scenario.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a simkit Scenario, got {type(scenario).__name__}")
    replications = check_replications(replications)
    if horizon_years is not None:
        scenario = scenario.update({"horizon_years": horizon_years})
    strats = [get_strategy(s) for s in strategies]
    names = [s.name for s in strats]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"give at least two strategies with distinct names, got {names}")
    if baseline is None:
        baseline = names[0]
    elif baseline not in names:  # a name or alias of a built-in: "cs" -> "customer_success"
        baseline = get_strategy(baseline).name
    if baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not one of {names}")
    params = as_parameters(parameters)
    seed = scenario.seed % 2**32 if seed is None else int(seed)

    if method == "morris":
        _check_whole("trajectories", trajectories, 1)
        _check_whole("levels", levels, 2)
        if levels % 2:
            raise ValueError(f"levels must be an even number (4 is usual), got {levels}")
        X, design = _morris_design(params, trajectories, levels, seed)
    else:
        X, design = _oat_design(params, scenario)
    scenarios = _scenarios(scenario, params, X)
    for p in params:  # integer fields take rounded values
        design[p.field] = [_get(s.to_dict(), p.field) for s in scenarios]

    tasks = [  # lean runs: only the headline figures are read, never the events
        Run(sc, strat, rep, record="summary")
        for sc in scenarios
        for strat in strats
        for rep in range(replications)
    ]
    done = run_many(tasks, jobs=jobs, progress=progress, desc="sensitivity", scheduler=scheduler)
    rows, basis = [], ""
    for i, out in enumerate(done):
        point = i // (len(strats) * replications)
        profit, basis = _profit(out.summary, scenarios[point])
        rows.append(
            {"point": point, "strategy": out.strategy, "replication": out.replication,
             "nrr": float(out.summary["nrr"]), "profit": profit,
             "revenue": float(out.summary["revenue"]),
             "gross_profit": float(out.summary.get("gross_profit", math.nan)),
             "strategy_cost": float(out.summary["strategy_cost"])}
        )  # fmt: skip
    runs = pd.DataFrame(rows)
    _check_defined(runs, design)
    means = _point_means(runs, baseline)
    if method == "morris":
        effects = _morris_effects(params, X, means, names, baseline, levels, seed)
    else:
        effects = _oat_effects(params, design, means, names, baseline)
    defaults = {p.field: _get(scenario.to_dict(), p.field) for p in params}
    effects.insert(3, "default", effects["parameter"].map(defaults))
    return SensitivityResult(
        method, scenario, names, baseline, params, replications, design, runs, effects, basis
    )


# -- designs --------------------------------------------------------------------------------
def _check_whole(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")


def _problem(params: Sequence[Parameter]) -> dict[str, Any]:
    return {
        "num_vars": len(params),
        "names": [p.field for p in params],
        "bounds": [[float(p.low), float(p.high)] for p in params],
    }


def _morris_design(
    params: Sequence[Parameter], trajectories: int, levels: int, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    from SALib.sample import morris as morris_sample

    X = morris_sample.sample(_problem(params), N=trajectories, num_levels=levels, seed=seed)
    k = len(params)
    design = pd.DataFrame({"point": np.arange(len(X))})
    design["trajectory"] = design["point"] // (k + 1)
    design["step"] = design["point"] % (k + 1)
    return X, design


def _oat_design(params: Sequence[Parameter], scenario: Scenario) -> tuple[np.ndarray, pd.DataFrame]:
    centre = [float(_get(scenario.to_dict(), p.field)) for p in params]
    rows, moved, position = [list(centre)], [""], ["default"]
    for j, p in enumerate(params):
        for end, value in (("low", p.low), ("high", p.high)):
            row = list(centre)
            row[j] = float(value)
            rows.append(row)
            moved.append(p.field)
            position.append(end)
    X = np.array(rows, dtype=float)
    design = pd.DataFrame({"point": np.arange(len(X)), "moved": moved, "position": position})
    return X, design


def _scenarios(base: Scenario, params: Sequence[Parameter], X: np.ndarray) -> list[Scenario]:
    """The scenario of every design point, validated before anything runs."""
    data = base.to_dict()
    for p in params:
        if p.field in ("seed", "name", "horizon_years", "warmup_years"):
            raise ValueError(f"{p.field} is not an assumption of the model; it cannot be varied")
        try:
            value = _get(data, p.field)
        except KeyError:
            raise ValueError(f"{p.field} is not a field of the scenario") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{p.field} is not a number (it is {value!r}); only numbers vary")
    integer = {p.field: _is_int_field(p.field) for p in params}
    for p in params:  # each end on its own first: the clearest message
        for end in (p.low, p.high):
            try:
                base.update({p.field: int(round(end)) if integer[p.field] else float(end)})
            except ScenarioError as exc:
                raise ValueError(
                    f"{p.field}: the range ({p.low:g}, {p.high:g}) leaves the allowed values: {exc}"
                ) from None
    out = []
    for row in X:
        changes = {
            p.field: int(round(v)) if integer[p.field] else float(v)
            for p, v in zip(params, row, strict=True)
        }
        try:
            out.append(base.update(changes))
        except ScenarioError as exc:
            shown = ", ".join(f"{f}={v:g}" for f, v in changes.items())
            raise ValueError(
                f"the parameter ranges make an invalid scenario at {shown}: {exc}"
            ) from None
    return out


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def _is_int_field(dotted: str) -> bool:
    """Whether the scenario field takes whole numbers (``team.managers``)."""
    model: Any = Scenario
    annotation: Any = None
    for part in dotted.split("."):
        info = model.model_fields.get(part) if model is not None else None
        if info is None:
            return False
        annotation = info.annotation
        inner = (annotation, *get_args(annotation))  # Theory | None -> Theory
        model = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return annotation is int


# -- outputs --------------------------------------------------------------------------------
def _profit(summary: pd.Series, scenario: Scenario) -> tuple[float, str]:
    """A run's profit per year, and how it was formed.

    The run's ``profit`` figure when the metric registry has one; else its ``gross_profit``
    less the cost of the hours worked (``strategy_cost``) -- the numerator of a strategy's
    return minus its denominator; else revenue times the scenario's gross margin (1 without
    economics) less that cost. Figures over the whole horizon are divided by its years.
    """
    years = scenario.horizon_years

    def yearly(name: str) -> float:
        value = float(summary[name])
        m = METRICS.get(name)
        return value if m is not None and m.basis == PER_YEAR else value / years

    cost = yearly("strategy_cost")
    if "profit" in summary.index:
        return yearly("profit"), "profit (the run's figure)"
    if "gross_profit" in summary.index:
        return yearly("gross_profit") - cost, "gross profit - cost of the hours worked"
    economics = getattr(scenario, "economics", None)
    margin = float(getattr(economics, "gross_margin", 1.0))
    return (
        yearly("revenue") * margin - cost,
        f"revenue x gross margin ({margin:g}) - cost of the hours worked",
    )


def _check_defined(runs: pd.DataFrame, design: pd.DataFrame) -> None:
    bad = runs[runs[["nrr", "profit"]].isna().any(axis=1)]
    if not bad.empty:
        row = bad.iloc[0]
        point = design[design["point"] == row["point"]].drop(columns="point").iloc[0].to_dict()
        raise ValueError(
            f"NRR or profit is undefined for {row['strategy']} at design point "
            f"{int(row['point'])} ({point}): the book has no clients to measure"
        )


def _point_means(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    base = runs[runs["strategy"] == baseline][["point", "replication", "nrr", "profit"]]
    joined = runs.merge(base, on=["point", "replication"], suffixes=("", "_base"), sort=False)
    joined["nrr_diff"] = joined["nrr"] - joined["nrr_base"]
    joined["profit_diff"] = joined["profit"] - joined["profit_base"]
    cols = ["nrr", "profit", "nrr_diff", "profit_diff"]
    return joined.groupby(["point", "strategy"], sort=False)[cols].mean().reset_index()


def _series(means: pd.DataFrame, strategy: str, output: str) -> np.ndarray:
    sub = means[means["strategy"] == strategy].sort_values("point")
    return sub[output].to_numpy(dtype=float)


def _outputs(names: Sequence[str], baseline: str) -> list[tuple[str, str]]:
    pairs = [(s, o) for o in ("nrr_diff", "profit_diff") for s in names if s != baseline]
    return pairs + [(s, o) for o in ("nrr", "profit") for s in names]


def _effect_row(p: Parameter, strategy: str, baseline: str, output: str) -> dict[str, Any]:
    return {
        "parameter": p.field, "low": p.low, "high": p.high, "unit": p.unit,
        "strategy": strategy, "baseline": baseline, "output": output,
        "label": output_label(output, baseline),
    }  # fmt: skip


def _ranked(rows: list[dict[str, Any]]) -> pd.DataFrame:
    t = pd.DataFrame(rows)
    t["rank"] = (
        t.groupby(["strategy", "output"])["effect"]
        .rank(ascending=False, method="first")
        .astype(int)
    )
    return t


def _morris_effects(
    params: Sequence[Parameter],
    X: np.ndarray,
    means: pd.DataFrame,
    names: Sequence[str],
    baseline: str,
    levels: int,
    seed: int,
) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze

    problem = _problem(params)
    rows = []
    for strategy, output in _outputs(names, baseline):
        Y = _series(means, strategy, output)
        found = morris_analyze.analyze(
            problem, X, Y, num_levels=levels, conf_level=0.95, seed=seed, print_to_console=False
        )
        for j, p in enumerate(params):
            row = _effect_row(p, strategy, baseline, output)
            mu_star = float(found["mu_star"][j])
            row.update(
                effect=mu_star, mu_star=mu_star, mu=float(found["mu"][j]),
                sigma=float(found["sigma"][j]), mu_star_conf=float(found["mu_star_conf"][j]),
            )  # fmt: skip
            rows.append(row)
    return _ranked(rows)


def _oat_effects(
    params: Sequence[Parameter],
    design: pd.DataFrame,
    means: pd.DataFrame,
    names: Sequence[str],
    baseline: str,
) -> pd.DataFrame:
    at = means.set_index(["point", "strategy"])
    where = {
        (m, pos): pt for pt, m, pos in design[["point", "moved", "position"]].itertuples(False)
    }
    rows = []
    for strategy, output in _outputs(names, baseline):
        centre = float(at.loc[(0, strategy), output])
        for p in params:
            low = float(at.loc[(where[(p.field, "low")], strategy), output])
            high = float(at.loc[(where[(p.field, "high")], strategy), output])
            row = _effect_row(p, strategy, baseline, output)
            swing = max(low, centre, high) - min(low, centre, high)
            row.update(effect=swing, at_low=low, at_default=centre, at_high=high)
            rows.append(row)
    return _ranked(rows)
