"""Account files from people: odd files, odd cells, absurd values -- a PortfolioError, always.

Each column's table of bad values is in ``tests/test_bad_input.py``; here are the file-level
edge cases, the limits (ARR, dates), short messages for huge cells, and hypothesis feeding
junk bytes and junk text to the reader.
"""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.io.portfolio import PortfolioError, as_of_date, parse_csv, read_csv
from simkit.io.portfolio_columns import MAX_ARR
from tests.io.helpers import parse, problems

GOOD = "account_id,segment,arr,contract_end\nA1,key,5,2026-06-30\n"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"   \n\n \n", "the file is empty"),
        (b",,,\n,,,\n", "only empty cells"),
        (b" , ,\n,,\n", "only empty cells"),
        (codecs.BOM_UTF8, "the file is empty"),
        (codecs.BOM_UTF8 + b"account_id,segment,arr\n", "header but no account rows"),
        (b"account_id,segment,arr\n,,\n", "header but no account rows"),
        (GOOD.encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest of a zip", "workbook"),
        (b"\xd0\xcf\x11\xe0old excel", "workbook"),
        ("Zoë,key,5\n".encode("latin-1"), "not UTF-8"),
        (b"account_id,segment,arr\nA1,key,5\x00\n", "binary data (a NUL byte on line 2)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b"GIF89a,,\x00\x00\x00", "binary data"),
        (b"account_id;segment;arr\nA1;key;5\n", "semicolon-separated"),
        (b"account_id\tsegment\tarr\nA1\tkey\t5\n", "tab-separated"),
        (b"account_id,segment,arr\nA1,key,5,7\n", "4 values but the header has 3 columns"),
        (b'account_id,segment,arr\nA1,key,"' + b"9" * 200_000 + b'"\n', "field larger than"),
        (b"name,region\nx,y\n", "required column 'account_id' is missing"),
        (b"id,account,segment,arr\n1,2,key,5\n", "both mean account_id"),
    ],
)
def test_odd_files_are_one_clear_error(data, words):
    with pytest.raises(PortfolioError) as info:
        parse_csv(data, as_of="2026-01-01", source="c.csv")
    text = str(info.value)
    assert words in text and text.startswith("c.csv: ")
    assert len(text) < 300


def test_the_reproduction_of_issue_17(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b",,,\n,,,\n")
    with pytest.raises(PortfolioError, match="only empty cells"):
        read_csv(path)


def test_folders_missing_and_huge_files(tmp_path, monkeypatch):
    with pytest.raises(PortfolioError, match="is a folder"):
        read_csv(tmp_path)
    with pytest.raises(PortfolioError, match="no such file"):
        read_csv(tmp_path / "nope.csv")
    monkeypatch.setattr("simkit.io.portfolio.MAX_FILE_BYTES", 10)
    (tmp_path / "big.csv").write_text(GOOD)
    with pytest.raises(PortfolioError, match="more than an account list can be"):
        read_csv(tmp_path / "big.csv")
    with pytest.raises(PortfolioError, match="more than an account list can be"):
        parse_csv(GOOD, as_of="2026-01-01")


def test_arr_is_capped_at_a_documented_maximum():
    assert parse(f"A1,key,{MAX_ARR:.0f},,2026-06-30,,,,\n").loc[0, "arr"] == MAX_ARR
    for value in ("1e308", "100000000001", "1e12"):
        err = problems(f"A1,key,{value},,2026-06-30,,,,\n")
        assert err.problems == [
            f"row 2, column arr: {value} is more than the largest ARR accepted, "
            "100,000,000,000 (a misplaced decimal point?)"
        ]
    for value in ("inf", "nan", "1e400", "-inf"):
        assert "is not a number" in problems(f"A1,key,{value},,2026-06-30,,,,\n").problems[0]


@pytest.mark.parametrize(
    ("date", "words"),
    [
        ("2027", "is not a date"),
        ("20270331", "is not a date"),
        ("2027-3-31", "is not a date"),
        ("31/03/2027", "is not a date"),
        ("2027-02-30", "is not a date"),
        ("2999-01-01", "more than 10 years after the as-of date 2026-01-01"),
        ("2036-01-02", "more than 10 years after the as-of date 2026-01-01"),
        ("1066-10-14", "is before 1900"),
    ],
)
def test_dates_are_iso_and_within_reason(date, words):
    err = problems(f"A1,key,5,,{date},,,,\n")
    assert err.problems[0].startswith("row 2, column contract_end: ")
    assert words in err.problems[0]


def test_dates_at_the_limits_and_with_a_time_of_day_are_fine():
    book = parse("A1,key,5,,2036-01-01,,,,\nA2,key,5,2025-06-30 09:15,2026-06-30T00:00:00,,,,\n")
    assert book["days_to_renewal"].tolist() == [3652.0, 180.0]


@pytest.mark.parametrize("as_of", ["2027", "20270331", "31/03/2027", "tomorrow", "1850-01-01"])
def test_as_of_dates_are_iso_too(as_of):
    with pytest.raises(ValueError, match="as_of must be a date"):
        as_of_date(as_of)


def test_huge_cells_are_quoted_briefly():
    err = problems("A1," + "g" * 100_000 + ",5,,2026-06-30,,,,\n")
    assert len(str(err)) < 300 and "..." in str(err)
    err = problems("A1,key,5,,2026-06-30,,," + "s" * 100_000 + ",\n")
    assert len(str(err)) < 300 and "column stage: 'sss" in str(err)


# -- random input (hypothesis) ------------------------------------------------------------
def _only_portfolio_errors(data: bytes | str) -> None:
    try:
        book = parse_csv(data, as_of="2026-01-01", source="junk.csv")
    except PortfolioError as exc:
        assert str(exc).startswith("junk.csv: ")
        return
    assert book["arr"].between(0, MAX_ARR).all()


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_junk_bytes_give_a_portfolio_error_only(data):
    _only_portfolio_errors(data)


CELLS = st.sampled_from(
    ["A1", "A2", "key", "SMB", "gold", "5", "-5", "1e308", "nan", "inf", "$1,200", "", " ",
     "2026-06-30", "2027", "2999-01-01", "customer", "prospect", "churned", '"', "\r", "\x00"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(CELLS, max_size=6), max_size=6))
def test_junk_tables_give_a_portfolio_error_only(rows):
    header = "account_id,segment,arr,contract_end,stage\n"
    _only_portfolio_errors(header + "\n".join(",".join(r) for r in rows))
