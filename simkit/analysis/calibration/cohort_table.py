"""Cohort tables: how many of a cohort were still paying after each contract period.

Survivors per contract period, starting with the cohort's size at period 0: a CSV file
with columns ``period,survivors`` (periods 0, 1, 2, ... without gaps; other columns are
ignored), a DataFrame with those columns, a Series (indexed by period) or a list.
Survivors are counts (``1000, 869, 743, ...``) or shares starting at 1 or 100
(``100, 86.9, 74.3, ...``); for shares, ``n_start`` gives the cohort size (only the
standard errors need it). In error messages the rows of a CSV file are numbered as in a
spreadsheet (the header is row 1). ``examples/cohort.csv`` is a made-up example:

.. code-block:: text

    period,survivors
    0,1200
    1,973
    2,809
    ...

:func:`read_cohort_table` reads any of these forms and checks every row:

>>> table = read_cohort_table([1000, 869, 743, 653, 593, 551, 517, 491])
>>> table.head(3)
   period  survivors
0       0     1000.0
1       1      869.0
2       2      743.0
>>> read_cohort_table([1000, 869, 900, 800])
Traceback (most recent call last):
...
simkit.analysis.calibration.cohort_table.CohortTableError: cohort table row 3 (period 2), ...
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "CohortTableError", "read_cohort_table"]

COLUMNS = ("period", "survivors")
"""Columns of a cohort table."""


class CohortTableError(ValueError):
    """A cohort table cannot be used; the message names the row and what is allowed."""


def read_cohort_table(
    table: str | os.PathLike[str] | pd.DataFrame | pd.Series | Sequence[float] | np.ndarray,
) -> pd.DataFrame:
    """Read and check a cohort table; return it with columns ``period`` and ``survivors``.

    Parameters
    ----------
    table : path, DataFrame, Series, list or array
        A CSV path or DataFrame with columns ``period,survivors``; a Series of survivors
        indexed by period (a default 0..n-1 index is fine); or a plain list of survivors
        for periods 0, 1, 2, ...

    Returns
    -------
    DataFrame
        ``period`` (int, 0..T) and ``survivors`` (float), T >= 2.

    Raises
    ------
    CohortTableError
        Naming the row and column when a value is missing, not a number, negative or larger
        than the one before, or when periods do not run 0, 1, 2, ...; and when a column is
        missing or there are fewer than 3 rows. Rows of a CSV file are numbered as in a
        spreadsheet (the header is row 1, period 0 is row 2); rows of a list, Series or
        DataFrame count from 1.

    Examples
    --------
    >>> read_cohort_table(pd.Series([100.0, 80.0, 70.0]))["survivors"].tolist()
    [100.0, 80.0, 70.0]
    >>> read_cohort_table([1000, 800])
    Traceback (most recent call last):
    ...
    simkit.analysis.calibration.cohort_table.CohortTableError: cohort table: needs at least 3 ...
    """
    where, rows = "cohort table", None
    if isinstance(table, str | os.PathLike):
        where = str(table)
        frame, rows = _read_csv(Path(table))
    elif isinstance(table, pd.DataFrame):
        frame = table.rename(columns=lambda c: str(c).strip().lower())
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise CohortTableError(
                f"{where}: missing column {missing[0]!r}; expected columns period,survivors "
                f"(got {', '.join(map(str, table.columns)) or 'none'})"
            )
        frame = frame[list(COLUMNS)]
    elif isinstance(table, pd.Series):
        index = table.index
        periods = (
            index.to_numpy()
            if pd.api.types.is_numeric_dtype(index.dtype)
            else np.arange(len(table))
        )
        frame = pd.DataFrame({"period": periods, "survivors": table.to_numpy()})
    elif isinstance(table, Sequence | np.ndarray) and not isinstance(table, str | bytes):
        values = list(np.asarray(table, dtype=object).ravel()) if np.ndim(table) else []
        if np.ndim(table) > 1:
            raise CohortTableError(f"{where}: expected one list of survivors, got a 2-D table")
        frame = pd.DataFrame({"period": np.arange(len(values)), "survivors": values})
    else:
        raise CohortTableError(
            f"{where}: expected a CSV path, a DataFrame, a Series or a list of survivors, "
            f"got {type(table).__name__}"
        )
    return _check_table(frame, where, rows)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The period and survivors columns as text, and each record's spreadsheet row."""
    if not path.is_file():
        raise CohortTableError(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, skipinitialspace=True)
            records = [(reader.line_num, rec) for rec in reader if any(f.strip() for f in rec)]
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CohortTableError(f"{path}: not a readable CSV file ({detail})") from None
    if not records:
        raise CohortTableError(f"{path}: the file is empty; expected columns period,survivors")
    (_, header), body = records[0], records[1:]
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CohortTableError(
            f"{path}: missing column {missing[0]!r}; expected a header line period,survivors "
            f"(got {', '.join(h.strip() for h in header)})"
        )
    for row, rec in body:
        if len(rec) != len(header):
            raise CohortTableError(
                f"{path} row {row}: {len(rec)} values but the header has {len(header)} "
                f"columns ({','.join(h.strip() for h in header)})"
            )
    at = [names.index(c) for c in COLUMNS]
    frame = pd.DataFrame([[rec[k] for k in at] for _, rec in body], columns=list(COLUMNS))
    return frame, [row for row, _ in body]


def _number(value: Any, label: str, column: str) -> float:
    """One cell as a finite float, or a CohortTableError naming its row and column."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CohortTableError(f"{label}, column {column}: empty; expected a number")
    if isinstance(value, float) and math.isnan(value):
        raise CohortTableError(f"{label}, column {column}: empty; expected a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise CohortTableError(f"{label}, column {column}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise CohortTableError(f"{label}, column {column}: {value!r} is not a finite number")
    return number


def _check_table(frame: pd.DataFrame, where: str, rows: list[int] | None) -> pd.DataFrame:
    """Check rows in order. ``rows`` numbers them as in a spreadsheet (a CSV file's header
    is row 1); without it they count from 1."""
    n = len(frame)
    rows = list(range(1, n + 1)) if rows is None else rows
    survivors: list[float] = []
    for i, (p_raw, s_raw) in enumerate(frame.itertuples(index=False, name=None)):
        row = f"{where} row {rows[i]}"
        period = _number(p_raw, row, "period")
        if period != i:
            raise CohortTableError(
                f"{row}, column period: expected {i} (periods run 0, 1, 2, ... without gaps "
                f"or repeats), got {p_raw!r}"
            )
        row = f"{row} (period {i})"
        value = _number(s_raw, row, "survivors")
        if value < 0:
            raise CohortTableError(f"{row}, column survivors: must be >= 0, got {s_raw!r}")
        if i == 0 and value == 0:
            raise CohortTableError(f"{row}, column survivors: the cohort size must be > 0")
        if survivors and value > survivors[-1]:
            raise CohortTableError(
                f"{row}, column survivors: {value:g} is more than the {survivors[-1]:g} of "
                "the period before; a cohort can only shrink"
            )
        survivors.append(value)
    if n < 3:
        raise CohortTableError(
            f"{where}: needs at least 3 rows (period 0 and two more periods), got {n}"
        )
    if survivors[-1] == survivors[0]:
        raise CohortTableError(f"{where}: no account ever leaves, so there is no churn to fit")
    if survivors[1] == 0:
        raise CohortTableError(
            f"{where} row {rows[1]} (period 1), column survivors: every account left "
            "after one period; a fit needs survivors at period 1"
        )
    return pd.DataFrame({"period": np.arange(n), "survivors": np.asarray(survivors, dtype=float)})
