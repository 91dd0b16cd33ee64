"""Checks shared by the retention models: rates, parameters, discount rates and periods.

Each check returns the value as a plain float (or array) or raises a :class:`ValueError`
that names the argument and the range allowed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def check_rate(name: str, value: float) -> float:
    """A probability per period in [0, 1) as a float, or a ValueError naming ``name``.

    >>> check_rate("r", 1.0)
    Traceback (most recent call last):
        ...
    ValueError: r must be in [0, 1), got 1.0
    """
    value = float(value)
    if not 0.0 <= value < 1.0:  # also rejects nan
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def check_positive(name: str, value: float) -> float:
    """A finite number above 0 (a model parameter such as alpha) as a float."""
    value = float(value)
    if not (value > 0.0 and np.isfinite(value)):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_discount(value: float, *, strictly_positive: bool = False) -> float:
    """A discount rate per period, >= 0 (> 0 with ``strictly_positive``: an infinite sum)."""
    value = float(value)
    if strictly_positive and not value > 0.0:
        raise ValueError(f"discount_rate must be > 0 for an infinite horizon, got {value!r}")
    if not (value >= 0.0 and np.isfinite(value)):
        raise ValueError(f"discount_rate must be >= 0, got {value!r}")
    return value


def check_periods(t: ArrayLike, minimum: int) -> np.ndarray:
    """Period number(s) ``t`` as a float array, each at least ``minimum``."""
    arr = np.asarray(t, dtype=float)
    if arr.size and not (np.all(np.isfinite(arr)) and arr.min() >= minimum):
        bad = float(arr[~(np.isfinite(arr) & (arr >= minimum))].flat[0])
        raise ValueError(f"t must be >= {minimum}, got {bad!r}")
    return arr


def check_tenure(n: int) -> int:
    """A tenure (periods paid so far) as a whole number >= 1."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return int(n)


def as_output(values: np.ndarray, t: ArrayLike) -> float | np.ndarray:
    """Plain float for scalar input ``t``, ndarray for array input: the retention
    functions answer in the shape they were asked.

    >>> as_output(np.array(0.5), 3), as_output(np.array([0.5]), [3])
    (0.5, array([0.5]))
    """
    return float(values) if np.ndim(t) == 0 else np.asarray(values, dtype=float)
