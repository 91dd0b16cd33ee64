"""What the workshop's pages show, worked out from the session: the context of each template.

The routes (:mod:`simkit.workshop.server`) stay thin: they find who is asking and hand the
rest to these functions, which run in worker threads (they read the store and may draw
figures). Every number on a page comes with its label from the metric registry
(:func:`simkit.analysis.registry.label`), so the page says "NRR (% per year)" exactly as the
notebooks and the CLI do.

>>> fmt_value(1234567.0, "currency"), fmt_value(97.25, "%"), fmt_value(None, "%")
('1.23M', '97.2 %', '–')
"""

from __future__ import annotations

import math
import threading
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simkit.workshop.figures import PLOT_METRICS, FigureCache, rounds_figure, team_figures
from simkit.workshop.forms import grid, raw_to_form

if TYPE_CHECKING:  # pragma: no cover
    from simkit.workshop.session import Workshop
    from simkit.workshop.store import TeamRow

__all__ = [
    "LEADERBOARD_METRICS",
    "REPORT_METRICS",
    "figure_png_for",
    "fmt_value",
    "prerender",
    "instructor_context",
    "settings_overrides",
    "team_context",
]

REPORT_METRICS = (
    "operating_profit",
    "revenue",
    "gross_profit",
    "nrr",
    "grr",
    "logo_retention",
    "nps",
    "utilisation",
    "missed_touch_share",
)
"""The figures a team's round result lists (registry names), in order."""

LEADERBOARD_METRICS = ("operating_profit", "nrr", "logo_retention", "nps")

TEAM_PLOTS = ("operating_profit",)
"""The figures on a team's page (one: thirty teams each get their own after a close)."""
"""The columns the live leaderboard ranks by (the first one sorts)."""

SETTINGS_FIELDS = (
    "rounds",
    "mode",
    "start_managers",
    "max_managers",
    "max_team_change",
    "hire_cost",
    "severance",
    "seed",
)
"""The settings the instructor screen edits one by one (others go in the free-text box)."""

_CACHE = FigureCache()


def fmt_value(value: Any, unit: str) -> str:
    """A figure as text: money as ``1.23M`` / ``250k``, percentages with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if unit.startswith("currency"):
        if abs(v) >= 1e6:
            return f"{v / 1e6:.2f}M"
        if abs(v) >= 1e3:
            return f"{v / 1e3:.0f}k"
        return f"{v:.0f}"
    if unit == "%":
        return f"{v:.1f} %"
    return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"


def _metric_rows(report: Mapping[str, Any], key: str, period: str) -> list[dict[str, str]]:
    from simkit.analysis.registry import METRICS, label

    figures = report.get(key) or {}
    rows = []
    for name in REPORT_METRICS:
        if name in METRICS and name in figures:
            unit = METRICS[name].unit
            rows.append(
                {
                    "name": name,
                    "label": label(name, period=period),
                    "value": fmt_value(figures[name], unit),
                }
            )
    return rows


def team_context(
    workshop: Workshop, team: TeamRow, posted: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The team page's context: the room's state, this team's form values (what it just
    posted, its submission, or its previous decisions), its last round's result with
    registry labels, its history, and the grid of the decision form."""
    from simkit.workshop.decisions import default_decisions
    from simkit.workshop.session import WorkshopError

    view = workshop.team_view(team)
    stored = view["form"] or default_decisions(workshop.settings).model_dump(mode="json")
    form = dict(posted) if posted is not None else raw_to_form(stored)
    try:
        planned = workshop.planned(team, form)
    except WorkshopError:
        planned = None
    last = view["last"]
    result = None
    if last is not None:
        report = last["report"]
        result = {
            "round": last["round"],
            "carried": last["carried"],
            "quarter": _metric_rows(report, "figures", "Q"),
            "cumulative": _metric_rows(report, "cumulative", "all"),
            "counts": report.get("counts") or {},
            "reasons": report.get("reasons") or [],
            "health": report.get("health") or {},
            "hours": report.get("hours") or {},
            "staffing": report.get("staffing") or {},
            "events": report.get("events") or [],
            "money": report.get("quarter_money") or {},
        }
    state = view["state"]
    return {
        **view,
        "form": form,
        "planned": planned,
        "grid": grid(workshop.settings),
        "result": result,
        "plots": TEAM_PLOTS if result else (),
        "results_version": workshop.results_version,
        "version": state.version,
        "submitted": view["current"] is not None and not view["current"]["carried"],
    }


def _leaderboard(view: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The leaderboard table (columns, rows) from the core's ``leaderboard`` DataFrame."""
    from simkit.workshop.game import leaderboard

    reports = {name: list(by.values()) for name, by in view["reports"].items() if by}
    references = {name: list(by.values()) for name, by in view["references"].items()}
    if not reports:
        return [], []
    frame = leaderboard(reports, references)
    columns = [str(c) for c in frame.columns if c != "kind"]  # reference rows are styled
    rows = [
        {str(k): ("–" if _is_nan(v) else _cell(v)) for k, v in rec.items()}
        | {"_reference": rec.get("kind") == "reference"}
        for rec in frame.to_dict("records")
    ]
    return columns, rows


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return value


def _shown(figures: Mapping[str, Any], period: str) -> list[dict[str, str]]:
    """Figures as (label, text) pairs, labelled from the registry for ``period``."""
    from simkit.analysis.registry import METRICS, label

    return [
        {"label": label(m, period=period), "value": fmt_value(v, METRICS[m].unit)}
        for m, v in figures.items()
        if m in METRICS
    ]


def _debrief(workshop: Workshop, view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each team's debrief (after the last round) from the core's ``debrief``, with the
    figures formatted under their registry labels for the page."""
    from simkit.workshop.debrief import debrief
    from simkit.workshop.decisions import Decisions

    references = {k: list(v.values()) for k, v in view["references"].items()}
    out = []
    for name, by_round in view["reports"].items():
        if not by_round:
            continue
        stored = view["decisions"].get(name, {})
        decisions = [Decisions.model_validate(stored[n]) for n in sorted(by_round) if n in stored]
        d = debrief(decisions, list(by_round.values()), references)
        out.append(
            {
                "team": name,
                "rounds": [{**r, "shown": _shown(r.get("figures", {}), "Q")} for r in d["rounds"]],
                "outcome": _shown(d.get("outcome", {}), "all"),
                "mistakes": d.get("mistakes", []),
                "what_if": [w.get("sentence", "") for w in d.get("what_if", {}).values()],
            }
        )
    return out


def instructor_context(workshop: Workshop) -> dict[str, Any]:
    """The instructor page's context: round control state, who submitted, the leaderboard
    (teams and reference strategies), the debrief after the last round, the settings."""
    view = workshop.instructor_view()
    state = view["state"]
    columns, rows = _leaderboard(view)
    settings = workshop.settings
    return {
        **view,
        "join_code": workshop.join_code,
        "leaderboard_columns": columns,
        "leaderboard": rows,
        "debrief": _debrief(workshop, view) if state.phase == "finished" else [],
        "plots": LEADERBOARD_METRICS if state.closed else (),
        "results_version": workshop.results_version,
        "version": state.version,
        "editable": state.phase == "setup",
        "book_name": (
            f"an imported list of {len(settings.book())} accounts"
            if settings.book_csv
            else "the scenario's built-in book"
        ),
        "settings_values": {f: getattr(settings, f) for f in SETTINGS_FIELDS},
    }


def figure_png_for(workshop: Workshop, metric: str, team: TeamRow | None) -> bytes | None:
    """A PNG of ``metric`` round by round with the reference lines: one team's line
    (``team``) or every team's (None, the instructor's). None for a metric not offered or
    when there are no results yet."""
    if metric not in PLOT_METRICS:
        return None
    version = workshop.results_version
    key = (metric, None if team is None else team.id)
    png = _CACHE.get(version, key)
    if png is not None:
        return png
    references = workshop.store.references()
    if team is None:
        reports = workshop.store.reports()
        teams = {t.name: reports.get(t.id, {}) for t in workshop.store.teams()}
        teams = {name: by for name, by in teams.items() if by}
        if not teams:
            return None  # no round closed yet (or taken back): nothing to draw
        return _CACHE.put(version, key, rounds_figure(teams, references, metric))
    mine = workshop.store.reports(team=team.id).get(team.id, {})
    if not mine:
        return None
    return _CACHE.put(version, key, team_figures({team.name: mine}, references, metric)[team.name])


def prerender(workshop: Workshop, stop: threading.Event | None = None) -> int:
    """Draw the figures the pages will ask for after a close -- every team's (one figure,
    re-rendered per team: :func:`~simkit.workshop.figures.team_figures`), then the
    instructor's -- so that they are ready when thirty browsers ask at once. Stops early
    when the results change again (an undo) or ``stop`` is set (the server is stopping).
    Returns how many it drew."""
    version, drawn = workshop.results_version, 0
    _CACHE.get(version, ())  # the cache now holds this version's figures
    try:
        reports = workshop.store.reports()
        teams = workshop.store.teams()
        references = workshop.store.references()
        for metric in TEAM_PLOTS:
            by_name = {t.name: reports[t.id] for t in teams if reports.get(t.id)}
            pngs = team_figures(by_name, references, metric)
            for t in teams:
                if t.name in pngs:
                    _CACHE.put(version, (metric, t.id), pngs[t.name])
                    drawn += 1
        for metric in LEADERBOARD_METRICS:
            if workshop.results_version != version or (stop is not None and stop.is_set()):
                break
            figure_png_for(workshop, metric, None)
            drawn += 1
    except Exception:  # only a cache: the page's own request draws it (or says why)
        pass
    return drawn


def settings_overrides(form: Mapping[str, Any], book: bytes = b"") -> dict[str, Any]:
    """The instructor's settings form as ``Settings.with_overrides`` changes: the fields
    that were filled in, one ``field = value`` per line of the ``more`` box (values as in
    TOML: ``scenario.economics.gross_margin = 0.7``), an uploaded account list (``book``,
    CSV bytes) as the starting book, or ``builtin_book`` ticked for the scenario's own.

    >>> settings_overrides({"rounds": " 3 ", "seed": "", "more": "team.x = 0.5"})
    {'rounds': '3', 'team.x': 0.5}
    """
    from simkit.workshop.session import WorkshopError

    changes: dict[str, Any] = {}
    if book:
        try:
            changes["book_csv"] = book.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkshopError(
                "book: the account list must be a CSV file in UTF-8", field="book", status=422
            ) from None
        changes["book_as_of"] = None  # the list describes today
    elif str(form.get("builtin_book", "")).lower() in ("on", "1", "true"):
        changes["book_csv"] = None
    for name in SETTINGS_FIELDS:
        value = str(form.get(name, "")).strip()
        if value:
            changes[name] = value
    for number, line in enumerate(str(form.get("more", "")).splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise WorkshopError(
                f"settings, line {number}: write field = value", field="more", status=422
            )
        try:
            changes[name.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            changes[name.strip()] = value.strip()
    return changes
