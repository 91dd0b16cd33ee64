"""Starting a workshop server: settings from the command line, a socket, uvicorn, a clean stop.

``simkit workshop`` (:mod:`simkit.cli.workshop`) calls :func:`serve`. It

1. opens the workshop file (``--db``): a new file gets the settings (``--settings``,
   ``--book``, ``--rounds``, ``--mode``, :func:`build_settings`) and a join code; an existing
   one is *resumed* with the settings, teams, rounds and decisions it holds;
2. binds the socket itself (so the port is known -- ``--port 0`` picks a free one -- and
   taken ports are one clear error), then prints the join URL with the join code and the
   instructor URL with its token;
3. runs uvicorn on that socket in this process: no child process, so nothing can be
   orphaned. Ctrl-C and SIGTERM make uvicorn finish its requests (open pages are told to
   reconnect) and the store is closed; uvicorn then re-raises the signal, which the command
   turns into exit code 130 or 143.

The instructor token is new for every start (only its hash is stored); a test or a script
that restarts the server and wants to keep its instructor cookie valid sets
``SIMKIT_WORKSHOP_TOKEN`` (see :data:`TOKEN_ENV`).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simkit.workshop.server import create_app, is_local

if TYPE_CHECKING:  # pragma: no cover
    from simkit.workshop.session import Workshop
    from simkit.workshop.settings import Settings

__all__ = ["DEFAULT_PORT", "TOKEN_ENV", "bind", "build_settings", "serve", "urls"]

DEFAULT_PORT = 8800
"""The port ``simkit workshop`` listens on unless told otherwise."""

TOKEN_ENV = "SIMKIT_WORKSHOP_TOKEN"
"""An environment variable that fixes the instructor token (else a new random one per start)."""


def build_settings(
    settings_file: Path | None = None,
    book: Path | None = None,
    rounds: int | None = None,
    mode: str | None = None,
) -> Settings:
    """The settings of a new workshop: the file's (or the defaults), then ``--book`` (an
    account list, CSV), ``--rounds`` and ``--mode`` laid over them. Raises ``SettingsError``
    (a ``ValueError``) naming the field."""
    from simkit.engine.safe_load import FileFormatError, read_text
    from simkit.workshop.settings import Settings, load_settings

    settings = load_settings(settings_file) if settings_file is not None else Settings()
    changes: dict[str, Any] = {}
    if book is not None:
        try:
            changes["book_csv"] = read_text(Path(book), "account list")
        except FileFormatError as exc:
            raise ValueError(f"--book {book}: {exc}") from None
    if rounds is not None:
        changes["rounds"] = rounds
    if mode is not None:
        changes["mode"] = mode
    settings = settings.with_overrides(changes) if changes else settings
    settings.book()  # an account list is read now: a bad one is an error before the start
    settings.game_scenario()
    return settings


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); a taken port or an
    unknown address is one :class:`OSError` sentence."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise OSError(
                f"--port {port}: already in use on {host} (another workshop?); "
                "stop that one or choose another port"
            ) from None
        raise OSError(f"--host {host}: cannot listen there ({exc.strerror or exc})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _lan_address() -> str:
    """This machine's address on the local network (for a URL others can open)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def urls(host: str, port: int, join_code: str, token: str) -> tuple[str, str]:
    """The trainees' join URL (with the code filled in) and the instructor's URL.

    >>> urls("127.0.0.1", 8800, "ABC234", "t0k")
    ('http://127.0.0.1:8800/?code=ABC234', 'http://127.0.0.1:8800/instructor?token=t0k')
    """
    shown = _lan_address() if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    base = f"http://{shown}:{port}"
    return f"{base}/?code={join_code}", f"{base}/instructor?token={token}"


def serve(
    db: Path,
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    echo: Callable[[str], Any] = print,
    ignored: list[str] | None = None,
) -> Workshop:
    """Open (or resume) the workshop in ``db`` and serve it until Ctrl-C or SIGTERM.

    ``settings`` are used for a new file only; for a file that exists the names in
    ``ignored`` (the options that were given) are reported as not applied.
    """
    import uvicorn

    from simkit.workshop.session import Workshop

    sock = bind(host, port)
    try:
        workshop, token = Workshop.open(db, settings, os.environ.get(TOKEN_ENV) or None)
    except BaseException:
        sock.close()
        raise
    try:
        actual = int(sock.getsockname()[1])
        join, instructor = urls(host, actual, workshop.join_code, token)
        state = workshop.state()
        if workshop.resumed:
            echo(
                f"resuming the workshop in {db}: {state.teams} teams, round {state.round} of "
                f"{state.rounds} ({state.phase})"
            )
            if ignored:
                echo(f"  (the file keeps its own settings: {', '.join(ignored)} not applied)")
        else:
            echo(f"new workshop in {db}: {state.rounds} rounds, {workshop.settings.mode} mode")
        if not is_local(host):
            print(
                f"warning: the workshop listens on {host}, so other machines can reach it; "
                "plain http is not encrypted",
                file=sys.stderr,
                flush=True,
            )
        echo(f"trainees join at:   {join}")
        echo(f"join code:          {workshop.join_code}")
        echo(f"instructor (keep it private): {instructor}")
        echo("Ctrl-C stops the server; everything is saved, start it again to resume.")
        sys.stdout.flush()
        config = uvicorn.Config(
            create_app(workshop, host),
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
            ws_ping_interval=20,
            ws_ping_timeout=20,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        workshop.store.close()
    return workshop
