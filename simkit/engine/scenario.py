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
4
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
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import tomli_w
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simkit.engine.safe_load import FileFormatError, check_depth, excerpt, read_mapping

SEGMENTS: tuple[str, ...] = ("key", "enterprise", "mid_market", "small")
"""Account segments (tiers), from the most to the least valuable."""

DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

MAX_ACCOUNT_ARR = 1e11
"""The largest ARR one account may have (100 billion): far above any real contract and far
enough below the largest float that no total of a book's ARR can overflow. An imported book
refuses larger values (:mod:`simkit.io.portfolio`)."""


class ScenarioError(ValueError):
    """A scenario value or file is invalid. The message names the field and what is allowed."""


class _Frozen(BaseModel):
    # No NaN or infinity anywhere, and no true/false or text where a number belongs (lax
    # pydantic would read ``managers: true`` as 1 manager and ``"4"`` as 4).
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            _check_number(value, field.annotation)
        return value


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
        total = sum(self.segment_mix.values())
        if not math.isfinite(total):
            raise ValueError("segment_mix weights must add up to a finite number")
        if self.prospects_per_month > 0 and total <= 0:
            raise ValueError("segment_mix weights must add up to more than 0")
        return self


class Team(_Frozen):
    """The account-management team: the limited resource strategies compete for.

    ``cost_per_hour`` prices the hours actually worked; the cost of the team as paid
    headcount is :attr:`Economics.manager_salary`. Capacity binds three ways: work waits for a
    free manager; proactive work that cannot start within ``touch_window_share`` of its
    interval (half a check-in cadence, say) is skipped and logged as missed; and a team whose
    recent load (busy managers over the last month, as a share of the team) is above
    ``sustainable_load`` does worse work -- the health a touch or a fix adds falls linearly
    to ``overload_quality`` of its usual value at 100 % load.

    ``structure``: ``"pooled"`` (one queue; any free manager takes the next piece of work) or
    ``"territories"`` (accounts assigned to pods of managers, a queue each; see
    :mod:`simkit.engine.territories`) by ``assign``: ``"segment"``, ``"round_robin"`` or the
    ``"owner"`` column of an imported book (``owners``: the managers' names in order,
    comma-separated; empty: the book's owners). ``pods``: how many (0: one per manager/segment).
    """

    managers: int = Field(ge=1, le=100_000)
    hours_per_week: float = Field(gt=0, le=80)
    cost_per_hour: float = Field(ge=0, le=10_000)
    sustainable_load: float = Field(gt=0, le=1)
    overload_quality: float = Field(ge=0, le=1)
    touch_window_share: float = Field(gt=0, le=10)
    structure: Literal["pooled", "territories"] = "pooled"
    assign: Literal["segment", "round_robin", "owner"] = "round_robin"
    pods: int = Field(default=0, ge=0, le=100_000)
    owners: str = Field(default="", max_length=50_000)

    @field_validator("pods", "owners")
    @classmethod
    def _territories_fit_the_team(cls, value: Any, info: ValidationInfo) -> Any:
        n = info.data.get("managers", 0)
        if info.field_name == "pods" and value > n:
            raise ValueError(f"more territories than managers ({value} > {n} managers)")
        names = _names(value) if info.field_name == "owners" else ()
        if names and (len(names) != n or len(set(names)) < n):
            raise ValueError(f"must name each of the {n} managers once (got {len(names)} names)")
        return value

    @property
    def days_per_hour(self) -> float:
        """Calendar days one hour of work occupies a manager (40 h/week: 0.175 days)."""
        return 7.0 / self.hours_per_week


class SegmentCosts(_Frozen):
    """One amount per segment (for example, what it costs to win a new account)."""

    key: float = Field(ge=0, le=1e8)
    enterprise: float = Field(ge=0, le=1e8)
    mid_market: float = Field(ge=0, le=1e8)
    small: float = Field(ge=0, le=1e8)


class Economics(_Frozen):
    """Money as a manager's finance team counts it.

    ``gross_margin`` turns revenue into gross profit; ``acquisition_cost`` is what winning a
    new account costs, by segment (the "acquisition cost" of the articles' CLV); a manager
    costs ``manager_salary`` a year as paid headcount (fully loaded), whether busy or not;
    ``discount_rate`` (per year) discounts future margin in the discounted CLV.
    """

    gross_margin: float = Field(ge=0, le=1)
    acquisition_cost: SegmentCosts
    manager_salary: float = Field(ge=0, le=10_000_000)
    discount_rate: float = Field(ge=0, le=1)


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


class Relationships(_Frozen):
    """Relationships beyond one contact and one contract; every part is off by default.

    * **Referrals**: each survey answer from a promoter (9-10) brings a referred prospect
      with probability ``referral_rate``; a referred prospect converts with its conversion
      chance multiplied by ``referral_conversion_boost`` (at most 1).
    * **Several contacts per key account**: a key account's champion leaves
      ``champion_leaves_per_year`` times a year on average; the account then loses
      ``champion_loss_health`` divided by ``key_contacts`` (one contact: the whole loss; three
      contacts who know the account: a third of it). Only key accounts are mapped this way.
    * **Project accounts**: ``project_share`` of new customers buy a one-off project. At the
      end of its term a project ends (the client leaves) unless its health is at least
      ``project_to_ongoing_health``: then it becomes an ongoing account and renews as usual.

    With the defaults (rates and shares 0) the engine draws no extra random number, so results
    are exactly those of a scenario without this section.
    """

    referral_rate: float = Field(default=0.0, ge=0, le=1)
    referral_conversion_boost: float = Field(default=1.0, ge=1, le=5)
    key_contacts: int = Field(default=1, ge=1, le=20)
    champion_leaves_per_year: float = Field(default=0.0, ge=0, le=12)
    champion_loss_health: float = Field(default=20.0, ge=0, le=100)
    project_share: float = Field(default=0.0, ge=0, le=1)
    project_to_ongoing_health: float = Field(default=55.0, ge=0, le=100)


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
    economics: Economics
    behaviour: Behaviour
    relationships: Relationships = Field(default_factory=Relationships)
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
        if not isinstance(data, Mapping):
            raise ScenarioError(f"expected a mapping of scenario fields, got {excerpt(data)}")
        try:
            check_depth(data)
            return cls.model_validate(dict(data))
        except FileFormatError as exc:
            raise ScenarioError(str(exc)) from None
        except ValidationError as exc:
            raise ScenarioError(_explain(exc)) from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario from a ``.toml``, ``.yaml`` or ``.yml`` file.

        A file only needs the fields it changes: they are laid over the default scenario
        (unknown or misspelled fields are still refused). Files are read safely (see
        :mod:`simkit.engine.safe_load`): at most 1 MB, nested at most 32 deep, YAML without
        duplicate keys or alias bombs; numbers must be finite numbers, not true/false or text.
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
        if not isinstance(changes, Mapping):
            raise ScenarioError(f"changes must map dotted fields to values, got {excerpt(changes)}")
        data = self.to_dict()
        for dotted, value in changes.items():
            node = data
            if not isinstance(dotted, str) or not all(dotted.split(".")):
                raise ScenarioError(
                    f"{excerpt(dotted)} is not a dotted scenario field such as 'team.managers'"
                )
            *parents, leaf = dotted.split(".")
            for part in parents:
                if not isinstance(node.get(part), dict):
                    node[part] = {} if node.get(part) is None else node[part]
                    if not isinstance(node[part], dict):
                        raise ScenarioError(
                            f"{excerpt(dotted, 80)}: {excerpt(part, 40)} is not a section of "
                            "the scenario"
                        )
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
def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names, stripped: ``"Ana, Ben"`` -> ``("Ana", "Ben")``."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        return read_mapping(path, "scenario file")
    except FileFormatError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _number_type(annotation: Any) -> type | None:
    """``int`` or ``float`` when a field holds one number (optional or not), else None."""
    if annotation in (int, float):
        return annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return _number_type(args[0])
    return None


def _not_a_number(kind: type, value: Any) -> str | None:
    """Why ``value`` may not stand for a number of type ``kind``, or None if it may try."""
    what = "true/false" if _is_bool(value) else "text" if isinstance(value, str | bytes) else ""
    if not what:
        return None
    number = "a valid integer" if kind is int else "a valid number"
    return f"input should be {number}, not {what} (got {excerpt(value)})"


def _is_bool(value: Any) -> bool:
    kind = type(value)
    return isinstance(value, bool) or (
        kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")
    )


def _check_number(value: Any, annotation: Any) -> None:
    """Refuse true/false and text for a number field (or a number inside a mapping field)."""
    kind = _number_type(annotation)
    if kind is not None:
        problem = _not_a_number(kind, value)
        if problem:
            raise ValueError(problem)
    elif get_origin(annotation) is dict and isinstance(value, Mapping):
        kind = _number_type(get_args(annotation)[-1])
        for key, item in value.items() if kind is not None else ():
            problem = _not_a_number(kind, item)
            if problem:
                raise ValueError(f"{excerpt(key, 40)}: {problem}")


_PYDANTIC_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "required field is missing",
    "finite_number": "must be a finite number, not nan or inf",
    "int_parsing_size": "is too large for a whole number",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} character(s)",
    "model_type": "must be a table of fields",
    "model_attributes_type": "must be a table of fields",
    "dict_type": "must be a table of fields",
}

MAX_EXPLAINED = 5
"""At most this many problems are spelled out in one :class:`ScenarioError`."""


def _explain(exc: ValidationError) -> str:
    """One short clause per problem: ``field.path: what is allowed (got value)``.

    Values are quoted as short excerpts (a 100,000-character name or a huge list costs a few
    dozen characters), unknown fields get a "did you mean", and after
    :data:`MAX_EXPLAINED` problems the rest are only counted.
    """
    errors = exc.errors()
    lines = []
    for err in errors[:MAX_EXPLAINED]:
        parts = [p for p in err["loc"] if p != "[key]"]  # a mapping's key: named by the value
        loc = ".".join(excerpt(p, 40) if not isinstance(p, str) else _cut(p) for p in parts)
        kind = err["type"]
        ctx = err.get("ctx", {})
        if kind == "extra_forbidden":
            msg = "unknown field" + _did_you_mean(err["loc"])
        elif kind in _PYDANTIC_MESSAGES:
            msg = _PYDANTIC_MESSAGES[kind].format(**ctx)
        elif kind == "literal_error":
            msg = f"must be one of {ctx.get('expected')}"
        elif kind == "value_error":
            msg = str(ctx.get("error", err["msg"]))
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
        if kind not in ("missing", "value_error", "extra_forbidden") and "input" in err:
            msg += f" (got {excerpt(err['input'])})"
        lines.append(f"{loc}: {msg}" if loc else msg)
    if len(errors) > MAX_EXPLAINED:
        lines.append(f"and {len(errors) - MAX_EXPLAINED} more problems")
    return "; ".join(lines)


def _cut(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """`` (did you mean 'managers'?)`` for a misspelled field, else the fields allowed."""
    import difflib

    model: Any = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        inner = None if field is None else _model_in(field.annotation)
        if inner is None:
            return " (check the spelling)"
        model = inner
    names = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f" (allowed: {listed})"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (optional or not), else None."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
