"""Tests for simkit.teaching.registry: problems in the TOML file name the exercise and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.teaching.registry import load_exercises
from simkit.teaching.solvers import JUDGES, SOLVERS

# -- registry file ------------------------------------------------------------------------------


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exercises.toml"
    path.write_text(text)
    return path


def _load(path: Path):
    return load_exercises(path, SOLVERS, JUDGES)


def test_registry_problems_name_the_exercise(tmp_path):
    entry = 'id = "{id}"\nnotebook = "x"\ntitle = "t"\nlevel = "{level}"\nmetrics = []\n'
    one = "[[exercise]]\n" + entry
    with pytest.raises(ValueError, match="exercise 'nope': no solver"):
        _load(_registry(tmp_path, one.format(id="nope", level="formula")))
    with pytest.raises(ValueError, match="exercise 'upsell-rate': level must be one of"):
        _load(_registry(tmp_path, one.format(id="upsell-rate", level="easy")))
    with pytest.raises(ValueError, match="exercise 'upsell-rate': unknown keys \\['colour'\\]"):
        bad = one.format(id="upsell-rate", level="formula") + 'colour = "red"\n'
        _load(_registry(tmp_path, bad))
    with pytest.raises(ValueError, match="solvers without an exercise"):
        _load(_registry(tmp_path, one.format(id="upsell-rate", level="formula")))
