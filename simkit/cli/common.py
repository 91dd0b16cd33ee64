"""What every ``simkit`` command shares: the Typer apps, one-line errors, common options,
and turning a scenario file plus flags into the scenario a command runs."""

from __future__ import annotations

import functools
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
exercises_app = typer.Typer(
    help="Build the exercise notebooks; gather the room's progress.", no_args_is_help=True
)
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


def save_figure(fig: Any, path: Path, **savefig: Any) -> Path:
    """Write a matplotlib figure to ``path`` (.png, .svg or .pdf, by suffix) atomically and
    close it; a refused suffix is one error line (exit 2). ``savefig`` goes to
    :meth:`matplotlib.figure.Figure.savefig` (dpi 110 unless given)."""
    import io

    import matplotlib.pyplot as plt

    from simkit.io.files import atomic_write_bytes

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        fail(f"{path}: the figure must be a .png, .svg or .pdf file")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, **{"dpi": 110, **savefig})
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path
