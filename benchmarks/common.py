"""Helpers shared by the benchmark scripts (not a benchmark itself).

Every ``bench_*.py`` prints its figures in plain words and ends with one line
``RESULT {json}`` that ``run_all.py`` collects into ``results.md``: a list of figures, each
``{"name", "value", "unit", "target", "met"}`` (``target``/``met`` empty when there is none).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

from simkit.engine.scenario import SEGMENTS, Scenario, default_scenario


def scaled_scenario(accounts: int, years: float = 3.0) -> Scenario:
    """The default scenario grown to ``accounts``: every segment, the pipeline and the team
    scale together, so each manager looks after as many accounts as in the default."""
    base = default_scenario()
    f = accounts / base.portfolio.total_accounts
    changes: dict[str, object] = {
        f"portfolio.{s}.count": round(base.portfolio.segment(s).count * f) for s in SEGMENTS
    }
    changes["team.managers"] = max(1, round(base.team.managers * f))
    changes["pipeline.prospects_per_month"] = base.pipeline.prospects_per_month * f
    changes["horizon_years"] = years
    return base.update(changes)


def timed(fn: Callable[[], object], collect: bool = True) -> tuple[float, object]:
    """Wall time of one call (seconds) and its result.

    Garbage left by earlier work is collected first, so every timed call starts from the
    same state; ``collect=False`` also keeps the cyclic collector off during the call.
    """
    gc.collect()
    was = gc.isenabled()
    if not collect:
        gc.disable()
    try:
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out
    finally:
        if was:
            gc.enable()


def median(values: list[float]) -> float:
    """The median, as a plain float."""
    return float(statistics.median(values))


def figure(
    name: str, value: float, unit: str, target: str = "", met: bool | None = None
) -> dict[str, object]:
    """One reported figure; ``target`` (e.g. ``">= 20"``) and ``met`` when it has a target."""
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met}


def emit(figures: list[dict[str, object]]) -> None:
    """Print the machine-readable line ``run_all.py`` reads."""
    print("RESULT " + json.dumps(figures))


def machine() -> dict[str, str]:
    """Cores, CPU model, Python and load: what the figures were measured on."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "cores": str(cores),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load": load,
    }
