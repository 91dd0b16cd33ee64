"""Interactive front ends (ipywidgets) over :mod:`simkit.experiments.runner` and :mod:`simkit.viz.plots`.

Every front end is split into parts that work without a browser, so lessons, the what-if
notebook, the Voila dashboard and the tests all use the same code:

* **controls** hold the widgets and turn their values into a scenario and strategies
  (:class:`WhatIfControls`);
* a **runner** simulates and remembers what it has already run (:class:`WhatIfRunner`);
* **views** show results as HTML tables, PNG figures and a CSV download link
  (:class:`ResultsView`).

:class:`WhatIf` puts the three together. Its plain-Python methods (``run``,
``results_table``, ``differences_table``, ``runs_table``, ``figure``) are what the widget's
Run button calls, so a test (or a script) can drive it without a browser:

>>> from simkit.engine.scenario import default_scenario
>>> app = WhatIf(default_scenario().update({"horizon_years": 1}), replications=2)
>>> app.controls.set(managers=5)
>>> cmp = app.run()
>>> list(app.results_table().columns)
['Reactive', 'Proactive check-ins']

Figures are rendered to PNG (:class:`ipywidgets.Image`) and tables to HTML, never printed
into an ``ipywidgets.Output``, so a notebook that displays these widgets keeps outputs that
nbval can check. The lower half of this module holds small explorers and table helpers for
the lessons (team capacity, retention economics, an account's story, whitespace...).
"""

from __future__ import annotations

import base64
import copy
import html
import io
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simkit.analysis.summary import HEADLINE, run_summary
from simkit.engine.results import Results
from simkit.engine.scenario import SEGMENTS, Scenario, ScenarioError, default_scenario
from simkit.engine.strategies import (
    BUILT_IN,
    KeyAccountFocus,
    ProactiveCheckIns,
    Reactive,
    Strategy,
    get_strategy,
)
from simkit.experiments.runner import Comparison, compare, default_jobs, run_many
from simkit.viz import plots

__all__ = [
    "AccountStoryExplorer",
    "Panel",
    "ResultsView",
    "RetentionExplorer",
    "StageFlowExplorer",
    "TeamCapacityExplorer",
    "WhatIf",
    "WhatIfControls",
    "WhatIfRunner",
    "account_story",
    "book_by_segment",
    "capacity_sweep",
    "classic_mistakes",
    "cohort_survival",
    "csv_download",
    "error_html",
    "figure_png",
    "headline_figures",
    "interesting_account",
    "named",
    "whitespace_by_segment",
]

DEFAULT_SELECTED = ("reactive", "proactive_check_ins")
"""Strategies the what-if starts with: the baseline and one proactive alternative."""

TABLE_METRICS = (
    "logo_retention",
    "churn_rate",
    "grr",
    "nrr",
    "revenue",
    "end_arr",
    "clv",
    "nps",
    "time_to_resolution",
    "strategy_cost",
    "utilisation",
)
"""Figures in the what-if table (see :data:`simkit.analysis.summary.HEADLINE` for their labels)."""

PLOT_METRICS = ("logo_retention", "grr", "nrr", "revenue", "clv", "strategy_cost")
"""Figures in the what-if bar charts: retention, revenue retention, revenue, CLV and cost."""

SEGMENT_NAMES = {
    "key": "Key",
    "enterprise": "Enterprise",
    "mid_market": "Mid-market",
    "small": "Small",
}

_COST_COLUMNS = ("strategy_cost", "team_cost")
_WIDE = {"description_width": "160px"}
_RED, _GREEN = "#b2182b", "#1b7837"


# ------------------------------------------------------------------ small building blocks
def figure_png(fig: Figure, dpi: int = 96) -> bytes:
    """Render a figure to PNG bytes and close it (so Jupyter does not show it a second time).

    >>> fig, ax = plt.subplots()
    >>> figure_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def error_html(message: str) -> str:
    """A message in red, HTML-escaped, for a widget's status line.

    >>> error_html("managers: must be >= 1 <got 0>")
    "<span style='color:#b2182b'>&#9888; managers: must be &gt;= 1 &lt;got 0&gt;</span>"
    """
    return f"<span style='color:{_RED}'>&#9888; {html.escape(str(message))}</span>"


def csv_download(
    df: pd.DataFrame, filename: str = "results.csv", label: str | None = None, index: bool = False
) -> w.HTML:
    """A link that downloads ``df`` as a CSV file, with the data inside the link (a data URI).

    Works in JupyterLab, classic notebooks and Voila, with no server round trip.

    Parameters
    ----------
    df : the table to offer.
    filename : the name the browser saves it under: a plain file name ending in ``.csv``.
    label : the link text (default: ``Download <filename>``).
    index : write the DataFrame's index as the first column.

    >>> link = csv_download(pd.DataFrame({"a": [1, 2]}), "two.csv")
    >>> "download=\\"two.csv\\"" in link.value, "base64," in link.value
    (True, True)
    >>> csv_download(pd.DataFrame(), "../up.csv")
    Traceback (most recent call last):
    ...
    ValueError: filename must be a plain file name ending in .csv (no folders), got '../up.csv'
    """
    if (
        not isinstance(filename, str)
        or not filename.lower().endswith(".csv")
        or len(filename) < 5
        or any(c in filename for c in "/\\\"'<>:")
    ):
        raise ValueError(
            f"filename must be a plain file name ending in .csv (no folders), got {filename!r}"
        )
    data = base64.b64encode(df.to_csv(index=index).encode("utf-8")).decode("ascii")
    text = html.escape(label or f"Download {filename}")
    return w.HTML(
        f'<a download="{filename}" href="data:text/csv;charset=utf-8;base64,{data}" '
        f'target="_blank" style="color:#1f78b4">&#11015; {text}</a>'
    )


def _html_table(df: pd.DataFrame, caption: str = "") -> str:
    body = df.to_html(border=0, na_rep="n/a", escape=True)
    cap = f"<div style='font-weight:bold;margin:6px 0 2px'>{html.escape(caption)}</div>"
    style = (
        "<style>.simkit-table table{border-collapse:collapse;font-size:12px}"
        ".simkit-table th,.simkit-table td{padding:2px 8px;text-align:right;"
        "border-bottom:1px solid #ddd}.simkit-table th{background:#f5f5f5}</style>"
    )
    return f"{style}<div class='simkit-table'>{cap if caption else ''}{body}</div>"


class Panel(w.VBox):
    """A VBox with a short, stable text form (what a notebook stores as ``text/plain``)."""

    def __init__(self, children: Sequence[w.Widget], title: str, **kwargs: Any) -> None:
        super().__init__(children=list(children), **kwargs)
        self._title = title

    def __repr__(self) -> str:
        return f"<{self._title}>"


# ------------------------------------------------------------------ the what-if: controls
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

    >>> c = WhatIfControls(replications=3)
    >>> c.set(managers=4, key=40, strategies=["reactive", "customer_success"])
    >>> s = c.scenario()
    >>> s.team.managers, s.portfolio.key.count, [x.name for x in c.selected()]
    (4, 40, ['reactive', 'customer_success'])
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
                    "name (set its .name or use simkit.ui.widgets.named)"
                )
            self.available[s.name] = s
        team, horizon = self.base.team, self.base.horizon_years
        self.strategies = w.SelectMultiple(
            options=[(plots.strategy_label(n), n) for n in self.available],
            value=(),
            rows=min(len(self.available), 6),
            description="Strategies",
            style=_WIDE,
            layout=w.Layout(width="380px"),
        )
        self.replications = w.IntSlider(
            value=1,
            min=1,
            max=30,
            description="Replications",
            style=_WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.horizon = w.FloatSlider(
            value=horizon,
            min=0.5,
            max=max(10.0, horizon),
            step=0.5,
            description="Years simulated",
            style=_WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.managers = w.IntSlider(
            value=team.managers,
            min=1,
            max=max(20, 2 * team.managers),
            description="Account managers",
            style=_WIDE,
            layout=w.Layout(width="380px"),
            continuous_update=False,
        )
        self.cost_per_hour = w.BoundedFloatText(
            value=team.cost_per_hour,
            min=0.0,
            max=10_000.0,
            step=5.0,
            description="Cost per manager hour",
            style=_WIDE,
            layout=w.Layout(width="380px"),
        )
        self.segments = {
            seg: w.IntSlider(
                value=self.base.portfolio.segment(seg).count,
                min=0,
                max=max(40, 4 * self.base.portfolio.segment(seg).count),
                description=f"{SEGMENT_NAMES[seg]} accounts",
                style=_WIDE,
                layout=w.Layout(width="380px"),
                continuous_update=False,
            )
            for seg in SEGMENTS
        }
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
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

    def _resolve(self, name: str) -> str:
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
            buttons = w.HBox([self.run_button, self.auto])
            self._widget = w.VBox([w.HBox([left, right]), buttons])
        return self._widget


# ------------------------------------------------------------------ the what-if: runner
class WhatIfRunner:
    """Runs comparisons and remembers each run's summary, so only new runs are simulated.

    A run is remembered by (scenario, strategy, replication); a strategy object is
    remembered as the object it is, so to change a strategy's settings make a new one (or
    a new runner). The cost of a manager hour
    does not change what happens in a simulation, only what it costs, so changing it
    re-prices the remembered runs instantly instead of simulating again.

    Parameters
    ----------
    jobs : processes to use (None: as :func:`simkit.experiments.runner.default_jobs` decides).
    max_runs : how many run summaries to remember (oldest are forgotten first).

    >>> from simkit.engine.scenario import default_scenario
    >>> runner = WhatIfRunner()
    >>> s = default_scenario().update({"horizon_years": 1})
    >>> a = runner.run(s, ["reactive"], replications=2)
    >>> b = runner.run(s.update({"team.cost_per_hour": 150.0}), ["reactive"], replications=2)
    >>> runner.simulated  # the second comparison needed no new simulation
    2
    >>> bool((b.runs["strategy_cost"] == 2 * a.runs["strategy_cost"]).all())
    True
    """

    def __init__(self, jobs: int | None = None, max_runs: int = 5000) -> None:
        self.jobs = jobs
        self.max_runs = max_runs
        self.simulated = 0
        self._cache: dict[tuple, pd.Series] = {}
        self._objects: dict[int, Strategy] = {}  # keeps ids in cache keys valid

    def _key(self, spec: Strategy | str) -> tuple[str, object]:
        if isinstance(spec, Strategy):
            self._objects[id(spec)] = spec
            return spec.name, id(spec)
        return get_strategy(spec).name, "built-in"

    def run(
        self,
        scenario: Scenario,
        strategies: Sequence[Strategy | str],
        replications: int = 5,
        callback: Callable[[int, int], None] | None = None,
        book: pd.DataFrame | None = None,
    ) -> Comparison:
        """Compare ``strategies`` on ``scenario`` (as :func:`simkit.experiments.runner.compare`).

        ``callback(done, total)`` is called before the first run and after each batch of
        runs, with the number of runs that needed simulating (0 when all were remembered).
        ``book`` is an imported starting book (:func:`simkit.io.portfolio.read_csv`); runs on
        different books are remembered apart.
        """
        if not isinstance(replications, int | np.integer) or replications < 1:
            raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
        specs = list(strategies)
        if not specs:
            raise ValueError("pick at least one strategy to simulate")
        objs = [get_strategy(s) for s in specs]
        names = [s.name for s in objs]
        if len(set(names)) != len(names):
            raise ValueError(f"strategy names must be distinct, got {names}")
        keys = [self._key(s) for s in specs]
        cost = scenario.team.cost_per_hour
        priced = scenario.update({"team.cost_per_hour": 1.0})
        skey = priced.model_dump_json()
        if book is not None:
            skey += f"|book:{int(pd.util.hash_pandas_object(book, index=True).sum())}"
        todo = [
            (obj, key, rep)
            for obj, key in zip(objs, keys, strict=True)
            for rep in range(replications)
            if (skey, key, rep) not in self._cache
        ]
        total = len(todo)
        if callback:
            callback(0, total)
        jobs = default_jobs(total, scenario) if self.jobs is None else max(1, int(self.jobs))
        for start in range(0, total, jobs):
            batch = todo[start : start + jobs]
            tasks = [(priced, obj, rep, False, book) for obj, _k, rep in batch]
            out = run_many(tasks, jobs=jobs)
            for (_obj, key, rep), (_name, _rep, summary, _res) in zip(batch, out, strict=True):
                self._cache[(skey, key, rep)] = summary
            self.simulated += len(batch)
            if callback:
                callback(start + len(batch), total)
        rows = []
        for name, key in zip(names, keys, strict=True):
            for rep in range(replications):
                row = self._cache[(skey, key, rep)].to_dict()
                for col in _COST_COLUMNS:
                    if col in row:
                        row[col] *= cost
                rows.append({"strategy": name, "replication": rep, **row})
        while len(self._cache) > self.max_runs:
            self._cache.pop(next(iter(self._cache)))
        return Comparison(scenario, names, replications, pd.DataFrame(rows))


# ------------------------------------------------------------------ the what-if: views
class ResultsView:
    """Where results appear: status line, progress bar, tables, bar charts, CSV download."""

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
        """Progress callback: show the bar while runs are being simulated."""
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
        """Fill the views from a finished comparison's tables and figure."""
        self.table.value = _html_table(table, "Mean [95 % confidence interval] per strategy")
        self.differences.value = (
            _html_table(
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
        self.status.value = f"<span style='color:{_GREEN}'>{html.escape(note)}</span>"

    @property
    def widget(self) -> w.Widget:
        """Status and progress; tabs with the charts, the table and the differences; the
        download link."""
        if self._widget is None:
            tabs = w.Tab(children=[self.figure, self.table, self.differences])
            tabs.titles = ("Charts", "Table", "Differences")
            self._widget = w.VBox([w.HBox([self.progress, self.status]), tabs, self.download])
        return self._widget


# ------------------------------------------------------------------ the what-if
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
        self.runner = WhatIfRunner(jobs)
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
        """Each figure's mean and 95 % CI, one column per strategy (readable labels)."""
        cmp = self._require()
        table = cmp.wide(list(TABLE_METRICS))
        table.columns = pd.Index([plots.strategy_label(c) for c in table.columns], name=None)
        table.index.name = None
        return table

    def differences_table(self) -> pd.DataFrame:
        """Each strategy minus the baseline (the first one), replication by replication.

        Rows are figures plus "Revenue gained per unit of extra cost"; columns are
        strategies. Empty when only one strategy is selected.
        """
        cmp = self._require()
        base = cmp.strategies[0]
        others = [plots.strategy_label(s) for s in cmp.strategies[1:]]
        name = f"minus {plots.strategy_label(base)}"
        out = pd.DataFrame(index=[], columns=others)
        out.columns.name = name
        if not others:
            return out
        diff = cmp.differences(base, list(TABLE_METRICS))
        diff["text"] = [
            _fmt_diff(m, lo, hi, metric)
            for m, lo, hi, metric in zip(
                diff["mean_diff"], diff["ci_low"], diff["ci_high"], diff["metric"], strict=True
            )
        ]
        diff["label"] = diff["metric"].map(
            {**HEADLINE, "return_per_cost": "Revenue gained per unit of extra cost"}
        )
        wide = diff.pivot(index="label", columns="strategy", values="text")
        order = [HEADLINE[m] for m in TABLE_METRICS] + ["Revenue gained per unit of extra cost"]
        wide = wide.reindex(index=order, columns=cmp.strategies[1:])
        wide.columns = pd.Index(others, name=name)
        wide.index.name = None
        return wide

    def runs_table(self) -> pd.DataFrame:
        """Every run's headline figures: one row per (strategy, replication)."""
        return self._require().runs.copy()

    def figure(self) -> Figure:
        """Bar charts of retention, revenue retention, revenue, CLV and cost with 95 % CIs."""
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


def _fmt_diff(mean: float, lo: float, hi: float, metric: str) -> str:
    if mean != mean:
        return "n/a"
    if metric == "return_per_cost":
        return f"{mean:.2f}"
    big = abs(mean) >= 1000 or (lo == lo and max(abs(lo), abs(hi)) >= 1000)
    f = (lambda v: f"{v:+,.0f}") if big else (lambda v: f"{v:+.1f}")
    return f"{f(mean)} [{f(lo)}, {f(hi)}]" if lo == lo else f(mean)


# ================================================================== lesson helpers
def headline_figures(results: Results) -> pd.Series:
    """A run's headline figures under readable labels, rounded to one decimal.

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> headline_figures(res).index[0]
    'Logo retention (%/yr)'
    """
    summary = run_summary(results)
    keys = [k for k in HEADLINE if k in summary.index]
    out = pd.Series([float(summary[k]) for k in keys], index=[HEADLINE[k] for k in keys])
    out.name = plots.strategy_label(results.strategy)
    return out.round(1)


def named(strategy: Strategy, name: str) -> Strategy:
    """A copy of ``strategy`` under another name (to race variants of one strategy).

    >>> named(ProactiveCheckIns(pitch_health=None), "farming").name
    'farming'
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a strategy name must be a non-empty string")
    out = copy.deepcopy(strategy)
    out.name = name.strip()
    return out


def classic_mistakes() -> dict[str, Strategy]:
    """The classic account-management mistakes as strategies, plus a reference that avoids them.

    Keys are plain descriptions; values are strategies with distinct names, ready for
    :func:`simkit.experiments.runner.compare`. Compare each mistake with its fair partner:
    ``farming`` and ``key_account_focus`` with ``serve_then_grow`` (same check-ins, or the
    same team), ``selling_before_serving`` with ``reactive`` (same lack of contact).

    >>> [s.name for s in classic_mistakes().values()]
    ['reactive', 'farming', 'selling_before_serving', 'key_account_focus', 'serve_then_grow']
    """
    return {
        "Only reacting: answer issues and renewals, nothing more": Reactive(),
        "Farming, not growing: check in with everyone but never pitch": named(
            ProactiveCheckIns(pitch_health=None), "farming"
        ),
        "Selling before serving: no check-ins, yet pitch every opportunity": named(
            Reactive(pitch_health=0), "selling_before_serving"
        ),
        "Neglecting smaller accounts: all attention on the biggest": KeyAccountFocus(),
        "Reference: check in with everyone, pitch to healthy accounts": named(
            ProactiveCheckIns(), "serve_then_grow"
        ),
    }


def _events(source: Results | Comparison) -> pd.DataFrame:
    if isinstance(source, Results):
        return source.tagged("events")
    if isinstance(source, Comparison):
        return source.events
    raise TypeError(f"expected Results or a Comparison, got {type(source).__name__}")


def book_by_segment(results: Results) -> pd.DataFrame:
    """The starting book by segment: accounts, ARR, share of ARR and mean health.

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 0.5}))
    >>> book = book_by_segment(res)
    >>> list(book.columns[:3])
    ['accounts', 'ARR', 'ARR per account']
    >>> bool(abs(book["share of ARR (%)"].sum() - 100) < 1e-9)
    True
    """
    ev = results.events
    start = ev[(ev["event"] == "init") & ev["stage_after"].isin(["customer", "loyal"])]
    g = start.groupby("segment", observed=False)
    out = pd.DataFrame(
        {
            "accounts": g.size(),
            "ARR": g["arr"].sum(),
        }
    ).reindex(list(SEGMENTS))
    out["ARR per account"] = out["ARR"] / out["accounts"].replace(0, np.nan)
    out["share of accounts (%)"] = 100 * out["accounts"] / out["accounts"].sum()
    out["share of ARR (%)"] = 100 * out["ARR"] / out["ARR"].sum()
    out["mean health"] = g["health"].mean().reindex(list(SEGMENTS))
    out.index.name = "segment"
    return out


def whitespace_by_segment(source: Results | Comparison) -> pd.DataFrame:
    """Expansion opportunities by segment: pitched, won, ARR won, and ARR left on the table.

    An opportunity is *whitespace left* when it appeared but was never pitched (event
    ``opportunity_missed``; its ``value`` is the ARR it could have added). Figures are per
    run (averaged over the runs in a comparison).

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 1}), "reactive")
    >>> t = whitespace_by_segment(res)
    >>> bool((t["opportunities"] == t["pitched"] + t["not pitched"]).all())
    True
    """
    ev = _events(source)
    runs = max(ev.groupby(["strategy", "replication"], observed=True).ngroups, 1)
    name = ev["event"].astype(str)
    ev = ev.assign(
        pitched=name.isin(["upsell", "upsell_fail"]),
        won=name.eq("upsell"),
        missed=name.eq("opportunity_missed"),
    )
    ev = ev.assign(
        won_arr=np.where(ev["won"], ev["arr_change"], 0.0),
        missed_arr=np.where(ev["missed"], ev["value"], 0.0),
    )
    g = ev.groupby("segment", observed=False)
    out = pd.DataFrame(
        {
            "opportunities": g["pitched"].sum() + g["missed"].sum(),
            "pitched": g["pitched"].sum(),
            "won": g["won"].sum(),
            "not pitched": g["missed"].sum(),
            "won_arr": g["won_arr"].sum(),
            "missed_arr": g["missed_arr"].sum(),
        }
    ).reindex(list(SEGMENTS))
    out = out / runs
    out["win rate (%)"] = 100 * out["won"] / out["pitched"].replace(0, np.nan)
    out.index.name = "segment"
    return out


def interesting_account(
    results: Results, segment: str | None = None, event: str | None = None
) -> int:
    """An account with an eventful story (the most kinds of events), for a lesson to follow.

    ``segment`` keeps accounts of one segment; ``event`` keeps accounts whose story contains
    that event (e.g. ``"churn"`` for a story that ends in a departure).

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> a = interesting_account(res, "mid_market", event="churn")
    >>> "churn" in set(res.story(a)["event"])
    True
    """
    from simkit.engine.events import EVENTS

    ev = results.events
    if segment is not None:
        if segment not in SEGMENTS:
            raise ValueError(f"segment must be one of {SEGMENTS}, got {segment!r}")
        ev = ev[ev["segment"] == segment]
    if event is not None:
        if event not in EVENTS:
            raise ValueError(f"event must be one of {', '.join(EVENTS)}; got {event!r}")
        ev = ev[ev["account"].isin(ev.loc[ev["event"] == event, "account"])]
    if ev.empty:
        raise ValueError("no account matches; try another segment or event")
    kinds = ev.groupby("account")["event"].nunique()
    counts = ev.groupby("account").size()
    score = kinds * 1000 + counts.clip(upper=999)
    return int(score.sort_values(ascending=False, kind="stable").index[0])


def _many(n: int, one: str, more: str | None = None) -> str:
    return f"{n} {one if n == 1 else more or one + 's'}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


_STAGE_NOUN = {
    "prospect": "a prospect",
    "customer": "a customer",
    "loyal": "a loyal customer",
    "former": "a former customer",
}


def account_story(results: Results, account: int) -> str:
    """One account's story from the event log, in plain words.

    >>> from simkit.engine.model import simulate
    >>> res = simulate(default_scenario().update({"horizon_years": 1}))
    >>> account_story(res, 0).startswith("Account 0 (")
    True
    """
    story = results.story(account)
    name = story["event"].astype(str)
    count = name.value_counts()
    first, last = story.iloc[0], story.iloc[-1]
    seg = str(first["segment"]).replace("_", "-")
    paying = lambda row: f" paying {row['arr']:,.0f} a year" if row["arr"] > 0 else ""  # noqa: E731
    if first["event"] == "init":
        opening = f"was {_STAGE_NOUN[str(first['stage_after'])]}{paying(first)} on day 0."
    else:
        opening = f"arrived as a prospect on day {first['time']:.0f}."
    parts = [f"Account {account} ({seg}) {opening}"]
    if count.get("convert", 0):
        won = story[name == "convert"].iloc[0]
        parts.append(f"The deal was won on day {won['time']:.0f}{paying(won)}.")
    if count.get("issue_open", 0):
        waits = story.loc[name == "issue_resolved", "value"]
        wait = f", each fixed after {waits.mean():.1f} days on average" if len(waits) else ""
        parts.append(f"It raised {_many(int(count['issue_open']), 'issue')}{wait}.")
    touches = story.loc[name == "touch", "detail"].astype(str).value_counts()
    if len(touches):
        listed = ", ".join(f"{_many(int(n), k.replace('_', ' '))}" for k, n in touches.items() if n)
        parts.append(f"Its account manager reached out {_times(int(touches.sum()))} ({listed}).")
    elif str(first["stage_after"]) != "prospect" or count.get("convert", 0):
        parts.append("Nobody contacted it unless it called with a problem.")
    if count.get("survey", 0):
        scores = ", ".join(str(int(v)) for v in story.loc[name == "survey", "value"])
        parts.append(f"Its survey answers (0-10) were {scores}.")
    deals = []
    if count.get("upsell", 0):
        deals.append(f"bought more {_times(int(count['upsell']))}")
    if count.get("upsell_fail", 0):
        deals.append(f"said no to {_many(int(count['upsell_fail']), 'pitch', 'pitches')}")
    if count.get("opportunity_missed", 0):
        n = int(count["opportunity_missed"])
        deals.append(f"had {_many(n, 'opportunity', 'opportunities')} nobody pitched")
    if deals:
        parts.append("It " + (", ".join(deals[:-1]) + " and " if len(deals) > 1 else ""))
        parts[-1] += deals[-1] + "."
    for ev, text in (("renew", "renewed"), ("promote", "became loyal"), ("demote", "lost loyalty")):
        if count.get(ev, 0):
            parts.append(f"It {text} {_times(int(count[ev]))}.")
    gone = story[name.isin(["churn", "defect", "lost"])]
    if len(gone):
        how = {"churn": "did not renew", "defect": "left for a competitor", "lost": "never bought"}
        g = gone.iloc[-1]
        parts.append(f"On day {g['time']:.0f} it {how[str(g['event'])]}.")
    parts.append(
        f"At the end it was {_STAGE_NOUN[str(last['stage_after'])]}{paying(last)}, "
        f"with health {last['health']:.0f}/100 after its last event."
    )
    return " ".join(parts)


def capacity_sweep(
    scenario: Scenario,
    strategies: Sequence[Strategy | str] = ("reactive",),
    managers: Sequence[int] = (2, 3, 4, 6),
    replications: int = 2,
    jobs: int | None = None,
) -> pd.DataFrame:
    """Run the same book with different team sizes: time to resolution, churn, utilisation.

    Returns a tidy table (``strategy``, ``managers``, ``metric``, ``label``, ``mean``,
    ``ci_low``, ``ci_high``, ``n``) for :func:`simkit.viz.plots.capacity_curves`.

    >>> s = default_scenario().update({"horizon_years": 0.5})
    >>> t = capacity_sweep(s, ["reactive"], managers=[3, 6], replications=1)
    >>> sorted(t["managers"].unique().tolist())
    [3, 6]
    """
    if not managers:
        raise ValueError("managers must list at least one team size")
    tables = []
    for m in managers:
        cmp = compare(scenario.update({"team.managers": m}), strategies, replications, jobs=jobs)
        t = cmp.table(["time_to_resolution", "churn_rate", "utilisation", "revenue", "nps"])
        t.insert(1, "managers", int(m))
        tables.append(t)
    return pd.concat(tables, ignore_index=True)


def cohort_survival(results: Results, period_days: float = 365.0) -> list[int]:
    """Accounts of the starting cohort still customers at the end of each period.

    Element 0 is the cohort size; element ``k`` counts accounts that had not churned or
    defected by day ``k * period_days``. Feed it to :func:`simkit.analysis.retention.fit_sbg`.

    >>> from simkit.engine.model import simulate
    >>> s = default_scenario().update({"start": "cohort", "warmup_years": 0,
    ...     "horizon_years": 3, "theory": {"renewal": "constant", "r": 0.8}})
    >>> counts = cohort_survival(simulate(s))
    >>> counts[0], len(counts)
    (500, 4)
    """
    if not period_days > 0:
        raise ValueError(f"period_days must be > 0, got {period_days!r}")
    ev = results.events
    cohort = ev[(ev["event"] == "init") & ev["stage_after"].isin(["customer", "loyal"])]
    ids = set(cohort["account"])
    exits = ev[ev["event"].isin(["churn", "defect"]) & ev["account"].isin(ids)]
    first_exit = exits.groupby("account")["time"].min()
    periods = int(math.floor(results.scenario.horizon_days / period_days + 1e-9))
    times = first_exit.to_numpy()
    return [len(ids) - int((times <= k * period_days).sum()) for k in range(periods + 1)]


# ================================================================== lesson explorers
class _Explorer:
    """Controls, then a figure (PNG) and a note; :meth:`render` is the plain-Python part."""

    title = "Explorer"

    def __init__(self) -> None:
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.note = w.HTML()
        self._panel: Panel | None = None

    def controls(self) -> list[w.Widget]:  # pragma: no cover - overridden
        return []

    def render(self) -> Figure:  # pragma: no cover - overridden
        raise NotImplementedError

    def describe(self) -> str:
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


class StageFlowExplorer(_Explorer):
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
            options=[(plots.strategy_label(n), n) for n in BUILT_IN],
            value="reactive",
            description="Strategy",
        )
        self.by = w.ToggleButtons(
            options=[("accounts", "accounts"), ("ARR", "arr")], value="accounts"
        )
        self.strategy.observe(self.refresh, names="value")
        self.by.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        return [w.HBox([self.strategy, self.by])]

    def results(self, strategy: str | None = None) -> Results:
        """The run for a strategy (simulated once, then remembered)."""
        from simkit.engine.model import simulate

        name = strategy or self.strategy.value
        if name not in self._runs:
            self._runs[name] = simulate(self.scenario, name, self.replication)
        return self._runs[name]

    def render(self) -> Figure:
        return plots.stage_flow(self.results(), by=self.by.value)

    def describe(self) -> str:
        snap = self.results().snapshots
        active = snap[snap["stage"].isin(["customer", "loyal"])].groupby("month")["accounts"]
        counts = active.sum()
        return (
            f"Paying accounts: {counts.iloc[0]:.0f} at the start, {counts.iloc[-1]:.0f} after "
            f"{counts.index[-1]} months."
        )


class AccountStoryExplorer(_Explorer):
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
            value=start, min=0, max=n - 1, description="Account id", style=_WIDE
        )
        self.account.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        return [self.account]

    def render(self) -> Figure:
        return plots.account_timeline(self.results, int(self.account.value))

    def describe(self) -> str:
        return account_story(self.results, int(self.account.value))


class TeamCapacityExplorer(_Explorer):
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
            options=[(plots.strategy_label(n), n) for n in BUILT_IN],
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
        return plots.capacity_curves(self.table())

    def describe(self) -> str:
        t = self._point(self.strategy.value, int(self.managers.value)).set_index("metric")
        return (
            f"With {_many(int(self.managers.value), 'manager')} "
            f"({plots.strategy_label(self.strategy.value)}): "
            f"issues wait {t.loc['time_to_resolution', 'mean']:.1f} days on average, "
            f"{t.loc['churn_rate', 'mean']:.1f} % of accounts are lost per year, and the team "
            f"is busy {t.loc['utilisation', 'mean']:.0f} % of its hours."
        )


class RetentionExplorer(_Explorer):
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
            value=renewal, min=50, max=94, description="Renewal rate (%)", style=_WIDE
        )
        self.discount = w.IntSlider(
            value=discount, min=0, max=20, description="Discount rate (%)", style=_WIDE
        )
        self.uplift = w.IntSlider(
            value=uplift, min=1, max=5, description="Uplift (points)", style=_WIDE
        )
        for c in (self.renewal, self.discount, self.uplift):
            c.observe(self.refresh, names="value")

    def controls(self) -> list[w.Widget]:
        return [self.renewal, self.discount, self.uplift]

    def numbers(self) -> dict[str, float]:
        """Lifetimes, margin multiples and the value gained by the uplift."""
        from simkit.analysis.retention import expected_lifetime, retention_uplift_value

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
        r, u = self.renewal.value / 100, self.uplift.value / 100
        return plots.retention_value(self.discount.value / 100, highlight=[r, r + u])

    def describe(self) -> str:
        n = self.numbers()
        r, u = self.renewal.value, self.uplift.value
        return (
            f"From {r} % to {r + u} % renewal: an account stays {n['lifetime_before']:.1f} -> "
            f"{n['lifetime_after']:.1f} years on average and is worth "
            f"{n['value_before']:.2f} -> {n['value_after']:.2f} years of margin today, "
            f"<b>{n['value_increase_pct']:+.0f} %</b>."
        )
