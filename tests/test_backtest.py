"""The default scenario still gives the stored results (see tests/backtest.py to regenerate)."""

import pandas as pd
import pytest

from tests import backtest


@pytest.fixture(scope="module")
def fresh():
    return backtest.compute()


def test_summary_matches_stored(fresh):
    stored = pd.read_csv(backtest.SUMMARY_CSV)
    pd.testing.assert_frame_equal(fresh[0], stored, check_dtype=False, rtol=1e-9)


def test_event_counts_match_stored(fresh):
    stored = pd.read_csv(backtest.EVENTS_CSV)
    pd.testing.assert_frame_equal(fresh[1], stored, check_dtype=False)
