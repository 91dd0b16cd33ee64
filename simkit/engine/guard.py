"""Guarding a run against code it cannot trust: checked strategy answers and a time limit.

A custom strategy is the learner's or the manager's own code, and the model acts on every
answer it gives: a queue priority of ``"high"`` only fails deep inside SimPy once the team is
busy, a check-in every ``nan`` days fails with "cannot convert float NaN to integer", a
method that never returns hangs the run. Two guards stop that.

**Checked answers.** The model applies :func:`guard` to a private copy of every strategy
it runs (so a run never changes the caller's object); the copy's methods then check what
they return:

====================  =====================================================================
method                must return
====================  =====================================================================
``check_in``          a :class:`~simkit.engine.strategies.Cadence` or None
``onboarding``        (days, :class:`~simkit.engine.strategies.Touch`) pairs, days from 0
                      to five years (``()`` for none)
``health_alert``      an :class:`~simkit.engine.strategies.Alert` or None
``issue_priority``    a whole number from -10 to 10 (lower is served sooner)
``pitch_upsell``      True or False
``setup``             None
====================  =====================================================================

and the strategy's ``name`` must be a short one-line label. A wrong answer, or an exception
raised by the strategy's own code, becomes one :class:`StrategyError` that names the
strategy and the method::

    strategy 'mine': issue_priority returned 'high'; it must return a whole number from
    -10 to 10

Touch, Cadence and Alert check their own values when they are made (a touch lasts more than
0 and at most 40 hours, a cadence is 1 day to 5 years...), so an answer of the right type is
a sane answer and the check is one type test per call. The built-in strategies are
trusted and not wrapped at all, and a custom strategy's methods that it inherits unchanged
from :class:`~simkit.engine.strategies.Strategy` are not wrapped either, so a default run
costs nothing extra (``tests/engine/test_guard.py`` measures the cost for custom code).

>>> from simkit.engine.strategies import Strategy
>>> class Loud(Strategy):
...     name = "loud"
...     def issue_priority(self, account):
...         return "high"
>>> guard(Loud()).issue_priority(None)
Traceback (most recent call last):
...
simkit.engine.guard.StrategyError: strategy 'loud': issue_priority returned 'high'; it must ...

**A time limit.** :func:`run_until` runs a SimPy environment in chunks of simulated time
and checks the wall clock between chunks; past the limit it raises
:class:`SimulationTimeout`, naming the strategy (``Model.run(time_limit=...)`` uses it). A
method that loops forever never returns to the chunk loop, so code that runs strategies it
did not write (the exercise checker, the dashboard) runs them in a worker process that is
killed when the limit is passed (``simkit.experiments.runner.run_many(..., isolate=True)``).
"""

from __future__ import annotations

import itertools
import numbers
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import simpy

from simkit.engine.plan import PlanStrategy
from simkit.engine.safe_load import excerpt, shorten
from simkit.engine.strategies import (
    BUILT_IN,
    MAX_DAYS,
    MAX_LABEL,
    MAX_PRIORITY,
    MIN_PRIORITY,
    Alert,
    Cadence,
    Combined,
    Strategy,
    Touch,
    checked_label,
    checked_number,
)

__all__ = [
    "CHUNK_DAYS",
    "HOOKS",
    "MAX_REVIEWS",
    "SimulationTimeout",
    "StrategyError",
    "check_strategy",
    "check_time_limit",
    "guard",
    "run_until",
]

HOOKS = ("setup", "check_in", "onboarding", "health_alert", "issue_priority", "pitch_upsell")
"""The strategy methods the model calls."""

MAX_REVIEWS = 100
"""The most onboarding reviews one account may get."""

CHUNK_DAYS = 30.0
"""Simulated days run between two looks at the wall clock."""

TRUSTED = frozenset(BUILT_IN.values()) | {Strategy, PlanStrategy}
"""Strategy classes whose methods are not wrapped (their values are checked when made; a
:class:`~simkit.engine.plan.PlanStrategy` answers from a plan checked when it was made)."""


class StrategyError(ValueError):
    """A strategy answered the model with something it cannot act on, or its code failed."""


class SimulationTimeout(TimeoutError):
    """A run took longer (in wall-clock seconds) than its time limit."""


# ------------------------------------------------------------------------ checked answers
def _fail(name: str, method: str, value: object, expected: str) -> StrategyError:
    return StrategyError(
        f"strategy {name!r}: {method} returned {excerpt(value)}; it must return {expected}"
    )


def _check_cadence(name: str, value: object) -> Cadence | None:
    if value is None or isinstance(value, Cadence):
        return value
    raise _fail(name, "check_in", value, "a Cadence(every_days, Touch(...)) or None")


def _check_alert(name: str, value: object) -> Alert | None:
    if value is None or isinstance(value, Alert):
        return value
    raise _fail(name, "health_alert", value, "an Alert(threshold, Touch(...)) or None")


def _check_priority(name: str, value: object) -> int:
    if (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool | np.bool_)
        and MIN_PRIORITY <= value <= MAX_PRIORITY
    ):
        return int(value)
    raise _fail(
        name,
        "issue_priority",
        value,
        f"a whole number from {MIN_PRIORITY} to {MAX_PRIORITY} (lower is served sooner)",
    )


def _check_pitch(name: str, value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise _fail(name, "pitch_upsell", value, "True or False")


def _check_setup(name: str, value: object) -> None:
    if value is not None:
        raise _fail(name, "setup", value, "None (keep what it works out on self)")


def _check_onboarding(name: str, value: object) -> tuple[tuple[float, Touch], ...]:
    pairs = "(days, Touch) pairs such as [(30, Touch('review', 2))], or () for none"
    if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
        raise _fail(name, "onboarding", value, pairs)
    items = list(itertools.islice(value, MAX_REVIEWS + 1))
    if len(items) > MAX_REVIEWS:
        raise _fail(name, "onboarding", value, f"at most {MAX_REVIEWS} reviews")
    out = []
    for item in items:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise StrategyError(
                f"strategy {name!r}: onboarding returned an item {excerpt(item)}; "
                f"it must return {pairs}"
            )
        days, touch = item
        try:
            days = checked_number(days, "the days of a review", 0, MAX_DAYS, unit=" (5 years)")
        except ValueError as exc:
            raise StrategyError(f"strategy {name!r}: onboarding returned {exc}") from None
        if not isinstance(touch, Touch):
            raise StrategyError(
                f"strategy {name!r}: onboarding returned {excerpt(touch)} as a review; "
                "each review must be a Touch(kind, hours)"
            )
        out.append((days, touch))
    return tuple(out)


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "setup": _check_setup,
    "check_in": _check_cadence,
    "onboarding": _check_onboarding,
    "health_alert": _check_alert,
    "issue_priority": _check_priority,
    "pitch_upsell": _check_pitch,
}


def _checked(name: str, method: str, call: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``call`` (a bound strategy method of one argument) with its answer checked.

    The usual answers pass one cheap test; anything else goes to the full check, which
    accepts it (numpy numbers, subclasses) or raises a :class:`StrategyError`.
    """
    check = _CHECKS[method]

    def failed(exc: Exception) -> StrategyError:
        reason = shorten(f"{type(exc).__name__}: {exc}", 200)
        return StrategyError(f"strategy {name!r}: {method} raised {reason}")

    if method == "issue_priority":

        def checked(arg: Any) -> Any:
            try:
                out = call(arg)
            except Exception as exc:  # the strategy's own code failed: say whose and where
                raise failed(exc) from exc
            if type(out) is int and MIN_PRIORITY <= out <= MAX_PRIORITY:
                return out
            return check(name, out)

    elif method in ("check_in", "health_alert"):
        kind = Cadence if method == "check_in" else Alert

        def checked(arg: Any) -> Any:
            try:
                out = call(arg)
            except Exception as exc:
                raise failed(exc) from exc
            if out is None or type(out) is kind:
                return out
            return check(name, out)

    elif method == "pitch_upsell":

        def checked(arg: Any) -> Any:
            try:
                out = call(arg)
            except Exception as exc:
                raise failed(exc) from exc
            if out is True or out is False:
                return out
            return check(name, out)

    else:  # setup and onboarding: called once per run or per contract

        def checked(arg: Any) -> Any:
            try:
                out = call(arg)
            except Exception as exc:
                raise failed(exc) from exc
            return check(name, out)

    checked.__name__ = method
    return checked


def check_strategy(strategy: Strategy) -> None:
    """Check what can be checked before a run: the name (of every part of a combination)
    and ``pitch_health`` where the inherited ``pitch_upsell`` reads it. Raises a
    :class:`StrategyError`.

    >>> class Nameless(Strategy):
    ...     name = None
    >>> check_strategy(Nameless())
    Traceback (most recent call last):
    ...
    simkit.engine.guard.StrategyError: a strategy's name must be ... got None (class Nameless)
    """
    if not isinstance(strategy, Strategy):
        raise StrategyError(
            f"a strategy must be a simkit Strategy object, got {type(strategy).__name__}"
        )
    parts = strategy.parts if isinstance(strategy, Combined) else ()
    for part in parts:
        check_strategy(part)
    try:  # a combination's name joins its parts' names: it may be longer
        limit = (MAX_LABEL + 1) * len(parts) if parts else MAX_LABEL
        checked_label(getattr(strategy, "name", None), "a strategy's name", limit)
    except ValueError as exc:
        raise StrategyError(f"{exc} (class {type(strategy).__name__})") from None
    if parts:
        return
    name = strategy.name
    if getattr(type(strategy), "pitch_upsell", None) is Strategy.pitch_upsell:
        if not hasattr(strategy, "pitch_health"):
            raise StrategyError(
                f"strategy {name!r} has no pitch_health: call super().__init__() in its __init__"
            )
        health = strategy.pitch_health
        if health is not None:
            try:
                checked_number(health, "pitch_health", 0, 100, unit=" (or None: never pitch)")
            except ValueError as exc:
                raise StrategyError(f"strategy {name!r}: {exc}") from None


def guard(strategy: Strategy) -> Strategy:
    """Check ``strategy`` (:func:`check_strategy`) and make its answers checked, in place:
    its untrusted methods are replaced, on this object only, by checked versions.

    Built-in strategies are left as they are; a custom strategy's own methods (those it
    does not inherit unchanged from :class:`~simkit.engine.strategies.Strategy`) are
    wrapped; a combination guards each of its parts. Returns ``strategy``. The model
    guards a private copy (``guard(copy.deepcopy(strategy))``), so the object you pass to
    a run is never changed.
    """
    check_strategy(strategy)
    _wrap(strategy)
    return strategy


def _wrap(strategy: Strategy) -> None:
    """Replace the untrusted methods of ``strategy`` (in place) by checked versions."""
    cls = type(strategy)
    if cls is Combined:  # its own methods only combine the parts' (checked) answers
        for part in strategy.parts:  # type: ignore[attr-defined]
            _wrap(part)
        return
    own, trusted = vars(strategy), cls in TRUSTED
    for method in HOOKS:
        if method not in own and (trusted or getattr(cls, method) is getattr(Strategy, method)):
            continue
        setattr(strategy, method, _checked(strategy.name, method, getattr(strategy, method)))


# ------------------------------------------------------------------------ the time limit
def check_time_limit(seconds: object) -> float | None:
    """``seconds`` as a float when it is None (no limit) or a number above 0, else a
    ValueError.

    >>> check_time_limit(30), check_time_limit(None)
    (30.0, None)
    """
    if seconds is None:
        return None
    return checked_number(seconds, "time_limit", 0, 1e9, above=True, unit=" seconds")


def run_until(env: simpy.Environment, end: float, time_limit: float | None, who: str) -> None:
    """``env.run(until=end)``, but raise :class:`SimulationTimeout` once ``time_limit``
    wall-clock seconds have passed (None: no limit).

    The run goes :data:`CHUNK_DAYS` of simulated time at a time and looks at the clock in
    between. Stopping and going on does not change the order in which the events are
    processed, so the results are the same as in one go. ``who`` names the run in the
    message (e.g. ``"strategy 'mine', replication 0"``).

    >>> env = simpy.Environment()
    >>> run_until(env, 30.0, 5.0, "a test")
    >>> env.now
    30.0
    """
    limit = check_time_limit(time_limit)
    if limit is None:
        env.run(until=end)
        return
    started = time.monotonic()
    at = env.now
    while at < end:
        at = min(at + CHUNK_DAYS, end)
        env.run(until=at)
        if at < end and time.monotonic() - started > limit:
            raise SimulationTimeout(
                f"{who}: the run took longer than its time limit of {limit:g} s and was "
                f"stopped at day {at:,.0f} of {end:,.0f} (a strategy doing too much work or "
                "a very large scenario; raise the time limit if it is expected)"
            )
