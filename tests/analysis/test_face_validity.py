"""Face validity: the analysis no longer shows the problems issue 14 found.

* "Former" mixed lost deals with customers who left, so churn looked ~2.6x bigger: a lost
  deal must never count as churn, as a client lost, or as former.
* Over-booking was free and invisible: missed touches must show up, and planned =
  delivered + missed.
* Figures did not say their period: every headline label names its basis (see also
  ``test_registry.py::test_every_label_says_its_basis_and_unit``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simkit.analysis.counts import count_periods, period_edges
from simkit.analysis.summary import HEADLINE, add_metrics, run_summary, summarize
from simkit.engine.accounts import ACTIVE_STAGES
from simkit.engine.model import simulate
from tests.helpers import small_scenario

CLIENT_FIGURES = ["start", "end", "lost", "logo_retention", "churn_rate", "grr", "nrr"]


@pytest.fixture(scope="module")
def reactive():
    return simulate(small_scenario(horizon_years=2.0), "reactive", 2)


def test_the_run_has_lost_deals_to_get_wrong(reactive):
    assert (reactive.events["event"] == "lost").sum() > 10


def test_lost_deals_change_no_client_figure(reactive):
    """Take every lost deal out of the log: churn, retention, GRR and NRR stay the same to
    the last digit; only the pipeline figures move."""
    ev = reactive.events
    without = ev[ev["event"] != "lost"].reset_index(drop=True)
    for period in ("Y", "all"):
        edges = period_edges(reactive.scenario.horizon_days, period)
        a = count_periods(ev, edges, scenario=reactive.scenario)
        b = count_periods(without, edges, scenario=reactive.scenario)
        add_metrics(a)
        add_metrics(b)
        pd.testing.assert_frame_equal(a[CLIENT_FIGURES], b[CLIENT_FIGURES])
        assert (a["lost_deals"] > b["lost_deals"]).any() and (b["lost_deals"] == 0).all()


def test_clients_lost_are_clients_who_left(reactive):
    """The horizon's ``lost`` count is exactly the starting clients who churned or defected
    and were not clients again at the end -- never a prospect whose deal was lost."""
    ev = reactive.events
    whole = summarize(reactive, by=[], period="all").iloc[0]
    start = set(ev.loc[(ev["time"] <= 0) & ev["stage_after"].isin(ACTIVE_STAGES), "account"])
    left = set(ev.loc[ev["event"].isin(["churn", "defect"]), "account"])
    last = ev.groupby("account", observed=True)["stage_after"].last().astype(str)
    active_at_end = set(last[last.isin(ACTIVE_STAGES)].index)
    assert whole["lost"] == len((start & left) - active_at_end)
    lost_deals = set(ev.loc[ev["event"] == "lost", "account"])
    never_clients = lost_deals - set(ev.loc[ev["event"] == "convert", "account"]) - start
    assert never_clients and not never_clients & left  # they never churned ...
    assert not set(last[last == "former"].index) & never_clients  # ... and are not former
    assert whole["lost_deals"] == (ev["event"] == "lost").sum()


def test_former_at_the_end_counts_only_customers_who_left(reactive):
    """The lesson 01 stage chart: the former at the last month end are customers who left
    (during the run, or in the warm-up before it); the lost deals are counted apart."""
    snap = reactive.snapshots
    last = snap[snap["month"] == snap["month"].max()]
    former = int(last.loc[last["stage"] == "former", "accounts"].sum())
    lost = int(last.loc[last["stage"] == "lost", "accounts"].sum())
    ev = reactive.events
    left = set(ev.loc[ev["event"].isin(["churn", "defect"]), "account"])
    left |= set(ev.loc[(ev["event"] == "init") & (ev["stage_after"] == "former"), "account"])
    final = reactive.accounts.set_index("account")["stage"].astype(str)
    assert set(final[final == "former"].index) <= left
    assert former == (final == "former").sum() and lost == (final == "lost").sum()
    assert lost > 0 and former + lost > len(left)  # lost deals would have inflated "former"


def test_a_book_of_lost_deals_has_no_churn():
    rows = [(0.0, 0, "small", "init", None, "customer", 100.0)] + [
        (0.0, i, "small", "init", None, "prospect", 0.0) for i in range(1, 6)
    ]
    rows += [(10.0 * i, i, "small", "lost", "prospect", "lost", 0.0) for i in range(1, 6)]
    df = pd.DataFrame(
        rows, columns=["time", "account", "segment", "event", "stage_before", "stage_after", "arr"]
    )
    df["arr_change"], df["value"], df["hours"] = 0.0, 0.0, 0.0
    table = count_periods(df, period_edges(365.0, "all"))
    assert table[["lost", "lost_deals", "start", "end"]].iloc[0].tolist() == [0, 5, 1, 1]


def test_over_booked_work_shows_as_missed_touches():
    """A team of two part-timers cannot make every check-in: the missed ones are counted,
    and planned = delivered + missed; a team with time misses none."""
    busy = run_summary(
        simulate(small_scenario(**{"team.hours_per_week": 8.0}), "proactive_check_ins")
    )
    assert busy["touches_missed"] > 0 and busy["missed_touch_share"] > 5
    assert busy["touches_planned"] == pytest.approx(
        busy["touches_delivered"] + busy["touches_missed"]
    )
    free = simulate(small_scenario(**{"team.managers": 6}), "proactive_check_ins")
    calm = run_summary(free)
    assert calm["touches_missed"] == 0 and calm["missed_touch_share"] == 0
    touches = free.events[free.events["event"] == "touch"]
    proactive = (touches["detail"].astype(str) != "pitch").sum()
    assert calm["touches_delivered"] == pytest.approx(proactive / free.scenario.horizon_years)


def test_every_headline_label_says_its_period():
    words = ("per year", "over the horizon", "at the end", "at the start", "per quarter")
    for name, text in HEADLINE.items():
        assert any(w in text for w in words), f"{name}: {text!r} does not say its period"
    assert len(set(HEADLINE.values())) == len(HEADLINE)
    assert np.all([text.endswith(")") for text in HEADLINE.values()])
