"""Lean runs and the engine's cost per logged event: ``python benchmarks/bench_lean.py [--quick]``

A run records only what its caller needs (issue 16): comparisons, sweeps and sensitivity
analyses run *lean* (``record="summary"``: the rows and columns summaries read, and the
monthly snapshots), the full event log only where someone looks at events. Every figure
below is measured side by side in this one run and reported next to what it is compared
with; nothing here is a test.

1. **Engine cost per logged event against a bare SimPy process step**, in this one process,
   alternating, ``REPEATS`` times, medians. Engine: a default run (500 accounts, 3 years
   after half a year of warm-up) -- building the model and ``Model.run()`` with its full log
   and result tables -- divided by the rows of its event log. Bare SimPy: as many processes
   as the book has accounts, each looping on ``yield env.timeout(gap)`` (exponential gaps)
   and counting its steps, run by ``env.run(until=...)`` for a similar number of steps; its
   time per step. The garbage collector is off while either runs (as ``Model.run`` leaves
   it). The ratio says how many bare SimPy steps one logged event costs. Target: <= 8x.
   It is taken on the process's CPU time, which other programs on a shared machine barely
   move; the ratio of wall times is printed beside it, and so is the lean run's ratio (its
   time over the same event count). The SimPy events the engine processes per logged event
   (``bench_engine.drive``, warm-up included) say how much of the ratio is the number of
   steps and how much the cost of each.
2. **Lean 10k accounts x 3 years**: what a comparison's worker does for one run
   (``run_one``: build, run, headline summary), lean and full alternating in one process,
   ``SIZE_REPEATS`` times each, medians. Target (lean): <= 3 s.
3. **Peak memory, lean against full**, 10k accounts x 5 years, each in a fresh process:
   the peak resident set of ``run_one``.
4. **Lean 100k accounts x 5 years** in a fresh process (one process: territories, which
   split it over processes, are measured by their own benchmark): wall time and peak
   resident set. Target: <= 1 GiB peak RSS per process; the 60 s wall target is for
   territories on 2 cores, so the single-process wall here is reported without it.
   ``--quick`` skips this run (1.5-2.5 minutes).

The scenarios are the default one grown as a whole (``common.scaled_scenario``), reactive
strategy (the CLI's default), replication 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import simpy
from bench_engine import drive
from common import emit, figure, median, scaled_scenario

from simkit.engine.model import Model
from simkit.engine.scenario import default_scenario
from simkit.experiments.runner import Run, run_one

HERE = Path(__file__).resolve().parent
REPEATS = 7
SIZE_REPEATS = 3
EVENT_RATIO_TARGET = 8.0
LEAN_10K_TARGET = 3.0
RSS_TARGET_MIB = 1024.0
STRATEGIES = ("reactive", "customer_success")


# ------------------------------------------------------------------ 1. cost per logged event
def bare_simpy(processes: int, steps: int, mean_gap: float = 30.0) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and steps of bare SimPy: ``processes`` processes waiting
    exponential gaps, run by ``env.run`` until about ``steps`` steps are done (each process
    counts its own)."""
    env = simpy.Environment()
    rng = random.Random(1)
    done = [0]

    def account():
        while True:
            yield env.timeout(rng.expovariate(1 / mean_gap))
            done[0] += 1

    for _ in range(processes):
        env.process(account())
    until = steps * mean_gap / processes  # each process steps once per mean gap
    (wall, cpu), _ = clocked(lambda: env.run(until=until))
    return wall, cpu, done[0]


def clocked(fn) -> tuple[tuple[float, float], object]:
    """(wall seconds, CPU seconds of this process) of one call, garbage collector off (as
    ``Model.run`` has it), and the call's result."""
    gc.collect()
    gc.disable()
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        return (time.perf_counter() - w0, time.process_time() - c0), out
    finally:
        gc.enable()


def full_and_lean(strategy: str) -> dict[str, float]:
    """Wall and CPU seconds of one default run recorded in full and lean, the full log's
    rows, and the share of building the model in the full run's time."""
    sc = default_scenario()
    (wb, cb), model = clocked(lambda: Model(sc, strategy, 0))
    (wr, cr), res = clocked(model.run)  # type: ignore[attr-defined]
    (wl, cl), _ = clocked(lambda: Model(sc, strategy, 0, record="summary").run())
    return {"wall": wb + wr, "cpu": cb + cr, "lean_wall": wl, "lean_cpu": cl,
            "logged": len(res.events), "build": wb / (wb + wr)}  # type: ignore[attr-defined]  # fmt: skip


def cost_per_event() -> list[dict[str, object]]:
    """Item 1: the engine's time per logged event against a bare SimPy step."""
    figures = []
    accounts = default_scenario().portfolio.total_accounts
    for strategy in STRATEGIES:
        full_us, lean_us, bare_us, ratios, lean_ratios, walls, builds = [], [], [], [], [], [], []
        for _ in range(REPEATS):
            run = full_and_lean(strategy)
            logged = int(run["logged"])
            bare_wall, bare_cpu, steps = bare_simpy(accounts, logged)
            per_bare = bare_cpu / steps
            builds.append(run["build"])
            full_us.append(1e6 * run["cpu"] / logged)
            lean_us.append(1e6 * run["lean_cpu"] / logged)
            bare_us.append(1e6 * per_bare)
            ratios.append(run["cpu"] / logged / per_bare)
            lean_ratios.append(run["lean_cpu"] / logged / per_bare)
            walls.append(run["wall"] / logged / (bare_wall / steps))
        r, lr = median(ratios), median(lean_ratios)
        model = Model(default_scenario(), strategy, 0)
        per_logged = drive(model.env, until=model.t_end + 1e-7) / logged
        print(
            f"{strategy}: {logged:,} logged events; engine {median(full_us):.2f} us of CPU per "
            f"logged event (lean {median(lean_us):.2f}); bare SimPy step "
            f"{median(bare_us):.2f} us; engine / bare {r:.1f}x (lean {lr:.1f}x; runs: "
            f"{', '.join(f'{x:.1f}' for x in ratios)}); on wall time {median(walls):.1f}x; "
            f"building the model is {100 * median(builds):.0f} % of the engine's time; "
            f"{per_logged:.2f} SimPy events per logged event (warm-up included)"
        )
        figures += [
            figure(f"engine CPU per logged event ({strategy})", round(median(full_us), 2), "us"),
            figure(f"SimPy events per logged event ({strategy})", round(per_logged, 2), "events"),
            figure(f"bare SimPy process step (beside {strategy})", round(median(bare_us), 2), "us"),
            figure(
                f"engine per logged event / bare SimPy step, CPU ({strategy})", round(r, 1), "x",
                f"<= {EVENT_RATIO_TARGET:g}", r <= EVENT_RATIO_TARGET,
            ),
            figure(f"lean run per logged event / bare SimPy step ({strategy})", round(lr, 1), "x"),
            figure(f"engine per logged event / bare step, wall ({strategy})",
                   round(median(walls), 1), "x"),
        ]  # fmt: skip
    return figures


# ------------------------------------------------------------------ 2. lean 10k x 3 years
def one_run(accounts: int, years: float, record: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``run_one`` (build, run, headline summary) for a scaled
    scenario (the garbage collector as ``run_one`` leaves it)."""
    task = Run(scaled_scenario(accounts, years), "reactive", 0, record=record)
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    run_one(task)
    return time.perf_counter() - w0, time.process_time() - c0


def lean_10k() -> list[dict[str, object]]:
    """Item 2: lean and full 10k x 3 years, alternating in this process."""
    lean, full, lean_cpu, full_cpu = [], [], [], []
    for i in range(SIZE_REPEATS):
        for record in ("summary", "events") if i % 2 == 0 else ("events", "summary"):
            wall, cpu = one_run(10_000, 3.0, record)
            (lean if record == "summary" else full).append(wall)
            (lean_cpu if record == "summary" else full_cpu).append(cpu)
    t_lean, t_full = median(lean), median(full)
    c_lean, c_full = median(lean_cpu), median(full_cpu)
    print(
        f"10k accounts x 3 years, run_one: lean {t_lean:.2f} s, full {t_full:.2f} s "
        f"(lean / full {t_lean / t_full:.2f}; lean runs: {', '.join(f'{x:.2f}' for x in lean)});"
        f" CPU time lean {c_lean:.2f} s, full {c_full:.2f} s (lean / full {c_lean / c_full:.2f})"
    )
    return [
        figure("lean 10k accounts x 3 years: wall time", round(t_lean, 2), "s",
               f"<= {LEAN_10K_TARGET:g} s", t_lean <= LEAN_10K_TARGET),
        figure("full 10k accounts x 3 years: wall time (beside it)", round(t_full, 2), "s"),
        figure("lean / full time, 10k accounts x 3 years", round(t_lean / t_full, 2), "ratio"),
        figure("lean 10k accounts x 3 years: CPU time", round(c_lean, 2), "s"),
        figure("lean / full CPU time, 10k accounts x 3 years", round(c_lean / c_full, 2), "ratio"),
    ]  # fmt: skip


# ------------------------------------------------------------------ 3, 4. fresh processes
def peak_rss_mib() -> float:
    """This process's peak resident set (``VmHWM``), in MiB. (``ru_maxrss`` is not used: on
    Linux it keeps the peak of the process that started this one, from before ``exec``.)"""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(accounts: int, years: float, record: str) -> None:
    """In a fresh process: one ``run_one``; print its wall time and peak RSS as JSON."""
    rss0 = peak_rss_mib()
    task = Run(scaled_scenario(accounts, years), "reactive", 0, record=record)
    gc.collect()
    start = time.perf_counter()
    out = run_one(task)
    wall = time.perf_counter() - start
    rss = peak_rss_mib()
    print(json.dumps({"wall": wall, "rss_mib": rss, "import_rss_mib": rss0,
                      "revenue": float(out.summary["revenue"])}))  # fmt: skip


def fresh(accounts: int, years: float, record: str) -> dict[str, float]:
    """Run :func:`child` in a new Python process and read its figures."""
    cmd = [sys.executable, __file__, "--child", str(accounts), str(years), record]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode:
        raise RuntimeError(f"{accounts} accounts x {years} years ({record}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_side_by_side() -> list[dict[str, object]]:
    """Item 3: peak RSS of a lean and a full 10k x 5 years run, each in a fresh process."""
    lean, full = fresh(10_000, 5.0, "summary"), fresh(10_000, 5.0, "events")
    assert lean["revenue"] == full["revenue"], "lean and full runs disagree"
    print(
        f"10k accounts x 5 years, fresh process each: peak RSS lean {lean['rss_mib']:,.0f} MiB, "
        f"full {full['rss_mib']:,.0f} MiB (after imports {lean['import_rss_mib']:,.0f}); "
        f"wall lean {lean['wall']:.2f} s, full {full['wall']:.2f} s; same revenue"
    )
    above = (lean["rss_mib"] - lean["import_rss_mib"]) / (full["rss_mib"] - full["import_rss_mib"])
    return [
        figure("lean 10k x 5 years: peak RSS", round(lean["rss_mib"]), "MiB"),
        figure("full 10k x 5 years: peak RSS (beside it)", round(full["rss_mib"]), "MiB"),
        figure("lean / full memory above imports, 10k x 5 years", round(above, 2), "ratio"),
    ]


def lean_100k() -> list[dict[str, object]]:
    """Item 4: lean 100k x 5 years in one fresh process."""
    m = fresh(100_000, 5.0, "summary")
    print(
        f"lean 100k accounts x 5 years, one process: {m['wall']:.1f} s, peak RSS "
        f"{m['rss_mib']:,.0f} MiB (after imports {m['import_rss_mib']:,.0f})"
    )
    rss = m["rss_mib"]
    return [
        figure("lean 100k accounts x 5 years, one process: wall time", round(m["wall"], 1), "s"),
        figure("lean 100k accounts x 5 years: peak RSS per process", round(rss), "MiB",
               f"<= {RSS_TARGET_MIB:,.0f} MiB", rss <= RSS_TARGET_MIB),
    ]  # fmt: skip


def main(quick: bool = False) -> None:
    figures = cost_per_event() + lean_10k() + memory_side_by_side()
    if not quick:
        figures += lean_100k()
    emit(figures)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--quick", action="store_true", help="skip the 100k run")
        main(parser.parse_args().quick)
