"""Scaling in accounts and years: ``python benchmarks/bench_scaling.py [--quick]``

Each size runs in a fresh Python process, so its peak memory (resident set) is its own:
the default scenario scaled to N accounts (segments, pipeline and team grown together, see
``common.scaled_scenario``), reactive strategy (the CLI's default), one replication. Wall
time covers building the model, the run, the result tables and the run summary (what
``simkit run`` does). Targets: 10k accounts x 3 years <= 3 s; 100k x 5 years <= 60 s and
<= 1 GiB peak RSS. ``--quick`` skips the 100k run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from common import emit, figure

from simkit.analysis.summary import run_summary

SIZES = [(1_000, 3.0), (10_000, 1.0), (10_000, 3.0), (10_000, 5.0), (100_000, 5.0)]
TARGETS = {(10_000, 3.0): (3.0, None), (100_000, 5.0): (60.0, 1024.0)}


def child(accounts: int, years: float, strategy: str) -> None:
    import resource
    import time

    from common import scaled_scenario

    from simkit.engine.model import Model

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scenario = scaled_scenario(accounts, years)
    t0 = time.perf_counter()
    model = Model(scenario, strategy)
    t1 = time.perf_counter()
    res = model.run()
    t2 = time.perf_counter()
    run_summary(res)
    t3 = time.perf_counter()
    out = {
        "build": t1 - t0,
        "run": t2 - t1,
        "summary": t3 - t2,
        "wall": t3 - t0,
        "events": len(res.events),
        "accounts": len(res.accounts),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "import_rss_mb": base_rss,
    }
    print(json.dumps(out))


def measure(accounts: int, years: float, strategy: str = "reactive") -> dict:
    cmd = [sys.executable, __file__, "--child", str(accounts), str(years), strategy]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parent)
    if done.returncode:
        raise RuntimeError(f"{accounts} accounts x {years} years failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> None:
    figures = []
    for accounts, years in SIZES:
        if quick and accounts >= 100_000:
            continue
        m = measure(accounts, years)
        print(
            f"{accounts:>7,} accounts x {years:g} years: {m['wall']:6.2f} s "
            f"(build {m['build']:.2f}, run {m['run']:.2f}, summary {m['summary']:.2f}); "
            f"{m['events']:,} events, {m['accounts']:,} accounts in the end; "
            f"peak RSS {m['rss_mb']:,.0f} MiB (after imports {m['import_rss_mb']:,.0f})"
        )
        name = f"{accounts // 1000}k accounts x {years:g} years"
        t_max, rss_max = TARGETS.get((accounts, years), (None, None))
        figures.append(
            figure(
                f"{name}: wall time",
                round(m["wall"], 2),
                "s",
                f"<= {t_max:g} s" if t_max else "",
                None if t_max is None else m["wall"] <= t_max,
            )
        )
        figures.append(
            figure(
                f"{name}: peak RSS",
                round(m["rss_mb"]),
                "MiB",
                f"<= {rss_max:g} MiB" if rss_max else "",
                None if rss_max is None else m["rss_mb"] <= rss_max,
            )
        )
    emit(figures)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    else:
        main(quick="--quick" in sys.argv)
