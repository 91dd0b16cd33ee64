"""Shared fixture of the teaching tests: every test starts with empty, in-memory progress."""

from __future__ import annotations

import pytest

from simkit.teaching import progress


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch):
    """A fresh progress store that follows no environment variable (never a file in the repo)."""
    monkeypatch.delenv(progress.PROGRESS_ENV, raising=False)
    monkeypatch.setattr(progress, "STORE", progress.ProgressStore())
    yield
