"""The what-if: compare strategies on a book of your choosing, with confidence intervals.

:class:`WhatIf` is three parts put together, each usable alone:

* **controls** (:class:`~simkit.ui.controls.WhatIfControls`) hold the widgets and turn their
  values into a scenario and strategies;
* a **runner** (:class:`~simkit.experiments.cached_runner.CachedRunner`) simulates and
  remembers what it has already run, so moving one slider only simulates what changed;
* a **view** (:class:`ResultsView`) shows the results as HTML tables, PNG bar charts and a
  CSV download link.

Its plain-Python methods (:meth:`WhatIf.run`, :meth:`WhatIf.results_table`,
:meth:`WhatIf.differences_table`, :meth:`WhatIf.runs_table`, :meth:`WhatIf.figure`) are what
the Run button calls, so a test or a script drives it without a browser:

>>> from simkit.engine.scenario import default_scenario
>>> app = WhatIf(default_scenario().update({"horizon_years": 1}), replications=2)
>>> app.controls.set(managers=5)
>>> cmp = app.run()
>>> list(app.results_table().columns)
['Reactive', 'Proactive check-ins']

In a notebook, make ``app`` (or ``app.widget``) a cell's last line to show it.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from simkit.engine.scenario import Scenario, ScenarioError
from simkit.engine.strategies import Strategy
from simkit.experiments.cached_runner import CachedRunner
from simkit.experiments.compare import Comparison
from simkit.ui.components import GREEN, Panel, csv_download, error_html, html_table
from simkit.ui.controls import DEFAULT_SELECTED, WhatIfControls
from simkit.viz import plots, tables
from simkit.viz.style import figure_png

__all__ = ["PLOT_METRICS", "TABLE_METRICS", "ResultsView", "WhatIf"]

TABLE_METRICS = (
    "logo_retention",
    "churn_rate",
    "grr",
    "nrr",
    "revenue",
    "end_arr",
    "gross_profit",
    "clv_simple",
    "nps",
    "time_to_resolution",
    "strategy_cost",
    "utilisation",
    "missed_touch_share",
)
"""Figures in the what-if table (see :data:`simkit.analysis.summary.HEADLINE` for their labels)."""

PLOT_METRICS = ("logo_retention", "grr", "nrr", "gross_profit", "clv_simple", "strategy_cost")
"""Figures in the what-if bar charts: retention, revenue retention, profit, CLV and cost."""


class ResultsView:
    """Where results appear: status line, progress bar, tables, bar charts, CSV download.

    The widgets are attributes (``status``, ``progress``, ``table``, ``differences``,
    ``figure``, ``download``) so a page can place them where it likes; :attr:`widget` is
    the what-if's own arrangement (tabs for charts, table and differences).
    """

    def __init__(self) -> None:
        self.status = w.HTML()
        self.progress = w.IntProgress(
            value=0, min=0, max=1, description="Simulating", layout=w.Layout(display="none")
        )
        self.table = w.HTML()
        self.differences = w.HTML()
        self.figure = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.download = w.HTML()
        self._widget: w.Widget | None = None

    def step(self, done: int, total: int) -> None:
        """Progress callback (``done`` of ``total`` new runs): show the bar while runs are
        being simulated, hide it when there are none or all are done."""
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.layout.display = "flex" if total and done < total else "none"
        if total and done < total:
            self.status.value = f"Simulating {total} new runs..."

    def show_error(self, message: str) -> None:
        """Show a problem with the inputs in red (earlier results stay visible)."""
        self.progress.layout.display = "none"
        self.status.value = error_html(message)

    def show(
        self,
        table: pd.DataFrame,
        figure: Figure,
        runs: pd.DataFrame,
        differences: pd.DataFrame | None = None,
        note: str = "",
    ) -> None:
        """Fill the views from a finished comparison.

        Parameters
        ----------
        table : the results table (shown as HTML).
        figure : the bar charts (rendered to PNG and closed).
        runs : one row per run (offered as a CSV download).
        differences : the differences to the baseline (shown when it has columns).
        note : the status line, in green.
        """
        self.table.value = html_table(table, "Mean [95 % confidence interval] per strategy")
        self.differences.value = (
            html_table(
                differences,
                f"Each strategy {differences.columns.name}, paired by replication "
                "(mean [95 % confidence interval])",
            )
            if differences is not None and len(differences.columns)
            else ""
        )
        self.figure.value = figure_png(figure)
        self.download.value = csv_download(
            runs, "what-if-runs.csv", "Download every run (CSV, one row per replication)"
        ).value
        self.status.value = f"<span style='color:{GREEN}'>{html.escape(note)}</span>"

    @property
    def widget(self) -> w.Widget:
        """Status and progress; tabs with the charts, the table and the differences; the
        download link."""
        if self._widget is None:
            tabs = w.Tab(children=[self.figure, self.table, self.differences])
            tabs.titles = ("Charts", "Table", "Differences")
            self._widget = w.VBox([w.HBox([self.progress, self.status]), tabs, self.download])
        return self._widget


class WhatIf:
    """What if we changed strategy, team size, costs or the portfolio? Compare, with CIs.

    Parameters
    ----------
    scenario : the starting scenario (default: the kit's default portfolio).
    strategies : your own strategies, offered next to the built-ins.
    selected : strategies ticked at the start (the first one is the baseline for the
        differences table).
    replications : replications per strategy at the start.
    jobs : processes (None: decided by the amount of work).
    auto : re-run whenever an input changes (else: when Run is pressed).

    Use ``app.widget`` (or just ``app`` as a cell's last line) to show it; call
    :meth:`run` to compute from Python. Problems with the inputs appear as a red message in
    the widget; :meth:`run` raises them as :class:`ValueError`.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        strategies: Iterable[Strategy] = (),
        selected: Sequence[str] = DEFAULT_SELECTED,
        replications: int = 5,
        jobs: int | None = None,
        auto: bool = False,
    ) -> None:
        self.controls = WhatIfControls(scenario, strategies, selected, replications, auto)
        self.runner = CachedRunner(jobs)
        self.view = ResultsView()
        self.comparison: Comparison | None = None
        self.controls.run_button.on_click(lambda _button: self.update())
        self.controls.on_change(self._changed)
        self._widget: Panel | None = None

    def _changed(self, _change: dict) -> None:
        if self.controls.auto.value:
            self.update()

    def run(
        self,
        scenario: Scenario | None = None,
        book: pd.DataFrame | None = None,
        label: str = "",
    ) -> Comparison:
        """Simulate what the controls describe, refresh the views, return the comparison.

        ``scenario`` replaces the controls' scenario (the controls still pick strategies
        and replications); ``book`` runs on an imported starting book; ``label`` starts
        the status note (e.g. "120 imported accounts").
        """
        started = time.perf_counter()
        scenario = self.controls.scenario() if scenario is None else scenario
        strategies = self.controls.selected()
        reps = int(self.controls.replications.value)
        before = self.runner.simulated
        self.comparison = self.runner.run(
            scenario, strategies, reps, callback=self.view.step, book=book
        )
        new = self.runner.simulated - before
        n = len(strategies) * reps
        seconds = time.perf_counter() - started
        note = f"{len(strategies)} strategies x {reps} replications = {n} runs: " + (
            f"all simulated ({seconds:.1f} s)."
            if new == n
            else f"{new} simulated, {n - new} remembered from earlier runs ({seconds:.1f} s)."
        )
        note = f"{label}, {note}" if label else note
        self.view.show(
            self.results_table(),
            self.figure(),
            self.runs_table(),
            self.differences_table(),
            note,
        )
        return self.comparison

    def update(self) -> Comparison | None:
        """What the Run button does: :meth:`run`, showing any problem as a red message."""
        try:
            return self.run()
        except (ScenarioError, ValueError, TypeError) as exc:
            self.view.show_error(str(exc))
        except Exception as exc:  # e.g. a bug in a learner's own strategy
            self.view.show_error(f"the simulation stopped: {type(exc).__name__}: {exc}")
        return None

    def _require(self) -> Comparison:
        if self.comparison is None:
            raise ValueError("nothing to show yet: call run() (or press Run) first")
        return self.comparison

    def results_table(self) -> pd.DataFrame:
        """Each figure of :data:`TABLE_METRICS` as mean [95 % CI], one column per strategy
        (see :func:`simkit.viz.tables.results_table`)."""
        return tables.results_table(self._require(), TABLE_METRICS)

    def differences_table(self) -> pd.DataFrame:
        """Each strategy minus the baseline (the first one), replication by replication,
        plus the revenue gained per unit of extra cost; empty with one strategy (see
        :func:`simkit.viz.tables.differences_table`)."""
        return tables.differences_table(self._require(), TABLE_METRICS)

    def runs_table(self) -> pd.DataFrame:
        """Every run's headline figures: one row per (strategy, replication)."""
        return self._require().runs.copy()

    def figure(self) -> Figure:
        """Bar charts of :data:`PLOT_METRICS` with 95 % CIs, three panels a row."""
        return plots.compare_bars(self._require(), PLOT_METRICS, ncols=3)

    @property
    def widget(self) -> Panel:
        """Controls on top, results below."""
        if self._widget is None:
            self._widget = Panel(
                [self.controls.widget, self.view.widget], "WhatIf: strategy comparison"
            )
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)
