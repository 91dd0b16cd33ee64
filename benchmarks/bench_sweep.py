"""Sweep speed-up on two local processes: ``python benchmarks/bench_sweep.py [repeats]``

A 12-run sweep of the default scenario (team size 4, 6, 8 x reactive and customer success
x 2 replications, 3 years) on one process and on two, alternating; the speed-up is the
ratio of the medians. Target: >= 1.7x on 2 processes (it needs 2 idle cores: on a busy
machine the figure mostly measures the other load).
"""

from __future__ import annotations

import sys

from common import emit, figure, median, timed

from simkit.engine.scenario import default_scenario
from simkit.experiments.sweep import sweep

GRID = {"team.managers": [4, 6, 8]}
STRATEGIES = ["reactive", "customer_success"]


def once(jobs: int) -> float:
    scenario = default_scenario()
    seconds, _ = timed(lambda: sweep(scenario, GRID, STRATEGIES, replications=2, jobs=jobs))
    return seconds


def main(repeats: int = 3) -> None:
    one, two = [], []
    for _ in range(repeats):
        one.append(once(1))
        two.append(once(2))
    ratios = [a / b for a, b in zip(one, two, strict=True)]
    speedup = median(one) / median(two)
    pairs = ", ".join(f"{r:.2f}" for r in ratios)
    print(
        f"sweep of 12 runs: 1 process median {median(one):.2f} s, 2 processes "
        f"{median(two):.2f} s: speed-up {speedup:.2f}x (pairs: {pairs})"
    )
    emit(
        [
            figure("sweep, 1 process", round(median(one), 2), "s"),
            figure("sweep, 2 processes", round(median(two), 2), "s"),
            figure(
                "sweep speed-up on 2 processes", round(speedup, 2), "x", ">= 1.7", speedup >= 1.7
            ),
        ]
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
