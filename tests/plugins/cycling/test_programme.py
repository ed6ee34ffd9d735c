"""The meet's programme: the problem built from the meet (phases per round, the track's
other events blocked), scheduled by the registered CP-SAT scheduler, pinned, published as
versions, and served as iCalendar with stable UIDs and SEQUENCE per version."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from podium.core.venue.contracts import ProgrammeProblem
from podium.plugins.cycling import programme
from podium.tests.core.test_venue_support import event_body, iso

from .meet_support import meet_world, sprint


@pytest.fixture
async def world(podium_client):
    w = await meet_world(podium_client)
    w["client"] = podium_client
    w["comp"] = await sprint(podium_client, w, 8)
    return w


def _placements(draft):
    return {p["phase"]: p for p in draft["placements"]}


async def test_problem_has_a_phase_per_round_with_its_heats(world):
    problem, phases = await programme.build_problem(world["meet"]["id"])
    assert isinstance(problem, ProgrammeProblem)
    cid = world["comp"]["id"]
    assert [p.id for p in problem.phases] == [f"c{cid}:Q", f"c{cid}:QF", f"c{cid}:SF", f"c{cid}:F"]
    qf = problem.phases[1]
    assert qf.after == (f"c{cid}:Q",) and len(qf.heats) == 12  # 4 contests × best of 3
    assert {h.race for h in qf.heats} == {1, 2, 3}
    assert problem.phases[0].minutes == 8  # one minute per qualifying rider
    final = problem.phases[-1]
    assert final.final and final.wish_part == "evening" and final.ceremony_minutes > 0
    assert [s.part for s in problem.sessions] == ["afternoon", "evening"] * 2
    assert problem.recovery_minutes == {"sprint": 30}


async def test_schedule_pin_publish_and_the_feed(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/schedule", headers=org)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["status"] in ("optimal", "feasible") and draft["solver"] == "cp_sat"
    placed = _placements(draft)
    cid = world["comp"]["id"]
    order = [f"c{cid}:{p}" for p in ("Q", "QF", "SF", "F")]
    assert set(placed) == set(order)
    for before, after in zip(order, order[1:]):
        assert placed[before]["end"] <= placed[after]["start"]
    evening = {s["id"] for s in world["sessions"] if "evening" in s["name"]}
    assert placed[order[-1]]["session"] in evening
    # Nothing is public before publishing.
    assert (await c.get(f"/api/v1/meets/{meet_id}/programme")).status_code == 404
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/publish", headers=org)
    assert r.status_code == 201 and r.json()["number"] == 1
    feed = Calendar.from_ical((await c.get(f"/meets/{meet_id}/programme.ics")).content)
    first = {str(e["summary"]): (str(e["uid"]), int(e["sequence"])) for e in feed.walk("VEVENT")}
    assert len(first) == 4 and all(seq == 1 for _uid, seq in first.values())
    # Move the qualifying to day 2 afternoon and pin it: the rest follows it.
    day2 = world["sessions"][2]
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/pins", json={
        "phase": order[0], "session_id": day2["id"], "starts_at": iso(2, 14, 30)}, headers=org)
    assert r.status_code == 200, r.text
    moved = _placements(r.json())
    assert moved[order[0]]["session"] == day2["id"]
    assert datetime.fromisoformat(moved[order[0]]["start"]) == datetime.fromisoformat(iso(2, 14, 30))
    assert all(moved[o]["start"] >= moved[order[0]]["end"] for o in order[1:])
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/publish", headers=org)
    assert r.json()["number"] == 2
    feed = Calendar.from_ical((await c.get(f"/meets/{meet_id}/programme.ics")).content)
    second = {str(e["summary"]): (str(e["uid"]), int(e["sequence"])) for e in feed.walk("VEVENT")}
    assert {k: v[0] for k, v in second.items()} == {k: v[0] for k, v in first.items()}
    qual = next(k for k in second if "Qualifying" in k)
    assert second[qual][1] == 2
    # Version 1 is still readable as it was.
    v1 = (await c.get(f"/api/v1/meets/{meet_id}/programme/versions/1")).json()
    assert _placements(v1)[order[0]]["session"] != day2["id"]
    assert (await c.get(f"/api/v1/meets/{meet_id}/programme")).json()["number"] == 2


async def test_the_tracks_other_events_are_blocked(podium_client):
    c = podium_client
    w = await meet_world(c)
    w["client"] = c
    ids, org = w["ids"], w["org"]
    # A warn-policy space as the meet's "track" lets another event overlap it (acknowledged).
    r = await c.post("/api/v1/meets", json={"name": "Infield meet", "starts_at": iso(4, 9),
                                            "ends_at": iso(4, 23), "track_space_id": ids["infield"]},
                     headers=org)
    assert r.status_code == 201, r.text
    meet_id = r.json()["id"]
    session = (await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Afternoon", "starts_at": iso(4, 13), "ends_at": iso(4, 19)}, headers=org)).json()
    busy = event_body([ids["infield"]], day=4, start=13, end=16, title="School visit",
                      acknowledge_conflicts=True)
    r = await c.post("/api/v1/events", json=busy, headers=org)
    assert r.status_code == 201, r.text
    w["meet"] = {"id": meet_id}
    await sprint(c, w, 8, discipline="scratch")
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/schedule", headers=org)
    draft = r.json()
    assert draft["placements"], draft
    for p in draft["placements"]:
        assert datetime.fromisoformat(p["start"]) >= datetime.fromisoformat(iso(4, 16))
    assert any("School visit" in e for e in draft["explanations"])
    assert session["id"] == draft["placements"][0]["session"]


async def test_programme_refusals(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/publish", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "no_draft"
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/pins", json={
        "phase": "c999:Q", "session_id": world["sessions"][0]["id"]}, headers=org)
    assert r.status_code == 404
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/pins", json={
        "phase": f"c{world['comp']['id']}:Q", "session_id": world["sessions"][0]["id"],
        "starts_at": iso(2, 14)}, headers=org)
    assert r.status_code == 422 and "within the session" in r.json()["detail"]
    assert (await c.post(f"/api/v1/meets/{meet_id}/programme/schedule",
                         headers=world["fan"])).status_code == 403


@pytest.mark.hooks("podium_events_changed")
async def test_a_change_on_the_track_flags_the_draft(podium_client):
    c = podium_client
    w = await meet_world(c)
    ids, org = w["ids"], w["org"]
    r = await c.post("/api/v1/meets", json={"name": "Infield meet", "starts_at": iso(4, 9),
                                            "ends_at": iso(4, 23), "track_space_id": ids["infield"]},
                     headers=org)
    meet_id = r.json()["id"]
    await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Afternoon", "starts_at": iso(4, 13), "ends_at": iso(4, 19)}, headers=org)
    w["meet"] = {"id": meet_id}
    await sprint(c, w, 8, discipline="scratch")
    draft = (await c.post(f"/api/v1/meets/{meet_id}/programme/schedule", headers=org)).json()
    assert not any("calendar changed" in e for e in draft["explanations"])
    # An event elsewhere changes nothing; one on the meet's track flags the draft.
    await c.post("/api/v1/events", json=event_body([ids["arena"]], day=4, title="Gaming"),
                 headers=org)
    await c.post("/api/v1/events", json=event_body([ids["infield"]], day=4, start=17, end=18,
                                                   title="Photo shoot",
                                                   acknowledge_conflicts=True), headers=org)
    draft = (await c.get(f"/api/v1/meets/{meet_id}/programme?draft=true", headers=org)).json()
    notes = [e for e in draft["explanations"] if "calendar changed" in e]
    assert len(notes) == 1 and "Photo shoot" in notes[0]
