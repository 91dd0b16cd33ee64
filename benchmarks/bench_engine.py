"""How fast is the engine? ``python benchmarks/bench_engine.py [repeats]``

1. Events per second against a bare SimPy model that processes the same number of events.
   An "event" is one SimPy event processed (one ``env.step``). The bare model is SimPy used
   the plain way -- one process per account, each looping on ``yield env.timeout(...)``
   with exponential gaps and doing nothing else -- run for exactly as many steps as the
   engine took. Both run with Python's cyclic garbage collector off (the engine turns it
   off for its runs), so the ratio compares the work per event. Target: >= 0.5.
2. Wall time against a naive model that ticks every account every simulated day
   (``naive_model.py``: same behaviour rules, reactive strategy), written two ways: as a
   first SimPy model usually is (one process per account, waking daily), and as a tight
   plain-Python loop over days and accounts (the hardest baseline). Target: >= 20x faster.

The default scenario (500 accounts, 3 years + half a year of warm-up) is used throughout;
each comparison is measured in one process, alternating, ``repeats`` times, medians shown.
"""

from __future__ import annotations

import random
import sys

import simpy
from common import emit, figure, median, timed

from simkit.engine.model import Model
from simkit.engine.scenario import default_scenario


def engine_steps(model: Model) -> int:
    """SimPy events the model processed: scheduled minus still pending, plus day movers."""
    pending = len(model.env._queue) + sum(len(b) for b in model._buckets.values())
    scheduled = next(model._eid)
    return scheduled - pending + model._day


def run_engine(strategy: str) -> tuple[float, int]:
    model = Model(default_scenario(), strategy, 0)
    seconds, _ = timed(lambda: model.env.run(until=model.t_end + 1e-7), collect=False)
    return seconds, engine_steps(model)


def run_bare(steps: int, processes: int) -> float:
    env = simpy.Environment()
    rng = random.Random(1)

    def account(env: simpy.Environment, mean: float):
        while True:
            yield env.timeout(rng.expovariate(1 / mean))

    for _ in range(processes):
        env.process(account(env, 30.0))

    def go() -> None:
        step = env.step
        for _ in range(steps):
            step()

    seconds, _ = timed(go, collect=False)
    return seconds


def run_naive(kind: str = "loop") -> float:
    """A daily-tick model: ``"loop"`` (plain Python loops) or ``"simpy"`` (one SimPy
    process per account waking every day)."""
    from naive_model import NaiveModel

    model = NaiveModel(default_scenario(), seed=0)
    seconds, _ = timed(model.run if kind == "loop" else model.run_simpy, collect=False)
    return seconds


def main(repeats: int = 5) -> None:
    figures = []
    accounts = default_scenario().portfolio.total_accounts
    for strategy in ("reactive", "proactive_check_ins"):
        ratios, rates = [], []
        for _ in range(repeats):
            t_engine, steps = run_engine(strategy)
            t_bare = run_bare(steps, accounts)
            rates.append(steps / t_engine)
            ratios.append(t_bare / t_engine)
        print(
            f"engine, {strategy}: {steps:,} SimPy events, median {median(rates):,.0f} events/s;"
            f" bare SimPy ({accounts} processes): ratio engine/bare median {median(ratios):.2f}"
            f" (runs: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
        figures.append(figure(f"engine events/s ({strategy})", round(median(rates)), "events/s"))
        figures.append(
            figure(
                f"engine / bare SimPy events/s ({strategy})",
                round(median(ratios), 2),
                "ratio",
                ">= 0.5",
                median(ratios) >= 0.5,
            )
        )
    for kind, label in (("simpy", "a daily-tick SimPy model"), ("loop", "a daily-tick plain loop")):
        speedups = []
        for _ in range(max(1, repeats // 2)):
            t_engine, _ = run_engine("reactive")
            t_naive = run_naive(kind)
            speedups.append(t_naive / t_engine)
            print(f"{label} {t_naive:.2f}s vs engine {t_engine:.3f}s: {t_naive / t_engine:.1f}x")
        s = median(speedups)
        print(f"engine vs {label} (reactive): median {s:.1f}x faster")
        figures.append(figure(f"engine speed-up over {label}", round(s, 1), "x", ">= 20", s >= 20))
    emit(figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
