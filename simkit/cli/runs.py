"""The commands that simulate: ``run``, ``compare`` and ``strategies``.

``compare`` streams: replication 0 of every strategy runs first, and each time one more
replication is complete for every strategy the table can be printed (``--live``); Ctrl-C
prints the replications finished so far and exits 130 with no worker left behind.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # pragma: no cover
    from simkit.engine.scenario import Scenario
    from simkit.experiments.cached_runner import Update
    from simkit.experiments.compare import Comparison

from simkit.cli.common import (
    DEFAULT_TIME_LIMIT,
    AsOfOpt,
    BookOpt,
    JsonOpt,
    ManagersOpt,
    ScenarioOpt,
    SeedOpt,
    SetOpt,
    TimeLimitOpt,
    YearsOpt,
    _check_folder,
    _json,
    _scenario,
    app,
    clean_errors,
    fail,
    save_figure,
)


@app.command()
@clean_errors
def run(
    scenario: ScenarioOpt = None,
    strategy: Annotated[str, typer.Option(help="Strategy; join names with + .")] = "reactive",
    replication: Annotated[int, typer.Option(min=0, help="Replication of the first run.")] = 0,
    replications: Annotated[int, typer.Option(min=1, help="Runs to average.")] = 1,
    book: BookOpt = None,
    as_of: AsOfOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    managers: ManagersOpt = None,
    settings: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the runs' event files.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    json_out: JsonOpt = False,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
) -> None:
    """Run one strategy and print its headline figures (the mean of several runs with 95 %
    confidence intervals when --replications is above 1)."""
    import pandas as pd

    from simkit.engine.strategies import get_strategy
    from simkit.experiments.compare import Comparison
    from simkit.experiments.runner import Run, run_many
    from simkit.io.files import write_results
    from simkit.viz.console import figure_lines

    if fmt not in ("csv", "parquet"):
        fail(f"--format must be csv or parquet, got {fmt!r}")
    _check_folder(out)
    sc, book_frame = _scenario(scenario, book, as_of, seed, years, managers, settings)
    name = get_strategy(strategy).name
    numbers = list(range(replication, replication + replications))
    tasks = [Run(sc, strategy, r, out is not None, book_frame, time_limit) for r in numbers]
    done = run_many(tasks, jobs=1 if replications == 1 else None)
    written = []
    for o in done:
        if o.results is not None and out is not None:
            folder = out if replications == 1 else out / f"replication-{o.replication}"
            written += [str(path) for path in write_results(o.results, folder, fmt)]
    runs = pd.DataFrame([{"strategy": name, "replication": o.replication, **o.summary}
                         for o in done])  # fmt: skip
    table = Comparison(sc, [name], replications, runs).table()
    if json_out:
        return _json({"command": "run", "scenario": sc.name, "strategy": name,
                      "years": sc.horizon_years, "replications": numbers,
                      "summary": table.drop(columns="strategy").to_dict(orient="records"),
                      "runs": runs.drop(columns="strategy").to_dict(orient="records"),
                      "written": written})  # fmt: skip
    which = f"replication {replication}"
    if replications > 1:
        which = f"replications {numbers[0]}-{numbers[-1]}, mean ±95% CI half-width"
    typer.echo(f"{sc.name} | strategy: {name} | {which} | {sc.horizon_years:g} years")
    typer.echo("\n".join(figure_lines(table)))
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
@clean_errors
def compare(
    scenario: ScenarioOpt = None,
    strategies: Annotated[str, typer.Option(help="Comma-separated strategy names.")] = (
        "reactive,key_account_focus,customer_success,proactive_check_ins"
    ),
    replications: Annotated[int, typer.Option(min=1, help="Replications per strategy.")] = 5,
    book: BookOpt = None,
    as_of: AsOfOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    managers: ManagersOpt = None,
    settings: SetOpt = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Processes (default: automatic).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for tables, figure.")] = Path("simkit-out"),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    live: Annotated[
        bool | None,
        typer.Option(
            "--live/--no-live",
            help="Print the table as replications arrive (default: when printing to a terminal).",
        ),
    ] = None,
    json_out: JsonOpt = False,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
) -> None:
    """Compare strategies over common replications; print means with 95 % CIs.

    Replication 0 of every strategy runs first; --live prints the table as replications arrive.

    Ctrl-C prints the replications finished so far, writes nothing and exits 130.

    The tables and the figure are written first, then printed (so `| head` loses nothing).
    """
    from simkit.experiments.cached_runner import stream_compare
    from simkit.io.files import write_frame
    from simkit.viz.plots import compare_bars

    _check_folder(out)
    sc, book_frame = _scenario(scenario, book, as_of, seed, years, managers, settings)
    live = sys.stdout.isatty() if live is None else live
    live = live and not json_out
    names = [n.strip() for n in strategies.split(",") if n.strip()]
    shown = _Live(sys.stdout.isatty()) if live else None
    bar = _bar(progress and not json_out and not live and sys.stderr.isatty(), replications)
    last = None
    try:
        with bar:
            for last in stream_compare(sc, names, replications, jobs=jobs, book=book_frame,
                                       time_limit=time_limit):  # fmt: skip
                bar.update(last.shown - bar.n)
                if shown is not None and not last.complete:
                    shown.show(sc, last)
    except KeyboardInterrupt:
        if shown is not None:
            shown.clear()
        _print_partial(sc, last)
        raise
    if shown is not None:
        shown.clear()
    assert last is not None and last.comparison is not None
    cmp = last.comparison
    table, differences = cmp.table(), cmp.differences()
    written = [write_frame(cmp.runs, out / "runs.csv"), write_frame(table, out / "summary.csv"),
               write_frame(differences, out / "differences.csv")]  # fmt: skip
    written.append(save_figure(compare_bars(cmp), out / "compare.png"))
    if json_out:
        return _json({"command": "compare", "scenario": sc.name, "years": sc.horizon_years,
                      "replications": replications, "strategies": cmp.strategies,
                      "summary": table.to_dict(orient="records"),
                      "differences": differences.to_dict(orient="records"),
                      "written": [str(p) for p in written]})  # fmt: skip
    typer.echo(
        f"{sc.name} | {sc.horizon_years:g} years | {replications} replications | "
        "mean ±95% CI half-width"
    )
    typer.echo(_table_text(cmp))
    typer.echo("wrote " + ", ".join(str(p) for p in written))


def _bar(show: bool, replications: int) -> Any:
    """A progress bar of replications done (on stderr), or one that shows nothing."""
    from tqdm.auto import tqdm

    return tqdm(total=replications, desc="replications", disable=not show, leave=False)


def _table_text(cmp: Comparison) -> str:
    """A comparison's figures as a terminal table (see :func:`simkit.viz.console.compact_table`)."""
    import pandas as pd

    from simkit.viz.console import compact_table

    with pd.option_context(
        "display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40
    ):
        return compact_table(cmp.table()).to_string()


class _Live:
    """The table of a comparison in progress, printed as each replication completes: on a
    terminal redrawn in place (the lines printed last are cleared first), else appended."""

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.lines = 0

    def show(self, sc: Scenario, update: Update) -> None:
        text = (
            f"{sc.name} | {sc.horizon_years:g} years | so far {update.describe()}, "
            f"{update.seconds:.1f} s | mean ±95% CI half-width\n{_table_text(update.comparison)}"
        )
        self.clear()
        typer.echo(text)
        if self.terminal:  # rows on the screen: a line wider than the terminal wraps
            width = max(1, shutil.get_terminal_size().columns)
            self.lines = sum(max(1, -(-len(line) // width)) for line in text.split("\n"))

    def clear(self) -> None:
        """Take the last table off a terminal (nothing elsewhere)."""
        if self.lines:
            sys.stdout.write(f"\x1b[{self.lines}F\x1b[J")  # up n lines, clear to the end
            sys.stdout.flush()
            self.lines = 0


def _print_partial(sc: Scenario, last: Update | None) -> None:
    """After Ctrl-C: what was complete, on stdout (nothing is written to files)."""
    if last is None or last.comparison is None:
        typer.echo("interrupted before every strategy finished a replication; nothing written")
        return
    typer.echo(
        f"{sc.name} | {sc.horizon_years:g} years | interrupted: {last.describe()} | "
        "mean ±95% CI half-width | nothing written"
    )
    typer.echo(_table_text(last.comparison))


@app.command("strategies")
@clean_errors
def strategies_cmd(json_out: JsonOpt = False) -> None:
    """List the built-in strategies, one line each (combine them with +, e.g. cs+proactive)."""
    from simkit.engine.strategies import built_ins

    if json_out:
        return _json([{"name": n, "aliases": a, "description": d} for n, a, d in built_ins()])
    for name, aliases, line in built_ins():
        typer.echo(f"{name:<20} {line}" + (f" (or {', '.join(aliases)})" if aliases else ""))
    typer.echo("Combine strategies with +, e.g. --strategy cs+proactive.")
