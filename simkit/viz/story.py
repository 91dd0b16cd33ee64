"""One account's whole story in one figure: the dashboard's drill-down picture.

:func:`story_figure` starts from :func:`simkit.viz.plots.account_timeline` (health after
each event, a mark for every issue, touch, survey, deal, renewal and departure) and adds
what a manager asks about when comparing the same account under two strategies:

* the **stage** the account was in, as a faint band behind the line;
* how long each **issue** stayed open, as a red bar at the bottom (from the moment it was
  raised to its fix, waiting for a manager included);
* each **survey answer** (0-10) written next to its mark;
* **declined pitches** as crosses.

>>> from simkit.engine.model import simulate
>>> from simkit.engine.scenario import default_scenario
>>> res = simulate(default_scenario().update({"horizon_years": 1}))
>>> fig = story_figure(res, 5)
>>> ax = fig.axes[0]
>>> ax.get_ylabel(), [float(x) for x in ax.get_xlim()]
('health (0-100)', [0.0, 365.0])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simkit.engine.strategies import strategy_label
from simkit.viz.palette import STAGE_COLOURS
from simkit.viz.plots import account_timeline

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.results import Results

__all__ = ["STAGE_FILL", "stage_bands", "story_figure"]

STAGE_FILL = {"prospect": 0.10, "customer": 0.07, "loyal": 0.12, "former": 0.12, "lost": 0.12}
"""How strongly each stage's band is shaded (alpha): faint, so the health line stays on top."""

_ISSUE, _DECLINED, _SURVEY = "#d62728", "#6a3d9a", "#1f78b4"


def stage_bands(times: list[float], stages: list[str], end: float) -> list[tuple]:
    """The stretches of time an account spent in each stage, as ``(start, end, stage)``.

    ``times`` and ``stages`` are the account's events in time order with the stage after
    each event; a stretch lasts until the stage changes, the last one until ``end``.

    >>> stage_bands([0, 40, 90, 200], ["customer", "customer", "loyal", "former"], 365)
    [(0, 90, 'customer'), (90, 200, 'loyal'), (200, 365, 'former')]
    """
    start, current = times[0], stages[0]
    bands = []
    for t, s in zip(times[1:], stages[1:], strict=True):
        if s != current:
            bands.append((start, t, current))
            start, current = t, s
    bands.append((start, end, current))
    return bands


def story_figure(results: Results, account: int) -> Figure:
    """One account's timeline with its stages, issue waits, survey answers and declined pitches.

    Parameters
    ----------
    results : the run the account lives in.
    account : the account's id in that run (``results.story(account)`` must know it).

    The x axis spans the whole simulated horizon, so the figures of the same account
    under two strategies line up; the legend sits below the plot.
    """
    fig = account_timeline(results, account)
    fig.set_size_inches(6.4, 3.9)
    ax = fig.axes[0]
    story = results.story(account)
    end = results.scenario.horizon_days
    name = story["event"].astype(str)

    bands = stage_bands(
        story["time"].tolist(), story["stage_after"].astype(str).tolist(), float(end)
    )
    for t0, t1, stage in bands:
        ax.axvspan(t0, t1, color=STAGE_COLOURS[stage], alpha=STAGE_FILL[stage], lw=0, zorder=0)

    done = story[name == "issue_resolved"]  # value: days from opening to the fix
    for t, days in zip(done["time"], done["value"], strict=True):
        ax.plot([t - days, t], [3, 3], color=_ISSUE, lw=5, alpha=0.6, solid_capstyle="butt")
    surveys = story[name == "survey"]
    for t, h, v in zip(surveys["time"], surveys["health"], surveys["value"], strict=True):
        ax.annotate(
            f"{v:.0f}",
            (t, h),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color=_SURVEY,
        )
    fails = story[name == "upsell_fail"]
    if len(fails):
        ax.scatter(fails["time"], fails["health"], marker="x", color=_DECLINED, s=30, zorder=3)

    ax.set_xlim(0, end)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=_ISSUE, lw=5, alpha=0.6))
    labels.append("issue open (wait + fix)")
    if len(fails):
        handles.append(Line2D([], [], marker="x", color=_DECLINED, ls=""))
        labels.append("pitch declined")
    for stage in dict.fromkeys(b[2] for b in bands):
        handles.append(Patch(color=STAGE_COLOURS[stage], alpha=2 * STAGE_FILL[stage]))
        labels.append(f"stage: {stage}")
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncol=4,
        frameon=False,
        fontsize=7,
    )
    ax.set_title(
        f"{strategy_label(results.strategy)} (NPS answers in blue)", fontsize=10, loc="left"
    )
    fig.tight_layout()
    return fig
