"""Tests for simkit.teaching.progress: passed, tried and not started; kept in a file on request."""

from __future__ import annotations

import json

import pytest

from simkit.teaching import exercises as ex
from simkit.teaching import progress
from simkit.teaching.progress import PROGRESS_ENV

# -- progress ----------------------------------------------------------------------------------


def test_progress_lists_passed_tried_and_not_started():
    ex.check("retention-formula", 95)
    ex.check("churn-formula", 92.5)
    ex.check("churn-formula", 7.5, record=False)  # hidden tests do not count
    p = ex.progress("01")
    status = dict(zip(p.to_frame()["exercise"], p.to_frame()["status"], strict=True))
    assert status["retention-formula"] == "passed"
    assert status["churn-formula"] == "tried"
    assert status["retention-table"] == "not started"
    assert p.passed == 1
    assert repr(p).startswith("1 of 5 exercises passed")
    assert "0x" not in p._repr_html_()
    assert len(ex.progress().rows) == len(ex.EXERCISES)
    with pytest.raises(ValueError, match="no notebook '99'"):
        ex.progress("99")


def test_progress_is_kept_in_a_file_only_when_asked(tmp_path, monkeypatch):
    ex.check("upsell-rate", 60)
    assert not list(tmp_path.iterdir())
    store = tmp_path / "sub" / "progress.json"
    monkeypatch.setenv(PROGRESS_ENV, str(store))
    ex.reset_progress()
    ex.check("upsell-rate", 40)
    ex.check("renewal-rate", 90)
    saved = json.loads(store.read_text())["exercises"]
    assert saved["upsell-rate"] == {"passed": False, "attempts": 1}
    assert saved["renewal-rate"]["passed"] is True
    ex.reset_progress()  # a new session: progress comes back from the file
    assert dict((r[1], r[3]) for r in ex.progress("05").rows)["renewal-rate"] == "passed"
    assert not list(store.parent.glob("*.tmp"))
    ex.keep_progress(None)  # off for this session, whatever the environment says
    ex.check("upsell-rate", 60)
    assert json.loads(store.read_text())["exercises"]["upsell-rate"]["passed"] is False


def test_a_broken_progress_file_is_reported_and_left_alone(tmp_path):
    store = tmp_path / "progress.json"
    store.write_text("{not json")
    with pytest.warns(UserWarning, match="not a simkit progress file"):
        ex.keep_progress(store)
    ex.check("upsell-rate", 60)
    assert store.read_text() == "{not json"
    assert ex.progress("05").passed == 1


def test_status_counts_a_pass_once_and_forgets_on_reset():
    progress.record("upsell-rate", passed=False)
    assert progress.status("upsell-rate") == "tried"
    progress.record("upsell-rate", passed=True)
    progress.record("upsell-rate", passed=False)
    assert progress.status("upsell-rate") == "passed"
    assert progress.STORE.session["upsell-rate"]["attempts"] == 3
    progress.reset_progress()
    assert progress.status("upsell-rate") == "not started"
