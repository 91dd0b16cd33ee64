"""How long the default what-if takes to update: ``python benchmarks/bench_whatif.py [jobs]``.

The default what-if is the default scenario (500 accounts, 3 years), 2 strategies and 5
replications. The target is an update within about 1 s on a 2-core machine. Printed:

* cold run: all 10 runs simulated, plus the table, the figure and the CSV link;
* the same split into simulation and drawing;
* cost change: only the cost per manager hour moves (runs are re-priced, not re-run);
* team change: one more manager (a new world: all 10 runs again);
* one more strategy: only its 5 runs are new.

Figures are wall-clock seconds on this machine, and depend on what else it is doing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from simkit.ui.whatif import WhatIf
from simkit.viz.style import figure_png


def timed(label: str, fn: Callable[[], object], rows: list[tuple[str, float]]) -> object:
    start = time.perf_counter()
    out = fn()
    rows.append((label, time.perf_counter() - start))
    return out


def main(jobs: int | None = None) -> None:
    rows: list[tuple[str, float]] = []
    app = WhatIf(jobs=jobs)
    timed("cold run (10 runs + table + figure)", app.run, rows)

    cold = WhatIf(jobs=jobs)
    scenario, strategies = cold.controls.scenario(), cold.controls.selected()
    timed("  of which simulating 10 runs", lambda: cold.runner.run(scenario, strategies, 5), rows)
    cold.comparison = cold.runner.run(scenario, strategies, 5)
    timed("  of which tables", lambda: (cold.results_table(), cold.differences_table()), rows)
    timed("  of which figure to PNG", lambda: figure_png(cold.figure()), rows)

    app.controls.set(cost_per_hour=app.controls.cost_per_hour.value + 25)
    timed("cost per hour changed (re-priced)", app.run, rows)
    app.controls.set(managers=app.controls.managers.value + 1)
    timed("one more manager (10 new runs)", app.run, rows)
    app.controls.set(strategies=[*app.controls.strategies.value, "customer_success"])
    timed("one more strategy (5 new runs)", app.run, rows)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"what-if update times (jobs={jobs or 'auto'}, {cpus} cores, load {load:.1f})")
    for label, seconds in rows:
        print(f"  {label:<40} {seconds:6.2f} s")
    print(f"  target: <= 1 s per update; cold run is {rows[0][1]:.1f}x the target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
