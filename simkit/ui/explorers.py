"""Lesson explorers: move a control, see a figure and a sentence change.

Each explorer is a few controls, a figure (shown as a PNG) and a note in words. The
plain-Python part is :meth:`~Explorer.render` (the figure for the current control values)
and :meth:`~Explorer.describe` (the note), so a test sets a control's ``value`` and checks
both without a browser; the widget redraws itself whenever a control changes.

* :class:`StageFlowExplorer`: where the book goes under a strategy, stage by stage.
* :class:`AccountStoryExplorer`: one account's life, as a timeline and a story in words.
* :class:`TeamCapacityExplorer`: how team size drives waiting, churn and utilisation.
* :class:`RetentionExplorer`: what a few points of renewal rate are worth.

>>> x = RetentionExplorer(renewal=80, uplift=5)
>>> x.describe().startswith("From 80 % to 85 % renewal")
True
>>> x.render().axes[0].get_xlabel()
'renewal rate per year (%)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from simkit.analysis.lessons import account_story, interesting_account
from simkit.analysis.retention import expected_lifetime, retention_uplift_value
from simkit.engine.accounts import ACTIVE_STAGES
from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario, ScenarioError, default_scenario
from simkit.engine.strategies import BUILT_IN, get_strategy, strategy_label
from simkit.experiments.capacity import capacity_sweep
from simkit.ui.components import WIDE, Panel, error_html
from simkit.viz import plots
from simkit.viz.style import figure_png

__all__ = [
    "AccountStoryExplorer",
    "Explorer",
    "RetentionExplorer",
    "StageFlowExplorer",
    "TeamCapacityExplorer",
]


class Explorer:
    """The frame of every explorer: controls, then a note in words and a figure (PNG).

    A subclass makes its controls in ``__init__`` (observing them with :meth:`refresh`) and
    overrides :meth:`controls`, :meth:`render` and :meth:`describe`. The first display
    draws the figure; every control change redraws it.
    """

    title = "Explorer"
    """The panel's text form (``<title>``), what a notebook stores as ``text/plain``."""

    def __init__(self) -> None:
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.note = w.HTML()
        self._panel: Panel | None = None

    def controls(self) -> list[w.Widget]:  # pragma: no cover - overridden
        """The widgets above the figure, top to bottom."""
        return []

    def render(self) -> Figure:  # pragma: no cover - overridden
        """The figure for the current control values."""
        raise NotImplementedError

    def describe(self) -> str:
        """The note under the controls (HTML) for the current control values."""
        return ""

    def refresh(self, _change: object = None) -> None:
        """Re-draw from the current control values (problems show as a red note)."""
        try:
            self.image.value = figure_png(self.render())
            self.note.value = self.describe()
        except (ScenarioError, ValueError) as exc:
            self.note.value = error_html(str(exc))

    @property
    def widget(self) -> Panel:
        """Controls, figure and note in one box (drawn on first use)."""
        if self._panel is None:
            self.refresh()
            self._panel = Panel([*self.controls(), self.note, self.image], self.title)
        return self._panel

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)


class StageFlowExplorer(Explorer):
    """Pick a strategy and see where the book goes: accounts (or ARR) by stage, month by month.

    >>> x = StageFlowExplorer(default_scenario().update({"horizon_years": 0.5}))
    >>> x.strategy.value = "customer_success"
    >>> x.render().axes[0].get_xlabel()
    'month'
    """

    title = "StageFlowExplorer"

    def __init__(self, scenario: Scenario | None = None, replication: int = 0) -> None:
        super().__init__()
        self.scenario = scenario if scenario is not None else default_scenario()
        self.replication = replication
        self._runs: dict[str, Results] = {}
        self.strategy = w.Dropdown(
            options=[(strategy_label(n), n) for n in BUILT_IN],
            value="reactive",
            description="Strategy",
        )
        self.by = w.ToggleButtons(
            options=[("accounts", "accounts"), ("ARR", "arr")], value="accounts"
        )
        self.strategy.observe(self.refresh, names="value")
        self.by.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        """The strategy dropdown and the accounts / ARR toggle, side by side."""
        return [w.HBox([self.strategy, self.by])]

    def results(self, strategy: str | None = None) -> Results:
        """The run for a strategy (simulated once, then remembered)."""
        name = strategy or self.strategy.value
        if name not in self._runs:
            self._runs[name] = simulate(self.scenario, name, self.replication)
        return self._runs[name]

    def render(self) -> Figure:
        """:func:`simkit.viz.plots.stage_flow` of the picked strategy's run."""
        return plots.stage_flow(self.results(), by=self.by.value)

    def describe(self) -> str:
        """How many accounts pay at the start and at the end of the run."""
        snap = self.results().snapshots
        active = snap[snap["stage"].isin(ACTIVE_STAGES)].groupby("month")["accounts"]
        counts = active.sum()
        return (
            f"Paying accounts: {counts.iloc[0]:.0f} at the start, {counts.iloc[-1]:.0f} after "
            f"{counts.index[-1]} months."
        )


class AccountStoryExplorer(Explorer):
    """Follow one account through a run: its health, issues, touches, deals and renewals.

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 0.5}))
    >>> x = AccountStoryExplorer(res, account=3)
    >>> x.describe().startswith("Account 3")
    True
    """

    title = "AccountStoryExplorer"

    def __init__(self, results: Results, account: int | None = None) -> None:
        super().__init__()
        self.results = results
        n = len(results.accounts)
        start = interesting_account(results) if account is None else int(account)
        self.account = w.BoundedIntText(
            value=start, min=0, max=n - 1, description="Account id", style=WIDE
        )
        self.account.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        """The account id box."""
        return [self.account]

    def render(self) -> Figure:
        """:func:`simkit.viz.plots.account_timeline` of the account."""
        return plots.account_timeline(self.results, int(self.account.value))

    def describe(self) -> str:
        """The account's story in words (:func:`simkit.analysis.lessons.account_story`)."""
        return account_story(self.results, int(self.account.value))


class TeamCapacityExplorer(Explorer):
    """Move the team-size slider and watch queues form: time to resolution, churn, utilisation.

    Every team size you visit is simulated once and added to the curves.

    >>> x = TeamCapacityExplorer(default_scenario().update({"horizon_years": 0.5}),
    ...                          managers=(3, 6), replications=1)
    >>> x.managers.value = 3
    >>> sorted(x.table()["managers"].unique().tolist())
    [3]
    """

    title = "TeamCapacityExplorer"

    def __init__(
        self,
        scenario: Scenario | None = None,
        strategy: str = "reactive",
        managers: Sequence[int] = (2, 3, 4, 5, 6, 8),
        replications: int = 1,
    ) -> None:
        super().__init__()
        self.scenario = scenario if scenario is not None else default_scenario()
        self.replications = replications
        self._tables: dict[tuple[str, int], pd.DataFrame] = {}
        self.strategy = w.Dropdown(
            options=[(strategy_label(n), n) for n in BUILT_IN],
            value=get_strategy(strategy).name,
            description="Strategy",
        )
        team = self.scenario.team.managers
        start = team if team in managers else list(managers)[-1]
        self.managers = w.SelectionSlider(
            options=list(managers),
            value=start,
            description="Managers",
            continuous_update=False,
        )
        self.strategy.observe(self.refresh, names="value")
        self.managers.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        """The strategy dropdown and the team-size slider, side by side."""
        return [w.HBox([self.strategy, self.managers])]

    def _point(self, strategy: str, managers: int) -> pd.DataFrame:
        key = (strategy, managers)
        if key not in self._tables:
            self._tables[key] = capacity_sweep(
                self.scenario, [strategy], [managers], self.replications
            )
        return self._tables[key]

    def table(self) -> pd.DataFrame:
        """Every (strategy, team size) visited so far, after simulating the current one."""
        self._point(self.strategy.value, int(self.managers.value))
        return pd.concat(self._tables.values(), ignore_index=True)

    def render(self) -> Figure:
        """:func:`simkit.viz.plots.capacity_curves` through every team size visited."""
        return plots.capacity_curves(self.table())

    def describe(self) -> str:
        """Waiting, churn and utilisation at the current team size, in one sentence."""
        managers = int(self.managers.value)
        t = self._point(self.strategy.value, managers).set_index("metric")
        return (
            f"With {managers} manager{'' if managers == 1 else 's'} "
            f"({strategy_label(self.strategy.value)}): "
            f"issues wait {t.loc['time_to_resolution', 'mean']:.1f} days on average, "
            f"{t.loc['churn_rate', 'mean']:.1f} % of accounts are lost per year, and the team "
            f"is busy {t.loc['utilisation', 'mean']:.0f} % of its hours."
        )


class RetentionExplorer(Explorer):
    """Renewal rate, discount rate and a retention uplift: what is an account worth?

    >>> x = RetentionExplorer()
    >>> x.renewal.value, x.uplift.value = 80, 5
    >>> n = x.numbers()
    >>> round(n["lifetime_before"], 1), round(n["lifetime_after"], 1)
    (5.0, 6.7)
    """

    title = "RetentionExplorer"

    def __init__(self, renewal: float = 80, discount: float = 10, uplift: float = 5) -> None:
        super().__init__()
        self.renewal = w.IntSlider(
            value=renewal, min=50, max=94, description="Renewal rate (%)", style=WIDE
        )
        self.discount = w.IntSlider(
            value=discount, min=0, max=20, description="Discount rate (%)", style=WIDE
        )
        self.uplift = w.IntSlider(
            value=uplift, min=1, max=5, description="Uplift (points)", style=WIDE
        )
        for c in (self.renewal, self.discount, self.uplift):
            c.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        """The renewal-rate, discount-rate and uplift sliders."""
        return [self.renewal, self.discount, self.uplift]

    def numbers(self) -> dict[str, float]:
        """Lifetimes, margin multiples and the value gained by the uplift."""
        r, i, u = self.renewal.value / 100, self.discount.value / 100, self.uplift.value / 100
        gain = retention_uplift_value(r, i, u)
        return {
            "lifetime_before": expected_lifetime(r),
            "lifetime_after": expected_lifetime(r + u),
            "value_before": gain.value_before,
            "value_after": gain.value_after,
            "value_increase_pct": gain.pct_increase,
        }

    def render(self) -> Figure:
        """:func:`simkit.viz.plots.retention_value` with the two renewal rates marked."""
        r, u = self.renewal.value / 100, self.uplift.value / 100
        return plots.retention_value(self.discount.value / 100, highlight=[r, r + u])

    def describe(self) -> str:
        """Lifetime and value before and after the uplift, and the gain in per cent."""
        n = self.numbers()
        r, u = self.renewal.value, self.uplift.value
        return (
            f"From {r} % to {r + u} % renewal: an account stays {n['lifetime_before']:.1f} -> "
            f"{n['lifetime_after']:.1f} years on average and is worth "
            f"{n['value_before']:.2f} -> {n['value_after']:.2f} years of margin today, "
            f"<b>{n['value_increase_pct']:+.0f} %</b>."
        )
