"""The page cache: anonymous pages rendered once per change, invalidated by domain events,
varied by what they depend on (signed-in or not, htmx or not, the locale), with the
visitor's own CSRF token."""

from __future__ import annotations

import re

from podium.core import page_cache
from podium.core.events import BookingsChanged, TournamentChanged
from podium.core.page_cache import CSRF_MARKER, MemoryVersions, page_cache_for, version_names
from podium.core.testing import DEFAULT_PASSWORD
from podium.core.venue import rules
from podium.tests.core.test_venue_support import base_day, bearer_for, event_body, quick_user, seed_venue
from podium.tests.tournaments.support import create, field_of, matches, organiser, participants, win_games


def _renders(app) -> int:
    return page_cache_for(app).pages.renders


async def _hit_twice(client, app, url: str, **kwargs) -> str:
    """GET ``url`` twice; the second answer must come from the cache, unchanged."""
    first = await client.get(url, **kwargs)
    assert first.status_code == 200, first.text
    renders = _renders(app)
    second = await client.get(url, **kwargs)
    assert second.status_code == 200 and _renders(app) == renders
    return second.text


async def test_version_names_and_memory_versions():
    changed = TournamentChanged(venue_id=1, tournament_id=7, version=3, changed=[], status="running")
    assert version_names(changed) == ["any", "TournamentChanged", "tournament:7"]
    assert version_names(BookingsChanged(venue_id=1, events=())) == ["any", "BookingsChanged"]
    versions = MemoryVersions()
    assert await versions.get(("any", "x")) == (0, 0)
    await versions.bump(["any"])
    await versions.bump(["any", "x"])
    assert await versions.get(("any", "x")) == (2, 1)


async def test_calendar_and_home_invalidated_by_a_new_event(podium_client, podium_app):
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    week = rules.iso_week_of(base_day())
    calendar = await _hit_twice(podium_client, podium_app, f"/calendar?week={week}")
    home = await _hit_twice(podium_client, podium_app, "/")
    assert "Keirin night" not in calendar and "Keirin night" not in home
    r = await podium_client.post("/api/v1/events", headers=org,
                                 json=event_body([ids["track"]], title="Keirin night"))
    assert r.status_code == 201, r.text  # the client delivers the outbox: the event bumps
    assert "Keirin night" in (await podium_client.get(f"/calendar?week={week}")).text
    assert "Keirin night" in (await podium_client.get("/")).text


async def _started(c, org, n: int = 8) -> dict:
    t = await create(c, org, "single_elimination")
    await field_of(c, org, t["id"], n)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 200, r.text
    return t


async def _report_one(c, org, tid: int) -> None:
    m = [m for m in await matches(c, tid, status="ready")
         if all(s.get("entrant_id") for s in m["slots"])][0]
    winner = participants(m)[0]
    r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                     json={"winner_id": winner, "games": win_games(m, winner)})
    assert r.status_code == 200, r.text


async def test_tournament_pages_invalidated_by_a_result(podium_client, podium_app):
    c, org = podium_client, await organiser()
    t = await _started(c, org)
    urls = [f"/tournaments/{t['id']}", f"/tournaments/{t['id']}/bracket",
            f"/tournaments/{t['id']}/screen/body"]
    before = {url: await _hit_twice(c, podium_app, url) for url in urls}
    other = await _started(c, org)
    await _report_one(c, org, other["id"])  # another tournament's result changes nothing here
    renders = _renders(podium_app)
    for url in urls:
        assert (await c.get(url)).text == before[url]
    assert _renders(podium_app) == renders
    await _report_one(c, org, t["id"])
    for url in urls:
        after = await c.get(url)
        assert after.status_code == 200 and after.text != before[url], url


async def test_signed_in_visitors_get_their_own_page(podium_client, podium_app):
    await seed_venue()
    anonymous = await _hit_twice(podium_client, podium_app, "/")
    assert 'data-testid="whoami"' not in anonymous
    await quick_user("fiona", "fan")
    await podium_client.login("fiona", DEFAULT_PASSWORD)
    mine = await podium_client.get("/")
    assert mine.status_code == 200 and 'data-testid="whoami"' in mine.text


async def test_each_visitor_gets_their_own_csrf_token(podium_app, podium_client_factory):
    await seed_venue()
    tokens = []
    for _ in range(2):
        client = await podium_client_factory(podium_app)
        page = await client.get("/calendar")
        assert page.status_code == 200 and CSRF_MARKER not in page.text
        token = re.search(r'"x-csrftoken": "([^"]+)"', page.text)
        assert token is not None and token.group(1) == client.cookies.get("podium_csrf")
        tokens.append(token.group(1))
    assert tokens[0] != tokens[1]
    cache = page_cache_for(podium_app)
    assert cache.pages.hits + cache.lane.hits >= 1  # the second visitor's came from the cache


async def test_htmx_partial_and_full_page_are_kept_apart(podium_client, podium_app):
    await seed_venue()
    full = await _hit_twice(podium_client, podium_app, "/calendar")
    partial = await podium_client.htmx("GET", "/calendar")
    assert '<header class="site"' in full and '<header class="site"' not in partial.text


async def test_the_locale_is_part_of_the_key(podium_client, podium_app, monkeypatch):
    await seed_venue()
    locale = {"value": "en"}
    monkeypatch.setattr(page_cache, "locale_key", lambda request: locale["value"])
    page_cache_for(podium_app).lane.max_entries = 0  # the handler's own cache, not the lane
    await _hit_twice(podium_client, podium_app, "/")
    renders = _renders(podium_app)
    locale["value"] = "fr"
    assert (await podium_client.get("/")).status_code == 200
    assert _renders(podium_app) == renders + 1


# -- the anonymous lane ------------------------------------------------------------------


def _lane_hits(app) -> int:
    return page_cache_for(app).lane.hits


async def test_anonymous_repeat_visits_take_the_lane_and_credentials_do_not(
        podium_client, podium_app):
    await seed_venue()
    first = await podium_client.get("/calendar")
    hits = _lane_hits(podium_app)
    again = await podium_client.get("/calendar")
    assert again.status_code == 200 and _lane_hits(podium_app) == hits + 1
    assert again.headers["content-type"] == "text/html; charset=utf-8"
    # The same page; the security headers and Vary of the edge apply to the lane's answer.
    strip = re.compile(r'"x-csrftoken": "[^"]+"|name="_csrf_token" value="[^"]+"')
    assert strip.sub("", again.text) == strip.sub("", first.text)
    assert "content-security-policy" in again.headers and "Cookie" in again.headers["vary"]
    # A bearer token or a session cookie means the app decides (who is asking matters).
    token = await bearer_for(await quick_user("lena", "fan"))
    assert (await podium_client.get("/calendar", headers=token)).status_code == 200
    await podium_client.login("lena", DEFAULT_PASSWORD)
    mine = await podium_client.get("/calendar")
    assert mine.status_code == 200 and 'data-testid="whoami"' in mine.text
    assert _lane_hits(podium_app) == hits + 1


async def test_the_lane_keeps_a_valid_csrf_cookie_and_its_token_posts(
        podium_app, podium_client_factory):
    await seed_venue()
    await (await podium_client_factory(podium_app)).get("/calendar")  # rendered once
    visitor = await podium_client_factory(podium_app)
    hits = _lane_hits(podium_app)
    page = await visitor.get("/calendar")
    assert _lane_hits(podium_app) == hits + 1 and CSRF_MARKER not in page.text
    token = visitor.cookies.get("podium_csrf")
    assert token and f'"x-csrftoken": "{token}"' in page.text
    again = await visitor.get("/calendar")  # the cookie is valid: kept, not set again
    assert "set-cookie" not in again.headers and f'"x-csrftoken": "{token}"' in again.text
    # The lane's token is as good as the app's: the log-in form accepts it.
    await quick_user("mona", "fan")
    response = await visitor.post("/login", data={"username": "mona", "password": DEFAULT_PASSWORD,
                                                  "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    forged = await podium_client_factory(podium_app)
    page = await forged.get("/calendar", headers={"Cookie": "podium_csrf=" + "0" * 256})
    assert "podium_csrf=" in page.headers["set-cookie"] and "0" * 256 not in page.text


async def test_a_plugin_switch_renews_the_lane(podium_app, podium_client_factory, podium_users):
    await seed_venue()
    visitor = await podium_client_factory(podium_app)
    assert "/meets" in (await visitor.get("/")).text  # the cycling plugin's navigation
    hits = _lane_hits(podium_app)
    assert "/meets" in (await visitor.get("/")).text and _lane_hits(podium_app) == hits + 1
    admin = await podium_client_factory(podium_app)
    await podium_users("root", "admin")
    await admin.login("root", DEFAULT_PASSWORD)
    switched = await admin.form_post("/admin/plugins/cycling", {"enabled": "off"})
    assert switched.status_code == 303
    page = await visitor.get("/")
    assert page.status_code == 200 and 'href="/meets"' not in page.text
    assert _lane_hits(podium_app) == hits + 1  # rendered again, not served stale


async def test_errors_are_not_cached(podium_client, podium_app):
    await seed_venue()
    assert (await podium_client.get("/calendar?week=2026-W99")).status_code == 422
    assert (await podium_client.get("/tournaments/4242")).status_code == 404
    assert len(page_cache_for(podium_app).pages) == 0


async def test_french_and_english_pages_are_cached_apart(podium_client, podium_app):
    await seed_venue()
    english = await _hit_twice(podium_client, podium_app, "/calendar",
                               headers={"Accept-Language": "en"})
    french = await _hit_twice(podium_client, podium_app, "/calendar",
                              headers={"Accept-Language": "fr"})
    assert english != french
    assert '<html lang="fr"' in french and '<html lang="en"' in english
