"""The workshop's figures: the kit's own plots, fed with the quarter reports, as PNG bytes.

Nothing here draws a figure of its own: a line per team (and one per built-in strategy, the
reference lines) over the rounds is :func:`simkit.viz.plots.metric_over_time`, labelled from
the metric registry, rendered by :func:`simkit.viz.style.figure_png`. What this module adds
is the table those functions read, built from the reports (:func:`rounds_table`), and the
care a web server needs:

* **one figure at a time**: matplotlib's pyplot keeps global state and is not thread-safe,
  and the server renders in worker threads, so :data:`PLOT_LOCK` serialises drawing;
* **a cache**: every team's page asks for the same few figures after a close; each figure is
  drawn once per change of the results (:class:`FigureCache`);
* **names as text**: a team may call itself ``$x$``; matplotlib would read that as a formula
  (or fail on an odd number of ``$``), so legend entries are escaped (:func:`plain`).

>>> table = rounds_table({"Blue": {1: {"figures": {"nrr": 101.0}}}}, "nrr")
>>> table[["strategy", "period", "nrr"]].to_dict("records")
[{'strategy': 'Blue', 'period': 0, 'nrr': 101.0}]
>>> plain("$5 off_sale")
'\\\\$5 off_sale'
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

__all__ = [
    "PLOT_LOCK",
    "PLOT_METRICS",
    "TEAM_DPI",
    "FigureCache",
    "figure_value",
    "plain",
    "rounds_figure",
    "rounds_table",
    "team_figures",
]

PLOT_LOCK = threading.Lock()
"""Held while a figure is drawn and rendered (pyplot is one global state)."""

PLOT_METRICS = ("operating_profit", "nrr", "logo_retention", "nps", "utilisation")
"""The metrics the pages may ask a figure of (others are refused with 404)."""

QUARTER_DAYS = 365 / 4

TEAM_DPI = 80
"""Resolution of a team's own figure: 560 x 280 pixels, half the rendering time of 96 dpi
(thirty of them are drawn after every close)."""


def figure_value(report: Mapping[str, Any], metric: str) -> float | None:
    """A metric's value in one quarter report (``report["figures"][metric]``), or None."""
    figures = report.get("figures", report)
    value = figures.get(metric) if isinstance(figures, Mapping) else None
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def plain(text: str) -> str:
    """``text`` as matplotlib shows it literally (a ``$`` is not a formula)."""
    return str(text).replace("$", r"\$")


def rounds_table(
    by_name: Mapping[str, Mapping[int, Mapping[str, Any]]], metric: str
) -> Any:  # pandas.DataFrame
    """The table :func:`simkit.viz.plots.metric_over_time` reads: one row per (name, round)
    with ``strategy`` (the team or built-in strategy), ``period`` (0 = round 1), the metric
    and the quarter's start and end in days (so the plot says "quarter")."""
    import pandas as pd

    rows = []
    for name, reports in by_name.items():
        for number, report in reports.items():
            value = figure_value(report, metric)
            rows.append(
                {
                    "strategy": str(name),
                    "period": int(number) - 1,
                    metric: float("nan") if value is None else value,
                    "period_start": (int(number) - 1) * QUARTER_DAYS,
                    "period_end": int(number) * QUARTER_DAYS,
                }
            )
    return pd.DataFrame(rows, columns=["strategy", "period", metric, "period_start", "period_end"])


def _draw(
    teams: Mapping[str, Mapping[int, Mapping[str, Any]]],
    references: Mapping[str, Mapping[int, Mapping[str, Any]]],
    metric: str,
) -> tuple[Any, dict[str, Any]]:
    """The figure of ``metric`` by :func:`simkit.viz.plots.metric_over_time`, finished for
    the game (dashed references, whole rounds on the x axis, money ticks, names as text);
    returns it and the teams' lines by name. The caller holds :data:`PLOT_LOCK`."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from simkit.analysis.registry import METRICS
    from simkit.engine.strategies import strategy_label
    from simkit.viz.plots import metric_over_time
    from simkit.viz.style import money_axis

    table = rounds_table({**references, **teams}, metric)
    fig = metric_over_time(table, metric, by="strategy")
    ax = fig.axes[0]
    shown_refs = {strategy_label(r) for r in references}
    names = {strategy_label(n): n for n in teams}
    lines = {}
    for line in ax.get_lines():
        shown = str(line.get_label())
        if shown in shown_refs:
            line.set_linestyle("--")
            line.set_alpha(0.8)
        elif shown in names:
            lines[names[shown]] = line
            line.set_label(plain(names[shown]))
    ax.legend(frameon=False, fontsize=8)
    last = int(table["period"].max()) + 1 if len(table) else 1
    ax.set_xticks(range(1, last + 1))  # rounds are whole quarters
    ax.set_xlim(0.5, last + 0.5)
    if metric in METRICS and METRICS[metric].unit.startswith("currency"):
        money_axis(ax)  # 12.1M, not 1.21 x 1e7
    return fig, lines


def rounds_figure(
    teams: Mapping[str, Mapping[int, Mapping[str, Any]]],
    references: Mapping[str, Mapping[int, Mapping[str, Any]]],
    metric: str,
    dpi: int = 96,
) -> bytes:
    """A PNG of ``metric`` round by round: a line per team, dashed lines for the built-in
    strategies (their kit colours and labels), rendered by
    :func:`simkit.viz.style.figure_png`."""
    from simkit.viz.style import figure_png

    with PLOT_LOCK:
        fig, _ = _draw(teams, references, metric)
        return figure_png(fig, dpi=dpi)


def team_figures(
    teams: Mapping[str, Mapping[int, Mapping[str, Any]]],
    references: Mapping[str, Mapping[int, Mapping[str, Any]]],
    metric: str,
    dpi: int = TEAM_DPI,
) -> dict[str, bytes]:
    """Each team's own figure (its line and the reference lines), as PNG by team name.

    Thirty of these follow every close, so the figure is drawn ONCE (with the first team)
    and then only the team's line, its legend entry and the y range change before each
    PNG is rendered -- half the work of drawing thirty figures (:func:`rounds_figure`
    draws one figure the same way, with :func:`~simkit.viz.style.figure_png`).
    """
    import io

    import matplotlib.pyplot as plt

    if not teams:
        return {}
    first = next(iter(teams))
    out: dict[str, bytes] = {}
    with PLOT_LOCK:
        fig, lines = _draw({first: teams[first]}, references, metric)
        ax, line = fig.axes[0], lines[first]
        try:
            for name, reports in teams.items():
                rounds = sorted(reports)
                values = [figure_value(reports[n], metric) for n in rounds]
                line.set_data(rounds, [float("nan") if v is None else v for v in values])
                line.set_label(plain(name))
                ax.relim()
                ax.autoscale_view(scalex=False)
                ax.legend(frameon=False, fontsize=8)
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=dpi)
                out[name] = buf.getvalue()
        finally:
            plt.close(fig)
    return out


class FigureCache:
    """PNG bytes by key, for one version of the results at a time: asking with a newer
    version drops every figure of the older one, and a figure drawn for an older version
    (an undo happened while it was drawn) is not kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: object = None
        self._pngs: dict[tuple, bytes] = {}

    def get(self, version: object, key: tuple) -> bytes | None:
        """The figure ``key`` drawn for results ``version``, or None."""
        with self._lock:
            if version != self._version:
                self._version, self._pngs = version, {}
            return self._pngs.get(key)

    def put(self, version: object, key: tuple, png: bytes) -> bytes:
        """Keep ``png`` as figure ``key`` of results ``version`` (if those are current)."""
        with self._lock:
            if version == self._version:
                self._pngs[key] = png
        return png
