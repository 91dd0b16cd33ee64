"""Territories in parallel: ``python benchmarks/bench_territories.py [--quick]``

A team organised in territories (``team.structure = "territories"``; see
:mod:`simkit.engine.territories`) splits one run into territories that share nothing, so
:func:`simkit.experiments.territories.run_territories` runs them side by side and merges
them. Every figure is measured side by side in this one run; nothing here is a test.

1. **Speed-up with 2 local workers against 1**: the same lean territory run (the default
   scenario grown to ``SPEEDUP_ACCOUNTS`` accounts and ``SPEEDUP_YEARS`` years, one
   territory per manager, reactive strategy), ``jobs=1`` and ``jobs=2`` alternating
   ``REPEATS`` times, in one process, medians. Target: >= 1.8x. The two runs' summaries,
   snapshots and accounts must be identical (checked; the benchmark fails otherwise).
   Beside it, the speed-up the CPU times allow: the 1-worker run's CPU seconds over the
   2-worker run's parent CPU plus half its workers' CPU -- what two cores of its own would
   give; on a shared machine the scheduler may not give the run two cores at once.
2. **The same run on a Dask LocalCluster** (2 worker processes, one thread each): its wall
   time, and a check that its numbers are identical to the local runs.
3. **Lean 100k accounts x 5 years with territories on 2 local workers**, in a fresh process:
   wall time (target <= 60 s) and the peak resident set of the parent and of the largest
   worker (target <= 1 GiB per process), and the wall time two free cores would give,
   estimated from the CPU times (parent + half the workers'). ``--quick`` skips it.

On a machine shared with other work the speed-up is noisy: two workers only help when two
cores are free (the load average is printed with each figure).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from common import emit, figure, median, scaled_scenario, timed

HERE = Path(__file__).resolve().parent
SPEEDUP_ACCOUNTS, SPEEDUP_YEARS = 20_000, 2.0
REPEATS = 2
SPEEDUP_TARGET = 1.8
BIG_ACCOUNTS, BIG_YEARS = 100_000, 5.0
WALL_TARGET, RSS_TARGET_MIB = 60.0, 1024.0


def territories(accounts: int, years: float):
    """The scaled default scenario with one territory per manager (round robin)."""
    return scaled_scenario(accounts, years).update({"team.structure": "territories"})


def fingerprint(res) -> tuple:
    """What must be identical between two runs of the same territories."""
    from simkit.analysis.summary import run_summary

    return (
        run_summary(res).to_json(),
        res.snapshots.to_json(),
        res.accounts.to_json(),
    )


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished child processes."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def speedup() -> list[dict]:
    from simkit.experiments.territories import run_territories

    sc = territories(SPEEDUP_ACCOUNTS, SPEEDUP_YEARS)
    times: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    prints = set()
    for _ in range(REPEATS):
        for jobs in (1, 2):
            before = cpu()
            seconds, res = timed(
                lambda j=jobs: run_territories(sc, "reactive", 0, jobs=j, record="summary")
            )
            after = cpu()
            times[jobs].append(seconds)
            cpus[jobs].append((after[0] - before[0], after[1] - before[1]))
            prints.add(fingerprint(res))
            del res
    if len(prints) != 1:
        raise SystemExit("territory runs on 1 and 2 workers differ: merging is broken")
    one, two = median(times[1]), median(times[2])
    ratio = one / two
    # what two free cores would give: the serial CPU time over the parent's part plus half
    # the workers' (a shared machine's scheduler may not give this run two cores at once)
    serial = median([c[0] for c in cpus[1]])
    parent, workers = median([c[0] for c in cpus[2]]), median([c[1] for c in cpus[2]])
    by_cpu = serial / (parent + workers / 2)
    name = f"{SPEEDUP_ACCOUNTS // 1000}k accounts x {SPEEDUP_YEARS:g} years"
    print(
        f"territories, {name}, {sc.team.managers} territories, lean: 1 worker {one:.2f} s, "
        f"2 workers {two:.2f} s: speed-up {ratio:.2f}x (load average {load()}); "
        "identical numbers"
    )
    print(
        f"  CPU time: 1 worker {serial:.2f} s; 2 workers {workers:.2f} s in the workers + "
        f"{parent:.2f} s in the parent: {by_cpu:.2f}x on two free cores (estimate)"
    )
    figures = [
        figure(f"territories {name}: 1 worker", round(one, 2), "s"),
        figure(f"territories {name}: 2 workers", round(two, 2), "s"),
        figure(
            "territory speed-up, 2 workers vs 1",
            round(ratio, 2),
            "x",
            f">= {SPEEDUP_TARGET:g}x",
            ratio >= SPEEDUP_TARGET,
        ),
        figure("territory speed-up the CPU times allow on 2 free cores", round(by_cpu, 2), "x"),
    ]
    figures += on_dask(sc, prints.pop())
    return figures


def on_dask(sc, expected: tuple) -> list[dict]:
    """The same run on a Dask LocalCluster of 2 processes: time, and identical numbers."""
    from distributed import Client, LocalCluster

    from simkit.experiments.territories import run_territories

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        seconds, res = timed(
            lambda: run_territories(sc, "reactive", 0, scheduler=client, record="summary")
        )
    same = fingerprint(res) == expected
    print(f"  on a Dask LocalCluster (2 processes): {seconds:.2f} s; identical numbers: {same}")
    if not same:
        raise SystemExit("the territory run on Dask differs from the local one")
    return [
        figure("territories on Dask LocalCluster (2 processes)", round(seconds, 2), "s"),
        figure("Dask numbers identical to local workers", "yes", "", "identical", True),
    ]


def child(accounts: int, years: float) -> None:
    """Fresh process: one lean territory run on 2 workers; wall time and peak RSS."""
    import time

    from simkit.analysis.summary import run_summary
    from simkit.experiments.territories import run_territories

    sc = territories(accounts, years)
    before = cpu()
    start = time.perf_counter()
    res = run_territories(sc, "reactive", 0, jobs=2, record="summary")
    run_summary(res)
    wall = time.perf_counter() - start
    after = cpu()
    out = {
        "wall": wall,
        "cpu_parent": after[0] - before[0],
        "cpu_workers": after[1] - before[1],
        "territories": sc.team.managers,
        "accounts": len(res.accounts),
        "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    print(json.dumps(out))


def big() -> list[dict]:
    cmd = [sys.executable, __file__, "--child", str(BIG_ACCOUNTS), str(BIG_YEARS)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode:
        raise RuntimeError(f"the 100k territory run failed:\n{done.stderr[-2000:]}")
    m = json.loads(done.stdout.strip().splitlines()[-1])
    rss = max(m["rss_parent_mb"], m["rss_worker_mb"])
    name = f"lean {BIG_ACCOUNTS // 1000}k accounts x {BIG_YEARS:g} years, territories, 2 workers"
    print(
        f"{name}: {m['wall']:.1f} s ({m['territories']} territories, {m['accounts']:,} accounts "
        f"in the end); peak RSS parent {m['rss_parent_mb']:,.0f} MiB, largest worker "
        f"{m['rss_worker_mb']:,.0f} MiB (load average {load()}); CPU time: parent "
        f"{m['cpu_parent']:.1f} s, workers {m['cpu_workers']:.1f} s, so about "
        f"{m['cpu_parent'] + m['cpu_workers'] / 2:.1f} s on two free cores (estimate)"
    )
    return [
        figure(
            f"{name}: wall time on two free cores (estimate from CPU time)",
            round(m["cpu_parent"] + m["cpu_workers"] / 2, 1),
            "s",
        ),
        figure(
            f"{name}: wall time",
            round(m["wall"], 1),
            "s",
            f"<= {WALL_TARGET:g} s",
            m["wall"] <= WALL_TARGET,
        ),
        figure(
            f"{name}: peak RSS per process",
            round(rss),
            "MiB",
            f"<= {RSS_TARGET_MIB:g} MiB",
            rss <= RSS_TARGET_MIB,
        ),
    ]


def main(quick: bool = False) -> None:
    figures = speedup()
    if not quick:
        figures += big()
    emit(figures)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), float(sys.argv[3]))
    else:
        main(quick="--quick" in sys.argv)
