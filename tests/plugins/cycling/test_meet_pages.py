"""The meet's pages as an organiser and a visitor use them: the console's forms (set-up,
pasted riders, results typed as times, schedule, move and pin, publish), the meet page,
the screen, rider profiles, the athlete slot; refusals re-render with the reason."""

from __future__ import annotations

import re

import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.plugins.cycling.tables import Competition, Entry, HeatResultRow, Meet
from podium.tests.core.test_venue_support import at, quick_user, seed_venue


def local(day: int, hour: int, minute: int = 0) -> str:
    """A ``datetime-local`` value (the venue's wall time)."""
    return at(day, hour, minute).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
async def console(podium_client):
    """An organiser logged in, with a meet, two sessions and a sprint of 8 pasted riders."""
    c = podium_client
    await seed_venue()
    await quick_user("olga", "organiser")
    await c.login("olga", DEFAULT_PASSWORD)
    r = await c.form_post("/meets", {"name": "Club evening", "level": "club",
                                     "starts_at": local(1, 9), "ends_at": local(1, 23)})
    assert r.status_code == 303, r.text
    meet_id = int(re.search(r"/meets/(\d+)/console", r.headers["location"]).group(1))
    base = f"/meets/{meet_id}/console"
    for name, start, end in (("Afternoon", 14, 17), ("Evening", 18, 22)):
        r = await c.form_post(f"{base}/sessions", {"name": name, "kind": "competition",
                                                   "starts_at": local(1, start),
                                                   "ends_at": local(1, end)})
        assert r.status_code == 303, r.text
    r = await c.form_post(f"{base}/competitions", {"category": "elite-men",
                                                   "discipline": "sprint",
                                                   "recovery_minutes": "25",
                                                   "evening_finals": "1"})
    assert r.status_code == 303, r.text
    comp = await Competition.select().first()
    pasted = "\n".join(f"Rider {i}, FRA, 100{i:08d}, Club {i % 3}" for i in range(1, 9))
    r = await c.form_post(f"{base}/riders", {"competition_id": comp["id"], "riders": pasted})
    assert r.status_code == 303, r.text
    return {"client": c, "meet_id": meet_id, "base": base, "comp": comp}


@pytest.mark.hooks("podium_routes", "podium_template_dirs", "podium_static_dirs",
                   "podium_nav_items", "podium_live_messages")
async def test_console_runs_a_meet_from_the_pages(console):
    c, base, meet_id = console["client"], console["base"], console["meet_id"]
    page = await c.get(base)
    assert page.status_code == 200 and "Rider 8" in page.text and "Qualifying" in page.text
    r = await c.form_post(f"{base}/schedule")
    assert r.status_code == 303 and "Scheduled" in r.headers["location"]
    page = (await c.get(base)).text
    assert 'id="solver-status"' in page and "cyc-block" in page
    r = await c.form_post(f"{base}/publish")
    assert r.status_code == 303
    # Enter the qualifying as typed times (htmx: the console body comes back).
    comp = console["comp"]
    riders = sorted(r["rider"] for r in await Entry.select(Entry.rider).where(
        Entry.competition == comp["id"]))
    form = {"competition_id": comp["id"], "heat_id": "Q", "version": "0"}
    for i, rider in enumerate(riders):
        form[f"time_{rider}"] = f"10.{i + 1}05"
    r = await c.htmx("POST", f"{base}/results", data=form)
    assert r.status_code == 200 and 'id="meet-console"' in r.text and "saved" in r.text
    assert await HeatResultRow.count() == 8
    # The meet page shows the programme and the results; the screen the heat on track.
    meet_page = (await c.get(f"/meets/{meet_id}")).text
    assert "version 1" in meet_page and "10.105" in meet_page
    screen = (await c.get(f"/meets/{meet_id}/screen")).text
    assert "On track" in screen and "Rider 1" in screen and "Rider 8" in screen
    rider_page = (await c.get(f"/riders/{riders[0]}")).text
    assert "Club evening" in rider_page and "10.105" in rider_page
    ics = await c.get(f"/meets/{meet_id}/programme.ics")
    assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") == 4


async def test_console_refusals_show_the_reason_and_change_nothing(console):
    c, base = console["client"], console["base"]
    comp = console["comp"]
    cases = [
        (f"{base}/sessions", {"name": "Late", "starts_at": local(2, 9), "ends_at": local(2, 10)},
         422, "within the meet"),
        (f"{base}/sessions", {"name": "Bad", "starts_at": "soon", "ends_at": local(1, 10)},
         422, "date and time"),
        (f"{base}/riders", {"competition_id": comp["id"], "riders": "Zed, FRA, 12345"},
         422, "line 1: a UCI ID is 11 digits"),
        (f"{base}/results", {"competition_id": comp["id"], "heat_id": "Q", "version": "0",
                             "time_1": "ten"}, 404, ""),
        (f"{base}/competitions", {"category": "veterans", "discipline": "sprint"}, 422,
         "category must be one of"),
        (f"{base}/move", {"phase": f"c{comp['id']}:Q", "session_id": "999999"}, 422, ""),
    ]
    for url, data, status, words in cases:
        r = await c.form_post(url, data)
        assert r.status_code in (status, 404, 409, 422), (url, r.status_code, r.text[:300])
        assert 'role="alert"' in r.text, url
        if words:
            assert words in r.text, (url, r.text[:500])
    riders = [r["rider"] for r in await Entry.select(Entry.rider).where(
        Entry.competition == comp["id"])]
    r = await c.form_post(f"{base}/results", {"competition_id": comp["id"], "heat_id": "Q",
                                              "version": "0", f"time_{riders[0]}": "1:61.000"})
    assert r.status_code == 422 and "below 60" in r.text
    assert await HeatResultRow.count() == 0 and await Meet.count() == 1


async def test_visitors_see_pages_but_not_the_console(podium_client, console):
    c = console["client"]
    await c.logout()
    assert (await c.get(f"/meets/{console['meet_id']}")).status_code == 200
    assert (await c.get("/meets")).status_code == 200
    r = await c.get(console["base"], follow_redirects=False)
    assert r.status_code in (302, 303, 401, 403)
    r = await c.form_post(f"{console['base']}/schedule")
    assert r.status_code in (302, 303, 401, 403) and "console" not in r.headers.get("location", "")
    assert (await c.get("/meets/999")).status_code == 404
    assert (await c.get("/riders/999")).status_code == 404


@pytest.mark.hooks("podium_page_slots")
async def test_athlete_slot_shows_a_linked_riders_results(podium_client, console):
    c = console["client"]
    fan = await quick_user("ria", "fan")
    # Not linked yet: the fragment is empty.
    r = await c.get(f"/riders/by-user/{fan.id}")
    assert r.status_code == 200 and "Track results" not in r.text
    from podium.plugins import cycling as plugin
    from podium.plugins.cycling import service


    html = plugin.podium_page_slots("athlete.results", {"user_id": fan.id})
    assert html and f"/riders/by-user/{fan.id}" in html[0]
    assert plugin.podium_page_slots("athlete.results", {"user_id": "x"}) == []
    assert plugin.podium_page_slots("event.main", {"user_id": fan.id}) == []
    # Linked by entering herself: the fragment names her rider and competition.
    await service.self_enter(console["comp"]["id"], fan, {"nation": "FRA"})
    r = await c.get(f"/riders/by-user/{fan.id}")
    assert "Track results" in r.text and "Elite men sprint" in r.text


async def test_the_meets_venue_event_page_links_to_it(console):
    c = console["client"]
    meet = await Meet.select().first()
    page = await c.get(f"/events/{meet['event_id']}")
    assert page.status_code == 200 and f"/meets/for-event/{meet['event_id']}" in page.text
    fragment = await c.get(f"/meets/for-event/{meet['event_id']}")
    assert f"/meets/{meet['id']}" in fragment.text and "Club evening" in fragment.text
    assert "Track meet" not in (await c.get("/meets/for-event/99999")).text
