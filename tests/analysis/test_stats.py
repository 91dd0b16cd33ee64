"""Confidence intervals and paired differences (simkit.analysis.stats)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.analysis.stats import (
    Interval,
    confidence_interval,
    paired_difference,
    ratio_interval,
)


def test_interval_is_scipys_student_t_interval():
    from scipy import stats

    x = [3.0, 5.0, 4.0, 8.0, 6.0]
    lo, hi = stats.t.interval(0.9, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert confidence_interval(x, 0.9) == pytest.approx((5.2, lo, hi))


def test_a_worked_example():
    # mean 11.5, sd 1.291, t(0.975, 3) = 3.1824: half width 3.1824 * 1.291 / 2 = 2.054
    ci = confidence_interval([10.0, 12.0, 11.0, 13.0])
    assert isinstance(ci, Interval)
    assert (ci.mean, ci.low, ci.high) == pytest.approx((11.5, 9.446, 13.554), abs=1e-3)
    assert ci.half_width == pytest.approx(2.054, abs=1e-3)


def test_small_and_missing_samples():
    assert confidence_interval([2.0, math.nan, 4.0]).mean == 3.0  # NaN runs are left out
    m, lo, hi = confidence_interval([7.0])
    assert m == 7.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in confidence_interval([]))
    assert all(math.isnan(v) for v in confidence_interval([math.nan, math.nan]))
    assert confidence_interval([4.0, 4.0, 4.0]) == (4.0, 4.0, 4.0)  # no spread, no width
    assert confidence_interval(pd.Series([1, 2, 3])).mean == 2.0  # integers and Series


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5])
def test_confidence_must_be_a_fraction(confidence):
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        confidence_interval([1.0, 2.0], confidence)


def test_a_higher_level_gives_a_wider_interval():
    x = [3.0, 5.0, 4.0, 8.0, 6.0]
    assert confidence_interval(x, 0.99).half_width > confidence_interval(x, 0.9).half_width


def test_95_percent_intervals_cover_the_true_mean_95_percent_of_the_time():
    """With 5 values a normal (z) interval would cover only ~88 %: this needs the t quantile."""
    rng = np.random.default_rng(7)
    samples = rng.normal(10.0, 3.0, size=(4000, 5))
    covered = [lo <= 10.0 <= hi for _, lo, hi in map(confidence_interval, samples)]
    assert np.mean(covered) == pytest.approx(0.95, abs=0.012)


def test_paired_difference_pairs_series_by_index():
    new = pd.Series([5.0, 7.0, 6.0], index=[2, 0, 1])
    old = pd.Series([4.0, 5.0, 6.0], index=[0, 1, 2])
    # pairs: replication 0: 7 - 4, 1: 6 - 5, 2: 5 - 6
    assert paired_difference(new, old) == pytest.approx(confidence_interval([3.0, 1.0, -1.0]))


def test_paired_difference_leaves_out_unmatched_and_missing_pairs():
    new = pd.Series([5.0, math.nan, 9.0, 1.0], index=[0, 1, 2, 3])
    old = pd.Series([4.0, 5.0, 6.0], index=[0, 1, 2])  # no replication 3
    assert paired_difference(new, old) == pytest.approx(confidence_interval([1.0, 3.0]))


def test_paired_difference_of_lists_is_by_position():
    assert paired_difference([5.0, 7.0], [4.0, 4.0]).mean == 2.0
    with pytest.raises(ValueError, match="one baseline value each: got 2 and 3"):
        paired_difference([5.0, 7.0], [4.0, 4.0, 4.0])


def test_shared_luck_cancels_in_a_paired_difference():
    """Strategies run over the same replications share most of their noise: the paired
    interval on the gain is far narrower than either strategy's own interval."""
    rng = np.random.default_rng(3)
    luck = rng.normal(0.0, 20.0, size=10)
    a = 100.0 + luck + rng.normal(0, 1, 10)
    b = 105.0 + luck + rng.normal(0, 1, 10)
    paired = paired_difference(b, a)
    assert paired.low > 0  # b is better, and the paired interval says so
    assert paired.half_width < confidence_interval(a).half_width / 5


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
    st.floats(0.5, 0.99),
)
def test_the_mean_is_inside_its_interval_and_shifting_data_shifts_it(values, confidence):
    m, lo, hi = confidence_interval(values, confidence)
    assert lo <= m <= hi
    shifted = confidence_interval([v + 1000.0 for v in values], confidence)
    assert shifted == pytest.approx((m + 1000.0, lo + 1000.0, hi + 1000.0), abs=1e-6)


# ------------------------------------------------------------------- a ratio of paired means
def test_ratio_interval_on_a_worked_example():
    """Fieller by hand. a = extra profit, b = extra cost in four replications:
    mean a = 10, mean b = 4.5; var a = 10/3, var b = 1/3, cov = 1; divided by n = 4:
    s_aa = 5/6, s_bb = 1/12, s_ab = 1/4; t(0.975, 3)^2 = 10.128.
    g = t^2 s_bb / b^2 = 0.04168; ratio 10 / 4.5 = 2.2222;
    bounds = [(ratio - g s_ab / s_bb) +- (t / b) sqrt(s_aa - 2 ratio s_ab + ratio^2 s_bb
              - g (s_aa - s_ab^2 / s_bb))] / (1 - g) = 1.922 and 2.455."""
    a, b = [12.0, 9.0, 11.0, 8.0], [5.0, 4.0, 5.0, 4.0]
    r = ratio_interval(a, b)
    assert r.ratio == pytest.approx(10 / 4.5)
    assert (r.low, r.high) == pytest.approx((1.922, 2.455), abs=1e-3)
    assert r.n == 4 and r.reason == ""
    # the textbook form, written out independently of the quadratic the code solves
    from scipy import stats

    t = stats.t.ppf(0.975, 3)
    saa, sbb, sab, ma, mb = 5 / 6, 1 / 12, 1 / 4, 10.0, 4.5
    rho, g = ma / mb, t**2 * sbb / mb**2
    root = (t / mb) * math.sqrt(saa - 2 * rho * sab + rho**2 * sbb - g * (saa - sab**2 / sbb))
    centre = rho - g * sab / sbb
    assert (r.low, r.high) == pytest.approx(((centre - root) / (1 - g), (centre + root) / (1 - g)))


def test_ratio_interval_of_proportional_pairs_is_the_ratio():
    r = ratio_interval([3.8, 4.0, 4.2], [1.9, 2.0, 2.1])
    assert (r.ratio, r.low, r.high) == pytest.approx((2.0, 2.0, 2.0), abs=1e-9)


def test_a_denominator_not_clearly_positive_gives_no_ratio_and_says_why():
    """A tiny extra cost would make any return: Fieller's interval is unbounded, so NaN."""
    r = ratio_interval([5.0, 6.0, 7.0], [0.1, -0.2, 0.15])
    assert math.isnan(r.ratio) and math.isnan(r.low) and math.isnan(r.high)
    assert "not clearly above 0" in r.reason and "95 % interval includes 0" in r.reason
    assert "90 %" in ratio_interval([5.0, 6.0, 7.0], [0.1, -0.2, 0.15], level=0.9).reason
    negative = ratio_interval([5.0, 6.0, 7.0], [-2.0, -2.1, -1.9])
    assert math.isnan(negative.ratio) and "clearly below 0" in negative.reason
    few = ratio_interval([5.0], [1.0])
    assert math.isnan(few.ratio) and few.n == 1 and "fewer than two" in few.reason


def test_ratio_interval_pairs_series_by_index_and_drops_missing_pairs():
    a = pd.Series([12.0, 9.0, 11.0, 8.0, math.nan], index=[3, 2, 1, 0, 4])
    b = pd.Series([4.0, 5.0, 4.0, 5.0, 1.0, 7.0], index=[0, 1, 2, 3, 4, 5])
    assert ratio_interval(a, b) == ratio_interval([8.0, 11.0, 9.0, 12.0], [4.0, 5.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="one denominator: got 2 and 3"):
        ratio_interval([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        ratio_interval([1.0, 2.0], [1.0, 2.0], level=95)


def test_95_percent_fieller_intervals_cover_the_true_ratio_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    true, covered = 1.5, []
    for _ in range(3000):
        cost = rng.normal(10.0, 2.0, size=8)
        gain = true * cost + rng.normal(0.0, 4.0, size=8)
        r = ratio_interval(gain, cost)
        covered.append(r.low <= true <= r.high)
    assert np.mean(covered) == pytest.approx(0.95, abs=0.012)
