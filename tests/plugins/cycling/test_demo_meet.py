"""The demo's track meet: on the demo's track event, ridden over the two days before the
demo week (its results are in, so it is in the past), four sessions, a sprint raced to the
medals, an omnium scored, a team sprint raced by teams to the medals, the programme
scheduled and published; the event's title and text name what the meet holds."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from podium.core.venue import rules
from podium.core.venue.service import get_event
from podium.plugins.cycling import programme, results, service, views
from podium.ticketing import types
from podium.web.demo import seed_demo

#: How the event's title names each discipline of the meet.
TITLED = {"sprint": "Sprint", "team_sprint": "Team Sprint", "omnium": "Omnium"}


@pytest.mark.parametrize("today", [None, date(2026, 11, 23)])
async def test_demo_meet(podium_db, today):
    result = await seed_demo(admin_password="admin-pass-123", today=today)
    first_day = today or rules.wall_time(datetime.now(timezone.utc), "Europe/Paris").date()
    meet_id = result.made["meet"]
    assert any(f"/meets/{meet_id}" in note for note in result.notes)
    meet = await service.get_meet(meet_id)
    assert meet["name"] == "Grand Prix de Saint-Quentin"
    event = await get_event(meet["event_id"])
    # Over two days, the two before the demo week: the results it holds are past.
    local_days = [rules.wall_time(event[k], "Europe/Paris").date() for k in ("starts_at", "ends_at")]
    assert local_days == [first_day - timedelta(days=2), first_day - timedelta(days=1)]
    sessions = await service.list_sessions(meet_id)
    assert len(sessions) == 4
    assert len({rules.wall_time(s["starts_at"], "Europe/Paris").date() for s in sessions}) == 2
    assert all(event["starts_at"] <= s["starts_at"] < s["ends_at"] <= event["ends_at"]
               for s in sessions)
    if today is None:  # seeded today, as `make run` does: nothing of it is still to come
        now = datetime.now(timezone.utc)
        assert event["ends_at"] <= now and all(s["ends_at"] <= now for s in sessions)
    competitions = await service.list_competitions(meet_id)
    # The title names the meet's competitions, no more (no keirin), no fewer.
    named = re.split(r", | & ", event["title"].split(" — ", 1)[1])
    assert sorted(named) == sorted(TITLED[c["discipline"]] for c in competitions)
    assert "keirin" not in event["description"].lower()
    assert all(TITLED[c["discipline"]].lower() in event["description"].lower() for c in competitions)
    # Nobody puts tickets on sale for a meet already over.
    if today is None:
        assert await types.list_types(event["id"], include_inactive=True) == []
    sprint, omnium, team_sprint = competitions
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
