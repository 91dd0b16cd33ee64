"""Tests for simkit.io.portfolio: reading an account list into a starting book."""

from __future__ import annotations

import codecs
import csv
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simkit.cli import app
from simkit.engine.model import BOOK_COLUMNS, simulate
from simkit.engine.scenario import DAYS_PER_MONTH, SEGMENTS, default_scenario
from simkit.engine.strategies import BUILT_IN
from simkit.experiments.runner import compare
from simkit.io.portfolio import (
    EXAMPLE_AS_OF,
    MAX_LISTED,
    PortfolioError,
    book_summary,
    example_path,
    parse_csv,
    read_csv,
    scenario_for,
)

AS_OF = "2026-01-01"
HEADER = "account_id,segment,arr,contract_start,contract_end,term_months,health,stage,owner\n"


def parse(body: str, header: str = HEADER, **kw) -> pd.DataFrame:
    return parse_csv(header + body, as_of=kw.pop("as_of", AS_OF), **kw)


def problems(body: str, header: str = HEADER, **kw) -> PortfolioError:
    with pytest.raises(PortfolioError) as info:
        parse(body, header, **kw)
    return info.value


# -- the example file ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def example() -> pd.DataFrame:
    return read_csv(example_path(), as_of=EXAMPLE_AS_OF)


def test_example_has_every_row_in_file_order(example):
    with open(example_path(), encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert 60 <= len(rows) <= 200
    assert list(example["account_id"]) == [r["account_id"] for r in rows]
    assert list(example["owner"]) == [r["owner"] for r in rows]
    assert np.allclose(example["arr"], [float(r["arr"].replace(",", "")) for r in rows])


def test_example_book_has_engine_columns(example):
    assert set(BOOK_COLUMNS) <= set(example.columns)
    assert {"account_id", "owner"} <= set(example.columns)
    assert set(example["segment"]) == set(SEGMENTS)
    assert set(example["stage"]) == {"prospect", "customer", "loyal"}
    assert example["health"].isna().any() and example["health"].notna().any()
    assert (example["term_months"] >= 1).all()
    assert example.attrs["as_of"] == EXAMPLE_AS_OF


def test_example_is_a_realistic_mix(example):
    counts = example["segment"].value_counts()
    assert counts["key"] < counts["enterprise"] < counts["mid_market"] < counts["small"]
    median = example.groupby("segment")["arr"].median()
    assert median["key"] > median["enterprise"] > median["mid_market"] > median["small"]


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


def test_friendly_column_names_and_extra_columns():
    text = 'ID,Tier,ARR,Renewal Date,Health Score,Account Manager,Region\nA1,SMB,"$1,200",'
    text += "2026-03-01,70,Ana,North\n"
    book = parse_csv(text, as_of=AS_OF)
    row = book.iloc[0]
    assert (row["account_id"], row["segment"], row["arr"]) == ("A1", "small", 1200.0)
    assert (row["health"], row["owner"]) == (70.0, "Ana")
    assert "Region" not in book.columns and "region" not in book.columns


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


def test_as_of_defaults_to_today():
    book = parse_csv("account_id,segment,arr,stage\nP1,small,1,prospect\n")
    assert book.attrs["as_of"] == pd.Timestamp.today().date().isoformat()


def test_bad_as_of_is_refused():
    with pytest.raises(ValueError, match="as_of must be a date written YYYY-MM-DD"):
        parse("P1,small,1,,,,,prospect,\n", as_of="31/12/2025")


# -- encodings and shapes -----------------------------------------------------------------
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


def test_missing_required_columns_are_all_named():
    err = problems("A1,2026-01-01\n", header="account_id,contract_end\n")
    text = str(err)
    assert "required column 'segment' is missing" in text
    assert "required column 'arr' is missing" in text
    assert err.total == 2


def test_row_with_too_many_values_names_the_row():
    err = problems("A1,key,5,,2026-02-01,,,,Ana\nA2,key,5,,2026-02-01,,,,Ann,Lee\n")
    assert err.problems == [
        "row 3, column (all): 10 values but the header has 9 columns "
        "(a comma inside a value? put the value in double quotes)"
    ]


def test_blank_lines_keep_spreadsheet_row_numbers():
    err = problems("A1,key,5,,2026-02-01,,,,\n\nA2,gold,5,,2026-02-01,,,,\n")
    assert err.problems[0].startswith("row 4, column segment: 'gold'")


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


# -- summaries and scenarios ----------------------------------------------------------------
def test_book_summary_counts(example):
    s = book_summary(example, within_days=90)
    active = example["stage"] != "prospect"
    soon = active & (example["days_to_renewal"] <= 90)
    assert s.loc["total", "renewals_90d"] == soon.sum()
    assert s.loc["total", "arr"] == pytest.approx(example.loc[active, "arr"].sum())
    for seg in SEGMENTS:
        assert s.loc[seg, "accounts"] == (example["segment"] == seg).sum()


def test_scenario_for_matches_the_book(example):
    sc = scenario_for(example)
    for seg in SEGMENTS:
        assert sc.portfolio.segment(seg).count == (example["segment"] == seg).sum()
    assert sc.warmup_years == 0 and sc.start == "book"
    base = default_scenario()
    ratio = len(example) / base.portfolio.total_accounts
    assert sc.pipeline.prospects_per_month == pytest.approx(
        base.pipeline.prospects_per_month * ratio
    )
    assert sc.team == base.team


@pytest.fixture(scope="module")
def short(example):
    return scenario_for(example).update({"horizon_years": 0.5})


@pytest.mark.parametrize("strategy", [*BUILT_IN, "cs+proactive"])
def test_imported_book_runs_with_every_built_in_strategy(example, short, strategy):
    res = simulate(short, strategy, 0, book=example)
    init = res.events[res.events["event"] == "init"].set_index("account")
    assert len(init) == len(example)
    assert list(init["segment"].astype(str)) == list(example["segment"])
    active = (example["stage"] != "prospect").to_numpy()
    assert np.allclose(init["arr"].to_numpy()[active], example["arr"].to_numpy()[active])
    given_health = example["health"].notna().to_numpy()
    assert np.allclose(
        init["health"].to_numpy()[given_health], example["health"].to_numpy()[given_health]
    )
    assert not res.events["time"].lt(0).any()


def test_imported_book_is_deterministic_and_compares(example, short):
    a = simulate(short, "proactive", 1, book=example)
    b = simulate(short, "proactive", 1, book=example)
    pd.testing.assert_frame_equal(a.events, b.events)
    cmp = compare(short, ["reactive", "customer_success"], replications=1, jobs=1, book=example)
    assert set(cmp.runs["strategy"]) == {"reactive", "customer_success"}
    assert (cmp.runs["accounts_start"] > 0).all()


# -- the command line -----------------------------------------------------------------------
runner = CliRunner()


def test_cli_import_prints_a_summary():
    result = runner.invoke(app, ["import", str(example_path()), "--as-of", EXAMPLE_AS_OF])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "120 accounts as of 2026-10-01" in result.output
    assert "renewals in the next 90 days" in result.output


def test_cli_import_writes_a_scenario(tmp_path):
    out = tmp_path / "mine.toml"
    args = ["import", str(example_path()), "--as-of", EXAMPLE_AS_OF, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    from simkit.engine.scenario import load_scenario

    sc = load_scenario(out)
    assert sc.portfolio.total_accounts == 120 and sc.warmup_years == 0


def test_cli_import_lists_problems_and_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,gold,5,,2026-02-01,,,,\nA1,key,-3,,2026-02-01,,,,\n")
    out = tmp_path / "never.toml"
    result = runner.invoke(app, ["import", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "3 problems" in result.stderr
    assert "row 2, column segment" in result.stderr
    assert "row 3, column arr" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


def test_cli_import_refuses_bad_out_suffix_before_writing(tmp_path):
    out = tmp_path / "scenario.txt"
    result = runner.invoke(app, ["import", str(example_path()), "--out", str(out)])
    assert result.exit_code == 2 and "--out must end in .toml" in result.stderr
    assert not out.exists()
