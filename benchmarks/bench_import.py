"""How long do imports take: starting simkit, and reading a large account list?

1. Start-up. ``python -c pass``, ``python -c "import simkit"`` and ``simkit --help`` are
   each run in a fresh process, alternating, several rounds; the medians are reported,
   with ``simkit --help`` as a difference from and a ratio to bare Python. Target:
   ``simkit --help`` within 0.5 s. It also lists which heavy libraries (matplotlib, scipy,
   pandas, numpy, SimPy) each start-up loads (``python -X importtime``): none should be.
2. Account lists. Writes a made-up 100,000-row portfolio CSV to a temporary folder, reads
   it with :func:`simkit.io.portfolio.read_csv` (every check included), and prints the
   time, the rows per second and how long an equally large file with problems takes to
   report them.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--rounds N] [--startup-only]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit, figure, machine, median

HEAVY = ("matplotlib", "scipy", "pandas", "numpy", "simpy")
"""Libraries that ``import simkit`` and ``simkit --help`` must not load."""

HELP_TARGET = 0.5
"""Seconds ``simkit --help`` may take on a quiet machine."""


ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"
"""The ``simkit`` console script's entry point, for running it under ``python -X``."""


def _simkit_command() -> list[str]:
    """The ``simkit`` console script of this environment (or its entry point via -c)."""
    script = Path(sys.executable).with_name("simkit")
    return [str(script)] if script.is_file() else [sys.executable, "-c", ENTRY]


STARTS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import simkit": [sys.executable, "-c", "import simkit"],
    "simkit --help": [*_simkit_command(), "--help"],
}
"""The start-ups timed, each a command line."""

TRACED = {"import simkit": ["-c", "import simkit"], "simkit --help": ["-c", ENTRY, "--help"]}
"""The same start-ups as Python arguments, to run under ``-X importtime``."""


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_modules(arguments: list[str]) -> list[str]:
    """The heavy libraries ``python ARGUMENTS`` imports (read from ``-X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments], capture_output=True, text=True
    )
    loaded = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return sorted(loaded & set(HEAVY))


def startup(rounds: int) -> list[dict[str, object]]:
    """Median wall time of each start-up, alternating, and what they load."""
    times: dict[str, list[float]] = {name: [] for name in STARTS}
    for command in STARTS.values():  # warm the file cache once
        _wall(command)
    for _ in range(rounds):
        for name, command in STARTS.items():
            times[name].append(_wall(command))
    bare, plain, helped = (median(times[n]) for n in STARTS)
    heavy = {name: heavy_modules(arguments) for name, arguments in TRACED.items()}
    print(f"start-up, median of {rounds} alternating rounds (load {machine()['load']}):")
    for name in STARTS:
        print(f"  {name:<15} {median(times[name]):.3f} s   (min {min(times[name]):.3f} s)")
    print(
        f"  simkit --help: +{helped - bare:.3f} s over bare Python ({helped / bare:.1f}x); "
        f"import simkit: +{plain - bare:.3f} s"
    )
    for name, mods in heavy.items():
        print(f"  {name} loads: {', '.join(mods) if mods else 'none of ' + ', '.join(HEAVY)}")
    return [
        figure(
            "simkit --help wall time",
            helped,
            "s",
            f"<= {HELP_TARGET} s",
            helped <= HELP_TARGET,
        ),
        figure("simkit --help over python -c pass", helped - bare, "s"),
        figure("simkit --help / python -c pass", helped / bare, "x"),
        figure("import simkit over python -c pass", plain - bare, "s"),
        figure(
            "heavy libraries loaded by import simkit and simkit --help",
            len(set(heavy["import simkit"]) | set(heavy["simkit --help"])),
            "",
            "0",
            not (heavy["import simkit"] or heavy["simkit --help"]),
        ),
    ]


def make_file(path: Path, rows: int, seed: int = 1, broken: int = 0) -> Path:
    """A CSV of ``rows`` made-up accounts; ``broken`` of them get a bad segment or ARR."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    seg = rng.choice(["Key", "Enterprise", "Mid-Market", "SMB"], rows, p=[0.04, 0.12, 0.34, 0.5])
    end = pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(1, 365, rows), unit="D")
    start = end - pd.Timedelta(days=365)
    frame = pd.DataFrame(
        {
            "account_id": [f"ACC-{i:07d}" for i in range(rows)],
            "segment": seg,
            "arr": np.round(rng.lognormal(10, 1, rows), 2),
            "contract_start": start.strftime("%Y-%m-%d"),
            "contract_end": end.strftime("%Y-%m-%d"),
            "term_months": 12,
            "health": rng.integers(0, 101, rows),
            "stage": rng.choice(["customer", "loyal", "prospect"], rows, p=[0.6, 0.35, 0.05]),
            "owner": rng.choice(["Ana", "Ben", "Chloe", "Dev"], rows),
        }
    )
    if broken:
        bad = rng.choice(rows, broken, replace=False)
        frame.loc[bad[::2], "segment"] = "Gold"
        frame["arr"] = frame["arr"].astype(object)
        frame.loc[bad[1::2], "arr"] = "n/a"
    frame.to_csv(path, index=False)
    return path


def account_list(rows: int) -> list[dict[str, object]]:
    """Read a clean and a broken ``rows``-row account list; time both."""
    from simkit.io.portfolio import PortfolioError, read_csv

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        good = make_file(Path(tmp) / "good.csv", rows)
        t = time.perf_counter()
        book = read_csv(good, as_of="2026-10-01")
        clean = time.perf_counter() - t
        print(f"clean file: {len(book):,} rows in {clean:.2f} s ({len(book) / clean:,.0f} rows/s)")
        figures.append(figure(f"read a clean {rows:,}-row account list", clean, "s"))

        bad = make_file(Path(tmp) / "bad.csv", rows, broken=rows // 10)
        t = time.perf_counter()
        try:
            read_csv(bad, as_of="2026-10-01")
        except PortfolioError as exc:
            took = time.perf_counter() - t
            print(
                f"file with problems: {exc.total:,} problems found ({len(exc.problems)} listed) "
                f"in {took:.2f} s"
            )
            figures.append(figure(f"report the problems of a {rows:,}-row list", took, "s"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000, help="account list rows")
    parser.add_argument("--rounds", type=int, default=7, help="start-up rounds (median)")
    parser.add_argument("--startup-only", action="store_true", help="skip the account list")
    args = parser.parse_args()
    figures = startup(args.rounds)
    if not args.startup_only:
        figures += account_list(args.rows)
    emit(figures)


if __name__ == "__main__":
    main()
