"""The rules of the room: joining, submitting, closing, undoing, restarting."""

from __future__ import annotations

import pytest

from simkit.workshop.game import replay
from simkit.workshop.session import Workshop, WorkshopError, clean_name
from simkit.workshop.settings import Settings

QBR_KEY = {"key.check_ins": "qbr", "key.onboarding": "on", "managers": "5"}


@pytest.fixture
def workshop(tmp_path):
    w, _ = Workshop.open(tmp_path / "w.db", Settings(rounds=2))
    yield w
    w.store.close()


def test_join_code_and_names(workshop):
    with pytest.raises(WorkshopError) as wrong:
        workshop.join("WRONG1", "Blue")
    assert wrong.value.field == "code" and wrong.value.status == 403
    team, token = workshop.join(workshop.join_code.lower(), "  Blue   Team ")
    assert team.name == "Blue Team" and workshop.team_for(token) == team
    with pytest.raises(WorkshopError, match="taken") as dup:
        workshop.join(workshop.join_code, "blue team")
    assert dup.value.field == "name" and dup.value.status == 409
    # the same name with the team's key reconnects (another browser)
    again, same = workshop.join(workshop.join_code, "BLUE TEAM", key=token)
    assert again == team and same == token
    with pytest.raises(WorkshopError, match="taken"):
        workshop.join(workshop.join_code, "Blue Team", key="not-the-key")
    assert workshop.team_for("not-a-token") is None and workshop.team_for(None) is None


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41, "tab\there\x00"])
def test_bad_team_names(bad):
    with pytest.raises(WorkshopError, match="team name") as err:
        clean_name(bad)
    assert err.value.field == "name"


def test_submit_only_while_open_and_replaces(workshop):
    team, _ = workshop.join(workshop.join_code, "Blue")
    with pytest.raises(WorkshopError, match="not open yet"):
        workshop.submit(team, QBR_KEY)
    workshop.open_round()
    workshop.submit(team, {"managers": "4"})
    workshop.submit(team, QBR_KEY)  # replaces the first submission
    rows = workshop.store.decisions(1)
    assert len(rows) == 1 and rows[0]["data"]["segments"]["key"]["check_ins"] == "qbr"
    assert workshop.state().submitted == [team.id]
    workshop.close_round()
    with pytest.raises(WorkshopError, match="too late: round 1 is closed") as late:
        workshop.submit(team, {"managers": "4"})
    assert late.value.status == 409
    assert workshop.store.decisions(1)[0]["data"]["managers"] == 5  # the late one was not taken


def test_bad_values_name_the_field(workshop):
    team, _ = workshop.join(workshop.join_code, "Blue")
    workshop.open_round()
    with pytest.raises(WorkshopError) as err:
        workshop.submit(team, {"key.check_ins": "weekly"})
    assert err.value.field == "key.check_ins" and "none, qbr, monthly" in err.value.message
    with pytest.raises(WorkshopError) as err:
        workshop.submit(team, {"managers": "40"})
    assert err.value.field == "managers" and err.value.status == 422
    assert workshop.store.decisions() == []


def test_capacity_meter_shows_an_overbooked_plan_that_submit_refuses(workshop):
    team, _ = workshop.join(workshop.join_code, "Blue")
    workshop.open_round()
    every = {f"{s}.check_ins": "monthly" for s in ("key", "enterprise", "mid_market", "small")}
    every |= {f"{s}.onboarding": "on" for s in ("key", "enterprise", "mid_market", "small")}
    every["managers"] = "2"
    hours = workshop.planned(team, every)
    assert hours["proactive"] > hours["capacity"] and hours["managers"] == 2
    with pytest.raises(WorkshopError) as err:
        workshop.submit(team, every)
    assert err.value.field == "managers" and "h this quarter" in err.value.message


def test_close_carries_previous_decisions_and_flags_them(workshop):
    blue, _ = workshop.join(workshop.join_code, "Blue")
    idle, _ = workshop.join(workshop.join_code, "Idle")
    twin, _ = workshop.join(workshop.join_code, "Twin")
    workshop.open_round()
    workshop.submit(blue, QBR_KEY)
    workshop.submit(twin, QBR_KEY)
    assert workshop.close_round() == {"round": 1, "teams": 3, "carried": 1}
    rows = {d["team"]: d for d in workshop.store.decisions(1)}
    assert rows[idle.id]["carried"] and not rows[blue.id]["carried"]
    reports = workshop.store.reports()
    # common random numbers: the same decisions give the same report; different ones do not
    assert reports[blue.id][1] == reports[twin.id][1]
    assert reports[blue.id][1] != reports[idle.id][1]
    workshop.open_round()
    workshop.submit(idle, QBR_KEY)
    workshop.close_round()  # Blue and Twin keep their round-1 decisions in round 2
    rows = {d["team"]: d for d in workshop.store.decisions(2)}
    assert rows[blue.id]["carried"] and rows[blue.id]["data"]["managers"] == 5
    view = workshop.instructor_view()
    carried = {r["team"].name: r["carried_rounds"] for r in view["teams"]}
    assert carried == {"Blue": [2], "Idle": [1], "Twin": [2]}
    assert workshop.state().phase == "finished"
    with pytest.raises(WorkshopError, match="all 2 rounds"):
        workshop.open_round()


def test_undo_last_close_then_close_again(workshop):
    blue, _ = workshop.join(workshop.join_code, "Blue")
    workshop.open_round()
    workshop.submit(blue, QBR_KEY)
    workshop.close_round()
    first = workshop.store.reports()
    assert workshop.undo_close() == 1
    assert workshop.state().phase == "open" and workshop.store.reports() == {}
    assert workshop.store.decisions(1)[0]["data"]["managers"] == 5  # submission kept
    with pytest.raises(WorkshopError, match="only the last close"):
        workshop.undo_close()
    workshop.close_round()
    assert workshop.store.reports() == first  # replayed from the start: identical


def test_restart_replays_and_gives_the_same_reports(tmp_path):
    settings = Settings(rounds=2)
    live, _ = Workshop.open(tmp_path / "live.db", settings)
    killed, _ = Workshop.open(tmp_path / "killed.db", settings)
    teams = {}
    for w in (live, killed):
        a, _ = w.join(w.join_code, "A")
        b, _ = w.join(w.join_code, "B")
        teams[id(w)] = (a, b)
        w.open_round()
        w.submit(a, QBR_KEY)
        w.submit(b, {"small.check_ins": "monthly", "managers": "6"})
        w.close_round()
        w.open_round()
        w.submit(a, {"managers": "4"})
    killed.store.close()  # "killed": only the file remains
    resumed, token = Workshop.open(tmp_path / "killed.db")
    assert resumed.resumed and resumed.is_instructor(token)
    assert resumed.settings == settings and resumed.state().phase == "open"
    assert resumed.warm_up() == 2 and sorted(resumed._games) == [1, 2]  # models rebuilt
    assert all(g.rounds_played == 1 for g in resumed._games.values())
    resumed.close_round()
    live.close_round()
    by_name = {
        w: {t.name: w.store.reports()[t.id] for t in w.store.teams()} for w in (live, resumed)
    }
    assert by_name[live] == by_name[resumed]
    # and both equal an uninterrupted game played by the core itself
    a_decisions = [resumed._decisions(d["data"]) for d in resumed.store.decisions(team=1)]
    assert replay(settings, a_decisions).reports == list(by_name[resumed]["A"].values())


def test_team_view_holds_only_the_teams_own_data(workshop):
    blue, _ = workshop.join(workshop.join_code, "Blue")
    red, _ = workshop.join(workshop.join_code, "Red")
    workshop.open_round()
    workshop.submit(blue, QBR_KEY)
    workshop.submit(red, {"small.check_ins": "monthly"})
    view = workshop.team_view(red)
    assert view["current"]["data"]["segments"]["small"]["check_ins"] == "monthly"
    assert view["current"]["data"]["segments"]["key"]["check_ins"] == "none"
    assert "Blue" not in repr(view)
    workshop.close_round()
    view = workshop.team_view(red)
    assert [h["round"] for h in view["history"]] == [1]
    assert view["last"]["report"] == workshop.store.reports()[red.id][1]
    assert view["last"]["decisions"]["managers"] == 4


def test_settings_change_only_before_round_one(workshop):
    with pytest.raises(WorkshopError) as err:
        workshop.update_settings({"rounds": 99})
    assert err.value.field == "settings" and "rounds" in err.value.message
    workshop.update_settings({"rounds": 3, "mode": "simple"})
    assert workshop.settings.rounds == 3 and workshop.state().rounds == 3
    reopened, _ = Workshop.open(workshop.store.path)
    assert reopened.settings.mode == "simple"
    workshop.open_round()
    with pytest.raises(WorkshopError, match="before round 1"):
        workshop.update_settings({"rounds": 4})


def test_simple_mode_refuses_closed_decisions(tmp_path):
    w, _ = Workshop.open(tmp_path / "s.db", Settings(rounds=1, mode="simple"))
    team, _ = w.join(w.join_code, "Blue")
    w.open_round()
    with pytest.raises(WorkshopError) as err:
        w.submit(team, {"key.rescue": "early"})
    assert err.value.field == "key.rescue"
    w.submit(team, {"key.check_ins": "qbr"})
