"""Fixtures of the io tests."""

import pandas as pd
import pytest

from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv


@pytest.fixture(scope="module")
def example() -> pd.DataFrame:
    """The example portfolio shipped in examples/portfolio.csv, as of its own date."""
    return read_csv(example_path(), as_of=EXAMPLE_AS_OF)
