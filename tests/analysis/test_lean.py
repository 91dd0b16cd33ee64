"""Lean runs are summarised exactly like full ones.

A lean run (``record="summary"``) logs only the rows and columns the counting core reads.
Each test runs the same (scenario, strategy, replication) both ways and asks for the same
summaries: they must be *equal*, not close -- the counting core sees the same numbers in the
same order, minus rows that only ever added zeros.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simkit.analysis.counts import COLUMNS_READ, count_periods, period_edges
from simkit.analysis.summary import run_summary, summarize
from simkit.engine.events import LEAN_DTYPE, LEAN_SKIPS
from simkit.engine.model import simulate
from simkit.io.portfolio import example_path, read_csv
from tests.helpers import small_scenario

RELATIONSHIPS = {
    "relationships.referral_rate": 0.6,
    "relationships.referral_conversion_boost": 2.0,
    "relationships.champion_leaves_per_year": 2.0,
    "relationships.key_contacts": 2,
    "relationships.project_share": 0.4,
}
"""Every opt-in relationship feature switched on, strongly enough to happen often."""

CASES = {
    "reactive": (small_scenario(horizon_years=2.0), "reactive"),
    "proactive, overloaded team": (
        small_scenario(**{"team.managers": 1, "team.hours_per_week": 6.0}),
        "proactive_check_ins",
    ),
    "customer success + proactive": (small_scenario(), "cs+proactive"),
    "key accounts, relationships on": (small_scenario(**RELATIONSHIPS), "key_account_focus"),
    "combined, relationships on, 1.5 years": (
        small_scenario(horizon_years=1.5, **RELATIONSHIPS),
        "cs+key_account_focus",
    ),
    "cohort start": (small_scenario(start="cohort"), "customer_success"),
    "theory mode": (
        small_scenario(theory={"renewal": "beta", "alpha": 0.8, "beta": 2.5}, horizon_years=3),
        "reactive",
    ),
}


def _pair(case: str, replication: int = 0) -> tuple:
    scenario, strategy = CASES[case]
    full = simulate(scenario, strategy, replication)
    lean = simulate(scenario, strategy, replication, record="summary")
    return full, lean


@pytest.fixture(scope="module", params=list(CASES))
def pair(request):
    return _pair(request.param, replication=1)


def test_the_cases_exercise_what_lean_logs_leave_out():
    """Guard against vacuous equality: the runs log the rows a lean log drops, and the
    relationship features really fire."""
    full, lean = _pair("key accounts, relationships on")
    logged = set(full.events["event"].astype(str))
    assert {"referral", "champion_left", "issue_open", "approach"} <= logged
    assert {"project_end", "project_ongoing"} & logged
    assert len(lean.log) < 0.8 * len(full.log)
    overloaded, _ = _pair("proactive, overloaded team")
    assert "touch_missed" in set(overloaded.events["event"].astype(str))


def test_run_summaries_are_identical(pair):
    full, lean = pair
    assert lean.lean and not full.lean
    pd.testing.assert_series_equal(run_summary(full), run_summary(lean), check_exact=True)


@pytest.mark.parametrize(
    ("by", "period"), [([], "M"), (["segment"], "Q"), ("strategy", "Y"), ([], "all")]
)
def test_per_period_summaries_are_identical(pair, by, period):
    full, lean = pair
    pd.testing.assert_frame_equal(
        summarize(full, by=by, period=period), summarize(lean, by=by, period=period),
        check_exact=True,
    )  # fmt: skip


def test_snapshots_and_accounts_are_identical(pair):
    full, lean = pair
    pd.testing.assert_frame_equal(full.snapshots, lean.snapshots, check_exact=True)
    pd.testing.assert_frame_equal(full.accounts, lean.accounts, check_exact=True)


def test_the_lean_log_is_the_full_log_less_what_counts_never_read(pair):
    full, lean = pair
    kept = ~full.events["event"].astype(str).isin(LEAN_SKIPS)
    expected = full.events.loc[kept, list(COLUMNS_READ)].reset_index(drop=True)
    pd.testing.assert_frame_equal(lean.log, expected, check_exact=True)


def test_lean_columns_are_exactly_what_the_counting_core_reads():
    lean_columns = {"segment"} | {
        {"before": "stage_before", "after": "stage_after"}.get(n, n) for n in LEAN_DTYPE.names
    }
    assert lean_columns == set(COLUMNS_READ)
    assert "health" not in lean_columns


def test_several_lean_runs_pool_like_full_ones():
    scenario, strategy = CASES["customer success + proactive"]
    fulls = [simulate(scenario, strategy, r) for r in (0, 1)]
    leans = [simulate(scenario, strategy, r, record="summary") for r in (0, 1)]
    for by in (["strategy"], ["replication", "segment"]):
        pd.testing.assert_frame_equal(
            summarize(fulls, by=by, period="Q"), summarize(leans, by=by, period="Q"),
            check_exact=True,
        )  # fmt: skip


def test_an_imported_book_gives_identical_lean_summaries():
    book = read_csv(example_path(), as_of="2026-11-01")
    scenario = small_scenario()
    full = simulate(scenario, "customer_success", 0, book=book)
    lean = simulate(scenario, "customer_success", 0, book=book, record="summary")
    pd.testing.assert_series_equal(run_summary(full), run_summary(lean), check_exact=True)


def test_counting_a_log_with_the_skipped_rows_removed_changes_nothing():
    """The counting core itself, on one log: dropping the LEAN_SKIPS rows and the health
    column changes no count (what makes lean logs safe to count)."""
    full, _ = _pair("combined, relationships on, 1.5 years")
    ev = full.events
    slim = ev.loc[~ev["event"].astype(str).isin(LEAN_SKIPS)].drop(columns="health")
    edges = period_edges(full.scenario.horizon_days, "Q")
    pd.testing.assert_frame_equal(
        count_periods(ev, edges, ["segment"], full.scenario),
        count_periods(slim, edges, ["segment"], full.scenario),
        check_exact=True,
    )
