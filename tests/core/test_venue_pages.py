"""Venue pages (home, week calendar, event page, booking, organiser forms) and the
iCalendar feeds."""

from __future__ import annotations

import json
import re

from icalendar import Calendar

from podium.core.testing import DEFAULT_PASSWORD
from podium.core.venue import rules, service
from podium.core.venue.tables import Booking, Event
from podium.tests.core.test_venue_support import TZ, at, base_day, bearer_for, event_body, iso, quick_user, seed_venue


async def _organiser_api(client):
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    return ids, org


async def test_home_shows_now_next_and_today(podium_client):
    empty = await podium_client.get("/")
    assert empty.status_code == 200 and "podium demo" in empty.text
    ids, org = await _organiser_api(podium_client)
    await podium_client.post("/api/v1/events", json=event_body([ids["track"]], title="Keirin night"), headers=org)
    page = await podium_client.get("/")
    assert "Keirin night" in page.text and "Next" in page.text and "Test velodrome" in page.text


async def test_week_calendar_and_htmx_navigation(podium_client):
    ids, org = await _organiser_api(podium_client)
    await podium_client.post("/api/v1/events", json=event_body([ids["track"]], title="Sprint day", day=2), headers=org)
    await podium_client.post("/api/v1/events", json=event_body([ids["arena"]], title="LAN", day=3), headers=org)
    week = rules.iso_week_of(base_day())
    page = await podium_client.get(f"/calendar?week={week}")
    assert page.status_code == 200 and "Sprint day" in page.text and "LAN" in page.text
    assert page.text.count('<section class="day') == 7 and "<header class=\"site\"" in page.text
    assert 'hx-target="#calendar"' in page.text and 'hx-push-url="true"' in page.text
    assert 'href="/static/venue/venue.css"' in page.text
    # htmx asks for the next week: only the calendar container comes back.
    next_week = rules.iso_week_of(base_day() + rules.timedelta(days=7))
    partial = await podium_client.htmx("GET", f"/calendar?week={next_week}")
    assert partial.status_code == 200 and 'id="calendar"' in partial.text
    assert "<header class=\"site\"" not in partial.text and "Sprint day" not in partial.text
    filtered = await podium_client.get(f"/calendar?week={week}&space={ids['arena']}")
    assert "LAN" in filtered.text and "Sprint day" not in filtered.text
    for bad in ("2026-W99", "yesterday", "2026-W1"):
        assert (await podium_client.get(f"/calendar?week={bad}")).status_code == 422
    assert (await podium_client.get(f"/calendar?week={week}&space=4242")).status_code == 404
    css = await podium_client.get("/static/venue/venue.css")
    assert css.status_code == 200 and "repeat(7" in css.text


def test_a_day_of_the_calendar_shows_an_event_over_several_days_as_such():
    """Each day shows where the event begins, continues and ends, not the same start and
    end times on every day (a track meet from Wednesday 14:00 to Thursday 22:30)."""
    from podium.core.venue.routes import Clock

    clock = Clock("Europe/Paris")
    day = {n: base_day() + rules.timedelta(days=n) for n in range(5)}
    meet = {"starts_at": at(1, 14), "ends_at": at(3, 22, 30)}
    assert [clock.on_day(meet, day[n]) for n in (1, 2, 3)] == ["14:00 →", "all day", "→ 22:30"]
    assert clock.on_day(meet, day[4]) == "14:00–22:30"  # not one of its days: the plain span
    # Ending at midnight: the evening is all of it.
    assert clock.on_day({"starts_at": at(1, 20), "ends_at": at(2, 0)}, day[1]) == "20:00–00:00"
    assert clock.on_day({"starts_at": at(1, 9), "ends_at": at(1, 10)}, day[1]) == "09:00–10:00"


async def test_the_calendar_spreads_an_event_over_its_days(podium_client):
    ids, org = await _organiser_api(podium_client)
    made = await podium_client.post("/api/v1/events", headers=org, json={
        **event_body([ids["track"]], title="Two-day meet"), "start": iso(1, 14), "end": iso(2, 22, 30)})
    assert made.status_code == 201, made.text
    page = (await podium_client.get(f"/calendar?week={rules.iso_week_of(base_day())}")).text
    slots = re.findall(r'<span class="slot-time">([^<]+)</span>\s*<span class="slot-title">Two-day meet', page)
    assert slots == ["14:00 →", "→ 22:30"]


async def test_event_page_booking_and_live_places(podium_client, podium_app):
    ids, org = await _organiser_api(podium_client)
    event = (await podium_client.post(
        "/api/v1/events", json=event_body([ids["lounge"]], capacity=4, kind="public_session", title="Drop-in"),
        headers=org)).json()
    anonymous = await podium_client.get(f"/events/{event['id']}")
    assert "Log in to book" in anonymous.text
    assert f'sse-connect="/-/events?topics=event-{event["id"]}"' in anonymous.text
    assert f'sse-swap="places-{event["id"]}"' in anonymous.text
    await quick_user("fanny", "fan")
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    channels = podium_app.state.channels
    async with channels.start_subscription([f"event-{event['id']}"]) as subscriber:
        r = await podium_client.htmx("POST", f"/events/{event['id']}/book", data={"places": "3"})
        assert r.status_code == 200 and "Booked. 1 place left." in r.text
        assert "Cancel my booking" in r.text
        message = json.loads(await _next(subscriber))
        assert message["event"] == f"places-{event['id']}"
        assert re.search(r">1</strong> of 4 places left", message["data"])
    full = await podium_client.htmx("POST", f"/events/{event['id']}/book", data={"places": "2"})
    assert "already have a booking" in full.text
    bookings = await podium_client.get("/me/bookings")
    assert "Drop-in" in bookings.text and "3 places" in bookings.text
    booking_id = (await Booking.select(Booking.id).first())["id"]
    r = await podium_client.form_post(f"/bookings/{booking_id}/cancel", {"next": "/me/bookings"})
    assert r.status_code == 303 and r.headers["location"] == "/me/bookings"
    assert (await service.get_event(event["id"]))["remaining"] == 4


async def _next(subscriber):
    import asyncio

    async def first():
        async for raw in subscriber.iter_events():
            return raw

    return await asyncio.wait_for(first(), timeout=5)


async def test_organiser_form_create_conflict_acknowledge_edit_cancel(podium_client):
    ids, org = await _organiser_api(podium_client)
    await podium_client.login("olga", DEFAULT_PASSWORD)
    form = await podium_client.get("/events/new")
    assert form.status_code == 200 and 'name="acknowledge_conflicts"' not in form.text
    assert "Track meet" in form.text  # the cycling plugin's kind
    local = lambda day, hour: at(day, hour).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    values = {"title": "Warm-up", "kind": "training", "starts_at": local(0, 10),
              "ends_at": local(0, 12), "spaces": str(ids["infield"]), "capacity": "",
              "setup_minutes": "0", "teardown_minutes": "0", "description": ""}
    r = await podium_client.form_post("/events/new", values)
    assert r.status_code == 303
    first_id = int(r.headers["location"].rsplit("/", 1)[1])
    # Same slot again in the warn-policy infield: a warning with an acknowledge box.
    r = await podium_client.form_post("/events/new", {**values, "title": "Second"})
    assert r.status_code == 409 and 'name="acknowledge_conflicts"' in r.text and "Warm-up" in r.text
    assert 'value="Second"' in r.text  # the form keeps what was typed
    r = await podium_client.form_post("/events/new", {**values, "title": "Second", "acknowledge_conflicts": "on"})
    assert r.status_code == 303
    # Track (error policy): no acknowledge box.
    await podium_client.form_post("/events/new", {**values, "spaces": str(ids["track"]), "title": "Track A"})
    r = await podium_client.form_post("/events/new", {**values, "spaces": str(ids["track"]), "title": "Track B",
                                                      "acknowledge_conflicts": "on"})
    assert r.status_code == 409 and 'name="acknowledge_conflicts"' not in r.text and "not allowed" in r.text
    # Bad input: a form message, nothing written.
    before = await Event.count()
    for bad in ({"ends_at": local(0, 9)}, {"title": ""}, {"starts_at": "soon"}, {"spaces": "9999"},
                {"capacity": "lots"}, {"rule": "FREQ=YEARLY"}, {"kind": "nope"}):
        r = await podium_client.form_post("/events/new", {**values, **bad, "spaces": bad.get("spaces", str(ids["lounge"]))})
        assert r.status_code in (400, 422), bad
        assert 'class="form-error"' in r.text, bad
    assert await Event.count() == before
    # Edit keeps the id and the iCalendar UID.
    uid = (await service.get_event(first_id))["uid"]
    edit = await podium_client.get(f"/events/{first_id}/edit")
    assert 'value="Warm-up"' in edit.text
    r = await podium_client.form_post(f"/events/{first_id}/edit", {**values, "title": "Warm-up (moved)",
                                                                   "starts_at": local(1, 8), "ends_at": local(1, 9)})
    assert r.status_code == 303
    edited = await service.get_event(first_id)
    assert edited["title"] == "Warm-up (moved)" and edited["uid"] == uid and edited["sequence"] == 1
    r = await podium_client.form_post(f"/events/{first_id}/cancel")
    assert r.status_code == 303 and (await service.get_event(first_id))["status"] == "cancelled"


async def test_form_creates_a_series_and_a_date_is_cancelled(podium_client):
    ids, org = await _organiser_api(podium_client)
    await podium_client.login("olga", DEFAULT_PASSWORD)
    local = lambda day, hour: at(day, hour).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    r = await podium_client.form_post("/events/new", {
        "title": "Track initiation", "kind": "public_session", "starts_at": local(0, 9),
        "ends_at": local(0, 10), "spaces": str(ids["track"]), "capacity": "12",
        "rule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"})
    assert r.status_code == 303, r.text
    page = await podium_client.get(r.headers["location"])
    assert "every week on Monday and Wednesday, 4 times" in page.text and "Cancel this date" in page.text
    french = await podium_client.get(r.headers["location"], headers={"Accept-Language": "fr"})
    assert "toutes les semaines le lundi et mercredi, 4 fois" in french.text
    assert await Event.count() == 4


async def test_the_repeat_picker_makes_a_series_without_typing_a_rule(podium_client):
    """Every week on Tuesday and Thursday, four dates, chosen from the form's picker; asking
    for both a number of dates and a last date is refused on the form, nothing created."""
    ids, _org = await _organiser_api(podium_client)
    await podium_client.login("olga", DEFAULT_PASSWORD)
    local = lambda day, hour: at(day, hour).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    form = {"title": "Sprint school", "kind": "public_session", "starts_at": local(1, 18),
            "ends_at": local(1, 19), "spaces": str(ids["track"]), "capacity": "10",
            "repeat": "WEEKLY", "repeat_days": ["TU", "TH"], "repeat_count": "4"}
    both = await podium_client.form_post("/events/new", {**form, "repeat_until": "2027-06-30"})
    assert both.status_code == 422 and "not both" in both.text and await Event.count() == 0
    assert 'value="TU" checked' in both.text  # the form comes back as it was filled
    r = await podium_client.form_post("/events/new", form)
    assert r.status_code == 303, r.text
    starts = [row["starts_at"] for row in await Event.select(Event.starts_at).order_by(Event.starts_at)]
    assert len(starts) == 4
    assert [rules.wall_time(s, "Europe/Paris").strftime("%a %H:%M") for s in starts] == [
        "Tue 18:00", "Thu 18:00", "Tue 18:00", "Thu 18:00"]


async def test_ical_feeds_have_stable_uids_and_exdates(podium_client):
    ids, org = await _organiser_api(podium_client)
    one_off = (await podium_client.post("/api/v1/events", json=event_body([ids["arena"]], title="LAN"),
                                        headers=org)).json()
    series = (await podium_client.post("/api/v1/series", json={
        "title": "Drop-in", "kind": "public_session", "rule": "FREQ=DAILY;COUNT=4",
        "first_start": iso(0, 17), "duration_minutes": 120, "spaces": [ids["lounge"]], "capacity": 8},
        headers=org)).json()
    url = f"/venues/{ids['venue']}/calendar.ics"

    async def fetch(path=url):
        r = await podium_client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
        return Calendar.from_ical(r.content)

    def uids(cal):
        return sorted(str(c["UID"]) for c in cal.walk("VEVENT"))

    first, second = await fetch(), await fetch()
    assert uids(first) == uids(second) == sorted([one_off["uid"], series["uid"]])
    master = next(c for c in first.walk("VEVENT") if str(c["UID"]) == series["uid"])
    assert master["RRULE"]["FREQ"] == ["DAILY"] and master["RRULE"]["COUNT"] == [4]
    assert "EXDATE" not in master
    assert first.walk("VTIMEZONE") and str(master["DTSTART"].params["TZID"]) == "Europe/Paris"
    # Edit the one-off and cancel the second date: UIDs stay, EXDATE appears.
    await podium_client.patch(f"/api/v1/events/{one_off['id']}", json={"title": "LAN party"}, headers=org)
    second_date = series["occurrences"][1]
    await podium_client.patch(f"/api/v1/events/{second_date['event_id']}", json={"status": "cancelled"}, headers=org)
    moved = series["occurrences"][2]["event_id"]
    await podium_client.patch(f"/api/v1/events/{moved}", json={"start": iso(2, 18), "end": iso(2, 20)}, headers=org)
    after = await fetch()
    assert sorted(set(uids(after))) == sorted([one_off["uid"], series["uid"]])
    lan = next(c for c in after.walk("VEVENT") if str(c["UID"]) == one_off["uid"])
    assert str(lan["SUMMARY"]) == "LAN party" and int(lan["SEQUENCE"]) == 1
    master = next(c for c in after.walk("VEVENT") if str(c["UID"]) == series["uid"] and "RRULE" in c)
    exdates = [d.dt for e in ([master["EXDATE"]] if not isinstance(master["EXDATE"], list) else master["EXDATE"]) for d in e.dts]
    assert [d.astimezone(rules.timezone.utc) for d in exdates] == [
        rules.datetime.fromisoformat(second_date["start"].replace("Z", "+00:00"))]
    override = next(c for c in after.walk("VEVENT") if "RECURRENCE-ID" in c)
    assert str(override["UID"]) == series["uid"] and override["DTSTART"].dt.hour == 18
    # Per-space feed: only that space's events.
    lounge = await fetch(f"/venues/{ids['venue']}/spaces/{ids['lounge']}/calendar.ics")
    assert set(uids(lounge)) == {series["uid"]}
    assert (await podium_client.get(f"/venues/{ids['venue']}/spaces/4242/calendar.ics")).status_code == 404
    assert (await podium_client.get("/venues/4242/calendar.ics")).status_code == 404


async def test_nav_items_by_role(podium_client):
    await seed_venue()
    anonymous = await podium_client.get("/calendar")
    assert ">Calendar<" in anonymous.text and "My bookings" not in anonymous.text
    await quick_user("fanny", "fan")
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    fan = await podium_client.get("/calendar")
    assert "My bookings" in fan.text and "New event" not in fan.text and "/admin/plugins" not in fan.text
    # A person's own pages sit under their name, not in the main bar.
    main_bar = fan.text.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    account_menu = fan.text.split('class="account-menu"', 1)[1].split("</details>", 1)[0]
    assert ">Calendar<" in main_bar and "/me/bookings" not in main_bar
    assert "/me/bookings" in account_menu and "/calendar" not in account_menu
    await podium_client.logout()
    await quick_user("root", "admin")
    await podium_client.login("root", DEFAULT_PASSWORD)
    admin = await podium_client.get("/calendar")
    assert "New event" in admin.text and "/admin/plugins" in admin.text


async def test_openapi_documents_the_venue_api(podium_client):
    schema = (await podium_client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in ("/api/v1/venues", "/api/v1/venues/{venue_id}", "/api/v1/events",
                 "/api/v1/events/{event_id}", "/api/v1/events/{event_id}/bookings", "/api/v1/series"):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/events"]["get"]["parameters"]}
    assert {"from", "to", "space", "kind", "limit", "offset"} <= params
    assert paths["/api/v1/events"]["post"]["tags"] == ["events"]


async def test_the_event_page_says_when_an_event_is_on_now_or_over(podium_client):
    """Beside its kind, an event under way reads "on now" and a past one "over"
    ("terminé" in French); a coming one neither."""
    from datetime import datetime, timedelta, timezone

    ids, org = await _organiser_api(podium_client)
    made = await podium_client.post("/api/v1/events", json=event_body([ids["track"]]), headers=org)
    event_id = made.json()["id"]
    url = f"/events/{event_id}"
    page = (await podium_client.get(url)).text
    assert 'data-testid="event-over"' not in page and 'data-testid="event-on-now"' not in page
    now = datetime.now(timezone.utc)
    await Event.update({Event.starts_at: now - timedelta(hours=1),
                        Event.ends_at: now + timedelta(hours=1)}).where(Event.id == event_id)
    assert ">on now</span>" in (await podium_client.get(url)).text
    await Event.update({Event.starts_at: now - timedelta(days=2),
                        Event.ends_at: now - timedelta(days=2, hours=-2)}).where(Event.id == event_id)
    assert ">over</span>" in (await podium_client.get(url)).text
    french = await podium_client.get(url, headers={"Accept-Language": "fr"})
    assert ">terminé</span>" in french.text
    # On the week calendar a past slot is dimmed and offers no places left.
    await Event.update({Event.capacity: 10}).where(Event.id == event_id)
    week = rules.iso_week_of(rules.wall_time(now - timedelta(days=2), TZ).date())
    calendar = (await podium_client.get(f"/calendar?week={week}")).text
    slot = calendar.split(f'data-event-id="{event_id}"')[0].rsplit("<a ", 1)[1]
    assert "is-over" in slot and "10 left" not in calendar
