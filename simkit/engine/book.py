"""The starting book: the accounts a run begins with.

A run starts either from a book *sampled* from the scenario (counts, ARR spread, mixed
tenures, health and renewal dates by segment) or from an *imported* account list -- a
manager's own portfolio read by :func:`simkit.io.portfolio.read_csv` -- with the columns
:data:`BOOK_COLUMNS`.

Either way the result is a list of :class:`Opening` records -- plain facts about each
account at the start (segment, stage, ARR, contract and health) -- which the model turns into
live accounts. Sampling draws only from the ``"portfolio"`` stream, so every strategy run with
the same seed starts from the same book (common random numbers).

>>> from simkit.engine.scenario import default_scenario
>>> from simkit.engine.streams import Streams
>>> sc = default_scenario()
>>> book = sampled_book(sc, Streams(sc.seed, 0).generator("portfolio"))
>>> len(book) == sc.portfolio.total_accounts
True
>>> sorted({o.stage for o in book})
['customer', 'loyal']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simkit.engine.rules import becomes_loyal
from simkit.engine.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, SEGMENTS, Scenario

MEAN_TENURE_YEARS = 3.0
"""Mean tenure of a sampled starting book's accounts (exponential): an assumption that gives a
mix of young and long-standing relationships (see docs/model.md)."""


@dataclass(frozen=True)
class Opening:
    """One account as a run starts: the facts the model needs to bring it to life.

    ``stage`` is ``"prospect"``, ``"customer"`` or ``"loyal"``; for a prospect ``arr`` is the
    deal's potential ARR. ``contract_end`` is days from the start to the current contract's
    end; ``customer_since`` days relative to the start (negative: before it).
    """

    segment: str
    stage: str
    arr: float
    term_days: float
    health: float
    renewals: int = 0
    customer_since: float = 0.0
    contract_end: float = 0.0


def sampled_book(scenario: Scenario, gen: np.random.Generator) -> list[Opening]:
    """A starting book drawn from the scenario's portfolio, segment by segment.

    ARR is log-normal around the segment median. In a ``"book"`` start, tenures are
    exponential (mean :data:`MEAN_TENURE_YEARS`), so renewal dates spread over the term and
    accounts that renewed often enough while healthy start loyal; in a ``"cohort"`` start (and
    in theory mode) every account is a brand-new customer at day 0.
    """
    b = scenario.behaviour
    cohort = scenario.start == "cohort" or scenario.theory is not None
    out: list[Opening] = []
    for segment in SEGMENTS:
        spec = scenario.portfolio.segment(segment)
        n = spec.count
        if n == 0:
            continue
        arr = spec.arr_median * np.exp(spec.arr_sigma * gen.standard_normal(n))
        term = spec.term_months * DAYS_PER_MONTH
        tenure = np.zeros(n) if cohort else gen.exponential(MEAN_TENURE_YEARS * DAYS_PER_YEAR, n)
        health = np.clip(gen.normal(b.initial_health_mean, b.initial_health_sd, n), 1, 99)
        for i in range(n):
            h = b.new_customer_health if cohort else float(health[i])
            renewals = int(tenure[i] // term)
            loyal = not cohort and becomes_loyal(renewals, h, b.loyalty_renewals, b.loyalty_health)
            out.append(
                Opening(
                    segment=segment,
                    stage="loyal" if loyal else "customer",
                    arr=float(arr[i]),
                    term_days=term,
                    health=h,
                    renewals=renewals,
                    customer_since=-float(tenure[i]),
                    contract_end=term - float(tenure[i] % term),
                )
            )
    return out


def imported_book(
    book: pd.DataFrame, scenario: Scenario, gen: np.random.Generator
) -> list[Opening]:
    """A starting book from an imported account list (see :func:`check_book`).

    Rows without a health score get one drawn from the scenario's starting-health spread.
    """
    b = scenario.behaviour
    book = check_book(book)
    health = np.clip(gen.normal(b.initial_health_mean, b.initial_health_sd, len(book)), 1, 99)
    out = []
    for i, row in enumerate(book.itertuples(index=False)):
        term = row.term_months * DAYS_PER_MONTH
        h = float(health[i]) if row.health != row.health else float(row.health)  # NaN: sampled
        if row.stage == "prospect":
            out.append(Opening(row.segment, "prospect", float(row.arr), term, h))
            continue
        out.append(
            Opening(
                segment=row.segment,
                stage=row.stage,
                arr=float(row.arr),
                term_days=term,
                health=h,
                renewals=int(row.tenure_days // term),
                customer_since=-float(row.tenure_days),
                contract_end=max(float(row.days_to_renewal), 1e-6),
            )
        )
    return out


BOOK_COLUMNS = (
    "segment",
    "arr",
    "stage",
    "term_months",
    "days_to_renewal",
    "tenure_days",
    "health",
)
"""Columns of an imported starting book (built by :func:`simkit.io.portfolio.read_csv`)."""


def check_book(book: pd.DataFrame) -> pd.DataFrame:
    """``book`` with a fresh index if it is a valid starting book, else a ``ValueError``
    naming what is wrong (columns, stages, segments, negative values)."""
    missing = [c for c in BOOK_COLUMNS if c not in book.columns]
    if missing:
        raise ValueError(f"book is missing column(s) {missing}; expected {list(BOOK_COLUMNS)}")
    bad_stage = set(book["stage"]) - {"prospect", "customer", "loyal"}
    if bad_stage:
        raise ValueError(f"book stage must be prospect, customer or loyal, got {sorted(bad_stage)}")
    bad_seg = set(book["segment"]) - set(SEGMENTS)
    if bad_seg:
        raise ValueError(f"book segment must be one of {SEGMENTS}, got {sorted(bad_seg)}")
    if (
        (book["arr"] < 0).any()
        or (book["term_months"] < 1).any()
        or (book["days_to_renewal"] < 0).any()
    ):
        raise ValueError("book arr and days_to_renewal must be >= 0 and term_months >= 1")
    return book.reset_index(drop=True)
