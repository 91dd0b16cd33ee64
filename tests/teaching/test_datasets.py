"""Tests for simkit.teaching.datasets: learners get copies, every data set is described."""

from __future__ import annotations

import pytest

from simkit.teaching import exercises as ex
from simkit.teaching.datasets import table_names


def _answer(exercise_id: str):
    return ex.EXERCISES[exercise_id].facts()["answer"]


def test_learners_cannot_change_the_answers_by_editing_the_data():
    clients = ex.data("clients")
    clients["client_at_start"] = False
    assert ex.data("clients")["client_at_start"].any()
    assert ex.check("retention-table", _answer("retention-table")).passed


def test_data_sets_are_described_and_unknown_names_are_refused():
    assert set(ex.data_sets()) == set(table_names())
    assert all(ex.data_sets().values())
    with pytest.raises(ValueError, match="no data set 'nope'; choose from clients"):
        ex.data("nope")
