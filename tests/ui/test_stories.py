"""Tests for simkit.ui.stories: one account under two strategies, side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from simkit.analysis.summary import run_summary
from simkit.experiments.compare import compare
from simkit.io.portfolio import EXAMPLE_AS_OF, example_path, read_csv, scenario_for
from simkit.ui.stories import StoryComparison
from tests.helpers import small_scenario


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def book():
    return read_csv(example_path(), as_of=EXAMPLE_AS_OF)


@pytest.fixture(scope="module")
def stories(book) -> StoryComparison:
    """Stories of reactive vs customer success on the example book, 1.5 years, 2 runs."""
    scenario = scenario_for(book, small_scenario(horizon_years=1.5))
    cmp = compare(scenario, ["reactive", "customer_success"], 2, jobs=1, book=book)
    s = StoryComparison()
    s.show(cmp, book)
    return s


def test_nothing_to_show_before_a_comparison():
    s = StoryComparison()
    with pytest.raises(ValueError, match="press Run"):
        s.results("reactive")


def test_lists_accounts_lost_under_a_only(stories):
    a, b = stories.strategies()
    assert (a, b) == ("reactive", "customer_success")
    table = stories.accounts("lost_a_only")
    assert len(table) > 0
    res_a, res_b = stories.results(a), stories.results(b)
    for account in table["account"].head(5):
        events_a = set(res_a.story(account)["event"].astype(str))
        events_b = set(res_b.story(account)["event"].astype(str))
        assert events_a & {"churn", "defect"}
        assert not events_b & {"churn", "defect"}
    assert table["arr"].is_monotonic_decreasing
    everyone = stories.accounts("all")
    assert len(everyone) == len(res_a.accounts)  # any account: the book and newcomers
    assert (~everyone["new"]).sum() == 120 and not everyone["new"].iloc[:120].any()
    either = stories.accounts("lost_either")
    assert set(table["account"]) <= set(either["account"]) <= set(everyone["account"])
    with pytest.raises(ValueError, match="which must be one of"):
        stories.accounts("nonsense")


def test_the_runs_are_the_compared_runs(stories):
    res = stories.results("customer_success", 1)
    row = stories.comparison.runs.query("strategy == 'customer_success' and replication == 1")
    assert run_summary(res)["revenue"] == pytest.approx(row["revenue"].iloc[0])
    assert stories.results("customer_success", 1) is res  # simulated once


def test_drill_shows_both_sides_with_the_accounts_own_id(stories, book):
    account = int(stories.accounts("lost_a_only")["account"].iloc[0])
    fig_a, fig_b = stories.drill(account)
    assert "Reactive" in fig_a.axes[0].get_title(loc="left")
    assert "Customer success" in fig_b.axes[0].get_title(loc="left")
    own_id = book["account_id"].iat[account]
    left, right = stories.sides.children
    assert own_id in left.children[0].value and "Reactive" in left.children[0].value
    assert "did not renew" in left.children[0].value or "left for a competitor" in (
        left.children[0].value
    )
    assert "kept" in right.children[0].value
    assert left.children[2].value.count(own_id) >= 1  # the story in words uses the file's id
    assert left.children[1].value != right.children[1].value  # two different timelines


def test_the_same_strategy_twice_loses_the_same_accounts(stories):
    stories.b.value = "reactive"
    try:
        assert len(stories.accounts("lost_a_only")) == 0  # same strategy: same fate
        assert "No account in this list" in stories.note.value
        assert stories.sides.children == ()
    finally:
        stories.b.value = "customer_success"
    assert len(stories.account.options) > 0


def test_picking_a_replication_and_an_account_redraws(stories):
    stories.replication.value = 1
    try:
        assert "replication 1" in stories.note.value
        account = stories.account.options[-1][1]
        stories.account.value = account
        left = stories.sides.children[0]
        assert f"account {stories._label(account)} " in left.children[0].value
    finally:
        stories.replication.value = 0
