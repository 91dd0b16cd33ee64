"""Back-test data: the default scenario's results for a few seeds, stored under tests/data.

The stored CSVs pin the model's behaviour: any change to what the simulation does (a new
rule, a different order of random draws) fails ``tests/test_backtest.py`` loudly. When a
change is deliberate, regenerate them and commit the new files with the change:

    make backtest        # or: .venv/bin/python -m tests.backtest regenerate
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from simkit.analysis.summary import run_summary
from simkit.engine.model import simulate
from simkit.engine.scenario import default_scenario
from simkit.io.files import write_frame

DATA = Path(__file__).parent / "data"
SUMMARY_CSV = DATA / "backtest_summary.csv"
EVENTS_CSV = DATA / "backtest_event_counts.csv"
STRATEGIES = ("reactive", "key_account_focus", "customer_success", "proactive_check_ins")
REPLICATIONS = (0, 1, 2)


def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary figures and event counts per (strategy, replication) of the default scenario."""
    scenario = default_scenario()
    summaries, counts = [], []
    for strategy in STRATEGIES:
        for rep in REPLICATIONS:
            res = simulate(scenario, strategy, rep)
            row = {"strategy": strategy, "replication": rep, **run_summary(res).to_dict()}
            summaries.append(row)
            c = res.events["event"].astype(str).value_counts().sort_index()
            counts.extend(
                {"strategy": strategy, "replication": rep, "event": e, "count": int(n)}
                for e, n in c.items()
            )
    return pd.DataFrame(summaries), pd.DataFrame(counts)


def regenerate() -> None:
    """Recompute and overwrite the stored back-test files."""
    summary, counts = compute()
    write_frame(summary, SUMMARY_CSV)
    write_frame(counts, EVENTS_CSV)
    print(f"wrote {SUMMARY_CSV} and {EVENTS_CSV}")


if __name__ == "__main__":
    if sys.argv[1:] != ["regenerate"]:
        sys.exit("usage: python -m tests.backtest regenerate")
    regenerate()
