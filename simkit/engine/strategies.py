"""Account-management strategies: how a team spends its limited hours.

A strategy answers five questions, each a method you can override:

=====================  ======================================================  ===========
method                 question                                                default
=====================  ======================================================  ===========
``check_in``           which accounts get a regular touch, how often, how long  none
``onboarding``         which reviews follow a newly won contract               none
``health_alert``       below which health do we step in, and with what         never
``issue_priority``     whose issues are handled first (lower = sooner)         all equal
``pitch_upsell``       do we pitch when an expansion opportunity shows up      health >= 50
=====================  ======================================================  ===========

Every touch, review, rescue and pitch takes account-manager hours from the same team that
resolves issues, so a strategy that touches everyone may leave issues waiting.
The base class *is* the reactive baseline: answer issues and renewals, nothing more.

Writing your own strategy takes a few lines:

>>> class TopTwentyCare(Strategy):
...     name = "top-20 care"
...     def check_in(self, account):
...         if account.segment in ("key", "enterprise"):
...             return Cadence(every_days=45, touch=Touch("care call", hours=1.5))
...         return None
>>> TopTwentyCare()
<Strategy 'top-20 care'>

Strategies combine with ``+``: ``CustomerSuccess() + ProactiveCheckIns()`` onboards new
customers *and* checks in with everyone.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simkit.engine.accounts import Account
from simkit.engine.safe_load import excerpt

MAX_TOUCH_HOURS = 40.0
"""The longest single touch: one manager's working week."""

MAX_DAYS = 5 * 365.25
"""The longest cadence, onboarding delay or alert cool-down: five years, in days."""

MIN_PRIORITY, MAX_PRIORITY = -10, 10
"""Queue priorities a touch or an issue may have (lower is served sooner; issues default
to 1, touches to 2)."""

MAX_LABEL = 100
"""The longest touch kind or strategy name, in characters."""


def checked_number(value: object, what: str, low: float, high: float, *, above: bool = False,
                   unit: str = "") -> float:  # fmt: skip
    """``value`` as a float when it is a finite number in range, else a ValueError naming
    ``what``: from ``low`` (excluded when ``above``) to ``high``.

    >>> checked_number(2, "Touch.hours", 0, 40, above=True)
    2.0
    >>> checked_number(float("nan"), "Cadence.every_days", 1, 1826.25, unit=" (5 years)")
    Traceback (most recent call last):
    ...
    ValueError: Cadence.every_days must be >= 1 and at most 1826.25 (5 years), got nan
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    number = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (low < number if above else low <= number) or not number <= high:
        raise ValueError(
            f"{what} must be {'>' if above else '>='} {low:g} and at most {high:g}{unit}, "
            f"got {excerpt(value)}"
        )
    return number


def checked_priority(value: object, what: str) -> int:
    """``value`` as an int when it is a whole number from -10 to 10 (not a bool), else a
    ValueError naming ``what``.

    >>> checked_priority(0, "Touch.priority")
    0
    >>> checked_priority("high", "Touch.priority")
    Traceback (most recent call last):
    ...
    ValueError: Touch.priority must be a whole number from -10 to 10 (lower goes first), got 'high'
    """
    if (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool | np.bool_)
        and MIN_PRIORITY <= value <= MAX_PRIORITY
    ):
        return int(value)
    raise ValueError(
        f"{what} must be a whole number from {MIN_PRIORITY} to {MAX_PRIORITY} "
        f"(lower goes first), got {excerpt(value)}"
    )


def checked_label(value: object, what: str, limit: int = MAX_LABEL) -> str:
    """``value`` when it is a one-line text of 1 to ``limit`` characters, else a ValueError."""
    if isinstance(value, str) and value.strip() and len(value) <= limit and value.isprintable():
        return value
    raise ValueError(
        f"{what} must be a non-empty label of at most {limit} printable characters, "
        f"got {excerpt(value)}"
    )


def _require(value: object, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise ValueError(f"{what} must be a {kind.__name__}, got {type(value).__name__}")


@dataclass(frozen=True)
class Touch:
    """One piece of proactive account-manager work.

    ``kind`` labels it in the event log (``"qbr"``, ``"check_in"``, ``"onboarding_30"``...);
    ``hours`` is the manager time it takes, more than 0 and at most
    :data:`MAX_TOUCH_HOURS` (40); ``priority`` orders it in the managers' queue, a whole
    number from -10 to 10 (lower goes first; issues default to 1).

    >>> Touch("qbr", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: Touch.hours must be > 0 and at most 40 (a working week), got inf
    """

    kind: str
    hours: float
    priority: int = 2

    def __post_init__(self) -> None:
        hours = checked_number(
            self.hours, "Touch.hours", 0, MAX_TOUCH_HOURS, above=True, unit=" (a working week)"
        )
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "kind", checked_label(self.kind, "Touch.kind"))
        object.__setattr__(self, "priority", checked_priority(self.priority, "Touch.priority"))


@dataclass(frozen=True)
class Cadence:
    """A touch repeated every ``every_days`` days (1 to :data:`MAX_DAYS`, five years) while
    the account holds a contract."""

    every_days: float
    touch: Touch

    def __post_init__(self) -> None:
        days = checked_number(self.every_days, "Cadence.every_days", 1, MAX_DAYS, unit=" (5 years)")
        object.__setattr__(self, "every_days", days)
        _require(self.touch, Touch, "Cadence.touch")


@dataclass(frozen=True)
class Alert:
    """Step in with ``touch`` when health falls to ``threshold`` (a health, 0 to 100).

    At most once every ``cooldown_days`` (0 to :data:`MAX_DAYS`) per account.
    """

    threshold: float
    touch: Touch
    cooldown_days: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "threshold", checked_number(self.threshold, "Alert.threshold", 0, 100)
        )
        _require(self.touch, Touch, "Alert.touch")
        days = checked_number(
            self.cooldown_days, "Alert.cooldown_days", 0, MAX_DAYS, unit=" (5 years)"
        )
        object.__setattr__(self, "cooldown_days", days)


class Strategy:
    """The reactive baseline, and the interface every strategy implements.

    Parameters
    ----------
    pitch_health : pitch an expansion opportunity only when the account's health is at least
        this; ``None`` never pitches ("farming" an account instead of growing it), 0 always
        pitches ("selling before serving").
    """

    name: str = "reactive"

    def __init__(self, pitch_health: float | None = 50.0) -> None:
        if pitch_health is not None:
            checked_number(pitch_health, "pitch_health", 0, 100, unit=" (or None: never pitch)")
        self.pitch_health = pitch_health

    def setup(self, accounts: Sequence[Account]) -> None:
        """Called once with the starting book, before time starts (e.g. to rank accounts)."""

    def check_in(self, account: Account) -> Cadence | None:
        """The regular touch for an account with a contract, or None for no regular touch."""
        return None

    def onboarding(self, account: Account) -> Sequence[tuple[float, Touch]]:
        """Reviews to hold ``days`` after a contract is won, as (days, touch) pairs."""
        return ()

    def health_alert(self, account: Account) -> Alert | None:
        """When and how to step in as health falls; None never steps in."""
        return None

    def issue_priority(self, account: Account) -> int:
        """Queue priority of the account's issues (lower is served sooner)."""
        return 1

    def pitch_upsell(self, account: Account) -> bool:
        """Whether to pitch when an expansion opportunity appears at this account."""
        return self.pitch_health is not None and account.health >= self.pitch_health

    def __add__(self, other: Strategy) -> Combined:
        return Combined(self, other)

    def __repr__(self) -> str:
        return f"<Strategy {self.name!r}>"


class Reactive(Strategy):
    """Answer issues and renewals; no proactive contact. The baseline the articles warn about."""

    name = "reactive"


class KeyAccountFocus(Strategy):
    """Key-account management: the most valuable accounts get frequent reviews and go first.

    Accounts in the ``key`` segment, and any account whose starting ARR is in the top
    ``top_share`` of the book, get an account review every ``review_days`` days and their
    issues jump the queue. Everyone else gets nothing proactive, and their issues wait
    behind the key accounts' work -- the long tail is neglected, which is the risk.
    """

    name = "key_account_focus"

    def __init__(
        self,
        top_share: float = 0.1,
        review_days: float = 30.0,
        review_hours: float = 2.5,
        pitch_health: float | None = 50.0,
    ) -> None:
        super().__init__(pitch_health)
        if not 0 <= top_share <= 1:
            raise ValueError(f"top_share must be between 0 and 1, got {top_share!r}")
        self.top_share = top_share
        self.review = Cadence(review_days, Touch("account_review", review_hours, priority=1))
        self.arr_cutoff = float("inf")

    def setup(self, accounts: Sequence[Account]) -> None:
        arrs = np.array([a.arr for a in accounts if a.active] or [0.0])
        self.arr_cutoff = float(np.quantile(arrs, 1 - self.top_share)) if self.top_share else np.inf

    def is_key(self, account: Account) -> bool:
        """Key segment, or ARR at or above the top-share cut-off of the starting book."""
        return account.segment == "key" or account.arr >= self.arr_cutoff

    def check_in(self, account: Account) -> Cadence | None:
        return self.review if self.is_key(account) else None

    def issue_priority(self, account: Account) -> int:
        return 0 if self.is_key(account) else 2

    def pitch_upsell(self, account: Account) -> bool:
        if self.is_key(account):
            return self.pitch_health is not None and account.health >= self.pitch_health - 10
        return super().pitch_upsell(account)


class CustomerSuccess(Strategy):
    """Customer success: structured onboarding and rescue when health falls.

    Every newly won contract gets reviews at day 30 and day 90 ("the first 90 days make or
    break"); any account whose health falls to ``threshold`` gets a rescue call.
    """

    name = "customer_success"

    def __init__(
        self,
        threshold: float = 50.0,
        review_days: Sequence[float] = (30.0, 90.0),
        review_hours: float = 2.0,
        rescue_hours: float = 2.0,
        pitch_health: float | None = 50.0,
    ) -> None:
        super().__init__(pitch_health)
        days = [
            checked_number(d, "review_days", 0, MAX_DAYS, unit=" (5 years)") for d in review_days
        ]
        self.reviews = tuple((d, Touch(f"onboarding_{d:g}", review_hours)) for d in days)
        self.alert = Alert(threshold, Touch("rescue", rescue_hours, priority=1))

    def onboarding(self, account: Account) -> Sequence[tuple[float, Touch]]:
        return self.reviews

    def health_alert(self, account: Account) -> Alert | None:
        return self.alert


class ProactiveCheckIns(Strategy):
    """A regular cadence for every account: QBRs for large accounts, light check-ins for small.

    Key and enterprise accounts get a quarterly business review (``qbr_hours``), mid-market
    accounts a quarterly check-in (``check_in_hours``), small accounts a half-yearly one
    (``light_hours``). Catching problems early is the point.
    """

    name = "proactive_check_ins"

    def __init__(
        self,
        qbr_hours: float = 3.0,
        check_in_hours: float = 1.0,
        light_hours: float = 0.5,
        pitch_health: float | None = 50.0,
    ) -> None:
        super().__init__(pitch_health)
        qbr = Cadence(91.0, Touch("qbr", qbr_hours))
        self.by_segment = {
            "key": qbr,
            "enterprise": qbr,
            "mid_market": Cadence(91.0, Touch("check_in", check_in_hours)),
            "small": Cadence(182.0, Touch("light_check_in", light_hours)),
        }

    def check_in(self, account: Account) -> Cadence | None:
        return self.by_segment[account.segment]


class Combined(Strategy):
    """Several strategies at once: the most frequent cadence, every onboarding review, the
    highest alert threshold, the most urgent issue priority, and a pitch when any would."""

    def __init__(self, *parts: Strategy) -> None:
        super().__init__(None)
        flat: list[Strategy] = []
        for part in parts:
            if not isinstance(part, Strategy):
                raise TypeError(f"can only combine strategies, got {type(part).__name__}")
            flat.extend(part.parts if isinstance(part, Combined) else [part])
        if not flat:
            raise ValueError("Combined needs at least one strategy")
        self.parts = tuple(flat)
        self.name = "+".join(str(p.name) for p in self.parts)  # names are checked in a run

    def setup(self, accounts: Sequence[Account]) -> None:
        for p in self.parts:
            p.setup(accounts)

    def check_in(self, account: Account) -> Cadence | None:
        found = [c for p in self.parts if (c := p.check_in(account)) is not None]
        return min(found, key=lambda c: c.every_days) if found else None

    def onboarding(self, account: Account) -> Sequence[tuple[float, Touch]]:
        merged: dict[float, Touch] = {}
        for p in self.parts:
            for day, touch in p.onboarding(account):
                if day not in merged or touch.hours > merged[day].hours:
                    merged[day] = touch
        return tuple(sorted(merged.items()))

    def health_alert(self, account: Account) -> Alert | None:
        found = [a for p in self.parts if (a := p.health_alert(account)) is not None]
        return max(found, key=lambda a: a.threshold) if found else None

    def issue_priority(self, account: Account) -> int:
        return min(p.issue_priority(account) for p in self.parts)

    def pitch_upsell(self, account: Account) -> bool:
        return any(p.pitch_upsell(account) for p in self.parts)


BUILT_IN: dict[str, type[Strategy]] = {
    "reactive": Reactive,
    "key_account_focus": KeyAccountFocus,
    "customer_success": CustomerSuccess,
    "proactive_check_ins": ProactiveCheckIns,
}
"""Built-in strategies by name (``+`` joins names: ``"customer_success+proactive_check_ins"``)."""

STRATEGY_LABELS = {
    "reactive": "Reactive",
    "key_account_focus": "Key-account focus",
    "customer_success": "Customer success",
    "proactive_check_ins": "Proactive check-ins",
}
"""Readable names of the built-in strategies; others are derived from their name."""


def strategy_label(name: str) -> str:
    """A readable label for a strategy name, for tables, legends and menus.

    Built-ins use :data:`STRATEGY_LABELS`; other names lose their underscores and get a
    capital letter; a combined strategy (names joined by ``+``) is labelled part by part.

    >>> strategy_label("key_account_focus")
    'Key-account focus'
    >>> strategy_label("care_for_the_middle")
    'Care for the middle'
    >>> strategy_label("customer_success+proactive_check_ins")
    'Customer success + Proactive check-ins'
    """
    return " + ".join(
        STRATEGY_LABELS.get(part, part.replace("_", " ").capitalize()) for part in name.split("+")
    )


ALIASES = {
    "kam": "key_account_focus",
    "key_account": "key_account_focus",
    "cs": "customer_success",
    "proactive": "proactive_check_ins",
}


def built_ins() -> list[tuple[str, list[str], str]]:
    """Every built-in strategy as (name, short names, one line saying what it does), the
    line being the first line of the strategy's docstring (``simkit strategies`` lists them).

    >>> name, aliases, line = built_ins()[2]
    >>> name, aliases
    ('customer_success', ['cs'])
    >>> line
    'Customer success: structured onboarding and rescue when health falls.'
    """
    return [
        (
            name,
            [alias for alias, target in ALIASES.items() if target == name],
            (cls.__doc__ or "").strip().splitlines()[0],
        )
        for name, cls in BUILT_IN.items()
    ]


def get_strategy(spec: str | Strategy) -> Strategy:
    """A strategy from its name (or ``a+b`` for a combination); strategies pass through.

    >>> get_strategy("reactive")
    <Strategy 'reactive'>
    >>> get_strategy("cs+proactive").name
    'customer_success+proactive_check_ins'
    >>> get_strategy("magic")
    Traceback (most recent call last):
    ...
    ValueError: unknown strategy 'magic'; choose from reactive, key_account_focus, ...
    """
    if isinstance(spec, Strategy):
        return spec
    if isinstance(spec, type) and issubclass(spec, Strategy):
        raise TypeError(f"pass a strategy object, not the class: {spec.__name__}()")
    if not isinstance(spec, str):
        raise TypeError(f"a strategy must be a Strategy or a name, got {type(spec).__name__}")
    names = [n.strip().lower().replace("-", "_").replace(" ", "_") for n in str(spec).split("+")]
    built = []
    for n in names:
        n = ALIASES.get(n, n)
        if n not in BUILT_IN:
            raise ValueError(
                f"unknown strategy {n!r}; choose from {', '.join(BUILT_IN)} (or join them with +)"
            )
        built.append(BUILT_IN[n]())
    return built[0] if len(built) == 1 else Combined(*built)
