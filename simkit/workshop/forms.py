"""The decision form as the browser sees it: field names, the grid, and stored values back.

The team page is a plain HTML form (it works without JavaScript). Its fields carry the flat
names the game core's :func:`~simkit.workshop.decisions.parse_decisions` reads, so a test
or a load generator can fill it in without reading the page:

* ``managers`` -- the team size for the quarter (a number);
* ``<segment>.<activity>`` -- one per cell of the segment x activity grid, e.g.
  ``key.check_ins`` = ``qbr``, ``small.onboarding`` = ``on``, ``mid_market.rescue`` =
  ``early``, ``enterprise.upsell`` = ``healthy``;
* ``issue_priority`` -- the segments in the order their issues are served, comma-separated
  (``key,enterprise,mid_market,small``).

Each field's HTML id is ``f-<name>`` with the dot turned into a dash (``f-key-check_ins``).
The simple mode's form has only the fields that mode opens (``SIMPLE_FIELDS`` of the core);
an onboarding checkbox is preceded by a hidden ``off`` of the same name, so "unticked" is an
answer, not a gap. :func:`raw_to_form` turns stored decisions back into these flat values.

>>> form = raw_to_form({"managers": 5, "segments": {"key": {"onboarding": True}},
...                     "issue_priority": ["key", "small", "enterprise", "mid_market"]})
>>> form["managers"], form["key.onboarding"], form["issue_priority"]
(5, 'on', 'key,small,enterprise,mid_market')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from simkit.workshop.settings import Settings

__all__ = ["ACTIVITY_HEADINGS", "field_id", "grid", "raw_to_form"]

ACTIVITY_HEADINGS = {
    "check_ins": "Regular check-ins",
    "onboarding": "Onboarding reviews (30 and 90 days, 2 h each)",
    "rescue": "Rescue calls (2 h)",
    "upsell": "Upsell pitches",
}
"""The grid's column headings."""


def field_id(name: str) -> str:
    """The HTML id of a form field: ``key.check_ins`` -> ``f-key-check_ins``.

    >>> field_id("managers"), field_id("mid_market.rescue")
    ('f-managers', 'f-mid_market-rescue')
    """
    return "f-" + name.replace(".", "-")


def grid(settings: Settings) -> dict[str, Any]:
    """The decision form's layout for ``settings``: the segments (rows), the activities
    (columns) with their choices ``(value, label)``, whether each is a checkbox, and whether
    the issue order and the team size can be set (the simple mode leaves the order out).

    >>> from simkit.workshop.settings import Settings
    >>> g = grid(Settings(mode="simple"))
    >>> [a["name"] for a in g["activities"]], g["issue_priority"]
    (['check_ins', 'onboarding'], False)
    >>> g["rows"][0]["cells"][0]["name"], g["rows"][0]["cells"][0]["id"]
    ('key.check_ins', 'f-key-check_ins')
    """
    from simkit.engine.scenario import SEGMENTS
    from simkit.viz.palette import segment_label
    from simkit.workshop.decisions import CHOICE_LABELS, CHOICES, SIMPLE_FIELDS

    simple = settings.mode == "simple"
    activities = []
    for name, values in CHOICES.items():
        if simple and name not in SIMPLE_FIELDS:
            continue
        checkbox = all(isinstance(v, bool) for v in values)
        choices = [] if checkbox else [(str(v), CHOICE_LABELS.get(str(v), str(v))) for v in values]
        activities.append(
            {
                "name": name,
                "heading": ACTIVITY_HEADINGS.get(name, name.replace("_", " ")),
                "checkbox": checkbox,
                "choices": choices,
            }
        )
    rows = [
        {
            "segment": s,
            "label": segment_label(s),
            "cells": [
                {**a, "name": f"{s}.{a['name']}", "id": field_id(f"{s}.{a['name']}")}
                for a in activities
            ],
        }
        for s in SEGMENTS
    ]
    return {
        "activities": activities,
        "rows": rows,
        "segments": list(SEGMENTS),
        "issue_priority": not simple,
        "max_managers": settings.max_managers,
        "max_team_change": settings.max_team_change,
    }


def raw_to_form(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Decisions (as stored: ``segments`` nested) as the flat form values that fill the
    form in; booleans become ``on``/``off``, the issue order a comma-separated list."""
    if not data:
        return {}
    form: dict[str, Any] = {}
    for name, value in data.items():
        if name == "segments" and isinstance(value, Mapping):
            for segment, cells in value.items():
                for activity, cell in dict(cells).items():
                    if isinstance(cell, bool):
                        cell = "on" if cell else "off"
                    form[f"{segment}.{activity}"] = cell
        elif name == "issue_priority" and isinstance(value, list | tuple):
            form[name] = ",".join(map(str, value))
        else:
            form[name] = value
    return form
