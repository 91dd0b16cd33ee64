"""Results: tidy frames, an account's story, exports written atomically."""

import pandas as pd
import pytest

from simkit.engine.events import EVENTS
from simkit.engine.model import simulate
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
