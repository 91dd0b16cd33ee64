"""The settings of one workshop game: how many rounds, which book, which team, what it costs.

An instructor sets a game up once, from a file or the instructor screen, before round 1:

========================  ==============================================================
field                     meaning
========================  ==============================================================
``rounds``                quarters to play, 1 to 12 (default 4: a year)
``mode``                  ``"simple"`` (check-ins, onboarding and team size only: a half
                          day) or ``"full"`` (rescue calls, upsell pitches, issue order too)
``scenario``              the market, team and economics (a simkit
                          :class:`~simkit.engine.scenario.Scenario`; default the built-in
                          one). The game plays it without warm-up for ``rounds`` quarters.
``book_csv``              an imported account list (CSV text, read by
                          :func:`simkit.io.portfolio.parse_csv`), or None for the book
                          the scenario samples
``book_as_of``            the date the imported list describes (filled in with today's
                          date when a list comes without one, so every replay agrees)
``start_managers``        the team in round 1 (default the scenario's ``team.managers``)
``max_managers``          the largest team a team may grow to
``max_team_change``       managers a team may hire or let go in one quarter
``hire_cost``             one-off cost of hiring a manager (default a quarter of a year's
                          salary: recruiting and ramp-up -- an assumption, docs/model.md)
``severance``             one-off cost of letting a manager go (default a quarter of a
                          year's salary -- an assumption, docs/model.md)
``seed``                  the luck every team shares (common random numbers)
========================  ==============================================================

Every team plays the same book with the same seed, so the only difference between teams is
their decisions.

>>> s = Settings(rounds=2)
>>> s.game_scenario().horizon_years, s.game_scenario().warmup_years, s.hire_cost
(0.5, 0.0, 30000.0)
>>> Settings(rounds=13)
Traceback (most recent call last):
...
simkit.workshop.settings.SettingsError: rounds: must be <= 12 (got 13)
>>> s.with_overrides({"mode": "simple", "scenario.economics.gross_margin": 0.7}).mode
'simple'
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simkit.engine.safe_load import FileFormatError, excerpt, read_mapping, read_text
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["MAX_BOOK_CHARS", "Settings", "SettingsError", "load_settings"]

QUARTER_YEARS = 0.25
"""A round is a quarter of a year."""

MAX_BOOK_CHARS = 20_000_000
"""The largest account list a game takes (20 MB of CSV text: about 150,000 accounts)."""

FIELDS = (
    "rounds",
    "mode",
    "scenario",
    "book_csv",
    "book_as_of",
    "start_managers",
    "max_managers",
    "max_team_change",
    "hire_cost",
    "severance",
    "seed",
)


class SettingsError(ValueError):
    """Settings a game cannot be played with: one line naming the field and what is allowed."""


class Settings(BaseModel):
    """The settings of one workshop game (see the module notes). Frozen: change them with
    :meth:`with_overrides`, which checks again."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    rounds: int = Field(default=4, ge=1, le=12)
    mode: Literal["simple", "full"] = "full"
    scenario: Scenario = Field(default_factory=default_scenario)
    book_csv: str | None = Field(default=None, max_length=MAX_BOOK_CHARS)
    book_as_of: dt.date | None = None
    start_managers: int = Field(default=0, ge=0, le=100)
    max_managers: int = Field(default=0, ge=0, le=100)
    max_team_change: int = Field(default=2, ge=0, le=100)
    hire_cost: float = Field(default=-1.0, ge=-1.0, le=1e9)
    severance: float = Field(default=-1.0, ge=-1.0, le=1e9)
    seed: int = Field(default=-1, ge=-1, le=2**63 - 1)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    @model_validator(mode="after")
    def _fill_and_check(self) -> Settings:
        """Defaults that follow the scenario, and the rules between fields."""
        sc = self.scenario
        fill: dict[str, Any] = {}
        if self.start_managers == 0:
            fill["start_managers"] = sc.team.managers
        start = fill.get("start_managers", self.start_managers)
        if self.max_managers == 0:
            fill["max_managers"] = max(start, 2 * start)
        if self.hire_cost < 0:
            fill["hire_cost"] = QUARTER_YEARS * sc.economics.manager_salary
        if self.severance < 0:
            fill["severance"] = QUARTER_YEARS * sc.economics.manager_salary
        if self.seed < 0:
            fill["seed"] = sc.seed
        if self.book_csv is not None and self.book_as_of is None:
            fill["book_as_of"] = dt.date.today()
        for name, value in fill.items():
            object.__setattr__(self, name, value)
        if self.max_managers < self.start_managers:
            raise ValueError(
                f"max_managers must be at least start_managers ({self.start_managers}), "
                f"got {self.max_managers}"
            )
        if getattr(sc.team, "structure", "pooled") != "pooled":
            raise ValueError("scenario.team.structure: the game plays a pooled team ('pooled')")
        if sc.theory is not None:
            raise ValueError("scenario.theory: the game plays the behaviour model (no theory)")
        if self.book_csv is not None and not self.book_csv.strip():
            raise ValueError("book_csv: the account list is empty")
        return self

    # -- what the game plays ----------------------------------------------------------------
    def game_scenario(self) -> Scenario:
        """The scenario the teams play: no warm-up, ``rounds`` quarters, the starting team,
        the game's seed (and, with an imported book, its segment counts and a pipeline
        scaled to its size)."""
        return _game_scenario(self.model_dump_json())

    def book(self) -> pd.DataFrame | None:
        """The imported starting book (None: the scenario samples one)."""
        if self.book_csv is None:
            return None
        return _book(self.book_csv, str(self.book_as_of)).copy()

    # -- changing and saving ----------------------------------------------------------------
    def with_overrides(self, changes: Mapping[str, Any]) -> Settings:
        """New settings with some fields changed, checked again.

        Keys are field names (``"rounds"``, ``"mode"`` ...) or dotted scenario fields
        (``"scenario.team.hours_per_week"``). Raises :class:`SettingsError`.
        """
        if not isinstance(changes, Mapping):
            raise SettingsError(
                f"settings changes must map fields to values, got {excerpt(changes)}"
            )
        data = self.model_dump(exclude={"scenario"})
        scenario_changes: dict[str, Any] = {}
        for key, value in changes.items():
            if not isinstance(key, str):
                raise SettingsError(f"{excerpt(key)} is not a settings field")
            if key.startswith("scenario."):
                scenario_changes[key.removeprefix("scenario.")] = value
            elif key in FIELDS and key != "scenario":
                data[key] = value
            else:
                raise SettingsError(
                    f"{key[:60]}: unknown field; the settings are {', '.join(FIELDS)} "
                    "(and scenario fields written scenario.team.managers ...)"
                )
        # defaults that follow the scenario are worked out again unless given
        salary_changed = "scenario.economics.manager_salary" in changes
        for name in ("hire_cost", "severance"):
            if salary_changed and name not in changes:
                data[name] = -1.0
        try:
            scenario = self.scenario.update(scenario_changes) if scenario_changes else self.scenario
        except ScenarioError as exc:
            raise SettingsError(f"scenario.{exc}") from None
        return Settings(**data, scenario=scenario)


def _explain(exc: ValidationError) -> str:
    """One line: the first problem, naming its field (the rest are counted)."""
    errors = exc.errors()
    err = errors[0]
    loc = ".".join(str(p) for p in err["loc"])
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "extra_forbidden":
        msg = f"unknown field; the settings are {', '.join(FIELDS)}"
    elif kind in ("less_than_equal", "greater_than_equal"):
        bound = ctx.get("le", ctx.get("ge"))
        sign = "<=" if kind == "less_than_equal" else ">="
        msg = f"must be {sign} {bound} (got {excerpt(err.get('input'))})"
    elif kind == "literal_error":
        msg = f"must be one of {ctx.get('expected')} (got {excerpt(err.get('input'))})"
    elif kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        if msg.split(":", 1)[0] in FIELDS or msg.startswith("scenario."):
            return msg if len(errors) == 1 else f"{msg} (and {len(errors) - 1} more problems)"
    else:
        msg = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {excerpt(err.get('input'))})"
    line = f"{loc}: {msg}" if loc else msg
    return line if len(errors) == 1 else f"{line} (and {len(errors) - 1} more problems)"


@functools.lru_cache(maxsize=16)
def _game_scenario(settings_json: str) -> Scenario:
    s = Settings.model_validate_json(settings_json)
    base = s.scenario
    book = s.book()
    if book is not None:
        from simkit.io.portfolio import scenario_for  # an imported book sizes the scenario

        base = scenario_for(book, base)
    return base.update(
        {
            "horizon_years": s.rounds * QUARTER_YEARS,
            "warmup_years": 0.0,
            "start": "book",
            "team.managers": s.start_managers,
            "seed": s.seed,
        }
    )


@functools.lru_cache(maxsize=4)
def _book(text: str, as_of: str) -> pd.DataFrame:
    from simkit.io.portfolio import PortfolioError, parse_csv

    try:
        return parse_csv(text, as_of=as_of, source="book_csv")
    except PortfolioError as exc:
        raise SettingsError(" ".join(str(exc).split())[:300]) from None


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read settings from a ``.toml`` or ``.yaml``/``.yml`` file.

    The file holds the fields of :class:`Settings`; ``[scenario]`` holds only the scenario
    fields it changes (laid over the built-in scenario); ``book = "accounts.csv"`` names an
    account list, relative to the settings file. Raises :class:`SettingsError` naming the
    file and the field.
    """
    path = Path(path)
    try:
        data = read_mapping(path, "settings file")
    except FileFormatError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    data = dict(data)
    try:
        if "scenario" in data:
            over = data.pop("scenario")
            if not isinstance(over, Mapping):
                raise SettingsError("scenario: must be a table of scenario fields")
            data["scenario"] = _flatten_onto(default_scenario(), over)
        if "book" in data:
            book = data.pop("book")
            if not isinstance(book, str):
                raise SettingsError(f"book: must name a CSV file, got {excerpt(book)}")
            where = (path.parent / book).resolve()
            try:
                data["book_csv"] = read_text(where, "account list")
            except FileFormatError as exc:
                raise SettingsError(f"book: {where}: {exc}") from None
        return Settings(**data)
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None


def _flatten_onto(base: Scenario, over: Mapping[str, Any]) -> Scenario:
    """``base`` with the fields of a nested table changed (dotted paths to its leaves)."""
    changes: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, Mapping) and dotted != "pipeline.segment_mix":
                walk(dotted + ".", value)
            else:
                changes[dotted] = value

    walk("", over)
    try:
        return base.update(changes)
    except ScenarioError as exc:
        raise SettingsError(f"scenario.{exc}") from None
