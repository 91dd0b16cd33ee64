"""One workshop in progress: who joined, which round is open, what each team decided.

:class:`Workshop` is the rules of the room on top of the file (:mod:`simkit.workshop.store`)
and the game core (:mod:`simkit.workshop.game`, :mod:`simkit.workshop.decisions`):

* **joining**: the join code and a team name give a team a secret token (the browser keeps
  it in a cookie). The same name with the team's key (its token) reconnects from another
  browser; the same name without it is refused, so nobody takes over another team.
* **submitting**: only while a round is open; a second submission replaces the first until
  the instructor closes the round; a late one is refused with a sentence saying so.
* **closing a round** simulates every team one quarter further with its decisions. A team
  that never submitted keeps its previous decisions (the defaults in round 1), and the
  carried-over decisions are flagged. The references -- the built-in strategies on the same
  book and luck -- are played alongside. Everything the close produced is written in one
  transaction; only then is it visible.
* **undo** takes back the last close (its reports and carried decisions), reopening the
  round with the teams' own submissions still in place.
* **restart**: nothing but the file is needed. Each team's live model is rebuilt lazily,
  at the next close, by replaying its stored decisions (the game core guarantees the replay
  gives the same reports), so a server killed between or during rounds resumes where the
  file says it was.

Thread safety: the web server calls these methods from worker threads (a close takes
seconds of simulation and must not block the event loop). :attr:`Workshop.lock` lets one
change happen at a time; views read the store (its own short lock) and never wait for a
close in progress. :attr:`Workshop.version` changes with every change, so pages know when
to fetch again.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simkit.workshop.store import DuplicateTeam, Store, TeamRow, same_token, token_hash

if TYPE_CHECKING:  # pragma: no cover
    from simkit.workshop.book_state import BookState
    from simkit.workshop.decisions import Decisions
    from simkit.workshop.game import TeamGame
    from simkit.workshop.settings import Settings

__all__ = [
    "JOIN_CODE_ALPHABET",
    "MAX_NAME",
    "MAX_TEAMS",
    "State",
    "Workshop",
    "WorkshopError",
    "clean_name",
    "new_join_code",
]

MAX_TEAMS = 60
"""The most teams one workshop takes (a room of 30 teams has room to spare)."""

MAX_NAME = 40
"""The longest team name, in characters."""

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits of a join code: no 0/O or 1/I, which are misread from a projector."""


class WorkshopError(ValueError):
    """Something a person asked for that the rules refuse: one sentence for the page, the
    form field it is about (if any) and the HTTP status the server answers with."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def to_json(self) -> dict[str, Any]:
        """``{"error": message, "field": field}`` for a 4xx JSON answer."""
        return {"error": self.message, "field": self.field}


def new_join_code(length: int = 6) -> str:
    """A random join code, easy to read aloud and type.

    >>> code = new_join_code()
    >>> len(code), set(code) <= set(JOIN_CODE_ALPHABET)
    (6, True)
    """
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(length))


def clean_name(raw: object) -> str:
    """A team name as it is kept: spaces trimmed and collapsed, 1 to :data:`MAX_NAME`
    characters, no control characters. Anything else is one :class:`WorkshopError`.

    Names are stored and shown as typed (pages escape them), so ``<b>`` is a legal name.

    >>> clean_name("  Blue   team ")
    'Blue team'
    >>> clean_name("")
    Traceback (most recent call last):
    ...
    simkit.workshop.session.WorkshopError: team name: type a name (1 to 40 characters)
    """
    text = re.sub(r"\s+", " ", str(raw or "")).strip()
    if not text or len(text) > MAX_NAME:
        raise WorkshopError(
            f"team name: type a name (1 to {MAX_NAME} characters)", field="name", status=422
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise WorkshopError("team name: no control characters, please", field="name", status=422)
    return text


@dataclass
class State:
    """Where the workshop is: ``phase`` is ``"setup"`` (before round 1), ``"open"`` (round
    ``round`` takes decisions), ``"between"`` (round ``round`` closed, the next not yet open)
    or ``"finished"`` (the last round closed)."""

    phase: str
    round: int
    rounds: int
    closed: int
    version: str
    teams: int = 0
    submitted: list[int] = field(default_factory=list)
    results: str = ""

    def to_json(self) -> dict[str, Any]:
        """What the websocket and ``/api/state`` send: no team's data, only the room's."""
        return {
            "type": "state",
            "version": self.version,
            "phase": self.phase,
            "round": self.round,
            "rounds": self.rounds,
            "closed": self.closed,
            "teams": self.teams,
            "submitted": len(self.submitted),
            "results": self.results,
        }


class Workshop:
    """A workshop: the store, its settings, and the teams' live models (rebuilt lazily)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.lock = threading.RLock()
        self._games: dict[int, TeamGame] = {}
        self._books: dict[int, tuple[str, BookState]] = {}
        self._counter = 0
        self._boot = secrets.token_hex(3)
        self.resumed = False
        self.results_version = f"{self._boot}-start"

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | str, settings: Settings | None = None, instructor_token: str | None = None
    ) -> tuple[Workshop, str]:
        """Open the workshop file at ``path``, creating it with ``settings`` (default
        settings when None) if it is new; a file that exists keeps its stored settings
        (:attr:`resumed` is then True). Returns the workshop and the instructor token: a
        new random one for every start unless ``instructor_token`` is given (only its hash
        is stored, so an old link stops working after a restart)."""
        from simkit.workshop.settings import Settings as _Settings

        store = Store(path)
        stored = store.get("settings")
        if stored is None:
            settings = settings if settings is not None else _Settings()
            with store.write():  # settings and join code together, or neither
                store.set("settings", settings.model_dump_json())
                store.set("join_code", new_join_code())
            resumed = False
        else:
            try:
                settings = _Settings.model_validate_json(stored)
            except ValueError as exc:
                raise ValueError(f"{path}: its stored settings cannot be read ({exc})") from None
            resumed = True
        token = instructor_token or secrets.token_urlsafe(32)
        store.set("instructor_hash", token_hash(token))
        workshop = cls(store, settings)
        workshop.resumed = resumed
        return workshop, token

    @property
    def join_code(self) -> str:
        """The code trainees type to join (stored, so it survives a restart)."""
        return self.store.get("join_code") or ""

    def is_instructor(self, token: str | None) -> bool:
        """Whether ``token`` is this start's instructor token."""
        return same_token(token, self.store.get("instructor_hash"))

    def _changed(self, results: bool = False) -> None:
        self._counter += 1
        if results:
            self.results_version = self.version

    @property
    def version(self) -> str:
        """Changes whenever anything a page shows changes (new after a restart, too)."""
        return f"{self._boot}-{self._counter}"

    # -- where we are -----------------------------------------------------------------------

    def state(self) -> State:
        """The room's state (phase, round, how many submitted) -- nothing team-private."""
        rounds = self.store.rounds()
        closed = sum(r.status == "closed" for r in rounds)
        total = int(self.settings.rounds)
        teams = len(self.store.teams())
        if rounds and rounds[-1].status == "open":
            number = rounds[-1].number
            submitted = [d["team"] for d in self.store.decisions(number) if not d["carried"]]
            return State(
                "open", number, total, closed, self.version, teams, submitted, self.results_version
            )
        if not rounds:
            return State("setup", 0, total, 0, self.version, teams, [], self.results_version)
        phase = "finished" if closed >= total else "between"
        number = rounds[-1].number
        return State(phase, number, total, closed, self.version, teams, [], self.results_version)

    # -- teams ------------------------------------------------------------------------------

    def join(self, code: str, name: str, key: str | None = None) -> tuple[TeamRow, str]:
        """Join with the workshop's code and a team name; returns the team and its token.

        The same name with ``key`` (the team's token) reconnects; without it a taken name
        is refused (409), naming the field ``name``."""
        if str(code or "").strip().upper() != self.join_code:
            raise WorkshopError(
                "join code: not this workshop's code; check the code on the screen",
                field="code",
                status=403,
            )
        name = clean_name(name)
        with self.lock:
            found = self.store.team_by_name(name)
            if found is not None:
                team, hashed = found
                if key and same_token(key.strip(), hashed):
                    return team, key.strip()
                raise WorkshopError(
                    f"team name: {name!r} is taken; choose another name, or type your team "
                    "key to rejoin that team",
                    field="name",
                    status=409,
                )
            if len(self.store.teams()) >= MAX_TEAMS:
                raise WorkshopError(f"the workshop is full ({MAX_TEAMS} teams)", status=409)
            token = secrets.token_urlsafe(32)
            try:
                team = self.store.add_team(name, token_hash(token))
            except DuplicateTeam:
                raise WorkshopError(
                    f"team name: {name!r} is taken", field="name", status=409
                ) from None
            self._changed()
            return team, token

    def team_for(self, token: str | None) -> TeamRow | None:
        """The team a cookie's token belongs to, or None."""
        return self.store.team_by_token(token_hash(token)) if token else None

    # -- decisions --------------------------------------------------------------------------

    def _decisions(self, data: dict) -> Decisions:
        from simkit.workshop.decisions import Decisions

        return Decisions.model_validate(data)

    def _default_decisions(self) -> Decisions:
        """What a team plays when it never submitted anything: the game's defaults."""
        from simkit.workshop.decisions import default_decisions

        return default_decisions(self.settings)

    def _previous(self, team: int, number: int) -> Decisions | None:
        rows = [d for d in self.store.decisions(team=team) if d["round"] < number]
        return self._decisions(rows[-1]["data"]) if rows else None

    def _history(
        self, team: int, upto: int, stored: dict[int, dict] | None = None
    ) -> tuple[list[Decisions], dict[tuple[int, int], str]]:
        """The team's decisions for rounds 1..``upto`` and the ones carried over: a round it
        did not submit repeats the round before (the defaults in round 1)."""
        if stored is None:
            stored = {d["round"]: d["data"] for d in self.store.decisions(team=team)}
        history: list[Decisions] = []
        carried: dict[tuple[int, int], str] = {}
        for n in range(1, upto + 1):
            if n in stored:
                history.append(self._decisions(stored[n]))
            else:
                history.append(history[-1] if history else self._default_decisions())
                carried[(team, n)] = history[-1].model_dump_json()
        return history, carried

    def book_state(self, team: int) -> BookState:
        """The team's book now (after the closed rounds), for its capacity estimate: the
        starting book before round 1, else measured from its model (replayed if needed)."""
        from simkit.workshop.book_state import starting_book_state

        with self.lock:
            cached = self._books.get(team)
            if cached is not None and cached[0] == self.results_version:
                return cached[1]
            closed = self.state().closed
            if closed == 0:
                book = starting_book_state(self.settings)
            else:
                history, _ = self._history(team, closed)
                game = self._game(team, history)
                self._games[team] = game
                book = game.book_state()
            self._books[team] = (self.results_version, book)
            return book

    def warm_up(self, stop: threading.Event | None = None) -> int:
        """Rebuild every team's model now (after a restart) instead of at its first request,
        one team at a time so requests get the lock in between; stops when ``stop`` is set.
        Returns how many teams it rebuilt."""
        done = 0
        for team in self.store.teams():
            if stop is not None and stop.is_set():
                break
            try:
                self.book_state(team.id)
            except Exception:  # only a head start: the team's request rebuilds (or says why)
                break
            done += 1
        return done

    def parse(self, team: TeamRow, raw: dict[str, Any], capacity: bool = True) -> Decisions:
        """Check a team's raw form values against the rules (one :class:`WorkshopError`
        naming the field when they are refused) without storing anything. ``capacity=False``
        skips the check that the plan fits the team's hours (the meter shows it instead)."""
        import dataclasses

        from simkit.workshop.decisions import DecisionError, parse_decisions

        state = self.state()
        number = state.round if state.phase == "open" else state.round + 1
        book = self.book_state(team.id)
        if not capacity:
            book = dataclasses.replace(book, hours_per_manager=1e12)
        try:
            return parse_decisions(raw, self.settings, self._previous(team.id, number), book)
        except DecisionError as exc:
            raise WorkshopError(str(exc), field=getattr(exc, "field", None), status=422) from None

    def submit(self, team: TeamRow, raw: dict[str, Any]) -> Decisions:
        """Store a team's decisions for the open round (replacing an earlier submission)."""
        with self.lock:
            state = self.state()
            if state.phase != "open":
                raise WorkshopError(self._not_open(state), status=409)
            decisions = self.parse(team, raw)
            self.store.put_decisions(team.id, state.round, decisions.model_dump_json())
            self._changed()
            return decisions

    @staticmethod
    def _not_open(state: State) -> str:
        if state.phase == "finished":
            return "too late: the game is over, all rounds are played"
        if state.phase == "setup":
            return "the first round is not open yet; wait for the instructor"
        return (
            f"too late: round {state.round} is closed; your decisions were not taken. "
            f"Wait for round {state.round + 1} to open"
        )

    def planned(self, team: TeamRow, raw: dict[str, Any]) -> dict[str, Any]:
        """The planned hours and capacity for the page's meter (an unchecked estimate)."""
        from simkit.workshop.decisions import planned_hours

        decisions = self.parse(team, raw, capacity=False)
        return planned_hours(decisions, self.book_state(team.id))

    # -- rounds -----------------------------------------------------------------------------

    def open_round(self) -> int:
        """Open the next round; returns its number."""
        with self.lock:
            state = self.state()
            if state.phase == "open":
                raise WorkshopError(f"round {state.round} is already open", status=409)
            if state.phase == "finished":
                raise WorkshopError(f"all {state.rounds} rounds are played", status=409)
            number = state.round + 1
            self.store.open_round(number)
            self._changed()
            return number

    def _game(self, team: int, history: list[Decisions]) -> TeamGame:
        """The team's live model after ``len(history)`` rounds: the cached one, or a replay."""
        from simkit.workshop.game import TeamGame, replay

        game = self._games.get(team)
        if game is not None and getattr(game, "rounds_played", None) == len(history):
            return game
        return replay(self.settings, history) if history else TeamGame(self.settings)

    def close_round(self) -> dict[str, Any]:
        """Close the open round: simulate every team (and the references) one quarter, then
        store it all in one transaction. Returns ``{"round", "teams", "carried"}``."""
        from simkit.workshop.game import reference_reports

        with self.lock:
            state = self.state()
            if state.phase != "open":
                raise WorkshopError("no round is open to close", status=409)
            number = state.round
            stored: dict[int, dict[int, dict]] = {}
            for d in self.store.decisions():
                stored.setdefault(d["team"], {})[d["round"]] = d["data"]
            carried: dict[tuple[int, int], str] = {}
            reports: dict[int, str] = {}
            games: dict[int, TeamGame] = {}
            try:
                for team in self.store.teams():
                    history, extra = self._history(team.id, number, stored.get(team.id, {}))
                    carried.update(extra)
                    game = self._game(team.id, history[:-1])
                    report = game.play(history[-1])
                    reports[team.id] = json.dumps(report)
                    games[team.id] = game
                refs = reference_reports(self.settings, number)
                references = {name: json.dumps(by[number - 1]) for name, by in refs.items()}
                self.store.close_round(number, carried, reports, references)
            except BaseException:
                self._games.clear()  # some models may have moved on: replay them next time
                raise
            self._games.update(games)
            self._changed(results=True)
            self._books = {t: (self.results_version, g.book_state()) for t, g in games.items()}
            return {"round": number, "teams": len(reports), "carried": len(carried)}

    def undo_close(self) -> int:
        """Take back the last close (only before the next round opens); returns its number."""
        with self.lock:
            state = self.state()
            if state.phase == "open":
                raise WorkshopError(
                    f"round {state.round} is open; only the last close can be undone, "
                    "before the next round opens",
                    status=409,
                )
            if state.phase == "setup":
                raise WorkshopError("no round has been closed yet", status=409)
            self.store.undo_close(state.round)
            self._games.clear()
            self._changed(results=True)
            return state.round

    def update_settings(self, overrides: dict[str, Any]) -> Settings:
        """Change settings from the instructor screen (only before round 1 opens)."""
        with self.lock:
            if self.store.rounds():
                raise WorkshopError(
                    "settings: they can only change before round 1 opens", status=409
                )
            try:
                settings = self.settings.with_overrides(overrides)
                settings.book()  # an account list is read now, not at the first close
                settings.game_scenario()
            except ValueError as exc:
                text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise WorkshopError(f"settings: {text}", field="settings", status=422) from None
            self.store.set("settings", settings.model_dump_json())
            self.settings = settings
            self._games.clear()
            self._changed(results=True)
            return settings

    # -- views ------------------------------------------------------------------------------

    def team_view(self, team: TeamRow) -> dict[str, Any]:
        """What a team's page shows: the room's state and *this team's own* decisions and
        reports only (another team's are never read here)."""
        state = self.state()
        mine = self.store.decisions(team=team.id)
        reports = self.store.reports(team=team.id).get(team.id, {})
        by_round = {d["round"]: d for d in mine}
        current = by_round.get(state.round) if state.phase == "open" else None
        history = [
            {
                "round": n,
                "decisions": by_round.get(n, {}).get("data"),
                "carried": by_round.get(n, {}).get("carried", False),
                "report": report,
            }
            for n, report in reports.items()
        ]
        last = history[-1] if history else None
        previous = mine[-1]["data"] if mine else None
        return {
            "team": team,
            "state": state,
            "current": current,
            "form": (current or {}).get("data") or previous,
            "history": history,
            "last": last,
            "settings": self.settings,
            "time": time.time(),
        }

    def instructor_view(self) -> dict[str, Any]:
        """What the instructor's page shows: who submitted, every team's reports, the
        references, and (after the last round) the debrief."""
        state = self.state()
        teams = self.store.teams()
        reports = self.store.reports()
        by_team: dict[int, dict[int, dict]] = {}
        for d in self.store.decisions():
            by_team.setdefault(d["team"], {})[d["round"]] = d
        rows = []
        for t in teams:
            now = by_team.get(t.id, {}).get(state.round)
            rows.append(
                {
                    "team": t,
                    "submitted": bool(now and not now["carried"] and state.phase == "open"),
                    "at": now["submitted"] if now else None,
                    "carried_rounds": [n for n, d in by_team.get(t.id, {}).items() if d["carried"]],
                }
            )
        return {
            "state": state,
            "teams": rows,
            "reports": {t.name: reports.get(t.id, {}) for t in teams},
            "decisions": {
                t.name: {n: d["data"] for n, d in by_team.get(t.id, {}).items()} for t in teams
            },
            "references": self.store.references(),
            "settings": self.settings,
        }
