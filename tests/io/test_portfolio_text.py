"""From bytes to text cells (simkit.io.portfolio_text): encodings, delimiters, shapes."""

from __future__ import annotations

import codecs

import pytest

from simkit.io.portfolio import PortfolioError, parse_csv
from simkit.io.portfolio_text import read_cells
from tests.io.helpers import AS_OF, HEADER, problems


def test_friendly_column_names_and_extra_columns():
    text = 'ID,Tier,ARR,Renewal Date,Health Score,Account Manager,Region\nA1,SMB,"$1,200",'
    text += "2026-03-01,70,Ana,North\n"
    book = parse_csv(text, as_of=AS_OF)
    row = book.iloc[0]
    assert (row["account_id"], row["segment"], row["arr"]) == ("A1", "small", 1200.0)
    assert (row["health"], row["owner"]) == (70.0, "Ana")
    assert "Region" not in book.columns and "region" not in book.columns


def test_utf8_with_bom_is_accepted():
    data = codecs.BOM_UTF8 + (HEADER + "Å1,key,5,,2026-02-01,,,,Zoë\n").encode("utf-8")
    book = parse_csv(data, as_of=AS_OF)
    assert book.loc[0, "account_id"] == "Å1" and book.loc[0, "owner"] == "Zoë"


def test_windows_line_endings_and_quoted_values():
    text = HEADER + 'A1,key,5,,2026-02-01,,,,"Ruiz, Ana"\r\nA2,gold,5,,2026-02-01,,,,Ben\r\n'
    err = problems("", header=text.replace("\n", "\r\n", 1))
    assert err.problems[0].startswith("row 3, column segment: 'gold'")
    book = parse_csv((HEADER + 'A1,key,5,,2026-02-01,,,,"Ruiz, Ana"\r\n').encode(), as_of=AS_OF)
    assert book.loc[0, "owner"] == "Ruiz, Ana"


def test_latin1_file_is_refused_naming_utf8():
    data = (HEADER + "A1,key,5,,2026-02-01,,,,Zoë\n").encode("latin-1")
    with pytest.raises(PortfolioError, match=r"not UTF-8 text \(byte 0xeb on line 2\)"):
        parse_csv(data, source="crm.csv")


def test_utf16_file_is_refused():
    data = codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le")
    with pytest.raises(PortfolioError, match="UTF-16"):
        parse_csv(data)


def test_workbook_is_refused():
    with pytest.raises(PortfolioError, match="workbook, not CSV"):
        parse_csv(b"PK\x03\x04 rest of a zip file")


@pytest.mark.parametrize("sep, name", [(";", "semicolon"), ("\t", "tab")])
def test_other_delimiters_are_named(sep, name):
    text = sep.join(["account_id", "segment", "arr"]) + "\n" + sep.join(["A", "key", "5"]) + "\n"
    with pytest.raises(PortfolioError, match=f"looks {name}-separated.*use commas"):
        parse_csv(text)


@pytest.mark.parametrize(
    "text, message", [("", "the file is empty"), ("\n \n", "empty"), (HEADER, "no account rows")]
)
def test_empty_files(text, message):
    with pytest.raises(PortfolioError, match=message):
        parse_csv(text, source="x.csv")


def test_row_with_too_many_values_names_the_row():
    err = problems("A1,key,5,,2026-02-01,,,,Ana\nA2,key,5,,2026-02-01,,,,Ann,Lee\n")
    assert err.problems == [
        "row 3, column (all): 10 values but the header has 9 columns "
        "(a comma inside a value? put the value in double quotes)"
    ]


def test_blank_lines_keep_spreadsheet_row_numbers():
    err = problems("A1,key,5,,2026-02-01,,,,\n\nA2,gold,5,,2026-02-01,,,,\n")
    assert err.problems[0].startswith("row 4, column segment: 'gold'")


def test_cells_keep_known_columns_stripped_and_pad_short_records():
    cells, rows = read_cells("ID,Tier,ARR,Region,health\n A1 ,SMB,5\n\nA2,key,7,North,80\n")
    assert list(cells.columns) == ["account_id", "segment", "arr", "health"]
    assert cells.values.tolist() == [["A1", "SMB", "5", ""], ["A2", "key", "7", "80"]]
    assert rows == [2, 4]


def test_two_names_for_one_column_are_refused():
    with pytest.raises(PortfolioError, match="columns 'end_date' and 'renewal_date' both mean"):
        read_cells("account_id,segment,arr,end_date,renewal_date\nA,key,5,2026-01-01,\n")


def test_trailing_empty_cells_are_harmless():
    cells, _ = read_cells("account_id,segment,arr\nA1,key,5,,\n")
    assert cells.values.tolist() == [["A1", "key", "5"]]
