"""The manager dashboard: strategy what-ifs on your own portfolio, in the browser, no code.

Two halves:

* :class:`ManagerDashboard`, the page itself (ipywidgets). It is built from the what-if
  parts in :mod:`simkit.ui.widgets` (controls, runner, results views and tables, CSV links,
  the account-story explorer) and adds what only a manager needs: choosing the portfolio
  (the built-in book, the example file or an uploaded CSV, read by :mod:`simkit.io.portfolio`),
  a return-on-cost chart, and an account drill-down that puts one account's story under two
  strategies side by side.
* :func:`serve`, which starts Voila on 127.0.0.1 with ``dashboard/manager.ipynb`` (what
  ``simkit dashboard`` and ``make dashboard`` run) and stops it cleanly on Ctrl-C.

Everything the buttons do is a plain method, so the dashboard runs without a browser:

>>> from simkit.engine.scenario import default_scenario
>>> dash = ManagerDashboard(default_scenario().update({"horizon_years": 0.5}),
...                         selected=["reactive", "proactive"], replications=1)
>>> dash.use_example()
True
>>> cmp = dash.run()
>>> cmp.strategies
['reactive', 'proactive_check_ins']
>>> dash.story_strategies()
('reactive', 'proactive_check_ins')
"""

from __future__ import annotations

import datetime as dt
import html
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simkit.engine.model import simulate
from simkit.engine.results import Results
from simkit.engine.scenario import Scenario, ScenarioError
from simkit.experiments.runner import Comparison
from simkit.io.portfolio import (
    EXAMPLE_AS_OF,
    PortfolioError,
    book_summary,
    example_path,
    format_money,
    parse_csv,
    read_csv,
    scenario_for,
)
from simkit.ui.widgets import (
    AccountStoryExplorer,
    Panel,
    WhatIf,
    csv_download,
    error_html,
    figure_png,
)
from simkit.viz import plots

NOTEBOOK = Path("dashboard") / "manager.ipynb"
"""Where the dashboard notebook lives, relative to the repository root."""

DEFAULT_PORT = 8866
HOST = "127.0.0.1"
READY_PATH = "/voila/static/voila.js"
"""A URL that answers once Voila is up, without starting a kernel."""

DASHBOARD_SELECTED = ("reactive", "key_account_focus", "customer_success", "proactive_check_ins")
"""Strategies ticked when the dashboard opens (reactive first: it is the baseline)."""

STORY_FILTERS = {
    "lost_a_only": "Lost under A, kept under B",
    "lost_either": "Lost under A or B",
    "all": "All accounts",
}
"""Which accounts the drill-down lists (biggest first)."""


MAX_LISTED_ACCOUNTS = 1000
"""At most this many accounts in the drill-down's list (the biggest first)."""

_BUILTIN, _EXAMPLE, _UPLOAD = "builtin", "example", "upload"
_RED = "#b2182b"
_GONE = ("churn", "defect")


# ================================================================== the page
class ManagerDashboard:
    """The manager's what-if page: portfolio, strategies and team, results, account stories.

    Parameters
    ----------
    scenario : the built-in book and the world every run lives in (default: the kit's
        default scenario).
    selected : strategies ticked at the start; the first is the baseline for differences.
    replications : replications per strategy at the start.
    jobs : processes for the simulations (None: decided by the amount of work).
    as_of : the date uploaded account lists describe (default: today; editable on the page).
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        selected: Sequence[str] = DASHBOARD_SELECTED,
        replications: int = 5,
        jobs: int | None = None,
        as_of: dt.date | None = None,
    ) -> None:
        self.whatif = WhatIf(scenario, selected=selected, replications=replications, jobs=jobs)
        self.controls = self.whatif.controls
        self.view = self.whatif.view
        self.base = self.controls.base
        self.jobs = jobs
        self.book: pd.DataFrame | None = None
        self.comparison: Comparison | None = None
        self._uploaded: tuple[str, pd.DataFrame] | None = None
        self._runs: dict[tuple, Results] = {}

        # -- portfolio
        self.source = w.RadioButtons(
            options=self._source_options(), value=_BUILTIN, layout=w.Layout(width="auto")
        )
        self.upload = w.FileUpload(
            accept=".csv", multiple=False, description="Upload CSV", icon="upload"
        )
        self.as_of = w.DatePicker(
            value=as_of or dt.date.today(), description="As of", layout=w.Layout(width="240px")
        )
        self.portfolio_status = w.HTML()
        self.source.observe(self._source_changed, names="value")
        self.upload.observe(self._uploaded_changed, names="value")

        # -- running
        self.run_button = w.Button(
            description="Run comparison",
            button_style="primary",
            icon="play",
            layout=w.Layout(width="200px"),
        )
        self.run_button.on_click(lambda _b: self.update())
        self.return_image = w.Image(format="png", layout=w.Layout(width="50%"))
        self.summary_download = w.HTML()
        self.run_count = 0
        self.run_info = w.HTML()
        self.placeholder = w.HTML(
            _small(
                "<p>Results appear here: a table of every figure per strategy (mean and 95 % "
                "confidence interval), the differences to the baseline, bar charts and the "
                "return on the extra cost. Press <b>Run comparison</b>.</p>",
                size=14,
            )
        )
        for widget in (self.view.figure, self.return_image):
            widget.layout.display = "none"  # until there is something to show
        c = self.controls
        for widget in (c.managers, c.cost_per_hour, c.horizon, c.replications, c.strategies):
            widget.style.description_width = "165px"  # room for "Cost per manager hour"
            widget.layout.width = "380px"

        # -- account stories
        self.story_a = w.Dropdown(description="Strategy A", layout=w.Layout(width="300px"))
        self.story_b = w.Dropdown(description="Strategy B", layout=w.Layout(width="300px"))
        self.story_rep = w.Dropdown(description="Replication", layout=w.Layout(width="180px"))
        self.story_filter = w.ToggleButtons(
            options=[(v, k) for k, v in STORY_FILTERS.items()],
            value="lost_a_only",
            style={"button_width": "auto"},
        )
        self.story_account = w.Dropdown(description="Account", layout=w.Layout(width="520px"))
        self.story_note = w.HTML(
            "<i>Run a comparison first; then pick an account to see its story.</i>"
        )
        self.story_sides = w.HBox(layout=w.Layout(width="100%"))
        self._sides: list[_StorySide] = []
        for widget in (self.story_a, self.story_b, self.story_rep, self.story_filter):
            widget.observe(self._story_runs_changed, names="value")
        self.story_account.observe(self._story_account_changed, names="value")

        self._widget: Panel | None = None
        self._describe_portfolio()

    # ------------------------------------------------------------------ portfolio
    def _source_options(self) -> list[tuple[str, str]]:
        n = self.base.portfolio.total_accounts
        options = [(f"Built-in book ({n} sampled accounts)", _BUILTIN)]
        try:
            example_path()
            options.append(
                (f"Example portfolio (examples/portfolio.csv, {EXAMPLE_AS_OF})", _EXAMPLE)
            )
        except FileNotFoundError:
            pass
        if self._uploaded is not None:
            name, book = self._uploaded
            options.append((f"Your file: {name} ({len(book)} accounts)", _UPLOAD))
        return options

    def use_builtin(self) -> None:
        """Simulate the built-in book (sampled from the scenario; segment sliders apply)."""
        self.book = None
        self._set_team_for(self.base.portfolio.total_accounts)
        self._describe_portfolio()
        self._set_source(_BUILTIN)

    def use_example(self) -> bool:
        """Simulate the example portfolio (``examples/portfolio.csv`` as of its date)."""
        try:
            book = read_csv(example_path(), as_of=EXAMPLE_AS_OF)
        except (FileNotFoundError, PortfolioError) as exc:
            self.portfolio_status.value = error_html(str(exc))
            return False
        self._use_book(book)
        self._set_source(_EXAMPLE)
        return True

    def load_csv(self, data: bytes, name: str = "upload.csv") -> bool:
        """Read an uploaded account list; on success simulate it, else list its problems in red.

        Returns whether the file was accepted. A rejected file leaves the current portfolio
        in place.
        """
        try:
            book = parse_csv(bytes(data), as_of=self.as_of.value, source=name)
        except PortfolioError as exc:
            self.portfolio_status.value = problems_html(exc)
            return False
        except ValueError as exc:  # e.g. no as-of date picked
            self.portfolio_status.value = error_html(str(exc))
            return False
        self._uploaded = (name, book)
        self._use_book(book)
        self.source.options = self._source_options()
        self._set_source(_UPLOAD)
        return True

    def _use_book(self, book: pd.DataFrame) -> None:
        self.book = book
        self._set_team_for(len(book))
        self._describe_portfolio()

    def _set_team_for(self, accounts: int) -> None:
        """Suggest a team with the built-in book's accounts per manager (editable)."""
        per_manager = self.base.portfolio.total_accounts / self.base.team.managers
        suggested = int(np.clip(round(accounts / per_manager), 1, self.controls.managers.max))
        self.controls.managers.value = suggested

    def _set_source(self, value: str) -> None:
        if self.source.value != value:
            self.source.unobserve(self._source_changed, names="value")
            self.source.value = value
            self.source.observe(self._source_changed, names="value")
        for s in self.controls.segments.values():
            s.disabled = value != _BUILTIN
        self._forget_runs()

    def _source_changed(self, change: dict) -> None:
        if change["new"] == _BUILTIN:
            self.use_builtin()
        elif change["new"] == _EXAMPLE:
            self.use_example()
        elif change["new"] == _UPLOAD and self._uploaded is not None:
            self._use_book(self._uploaded[1])
            self._set_source(_UPLOAD)

    def _uploaded_changed(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        self.load_csv(bytes(f["content"]), str(f["name"]))
        self.upload.value = ()  # ready for the next file (or the same file, fixed)

    def _describe_portfolio(self) -> None:
        if self.book is None:
            text = (
                f"{self.base.portfolio.total_accounts} accounts sampled from the scenario "
                "(change the mix with the sliders under <i>Built-in book mix</i>).<br>"
            )
        else:
            text = book_html(self.book)
        managers = self.controls.managers.value
        self.portfolio_status.value = _small(
            f"{text}<span style='color:#555'>Team set to {managers} account manager(s) for "
            "this book; change it below.</span>",
            size=13,
        )

    # ------------------------------------------------------------------ running
    def scenario(self) -> Scenario:
        """The scenario the page describes (for an imported book: sized to the book)."""
        if self.book is None:
            return self.controls.scenario()
        v = self.controls.values()
        return scenario_for(self.book, self.base).update(
            {
                "team.managers": v["managers"],
                "team.cost_per_hour": v["cost_per_hour"],
                "horizon_years": v["horizon_years"],
            }
        )

    def run(self) -> Comparison:
        """Simulate what the page describes and fill the results and the drill-down.

        Raises :class:`ValueError` (or :class:`~simkit.engine.scenario.ScenarioError`) for bad
        inputs; :meth:`update` (the Run button) shows those in red instead.
        """
        self.run_info.value = ""
        if self.book is None:
            cmp = self.whatif.run()
        else:
            cmp = self._run_book()
        self.comparison = cmp
        self._show_extras(cmp)
        self._forget_runs(keep_comparison=True)
        self._fill_story_choices(cmp)
        self.run_count += 1
        self.run_info.value = _small(
            f"Run {self.run_count} done: results and account stories are up to date.",
            colour="#555",
        )
        return cmp

    def update(self) -> Comparison | None:
        """What the Run button does: :meth:`run`, with problems shown in red."""
        self.run_button.disabled = True
        try:
            return self.run()
        except (ScenarioError, ValueError, TypeError) as exc:
            self.view.show_error(str(exc))
        except Exception as exc:  # pragma: no cover - a bug; show it rather than hang
            self.view.show_error(f"the simulation stopped: {type(exc).__name__}: {exc}")
        finally:
            self.run_button.disabled = False
        return None

    def _run_book(self) -> Comparison:
        """Compare the ticked strategies on the imported book (runs remembered per book)."""
        return self.whatif.run(
            scenario=self.scenario(), book=self.book, label=f"{len(self.book)} imported accounts"
        )

    def _show_extras(self, cmp: Comparison) -> None:
        self.placeholder.layout.display = "none"
        self.view.figure.layout.display = None
        if len(cmp.strategies) > 1:
            self.return_image.value = figure_png(return_figure(cmp))
            self.return_image.layout.display = None
        else:
            self.return_image.layout.display = "none"
        self.summary_download.value = csv_download(
            summary_frame(cmp),
            "strategy-summary.csv",
            "Download the summary (CSV: mean and 95 % CI of every figure, and the return)",
        ).value

    def results_table(self) -> pd.DataFrame:
        """The results table on the page: mean [95 % CI] per figure and strategy."""
        return self.whatif.results_table()

    def differences_table(self) -> pd.DataFrame:
        """Each strategy against the baseline, including revenue gained per unit of cost."""
        return self.whatif.differences_table()

    # ------------------------------------------------------------------ account stories
    def _forget_runs(self, keep_comparison: bool = False) -> None:
        self._runs.clear()
        if not keep_comparison:
            self.comparison = None

    def _fill_story_choices(self, cmp: Comparison) -> None:
        options = [(plots.strategy_label(s), s) for s in cmp.strategies]
        b = cmp.strategies[1] if len(cmp.strategies) > 1 else cmp.strategies[0]
        with self._quiet():
            self.story_a.options = options
            self.story_b.options = options
            self.story_a.value, self.story_b.value = cmp.strategies[0], b
            self.story_rep.options = list(range(cmp.replications))
            self.story_rep.value = 0
        self._story_runs_changed(None)

    def _quiet(self) -> _Quiet:
        return _Quiet(self)

    def story_strategies(self) -> tuple[str, str]:
        """The two strategies the drill-down compares (A, B)."""
        return self.story_a.value, self.story_b.value

    def story_results(self, strategy: str, replication: int | None = None) -> Results:
        """The full run of one strategy (same scenario, book and seed as the comparison).

        Runs are simulated on demand and remembered; a run is fully determined by its
        scenario, strategy and replication, so it is the very run the comparison summarised.
        """
        cmp = self._require()
        rep = int(self.story_rep.value if replication is None else replication)
        key = (strategy, rep)
        if key not in self._runs:
            self._runs[key] = simulate(cmp.scenario, strategy, rep, book=self.book)
        return self._runs[key]

    def story_accounts(self, which: str | None = None) -> pd.DataFrame:
        """Accounts for the drill-down, with their fate under A and B (see :func:`fates`).

        ``which`` is a key of :data:`STORY_FILTERS` (default: the page's choice). The
        starting book comes first, biggest ARR first, then accounts that arrived in the run.
        """
        a, b = self.story_strategies()
        table = fates(self.story_results(a), self.story_results(b), self.book)
        which = which or self.story_filter.value
        if which == "lost_a_only":
            table = table[table["lost_a"] & ~table["lost_b"]]
        elif which == "lost_either":
            table = table[table["lost_a"] | table["lost_b"]]
        elif which != "all":
            raise ValueError(f"which must be one of {list(STORY_FILTERS)}, got {which!r}")
        return table

    def _story_runs_changed(self, _change: object) -> None:
        if self.comparison is None or self.story_a.value is None:
            return
        table = self.story_accounts()
        shown = table.head(MAX_LISTED_ACCOUNTS)
        options = [(row.label, int(row.account)) for row in shown.itertuples()]
        a, b = (plots.strategy_label(s) for s in self.story_strategies())
        if not options:
            self.story_note.value = (
                f"No account in this list: try <i>{STORY_FILTERS['lost_either']}</i> or "
                f"<i>{STORY_FILTERS['all']}</i>."
            )
            self.story_sides.children = ()
            with self._quiet():
                self.story_account.options = []
            return
        more = f" (the first {len(shown)} listed)" if len(shown) < len(table) else ""
        self.story_note.value = (
            f"{len(table)} account(s){more}; the biggest first. A = {html.escape(a)}, "
            f"B = {html.escape(b)}, same seed (replication {self.story_rep.value})."
        )
        with self._quiet():
            self.story_account.options = options
            self.story_account.value = options[0][1]
        self.drill(options[0][1])

    def _story_account_changed(self, change: dict) -> None:
        if change["new"] is not None:
            self.drill(int(change["new"]))

    def drill(self, account: int) -> tuple[Figure, Figure]:
        """Show ``account``'s story under strategies A and B side by side.

        Returns the two timeline figures (already drawn into the page).
        """
        a, b = self.story_strategies()
        figures = []
        if not self._sides:
            self._sides = [
                _StorySide(self.story_results(a), account),
                _StorySide(self.story_results(b), account),
            ]
        for side, strategy in zip(self._sides, (a, b), strict=True):
            side.show(self.story_results(strategy), account, self._label(account))
            figures.append(side.last_figure)
        self.story_sides.children = [s.box for s in self._sides]
        return figures[0], figures[1]

    def _label(self, account: int) -> str:
        if self.book is not None and account < len(self.book):
            return str(self.book["account_id"].iat[account])
        return f"#{account}"

    def _require(self) -> Comparison:
        if self.comparison is None:
            raise ValueError("nothing to show yet: press Run (or call run()) first")
        return self.comparison

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> Panel:
        """The whole page: a sidebar with the inputs, results and stories on the right."""
        if self._widget is None:
            self._widget = Panel([self._layout()], "ManagerDashboard")
        return self._widget

    def show(self) -> None:
        """Display the page (in a notebook or Voila)."""
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)

    def _layout(self) -> w.Widget:
        c = self.controls
        heading = _heading
        mix = w.Accordion(
            children=[w.VBox(list(c.segments.values()))],
            titles=("Built-in book mix",),
            selected_index=None,
        )
        sidebar = w.VBox(
            [
                heading("1", "Portfolio"),
                self.source,
                w.HBox([self.upload, self.as_of]),
                w.HTML(
                    _small(
                        "One row per account: account_id, segment, arr, contract_end (or "
                        "contract_start), and optionally health, stage, owner. See "
                        "examples/README.md.",
                        colour="#555",
                    )
                ),
                self.portfolio_status,
                heading("2", "Strategies and team"),
                c.strategies,
                w.HTML(
                    _small(
                        "Hold Ctrl (Cmd on a Mac) to pick several; the first is the baseline.",
                        colour="#555",
                    )
                ),
                c.managers,
                c.cost_per_hour,
                c.horizon,
                c.replications,
                mix,
                heading("3", "Run"),
                self.run_button,
                self.view.progress,
                self.view.status,
                self.run_info,
            ],
            layout=w.Layout(width="400px", min_width="400px", padding="0 16px 0 0"),
        )
        self.view.progress.layout.width = "360px"
        downloads = w.VBox(
            [self.view.download, self.summary_download],
            layout=w.Layout(justify_content="center", padding="0 0 0 16px"),
        )
        results = w.VBox(
            [
                self.placeholder,
                self.view.figure,
                w.HBox([self.return_image, downloads], layout=w.Layout(align_items="center")),
                self.view.table,
                self.view.differences,
            ]
        )
        stories = w.VBox(
            [
                w.HTML(
                    _small(
                        "Follow one account through the same simulated years under two "
                        "strategies. Everything the customer does by chance (issues, surveys, "
                        "competitor calls) is the same on both sides; only what the team "
                        "does differs.",
                        size=14,
                    )
                ),
                w.HBox([self.story_a, self.story_b, self.story_rep], layout=_gap()),
                self.story_filter,
                self.story_account,
                self.story_note,
                self.story_sides,
            ]
        )
        tabs = w.Tab(children=[results, stories], titles=("Results", "Account stories"))
        main = w.VBox([tabs], layout=w.Layout(flex="1 1 auto", min_width="0"))
        title = w.HTML(
            "<h2 style='margin:0 0 4px'>Account strategy what-if</h2>"
            "<p style='margin:0 0 8px;color:#444'>Pick a portfolio, the strategies to compare "
            "and your team, then press <b>Run comparison</b>. Every figure is a mean over "
            "replications with its 95 % confidence interval.</p>"
        )
        return w.VBox([title, w.HBox([sidebar, main], layout=w.Layout(width="100%"))])


def _heading(number: str, text: str) -> w.HTML:
    return w.HTML(
        f"<div style='font-weight:bold;font-size:14px;margin:10px 0 4px;border-bottom:1px "
        f"solid #ddd'>{number} &middot; {html.escape(text)}</div>"
    )


def _small(text: str, size: int = 12, colour: str = "inherit") -> str:
    """Text with a normal line height (widget HTML defaults to the height of a control)."""
    return f"<div style='line-height:1.4;font-size:{size}px;color:{colour}'>{text}</div>"


def book_html(book: pd.DataFrame, within_days: float = 90.0) -> str:
    """An imported book in a few lines: totals, then accounts, ARR and renewals per segment.

    >>> from simkit.io.portfolio import example_path, read_csv
    >>> text = book_html(read_csv(example_path(), as_of=EXAMPLE_AS_OF))
    >>> "120 accounts" in text and "<table" in text
    True
    """
    s = book_summary(book, within_days)
    t = s.loc["total"]
    soon = f"renewals_{within_days:g}d"
    td = "<td style='padding:0 8px;text-align:right'>"
    th = "<th style='padding:0 8px;text-align:right'>"
    rows = "".join(
        f"<tr>{td}{seg.replace('_', '-')}</td>{td}{int(r['accounts'])}</td>"
        f"{td}{format_money(r['arr'])}</td>{td}{int(r[soon])}</td></tr>"
        for seg, r in s.drop(index="total").iterrows()
    )
    notes = "".join(f"<br><i>{html.escape(n)}</i>" for n in book.attrs.get("notes", []))
    return (
        f"<b>{int(t['accounts'])} accounts</b> as of {book.attrs.get('as_of', '?')}: "
        f"{int(t['customers'])} customers, {int(t['prospects'])} prospects, "
        f"ARR {format_money(t['arr'])}; {int(t[soon])} renewals in the next "
        f"{within_days:g} days.{notes}"
        f"<table style='font-size:12px;margin:4px 0'><tr>{th}segment</th>{th}accounts</th>"
        f"{th}ARR</th>{th}renewing</th></tr>{rows}</table>"
    )


def _gap() -> w.Layout:
    return w.Layout(grid_gap="16px", align_items="center")


class _Quiet:
    """Change the drill-down's dropdowns without triggering their observers."""

    def __init__(self, dash: ManagerDashboard) -> None:
        self.pairs = [
            (dash.story_a, dash._story_runs_changed),
            (dash.story_b, dash._story_runs_changed),
            (dash.story_rep, dash._story_runs_changed),
            (dash.story_account, dash._story_account_changed),
        ]

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
        self.account.unobserve(self.refresh, names="value")  # the dashboard drives it
        self.heading = w.HTML()
        self.label = f"#{account}"
        self.last_figure: Figure | None = None
        self.image.layout = w.Layout(max_width="100%")
        self.box = w.VBox(
            [self.heading, self.image, self.note], layout=w.Layout(width="50%", padding="0 6px")
        )

    def render(self) -> Figure:
        self.last_figure = story_figure(self.results, int(self.account.value))
        return self.last_figure

    def describe(self) -> str:
        text = super().describe()
        prefix = f"Account {int(self.account.value)} ("
        if text.startswith(prefix) and not self.label.startswith("#"):
            text = f"Account {self.label} (" + text[len(prefix) :]
        return html.escape(text)

    def show(self, results: Results, account: int, label: str) -> None:
        self.results = results
        self.account.max = max(len(results.accounts) - 1, 0)
        self.account.value = account
        self.label = label
        self.refresh()
        self.note.value = _small(self.note.value, size=13)
        try:
            fate = fate_text(results, account)
        except ValueError:  # not in this run (it arrived under the other strategy only)
            fate = "does not appear in this run"
        self.heading.value = (
            "<div style='line-height:1.4;min-height:2.8em;font-size:14px'>"
            f"<b style='color:{plots.strategy_colour(results.strategy)}'>"
            f"{html.escape(plots.strategy_label(results.strategy))}</b>: account "
            f"{html.escape(label)} {html.escape(fate)}</div>"
        )


# ================================================================== tables and figures
def problems_html(exc: PortfolioError) -> str:
    """A portfolio file's problems as a red list (the first line as a heading).

    >>> html_text = problems_html(PortfolioError("my.csv", ["row 2, column arr: bad"]))
    >>> "row 2, column arr: bad" in html_text and "#b2182b" in html_text
    True
    """
    head, *rest = str(exc).splitlines()
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
    return (
        f"<div style='color:{_RED};line-height:1.4'>{error_html(head)}"
        f"<ul style='margin:4px 0;padding-left:18px;font-size:12px'>{items}</ul>"
        "Fix the file and upload it again; nothing was simulated.</div>"
    )


def summary_frame(cmp: Comparison) -> pd.DataFrame:
    """Mean and 95 % CI of every headline figure per strategy, plus the return on cost.

    The return rows (``metric == "return_per_cost"``) give revenue gained per unit of extra
    strategy cost against the baseline (the first strategy).

    >>> from simkit.experiments.runner import compare
    >>> from simkit.engine.scenario import default_scenario
    >>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
    ...               ["reactive", "proactive"], replications=2)
    >>> s = summary_frame(cmp)
    >>> s.query("metric == 'return_per_cost'")["strategy"].tolist()
    ['proactive_check_ins']
    """
    table = cmp.table()
    table.insert(1, "compared_to", "")
    if len(cmp.strategies) > 1:
        diff = cmp.differences()
        ret = diff[diff["metric"] == "return_per_cost"].rename(
            columns={"mean_diff": "mean", "baseline": "compared_to"}
        )
        ret = ret.assign(label="Revenue gained per unit of extra cost", n=cmp.replications)
        table = pd.concat([table, ret[table.columns]], ignore_index=True)
    return table


def return_figure(cmp: Comparison) -> Figure:
    """Revenue gained per unit of extra strategy cost, each strategy against the baseline.

    >>> from simkit.experiments.runner import compare
    >>> from simkit.engine.scenario import default_scenario
    >>> cmp = compare(default_scenario().update({"horizon_years": 0.5}),
    ...               ["reactive", "proactive"], replications=1)
    >>> return_figure(cmp).axes[0].get_title(loc="left")
    'Return: revenue gained per unit of extra cost (vs Reactive)'
    """
    base = cmp.strategies[0]
    diff = cmp.differences(base)
    ret = diff[diff["metric"] == "return_per_cost"].set_index("strategy")["mean_diff"]
    names = list(cmp.strategies[1:])
    values = ret.reindex(names).to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7, 1.4 + 0.45 * max(len(names), 1)))
    y = np.arange(len(names))
    ax.barh(y, np.nan_to_num(values), color=[plots.strategy_colour(s) for s in names])
    for yi, v in zip(y, values, strict=True):
        ax.annotate(
            "n/a (no extra cost)" if v != v else f"{v:.2f}",
            (0 if v != v else v, yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.axvline(1.0, color="#777777", lw=1, ls="--")
    ax.set_yticks(y, [plots.strategy_label(s) for s in names])
    ax.invert_yaxis()
    ax.set_title(
        f"Return: revenue gained per unit of extra cost (vs {plots.strategy_label(base)})",
        loc="left",
        fontsize=11,
    )
    ax.set_xlabel("revenue gained / extra manager cost (dashed line: 1 = pays for itself)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def fates(results_a: Results, results_b: Results, book: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every account of two runs with its fate under each: the starting book first, biggest
    starting ARR first, then accounts that arrived during the run.

    Columns: ``account``, ``label``, ``segment``, ``arr`` (at the start; 0 for newcomers),
    ``new`` (arrived during the run), ``lost_a``, ``lost_b``, ``day_a``, ``day_b`` (the day
    it churned or defected, NaN when it did not).

    >>> from simkit.engine.scenario import default_scenario
    >>> s = default_scenario().update({"horizon_years": 0.5})
    >>> t = fates(simulate(s, "reactive"), simulate(s, "proactive"))
    >>> start = t[~t["new"]]
    >>> bool(start["arr"].is_monotonic_decreasing), bool((t["lost_a"] == t["day_a"].notna()).all())
    (True, True)
    """
    ev = results_a.events
    start_arr = ev[ev["event"] == "init"].set_index("account")["arr"]
    accounts = results_a.accounts
    table = pd.DataFrame(
        {
            "account": accounts["account"].to_numpy(),
            "segment": accounts["segment"].astype(str).to_numpy(),
        }
    )
    table["new"] = ~table["account"].isin(start_arr.index)
    table["arr"] = table["account"].map(start_arr).fillna(0.0)
    for side, res in (("a", results_a), ("b", results_b)):
        e = res.events
        gone = e[e["event"].isin(_GONE)].groupby("account")["time"].min()
        table[f"day_{side}"] = table["account"].map(gone)
        table[f"lost_{side}"] = table[f"day_{side}"].notna()
    ids = table["account"].to_numpy()
    names = np.array([f"#{i}" for i in ids], dtype=object)
    if book is not None:
        known = ids < len(book)
        names[known] = book["account_id"].astype(str).to_numpy()[ids[known]]

    def fate(day: float) -> str:
        return "stayed" if day != day else f"lost day {day:.0f}"

    table["label"] = [
        f"{n} · {seg.replace('_', '-')} · "
        + ("new in the run" if new else f"{arr:,.0f} ARR")
        + f" · A: {fate(da)}, B: {fate(db)}"
        for n, seg, new, arr, da, db in zip(
            names,
            table["segment"],
            table["new"],
            table["arr"],
            table["day_a"],
            table["day_b"],
            strict=True,
        )
    ]
    table = table.sort_values(
        ["new", "arr", "account"], ascending=[True, False, True], kind="stable"
    )
    cols = ["account", "label", "segment", "arr", "new", "lost_a", "lost_b", "day_a", "day_b"]
    return table[cols].reset_index(drop=True)


def fate_text(results: Results, account: int) -> str:
    """How an account's run ended, in a few words ("renewed 2x, kept", "lost on day 120").

    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 0.5}))
    >>> fate_text(res, 0).startswith(("kept", "did not renew", "left for a competitor"))
    True
    """
    story = results.story(account)
    name = story["event"].astype(str)
    gone = story[name.isin(_GONE)]
    renewals = int((name == "renew").sum())
    if len(gone):
        how = "did not renew" if gone["event"].iat[-1] == "churn" else "left for a competitor"
        return f"{how} on day {gone['time'].iat[-1]:.0f}"
    last = story.iloc[-1]
    return f"kept ({renewals} renewal(s), {last['arr']:,.0f} ARR at the end)"


_STAGE_FILL = {"prospect": 0.10, "customer": 0.07, "loyal": 0.12, "former": 0.12}


def story_figure(results: Results, account: int) -> Figure:
    """One account's timeline with everything on it.

    :func:`simkit.viz.plots.account_timeline` (health, issues, touches, surveys, deals,
    renewals, churn) plus the stage the account was in (shaded), how long each issue stayed
    open (red bars at the bottom: waiting for a manager and the fix), NPS answers (the
    score next to each survey mark) and declined pitches.

    >>> from simkit.engine.scenario import default_scenario
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> fig = story_figure(res, 5)
    >>> fig.axes[0].get_ylabel()
    'health (0-100)'
    """
    fig = plots.account_timeline(results, account)
    fig.set_size_inches(6.4, 3.9)
    ax = fig.axes[0]
    story = results.story(account)
    end = results.scenario.horizon_days
    name = story["event"].astype(str)

    # stage bands
    times = story["time"].to_numpy()
    stages = story["stage_after"].astype(str).to_numpy()
    start_t, current = times[0], stages[0]
    bands = []
    for t, s in zip(times[1:], stages[1:], strict=True):
        if s != current:
            bands.append((start_t, t, current))
            start_t, current = t, s
    bands.append((start_t, end, current))
    for t0, t1, s in bands:
        ax.axvspan(t0, t1, color=plots.STAGE_COLOURS[s], alpha=_STAGE_FILL[s], lw=0, zorder=0)

    # issue waits: open -> resolved
    done = story[name == "issue_resolved"]
    for t, days in zip(done["time"], done["value"], strict=True):
        ax.plot([t - days, t], [3, 3], color="#d62728", lw=5, alpha=0.6, solid_capstyle="butt")
    # NPS answers
    surveys = story[name == "survey"]
    for t, h, v in zip(surveys["time"], surveys["health"], surveys["value"], strict=True):
        ax.annotate(
            f"{v:.0f}",
            (t, h),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color="#1f78b4",
        )
    fails = story[name == "upsell_fail"]
    if len(fails):
        ax.scatter(fails["time"], fails["health"], marker="x", color="#6a3d9a", s=30, zorder=3)

    ax.set_xlim(0, end)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="#d62728", lw=5, alpha=0.6)]
    labels += ["issue open (wait + fix)"]
    if len(fails):
        handles += [Line2D([], [], marker="x", color="#6a3d9a", ls="")]
        labels += ["pitch declined"]
    for s in dict.fromkeys(b[2] for b in bands):
        handles.append(Patch(color=plots.STAGE_COLOURS[s], alpha=2 * _STAGE_FILL[s]))
        labels.append(f"stage: {s}")
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
        f"{plots.strategy_label(results.strategy)} (NPS answers in blue)", fontsize=10, loc="left"
    )
    fig.tight_layout()
    return fig


# ================================================================== serving with Voila
def notebook_path() -> Path:
    """The dashboard notebook: ``dashboard/manager.ipynb`` next to the package, in the
    current folder, or (for an installed package without the repository) a copy written to
    a temporary folder.

    >>> notebook_path().name
    'manager.ipynb'
    """
    env = os.environ.get("SIMKIT_DASHBOARD_NOTEBOOK")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / NOTEBOOK, Path.cwd() / NOTEBOOK]
    for path in candidates:
        if path.is_file():
            return path
    folder = Path(tempfile.mkdtemp(prefix="simkit-dashboard-"))
    path = folder / NOTEBOOK.name
    path.write_text(_fallback_notebook(), encoding="utf-8")
    return path


def _fallback_notebook() -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Account strategy what-if"),
        nbformat.v4.new_code_cell(
            "from simkit.ui.dashboard import ManagerDashboard\n\nManagerDashboard().show()"
        ),
    ]
    return nbformat.writes(nb)


def port_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound right now.

    >>> with socket.socket() as s:
    ...     s.bind((HOST, 0))
    ...     port_free(s.getsockname()[1])
    False
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def voila_command(port: int, notebook: Path | None = None) -> list[str]:
    """The command line that serves the dashboard on 127.0.0.1:``port`` only.

    >>> cmd = voila_command(8866, Path("dashboard/manager.ipynb"))
    >>> "--Voila.ip=127.0.0.1" in cmd, "--port=8866" in cmd, "--no-browser" in cmd
    (True, True, True)
    """
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook or notebook_path()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",
        # a kernel whose page was closed without saying goodbye is shut down after an hour
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
    ]


def wait_ready(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> bool:
    """Poll ``url`` + :data:`READY_PATH` until it answers 200 (True) or ``timeout`` passes.

    Gives up early (False) when ``process`` exits.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with opener.open(url.rstrip("/") + READY_PATH, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    return False


def stop(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """Ask a server to stop (SIGTERM: Voila shuts its kernels down), kill it after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return int(process.returncode or 0)


def serve(port: int = DEFAULT_PORT, notebook: Path | None = None, timeout: float = 60.0) -> int:
    """Serve the dashboard on http://127.0.0.1:``port``/ until Ctrl-C (or SIGTERM).

    Returns the exit code: 0 after a clean stop. Raises :class:`OSError` with a clear
    message when the port is taken, before starting anything.
    """
    if not port_free(port):
        raise OSError(
            f"port {port} on {HOST} is already in use (another dashboard?); "
            "stop that one or choose another port with --port"
        )
    url = f"http://{HOST}:{port}/"
    print(f"starting the dashboard on {url} ...", flush=True)
    process = subprocess.Popen(voila_command(port, notebook))
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if not wait_ready(url, timeout, process):
            code = process.poll()
            stop(process)
            print(
                f"the dashboard did not start (voila exit code {code}); see the messages above",
                file=sys.stderr,
            )
            return 1
        print(f"dashboard ready: {url}  (Ctrl-C stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        print("stopping the dashboard ...", flush=True)
        stop(process)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            stop(process)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
