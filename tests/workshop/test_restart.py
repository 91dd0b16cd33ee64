"""A real ``simkit workshop`` server, killed (SIGKILL) between rounds and while a dozen
submissions arrive at once: after a restart nothing acknowledged is lost, and the next close
gives the reports an uninterrupted game gives."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from simkit.ui.server import free_port
from simkit.workshop.game import replay
from simkit.workshop.settings import Settings
from tests.workshop.server_process import WorkshopProcess

TOKEN = "restart-test-instructor-token-0123456789abcdef"
TEAMS = 12
JSON = {"Accept": "application/json"}


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
    db, log = tmp_path / "room.db", tmp_path / "server.log"
    server = WorkshopProcess(db, free_port(), log, "--rounds", "3", token=TOKEN)
    server.start()
    teams: list[httpx.Client] = []
    try:
        code = rows(db, "SELECT value FROM meta WHERE key = 'join_code'")[0][0]
        boss = client(server.base)
        assert boss.get(f"/instructor?token={TOKEN}").status_code == 200
        for i in range(TEAMS):
            team = client(server.base)
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
        server.start(options=())  # resumed: its options are the file's
        for team in (boss, *teams):
            team.base_url = server.base  # same address, cookies kept
        state = httpx.get(server.base + "/api/state", trust_env=False).json()
        assert (state["phase"], state["closed"], state["teams"]) == ("between", 1, TEAMS)
        assert rows(db, "SELECT team, round, json FROM reports ORDER BY team, round") == before
        assert "Team 3" in teams[3].get("/team").text  # the team cookie still works
        cookie = f"simkit_team={teams[3].cookies['simkit_team']}"
        ws_url = server.base.replace("http", "ws") + "/ws"
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
        server.start(options=())  # resumed: its options are the file's
        for team in (boss, *teams):
            team.base_url = server.base
        stored = {
            team_id - 1: json.loads(text)
            for team_id, text in rows(db, "SELECT team, json FROM decisions WHERE round = 2")
        }
        for i, form in acked.items():  # every acknowledged submission is there, as sent
            got = stored[i]
            assert got["managers"] == int(form["managers"])
            assert got["segments"]["key"]["check_ins"] == "qbr"
            assert got["segments"]["mid_market"]["rescue"] == form["mid_market.rescue"]
        state = httpx.get(server.base + "/api/state", trust_env=False).json()
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
        assert server.stop() == 143, server.output()[-3000:]
        assert not server.left_behind
    finally:
        for team in teams:
            team.close()
        server.kill()
