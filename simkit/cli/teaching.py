"""The commands for running a workshop: ``exercises leaderboard`` (the class view)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from simkit.cli.common import clean_errors, exercises_app


@exercises_app.command("leaderboard")
@clean_errors
def exercises_leaderboard(
    folder: Annotated[
        Path, typer.Argument(help="Folder of the trainees' progress files (*.json, one each).")
    ],
    out: Annotated[
        Path, typer.Option(help="Where leaderboard.csv and leaderboard.html are written.")
    ] = Path("."),
    watch: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Gather again every this many seconds until Ctrl-C; the page then reloads "
            "itself, so it can stay on the projector.",
        ),
    ] = None,
) -> None:
    """Gather the room's exercise progress: print a table, write CSV and an HTML page.

    Each trainee keeps progress in their own file in FOLDER (SIMKIT_PROGRESS_FILE, or
    keep_progress(path, name=...) in a notebook). Files that cannot be read are skipped
    with one line each.
    """
    from simkit.teaching.leaderboard import gather, write_room

    while True:
        room = gather(folder)
        csv, page = write_room(room, out, refresh=watch)
        for note in room.notes():
            typer.echo(note, err=True)
        typer.echo(room.to_text())
        typer.echo(f"{len(room.trainees)} trainees; wrote {csv} and {page}")
        if watch is None:
            return
        time.sleep(watch)
