"""Shared by the tests: small scenarios (fast to simulate) and process-tree helpers for the
tests that check no process outlives its command (Linux /proc)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from simkit.engine.scenario import Scenario, default_scenario


def small_scenario(**changes: object) -> Scenario:
    """The default scenario shrunk to ~60 accounts and one year, plus ``changes``."""
    base = {
        "portfolio.key.count": 4,
        "portfolio.enterprise.count": 8,
        "portfolio.mid_market.count": 20,
        "portfolio.small.count": 28,
        "pipeline.prospects_per_month": 3.0,
        "team.managers": 2,
        "horizon_years": 1.0,
        "warmup_years": 0.25,
    }
    base.update(changes)
    return default_scenario().update(base)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children, ...), read from /proc."""
    below: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        below.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in below.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` every 50 ms for up to ``timeout`` seconds; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
