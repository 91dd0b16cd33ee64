"""The workshop's web app through FastAPI's TestClient: pages, JSON errors, privacy, escaping."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette's note about httpx; the TestClient works as is
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

from simkit.workshop.server import INSTRUCTOR_COOKIE, TEAM_COOKIE, create_app, host_name
from simkit.workshop.session import Workshop
from simkit.workshop.settings import Settings

JSON = {"Accept": "application/json"}
EVIL = "<script>alert(1)</script>"
BASE = "http://127.0.0.1:8800"


@pytest.fixture
def room(tmp_path):
    """A workshop, its app, and a factory of browsers (TestClients with their own cookies)."""
    workshop, token = Workshop.open(tmp_path / "w.db", Settings(rounds=2))
    app = create_app(workshop)

    def browser() -> TestClient:
        return TestClient(app, base_url=BASE)

    instructor = browser()
    assert instructor.get(f"/instructor?token={token}").status_code == 200
    yield workshop, browser, instructor
    app.state.stopping.set()  # figures drawn after a close: let them finish first
    for painter in app.state.painters:
        painter.join(30)
    workshop.store.close()


def join(browser, workshop, name):
    client = browser()
    r = client.post("/join", data={"code": workshop.join_code, "name": name})
    assert r.status_code == 200 and r.url.path == "/team", r.text[:500]
    return client


def act(instructor, action):
    r = instructor.post(f"/instructor/{action}", headers=JSON)
    assert r.status_code == 200, r.text
    return r.json()


def test_join_sets_an_httponly_cookie_and_shows_the_team_page(room):
    workshop, browser, _ = room
    client = browser()
    page = client.get("/")
    assert page.status_code == 200 and 'id="join-form"' in page.text
    r = client.post(
        "/join", data={"code": workshop.join_code, "name": "Blue"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/team"
    cookie = r.headers["set-cookie"]
    assert (
        cookie.startswith(f"{TEAM_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    )
    team = client.get("/team")
    assert 'id="decision-form"' in team.text and 'name="key.check_ins"' in team.text
    assert 'id="capacity-meter"' in team.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/team"


def test_join_errors_are_one_clear_message(room):
    workshop, browser, _ = room
    join(browser, workshop, "Blue")
    client = browser()
    r = client.post("/join", data={"code": "NOPE22", "name": "Red"})
    assert r.status_code == 403 and "not this workshop&#39;s code" in r.text
    r = client.post("/join", data={"code": workshop.join_code, "name": "BLUE"}, headers=JSON)
    assert r.status_code == 409 and r.json()["field"] == "name" and "taken" in r.json()["error"]
    assert TEAM_COOKIE not in client.cookies


def test_team_name_is_escaped_everywhere(room):
    workshop, browser, instructor = room
    evil = join(browser, workshop, EVIL)
    other = join(browser, workshop, "Plain")
    act(instructor, "open")
    evil.post("/team/decisions", data={"key.check_ins": "qbr"}, headers=JSON)
    act(instructor, "close")
    act(instructor, "open")
    act(instructor, "close")  # the game is over: the debrief is on the page too
    pages = {
        "team": evil.get("/team").text,
        "team fragment": evil.get("/team/fragment").text,
        "instructor": instructor.get("/instructor").text,
        "instructor fragment": instructor.get("/instructor/fragment").text,
        "other team": other.get("/team").text,
    }
    assert 'id="debrief"' in pages["instructor"] and 'id="leaderboard-table"' in pages["instructor"]
    for name, html in pages.items():
        assert EVIL not in html, name
        assert "<script>alert" not in html, name
    for name in ("team", "instructor", "instructor fragment"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[name], name
    # the figure's legend shows the name as text; the PNG route answers for it
    png = instructor.get("/instructor/plot/operating_profit.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    # a page may run scripts from /static only
    assert "script-src 'self'" in evil.get("/team").headers["content-security-policy"]


def test_a_team_cannot_see_or_change_another_teams_decisions(room):
    workshop, browser, instructor = room
    blue = join(browser, workshop, "Blue")
    red = join(browser, workshop, "Red")
    act(instructor, "open")
    r = blue.post(
        "/team/decisions", data={"key.check_ins": "monthly", "managers": "6"}, headers=JSON
    )
    assert r.status_code == 200 and r.json()["ok"]
    red_page = red.get("/team").text + red.get("/team/fragment").text
    assert "Blue" not in red_page and 'value="6"' not in red_page
    assert 'name="key.check_ins"' in red_page
    # Red's submission changes Red's row only; there is no way to name another team
    red.post("/team/decisions", data={"key.check_ins": "none", "team": "1"}, headers=JSON)
    blue_row = [d for d in workshop.store.decisions(1) if d["team"] == 1][0]
    assert blue_row["data"]["segments"]["key"]["check_ins"] == "monthly"
    assert blue_row["data"]["managers"] == 6
    act(instructor, "close")
    red_result = red.get("/team/fragment").text
    assert "Blue" not in red_result
    # no cookie, no team: the routes refuse instead of guessing
    stranger = browser()
    assert stranger.get("/team/fragment", headers=JSON).status_code == 401
    assert stranger.post("/team/decisions", data={}, headers=JSON).status_code == 401
    assert stranger.get("/team/plot/nrr.png", headers=JSON).status_code == 401
    # a trainee is not the instructor
    assert blue.get("/instructor").status_code == 403
    assert blue.post("/instructor/close", headers=JSON).status_code == 403


def test_bad_values_give_one_message_on_the_page_or_json_with_the_field(room):
    workshop, browser, instructor = room
    blue = join(browser, workshop, "Blue")
    r = blue.post("/team/decisions", data={"managers": "4"}, headers=JSON)
    assert r.status_code == 409 and "not open yet" in r.json()["error"]
    act(instructor, "open")
    r = blue.post("/team/decisions", data={"small.upsell": "sometimes"}, headers=JSON)
    assert r.status_code == 422 and r.json()["field"] == "small.upsell"
    page = blue.post("/team/decisions", data={"managers": "lots"})
    assert page.status_code == 422 and 'class="message error"' in page.text
    assert "managers: must be a whole number" in page.text
    r = blue.post(
        "/team/planned", data={"managers": "2", "small.check_ins": "monthly"}, headers=JSON
    )
    assert r.status_code == 200 and r.json()["total_share"] > 100  # the meter shows overbooking
    act(instructor, "close")
    r = blue.post("/team/decisions", data={"managers": "4"}, headers=JSON)
    assert r.status_code == 409 and r.json()["error"].startswith("too late: round 1 is closed")


def test_instructor_token_round_control_and_leaderboard(room):
    workshop, browser, instructor = room
    stranger = browser()
    assert stranger.get("/instructor").status_code == 403
    assert stranger.get("/instructor?token=wrong").status_code == 403
    assert stranger.post("/instructor/open", headers=JSON).status_code == 403
    assert INSTRUCTOR_COOKIE in instructor.cookies
    blue = join(browser, workshop, "Blue")
    join(browser, workshop, "Red")
    r = instructor.post("/instructor/close", headers=JSON)
    assert r.status_code == 409 and r.json()["error"] == "no round is open to close"
    assert act(instructor, "open")["result"] == 1
    blue.post("/team/decisions", data={"key.check_ins": "qbr"}, headers=JSON)
    frag = instructor.get("/instructor/fragment").text
    assert "1 submitted for round 1" in frag
    assert act(instructor, "close")["result"] == {"round": 1, "teams": 2, "carried": 1}
    frag = instructor.get("/instructor/fragment").text
    assert 'id="leaderboard-table"' in frag and "Proactive check-ins (reference)" in frag
    assert "round 1" in frag  # Red kept its (default) decisions in round 1
    assert act(instructor, "undo")["result"] == 1
    assert 'id="leaderboard-table"' not in instructor.get("/instructor/fragment").text
    act(instructor, "close")
    team_page = blue.get("/team/fragment").text
    assert "What happened in round 1" in team_page and "Operating profit (per year)" in team_page
    png = blue.get("/team/plot/nrr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert blue.get("/team/plot/not_a_metric.png").status_code == 404


def test_settings_editable_before_round_one_only(room):
    workshop, _, instructor = room
    r = instructor.post("/instructor/settings", data={"rounds": "13"}, headers=JSON)
    assert r.status_code == 422 and "rounds" in r.json()["error"]
    r = instructor.post(
        "/instructor/settings",
        data={"rounds": "3", "more": "scenario.economics.gross_margin = 0.7"},
        headers=JSON,
    )
    assert r.status_code == 200 and workshop.settings.rounds == 3
    assert workshop.settings.scenario.economics.gross_margin == 0.7
    example = Path(__file__).resolve().parents[2] / "examples" / "portfolio.csv"
    if example.exists():  # an account list uploaded as the starting book, then the built-in
        with example.open("rb") as f:
            r = instructor.post("/instructor/settings", files={"book": f}, headers=JSON)
        assert r.status_code == 200, r.text
        assert workshop.settings.book_csv and "imported list" in instructor.get("/instructor").text
        r = instructor.post("/instructor/settings", data={"builtin_book": "on"}, headers=JSON)
        assert r.status_code == 200 and workshop.settings.book_csv is None
    r = instructor.post(
        "/instructor/settings", files={"book": ("b.csv", b"not,a\nbook,at all\n")}, headers=JSON
    )
    assert r.status_code == 422 and "book_csv" in r.json()["error"]
    act(instructor, "open")
    r = instructor.post("/instructor/settings", data={"rounds": "4"}, headers=JSON)
    assert r.status_code == 409 and "before round 1" in r.json()["error"]


def test_host_header_and_cross_site_requests_are_refused(room):
    workshop, browser, instructor = room
    assert browser().get("/", headers={"Host": "evil.example:8800"}).status_code == 403
    assert browser().get("/", headers={"Host": "localhost:8800"}).status_code == 200
    r = instructor.post("/instructor/open", headers={**JSON, "Origin": "http://evil.example"})
    assert r.status_code == 403 and workshop.state().phase == "setup"
    assert host_name("[::1]:8800") == "::1"
    # a form post from a page with a "null" origin is refused too; pages ask browsers to send
    # their origin (Referrer-Policy same-origin: "no-referrer" would make it "null")
    r = browser().post(
        "/join", data={"code": workshop.join_code, "name": "X"}, headers={"Origin": "null"}
    )
    assert r.status_code == 403
    assert browser().get("/").headers["referrer-policy"] == "same-origin"
    huge = browser().post("/join", data={"code": "x", "name": "y" * 100_000}, headers=JSON)
    assert huge.status_code == 413 and "too large" in huge.json()["error"]


def test_websocket_pushes_a_new_version_after_each_change(room):
    workshop, browser, instructor = room
    blue = join(browser, workshop, "Blue")
    cookie = f"{TEAM_COOKIE}={blue.cookies[TEAM_COOKIE]}"
    with blue.websocket_connect("ws://127.0.0.1:8800/ws", headers={"cookie": cookie}) as ws:
        first = ws.receive_json()
        assert first["type"] == "state" and first["phase"] == "setup" and first["teams"] == 1
        act(instructor, "open")
        opened = ws.receive_json()
        assert opened["phase"] == "open" and opened["round"] == 1
        assert opened["version"] != first["version"]
        ws.send_text("ping")
        assert ws.receive_json() == {"type": "pong"}
    with pytest.raises(WebSocketDisconnect):  # no team, no instructor: refused
        with browser().websocket_connect("ws://127.0.0.1:8800/ws") as ws:
            ws.receive_json()
    with pytest.raises(WebSocketDisconnect):  # another site's page: refused
        with blue.websocket_connect(
            "ws://127.0.0.1:8800/ws", headers={"cookie": cookie, "origin": "http://evil.example"}
        ) as ws:
            ws.receive_json()


def test_team_figures_are_one_drawing_rendered_per_team():
    from simkit.workshop.figures import team_figures

    refs = {"reactive": {1: {"figures": {"nrr": 95.0}}, 2: {"figures": {"nrr": 96.0}}}}
    teams = {
        "$odd name": {1: {"figures": {"nrr": 90.0}}, 2: {"figures": {"nrr": 99.0}}},
        "Other": {1: {"figures": {"nrr": 80.0}}, 2: {"figures": {"nrr": None}}},
    }
    pngs = team_figures(teams, refs, "nrr")
    assert set(pngs) == set(teams)
    assert all(p[:4] == b"\x89PNG" for p in pngs.values())
    assert pngs["$odd name"] != pngs["Other"]  # each team's own line
