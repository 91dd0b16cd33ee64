"""The ``simkit`` command line.

    simkit run      [--scenario FILE] [--strategy NAME] [--out DIR]
    simkit compare  [--scenario FILE] [--strategies a,b,...] [--replications N] [--out DIR]
    simkit scenario show [FILE]
    simkit scenario validate FILE

Errors are one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="simkit: simulate a portfolio of client accounts under account-management strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Show or check scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

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
    from simkit.scenario import load_scenario

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
    from simkit.model import simulate
    from simkit.summary import HEADLINE

    if fmt not in ("csv", "parquet"):
        fail(f"--format must be csv or parquet, got {fmt!r}")
    sc = _load(scenario)
    res = simulate(sc, strategy, replication)
    summary = res.summary()
    typer.echo(
        f"{sc.name} | strategy: {res.strategy} | replication {replication} | "
        f"{sc.horizon_years:g} years"
    )
    for key, label in HEADLINE.items():
        typer.echo(f"  {label:<32} {_fmt(summary[key])}")
    if out is not None:
        for path in res.to_files(out, fmt):
            typer.echo(f"wrote {path}")


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

    from simkit.experiment import compare as run_compare
    from simkit.plots import compare_bars
    from simkit.results import write_frame
    from simkit.scenario import atomic_write_bytes

    sc = _load(scenario)
    cmp = run_compare(
        sc, _split(strategies), replications, jobs=jobs, progress=progress and sys.stderr.isatty()
    )
    typer.echo(
        f"{sc.name} | {sc.horizon_years:g} years | {replications} replications | mean [95% CI]"
    )
    with pd.option_context(
        "display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40
    ):
        typer.echo(cmp.wide().to_string())
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


def main() -> None:  # pragma: no cover - console entry point
    app()
