"""Results as JSON for programs: ``simkit run --json``, ``simkit compare --json``.

JSON has no NaN or infinity, and :mod:`json` does not know numpy numbers; :func:`to_json`
writes a figure that is undefined (NaN, e.g. the NRR of an empty book) as ``null`` and a
numpy number as a plain number, so any JSON reader accepts the output.

>>> import math, numpy as np
>>> print(to_json({"nrr": math.nan, "runs": np.int64(3), "revenue": np.float64(1.5)}))
{"nrr": null, "runs": 3, "revenue": 1.5}
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["plain", "to_json"]


def plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers, NaN and infinities as None, tuples
    as lists and anything else unknown as its text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def to_json(data: Any, indent: int | None = None) -> str:
    """JSON text of ``data`` (see :func:`plain`); strictly valid JSON, never ``NaN``."""
    return json.dumps(plain(data), indent=indent, allow_nan=False)
