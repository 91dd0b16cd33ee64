"""Sweeps and the frontier: ``sweep`` and ``frontier``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


from simkit.cli.common import (
    DEFAULT_TIME_LIMIT,
    AsOfOpt,
    BookOpt,
    JsonOpt,
    ManagersOpt,
    SeedOpt,
    SetOpt,
    TimeLimitOpt,
    YearsOpt,
    _check_scheduler,
    _flagged,
    _json,
    app,
    clean_errors,
    fail,
    save_figure,
)


def _write_frontier(runs: pd.DataFrame, figure: Path, cost: str, value: str, along: str) -> None:
    """Print the frontier table; write it as CSV next to the figure."""
    import pandas as pd

    from simkit.experiments.frontier import COSTS, format_frontier, frontier_table
    from simkit.io.files import write_frame
    from simkit.viz.frontier import frontier_plot

    table = frontier_table(runs, cost=cost, value=value, along=along)
    chosen = table.attrs["cost"]
    typer.echo(f"cost = {chosen}: {COSTS.get(chosen, chosen)}")
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        typer.echo(format_frontier(table).to_string(index=False))
    written = [
        write_frame(table, figure.with_suffix(".csv")),
        save_figure(frontier_plot(table), figure),
    ]
    typer.echo("wrote " + ", ".join(str(p) for p in written))


@app.command("sweep")
@clean_errors
def sweep_cmd(
    grid_file: Annotated[
        Path, typer.Argument(help="Sweep file: scenario, [grid], strategies, replications.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Results (.csv or .parquet); re-run to resume.")
    ] = Path("simkit-out/sweep.csv"),
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.", callback=_check_scheduler
        ),
    ] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Local processes (default: all).")] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, help="Replications per cell (overrides the file).")
    ] = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    managers: ManagersOpt = None,
    settings: SetOpt = None,
    frontier: Annotated[
        bool, typer.Option("--frontier", help="Also write the cost-vs-revenue frontier.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    yes: Annotated[
        bool, typer.Option("--yes", help="Start a sweep of more than 2,000 runs without asking.")
    ] = False,
    book: BookOpt = None,
    as_of: AsOfOpt = None,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
    json_out: JsonOpt = False,
) -> None:
    """Run every grid point x strategy x replication; save runs as they finish (resumable)."""
    import pandas as pd

    from simkit.experiments.frontier import choose_cost
    from simkit.experiments.store import SUFFIXES, check_target
    from simkit.experiments.sweep import load_sweep_spec, sweep

    check_target(out, SUFFIXES, "the sweep results")  # every output, before any work
    if frontier:
        check_target(out.with_name(out.stem + "-frontier.png"), (".png",), "the frontier")
        check_target(out.with_name(out.stem + "-frontier.csv"), (".csv",), "the frontier table")
    spec = load_sweep_spec(grid_file)
    base = _flagged(spec.scenario, seed, years, managers, settings, swept=list(spec.grid))
    from simkit.io.overrides import with_book

    base, frame = with_book(base, book, as_of)
    reps = replications or spec.replications
    sizes = " x ".join(f"{k} ({len(v)})" for k, v in spec.grid.items()) or "no grid"
    say = (lambda text: None) if json_out else typer.echo
    say(f"{base.name} | {sizes} | {len(spec.strategies)} strategies | {reps} replications")
    runs = sweep(
        base,
        spec.grid,
        spec.strategies,
        reps,
        jobs=jobs,
        scheduler=scheduler,
        path=out,
        progress=progress and sys.stderr.isatty(),
        confirm=yes,
        book=frame,
        time_limit=time_limit,
    )
    reused = runs.attrs.get("reused", 0)
    say(f"{len(runs)} runs ({reused} already saved in {out}, {len(runs) - reused} new)")
    keys = [*spec.grid, "strategy"]
    cols = ["logo_retention", "nrr", "revenue", choose_cost(runs), "utilisation"]
    if json_out:  # every run's figures, machine-readable (the file holds the same rows)
        _json({"runs": runs.to_dict("records"), "reused": int(reused), "file": str(out)})
    else:
        means = (
            runs.groupby(keys, sort=False)[cols]
            .mean()
            .rename(columns={c: c.replace("_", " ") for c in cols})
        )
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            typer.echo(means.to_string(float_format=lambda v: f"{v:,.1f}"))
        typer.echo(f"wrote {out}")
    if frontier:
        _write_frontier(
            runs, out.with_name(out.stem + "-frontier.png"), "auto", "revenue", "team.managers"
        )


@app.command("frontier")
@clean_errors
def frontier_cmd(
    runs_file: Annotated[
        Path, typer.Argument(help="Runs from `simkit sweep` (or compare's runs.csv).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Figure (.png/.svg/.pdf); table goes next to it.")
    ] = Path("simkit-out/frontier.png"),
    cost: Annotated[
        str, typer.Option(help="auto, team_cost (headcount) or strategy_cost (hours worked).")
    ] = "auto",
    value: Annotated[str, typer.Option(help="revenue, end_arr, nrr or another figure.")] = (
        "revenue"
    ),
    along: Annotated[str, typer.Option(help="Grid field for marginal returns.")] = (
        "team.managers"
    ),
) -> None:
    """Cost against revenue for every strategy and team size; mark the efficient frontier."""
    import pandas as pd

    from simkit.engine.safe_load import shorten
    from simkit.experiments.store import check_target

    if runs_file.is_dir():
        fail(f"{runs_file}: is a folder; give the file of runs")
    if not runs_file.is_file():
        fail(f"{runs_file}: no such file")
    suffix = runs_file.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        fail(f"{runs_file}: read a .csv or .parquet file of runs")
    # Every output is checked before any work or writing: the figure and the table beside it.
    check_target(out, (".png", ".svg", ".pdf"), "the figure")
    table = check_target(out.with_suffix(".csv"), (".csv",), "the frontier table")
    if table.resolve() == runs_file.resolve():
        fail(f"{table}: the frontier table would overwrite the runs it reads; choose another -o")
    try:
        runs = pd.read_csv(runs_file) if suffix == ".csv" else pd.read_parquet(runs_file)
    except (ValueError, OSError) as exc:
        fail(f"{runs_file}: cannot read the runs ({shorten(str(exc), 100)})")
    _write_frontier(runs, out, cost, value, along)
