"""Tests for simkit.ui.server: finding the notebook, the Voila command and its settings
(token, host check, kernel cap and culling, upload size), ports, stopping -- and a real Voila
on 127.0.0.1 that refuses what it should."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from simkit.cli import app
from simkit.ui.kernel_limits import CappedKernelManager, too_many_pages
from simkit.ui.portfolio import MAX_UPLOAD_BYTES
from simkit.ui.server import (
    HOST,
    IDLE_MINUTES,
    KERNEL_MANAGER,
    WEBSOCKET_MAX_BYTES,
    _fallback_notebook,
    dashboard_url,
    free_port,
    new_token,
    notebook_path,
    port_free,
    serve,
    stop,
    voila_command,
    voila_config,
    wait_ready,
    write_config,
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


def test_voila_binds_localhost_only_and_never_moves_port(tmp_path):
    cmd = voila_command(8999, config_dir=tmp_path)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8999" in cmd
    assert "--Voila.port_retries=0" in cmd and "--no-browser" in cmd
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    # only our own config file is read, and no secret is on the command line (ps shows it)
    assert f"--Voila.config_file_paths={tmp_path}" in cmd
    assert not any("token" in part for part in cmd)


def test_config_requires_a_token_checks_hosts_and_caps_kernels():
    config = voila_config("abc")
    voila = config["Voila"]
    assert voila["token"] == "abc"
    assert voila["tornado_settings"]["allow_remote_access"] is False
    assert voila["tornado_settings"]["local_hostnames"] == ["localhost"]
    assert config["VoilaConfiguration"]["multi_kernel_manager_class"] == KERNEL_MANAGER
    assert config["VoilaConfiguration"]["preheat_kernel"] is False
    assert config["CappedKernelManager"]["max_kernels"] == 4
    assert voila_config("abc", max_pages=2)["CappedKernelManager"]["max_kernels"] == 2
    cull = config["MappingKernelManager"]
    assert cull["cull_idle_timeout"] == IDLE_MINUTES * 60 <= 15 * 60
    assert cull["cull_connected"] is True and cull["cull_interval"] <= 60
    with pytest.raises(ValueError, match="needs a token"):
        voila_config("")
    # listening on the network cannot use the Host check: the token is the guard
    assert voila_config("abc", "0.0.0.0")["Voila"]["tornado_settings"]["allow_remote_access"]


def test_the_websocket_takes_the_largest_upload_but_not_much_more():
    # Tornado's default (10 MiB) dropped larger uploads without a word
    assert MAX_UPLOAD_BYTES == 50 * 2**20
    assert MAX_UPLOAD_BYTES + 2**20 <= WEBSOCKET_MAX_BYTES <= 2 * MAX_UPLOAD_BYTES
    assert voila_config("t")["Voila"]["tornado_settings"]["websocket_max_message_size"] == (
        WEBSOCKET_MAX_BYTES
    )


def test_tokens_are_long_random_and_url_safe():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 40 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_config_file_is_private(tmp_path):
    path = write_config(tmp_path, voila_config("secret"))
    assert json.loads(path.read_text())["Voila"]["token"] == "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_kernel_cap_is_a_setting_of_jupyters_kernel_manager():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    assert issubclass(CappedKernelManager, AsyncMappingKernelManager)
    assert KERNEL_MANAGER == f"{CappedKernelManager.__module__}.{CappedKernelManager.__name__}"
    assert "Close a page" in too_many_pages(3) and "3 pages" in too_many_pages(3)


def _fake_popen(seen: dict):
    def popen(cmd, *args, **kwargs):
        folder = Path(next(c for c in cmd if "config_file_paths" in c).split("=", 1)[1])
        seen["cmd"], seen["folder"] = cmd, folder
        seen["config"] = json.loads((folder / "voila.json").read_text())
        raise OSError("stop before starting anything")

    return popen


def test_serve_makes_a_new_token_each_time_and_cleans_up(monkeypatch, capsys):
    seen: dict = {}
    monkeypatch.setattr("simkit.ui.server.subprocess.Popen", _fake_popen(seen))
    tokens = []
    for _ in range(2):
        with pytest.raises(OSError, match="stop before"):
            serve(free_port())
        tokens.append(seen["config"]["Voila"]["token"])
        assert not seen["folder"].exists()  # the token does not outlive the server
        assert seen["config"]["Voila"]["tornado_settings"]["allow_remote_access"] is False
    assert tokens[0] != tokens[1] and all(len(t) >= 40 for t in tokens)
    assert "warning" not in capsys.readouterr().err


def test_serving_on_the_network_warns(monkeypatch, capsys):
    seen: dict = {}
    monkeypatch.setattr("simkit.ui.server.subprocess.Popen", _fake_popen(seen))
    with pytest.raises(OSError, match="stop before"):
        serve(free_port(), host="0.0.0.0")
    err = capsys.readouterr().err
    assert "warning: the dashboard listens on 0.0.0.0" in err and "token" in err
    assert "--Voila.ip=0.0.0.0" in seen["cmd"]
    assert seen["config"]["Voila"]["tornado_settings"]["allow_remote_access"] is True


def test_urls():
    assert dashboard_url(HOST, 8866, "t") == "http://127.0.0.1:8866/?token=t"
    assert dashboard_url(HOST, 8866) == "http://127.0.0.1:8866/"


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


# ================================================================== a real Voila
def _request(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, dict, str]:
    """Ask 127.0.0.1:``port`` for ``path`` with these headers (e.g. a forged Host, an
    Origin, a Cookie): status, response headers and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, headers={k.title(): v for k, v in headers.items()})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture()
def tiny_voila(tmp_path):
    """Voila with the dashboard's settings serving a one-cell notebook (a quick kernel), at
    most one page at once, idle pages culled after 3 s."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('hello')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nb, notebook)
    token = new_token()
    config = voila_config(token, max_pages=1)
    config["MappingKernelManager"].update(cull_idle_timeout=3, cull_interval=1)
    write_config(tmp_path, config)
    port = free_port()
    log = open(tmp_path / "voila.log", "w")  # closed below
    proc = subprocess.Popen(
        voila_command(port, notebook, config_dir=tmp_path),
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_ready(dashboard_url(HOST, port), timeout=60, process=proc)
        yield port, token, tmp_path / "voila.log"
    finally:
        stop(proc)
        log.close()


@pytest.mark.slow
def test_real_voila_refuses_strangers_foreign_hosts_and_too_many_pages(tiny_voila):
    port, token, log = tiny_voila
    status, headers, _ = _request(port, "/")
    assert status == 302 and headers["Location"].startswith("/login")  # no token: log in
    assert _request(port, "/?token=wrong")[0] == 302
    # DNS rebinding: a page on evil.example that resolves to 127.0.0.1
    assert _request(port, f"/?token={token}", host=f"evil.example:{port}")[0] == 403
    assert _request(port, f"/?token={token}", host="evil.example")[0] == 403

    status, headers, body = _request(port, f"/?token={token}", host=f"localhost:{port}")
    assert status == 200 and "hello" in body  # the one page allowed: a kernel runs
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]  # the login the browser keeps
    status, _, body = _request(port, f"/?token={token}")
    assert status == 503 and "already open in 1 pages" in body  # one page too many

    # a closed page's beacon frees its place; another site cannot send it for the browser
    shutdown = f"/voila/api/shutdown/{kernel}"
    mine = {"host": f"localhost:{port}", "cookie": cookie}  # the cookie is per host name
    stranger = _request(port, shutdown, "POST", origin="http://evil.example", **mine)
    assert stranger[0] in (403, 404)
    assert _request(port, f"/?token={token}")[0] == 503  # its kernel still runs
    page = _request(port, shutdown, "POST", origin=f"http://localhost:{port}", **mine)
    assert page[0] == 204
    assert _request(port, f"/?token={token}")[0] == 200

    deadline = time.monotonic() + 30  # that page's kernel is idle: culled in seconds
    while time.monotonic() < deadline and "Culling 'idle' kernel" not in log.read_text():
        time.sleep(0.5)
    assert "Culling 'idle' kernel" in log.read_text()
    time.sleep(1)
    assert _request(port, f"/?token={token}")[0] == 200  # its place is free again
