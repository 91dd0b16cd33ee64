"""Capacity binds: an over-booked team misses work, waits longer and does worse work, and
more touches on a team already at full load buy nothing."""

import math

import numpy as np
import pytest

from simkit.analysis.summary import run_summary
from simkit.engine.model import Model, simulate
from simkit.engine.strategies import Cadence, Strategy, Touch
from tests.helpers import small_scenario


class EveryAccount(Strategy):
    """A review of every account every ``days`` days, ``hours`` long."""

    def __init__(self, days: float, hours: float = 3.0) -> None:
        super().__init__()
        self.name = f"every_{days:g}_days"
        self.cadence = Cadence(days, Touch("review", hours))

    def check_in(self, account):
        return self.cadence


def _runs(scenario, strategy, reps=4):
    out = []
    for rep in range(reps):
        res = simulate(scenario, strategy, rep)
        ev = res.events
        s = run_summary(res)
        out.append(
            {
                "nrr": s["nrr"],
                "logo": s["logo_retention"],
                "utilisation": s["utilisation"],
                "ttr": s["time_to_resolution"],
                "missed": int((ev["event"] == "touch_missed").sum()),
                "touches": int(((ev["event"] == "touch") & (ev["detail"] == "review")).sum()),
            }
        )
    return out


@pytest.mark.slow
def test_more_touches_on_a_full_team_buy_no_gain():
    sc = small_scenario(horizon_years=1.5)
    full = _runs(sc, EveryAccount(14))
    more = _runs(sc, EveryAccount(5))
    assert np.mean([r["utilisation"] for r in full]) > 90  # the team is at full load
    for key in ("nrr", "logo"):
        diff = np.array([m[key] - f[key] for m, f in zip(more, full, strict=True)])
        half = 3.18 * diff.std(ddof=1) / math.sqrt(len(diff))  # t(0.975, 3) ~ 3.18
        assert diff.mean() <= half + 1e-9, (key, diff)  # no gain outside noise
    # the extra touches were planned but not delivered: missed work grows, delivered does not
    assert np.mean([m["missed"] for m in more]) > 2 * np.mean([f["missed"] for f in full])
    assert np.mean([m["touches"] for m in more]) < 1.3 * np.mean([f["touches"] for f in full])


def test_an_idle_team_misses_nothing_and_a_swamped_one_misses_work():
    idle = _runs(small_scenario(**{"team.managers": 20}), EveryAccount(90, 1.0), reps=1)[0]
    swamped = _runs(small_scenario(**{"team.managers": 1}), EveryAccount(14, 4.0), reps=1)[0]
    assert idle["missed"] == 0 and idle["touches"] > 0
    assert swamped["missed"] > swamped["touches"]  # most of the planned work never happens
    assert swamped["ttr"] > idle["ttr"]


def test_missed_touches_are_logged_with_their_window():
    sc = small_scenario(**{"team.managers": 1, "team.touch_window_share": 0.25})
    ev = simulate(sc, EveryAccount(20, 4.0)).events
    missed = ev[ev["event"] == "touch_missed"]
    assert len(missed) > 0
    assert (missed["detail"] == "review").all()
    assert np.allclose(missed["value"], 0.25 * 20)
    assert (missed["hours"] == 0).all()  # missed work costs no hours


def test_overload_lowers_the_quality_of_work():
    """Same run twice, once with overload costing nothing: the team's touches add less health
    when overloaded, so mean health at the end is lower."""
    sc = small_scenario(**{"team.managers": 1}, horizon_years=1.0)
    free = sc.update({"team.overload_quality": 1.0})
    costly = sc.update({"team.overload_quality": 0.0, "team.sustainable_load": 0.5})
    h_free = Model(free, EveryAccount(30, 2.0)).run().accounts
    h_costly = Model(costly, EveryAccount(30, 2.0)).run().accounts
    active = h_free["stage"].isin(["customer", "loyal"])
    assert h_costly.loc[active, "health"].mean() < h_free.loc[active, "health"].mean()


def test_the_team_load_tracks_busy_managers():
    m = Model(small_scenario(**{"team.managers": 2}), EveryAccount(7, 8.0))
    m.env.run(until=200)
    assert 0.5 < m.load.share() <= 1.0  # a swamped two-person team
    quiet = Model(small_scenario(**{"team.managers": 50}), "reactive")
    quiet.env.run(until=200)
    assert quiet.load.share() < 0.1


def test_a_resting_level_above_the_alert_threshold_does_not_stall_the_watcher():
    """Unhappy accounts drift *up* towards a resting level above customer success's rescue
    threshold: the health watcher must not keep booking itself at the same moment."""
    sc = small_scenario(**{"behaviour.health_floor": 55.0, "behaviour.initial_health_mean": 30.0})
    res = Model(sc, "customer_success").run(time_limit=60)
    assert res.events["time"].max() > 300  # the run reached (nearly) its end
