"""From an account file's bytes to a table of text cells under canonical column names.

The first half of reading an account list: everything about the *file* and nothing yet
about what the values mean (that is :mod:`simkit.io.portfolio_rows`). :func:`read_cells`

1. decodes the bytes as UTF-8, accepting Excel's byte-order mark and refusing, with the fix
   spelled out, UTF-16 text, workbooks (``.xlsx``/``.xls`` saved under a ``.csv`` name) and
   other encodings;
2. refuses binary data (NUL bytes) and splits the text into CSV records with the standard
   library's :mod:`csv` reader, after naming the likely culprit when the header has no comma
   but a semicolon or a tab (a cell longer than 131,072 characters is refused by the reader);
3. skips blank lines while keeping spreadsheet row numbers (header = row 1);
4. maps each header to its canonical column (:func:`simkit.io.portfolio_columns.column_name`),
   keeps the known columns (the first of two synonyms is refused as ambiguous) and strips
   the cells' spaces.

>>> cells, rows = read_cells("ID,Tier,ARR,Region\\nA1, SMB ,500,North\\n\\nA2,Key,9,South\\n")
>>> cells
  account_id segment  arr
0         A1     SMB  500
1         A2     Key    9
>>> rows
[2, 4]
"""

from __future__ import annotations

import codecs
import csv
import io

import numpy as np
import pandas as pd

from simkit.engine.safe_load import excerpt
from simkit.io.portfolio_columns import OPTIONAL, REQUIRED, column_name
from simkit.io.portfolio_errors import PortfolioError, ProblemList

SAVE_AS_CSV = "save it as 'CSV UTF-8 (comma delimited)'"
"""The fix for most encoding troubles, as a spreadsheet's "Save as" dialog words it."""


def read_cells(data: bytes | str, source: str = "upload") -> tuple[pd.DataFrame, list[int]]:
    """The account rows of a file as text cells, and their spreadsheet row numbers.

    Parameters
    ----------
    data : the file's bytes (decoded as UTF-8) or its text.
    source : the file's name, for messages.

    Returns
    -------
    (cells, rows)
        ``cells`` has one column per known column present in the file (canonical names, in
        file order) and one row per non-blank record, every cell a stripped string (``""``
        when empty or missing at the end of a short record). ``rows[i]`` is the spreadsheet
        row number of ``cells`` row ``i``.

    Raises
    ------
    PortfolioError
        For an unreadable file (encoding, delimiter, no rows) or records that do not fit the
        header.
    """
    text = decode(data, source) if isinstance(data, bytes | bytearray) else str(data)
    header, records, rows = split_records(text.removeprefix("\ufeff"), source)
    return _cells(header, records, rows, source), rows


def decode(data: bytes, source: str) -> str:
    """A file's bytes as text: UTF-8 (with or without a byte-order mark), else a
    :class:`PortfolioError` saying how to save the file properly.

    >>> decode(codecs.BOM_UTF8 + "Zoë".encode(), "x.csv")
    'Zoë'
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PortfolioError(source, [f"the file is UTF-16 text; {SAVE_AS_CSV}"])
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PortfolioError(source, [f"this is a spreadsheet workbook, not CSV; {SAVE_AS_CSV}"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PortfolioError(
            source,
            [
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                f"{SAVE_AS_CSV}"
            ],
        ) from None


def split_records(text: str, source: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, non-blank records and their spreadsheet row numbers (header = row 1).

    >>> split_records("a,b\\n1,2\\n\\n3,4\\n", "x.csv")
    (['a', 'b'], [['1', '2'], ['3', '4']], [2, 4])
    """
    if not text.strip():
        raise PortfolioError(
            source, ["the file is empty; expected a header row such as account_id,segment,arr"]
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PortfolioError(
            source, [f"the file holds binary data (a NUL byte on line {line}), not CSV text"]
        )
    first_line = text.lstrip().split("\n", 1)[0]
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
    header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_at is None:
        raise PortfolioError(
            source,
            ["the file has only empty cells; expected a header row such as account_id,segment,arr"],
        )
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


def _cells(
    header: list[str], records: list[list[str]], rows: list[int], source: str
) -> pd.DataFrame:
    """The known columns of the records as stripped text, after checking the records' shape."""
    problems = ProblemList()
    known = REQUIRED + OPTIONAL
    names = [column_name(h) for h in header]
    seen: dict[str, str] = {}
    for original, name in zip(header, names, strict=True):
        if name in known and name in seen:
            problems.file(
                f"columns {excerpt(seen[name], 40)} and {excerpt(original, 40)} both mean "
                f"{name}; keep one of them"
            )
        seen.setdefault(name, original)
    width = len(header)
    lengths = np.fromiter((len(r) for r in records), int, len(records))
    too_long = np.zeros(len(records), bool)
    for i in np.flatnonzero(lengths > width):  # trailing empty cells are harmless
        too_long[i] = any(c.strip() for c in records[i][width:])
    problems.rows(
        too_long,
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
        if name in known and name not in keep:
            keep[name] = frame[j].astype(str).str.strip()
    return pd.DataFrame(keep, index=pd.RangeIndex(len(records)))
