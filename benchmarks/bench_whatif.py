"""How soon the default what-if shows results: ``python benchmarks/bench_whatif.py [repeats]``.

The default what-if is the default scenario (500 accounts, 3 years), 2 strategies and 5
replications: ten runs. Issue 16's targets, on 2 cores: the first results (replication 0 of
both strategies: means, no intervals yet) shown within 1.0 s of the click, all ten runs
shown within 2.0 s.

Two paths are measured side by side, alternately, in this one process:

* **streaming** (:class:`simkit.ui.whatif.WhatIf` today): runs go replication-major on
  worker processes that stay up between clicks; the view is refreshed at every complete
  replication (tables each time, charts at the first, the last and at most once a second;
  an update puts its tables on the widgets before it draws its charts). Timed: the first
  table on the widgets (an observer of the table widget), the first update complete with
  its charts, and the last (a listener of :meth:`~simkit.ui.whatif.WhatIf.on_update`).
* **all at the end** (the what-if before issue 16): the runs in batches of one per core,
  a fresh process pool for each batch (:func:`simkit.experiments.runner.run_many`), then
  the tables, the chart and the CSV link once -- nothing is shown before that.

Every timed click simulates all ten runs (the runner's memory is emptied first; its workers
stay up, as they do between clicks). Both paths run lean (summaries only) and draw the same
things. A warm-up click of each path comes first (imports, font cache, first worker start);
the cold first click of a session is reported separately. Also printed: a click on an
unchanged scenario (nothing simulated), a new cost per hour (re-priced, not re-run), and how
many times worker processes were started over all the clicks.

Figures are wall-clock seconds and depend on what else the machine is doing: the load
average is printed with them.
"""

from __future__ import annotations

import sys
import time

from common import emit, figure, machine, median

from simkit.engine.scenario import Scenario
from simkit.engine.strategies import Strategy
from simkit.experiments.cached_runner import RUN_TIME_LIMIT
from simkit.experiments.compare import Comparison
from simkit.experiments.runner import Run, default_jobs, run_many
from simkit.ui.components import csv_download
from simkit.ui.whatif import PLOT_METRICS, TABLE_METRICS, WhatIf
from simkit.viz import plots, tables
from simkit.viz.style import figure_png

FIRST_TARGET, ALL_TARGET = 1.0, 2.0


def streaming_click(app: WhatIf, seen: dict[str, list[float]]) -> tuple[float, float, float]:
    """One Run click on the streaming what-if with nothing remembered: seconds to the first
    table on the widgets, to the first chart, and to everything (``seen`` gets the moments,
    see :func:`listening`)."""
    app.runner.forget()
    for moments in seen.values():
        moments.clear()
    start = time.perf_counter()
    app.run()
    return seen["table"][0] - start, seen["update"][0] - start, seen["update"][-1] - start


def listening(app: WhatIf) -> dict[str, list[float]]:
    """When ``app``'s results table changes on the page, and when each update is complete
    on it (tables and, when redrawn, charts)."""
    seen: dict[str, list[float]] = {"table": [], "update": []}
    app.view.table.observe(lambda change: seen["table"].append(time.perf_counter()), "value")
    app.on_update(lambda update, drawn: seen["update"].append(time.perf_counter()))
    return seen


def all_at_end_click(scenario: Scenario, strategies: list[Strategy], reps: int) -> float:
    """The what-if's update as it was before streaming: batches of runs on a new process
    pool each, then everything drawn once. Seconds to results on the widgets."""
    start = time.perf_counter()
    rate = scenario.team.cost_per_hour
    unpriced = scenario.update({"team.cost_per_hour": 1.0})
    todo = [(s, r) for s in strategies for r in range(reps)]
    jobs = default_jobs(len(todo), scenario)
    rows = []
    for first in range(0, len(todo), jobs):
        batch = todo[first : first + jobs]
        tasks = [Run(unpriced, s, r, False, None, RUN_TIME_LIMIT) for s, r in batch]
        for (s, r), out in zip(batch, run_many(tasks, jobs), strict=True):
            row = out.summary.to_dict()
            row["strategy_cost"] *= rate
            rows.append({"strategy": s.name, "replication": r, **row})
    import pandas as pd

    cmp = Comparison(scenario, [s.name for s in strategies], reps, pd.DataFrame(rows))
    tables.results_table(cmp, TABLE_METRICS)
    tables.differences_table(cmp, TABLE_METRICS)
    figure_png(plots.compare_bars(cmp, PLOT_METRICS, ncols=3))
    csv_download(cmp.runs, "what-if-runs.csv")
    return time.perf_counter() - start


def timed_run(app: WhatIf) -> float:
    start = time.perf_counter()
    app.run()
    return time.perf_counter() - start


def main(repeats: int = 5) -> None:
    cold = WhatIf()
    _, cold_first, cold_all = streaming_click(cold, listening(cold))  # workers start here
    cold.close()

    app = WhatIf()
    shown = listening(app)
    scenario, strategies = app.controls.scenario(), app.controls.selected()
    reps = int(app.controls.replications.value)
    streaming_click(app, shown)  # warm-up of both paths
    all_at_end_click(scenario, strategies, reps)
    tables_at, firsts, alls, olds = [], [], [], []
    for _ in range(repeats):  # alternately, so that both see the same machine
        table_at, first, every = streaming_click(app, shown)
        tables_at.append(table_at)
        firsts.append(first)
        alls.append(every)
        olds.append(all_at_end_click(scenario, strategies, reps))
    unchanged = timed_run(app)
    app.controls.set(cost_per_hour=app.controls.cost_per_hour.value + 25)
    repriced = timed_run(app)
    starts, clicks = app.runner.pool.starts, 2 * repeats + 3
    app.close()

    table_at, first, every, old = median(tables_at), median(firsts), median(alls), median(olds)
    m = machine()
    print(
        f"default what-if ({len(strategies)} strategies x {reps} replications, "
        f"{scenario.portfolio.total_accounts} accounts, {scenario.horizon_years:g} years), "
        f"{m['cores']} cores, load {m['load']}; medians of {repeats} clicks each"
    )
    print(f"  streaming: first table shown    {table_at:5.2f} s  (target {FIRST_TARGET} s; "
          f"clicks {', '.join(f'{t:.2f}' for t in tables_at)})")  # fmt: skip
    print(f"  streaming: first charts shown   {first:5.2f} s  (target {FIRST_TARGET} s; "
          f"clicks {', '.join(f'{t:.2f}' for t in firsts)})")  # fmt: skip
    print(f"  streaming: all ten runs shown   {every:5.2f} s  (target {ALL_TARGET} s; "
          f"clicks {', '.join(f'{t:.2f}' for t in alls)})")  # fmt: skip
    print(f"  all at the end (before):        {old:5.2f} s  (clicks "
          f"{', '.join(f'{t:.2f}' for t in olds)})")  # fmt: skip
    print(f"  ratios to all-at-end: first table {table_at / old:.2f}, first charts "
          f"{first / old:.2f}, all ten {every / old:.2f}")  # fmt: skip
    print(f"  a session's first click (workers starting): first {cold_first:.2f} s, "
          f"all {cold_all:.2f} s")  # fmt: skip
    print(f"  unchanged scenario clicked again: {unchanged:.2f} s (nothing simulated); "
          f"new cost per hour: {repriced:.2f} s (re-priced)")  # fmt: skip
    print(f"  worker processes started {starts} time(s) over {clicks} clicks of one what-if")
    emit(
        [
            figure("what-if: first results shown (table)", round(table_at, 2), "s",
                   f"<= {FIRST_TARGET}", table_at <= FIRST_TARGET),
            figure("what-if: first results shown (table and charts)", round(first, 2), "s",
                   f"<= {FIRST_TARGET}", first <= FIRST_TARGET),
            figure("what-if: all ten runs shown", round(every, 2), "s",
                   f"<= {ALL_TARGET}", every <= ALL_TARGET),
            figure("what-if: all at the end (before streaming)", round(old, 2), "s"),
            figure("what-if: first table / all-at-end", round(table_at / old, 2), "x"),
            figure("what-if: first charts / all-at-end", round(first / old, 2), "x"),
            figure("what-if: all ten / all-at-end", round(every / old, 2), "x"),
            figure("what-if: unchanged scenario again", round(unchanged, 2), "s"),
            figure("what-if: worker starts over all clicks", starts, "starts"),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
