"""The meet's pages as an organiser and a visitor use them: the console's forms (set-up,
pasted riders, results typed as times, schedule, move and pin, publish), the meet page,
the screen, rider profiles, the athlete slot; refusals re-render with the reason."""

from __future__ import annotations

import re

import pytest

from podium.core.i18n import use_locale
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
    with use_locale("fr"):
        [french] = plugin.podium_page_slots("athlete.results", {"user_id": fan.id})
        [sidebar] = plugin.podium_page_slots("event.sidebar", {"event": {
            "id": 1, "kind": "track_meet"}})
    assert "Résultats sur piste" in french and "Chargement…" in french
    assert "Chargement de la réunion…" in sidebar
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


@pytest.mark.hooks("podium_routes", "podium_template_dirs", "podium_static_dirs",
                   "podium_nav_items", "podium_live_messages", "podium_translation_dirs")
async def test_titles_and_programme_are_translated_when_shown(console):
    """No title is stored in a language: the competition (no name given), its table and
    the programme's phases show in the reader's language on the console, the meet page,
    the screen and the iCalendar feed (``?lang=``); rows stored in English before still
    show translated, derived from their keys."""
    import json

    from podium.plugins.cycling.tables import ProgrammeVersion

    c, base, meet_id = console["client"], console["base"], console["meet_id"]
    assert console["comp"]["name"] == ""  # keys only: elite-men, sprint
    assert (await c.form_post(f"{base}/schedule")).status_code == 303
    assert (await c.form_post(f"{base}/publish")).status_code == 303
    stored = await ProgrammeVersion.select().where(ProgrammeVersion.number == 1).first()
    placements = stored["placements"]
    placements = json.loads(placements) if isinstance(placements, str) else placements
    assert placements and all("label" not in p and p["phase_name"] and p["competition_id"]
                              for p in placements)

    english = (await c.get(f"{base}?lang=en")).text
    assert "Elite men sprint" in english and "quarter-finals for the best 8" in english
    french = (await c.get(f"{base}?lang=fr")).text
    assert "Vitesse élite hommes" in french and "Elite men sprint" not in french
    assert "Vitesse : qualifications sur 200 m, quarts de finale pour les 8 meilleurs" in french
    assert "Vitesse élite hommes — Demi-finales" in french
    meet_page = (await c.get(f"/meets/{meet_id}?lang=fr")).text
    assert "Vitesse élite hommes — Quarts de finale" in meet_page
    assert f"/meets/{meet_id}/programme.ics?lang=fr" in meet_page
    screen = (await c.get(f"/meets/{meet_id}/screen?lang=fr")).text
    assert "Vitesse élite hommes" in screen and "Elite men sprint" not in screen

    ics_fr = (await c.get(f"/meets/{meet_id}/programme.ics?lang=fr")).text
    assert "SUMMARY:Vitesse élite hommes — Finales" in ics_fr
    assert "Elite men" not in ics_fr
    ics_en = (await c.get(f"/meets/{meet_id}/programme.ics?lang=en")).text
    assert "SUMMARY:Elite men sprint — Finals" in ics_en
    api = (await c.get(f"/api/v1/meets/{meet_id}/competitions/{console['comp']['id']}"
                       "?lang=fr")).json()
    assert api["name"] == "" and api["title"] == "Vitesse élite hommes"
    api = (await c.get(f"/api/v1/meets/{meet_id}/programme?lang=fr")).json()
    assert "Vitesse élite hommes — Finales" in {p["label"] for p in api["placements"]}
    assert {p["phase_name"] for p in api["placements"]} >= {"Finals", "Semi-finals"}
    refused = await c.get(f"/meets/{meet_id}/programme.ics?lang=xx")
    assert refused.status_code == 422 and "lang" in refused.text

    # A database from before: the default name and the placements' labels stored in
    # English (no competition_id in the placements) still show in French.
    await Competition.update({Competition.name: "Elite men sprint"}).where(
        Competition.id == console["comp"]["id"])
    legacy = [{**{k: v for k, v in p.items() if k != "competition_id"},
               "label": f"Elite men sprint — {p['phase_name']}"} for p in placements]
    await ProgrammeVersion.update({ProgrammeVersion.placements: legacy}).where(
        ProgrammeVersion.id == stored["id"])
    meet_page = (await c.get(f"/meets/{meet_id}?lang=fr")).text
    assert "Vitesse élite hommes — Quarts de finale" in meet_page
    assert "Elite men sprint" not in meet_page
    # An organiser's own name is shown as written, in every language.
    await Competition.update({Competition.name: "Grand Prix des sprinteurs"}).where(
        Competition.id == console["comp"]["id"])
    english = (await c.get(f"/meets/{meet_id}?lang=en")).text
    assert "Grand Prix des sprinteurs — Quarter-finals" in english
