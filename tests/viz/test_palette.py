"""Tests for simkit.viz.palette: one colour and one name per strategy, stage and segment."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.colors as mcolors

from simkit.engine.accounts import STAGES
from simkit.engine.scenario import SEGMENTS
from simkit.engine.strategies import BUILT_IN, strategy_label
from simkit.viz import palette


def test_every_built_in_stage_and_segment_has_its_own_valid_colour():
    for table, names in (
        (palette.STRATEGY_COLOURS, BUILT_IN),
        (palette.STAGE_COLOURS, STAGES),
        (palette.SEGMENT_COLOURS, SEGMENTS),
    ):
        assert set(table) == set(names)
        colours = [table[n] for n in names]
        assert all(mcolors.is_color_like(c) for c in colours)
        assert len(set(colours)) == len(colours), "two names share a colour"


def test_a_strategy_the_kit_does_not_know_keeps_its_colour_across_processes():
    # A colour picked with hash() would change with PYTHONHASHSEED; the palette must not.
    code = "from simkit.viz.palette import strategy_colour; print(strategy_colour('my_own'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert seen == {palette.strategy_colour("my_own")}
    assert palette.strategy_colour("my_own") in palette.EXTRA_COLOURS
    assert palette.strategy_colour("my_own") not in palette.STRATEGY_COLOURS.values()


def test_labels_read_as_words():
    assert strategy_label("key_account_focus") == "Key-account focus"
    assert strategy_label("care_for_the_middle") == "Care for the middle"
    assert strategy_label("customer_success+proactive_check_ins") == (
        "Customer success + Proactive check-ins"
    )
    assert [palette.segment_label(s) for s in SEGMENTS] == [
        "key",
        "enterprise",
        "mid-market",
        "small",
    ]
    assert palette.metric_axis_label("time_to_resolution") == (
        "Time to resolution (days, mean over the horizon)"
    )
    assert palette.metric_axis_label("manager_hours") == (  # a registry entry
        "Manager hours (hours, total over the horizon)"
    )
    assert palette.metric_axis_label("nps", "Q") == "NPS (score, in each quarter)"
    assert palette.metric_axis_label("nrr", "Q") == "NRR (% per year)"  # annualised
    assert palette.metric_axis_label("not_a_metric") == "not a metric"
    assert "never customers" in palette.STAGE_LABELS["lost"]
    assert "left" in palette.STAGE_LABELS["former"]


def test_the_palette_loads_no_plotting_library():
    code = "import sys, simkit.viz.palette; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
