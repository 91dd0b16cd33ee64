"""The ``simkit`` command line.

    simkit run      [--scenario FILE] [--book FILE.csv] [--strategy NAME] [--out DIR]
    simkit compare  [--scenario FILE] [--book FILE.csv] [--strategies a,b,...] [--out DIR]
    simkit strategies
    simkit scenario show [FILE]
    simkit scenario validate FILE
    simkit exercises build [--source exercises/source] [--out exercises]
    simkit exercises leaderboard FOLDER [--out DIR] [--watch N]
    simkit import   FILE [--as-of DATE] [--out scenario.toml]
    simkit dashboard [--port N]
    simkit calibrate TABLE.csv [--scenario FILE] --out scenario.toml [--mode behaviour|theory]
    simkit sweep    GRID.toml [-o results.csv] [--scheduler tcp://...] [--jobs N] [--frontier]
    simkit frontier RUNS.csv [-o frontier.png] [--cost auto|team_cost|strategy_cost]
    simkit sensitivity [--scenario FILE] [--method morris|oat] [--quick] [--out DIR]
    simkit workshop [--host 127.0.0.1] [--port N] [--db FILE] [--settings FILE] [--book FILE.csv]
                    [--rounds N] [--mode simple|full]

``run``, ``compare`` and ``sweep`` take ``--seed``, ``--years``, ``--managers``,
``--replications`` and ``--set FIELD=VALUE`` (any scenario field), so a what-if needs no file;
``run`` and ``compare`` also ``--book`` (your account list), ``--json`` and ``--time-limit``.

Errors are one line on stderr and exit code 2, never a traceback. Ctrl-C (exit 130) and
SIGTERM (143) stop at once and no worker outlives the command; a closed pipe (``| head``)
stops it quietly (141), its files already written.

Every command imports what it needs inside its function, so ``simkit --help`` (and a typo
in a command name) loads only Typer, not pandas, SimPy or matplotlib:
``tests/test_architecture.py`` checks this, ``benchmarks/bench_import.py`` times it.
"""

from simkit.cli import files, runs, sensitivity, sweeps, teaching, workshop  # noqa: F401  (each registers commands)
from simkit.cli.common import app

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    app()
