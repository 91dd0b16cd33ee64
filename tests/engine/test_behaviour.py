"""What the model says about strategies, on the default scenario, with replications and 95 % CIs.

Each claim is a paired comparison over common random numbers: the confidence interval of
the per-replication difference must exclude zero in the claimed direction.
"""

import pandas as pd
import pytest

from simkit.analysis.stats import confidence_interval
from simkit.analysis.summary import summarize
from simkit.engine.scenario import default_scenario
from simkit.experiments.compare import compare

REPS = 5
STRATEGIES = ["reactive", "key_account_focus", "customer_success", "proactive_check_ins"]


@pytest.fixture(scope="module")
def comparison():
    return compare(default_scenario(), STRATEGIES, replications=REPS, jobs=1, keep=True)


def _paired(per_run: pd.DataFrame, metric: str, a: str, b: str) -> tuple[float, float, float]:
    wide = per_run.pivot(index="replication", columns="strategy", values=metric)
    return confidence_interval(wide[a] - wide[b])


@pytest.mark.parametrize("better", ["proactive_check_ins", "customer_success"])
def test_proactive_and_customer_success_retain_more_than_reactive(comparison, better):
    mean, lo, hi = _paired(comparison.runs, "logo_retention", better, "reactive")
    assert lo > 0, f"{better} - reactive logo retention: {mean:.2f} [{lo:.2f}, {hi:.2f}]"
    mean, lo, _ = _paired(comparison.runs, "nrr", better, "reactive")
    assert lo > 0


def test_key_account_focus_keeps_key_revenue_but_loses_small_accounts(comparison):
    seg = summarize(comparison, by=["strategy", "replication", "segment"], period="all")
    key = seg[seg["segment"] == "key"]
    small = seg[seg["segment"] == "small"]
    _, lo, _ = _paired(key, "nrr", "key_account_focus", "reactive")
    assert lo > 0, "KAM should keep more key-account revenue than reactive"
    _, lo, _ = _paired(key, "nrr", "key_account_focus", "proactive_check_ins")
    assert lo > -5, "KAM should hold key-account revenue about as well as proactive check-ins"
    mean, lo, hi = _paired(small, "churn_rate", "key_account_focus", "proactive_check_ins")
    assert lo > 0, f"KAM should lose more small accounts: {mean:.2f} [{lo:.2f}, {hi:.2f}]"


def test_more_account_managers_cut_time_to_resolution():
    sc = default_scenario()
    runs = []
    for managers in (2, 6):
        cmp = compare(sc.update({"team.managers": managers}), ["reactive"], REPS, jobs=1)
        runs.append(cmp.runs.assign(strategy=f"m{managers}"))
    per_run = pd.concat(runs)
    mean, lo, hi = _paired(per_run, "time_to_resolution", "m2", "m6")
    assert lo > 0, f"2 vs 6 managers, days to resolution: {mean:.2f} [{lo:.2f}, {hi:.2f}]"
    _, lo, _ = _paired(per_run, "churn_rate", "m2", "m6")
    assert lo > 0, "a stretched team should also lose more clients"
