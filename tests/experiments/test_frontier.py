"""The cost-vs-revenue frontier table: option means with CIs, efficiency, marginal returns."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from simkit.cli import app
from simkit.engine.strategies import strategy_label
from simkit.experiments.frontier import (
    choose_cost,
    efficient,
    format_frontier,
    frontier_table,
    measure_label,
)
from simkit.experiments.sweep import sweep
from tests.helpers import small_scenario


def _runs(options: dict, reps: int = 3, spread: float = 1.0) -> pd.DataFrame:
    """Runs for options {(managers, strategy): (revenue, hours cost)}; team cost = 10 x managers.

    Replication r adds ``spread * (r - 1)`` to revenue and half of it to hours cost, so every
    option has a known mean and a known paired difference.
    """
    rows = []
    for (managers, strategy), (revenue, hours) in options.items():
        for r in range(reps):
            rows.append(
                {
                    "team.managers": managers,
                    "strategy": strategy,
                    "replication": r,
                    "revenue": revenue + spread * (r - 1) * managers,
                    "strategy_cost": hours + 0.5 * spread * (r - 1),
                    "team_cost": 10.0 * managers,
                    "nrr": revenue / 10,
                }
            )
    return pd.DataFrame(rows)


def _efficient_set(t: pd.DataFrame) -> set:
    eff = t[t["efficient"]]
    return set(zip(eff["team.managers"], eff["strategy"], strict=True))


OPTIONS = {
    (2, "reactive"): (100.0, 5.0),
    (4, "reactive"): (120.0, 6.0),
    (2, "customer_success"): (110.0, 8.0),
    (4, "customer_success"): (150.0, 9.0),
    (6, "customer_success"): (151.0, 9.5),
}


def test_means_and_confidence_intervals_per_option():
    t = frontier_table(_runs(OPTIONS))
    assert len(t) == len(OPTIONS)
    row = t[(t["strategy"] == "customer_success") & (t["team.managers"] == 4)].iloc[0]
    revenue = [150.0 - 4, 150.0, 150.0 + 4]
    half = stats.t.ppf(0.975, 2) * np.std(revenue, ddof=1) / math.sqrt(3)
    assert row["value"] == pytest.approx(150.0)
    assert (row["value_low"], row["value_high"]) == pytest.approx((150 - half, 150 + half))
    assert row["n"] == 3 and row["label"] == strategy_label("customer_success")
    assert row["cost"] == pytest.approx(40.0) and row["strategy_cost"] == pytest.approx(9.0)


def test_efficient_options_are_exactly_the_non_dominated_ones():
    t = frontier_table(_runs(OPTIONS))
    efficient = _efficient_set(t)
    # (2, reactive) costs 20 like (2, cs) but earns less; (4, reactive) likewise vs (4, cs)
    assert efficient == {(2, "customer_success"), (4, "customer_success"), (6, "customer_success")}


def test_a_cheaper_option_that_earns_less_is_still_efficient_on_hours_cost():
    t = frontier_table(_runs(OPTIONS), cost="strategy_cost")
    assert t.attrs["cost"] == "strategy_cost" and (t["cost_measure"] == "strategy_cost").all()
    efficient = _efficient_set(t)
    # hours: reactive 5 and 6, cs 8, 9, 9.5; cs at 2 managers (8 h, 110) loses to reactive at 4
    assert efficient == {
        (2, "reactive"),
        (4, "reactive"),
        (4, "customer_success"),
        (6, "customer_success"),
    }


def test_marginal_return_of_each_extra_step_from_paired_replications():
    t = frontier_table(_runs(OPTIONS)).set_index(["strategy", "team.managers"])
    assert math.isnan(t.loc[("customer_success", 2), "marginal_return"])
    step = t.loc[("customer_success", 4)]
    # revenue per replication: 150 + 4(r-1) vs 110 + 2(r-1): differences 38, 40, 42
    assert step["extra_value"] == pytest.approx(40.0)
    assert step["extra_cost"] == pytest.approx(20.0)
    assert step["marginal_return"] == pytest.approx(2.0)
    diffs = np.array([38.0, 40.0, 42.0]) / 20.0
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / math.sqrt(3)
    assert (step["marginal_low"], step["marginal_high"]) == pytest.approx((2 - half, 2 + half))
    last = t.loc[("customer_success", 6)]
    assert last["marginal_return"] == pytest.approx((151.0 - 150.0) / 20.0)
    assert t.loc[("reactive", 4), "marginal_return"] == pytest.approx(20.0 / 20.0)


def test_cost_choice_follows_whether_the_team_varies():
    runs = _runs(OPTIONS)
    assert choose_cost(runs) == "team_cost"
    fixed = runs[runs["team.managers"] == 2]
    assert choose_cost(fixed) == "strategy_cost"
    t = frontier_table(fixed)
    assert t.attrs["cost"] == "strategy_cost"
    assert t["marginal_return"].isna().all()  # one team size: no steps to price


def test_other_conditions_get_their_own_frontier():
    small = _runs(OPTIONS).assign(**{"portfolio.small.count": 100})
    big = _runs(OPTIONS).assign(**{"portfolio.small.count": 300})
    big["revenue"] += 1000  # a bigger book earns more whatever you do
    t = frontier_table(pd.concat([small, big], ignore_index=True))
    assert t.attrs["conditions"] == ["portfolio.small.count"]
    per_condition = t.groupby("portfolio.small.count")["efficient"].sum()
    assert per_condition.tolist() == [3, 3]


def test_value_can_be_any_figure_and_bad_names_are_refused():
    t = frontier_table(_runs(OPTIONS), value="nrr")
    assert t.attrs["value"] == "nrr" and t["value"].max() == pytest.approx(15.1)
    with pytest.raises(ValueError, match="value 'profit' is not a figure of the runs"):
        frontier_table(_runs(OPTIONS), value="profit")
    with pytest.raises(ValueError, match="cost 'team.managers' is not a figure"):
        frontier_table(_runs(OPTIONS), cost="team.managers")
    with pytest.raises(ValueError, match="no 'replication' column"):
        frontier_table(_runs(OPTIONS).drop(columns="replication"))
    with pytest.raises(TypeError, match="DataFrame"):
        frontier_table([1, 2])


def test_efficient_options_on_known_points():
    cost = np.array([1.0, 2.0, 2.0, 3.0, np.nan, 0.5])
    value = np.array([5.0, 4.0, 6.0, 6.0, 99.0, 1.0])
    # (2, 4) loses to (1, 5); (3, 6) to (2, 6); a NaN is never efficient
    assert efficient(cost, value).tolist() == [True, False, True, False, False, True]
    assert efficient(np.array([1.0, 1.0]), np.array([2.0, 2.0])).tolist() == [True, True]


def test_measure_labels():
    assert measure_label("team_cost").startswith("Team cost")
    assert measure_label("nrr") == "NRR (% per year)"
    assert measure_label("hours_saved") == "hours saved"


def test_the_table_module_loads_no_plotting_library():
    code = "import sys, simkit.experiments.frontier; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_format_frontier_is_readable_text():
    text = format_frontier(frontier_table(_runs(OPTIONS)))
    assert list(text.columns[:2]) == ["team.managers", "strategy"]
    assert text["efficient"].tolist().count("yes") == 3
    assert text.iloc[3]["return per extra cost"].startswith("2 [")


def test_on_a_real_sweep():
    base = small_scenario(horizon_years=0.5, warmup_years=0.0)
    runs = sweep(base, {"team.managers": [1, 2]}, ["reactive", "cs"], replications=2, jobs=1)
    t = frontier_table(runs)
    assert len(t) == 4 and (t["n"] == 2).all() and t["efficient"].any()
    assert (t["cost"] == t["team_cost"]).all()
    step = t[(t["strategy"] == "reactive") & (t["team.managers"] == 2)].iloc[0]
    one = runs[(runs["strategy"] == "reactive") & (runs["team.managers"] == 1)]
    two = runs[(runs["strategy"] == "reactive") & (runs["team.managers"] == 2)]
    gain = two["revenue"].to_numpy() - one["revenue"].to_numpy()
    extra = two["team_cost"].to_numpy() - one["team_cost"].to_numpy()
    assert step["marginal_return"] == pytest.approx(gain.mean() / extra.mean())


def test_cli_frontier(tmp_path):
    path = tmp_path / "runs.csv"
    _runs(OPTIONS).to_csv(path, index=False)
    out = tmp_path / "f" / "frontier.png"
    result = CliRunner().invoke(app, ["frontier", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "cost = team_cost" in result.output and "Customer success" in result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(out.with_suffix(".csv"))) == len(OPTIONS)
    bad = CliRunner().invoke(app, ["frontier", str(path), "--value", "profit"])
    assert bad.exit_code == 2 and bad.output.startswith("error: value 'profit'")
    missing = CliRunner().invoke(app, ["frontier", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
