"""Competing writes end in one consistent state: real concurrent clients on a live server.

* Two players' reports and an organiser's result on the same match, all at once.
* More registrations than places, all at once: never more registered than the capacity.
"""

from __future__ import annotations

import asyncio

import httpx

from podium.tests.tournaments.support import (
    organiser,
    participants,
    players,
    win_games,
)
from podium.tournaments.tables import Entrant, MatchReport, MatchRow, ResultLog

ROUNDS = 3


async def test_reports_and_organiser_result_together(podium_live_server):
    """Player A reports A, player B reports B, the organiser sets A — simultaneously.

    Whatever the order the lock gives them: exactly one result fact is in force, the match
    is completed with that fact's winner, no report is left open, and the projection equals
    the bracket derived from the log.
    """
    org = await organiser()
    ps = await players(8 * ROUNDS)
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        for round_no in range(ROUNDS):
            group = ps[round_no * 8:(round_no + 1) * 8]
            r = await client.post("/api/v1/tournaments", json={
                "name": f"Race {round_no}", "game": "RL", "format": "single_elimination"},
                headers=org)
            tid = r.json()["id"]
            for _user, headers in group:
                assert (await client.post(f"/api/v1/tournaments/{tid}/registrations",
                                          headers=headers)).status_code == 201
            assert (await client.post(f"/api/v1/tournaments/{tid}/start", headers=org)
                    ).status_code == 200
            entrants = (await client.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"]
            headers_of = {e["id"]: dict(group)[next(u for u, _ in group if u.id == e["user_id"])]
                          for e in entrants}
            ready = (await client.get(f"/api/v1/tournaments/{tid}/matches?status=ready")
                     ).json()["items"]
            m = ready[0]
            a, b = participants(m)
            responses = await asyncio.gather(
                client.post(f"/api/v1/matches/{m['id']}/report",
                            json={"winner_id": a, "games": win_games(m, a)}, headers=headers_of[a]),
                client.post(f"/api/v1/matches/{m['id']}/report",
                            json={"winner_id": b, "games": win_games(m, b)}, headers=headers_of[b]),
                client.post(f"/api/v1/matches/{m['id']}/result",
                            json={"winner_id": a, "games": win_games(m, a)}, headers=org),
            )
            assert all(r.status_code < 500 for r in responses), [r.text for r in responses]
            assert responses[2].status_code == 200, responses[2].text  # the organiser always wins
            final = (await client.get(f"/api/v1/matches/{m['id']}")).json()
            assert final["status"] == "completed" and final["winner_id"] == a
            assert final["report"] is None
            facts = await ResultLog.select().where(
                (ResultLog.tournament == tid) & ResultLog.superseded_by.is_null())
            assert len(facts) == 1 and facts[0]["winner"] == a
            assert await MatchReport.count().where(
                (MatchReport.match == m["id"]) & MatchReport.state.is_in(["pending", "disputed"])
            ) == 0
            nxt = await MatchRow.select().where(
                (MatchRow.tournament == tid) & (MatchRow.round == 2) & (MatchRow.position == 1))
            assert a in [s.get("entrant_id") for s in _slots(nxt[0]["slots"])]


def _slots(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


async def test_concurrent_registrations_respect_capacity(podium_live_server):
    """20 players register for 8 places at once: 8 registered, 12 waitlisted."""
    org = await organiser()
    ps = await players(20, "rush")
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60,
                                 limits=limits) as client:
        tid = (await client.post("/api/v1/tournaments", json={
            "name": "Rush", "game": "RL", "format": "single_elimination", "capacity": 8},
            headers=org)).json()["id"]
        responses = await asyncio.gather(*[
            client.post(f"/api/v1/tournaments/{tid}/registrations", headers=h) for _, h in ps
        ])
        assert [r.status_code for r in responses] == [201] * 20
        statuses = sorted(r.json()["status"] for r in responses)
        assert statuses == ["registered"] * 8 + ["waitlisted"] * 12
    assert await Entrant.count().where(
        (Entrant.tournament == tid) & (Entrant.status == "registered")) == 8
