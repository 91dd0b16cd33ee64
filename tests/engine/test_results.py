"""Results: tidy frames, an account's story, exports written atomically."""

import pandas as pd
import pytest

from simkit.engine.events import EVENTS, LEAN_SKIPS
from simkit.engine.model import simulate
from simkit.engine.results import LeanRunError
from simkit.io.files import write_frame, write_results
from tests.helpers import small_scenario


@pytest.fixture(scope="module")
def res():
    return simulate(small_scenario(), "proactive_check_ins")


def test_event_log_is_tidy(res):
    ev = res.events
    assert list(ev.columns) == [
        "time",
        "account",
        "segment",
        "event",
        "stage_before",
        "stage_after",
        "arr",
        "arr_change",
        "health",
        "value",
        "hours",
        "detail",
    ]
    assert list(ev["event"].cat.categories) == list(EVENTS)
    assert ev["time"].is_monotonic_increasing


def test_story_of_one_account(res):
    churned = res.events.loc[res.events["event"].isin(["churn", "defect"]), "account"]
    acct = int(churned.iloc[0]) if len(churned) else 0
    story = res.story(acct)
    assert (story["account"] == acct).all() and story["event"].iloc[0] in ("init", "arrival")
    with pytest.raises(ValueError, match="no account 99999"):
        res.story(99999)


def test_tagged_frames_carry_strategy_and_replication(res):
    t = res.tagged("snapshots")
    assert t.columns[:2].tolist() == ["strategy", "replication"]
    assert set(t["strategy"]) == {"proactive_check_ins"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trip(res, tmp_path, fmt):
    paths = write_results(res, tmp_path, fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    back = pd.read_csv(paths[0]) if fmt == "csv" else pd.read_parquet(paths[0])
    assert len(back) == len(res.events)
    assert back["arr"].sum() == pytest.approx(res.events["arr"].sum())


def test_write_frame_refuses_unknown_formats_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="write .csv or .parquet"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- lean runs
@pytest.fixture(scope="module")
def lean():
    return simulate(small_scenario(), "proactive_check_ins", record="summary")


def test_a_lean_run_says_what_is_missing_instead_of_returning_empty_frames(lean):
    assert lean.lean and lean.recorded == "summary"
    for ask in (lambda: lean.events, lambda: lean.story(0), lambda: lean.tagged("events")):
        with pytest.raises(LeanRunError, match=r"lean run.*re-run it with record='events'"):
            ask()
    assert "recorded='summary'" in repr(lean)


def test_a_lean_run_keeps_snapshots_accounts_and_its_lean_log(lean, res):
    assert len(lean.snapshots) == len(res.snapshots) and len(lean.accounts) == len(res.accounts)
    assert "health" not in lean.log.columns
    assert not set(lean.log["event"].astype(str)) & LEAN_SKIPS
    assert 0 < len(lean.log) < len(res.events)
    assert lean.tagged("log").columns[:2].tolist() == ["strategy", "replication"]


def test_a_full_run_log_is_its_events(res):
    assert res.log is res.events and not res.lean


def test_record_must_be_summary_or_events():
    with pytest.raises(ValueError, match="record must be 'summary' or 'events', got 'all'"):
        simulate(small_scenario(), "reactive", record="all")
    with pytest.raises(ValueError, match="frame must be"):
        simulate(small_scenario(), "reactive").tagged("health")
