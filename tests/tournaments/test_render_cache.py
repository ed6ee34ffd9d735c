"""Render once per change: the LRU render cache, single-flight rendering, and the version
that every visible write bumps (so a cached fragment is never served after a change)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.tournaments.support import (
    create,
    field_of,
    matches,
    organiser,
    participants,
    players,
    win_games,
)
from podium.tournaments.render_cache import RenderCache, cache_for
from podium.tournaments.tables import Tournament


def test_lru_bounds_entries_and_bytes():
    cache = RenderCache(max_entries=3, max_bytes=10)
    cache.put("a", "123")
    cache.put("b", "456")
    cache.put("c", "789")
    assert cache.get("a") == "123"  # a is now the most recently used
    cache.put("d", "0")
    assert "b" not in cache and "a" in cache and len(cache) == 3
    cache.put("e", "12345678")  # over 10 characters in all: the oldest go
    assert cache.size_bytes <= 10 and "e" in cache
    cache.put("huge", "x" * 11)  # bigger than the whole budget: not kept
    assert "huge" not in cache


async def test_concurrent_misses_render_once():
    cache = RenderCache()
    calls = 0

    async def render() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "<p>bracket</p>"

    results = await asyncio.gather(*(cache.get_or_render("k", render) for _ in range(50)))
    assert set(results) == {"<p>bracket</p>"} and calls == 1 and cache.renders == 1

    async def broken() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await cache.get_or_render("bad", broken)
    assert "bad" not in cache


async def _version(tid: int) -> int:
    row = await Tournament.select(Tournament.log_version).where(Tournament.id == tid).first()
    assert row is not None, f"no tournament {tid}"
    return row["log_version"]


async def test_fragment_cached_until_a_write_then_rerendered(podium_app, podium_client):
    c, org = podium_client, await organiser()
    t = await create(c, org, "double_elimination")
    await field_of(c, org, t["id"], 4)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    cache = cache_for(podium_app)
    first = await c.get(f"/tournaments/{t['id']}/bracket")
    renders = cache.renders
    again = await c.get(f"/tournaments/{t['id']}/bracket")
    assert first.text == again.text and cache.renders == renders  # served from the cache
    page = await c.get(f"/tournaments/{t['id']}")
    assert first.text in page.text  # the page embeds the same cached fragment
    # An anonymous visitor's page content and the entrants' standings statuses: once...
    assert cache.renders == renders + 2
    assert (await c.get(f"/tournaments/{t['id']}")).text == page.text
    assert cache.renders == renders + 2  # ...per version
    renders = cache.renders

    m = (await matches(c, t["id"], status="ready"))[0]
    a, b = participants(m)
    r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                     json={"winner_id": a, "games": win_games(m, a)})
    assert r.status_code == 200
    after = await c.get(f"/tournaments/{t['id']}/bracket")
    assert cache.renders == renders + 1 and after.text != first.text
    assert f'data-version="{await _version(t["id"])}"' in after.text

    # A correction of that result is a new version with a different fragment.
    r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                     json={"winner_id": b, "games": win_games(m, b)})
    assert r.status_code == 200
    corrected = await c.get(f"/tournaments/{t['id']}/bracket")
    assert corrected.text != after.text and cache.renders == renders + 2
    # Bad input changes nothing: same version, same fragment, no render.
    r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                     json={"winner_id": 10**6, "games": []})
    assert r.status_code in (409, 422)
    assert (await c.get(f"/tournaments/{t['id']}/bracket")).text == corrected.text
    assert cache.renders == renders + 2


async def test_every_visible_write_bumps_the_version(podium_app, podium_client):
    c, org = podium_client, await organiser()
    now = datetime.now(timezone.utc)
    t = await create(c, org, "single_elimination",
                     checkin_opens=(now - timedelta(hours=1)).isoformat(),
                     checkin_closes=(now + timedelta(hours=1)).isoformat(), capacity=3)
    tid = t["id"]
    seen = [await _version(tid)]

    async def bumped(response, status=(200, 201, 204)):
        assert response.status_code in status, response.text
        version = await _version(tid)
        assert version > seen[-1]
        seen.append(version)

    await bumped(await c.post(f"/api/v1/tournaments/{tid}/entrants", json={"name": "Walk-in"},
                              headers=org))
    ps = await players(3)
    for _user, headers in ps:  # the third is waitlisted: still a visible change
        await bumped(await c.post(f"/api/v1/tournaments/{tid}/registrations", headers=headers))
    full = await c.post(f"/api/v1/tournaments/{tid}/entrants", json={"name": "Late"}, headers=org)
    assert full.status_code == 409 and await _version(tid) == seen[-1]  # refused: no change
    await bumped(await c.delete(f"/api/v1/tournaments/{tid}/registrations", headers=ps[0][1]))
    for _user, headers in ps[1:]:  # the promoted player and the other check in
        await bumped(await c.post(f"/api/v1/tournaments/{tid}/check-in", headers=headers))
    entrants = (await c.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"]
    order = [e["id"] for e in entrants if e["status"] == "registered"][::-1]
    await bumped(await c.put(f"/api/v1/tournaments/{tid}/seeding", json={"entrant_ids": order},
                             headers=org))
    await bumped(await c.post(f"/api/v1/tournaments/{tid}/start", headers=org))
    # Two players meet: a report then a dispute change what the match shows.
    m = [x for x in await matches(c, tid, status="ready")
         if all(s.get("entrant_id") for s in x["slots"])][0]
    by_entrant = {e["id"]: e["user_id"] for e in entrants}
    by_user = {u.id: h for u, h in ps}
    a, b = participants(m)
    await bumped(await c.post(f"/api/v1/matches/{m['id']}/report", headers=by_user[by_entrant[a]],
                              json={"winner_id": a, "games": win_games(m, a)}))
    await bumped(await c.post(f"/api/v1/matches/{m['id']}/dispute", headers=by_user[by_entrant[b]]))


async def test_anonymous_page_cached_per_version_but_layout_per_visitor(
        podium_app, podium_client_factory):
    """The anonymous tournament page shares its cached content, never a visitor's CSRF
    token; a registration (a new version) shows at once; a signed-in page is not cached."""
    org = await organiser()
    first_visitor = await podium_client_factory(podium_app)
    second_visitor = await podium_client_factory(podium_app)
    t = await create(first_visitor, org, "single_elimination")
    url = f"/tournaments/{t['id']}"
    one, two = await first_visitor.get(url), await second_visitor.get(url)
    assert one.status_code == two.status_code == 200 and "Nobody yet." in one.text
    tokens = {await first_visitor.csrf_token(), await second_visitor.csrf_token()}
    assert len(tokens) == 2
    for page, token in ((await first_visitor.get(url), await first_visitor.csrf_token()),
                        (await second_visitor.get(url), await second_visitor.csrf_token())):
        assert f'"x-csrftoken": "{token}"' in page.text
        assert not [other for other in tokens - {token} if other in page.text]
    (user, headers), = await players(1, prefix="cachepage")
    r = await first_visitor.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
    assert r.status_code == 201
    after = await second_visitor.get(url)
    assert "Nobody yet." not in after.text and r.json()["name"] in after.text
    cache = cache_for(podium_app)
    renders = cache.renders
    player = await podium_client_factory(podium_app)
    await player.login(user.username, DEFAULT_PASSWORD)
    mine = await player.get(url)
    assert mine.status_code == 200 and "You are <strong>registered</strong>" in mine.text
    assert cache.renders == renders  # the bracket was cached; the signed-in page is not
