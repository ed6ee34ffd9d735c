"""The venue's JSON API: venues, events, conflicts, series, bookings, hooks, role matrix."""

from __future__ import annotations

import pytest

from podium.core import PluginMeta, hookimpl
from podium.core.testing import DEFAULT_PASSWORD
from podium.core.venue.tables import Booking, Event
from podium.tests.core.test_venue_support import bearer_for, event_body, iso, quick_user, seed_venue


@pytest.fixture
async def api(podium_client, podium_db):
    """A seeded venue, an organiser and a fan, with their bearer headers."""
    ids = await seed_venue()
    return {
        "client": podium_client,
        "ids": ids,
        "org": await bearer_for(await quick_user("olga", "organiser")),
        "fan": await bearer_for(await quick_user("fred", "fan")),
    }


async def test_venues_list_and_detail(api):
    c, ids = api["client"], api["ids"]
    page = (await c.get("/api/v1/venues")).json()
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    detail = (await c.get(f"/api/v1/venues/{ids['venue']}")).json()
    assert [s["slug"] for s in detail["spaces"]] == ["track", "infield", "arena", "lounge"]
    assert detail["spaces"][1]["conflict_policy"] == "warn"
    assert (await c.get("/api/v1/venues/999")).json()["code"] == "not_found"


async def test_create_get_patch_delete_event(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    r = await c.post("/api/v1/events", json=event_body([ids["track"]], capacity=20), headers=org)
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["spaces"][0]["name"] == "Track" and event["remaining"] == 20
    assert event["start"].endswith("Z")
    got = (await c.get(f"/api/v1/events/{event['id']}")).json()
    assert got == event
    r = await c.patch(f"/api/v1/events/{event['id']}", json={"title": "Renamed", "capacity": None}, headers=org)
    assert r.status_code == 200 and r.json()["title"] == "Renamed" and r.json()["capacity"] is None
    assert r.json()["uid"] == event["uid"] and r.json()["sequence"] == 1
    assert (await c.delete(f"/api/v1/events/{event['id']}", headers=org)).status_code == 204
    assert (await c.get(f"/api/v1/events/{event['id']}")).status_code == 404


async def test_conflict_answer_and_acknowledgement(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    first = (await c.post("/api/v1/events", json=event_body([ids["infield"]]), headers=org)).json()
    clash = event_body([ids["infield"]], start=11, end=13, title="Overlap")
    r = await c.post("/api/v1/events", json=clash, headers=org)
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "conflict" and body["acknowledgeable"] is True
    assert body["conflicts"] == [{
        "event_id": first["id"], "title": "Club training", "space": "Infield",
        "space_id": ids["infield"], "policy": "warn",
        "start": body["conflicts"][0]["start"], "end": body["conflicts"][0]["end"],
    }]
    assert await Event.count() == 1  # nothing written
    r = await c.post("/api/v1/events", json={**clash, "acknowledge_conflicts": True}, headers=org)
    assert r.status_code == 201


async def test_error_policy_cannot_be_acknowledged(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    await c.post("/api/v1/events", json=event_body([ids["track"]]), headers=org)
    # Infield is "warn" but the track is "error": the track wins.
    clash = event_body([ids["track"], ids["infield"]], start=11, end=13, acknowledge_conflicts=True)
    r = await c.post("/api/v1/events", json=clash, headers=org)
    assert r.status_code == 409 and r.json()["acknowledgeable"] is False
    assert "does not allow" in r.json()["detail"]


async def test_buffers_count_and_touching_events_do_not_clash(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    assert (await c.post("/api/v1/events", json=event_body([ids["track"]], teardown_minutes=30),
                         headers=org)).status_code == 201
    # Starts when the first ends, but the first's teardown runs until 12:30.
    r = await c.post("/api/v1/events", json=event_body([ids["track"]], start=12, end=13), headers=org)
    assert r.status_code == 409
    r = await c.post("/api/v1/events", json=event_body([ids["track"]], start=12, end=13, title="Later")
                     | {"start": iso(0, 12, 30)}, headers=org)
    assert r.status_code == 201, r.text
    # A cancelled event frees its slot.
    other = (await c.post("/api/v1/events", json=event_body([ids["arena"]]), headers=org)).json()
    await c.patch(f"/api/v1/events/{other['id']}", json={"status": "cancelled"}, headers=org)
    assert (await c.post("/api/v1/events", json=event_body([ids["arena"]]), headers=org)).status_code == 201


async def test_patch_checks_conflicts_too(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    await c.post("/api/v1/events", json=event_body([ids["lounge"]]), headers=org)
    later = (await c.post("/api/v1/events", json=event_body([ids["lounge"]], start=14, end=15), headers=org)).json()
    move = {"start": iso(0, 11)}
    r = await c.patch(f"/api/v1/events/{later['id']}", json=move, headers=org)
    assert r.status_code == 409 and r.json()["acknowledgeable"] is True
    assert (await c.get(f"/api/v1/events/{later['id']}")).json()["start"] == later["start"]
    r = await c.patch(f"/api/v1/events/{later['id']}", json={**move, "acknowledge_conflicts": True}, headers=org)
    assert r.status_code == 200


@pytest.mark.parametrize(
    "change, status, field",
    [
        # Values outside the documented schema (ranges, lengths, enums) are a 400 naming
        # the field; values the schema allows but a rule refuses are a 422.
        ({"end": iso(0, 9)}, 422, "end after it starts"),
        ({"end": iso(0, 10)}, 422, "end after it starts"),
        ({"spaces": [424242]}, 422, "unknown space"),
        ({"spaces": []}, 400, "$.spaces"),  # the schema: 1 to 20 space ids
        ({"spaces": [99999999999]}, 400, "$.spaces[0]"),
        ({"kind": "quidditch"}, 422, "unknown event kind"),
        ({"title": "x" * 121}, 400, "length <= 120"),
        ({"title": "   "}, 422, "title is required"),
        ({"title": "Nul\x00byte"}, (400, 422), "NUL"),
        ({"description": "a\x00b"}, (400, 422), "NUL"),
        ({"title": "Bell\x07"}, 422, "control characters"),
        ({"start": "2026-13-45T10:00:00+01:00"}, 400, "start"),
        ({"start": "not a date"}, 400, "start"),
        ({"start": "2026-11-24T10:00:00"}, 422, "UTC offset"),
        ({"start": "1900-01-01T10:00:00Z"}, 422, "between 1970 and 2200"),
        ({"capacity": 0}, 400, "capacity"),
        ({"capacity": 10**20}, (400, 422), "capacity"),
        ({"setup_minutes": -5}, 400, "setup_minutes"),
        ({"teardown_minutes": 5000}, 400, "teardown_minutes"),
        ({"status": "postponed"}, 400, "status"),
        ({"acknowledge_conflict": True}, 400, "acknowledge_conflict"),
        ({"title": 42}, 400, "title"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(api, change, status, field):
    c, ids, org = api["client"], api["ids"], api["org"]
    r = await c.post("/api/v1/events", json={**event_body([ids["track"]]), **change}, headers=org)
    assert r.status_code in (status if isinstance(status, tuple) else (status,)), r.text
    body = r.json()
    # NUL characters are stopped by the web shell's edge guard before the service.
    assert body["code"] in ("invalid", "bad_request") and field.lower() in body["detail"].lower()
    assert await Event.count() == 0


async def test_list_filters_and_pagination(api):
    c, ids, org = api["client"], api["ids"], api["org"]
    for day in range(3):
        await c.post("/api/v1/events", json=event_body([ids["track"]], day=day), headers=org)
        await c.post("/api/v1/events", json=event_body([ids["arena"]], day=day, kind="private_hire"), headers=org)
    everything = (await c.get("/api/v1/events")).json()
    assert everything["total"] == 6
    starts = [e["start"] for e in everything["items"]]
    assert starts == sorted(starts)
    page = (await c.get("/api/v1/events", params={"limit": 4, "offset": 4})).json()
    assert page["total"] == 6 and len(page["items"]) == 2 and page["limit"] == 4
    by_space = (await c.get("/api/v1/events", params={"space": ids["arena"]})).json()
    assert by_space["total"] == 3 and all(e["spaces"][0]["id"] == ids["arena"] for e in by_space["items"])
    by_kind = (await c.get("/api/v1/events", params={"kind": "training"})).json()
    assert by_kind["total"] == 3
    window = (await c.get("/api/v1/events", params={"from": iso(1, 0), "to": iso(2, 0)})).json()
    assert window["total"] == 2
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"from": "yesterday"},
                   {"from": iso(2, 0), "to": iso(1, 0)}, {"status": "gone"}):
        r = await c.get("/api/v1/events", params=params)
        assert 400 <= r.status_code < 500 and r.json()["detail"], params


async def test_kinds_follow_plugin_activation(api):
    from podium.core.activation.service import set_enabled

    c, ids, org = api["client"], api["ids"], api["org"]
    body = event_body([ids["track"]], kind="track_meet", title="Grand Prix")
    assert (await c.post("/api/v1/events", json=body, headers=org)).status_code == 201
    host = c.client._transport.app.state.plugin_host
    await set_enabled(host, "cycling", "venue", ids["venue"], False)
    r = await c.post("/api/v1/events", json={**body, "start": iso(1, 10), "end": iso(1, 12)}, headers=org)
    assert r.status_code == 422 and "unknown event kind" in r.json()["detail"]


async def test_series_occurrences_cancel_one_date(api):
    c, ids, org, fan = api["client"], api["ids"], api["org"], api["fan"]
    body = {"title": "Drop-in gaming", "kind": "public_session", "rule": "FREQ=DAILY;COUNT=5",
            "first_start": iso(0, 17), "duration_minutes": 180, "spaces": [ids["lounge"]],
            "capacity": 8}
    r = await c.post("/api/v1/series", json=body, headers=org)
    assert r.status_code == 201, r.text
    series = r.json()
    assert series["rule"] == "FREQ=DAILY;COUNT=5" and len(series["occurrences"]) == 5
    listed = (await c.get("/api/v1/events", params={"kind": "public_session"})).json()
    assert listed["total"] == 5 and all(e["series_id"] == series["id"] for e in listed["items"])
    second = series["occurrences"][1]["event_id"]
    r = await c.patch(f"/api/v1/events/{second}", json={"status": "cancelled"}, headers=org)
    assert r.json()["status"] == "cancelled"
    others = [o["event_id"] for o in (await c.get(f"/api/v1/series/{series['id']}")).json()["occurrences"]
              if o["status"] == "scheduled"]
    assert len(others) == 4
    r = await c.post(f"/api/v1/events/{second}/bookings", json={"places": 1}, headers=fan)
    assert r.status_code == 409 and r.json()["code"] == "event_cancelled"
    r = await c.post(f"/api/v1/events/{others[0]}/bookings", json={"places": 2}, headers=fan)
    assert r.status_code == 201 and r.json()["remaining"] == 6
    # The series conflicts with itself when occurrences overlap, and with existing events.
    r = await c.post("/api/v1/series", json={**body, "duration_minutes": 24 * 60, "teardown_minutes": 30},
                     headers=org)
    assert r.status_code == 422 and "overlap each other" in r.json()["detail"]
    r = await c.post("/api/v1/series", json={**body, "title": "Clash"}, headers=org)
    assert r.status_code == 409 and r.json()["conflicts"][0]["occurrence_start"]
    r = await c.post("/api/v1/series", json={**body, "rule": "FREQ=HOURLY"}, headers=org)
    assert r.status_code == 422 and "FREQ must be" in r.json()["detail"]


async def test_bookings_capacity_and_cancellation(api):
    c, ids, org, fan = api["client"], api["ids"], api["org"], api["fan"]
    event = (await c.post("/api/v1/events", json=event_body([ids["lounge"]], capacity=3, kind="public_session"),
                          headers=org)).json()
    url = f"/api/v1/events/{event['id']}/bookings"
    r = await c.post(url, json={"places": 2}, headers=fan)
    assert r.status_code == 201
    assert r.json()["remaining"] == 1 and r.json()["booking"]["places"] == 2
    again = await c.post(url, json={"places": 1}, headers=fan)
    assert again.status_code == 409 and again.json()["code"] == "already_booked"
    gus = await bearer_for(await quick_user("gus", "player"))
    full = await c.post(url, json={"places": 2}, headers=gus)
    assert full.status_code == 409 and full.json()["code"] == "full" and full.json()["remaining"] == 1
    for bad in ({"places": 0}, {"places": 11}, {"places": "two"}, {"seats": 1}):
        assert (await c.post(url, json=bad, headers=gus)).status_code in (400, 422)
    mine = (await c.get("/api/v1/me/bookings", headers=fan)).json()
    assert mine["total"] == 1
    booking_id = mine["items"][0]["id"]
    assert (await c.delete(f"/api/v1/bookings/{booking_id}", headers=gus)).status_code == 404
    assert (await c.delete(f"/api/v1/bookings/{booking_id}", headers=fan)).status_code == 204
    assert (await c.get(f"/api/v1/events/{event['id']}")).json()["remaining"] == 3
    assert (await c.post(url, json={"places": 2}, headers=gus)).status_code == 201
    # Capacity cannot drop below what is booked, and a booked event is not deleted.
    r = await c.patch(f"/api/v1/events/{event['id']}", json={"capacity": 1}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "capacity_below_bookings"
    r = await c.delete(f"/api/v1/events/{event['id']}", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "has_bookings"
    not_bookable = (await c.post("/api/v1/events", json=event_body([ids["arena"]]), headers=org)).json()
    r = await c.post(f"/api/v1/events/{not_bookable['id']}/bookings", json={"places": 1}, headers=fan)
    assert r.json()["code"] == "not_bookable"


class AgeLimit:
    """A test plugin refusing bookings of more than 2 places and recording event changes."""

    PODIUM_PLUGIN = PluginMeta(name="age_limit", scope="venue")

    def __init__(self) -> None:
        self.changes: list[tuple[str, int]] = []

    @hookimpl
    async def podium_validate_booking(self, event, user, places):
        """Refuse groups above two."""
        return [f"groups of {places} need an adult on file"] if places > 2 else []

    @hookimpl
    def podium_events_changed(self, event):
        """Record what changed."""
        self.changes.extend((c.action, c.event_id) for c in event.changes)


async def test_booking_hook_refuses_and_changes_are_announced(podium_app_factory, podium_client_factory):
    from podium.core.activation.service import set_enabled

    plugin = AgeLimit()
    app = podium_app_factory(extra=[plugin])
    c = await podium_client_factory(app)
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    event = (await c.post("/api/v1/events", json=event_body([ids["lounge"]], capacity=10), headers=org)).json()
    r = await c.post(f"/api/v1/events/{event['id']}/bookings", json={"places": 3}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "booking_refused"
    assert r.json()["reasons"] == ["groups of 3 need an adult on file"]
    assert await Booking.count() == 0
    assert (await c.post(f"/api/v1/events/{event['id']}/bookings", json={"places": 2}, headers=org)).status_code == 201
    await c.patch(f"/api/v1/events/{event['id']}", json={"status": "cancelled"}, headers=org)
    assert plugin.changes == [("created", event["id"]), ("cancelled", event["id"])]
    # Disabled for the venue: its hooks are not called there.
    await set_enabled(app.state.plugin_host, "age_limit", "venue", ids["venue"], False)
    other = (await c.post("/api/v1/events", json=event_body([ids["arena"]], capacity=10), headers=org)).json()
    assert (await c.post(f"/api/v1/events/{other['id']}/bookings", json={"places": 3}, headers=org)).status_code == 201
    assert ("created", other["id"]) not in plugin.changes


# -- the role matrix -------------------------------------------------------------------

WRITE_ROUTES = [
    # (method, path template, json body factory, minimum role)
    ("POST", "/api/v1/events", lambda ids, eid: event_body([ids["track"]], day=5), "organiser"),
    ("PATCH", "/api/v1/events/{eid}", lambda ids, eid: {"title": "Changed"}, "organiser"),
    ("DELETE", "/api/v1/events/{eid}", None, "organiser"),
    ("POST", "/api/v1/series", lambda ids, eid: {
        "title": "S", "kind": "public_session", "rule": "FREQ=DAILY;COUNT=2",
        "first_start": iso(8, 9), "duration_minutes": 60, "spaces": [ids["arena"]]}, "organiser"),
    ("POST", "/api/v1/events/{eid}/bookings", lambda ids, eid: {"places": 1}, "user"),
    ("GET", "/api/v1/me/bookings", None, "user"),
    ("DELETE", "/api/v1/bookings/{bid}", None, "user"),
]
PAGE_WRITES = [
    ("GET", "/events/new", "organiser"),
    ("POST", "/events/new", "organiser"),
    ("GET", "/events/{eid}/edit", "organiser"),
    ("POST", "/events/{eid}/edit", "organiser"),
    ("POST", "/events/{eid}/cancel", "organiser"),
    ("POST", "/events/{eid}/book", "user"),
    ("POST", "/bookings/{bid}/cancel", "user"),
    ("GET", "/me/bookings", "user"),
]


@pytest.mark.parametrize("who", ["anonymous", "fan", "staff", "player", "organiser", "admin"])
async def test_role_matrix_api(podium_client, who):
    c = podium_client
    ids = await seed_venue()
    boss = await bearer_for(await quick_user("boss", "organiser"))
    headers = {}
    if who != "anonymous":
        headers = await bearer_for(await quick_user(f"u{who}", who))
    for method, template, body, needed in WRITE_ROUTES:
        event = (await c.post("/api/v1/events", json=event_body([ids["lounge"]], capacity=5, day=len(template)),
                              headers=boss)).json()
        booking = (await c.post(f"/api/v1/events/{event['id']}/bookings", json={"places": 1}, headers=boss)).json()
        path = template.format(eid=event["id"], bid=booking["booking"]["id"])
        if method == "DELETE" and "events" in path:
            await c.delete(f"/api/v1/bookings/{booking['booking']['id']}", headers=boss)
        kwargs = {"headers": headers}
        if body:
            kwargs["json"] = body(ids, event["id"])
        r = await c.request(method, path, **kwargs)
        if who == "anonymous":
            assert r.status_code == 401, (method, path, r.text)
        elif needed == "organiser" and who not in ("organiser", "admin"):
            assert r.status_code == 403, (method, path, r.text)
        elif needed == "user" and "bookings/" in path and who not in ("organiser", "admin"):
            # Someone else's booking is invisible, not forbidden.
            assert r.status_code == 404, (method, path, r.text)
        else:
            assert r.status_code < 300, (method, path, r.status_code, r.text)
        await c.delete(f"/api/v1/events/{event['id']}", headers=boss)
        await Booking.delete(force=True)
        await Event.delete(force=True)


@pytest.mark.parametrize("who", ["anonymous", "fan", "organiser"])
async def test_role_matrix_pages(podium_client, who):
    c = podium_client
    ids = await seed_venue()
    boss = await bearer_for(await quick_user("boss", "organiser"))
    event = (await c.post("/api/v1/events", json=event_body([ids["lounge"]], capacity=5), headers=boss)).json()
    booking = (await c.post(f"/api/v1/events/{event['id']}/bookings", json={"places": 1}, headers=boss)).json()
    if who != "anonymous":
        await quick_user(f"u{who}", who)
        await c.login(f"u{who}", DEFAULT_PASSWORD)
    for method, template, needed in PAGE_WRITES:
        path = template.format(eid=event["id"], bid=booking["booking"]["id"])
        if method == "GET":
            r = await c.get(path, follow_redirects=False)
        else:
            r = await c.form_post(path, {"title": "x"})
        if who == "anonymous":
            assert r.status_code in (302, 303, 401) and (r.status_code == 401 or "/login" in r.headers["location"]), (path, r.status_code)
        elif needed == "organiser" and who != "organiser":
            assert r.status_code == 403, (path, r.status_code)
        elif "bookings/" in path and who != "organiser":
            assert r.status_code == 404, (path, r.status_code)  # someone else's booking
        else:
            assert r.status_code < 500 and r.status_code not in (401, 403), (path, r.status_code)


async def test_core_kinds_survive_an_app_with_only_some_plugins(podium_app_factory, podium_client_factory):
    """``podium_app_factory(plugins=[...])`` filters out the venue's own plugin module; core
    kinds are still offered and the named plugin's kinds come from its hook."""
    c = await podium_client_factory(podium_app_factory(plugins=["cycling"]))
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    for day, kind in enumerate(["public_session", "track_meet"]):
        r = await c.post("/api/v1/events", json=event_body([ids["track"]], day=day, kind=kind), headers=org)
        assert r.status_code == 201, r.text
