"""Packaging: environment.yml lists the same dependencies as pyproject.toml; layout; CI entry."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _pyproject_names() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    # "dask[distributed]" is two conda packages
    runtime |= (
        {"distributed"} if any("dask[distributed]" in r for r in project["dependencies"]) else set()
    )
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _conda_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            names.add(_name(dep))
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject():
    runtime, dev = _pyproject_names()
    conda = _conda_names()
    assert runtime - conda == set(), f"in pyproject.toml but not environment.yml: {runtime - conda}"
    assert dev - conda == set(), f"dev deps missing from environment.yml: {dev - conda}"
    assert conda - runtime - dev == set(), f"only in environment.yml: {conda - runtime - dev}"


def test_required_packages_are_declared():
    runtime, _ = _pyproject_names()
    assert {"jupyterlab", "ipywidgets", "pandas", "simpy", "matplotlib", "nbval"} <= runtime


def test_required_top_level_layout():
    for entry in (
        "notebooks",
        "simkit",
        "exercises",
        "tests",
        "environment.yml",
        "README.md",
        "pyproject.toml",
        "Makefile",
        ".ci/run",
        "benchmarks",
    ):
        assert (ROOT / entry).exists(), entry


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make lab" in (ROOT / "README.md").read_text()
