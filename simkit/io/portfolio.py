"""Your own portfolio: read an account list from a CSV file into a starting book.

A manager's CRM export becomes the book the simulation starts from, "as of" a date
(default: today). One row per account, comma-separated, UTF-8 (a byte-order mark from
Excel's "CSV UTF-8" is fine). Column names are matched loosely (case, spaces and hyphens
do not matter; common synonyms in brackets are accepted):

================  ========  ==================================================================
column            needed    what it holds
================  ========  ==================================================================
account_id        yes       your id for the account; unique (``id``, ``account``)
segment           yes       key, enterprise, mid_market or small (``Mid-Market``, ``SMB``,
                            ``strategic``... are understood) (``tier``)
arr               yes       annual recurring revenue, 0 to 100 billion (``$12,000`` is fine);
                            for a prospect, the expected deal size (0: unknown)
customer_since    no        first day as a customer, YYYY-MM-DD, for tenure (``client_since``)
contract_start    no        first day of the current contract, YYYY-MM-DD (``start_date``)
contract_end      no        renewal date, YYYY-MM-DD (``renewal_date``, ``end_date``)
term_months       no        contract length in whole months, 1-120 (``term``); default: from
                            start and end, else 12
health            no        0-100; blank: drawn from the scenario (``health_score``)
stage             no        prospect, customer or loyal; default customer
owner             no        the account manager's name (``account_manager``)
================  ========  ==================================================================

A customer or loyal account needs ``contract_end`` or ``contract_start``. Contracts that
ended before the as-of date are taken as renewed (rolled forward by whole terms) and
counted in the notes. Tenure (which tells the model how many renewals an account has
behind it) counts from ``customer_since``, else from ``contract_start``, else from the start
of the current term. Other columns (a name, a region...) are ignored.

Dates are written ``YYYY-MM-DD`` (a time of day after them, as some CRM exports add, is
ignored); ``2027``, ``20270331`` or ``31/03/2027`` are refused rather than guessed at, and so
are dates before 1900 or more than ten years after the as-of date (a mistyped year would
otherwise make a contract that never renews). Files are at most 256 MB; binary data and
cells longer than 131,072 characters are refused.

Every problem in a file is reported at once, in one :class:`PortfolioError`; nothing is
simulated until the file is clean. Rows are numbered as in a spreadsheet: the header is
row 1 and the first account is row 2.

This module is the front door: :func:`read_csv` and :func:`parse_csv` read a file, and the
functions that use a book (:func:`scenario_for`, :func:`book_summary`, :func:`describe`) are
importable from here too. The work is done, one step per module, by
:mod:`simkit.io.portfolio_text` (bytes to text cells), :mod:`simkit.io.portfolio_rows`
(cells checked and turned into the book), :mod:`simkit.io.portfolio_columns` (the accepted
columns and spellings), :mod:`simkit.io.portfolio_errors` (collecting and reporting
problems) and :mod:`simkit.io.portfolio_book` (a book's scenario and summary).

>>> text = '''account_id,segment,arr,contract_end,stage
... A1,Key,250000,2026-03-31,loyal
... A2,Mid-Market,"$24,000",2025-11-30,customer
... A3,SMB,5000,,prospect
... '''
>>> book = parse_csv(text, as_of="2025-06-30")
>>> book[["account_id", "segment", "arr", "stage", "days_to_renewal"]]
  account_id     segment       arr     stage  days_to_renewal
0         A1         key  250000.0     loyal            274.0
1         A2  mid_market   24000.0  customer            153.0
2         A3       small    5000.0  prospect              0.0
>>> parse_csv("account_id,segment,arr,contract_end\\nA1,gold,-5,2026-01-31\\n", as_of="2025-06-30")
Traceback (most recent call last):
...
simkit.io.portfolio.PortfolioError: upload: 2 problems (spreadsheet rows: the header is row 1)
  row 2, column segment: 'gold' is not a segment; use key, enterprise, mid_market or small
  row 2, column arr: -5 is negative; ARR must be >= 0
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pandas as pd

from simkit.engine.safe_load import excerpt
from simkit.io.portfolio_book import book_summary, describe, format_money, scenario_for
from simkit.io.portfolio_columns import (
    BOOK_STAGES,
    COLUMN_ALIASES,
    DEFAULT_TERM_MONTHS,
    MAX_TERM_MONTHS,
    OPTIONAL,
    REQUIRED,
    SEGMENT_ALIASES,
    STAGE_ALIASES,
)
from simkit.io.portfolio_errors import MAX_LISTED, PortfolioError
from simkit.io.portfolio_rows import build_book, check_rows
from simkit.io.portfolio_text import read_cells

__all__ = [
    "BOOK_STAGES",
    "COLUMN_ALIASES",
    "DEFAULT_TERM_MONTHS",
    "EXAMPLE_AS_OF",
    "MAX_FILE_BYTES",
    "MAX_LISTED",
    "MAX_TERM_MONTHS",
    "OPTIONAL",
    "REQUIRED",
    "SEGMENT_ALIASES",
    "STAGE_ALIASES",
    "PortfolioError",
    "book_summary",
    "describe",
    "example_path",
    "format_money",
    "parse_csv",
    "read_csv",
    "scenario_for",
]

MAX_FILE_BYTES = 256_000_000
"""The largest account file read (256 MB: about 2 million accounts)."""

EXAMPLE_AS_OF = "2026-10-01"
"""The date the example portfolio (``examples/portfolio.csv``) describes."""


def read_csv(path: str | os.PathLike[str], as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Read an account list (see the module docstring for the columns) into a starting book.

    Parameters
    ----------
    path : the CSV file.
    as_of : the date the book describes (``datetime.date`` or ``"YYYY-MM-DD"``); default today.

    Returns
    -------
    DataFrame
        The book: ``account_id``, :data:`simkit.engine.book.BOOK_COLUMNS` and ``owner``, one
        row per account in file order (row ``i`` is account ``i`` in simulation results).
        ``health`` is NaN where the file left it blank. ``attrs`` holds ``as_of``, ``source``
        and ``notes``.

    Raises
    ------
    PortfolioError
        Listing every problem in the file (row, column, what is allowed).

    Examples
    --------
    >>> book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
    >>> len(book), sorted(book["segment"].unique())
    (120, ['enterprise', 'key', 'mid_market', 'small'])
    """
    path = Path(path)
    if path.is_dir():
        raise PortfolioError(str(path), ["is a folder; give the CSV file itself"])
    if not path.is_file():
        raise PortfolioError(str(path), ["no such file"])
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PortfolioError(str(path), [_too_big(path.stat().st_size)])
        data = path.read_bytes()
    except OSError as exc:
        raise PortfolioError(str(path), [f"cannot read the file ({exc.strerror})"]) from None
    return parse_csv(data, as_of=as_of, source=str(path))


def parse_csv(
    data: bytes | str, as_of: dt.date | str | None = None, source: str = "upload"
) -> pd.DataFrame:
    """Like :func:`read_csv`, from the file's bytes or text (e.g. a dashboard upload).

    ``source`` names the file in messages.

    >>> parse_csv(b"", source="empty.csv")
    Traceback (most recent call last):
    ...
    simkit.io.portfolio.PortfolioError: empty.csv: the file is empty; expected a header row ...
    """
    day = as_of_date(as_of)
    if len(data) > MAX_FILE_BYTES:
        raise PortfolioError(source, [_too_big(len(data))])
    cells, rows = read_cells(data, source)
    return build_book(check_rows(cells, rows, source, day), day, source)


def _too_big(size: int) -> str:
    def amount(n: int) -> str:
        return f"{n:,} bytes" if n < 10_000_000 else f"{n / 1e6:,.0f} MB"

    return (
        f"{amount(size)} is more than an account list can be ({amount(MAX_FILE_BYTES)}); "
        "check that this is the right file"
    )


def as_of_date(as_of: dt.date | str | None) -> dt.date:
    """The as-of date of a book: a date, a ``"YYYY-MM-DD"`` text, or None for today.

    >>> as_of_date("2026-10-01"), as_of_date(dt.datetime(2026, 10, 1, 9, 30))
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 1))
    """
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        day = as_of.date()
    elif isinstance(as_of, dt.date):
        day = as_of
    else:
        text = str(as_of).strip()
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"as_of must be a date written YYYY-MM-DD, got {excerpt(as_of, 40)}"
            ) from None
    if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
        raise ValueError(f"as_of must be a date from 1900 to 2200, got {day.isoformat()}")
    return day


def example_path() -> Path:
    """The made-up example portfolio shipped with the repository (``examples/portfolio.csv``)."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "examples" / "portfolio.csv", here / "data" / "portfolio.csv"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("examples/portfolio.csv is not next to the simkit package")
