"""Shared pieces of the portfolio tests: a date, a header, and parsing a few rows."""

from __future__ import annotations

import pandas as pd
import pytest

from simkit.io.portfolio import PortfolioError, parse_csv

AS_OF = "2026-01-01"
HEADER = "account_id,segment,arr,contract_start,contract_end,term_months,health,stage,owner\n"


def parse(body: str, header: str = HEADER, **kw) -> pd.DataFrame:
    """The book of ``header + body`` as of :data:`AS_OF` (unless ``as_of`` is given)."""
    return parse_csv(header + body, as_of=kw.pop("as_of", AS_OF), **kw)


def problems(body: str, header: str = HEADER, **kw) -> PortfolioError:
    """The error that reading ``header + body`` raises."""
    with pytest.raises(PortfolioError) as info:
        parse(body, header, **kw)
    return info.value
