"""The what-if's inputs: which strategies, how big a team, what an hour costs, which book.

:class:`WhatIfControls` holds the widgets (a strategy list, sliders for replications,
horizon, team size and the accounts per segment, a box for the hourly cost, Run and Stop
buttons) and turns their values into what a simulation needs: a
:class:`~simkit.engine.scenario.Scenario` (:meth:`WhatIfControls.scenario`) and the chosen
strategies (:meth:`WhatIfControls.selected`). Everything is settable from Python with
:meth:`WhatIfControls.set`, which checks names and ranges, so tests and scripts drive the
controls the way a person does with the mouse.

>>> c = WhatIfControls(replications=3)
>>> c.set(managers=4, key=40, strategies=["reactive", "customer_success"])
>>> s = c.scenario()
>>> s.team.managers, s.portfolio.key.count, [x.name for x in c.selected()]
(4, 40, ['reactive', 'customer_success'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from simkit.engine.scenario import SEGMENTS, Scenario, ScenarioError, default_scenario
from simkit.engine.strategies import BUILT_IN, Strategy, get_strategy, strategy_label
from simkit.ui.components import WIDE

__all__ = ["DEFAULT_SELECTED", "SEGMENT_NAMES", "WhatIfControls"]

DEFAULT_SELECTED = ("reactive", "proactive_check_ins")
"""Strategies the what-if starts with: the baseline and one proactive alternative."""

SEGMENT_NAMES = {
    "key": "Key",
    "enterprise": "Enterprise",
    "mid_market": "Mid-market",
    "small": "Small",
}
"""How the segments are named on the sliders."""


class WhatIfControls:
    """The what-if's inputs: strategies, team, cost, horizon, replications, portfolio mix.

    Parameters
    ----------
    scenario : the scenario the controls start from (default: :func:`default_scenario`).
    strategies : your own :class:`~simkit.engine.strategies.Strategy` objects, offered next to the
        built-ins; each needs a name no other strategy uses.
    selected : names of the strategies ticked at the start.
    replications : replications per strategy at the start.
    auto : re-run on every change instead of waiting for the Run button.

    Each input is a widget attribute (``strategies``, ``replications``, ``horizon``,
    ``managers``, ``cost_per_hour``, ``segments[segment]``, ``run_button``, ``stop_button``,
    ``auto``), so a page can lay them out its own way; :attr:`widget` is the what-if's own
    layout. The Stop button is enabled only while a comparison is running.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        strategies: Iterable[Strategy] = (),
        selected: Sequence[str] = DEFAULT_SELECTED,
        replications: int = 5,
        auto: bool = False,
    ) -> None:
        self.base = scenario if scenario is not None else default_scenario()
        if not isinstance(self.base, Scenario):
            raise TypeError(f"scenario must be a Scenario, got {type(self.base).__name__}")
        self.available: dict[str, Strategy] = {name: cls() for name, cls in BUILT_IN.items()}
        for s in strategies:
            if not isinstance(s, Strategy):
                raise TypeError(f"strategies must be Strategy objects, got {type(s).__name__}")
            if s.name in self.available:
                raise ValueError(
                    f"strategy name {s.name!r} is already taken; give your strategy its own "
                    "name (set its .name or use simkit.experiments.presets.named)"
                )
            self.available[s.name] = s
        team, horizon = self.base.team, self.base.horizon_years
        self.strategies = w.SelectMultiple(
            options=[(strategy_label(n), n) for n in self.available],
            value=(),
            rows=min(len(self.available), 6),
            description="Strategies",
            style=WIDE,
            layout=w.Layout(width="380px"),
        )
        self.replications = w.IntSlider(
            value=1,
            min=1,
            max=30,
            description="Replications",
            style=WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.horizon = w.FloatSlider(
            value=horizon,
            min=0.5,
            max=max(10.0, horizon),
            step=0.5,
            description="Years simulated",
            style=WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.managers = w.IntSlider(
            value=team.managers,
            min=1,
            max=max(20, 2 * team.managers),
            description="Account managers",
            style=WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.cost_per_hour = w.BoundedFloatText(
            value=team.cost_per_hour,
            min=0.0,
            max=10_000.0,
            step=5.0,
            description="Cost per manager hour",
            style=WIDE,
            layout=w.Layout(width="380px"),
        )
        self.segments = {
            seg: w.IntSlider(
                value=self.base.portfolio.segment(seg).count,
                min=0,
                max=max(40, 4 * self.base.portfolio.segment(seg).count),
                description=f"{SEGMENT_NAMES[seg]} accounts",
                style=WIDE,
                layout=w.Layout(width="380px"),
                continuous_update=False,
            )
            for seg in SEGMENTS
        }
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.stop_button = w.Button(
            description="Stop",
            icon="stop",
            disabled=True,
            tooltip="Stop simulating; the replications finished so far stay on show",
        )
        self.auto = w.Checkbox(value=auto, description="Re-run on every change", indent=False)
        self.set(strategies=list(selected), replications=replications)
        self._widget: w.Widget | None = None

    # -- values ------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The current inputs as plain Python values."""
        return {
            "strategies": list(self.strategies.value),
            "replications": int(self.replications.value),
            "horizon_years": float(self.horizon.value),
            "managers": int(self.managers.value),
            "cost_per_hour": float(self.cost_per_hour.value),
            "counts": {seg: int(s.value) for seg, s in self.segments.items()},
        }

    def set(self, **values: Any) -> None:
        """Set inputs by name: ``strategies``, ``replications``, ``horizon_years``,
        ``managers``, ``cost_per_hour``, ``counts`` (a dict by segment) or one segment's
        count by its name (``key=40``). Values outside a slider's range are refused."""
        counts = dict(values.pop("counts", {}) or {})
        for seg in SEGMENTS:
            if seg in values:
                counts[seg] = values.pop(seg)
        sliders = {
            "replications": self.replications,
            "horizon_years": self.horizon,
            "managers": self.managers,
            "cost_per_hour": self.cost_per_hour,
        }
        unknown = [k for k in values if k not in sliders and k != "strategies"]
        unknown += [f"counts[{k!r}]" for k in counts if k not in self.segments]
        if unknown:
            raise ValueError(
                f"unknown input(s) {unknown}; use strategies, {', '.join(sliders)}, "
                f"counts or a segment name ({', '.join(SEGMENTS)})"
            )
        if "strategies" in values:
            names = [self._resolve(n) for n in values.pop("strategies")]
            self.strategies.value = tuple(dict.fromkeys(names))
        for name, value in [*values.items(), *((k, v) for k, v in counts.items())]:
            widget = sliders.get(name) or self.segments[name]
            if not isinstance(value, int | float | np.number) or not (
                widget.min <= value <= widget.max
            ):
                raise ValueError(f"{name} must be a number from {widget.min} to {widget.max}")
            widget.value = value

    def _resolve(self, name: str | Strategy) -> str:
        if isinstance(name, Strategy):
            name = name.name
        if name in self.available:
            return name
        try:
            resolved = get_strategy(name).name
        except ValueError:
            resolved = None
        if resolved not in self.available:
            raise ValueError(f"unknown strategy {name!r}; choose from {', '.join(self.available)}")
        return resolved

    def scenario(self) -> Scenario:
        """The scenario the inputs describe (raises :class:`ScenarioError` naming the field)."""
        v = self.values()
        changes: dict[str, Any] = {
            "team.managers": v["managers"],
            "team.cost_per_hour": v["cost_per_hour"],
            "horizon_years": v["horizon_years"],
        }
        changes.update({f"portfolio.{seg}.count": n for seg, n in v["counts"].items()})
        if sum(v["counts"].values()) == 0:
            raise ScenarioError("portfolio: the starting book needs at least one account")
        return self.base.update(changes)

    def selected(self) -> list[Strategy]:
        """The ticked strategies, in the order they are listed."""
        chosen = set(self.strategies.value)
        if not chosen:
            raise ValueError("pick at least one strategy to simulate")
        return [s for name, s in self.available.items() if name in chosen]

    # -- widgets -------------------------------------------------------------------------
    def value_widgets(self) -> list[w.Widget]:
        """Every widget whose value is an input (for observers)."""
        return [
            self.strategies,
            self.replications,
            self.horizon,
            self.managers,
            self.cost_per_hour,
            *self.segments.values(),
        ]

    def on_change(self, callback: Callable[[dict], None]) -> None:
        """Call ``callback(change)`` whenever any input changes."""
        for widget in self.value_widgets():
            widget.observe(callback, names="value")

    @property
    def widget(self) -> w.Widget:
        """The controls laid out in two columns, with the Run button below."""
        if self._widget is None:
            hint = w.HTML(
                "<span style='color:#555;font-size:12px'>Hold Ctrl (Cmd on a Mac) to tick "
                "several strategies.</span>"
            )
            left = w.VBox(
                [
                    self.strategies,
                    hint,
                    self.replications,
                    self.horizon,
                    self.managers,
                    self.cost_per_hour,
                ]
            )
            right = w.VBox(
                [w.HTML("<b>Accounts in the starting book</b>"), *self.segments.values()]
            )
            buttons = w.HBox([self.run_button, self.stop_button, self.auto])
            self._widget = w.VBox([w.HBox([left, right]), buttons])
        return self._widget
