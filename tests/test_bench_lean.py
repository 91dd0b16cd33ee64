"""Smoke tests of ``benchmarks/bench_lean.py``: its measuring tools measure what they claim
(no time is asserted; the figures belong in ``benchmarks/results.md``)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_lean  # noqa: E402


def test_bare_simpy_runs_about_the_steps_asked_for_and_counts_them():
    wall, cpu, steps = bench_lean.bare_simpy(processes=50, steps=4_000)
    assert 3_000 < steps < 5_000 and wall > 0 and cpu > 0


def _current_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024


def test_peak_rss_is_this_process_high_water_mark():
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # every page touched: 64 MiB resident
    now = _current_rss_mib()
    assert now > 64 and bench_lean.peak_rss_mib() >= now
