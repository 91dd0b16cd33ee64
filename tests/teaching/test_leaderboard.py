"""Tests for simkit.teaching.leaderboard and ``simkit exercises leaderboard``: the class view.

A folder of made-up progress files -- good ones, a trainee with a hostile name, files that
are half-written, empty or the wrong shape -- is gathered into one table.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.teaching import exercises as ex
from simkit.teaching import progress
from simkit.teaching.leaderboard import (
    MAX_FILE_BYTES,
    clean_name,
    gather,
    read_progress_file,
    write_room,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
EVERY = list(ex.EXERCISES)


def _progress(**exercises: tuple[bool, int]) -> dict:
    return {
        "version": 1,
        "exercises": {
            k.replace("_", "-"): {"passed": p, "attempts": a} for k, (p, a) in exercises.items()
        },
    }


@pytest.fixture
def room_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "room"
    folder.mkdir()
    ana = _progress(retention_formula=(True, 2), churn_formula=(False, 3), beat_reactive=(True, 1))
    ana.update(name="Ana Pérez", updated="2025-05-12T09:41:07+00:00")
    (folder / "ana.json").write_text(json.dumps(ana), encoding="utf-8")
    ben = _progress(retention_formula=(True, 1), churn_formula=(True, 1), upsell_rate=(True, 4))
    ben["updated"] = "2025-05-12T10:02:00+02:00"
    (folder / "ben.json").write_text(json.dumps(ben), encoding="utf-8")
    evil = _progress(upsell_rate=(True, 1))
    evil["name"] = HOSTILE
    (folder / "evil.json").write_text(json.dumps(evil), encoding="utf-8")
    (folder / "=HYPERLINK(1).json").write_text(json.dumps(_progress()), encoding="utf-8")
    (folder / "corrupt.json").write_text('{"version": 1, "exercises": {"retention-f')
    (folder / "empty.json").write_text("")
    (folder / "list.json").write_text("[1, 2, 3]")
    (folder / "bad-entry.json").write_text('{"exercises": {"nps-from-shares": {"passed": "yes"}}}')
    (folder / "latin1.json").write_bytes('{"name": "Jos\xe9"}'.encode("latin-1"))
    (folder / ".ana.json.x1y2.tmp").write_text("{")  # a save in progress: ignored
    (folder / "notes.txt").write_text("not a progress file, not a .json")
    return folder


EXPECTED_SKIPS = {
    "bad-entry.json": "exercise 'nps-from-shares': needs passed (true/false) and attempts",
    "corrupt.json": "not JSON (broken at line 1, column 30: half-written?)",
    "empty.json": "empty (still being written?)",
    "latin1.json": "not UTF-8 text",
    "list.json": 'not a simkit progress file (no "exercises" table)',
}


# -- gathering -----------------------------------------------------------------------------------
def test_the_room_has_one_row_per_readable_file_most_passed_first(room_folder):
    room = gather(room_folder)
    assert [t.name for t in room.trainees] == ["ben", "Ana Pérez", HOSTILE, "=HYPERLINK(1)"]
    assert {f: r for f, r in room.skipped}.keys() == EXPECTED_SKIPS.keys()
    for f, reason in room.skipped:
        assert reason.startswith(EXPECTED_SKIPS[f]), (f, reason)
    table = room.table().set_index("trainee")
    assert list(table.columns[1:-3]) == EVERY
    assert table.loc["Ana Pérez", "retention-formula"] == "passed"
    assert table.loc["Ana Pérez", "churn-formula"] == "tried"
    assert table.loc["Ana Pérez", "nps-from-shares"] == "not started"
    assert table.loc["Ana Pérez", ["passed", "tried"]].tolist() == [2, 1]
    assert table.loc["ben", ["passed", "tried"]].tolist() == [3, 0]
    assert table.loc["ben", "last_activity"] == "2025-05-12T08:02:00+00:00"  # in UTC
    assert room.passed_by()["retention-formula"] == 2 and room.passed_by()["upsell-rate"] == 2


def test_each_bad_file_is_one_note_line(room_folder):
    notes = gather(room_folder).notes()
    assert len(notes) == len(EXPECTED_SKIPS)
    assert all("\n" not in n and n.startswith("skipped ") for n in notes)


def test_exercises_this_kit_does_not_have_are_left_out_with_a_note(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps(_progress(gone_exercise=(True, 1))))
    room = gather(tmp_path)
    assert room.table().loc[0, "passed"] == 0
    assert room.notes() == [
        "note old.json: left out exercises this kit does not have: gone-exercise"
    ]


def test_a_file_without_updated_uses_its_modification_time(tmp_path):
    path = tmp_path / "cleo.json"
    path.write_text(json.dumps(_progress()))
    trainee = read_progress_file(path)
    assert abs(trainee.updated.timestamp() - path.stat().st_mtime) < 1
    assert trainee.name == "cleo" and trainee.file == "cleo.json"


def test_two_files_with_one_name_are_told_apart(tmp_path):
    for stem in ("a1", "a2"):
        (tmp_path / f"{stem}.json").write_text(json.dumps({**_progress(), "name": "Ana"}))
    assert sorted(t.name for t in gather(tmp_path).trainees) == ["Ana (a1)", "Ana (a2)"]


def test_a_huge_file_is_skipped_without_reading_it(tmp_path):
    (tmp_path / "big.json").write_bytes(b" " * (MAX_FILE_BYTES + 1))
    assert gather(tmp_path).skipped == [
        ("big.json", "1,000,001 bytes: too big for a progress file")
    ]


def test_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such folder"):
        gather(tmp_path / "nope")
    (tmp_path / "file.json").write_text("{}")
    with pytest.raises(ValueError, match="not a folder"):
        gather(tmp_path / "file.json")


def test_names_are_cleaned_of_control_characters_and_cut():
    assert clean_name("Ana\x1b[31m\u202e Pérez\r\n") == "Ana[31m Pérez"
    assert len(clean_name("x" * 500)) == 60 and clean_name("x" * 500).endswith("…")


# -- what progress.py writes is what the leaderboard reads ---------------------------------------
def test_a_progress_file_written_by_keep_progress_is_read_back(tmp_path):
    path = tmp_path / "room" / "dana.json"
    ex.keep_progress(path, name="Dana K.")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["name"] == "Dana K." and saved["exercises"] == {}  # saved at once
    ex.check("upsell-rate", 60)
    ex.check("renewal-rate", 10)
    progress.reset_progress()  # a new session keeps the name saved in the file
    ex.keep_progress(path)
    ex.check("time-to-resolution", 1)
    room = gather(path.parent)
    (dana,) = room.trainees
    assert dana.name == "Dana K."
    assert (dana.status("upsell-rate"), dana.status("renewal-rate")) == ("passed", "tried")
    assert dana.status("time-to-resolution") == "tried"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", saved["updated"])
    with pytest.raises(ValueError, match="name must be a non-empty text"):
        ex.keep_progress(path, name="  ")


# -- files for the instructor ----------------------------------------------------------------------
class _Page(HTMLParser):
    """Collects what would load or run: tags, scripts, external references, text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href") or k.startswith("on")]

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_page_is_self_contained_and_escapes_names(room_folder, tmp_path):
    csv_path, page = write_room(gather(room_folder), tmp_path / "out")
    text = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert parsed.refs == []  # no external resources, no event handlers
    assert "http" not in text.replace('http-equiv="refresh"', "")
    assert HOSTILE in "".join(parsed.text)  # shown as text
    assert "&lt;script&gt;" in text and "Ana Pérez" in text
    assert text.count('<td class="passed">✔</td>') == 2 + 3 + 1  # ana, ben, evil
    assert "corrupt.json" in text and "half-written" in text
    assert 'http-equiv="refresh"' not in text
    assert 'content="30"' in write_room(gather(room_folder), tmp_path / "w", refresh=30)[
        1
    ].read_text(encoding="utf-8")


def test_the_csv_has_every_exercise_and_no_spreadsheet_formulas(room_folder, tmp_path):
    csv_path, _ = write_room(gather(room_folder), tmp_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert [r["trainee"] for r in rows] == ["ben", "Ana Pérez", HOSTILE, "'=HYPERLINK(1)"]
    assert rows[3]["file"] == "'=HYPERLINK(1).json"
    assert rows[1]["beat-reactive"] == "passed" and rows[1]["passed"] == "2"
    assert list(rows[0])[2:-3] == EVERY


def test_writing_into_a_file_is_refused(room_folder, tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        write_room(gather(room_folder), tmp_path / "taken")


# -- the command ---------------------------------------------------------------------------------
def test_the_command_prints_the_table_and_writes_both_files(room_folder, tmp_path):
    result = CliRunner().invoke(
        app, ["exercises", "leaderboard", str(room_folder), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    books = sorted({e.notebook.split("-")[0] for e in ex.EXERCISES.values()})
    assert lines[0].split() == ["trainee", *books, "passed", "tried", "last", "activity"]
    assert lines[1].startswith("ben ")
    assert "Ana Pérez" in lines[2] and "2025-05-12 09:41" in lines[2]
    assert lines[-1].startswith("4 trainees; wrote ")
    assert (tmp_path / "out" / "leaderboard.csv").is_file()
    assert (tmp_path / "out" / "leaderboard.html").is_file()
    assert not list((tmp_path / "out").glob(".*.tmp"))
    skipped = [ln for ln in result.stderr.splitlines() if ln.startswith("skipped ")]
    assert sorted(ln.split(":")[0] for ln in skipped) == [
        f"skipped {f}" for f in sorted(EXPECTED_SKIPS)
    ]
    assert "Traceback" not in result.output


def test_the_command_reports_a_missing_folder_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["exercises", "leaderboard", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'nope'}: no such folder"


def test_an_empty_folder_says_so(tmp_path):
    result = CliRunner().invoke(
        app, ["exercises", "leaderboard", str(tmp_path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0
    assert "no trainees yet" in result.stdout
    assert "0 trainees" in (tmp_path / "out" / "leaderboard.html").read_text(encoding="utf-8")


def test_watch_gathers_again_until_ctrl_c_and_the_page_reloads_itself(
    room_folder, tmp_path, monkeypatch
):
    import simkit.cli.teaching as command

    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(command.time, "sleep", sleep)
    result = CliRunner().invoke(
        app,
        ["exercises", "leaderboard", str(room_folder), "--out", str(tmp_path), "--watch", "15"],
    )
    assert result.exit_code == 130 and rounds == [15, 15]
    assert result.stdout.count("4 trainees; wrote") == 2
    page = (tmp_path / "leaderboard.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="15">' in page
    bad = CliRunner().invoke(app, ["exercises", "leaderboard", str(room_folder), "--watch", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
