"""The workshop game's command: ``simkit workshop`` serves it from the instructor's laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simkit.cli.common import app, clean_errors, fail


@app.command("workshop")
@clean_errors
def workshop(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Default 127.0.0.1: this machine only. Give the "
            "laptop's network address (or 0.0.0.0) so that trainees' browsers in the room "
            "can reach it; the join code and the instructor token then guard it.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Port to listen on (0: any free port)."),
    ] = 8800,
    db: Annotated[
        Path,
        typer.Option(
            help="The workshop file (SQLite). A new file starts a new workshop; an existing "
            "one is resumed with its teams, rounds and decisions.",
        ),
    ] = Path("workshop.db"),
    settings: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="Game settings (.toml/.yaml): rounds, mode, scenario, start_managers, "
            "max_managers, hire_cost, severance, seed ... Used for a new workshop only.",
        ),
    ] = None,
    book: Annotated[
        Path | None,
        typer.Option(
            help="Starting book: an account list (CSV, see `simkit import`) that every team "
            "plays; default: the scenario's built-in book. New workshop only.",
        ),
    ] = None,
    rounds: Annotated[
        int | None,
        typer.Option(min=1, max=12, help="Rounds (quarters) to play, 1-12; default 4."),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="simple: check-ins, onboarding and team size only (a half day); full: also "
            "rescue calls, upsell pitches and issue order. Default full.",
        ),
    ] = None,
) -> None:
    """Run the workshop game: teams play a book quarter by quarter in their browsers.

    Prints the join URL and join code for trainees and the instructor URL with its token
    (new for every start; set SIMKIT_WORKSHOP_TOKEN to fix it). Everything is saved in the
    --db file as it happens: stop the server (Ctrl-C) and start it again with the same
    --db to resume.
    """
    if mode is not None and mode not in ("simple", "full"):
        fail(f"--mode: must be simple or full, got {mode!r}")
    from simkit.workshop.launch import build_settings, serve

    given = {"--settings": settings, "--book": book, "--rounds": rounds, "--mode": mode}
    ignored = [name for name, value in given.items() if value is not None]
    chosen = None if db.exists() else build_settings(settings, book, rounds, mode)
    serve(db, chosen, host=host, port=port, echo=typer.echo, ignored=ignored)
