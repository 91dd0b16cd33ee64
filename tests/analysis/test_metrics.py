"""Tests for simkit.analysis.metrics: worked examples, edge cases, bad input and properties."""

import dataclasses
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simkit.analysis.metrics import (
    MRRMovements,
    average_time_to_resolution,
    churn_rate,
    customer_lifetime_value,
    discounted_clv,
    engagement_rate,
    gross_revenue_retention,
    logo_retention,
    mrr_movements,
    net_revenue_retention,
    nps,
    nps_from_shares,
    renewal_rate,
    retention_rate,
    revenue_growth,
    upsell_rate,
)

# -- worked examples from the source articles -----------------------------------


def test_article_retention_example():
    # 100 clients at the start, 10 new, 105 at the end -> 95 %.
    assert retention_rate(start=100, end=105, new=10) == 95.0


def test_article_clv_example():
    # 10,000 a year for five years, 5,000 to acquire -> 45,000.
    assert customer_lifetime_value(10_000, 5, 5_000) == 45_000.0


def test_article_nps_example():
    # 60 % promoters, 10 % detractors -> 50.
    assert nps_from_shares(60, 10) == 50.0
    scores = [10] * 3 + [9] * 3 + [8, 7, 7] + [2]
    assert nps(scores) == 50.0


def test_article_revenue_growth_example():
    assert revenue_growth(50_000, 60_000) == 20.0


def test_article_churn_example():
    assert churn_rate(lost=5, start=100) == 5.0


def test_article_upsell_example():
    assert upsell_rate(successes=6, attempts=10) == 60.0


def test_article_time_to_resolution_example():
    # Halving the average from 24 to 12 hours.
    before = average_time_to_resolution([20, 28, 24, 24])
    after = average_time_to_resolution([6, 18, 12])
    assert (before, after) == (24.0, 12.0)


def test_article_renewal_example():
    assert renewal_rate(renewed=90, up_for_renewal=100) == 90.0


def test_discounted_clv_reduces_to_simple_clv():
    assert discounted_clv(10_000, 1, 0, acquisition_cost=5_000, periods=5) == 45_000.0


# -- further examples and edge cases ----------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (retention_rate(50, 0, 0), 0.0),
        (retention_rate(50, 80, 30), 100.0),
        (churn_rate(0, 7), 0.0),
        (churn_rate(7, 7), 100.0),
        (logo_retention(200, 184), 92.0),
        (logo_retention(3, 0), 0.0),
        (logo_retention(3, 3), 100.0),
        (renewal_rate(0, 9), 0.0),
        (renewal_rate(3, 4), 75.0),
        (engagement_rate(150, 200), 75.0),
        (engagement_rate(200, 200), 100.0),
        (upsell_rate(0, 4), 0.0),
        (revenue_growth(80, 60), -25.0),
        (revenue_growth(100, 0), -100.0),
        (revenue_growth(100, 300), 200.0),
        (revenue_growth(100, 100), 0.0),
        (gross_revenue_retention(100_000, 5_000, 10_000), 85.0),
        (gross_revenue_retention(100, 0, 0), 100.0),
        (gross_revenue_retention(100, 40, 60), 0.0),
        (net_revenue_retention(100_000, 20_000, 5_000, 10_000), 105.0),
        (net_revenue_retention(100, 0, 0, 0), 100.0),
        (net_revenue_retention(100, 0, 40, 60), 0.0),
        (customer_lifetime_value(1_200, 2.5), 3_000.0),
        (customer_lifetime_value(100, 1, 300), -200.0),
        (customer_lifetime_value(0, 10), 0.0),
        (nps([10, 10, 0, 0]), 0.0),
        (nps([9] * 5), 100.0),
        (nps([0, 6, 6]), -100.0),
        (nps([7, 8]), 0.0),
        (nps_from_shares(0, 100), -100.0),
        (nps_from_shares(100, 0), 100.0),
        (nps_from_shares(0, 0), 0.0),
        (average_time_to_resolution([0, 0]), 0.0),
        (average_time_to_resolution([5]), 5.0),
    ],
)
def test_examples(value, expected):
    assert type(value) is float
    assert value == expected


def test_tiny_and_huge_numbers():
    assert churn_rate(1, 1e12) == pytest.approx(1e-10)
    assert churn_rate(1e-9, 1e-9) == 100.0
    assert retention_rate(1e15, 1e15 + 5e14, 5e14) == 100.0
    assert revenue_growth(1e-6, 2e-6) == pytest.approx(100.0)
    assert gross_revenue_retention(1e18, 1e17, 1e17) == pytest.approx(80.0)
    assert net_revenue_retention(1e-3, 1e-3, 0, 0) == pytest.approx(200.0)
    assert customer_lifetime_value(1e9, 100) == 1e11
    assert average_time_to_resolution([1e-9, 3e-9]) == pytest.approx(2e-9)
    assert nps([10] * 100_000 + [0]) == pytest.approx(100 * 99_999 / 100_001)


def test_fractional_counts_are_allowed():
    # Averages over several simulation runs are rarely whole numbers.
    assert churn_rate(2.5, 50) == 5.0
    assert retention_rate(10.5, 12.5, 2.5) == pytest.approx(100 * 10 / 10.5)


@pytest.mark.parametrize(
    "kind",
    [list, tuple, np.array, pd.Series, lambda v: np.array(v, dtype=float), iter],
)
def test_nps_accepts_sequences(kind):
    assert nps(kind([10, 9, 8, 3])) == 25.0


def test_nps_accepts_whole_floats_and_numpy_scalars():
    assert nps([9.0, 10.0, 3.0, 7.0]) == 25.0
    assert nps([np.int64(9), np.float32(1)]) == 0.0
    assert nps(pd.Series([9, 10], dtype="Int64")) == 100.0
    assert type(nps(np.array([9, 0, 0]))) is float


@pytest.mark.parametrize("kind", [list, tuple, np.array, pd.Series])
def test_time_to_resolution_accepts_sequences(kind):
    assert average_time_to_resolution(kind([30, 18, 24])) == 24.0


def test_numpy_and_other_number_types():
    assert churn_rate(np.int64(5), np.float64(100)) == 5.0
    assert type(churn_rate(np.int64(5), np.float64(100))) is float
    assert type(revenue_growth(np.float32(50), np.int32(60))) is float
    assert churn_rate(Fraction(1, 4), 1) == 25.0
    assert churn_rate(Decimal("5"), Decimal("100")) == 5.0
    assert type(average_time_to_resolution(np.array([1, 2]))) is float


# -- discounted CLV ------------------------------------------------------------------


def test_discounted_clv_closed_form():
    assert discounted_clv(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert discounted_clv(100, 0.75, 0.25) == 150.0
    assert discounted_clv(100, 0.8, 0.1, acquisition_cost=66) == pytest.approx(800 / 3 - 66)
    assert discounted_clv(100, 0, 0.1) == 0.0
    assert discounted_clv(-50, 0.5, 0) == -50.0


def test_discounted_clv_no_discount_gives_expected_lifetime():
    # Expected lifetime is 1 / (1 - r); the first period is not paid under our timing.
    r = 0.75
    assert discounted_clv(1, r, 0) == pytest.approx(1 / (1 - r) - 1)


def test_discounted_clv_retention_one_with_discount():
    assert discounted_clv(100, 1, 0.1) == pytest.approx(1_000.0)


@pytest.mark.parametrize("periods", [0, 1, 2, 3, 10, 50])
def test_discounted_clv_finite_sum_matches_explicit_sum(periods):
    m, r, i, cost = 120.0, 0.85, 0.07, 40.0
    explicit = math.fsum(m * r**t / (1 + i) ** t for t in range(1, periods + 1)) - cost
    assert discounted_clv(m, r, i, acquisition_cost=cost, periods=periods) == pytest.approx(
        explicit, rel=1e-12, abs=1e-9
    )


def test_discounted_clv_periods_types():
    assert discounted_clv(100, 0.8, 0.1, periods=3.0) == discounted_clv(100, 0.8, 0.1, periods=3)
    three = 100 * (0.8 / 1.1 + 0.64 / 1.21 + 0.512 / 1.331)
    assert discounted_clv(100, 0.8, 0.1, periods=np.int64(3)) == pytest.approx(three, rel=1e-12)


# -- MRR movements ---------------------------------------------------------------------


def test_mrr_movements_with_start():
    m = mrr_movements(new=300, expansion=200, contraction=50, churned=150, start=5_000)
    assert isinstance(m, MRRMovements)
    assert (m.new, m.expansion, m.contraction, m.churn, m.net) == (300, 200, 50, 150, 300)
    assert m.end == 5_300.0
    assert m.to_dict() == {
        "new": 300.0,
        "expansion": 200.0,
        "contraction": 50.0,
        "churn": 150.0,
        "net": 300.0,
        "start": 5_000.0,
        "end": 5_300.0,
    }
    assert repr(m) == (
        "MRRMovements(new=300, expansion=200, contraction=50, churn=150, net=300, "
        "start=5000, end=5300)"
    )


def test_mrr_movements_without_start():
    m = mrr_movements(0, 100, 0, 400.5)
    assert m.net == -300.5
    assert m.start is None and m.end is None
    assert repr(m) == "MRRMovements(new=0, expansion=100, contraction=0, churn=400.5, net=-300.5)"
    assert pd.DataFrame([m.to_dict()]).loc[0, "net"] == -300.5


def test_mrr_movements_is_frozen():
    m = mrr_movements(1, 2, 3, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.net = 5


def test_mrr_movements_can_end_at_zero():
    assert mrr_movements(0, 0, 40, 60, start=100).end == 0.0


# -- bad input ---------------------------------------------------------------------------

NAN = float("nan")

BAD_INPUT = [
    # zero or negative starting clients
    (churn_rate, dict(lost=0, start=0), r"start must be greater than 0 \(you can't compute"),
    (retention_rate, dict(start=0, end=5, new=5), "start must be greater than 0"),
    (retention_rate, dict(start=-3, end=5, new=5), "start must be greater than 0"),
    (logo_retention, dict(start=0, retained=0), "start must be greater than 0"),
    # negative counts
    (churn_rate, dict(lost=-1, start=10), "lost must be 0 or more"),
    (retention_rate, dict(start=10, end=-1, new=0), "end must be 0 or more"),
    (retention_rate, dict(start=10, end=5, new=-1), "new must be 0 or more"),
    (logo_retention, dict(start=10, retained=-2), "retained must be 0 or more"),
    (renewal_rate, dict(renewed=-1, up_for_renewal=5), "renewed must be 0 or more"),
    (engagement_rate, dict(engaged=-1, active=5), "engaged must be 0 or more"),
    (upsell_rate, dict(successes=-1, attempts=5), "successes must be 0 or more"),
    (customer_lifetime_value, dict(avg_revenue=-1, lifespan=2), "avg_revenue must be 0 or more"),
    (customer_lifetime_value, dict(avg_revenue=1, lifespan=-2), "lifespan must be 0 or more"),
    (
        customer_lifetime_value,
        dict(avg_revenue=1, lifespan=2, acquisition_cost=-5),
        "acquisition_cost must be 0 or more",
    ),
    # more out than in
    (churn_rate, dict(lost=120, start=100), "lost must not be more than start"),
    (retention_rate, dict(start=100, end=5, new=10), "end must be at least new"),
    (retention_rate, dict(start=100, end=130, new=10), "end - new must not be more than start"),
    (logo_retention, dict(start=10, retained=11), "retained must not be more than start"),
    (upsell_rate, dict(successes=11, attempts=10), "successes must not be more than attempts"),
    (renewal_rate, dict(renewed=6, up_for_renewal=5), "renewed must not be more than up_for_ren"),
    (engagement_rate, dict(engaged=6, active=5), "engaged must not be more than active"),
    # zero denominators elsewhere
    (upsell_rate, dict(successes=0, attempts=0), "attempts must be greater than 0"),
    (renewal_rate, dict(renewed=0, up_for_renewal=0), "up_for_renewal must be greater than 0"),
    (engagement_rate, dict(engaged=0, active=0), "active must be greater than 0"),
    (revenue_growth, dict(start_revenue=0, end_revenue=5), "start_revenue must be greater than 0"),
    (revenue_growth, dict(start_revenue=5, end_revenue=-1), "end_revenue must be 0 or more"),
    # NaN, infinity, booleans, strings, None
    (churn_rate, dict(lost=NAN, start=10), "lost must be a finite number"),
    (churn_rate, dict(lost=1, start=float("inf")), "start must be a finite number"),
    (churn_rate, dict(lost=True, start=10), r"lost must be a number, got True \(True/False"),
    (churn_rate, dict(lost=1, start=np.True_), "start must be a number"),
    (churn_rate, dict(lost="5", start=10), "lost must be a number, got '5'"),
    (churn_rate, dict(lost=None, start=10), "lost must be a number, got None"),
    (churn_rate, dict(lost=10**400, start=10), "lost is too large"),
    (revenue_growth, dict(start_revenue=NAN, end_revenue=1), "start_revenue must be a finite"),
    # revenue retention
    (
        gross_revenue_retention,
        dict(start_arr=0, contraction=0, churned_arr=0),
        "start_arr must be greater than 0",
    ),
    (
        gross_revenue_retention,
        dict(start_arr=100, contraction=-5, churned_arr=0),
        r"contraction must be 0 or more \(enter the amount lost as a positive number\)",
    ),
    (
        gross_revenue_retention,
        dict(start_arr=100, contraction=5, churned_arr=-5),
        "churned_arr must be 0 or more",
    ),
    (
        gross_revenue_retention,
        dict(start_arr=100, contraction=60, churned_arr=50),
        "contraction \\+ churned_arr must not be more than start_arr",
    ),
    (
        net_revenue_retention,
        dict(start_arr=100, expansion=-1, contraction=0, churned_arr=0),
        "expansion must be 0 or more",
    ),
    (
        net_revenue_retention,
        dict(start_arr=100, expansion=0, contraction=-1, churned_arr=0),
        "contraction must be 0 or more",
    ),
    (
        net_revenue_retention,
        dict(start_arr=100, expansion=500, contraction=60, churned_arr=50),
        "contraction \\+ churned_arr must not be more than start_arr",
    ),
    # MRR movements
    (mrr_movements, dict(new=-1, expansion=0, contraction=0, churned=0), "new must be 0 or more"),
    (
        mrr_movements,
        dict(new=0, expansion=0, contraction=-5, churned=0),
        "contraction must be 0 or more",
    ),
    (
        mrr_movements,
        dict(new=0, expansion=0, contraction=0, churned=-5),
        "churned must be 0 or more",
    ),
    (
        mrr_movements,
        dict(new=0, expansion=0, contraction=0, churned=0, start=-1),
        "start must be 0 or more",
    ),
    (
        mrr_movements,
        dict(new=0, expansion=0, contraction=60, churned=50, start=100),
        "contraction \\+ churned must not be more than start",
    ),
    # NPS
    (nps, dict(scores=[]), "scores is empty"),
    (nps, dict(scores=np.array([])), "scores is empty"),
    (nps, dict(scores=[9, 11]), r"scores\[1\] must be a whole number from 0 to 10, got 11"),
    (nps, dict(scores=[9, -1]), r"scores\[1\] must be a whole number from 0 to 10, got -1"),
    (nps, dict(scores=[7.5]), r"scores\[0\] must be a whole number from 0 to 10, got 7.5"),
    (nps, dict(scores=np.array([9, 10.5])), r"scores\[1\] must be a whole number"),
    (nps, dict(scores=[9, NAN]), r"scores\[1\] must be a finite number"),
    (nps, dict(scores=pd.Series([9.0, None])), r"scores\[1\] must be a finite number"),
    (nps, dict(scores=[True, 9]), r"scores\[0\] must be a number, got True"),
    (nps, dict(scores=np.array([True, False])), r"scores\[0\] must be a number"),
    (nps, dict(scores=[9, "10"]), r"scores\[1\] must be a number, got '10'"),
    (nps, dict(scores="9 10"), "scores must be a list"),
    (nps, dict(scores=9), "scores must be a list"),
    (nps, dict(scores={9, 10}), "scores must be an ordered sequence"),
    (nps, dict(scores={"a": 9}), "scores must be an ordered sequence"),
    (nps, dict(scores=np.array([[9, 10]])), "scores must be one-dimensional"),
    (
        nps_from_shares,
        dict(promoters_pct=60, detractors_pct=50),
        r"promoters_pct \+ detractors_pct must not be more than 100",
    ),
    (nps_from_shares, dict(promoters_pct=-1, detractors_pct=0), "promoters_pct must be 0 or more"),
    (
        nps_from_shares,
        dict(promoters_pct=0, detractors_pct=101),
        "detractors_pct must not be more than 100",
    ),
    (nps_from_shares, dict(promoters_pct=NAN, detractors_pct=0), "promoters_pct must be a finite"),
    # time to resolution
    (average_time_to_resolution, dict(durations=[]), "durations is empty"),
    (average_time_to_resolution, dict(durations=[3, -1]), r"durations\[1\] must be 0 or more"),
    (
        average_time_to_resolution,
        dict(durations=pd.Series([3.0, NAN])),
        r"durations\[1\] must be a finite number",
    ),
    (average_time_to_resolution, dict(durations=5), "durations must be a list"),
    (average_time_to_resolution, dict(durations=[1, "x"]), r"durations\[1\] must be a number"),
    # discounted CLV
    (
        discounted_clv,
        dict(margin=100, retention=80, discount_rate=0.1),
        r"retention must be a fraction between 0 and 1 \(e.g. 0.8 for 80 %\), got 80$",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=-0.1, discount_rate=0.1),
        "retention must be a fraction between 0 and 1",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=10),
        r"discount_rate must be a fraction .*\(e.g. 0.1 for 10 %\), got 10$",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=1),
        "discount_rate must be a fraction",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=-0.1),
        "discount_rate must be a fraction",
    ),
    (
        discounted_clv,
        dict(margin=NAN, retention=0.8, discount_rate=0.1),
        "margin must be a finite number",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=0.1, acquisition_cost=-1),
        "acquisition_cost must be 0 or more",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=0.1, periods=2.5),
        "periods must be a whole number",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=0.1, periods=-1),
        "periods must be 0 or more",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=0.8, discount_rate=0.1, periods=True),
        "periods must be a number",
    ),
    (
        discounted_clv,
        dict(margin=100, retention=1, discount_rate=0),
        "retention = 1 with discount_rate = 0 has no finite value",
    ),
]


@pytest.mark.parametrize(
    "func, kwargs, message",
    BAD_INPUT,
    ids=[f"{f.__name__}-{'-'.join(map(str, k))}-{n}" for n, (f, k, _) in enumerate(BAD_INPUT)],
)
def test_bad_input_raises_clear_value_error(func, kwargs, message):
    with pytest.raises(ValueError, match=message):
        func(**kwargs)


def test_error_message_shows_value_as_typed():
    with pytest.raises(ValueError, match=r"got 0$"):
        churn_rate(0, 0.0)
    with pytest.raises(ValueError, match=r"got lost = 120, start = 100$"):
        churn_rate(120.0, 100)


# -- properties ----------------------------------------------------------------------------

counts = st.integers(min_value=1, max_value=10**9)
money = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
positive_money = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False)
score_lists = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300)


@given(start=counts, data=st.data())
def test_retention_is_100_minus_churn_without_new_clients(start, data):
    lost = data.draw(st.integers(min_value=0, max_value=start))
    retention = retention_rate(start=start, end=start - lost, new=0)
    assert retention == pytest.approx(100 - churn_rate(lost, start), abs=1e-9)
    assert 0 <= retention <= 100


@given(start=positive_money, expansion=money, share_c=st.floats(0, 1), share_ch=st.floats(0, 1))
def test_nrr_at_least_grr_and_grr_at_most_100(start, expansion, share_c, share_ch):
    contraction = start * share_c
    churned = (start - contraction) * share_ch
    assume(contraction + churned <= start)
    grr = gross_revenue_retention(start, contraction, churned)
    nrr = net_revenue_retention(start, expansion, contraction, churned)
    assert 0 <= grr <= 100
    assert nrr >= grr
    assert nrr == pytest.approx(
        100 * (start + expansion - contraction - churned) / start, rel=1e-9, abs=1e-6
    )


@given(scores=score_lists)
def test_nps_bounds_and_agrees_with_shares(scores):
    value = nps(scores)
    assert -100 <= value <= 100
    n = len(scores)
    promoters = 100 * sum(s >= 9 for s in scores) / n
    detractors = 100 * sum(s <= 6 for s in scores) / n
    assert value == pytest.approx(nps_from_shares(promoters, detractors), abs=1e-9)


@given(scores=score_lists)
def test_nps_same_for_every_container(scores):
    expected = nps(scores)
    assert nps(tuple(scores)) == expected
    assert nps(np.array(scores)) == expected
    assert nps(pd.Series(scores, dtype=float)) == expected


@given(
    margin=st.floats(-1e6, 1e6, allow_nan=False),
    retention=st.floats(0, 0.99),
    discount_rate=st.floats(0.01, 0.5),
    cost=st.floats(0, 1e6),
)
def test_discounted_clv_finite_sum_approaches_closed_form(margin, retention, discount_rate, cost):
    closed = discounted_clv(margin, retention, discount_rate, acquisition_cost=cost)
    long_run = discounted_clv(
        margin, retention, discount_rate, acquisition_cost=cost, periods=10_000
    )
    assert long_run == pytest.approx(closed, rel=1e-9, abs=1e-6)
    # More periods never move the value away from the closed form.
    short = discounted_clv(margin, retention, discount_rate, acquisition_cost=cost, periods=5)
    assert abs(long_run - closed) <= abs(short - closed) + 1e-6


@given(durations=st.lists(st.floats(0, 1e6), min_size=1, max_size=100))
def test_time_to_resolution_between_min_and_max(durations):
    mean = average_time_to_resolution(durations)
    assert min(durations) - 1e-9 <= mean <= max(durations) + 1e-9


@given(new=money, expansion=money, contraction=money, churned=money)
def test_mrr_net_adds_up(new, expansion, contraction, churned):
    m = mrr_movements(new, expansion, contraction, churned)
    assert m.net == pytest.approx(new + expansion - contraction - churned, abs=1e-3)
    assert m == MRRMovements(**m.to_dict())
