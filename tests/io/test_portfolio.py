"""Reading an account file (simkit.io.portfolio): the example file, dates, the command line."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.engine.book import BOOK_COLUMNS
from simkit.engine.scenario import SEGMENTS
from simkit.io.portfolio import EXAMPLE_AS_OF, PortfolioError, example_path, parse_csv, read_csv
from tests.io.helpers import HEADER, parse


# -- the example file ---------------------------------------------------------------------
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


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(PortfolioError, match="nowhere.csv: no such file"):
        read_csv(tmp_path / "nowhere.csv")


def test_the_error_shows_where_it_is_imported_from():
    assert f"{PortfolioError.__module__}.{PortfolioError.__qualname__}" == (
        "simkit.io.portfolio.PortfolioError"
    )


def test_as_of_defaults_to_today():
    book = parse_csv("account_id,segment,arr,stage\nP1,small,1,prospect\n")
    assert book.attrs["as_of"] == pd.Timestamp.today().date().isoformat()


def test_bad_as_of_is_refused():
    with pytest.raises(ValueError, match="as_of must be a date written YYYY-MM-DD"):
        parse("P1,small,1,,,,,prospect,\n", as_of="31/12/2025")


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
