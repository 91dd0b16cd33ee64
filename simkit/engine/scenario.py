"""Scenarios: everything a simulation run needs to know, validated and immutable.

A scenario is a description of a book of business and the world it lives in: how many
accounts of each segment there are and what they pay, how fast new prospects arrive, how
many account managers there are and what their time costs, and how accounts behave
(health drift, issues, renewals, upsells, competitors, surveys). Strategies are *not*
part of a scenario: the same scenario is run under several strategies and compared.

Scenarios are frozen pydantic models. Every invalid value raises one
:class:`ScenarioError` naming the field and what is allowed:

>>> s = default_scenario()
>>> s.team.managers
6
>>> s.update({"team.managers": 0})
Traceback (most recent call last):
...
simkit.engine.scenario.ScenarioError: team.managers: must be >= 1 (got 0)

Scenarios load from and save to TOML or YAML (:meth:`Scenario.from_file`,
:meth:`Scenario.to_file`); the embedded default lives in ``simkit/data/default.toml``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
import tomllib
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SEGMENTS: tuple[str, ...] = ("key", "enterprise", "mid_market", "small")
"""Account segments (tiers), from the most to the least valuable."""

DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


class ScenarioError(ValueError):
    """A scenario value or file is invalid. The message names the field and what is allowed."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class SegmentSpec(_Frozen):
    """One segment of the portfolio.

    Attributes
    ----------
    count : accounts of this segment in the starting book of business.
    arr_median, arr_sigma : ARR per account is log-normal with this median and log-sd; real
        books have a long right tail, which is why key accounts matter so much.
    term_months : contract length; renewals happen at the end of each term.
    issues_per_year, issue_hours : support issues arrive at random at this rate and take this
        many account-manager hours on average to resolve (exponentially distributed).
    upsells_per_year : expansion opportunities (whitespace) that appear at random.
    competitor_approaches_per_year : how often a competitor tries to take the account.
    """

    count: int = Field(ge=0, le=2_000_000)
    arr_median: float = Field(gt=0, le=1e9)
    arr_sigma: float = Field(ge=0, le=3)
    term_months: int = Field(ge=1, le=120)
    issues_per_year: float = Field(ge=0, le=365)
    issue_hours: float = Field(gt=0, le=400)
    upsells_per_year: float = Field(ge=0, le=52)
    competitor_approaches_per_year: float = Field(ge=0, le=52)


class Portfolio(_Frozen):
    """The four segments, from key accounts to the long tail of small ones."""

    key: SegmentSpec
    enterprise: SegmentSpec
    mid_market: SegmentSpec
    small: SegmentSpec

    def segment(self, name: str) -> SegmentSpec:
        """The spec of one segment by name (``"key"``, ``"enterprise"``, ...)."""
        return getattr(self, name)

    @property
    def total_accounts(self) -> int:
        """Accounts in the starting book, all segments together."""
        return sum(self.segment(s).count for s in SEGMENTS)


class Pipeline(_Frozen):
    """New business: prospects arrive, go through a sales cycle, and convert or are lost.

    ``segment_mix`` gives relative weights of the segments among new prospects.
    """

    prospects_per_month: float = Field(ge=0, le=100_000)
    conversion: float = Field(ge=0, le=1)
    sales_cycle_days: float = Field(gt=0, le=1000)
    segment_mix: dict[Literal["key", "enterprise", "mid_market", "small"], float]

    @model_validator(mode="after")
    def _mix_is_a_distribution(self) -> Pipeline:
        if any(w < 0 for w in self.segment_mix.values()):
            raise ValueError("segment_mix weights must be >= 0")
        if self.prospects_per_month > 0 and sum(self.segment_mix.values()) <= 0:
            raise ValueError("segment_mix weights must add up to more than 0")
        return self


class Team(_Frozen):
    """The account-management team: the limited resource strategies compete for."""

    managers: int = Field(ge=1, le=100_000)
    hours_per_week: float = Field(gt=0, le=80)
    cost_per_hour: float = Field(ge=0, le=10_000)

    @property
    def days_per_hour(self) -> float:
        """Calendar days one hour of work occupies a manager (40 h/week: 0.175 days)."""
        return 7.0 / self.hours_per_week


class Behaviour(_Frozen):
    """How accounts respond to time, contact, problems and offers.

    Health (0-100) is the relationship state a customer-success team tracks. Without contact
    it drifts exponentially towards ``health_floor`` with the given half-life; touches,
    issues and their resolution move it. Renewal probability is logistic in health:
    ``renewal_at_50`` at health 50, with ``renewal_slope`` added to the log-odds per 10 points
    of health. Loyal accounts (renewed ``loyalty_renewals`` times with health at least
    ``loyalty_health``) have their churn odds multiplied by ``loyal_churn_factor``.
    A survey answer (0-10) is ``nps_at_50`` plus ``nps_per_10_health`` per 10 points of health
    above 50, plus normal noise, rounded and clipped.
    """

    health_floor: float = Field(ge=0, le=100)
    health_half_life_days: float = Field(gt=0, le=10_000)
    initial_health_mean: float = Field(ge=0, le=100)
    initial_health_sd: float = Field(ge=0, le=50)
    new_customer_health: float = Field(ge=0, le=100)
    touch_health_gain: float = Field(ge=0, le=100)
    issue_health_hit: float = Field(ge=0, le=100)
    resolution_health_gain: float = Field(ge=0, le=100)
    wait_health_penalty_per_day: float = Field(ge=0, le=100)
    renewal_at_50: float = Field(gt=0, lt=1)
    renewal_slope: float = Field(ge=0, le=10)
    first_term_churn_factor: float = Field(gt=0, le=10)
    loyal_churn_factor: float = Field(gt=0, le=1)
    loyalty_renewals: int = Field(ge=1, le=50)
    loyalty_health: float = Field(ge=0, le=100)
    loyal_drop_health: float = Field(ge=0, le=100)
    contraction_health: float = Field(ge=0, le=100)
    contraction_share: float = Field(ge=0, lt=1)
    upsell_success_at_100: float = Field(ge=0, le=1)
    upsell_loyal_boost: float = Field(ge=1, le=5)
    upsell_uplift: float = Field(gt=0, le=5)
    pitch_hours: float = Field(ge=0, le=100)
    serve_before_sell_health: float = Field(ge=0, le=100)
    pitch_fail_health_hit: float = Field(ge=0, le=100)
    competitor_defect_at_0: float = Field(ge=0, le=1)
    winback_per_year: float = Field(ge=0, le=12)
    survey_interval_days: float = Field(gt=0, le=3650)
    survey_response_rate: float = Field(ge=0, le=1)
    nps_at_50: float = Field(ge=0, le=10)
    nps_per_10_health: float = Field(ge=0, le=10)
    nps_noise_sd: float = Field(ge=0, le=10)

    @model_validator(mode="after")
    def _drop_below_loyalty(self) -> Behaviour:
        if self.loyal_drop_health > self.loyalty_health:
            raise ValueError(
                "loyal_drop_health must be <= loyalty_health "
                f"(got {self.loyal_drop_health} > {self.loyalty_health})"
            )
        return self

    @property
    def decay_rate(self) -> float:
        """Exponential drift rate of health per day (ln 2 / half-life)."""
        return math.log(2.0) / self.health_half_life_days


class Theory(_Frozen):
    """Switch strategy effects off and let each account renew with its own fixed probability.

    With ``renewal="constant"`` every account renews with probability ``r`` at each contract
    end (survival r^t); with ``renewal="beta"`` each account draws its *churn* probability
    once from Beta(alpha, beta), the shifted-beta-geometric model: survival
    B(alpha, beta + t) / B(alpha, beta), first-renewal rate beta / (alpha + beta) (see
    :func:`simkit.analysis.retention.sbg_survival`). Every account starts as a new customer at
    time 0 and is measured from then (any warm-up is ignored). No issues, upsells, competitors,
    surveys, pipeline or win-back happen, and strategies have no effect.
    """

    renewal: Literal["constant", "beta"] = "constant"
    r: float = Field(default=0.8, ge=0, lt=1)
    alpha: float = Field(default=1.0, gt=0, le=1e6)
    beta: float = Field(default=3.0, gt=0, le=1e6)


class Scenario(_Frozen):
    """A complete, validated simulation scenario.

    ``start="book"`` starts from a realistic book of business (mixed tenures, stages, health
    and renewal dates spread over the term); ``start="cohort"`` starts every account as a new
    customer at time 0 (for cohort analysis). ``warmup_years`` of simulated time run before
    measurement starts and are excluded from all results, so the strategy has shaped the book
    before anything is counted.
    """

    name: str = Field(default="scenario", min_length=1, max_length=200)
    portfolio: Portfolio
    pipeline: Pipeline
    team: Team
    behaviour: Behaviour
    theory: Theory | None = None
    start: Literal["book", "cohort"] = "book"
    horizon_years: float = Field(gt=0, le=50)
    warmup_years: float = Field(default=0.5, ge=0, le=20)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Validate a nested mapping (as read from TOML/YAML) into a scenario.

        >>> Scenario.from_dict({"horizon_years": 2, "team": {"managers": 3}})
        Traceback (most recent call last):
        ...
        simkit.engine.scenario.ScenarioError: portfolio: required field is missing; ...
        """
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ScenarioError(_explain(exc)) from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario from a ``.toml``, ``.yaml`` or ``.yml`` file.

        A file only needs the fields it changes: they are laid over the default scenario
        (unknown or misspelled fields are still refused).
        """
        path = Path(path)
        data = _deep_merge(default_scenario().to_dict(), _read_mapping(path))
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(f"{path}: {_explain(exc)}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (no ``None`` values), ready for TOML or YAML."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_text(self, suffix: str = ".toml") -> str:
        """The scenario as TOML (``".toml"``) or YAML (``".yaml"``/``".yml"``) text.

        Save it to a file with :func:`simkit.io.files.save_scenario`.
        """
        suffix = suffix.lower()
        if suffix == ".toml":
            return tomli_w.dumps(self.to_dict())
        if suffix in (".yaml", ".yml"):
            return yaml.safe_dump(self.to_dict(), sort_keys=False)
        raise ScenarioError(f"scenario files must end in .toml, .yaml or .yml, got {suffix!r}")

    def update(self, changes: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted-path fields changed, validated again.

        >>> s = default_scenario().update({"team.managers": 8, "horizon_years": 2})
        >>> s.team.managers, s.horizon_years
        (8, 2.0)
        """
        data = self.to_dict()
        for dotted, value in changes.items():
            node = data
            *parents, leaf = dotted.split(".")
            for part in parents:
                if not isinstance(node.get(part), dict):
                    node[part] = {} if node.get(part) is None else node[part]
                    if not isinstance(node[part], dict):
                        raise ScenarioError(f"{dotted}: {part} is not a section of the scenario")
                node = node[part]
            node[leaf] = value
        return Scenario.from_dict(data)

    # -- derived quantities -------------------------------------------------------------
    @property
    def horizon_days(self) -> float:
        """Measured horizon in days."""
        return self.horizon_years * DAYS_PER_YEAR

    @property
    def warmup_days(self) -> float:
        """Warm-up in days (simulated, then discarded)."""
        return self.warmup_years * DAYS_PER_YEAR


def default_scenario() -> Scenario:
    """The embedded default: a plausible mid-size B2B portfolio of 500 accounts.

    >>> s = default_scenario()
    >>> s.portfolio.total_accounts, s.horizon_years
    (500, 3.0)
    """
    text = resources.files("simkit").joinpath("data/default.toml").read_text(encoding="utf-8")
    return Scenario.from_dict(tomllib.loads(text))


def load_scenario(path: str | os.PathLike[str] | None = None) -> Scenario:
    """The scenario in ``path``, or the default scenario when ``path`` is None."""
    return default_scenario() if path is None else Scenario.from_file(path)


# -- helpers ------------------------------------------------------------------------------
def _read_mapping(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc})") from None
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise ScenarioError(f"{path}: scenario files must end in .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(f"{path}: not valid {suffix[1:].upper()}: {detail}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a table of scenario fields at the top level")
    return data


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


_PYDANTIC_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check the spelling)",
}


def _explain(exc: ValidationError) -> str:
    """One readable line per problem: ``field.path: what is allowed (got value)``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        kind = err["type"]
        ctx = err.get("ctx", {})
        if kind in _PYDANTIC_MESSAGES:
            msg = _PYDANTIC_MESSAGES[kind].format(**ctx)
        elif kind == "literal_error":
            msg = f"must be one of {ctx.get('expected')}"
        elif kind == "value_error":
            msg = str(ctx.get("error", err["msg"]))
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
        if kind not in ("missing", "value_error") and "input" in err:
            msg += f" (got {err['input']!r})"
        lines.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(lines)
