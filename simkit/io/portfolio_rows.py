"""From text cells to a starting book: every cell checked, then dates turned into days.

The second half of reading an account list (the first, :mod:`simkit.io.portfolio_text`,
produced the cells). :func:`check_rows` parses each column (numbers may carry currency signs
and thousands separators, dates are ``YYYY-MM-DD``, segments and stages may use friendly
spellings) and checks every rule on every row (ARR from 0 to
:data:`~simkit.io.portfolio_columns.MAX_ARR`, dates from 1900 to ten years after the as-of
date, so that a mistyped year cannot pass for a contract that never renews), collecting all
problems before raising one :class:`~simkit.io.portfolio_errors.PortfolioError`.
:func:`build_book` then places each account in time relative to the *as-of* date the book
describes:

* ``days_to_renewal``: days from the as-of date to the contract's end. A contract that ended
  before the as-of date was evidently renewed, so its end rolls forward by whole terms;
* ``tenure_days``: days as a customer, from ``customer_since``, else ``contract_start``,
  else the start of the current term;
* ``term_months``: as given, else from the contract's dates, else 12.

Checks work on whole columns (vectorised with pandas and numpy), so a 100,000-row file is
checked in about a second.

>>> cells = pd.DataFrame({"account_id": ["A1"], "segment": ["SMB"], "arr": ["$1,200"],
...                       "contract_end": ["2026-03-31"]})
>>> import datetime as dt
>>> book = build_book(check_rows(cells, [2], "x.csv"), dt.date(2025, 12, 31), "x.csv")
>>> book.iloc[0][["segment", "arr", "stage", "days_to_renewal", "term_months"]].to_dict()
{'segment': 'small', 'arr': 1200.0, 'stage': 'customer', 'days_to_renewal': 90.0, 'term_months': 12}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simkit.engine.book import BOOK_COLUMNS
from simkit.engine.safe_load import excerpt, shorten
from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS
from simkit.io.portfolio_columns import (
    BOOK_STAGES,
    DATE_PATTERN,
    DEFAULT_TERM_MONTHS,
    EARLIEST_DATE,
    FORMER_STAGES,
    MAX_ARR,
    MAX_TERM_MONTHS,
    MAX_YEARS_AHEAD,
    OPTIONAL,
    REQUIRED,
    SEGMENT_ALIASES,
    STAGE_ALIASES,
    lookup,
)
from simkit.io.portfolio_errors import ProblemList


def parse_number(text: pd.Series) -> pd.Series:
    """Numbers, allowing currency signs, spaces and thousands separators (``$12,000.50``);
    NaN where a cell is empty or not a number.

    >>> parse_number(pd.Series(["12", "$12,000.50", "1,2", "", "lots"])).tolist()
    [12.0, 12000.5, nan, nan, nan]
    """
    out = pd.to_numeric(text, errors="coerce").astype(float)
    retry = out.isna() & (text != "")
    if retry.any():  # only the cells plain parsing missed go through the slower clean-up
        cleaned = text[retry].str.replace(r"[\s$€£¥_]", "", regex=True)
        grouped = cleaned.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
        cleaned = cleaned.where(~grouped, cleaned.str.replace(",", "", regex=False))
        out[retry] = pd.to_numeric(cleaned, errors="coerce").astype(float)
    return out.where(np.isfinite(out))


def parse_date(text: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` dates (a time of day after them is ignored) as midnight timestamps; NaT
    where a cell is empty or not a date written so (:data:`DATE_PATTERN`).

    >>> parse_date(pd.Series(["2026-03-31", "2026-03-31 14:00", "31/03/2026", "2027",
    ...                       "20270331", "2026-02-30", ""])).isna().tolist()
    [False, False, True, True, True, True, True]
    """
    written = text.astype(str).str.fullmatch(DATE_PATTERN).fillna(False).astype(bool)
    dates = pd.to_datetime(text.where(written, ""), format="ISO8601", errors="coerce")
    return dates.dt.normalize()


@dataclass
class CheckedRows:
    """The columns of an account file, parsed and checked (see :func:`check_rows`)."""

    account_id: pd.Series
    segment: pd.Series
    stage: pd.Series
    arr: pd.Series
    health: pd.Series
    customer_since: pd.Series
    contract_start: pd.Series
    contract_end: pd.Series
    term_months: pd.Series
    owner: pd.Series

    @property
    def active(self) -> np.ndarray:
        """Which accounts are customers (customer or loyal), not prospects."""
        return (self.stage != "prospect").to_numpy()


def check_rows(
    cells: pd.DataFrame, rows: list[int], source: str, as_of: dt.date | None = None
) -> CheckedRows:
    """Parse and check every cell; raise one PortfolioError listing every problem.

    Parameters
    ----------
    cells : text cells under canonical column names (from
        :func:`simkit.io.portfolio_text.read_cells`).
    rows : spreadsheet row number of each row of ``cells``, for messages.
    source : the file's name, for messages.
    as_of : the date the book describes; dates more than :data:`MAX_YEARS_AHEAD` years
        after it are refused (default: today).
    """
    p = ProblemList()
    rows_at = np.asarray(rows)
    n = len(cells)
    for name in REQUIRED:
        if name not in cells.columns:
            p.file(f"required column {name!r} is missing (needed: {', '.join(REQUIRED)})")
    p.raise_if_any(source)  # without its columns, every row would repeat the same problem
    blank = pd.Series([""] * n, dtype=object)
    col = {c: cells[c] if c in cells.columns else blank for c in (*REQUIRED, *OPTIONAL)}

    if "account_id" in cells.columns:
        _check_ids(p, col["account_id"], rows_at)
    raw_seg = col["segment"]
    segment = lookup(raw_seg, SEGMENTS, SEGMENT_ALIASES)
    if "segment" in cells.columns:
        p.rows(
            segment.isna().to_numpy(),
            rows_at,
            "segment",
            lambda i: (
                f"{excerpt(raw_seg.iat[i], 40)} is not a segment; use key, enterprise, "
                "mid_market or small"
                if raw_seg.iat[i]
                else "is empty; use key, enterprise, mid_market or small"
            ),
        )
    stage = _check_stage(p, col["stage"], rows_at)
    raw_arr = col["arr"]
    arr = parse_number(raw_arr)
    if "arr" in cells.columns:
        p.rows(
            arr.isna().to_numpy(),
            rows_at,
            "arr",
            lambda i: (
                f"{excerpt(raw_arr.iat[i], 40)} is not a number; write ARR like 25000 or 25,000.50"
                if raw_arr.iat[i]
                else "is empty; give the annual recurring revenue (0 or more)"
            ),
        )
        p.rows(
            (arr < 0).to_numpy(),
            rows_at,
            "arr",
            lambda i: f"{shorten(raw_arr.iat[i], 40)} is negative; ARR must be >= 0",
        )
        p.rows(
            (arr > MAX_ARR).to_numpy(),
            rows_at,
            "arr",
            lambda i: (
                f"{shorten(raw_arr.iat[i], 40)} is more than the largest ARR accepted, "
                f"{MAX_ARR:,.0f} (a misplaced decimal point?)"
            ),
        )
    raw_health = col["health"]
    health = parse_number(raw_health)
    p.rows(
        (health.isna() & (raw_health != "")).to_numpy(),
        rows_at,
        "health",
        lambda i: f"{excerpt(raw_health.iat[i], 40)} is not a number; use 0-100 or leave it blank",
    )
    p.rows(
        ((health < 0) | (health > 100)).to_numpy(),
        rows_at,
        "health",
        lambda i: f"{shorten(raw_health.iat[i], 40)} is outside 0-100",
    )
    day = dt.date.today() if as_of is None else as_of
    dates = _check_dates(p, col, rows_at, (stage != "prospect").to_numpy(), day)
    p.raise_if_any(source)
    return CheckedRows(
        account_id=col["account_id"],
        segment=segment,
        stage=stage,
        arr=arr,
        health=health,
        owner=col["owner"],
        **dates,
    )


def _check_ids(p: ProblemList, ids: pd.Series, rows: np.ndarray) -> None:
    """Every account has an id, and no id appears twice."""
    empty = (ids == "").to_numpy()
    p.rows(empty, rows, "account_id", lambda i: "is empty; every account needs an id")
    repeated = ids.duplicated(keep="first")
    first_row = dict(zip(ids[~repeated], rows[~repeated.to_numpy()], strict=True))
    p.rows(
        (repeated & ~pd.Series(empty)).to_numpy(),
        rows,
        "account_id",
        lambda i: (
            f"{excerpt(ids.iat[i], 40)} is a duplicate (first seen on row {first_row[ids.iat[i]]})"
        ),
    )


def _check_stage(p: ProblemList, raw: pd.Series, rows: np.ndarray) -> pd.Series:
    """Each account's stage (customer when blank); former customers are refused."""
    stage = lookup(raw.where(raw != "", "customer"), BOOK_STAGES, STAGE_ALIASES)
    former = lookup(raw, (), dict.fromkeys(FORMER_STAGES, "former")).notna().to_numpy()
    p.rows(
        former,
        rows,
        "stage",
        lambda i: (
            f"{excerpt(raw.iat[i], 40)}: former accounts are not part of a starting book "
            "(they pay nothing); leave them out"
        ),
    )
    p.rows(
        stage.isna().to_numpy() & ~former,
        rows,
        "stage",
        lambda i: f"{excerpt(raw.iat[i], 40)} is not a stage; use prospect, customer or loyal",
    )
    return stage


def _check_dates(
    p: ProblemList,
    col: dict[str, pd.Series],
    rows: np.ndarray,
    active: np.ndarray,
    day: dt.date,
) -> dict[str, pd.Series]:
    """Contract dates and term: parsed, within 1900 .. ``day`` + :data:`MAX_YEARS_AHEAD`
    years, in order, and enough of them for each customer."""
    earliest = pd.Timestamp(EARLIEST_DATE)
    latest = pd.Timestamp(day) + pd.DateOffset(years=MAX_YEARS_AHEAD)
    raw_start, raw_end, raw_term = col["contract_start"], col["contract_end"], col["term_months"]
    raw_since = col["customer_since"]
    start, end, since = parse_date(raw_start), parse_date(raw_end), parse_date(raw_since)
    for name, raw, parsed in (
        ("customer_since", raw_since, since),
        ("contract_start", raw_start, start),
        ("contract_end", raw_end, end),
    ):
        p.rows(
            (parsed.isna() & (raw != "")).to_numpy(),
            rows,
            name,
            lambda i, raw=raw: (
                f"{excerpt(raw.iat[i], 40)} is not a date; write dates as YYYY-MM-DD"
            ),
        )
        p.rows(
            (parsed < earliest).to_numpy(),
            rows,
            name,
            lambda i, raw=raw: f"{shorten(raw.iat[i], 40)} is before 1900; check the year",
        )
        p.rows(
            (parsed > latest).to_numpy(),
            rows,
            name,
            lambda i, raw=raw: (
                f"{shorten(raw.iat[i], 40)} is more than {MAX_YEARS_AHEAD} years after the "
                f"as-of date {day.isoformat()}; check the year"
            ),
        )
    p.rows(
        (end <= start).to_numpy(),
        rows,
        "contract_end",
        lambda i: (
            f"{shorten(raw_end.iat[i], 30)} is not after contract_start "
            f"{shorten(raw_start.iat[i], 30)}"
        ),
    )
    p.rows(
        (since > start).to_numpy(),
        rows,
        "customer_since",
        lambda i: (
            f"{shorten(raw_since.iat[i], 30)} is after contract_start "
            f"{shorten(raw_start.iat[i], 30)}"
        ),
    )
    given = parse_number(raw_term)
    bad_term = (raw_term != "") & (
        given.isna() | (given != given.round()) | (given < 1) | (given > MAX_TERM_MONTHS)
    )
    p.rows(
        bad_term.to_numpy(),
        rows,
        "term_months",
        lambda i: (
            f"{excerpt(raw_term.iat[i], 40)} is not a whole number of months from 1 to "
            f"{MAX_TERM_MONTHS}"
        ),
    )
    derived = ((end - start).dt.days / DAYS_PER_MONTH).round().clip(lower=1)
    term = given.where(~bad_term & given.notna(), derived)
    p.rows(
        (given.isna() & (derived > MAX_TERM_MONTHS)).to_numpy(),
        rows,
        "contract_end",
        lambda i: (
            f"the contract from {shorten(raw_start.iat[i], 30)} to "
            f"{shorten(raw_end.iat[i], 30)} runs more than "
            f"{MAX_TERM_MONTHS} months; give term_months for the renewal cycle"
        ),
    )
    term = term.fillna(DEFAULT_TERM_MONTHS).clip(upper=MAX_TERM_MONTHS)
    no_dates = (start.isna() & end.isna() & (raw_start == "") & (raw_end == "")).to_numpy()
    p.rows(
        no_dates & active,
        rows,
        "contract_end",
        lambda i: (
            "is empty; a customer needs contract_end (the renewal date) or contract_start "
            "(prospects need neither)"
        ),
    )
    return {
        "customer_since": since,
        "contract_start": start,
        "contract_end": end,
        "term_months": term,
    }


def build_book(checked: CheckedRows, day: dt.date, source: str) -> pd.DataFrame:
    """The starting book of checked rows, with every date turned into days from ``day``.

    Returns ``account_id``, :data:`simkit.engine.book.BOOK_COLUMNS` and ``owner`` (blank:
    ``"unassigned"``), one row per account in file order. ``attrs`` holds ``as_of``,
    ``source`` and ``notes`` (e.g. how many contracts were rolled forward).
    """
    as_of = pd.Timestamp(day)
    active = checked.active
    term_days = checked.term_months.to_numpy(float) * DAYS_PER_MONTH
    end_days = (checked.contract_end - as_of).dt.days.to_numpy(float)
    start_days = (checked.contract_start - as_of).dt.days.to_numpy(float)  # < 0: before as_of
    since_days = (checked.customer_since - as_of).dt.days.to_numpy(float)
    first_end = np.where(np.isnan(end_days), start_days + term_days, end_days)
    behind = np.maximum(-first_end, 0.0)
    rolls = np.ceil(behind / term_days - 1e-12)  # whole terms to roll a past end forward
    to_renewal = first_end + rolls * term_days
    tenure = np.where(np.isnan(start_days), term_days - to_renewal, -start_days)
    tenure = np.where(np.isnan(since_days), tenure, -since_days)
    tenure = np.maximum(tenure, 0.0)
    owner = checked.owner
    book = pd.DataFrame(
        {
            "account_id": checked.account_id.to_numpy(),
            "segment": checked.segment.to_numpy(),
            "arr": checked.arr.to_numpy(float),
            "stage": checked.stage.to_numpy(),
            "term_months": checked.term_months.to_numpy().astype(int),
            "days_to_renewal": np.where(active, to_renewal, 0.0),
            "tenure_days": np.where(active, tenure, 0.0),
            "health": checked.health.to_numpy(float),
            "owner": owner.where(owner != "", "unassigned").to_numpy(),
        }
    )
    rolled = int(((end_days < 0) & active).sum())
    notes = []
    if rolled:
        notes.append(
            f"{rolled} contract(s) ended before {day.isoformat()}; taken as renewed "
            "(rolled forward by whole terms)"
        )
    book = book[["account_id", *BOOK_COLUMNS, "owner"]]
    book.attrs.update({"as_of": day.isoformat(), "source": source, "notes": notes})
    return book
