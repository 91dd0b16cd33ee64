"""Territories run side by side: identical merged runs for 1, 2, N workers and on Dask."""

import pytest

from simkit.analysis.summary import run_summary
from simkit.engine.model import simulate
from simkit.engine.territories import TerritoryError
from simkit.experiments.territories import run_territories
from tests.helpers import small_scenario


def territories(**changes: object):
    return small_scenario(
        **{"team.structure": "territories", "team.managers": 4, "horizon_years": 0.5, **changes}
    )


def same(a, b) -> bool:
    return (
        a.events.equals(b.events)
        and a.snapshots.equals(b.snapshots)
        and a.accounts.equals(b.accounts)
        and run_summary(a).equals(run_summary(b))
    )


@pytest.mark.parametrize("assign", ["round_robin", "segment"])
def test_one_two_and_many_workers_give_the_same_run(assign):
    sc = territories(**{"team.assign": assign})
    one = simulate(sc, "cs+proactive", 2)
    assert same(one, run_territories(sc, "cs+proactive", 2, jobs=1))
    assert same(one, run_territories(sc, "cs+proactive", 2, jobs=2))
    assert same(one, run_territories(sc, "cs+proactive", 2, jobs=8))  # more workers than pods


def test_lean_runs_merge_too():
    sc = territories()
    full = run_territories(sc, "proactive", 0, jobs=2)
    lean = run_territories(sc, "proactive", 0, jobs=2, record="summary")
    assert full.snapshots.equals(lean.snapshots)
    assert run_summary(full).equals(run_summary(lean))


def test_another_replication_is_another_run():
    sc = territories()
    assert not run_territories(sc, "reactive", 0).events.equals(
        run_territories(sc, "reactive", 1).events
    )


def test_bad_calls_are_refused_at_once():
    with pytest.raises(TerritoryError, match="team.structure: run_territories needs"):
        run_territories(small_scenario(), "reactive")
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1"):
        run_territories(territories(), "reactive", jobs=0)
    with pytest.raises(TypeError, match="scenario must be a simkit Scenario"):
        run_territories({"team": {}}, "reactive")  # type: ignore[arg-type]


@pytest.mark.slow
def test_dask_gives_the_same_run():
    distributed = pytest.importorskip("distributed")
    sc = territories(**{"team.assign": "segment"})
    local = run_territories(sc, "key_account_focus", 1, jobs=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run_territories(sc, "key_account_focus", 1, scheduler=client)
    assert same(local, on_dask)
