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
>>> _ = ax.set_ylim(12.08e6, 12.22e6); ax.figure.canvas.draw()
>>> [t.get_text() for t in ax.get_yticklabels()][:3]  # ticks 20k apart: two decimals
['12.08M', '12.10M', '12.12M']
>>> figure_png(fig)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import matplotlib.ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["MONEY_TICKS", "figure_and_axes", "figure_png", "money_axis", "style_axes"]


def _money_text(value: float, _position: object = None, step: float | None = None) -> str:
    """``value`` as money text; ``step`` (the gap between ticks) asks for as many decimals as
    it takes to tell neighbouring ticks apart (``12.15M`` next to ``12.20M``)."""
    scale, suffix, digits = (1e6, "M", 1) if abs(value) >= 1e6 else (1e3, "k", 0)
    if abs(value) < 1e3:
        return f"{value:g}"
    if step is not None and step > 0:
        digits = max(digits, min(6, math.ceil(-math.log10(step / scale) - 1e-9)))
    return f"{value / scale:.{digits}f}{suffix}"


class MoneyFormatter(matplotlib.ticker.Formatter):
    """Tick labels for money axes: ``1.5M``, ``250k``, small amounts as they are (``12.5``),
    with more decimals when the ticks are closer together than one in the last place."""

    def __call__(self, value: float, pos: object = None) -> str:
        return _money_text(value, pos)

    def format_ticks(self, values: list[float]) -> list[str]:
        """All the tick labels of an axis at once: decimals enough for their spacing."""
        ordered = sorted(values)
        gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False) if b > a]
        step = min(gaps) if gaps else None
        return [_money_text(v, None, step) for v in values]


MONEY_TICKS = MoneyFormatter()
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
