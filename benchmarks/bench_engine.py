"""How fast is the engine? ``python benchmarks/bench_engine.py [repeats] [--against REV]``

Three comparisons, each measured side by side in this one run (alternating, ``repeats``
times, medians reported), on the default scenario (500 accounts, 3 years after half a year
of warm-up) and the four built-in strategies:

1. **Cost per SimPy event against bare SimPy.** The engine's SimPy events are counted
   through SimPy's public API only: the run is driven step by step,
   ``while env.peek() < until: env.step()``, one count per processed event (a process
   resuming, a timeout, a team request granted or released...). The bare model is SimPy
   used the plain way -- one process per account, each looping on
   ``yield env.timeout(gap)`` with exponential gaps and doing nothing else -- driven by the
   same loop for exactly as many steps, so both pay the same loop overhead (garbage
   collector on for both, as ``Model.run`` leaves it). The figure is the ratio of events
   per second (engine / bare): the share of an event's cost that is SimPy's own.
   Target: >= 0.5.
2. **Speed-up over daily ticks.** One default run (reactive: build the model and
   ``Model.run()``, result tables included) against ``naive_model.py``, the same behaviour
   rules ticked every simulated day for every account, written two ways: a first SimPy
   model (one process per account, waking daily) and a tight plain-Python loop (the
   hardest baseline). Target: >= 20x.
3. **Default-run time per strategy.** Building the model plus ``Model.run()`` (what
   ``simulate`` does, no summary), ``2 * repeats`` runs per strategy in a separate process
   (``engine_timer.py``), against the engine time recorded in ``results.md`` on 2026-11-25
   and, with ``--against REV``, against the engine of another commit (or checkout
   directory) in a second such process, the two asked for runs in turn, run by run.
   Wall time and the processes' CPU time. Target: <= 1.6x the previous engine.

``--against`` takes a git revision (its ``simkit/`` is exported with ``git archive`` into
a temporary directory, removed afterwards; the repository is not touched) or the path of
an existing checkout. Without it, the side-by-side of item 3 is skipped.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import simpy
from common import emit, figure, median, timed

from simkit.engine.model import Model
from simkit.engine.scenario import default_scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STRATEGIES = ("reactive", "proactive_check_ins", "customer_success", "key_account_focus")
LIMIT = 1.6
"""A default run may take at most this many times the previous engine's time (issue 13)."""

RECORDED = {
    "reactive": 27_632 / 75_840,
    "proactive_check_ins": 52_341 / 90_446,
}
"""The previous engine's time for one default run (s), as recorded in results.md on
2026-11-25 09:46 UTC (bench_engine.py: SimPy events / events per second; ``env.run`` only,
garbage collector off, no model building or result tables). README.md gave 0.28-0.34 s for
the reactive run ("engine only"). No other strategy's time was recorded."""


def drive(env: simpy.Environment, until: float = math.inf, limit: float = math.inf) -> int:
    """Process events one by one until the next is at ``until`` or later (or ``limit``
    events are done); return how many were processed. Public SimPy API only."""
    peek, step, n = env.peek, env.step, 0
    while n < limit and peek() < until:
        step()
        n += 1
    return n


def engine_steps(strategy: str) -> tuple[float, int]:
    """Seconds and SimPy events of one default run, driven by :func:`drive`."""
    model = Model(default_scenario(), strategy, 0)
    # events at exactly t_end still belong to the horizon, as in Model.run
    return timed(lambda: drive(model.env, until=model.t_end + 1e-7))  # type: ignore[return-value]


def bare_model(processes: int, mean_gap: float = 30.0, seed: int = 1) -> simpy.Environment:
    """SimPy the plain way: ``processes`` processes that only wait exponential gaps."""
    env = simpy.Environment()
    rng = random.Random(seed)

    def account(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(1 / mean_gap))

    for _ in range(processes):
        env.process(account(env))
    return env


def bare_steps(steps: int, processes: int) -> float:
    """Seconds the bare model takes for ``steps`` events, driven by :func:`drive`."""
    env = bare_model(processes)
    seconds, done = timed(lambda: drive(env, limit=steps))
    assert done == steps
    return seconds


def default_run(strategy: str = "reactive") -> float:
    """Seconds of one default run in this process: build the model, ``Model.run()``."""
    return timed(lambda: Model(default_scenario(), strategy, 0).run())[0]


def naive_run(kind: str) -> float:
    """Seconds of one daily-tick run (build and run): ``"loop"`` or ``"simpy"``."""
    from naive_model import NaiveModel

    def go() -> object:
        model = NaiveModel(default_scenario(), seed=0)
        return model.run() if kind == "loop" else model.run_simpy()

    return timed(go)[0]


# ------------------------------------------------------------------ 1. against bare SimPy
def against_bare(repeats: int) -> list[dict[str, object]]:
    """Item 1: events per second of the engine and of bare SimPy, per strategy."""
    figures = []
    accounts = default_scenario().portfolio.total_accounts
    for strategy in STRATEGIES:
        ratios, rates, bare_rates = [], [], []
        for _ in range(repeats):
            t_engine, steps = engine_steps(strategy)
            t_bare = bare_steps(steps, accounts)
            rates.append(steps / t_engine)
            bare_rates.append(steps / t_bare)
            ratios.append(t_bare / t_engine)
        r = median(ratios)
        print(
            f"engine, {strategy}: {steps:,} SimPy events, median {median(rates):,.0f} events/s "
            f"({1e6 / median(rates):.1f} us an event); bare SimPy ({accounts} processes) "
            f"{median(bare_rates):,.0f} events/s ({1e6 / median(bare_rates):.1f} us); "
            f"ratio engine/bare median {r:.2f} (runs: {', '.join(f'{x:.2f}' for x in ratios)})"
        )
        figures.append(figure(f"engine events/s ({strategy})", round(median(rates)), "events/s"))
        figures.append(
            figure(f"engine / bare SimPy events/s ({strategy})", round(r, 2), "ratio",
                   ">= 0.5", r >= 0.5)
        )  # fmt: skip
    return figures


# ------------------------------------------------------------------ 2. against daily ticks
def against_daily_ticks(repeats: int) -> list[dict[str, object]]:
    """Item 2: a reactive default run against the two daily-tick baselines."""
    figures = []
    baselines = (
        ("simpy", "a daily-tick SimPy model", max(2, (repeats + 1) // 2)),
        ("loop", "a daily-tick plain loop", repeats),
    )
    for kind, label, n in baselines:
        speedups, engine_times, naive_times = [], [], []
        for _ in range(n):
            t_engine = default_run("reactive")
            t_naive = naive_run(kind)
            engine_times.append(t_engine)
            naive_times.append(t_naive)
            speedups.append(t_naive / t_engine)
        s = median(speedups)
        print(
            f"engine vs {label} (reactive): {median(naive_times):.3f} s against "
            f"{median(engine_times):.3f} s, median {s:.1f}x faster "
            f"(runs: {', '.join(f'{x:.1f}' for x in speedups)})"
        )
        figures.append(figure(f"engine speed-up over {label}", round(s, 1), "x", ">= 20", s >= 20))
    return figures


# ------------------------------------------------------------------ 3. default-run time
def checkout(rev: str, into: Path) -> Path:
    """The checkout to time for ``--against``: an existing directory as it is, else the
    ``simkit/`` of git revision ``rev`` exported into ``into`` (``git archive``)."""
    path = Path(rev)
    if path.is_dir():
        return path.resolve()
    archive = into / "simkit.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "simkit"],
                       stdout=fh, check=True)  # fmt: skip
    with tarfile.open(archive) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.10.12
        tar.extractall(into, **safe)
    return into


class Timer:
    """A running ``engine_timer.py`` for one checkout: ask it for default runs one by one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "engine_timer.py"), str(root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE,
        )  # fmt: skip
        ready = self._answer()
        if not Path(ready["module"]).resolve().is_relative_to(root) or ready["foreign"]:
            self.close()
            raise RuntimeError(f"would time {ready['module']} {ready['foreign']}, not {root}")

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"engine_timer.py for {self.root} stopped")
        return json.loads(line)

    def run(self, strategy: str) -> dict:
        """Time one default run: ``{"build", "run", "cpu", "logged", ...}``."""
        self.proc.stdin.write(strategy + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return self._answer()

    def close(self) -> None:
        """Stop the timing process."""
        if self.proc.poll() is None:
            self.proc.communicate("\n", timeout=60)


def default_runs(repeats: int, against: str | None) -> list[dict[str, object]]:
    """Item 3: default-run times per strategy; side by side with ``against`` if given."""
    figures = []
    wall: dict[str, dict[str, list[float]]] = {}
    cpu: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="simkit-against-") as tmp:
        roots = {"this": ROOT}
        if against:
            roots["previous"] = checkout(against, Path(tmp))
        timers = {name: Timer(root) for name, root in roots.items()}
        try:
            for name in timers:
                wall[name] = {s: [] for s in STRATEGIES}
                cpu[name] = {s: [] for s in STRATEGIES}
            # run by run, alternating engines (and which goes first), so both see the same load
            for i in range(2 * repeats):
                for s in STRATEGIES:
                    for name in list(timers)[:: 1 if i % 2 == 0 else -1]:
                        r = timers[name].run(s)
                        wall[name][s].append(r["build"] + r["run"])
                        cpu[name][s].append(r["cpu"])
        finally:
            for t in timers.values():
                t.close()
    if against:
        print(f"previous engine: {against} (runs alternating with this one, run by run)")
    for s in STRATEGIES:
        t = median(wall["this"][s])
        line = (
            f"default run, {s}: {t:.3f} s (median of {len(wall['this'][s])}; "
            f"CPU {median(cpu['this'][s]):.3f} s)"
        )
        figures.append(figure(f"default run, {s}: build + run", round(t, 3), "s"))
        if against:
            t_prev = median(wall["previous"][s])
            ratio = t / t_prev
            pairs = [a / b for a, b in zip(wall["this"][s], wall["previous"][s], strict=True)]
            cpu_prev = median(cpu["previous"][s])
            cpu_ratio = median(cpu["this"][s]) / cpu_prev
            line += (
                f"; previous engine {t_prev:.3f} s (CPU {cpu_prev:.3f} s): {ratio:.2f}x "
                f"(median run-by-run ratio {median(pairs):.2f}; CPU time {cpu_ratio:.2f}x)"
            )
            figures.append(
                figure(f"default run, {s}: this engine / previous engine (same run)",
                       round(ratio, 2), "x", f"<= {LIMIT}", ratio <= LIMIT)
            )  # fmt: skip
            figures.append(
                figure(f"default run, {s}: CPU time, this engine / previous engine",
                       round(cpu_ratio, 2), "x")
            )  # fmt: skip
        if s in RECORDED:
            ratio = t / RECORDED[s]
            line += f"; recorded 2026-11-25: {RECORDED[s]:.3f} s: {ratio:.2f}x"
            figures.append(
                figure(f"default run, {s}: this engine / time recorded 2026-11-25",
                       round(ratio, 2), "x", f"<= {LIMIT}", ratio <= LIMIT)
            )  # fmt: skip
        print(line)
    return figures


def main(argv: list[str] | None = None) -> None:
    """Run the three comparisons and print the ``RESULT`` line for ``run_all.py``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("repeats", nargs="?", type=int, default=5)
    parser.add_argument("--against", metavar="REV", help="git revision or checkout directory")
    args = parser.parse_args(argv)
    sections: list[Callable[[], list[dict[str, object]]]] = [
        lambda: against_bare(args.repeats),
        lambda: against_daily_ticks(args.repeats),
        lambda: default_runs(args.repeats, args.against),
    ]
    figures = []
    for section in sections:
        gc.collect()
        figures += section()
    emit(figures)


if __name__ == "__main__":
    main()
