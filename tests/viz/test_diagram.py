"""Tests for simkit.viz.diagram: the diagram says what the engine does, nothing more or less.

The Mermaid block and the figure are read back and compared with
:data:`simkit.engine.accounts.LEGAL_TRANSITIONS`, :data:`~simkit.engine.accounts.STAGES` and
the rule functions of :mod:`simkit.engine.rules`; a move added to or removed from the
engine, or a curve drawn from the wrong rule or parameter, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simkit.engine import accounts, rules
from simkit.engine.scenario import default_scenario
from simkit.viz.diagram import (
    ENTRY,
    TRANSITION_LABELS,
    main,
    mermaid_stages,
    model_diagram,
    save_model_diagram,
    transitions,
)

ROOT = Path(__file__).resolve().parents[2]
EDGE = re.compile(r"^\s+(\[\*\]|\w+) --> (\[\*\]|\w+)(?: : (.+))?$")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _edges(text: str) -> list[tuple[str, str, str | None]]:
    return [m.groups() for line in text.splitlines() if (m := EDGE.match(line))]


def test_the_mermaid_block_has_exactly_the_legal_moves():
    edges = _edges(mermaid_stages())
    moves = {(a, b) for a, b, _ in edges if "[*]" not in (a, b)}
    assert moves == set(accounts.LEGAL_TRANSITIONS)
    assert ("[*]", ENTRY, "new prospect") in edges
    # only states no move leaves get an exit: with lost deals that is "lost", never "former"
    exits = {a for a, b, _ in edges if b == "[*]"}
    leaving = {a for a, _ in accounts.LEGAL_TRANSITIONS}
    assert exits == set(accounts.STAGES) - leaving
    assert "former" not in exits
    for a, b, label in edges:
        if "[*]" not in (a, b):
            assert label == TRANSITION_LABELS[(a, b)]


def test_every_legal_move_has_words():
    missing = set(accounts.LEGAL_TRANSITIONS) - set(TRANSITION_LABELS)
    assert not missing, f"add a label to TRANSITION_LABELS for {sorted(missing)}"
    assert transitions()[0] == ("prospect", "customer")
    assert len(transitions()) == len(accounts.LEGAL_TRANSITIONS)


def test_the_figure_draws_every_stage_and_move():
    ax = model_diagram().axes[0]
    boxes = {t.get_text() for t in ax.texts if t.get_bbox_patch() is not None}
    assert set(accounts.STAGES) <= boxes
    arrows = [c for c in ax.texts if hasattr(c, "arrow_patch") and c.arrow_patch is not None]
    assert len(arrows) == len(accounts.LEGAL_TRANSITIONS) + 1  # + the entry arrow
    labels = {t.get_text().replace("\n", " ") for t in ax.texts}
    assert {TRANSITION_LABELS[m] for m in accounts.LEGAL_TRANSITIONS} <= labels


def test_the_curves_are_the_rules_at_the_scenario_behaviour():
    sc = default_scenario().update({"behaviour.renewal_at_50": 0.7, "behaviour.health_floor": 30})
    b = sc.behaviour
    fig = model_diagram(sc)
    drift, odds = fig.axes[1], fig.axes[2]
    lines = {line.get_label(): line for line in odds.get_lines()}
    x, y = lines["renewal (customer)"].get_data()
    expected = [rules.renewal_probability(h, b.renewal_at_50, b.renewal_slope) for h in x]
    assert np.allclose(y, expected)
    x, y = lines["renewal (loyal)"].get_data()
    expected = [
        rules.renewal_probability(
            h, b.renewal_at_50, b.renewal_slope, loyal_factor=b.loyal_churn_factor
        )
        for h in x
    ]
    assert np.allclose(y, expected)
    x, y = lines["defection per competitor call"].get_data()
    assert np.allclose(y, rules.defection_probability(x, b.competitor_defect_at_0))
    assert np.isclose(y[50], rules.defection_probability(50.0, b.competitor_defect_at_0))
    drift_lines = {line.get_label(): line for line in drift.get_lines()}
    x, y = drift_lines["from 85"].get_data()
    assert np.allclose(y, rules.drifted_health(85.0, x, 30.0, b.decay_rate))
    assert np.allclose(drift_lines["resting level"].get_ydata(), 30.0)
    for ax in fig.axes[1:]:
        assert ax.get_xlabel() and ax.get_ylabel()


def test_saving_writes_a_png_and_refuses_other_names(tmp_path):
    out = save_model_diagram(tmp_path / "stages.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="must end in .png"):
        save_model_diagram(tmp_path / "stages.svg")
    assert main([str(tmp_path / "again.png")]) == 0
    assert (tmp_path / "again.png").stat().st_size > 10_000


def test_the_documented_image_is_there_and_current_in_size():
    image = ROOT / "docs" / "images" / "model-stages.png"
    assert image.is_file(), "run: python -m simkit.viz.diagram docs/images/model-stages.png"
    width, height = plt.imread(image).shape[1::-1]
    fig = model_diagram()
    assert (width, height) == tuple(int(v) for v in fig.get_size_inches() * 100)
