"""The vocabulary of an account file (simkit.io.portfolio_columns)."""

import pandas as pd
import pytest

from simkit.engine.scenario import SEGMENTS
from simkit.io.portfolio_columns import (
    BOOK_STAGES,
    COLUMN_ALIASES,
    OPTIONAL,
    REQUIRED,
    SEGMENT_ALIASES,
    STAGE_ALIASES,
    column_name,
    lookup,
    normalise,
)


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("Account ID", "account_id"),
        ("  Mid-Market ", "mid_market"),
        ("contract.end/date", "contract_end_date"),
        ("--health  score--", "health_score"),
        ("ARR", "arr"),
    ],
)
def test_normalise(text, norm):
    assert normalise(text) == norm


def test_every_synonym_points_at_a_real_name():
    assert set(COLUMN_ALIASES.values()) <= set(REQUIRED + OPTIONAL)
    assert set(SEGMENT_ALIASES.values()) <= set(SEGMENTS)
    assert set(STAGE_ALIASES.values()) <= set(BOOK_STAGES)
    # a synonym is itself normalised, or it could never match
    for aliases in (COLUMN_ALIASES, SEGMENT_ALIASES, STAGE_ALIASES):
        assert all(normalise(a) == a for a in aliases)


def test_column_names():
    assert column_name("Renewal Date") == "contract_end"
    assert column_name("Account Manager") == "owner"
    assert column_name("Region") == "region"  # unknown: kept, later ignored


def test_lookup_keeps_the_index_and_marks_unknown_values():
    text = pd.Series(["SMB", "Key Account", "", "gold", "SMB"], index=[5, 6, 7, 8, 9])
    got = lookup(text, SEGMENTS, SEGMENT_ALIASES)
    assert got.index.tolist() == [5, 6, 7, 8, 9]
    assert got.tolist() == ["small", "key", None, None, "small"]
