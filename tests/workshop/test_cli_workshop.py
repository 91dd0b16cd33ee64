"""``simkit workshop``: its help, its errors, what it prints, and how it stops."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.ui.server import free_port
from simkit.workshop.launch import build_settings, urls
from tests.workshop.server_process import WorkshopProcess

runner = CliRunner()
EXAMPLE_BOOK = Path(__file__).resolve().parents[2] / "examples" / "portfolio.csv"


def test_help_documents_every_option():
    result = runner.invoke(app, ["workshop", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--settings", "--book", "--rounds", "--mode"):
        assert option in result.output, option
    assert "127.0.0.1" in result.output and "resumed" in result.output
    assert "workshop" in runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output


@pytest.mark.parametrize(
    "args, words",
    [
        (["--mode", "expert"], "--mode: must be simple or full"),
        (["--rounds", "13"], "--rounds"),
        (["--settings", "missing.toml"], "missing.toml"),
        (["--book", "missing.csv"], "missing.csv"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path, args, words):
    result = runner.invoke(app, ["workshop", "--db", str(tmp_path / "w.db"), *args])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w.db").exists()  # nothing half-made


def test_a_taken_port_is_one_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        result = runner.invoke(
            app, ["workshop", "--db", str(tmp_path / "w.db"), "--port", str(port)]
        )
    assert result.exit_code == 2 and "already in use" in result.output


def test_settings_from_options_and_urls(tmp_path):
    settings_file = tmp_path / "game.toml"
    settings_file.write_text(
        'rounds = 6\nmode = "simple"\n[scenario.economics]\ngross_margin = 0.7\n'
    )
    s = build_settings(settings_file, rounds=3)
    assert (s.rounds, s.mode, s.scenario.economics.gross_margin) == (3, "simple", 0.7)
    if EXAMPLE_BOOK.exists():
        booked = build_settings(None, EXAMPLE_BOOK, mode="full")
        assert booked.book_csv and booked.book() is not None
    join, instructor = urls("127.0.0.1", 8800, "ABC234", "tok")
    assert join == "http://127.0.0.1:8800/?code=ABC234"
    assert instructor == "http://127.0.0.1:8800/instructor?token=tok"


@pytest.mark.slow
def test_prints_urls_resumes_and_stops_cleanly(tmp_path):
    server = WorkshopProcess(tmp_path / "w.db", free_port(), tmp_path / "server.log")
    server.start(options=("--rounds", "2"))
    assert server.stop(signal.SIGINT) == 130, server.output()  # Ctrl-C
    out, port = server.output(), server.port
    assert "new workshop in" in out and "2 rounds" in out
    join = [line for line in out.splitlines() if line.startswith("trainees join at:")][0]
    code = [line for line in out.splitlines() if line.startswith("join code:")][0].split()[-1]
    assert join.endswith(f"http://127.0.0.1:{port}/?code={code}")
    instructor = [line for line in out.splitlines() if "/instructor?token=" in line][0]
    token = instructor.rsplit("token=", 1)[1]
    assert len(token) >= 40

    server.start(options=("--rounds", "5"))
    try:
        base = server.base
        assert httpx.get(base + "/instructor?token=" + token, trust_env=False).status_code == 403
        assert httpx.get(base + "/api/state", trust_env=False).json()["rounds"] == 2
        assert server.stop() == 143, server.output()
    finally:
        server.kill()
    out = server.output()
    assert "resuming the workshop" in out and "--rounds not applied" in out
    assert f"join code:          {code}" in out  # the same code after a restart


def test_a_bad_account_list_is_refused_before_the_start(tmp_path):
    bad = tmp_path / "book.csv"
    bad.write_text("not,a\nbook,at all\n")
    result = runner.invoke(app, ["workshop", "--db", str(tmp_path / "w.db"), "--book", str(bad)])
    assert result.exit_code == 2 and "book_csv" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "w.db").exists()
