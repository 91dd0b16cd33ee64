"""The plain functions behind the money, pipeline, work and per-year figures."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.analysis import metrics


def test_gross_profit_and_operating_profit_by_hand():
    gp = metrics.gross_profit(revenue=2_000_000, gross_margin=0.75)
    assert gp == 1_500_000.0
    team = metrics.headcount_cost(managers=4, salary=120_000)
    spend = metrics.acquisition_spend({"key": 2, "small": 10}, {"key": 40_000, "small": 1_500})
    assert (team, spend) == (480_000.0, 95_000.0)
    assert metrics.operating_profit(gp, team, spend) == 925_000.0
    assert metrics.operating_profit(100.0, 480.0, 0.0) == -380.0  # a loss is a loss
    assert metrics.headcount_cost(4, 120_000, years=0.5) == 240_000.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.gross_profit(100, 75), "gross_margin must be a fraction"),
        (lambda: metrics.gross_profit(-1, 0.5), "revenue must be 0 or more"),
        (lambda: metrics.acquisition_spend({"key": 1}, 5.0), "both be numbers or both"),
        (lambda: metrics.acquisition_spend({"key": 1}, {"small": 5.0}), "segment 'key'"),
        (lambda: metrics.headcount_cost(-1, 100), "managers must be 0 or more"),
        (lambda: metrics.win_rate(0, 0), "needs a decided deal"),
        (lambda: metrics.missed_share(0, 0), "no touch was planned"),
        (lambda: metrics.per_year(100, 0), "years must be greater than 0"),
        (lambda: metrics.yearly_churn(120, 1), "churn_pct must be at most 100"),
    ],
)
def test_bad_input_gets_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pipeline_and_work_shares():
    assert metrics.win_rate(won=7, lost=13) == 35.0
    assert metrics.touches_planned(delivered=150, missed=50) == 200.0
    assert metrics.missed_share(missed=50, delivered=150) == 25.0


def test_per_year_rules():
    assert metrics.per_year(30_000, years=0.25) == 120_000.0
    assert metrics.yearly_retention(90.0, years=1) == 90.0
    assert metrics.yearly_retention(81.0, years=2) == pytest.approx(90.0)
    assert metrics.yearly_retention(90.0, years=0.5) == pytest.approx(81.0)
    assert metrics.yearly_churn(10.0, years=0.5) == pytest.approx(19.0)


@settings(max_examples=80, deadline=None)
@given(st.floats(1.0, 150.0), st.floats(0.05, 3.0), st.integers(2, 6))
def test_compounding_periods_gives_the_same_year(retention, years, parts):
    """Keeping R each of ``parts`` periods of ``years / parts`` is keeping R ** parts over
    ``years``: both say the same per year."""
    whole = 100 * (retention / 100) ** parts
    assert metrics.yearly_retention(whole, years) == pytest.approx(
        metrics.yearly_retention(retention, years / parts), rel=1e-9
    )
    churn = 100 - min(retention, 100.0)
    assert metrics.yearly_churn(churn, years) == pytest.approx(
        100 - metrics.yearly_retention(100 - churn, years), abs=1e-9
    )


def test_a_year_is_left_exactly_as_it_is():
    """Yearly tables show the plain function's own number, to the last digit."""
    for value in (90.65, 17.3, 104.123456789):
        assert metrics.yearly_retention(value, 1) == value
        assert metrics.yearly_churn(min(value, 100.0), 1) == min(value, 100.0)
