"""Model invariants over random valid scenarios (hypothesis), and model details."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.analysis.summary import run_summary
from simkit.engine.accounts import LEGAL_TRANSITIONS
from simkit.engine.events import EVENTS
from simkit.engine.model import Model, simulate
from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS
from simkit.engine.strategies import BUILT_IN
from tests.helpers import small_scenario

scenarios = st.fixed_dictionaries(
    {
        "portfolio.key.count": st.integers(0, 6),
        "portfolio.enterprise.count": st.integers(0, 10),
        "portfolio.mid_market.count": st.integers(0, 20),
        "portfolio.small.count": st.integers(0, 30),
        "portfolio.small.issues_per_year": st.floats(0, 12),
        "portfolio.mid_market.term_months": st.sampled_from([1, 6, 12, 24]),
        "pipeline.prospects_per_month": st.floats(0, 6),
        "pipeline.conversion": st.floats(0, 1),
        "team.managers": st.integers(1, 4),
        "behaviour.winback_per_year": st.floats(0, 2),
        "behaviour.competitor_defect_at_0": st.floats(0, 1),
        "behaviour.renewal_at_50": st.floats(0.05, 0.99),
        "horizon_years": st.floats(0.1, 1.5),
        "warmup_years": st.sampled_from([0.0, 0.3]),
        "seed": st.integers(0, 2**32),
    }
)


def _stage_at_months(res) -> pd.DataFrame:
    """Every account's stage at each month end, rebuilt from the event log alone."""
    ev = res.events
    months = res.snapshots["month"].unique()
    rows = []
    for m in months:
        t = res.snapshots.loc[res.snapshots["month"] == m, "time"].iloc[0]
        last = ev[ev["time"] <= t + 1e-9].groupby("account", observed=True).tail(1)
        rows.append(last.assign(month=m)[["month", "account", "stage_after", "arr"]])
    return pd.concat(rows, ignore_index=True)


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(changes=scenarios, strategy=st.sampled_from(sorted(BUILT_IN)))
def test_invariants_hold_for_any_valid_scenario(changes, strategy):
    res = simulate(small_scenario(**changes), strategy)
    ev = res.events

    # only legal transitions, one stage at a time, and each event starts where the last ended
    moved = ev[ev["stage_before"].notna() & (ev["stage_before"] != ev["stage_after"])]
    pairs = set(
        zip(moved["stage_before"].astype(str), moved["stage_after"].astype(str), strict=True)
    )
    assert pairs <= LEGAL_TRANSITIONS
    prev = ev.groupby("account", observed=True)["stage_after"].shift()
    cont = ev["stage_before"].notna() & prev.notna()
    assert (ev.loc[cont, "stage_before"].astype(str) == prev[cont].astype(str)).all()
    # every account's first row says where it starts, and only there stage_before is empty
    first = ev.groupby("account", observed=True).head(1)
    assert first["event"].astype(str).isin(["init", "arrival"]).all()
    assert ev["stage_before"].isna().sum() == len(first)

    # ARR never negative; former, lost and prospect accounts have ARR 0
    assert (ev["arr"] >= 0).all() and (res.accounts["arr"] >= 0).all()
    inactive = ev["stage_after"].isin(["former", "prospect", "lost"])
    assert (ev.loc[inactive, "arr"] == 0).all()
    idle = res.accounts["stage"].isin(["former", "prospect", "lost"])
    assert (res.accounts.loc[idle, "arr"] == 0).all()

    # no account is ever former without having been a customer first (a lost deal is "lost")
    was_client = ev["stage_after"].isin(["customer", "loyal"]).groupby(ev["account"]).cummax()
    became_former = ev["stage_after"].eq("former") & ev["stage_before"].notna()
    became_former &= ev["stage_before"].ne("former")
    assert was_client[became_former].all()
    assert (ev.loc[ev["event"] == "lost", "stage_after"] == "lost").all()

    # counts conserved: every account appears in the log and in the account table exactly once
    assert set(ev["account"]) == set(res.accounts["account"])
    assert res.accounts["account"].is_unique

    # every account in exactly one stage at every snapshot, matching the snapshot counts
    state = _stage_at_months(res)
    assert not state.duplicated(["month", "account"]).any()
    snap = res.snapshots.groupby(["month", "stage"], observed=False)["accounts"].sum()
    from_log = state.groupby(["month", "stage_after"], observed=False).size()
    from_log = from_log.reindex(snap.index, fill_value=0)
    assert from_log.to_numpy().tolist() == snap.to_numpy().tolist()
    arr_snap = res.snapshots.groupby(["month", "stage"], observed=False)["arr"].sum()
    arr_log = state.groupby(["month", "stage_after"], observed=False)["arr"].sum()
    arr_log = arr_log.reindex(arr_snap.index, fill_value=0.0)
    np.testing.assert_allclose(arr_log.to_numpy(), arr_snap.to_numpy(), rtol=1e-9, atol=1e-6)

    # health stays in [0, 100]; event times stay inside the measured horizon, in order
    assert ev["health"].between(0, 100).all()
    assert ev["time"].between(0, res.scenario.horizon_days + 1e-6).all()
    assert ev["time"].is_monotonic_increasing
    assert set(ev["event"].astype(str)) <= set(EVENTS)


def test_snapshots_cover_every_month_end():
    res = simulate(small_scenario(horizon_years=1.0), "reactive")
    assert res.snapshots["month"].unique().tolist() == list(range(13))
    times = res.snapshots.groupby("month")["time"].first().to_numpy()
    np.testing.assert_allclose(times, np.arange(13) * DAYS_PER_MONTH)


def test_revenue_is_arr_integrated_over_time():
    """Snapshot revenue (accrued in the model) equals ARR integrated from the event log."""
    res = simulate(small_scenario(), "proactive_check_ins")
    ev = res.events
    total = 0.0
    for _, g in ev.groupby("account", observed=True):
        times = np.append(g["time"].to_numpy(), res.scenario.horizon_days)
        total += float(np.sum(g["arr"].to_numpy() * np.diff(times)) / 365.0)
    assert res.snapshots["revenue"].sum() == pytest.approx(total, rel=1e-9)


def test_issues_wait_for_managers():
    """With one manager and heavy issue load, issues queue: resolution takes longer than effort."""
    busy = small_scenario(
        **{
            "team.managers": 1,
            "portfolio.small.issues_per_year": 40,
            "portfolio.small.issue_hours": 8,
        }
    )
    res = simulate(busy, "reactive")
    done = res.events[res.events["event"] == "issue_resolved"]
    effort_days = done["hours"] * busy.team.days_per_hour
    assert (done["value"] >= effort_days - 1e-9).all()
    assert (done["value"] - effort_days).mean() > 1.0  # real queueing


def test_hours_are_accounted_for_every_piece_of_work():
    res = simulate(small_scenario(), "proactive_check_ins")
    ev = res.events
    kinds = ev.loc[ev["hours"] > 0, "event"].astype(str).unique()
    assert set(kinds) <= {"issue_resolved", "touch", "upsell", "upsell_fail"}
    assert ev.loc[ev["event"] == "touch", "hours"].gt(0).all()
    assert run_summary(res)["manager_hours"] == pytest.approx(ev["hours"].sum())


def test_theory_mode_switches_behaviour_off():
    sc = small_scenario(theory={"renewal": "constant", "r": 0.7}, start="cohort", warmup_years=0)
    res = simulate(sc, "proactive_check_ins")
    kinds = set(res.events["event"].astype(str))
    assert kinds <= {"init", "renew", "churn", "promote"}


def test_bad_arguments():
    with pytest.raises(TypeError, match="Scenario"):
        Model({"team": 3}, "reactive")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="replication must be >= 0"):
        Model(small_scenario(), "reactive", -1)
    with pytest.raises(ValueError, match="unknown strategy"):
        simulate(small_scenario(), "shouting")


def test_health_is_computed_lazily_from_elapsed_time():
    """With nothing happening to the accounts, health is pure drift towards the floor."""
    quiet = {
        f"portfolio.{s}.{k}": 0
        for s in SEGMENTS
        for k in ("issues_per_year", "upsells_per_year", "competitor_approaches_per_year")
    }
    sc = small_scenario().update({**quiet, "behaviour.survey_response_rate": 0.0})
    m = Model(sc, "reactive")
    customers = [a for a in m.accounts if a.active]
    start = [(a.health_then, a.health_since) for a in customers]
    m.env.run(until=100)
    rest, rate = sc.behaviour.health_floor, math.log(2) / sc.behaviour.health_half_life_days
    for a, (h0, since) in zip(customers, start, strict=True):
        assert a.health_since == since  # nothing touched it
        assert a.health == pytest.approx(rest + (h0 - rest) * math.exp(-rate * (100 - since)))
