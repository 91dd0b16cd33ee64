"""The ``simkit`` command line.

    simkit run      [--scenario FILE] [--strategy NAME] [--out DIR]
    simkit compare  [--scenario FILE] [--strategies a,b,...] [--replications N] [--out DIR]
    simkit scenario show [FILE]
    simkit scenario validate FILE
    simkit exercises build [--source exercises/source] [--out exercises]
    simkit import   FILE [--as-of DATE] [--out scenario.toml]
    simkit dashboard [--port N]
    simkit calibrate TABLE.csv [--scenario FILE] --out scenario.toml [--mode behaviour|theory]
    simkit sweep    GRID.toml [-o results.csv] [--scheduler tcp://...] [--jobs N] [--frontier]
    simkit frontier RUNS.csv [-o frontier.png] [--cost auto|team_cost|strategy_cost]

Errors are one line on stderr and exit code 2, never a traceback.

Every command imports what it needs inside its function, so ``simkit --help`` (and a typo
in a command name) loads only Typer, not pandas, SimPy or matplotlib:
``tests/test_architecture.py`` checks this, ``benchmarks/bench_import.py`` times it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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

ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario", "-s", help="Scenario file (.toml/.yaml); default: built-in scenario."
    ),
]


def fail(message: str) -> None:
    """Print one error line and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def clean_errors(fn: F) -> F:
    """Turn expected errors (bad scenario, bad file, bad value) into one line and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except (ValueError, OSError, TypeError, KeyError) as exc:
            fail(str(exc) or type(exc).__name__)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _load(path: Path | None):
    from simkit.engine.scenario import load_scenario

    return load_scenario(path)


def _split(names: str) -> list[str]:
    return [n.strip() for n in names.split(",") if n.strip()]


@app.command()
@clean_errors
def run(
    scenario: ScenarioOpt = None,
    strategy: Annotated[
        str, typer.Option(help="Strategy name; join with + to combine.")
    ] = "reactive",
    replication: Annotated[int, typer.Option(min=0, help="Replication number (seed stream).")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for events/snapshots/accounts files.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
) -> None:
    """Run one strategy once and print its headline figures."""
    from simkit.analysis.summary import HEADLINE, run_summary
    from simkit.engine.model import simulate
    from simkit.io.files import write_results

    if fmt not in ("csv", "parquet"):
        fail(f"--format must be csv or parquet, got {fmt!r}")
    sc = _load(scenario)
    res = simulate(sc, strategy, replication)
    summary = run_summary(res)
    typer.echo(
        f"{sc.name} | strategy: {res.strategy} | replication {replication} | "
        f"{sc.horizon_years:g} years"
    )
    for key, label in HEADLINE.items():
        typer.echo(f"  {label:<32} {_fmt(summary[key])}")
    if out is not None:
        for path in write_results(res, out, fmt):
            typer.echo(f"wrote {path}")


def _with_unit(mean: float, half: float | None) -> str:
    """``mean ±half`` in the unit that suits the mean (M, k or plain)."""
    a = abs(mean)
    scale, unit, digits = (1e6, "M", 2) if a >= 1e6 else (1e3, "k", 1) if a >= 1e4 else (1, "", 1)
    text = f"{mean / scale:,.{digits}f}{unit}"
    return text if half is None else f"{text} ±{half / scale:,.{digits}f}{unit}"


def compact_table(table: pd.DataFrame) -> pd.DataFrame:
    """Figures as rows, strategies as columns, cells ``mean ±half-width`` (fits a terminal).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"strategy": ["a"], "metric": ["nrr"], "label": ["NRR (%/yr)"],
    ...                   "mean": [98.25], "ci_low": [96.0], "ci_high": [100.5]})
    >>> compact_table(t).loc["NRR (%/yr)", "a"]
    '98.2 ±2.2'
    """
    cells = [
        "n/a" if m != m else _with_unit(m, None if lo != lo else (hi - lo) / 2)
        for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
    ]
    wide = table.assign(cell=cells).pivot(index="label", columns="strategy", values="cell")
    wide.columns.name = None
    wide.index.name = None
    return wide.reindex(
        index=list(dict.fromkeys(table["label"])), columns=list(dict.fromkeys(table["strategy"]))
    )


def _fmt(v: float) -> str:
    return "n/a" if v != v else f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}"


@app.command()
@clean_errors
def compare(
    scenario: ScenarioOpt = None,
    strategies: Annotated[str, typer.Option(help="Comma-separated strategy names.")] = (
        "reactive,key_account_focus,customer_success,proactive_check_ins"
    ),
    replications: Annotated[int, typer.Option(min=1, help="Replications per strategy.")] = 5,
    jobs: Annotated[int | None, typer.Option(min=1, help="Processes (default: automatic).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the CSV tables and the PNG figure.")] = Path(
        "simkit-out"
    ),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Compare strategies over common replications; print means with 95 % CIs."""
    import pandas as pd

    from simkit.experiments.compare import compare as run_compare
    from simkit.io.files import atomic_write_bytes, write_frame
    from simkit.viz.plots import compare_bars

    sc = _load(scenario)
    cmp = run_compare(
        sc, _split(strategies), replications, jobs=jobs, progress=progress and sys.stderr.isatty()
    )
    typer.echo(
        f"{sc.name} | {sc.horizon_years:g} years | {replications} replications | "
        "mean ±95% CI half-width"
    )
    with pd.option_context(
        "display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40
    ):
        typer.echo(compact_table(cmp.table()).to_string())
    written = [
        write_frame(cmp.runs, out / "runs.csv"),
        write_frame(cmp.table(), out / "summary.csv"),
        write_frame(cmp.differences(), out / "differences.csv"),
    ]
    import io

    fig = compare_bars(cmp)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    atomic_write_bytes(out / "compare.png", buf.getvalue())
    written.append(out / "compare.png")
    typer.echo("wrote " + ", ".join(str(p) for p in written))


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
    source: Annotated[
        Path, typer.Option(help="Folder of source notebooks (with solutions).")
    ] = Path("exercises/source"),
    out: Annotated[
        Path, typer.Option(help="Folder that receives student/ and instructor/.")
    ] = Path("exercises"),
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
        typer.echo(f"wrote {save_scenario(sc, out)} (run it with this CSV as the starting book)")


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


@app.command("calibrate")
@clean_errors
def calibrate_cmd(
    table: Annotated[
        Path,
        typer.Argument(
            help="Cohort table CSV with columns period,survivors: the cohort's size at period "
            "0, then how many were still active after each contract period (counts, or shares "
            "starting at 1 or 100)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario file to write (.toml/.yaml).")],
    scenario: ScenarioOpt = None,
    mode: Annotated[
        str,
        typer.Option(
            help="behaviour: the full model, renewal parameters tuned under the baseline "
            "strategy (for what-ifs); theory: renewal probabilities from the fitted sBG model, "
            "strategies off (reproduces the curve exactly)."
        ),
    ] = "behaviour",
    period_months: Annotated[
        int | None,
        typer.Option(min=1, max=120, help="Months per period of the table (default: the term)."),
    ] = None,
    cohort_size: Annotated[
        float | None,
        typer.Option(help="Accounts the cohort started with, when the table holds shares."),
    ] = None,
    baseline: Annotated[
        str, typer.Option(help="Strategy the cohort was managed with (behaviour mode).")
    ] = "reactive",
    accounts: Annotated[
        int, typer.Option(min=100, max=200_000, help="Simulated cohort size (behaviour mode).")
    ] = 3000,
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
        result = calibrate(
            base,
            table,
            n_start=cohort_size,
            period_months=period_months,
            behaviour=mode == "behaviour",
            baseline=baseline,
            accounts=accounts,
        )
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
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Local processes (default: all).")] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, help="Replications per cell (overrides the file).")
    ] = None,
    frontier: Annotated[
        bool, typer.Option("--frontier", help="Also write the cost-vs-revenue frontier.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Run every grid point x strategy x replication; save runs as they finish (resumable)."""
    import pandas as pd

    from simkit.experiments.frontier import choose_cost
    from simkit.experiments.sweep import load_sweep_spec, sweep

    spec = load_sweep_spec(grid_file)
    reps = replications or spec.replications
    sizes = " x ".join(f"{k} ({len(v)})" for k, v in spec.grid.items()) or "no grid"
    typer.echo(
        f"{spec.scenario.name} | {sizes} | {len(spec.strategies)} strategies | {reps} replications"
    )
    runs = sweep(
        spec.scenario,
        spec.grid,
        spec.strategies,
        reps,
        jobs=jobs,
        scheduler=scheduler,
        path=out,
        progress=progress and sys.stderr.isatty(),
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

    if not runs_file.is_file():
        fail(f"{runs_file}: no such file")
    suffix = runs_file.suffix.lower()
    if suffix == ".csv":
        runs = pd.read_csv(runs_file)
    elif suffix in (".parquet", ".pq"):
        runs = pd.read_parquet(runs_file)
    else:
        fail(f"{runs_file}: read a .csv or .parquet file of runs")
    _write_frontier(runs, out, cost, value, along)


def main() -> None:  # pragma: no cover - console entry point
    app()
