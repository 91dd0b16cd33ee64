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
arr               yes       annual recurring revenue, >= 0 (``$12,000`` is fine); for a
                            prospect, the expected deal size (0: unknown)
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

Every problem in a file is reported at once, in one :class:`PortfolioError`; nothing is
simulated until the file is clean. Rows are numbered as in a spreadsheet: the header is
row 1 and the first account is row 2.

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

import codecs
import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from simkit.engine.model import BOOK_COLUMNS
from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS, Scenario, default_scenario

EXAMPLE_AS_OF = "2026-10-01"
"""The date the example portfolio (``examples/portfolio.csv``) describes."""

MAX_LISTED = 50
"""At most this many problems are listed in a :class:`PortfolioError` (then "... and N more")."""

DEFAULT_TERM_MONTHS = 12
MAX_TERM_MONTHS = 120
BOOK_STAGES = ("prospect", "customer", "loyal")

REQUIRED = ("account_id", "segment", "arr")
OPTIONAL = (
    "customer_since",
    "contract_start",
    "contract_end",
    "term_months",
    "health",
    "stage",
    "owner",
)

COLUMN_ALIASES: Mapping[str, str] = {
    "id": "account_id",
    "account": "account_id",
    "accountid": "account_id",
    "tier": "segment",
    "client_since": "customer_since",
    "customer_since_date": "customer_since",
    "annual_recurring_revenue": "arr",
    "arr_usd": "arr",
    "start": "contract_start",
    "start_date": "contract_start",
    "contract_start_date": "contract_start",
    "end": "contract_end",
    "end_date": "contract_end",
    "contract_end_date": "contract_end",
    "renewal_date": "contract_end",
    "term": "term_months",
    "contract_term": "term_months",
    "contract_term_months": "term_months",
    "health_score": "health",
    "lifecycle_stage": "stage",
    "account_owner": "owner",
    "account_manager": "owner",
    "manager": "owner",
}
"""Accepted column-name synonyms (after lower-casing and turning spaces/hyphens into ``_``)."""

SEGMENT_ALIASES: Mapping[str, str] = {
    "key_account": "key",
    "key_accounts": "key",
    "strategic": "key",
    "ent": "enterprise",
    "large": "enterprise",
    "midmarket": "mid_market",
    "mid": "mid_market",
    "mm": "mid_market",
    "mid_size": "mid_market",
    "midsize": "mid_market",
    "smb": "small",
    "sme": "small",
    "small_business": "small",
    "long_tail": "small",
}
"""Friendly segment spellings (after normalising like column names)."""

STAGE_ALIASES: Mapping[str, str] = {
    "lead": "prospect",
    "opportunity": "prospect",
    "active": "customer",
    "client": "customer",
    "advocate": "loyal",
}
_FORMER = {"former", "churned", "lost", "inactive", "cancelled", "canceled"}


_COLUMN_ORDER = {c: i for i, c in enumerate(("(all)", *REQUIRED, *OPTIONAL))}


class PortfolioError(ValueError):
    """An account file has problems. ``problems`` lists them (at most :data:`MAX_LISTED`);
    ``total`` counts all of them."""

    def __init__(self, source: str, problems: list[str], total: int | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        self.total = len(problems) if total is None else total
        super().__init__(self._message())

    def _message(self) -> str:
        if self.total == 1 and not self.problems[0].startswith("row "):
            return f"{self.source}: {self.problems[0]}"
        head = (
            f"{self.source}: {self.total} problem{'s' if self.total != 1 else ''} "
            "(spreadsheet rows: the header is row 1)"
        )
        lines = [head, *(f"  {p}" for p in self.problems)]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


class _Problems:
    """Collects problems check by check, formatting only the first few of each."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str]] = []  # (row, column order, message)
        self.total = 0

    def file(self, message: str) -> None:
        self.items.append((0, len(self.items) - 100, message))
        self.total += 1

    def rows(self, mask: np.ndarray, rows: np.ndarray, column: str, say) -> None:
        """Report every row where ``mask`` is true; ``say(i)`` words the problem at position i."""
        where = np.flatnonzero(mask)
        self.total += len(where)
        order = _COLUMN_ORDER.get(column, len(_COLUMN_ORDER))
        for i in where[:MAX_LISTED]:
            self.items.append((int(rows[i]), order, f"row {rows[i]}, column {column}: {say(i)}"))

    def raise_if_any(self, source: str) -> None:
        if self.total:
            listed = [m for _, _, m in sorted(self.items)[:MAX_LISTED]]
            raise PortfolioError(source, listed, self.total)


# -- reading ------------------------------------------------------------------------------
def read_csv(path: str | os.PathLike[str], as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Read an account list (see the module docstring for the columns) into a starting book.

    Parameters
    ----------
    path : the CSV file.
    as_of : the date the book describes (``datetime.date`` or ``"YYYY-MM-DD"``); default today.

    Returns
    -------
    DataFrame
        The book: ``account_id``, :data:`simkit.engine.model.BOOK_COLUMNS` and ``owner``, one row per
        account in file order (row ``i`` is account ``i`` in simulation results). ``health`` is
        NaN where the file left it blank. ``attrs`` holds ``as_of``, ``source`` and ``notes``.

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
    if not path.is_file():
        raise PortfolioError(str(path), ["no such file"])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PortfolioError(str(path), [f"cannot read the file ({exc.strerror})"]) from None
    return parse_csv(data, as_of=as_of, source=str(path))


def parse_csv(
    data: bytes | str, as_of: dt.date | str | None = None, source: str = "upload"
) -> pd.DataFrame:
    """Like :func:`read_csv`, from the file's bytes or text (e.g. a dashboard upload).

    >>> parse_csv(b"", source="empty.csv")
    Traceback (most recent call last):
    ...
    simkit.io.portfolio.PortfolioError: empty.csv: the file is empty; expected a header row ...
    """
    day = _as_of(as_of)
    text = _decode(data, source) if isinstance(data, bytes | bytearray) else str(data)
    text = text.removeprefix("\ufeff")
    header, records, rows = _split_records(text, source)
    raw = _frame(header, records, rows, source)
    book = _validate(raw, rows, day, source)
    return book


def example_path() -> Path:
    """The made-up example portfolio shipped with the repository (``examples/portfolio.csv``)."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "examples" / "portfolio.csv", here / "data" / "portfolio.csv"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("examples/portfolio.csv is not next to the simkit package")


def _as_of(as_of: dt.date | str | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ValueError(f"as_of must be a date written YYYY-MM-DD, got {as_of!r}") from None


def _decode(data: bytes, source: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PortfolioError(
            source, ["the file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'"]
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PortfolioError(
            source,
            ["this is a spreadsheet workbook, not CSV; save it as 'CSV UTF-8 (comma delimited)'"],
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PortfolioError(
            source,
            [
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                "save it as 'CSV UTF-8 (comma delimited)'"
            ],
        ) from None


def _split_records(text: str, source: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, non-blank records and their spreadsheet row numbers (header = row 1)."""
    if not text.strip():
        raise PortfolioError(
            source, ["the file is empty; expected a header row such as account_id,segment,arr"]
        )
    first_line = text.lstrip().splitlines()[0]
    if "," not in first_line:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in first_line:
                raise PortfolioError(
                    source,
                    [
                        f"the file looks {name}-separated ({sep!r}); use commas "
                        "(in a spreadsheet: save as 'CSV UTF-8 (comma delimited)')"
                    ],
                )
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise PortfolioError(source, [f"not readable as CSV ({exc})"]) from None
    header_at = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
    header = records[header_at]
    body, rows = [], []
    for i in range(header_at + 1, len(records)):
        rec = records[i]
        if any(c.strip() for c in rec):
            body.append(rec)
            rows.append(i + 1)
    if not body:
        raise PortfolioError(source, ["the file has a header but no account rows"])
    return header, body, rows


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-/.]+", "_", name.strip().lower()).strip("_")


def _frame(
    header: list[str], records: list[list[str]], rows: list[int], source: str
) -> pd.DataFrame:
    problems = _Problems()
    names = [COLUMN_ALIASES.get(_normalise(h), _normalise(h)) for h in header]
    seen: dict[str, str] = {}
    for original, name in zip(header, names, strict=True):
        if name in REQUIRED + OPTIONAL and name in seen:
            problems.file(
                f"columns {seen[name]!r} and {original!r} both mean {name}; keep one of them"
            )
        seen.setdefault(name, original)
    width = len(header)
    lengths = np.fromiter((len(r) for r in records), int, len(records))
    too_long = np.flatnonzero(lengths > width)
    long_mask = np.zeros(len(records), bool)
    for i in too_long:  # trailing empty cells are harmless
        long_mask[i] = any(c.strip() for c in records[i][width:])
    problems.rows(
        long_mask,
        np.asarray(rows),
        "(all)",
        lambda i: (
            f"{lengths[i]} values but the header has {width} columns "
            "(a comma inside a value? put the value in double quotes)"
        ),
    )
    problems.raise_if_any(source)
    fixed = [r[:width] if len(r) >= width else r + [""] * (width - len(r)) for r in records]
    frame = pd.DataFrame(fixed, columns=range(width), dtype=object)
    keep = {}
    for j, name in enumerate(names):
        if name in REQUIRED + OPTIONAL and name not in keep:
            keep[name] = frame[j].astype(str).str.strip()
    return pd.DataFrame(keep, index=pd.RangeIndex(len(records)))


# -- validation ---------------------------------------------------------------------------
def _number(text: pd.Series) -> pd.Series:
    """Numbers, allowing currency signs, spaces and thousands separators (``$12,000.50``)."""
    out = pd.to_numeric(text, errors="coerce").astype(float)
    retry = out.isna() & (text != "")
    if retry.any():  # only the cells plain parsing missed go through the slower clean-up
        cleaned = text[retry].str.replace(r"[\s$€£¥_]", "", regex=True)
        grouped = cleaned.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
        cleaned = cleaned.where(~grouped, cleaned.str.replace(",", "", regex=False))
        out[retry] = pd.to_numeric(cleaned, errors="coerce").astype(float)
    return out.where(np.isfinite(out))


def _date(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format="ISO8601", errors="coerce").dt.normalize()


def _lookup(text: pd.Series, names: tuple[str, ...], aliases: Mapping[str, str]) -> pd.Series:
    """Canonical names (None where unknown), normalising each distinct spelling once."""
    codes, uniques = pd.factorize(text)
    norm = [_normalise(v) for v in uniques]
    canon = np.array([v if v in names else aliases.get(v) for v in norm] + [None], dtype=object)
    return pd.Series(canon[codes], index=text.index, dtype=object)


def _validate(raw: pd.DataFrame, rows_list: list[int], day: dt.date, source: str) -> pd.DataFrame:
    p = _Problems()
    rows = np.asarray(rows_list)
    n = len(raw)
    for col in REQUIRED:
        if col not in raw.columns:
            p.file(
                f"required column {col!r} is missing (columns found: {', '.join(raw.columns)}; "
                f"needed: {', '.join(REQUIRED)})"
            )
    col = {c: raw[c] if c in raw.columns else pd.Series([""] * n, dtype=object) for c in OPTIONAL}
    col.update({c: raw[c] for c in REQUIRED if c in raw.columns})

    # account_id
    ids = col.get("account_id")
    if ids is not None:
        empty = (ids == "").to_numpy()
        p.rows(empty, rows, "account_id", lambda i: "is empty; every account needs an id")
        dup = (ids.duplicated(keep="first") & ~pd.Series(empty)).to_numpy()
        first_row = dict(
            zip(ids[~ids.duplicated()], rows[~ids.duplicated().to_numpy()], strict=True)
        )
        p.rows(
            dup,
            rows,
            "account_id",
            lambda i: f"{ids.iat[i]!r} is a duplicate (first seen on row {first_row[ids.iat[i]]})",
        )

    # segment
    segment = None
    if "segment" in col:
        raw_seg = col["segment"]
        segment = _lookup(raw_seg, SEGMENTS, SEGMENT_ALIASES)
        p.rows(
            segment.isna().to_numpy(),
            rows,
            "segment",
            lambda i: (
                f"{raw_seg.iat[i]!r} is not a segment; use key, enterprise, mid_market or small"
                if raw_seg.iat[i]
                else "is empty; use key, enterprise, mid_market or small"
            ),
        )

    # stage
    raw_stage = col["stage"]
    stage = _lookup(raw_stage.where(raw_stage != "", "customer"), BOOK_STAGES, STAGE_ALIASES)
    former = _lookup(raw_stage, (), {f: "former" for f in _FORMER}).notna().to_numpy()
    p.rows(
        former,
        rows,
        "stage",
        lambda i: (
            f"{raw_stage.iat[i]!r}: former accounts are not part of a starting book "
            "(they pay nothing); leave them out"
        ),
    )
    p.rows(
        stage.isna().to_numpy() & ~former,
        rows,
        "stage",
        lambda i: f"{raw_stage.iat[i]!r} is not a stage; use prospect, customer or loyal",
    )
    active = (stage != "prospect").to_numpy()

    # arr
    arr = None
    if "arr" in col:
        raw_arr = col["arr"]
        arr = _number(raw_arr)
        bad = arr.isna().to_numpy()
        p.rows(
            bad,
            rows,
            "arr",
            lambda i: (
                f"{raw_arr.iat[i]!r} is not a number; write ARR like 25000 or 25,000.50"
                if raw_arr.iat[i]
                else "is empty; give the annual recurring revenue (0 or more)"
            ),
        )
        p.rows(
            (arr < 0).to_numpy(),
            rows,
            "arr",
            lambda i: f"{raw_arr.iat[i]} is negative; ARR must be >= 0",
        )

    # health
    raw_health = col["health"]
    health = _number(raw_health)
    p.rows(
        (health.isna() & (raw_health != "")).to_numpy(),
        rows,
        "health",
        lambda i: f"{raw_health.iat[i]!r} is not a number; use 0-100 or leave it blank",
    )
    p.rows(
        ((health < 0) | (health > 100)).to_numpy(),
        rows,
        "health",
        lambda i: f"{raw_health.iat[i]} is outside 0-100",
    )

    # dates and terms
    raw_start, raw_end, raw_term = col["contract_start"], col["contract_end"], col["term_months"]
    raw_since = col["customer_since"]
    start, end, since = _date(raw_start), _date(raw_end), _date(raw_since)
    for name, raw_d, parsed in (
        ("customer_since", raw_since, since),
        ("contract_start", raw_start, start),
        ("contract_end", raw_end, end),
    ):
        p.rows(
            (parsed.isna() & (raw_d != "")).to_numpy(),
            rows,
            name,
            lambda i, raw_d=raw_d: f"{raw_d.iat[i]!r} is not a date; write dates as YYYY-MM-DD",
        )
    p.rows(
        (end <= start).to_numpy(),
        rows,
        "contract_end",
        lambda i: f"{raw_end.iat[i]} is not after contract_start {raw_start.iat[i]}",
    )
    p.rows(
        (since > start).to_numpy(),
        rows,
        "customer_since",
        lambda i: f"{raw_since.iat[i]} is after contract_start {raw_start.iat[i]}",
    )
    given_term = _number(raw_term)
    bad_term = (raw_term != "") & (
        given_term.isna()
        | (given_term != given_term.round())
        | (given_term < 1)
        | (given_term > MAX_TERM_MONTHS)
    )
    p.rows(
        bad_term.to_numpy(),
        rows,
        "term_months",
        lambda i: (
            f"{raw_term.iat[i]!r} is not a whole number of months from 1 to {MAX_TERM_MONTHS}"
        ),
    )
    span = (end - start).dt.days / DAYS_PER_MONTH
    derived = span.round().clip(lower=1)
    term = given_term.where(~bad_term & given_term.notna(), derived)
    too_long_span = (given_term.isna() & (derived > MAX_TERM_MONTHS)).to_numpy()
    p.rows(
        too_long_span,
        rows,
        "contract_end",
        lambda i: (
            f"the contract from {raw_start.iat[i]} to {raw_end.iat[i]} runs more than "
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
    p.raise_if_any(source)

    # -- the book: days relative to as_of ------------------------------------------------
    as_of = pd.Timestamp(day)
    term_days = term.to_numpy(float) * DAYS_PER_MONTH
    end_days = (end - as_of).dt.days.to_numpy(float)
    start_days = (start - as_of).dt.days.to_numpy(float)  # negative: started before as_of
    since_days = (since - as_of).dt.days.to_numpy(float)
    first_end = np.where(np.isnan(end_days), start_days + term_days, end_days)
    behind = np.maximum(-first_end, 0.0)
    rolls = np.ceil(behind / term_days - 1e-12)
    to_renewal = first_end + rolls * term_days
    tenure = np.where(np.isnan(start_days), term_days - to_renewal, -start_days)
    tenure = np.where(np.isnan(since_days), tenure, -since_days)
    tenure = np.maximum(tenure, 0.0)
    prospect = ~active
    book = pd.DataFrame(
        {
            "account_id": col["account_id"].to_numpy(),
            "segment": segment.to_numpy(),
            "arr": arr.to_numpy(float),
            "stage": stage.to_numpy(),
            "term_months": term.to_numpy().astype(int),
            "days_to_renewal": np.where(prospect, 0.0, to_renewal),
            "tenure_days": np.where(prospect, 0.0, tenure),
            "health": health.to_numpy(float),
            "owner": col["owner"].where(col["owner"] != "", "unassigned").to_numpy(),
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


# -- using a book -------------------------------------------------------------------------
def scenario_for(
    book: pd.DataFrame, base: Scenario | None = None, scale_pipeline: bool = True
) -> Scenario:
    """A scenario for an imported book: the base scenario with the book's segment counts.

    The counts are for reporting (the simulation takes its accounts from the book itself);
    ``warmup_years`` is 0 because an imported book starts from the as-of date, and ``start``
    is ``"book"``. With ``scale_pipeline`` the inflow of new prospects is scaled to the size
    of the book (a book half the base size gets half the prospects a month); the team is
    left as in ``base`` (set ``team.managers`` to your own team). Run it with
    ``simulate(scenario, strategy, book=book)`` or ``compare(scenario, strategies, book=book)``.

    >>> book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
    >>> sc = scenario_for(book)
    >>> sc.portfolio.total_accounts == len(book), sc.warmup_years
    (True, 0.0)
    """
    base = default_scenario() if base is None else base
    counts = book["segment"].value_counts().reindex(SEGMENTS, fill_value=0)
    changes: dict[str, object] = {f"portfolio.{s}.count": int(counts[s]) for s in SEGMENTS}
    source = Path(str(book.attrs.get("source", "imported"))).name
    name = f"{source}: {len(book)} accounts as of {book.attrs.get('as_of', 'today')}"
    changes.update({"warmup_years": 0.0, "start": "book", "name": name[:200]})
    if scale_pipeline and base.portfolio.total_accounts > 0:
        ratio = len(book) / base.portfolio.total_accounts
        changes["pipeline.prospects_per_month"] = base.pipeline.prospects_per_month * ratio
    return base.update(changes)


def book_summary(book: pd.DataFrame, within_days: float = 90.0) -> pd.DataFrame:
    """Accounts, ARR and upcoming renewals per segment, with a total row.

    >>> book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
    >>> s = book_summary(book)
    >>> list(s.columns)
    ['accounts', 'customers', 'prospects', 'arr', 'renewals_90d', 'arr_renewing_90d']
    >>> int(s.loc["total", "accounts"]) == len(book)
    True
    """
    active = book["stage"] != "prospect"
    soon = active & (book["days_to_renewal"] <= within_days)
    days = f"{within_days:g}d"
    frame = pd.DataFrame(
        {
            "segment": book["segment"],
            "accounts": 1,
            "customers": active.astype(int),
            "prospects": (~active).astype(int),
            "arr": book["arr"].where(active, 0.0),
            f"renewals_{days}": soon.astype(int),
            f"arr_renewing_{days}": book["arr"].where(soon, 0.0),
        }
    )
    out = frame.groupby("segment").sum().reindex(list(SEGMENTS), fill_value=0)
    out.loc["total"] = out.sum()
    out.index.name = "segment"
    return out


def describe(book: pd.DataFrame, within_days: float = 90.0) -> str:
    """A few lines for people: accounts per segment, total ARR, renewals coming up.

    >>> print(describe(read_csv(example_path(), as_of=EXAMPLE_AS_OF)))  # doctest: +ELLIPSIS
    120 accounts as of 2026-10-01 (... customers, ... prospects); ARR ...
    ...
    """
    s = book_summary(book, within_days)
    t = s.loc["total"]
    days = f"{within_days:g}d"
    lines = [
        f"{int(t['accounts'])} accounts as of {book.attrs.get('as_of', '?')} "
        f"({int(t['customers'])} customers, {int(t['prospects'])} prospects); "
        f"ARR {format_money(t['arr'])}",
        f"renewals in the next {within_days:g} days: {int(t[f'renewals_{days}'])} "
        f"({format_money(t[f'arr_renewing_{days}'])} ARR)",
        f"{'segment':<12}{'accounts':>9}{'ARR':>12}{'renewing':>10}",
    ]
    for seg in SEGMENTS:
        r = s.loc[seg]
        accounts, arr, soon = int(r["accounts"]), format_money(r["arr"]), int(r[f"renewals_{days}"])
        lines.append(f"{seg:<12}{accounts:>9}{arr:>12}{soon:>10}")
    lines += [f"note: {n}" for n in book.attrs.get("notes", [])]
    return "\n".join(lines)


def format_money(v: float) -> str:
    """Money in a few characters: ``4.97M``, ``631k``, ``950``.

    >>> format_money(4_970_000), format_money(631_200), format_money(950)
    ('4.97M', '631k', '950')
    """
    if not math.isfinite(v):
        return "n/a"
    return (
        f"{v / 1e6:.2f}M" if abs(v) >= 1e6 else f"{v / 1e3:.0f}k" if abs(v) >= 1e3 else f"{v:.0f}"
    )
