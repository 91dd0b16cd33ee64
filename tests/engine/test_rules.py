"""Each behaviour rule on its own: the numbers it must give, and the shapes it must have."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simkit.engine import rules

health = st.floats(0, 100)


@given(h=health, rest=health, t1=st.floats(0, 3650), t2=st.floats(0, 3650))
def test_drift_is_memoryless_and_stays_between_start_and_rest(h, rest, t1, t2):
    rate = math.log(2) / 180
    once = rules.drifted_health(h, t1 + t2, rest, rate)
    twice = rules.drifted_health(rules.drifted_health(h, t1, rest, rate), t2, rest, rate)
    assert once == pytest.approx(twice, abs=1e-9)
    assert min(h, rest) - 1e-9 <= once <= max(h, rest) + 1e-9


def test_drift_half_life_and_array_form_agree():
    rate = math.log(2) / 180
    assert rules.drifted_health(90.0, 180.0, 50.0, rate) == pytest.approx(70.0)
    arr = rules.drifted_health(np.array([90.0, 20.0]), np.array([180.0, 360.0]), 50.0, rate)
    assert arr == pytest.approx([70.0, 42.5])


def test_days_until_health_inverts_the_drift():
    rate = math.log(2) / 90
    days = rules.days_until_health(80.0, 50.0, 30.0, rate)
    assert rules.drifted_health(80.0, days, 30.0, rate) == pytest.approx(50.0)
    assert rules.days_until_health(40.0, 50.0, 30.0, rate) == 0.0
    assert rules.days_until_health(80.0, 50.0, 60.0, rate) == math.inf


def test_clip():
    assert rules.clip_health(101) == 100 and rules.clip_health(-1) == 0
    assert rules.clip_health(42.5) == 42.5


def test_touch_gain_has_diminishing_returns():
    one, four = rules.touch_gain(40.0, 1.0, 6.0), rules.touch_gain(40.0, 4.0, 6.0)
    assert one == pytest.approx(3.6) and four == pytest.approx(7.2)  # 6 * sqrt(h) * 0.6
    assert rules.touch_gain(90.0, 1.0, 6.0) < rules.touch_gain(10.0, 1.0, 6.0)


def test_resolution_gain_turns_negative_after_a_long_wait():
    assert rules.resolution_gain(2.0, 5.0, 0.5) == pytest.approx(4.0)
    assert rules.resolution_gain(14.0, 5.0, 0.5) == pytest.approx(-2.0)


@given(h1=health, h2=health)
def test_renewal_rises_with_health(h1, h2):
    lo, hi = sorted((h1, h2))
    assert rules.renewal_probability(lo, 0.8, 0.5) <= rules.renewal_probability(hi, 0.8, 0.5)


def test_renewal_odds_factors():
    base = rules.renewal_probability(50.0, 0.8, 0.5)
    assert base == pytest.approx(0.8)
    # loyalty halves the churn odds (0.25 -> 0.125): p = 1 / 1.125
    assert rules.renewal_probability(50.0, 0.8, 0.5, loyal_factor=0.5) == pytest.approx(1 / 1.125)
    # a first term doubling them: 0.25 -> 0.5, p = 2/3
    assert rules.renewal_probability(50.0, 0.8, 0.5, first_term_factor=2.0) == pytest.approx(2 / 3)
    logit = rules.renewal_log_odds(np.array([50.0, 70.0]), 0.5, 0.5)
    assert logit == pytest.approx([0.0, 1.0])


def test_defection_is_quadratic_in_unhappiness():
    assert rules.defection_probability(0.0, 0.4) == pytest.approx(0.4)
    assert rules.defection_probability(50.0, 0.4) == pytest.approx(0.1)
    assert rules.defection_probability(50.0, 0.4, loyal_factor=0.5) == pytest.approx(0.05)
    assert rules.defection_probability(100.0, 0.4) == 0.0


def test_upsell_probability_is_capped():
    assert rules.upsell_probability(50.0, 0.6) == pytest.approx(0.3)
    assert rules.upsell_probability(50.0, 0.6, loyal_boost=1.5) == pytest.approx(0.45)
    assert rules.upsell_probability(100.0, 0.9, loyal_boost=3) == rules.UPSELL_SUCCESS_CAP


def test_selling_before_serving_costs_health_only_when_unhappy():
    assert rules.failed_pitch_hit(30.0, 40.0, 5.0) == 5.0
    assert rules.failed_pitch_hit(45.0, 40.0, 5.0) == 0.0


def test_contraction_and_loyalty_moves():
    assert rules.contraction(10_000.0, 20.0, 35.0, 0.15) == pytest.approx(1_500.0)
    assert rules.contraction(10_000.0, 50.0, 35.0, 0.15) == 0.0
    assert rules.becomes_loyal(2, 70.0, 2, 70.0) and not rules.becomes_loyal(2, 69.9, 2, 70.0)
    assert rules.drops_loyalty(44.0, 45.0) and not rules.drops_loyalty(45.0, 45.0)


def test_survey_scores_stay_on_the_scale():
    assert rules.survey_mean(50.0, 7.0, 0.8) == pytest.approx(7.0)
    assert rules.survey_mean(20.0, 7.0, 0.8) == pytest.approx(4.6)
    assert rules.survey_score(7.0, 10.0) == 10 and rules.survey_score(1.0, -5.0) == 0
    assert rules.survey_score(7.4, 0.3) == 8


def test_upsells_cannot_push_arr_past_the_cap():
    assert rules.upsell_gain(1_000.0, 0.25, 1e11) == pytest.approx(250.0)
    assert rules.upsell_gain(1e11, 0.25, 1e11) == 0.0
    arr = 1e9
    for _ in range(200):  # compounding upsells stop at the cap
        arr += rules.upsell_gain(arr, 5.0, 1e11)
    assert arr == 1e11
