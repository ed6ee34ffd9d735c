"""Stations and the stream queue through the JSON API: auto-call after every change,
calling by hand, freeing on completion, the stream queue, what a player sees, errors."""

from __future__ import annotations


from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.tournaments.support import (
    by_key,
    create,
    field_of,
    matches,
    organiser,
    participants,
    players,
    win_games,
)
from podium.tournaments.tables import MatchRow, Station


async def _started(api, n: int = 8, fmt: str = "single_elimination", stations: int = 2,
                   **extra):
    c, org = api["c"], api["org"]
    t = await create(c, org, fmt, **extra)
    await field_of(c, org, t["id"], n)
    if stations:
        r = await c.post(f"/api/v1/tournaments/{t['id']}/stations",
                         json={"count": stations, "label": "Stage"}, headers=org)
        assert r.status_code == 201, r.text
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    return t


async def _assert_consistent(tid: int) -> None:
    """Each station holds at most one match, which points back at it; no entrant plays on
    two stations; only playable matches hold a station."""
    rows = await Station.select().where(Station.tournament == tid)
    held = [s["current_match"] for s in rows if s["current_match"]]
    assert len(held) == len(set(held))
    on = await MatchRow.select().where((MatchRow.tournament == tid)
                                       & MatchRow.station.is_not_null())
    assert sorted(m["id"] for m in on) == sorted(held)
    number = {s["current_match"]: s["number"] for s in rows if s["current_match"]}
    seen: set[int] = set()
    for m in on:
        assert number[m["id"]] == m["station"]
        assert m["engine_status"] in ("ready", "needs_replay")
        slots = m["slots"] if isinstance(m["slots"], list) else __import__("json").loads(m["slots"])
        ids = {s["entrant_id"] for s in slots}
        assert not ids & seen
        seen |= ids


async def test_auto_call_at_start_and_after_results(api):
    c, org = api["c"], api["org"]
    t = await _started(api, 8, stations=2)
    ms = await matches(c, t["id"])
    on = [m for m in ms if m["station"] is not None]
    assert sorted(m["station"] for m in on) == [1, 2]
    assert all(m["status"] == "in_progress" for m in on)
    assert [m["key"] for m in sorted(on, key=lambda m: m["station"])] == [
        m["key"] for m in ms if m["round"] == 1][:2]  # round order, bracket order
    st = (await c.get(f"/api/v1/tournaments/{t['id']}/stations")).json()
    assert st["auto_call"] is True and [s["label"] for s in st["items"]] == ["Stage", "Stage"]
    assert {s["match_id"] for s in st["items"]} == {m["id"] for m in on}
    # A result frees the station, and the next ready match is called to it at once.
    first = min(on, key=lambda m: m["station"])
    a = participants(first)[0]
    r = await c.post(f"/api/v1/matches/{first['id']}/result",
                     json={"winner_id": a, "games": win_games(first, a)}, headers=org)
    assert r.status_code == 200 and r.json()["station"] is None
    ms = by_key(await matches(c, t["id"]))
    assert ms[first["key"]]["status"] == "completed"
    third = [m for m in ms.values() if m["round"] == 1][2]
    assert third["station"] == 1 and third["status"] == "in_progress"
    await _assert_consistent(t["id"])
    # Play everything: stations always consistent, all free at the end.
    while True:
        ready = [m for m in await matches(c, t["id"]) if m["status"] in ("ready", "in_progress")]
        if not ready:
            break
        m = ready[0]
        a = participants(m)[0]
        assert (await c.post(f"/api/v1/matches/{m['id']}/result",
                             json={"winner_id": a, "games": win_games(m, a)}, headers=org)
                ).status_code == 200
        await _assert_consistent(t["id"])
    st = (await c.get(f"/api/v1/tournaments/{t['id']}/stations")).json()
    assert all(s["match_id"] is None for s in st["items"])
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"


async def test_never_two_matches_of_one_entrant(api):
    """Round robin has many ready matches per entrant: auto-call never seats a player
    twice."""
    c = api["c"]
    t = await _started(api, 4, fmt="round_robin", stations=4)
    on = [m for m in await matches(c, t["id"]) if m["station"] is not None]
    assert len(on) == 2  # 4 players: at most two matches at once
    await _assert_consistent(t["id"])


async def test_call_by_hand_uncall_and_errors(api):
    c, org = api["c"], api["org"]
    t = await _started(api, 8, stations=0, auto_call=False)
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["auto_call"] is False
    r = await c.post(f"/api/v1/tournaments/{t['id']}/stations", json={"count": 3}, headers=org)
    assert r.status_code == 201
    assert all(s["match_id"] is None for s in r.json()["items"])  # auto-call is off
    r1 = [m for m in await matches(c, t["id"]) if m["round"] == 1]
    r = await c.post(f"/api/v1/matches/{r1[2]['id']}/call", json={"station": 3}, headers=org)
    assert r.status_code == 200 and r.json()["station"] == 3
    assert r.json()["status"] == "in_progress"
    r = await c.post(f"/api/v1/matches/{r1[1]['id']}/call", json={"station": 3}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "station_busy"
    r = await c.post(f"/api/v1/matches/{r1[2]['id']}/call", json={}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "already_called"
    r = await c.post(f"/api/v1/matches/{r1[1]['id']}/call", json={"station": 9}, headers=org)
    assert r.status_code == 404
    r = await c.post(f"/api/v1/matches/{r1[1]['id']}/call", json={"station": 0}, headers=org)
    assert r.status_code in (400, 422)
    later = [m for m in await matches(c, t["id"]) if m["round"] == 2][0]
    r = await c.post(f"/api/v1/matches/{later['id']}/call", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "not_callable"
    # The detail quotes the match's status as people read it, in their language.
    assert r.json()["detail"] == f"match {later['key']} is waiting; only a ready match can be called"
    r = await c.post(f"/api/v1/matches/{later['id']}/call", headers={**org, "Accept-Language": "fr"})
    assert r.json()["code"] == "not_callable"
    assert r.json()["detail"] == f"le match {later['key']} est en attente ; seul un match prêt peut être appelé"
    r = await c.post(f"/api/v1/matches/{r1[0]['id']}/call", headers=org)
    assert r.status_code == 200 and r.json()["station"] == 1  # the first free one
    r = await c.post(f"/api/v1/matches/{r1[3]['id']}/call", headers=org)
    assert r.json()["station"] == 2
    r = await c.post(f"/api/v1/matches/{r1[1]['id']}/call", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "no_free_station"
    r = await c.post(f"/api/v1/matches/{r1[2]['id']}/uncall", headers=org)
    assert r.status_code == 200 and r.json()["station"] is None
    assert r.json()["status"] == "ready"
    r = await c.post(f"/api/v1/matches/{r1[2]['id']}/uncall", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "not_called"
    r = await c.post(f"/api/v1/tournaments/{t['id']}/stations", json={"number": 2}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "station_taken"
    # Turning auto-call on calls at once.
    r = await c.put(f"/api/v1/tournaments/{t['id']}/auto-call", json={"enabled": True},
                    headers=org)
    assert r.status_code == 200 and r.json()["auto_call"] is True
    assert sum(1 for s in r.json()["items"] if s["match_id"]) == 3
    # Removing a station puts its match back to waiting.
    st = r.json()["items"][2]
    r = await c.delete(f"/api/v1/stations/{st['id']}", headers=org)
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    assert (await c.get(f"/api/v1/matches/{st['match_id']}")).json()["station"] is None
    r = await c.patch(f"/api/v1/stations/{r.json()['items'][0]['id']}",
                      json={"label": "Main stage", "streamed": True}, headers=org)
    assert r.status_code == 200 and r.json()["items"][0]["label"] == "Main stage"
    r = await c.patch(f"/api/v1/stations/{r.json()['items'][0]['id']}",
                      json={"label": "x\x00"}, headers=org)
    assert 400 <= r.status_code < 500
    await _assert_consistent(t["id"])


async def test_correction_frees_a_station_whose_match_changed(api):
    c, org = api["c"], api["org"]
    t = await _started(api, 4, stations=0)
    r1 = [m for m in await matches(c, t["id"]) if m["round"] == 1]
    for m in r1:
        a = participants(m)[0]
        await c.post(f"/api/v1/matches/{m['id']}/result",
                     json={"winner_id": a, "games": win_games(m, a)}, headers=org)
    await c.post(f"/api/v1/tournaments/{t['id']}/stations", json={"count": 1}, headers=org)
    final = [m for m in await matches(c, t["id"]) if m["round"] == 2][0]
    assert final["station"] == 1
    # Correct a semi-final: the final's participants change, it leaves the station and is
    # called again with its new participants (it is still ready).
    b = participants(r1[0])[1]
    r = await c.post(f"/api/v1/matches/{r1[0]['id']}/result",
                     json={"winner_id": b, "games": win_games(r1[0], b)}, headers=org)
    assert r.status_code == 200
    final = (await c.get(f"/api/v1/matches/{final['id']}")).json()
    assert b in participants(final) and final["station"] == 1
    await _assert_consistent(t["id"])


async def test_stream_queue(api):
    c, org = api["c"], api["org"]
    t = await _started(api, 8, stations=1)
    ms = await matches(c, t["id"])
    r1 = [m for m in ms if m["round"] == 1]
    url = f"/api/v1/tournaments/{t['id']}/stream-queue"
    for m in (r1[3], r1[1], ms[-1]):
        r = await c.post(url, json={"match_id": m["id"]}, headers=org)
        assert r.status_code == 201, r.text
    q = r.json()["items"]
    assert [i["match_id"] for i in q] == [r1[3]["id"], r1[1]["id"], ms[-1]["id"]]
    assert q[0]["on_stream"] and not q[1]["on_stream"]
    r = await c.post(url, json={"match_id": r1[1]["id"]}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "already_queued"
    r = await c.post(url, json={"match_id": 10**6}, headers=org)
    assert r.status_code == 404
    r = await c.put(url, json={"match_ids": [ms[-1]["id"], r1[3]["id"], r1[1]["id"]]},
                    headers=org)
    assert [i["match_id"] for i in r.json()["items"]] == [ms[-1]["id"], r1[3]["id"], r1[1]["id"]]
    r = await c.put(url, json={"match_ids": [ms[-1]["id"]]}, headers=org)
    assert r.status_code == 422
    r = await c.delete(f"{url}/{ms[-1]['id']}", headers=org)
    assert [i["match_id"] for i in r.json()["items"]] == [r1[3]["id"], r1[1]["id"]]
    assert (await c.delete(f"{url}/{ms[-1]['id']}", headers=org)).status_code == 404
    # A decided match leaves the queue by itself; the next one is on stream.
    m = r1[3]
    a = participants(m)[0]
    await c.post(f"/api/v1/matches/{m['id']}/result",
                 json={"winner_id": a, "games": win_games(m, a)}, headers=org)
    q = (await c.get(url)).json()["items"]
    assert [i["match_id"] for i in q] == [r1[1]["id"]] and q[0]["on_stream"]
    r = await c.post(url, json={"match_id": m["id"]}, headers={**org, "Accept-Language": "fr"})
    assert r.status_code == 409 and r.json()["code"] == "match_done"
    assert r.json()["detail"] == f"le match {m['key']} est terminé"


async def test_streamed_station_takes_the_queue_head(api):
    c, org = api["c"], api["org"]
    t = await _started(api, 8, stations=0)
    r1 = [m for m in await matches(c, t["id"]) if m["round"] == 1]
    await c.post(f"/api/v1/tournaments/{t['id']}/stream-queue", json={"match_id": r1[3]["id"]},
                 headers=org)
    await c.post(f"/api/v1/tournaments/{t['id']}/stations",
                 json={"number": 10, "streamed": True, "label": "Stream"}, headers=org)
    assert (await c.get(f"/api/v1/matches/{r1[3]['id']}")).json()["station"] == 10


async def test_player_sees_their_call(podium_app, podium_client_factory):
    c = await podium_client_factory(podium_app)
    org = await organiser()
    t = await create(c, org)
    ps = await players(2, prefix="callee")
    for _u, headers in ps:
        await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    me = await podium_client_factory(podium_app)
    await me.login(ps[0][0].username, DEFAULT_PASSWORD)
    page = await me.get(f"/tournaments/{t['id']}/my-call")
    assert "Your match" not in page.text
    mine = await me.get("/me/matches")
    assert f"user-{ps[0][0].id}" in mine.text and "sse:my-matches" in mine.text
    await c.post(f"/api/v1/tournaments/{t['id']}/stations", json={"number": 7}, headers=org)
    assert "Your match: station 7" in (await me.get("/me/matches")).text
    page = await me.get(f"/tournaments/{t['id']}/my-call")
    assert "Your match: station 7" in page.text
    assert 'hx-trigger="sse:bracket-' in page.text
    anonymous = await podium_client_factory(podium_app)
    assert "Your match" not in (await anonymous.get(f"/tournaments/{t['id']}/my-call")).text


async def test_call_is_published_to_the_players_topic(api, podium_app):
    """A call reaches the player's own SSE topic (``user-{id}``) as ``my-matches``."""
    c, org = api["c"], api["org"]
    t = await create(c, org)
    ps = await players(2, prefix="pub")
    for _u, headers in ps:
        await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    channels = podium_app.state.channels
    topic = f"user-{ps[1][0].id}"
    async with channels.start_subscription([topic]) as sub:
        r = await c.post(f"/api/v1/tournaments/{t['id']}/stations", json={"number": 4},
                         headers=org)
        assert r.status_code == 201
        import asyncio
        import json

        raw = await asyncio.wait_for(anext(sub.iter_events()), 5)
        message = json.loads(raw)
        assert message["event"] == "my-matches" and json.loads(message["data"])["station"] == 4


async def test_bad_station_input(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    url = f"/api/v1/tournaments/{t['id']}/stations"
    for body in ({"count": 0}, {"count": 1000}, {"number": -1}, {"label": "x" * 41},
                 {"space_id": 999999}, {"unknown": 1}):
        r = await c.post(url, json=body, headers=org)
        assert 400 <= r.status_code < 500, (body, r.text)
    assert (await c.get(url)).json()["items"] == []
    assert (await c.post("/api/v1/tournaments/999/stations", json={}, headers=org)
            ).status_code == 404
    assert (await c.post("/api/v1/matches/999/call", headers=org)).status_code == 404
