"""The architecture, checked: layers and no cycles (import-linter), no SimPy internals, small
modules, and a start-up that loads nothing heavy.

The import contracts live in ``pyproject.toml`` (``[tool.importlinter]``): simkit.cli on top,
then simkit.ui, then experiments : viz : teaching, then analysis : io, then simkit.engine;
the engine imports no Jupyter, widget, plotting or scipy package; no package has an import
cycle between its modules. ``make lint-imports`` runs the same check on its own.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simkit"
MAX_LINES = 600
HEAVY = ("matplotlib", "scipy", "pandas", "numpy", "simpy", "ipywidgets", "IPython")
"""Libraries that ``import simkit`` and ``simkit --help`` must not load."""

ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"
"""What the ``simkit`` console script runs (``[project.scripts]``), for ``python -c``."""

PRIVATE_SIMPY = re.compile(r"\benv\._\w|\._(queue|eid|now|active_proc)\b")
"""SimPy's private state: the environment's attributes, its event heap, ids and clock."""


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold():
    """`lint-imports`: the layers, the plain engine and the absence of cycles."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"lint-imports failed:\n{done.stdout}\n{done.stderr}"
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken\.", done.stdout), done.stdout


def test_no_private_simpy_attribute_is_used():
    """The model uses SimPy's public API only: no env._queue, env._eid, env._now..."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PRIVATE_SIMPY.search(line)
    ]
    assert not found, "private SimPy attributes used:\n" + "\n".join(found)


def test_no_module_is_over_600_lines():
    """Modules of one responsibility stay small enough to read (lines as `wc -l` counts)."""
    sizes = {str(path.relative_to(ROOT)): path.read_bytes().count(b"\n") for path in _sources()}
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {dict(sorted(over.items()))}"


def _loaded_by(arguments: list[str]) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Top-level packages a fresh ``python ARGUMENTS`` imports, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return loaded, done


@pytest.mark.parametrize(
    "arguments",
    [["-c", "import simkit"], ["-c", ENTRY, "--help"]],
    ids=["import simkit", "simkit --help"],
)
def test_start_up_loads_nothing_heavy(arguments):
    loaded, done = _loaded_by(arguments)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "simkit" in loaded  # the check itself works: it sees what was imported
    assert loaded & set(HEAVY) == set(), f"loaded at start-up: {sorted(loaded & set(HEAVY))}"
    if "--help" in arguments:
        assert "Usage" in done.stdout and "sweep" in done.stdout


def test_every_public_name_of_the_lazy_api_resolves():
    import simkit

    assert sorted(simkit.__all__) == sorted(simkit._WHERE)
    for name in simkit.__all__:
        value = getattr(simkit, name)
        home = importlib.import_module(simkit._WHERE[name])
        assert value is getattr(home, name), name
        assert getattr(value, "__module__", home.__name__) == home.__name__, (
            f"simkit.{name} is defined in {value.__module__}, not {home.__name__}: "
            "point simkit._WHERE at its home"
        )
    assert set(simkit.__all__) <= set(dir(simkit))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        simkit.nope  # noqa: B018
