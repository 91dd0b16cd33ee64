"""Where a default run spends its time: ``python benchmarks/bench_profile.py``

cProfile of one default-scenario run (3 years + warm-up) under the reactive strategy and
under customer success, own time grouped by what the code does, plus the ten functions
with the most own time. This is the profile that explains the engine's unmet targets
(see "Why some targets are not met" in README.md). Profiling inflates every call, so the
shares matter, not the seconds.
"""

from __future__ import annotations

import cProfile
import gc
import pstats

from common import emit, figure

from simkit.engine.model import Model
from simkit.engine.scenario import default_scenario

GROUPS = {
    "SimPy's loop (step, run, heap pops)": ("step", "run", "heappop"),
    "scheduling events (_at, _later, _next_day, _Event, heap pushes)": (
        "_at",
        "_later",
        "_next_day",
        "__init__",
        "heappush",
        "<built-in method builtins.next>",
        "<method 'get' of 'dict' objects>",
    ),
    "team queue (_work, granted, finished, simpy.PriorityResource)": (
        "_work",
        "granted",
        "finished",
        "request",
        "release",
        "_do_put",
        "_do_get",
        "_trigger_put",
        "_trigger_get",
        "succeed",
        "schedule",
        "append",
        "remove",
    ),
    "random tapes (next, refill blocks, inverse-CDF draws)": (
        "next",
        "_next_extra",
        "block",
        "_fast",
        "exponential",
        "normal",
        "inv_cdf",
    ),
    "event log (_log, flush)": ("_log", "flush"),
    "monthly snapshots": ("_snapshot", "<genexpr>", "_accrue_all", "_accrue"),
}


def profile(strategy: str) -> tuple[dict[str, float], list[tuple[float, str]]]:
    model = Model(default_scenario(), strategy, 0)
    gc.disable()
    prof = cProfile.Profile()
    prof.enable()
    model.env.run(until=model.t_end + 1e-7)
    prof.disable()
    gc.enable()
    stats = pstats.Stats(prof).stats
    total = sum(v[2] for v in stats.values())
    shares = dict.fromkeys(GROUPS, 0.0)
    rules = 0.0
    for (_, _, name), v in stats.items():
        for group, names in GROUPS.items():
            if name in names:
                shares[group] += v[2] / total
                break
        else:
            rules += v[2] / total
    shares["model rules (issues, renewals, surveys, upsells, health, strategy calls)"] = rules
    top = sorted(
        (
            (v[2] / total, f"{name} ({file.rsplit('/', 1)[-1]}:{line})")
            for (file, line, name), v in stats.items()
        ),
        reverse=True,
    )[:10]
    return shares, top


def main() -> None:
    figures = []
    for strategy in ("reactive", "customer_success"):
        shares, top = profile(strategy)
        print(f"{strategy}: share of own time")
        for group, share in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {100 * share:5.1f} %  {group}")
        rules = shares["model rules (issues, renewals, surveys, upsells, health, strategy calls)"]
        figures.append(figure(f"profile {strategy}: share in model rules", round(100 * rules), "%"))
        print("  top functions by own time: " + "; ".join(f"{n} {100 * s:.1f} %" for s, n in top))
    emit(figures)


if __name__ == "__main__":
    main()
