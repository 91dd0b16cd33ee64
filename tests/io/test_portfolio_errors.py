"""Reporting every problem of an account file at once (simkit.io.portfolio_errors)."""

import numpy as np
import pytest

from simkit.io.portfolio_errors import MAX_LISTED, PortfolioError, ProblemList


def test_one_file_problem_is_one_line():
    err = PortfolioError("crm.csv", ["the file is empty"])
    assert str(err) == "crm.csv: the file is empty"
    assert isinstance(err, ValueError) and err.total == 1


def test_problems_are_listed_by_row_then_column_file_problems_first():
    p = ProblemList()
    rows = np.array([2, 3, 4])
    p.rows(np.array([False, True, True]), rows, "health", lambda i: "bad health")
    p.rows(np.array([False, False, True]), rows, "segment", lambda i: "bad segment")
    p.rows(np.array([True, False, False]), rows, "arr", lambda i: f"bad arr at {i}")
    p.file("required column 'arr' is missing")
    with pytest.raises(PortfolioError) as info:
        p.raise_if_any("crm.csv")
    assert info.value.problems == [
        "required column 'arr' is missing",
        "row 2, column arr: bad arr at 0",
        "row 3, column health: bad health",
        "row 4, column segment: bad segment",  # segment comes before health in a row
        "row 4, column health: bad health",
    ]
    assert str(info.value).startswith("crm.csv: 5 problems (spreadsheet rows: the header is row 1)")


def test_no_problems_raise_nothing():
    p = ProblemList()
    p.rows(np.zeros(3, bool), np.array([2, 3, 4]), "arr", lambda i: "never said")
    p.raise_if_any("crm.csv")
    assert p.total == 0


def test_long_lists_are_capped_and_only_the_listed_ones_are_worded():
    p, worded = ProblemList(), []

    def say(i):
        worded.append(i)
        return "bad"

    n = MAX_LISTED + 30
    p.rows(np.ones(n, bool), np.arange(2, n + 2), "arr", say)
    assert len(worded) == MAX_LISTED
    with pytest.raises(PortfolioError) as info:
        p.raise_if_any("big.csv")
    assert info.value.total == n and len(info.value.problems) == MAX_LISTED
    assert str(info.value).endswith("... and 30 more")
