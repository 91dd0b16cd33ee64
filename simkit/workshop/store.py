"""Where a workshop keeps everything: one SQLite file, written one transaction at a time.

A workshop runs for hours on one laptop, and the laptop may crash, the server may be
killed, the lid may close. So every fact the room depends on is written to disk *before*
anyone is told it happened:

* **one file per workshop** (``workshop.db``): the settings, the join code and the
  instructor token's hash, the teams (name and token hash), the rounds (open or closed and
  when), every team's decisions per round and the reports every close produced, and the
  built-in strategies' reference reports;
* **WAL mode** (``PRAGMA journal_mode=WAL``): readers never wait for the writer, and a commit
  is one append to the write-ahead log, so a killed process loses at most a transaction
  that was never acknowledged; ``synchronous=FULL`` makes the append reach the disk first;
* **each write is one transaction** (:meth:`Store.write`, ``BEGIN IMMEDIATE`` ... ``COMMIT``):
  closing a round writes the carried-over decisions, every team's report, the references and
  the round's new status together -- or nothing at all;
* **tokens are stored hashed** (:func:`token_hash`, SHA-256): a copied database file does not
  hand out the instructor screen or a team's cookie. The tokens are 256-bit random strings,
  so a fast hash is enough (there is nothing to guess, unlike a password).

The store knows rows, not rules: who may submit when, and what a close simulates, is
:mod:`simkit.workshop.session`. Only the standard library is used.

>>> import tempfile, pathlib
>>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "w.db")
>>> store.journal_mode()
'wal'
>>> team = store.add_team("Blue", token_hash("secret"))
>>> store.team_by_token(token_hash("secret")).name, store.team_by_token(token_hash("x"))
('Blue', None)
>>> store.close()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "DuplicateTeam",
    "RoundRow",
    "Store",
    "TeamRow",
    "same_token",
    "token_hash",
]

SCHEMA_VERSION = 1
"""The layout of the tables; a file with another version is refused with a sentence."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    token_hash TEXT NOT NULL UNIQUE,
    joined     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    number INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened REAL NOT NULL,
    closed REAL
);
CREATE TABLE IF NOT EXISTS decisions (
    team      INTEGER NOT NULL REFERENCES teams(id),
    round     INTEGER NOT NULL,
    json      TEXT NOT NULL,
    submitted REAL NOT NULL,
    carried   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team, round)
);
CREATE TABLE IF NOT EXISTS reports (
    team  INTEGER NOT NULL REFERENCES teams(id),
    round INTEGER NOT NULL,
    json  TEXT NOT NULL,
    PRIMARY KEY (team, round)
);
CREATE TABLE IF NOT EXISTS reference_reports (
    strategy TEXT NOT NULL,
    round    INTEGER NOT NULL,
    json     TEXT NOT NULL,
    PRIMARY KEY (strategy, round)
);
"""


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as hex: what the store keeps instead of the token.

    >>> token_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(token: str | None, stored_hash: str | None) -> bool:
    """Whether ``token`` hashes to ``stored_hash``, compared in constant time.

    >>> same_token("abc", token_hash("abc")), same_token("abd", token_hash("abc"))
    (True, False)
    >>> same_token(None, token_hash("abc")), same_token("abc", None)
    (False, False)
    """
    if not token or not stored_hash:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


class DuplicateTeam(ValueError):
    """A team with this name (ignoring case) is already in the workshop."""


@dataclass(frozen=True)
class TeamRow:
    """One team as stored: its id, name and when it joined (never its token)."""

    id: int
    name: str
    joined: float


@dataclass(frozen=True)
class RoundRow:
    """One round as stored: its number (1 = the first quarter), status and times."""

    number: int
    status: str
    opened: float
    closed: float | None


class Store:
    """The workshop's SQLite file: tables created on first use, WAL, one lock.

    One connection is shared by the server's threads; :attr:`lock` (re-entrant) makes each
    method -- and each :meth:`write` block -- run alone. SQLite would serialise the writes
    anyway; the lock also keeps a reader from seeing a half-finished Python-side sequence.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise ValueError(f"--db {self.path}: is a folder, not a workshop file")
        self.lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self.lock:
                self._db.executescript(_SCHEMA)  # idempotent: IF NOT EXISTS
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"--db {self.path}: not a workshop database ({exc})") from None
        version = self.get("schema_version")
        if version is None:
            self.set("schema_version", str(SCHEMA_VERSION))
        elif version != str(SCHEMA_VERSION):
            raise ValueError(
                f"--db {self.path}: made by another simkit version (schema {version}, "
                f"this one reads {SCHEMA_VERSION}); start a new workshop file"
            )

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside is committed together, or rolled back
        when an exception leaves the block (and the exception goes on)."""
        with self.lock:
            in_tx = self._db.in_transaction
            if not in_tx:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if not in_tx:
                    self._db.execute("ROLLBACK")
                raise
            if not in_tx:
                self._db.execute("COMMIT")

    def _rows(self, sql: str, *args: Any) -> list[sqlite3.Row | tuple]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    def journal_mode(self) -> str:
        """The journal mode SQLite reports (``'wal'``)."""
        return str(self._rows("PRAGMA journal_mode")[0][0])

    def close(self) -> None:
        """Close the file (a checkpoint folds the log back into the database)."""
        with self.lock:
            self._db.close()

    # -- meta: settings, join code, instructor token ----------------------------------------

    def get(self, key: str) -> str | None:
        """A value of the ``meta`` table (settings, join code, token hash ...), or None."""
        rows = self._rows("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    def set(self, key: str, value: str) -> None:
        """Write one ``meta`` value (one transaction)."""
        with self.write() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- teams ------------------------------------------------------------------------------

    def add_team(self, name: str, token_hash_: str) -> TeamRow:
        """Add a team; :class:`DuplicateTeam` when the name (ignoring case) is taken."""
        now = time.time()
        try:
            with self.write() as db:
                cur = db.execute(
                    "INSERT INTO teams(name, token_hash, joined) VALUES (?, ?, ?)",
                    (name, token_hash_, now),
                )
        except sqlite3.IntegrityError:
            raise DuplicateTeam(f"the team name {name!r} is taken") from None
        return TeamRow(int(cur.lastrowid or 0), name, now)

    def team_by_token(self, token_hash_: str) -> TeamRow | None:
        """The team whose token hashes to ``token_hash_``, or None."""
        rows = self._rows("SELECT id, name, joined FROM teams WHERE token_hash = ?", token_hash_)
        return TeamRow(*rows[0]) if rows else None

    def team_by_name(self, name: str) -> tuple[TeamRow, str] | None:
        """The team called ``name`` (ignoring case) and its token hash, or None."""
        rows = self._rows(
            "SELECT id, name, joined, token_hash FROM teams WHERE name = ? COLLATE NOCASE", name
        )
        return (TeamRow(*rows[0][:3]), str(rows[0][3])) if rows else None

    def teams(self) -> list[TeamRow]:
        """Every team, in the order they joined."""
        return [TeamRow(*r) for r in self._rows("SELECT id, name, joined FROM teams ORDER BY id")]

    # -- rounds -----------------------------------------------------------------------------

    def rounds(self) -> list[RoundRow]:
        """Every round opened so far, first to last."""
        rows = self._rows("SELECT number, status, opened, closed FROM rounds ORDER BY number")
        return [RoundRow(*r) for r in rows]

    def open_round(self, number: int) -> None:
        """Open round ``number`` (a new row, or a closed one reopened by an undo)."""
        with self.write() as db:
            db.execute(
                "INSERT INTO rounds(number, status, opened) VALUES (?, 'open', ?) "
                "ON CONFLICT(number) DO UPDATE SET status = 'open', closed = NULL",
                (number, time.time()),
            )

    def close_round(
        self,
        number: int,
        carried: dict[tuple[int, int], str],
        reports: dict[int, str],
        references: dict[str, str],
    ) -> None:
        """Close round ``number`` in ONE transaction: the decisions carried over for teams
        that did not submit ((team id, round) -> JSON), every team's report (team id -> JSON),
        the references for the round (strategy -> JSON), and the round's status."""
        now = time.time()
        with self.write() as db:
            db.executemany(
                "INSERT INTO decisions(team, round, json, submitted, carried) "
                "VALUES (?, ?, ?, ?, 1)",
                [(team, n, text, now) for (team, n), text in carried.items()],
            )
            db.executemany(
                "INSERT INTO reports(team, round, json) VALUES (?, ?, ?)",
                [(team, number, text) for team, text in reports.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO reference_reports(strategy, round, json) VALUES (?, ?, ?)",
                [(name, number, text) for name, text in references.items()],
            )
            db.execute(
                "UPDATE rounds SET status = 'closed', closed = ? WHERE number = ?", (now, number)
            )

    def undo_close(self, number: int) -> None:
        """Undo the close of round ``number`` in one transaction: its reports, references and
        carried-over decisions go; the teams' own submissions stay; the round is open again."""
        with self.write() as db:
            db.execute("DELETE FROM reports WHERE round = ?", (number,))
            db.execute("DELETE FROM reference_reports WHERE round = ?", (number,))
            db.execute("DELETE FROM decisions WHERE round = ? AND carried = 1", (number,))
            db.execute(
                "UPDATE rounds SET status = 'open', closed = NULL, opened = ? WHERE number = ?",
                (time.time(), number),
            )

    # -- decisions and reports --------------------------------------------------------------

    def put_decisions(self, team: int, number: int, text: str) -> None:
        """Store a team's submission for a round, replacing an earlier one (one transaction)."""
        with self.write() as db:
            db.execute(
                "INSERT INTO decisions(team, round, json, submitted, carried) "
                "VALUES (?, ?, ?, ?, 0) ON CONFLICT(team, round) DO UPDATE SET "
                "json = excluded.json, submitted = excluded.submitted, carried = 0",
                (team, number, text, time.time()),
            )

    def decisions(self, number: int | None = None, team: int | None = None) -> list[dict]:
        """Stored decisions as dicts (team, round, data, submitted, carried), by team and round."""
        sql = "SELECT team, round, json, submitted, carried FROM decisions WHERE 1=1"
        args: list[Any] = []
        if number is not None:
            sql += " AND round = ?"
            args.append(number)
        if team is not None:
            sql += " AND team = ?"
            args.append(team)
        rows = self._rows(sql + " ORDER BY team, round", *args)
        return [
            {
                "team": r[0],
                "round": r[1],
                "data": json.loads(r[2]),
                "submitted": r[3],
                "carried": bool(r[4]),
            }
            for r in rows
        ]

    def reports(self, team: int | None = None) -> dict[int, dict[int, dict]]:
        """Stored reports: team id -> round -> report (all teams, or one)."""
        sql = "SELECT team, round, json FROM reports"
        rows = self._rows(sql + " WHERE team = ?", team) if team is not None else self._rows(sql)
        out: dict[int, dict[int, dict]] = {}
        for t, n, text in rows:
            out.setdefault(int(t), {})[int(n)] = json.loads(text)
        return {t: dict(sorted(by.items())) for t, by in out.items()}

    def references(self) -> dict[str, dict[int, dict]]:
        """Stored reference reports: strategy -> round -> report."""
        out: dict[str, dict[int, dict]] = {}
        for name, n, text in self._rows("SELECT strategy, round, json FROM reference_reports"):
            out.setdefault(str(name), {})[int(n)] = json.loads(text)
        return {s: dict(sorted(by.items())) for s, by in out.items()}
