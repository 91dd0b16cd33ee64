"""Time the retention tools: ``python benchmarks/bench_retention.py [repeats]``.

Prints figures only (no pass/fail): fit_sbg on a 12-period cohort, a theory-mode cohort of
10,000 accounts over 8 yearly periods, and calibrate() in theory and behaviour mode on
examples/cohort.csv.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from simkit.analysis.calibration import calibrate
from simkit.analysis.retention import fit_sbg
from simkit.engine.model import simulate
from simkit.engine.scenario import SEGMENTS, default_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cohort.csv"


def simulated_cohort(alpha: float = 0.8, beta: float = 2.5, size: int = 20_000) -> list[int]:
    """Survivors at t = 0..12 for a cohort whose churn probabilities are Beta(alpha, beta)."""
    rng = np.random.default_rng(0)
    lifetime = rng.geometric(rng.beta(alpha, beta, size=size))
    return [int((lifetime > t).sum()) for t in range(13)]


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _line(label: str, times: list[float], unit: str = "ms") -> str:
    k = 1000 if unit == "ms" else 1
    return (
        f"{label}: median {k * statistics.median(times):.2f} {unit} "
        f"(min {k * min(times):.2f}, max {k * max(times):.2f}, {len(times)} runs)"
    )


def main(repeats: int = 200) -> None:
    cohort = simulated_cohort()
    fit_sbg(cohort)  # warm-up (imports, caches)
    times = _timed(lambda: fit_sbg(cohort), repeats)
    print(f"cohort: {cohort}")
    print(f"fit:    {fit_sbg(cohort)!r}")
    print(_line("fit_sbg, 12 periods", times))

    spec = {
        "theory": {"renewal": "beta", "alpha": 0.8, "beta": 2.5},
        "start": "cohort",
        "warmup_years": 0,
        "horizon_years": 8,
    }
    for seg in SEGMENTS:
        spec[f"portfolio.{seg}.count"] = 10_000 if seg == "small" else 0
    theory = default_scenario().update(spec)
    print(
        _line(
            "simulate, theory mode, 10,000 accounts x 8 years",
            _timed(lambda: simulate(theory), 3),
            "s",
        )
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        print(
            _line(
                "calibrate, theory mode, examples/cohort.csv",
                _timed(lambda: calibrate(None, EXAMPLE, behaviour=False), 20),
            )
        )
        print(
            _line(
                "calibrate, behaviour mode, 3,000 accounts, 8 periods",
                _timed(lambda: calibrate(None, EXAMPLE), 2),
                "s",
            )
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
