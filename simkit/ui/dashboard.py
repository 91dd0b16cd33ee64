"""The manager dashboard: strategy what-ifs on your own portfolio, in the browser, no code.

:class:`ManagerDashboard` is the page that ``simkit dashboard`` serves with Voila (see
:mod:`simkit.ui.server`; the notebook is ``dashboard/manager.ipynb``). It is assembled from
parts that each work alone:

* :class:`~simkit.ui.portfolio.PortfolioPicker` -- step 1, the book: the built-in sample,
  the example file or an uploaded CSV;
* :class:`~simkit.ui.whatif.WhatIf` -- step 2 and 3, strategies, team and the comparison
  (its controls, its remembering runner on workers that stay up, its result views). Results
  arrive as they are computed: replication 0 of every strategy first, then the tables,
  charts and intervals grow with each replication; **Stop** ends a comparison early;
* :class:`~simkit.ui.stories.StoryComparison` -- the *Account stories* tab, one account
  under two strategies side by side. The comparison keeps only each run's figures; when
  the tab is opened, the replication it shows is simulated again with its full event log
  (same seed, so the very run the figures came from);

and adds what only a manager needs: a return-on-cost chart
(:func:`simkit.viz.plots.return_on_cost`) and a summary download
(:func:`simkit.viz.tables.summary_frame`).

Everything the buttons do is a plain method, so the dashboard runs without a browser:

>>> from simkit.engine.scenario import default_scenario
>>> dash = ManagerDashboard(default_scenario().update({"horizon_years": 0.5}),
...                         selected=["reactive", "proactive"], replications=1)
>>> dash.portfolio.use_example()
True
>>> cmp = dash.run()
>>> cmp.strategies
['reactive', 'proactive_check_ins']
>>> dash.stories.strategies()
('reactive', 'proactive_check_ins')
>>> dash.tabs.selected_index = 1  # open "Account stories": its two runs are simulated now
>>> len(dash.stories.sides.children)
2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from simkit.engine.scenario import Scenario, ScenarioError
from simkit.experiments.cached_runner import Update
from simkit.experiments.compare import Comparison
from simkit.io.portfolio import scenario_for
from simkit.ui.components import Panel, csv_download, heading_html, small_html
from simkit.ui.portfolio import PortfolioPicker, upload_guard_html
from simkit.ui.server import IDLE_MINUTES
from simkit.ui.stories import StoryComparison
from simkit.ui.whatif import WhatIf
from simkit.viz.plots import return_on_cost
from simkit.viz.style import figure_png
from simkit.viz.tables import summary_frame

__all__ = ["DASHBOARD_SELECTED", "ManagerDashboard"]

DASHBOARD_SELECTED = ("reactive", "key_account_focus", "customer_success", "proactive_check_ins")
"""Strategies ticked when the dashboard opens (reactive first: it is the baseline)."""


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
    background : run comparisons in a background thread so that Stop can be pressed (None:
        in a notebook or Voila, yes; in scripts and tests, no).

    Parts: ``whatif`` (with ``controls`` and ``view``), ``portfolio``, ``stories``. Show it
    with :meth:`show` (or as a cell's last line); drive it with :meth:`run`.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        selected: Sequence[str] = DASHBOARD_SELECTED,
        replications: int = 5,
        jobs: int | None = None,
        as_of: dt.date | None = None,
        background: bool | None = None,
    ) -> None:
        self.whatif = WhatIf(
            scenario,
            selected=selected,
            replications=replications,
            jobs=jobs,
            background=background,
        )
        self.whatif.on_update(self._updated)
        self.controls = self.whatif.controls
        self.view = self.whatif.view
        self.comparison: Comparison | None = None
        self.stories = StoryComparison(on_demand=True)
        self.portfolio = PortfolioPicker(self.controls, as_of, on_change=self._book_changed)

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
            small_html(
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
        self.tabs = w.Tab(
            children=[self._results(), self.stories.widget], titles=("Results", "Account stories")
        )
        self.tabs.observe(self._tab_changed, names="selected_index")
        self._widget: Panel | None = None

    @property
    def book(self) -> pd.DataFrame | None:
        """The imported book being simulated, or None for the built-in sample."""
        return self.portfolio.book

    def _book_changed(self) -> None:
        self.whatif.stop()
        self.whatif.wait()
        self.comparison = None
        self.stories.forget()

    def _tab_changed(self, change: dict) -> None:
        self.stories.visible = change["new"] == 1  # simulates the shown runs if not done yet

    # ------------------------------------------------------------------ running
    def scenario(self) -> Scenario:
        """The scenario the page describes (for an imported book: sized to the book)."""
        if self.book is None:
            return self.controls.scenario()
        v = self.controls.values()
        return scenario_for(self.book, self.controls.base).update(
            {
                "team.managers": v["managers"],
                "team.cost_per_hour": v["cost_per_hour"],
                "horizon_years": v["horizon_years"],
            }
        )

    def run(self) -> Comparison:
        """Simulate what the page describes, filling the results as they arrive, and offer
        the finished comparison's account stories (in this thread; see :meth:`update`).

        Raises :class:`ValueError` (or :class:`~simkit.engine.scenario.ScenarioError`) for bad
        inputs; :meth:`update` (the Run button) shows those in red instead.
        """
        self.run_info.value = ""
        return self.whatif.run(*self._inputs())

    def update(self) -> Comparison | None:
        """What the Run button does: start the comparison (in a notebook or Voila, in the
        background, so that Stop works), with problems shown in red."""
        self.run_info.value = ""
        try:
            inputs = self._inputs()
        except (ScenarioError, ValueError, TypeError) as exc:
            self.view.show_error(str(exc))
            return None
        return self.whatif.update(*inputs)

    def _inputs(self) -> tuple[Scenario | None, pd.DataFrame | None, str]:
        """The scenario (None: the controls' own), book and status label of a run."""
        if self.book is None:
            return None, None, ""
        return self.scenario(), self.book, f"{len(self.book)} imported accounts"

    def _updated(self, update: Update, drawn: bool) -> None:
        """After each update: the return chart (when the charts were redrawn), the summary
        download; after the last, the account stories and the run count."""
        cmp = update.comparison
        assert cmp is not None  # the what-if calls listeners only with results
        self.comparison = cmp
        self._show_extras(cmp, drawn)
        if update.last:
            self.stories.show(cmp, self.book)
            self.run_count += 1
            what = "done" if update.complete else f"stopped with {update.describe()}"
            self.run_info.value = small_html(
                f"Run {self.run_count} {what}: results and account stories are up to date.",
                colour="#555",
            )

    def _show_extras(self, cmp: Comparison, drawn: bool = True) -> None:
        self.placeholder.layout.display = "none"
        self.view.figure.layout.display = None
        if len(cmp.strategies) > 1:
            if drawn:
                self.return_image.value = figure_png(return_on_cost(cmp))
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

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> Panel:
        """The whole page: a sidebar with the inputs, results and stories on the right."""
        if self._widget is None:
            self._widget = Panel([self._layout()], "ManagerDashboard")
        return self._widget

    def show(self) -> None:
        """Display the page (in a notebook or Voila), with the script that keeps the browser
        from sending uploads over the size limit (:func:`~simkit.ui.portfolio.upload_guard_html`).
        """
        from IPython.display import HTML, display

        display(HTML(upload_guard_html()))
        display(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)

    def _layout(self) -> w.Widget:
        c, p = self.controls, self.portfolio
        mix = w.Accordion(
            children=[w.VBox(list(c.segments.values()))],
            titles=("Built-in book mix",),
            selected_index=None,
        )
        sidebar = w.VBox(
            [
                w.HTML(heading_html("1", "Portfolio")),
                p.source,
                w.HBox([p.upload, p.as_of]),
                w.HTML(
                    small_html(
                        "One row per account: account_id, segment, arr, contract_end (or "
                        "contract_start), and optionally health, stage, owner. See "
                        "examples/README.md.",
                        colour="#555",
                    )
                ),
                p.status,
                w.HTML(heading_html("2", "Strategies and team")),
                c.strategies,
                w.HTML(
                    small_html(
                        "Hold Ctrl (Cmd on a Mac) to pick several; the first is the baseline.",
                        colour="#555",
                    )
                ),
                c.managers,
                c.cost_per_hour,
                c.horizon,
                c.replications,
                mix,
                w.HTML(heading_html("3", "Run")),
                w.HBox([self.run_button, c.stop_button]),
                self.view.progress,
                self.view.status,
                self.run_info,
                w.HTML(
                    small_html(
                        f"In the dashboard a page left unused for {IDLE_MINUTES} minutes is "
                        "closed to free the server's memory: reload it to start again.",
                        colour="#777",
                        size=12,
                    )
                ),
            ],
            layout=w.Layout(width="400px", min_width="400px", padding="0 16px 0 0"),
        )
        self.view.progress.layout.width = "360px"
        main = w.VBox([self.tabs], layout=w.Layout(flex="1 1 auto", min_width="0"))
        title = w.HTML(
            "<h2 style='margin:0 0 4px'>Account strategy what-if</h2>"
            "<p style='margin:0 0 8px;color:#444'>Pick a portfolio, the strategies to compare "
            "and your team, then press <b>Run comparison</b>. Every figure is a mean over "
            "replications with its 95 % confidence interval; the first replication of every "
            "strategy shows as soon as it is done, the rest as they arrive.</p>"
        )
        return w.VBox([title, w.HBox([sidebar, main], layout=w.Layout(width="100%"))])

    def _results(self) -> w.Widget:
        """The Results tab: charts, return chart and downloads, the tables."""
        downloads = w.VBox(
            [self.view.download, self.summary_download],
            layout=w.Layout(justify_content="center", padding="0 0 0 16px"),
        )
        return w.VBox(
            [
                self.placeholder,
                self.view.figure,
                w.HBox([self.return_image, downloads], layout=w.Layout(align_items="center")),
                self.view.table,
                self.view.differences,
            ]
        )
