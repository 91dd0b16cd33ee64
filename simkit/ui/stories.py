"""Account stories: one account under two strategies, side by side.

After a comparison, a manager asks *which* accounts a strategy saves. :class:`StoryComparison`
lists the accounts of one replication with their fate under strategy A and strategy B
(lost under A but kept under B, lost under either, or all), and draws a picked account's
story twice: its timeline (:func:`simkit.viz.story.story_figure`) and its story in words
(:func:`simkit.analysis.lessons.account_story`). Both runs share the scenario, the book and
the replication, so everything the customer does by chance is the same on both sides and
only what the team does differs.

A comparison keeps only each run's headline figures, not its event log. The drill-down
re-runs the one replication it shows, for strategies A and B, with the full log, when it
is asked to (on demand: in the dashboard, when its tab is opened) and remembers them. A run
is fully determined by its scenario, strategy and replication, so it is the very run the
comparison summarised: same seed, same numbers.

>>> from simkit.experiments.compare import compare
>>> from simkit.engine.scenario import default_scenario
>>> cmp = compare(default_scenario().update({"horizon_years": 1}),
...               ["reactive", "customer_success"], replications=1, jobs=1)
>>> stories = StoryComparison()
>>> stories.show(cmp)
>>> stories.strategies()
('reactive', 'customer_success')
>>> lost = stories.accounts("lost_a_only")
>>> bool(lost["lost_a"].all() and not lost["lost_b"].any())
True
"""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from simkit.analysis.lessons import fate_text, fates
from simkit.engine.results import Results
from simkit.engine.strategies import strategy_label
from simkit.experiments.compare import Comparison
from simkit.experiments.runner import Run, replay
from simkit.ui.components import small_html
from simkit.ui.explorers import AccountStoryExplorer
from simkit.viz.palette import strategy_colour
from simkit.viz.story import story_figure

__all__ = ["MAX_LISTED_ACCOUNTS", "STORY_FILTERS", "StoryComparison"]

STORY_FILTERS = {
    "lost_a_only": "Lost under A, kept under B",
    "lost_either": "Lost under A or B",
    "all": "All accounts",
}
"""Which accounts the list offers (biggest first), by key and label."""

MAX_LISTED_ACCOUNTS = 1000
"""At most this many accounts in the list (the biggest first)."""

F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    """One caller at a time: a comparison finishing in a background thread offers its
    stories while the person may be opening the tab or picking an account."""

    @functools.wraps(method)
    def wrapper(self: StoryComparison, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class StoryComparison:
    """Pick two strategies, a replication and an account; see its story under both.

    Parameters
    ----------
    on_demand : simulate and draw only while :attr:`visible` is true (a page sets it when
        the stories' tab is opened); otherwise as soon as :meth:`show` is called.

    Widgets: ``a``, ``b`` (strategy dropdowns), ``replication``, ``which`` (a filter of
    :data:`STORY_FILTERS`), ``account`` (the listed accounts), ``note`` and ``sides`` (the
    two stories). Call :meth:`show` after each comparison; :meth:`drill` is what picking an
    account does.

    Attributes
    ----------
    simulated : runs simulated (with their event logs) for the stories so far.
    """

    def __init__(self, on_demand: bool = False) -> None:
        self.on_demand = on_demand
        self._visible = not on_demand
        self._stale = False  # shown a comparison whose list is not drawn yet
        self.simulated = 0
        self._lock = threading.RLock()
        self.comparison: Comparison | None = None
        self.book: pd.DataFrame | None = None
        self._runs: dict[tuple[str, int], Results] = {}
        self.a = w.Dropdown(description="Strategy A", layout=w.Layout(width="300px"))
        self.b = w.Dropdown(description="Strategy B", layout=w.Layout(width="300px"))
        self.replication = w.Dropdown(description="Replication", layout=w.Layout(width="180px"))
        self.which = w.ToggleButtons(
            options=[(v, k) for k, v in STORY_FILTERS.items()],
            value="lost_a_only",
            style={"button_width": "auto"},
        )
        self.account = w.Dropdown(description="Account", layout=w.Layout(width="520px"))
        self.note = w.HTML("<i>Run a comparison first; then pick an account to see its story.</i>")
        self.sides = w.HBox(layout=w.Layout(width="100%"))
        self._sides: list[_StorySide] = []
        self._observed = [
            (self.a, self._runs_changed),
            (self.b, self._runs_changed),
            (self.replication, self._runs_changed),
            (self.which, self._runs_changed),
            (self.account, self._account_changed),
        ]
        for widget, fn in self._observed:
            widget.observe(fn, names="value")
        self._widget: w.Widget | None = None

    # ------------------------------------------------------------------ state
    @_locked
    def show(self, comparison: Comparison, book: pd.DataFrame | None = None) -> None:
        """Offer the stories of a finished comparison (``book``: the imported book it ran on,
        whose account ids then label the accounts). Picks the first two strategies,
        replication 0, and the first listed account."""
        self.comparison, self.book = comparison, book
        self._runs.clear()
        options = [(strategy_label(s), s) for s in comparison.strategies]
        first = comparison.strategies[0]
        second = comparison.strategies[1] if len(comparison.strategies) > 1 else first
        with self._quiet():
            self.a.options = options
            self.b.options = options
            self.a.value, self.b.value = first, second
            self.replication.options = list(range(comparison.replications))
            self.replication.value = 0
        self._stale = True
        if self._visible:
            self._runs_changed(None)
        else:
            with self._quiet():
                self.account.options = []
            self.sides.children = ()
            self.note.value = "<i>The accounts' stories are simulated when you look at them.</i>"

    @property
    def visible(self) -> bool:
        """Whether the stories are on screen (with ``on_demand``, only then are runs done)."""
        return self._visible

    @visible.setter
    @_locked
    def visible(self, value: bool) -> None:
        self._visible = bool(value) or not self.on_demand
        if self._visible and self._stale:
            self._runs_changed(None)

    @_locked
    def forget(self) -> None:
        """Drop the comparison and its runs (the book or the inputs changed)."""
        self.comparison = None
        self._stale = False
        self._runs.clear()

    def strategies(self) -> tuple[str, str]:
        """The two strategies compared (A, B)."""
        return self.a.value, self.b.value

    def results(self, strategy: str, replication: int | None = None) -> Results:
        """The full run of one strategy, event log included, simulated now if not yet (same
        scenario, book and seed as the comparison, so the same figures); ``replication``
        defaults to the one picked."""
        cmp = self._require()
        rep = int(self.replication.value if replication is None else replication)
        key = (strategy, rep)
        if key not in self._runs:
            obj = cmp.strategy_objects.get(strategy, strategy)  # a custom strategy: itself
            self._runs[key] = replay(Run(cmp.scenario, obj, rep, book=self.book))
            self.simulated += 1
        return self._runs[key]

    def accounts(self, which: str | None = None) -> pd.DataFrame:
        """Accounts for the list, with their fate under A and B (see
        :func:`simkit.analysis.lessons.fates`): the starting book first, biggest ARR first,
        then accounts that arrived in the run.

        ``which`` is a key of :data:`STORY_FILTERS` (default: the one picked).
        """
        a, b = self.strategies()
        table = fates(self.results(a), self.results(b), self.book)
        which = which or self.which.value
        if which == "lost_a_only":
            return table[table["lost_a"] & ~table["lost_b"]]
        if which == "lost_either":
            return table[table["lost_a"] | table["lost_b"]]
        if which != "all":
            raise ValueError(f"which must be one of {list(STORY_FILTERS)}, got {which!r}")
        return table

    def drill(self, account: int) -> tuple[Figure, Figure]:
        """Show ``account``'s story under strategies A and B side by side.

        Returns the two timeline figures (already drawn into :attr:`sides`).
        """
        a, b = self.strategies()
        if not self._sides:
            self._sides = [_StorySide(self.results(s), account) for s in (a, b)]
        label = self._label(account)
        for side, strategy in zip(self._sides, (a, b), strict=True):
            side.show(self.results(strategy), account, label)
        self.sides.children = [s.box for s in self._sides]
        return self._sides[0].last_figure, self._sides[1].last_figure

    def _label(self, account: int) -> str:
        if self.book is not None and account < len(self.book):
            return str(self.book["account_id"].iat[account])
        return f"#{account}"

    def _require(self) -> Comparison:
        if self.comparison is None:
            raise ValueError("nothing to show yet: press Run (or call run()) first")
        return self.comparison

    # ------------------------------------------------------------------ observers
    def _quiet(self) -> _Quiet:
        return _Quiet(self._observed)

    @_locked
    def _runs_changed(self, _change: object) -> None:
        if self.comparison is None or self.a.value is None or not self._visible:
            return
        self._stale = False
        table = self.accounts()
        shown = table.head(MAX_LISTED_ACCOUNTS)
        options = [(row.label, int(row.account)) for row in shown.itertuples()]
        a, b = (strategy_label(s) for s in self.strategies())
        if not options:
            self.note.value = (
                f"No account in this list: try <i>{STORY_FILTERS['lost_either']}</i> or "
                f"<i>{STORY_FILTERS['all']}</i>."
            )
            self.sides.children = ()
            with self._quiet():
                self.account.options = []
            return
        more = f" (the first {len(shown)} listed)" if len(shown) < len(table) else ""
        self.note.value = (
            f"{len(table)} account(s){more}; the biggest first. A = {html.escape(a)}, "
            f"B = {html.escape(b)}, same seed (replication {self.replication.value})."
        )
        with self._quiet():
            self.account.options = options
            self.account.value = options[0][1]
        self.drill(options[0][1])

    @_locked
    def _account_changed(self, change: dict) -> None:
        if change["new"] is not None:
            self.drill(int(change["new"]))

    @property
    def widget(self) -> w.Widget:
        """An introduction, the pickers, the account list, the note and the two stories."""
        if self._widget is None:
            intro = small_html(
                "Follow one account through the same simulated years under two strategies. "
                "Everything the customer does by chance (issues, surveys, competitor calls) "
                "is the same on both sides; only what the team does differs.",
                size=14,
            )
            pickers = w.HBox(
                [self.a, self.b, self.replication],
                layout=w.Layout(grid_gap="16px", align_items="center"),
            )
            self._widget = w.VBox(
                [w.HTML(intro), pickers, self.which, self.account, self.note, self.sides]
            )
        return self._widget


class _Quiet:
    """Change the drill-down's widgets without triggering their observers."""

    def __init__(self, pairs: list[tuple[w.Widget, object]]) -> None:
        self.pairs = pairs

    def __enter__(self) -> None:
        for widget, fn in self.pairs:
            widget.unobserve(fn, names="value")

    def __exit__(self, *exc: object) -> None:
        for widget, fn in self.pairs:
            widget.observe(fn, names="value")


class _StorySide(AccountStoryExplorer):
    """One side of the drill-down: a heading, the account's timeline and its story in words."""

    title = "AccountStory"

    def __init__(self, results: Results, account: int) -> None:
        super().__init__(results, account)
        self.account.unobserve(self.refresh, names="value")  # the drill-down drives it
        self.heading = w.HTML()
        self.label = f"#{account}"
        self.last_figure: Figure | None = None
        self.image.layout = w.Layout(max_width="100%")
        self.box = w.VBox(
            [self.heading, self.image, self.note], layout=w.Layout(width="50%", padding="0 6px")
        )

    def render(self) -> Figure:
        """The full story figure (:func:`simkit.viz.story.story_figure`), kept for tests."""
        self.last_figure = story_figure(self.results, int(self.account.value))
        return self.last_figure

    def describe(self) -> str:
        """The story in words, naming the account by its id in the imported book."""
        text = super().describe()
        prefix = f"Account {int(self.account.value)} ("
        if text.startswith(prefix) and not self.label.startswith("#"):
            text = f"Account {self.label} (" + text[len(prefix) :]
        return html.escape(text)

    def show(self, results: Results, account: int, label: str) -> None:
        """Draw ``account`` of ``results`` under the heading ``label`` and its fate."""
        self.results = results
        self.account.max = max(len(results.accounts) - 1, 0)
        self.account.value = account
        self.label = label
        self.refresh()
        self.note.value = small_html(self.note.value, size=13)
        try:
            fate = fate_text(results, account)
        except ValueError:  # not in this run (it arrived under the other strategy only)
            fate = "does not appear in this run"
        colour = strategy_colour(results.strategy)
        self.heading.value = (
            "<div style='line-height:1.4;min-height:2.8em;font-size:14px'>"
            f"<b style='color:{colour}'>{html.escape(strategy_label(results.strategy))}</b>: "
            f"account {html.escape(label)} {html.escape(fate)}</div>"
        )
