"""From cells to the book (simkit.io.portfolio_rows): spellings, dates, every row problem."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.engine.scenario import DAYS_PER_MONTH
from simkit.io.portfolio import MAX_LISTED, parse_csv
from simkit.io.portfolio_rows import parse_date, parse_number
from tests.io.helpers import AS_OF, parse, problems


# -- columns, spellings and dates ---------------------------------------------------------
@pytest.mark.parametrize(
    "spelling, segment",
    [
        ("Key", "key"),
        ("key account", "key"),
        ("Strategic", "key"),
        ("ENTERPRISE", "enterprise"),
        ("Mid-Market", "mid_market"),
        ("mid market", "mid_market"),
        ("midmarket", "mid_market"),
        ("SMB", "small"),
        (" small ", "small"),
    ],
)
def test_friendly_segment_spellings(spelling, segment):
    book = parse(f"A1,{spelling},100,,2026-06-30,,,,\n")
    assert book.loc[0, "segment"] == segment


def test_days_to_renewal_and_tenure_from_dates():
    book = parse("A1,key,100,2025-07-01,2026-07-01,,,,\n")
    assert book.loc[0, "days_to_renewal"] == 181  # 2026-01-01 -> 2026-07-01
    assert book.loc[0, "tenure_days"] == 184  # 2025-07-01 -> 2026-01-01
    assert book.loc[0, "term_months"] == 12  # from the dates


def test_term_from_dates_when_not_given():
    book = parse("A1,key,100,2025-01-01,2027-01-01,,,,\n")
    assert book.loc[0, "term_months"] == 24


def test_given_term_wins_over_dates():
    book = parse("A1,key,100,2025-01-01,2027-01-01,12,,,\n")
    assert book.loc[0, "term_months"] == 12


def test_start_only_rolls_to_the_next_renewal():
    book = parse("A1,small,100,2024-03-01,,12,,,\n")  # renews every 1 March
    expected = 2 * 12 * DAYS_PER_MONTH - (pd.Timestamp(AS_OF) - pd.Timestamp("2024-03-01")).days
    assert book.loc[0, "days_to_renewal"] == pytest.approx(expected)
    assert book.loc[0, "tenure_days"] == (pd.Timestamp(AS_OF) - pd.Timestamp("2024-03-01")).days


def test_past_end_date_is_rolled_forward_and_noted():
    book = parse("A1,small,100,,2025-12-22,12,,,\n")  # ended 10 days before as_of
    assert book.loc[0, "days_to_renewal"] == pytest.approx(12 * DAYS_PER_MONTH - 10)
    assert "1 contract(s) ended before 2026-01-01" in book.attrs["notes"][0]


def test_tenure_without_start_counts_from_the_current_term():
    book = parse("A1,small,100,,2026-04-01,12,,,\n")
    assert book.loc[0, "tenure_days"] == pytest.approx(12 * DAYS_PER_MONTH - 90)


def test_customer_since_gives_the_tenure():
    header = "account_id,segment,arr,customer_since,contract_start,contract_end\n"
    book = parse("A1,key,100,2020-01-01,2025-07-01,2026-07-01\n", header=header)
    assert book.loc[0, "tenure_days"] == (pd.Timestamp(AS_OF) - pd.Timestamp("2020-01-01")).days


def test_defaults_for_optional_columns():
    book = parse_csv("account_id,segment,arr,contract_end\nA1,key,5,2026-02-01\n", as_of=AS_OF)
    row = book.iloc[0]
    assert row["stage"] == "customer" and row["owner"] == "unassigned"
    assert math.isnan(row["health"]) and row["term_months"] == 12


def test_prospects_need_no_contract():
    book = parse("P1,small,0,,,,,prospect,\n")
    row = book.iloc[0]
    assert (row["stage"], row["days_to_renewal"], row["tenure_days"]) == ("prospect", 0, 0)


def test_missing_required_columns_are_all_named():
    err = problems("A1,2026-01-01\n", header="account_id,contract_end\n")
    text = str(err)
    assert "required column 'segment' is missing" in text
    assert "required column 'arr' is missing" in text
    assert err.total == 2


# -- row problems ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "row, column, words",
    [
        ("A1,gold,5,,2026-02-01,,,,", "segment", "'gold' is not a segment; use key, enterprise"),
        ("A1,,5,,2026-02-01,,,,", "segment", "is empty"),
        ("A1,key,-5,,2026-02-01,,,,", "arr", "-5 is negative; ARR must be >= 0"),
        ("A1,key,lots,,2026-02-01,,,,", "arr", "'lots' is not a number"),
        ("A1,key,,,2026-02-01,,,,", "arr", "is empty"),
        ("A1,key,5,2026-03-01,2026-02-01,,,,", "contract_end", "is not after contract_start"),
        ("A1,key,5,,01/02/2026,,,,", "contract_end", "is not a date; write dates as YYYY-MM-DD"),
        ("A1,key,5,,2026-02-01,,101,,", "health", "101 is outside 0-100"),
        ("A1,key,5,,2026-02-01,,-1,,", "health", "-1 is outside 0-100"),
        ("A1,key,5,,2026-02-01,,good,,", "health", "'good' is not a number"),
        ("A1,key,5,,2026-02-01,,,vip,", "stage", "'vip' is not a stage; use prospect, customer"),
        ("A1,key,5,,2026-02-01,,,churned,", "stage", "former accounts are not part of"),
        ("A1,key,5,,2026-02-01,12.5,,,", "term_months", "not a whole number of months"),
        ("A1,key,5,,2026-02-01,0,,,", "term_months", "not a whole number of months"),
        ("A1,key,5,,,,,,", "contract_end", "a customer needs contract_end"),
        (",key,5,,2026-02-01,,,,", "account_id", "is empty"),
    ],
)
def test_each_row_problem_names_row_column_and_rule(row, column, words):
    err = problems("A0,key,5,,2026-02-01,,,,\n" + row + "\n")
    assert len(err.problems) == 1, err.problems
    assert err.problems[0].startswith(f"row 3, column {column}: ")
    assert words in err.problems[0]
    assert isinstance(err, ValueError)


def test_duplicate_ids_name_the_first_row():
    err = problems("A1,key,5,,2026-02-01,,,,\nA2,key,5,,2026-02-01,,,,\nA1,key,5,,2026-02-01,,,,\n")
    assert err.problems == ["row 4, column account_id: 'A1' is a duplicate (first seen on row 2)"]


def test_all_problems_are_reported_at_once_in_row_order():
    err = problems("A1,gold,5,,2026-02-01,,,,\nA2,key,-1,,2026-02-01,,200,,\nA1,key,5,,,,,,\n")
    assert err.total == 5
    rows = [p.split(",")[0] for p in err.problems]
    assert rows == ["row 2", "row 3", "row 3", "row 4", "row 4"]
    assert str(err).startswith("upload: 5 problems (spreadsheet rows: the header is row 1)")


def test_long_problem_lists_are_capped():
    body = "".join(f"A{i},gold,5,,2026-02-01,,,,\n" for i in range(MAX_LISTED + 30))
    err = problems(body)
    assert err.total == MAX_LISTED + 30
    assert len(err.problems) == MAX_LISTED
    assert str(err).endswith("... and 30 more")


@settings(max_examples=40, deadline=None)
@given(
    end_offset=st.integers(-2000, 2000),
    term=st.sampled_from([1, 3, 12, 24, 36]),
)
def test_renewal_date_is_kept_or_rolled_to_within_one_term(end_offset, term):
    end = (pd.Timestamp(AS_OF) + pd.Timedelta(days=end_offset)).date().isoformat()
    book = parse(f"A1,key,5,,{end},{term},,,\n")
    dtr = book.loc[0, "days_to_renewal"]
    if end_offset >= 0:
        assert dtr == end_offset
    else:  # a past renewal date rolls forward to the next one, less than one term away
        assert 0 <= dtr < term * DAYS_PER_MONTH


def test_numbers_may_carry_currency_and_thousands_separators():
    text = pd.Series(["12", "$12,000.50", "€ 1 200", "1,2", "1,2345", "", "lots", "inf"])
    got = parse_number(text).tolist()
    assert got[:3] == [12.0, 12000.5, 1200.0]
    assert all(math.isnan(v) for v in got[3:])  # "1,2" is no thousands grouping


def test_only_iso_dates_are_dates():
    got = parse_date(pd.Series(["2026-03-31", "2026-3-31", "31/03/2026", "2026-02-30", ""]))
    assert got.iloc[0] == pd.Timestamp("2026-03-31")
    assert got.iloc[2:].isna().all()
