"""The what-if: compare strategies on a book of your choosing, with confidence intervals.

:class:`WhatIf` is three parts put together, each usable alone:

* **controls** (:class:`~simkit.ui.controls.WhatIfControls`) hold the widgets and turn their
  values into a scenario and strategies;
* a **runner** (:class:`~simkit.experiments.cached_runner.CachedRunner`) simulates on worker
  processes that stay up between clicks, remembers what it has already run (moving one
  slider only simulates what changed), and hands results over as they arrive;
* a **view** (:class:`ResultsView`) shows the results as HTML tables, PNG bar charts and a
  CSV download link.

Results arrive as they are computed. Runs go replication-major, so the first update shows
replication 0 of every strategy (means, no intervals yet) after one run per strategy; each
further replication refreshes the tables and -- at most once every :data:`REDRAW_SECONDS`,
and always at the end -- the charts, whose error bars appear from the second replication
on. Each update puts its tables on the page first and then draws the charts. In a notebook
the work happens in a background thread, so the **Stop** button is heard at once; what was
finished stays on show (and remembered: Run continues from there).

Its plain-Python methods (:meth:`WhatIf.run`, :meth:`WhatIf.results_table`,
:meth:`WhatIf.differences_table`, :meth:`WhatIf.runs_table`, :meth:`WhatIf.figure`) are what
the Run button calls, so a test or a script drives it without a browser:

>>> from simkit.engine.scenario import default_scenario
>>> app = WhatIf(default_scenario().update({"horizon_years": 1}), replications=2)
>>> seen = []
>>> app.on_update(lambda update, drawn: seen.append(update.shown))
>>> app.controls.set(managers=5)
>>> cmp = app.run()
>>> seen  # replication 0 of both strategies first, then replication 1
[1, 2]
>>> list(app.results_table().columns)
['Reactive', 'Proactive check-ins']

In a notebook, make ``app`` (or ``app.widget``) a cell's last line to show it.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from simkit.engine.scenario import Scenario, ScenarioError
from simkit.engine.strategies import Strategy
from simkit.experiments.cached_runner import CachedRunner, Update
from simkit.experiments.compare import Comparison
from simkit.ui.components import (
    GREEN,
    GREY,
    Panel,
    csv_download,
    error_html,
    html_table,
    in_kernel,
)
from simkit.ui.controls import DEFAULT_SELECTED, WhatIfControls
from simkit.viz import plots, tables
from simkit.viz.style import figure_png

__all__ = ["PLOT_METRICS", "REDRAW_SECONDS", "TABLE_METRICS", "ResultsView", "WhatIf"]

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

REDRAW_SECONDS = 1.0
"""While replications arrive, charts are redrawn at most this often, and at most a fifth of
the time (drawing takes a few tenths of a second of the cores the simulations use, more on a
busy machine); tables follow every replication, and the first and last updates are always
drawn."""

Listener = Callable[[Update, bool], None]
"""``listener(update, drawn)``: called after each update is shown; ``drawn`` says whether
the charts were redrawn this time."""


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
        if total and done == 0:
            self.status.value = f"Simulating {total} new runs..."

    def show_error(self, message: str) -> None:
        """Show a problem with the inputs in red (earlier results stay visible)."""
        self.progress.layout.display = "none"
        self.status.value = error_html(message)

    def show_note(self, note: str, colour: str = GREY) -> None:
        """Put ``note`` (plain text) on the status line."""
        self.status.value = f"<span style='color:{colour}'>{html.escape(note)}</span>"

    def show(
        self,
        table: pd.DataFrame,
        figure: Figure | None,
        runs: pd.DataFrame,
        differences: pd.DataFrame | None = None,
        note: str = "",
        colour: str = GREEN,
    ) -> None:
        """Fill the views from a comparison (finished, or the part of it done so far).

        Parameters
        ----------
        table : the results table (shown as HTML).
        figure : the bar charts (rendered to PNG and closed); None keeps the charts shown.
        runs : one row per run (offered as a CSV download).
        differences : the differences to the baseline (shown when it has columns).
        note : the status line.
        colour : the status line's colour (green: done; grey: still running).
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
        if figure is not None:
            self.figure.value = figure_png(figure)
        self.download.value = csv_download(
            runs, "what-if-runs.csv", "Download every run (CSV, one row per replication)"
        ).value
        self.show_note(note, colour)

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
    background : do what Run asks in a background thread, so that Stop can be pressed
        (None: in a notebook or Voila, yes; in scripts and tests, no).

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
        background: bool | None = None,
    ) -> None:
        self.controls = WhatIfControls(scenario, strategies, selected, replications, auto)
        self.runner = CachedRunner(jobs)
        self.view = ResultsView()
        self.comparison: Comparison | None = None
        self.last: Update | None = None
        self.background = in_kernel() if background is None else bool(background)
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.controls.run_button.on_click(lambda _button: self.update())
        self.controls.stop_button.on_click(lambda _button: self.stop())
        self.controls.on_change(self._changed)
        self._widget: Panel | None = None

    def _changed(self, _change: dict) -> None:
        if self.controls.auto.value:
            self.update()

    def on_update(self, listener: Listener) -> None:
        """Call ``listener(update, drawn)`` after each update is shown (see :data:`Listener`)."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ running
    def run(
        self,
        scenario: Scenario | None = None,
        book: pd.DataFrame | None = None,
        label: str = "",
    ) -> Comparison:
        """Simulate what the controls describe, refresh the views as results arrive, and
        return the comparison (when stopped: the replications finished before the stop).

        ``scenario`` replaces the controls' scenario (the controls still pick strategies
        and replications); ``book`` runs on an imported starting book; ``label`` starts
        the status note (e.g. "120 imported accounts"). Runs in the caller's thread.
        """
        inputs = self._inputs(scenario)
        self.stop()  # one comparison at a time: one still running in the background ends
        self.wait()
        self._stop = threading.Event()
        self.last = None
        self._stream(*inputs, book, label, self._stop)
        if self.last is None or self.last.comparison is None:
            raise ValueError("stopped before the first replication finished")
        return self.last.comparison

    def update(
        self,
        scenario: Scenario | None = None,
        book: pd.DataFrame | None = None,
        label: str = "",
    ) -> Comparison | None:
        """What the Run button does: :meth:`run`, showing any problem as a red message.

        With ``background`` (in a notebook), a comparison still running is stopped, the
        new one starts in a background thread and None is returned at once (see
        :meth:`wait`); otherwise the finished comparison is returned.
        """
        if not self.background:
            return self._guarded(lambda: self.run(scenario, book, label))
        self.stop()
        self.wait()
        try:
            inputs = self._inputs(scenario)
        except (ScenarioError, ValueError, TypeError) as exc:
            self.view.show_error(str(exc))
            return None
        self.runner.warm()  # from this thread: the workers then live as long as it does
        stop = self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._guarded,
            args=(lambda: self._stream(*inputs, book, label, stop),),
            name="simkit-whatif",
            daemon=True,
        )
        self._thread.start()
        return None

    def stop(self) -> None:
        """What the Stop button does: end the comparison under way (workers stop now; what
        was finished stays on show and remembered)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a comparison running in the background; False if still running after
        ``timeout`` seconds."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    @property
    def running(self) -> bool:
        """Whether a comparison is running in the background."""
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop any comparison and the worker processes (they restart when needed)."""
        self.stop()
        self.wait()
        self.runner.close()

    def _inputs(self, scenario: Scenario | None) -> tuple[Scenario, list[Strategy], int]:
        scenario = self.controls.scenario() if scenario is None else scenario
        return scenario, self.controls.selected(), int(self.controls.replications.value)

    def _guarded(self, job: Callable[[], Comparison]) -> Comparison | None:
        try:
            return job()
        except (ScenarioError, ValueError, TypeError) as exc:
            self.view.show_error(str(exc))
        except Exception as exc:  # e.g. a bug in a learner's own strategy
            self.view.show_error(f"the simulation stopped: {type(exc).__name__}: {exc}")
        return None

    def _stream(
        self,
        scenario: Scenario,
        strategies: list[Strategy],
        reps: int,
        book: pd.DataFrame | None,
        label: str,
        stop: threading.Event,
    ) -> None:
        """Show each update of the comparison as it arrives (charts as :data:`REDRAW_SECONDS`
        says, and always the first and the last)."""
        drawn_at, drawing = -float("inf"), 0.0  # when charts were last drawn, and for how long
        self.controls.stop_button.disabled = False
        try:
            for update in self.runner.stream(
                scenario, strategies, reps, book=book, stop=stop, callback=self.view.step
            ):
                start = time.perf_counter()
                draw = update.last or start - drawn_at >= max(REDRAW_SECONDS, 5 * drawing)
                self._show(update, draw, label)
                if draw:
                    drawn_at = time.perf_counter()
                    drawing = drawn_at - start
        finally:
            self.controls.stop_button.disabled = True
            self.view.progress.layout.display = "none"

    def _show(self, update: Update, draw: bool, label: str) -> None:
        self.last = update
        if update.comparison is None:
            self.view.show_note(
                "Stopped before the first replication finished (earlier results stay)."
            )
            return
        self.comparison = update.comparison
        self.view.show(
            self.results_table(),
            None,  # the tables first: they take milliseconds, a chart a few tenths of a second
            self.runs_table(),
            self.differences_table(),
            self._note(update, label),
            GREEN if update.complete else GREY,
        )
        if draw:
            self.view.figure.value = figure_png(self.figure(planned=update.replications))
        for listener in self._listeners:
            listener(update, draw)

    @staticmethod
    def _note(update: Update, label: str) -> str:
        n, new, s = update.total, update.simulated, update.seconds
        strategies = n // update.replications
        if update.complete:
            note = f"{strategies} strategies x {update.replications} replications = {n} runs: " + (
                f"all simulated ({s:.1f} s)."
                if new == n
                else f"{new} simulated, {n - new} remembered from earlier runs ({s:.1f} s)."
            )
        elif update.stopped:
            note = f"Stopped: showing {update.describe()}; press Run to go on."
        else:
            note = f"{update.describe()} so far ({s:.1f} s); more on the way..."
        return f"{label}, {note}" if label else note

    # ------------------------------------------------------------------ results
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

    def figure(self, planned: int | None = None) -> Figure:
        """Bar charts of :data:`PLOT_METRICS` with 95 % CIs, three panels a row
        (``planned``: the replications a comparison in progress will have)."""
        return plots.compare_bars(self._require(), PLOT_METRICS, ncols=3, planned=planned)

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
