"""Dependency minimums: past the published advisories, the same in pyproject.toml and
environment.yml, and met by the installed packages (``make audit`` checks the installed
versions against the advisory database itself; this test needs no network)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# The first release past each published advisory we know of (see pyproject.toml's comment).
PAST_ADVISORIES = {
    "jupyterlab": "4.6.2",
    "jupyter-server": "2.20.0",
    "tornado": "6.5.8",
    "nbconvert": "7.17.1",
    "pyarrow": "17",
    "tqdm": "4.66.3",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return {_norm(Requirement(r).name): Requirement(r) for r in reqs}


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, spec = re.match(r"([A-Za-z0-9_.\-]+)(\[.*\])?(.*)", dep).groups()
            found[_norm(name)] = spec.replace(" ", "")
    return found


def _minimum(req: Requirement) -> Version | None:
    floors = [Version(s.version) for s in req.specifier if s.operator in (">=", "==", "~=")]
    return max(floors) if floors else None


@pytest.mark.parametrize("name", sorted(PAST_ADVISORIES))
def test_minimums_are_past_the_advisories(name):
    req = _pyproject()[name]
    assert _minimum(req) is not None and _minimum(req) >= Version(PAST_ADVISORIES[name]), req


def test_environment_yml_has_the_same_minimums():
    conda = _conda()
    for name, req in _pyproject().items():
        conda_names = ["dask", "distributed"] if name == "dask" else [name]
        for conda_name in conda_names:
            assert conda[conda_name] == str(req.specifier), (
                f"{conda_name}: environment.yml says {conda[conda_name]!r}, "
                f"pyproject.toml {str(req.specifier)!r}"
            )


def test_the_build_needs_a_setuptools_past_its_advisories():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    setuptools = next(Requirement(r) for r in build if r.startswith("setuptools"))
    assert _minimum(setuptools) >= Version("78.1.1")  # CVE-2025-47273


def test_the_installed_packages_meet_the_minimums():
    unmet = []
    for name, req in _pyproject().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # e.g. an optional tool not installed here
        if not req.specifier.contains(installed, prereleases=True):
            unmet.append(f"{name} {installed} (needs {req.specifier})")
    assert not unmet, "installed below the minimum (run make install): " + ", ".join(unmet)
