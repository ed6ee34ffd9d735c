"""Station assignment under real concurrent clients (a live server): the lock and the
re-check inside it mean two matches never get the same station, whatever the order."""

from __future__ import annotations

import asyncio

import httpx

from podium.tests.tournaments.support import organiser
from podium.tournaments.tables import MatchRow, Station

ROUNDS = 3


async def test_concurrent_calls_never_share_a_station(podium_live_server):
    org = await organiser()
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        for round_no in range(ROUNDS):
            r = await client.post("/api/v1/tournaments", json={
                "name": f"Rush {round_no}", "game": "RL", "format": "single_elimination",
                "auto_call": False}, headers=org)
            tid = r.json()["id"]
            for i in range(16):
                await client.post(f"/api/v1/tournaments/{tid}/entrants",
                                  json={"name": f"T{i}"}, headers=org)
            await client.post(f"/api/v1/tournaments/{tid}/stations", json={"count": 3},
                              headers=org)
            await client.post(f"/api/v1/tournaments/{tid}/start", headers=org)
            ready = (await client.get(f"/api/v1/tournaments/{tid}/matches?status=ready")
                     ).json()["items"]
            assert len(ready) == 8
            # Everyone wants station 2; then everyone wants "the first free one".
            same = await asyncio.gather(*[
                client.post(f"/api/v1/matches/{m['id']}/call", json={"station": 2}, headers=org)
                for m in ready[:4]])
            assert sorted(r.status_code for r in same) == [200, 409, 409, 409], [
                r.text for r in same]
            any_free = await asyncio.gather(*[
                client.post(f"/api/v1/matches/{m['id']}/call", json={}, headers=org)
                for m in ready[4:]])
            codes = sorted(r.status_code for r in any_free)
            assert codes == [200, 200, 409, 409], [r.text for r in any_free]
            stations = await Station.select().where(Station.tournament == tid)
            held = [s["current_match"] for s in stations]
            assert None not in held and len(set(held)) == 3
            on = await MatchRow.select(MatchRow.id, MatchRow.station).where(
                (MatchRow.tournament == tid) & MatchRow.station.is_not_null())
            assert sorted(m["station"] for m in on) == [1, 2, 3]
            assert {m["id"] for m in on} == set(held)
