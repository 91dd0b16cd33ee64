"""The engine part of the what-if update: ``python benchmarks/bench_compare.py [repeats]``

What the what-if notebook and the dashboard recompute when a slider moves: the default
scenario (500 accounts, 3 years), 2 strategies x 5 replications, ``compare`` and its
``table()`` of means and confidence intervals. Measured with the default number of
processes (all cores, as the widgets run it) and with one process. Target: <= 1 s.
(``bench_whatif.py`` times the widget itself, figures included.)
"""

from __future__ import annotations

import sys

from common import emit, figure, median, timed

from simkit.engine.scenario import default_scenario
from simkit.experiments.compare import compare

STRATEGIES = ["reactive", "customer_success"]


def update(jobs: int | None) -> float:
    scenario = default_scenario()
    seconds, _ = timed(lambda: compare(scenario, STRATEGIES, 5, jobs=jobs).table())
    return seconds


def main(repeats: int = 5) -> None:
    update(None)  # warm-up: imports, first fork
    auto = [update(None) for _ in range(repeats)]
    serial = [update(1) for _ in range(repeats)]
    print(
        f"what-if update (default scenario, 3 years, {len(STRATEGIES)} strategies x 5 "
        f"replications, compare + table): median {median(auto):.2f} s with all cores "
        f"(runs {', '.join(f'{t:.2f}' for t in auto)}); {median(serial):.2f} s on one process"
    )
    emit(
        [
            figure(
                "what-if update, all cores",
                round(median(auto), 2),
                "s",
                "<= 1 s",
                median(auto) <= 1.0,
            ),
            figure("what-if update, one process", round(median(serial), 2), "s"),
        ]
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
