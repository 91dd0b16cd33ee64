"""One team's game: its book, simulated a quarter at a time with the team's decisions.

:class:`TeamGame` holds a team's live model (:class:`simkit.engine.staffing.GameModel`).
:meth:`TeamGame.play` takes the quarter's decisions, hires or lets managers go, re-plans the
model, runs it to the end of the quarter -- continuing from where it stopped -- and returns
the quarter's report (:mod:`simkit.workshop.report`): the registry's figures for the quarter
and since the start, what happened and why, and the events that mattered most.

Every team plays the same book with the same seed (common random numbers), so two teams with
the same decisions get the same report, and a difference between two teams is their
decisions' doing. The built-in strategies play the same book and luck as reference lines
(:func:`reference_reports`). A restarted server rebuilds a team by replaying its decisions
(:func:`replay`): the model is deterministic, so the reports come out identical.

>>> from simkit.workshop.settings import Settings
>>> from simkit.workshop.decisions import default_decisions
>>> settings = Settings(rounds=2)
>>> game = TeamGame(settings)
>>> report = game.play(default_decisions(settings))
>>> report["round"], game.rounds_played, report["figures"]["nrr"] > 0
(1, 1, True)
>>> replay(settings, [default_decisions(settings)]).reports[0] == report
True
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simkit.analysis.counts import period_edges
from simkit.analysis.registry import label
from simkit.engine.plan import PlanStrategy
from simkit.engine.staffing import GameModel
from simkit.engine.strategies import strategy_label
from simkit.workshop.book_state import BookState, measure_book
from simkit.workshop.decisions import Decisions, default_decisions, to_plan
from simkit.workshop.report import quarter_report
from simkit.workshop.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "LEADERBOARD",
    "REFERENCES",
    "GameOver",
    "TeamGame",
    "leaderboard",
    "reference_reports",
    "replay",
]

REFERENCES = ("reactive", "key_account_focus", "customer_success", "proactive_check_ins")
"""The built-in strategies that play the teams' book and luck as reference lines."""

LEADERBOARD = ("operating_profit", "nrr", "logo_retention", "nps", "end_arr")
"""The registry figures on the leaderboard (since the start), the first one ranks."""


class GameOver(ValueError):
    """Every round of the game has been played."""


class TeamGame:
    """One team's book, played quarter by quarter (see the module notes).

    ``reference`` names a built-in strategy to play instead of a team's decisions (the
    reference lines); its team stays at the starting size.
    """

    def __init__(self, settings: Settings, reference: str | None = None) -> None:
        if not isinstance(settings, Settings):
            raise TypeError(f"TeamGame needs Settings, got {type(settings).__name__}")
        if reference is not None and reference not in REFERENCES:
            raise ValueError(f"reference must be one of {', '.join(REFERENCES)}, got {reference!r}")
        self.settings = settings
        self.reference = reference
        self.scenario = settings.game_scenario()
        self.edges = period_edges(self.scenario.horizon_days, "Q")
        self.model: GameModel | None = None
        self.decisions: list[Decisions] = []
        self.reports: list[dict[str, Any]] = []
        self.history: list[dict[str, float]] = []  # per round: managers and staffing costs

    @property
    def rounds_played(self) -> int:
        """Quarters simulated so far."""
        return len(self.reports)

    @property
    def finished(self) -> bool:
        """Whether every round of the game has been played."""
        return self.rounds_played >= self.settings.rounds

    def play(self, decisions: Decisions | Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Simulate one more quarter with ``decisions`` and return its report (a JSON-able
        dict, :func:`simkit.workshop.report.quarter_report`).

        ``decisions`` are checked :class:`~simkit.workshop.decisions.Decisions` (a dict is
        validated as one; None plays the defaults; a reference ignores them). Hiring and
        letting go cost the settings' ``hire_cost`` and ``severance`` each.
        """
        if self.finished:
            raise GameOver(f"the game has {self.settings.rounds} rounds; all are played")
        # As in Model.run: building and running a model allocates many small objects that
        # reference counting frees; the cyclic collector would scan them again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._play(decisions)
        finally:
            if collecting:
                gc.enable()

    def _play(self, decisions: Decisions | Mapping[str, Any] | None) -> dict[str, Any]:
        if decisions is None or self.reference is not None:
            decisions = default_decisions(self.settings)
        elif not isinstance(decisions, Decisions):
            decisions = Decisions.model_validate(decisions)
        plan = to_plan(decisions, self.scenario)
        if self.model is None:
            strategy = self.reference or PlanStrategy(plan)
            self.model = GameModel(
                self.scenario,
                strategy,
                self.settings.book(),
                most_managers=self.settings.max_managers,
            )
        elif self.reference is None:
            self.model.replan(plan)
        hired, let_go = self.model.set_managers(decisions.managers)
        number = self.rounds_played + 1
        self.model.env.run(until=float(self.edges[number]) + 1e-7)
        s = self.settings
        self.history.append(
            {
                "managers": decisions.managers,
                "hired": hired,
                "let_go": let_go,
                "hiring_cost": hired * s.hire_cost,
                "severance_cost": let_go * s.severance,
            }
        )
        report = quarter_report(self.model, self.edges[: number + 1], self.history, s)
        self.decisions.append(decisions)
        self.reports.append(report)
        return report

    def book_state(self) -> BookState:
        """The team's book now, for the capacity meter
        (:func:`simkit.workshop.decisions.planned_hours`)."""
        if self.model is None:
            from simkit.workshop.book_state import starting_book_state

            return starting_book_state(self.settings)
        m = self.model
        return measure_book(self.scenario, m.accounts, m.health_of)


def replay(
    settings: Settings, decisions_per_round: Sequence[Decisions | Mapping[str, Any]]
) -> TeamGame:
    """Rebuild a team's game from its decisions, round by round (after a restart).

    The model is deterministic, so every report is identical to the one played live.
    """
    game = TeamGame(settings)
    for decisions in decisions_per_round:
        game.play(decisions)
    return game


# -- the references --------------------------------------------------------------------------
_REFERENCE_GAMES: dict[tuple[str, str], TeamGame] = {}
_REFERENCE_LOCK = threading.Lock()
_MAX_CACHED = 4 * len(REFERENCES)


def reference_reports(settings: Settings, rounds_done: int) -> dict[str, list[dict[str, Any]]]:
    """The built-in strategies' reports on the teams' book and luck, for rounds
    1..``rounds_done``: ``{name: [report of round 1, ...]}`` (names :data:`REFERENCES`).

    The reference games are kept between calls, so asking for one more round simulates one
    more quarter (and asking for fewer, after an undo, simulates nothing).
    """
    if not 0 <= rounds_done <= settings.rounds:
        raise ValueError(f"rounds_done must be from 0 to {settings.rounds}, got {rounds_done}")
    key = settings.model_dump_json()
    out = {}
    with _REFERENCE_LOCK:
        for name in REFERENCES:
            game = _REFERENCE_GAMES.get((key, name))
            if game is None:
                if len(_REFERENCE_GAMES) >= _MAX_CACHED:
                    _REFERENCE_GAMES.clear()
                game = _REFERENCE_GAMES[(key, name)] = TeamGame(settings, reference=name)
            while game.rounds_played < rounds_done:
                game.play()
            out[name] = game.reports[:rounds_done]
    return out


# -- the leaderboard -------------------------------------------------------------------------
def leaderboard(
    reports_by_team: Mapping[str, Sequence[Mapping[str, Any]] | Mapping[str, Any]],
    references: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> pd.DataFrame:
    """The teams (and the references, at the same round) ranked by operating profit since
    the start.

    ``reports_by_team`` maps a team's name to its reports (or its latest report);
    ``references`` is :func:`reference_reports`' answer. Columns: ``rank``, ``team``,
    ``kind`` (``"team"`` or ``"reference"``), ``round``, then one column per figure of
    :data:`LEADERBOARD` under its registry label (``label(name)``).
    """
    import pandas as pd

    rows = []
    latest_round = 0
    for team, reports in reports_by_team.items():
        report = _latest(reports)
        if report is None:
            continue
        latest_round = max(latest_round, int(report["round"]))
        rows.append(_row(str(team), "team", report))
    for name, reports in (references or {}).items():
        usable = [r for r in reports if int(r["round"]) <= latest_round] if latest_round else []
        if usable:
            rows.append(_row(f"{strategy_label(name)} (reference)", "reference", usable[-1]))
    columns = ["team", "kind", "round", *(label(m) for m in LEADERBOARD)]
    table = pd.DataFrame(rows, columns=columns)
    first = label(LEADERBOARD[0])
    table = table.sort_values(first, ascending=False, na_position="last", kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def _latest(reports: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Mapping[str, Any] | None:
    if isinstance(reports, Mapping):
        return reports
    return reports[-1] if reports else None


def _row(team: str, kind: str, report: Mapping[str, Any]) -> list[Any]:
    figures = report["cumulative"]
    values = [figures.get(m) for m in LEADERBOARD]
    return [team, kind, int(report["round"]), *(float("nan") if v is None else v for v in values)]
