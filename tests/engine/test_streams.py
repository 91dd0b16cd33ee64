"""Random tapes: deterministic, independent per account, purpose and replication."""

import numpy as np

from simkit.engine.model import simulate
from simkit.engine.streams import Streams, Tape, exponential, normal
from tests.helpers import small_scenario


def test_same_seed_same_numbers_whatever_the_order_of_use():
    a, b = Tape(5, (0, 1), width=3), Tape(5, (0, 1), width=3)
    first = [a.next(2) for _ in range(100)]  # crosses into the refill blocks
    _ = [b.next(700) for _ in range(7)]  # another account, in another chunk, used first
    assert [b.next(2) for _ in range(100)] == first


def test_an_account_sees_the_same_numbers_however_many_accounts_exist():
    few, many = Tape(9, (1, 2), width=4), Tape(9, (1, 2), width=4)
    _ = many.next(5000)  # many accounts created first
    assert [few.next(77) for _ in range(100)] == [many.next(77) for _ in range(100)]
    assert [few.next(78) for _ in range(5)] != [few.next(77) for _ in range(5)]


def test_the_starting_book_does_not_depend_on_the_horizon():
    """Regression: tape sizes once depended on the horizon, changing the book's draws."""
    short = simulate(small_scenario(horizon_years=0.5), "reactive")
    long = simulate(small_scenario(horizon_years=2.0), "reactive")
    init = ["account", "segment", "stage_after", "arr", "health"]
    a = short.events[short.events["event"] == "init"][init].reset_index(drop=True)
    b = long.events[long.events["event"] == "init"][init].reset_index(drop=True)
    assert a.equals(b)
    cut = short.scenario.horizon_days
    early = ["time", "account", "event", "arr"]
    assert short.events[early].equals(
        long.events[long.events["time"] <= cut][early].reset_index(drop=True)
    )


def test_purposes_and_replications_are_independent():
    s0, s1 = Streams(3, 0), Streams(3, 1)
    issues = [s0.uniform("issues", 4) for _ in range(5)]
    renewals = [s0.uniform("renewals", 4) for _ in range(5)]
    assert issues != renewals
    assert issues != [s1.uniform("issues", 4) for _ in range(5)]


def test_uniforms_look_uniform():
    t = Tape(11, (0, 0), width=8)
    u = np.array([t.next(i) for i in range(2000) for _ in range(8)])
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005


def test_inverse_cdf_draws():
    assert exponential(0.0, 5.0) == 0.0
    assert abs(exponential(1 - np.exp(-1), 5.0) - 5.0) < 1e-12
    assert normal(0.5) == 0.0
    assert abs(normal(0.975, 10, 2) - (10 + 1.959964 * 2)) < 1e-4
