"""One palette and one set of names for the whole kit: colours and labels, no drawing.

Every strategy, stage and segment has one colour and one readable name wherever it
appears -- lessons, the what-if notebook, the dashboard, the CLI's figures -- so a learner
never has to re-read a legend. This module holds those constants and the function that
extends the colours to strategies the kit does not know (a learner's own, or a combination
such as ``"customer_success+proactive_check_ins"``); strategies' readable names live with the
strategies (:func:`simkit.engine.strategies.strategy_label`) and metrics' labels in the metric
registry (:mod:`simkit.analysis.registry`). It imports no matplotlib,
so widgets and tables can use the names without loading a plotting library.

>>> STAGE_COLOURS["loyal"]
'#1b9e77'
>>> strategy_colour("reactive")
'#7f7f7f'
>>> segment_label("mid_market")
'mid-market'
"""

from __future__ import annotations

__all__ = [
    "EXTRA_COLOURS",
    "SEGMENT_COLOURS",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "STRATEGY_COLOURS",
    "metric_axis_label",
    "segment_label",
    "strategy_colour",
]

STAGE_COLOURS = {
    "prospect": "#a6cee3",
    "customer": "#1f78b4",
    "loyal": "#1b9e77",
    "former": "#d95f02",
    "lost": "#8c8c8c",
}
"""One colour per state: blues for the living book, orange for customers who left, grey for
lost deals (prospects that never became customers: an outcome, not a lifecycle stage)."""

STAGE_LABELS = {
    "prospect": "prospect",
    "customer": "customer",
    "loyal": "loyal",
    "former": "former (customers who left)",
    "lost": "lost deals (never customers)",
}
"""How each state is named in legends: former and lost are told apart in words too."""

SEGMENT_COLOURS = {
    "key": "#6a3d9a",
    "enterprise": "#1f78b4",
    "mid_market": "#33a02c",
    "small": "#ff7f00",
}
"""One colour per segment."""

STRATEGY_COLOURS = {
    "reactive": "#7f7f7f",
    "key_account_focus": "#6a3d9a",
    "customer_success": "#e7298a",
    "proactive_check_ins": "#1b9e77",
}
"""Built-in strategies' colours; other strategies get one of :data:`EXTRA_COLOURS`."""

EXTRA_COLOURS = ("#e6ab02", "#66a61e", "#a6761d", "#1f78b4", "#d95f02", "#386cb0")
"""Colours for strategies the kit does not know, picked by name (see :func:`strategy_colour`)."""


def strategy_colour(name: str) -> str:
    """The colour of a strategy: fixed for the built-ins, and for any other name a colour
    chosen from the name itself, so the same strategy keeps its colour across figures,
    sessions and machines (no random or call-order dependent choice).

    >>> strategy_colour("customer_success")
    '#e7298a'
    >>> strategy_colour("my_own") in EXTRA_COLOURS
    True
    """
    if name in STRATEGY_COLOURS:
        return STRATEGY_COLOURS[name]
    return EXTRA_COLOURS[sum(name.encode()) % len(EXTRA_COLOURS)]


def segment_label(segment: str) -> str:
    """A segment's name as it is written in figures and text: ``mid_market`` -> ``mid-market``.

    >>> [segment_label(s) for s in ("key", "mid_market")]
    ['key', 'mid-market']
    """
    return str(segment).replace("_", "-")


def metric_axis_label(metric: str, period: str | None = None) -> str:
    """The axis label (with its unit and basis) of a summary column, from the metric
    registry (:mod:`simkit.analysis.registry`); columns that are not metrics lose their
    underscores. ``period`` is the period of the table the column comes from (``"M"``,
    ``"Q"``, ``"Y"``, ``"all"``): a figure measured in each period says so.

    >>> metric_axis_label("nrr"), metric_axis_label("a_new_column")
    ('NRR (% per year)', 'a new column')
    >>> metric_axis_label("nps", period="Q")
    'NPS (score, in each quarter)'
    """
    from simkit.analysis.registry import METRICS, label

    return label(metric, period=period) if metric in METRICS else metric.replace("_", " ")
