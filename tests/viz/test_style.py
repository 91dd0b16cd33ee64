"""Tests for simkit.viz.style: the shared finish, money ticks and PNG rendering."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from simkit.viz.style import MONEY_TICKS, figure_and_axes, figure_png, money_axis, style_axes


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "value, text",
    [(2_500_000, "2.5M"), (-1_200_000, "-1.2M"), (250_000, "250k"), (999, "999"), (12.5, "12.5")],
)
def test_money_ticks(value, text):
    assert MONEY_TICKS(value, 0) == text


def test_style_axes_and_money_axis():
    fig, ax = figure_and_axes(None, (4, 3))
    style_axes(ax, "Title", "x words", "y words")
    assert (ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()) == (
        "Title",
        "x words",
        "y words",
    )
    assert not ax.spines["top"].get_visible() and ax.spines["left"].get_visible()
    money_axis(ax, "x")
    assert ax.xaxis.get_major_formatter() is MONEY_TICKS
    with pytest.raises(ValueError, match="axis must be"):
        money_axis(ax, "z")


def test_figure_and_axes_draws_into_a_given_panel():
    fig, axes = plt.subplots(1, 2)
    got_fig, got_ax = figure_and_axes(axes[1], (9, 9))
    assert got_fig is fig and got_ax is axes[1]
    assert tuple(fig.get_size_inches()) != (9, 9)


def test_figure_png_renders_at_the_asked_size_and_closes_the_figure():
    fig = plt.figure(figsize=(3, 2))
    data = figure_png(fig, dpi=50)
    assert Image.open(io.BytesIO(data)).size == (150, 100)
    assert not plt.fignum_exists(fig.number)
