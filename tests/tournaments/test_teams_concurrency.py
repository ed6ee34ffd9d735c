"""Team rosters under real concurrent clients on a live server: the last place of a team
and a player's single team per tournament are scarce, and every write competing for them
locks the tournament row and re-checks inside the transaction (tournaments/teams.py).

Verified against a weakened lock: with ``kernel.lock_tournament`` replaced by a plain select (no
``FOR UPDATE``) on PostgreSQL, every test here fails: both accepts land (a roster of 3 in
a team of 2, a player on two teams) and both invitations are stored.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import httpx

from podium.tests.tournaments.support import organiser, players
from podium.tournaments.tables import TeamMember

ROUNDS = 3
MEMBERS = "/api/v1/tournaments/{t}/entrants/{e}/members"


async def _team_tournament(client: httpx.AsyncClient, org: dict[str, str], name: str,
                           captains: list[tuple[Any, dict[str, str]]]) -> tuple[int, list[int]]:
    """A teams-of-2 tournament with one team per captain; returns (id, entrant ids)."""
    r = await client.post("/api/v1/tournaments", json={
        "name": name, "game": "RL", "format": "single_elimination", "team_size": 2},
        headers=org)
    tid = r.json()["id"]
    teams = []
    for i, (_user, headers) in enumerate(captains):
        r = await client.post(f"/api/v1/tournaments/{tid}/registrations",
                              json={"team_name": f"{name} {i}"}, headers=headers)
        assert r.status_code == 201, r.text
        teams.append(r.json()["id"])
    return tid, teams


def _exactly_one_wins(responses: list[httpx.Response], ok: int, refusals: set[str]) -> None:
    """One of two concurrent requests succeeded (``ok``); the other was refused (409) with
    one of the codes in ``refusals``."""
    assert sorted(r.status_code for r in responses) == [ok, 409], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= refusals


def _client(url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10)
    return httpx.AsyncClient(base_url=url, timeout=60, limits=limits)


async def test_two_invitees_accept_the_last_place(podium_live_server):
    """A team of 2 (the captain + one place) holds two open invitations; both invitees
    accept at once: exactly one joins, the other gets 409 ``team_full``.

    ``invite`` counts open invitations, so the API never offers one place twice; the two
    invitations are planted here to exercise the accept's own re-check under the lock
    (its guarantee must not depend on how the invitations came to be).
    """
    org = await organiser()
    ps = await players(3 * ROUNDS, "last")
    async with _client(podium_live_server.url) as client:
        for round_no in range(ROUNDS):
            captain, a, b = ps[3 * round_no:3 * round_no + 3]
            _tid, [team] = await _team_tournament(client, org, f"Last {round_no}", [captain])
            ids = []
            for user, _headers in (a, b):
                row = TeamMember(entrant=team, user=user.id, status="invited",
                                 created_at=datetime.now(timezone.utc))
                await row.save()
                ids.append(row.id)
            responses = await asyncio.gather(
                client.post(f"/api/v1/invitations/{ids[0]}/accept", headers=a[1]),
                client.post(f"/api/v1/invitations/{ids[1]}/accept", headers=b[1]))
            _exactly_one_wins(responses, 200, {"team_full"})
            assert await TeamMember.count().where(
                (TeamMember.entrant == team) & (TeamMember.status == "accepted")) == 2


async def test_one_player_accepts_two_teams_at_once(podium_live_server):
    """A player invited by two teams accepts both at once: one team gets the player, the
    other invitation is closed (declined by the first accept) or refused."""
    org = await organiser()
    ps = await players(3 * ROUNDS, "twice")
    async with _client(podium_live_server.url) as client:
        for round_no in range(ROUNDS):
            cap1, cap2, player = ps[3 * round_no:3 * round_no + 3]
            tid, teams = await _team_tournament(client, org, f"Twice {round_no}", [cap1, cap2])
            for team, (_u, headers) in zip(teams, (cap1, cap2)):
                r = await client.post(MEMBERS.format(t=tid, e=team),
                                      json={"username": player[0].username}, headers=headers)
                assert r.status_code == 201, r.text
            invitations = (await client.get("/api/v1/me/invitations", headers=player[1])
                           ).json()["items"]
            responses = await asyncio.gather(*[
                client.post(f"/api/v1/invitations/{i['id']}/accept", headers=player[1])
                for i in invitations])
            _exactly_one_wins(responses, 200, {"invitation_closed", "already_on_team"})
            assert await TeamMember.count().where(
                (TeamMember.user == player[0].id) & (TeamMember.status == "accepted")) == 1


async def test_two_invitations_for_the_last_place(podium_live_server):
    """The captain (two devices) invites two players for the last place at once: one
    invitation is stored, the other is 409 ``team_full``."""
    org = await organiser()
    ps = await players(3 * ROUNDS, "dup")
    async with _client(podium_live_server.url) as client:
        for round_no in range(ROUNDS):
            captain, a, b = ps[3 * round_no:3 * round_no + 3]
            tid, [team] = await _team_tournament(client, org, f"Dup {round_no}", [captain])
            responses = await asyncio.gather(*[
                client.post(MEMBERS.format(t=tid, e=team), json={"username": u.username},
                            headers=captain[1]) for u, _h in (a, b)])
            _exactly_one_wins(responses, 201, {"team_full"})
            assert await TeamMember.count().where(
                (TeamMember.entrant == team) & (TeamMember.status == "invited")) == 1
