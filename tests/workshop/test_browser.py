"""The workshop game in a real Chromium (marker ``browser``): an instructor and four teams
play a two-round game against ``simkit workshop`` running as its own process.

The story the test walks through, as a room would live it:

1. the instructor opens the printed instructor URL; four teams join in their own browsers
   (separate Chromium contexts, so separate cookies) with the printed join code, one of them
   under a name full of HTML (``<b>``, ``<img>``, quotes), which every page must show as text;
2. round 1 opens; three teams decide differently (one saves twice: the second replaces the
   first; one is first refused for planning more touches than its team has hours, with the
   capacity meter over 100 %), the fourth never submits and keeps the defaults, flagged;
3. the instructor closes the round; each team's page shows its own result -- the same events
   and figures the game core gives when it replays that team's decisions in this process --
   a save after the close is refused as late; a team member on a second browser rejoins
   with the team's name and key and sees the same result;
4. the server is killed (SIGKILL) between the rounds and started again on the same file;
   the open team pages notice, reconnect by themselves (same browser, same cookie) and go on;
5. round 2: the server is killed once more *after* two teams have saved and before the round
   closes: their acknowledged submissions survive; round 2 closes;
6. the instructor's screen shows the leaderboard (teams and the four reference strategies,
   in the core's order) and the debrief (each team's classic mistakes and what-if sentences,
   as the core computes them);
7. a team can reach neither the instructor's pages and actions nor another team's page,
   decisions or name; a stranger cannot take over a team by its name, and a forged cookie
   gets the join page.

Screenshots of each step go to ``test-artifacts/workshop-*.png`` (the README's images are
chosen from them); the server's output to ``test-artifacts/workshop-server.log``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.workshop.server_process import WorkshopProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROUNDS = 2
TIMEOUT_MS = 90_000  # a shared 2-core machine: generous, a hang still fails
ODD_NAME = '<b>Owls</b> & "Co" <img src=x>'
"""A team name that is HTML: it must appear as these characters, never as markup."""

TEAMS = ("Ravens", ODD_NAME, "Hawks", "Sleepy Sloths")
RAVENS, OWLS, HAWKS, SLOTHS = TEAMS

# Round 1 and round 2 decisions per team (form field -> value); Sleepy Sloths skip round 1.
OWLS_FIRST_TRY = {"key.check_ins": "qbr"}  # saved, then replaced by the second submission
DECISIONS: dict[str, list[dict[str, str] | None]] = {
    RAVENS: [
        {"key.upsell": "always", "enterprise.upsell": "always"},  # pure reactive, pitches
        {"managers": "3"},
    ],
    OWLS: [
        {
            "key.check_ins": "monthly",
            "enterprise.check_ins": "monthly",
            "key.onboarding": "on",
            "enterprise.onboarding": "on",
            "mid_market.onboarding": "on",
            "small.onboarding": "on",
            "key.rescue": "early",
            "enterprise.rescue": "early",
        },
        {"mid_market.rescue": "low", "small.rescue": "low"},
    ],
    HAWKS: [
        {
            "managers": "6",
            "key.check_ins": "qbr",
            "enterprise.check_ins": "qbr",
            "mid_market.check_ins": "qbr",
            "small.upsell": "always",
            "issue_priority": "small,mid_market,enterprise,key",
        },
        {"managers": "5", "small.check_ins": "qbr"},
    ],
    SLOTHS: [None, {"small.onboarding": "on", "mid_market.onboarding": "on"}],
}
TOO_MUCH = {  # two managers, monthly check-ins everywhere: more hours than the team has
    "managers": "2",
    "key.check_ins": "monthly",
    "enterprise.check_ins": "monthly",
    "mid_market.check_ins": "monthly",
    "small.check_ins": "monthly",
}


@pytest.fixture()
def server(tmp_path, artifacts) -> Iterator[WorkshopProcess]:
    """``simkit workshop --rounds 2`` on 127.0.0.1, which the test kills and starts again
    (a new instructor token at every start, as in a real room)."""
    from simkit.ui.server import free_port

    log = artifacts / "workshop-server.log"
    srv = WorkshopProcess(tmp_path / "workshop.db", free_port(), log, "--rounds", str(ROUNDS))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        assert not srv.left_behind, f"processes left behind by simkit workshop: {srv.left_behind}"


# ================================================================== the expected answers
def expected_games() -> dict[str, object]:
    """What the game core says each team's game gives: the test's decisions replayed in this
    process, with the settings ``simkit workshop --rounds 2`` uses (a fixed seed)."""
    from simkit.workshop.decisions import parse_decisions
    from simkit.workshop.game import replay
    from simkit.workshop.launch import build_settings

    settings = build_settings(rounds=ROUNDS)
    games = {}
    for team, rounds in DECISIONS.items():
        history, previous = [], None
        for raw in rounds:
            decided = parse_decisions(raw or {}, settings, previous)
            history.append(decided)
            previous = decided
        games[team] = replay(settings, history)
    return {"settings": settings, "games": games}


# ================================================================== the pages
@pytest.fixture()
def new_page(chromium) -> Iterator[Callable[..., object]]:
    """Open a page in a browser of its own (a new context: its own cookies); all are closed
    after the test."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = chromium.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_page
    for context in contexts:
        context.close()


def round_status(page, text: str) -> None:
    """Wait until the page's heading says ``text`` (the page updates itself by websocket)."""
    page.locator("#round-status", has_text=text).wait_for()


def fill(page, decisions: dict[str, str]) -> None:
    """Set the decision form's fields (ids ``f-<segment>-<activity>``, see forms.py)."""
    for name, value in decisions.items():
        field = page.locator("#f-" + name.replace(".", "-"))
        if name.endswith(".onboarding"):
            field.set_checked(value == "on")
        elif name in ("managers", "issue_priority"):
            field.fill(value)
        else:
            field.select_option(value)


def save(page, expect: str) -> str:
    """Press "Save decisions" and wait for the message that contains ``expect`` (the old
    message is wiped first, so an earlier "Saved" cannot answer for this save)."""
    page.locator("#message").evaluate("box => { box.textContent = ''; }")
    page.locator("#submit-decisions").click()
    message = page.locator("#message", has_text=expect)
    message.wait_for()
    return message.inner_text()


def press(instructor, button: str, status: str) -> None:
    """An instructor's round-control button, then wait for the heading it leads to."""
    instructor.locator(f"#{button}").click()
    round_status(instructor, status)


def result_round(page) -> int:
    return int(page.locator("#results").get_attribute("data-round"))


def check_result(page, report: dict, team: str) -> None:
    """The team page's round result is the core's report for that round: its events (in
    order) and its quarter's operating profit as the page formats it."""
    from simkit.analysis.registry import METRICS
    from simkit.workshop.web_views import fmt_value

    page.locator(f'#results[data-round="{report["round"]}"]').wait_for()
    events = page.locator("#events li").all_inner_texts()
    assert events == report["events"], team
    profit = page.locator('#figures tr[data-metric="operating_profit"] td').inner_text()
    assert profit == fmt_value(
        report["figures"]["operating_profit"], METRICS["operating_profit"].unit
    ), team
    plots = page.locator("#results img.plot").all()
    assert plots, f"{team}: no figure in the round's result"
    for plot in plots:  # the kit's figures, as PNGs drawn by the server
        plot.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 100", arg=plot.element_handle()
        )


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"workshop-{name}.png"), full_page=True)


def top_shot(page, path: Path, until: str) -> None:
    """The top of the page down to the end of ``until`` (the README's pictures)."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(until).bounding_box()
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 24}
    page.screenshot(path=str(path), full_page=True, clip=clip)


# ================================================================== the game
def test_two_round_game_with_a_restart_in_chromium(new_page, server, artifacts):
    expected = expected_games()
    games = expected["games"]

    # -- the instructor opens the printed link; the token moves into a cookie ------------
    instructor = new_page(1440, 1000)
    instructor.goto(server.instructor_url)
    round_status(instructor, "Setup")
    assert "token=" not in instructor.url
    assert instructor.locator("#join-code").inner_text() == server.code

    # -- four teams join in their own browsers with the printed code ----------------------
    pages = {}
    for team in TEAMS:
        page = new_page()
        page.goto(server.join_url)
        assert page.locator("#f-code").input_value() == server.code  # filled in by the URL
        page.locator("#f-name").fill(team)
        page.locator("#join-button").click()
        page.locator("#team-name").wait_for()
        assert page.locator("#team-name").inner_text() == team
        round_status(page, "Waiting for round 1 to open")
        pages[team] = page
    owls = pages[OWLS]
    # the HTML-ish name is text on the team's page: no <b> or <img src=x> came out of it
    assert owls.locator("header b, main b, img[src='x']").count() == 0
    assert ODD_NAME in owls.title()
    shot(owls, artifacts, "team-joined")

    # the instructor's screen lists every team (live), the odd name as text
    instructor.locator("#submissions h2", has_text=f"Teams ({len(TEAMS)})").wait_for()
    names = instructor.locator("#submission-table tbody th").all_inner_texts()
    assert names == list(TEAMS)
    assert instructor.locator("#submission-table b, img[src='x']").count() == 0

    # a stranger cannot take a team's name without its key
    stranger = new_page()
    stranger.goto(server.join_url)
    stranger.locator("#f-name").fill(RAVENS)
    stranger.locator("#join-button").click()
    assert "is taken" in stranger.locator("#message").inner_text()
    assert stranger.locator("#team-name").count() == 0

    # -- round 1 ------------------------------------------------------------------------
    press(instructor, "open-round", "Round 1 of 2 is open")
    for page in pages.values():
        round_status(page, "Round 1 of 2 is open")  # pushed by websocket, no reload

    # Hawks first plan more touches than two managers have hours: the meter goes over
    # 100 % and the save is refused with one sentence naming the field
    hawks = pages[HAWKS]
    fill(hawks, TOO_MUCH)
    hawks.locator("#capacity.over").wait_for()
    refused = save(hawks, "managers:")
    assert "plan fewer touches or more managers" in refused
    assert "invalid" in (hawks.locator("#f-managers").get_attribute("class") or "")
    shot(hawks, artifacts, "team-refused")
    fill(hawks, {"managers": "4", **{f"{s}.check_ins": "none" for s in ("key", "enterprise")}})
    fill(hawks, {"mid_market.check_ins": "none", "small.check_ins": "none"})
    fill(hawks, DECISIONS[HAWKS][0])
    assert "Saved for round 1" in save(hawks, "Saved")

    fill(pages[RAVENS], DECISIONS[RAVENS][0])
    assert "Saved for round 1" in save(pages[RAVENS], "Saved")
    fill(owls, OWLS_FIRST_TRY)
    save(owls, "Saved")
    fill(owls, DECISIONS[OWLS][0])  # a second save replaces the first until the close
    assert "Saved for round 1" in save(owls, "Saved")
    owls.locator("#submission-status", has_text="are in").wait_for()
    shot(owls, artifacts, "team-decisions")

    instructor.locator("#submissions h2", has_text="3 submitted for round 1").wait_for()
    waiting = instructor.locator("#submission-table tbody tr", has_text=SLOTHS)
    assert "waiting" in waiting.inner_text()
    shot(instructor, artifacts, "instructor-round-1-open")

    press(instructor, "close-round", "Round 1 of 2 is closed")
    for team, page in pages.items():
        round_status(page, "Round 1 of 2 is closed")
        check_result(page, games[team].reports[0], team)
    pages[SLOTHS].locator("#carried-note").wait_for()  # never submitted: kept the defaults
    assert pages[RAVENS].locator("#carried-note").count() == 0
    shot(owls, artifacts, "team-round-1")
    shot(instructor, artifacts, "instructor-round-1")
    # a save after the close is late: refused, nothing changes
    assert "too late" in save(pages[RAVENS], "too late")
    # a team member on a second device rejoins with the team's name and key
    key = (owls.locator("#team-key").text_content() or "").strip()
    second = new_page()
    second.goto(server.join_url)
    second.locator("#f-name").fill(OWLS)
    second.locator("#join-form details summary").click()
    second.locator("#f-key").fill(key)
    second.locator("#join-button").click()
    assert second.locator("#team-name").inner_text() == OWLS
    check_result(second, games[OWLS].reports[0], OWLS)

    # -- the server dies between the rounds and comes back on the same file -------------
    server.kill()
    for page in pages.values():
        page.locator("#connection", has_text="reconnecting").wait_for()
    server.start()
    assert server.starts == 2
    for page in pages.values():  # the same browsers reconnect by themselves
        page.locator("#connection", has_text="live").wait_for()
    instructor.goto(server.instructor_url)  # a new token for every start
    round_status(instructor, "Round 1 of 2 is closed")
    for team, page in pages.items():
        assert result_round(page) == 1, team  # nothing lost

    # -- round 2, with a second kill while the submissions come in ----------------------
    press(instructor, "open-round", "Round 2 of 2 is open")
    for page in pages.values():
        round_status(page, "Round 2 of 2 is open")
    for team in (RAVENS, OWLS):
        fill(pages[team], DECISIONS[team][1])
        assert "Saved for round 2" in save(pages[team], "Saved")
    instructor.locator("#submissions h2", has_text="2 submitted for round 2").wait_for()
    server.kill()
    server.start()
    instructor.goto(server.instructor_url)
    instructor.locator("#submissions h2", has_text="2 submitted for round 2").wait_for()
    for team in (RAVENS, OWLS):  # what was acknowledged before the kill is still there
        pages[team].locator("#connection", has_text="live").wait_for()
        pages[team].locator("#submission-status", has_text="round 2 are in").wait_for()
    for team in (HAWKS, SLOTHS):
        page = pages[team]
        page.locator("#connection", has_text="live").wait_for()
        fill(page, DECISIONS[team][1])
        assert "Saved for round 2" in save(page, "Saved")
    instructor.locator("#submissions h2", has_text="4 submitted for round 2").wait_for()

    press(instructor, "close-round", "Finished: all 2 rounds played")
    for team, page in pages.items():
        round_status(page, "The game is over")
        check_result(page, games[team].reports[1], team)
    shot(owls, artifacts, "team-round-2")
    top_shot(pages[HAWKS], artifacts / "workshop-team-readme.png", "#results")

    # -- the instructor's screen: leaderboard and debrief -------------------------------
    check_leaderboard(instructor, expected)
    check_debrief(instructor, expected)
    assert instructor.locator("main b, img[src='x']").count() == 0  # the odd name is text
    shot(instructor, artifacts, "instructor-final")
    instructor.set_viewport_size({"width": 1280, "height": 900})
    top_shot(instructor, artifacts / "workshop-instructor-readme.png", "#leaderboard-table")

    # -- no team sees or changes another's, nor acts as the instructor ------------------
    check_isolation(new_page, server, pages)


def check_leaderboard(instructor, expected: dict) -> None:
    """Teams and the four references, in the order (profit since the start) of the core."""
    from simkit.engine.strategies import strategy_label
    from simkit.workshop.game import REFERENCES, leaderboard, reference_reports

    games = expected["games"]
    refs = reference_reports(expected["settings"], ROUNDS)
    table = leaderboard({t: g.reports for t, g in games.items()}, refs)
    board = instructor.locator("#leaderboard-table")
    board.wait_for()
    headers = board.locator("thead th").all_inner_texts()
    column = headers.index("team")
    shown = [row.locator("td").nth(column).inner_text() for row in board.locator("tbody tr").all()]
    assert shown == list(table["team"])
    assert board.locator("tbody tr.team").count() == len(TEAMS)
    assert board.locator("tbody tr.reference").count() == len(REFERENCES)
    for name in REFERENCES:
        assert f"{strategy_label(name)} (reference)" in shown
    plots = instructor.locator("#leaderboard img.plot").all()
    assert plots, "no figure next to the leaderboard"
    for plot in plots:
        plot.scroll_into_view_if_needed()
        instructor.wait_for_function(
            "img => img.complete && img.naturalWidth > 100", arg=plot.element_handle()
        )


def check_debrief(instructor, expected: dict) -> None:
    """Each team's debrief shows the mistakes and what-if sentences the core finds for it."""
    from simkit.workshop.debrief import debrief
    from simkit.workshop.game import reference_reports

    refs = reference_reports(expected["settings"], ROUNDS)
    articles = instructor.locator("#debrief article.debrief-team")
    articles.first.wait_for()
    assert articles.locator("h3").all_inner_texts() == list(TEAMS)
    every = set()
    for index, (team, game) in enumerate(expected["games"].items()):
        want = debrief(game.decisions, game.reports, refs)
        article = articles.nth(index)
        codes = [
            li.get_attribute("data-mistake") for li in article.locator("li[data-mistake]").all()
        ]
        assert codes == [m["code"] for m in want["mistakes"]], team
        every.update(codes)
        sentences = article.locator("ul.what-if li").all_inner_texts()
        assert sentences == [w["sentence"] for w in want["what_if"].values()], team
        assert len(article.locator("table.debrief-rounds tbody tr").all()) == ROUNDS
    assert every, "the debrief names no classic mistake for any team"


def check_isolation(new_page, server, pages: dict) -> None:
    """What a team's browser can reach: its own page only."""
    ravens = pages[RAVENS]
    request = ravens.context.request
    own = request.get(server.base + "/team").text()
    assert "Ravens" in own
    for other in (HAWKS, SLOTHS, "Owls"):
        assert other not in own  # no other team's name, so none of its decisions
    assert "Ravens" not in request.get(server.base + "/api/state").text()
    for guess in ("/team?team=3", "/team?name=Hawks", "/team/fragment?team=3", "/team/3"):
        answer = request.get(server.base + guess)  # the cookie decides, never the address
        assert answer.status in (200, 404), guess
        assert "Hawks" not in answer.text() and "Sloths" not in answer.text(), guess
    for path in ("/instructor", "/instructor/fragment", "/instructor/plot/nrr.png"):
        assert request.get(server.base + path).status == 403, path
    for action in ("close", "undo", "open", "settings"):
        answer = request.post(server.base + f"/instructor/{action}")
        assert answer.status == 403, action
    # a forged team cookie is nobody: the join page
    forged = new_page()
    forged.context.add_cookies(
        [{"name": "simkit_team", "value": "not-a-team-token", "url": server.base}]
    )
    forged.goto(server.base + "/team")
    forged.locator("#join-form").wait_for()
    assert forged.locator("#team-name").count() == 0
