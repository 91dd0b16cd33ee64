"""Time default runs of one simkit checkout in its own process (a helper of ``bench_engine.py``).

    python benchmarks/engine_timer.py ROOT

It puts ``ROOT`` (a checkout's top directory) first on ``sys.path`` and imports *that*
checkout's engine: the layered package (``simkit.engine.model``) or, for a checkout from
before the move into layers, the flat one (``simkit.model``). After one short warm-up run it
prints a line ``{"module": <the model's source file>, "foreign": [...]}`` (``foreign`` lists
any simkit module that did not come from ``ROOT``) and then waits for strategy names on its
standard input, one a line. For each it times one default-scenario run -- building the
model, and ``Model.run()``: the SimPy run plus the result tables, exactly what ``simulate``
does, no summary; the garbage collector as that engine's own ``Model.run`` leaves it -- and
prints ``{"strategy", "build", "run", "cpu", "logged"}`` (seconds of wall time, seconds of
this process's CPU time for build and run, rows of the event log). An empty line ends it.

``bench_engine.py --against REV`` starts one of these for this checkout and one for the
other, and asks them for runs in turn, so the two engines are timed side by side under the
same load. This file imports nothing from simkit at module level, so it works for any
checkout.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path


def load(root: str) -> tuple[object, object, str]:
    """The ``Model`` class, ``default_scenario`` and the model's source file of the
    checkout at ``root``."""
    sys.path.insert(0, root)
    # Decide by the files, not by trying imports: an editable install of another checkout
    # would otherwise answer an import this checkout cannot.
    if (Path(root) / "simkit" / "engine" / "model.py").is_file():
        from simkit.engine.model import Model
        from simkit.engine.scenario import default_scenario
    else:  # a checkout from before the layered package
        from simkit.model import Model  # type: ignore[no-redef]
        from simkit.scenario import default_scenario  # type: ignore[no-redef]
    return Model, default_scenario, str(sys.modules[Model.__module__].__file__)


def foreign_modules(root: str) -> list[str]:
    """Imported simkit modules whose files are not under ``root``."""
    top = Path(root).resolve()
    return sorted(
        name
        for name, mod in list(sys.modules.items())
        if name.split(".")[0] == "simkit"
        and getattr(mod, "__file__", None)
        and not Path(mod.__file__).resolve().is_relative_to(top)
    )


def serve(root: str) -> None:
    """Load the checkout, warm up, then time one default run per strategy read from stdin."""
    Model, default_scenario, module = load(root)
    Model(default_scenario().update({"horizon_years": 1}), "reactive").run()  # warm-up
    print(json.dumps({"module": module, "foreign": foreign_modules(root)}), flush=True)
    for line in sys.stdin:
        strategy = line.strip()
        if not strategy:
            break
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        model = Model(default_scenario(), strategy, 0)
        t1 = time.perf_counter()
        res = model.run()
        t2, c2 = time.perf_counter(), time.process_time()
        out = {"strategy": strategy, "build": t1 - t0, "run": t2 - t1, "cpu": c2 - c0}
        print(json.dumps({**out, "logged": len(res.events)}), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1])
