"""The look every figure of the kit shares, and turning a figure into a PNG.

Figures in :mod:`simkit.viz.plots`, :mod:`simkit.viz.story` and
:mod:`simkit.experiments.frontier` are drawn with matplotlib and then given the same
finish by :func:`style_axes` (a title on the left, labelled axes, no top and right
spines, a light grid) and, for money, :data:`MONEY_TICKS` (``1.5M``, ``250k``). A plot
function accepts an optional ``ax`` to draw into; :func:`figure_and_axes` makes one when
it is not given. Widgets show figures as PNG images made by :func:`figure_png`, which also
closes the figure so Jupyter does not show it a second time.

>>> fig, ax = figure_and_axes(None, (4, 3))
>>> style_axes(ax, "Revenue by month", "month", "revenue")
>>> money_axis(ax)
>>> ax.get_title(loc="left"), MONEY_TICKS(2_500_000, 0), MONEY_TICKS(12.5, 0)
('Revenue by month', '2.5M', '12.5')
>>> figure_png(fig)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import matplotlib.ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["MONEY_TICKS", "figure_and_axes", "figure_png", "money_axis", "style_axes"]


def _money_text(value: float, _position: object = None) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:g}"


MONEY_TICKS = matplotlib.ticker.FuncFormatter(_money_text)
"""Tick labels for money axes: ``1.5M``, ``250k``, and small amounts as they are (``12.5``)."""


def style_axes(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Give ``ax`` the kit's finish: a left-aligned title, axis labels, no top and right
    spines and a light horizontal grid."""
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Label the ``"y"`` (or ``"x"``) axis of ``ax`` in money: ``250k``, ``1.5M``."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(MONEY_TICKS)


def figure_and_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw into: ``ax`` and its figure when given, else a new figure
    of ``size`` inches with one axes. Lets every plot function draw into a caller's panel."""
    if ax is not None:
        return ax.figure, ax
    fig, new_ax = plt.subplots(figsize=size)
    return fig, new_ax


def figure_png(fig: Figure, dpi: int = 96) -> bytes:
    """Render a figure to PNG bytes and close it (so Jupyter does not show it a second time).

    Widgets put these bytes into an :class:`ipywidgets.Image`; a notebook that shows
    figures this way keeps outputs nbval can compare.

    >>> fig, ax = plt.subplots()
    >>> data = figure_png(fig)
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", plt.fignum_exists(fig.number)
    (True, False)
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
