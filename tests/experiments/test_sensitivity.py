"""Tests for simkit.experiments.sensitivity: effects that are right, not just present.

A parameter the model never reads for NRR or money (the noise of survey answers) must get
an effect of exactly zero -- common random numbers make that exact; a parameter known to
drive retention (the renewal probability at health 50) must rank first on NRR; one-at-a-time
results must equal what :func:`compare` gives at the same settings; Morris effects must be
the elementary effects of the design, per full range; and the flip detector must find the
swaps of a made-up table and only those.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from simkit.engine.scenario import default_scenario
from simkit.experiments.compare import compare
from simkit.experiments.sensitivity import (
    OUTPUTS,
    QUICK,
    output_label,
    ranking_flips,
    sensitivity,
)
from simkit.experiments.sensitivity_ranges import PLAUSIBLE_RANGES, Parameter, as_parameters
from tests.helpers import small_scenario

SMALL = small_scenario()
NOISE = Parameter("behaviour.nps_noise_sd", 0.5, 3.0, "answer points", "no effect on money")
RENEWAL = "behaviour.renewal_at_50"
PAIR = ["reactive", "customer_success"]


@pytest.fixture(scope="module")
def morris():
    """A small Morris screening with one parameter that cannot matter for NRR or money."""
    return sensitivity(
        SMALL,
        PAIR,
        [RENEWAL, "behaviour.touch_health_gain", NOISE],
        trajectories=3,
        replications=2,
        jobs=1,
        seed=7,
    )


@pytest.fixture(scope="module")
def oat():
    return sensitivity(
        SMALL, PAIR, [RENEWAL, "behaviour.touch_health_gain"], method="oat", replications=2, jobs=1
    )


# -- effects ---------------------------------------------------------------------------------
def test_a_parameter_the_model_ignores_has_no_effect(morris):
    t = morris.table(outputs=list(OUTPUTS))
    noise = t[t["parameter"] == NOISE.field]
    assert len(noise) == 6  # nrr_diff, profit_diff for one strategy; nrr, profit for two
    assert np.allclose(noise["mu_star"], 0.0, atol=1e-9)
    assert np.allclose(noise["sigma"], 0.0, atol=1e-9)
    renewal = t[(t["parameter"] == RENEWAL) & (t["output"] == "nrr")]
    assert (renewal["mu_star"] > 1.0).all()  # points of NRR over the range: clearly not zero


@pytest.mark.slow
def test_the_renewal_probability_ranks_first_on_retention():
    """Without proactive work (reactive) retention is the renewal rule's: renewal_at_50 ranks
    first on NRR, and the health a touch adds moves nothing -- reactive makes no touches.
    A strategy built on touches (customer success) does depend on it."""
    params = [
        RENEWAL,
        "behaviour.touch_health_gain",
        "behaviour.contraction_share",
        "behaviour.pitch_fail_health_hit",
        NOISE,
    ]
    sc = default_scenario().update({"horizon_years": 1.0})
    res = sensitivity(sc, PAIR, params, trajectories=3, replications=1, seed=3)
    t = res.table(outputs=["nrr", "profit"]).set_index(["strategy", "output", "parameter"])
    t = t.sort_index()
    reactive = t.loc[("reactive", "nrr")].sort_values("rank")
    assert reactive.index[0] == RENEWAL
    for output in ("nrr", "profit"):
        assert t.loc[("reactive", output, "behaviour.touch_health_gain"), "mu_star"] == 0.0
        assert t.loc[("reactive", output, NOISE.field), "mu_star"] == 0.0
    cs = t.loc[("customer_success", "nrr")]
    assert cs.loc["behaviour.touch_health_gain", "mu_star"] > 1.0
    assert cs.loc[NOISE.field, "mu_star"] == 0.0


def test_morris_effects_are_elementary_effects_per_full_range(morris):
    """mu_star = mean over the steps that move a parameter of |change of output| divided by
    the step as a share of the range -- computed here from the design and the point means."""
    pts = morris.points()
    d = morris.design
    fields = [p.field for p in morris.parameters]
    X = d[fields].to_numpy(dtype=float)
    y = pts[pts["strategy"] == "customer_success"].sort_values("point")["nrr_diff"].to_numpy()
    effects: dict[str, list[float]] = {f: [] for f in fields}
    for i in range(1, len(X)):
        if d["step"].iloc[i] == 0:
            continue
        j = int(np.argmax(np.abs(X[i] - X[i - 1])))
        p = morris.parameters[j]
        step = (X[i, j] - X[i - 1, j]) / (p.high - p.low)
        effects[p.field].append((y[i] - y[i - 1]) / step)
    t = morris.table(outputs=["nrr_diff"]).set_index("parameter")
    for f in fields:
        assert len(effects[f]) == 3  # one step per trajectory
        assert math.isclose(t.loc[f, "mu_star"], np.mean(np.abs(effects[f])), abs_tol=1e-9)
        assert math.isclose(t.loc[f, "mu"], np.mean(effects[f]), abs_tol=1e-9)


def test_one_at_a_time_matches_compare_at_the_same_settings(oat):
    """The centre, the low end and the high end are ordinary comparisons (same seeds)."""
    t = oat.table(outputs=["nrr_diff", "profit_diff", "nrr"]).set_index(["parameter", "output"])
    row = t.loc[(RENEWAL, "nrr_diff")]
    for column, value in (("at_default", None), ("at_low", 0.80), ("at_high", 0.94)):
        sc = SMALL if value is None else SMALL.update({RENEWAL: value})
        diff = compare(sc, PAIR, replications=2, jobs=1).differences(metrics=["nrr"])
        expected = diff[diff["metric"] == "nrr"]["mean_diff"].iloc[0]
        assert math.isclose(row[column], expected, rel_tol=1e-12, abs_tol=1e-12)
    swing = max(row["at_low"], row["at_default"], row["at_high"])
    swing -= min(row["at_low"], row["at_default"], row["at_high"])
    assert math.isclose(row["effect"], swing)
    nrr = t.loc[(RENEWAL, "nrr")]
    reactive = nrr[nrr["strategy"] == "reactive"].iloc[0]
    assert reactive["at_high"] > reactive["at_default"] > reactive["at_low"]


def test_profit_is_per_year_and_says_how_it_was_formed(oat):
    runs = oat.runs
    years = oat.scenario.horizon_years
    basis = oat.profit_basis
    if basis.startswith("gross profit"):  # the registry's yearly figures
        assert np.allclose(runs["profit"], runs["gross_profit"] - runs["strategy_cost"])
        margin = oat.scenario.economics.gross_margin
        assert np.allclose(runs["gross_profit"], runs["revenue"] * margin)
    elif basis.startswith("revenue x gross margin"):  # whole-horizon totals
        margin = oat.scenario.economics.gross_margin
        expected = (runs["revenue"] * margin - runs["strategy_cost"]) / years
        assert np.allclose(runs["profit"], expected)
    else:
        pytest.fail(f"unexpected profit basis {basis!r}")
    pts = oat.points()
    base = pts[pts["strategy"] == "reactive"]
    assert np.allclose(base["profit_diff"], 0.0) and np.allclose(base["nrr_diff"], 0.0)


def test_tables_carry_units_periods_and_ranks(morris):
    t = morris.table()
    assert set(t["output"]) == {"nrr_diff", "profit_diff"}
    assert set(t["label"]) == {
        "NRR difference vs Reactive (points per year)",
        "Profit difference vs Reactive (currency per year)",
    }
    for _, group in t.groupby(["strategy", "output"]):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        assert list(group["effect"]) == sorted(group["effect"], reverse=True)
    assert (t["default"] == t["parameter"].map(lambda f: _field(SMALL, f))).all()
    assert output_label("profit", "reactive") == "Profit (currency per year)"


def _field(scenario, dotted):
    node = scenario.to_dict()
    for part in dotted.split("."):
        node = node[part]
    return node


def test_same_seeds_everywhere(morris):
    """Every design point runs the same replications of every strategy."""
    reps = morris.runs.groupby(["point", "strategy"])["replication"].apply(sorted)
    assert all(r == [0, 1] for r in reps)
    assert len(morris.design) == 3 * (3 + 1)


def test_whole_number_fields_take_whole_values():
    res = sensitivity(
        SMALL, PAIR, {"team.managers": (1, 4)}, trajectories=2, replications=1, jobs=1, seed=1
    )
    assert set(res.design["team.managers"]) <= {1, 2, 3, 4}
    assert res.design["team.managers"].map(lambda v: float(v).is_integer()).all()


# -- ranking flips ---------------------------------------------------------------------------
def _table(parameter, comparison, positions, values):
    rows = []
    for position, by_strategy in zip(positions, values, strict=True):
        for strategy, value in by_strategy.items():
            rows.append((parameter, comparison, position, strategy, value))
    return pd.DataFrame(rows, columns=["parameter", "comparison", "position", "strategy", "value"])


def test_the_flip_detector_on_a_made_up_table():
    values = [{"r": 0, "cs": 5, "p": 3}, {"r": 0, "cs": 4, "p": 3}, {"r": 0, "cs": 2, "p": 3}]
    swap = _table("a", 0, ["low", "default", "high"], values)
    steady = _table("b", 0, ["low", "high"], [{"r": 0, "cs": 5, "p": 3}, {"r": 1, "cs": 9, "p": 4}])
    tie = _table("c", 0, ["low", "high"], [{"r": 0, "cs": 0.05}, {"r": 0, "cs": -0.05}])
    two = pd.concat(
        [
            _table("d", 1, ["before", "after"], [{"r": 0, "cs": 1}, {"r": 0, "cs": 2}]),
            _table("d", 2, ["before", "after"], [{"r": 0, "cs": 1}, {"r": 0, "cs": -1}]),
        ]
    )
    found = ranking_flips(pd.concat([swap, steady, tie, two]), tolerance=0.1).set_index("parameter")
    assert found.loc["a", "flips"] and found.loc["a", "pairs"] == "cs/p"
    assert not found.loc["b", "flips"] and found.loc["b", "pairs"] == ""
    assert not found.loc["c", "flips"]  # within the tolerance: a tie, not a swap
    assert found.loc["d", "flips"] and found.loc["d", "share"] == 0.5
    strict = ranking_flips(tie).set_index("parameter")
    assert strict.loc["c", "flips"] and strict.loc["c", "pairs"] == "cs/r"
    with pytest.raises(ValueError, match="missing \\['value'\\]"):
        ranking_flips(swap.drop(columns="value"))


def test_flips_follow_the_one_at_a_time_results(oat):
    """A flip is reported exactly when the two strategies' order differs between the centre
    and an end of the range."""
    pts = oat.points().set_index(["point", "strategy"])
    d = oat.design
    flips = oat.flips(tolerance=0.0).set_index(["parameter", "metric"])
    for p in oat.parameters:
        points = [0, *d[d["moved"] == p.field]["point"]]
        for metric in ("nrr", "profit"):
            gaps = [
                pts.loc[(pt, "customer_success"), metric] - pts.loc[(pt, "reactive"), metric]
                for pt in points
            ]
            expected = min(gaps) < 0 < max(gaps)
            assert flips.loc[(p.field, metric), "flips"] == expected
    assert set(oat.table()["flips"]) <= {True, False}


def test_noise_tolerance_is_twice_the_standard_error_of_paired_differences(oat):
    runs = oat.runs
    for metric in ("nrr", "profit"):
        wide = runs.pivot_table(index=["point", "replication"], columns="strategy", values=metric)
        gap = wide["customer_success"] - wide["reactive"]
        var = gap.groupby(level="point").var(ddof=1).mean()
        expected = 2 * math.sqrt(var / 2)
        found = oat.flips()
        assert np.allclose(found[found["metric"] == metric]["tolerance"], expected)
    # a swap inside the noise is no flip; with the tolerance at 0 every swap counts
    loose = oat.flips(tolerance=1e12)
    assert not loose["flips"].any() and (loose["tolerance"] == 1e12).all()
    assert oat.flips(tolerance=0.0)["flips"].sum() >= oat.flips()["flips"].sum()
    with pytest.raises(ValueError, match="tolerance must be a number >= 0 or 'noise'"):
        oat.flips(tolerance="loud")
    single = sensitivity(SMALL, PAIR, [RENEWAL], method="oat", replications=1, jobs=1)
    assert (single.flips()["tolerance"] == 0.0).all()


# -- the plausible ranges and bad input ----------------------------------------------------------
def test_every_plausible_range_is_a_field_of_the_default_scenario_around_its_default():
    sc = default_scenario()
    for field, p in PLAUSIBLE_RANGES.items():
        value = _field(sc, field)
        assert p.low <= value <= p.high, f"{field}: default {value} outside [{p.low}, {p.high}]"
        assert p.unit and len(p.reason) > 20, f"{field} needs a unit and a reason"
        sc.update({field: p.low})  # both ends are valid scenario values
        sc.update({field: p.high})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "sobol"}, "method must be one of morris, oat"),
        ({"strategies": ["reactive"]}, "at least two strategies"),
        ({"baseline": "proactive"}, "baseline 'proactive_check_ins' is not one of"),
        ({"parameters": ["behaviour.magic"]}, "behaviour.magic has no plausible range"),
        ({"parameters": {"behaviour.magic": (0, 1)}}, "behaviour.magic is not a field"),
        ({"parameters": {"start": (0, 1)}}, "start is not a number"),
        ({"parameters": {"seed": (0, 1)}}, "seed is not an assumption"),
        ({"parameters": {RENEWAL: (0.5, 1.5)}}, "range \\(0.5, 1.5\\) leaves the allowed values"),
        ({"parameters": {RENEWAL: (0.9, 0.8)}}, "low end of the range must be below"),
        ({"parameters": [RENEWAL, RENEWAL]}, "repeated: behaviour.renewal_at_50"),
        ({"levels": 3}, "levels must be an even number"),
        ({"trajectories": 0}, "trajectories must be a whole number >= 1"),
        ({"replications": 0}, "replications must be a whole number >= 1"),
    ],
)
def test_bad_input_gets_one_clear_error(kwargs, message):
    args = {"strategies": PAIR, "parameters": [RENEWAL], "jobs": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        sensitivity(SMALL, **args)


def test_as_parameters_reads_names_mappings_and_objects():
    got = as_parameters([RENEWAL, NOISE])
    assert [p.field for p in got] == [RENEWAL, NOISE.field]
    assert got[0] is PLAUSIBLE_RANGES[RENEWAL]
    assert as_parameters(None) == tuple(PLAUSIBLE_RANGES.values())
    with pytest.raises(ValueError, match="give its range as \\(low, high\\)"):
        as_parameters({RENEWAL: 0.9})


@pytest.mark.slow
def test_the_quick_screening_of_the_default_scenario_is_quick():
    start = time.perf_counter()
    res = sensitivity(default_scenario(), **QUICK)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"quick screening took {elapsed:.0f} s"
    k = len(PLAUSIBLE_RANGES)
    assert len(res.design) == QUICK["trajectories"] * (k + 1)
    assert set(res.table()["strategy"]) == {
        "customer_success",
        "proactive_check_ins",
        "key_account_focus",
    }


def test_sensitivity_runs_are_lean(monkeypatch):
    """A sensitivity analysis reads headline figures only: its runs record no event log."""
    from simkit.experiments import sensitivity as sensitivity_module

    real, recorded = sensitivity_module.run_many, []

    def spy(tasks, **kwargs):
        recorded.extend(t.records for t in tasks)
        return real(tasks, **kwargs)

    monkeypatch.setattr(sensitivity_module, "run_many", spy)
    sensitivity(SMALL, PAIR, [RENEWAL], method="oat", replications=1, jobs=1)
    assert recorded and set(recorded) == {"summary"}
