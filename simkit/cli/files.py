"""The commands around files: ``scenario``, ``exercises build``, ``import``, ``dashboard``,
``calibrate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pragma: no cover
    pass

from simkit.cli.common import (
    ScenarioOpt,
    _load,
    app,
    clean_errors,
    exercises_app,
    fail,
    scenario_app,
)


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
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port to serve on.")] = 8866,
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind. Default 127.0.0.1 (this machine "
            "only); another address opens the dashboard to the network, guarded by its token "
            "alone."
        ),
    ] = "127.0.0.1",
    max_pages: Annotated[
        int,
        typer.Option(
            "--max-pages",
            min=1,
            max=64,
            help="Dashboard pages (kernels) open at once; one more gets a 'busy' page.",
        ),
    ] = 4,
) -> None:
    """Start the manager dashboard (Voila) with a fresh access token; Ctrl-C stops it."""
    from simkit.ui.server import serve

    code = serve(port, host=host, max_pages=max_pages)
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
