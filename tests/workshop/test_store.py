"""The workshop's SQLite file: WAL, hashed tokens, one transaction per write, undo."""

from __future__ import annotations

import json
import sqlite3

import pytest

from simkit.workshop.store import DuplicateTeam, Store, same_token, token_hash


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    yield s
    s.close()


def test_wal_mode_and_schema_version(store, tmp_path):
    assert store.journal_mode() == "wal"
    assert store.get("schema_version") == "1"
    store.close()
    reopened = Store(tmp_path / "w.db")  # opening again keeps what is there
    assert reopened.get("schema_version") == "1"
    reopened.close()


def test_tokens_are_stored_hashed(store, tmp_path):
    token = "a-very-secret-team-token-0123456789"
    team = store.add_team("Blue", token_hash(token))
    store.set("instructor_hash", token_hash("instructor-secret-xyz"))
    assert store.team_by_token(token_hash(token)) == team
    assert store.team_by_token(token) is None  # the plain token is not what is stored
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("w.db"))
    assert token.encode() not in raw and b"instructor-secret-xyz" not in raw
    assert same_token(token, token_hash(token)) and not same_token("other", token_hash(token))


def test_duplicate_team_names_ignore_case(store):
    store.add_team("Blue Team", token_hash("a"))
    with pytest.raises(DuplicateTeam, match="taken"):
        store.add_team("blue team", token_hash("b"))
    assert [t.name for t in store.teams()] == ["Blue Team"]
    found, hashed = store.team_by_name("BLUE TEAM")
    assert found.name == "Blue Team" and hashed == token_hash("a")


def test_resubmission_replaces_and_is_not_carried(store):
    team = store.add_team("Blue", token_hash("a"))
    store.open_round(1)
    store.put_decisions(team.id, 1, json.dumps({"managers": 4}))
    store.put_decisions(team.id, 1, json.dumps({"managers": 5}))
    rows = store.decisions(1)
    assert len(rows) == 1 and rows[0]["data"] == {"managers": 5} and not rows[0]["carried"]


def test_close_is_one_transaction(store):
    a = store.add_team("A", token_hash("a"))
    store.open_round(1)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.write() as db:
        db.execute(
            "INSERT INTO reports(team, round, json) VALUES (?, ?, ?)", (a.id, 1, json.dumps({}))
        )
        raise Boom  # nothing of this block may remain
    assert store.reports() == {}
    # a failing close (a report for a team that does not exist) leaves nothing behind
    with pytest.raises(sqlite3.IntegrityError):
        store.close_round(1, {(a.id, 1): "{}"}, {999: "{}"}, {"reactive": "{}"})
    assert store.reports() == {} and store.decisions() == [] and store.references() == {}
    assert store.rounds()[0].status == "open"
    store.close_round(1, {(a.id, 1): '{"managers": 4}'}, {a.id: '{"round": 1}'}, {"r": "{}"})
    assert store.rounds()[0].status == "closed"
    assert store.reports() == {a.id: {1: {"round": 1}}}
    assert store.decisions()[0]["carried"] is True


def test_undo_keeps_submissions_drops_results(store):
    a = store.add_team("A", token_hash("a"))
    b = store.add_team("B", token_hash("b"))
    store.open_round(1)
    store.put_decisions(a.id, 1, '{"managers": 5}')
    store.close_round(1, {(b.id, 1): '{"managers": 4}'}, {a.id: "{}", b.id: "{}"}, {"r": "{}"})
    store.undo_close(1)
    assert store.rounds()[0].status == "open"
    assert store.reports() == {} and store.references() == {}
    assert [(d["team"], d["carried"]) for d in store.decisions()] == [(a.id, False)]


def test_refuses_what_is_not_a_workshop_file(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not a workshop database"):
        Store(junk)
    with pytest.raises(ValueError, match="is a folder"):
        Store(tmp_path)
