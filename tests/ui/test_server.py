"""Tests for simkit.ui.server: finding the notebook, the Voila command, ports, stopping."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import nbformat
import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.ui.server import (
    _fallback_notebook,
    free_port,
    notebook_path,
    port_free,
    serve,
    stop,
    voila_command,
    wait_ready,
)


def test_notebook_is_found_and_holds_only_a_call_into_simkit():
    path = notebook_path()
    assert path.name == "manager.ipynb" and path.parent.name == "dashboard"
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    fallback = nbformat.reads(_fallback_notebook(), as_version=4)
    assert code == [c.source for c in fallback.cells if c.cell_type == "code"]
    assert len(code) == 1 and len(code[0].splitlines()) <= 3
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_an_installed_package_writes_its_own_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMKIT_DASHBOARD_NOTEBOOK", str(tmp_path / "missing.ipynb"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("simkit.ui.server.__file__", str(tmp_path / "a" / "b" / "server.py"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # its copy goes under tmp_path
    path = notebook_path()
    assert path.name == "manager.ipynb" and path.is_file() and tmp_path in path.parents
    assert "ManagerDashboard().show()" in path.read_text(encoding="utf-8")


def test_voila_binds_localhost_only_and_never_moves_port():
    cmd = voila_command(8999)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8999" in cmd
    assert "--Voila.port_retries=0" in cmd and "--no-browser" in cmd
    assert cmd[:3] == [sys.executable, "-m", "voila"]


def test_taken_port_is_refused_before_starting_anything():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_free(port)
        with pytest.raises(OSError, match=f"port {port} on 127.0.0.1 is already in use"):
            serve(port)
        result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 2
    assert "already in use" in result.stderr and "--port" in result.stderr


def test_free_port_is_free():
    port = free_port()
    assert port_free(port)


def test_wait_ready_gives_up_when_the_server_exits():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert wait_ready(f"http://127.0.0.1:{free_port()}/", timeout=5, process=proc) is False


def test_stop_kills_a_server_that_ignores_sigterm():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print(1, flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    proc.stdout.readline()  # the handler is in place
    assert stop(proc, timeout=0.5) == -signal.SIGKILL
    proc.stdout.close()
