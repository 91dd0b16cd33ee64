"""Territories: assignment rules, their errors, per-territory random numbers, the merge."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.analysis.summary import run_summary
from simkit.engine.book import sampled_book
from simkit.engine.model import simulate, territory_record
from simkit.engine.results import Results
from simkit.engine.scenario import SEGMENTS, ScenarioError
from simkit.engine.streams import Streams, TerritoryKeys
from simkit.engine.territories import TerritoryError, merge, plan
from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv
from simkit.io.portfolio_book import scenario_for
from tests.helpers import small_scenario


def territories(**changes: object):
    return small_scenario(**{"team.structure": "territories", **changes})


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return read_csv(example_path(), as_of=EXAMPLE_AS_OF)


# ------------------------------------------------------------------ scenario fields
def test_pooled_is_the_default_and_pooled_runs_ignore_territory_fields():
    sc = small_scenario()
    assert sc.team.structure == "pooled" and sc.team.assign == "round_robin"
    a = simulate(sc, "proactive")
    b = simulate(sc.update({"team.assign": "segment", "team.pods": 2}), "proactive")
    assert a.events.equals(b.events)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"team.structure": "regions"}, "team.structure: must be one of"),
        ({"team.assign": "alphabet"}, "team.assign: must be one of"),
        ({"team.pods": 3}, "team.pods: more territories than managers (3 > 2 managers)"),
        ({"team.owners": "Ana"}, "team.owners: must name each of the 2 managers once"),
        ({"team.owners": "Ana, Ana"}, "team.owners: must name each of the 2 managers once"),
    ],
)
def test_bad_team_values_name_the_field(changes, field):
    with pytest.raises(ScenarioError) as err:
        territories(**changes)
    assert field in str(err.value)
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------ assignment rules
def test_round_robin_deals_the_book_like_cards():
    sc = territories(**{"team.managers": 5, "team.pods": 2})
    parts = plan(sc)
    assert [t.managers for t in parts] == [(0, 1, 2), (3, 4)]
    n = sc.portfolio.total_accounts
    assert [t.book.tolist() for t in parts] == [list(range(0, n, 2)), list(range(1, n, 2))]
    # prospects are dealt in proportion to managers: 3/5 and 2/5 of the inflow
    rates = [t.scenario.pipeline.prospects_per_month for t in parts]
    assert rates == pytest.approx([3.0 * 3 / 5, 3.0 * 2 / 5])
    assert [t.scenario.team.managers for t in parts] == [3, 2]


def test_the_book_is_the_pooled_book():
    sc = territories(**{"team.pods": 2})
    whole = sampled_book(sc, Streams(sc.seed, 3).generator("portfolio"))
    parts = plan(sc, 3)
    for t in parts:
        assert t.openings == [whole[i] for i in t.book]


def test_segment_territories_get_their_segment_and_managers_by_workload():
    sc = territories(**{"team.assign": "segment", "team.managers": 10})
    parts = plan(sc)
    assert [t.label for t in parts] == list(SEGMENTS)
    for t in parts:
        assert {o.segment for o in t.openings} == {t.label}
        mix = t.scenario.pipeline.segment_mix
        assert [s for s, w in mix.items() if w > 0] == [t.label]
    hours = [
        sc.portfolio.segment(s).count
        * sc.portfolio.segment(s).issues_per_year
        * sc.portfolio.segment(s).issue_hours
        for s in SEGMENTS
    ]
    managers = [len(t.managers) for t in parts]
    assert sum(managers) == 10 and min(managers) >= 1
    assert managers[int(np.argmax(hours))] == max(managers)  # the busiest segment, most people
    total = sum(t.scenario.pipeline.prospects_per_month for t in parts)
    assert total == pytest.approx(sc.pipeline.prospects_per_month)


def test_segment_with_no_accounts_and_no_prospects_is_no_territory():
    sc = territories(
        **{
            "team.assign": "segment",
            "team.managers": 3,
            "portfolio.key.count": 0,
            "pipeline.segment_mix.key": 0.0,
        }
    )
    assert [t.label for t in plan(sc)] == ["enterprise", "mid_market", "small"]
    with pytest.raises(TerritoryError, match=r"team.pods: .*one territory per segment \(3 here"):
        plan(sc.update({"team.pods": 2}))


def test_owner_territories_follow_the_owner_column(book):
    sc = scenario_for(book).update(
        {"team.structure": "territories", "team.assign": "owner", "team.managers": 6}
    )
    parts = plan(sc, 0, book)
    assert [t.label for t in parts] == sorted(book["owner"].unique())
    for t in parts:
        assert set(book["owner"].iloc[t.book]) == {t.label}
        assert len(t.managers) == 1


def test_owner_names_in_team_owners_number_the_managers(book):
    names = sorted(book["owner"].unique(), reverse=True)
    sc = scenario_for(book).update(
        {
            "team.structure": "territories",
            "team.assign": "owner",
            "team.managers": len(names),
            "team.owners": ", ".join(names),
        }
    )
    res = simulate(sc.update({"horizon_years": 0.25}), "reactive", 0, book)
    start = res.accounts.iloc[: len(book)]
    assert (np.array(names)[start["owner"]] == book["owner"].to_numpy()).all()


def test_unowned_accounts_are_dealt_round_robin(book):
    book = book.copy()
    book.loc[[0, 1, 2], "owner"] = "unassigned"
    sc = scenario_for(book).update(
        {"team.structure": "territories", "team.assign": "owner", "team.managers": 6}
    )
    parts = plan(sc, 0, book)
    homes = [k for i in (0, 1, 2) for k, t in enumerate(parts) if i in t.book]
    assert homes == [0, 1, 2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"team.managers": 4}, "team.managers: more territories than managers (6 territories"),
        ({"team.managers": 6, "team.pods": 2}, "team.pods: assigning by owner makes one"),
        (
            {"team.managers": 2, "team.owners": "Ana Ruiz, Zed"},
            "owner: 'Ben Okafor' (account ",
        ),
    ],
)
def test_owner_errors_are_one_clear_line(book, changes, message):
    sc = scenario_for(book).update(
        {"team.structure": "territories", "team.assign": "owner", **changes}
    )
    with pytest.raises(TerritoryError) as err:
        simulate(sc, "reactive", 0, book)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_owner_needs_an_imported_book_with_owners(book):
    sc = territories(**{"team.assign": "owner"})
    with pytest.raises(TerritoryError, match="team.assign: 'owner' needs an imported book"):
        simulate(sc, "reactive")
    blank = book.assign(owner="unassigned")
    with pytest.raises(TerritoryError, match="at least one owner"):
        plan(scenario_for(blank).update({"team.structure": "territories",
                                         "team.assign": "owner"}), 0, blank)  # fmt: skip


def test_plan_refuses_a_pooled_team():
    with pytest.raises(TerritoryError, match="team.structure is 'pooled'"):
        plan(small_scenario())


# ------------------------------------------------------------------ random numbers
@given(
    st.lists(st.integers(0, 3000), min_size=1, max_size=40, unique=True),
    st.integers(0, 5),
    st.sampled_from(["issues", "pipeline", "surveys", "winback"]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_book_accounts_draw_their_pooled_numbers(ids, territory, purpose):
    ids = sorted(ids)
    pooled = Streams(11, 2).tape(purpose)
    local = Streams(11, 2, TerritoryKeys(territory, ids)).tape(purpose)
    for _ in range(70):  # past the first block, into the refill blocks
        for i, g in enumerate(ids):
            assert local.next(i) == pooled.next(g)


def test_new_prospects_draw_from_their_territorys_own_tape():
    def draws(territory: int, book: list[int]) -> list[float]:
        tape = Streams(5, 0, TerritoryKeys(territory, book)).tape("issues")
        return [tape.next(len(book) + j) for j in range(300) for _ in range(30)]

    assert draws(2, [1, 2, 3]) == draws(2, [7])  # the book does not matter
    assert draws(2, [1]) != draws(3, [1])  # the territory does
    pooled = Streams(5, 0)
    assert Streams(5, 0, TerritoryKeys(1, [])).arrivals.random() != pooled.arrivals.random()


# ------------------------------------------------------------------ the merged run
@pytest.fixture(scope="module")
def run():
    sc = territories(**{"team.managers": 3, "relationships.referral_rate": 0.5})
    return sc, simulate(sc, "cs+proactive", 1)


def test_merged_run_has_every_account_once_with_a_manager(run):
    sc, res = run
    acc = res.accounts
    assert acc["account"].tolist() == list(range(len(acc)))
    assert acc["owner"].between(0, sc.team.managers - 1).all()
    assert set(res.events["account"]) <= set(acc["account"])
    assert res.events["time"].is_monotonic_increasing
    month0 = res.snapshots.query("month == 0")["accounts"].sum()
    arrivals = (res.events["event"] == "arrival").sum()
    assert month0 + arrivals == len(acc)
    referrals = res.events[res.events["event"] == "referral"]
    assert len(referrals)
    arrived = set(res.events.loc[res.events["detail"] == "referral", "account"])
    assert set(referrals["value"].astype(int)) == arrived


def test_merge_does_not_depend_on_the_order_territories_run(run):
    sc, res = run
    parts = plan(sc, 1)
    records = {t.index: territory_record(sc, "cs+proactive", 1, None, t) for t in parts[::-1]}
    merged = Results.from_record(merge(sc, parts, [records[t.index] for t in parts]))
    assert merged.events.equals(res.events)
    assert merged.snapshots.equals(res.snapshots)
    with pytest.raises(ValueError, match="one record per territory"):
        merge(sc, parts, [records[0]])


def test_a_territory_waits_only_for_its_own_managers():
    """More issues among small accounts: pooled, key accounts wait behind them; in
    territories (one manager per segment) the key accounts' story does not change at all."""

    def key_events(structure: str, small_issues: float) -> pd.DataFrame:
        sc = small_scenario(
            **{
                "team.managers": 4,
                "team.structure": structure,
                "team.assign": "segment",
                "portfolio.small.issues_per_year": small_issues,
            }  # fmt: skip
        )
        ev = simulate(sc, "reactive", 0).events
        return ev[ev["segment"] == "key"].reset_index(drop=True)

    assert key_events("territories", 4.0).equals(key_events("territories", 40.0))
    assert not key_events("pooled", 4.0).equals(key_events("pooled", 40.0))


def test_lean_territory_run_summarises_like_the_full_run():
    sc = territories()
    full, lean = simulate(sc, "proactive", 0), simulate(sc, "proactive", 0, record="summary")
    assert full.snapshots.equals(lean.snapshots)
    assert run_summary(full).equals(run_summary(lean))


def test_a_bare_model_refuses_territories_instead_of_pooling_them_silently():
    from simkit.engine.model import Model

    with pytest.raises(ValueError, match="team.structure: a Model is one queue"):
        Model(territories(), "reactive")
