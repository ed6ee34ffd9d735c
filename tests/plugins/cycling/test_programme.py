"""The meet's programme: the problem built from the meet (phases per round, the track's
other events blocked), scheduled by the registered CP-SAT scheduler, pinned, published as
versions, and served as iCalendar with stable UIDs and SEQUENCE per version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from icalendar import Calendar

from podium.core.testing import DEFAULT_PASSWORD
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
    [busy] = [e for e in draft["explanations"] if e["code"] == "track_busy"]
    assert "School visit" in busy["detail"] and "UTC" not in busy["detail"]
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


async def infield_meet(c: Any, session_ends: int) -> tuple[dict[str, Any], int]:
    """A meet on the infield track (day 4) with one afternoon session from 13:00 to
    ``session_ends``; the world (``meet`` set) and the meet's id."""
    w = await meet_world(c)
    r = await c.post("/api/v1/meets", json={"name": "Infield meet", "starts_at": iso(4, 9),
                                            "ends_at": iso(4, 23),
                                            "track_space_id": w["ids"]["infield"]},
                     headers=w["org"])
    meet_id = r.json()["id"]
    await c.post(f"/api/v1/meets/{meet_id}/sessions", json={
        "name": "Afternoon", "starts_at": iso(4, 13), "ends_at": iso(4, session_ends)},
        headers=w["org"])
    w["meet"] = {"id": meet_id}
    return w, meet_id


@pytest.mark.hooks("podium_events_changed")
async def test_a_change_on_the_track_flags_the_draft(podium_client):
    c = podium_client
    w, meet_id = await infield_meet(c, 19)
    ids, org = w["ids"], w["org"]
    await sprint(c, w, 8, discipline="scratch")
    draft = (await c.post(f"/api/v1/meets/{meet_id}/programme/schedule", headers=org)).json()
    assert not any(e["code"] == "calendar_changed" for e in draft["explanations"])
    # An event elsewhere changes nothing; one on the meet's track flags the draft.
    await c.post("/api/v1/events", json=event_body([ids["arena"]], day=4, title="Gaming"),
                 headers=org)
    await c.post("/api/v1/events", json=event_body([ids["infield"]], day=4, start=17, end=18,
                                                   title="Photo shoot",
                                                   acknowledge_conflicts=True), headers=org)
    draft = (await c.get(f"/api/v1/meets/{meet_id}/programme?draft=true", headers=org)).json()
    notes = [e["detail"] for e in draft["explanations"] if e["code"] == "calendar_changed"]
    assert len(notes) == 1 and "Photo shoot" in notes[0] and "calendar changed" in notes[0]


@pytest.mark.hooks("podium_routes", "podium_template_dirs", "podium_static_dirs",
                   "podium_nav_items", "podium_live_messages")
async def test_explanations_are_worded_for_each_reader(podium_client):
    """The scheduler's reasons are stored as codes: the organiser who schedules in French
    does not make the English reader read French (nor the other way round); a sentence
    stored before codes is still shown."""
    c = podium_client
    w, meet_id = await infield_meet(c, 16)
    ids, org = w["ids"], w["org"]
    # The track is taken for the whole session: nothing fits, and the draft says why.
    r = await c.post("/api/v1/events", json=event_body(
        [ids["infield"]], day=4, start=12, end=17, title="School visit",
        acknowledge_conflicts=True), headers=org)
    assert r.status_code == 201, r.text
    await sprint(c, w, 8)
    r = await c.post(f"/api/v1/meets/{meet_id}/programme/schedule?lang=fr", headers=org)
    assert r.status_code == 200, r.text
    french = {e["code"]: e["detail"] for e in r.json()["explanations"]}
    english = {e["code"]: e["detail"] for e in (await c.get(
        f"/api/v1/meets/{meet_id}/programme?draft=true&lang=en", headers=org)).json()[
        "explanations"]}
    assert set(french) == set(english) and {"track_busy", "no_fit"} <= set(french), french
    assert "La piste est occupée par School visit" in french["track_busy"]
    assert "The track is taken by School visit" in english["track_busy"]
    assert "Vitesse élite dames — Qualifications (200 m lancé) ne tient pas" in french["no_fit"]
    assert "Afternoon : la session est pleine" in french["no_fit"]
    assert "Elite women sprint — Qualifying (200 m flying time trial) does not fit" in english[
        "no_fit"]
    assert "the session is full" in english["no_fit"]
    for words in french.values():
        assert "does not fit" not in words and "taken by" not in words
    # Times in the venue's zone, not UTC (School visit: 12:00-17:00 Paris, buffers added).
    assert "UTC" not in english["track_busy"]
    await c.login("olga", DEFAULT_PASSWORD)
    page = (await c.get(f"/meets/{meet_id}/console?lang=fr")).text
    assert "ne tient pas" in page and 'data-code="no_fit"' in page
    # A draft stored before codes: its English sentence is shown as it is.
    row = await programme.ProgrammeVersion.select().where(
        programme.ProgrammeVersion.meet == meet_id).first()
    await programme.ProgrammeVersion.update({programme.ProgrammeVersion.explanations: [
        "Elite women sprint — Final does not fit in the sessions."]}).where(
        programme.ProgrammeVersion.id == row["id"])
    old = (await c.get(f"/api/v1/meets/{meet_id}/programme?draft=true&lang=fr",
                       headers=org)).json()["explanations"]
    assert old == [{"code": "text",
                    "detail": "Elite women sprint — Final does not fit in the sessions."}]
