"""The ``simkit`` command line.

    simkit run      [--scenario FILE] [--book FILE.csv] [--strategy NAME] [--out DIR]
    simkit compare  [--scenario FILE] [--book FILE.csv] [--strategies a,b,...] [--out DIR]
    simkit strategies
    simkit scenario show [FILE]
    simkit scenario validate FILE
    simkit exercises build [--source exercises/source] [--out exercises]
    simkit import   FILE [--as-of DATE] [--out scenario.toml]
    simkit dashboard [--port N]
    simkit calibrate TABLE.csv [--scenario FILE] --out scenario.toml [--mode behaviour|theory]
    simkit sweep    GRID.toml [-o results.csv] [--scheduler tcp://...] [--jobs N] [--frontier]
    simkit frontier RUNS.csv [-o frontier.png] [--cost auto|team_cost|strategy_cost]

``run``, ``compare`` and ``sweep`` take ``--seed``, ``--years``, ``--managers``,
``--replications`` and ``--set FIELD=VALUE`` (any scenario field), so a what-if needs no file;
``run`` and ``compare`` also ``--book`` (your account list), ``--json`` and ``--time-limit``.

Errors are one line on stderr and exit code 2, never a traceback. Ctrl-C (exit 130) and
SIGTERM (143) stop at once and no worker outlives the command; a closed pipe (``| head``)
stops it quietly (141), its files already written.

Every command imports what it needs inside its function, so ``simkit --help`` (and a typo
in a command name) loads only Typer, not pandas, SimPy or matplotlib:
``tests/test_architecture.py`` checks this, ``benchmarks/bench_import.py`` times it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from simkit.engine.scenario import Scenario

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="simkit: simulate a portfolio of client accounts under account-management strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Show or check scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
exercises_app = typer.Typer(help="Build the exercise notebooks.", no_args_is_help=True)
app.add_typer(exercises_app, name="exercises")


def fail(message: str) -> NoReturn:
    """Print one error line and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def clean_errors(fn: F) -> F:
    """Turn expected errors (bad scenario, bad file, bad value) into one line and exit 2;
    Ctrl-C exits 130, SIGTERM 143 (workers stopped first), a closed output pipe 141, quietly."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from simkit.experiments import workers

        try:
            with workers.sigterm_unwinds():
                done = fn(*args, **kwargs)
                workers.check_terminated()  # a SIGTERM that arrived inside some __del__
                return done
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            workers.quiet_stdout()
            raise typer.Exit(141) from None
        except (ValueError, OSError, TypeError, KeyError) as exc:
            fail(str(exc) or type(exc).__name__)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except workers.Terminated:
            typer.echo("terminated", err=True)
            raise typer.Exit(143) from None

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None):
    from simkit.engine.scenario import load_scenario

    return load_scenario(path)


DEFAULT_TIME_LIMIT = 600.0
"""Wall-clock seconds one run may take on the command line unless --time-limit says."""

# fmt: off
ScenarioOpt = Annotated[Path | None, typer.Option("--scenario", "-s", help="Scenario file "
                        "(.toml/.yaml); default: built-in scenario.")]
BookOpt = Annotated[Path | None, typer.Option("--book", help="Your account list (CSV, see "
                    "`simkit import`) as the starting book; segment counts follow it.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date the --book list describes, "
                    "YYYY-MM-DD (default: today).")]
SeedOpt = Annotated[int | None, typer.Option(min=0, help="Random seed (overrides the scenario).")]
YearsOpt = Annotated[float | None, typer.Option(help="Years to simulate (horizon_years).")]
ManagersOpt = Annotated[int | None, typer.Option(min=1, help="Account managers (team.managers).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", metavar="FIELD=VALUE", help="Change "
                   "a scenario field, e.g. team.cost_per_hour=90 (repeatable; values as in TOML).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as JSON instead.")]
TimeLimitOpt = Annotated[float, typer.Option("--time-limit", min=0.001, help="Wall-clock "
                         "seconds one run may take before it is stopped.")]
# fmt: on


def _scenario(path: Path | None, *args: Any) -> tuple[Scenario, pd.DataFrame | None]:
    """The scenario and imported book (or None) a command runs: the file, --book (with
    --as-of), then --seed, --years, --managers and --set (see simkit.io.overrides)."""
    from simkit.io.overrides import command_scenario

    book, as_of, seed, years, managers, settings = args
    flags = {"seed": seed, "horizon_years": years, "team.managers": managers}
    return command_scenario(path, book, as_of, flags, settings or [])


def _flagged(sc: Scenario, *args: Any, swept: list[str]) -> Scenario:
    """A sweep's base scenario with the flags applied (fields the grid varies refused)."""
    from simkit.io.overrides import apply_flags

    seed, years, managers, settings = args
    flags = {"seed": seed, "horizon_years": years, "team.managers": managers}
    return apply_flags(sc, flags, settings or [], swept)


def _check_folder(out: Path | None) -> None:
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out {out}: is a file, not a folder")


def _json(data: object) -> None:
    from simkit.io.json_report import to_json

    typer.echo(to_json(data, indent=2))


def _check_scheduler(address: str | None) -> str | None:
    """--scheduler: a malformed address is refused at once (exit 2), before any work."""
    from simkit.experiments.workers import check_scheduler_address

    try:
        return None if address is None else check_scheduler_address(address)
    except ValueError as exc:
        fail(str(exc))


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
    json_out: JsonOpt = False,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
) -> None:
    """Compare strategies over common replications; print means with 95 % CIs.

    The tables and the figure are written first, then printed (so `| head` loses nothing).
    """
    import io

    import pandas as pd

    from simkit.experiments.compare import compare as run_compare
    from simkit.io.files import atomic_write_bytes, write_frame
    from simkit.viz.console import compact_table
    from simkit.viz.plots import compare_bars

    _check_folder(out)
    sc, book_frame = _scenario(scenario, book, as_of, seed, years, managers, settings)
    show = progress and not json_out and sys.stderr.isatty()
    names = [n.strip() for n in strategies.split(",") if n.strip()]
    cmp = run_compare(sc, names, replications, jobs=jobs, progress=show,
                      book=book_frame, time_limit=time_limit)  # fmt: skip
    table, differences = cmp.table(), cmp.differences()
    written = [write_frame(cmp.runs, out / "runs.csv"), write_frame(table, out / "summary.csv"),
               write_frame(differences, out / "differences.csv")]  # fmt: skip
    buf = io.BytesIO()
    compare_bars(cmp).savefig(buf, format="png", dpi=110)
    atomic_write_bytes(out / "compare.png", buf.getvalue())
    written.append(out / "compare.png")
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
    with pd.option_context(
        "display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40
    ):
        typer.echo(compact_table(table).to_string())
    typer.echo("wrote " + ", ".join(str(p) for p in written))


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


@scenario_app.command("show")
@clean_errors
def scenario_show(
    file: Annotated[Path | None, typer.Argument(help="Scenario file; default: built-in.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="toml or yaml")] = "toml",
) -> None:
    """Print a scenario (all fields, defaults filled in)."""
    import tomli_w
    import yaml

    sc = _load(file)
    if fmt == "toml":
        typer.echo(tomli_w.dumps(sc.to_dict()))
    elif fmt == "yaml":
        typer.echo(yaml.safe_dump(sc.to_dict(), sort_keys=False))
    else:
        fail(f"--format must be toml or yaml, got {fmt!r}")


@scenario_app.command("validate")
@clean_errors
def scenario_validate(
    file: Annotated[Path, typer.Argument(help="Scenario file to check.")],
) -> None:
    """Check a scenario file; exit 0 when valid, 2 with the reason when not."""
    sc = _load(file)
    typer.echo(
        f"{file}: valid ({sc.portfolio.total_accounts} accounts, "
        f"{sc.team.managers} managers, {sc.horizon_years:g} years)"
    )


@exercises_app.command("build")
@clean_errors
def exercises_build(
    source: Annotated[Path, typer.Option(help="Source notebooks (with solutions).")] = Path(
        "exercises/source"
    ),
    out: Annotated[Path, typer.Option(help="Receives student/ and instructor/.")] = Path(
        "exercises"
    ),
) -> None:
    """Write student versions (no solutions, no outputs) and instructor answer keys."""
    from simkit.teaching.build import build

    report = build(source, out)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    for version in ("student", "instructor"):
        n = sum(1 for p in report.written if p.parent.name == version)
        typer.echo(f"wrote {n} notebooks to {out / version}")
    for path in report.removed:
        typer.echo(f"removed {path} (its source is gone)")


@app.command("import")
@clean_errors
def import_portfolio(
    file: Annotated[Path, typer.Argument(help="Account list: CSV, UTF-8, comma-separated.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the list describes, YYYY-MM-DD (today).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write a scenario (.toml/.yaml) sized to this book.")
    ] = None,
    scenario: ScenarioOpt = None,
) -> None:
    """Check an account list (see examples/README.md) and summarise it; list every problem."""
    from simkit.io.files import save_scenario
    from simkit.io.portfolio import read_csv
    from simkit.io.portfolio_book import describe, scenario_for

    if out is not None and out.suffix.lower() not in (".toml", ".yaml", ".yml"):
        fail(f"--out must end in .toml, .yaml or .yml, got {out}")
    book = read_csv(file, as_of=as_of)
    typer.echo(f"{file}: valid")
    typer.echo(describe(book))
    if out is not None:
        sc = scenario_for(book, _load(scenario))
        typer.echo(f"wrote {save_scenario(sc, out)}; try: simkit compare -s {out} --book {file}")


@app.command()
@clean_errors
def dashboard(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port on 127.0.0.1.")] = 8866,
) -> None:
    """Start the manager dashboard (Voila) on 127.0.0.1; Ctrl-C stops it."""
    from simkit.ui.server import serve

    code = serve(port)
    if code:
        raise typer.Exit(code)


# fmt: off
CohortTableArg = Annotated[Path, typer.Argument(help="Cohort table CSV with columns "
    "period,survivors: the cohort's size at period 0, then how many were still active after "
    "each contract period (counts, or shares starting at 1 or 100).")]
CalibrationModeOpt = Annotated[str, typer.Option(help="behaviour: the full model, renewal "
    "parameters tuned under the baseline strategy (for what-ifs); theory: renewal "
    "probabilities from the fitted sBG model, strategies off (reproduces the curve exactly).")]
PeriodMonthsOpt = Annotated[int | None, typer.Option(min=1, max=120, help="Months per period "
    "of the table (default: the term).")]
CohortSizeOpt = Annotated[float | None, typer.Option(help="Accounts the cohort started with, "
    "when the table holds shares.")]
BaselineOpt = Annotated[str, typer.Option(help="Strategy the cohort was managed with "
    "(behaviour mode).")]
CohortAccountsOpt = Annotated[int, typer.Option(min=100, max=200_000, help="Simulated cohort "
    "size (behaviour mode).")]
# fmt: on


@app.command("calibrate")
@clean_errors
def calibrate_cmd(
    table: CohortTableArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario file to write (.toml/.yaml).")],
    scenario: ScenarioOpt = None,
    mode: CalibrationModeOpt = "behaviour",
    period_months: PeriodMonthsOpt = None,
    cohort_size: CohortSizeOpt = None,
    baseline: BaselineOpt = "reactive",
    accounts: CohortAccountsOpt = 3000,
) -> None:
    """Fit a cohort table (sBG model) and write a scenario whose accounts renew like it."""
    import warnings

    from simkit.analysis.calibration import calibrate
    from simkit.io.files import save_scenario

    if mode not in ("behaviour", "theory"):
        fail(f"--mode must be behaviour or theory, got {mode!r}")
    if out.suffix.lower() not in (".toml", ".yaml", ".yml"):
        fail(f"--out must end in .toml, .yaml or .yml, got {out}")
    base = _load(scenario)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = calibrate(base, table, n_start=cohort_size, period_months=period_months,
                           behaviour=mode == "behaviour", baseline=baseline,
                           accounts=accounts)  # fmt: skip
    typer.echo(result.report())
    for w in caught:
        if issubclass(w.category, RuntimeWarning) and str(w.message).startswith("calibrate:"):
            typer.echo(f"warning: {w.message}", err=True)
    typer.echo(f"wrote {save_scenario(result.scenario(mode), out)} ({mode} mode)")


def _save_figure(fig: Any, path: Path) -> Path:
    import io

    from simkit.io.files import atomic_write_bytes

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        fail(f"{path}: the figure must be a .png, .svg or .pdf file")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110)
    atomic_write_bytes(path, buf.getvalue())
    return path


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
        _save_figure(frontier_plot(table), figure),
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
    reps = replications or spec.replications
    sizes = " x ".join(f"{k} ({len(v)})" for k, v in spec.grid.items()) or "no grid"
    typer.echo(f"{base.name} | {sizes} | {len(spec.strategies)} strategies | {reps} replications")
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
    )
    reused = runs.attrs.get("reused", 0)
    typer.echo(f"{len(runs)} runs ({reused} already saved in {out}, {len(runs) - reused} new)")
    keys = [*spec.grid, "strategy"]
    cols = ["logo_retention", "nrr", "revenue", choose_cost(runs), "utilisation"]
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


def main() -> None:  # pragma: no cover - console entry point
    app()
