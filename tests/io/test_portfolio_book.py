"""Using an imported book (simkit.io.portfolio_book): its scenario, summary and runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS, default_scenario
from simkit.engine.strategies import BUILT_IN
from simkit.experiments.compare import compare
from simkit.io.portfolio_book import book_summary, describe, format_money, scenario_for
from tests.io.helpers import parse

SMALL_BOOK = (
    "A1,key,100000,,2026-02-15,,,,Ana\n"  # renews in 45 days
    "A2,key,50000,,2026-06-01,,,loyal,Ana\n"  # in 151 days
    "A3,small,2000,,2026-03-01,,,,Ben\n"  # in 59 days
    "P1,small,900,,,,,prospect,Ben\n"  # a prospect: no ARR yet, no renewal
)


def test_book_summary_on_a_book_of_known_accounts():
    s = book_summary(parse(SMALL_BOOK), within_days=90)
    assert s.loc["key"].tolist() == [2, 2, 0, 150_000.0, 1, 100_000.0]
    assert s.loc["small"].tolist() == [2, 1, 1, 2_000.0, 1, 2_000.0]
    assert s.loc["total"].tolist() == [4, 3, 1, 152_000.0, 2, 102_000.0]
    assert s.loc["enterprise"].sum() == 0
    later = book_summary(parse(SMALL_BOOK), within_days=180)
    assert later.loc["total", "renewals_180d"] == 3


def test_book_summary_of_the_example_adds_up(example):
    s = book_summary(example, within_days=90)
    assert s.loc["total", "accounts"] == len(example)
    assert s.loc["total", "customers"] + s.loc["total", "prospects"] == len(example)
    assert s.drop(index="total").sum().tolist() == pytest.approx(s.loc["total"].tolist())


def test_describe_a_book_of_known_accounts():
    text = describe(parse(SMALL_BOOK))
    lines = text.splitlines()
    assert lines[0] == "4 accounts as of 2026-01-01 (3 customers, 1 prospects); ARR 152k"
    assert lines[1] == "renewals in the next 90 days: 2 (102k ARR)"
    assert lines[3].split() == ["key", "2", "150k", "1"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(4_970_000, "4.97M"), (631_200, "631k"), (999.6, "1000"), (950, "950"), (-2_500, "-2k")],
)
def test_format_money(value, text):
    assert format_money(value) == text
    assert format_money(float("nan")) == "n/a"


def test_scenario_for_a_book(example):
    sc = scenario_for(example)
    counts = example["segment"].value_counts()
    assert [sc.portfolio.segment(seg).count for seg in SEGMENTS] == [counts[s] for s in SEGMENTS]
    assert sc.warmup_years == 0 and sc.start == "book"
    assert sc.name.startswith("portfolio.csv: 120 accounts as of 2026-10-01")
    assert sc.team == default_scenario().team  # the team is yours to set


def test_a_book_half_the_base_size_gets_half_the_prospects(example):
    half = {f"portfolio.{s}.count": 60 for s in SEGMENTS}  # 240 accounts: twice the book's 120
    base = default_scenario().update({**half, "pipeline.prospects_per_month": 10.0})
    assert scenario_for(example, base).pipeline.prospects_per_month == pytest.approx(5.0)
    fixed = scenario_for(example, base, scale_pipeline=False)
    assert fixed.pipeline.prospects_per_month == 10.0


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
