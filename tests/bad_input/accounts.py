"""Bad account files: every column given every kind of bad cell, and odd files."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from unittest import mock

from simkit.io.portfolio import PortfolioError, parse_csv
from simkit.io.portfolio_columns import OPTIONAL, REQUIRED
from tests.bad_input import AS_OF, case

# == account files (issue 17, items 2 and 3) ================================================
COLUMNS = [*REQUIRED, *OPTIONAL]
GOOD_ROW = {
    "account_id": "A1",
    "segment": "key",
    "arr": "5000",
    "customer_since": "2024-01-01",
    "contract_start": "2025-07-01",
    "contract_end": "2026-06-30",
    "term_months": "12",
    "health": "60",
    "stage": "customer",
    "owner": "Ann",
}
DATES = [
    ("2027", "is not a date"),
    ("20270331", "is not a date"),
    ("31/03/2027", "is not a date"),
    ("2027-3-31", "is not a date"),
    ("2027-02-30", "is not a date"),
    ("nan", "is not a date"),
    ("inf", "is not a date"),
    ("tomorrow", "is not a date"),
    ("d" * 100_000, "is not a date"),
    ("2999-01-01", "more than 10 years after the as-of date 2026-01-01"),
    ("2037-01-01", "more than 10 years after the as-of date 2026-01-01"),
    ("1066-10-14", "is before 1900"),
]
BAD_CELLS: dict[str, list[tuple[str, str]]] = {
    "account_id": [("", "is empty"), ("   ", "is empty"),
                   ("A1", "duplicate (first seen on row 2)")],
    "segment": [("", "is empty"), ("gold", "is not a segment"), ("nan", "is not a segment"),
                ("5", "is not a segment"), ("g" * 100_000, "is not a segment")],
    "arr": [("", "is empty"), ("lots", "is not a number"), ("nan", "is not a number"),
            ("inf", "is not a number"), ("-inf", "is not a number"), ("1e400", "is not a number"),
            ("1,2", "is not a number"), ("TRUE", "is not a number"), ("0x10", "is not a number"),
            ("-5", "is negative"), ("-1e308", "is negative"),
            ("1e308", "largest ARR accepted, 100,000,000,000"),
            ("1e12", "largest ARR accepted"), ("100000000001", "largest ARR accepted"),
            ("a" * 100_000, "is not a number")],
    "customer_since": DATES,
    "contract_start": DATES,
    "contract_end": DATES,
    "term_months": [(v, "not a whole number of months from 1 to 120")
                    for v in ("0", "-1", "12.5", "121", "1e308", "nan", "inf", "twelve", "TRUE")],
    "health": [("-1", "is outside 0-100"), ("101", "is outside 0-100"),
               ("1e308", "is outside 0-100"), ("-1e308", "is outside 0-100"),
               ("good", "is not a number"), ("nan", "is not a number"), ("inf", "is not a number")],
    "stage": [("vip", "is not a stage"), ("5", "is not a stage"), ("s" * 100_000, "is not a stage"),
              ("churned", "former accounts are not part of a starting book")],
}  # fmt: skip


def csv_text(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> str:
    """An account file of ``rows`` (cells quoted where they need it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([r[c] for c in columns] for r in rows)
    return out.getvalue()


def parse(text: str | bytes) -> Callable[[], object]:
    return lambda: parse_csv(text, as_of=AS_OF, source="book.csv")


for column, bad in BAD_CELLS.items():
    for value, words in bad:
        text = csv_text([GOOD_ROW, {**GOOD_ROW, "account_id": "A2", column: value}])
        label = value if len(value) < 20 else f"{value[:3]}... ({len(value):,} chars)"
        case("account file column", f"{column}={label or 'empty'}", f"row 3, column {column}: ",
             words, run=parse(text), error=PortfolioError)  # fmt: skip
for column in REQUIRED:
    text = csv_text([GOOD_ROW], [c for c in COLUMNS if c != column])
    case("account file column", f"no {column} column", f"required column {column!r} is missing",
         run=parse(text), error=PortfolioError)  # fmt: skip

HEADER = ",".join(COLUMNS) + "\n"
ACCOUNT_FILES: list[tuple[str, bytes, str]] = [
    ("only commas (issue 17)", b",,,\n,,,\n", "only empty cells"),
    ("empty file", b"", "the file is empty"),
    ("blank lines", b"\n \n\t\n", "the file is empty"),
    ("byte-order mark only", codecs.BOM_UTF8, "the file is empty"),
    ("header only", HEADER.encode(), "header but no account rows"),
    ("header and empty rows", HEADER.encode() + b",,,,\n,,\n", "header but no account rows"),
    ("UTF-16 text", HEADER.encode("utf-16"), "UTF-16"),
    ("xlsx workbook", b"PK\x03\x04" + b"\x00" * 20, "spreadsheet workbook"),
    ("xls workbook", b"\xd0\xcf\x11\xe0" + b"\x00" * 20, "spreadsheet workbook"),
    ("Latin-1 text", "account_id,segment,arr\nZoë,key,5\n".encode("latin-1"), "not UTF-8"),
    ("PNG image", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
    ("NUL bytes", b"account_id,segment,arr\nA1,key,5\x00\x00\n", "binary data"),
    ("semicolons", b"account_id;segment;arr\nA1;key;5\n", "semicolon-separated"),
    ("tabs", b"account_id\tsegment\tarr\nA1\tkey\t5\n", "tab-separated"),
    ("pipes", b"account_id|segment|arr\nA1|key|5\n", "pipe-separated"),
    ("too many values", b"account_id,segment,arr\nA1,key,5,9\n", "4 values but the header has 3"),
    ("200k-character cell", b'account_id,segment,arr\nA1,key,"' + b"9" * 200_000 + b'"\n',
     "field larger than field limit"),
    ("no known columns", b"name,region\nx,y\n", "required column 'account_id' is missing"),
    ("two names for one column", b"id,account,segment,arr\n1,2,key,5\n",
     "both mean account_id"),
]  # fmt: skip
for name, data, words in ACCOUNT_FILES:
    case("account file", name, "book.csv: ", words, run=parse(data), error=PortfolioError)


def _over_the_limit() -> object:
    with mock.patch("simkit.io.portfolio.MAX_FILE_BYTES", 1000):
        return parse_csv(b"x" * 1001, as_of=AS_OF, source="book.csv")


case("account file", "file over the size limit", "book.csv: 1,001 bytes is more than",
     run=_over_the_limit, error=PortfolioError)  # fmt: skip
for as_of in ("2027", "20270331", "31/03/2026", "yesterday", "1800-01-01"):
    case("account file", f"as-of {as_of}", "as_of must be a date",
         run=lambda as_of=as_of: parse_csv(HEADER, as_of=as_of))  # fmt: skip
