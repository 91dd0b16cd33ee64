"""Tests for simkit.analysis.calibration: reading cohort tables, fitting them, the scenarios
built, and the model's rules the behaviour fit applies.

Statistical checks use fixed seeds (deterministic) and state how often a correct program
would fail them by chance: simultaneous 95 % binomial bands (Bonferroni over periods), and
parameter recovery within 3 standard errors.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from simkit.analysis.calibration import (
    BEHAVIOUR_PARAMETERS,
    CalibrationResult,
    CohortTableError,
    calibrate,
    cohort_scenario,
    read_cohort_table,
    simulated_cohort,
)
from simkit.analysis.calibration.behaviour import (
    _expected_survival,
    _Paths,
    log_renewal_probability,
)
from simkit.analysis.retention import sbg_survival
from simkit.cli import app
from simkit.engine import rules
from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario, load_scenario
from simkit.io.files import save_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cohort.csv"
ALPHA, BETA = 1.0, 3.0
PERIODS = 6


def known_cohort(size: int = 4000, periods: int = PERIODS, seed: int = 5) -> list[int]:
    """Survivors at t = 0..periods of a cohort whose churn probabilities are Beta(1, 3)."""
    rng = np.random.default_rng(seed)
    lifetime = rng.geometric(rng.beta(ALPHA, BETA, size=size))
    return [int((lifetime > t).sum()) for t in range(periods + 1)]


def shares(table: pd.DataFrame) -> np.ndarray:
    s = table["survivors"].to_numpy(dtype=float)
    return s / s[0]


# --------------------------------------------------------------------------- reading
def test_every_input_form_gives_the_same_table(tmp_path):
    values = [1000, 869, 743, 653]
    csv = tmp_path / "c.csv"
    csv.write_text("\ufeffPeriod , Survivors,note\n0,1000,start\n1,869,\n2, 743,\n3,653,x\n")
    forms = [
        values,
        np.array(values),
        pd.Series(values),
        pd.DataFrame({"period": range(4), "survivors": values}),
        csv,
        str(csv),
    ]
    for form in forms:
        table = read_cohort_table(form)
        assert table["period"].tolist() == [0, 1, 2, 3], form
        assert table["survivors"].tolist() == [1000.0, 869.0, 743.0, 653.0], form


def test_example_file_is_a_valid_table():
    table = read_cohort_table(EXAMPLE)
    assert len(table) >= 6
    assert np.all(np.diff(table["survivors"]) < 0)


BAD_CSV = [
    ("0,1000\n1,abc\n2,700\n", r"row 3 \(period 1\), column survivors: 'abc' is not a number"),
    ("0,1000\n1,800\n2,850\n", r"row 4 \(period 2\), column survivors: 850 is more than the 800"),
    ("0,1000\n1,-5\n2,-6\n", r"row 3 \(period 1\), column survivors: must be >= 0, got '-5'"),
    ("0,1000\n1,\n2,700\n", r"row 3 \(period 1\), column survivors: empty"),
    ("0,1000\n1,800\n3,700\n", r"row 4, column period: expected 2 .*got '3'"),
    ("0,1000\nx,800\n2,700\n", r"row 3, column period: 'x' is not a number"),
    ("0,0\n1,0\n2,0\n", r"row 2 \(period 0\), column survivors: the cohort size must be > 0"),
    ("0,1000\n1,800\n", r"needs at least 3 rows \(period 0 and two more periods\), got 2"),
    ("0,100\n1,100\n2,100\n", r"no account ever leaves"),
    ("0,100\n1,0\n2,0\n", r"row 3 \(period 1\), column survivors: every account left"),
    ("0,1000\n1,inf\n2,700\n", r"row 3 \(period 1\), column survivors: 'inf' is not a finite"),
]


@pytest.mark.parametrize(("body", "message"), BAD_CSV)
def test_malformed_csv_names_the_row_and_column(tmp_path, body, message):
    path = tmp_path / "cohort.csv"
    path.write_text("period,survivors\n" + body)
    with pytest.raises(CohortTableError, match=message) as info:
        read_cohort_table(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("period,count\n0,1000\n1,800\n2,700\n", r"missing column 'survivors'.*got period, count"),
        ("", r"the file is empty; expected columns period,survivors"),
        ("period,survivors\n0,1000,1\n1,800\n2,700\n", r"row 2: 3 values but the header has 2"),
        ("period,survivors\n0,1000\n\n1,abc\n2,700\n", r"row 4 \(period 1\), column survivors"),
        ("period,survivors\n", r"needs at least 3 rows .*got 0"),
    ],
)
def test_malformed_csv_files(tmp_path, text, message):
    path = tmp_path / "cohort.csv"
    path.write_text(text)
    with pytest.raises(CohortTableError, match=message):
        read_cohort_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(CohortTableError, match=r"nope\.csv: no such file"):
        read_cohort_table(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([1000, "x", 700], r"^cohort table row 2 \(period 1\), column survivors: 'x' is not"),
        ([1000, 800, None], r"^cohort table row 3 \(period 2\), column survivors: empty"),
        (pd.Series([10.0, 8.0, 7.0], index=[1, 2, 3]), r"row 1, column period: expected 0"),
        (pd.DataFrame({"period": [0, 1, 2]}), r"missing column 'survivors'"),
        ([[1000, 800], [700, 600]], r"expected one list of survivors"),
        ({"0": 1000}, r"expected a CSV path, a DataFrame, a Series or a list"),
    ],
)
def test_malformed_in_memory_tables(table, message):
    with pytest.raises(CohortTableError, match=message):
        read_cohort_table(table)


# ------------------------------------------------------------------ simulated cohorts
def test_cohort_scenario_keeps_mix_and_load():
    base = default_scenario()
    sc = cohort_scenario(base, accounts=1234, periods=4)
    counts = [sc.portfolio.segment(s).count for s in SEGMENTS]
    assert sum(counts) == 1234
    expected = np.array([base.portfolio.segment(s).count for s in SEGMENTS]) * 1234 / 500
    assert np.all(np.abs(np.array(counts) - expected) < 1)
    assert sc.team.managers == round(base.team.managers * 1234 / 500)
    assert (sc.start, sc.warmup_years, sc.horizon_years) == ("cohort", 0.0, 4.0)
    assert sc.pipeline.prospects_per_month == 0
    quarterly = cohort_scenario(base, accounts=10, periods=8, period_months=3)
    assert quarterly.horizon_years == 2.0
    assert {quarterly.portfolio.segment(s).term_months for s in SEGMENTS} == {3}


def test_cohort_scenario_needs_one_period_length():
    mixed = default_scenario().update({"portfolio.key.term_months": 24})
    with pytest.raises(ValueError, match=r"different term_months \[12, 24\]; pass period_months"):
        cohort_scenario(mixed)
    assert cohort_scenario(mixed, period_months=12).portfolio.key.term_months == 12
    with pytest.raises(ValueError, match="accounts must be a whole number >= 1"):
        cohort_scenario(mixed, accounts=0, period_months=12)


def test_simulated_cohort_counts_renewals_before_the_first_exit():
    sc = default_scenario().update({"horizon_years": 2})
    rows = [  # account, time, event, stage_after
        (0, 0.0, "init", "customer"),
        (0, 365.0, "renew", "customer"),
        (0, 730.0, "churn", "former"),  # left at its second renewal ...
        (0, 800.0, "winback", "prospect"),
        (0, 900.0, "convert", "customer"),  # ... and came back: still out of the cohort
        (1, 0.0, "init", "customer"),
        (1, 100.0, "defect", "former"),  # left mid-term in period 0
        (2, 0.0, "init", "loyal"),
        (2, 365.0, "renew", "loyal"),
        (2, 730.0, "renew", "loyal"),  # a renewal exactly at the horizon end counts
        (3, 0.0, "init", "prospect"),  # not a customer at the start: not in the cohort
        (3, 200.0, "convert", "customer"),
        (3, 565.0, "renew", "customer"),
    ]
    events = pd.DataFrame(rows, columns=["account", "time", "event", "stage_after"])
    res = Results(sc, "reactive", 0, events, pd.DataFrame(), pd.DataFrame())
    assert simulated_cohort(res)["survivors"].tolist() == [3, 2, 1]
    assert simulated_cohort(res, periods=1)["period"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="more than the 2 whole contract periods"):
        simulated_cohort(res, periods=3)


# ----------------------------------------------------------------- theory calibration
@pytest.fixture(scope="module")
def known():
    return known_cohort()


def test_theory_calibration_recovers_the_parameters(known):
    res = calibrate(None, known, behaviour=False)
    assert isinstance(res, CalibrationResult)
    fit = res.fit
    assert abs(fit.alpha - ALPHA) < 3 * fit.alpha_se
    assert abs(fit.beta - BETA) < 3 * fit.beta_se
    th = res.theory.theory
    assert (th.renewal, th.alpha, th.beta) == ("beta", fit.alpha, fit.beta)
    assert res.theory.start == "cohort" and res.theory.warmup_years == 0
    assert res.behaviour is None and res.changes == {}
    assert res.table["behaviour"].isna().all() and math.isnan(res.behaviour_gap)
    assert res.fit_gap == pytest.approx(
        np.abs(shares(read_cohort_table(known)) - fit.survival).max()
    )
    with pytest.raises(ValueError, match="behaviour calibration was not run"):
        res.scenario("behaviour")


def test_theory_scenario_reproduces_the_table(known):
    """10,000 simulated accounts vs the 4,000 observed: simultaneous 95 % bands for the
    difference of two binomial shares at each period (Bonferroni over the periods)."""
    res = calibrate(None, known, behaviour=False)
    sim = simulated_cohort(simulate(cohort_scenario(res.theory, accounts=10_000, periods=PERIODS)))
    observed, simulated = np.array(known) / known[0], shares(sim)
    p = res.table["fitted"].to_numpy()[1:]
    half = stats.norm.ppf(1 - 0.025 / PERIODS) * np.sqrt(p * (1 - p) * (1 / known[0] + 1 / 10_000))
    assert np.all(np.abs(simulated[1:] - observed[1:]) <= half)
    # the same bands tell a cohort with a 5-point better first renewal apart
    wrong = sbg_survival(ALPHA, BETA * 1.3, np.arange(1, PERIODS + 1))
    assert np.any(np.abs(wrong - observed[1:]) > half)


def test_percentages_need_a_size_only_for_standard_errors():
    pct = [100, 75, 60, 50, 42.9]
    plain = calibrate(None, pct, behaviour=False)
    sized = calibrate(None, pct, behaviour=False, n_start=1000)
    counts = calibrate(None, [1000, 750, 600, 500, 429], behaviour=False)
    assert plain.fit.alpha == pytest.approx(counts.fit.alpha, rel=1e-6)
    assert math.isnan(plain.fit.alpha_se) and not math.isnan(sized.fit.alpha_se)
    assert sized.fit.alpha_se == pytest.approx(counts.fit.alpha_se, rel=1e-6)
    assert "±" not in plain.report().splitlines()[0]


def test_a_table_without_rising_retention_gets_constant_renewal():
    geometric = [10_000, 8_000, 6_400, 5_120, 4_096]
    res = calibrate(None, geometric, behaviour=False)
    assert res.theory.theory.renewal == "constant"
    assert res.theory.theory.r == pytest.approx(0.8, abs=1e-3)
    assert any("does not rise with tenure" in n for n in res.notes)


def test_period_months_sets_the_contract_term():
    res = calibrate(None, [1000, 900, 820, 760], behaviour=False, period_months=3)
    assert {res.theory.portfolio.segment(s).term_months for s in SEGMENTS} == {3}


def test_bad_arguments():
    with pytest.raises(ValueError, match="tolerance must be between 0 and 1"):
        calibrate(None, [100, 80, 70], tolerance=0)
    with pytest.raises(TypeError, match="Scenario"):
        calibrate({"team": 1}, [100, 80, 70])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown strategy"):
        calibrate(None, [100, 80, 70], baseline="hope")
    with pytest.raises(ValueError, match="period_months must be between 1 and 120"):
        calibrate(None, [100, 80, 70], behaviour=False, period_months=0)


# ------------------------------------------------------- the model's rules, on arrays
@given(
    health=st.floats(0, 100),
    at_50=st.floats(0.01, 0.99),
    slope=st.floats(0, 2),
    loyal=st.floats(0.05, 1),
    first=st.floats(0.1, 10),
)
def test_log_renewal_probability_is_the_models_rule(health, at_50, slope, loyal, first):
    expected = rules.renewal_probability(
        health, at_50, slope, loyal_factor=loyal, first_term_factor=first
    )
    got = log_renewal_probability(np.array([health]), at_50, slope, np.log(loyal), np.log(first))
    assert np.exp(got[0]) == pytest.approx(expected, rel=1e-9)


def test_expected_survival_applies_the_renewal_and_defection_rules():
    """Two accounts, two periods, one competitor approach: the cohort's expected survival
    worked out account by account with the scalar rules of simkit.engine.rules."""
    paths = _Paths(
        health=np.array([[60.0, 70.0], [30.0, 45.0]]),
        loyal=np.array([[0.0, 1.0], [0.0, 0.0]]),
        first=np.array([1.0, 0.0]),
        approach_row=np.array([1]),
        approach_period=np.array([1]),
        approach_health=np.array([40.0]),
        approach_loyal=np.array([0.0]),
        dropped=0,
    )
    at_50, first, loyal, slope, defect0 = 0.85, 2.0, 0.4, 0.6, 0.3
    x = np.array([math.log(at_50 / (1 - at_50)), math.log(first), math.log(loyal)])

    def renew(h, k, is_loyal):
        return rules.renewal_probability(
            h, at_50, slope, loyal_factor=loyal if is_loyal else 1.0,
            first_term_factor=first if k == 0 else 1.0,
        )  # fmt: skip

    a = [renew(60.0, 0, False), renew(70.0, 1, True)]
    won_by_rival = rules.defection_probability(40.0, defect0)
    b = [renew(30.0, 0, False), (1 - won_by_rival) * renew(45.0, 1, False)]
    expected = [(a[0] + b[0]) / 2, (a[0] * a[1] + b[0] * b[1]) / 2]
    np.testing.assert_allclose(_expected_survival(x, paths, slope, defect0), expected, rtol=1e-12)


# -------------------------------------------------------------- behaviour calibration
@pytest.fixture(scope="module")
def calibrated(known):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the gap must be within tolerance
        return calibrate(None, known, accounts=2000)


@pytest.mark.slow
def test_behaviour_changes_only_the_renewal_parameters(calibrated):
    base, new = default_scenario(), calibrated.behaviour
    assert isinstance(new, Scenario)
    assert set(calibrated.changes) <= set(BEHAVIOUR_PARAMETERS)
    for name, (before, after) in calibrated.changes.items():
        assert getattr(base.behaviour, name) == before
        assert getattr(new.behaviour, name) == after
    assert new.behaviour.renewal_at_50 != base.behaviour.renewal_at_50
    keep = {"name", "behaviour"}
    assert {k: v for k, v in new.to_dict().items() if k not in keep} == {
        k: v for k, v in base.to_dict().items() if k not in keep
    }
    others = set(type(base.behaviour).model_fields) - set(BEHAVIOUR_PARAMETERS)
    assert all(getattr(new.behaviour, f) == getattr(base.behaviour, f) for f in others)
    assert calibrated.scenario("behaviour") is new and calibrated.scenario() is new


@pytest.mark.slow
def test_behaviour_cohort_reproduces_the_fitted_curve_out_of_sample(calibrated):
    """A fresh cohort with other random numbers (replication 1) stays within tolerance."""
    assert calibrated.behaviour_gap <= calibrated.tolerance
    sc = cohort_scenario(calibrated.behaviour, accounts=3000, periods=PERIODS)
    sim = shares(simulated_cohort(simulate(sc, "reactive", replication=1)))
    fitted = calibrated.table["fitted"].to_numpy()
    assert np.abs(sim - fitted).max() <= calibrated.tolerance
    # and the uncalibrated scenario does not: the calibration did the work
    before = shares(simulated_cohort(simulate(cohort_scenario(default_scenario(), periods=6))))
    assert np.abs(before - fitted).max() > calibrated.tolerance


@pytest.mark.slow
def test_report_shows_fit_changes_table_and_gaps(calibrated):
    text = calibrated.report()
    assert text.startswith("sBG fit: alpha = ")
    assert "behaviour.renewal_at_50: 0.88 -> " in text
    assert "period observed fitted behaviour" in " ".join(text.split())
    assert f"reactive cohort vs fitted: {calibrated.behaviour_gap:.3f}" in text
    assert any("loyal_churn_factor" in n for n in calibrated.notes)  # nobody turns loyal


def test_calibration_is_deterministic_and_ignores_a_theory_base():
    a = calibrate(None, [1000, 750, 600, 500], accounts=300)
    theory_base = default_scenario().update({"theory": {"renewal": "constant", "r": 0.5}})
    b = calibrate(theory_base, [1000, 750, 600, 500], accounts=300)
    assert a.changes == b.changes and a.changes
    pd.testing.assert_frame_equal(a.table, b.table)
    assert b.behaviour is not None and b.behaviour.theory is None
    assert b.behaviour == a.behaviour


# ------------------------------------------------------------------ the command line
runner = CliRunner()


def test_cli_theory_mode_writes_a_valid_scenario(tmp_path):
    out = tmp_path / "calibrated.toml"
    result = runner.invoke(app, ["calibrate", str(EXAMPLE), "-o", str(out), "--mode", "theory"])
    assert result.exit_code == 0, result.output
    assert "sBG fit: alpha = " in result.output and f"wrote {out}" in result.output
    assert os.listdir(tmp_path) == ["calibrated.toml"]  # no temporary files left behind
    fit = calibrate(None, EXAMPLE, behaviour=False).fit
    sc = load_scenario(out)
    assert sc.theory is not None and sc.theory.alpha == pytest.approx(fit.alpha)
    ok = runner.invoke(app, ["scenario", "validate", str(out)])
    assert ok.exit_code == 0 and "valid" in ok.output


def test_cli_behaviour_mode_with_a_base_scenario(tmp_path):
    base = save_scenario(default_scenario().update({"team.managers": 8}), tmp_path / "base.yaml")
    out = tmp_path / "mine.yaml"
    table = tmp_path / "short.csv"
    table.write_text("period,survivors\n0,500\n1,400\n2,340\n3,300\n")
    args = ["calibrate", str(table), "-s", str(base), "-o", str(out), "--accounts", "300"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + result.stderr
    sc = load_scenario(out)
    assert sc.theory is None and sc.team.managers == 8
    assert sc.behaviour.renewal_at_50 != default_scenario().behaviour.renewal_at_50
    assert runner.invoke(app, ["scenario", "validate", str(out)]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "body", "needle"),
    [
        ([], "0,1000\n1,800\n2,850\n", "row 4 (period 2), column survivors: 850 is more"),
        ([], "0,1000\n1,n/a\n2,700\n", "row 3 (period 1), column survivors: 'n/a' is not"),
        (["--mode", "exact"], "0,1000\n1,800\n2,700\n", "--mode must be behaviour or theory"),
        (
            ["--cohort-size", "-3"],
            "0,100\n1,80\n2,70\n",
            "n_start (the cohort's size) must be a number > 0",
        ),
    ],
)
def test_cli_errors_are_one_line_and_leave_the_old_file(tmp_path, args, body, needle):
    table = tmp_path / "cohort.csv"
    table.write_text("period,survivors\n" + body)
    out = tmp_path / "scenario.toml"
    out.write_text("# an earlier calibration\n")
    result = runner.invoke(app, ["calibrate", str(table), "-o", str(out), *args])
    assert result.exit_code == 2
    assert needle in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output + result.stderr
    assert out.read_text() == "# an earlier calibration\n"


def test_cli_refuses_a_bad_output_suffix_before_working(tmp_path):
    out = tmp_path / "scenario.txt"
    result = runner.invoke(app, ["calibrate", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 2 and "--out must end in .toml" in result.stderr
    assert not out.exists()
