"""The frontier figure: every option in its strategy's colour, the efficient ones ringed."""

import matplotlib
import matplotlib.collections
import pytest

from simkit.engine.strategies import strategy_label
from simkit.experiments.frontier import frontier_table
from simkit.viz.frontier import frontier_plot
from simkit.viz.palette import strategy_colour
from tests.experiments.test_frontier import OPTIONS, _runs

matplotlib.use("Agg")


def test_plot_marks_the_frontier_in_the_strategy_colours():
    t = frontier_table(_runs(OPTIONS))
    fig = frontier_plot(t)
    assert len(fig.axes) == 2  # headcount cost, and hours worked alongside
    ax = fig.axes[0]
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in ax.lines}
    assert {strategy_colour("reactive"), strategy_colour("customer_success")} <= colours
    rings = [
        c
        for c in ax.collections
        if isinstance(c, matplotlib.collections.PathCollection) and not c.get_facecolor().any()
    ]
    assert sum(len(c.get_offsets()) for c in rings) == int(t["efficient"].sum())
    labels = fig.legends[0].get_texts()
    assert strategy_label("customer_success") in {x.get_text() for x in labels}
    assert "Team cost" in ax.get_xlabel()
    single = frontier_plot(frontier_table(_runs(OPTIONS), cost="strategy_cost"))
    assert len(single.axes) == 1
    with pytest.raises(ValueError, match="not a frontier table"):
        frontier_plot(_runs(OPTIONS))


def test_one_row_of_panels_per_condition():
    import pandas as pd

    small = _runs(OPTIONS).assign(**{"portfolio.small.count": 100})
    big = _runs(OPTIONS).assign(**{"portfolio.small.count": 300})
    fig = frontier_plot(frontier_table(pd.concat([small, big], ignore_index=True)))
    assert len(fig.axes) == 4
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert "portfolio.small.count = 100" in titles[0] and "= 300" in titles[2]
    one = frontier_plot(frontier_table(_runs(OPTIONS)), show_hours=False)
    assert len(one.axes) == 1
