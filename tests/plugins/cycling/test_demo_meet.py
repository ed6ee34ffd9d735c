"""The demo's track meet: on the demo week's track event, four sessions over two days where the track allows, a
sprint raced to the medals, an omnium scored, a team sprint raced by teams to the medals,
the programme scheduled and published."""

from __future__ import annotations

from datetime import date

import pytest

from podium.plugins.cycling import programme, results, service, views
from podium.web.demo import seed_demo


@pytest.mark.parametrize("today, days", [
    (date(2026, 11, 26), 2),  # the meet's next day is free on the track
    (date(2026, 11, 23), 1),  # Saturday morning's public initiation holds the track
])
async def test_demo_meet(podium_db, today, days):
    result = await seed_demo(admin_password="admin-pass-123", today=today)
    meet_id = result.made["meet"]
    assert any(f"/meets/{meet_id}" in note for note in result.notes)
    meet = await service.get_meet(meet_id)
    assert meet["name"] == "Grand Prix de Saint-Quentin"
    sessions = await service.list_sessions(meet_id)
    assert len(sessions) == 2 * days
    assert len({s["starts_at"].date() for s in sessions}) == days
    sprint, omnium, team_sprint = await service.list_competitions(meet_id)
    sprint_view = await views.competition_view(sprint)
    assert sprint_view["complete"] and sprint_view["status"] == "finished"
    assert [p["place"] for p in sprint_view["classification"][:3]] == [1, 2, 3]
    assert len(sprint_view["classification"]) == 10
    omnium_view = await views.competition_view(omnium)
    assert omnium_view["complete"] and len(omnium_view["omnium"]) == 8
    leader = omnium_view["omnium"][0]
    assert all(len(line["race_points"]) == 4 for line in omnium_view["omnium"])
    assert leader["total"] == sum(leader["race_points"]) and leader["place"] == 1
    team_view = await views.competition_view(team_sprint)
    assert team_view["is_team"] and len(team_view["teams"]) == 8
    assert all(len(t["members"]) == 3 for t in team_view["teams"])
    assert team_view["complete"] and team_view["status"] == "finished"
    assert len(team_view["classification"]) == 8
    assert [p["name"] for p in team_view["classification"][:2]] == ["NED", "FRA"]
    assert all(h["entered"] for h in team_view["heats"])
    published = await programme.published(meet_id)
    assert published is not None and published["status"] in ("optimal", "feasible")
    assert {p["phase"].split(":")[0] for p in published["placements"]} == {
        f"c{sprint['id']}", f"c{omnium['id']}", f"c{team_sprint['id']}"}
    assert not published["unplaced"]
    assert results.format_time(10512) == "10.512"
