"""Where a default run spends its time: ``python benchmarks/bench_profile.py``

cProfile of one default-scenario run (3 years after the warm-up; building the model and
``Model.run()``, result tables included) under the reactive strategy and under customer
success. Own time is grouped by the code it is spent in -- SimPy's loop, SimPy's events and
processes, the team's ``simpy.PriorityResource``, the model's processes, the behaviour rules,
strategy calls, the ledger and its event log, month-end snapshots, random tapes, result
tables -- and the time of built-in functions (``math.exp``, ``list.append``, heap pushes...)
goes to the group of the code that called them. Then the ten functions with the most own
time. Profiling inflates every call, so the shares matter, not the seconds.
"""

from __future__ import annotations

import cProfile
import pstats

from common import emit, figure

from simkit.engine.model import Model
from simkit.engine.scenario import default_scenario

Key = tuple[str, int, str]

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SimPy's loop (Environment.step, run, schedule, peek)", ("simpy/core.py",)),
    ("SimPy's events and processes (Timeout, Process resume)", ("simpy/events.py",)),
    ("team queue (simpy.PriorityResource request, release)", ("simpy/resources/",)),
    ("model processes (engine/model.py)", ("simkit/engine/model.py",)),
    ("behaviour rules (engine/rules.py)", ("simkit/engine/rules.py",)),
    ("strategy calls (engine/strategies.py)", ("simkit/engine/strategies.py",)),
    ("month-end snapshots (Ledger.begin, snapshot)", ("@snapshot", "@begin")),
    ("ledger: event log, running totals", ("simkit/engine/ledger.py", "simkit/engine/events.py")),
    ("random tapes (engine/streams.py)", ("simkit/engine/streams.py",)),
    ("accounts (engine/accounts.py)", ("simkit/engine/accounts.py",)),
    ("starting book (engine/book.py)", ("simkit/engine/book.py",)),
    ("result tables (Results, pandas, numpy)", ("simkit/engine/results.py", "pandas/", "numpy/")),
)
OTHER = "other"
RULES = "behaviour rules (engine/rules.py)"


def group_of(key: Key, stats: dict, seen: frozenset[Key] = frozenset()) -> dict[str, float]:
    """The group(s) a function's own time belongs to, as shares summing to 1. A built-in's
    time is split over its callers' groups in proportion to the time each call site spent
    (``seen``: the built-ins already on this path of callers, to stop at cycles)."""
    file, _, name = key
    if file == "~" or file.startswith("<"):
        callers = {c: e for c, e in stats[key][4].items() if c not in seen and c != key}
        total = sum(edge[2] for edge in callers.values())
        if total <= 0:
            return {OTHER: 1.0}
        shares: dict[str, float] = {}
        for caller, edge in callers.items():
            for g, s in group_of(caller, stats, seen | {key}).items():
                shares[g] = shares.get(g, 0.0) + s * edge[2] / total
        return shares
    path = file.replace("\\", "/")
    for group, marks in GROUPS:
        for mark in marks:
            if mark.startswith("@"):
                if "simkit/engine/ledger.py" in path and name == mark[1:]:
                    return {group: 1.0}
            elif mark in path:
                return {group: 1.0}
    return {OTHER: 1.0}


def profile(strategy: str) -> tuple[dict[str, float], list[tuple[float, str]], float]:
    """Shares of own time by group, the top ten functions, and the profiled seconds."""
    prof = cProfile.Profile()
    prof.enable()
    Model(default_scenario(), strategy, 0).run()
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    shares: dict[str, float] = {}
    for key, v in stats.items():
        for group, share in group_of(key, stats).items():
            shares[group] = shares.get(group, 0.0) + share * v[2] / total
    top = sorted(
        (
            (v[2] / total, f"{name} ({file.rsplit('/', 1)[-1]}:{line})")
            for (file, line, name), v in stats.items()
        ),
        reverse=True,
    )[:10]
    return shares, top, total


def main() -> None:
    figures = []
    for strategy in ("reactive", "customer_success"):
        shares, top, total = profile(strategy)
        print(f"{strategy}: share of own time ({total:.2f} s under the profiler)")
        for group, share in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {100 * share:5.1f} %  {group}")
        simpy_share = sum(s for g, s in shares.items() if g.startswith(("SimPy", "team")))
        print("  top functions by own time: " + "; ".join(f"{n} {100 * s:.1f} %" for s, n in top))
        figures.append(
            figure(f"profile {strategy}: share in SimPy (loop, events, team queue)",
                   round(100 * simpy_share), "%")
        )  # fmt: skip
        figures.append(
            figure(f"profile {strategy}: share in model processes and rules",
                   round(100 * (shares.get("model processes (engine/model.py)", 0.0)
                                + shares.get(RULES, 0.0))), "%")
        )  # fmt: skip
    emit(figures)


if __name__ == "__main__":
    main()
