"""Time fit_sbg on a 12-period cohort: ``python benchmarks/bench_retention.py [repeats]``."""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from simkit.retention import fit_sbg


def simulated_cohort(alpha: float = 0.8, beta: float = 2.5, size: int = 20_000) -> list[int]:
    """Survivors at t = 0..12 for a cohort whose churn probabilities are Beta(alpha, beta)."""
    rng = np.random.default_rng(0)
    lifetime = rng.geometric(rng.beta(alpha, beta, size=size))
    return [int((lifetime > t).sum()) for t in range(13)]


def main(repeats: int = 200) -> None:
    cohort = simulated_cohort()
    fit_sbg(cohort)  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fit = fit_sbg(cohort)
        times.append(time.perf_counter() - start)
    print(f"cohort: {cohort}")
    print(f"fit:    {fit!r}")
    print(
        f"fit_sbg, 12 periods, {repeats} repeats: median {1000 * statistics.median(times):.2f} ms"
        f" (min {1000 * min(times):.2f} ms, max {1000 * max(times):.2f} ms)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
