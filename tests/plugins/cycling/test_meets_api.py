"""Meets over the JSON API: set-up, start lists, results entry with re-flow and stale
results, standings, the programme (schedule, pin, publish, versions, iCalendar), and bad
input answered 4xx with nothing changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.plugins.cycling.results import format_time, parse_time
from podium.plugins.cycling.tables import Entry, HeatResultRow
from podium.tests.core.test_venue_support import iso

from .meet_support import competition, heat, meet_world, qualifying_times, save, sprint, uci, win_match


@pytest.fixture
async def world(podium_client):
    w = await meet_world(podium_client)
    w["client"] = podium_client
    return w


@pytest.mark.parametrize("typed, ms", [("10.123", 10123), ("1:02.345", 62345), ("10.1", 10100),
                                       ("59", 59000), ("1:02:03.4", 3723400), ("4:05,5", 245500)])
def test_times_are_parsed_to_the_thousandth(typed, ms):
    assert parse_time(typed) == ms
    assert parse_time(format_time(ms)) == ms


@given(st.integers(min_value=0, max_value=2 * 3600 * 1000))
def test_any_time_survives_formatting_and_typing_back(ms):
    assert parse_time(format_time(ms)) == ms


@pytest.mark.parametrize("typed", ["abc", "10.1234", "1:60.000", "-3", "1.2.3", "99:00:00"])
def test_bad_times_are_refused_with_the_expected_form(typed):
    from podium.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_time(typed)


async def test_meet_is_a_track_meet_event_on_the_track(world):
    c = world["client"]
    meet = world["meet"]
    event = (await c.get(f"/api/v1/events/{meet['event_id']}")).json()
    assert event["kind"] == "track_meet" and event["spaces"][0]["id"] == world["ids"]["track"]
    got = (await c.get(f"/api/v1/meets/{meet['id']}")).json()
    assert [s["name"] for s in got["sessions"]] == [
        "Day 1 afternoon", "Day 1 evening", "Day 2 afternoon", "Day 2 evening"]


async def test_sessions_outside_the_meet_or_overlapping_are_refused(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    r = await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Too late", "starts_at": iso(3, 10), "ends_at": iso(3, 12)}, headers=org)
    assert r.status_code == 422 and "within the meet" in r.json()["detail"]
    r = await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Clash", "starts_at": iso(1, 16), "ends_at": iso(1, 19)}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "session_overlap"
    r = await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Backwards", "starts_at": iso(1, 12), "ends_at": iso(1, 11)}, headers=org)
    assert r.status_code == 422
    assert len((await c.get(f"/api/v1/meets/{meet_id}")).json()["sessions"]) == 4
    r = await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Fan", "starts_at": iso(1, 9), "ends_at": iso(1, 10)}, headers=world["fan"])
    assert r.status_code == 403


async def test_riders_are_validated_and_reused_by_uci_id(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    comp = await sprint(c, world, 8)
    url = f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/entries"
    for bad, word in (({"name": "X", "uci_id": "123"}, "11 digits"),
                      ({"name": "X", "nation": "FR"}, "3-letter"),
                      ({"name": ""}, "required")):
        r = await c.post(url, json={"riders": [bad]}, headers=org)
        assert r.status_code == 422 and word in r.json()["detail"], r.text
    r = await c.post(url, json={"riders": [{"name": "Ada again", "uci_id": uci(0)}]}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "already_entered"
    # The same UCI ID in another competition is the same rider.
    other = (await c.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "elite-women", "discipline": "scratch"}, headers=org)).json()
    r = await c.post(f"/api/v1/meets/{meet_id}/competitions/{other['id']}/entries",
                     json={"riders": [{"name": "Ada Sprint", "uci_id": uci(0), "nation": "fra"}]},
                     headers=org)
    assert r.status_code == 201
    assert r.json()[0]["rider"] == comp["entries"][0]["rider"] and r.json()[0]["nation"] == "FRA"
    assert await Entry.count() == 9


async def test_self_entry_while_open_then_closed(world, podium_client):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    comp = (await c.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "junior-men", "discipline": "scratch"}, headers=org)).json()
    url = f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/self-entry"
    assert (await c.post(url, json={"nation": "FRA"})).status_code == 401
    r = await c.post(url, json={"nation": "FRA", "uci_id": uci(77)}, headers=world["fan"])
    assert r.status_code == 201, r.text
    assert r.json()[0]["user_id"] is not None and r.json()[0]["name"] == "Fred"
    r = await c.post(url, json={}, headers=world["fan"])
    assert r.status_code == 409 and r.json()["code"] == "already_entered"
    other = (await c.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "junior-men", "discipline": "tempo"}, headers=org)).json()
    r = await c.put(f"/api/v1/meets/{meet_id}/competitions/{other['id']}/entries-open",
                    json={"open": False}, headers=org)
    assert r.status_code == 200 and r.json()["entries_open"] is False
    r = await c.post(f"/api/v1/meets/{meet_id}/competitions/{other['id']}/self-entry",
                     json={}, headers=world["fan"])
    assert r.status_code == 409 and r.json()["code"] == "entries_closed"


async def test_sprint_to_the_medals_with_reflow_and_stale_results(world):
    c = world["client"]
    comp = await sprint(c, world, 8)
    assert comp["table"] == "uci-sprint-8"
    q = heat(comp, "Q")
    assert q["ready"] and heat(comp, "1/4-1#1")["status"] == "virtual"
    # A match heat cannot be entered before its riders are known.
    r = await save(c, world, comp, "1/4-1#1", [{"rider_id": q["riders"][0]["rider_id"], "place": 1}])
    assert r.status_code == 409 and r.json()["code"] == "heat_not_ready"
    r = await save(c, world, comp, "Q", qualifying_times(comp))
    assert r.status_code == 200, r.text
    comp = await competition(c, world, comp["id"])
    qf1 = heat(comp, "1/4-1#1")
    ids = [e["rider"] for e in comp["entries"]]
    assert [r["rider_id"] for r in qf1["riders"]] == [ids[0], ids[7]]  # 1 v 8
    for contest in ("1/4-1", "1/4-2", "1/4-3", "1/4-4", "1/2-1", "1/2-2", "final-1", "final-3"):
        comp = await win_match(c, world, comp["id"], contest)
    assert comp["complete"] and comp["status"] == "finished"
    assert [p["rider_id"] for p in comp["classification"][:4]] == [ids[0], ids[1], ids[3], ids[2]]
    assert len(comp["classification"]) == 8
    # Correct the qualifying: rider 8 was fastest. The quarter-final 1 v 8 re-flows and the
    # results entered for the old start lists are stale.
    times = qualifying_times(comp)
    times[7]["time"] = "9.900"
    r = await save(c, world, comp, "Q", times)
    assert r.status_code == 200
    assert "1/4-1#1" in r.json()["stale"]
    comp = await competition(c, world, comp["id"])
    assert [x["rider_id"] for x in heat(comp, "1/4-1#1")["riders"]] == [ids[7], ids[6]]
    assert not comp["complete"] and heat(comp, "1/4-1#1")["stale"]
    # Void the stale heat: it is ready again.
    r = await c.post(f"/api/v1/meets/{world['meet']['id']}/competitions/{comp['id']}/results/void",
                     json={"heat_id": "1/4-1#1", "version": comp["version"]}, headers=world["org"])
    assert r.status_code == 200
    comp = await competition(c, world, comp["id"])
    assert heat(comp, "1/4-1#1")["ready"] and not heat(comp, "1/4-1#1")["stale"]


async def test_bad_results_change_nothing(world):
    c = world["client"]
    comp = await sprint(c, world, 8)
    riders = [r["rider_id"] for r in heat(comp, "Q")["riders"]]
    cases = [
        ([{"rider_id": riders[0], "time": "ten"}], 422),
        ([{"rider_id": riders[0]}], 422),  # no time, status OK
        ([{"rider_id": 999999, "time": "10.000"}], 422),
        ([{"rider_id": riders[0], "time": "10.0"}, {"rider_id": riders[0], "time": "10.1"}], 422),
        ([{"rider_id": riders[0], "time": "10.0", "status": "XYZ"}], 400),
    ]
    for lines, status in cases:
        r = await save(c, world, comp, "Q", lines)
        assert r.status_code == status, (lines, r.text)
        assert r.json()["detail"]
    r = await save(c, world, comp, "nope", [{"rider_id": riders[0], "time": "10.0"}])
    assert r.status_code == 404
    assert await HeatResultRow.count() == 0
    assert (await competition(c, world, comp["id"]))["version"] == 0
    # DNS needs no time; a DNF rider in a qualifying is ranked last.
    r = await save(c, world, comp, "Q", [{"rider_id": riders[0], "status": "DNS"}])
    assert r.status_code == 200


async def test_a_save_typed_against_an_old_version_is_refused(world):
    c = world["client"]
    comp = await sprint(c, world, 8)
    first = await save(c, world, comp, "Q", qualifying_times(comp))
    assert first.status_code == 200 and first.json()["version"] == 1
    again = await save(c, world, comp, "Q", qualifying_times(comp), version=0)
    assert again.status_code == 409 and again.json()["code"] == "stale_version"
    assert again.json()["version"] == 1


async def test_omnium_points_table(world):
    c = world["client"]
    r = await c.get(f"/api/v1/meets/{world['meet']['id']}")
    comp = await sprint(c, world, 8, discipline="omnium")
    if not comp["table"]:
        pytest.skip("no omnium progression table shipped yet")
    riders = [e["rider"] for e in comp["entries"]]
    race_heats = [h for h in comp["heats"] if h["ready"]]
    for k, h in enumerate(race_heats):
        order = riders[k:] + riders[:k]  # a different winner each race
        lines = [{"rider_id": r, "place": i + 1} for i, r in enumerate(order)]
        if "points" in h["phase"].lower():
            lines = [{"rider_id": r, "place": i + 1, "points": 10 - i} for i, r in enumerate(order)]
        r = await save(c, world, comp, h["heat_id"], lines)
        assert r.status_code == 200, r.text
        comp = await competition(c, world, comp["id"])
        waiting = [x for x in comp["heats"] if not x["entered"]]
        if waiting:  # the next race's start order follows the current standing
            standing = [o["rider_id"] for o in comp["omnium"]]
            assert [x["rider_id"] for x in waiting[0]["riders"]] == standing
    assert comp["omnium"] and len(comp["omnium"]) == len(riders)
    assert comp["complete"]
    assert [p["rider_id"] for p in comp["classification"]] == [o["rider_id"] for o in comp["omnium"]]
    assert comp["omnium"][0]["total"] == sum(comp["omnium"][0]["race_points"])


async def test_seeding_and_withdrawal_before_the_start_only(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    comp = await sprint(c, world, 9)
    url = f"/api/v1/meets/{meet_id}/competitions/{comp['id']}"
    ids = [e["rider"] for e in comp["entries"]]
    r = await c.put(f"{url}/seeding", json={"rider_ids": ids[:3]}, headers=org)
    assert r.status_code == 422
    r = await c.put(f"{url}/seeding", json={"rider_ids": list(reversed(ids))}, headers=org)
    assert r.status_code == 200 and [e["rider"] for e in r.json()] == list(reversed(ids))
    r = await c.delete(f"{url}/entries/{ids[0]}", headers=org)
    assert r.status_code == 200 and len(r.json()) == 8
    comp = await competition(c, world, comp["id"])
    assert (await save(c, world, comp, "Q", qualifying_times(comp))).status_code == 200
    r = await c.delete(f"{url}/entries/{ids[1]}", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "started"
    r = await c.put(f"{url}/seeding", json={"rider_ids": ids[1:]}, headers=org)
    assert r.status_code == 409
