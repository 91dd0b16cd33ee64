"""Tornado plots: which assumptions move a strategy's advantage, and by how much.

:func:`simkit.experiments.sensitivity.sensitivity` measures, for every assumption of the
model, how much it moves each strategy's difference to the baseline. :func:`tornado` draws
that for one strategy and one output, the assumption with the largest effect on top -- the
shape gives the plot its name:

* **one at a time** (``method="oat"``): for each assumption two bars start at the result
  with every assumption at its default (the vertical line); one ends at the result with the
  assumption at the low end of its plausible range, the other at the high end;
* **Morris** (``method="morris"``): one bar per assumption, as long as its ``mu_star`` --
  the average change of the output when the assumption crosses its whole plausible range --
  with its 95 % interval as a whisker.

An assumption inside whose range the strategy swaps places with another is marked
"(ranking flips)": the answer itself, not only its size, depends on it.

>>> import pandas as pd
>>> table = pd.DataFrame({
...     "parameter": ["behaviour.renewal_at_50", "behaviour.health_floor"],
...     "low": [0.8, 35.0], "high": [0.94, 55.0], "strategy": ["customer_success"] * 2,
...     "baseline": ["reactive"] * 2, "output": ["nrr_diff"] * 2,
...     "label": ["NRR difference vs Reactive (points per year)"] * 2,
...     "effect": [4.0, 1.0], "rank": [1, 2], "flips": [True, False],
...     "at_low": [2.0, 5.0], "at_default": [5.0, 5.0], "at_high": [6.0, 6.0]})
>>> ax = tornado(table).axes[0]
>>> ax.get_xlabel()
'NRR difference vs Reactive (points per year)'
>>> [t.get_text() for t in ax.get_yticklabels()][-1]
'behaviour.renewal_at_50 (0.8 to 0.94) (ranking flips)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simkit.engine.strategies import strategy_label
from simkit.viz.palette import strategy_colour
from simkit.viz.style import figure_and_axes, money_axis

__all__ = ["LOW_COLOUR", "HIGH_COLOUR", "parameter_label", "tornado"]

LOW_COLOUR = "#9ecae1"
"""Bars for the low end of a plausible range (one-at-a-time tornado)."""
HIGH_COLOUR = "#08519c"
"""Bars for the high end of a plausible range (one-at-a-time tornado)."""


def parameter_label(row: pd.Series | dict) -> str:
    """A parameter as an axis label: its field and its plausible range, and a mark when the
    strategies' ranking flips inside the range.

    >>> parameter_label({"parameter": "behaviour.health_floor", "low": 35.0, "high": 55.0})
    'behaviour.health_floor (35 to 55)'
    """
    text = f"{row['parameter']} ({row['low']:g} to {row['high']:g})"
    flips = row.get("flips", False)
    return text + " (ranking flips)" if isinstance(flips, bool | np.bool_) and flips else text


def _table(source: object) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "table") and hasattr(source, "effects"):
        outputs = source.effects["output"].unique().tolist()  # type: ignore[attr-defined]
        return source.table(outputs=outputs)  # type: ignore[attr-defined]
    raise TypeError(
        "tornado() takes a sensitivity result or its table(), got " + type(source).__name__
    )


def tornado(
    source: object,
    strategy: str | None = None,
    output: str = "nrr_diff",
    *,
    top: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A tornado plot of the effects of the assumptions on one strategy's ``output``.

    Parameters
    ----------
    source : a :class:`~simkit.experiments.sensitivity.SensitivityResult` or its
        :meth:`~simkit.experiments.sensitivity.SensitivityResult.table`.
    strategy : the strategy (default: the first in the table).
    output : ``"nrr_diff"`` or ``"profit_diff"`` (the strategy minus the baseline), or
        ``"nrr"`` or ``"profit"`` (the strategy's own figure).
    top : show only the assumptions with the ``top`` largest effects.
    ax : draw into this axes instead of a new figure.
    """
    table = _table(source)
    sub = table[table["output"] == output]
    if sub.empty:
        raise ValueError(
            f"the table has no output {output!r}; it has {sorted(set(table['output']))}"
        )
    strategy = strategy if strategy is not None else str(sub["strategy"].iloc[0])
    sub = sub[sub["strategy"] == strategy]
    if sub.empty:
        raise ValueError(
            f"the table has no {output} for strategy {strategy!r}; "
            f"choose from {sorted(set(table[table['output'] == output]['strategy']))}"
        )
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise ValueError(f"top must be a whole number >= 1, got {top!r}")
        sub = sub.nlargest(top, "effect")
    sub = sub.sort_values("effect", kind="stable")  # smallest at the bottom (y = 0)
    y = np.arange(len(sub))
    own = ax is None
    fig, ax = figure_and_axes(ax, (10.0, 0.4 * len(sub) + 2.0))
    if own:  # long tick labels: let matplotlib lay the figure out around them
        fig.set_layout_engine("constrained")
    label = str(sub["label"].iloc[0])
    baseline = str(sub["baseline"].iloc[0]) if "baseline" in sub else ""
    if "at_low" in sub.columns and sub["at_low"].notna().all():
        centre = sub["at_default"].to_numpy(float)
        ax.barh(y, sub["at_low"] - centre, left=centre, height=0.6, color=LOW_COLOUR,
                label="low end of the range")  # fmt: skip
        ax.barh(y, sub["at_high"] - centre, left=centre, height=0.6, color=HIGH_COLOUR,
                label="high end of the range")  # fmt: skip
        ax.axvline(float(centre[0]), color="black", lw=1, label="every assumption at default")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        xlabel, how = label, "one at a time"
    else:
        conf = sub["mu_star_conf"].fillna(0).to_numpy(float) if "mu_star_conf" in sub else None
        ax.barh(y, sub["mu_star"], xerr=conf, height=0.6, color=strategy_colour(strategy),
                error_kw={"lw": 1, "capsize": 3})  # fmt: skip
        xlabel = f"{label}\nMorris mu*: mean change as each assumption crosses its plausible range"
        how = "Morris screening"
    ax.set_yticks(y, [parameter_label(r) for _, r in sub.iterrows()], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("assumption")
    versus = f" vs {strategy_label(baseline)}" if output.endswith("_diff") and baseline else ""
    ax.set_title(f"What moves {strategy_label(strategy)}{versus} ({how})", fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    if output.startswith("profit"):
        money_axis(ax, "x")
    return fig
