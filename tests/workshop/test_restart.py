"""A real ``simkit workshop`` server, killed (SIGKILL) between rounds and while a dozen
submissions arrive at once: after a restart nothing acknowledged is lost, and the next close
gives the reports an uninterrupted game gives."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from simkit.workshop.game import replay
from simkit.workshop.settings import Settings

ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"
TOKEN = "restart-test-instructor-token-0123456789abcdef"
TEAMS = 12
JSON = {"Accept": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``simkit workshop`` process on 127.0.0.1:``port`` serving ``db``."""

    def __init__(self, db: Path, port: int, *extra: str) -> None:
        env = {**os.environ, "SIMKIT_WORKSHOP_TOKEN": TOKEN}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, "workshop", "--db", str(db), "--port", str(port),
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env=env,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.communicate()[1][-2000:]}")
            try:
                if httpx.get(self.url + "/api/state", timeout=2, trust_env=False).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.kill()
        raise AssertionError("the server did not answer within 90 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (a crash, a pulled plug)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=30)


def rows(db: Path, sql: str, *args) -> list[tuple]:
    """Read the workshop file directly (read-only), as a second process would."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute(sql, args).fetchall()


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, trust_env=False, follow_redirects=True)


def round_one(i: int) -> dict[str, str]:
    checks = ("none", "qbr", "monthly")
    return {
        "managers": str(3 + i % 4),
        "key.check_ins": checks[i % 3],
        "enterprise.check_ins": checks[(i // 3) % 3],
        "small.onboarding": "on" if i % 2 else "off",
    }


def round_two(i: int) -> dict[str, str]:
    return {**round_one(i), "key.check_ins": "qbr", "mid_market.rescue": ("low", "early")[i % 2]}


@pytest.mark.slow
def test_killed_server_resumes_with_nothing_lost(tmp_path):
    db, port = tmp_path / "room.db", free_port()
    server = Server(db, port, "--rounds", "3")
    teams: list[httpx.Client] = []
    try:
        code = rows(db, "SELECT value FROM meta WHERE key = 'join_code'")[0][0]
        boss = client(server.url)
        assert boss.get(f"/instructor?token={TOKEN}").status_code == 200
        for i in range(TEAMS):
            team = client(server.url)
            r = team.post("/join", data={"code": code, "name": f"Team {i}"}, headers=JSON)
            assert r.status_code == 200, r.text
            teams.append(team)
        assert boss.post("/instructor/open", headers=JSON).status_code == 200
        for i, team in enumerate(teams[:-1]):  # the last team never submits in round 1
            r = team.post("/team/decisions", data=round_one(i), headers=JSON)
            assert r.status_code == 200, r.text
        assert boss.post("/instructor/close", headers=JSON).status_code == 200
        before = rows(db, "SELECT team, round, json FROM reports ORDER BY team, round")
        assert len(before) == TEAMS

        # 1. killed between rounds
        server.kill()
        server = Server(db, port)
        for team in (boss, *teams):
            team.base_url = server.url  # same address, cookies kept
        state = httpx.get(server.url + "/api/state", trust_env=False).json()
        assert (state["phase"], state["closed"], state["teams"]) == ("between", 1, TEAMS)
        assert rows(db, "SELECT team, round, json FROM reports ORDER BY team, round") == before
        assert "Team 3" in teams[3].get("/team").text  # the team cookie still works
        cookie = f"simkit_team={teams[3].cookies['simkit_team']}"
        ws_url = server.url.replace("http", "ws") + "/ws"
        with connect(ws_url, additional_headers={"Cookie": cookie}) as ws:  # a real websocket
            assert json.loads(ws.recv(timeout=10))["phase"] == "between"
            assert boss.post("/instructor/open", headers=JSON).status_code == 200
            pushed = json.loads(ws.recv(timeout=10))
            assert (pushed["phase"], pushed["round"]) == ("open", 2)

        # 2. killed while a dozen submissions arrive at once
        acked: dict[int, dict] = {}
        start = threading.Barrier(TEAMS + 1)

        def submit(i: int) -> None:
            start.wait()
            try:
                r = teams[i].post("/team/decisions", data=round_two(i), headers=JSON)
                if r.status_code == 200:
                    acked[i] = round_two(i)
            except httpx.HTTPError:
                pass  # cut off by the kill: not acknowledged, so it may or may not be kept

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(TEAMS)]
        for t in threads:
            t.start()
        start.wait()
        deadline = time.monotonic() + 30
        while len(acked) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()
        for t in threads:
            t.join(30)
        assert 3 <= len(acked)
        print(f"acknowledged before the kill: {len(acked)} of {TEAMS}")
        server = Server(db, port)
        for team in (boss, *teams):
            team.base_url = server.url
        stored = {
            team_id - 1: json.loads(text)
            for team_id, text in rows(db, "SELECT team, json FROM decisions WHERE round = 2")
        }
        for i, form in acked.items():  # every acknowledged submission is there, as sent
            got = stored[i]
            assert got["managers"] == int(form["managers"])
            assert got["segments"]["key"]["check_ins"] == "qbr"
            assert got["segments"]["mid_market"]["rescue"] == form["mid_market.rescue"]
        state = httpx.get(server.url + "/api/state", trust_env=False).json()
        assert (state["phase"], state["round"], state["closed"]) == ("open", 2, 1)

        # 3. the next close: the reports of an uninterrupted game
        assert boss.post("/instructor/close", headers=JSON).status_code == 200
        settings = Settings.model_validate_json(
            rows(db, "SELECT value FROM meta WHERE key = 'settings'")[0][0]
        )
        decided: dict[int, list] = {}
        for team_id, _, text in rows(
            db, "SELECT team, round, json FROM decisions ORDER BY team, round"
        ):
            decided.setdefault(team_id, []).append(json.loads(text))
        reports: dict[int, list] = {}
        for team_id, _, text in rows(
            db, "SELECT team, round, json FROM reports ORDER BY team, round"
        ):
            reports.setdefault(team_id, []).append(json.loads(text))
        assert rows(db, "SELECT team, round, json FROM reports WHERE round = 1") == before
        for team_id, history in decided.items():
            assert len(history) == 2
            assert replay(settings, history).reports == reports[team_id], team_id
        result = teams[0].get("/team/fragment").text
        assert "What happened in round 2" in result

        # 4. SIGTERM stops it cleanly (exit 143), nothing left running
        server.proc.send_signal(signal.SIGTERM)
        _, err = server.proc.communicate(timeout=30)
        assert server.proc.returncode == 143, err[-3000:]
    finally:
        for team in teams:
            team.close()
        server.kill()
