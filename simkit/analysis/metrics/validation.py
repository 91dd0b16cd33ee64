"""Checking the inputs of the metric functions, so every metric says the same thing about bad input.

Each plain metric in :mod:`simkit.analysis.metrics` starts by passing its arguments through
:func:`check_number` (one number) or :func:`check_numbers` (a list of numbers) and, where
one input bounds another, :func:`check_at_most`. They turn anything a trainee may type --
ints, floats, NumPy scalars, ``Fraction``, ``Decimal`` -- into a plain ``float`` and raise a
:class:`ValueError` that names the argument, says what is allowed and why:

>>> check_number("lost", -5, why=COUNT)
Traceback (most recent call last):
    ...
ValueError: lost must be 0 or more (it is a count), got -5
>>> check_number("start", 0, strict=True, why=ZERO_CLIENTS)
Traceback (most recent call last):
    ...
ValueError: start must be greater than 0 (you can't compute a rate over zero ...), got 0
>>> check_number("end", np.int64(105))
105.0

A new metric function uses them the same way, and :func:`pct` for a share in percent.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Set
from decimal import Decimal

import numpy as np

Number = float | numbers.Real | Decimal
"""What the metric functions accept as a number (``True``/``False`` are refused)."""

# Reasons appended to error messages, so the same wording is used everywhere.
ZERO_CLIENTS = "you can't compute a rate over zero starting clients"
"""Why a rate needs clients at the start."""
COUNT = "it is a count"
"""Why a count can't be negative."""
LOSS = "enter the amount lost as a positive number"
"""Why a lost amount (contraction, churned ARR) is entered as a positive number."""
MONEY = "it is an amount of money"
"""Why an amount of money can't be negative."""


def fmt(value: float) -> str:
    """Show a float the way a trainee typed it: ``100`` rather than ``100.0``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def check_number(
    name: str,
    value: object,
    *,
    minimum: float | None = 0.0,
    strict: bool = False,
    why: str = "",
) -> float:
    """Return *value* as a plain float, or raise a ValueError naming *name*.

    The value must be a finite real number, at least *minimum* (or greater
    than it if *strict*); ``minimum=None`` allows any sign. *why* is a short
    reason added to the error message.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number, got {value} (True/False is not a count)")
    if not isinstance(value, (numbers.Real, Decimal)):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large to compute with") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number (not NaN or infinity), got {x}")
    reason = f" ({why})" if why else ""
    if minimum is not None:
        if strict and x <= minimum:
            raise ValueError(f"{name} must be greater than {fmt(minimum)}{reason}, got {fmt(x)}")
        if x < minimum:
            raise ValueError(f"{name} must be {fmt(minimum)} or more{reason}, got {fmt(x)}")
    return x


def check_at_most(name: str, value: float, limit_name: str, limit: float, why: str) -> None:
    """Raise a ValueError if *value* is larger than *limit*."""
    if value > limit:
        raise ValueError(
            f"{name} must not be more than {limit_name} ({why}), "
            f"got {name} = {fmt(value)}, {limit_name} = {fmt(limit)}"
        )


def check_numbers(name: str, values: object) -> np.ndarray:
    """Return a one-dimensional sequence of numbers as a float array.

    Accepts lists, tuples, other iterables, NumPy arrays and pandas Series.
    Every element must pass :func:`check_number` (any sign allowed); the
    error names the position of the first bad element, e.g. ``scores[3]``.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(
            f"{name} must be a list, tuple, NumPy array or pandas Series of numbers, "
            f"got {type(values).__name__}"
        )
    if isinstance(values, (Set, Mapping)):
        raise ValueError(
            f"{name} must be an ordered sequence such as a list, not a {type(values).__name__} "
            f"(a set drops repeated values; for a dict pass list(d.values()))"
        )
    if hasattr(values, "to_numpy"):  # pandas Series or Index
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        if values.ndim != 1:
            raise ValueError(
                f"{name} must be one-dimensional, got an array of shape {values.shape}"
            )
        array = values.astype(float)
        bad = ~np.isfinite(array)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name}[{i}] must be a finite number (not NaN or infinity; drop missing "
                f"values first), got {array[i]}"
            )
        return array
    return np.array(
        [check_number(f"{name}[{i}]", v, minimum=None) for i, v in enumerate(values)],
        dtype=float,
    )


def first_bad(name: str, values: np.ndarray, bad: np.ndarray, allowed: str) -> None:
    """Raise a ValueError about the first element of *values* flagged in *bad*."""
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}] must be {allowed}, got {fmt(float(values[i]))}")


def pct(part: float, whole: float) -> float:
    """``part / whole`` in percent, for a part that can't exceed the whole.

    Multiplying before dividing keeps round numbers exact (95.0, not
    94.99999999999999); the cap at 100 hides rounding noise in the last digit.
    """
    return min(100.0, 100.0 * part / whole)
