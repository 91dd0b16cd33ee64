"""The vocabulary of an account file: its columns, and the spellings each value may take.

People export account lists from many CRMs and spreadsheets, so the reader is forgiving
about *spelling* and strict about *meaning*. A header or a value is first normalised
(:func:`normalise`: lower case, spaces, hyphens, dots and slashes turned into ``_``), then
looked up among the canonical names and their synonyms:

* columns: :data:`REQUIRED` and :data:`OPTIONAL`, synonyms in :data:`COLUMN_ALIASES`
  (``Renewal Date`` -> ``contract_end``);
* segments: the scenario's segments, synonyms in :data:`SEGMENT_ALIASES` (``SMB`` ->
  ``small``);
* stages: :data:`BOOK_STAGES`, synonyms in :data:`STAGE_ALIASES` (``client`` ->
  ``customer``). Former customers (:data:`FORMER_STAGES`) are recognised only to be refused
  with a clear message: they pay nothing and are not part of a starting book.

>>> normalise(" Renewal-Date "), column_name("Renewal Date"), column_name("Region")
('renewal_date', 'contract_end', 'region')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from simkit.engine.scenario import MAX_ACCOUNT_ARR

REQUIRED = ("account_id", "segment", "arr")
"""Columns every account file must have."""

OPTIONAL = (
    "customer_since",
    "contract_start",
    "contract_end",
    "term_months",
    "health",
    "stage",
    "owner",
)
"""Columns an account file may have; any other column is ignored."""

DEFAULT_TERM_MONTHS = 12
"""Contract length when neither ``term_months`` nor both contract dates say otherwise."""

MAX_TERM_MONTHS = 120
"""The longest contract accepted (ten years)."""

MAX_ARR = MAX_ACCOUNT_ARR
"""The largest ARR accepted for one account (100 billion, the scenario's
:data:`~simkit.engine.scenario.MAX_ACCOUNT_ARR`): far above any real contract, and far
enough below the largest float that no sum of a book's ARR can overflow."""

EARLIEST_DATE = "1900-01-01"
"""Dates before this are refused (a mistyped year, such as 0202 or 1026)."""

MAX_YEARS_AHEAD = 10
"""Dates more than this many years after the as-of date are refused (a mistyped year, such
as 2062 or 2999: a contract that far out would never renew within any simulation)."""

DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
"""How a date must be written: ``YYYY-MM-DD``, optionally followed by a time of day
(``2026-03-31 14:00`` or ``2026-03-31T14:00:00``, as CRM exports often add; the time is
ignored). ``2027``, ``20270331`` and ``31/03/2027`` are not dates."""

BOOK_STAGES = ("prospect", "customer", "loyal")
"""Lifecycle stages an account of a starting book can be in."""

FORMER_STAGES = frozenset({"former", "churned", "lost", "inactive", "cancelled", "canceled"})
"""Stages of accounts that left: refused, since they are not part of a starting book."""

COLUMN_ALIASES: Mapping[str, str] = {
    "id": "account_id",
    "account": "account_id",
    "accountid": "account_id",
    "tier": "segment",
    "client_since": "customer_since",
    "customer_since_date": "customer_since",
    "annual_recurring_revenue": "arr",
    "arr_usd": "arr",
    "start": "contract_start",
    "start_date": "contract_start",
    "contract_start_date": "contract_start",
    "end": "contract_end",
    "end_date": "contract_end",
    "contract_end_date": "contract_end",
    "renewal_date": "contract_end",
    "term": "term_months",
    "contract_term": "term_months",
    "contract_term_months": "term_months",
    "health_score": "health",
    "lifecycle_stage": "stage",
    "account_owner": "owner",
    "account_manager": "owner",
    "manager": "owner",
}
"""Accepted column-name synonyms (after :func:`normalise`)."""

SEGMENT_ALIASES: Mapping[str, str] = {
    "key_account": "key",
    "key_accounts": "key",
    "strategic": "key",
    "ent": "enterprise",
    "large": "enterprise",
    "midmarket": "mid_market",
    "mid": "mid_market",
    "mm": "mid_market",
    "mid_size": "mid_market",
    "midsize": "mid_market",
    "smb": "small",
    "sme": "small",
    "small_business": "small",
    "long_tail": "small",
}
"""Friendly segment spellings (after :func:`normalise`)."""

STAGE_ALIASES: Mapping[str, str] = {
    "lead": "prospect",
    "opportunity": "prospect",
    "active": "customer",
    "client": "customer",
    "advocate": "loyal",
}
"""Friendly stage spellings (after :func:`normalise`)."""

COLUMN_ORDER = {c: i for i, c in enumerate(("(all)", *REQUIRED, *OPTIONAL))}
"""Where each column's problems are listed among a row's problems (whole-row ones first)."""


def normalise(name: str) -> str:
    """A header or a value in canonical form: lower case, runs of spaces, hyphens, dots and
    slashes turned into one ``_``, no ``_`` at either end.

    >>> normalise("Mid-Market"), normalise("Key Account "), normalise("a/b.c")
    ('mid_market', 'key_account', 'a_b_c')
    """
    import re

    return re.sub(r"[\s\-/.]+", "_", name.strip().lower()).strip("_")


def column_name(header: str) -> str:
    """The canonical column a header stands for (itself, normalised, when it is unknown)."""
    norm = normalise(header)
    return COLUMN_ALIASES.get(norm, norm)


def lookup(text: pd.Series, names: tuple[str, ...], aliases: Mapping[str, str]) -> pd.Series:
    """Canonical names of a column of values, None where a value is neither one of ``names``
    nor a synonym in ``aliases``. Each distinct spelling is normalised once, so a column of
    100,000 rows with four segment spellings costs four look-ups.

    >>> lookup(pd.Series(["SMB", "Key", "gold"]), ("key", "small"), {"smb": "small"}).tolist()
    ['small', 'key', None]
    """
    codes, uniques = pd.factorize(text)
    norm = [normalise(v) for v in uniques]
    canon = np.array([v if v in names else aliases.get(v) for v in norm] + [None], dtype=object)
    return pd.Series(canon[codes], index=text.index, dtype=object)
