"""Roster invariants under any sequence of team operations (hypothesis): whatever
captains, invitees and members do, and whatever is refused, every team keeps exactly one
captain (its entrant's ``user``), accepted players + open invitations never exceed the
team size, and nobody plays for two teams of one tournament."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.core.errors import PodiumError
from podium.tests.core.test_venue_support import many_users
from podium.tournaments import catalogue, registration, teams
from podium.tournaments.tables import Entrant, TeamMember

USERS = 6
# (action, team index, user index): invite (by the team's current captain), accept,
# decline, remove (by the captain), leave (the user themself), captain (hand over).
operations = st.lists(
    st.tuples(st.sampled_from(["invite", "accept", "decline", "remove", "leave", "captain"]),
              st.integers(0, 1), st.integers(0, USERS - 1)),
    min_size=1, max_size=30,
)


async def _invariants(tid: int, team_ids: list[int], size: int) -> None:
    seen: dict[int, int] = {}
    for team_id in team_ids:
        rows = await TeamMember.select().where(TeamMember.entrant == team_id)
        assert len({r["user"] for r in rows}) == len(rows), "one row per player and team"
        held = [r for r in rows if r["status"] in ("accepted", "invited")]
        assert len(held) <= size
        captains = [r["user"] for r in rows if r["role"] == "captain"]
        entrant = await Entrant.select(Entrant.user).where(Entrant.id == team_id).first()
        assert entrant is not None, f"no entrant {team_id}"
        assert captains == [entrant["user"]]
        assert all(r["status"] == "accepted" for r in rows if r["role"] == "captain")
        for r in rows:
            if r["status"] == "accepted":
                assert r["user"] not in seen, "a player on two teams"
                seen[r["user"]] = team_id
    assert await catalogue.get_tournament(tid)


async def test_roster_invariants_property(podium_db):
    from podium.web.assembly import make_plugin_host

    users = await many_users("roster", USERS, "player")
    host = make_plugin_host()
    loop = asyncio.get_running_loop()

    async def run(ops, size):
        t = await catalogue.create_tournament(host, None, {
            "name": "Prop", "game": "RL", "format": "single_elimination", "team_size": size},
            None)
        team_ids = [(await registration.register(t["id"], users[i], {"team_name": f"T{i}"}))["id"]
                    for i in (0, 1)]
        for action, team, who in ops:
            team_id, user = team_ids[team], users[who]
            captain_id = (await Entrant.select(Entrant.user).where(
                Entrant.id == team_id).first())["user"]
            captain = next(u for u in users if u.id == captain_id)
            row = await TeamMember.select(TeamMember.id).where(
                (TeamMember.entrant == team_id) & (TeamMember.user == user.id)).first()
            try:
                if action == "invite":
                    await teams.invite(t["id"], team_id, captain, user.username)
                elif action in ("accept", "decline") and row is not None:
                    await getattr(teams, action)(row["id"], user)
                elif action == "remove":
                    await teams.remove(t["id"], team_id, captain, user.id)
                elif action == "leave":
                    await teams.remove(t["id"], team_id, user, user.id)
                elif action == "captain":
                    await teams.make_captain(t["id"], team_id, captain, user.id)
            except PodiumError as exc:
                assert exc.status_code in (403, 404, 409), exc
            await _invariants(t["id"], team_ids, size)

    # Hypothesis drives the examples from a worker thread; each example runs on this
    # test's event loop (the database pool belongs to it).
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(operations, st.integers(2, 4))
    def check(ops, size):
        asyncio.run_coroutine_threadsafe(run(ops, size), loop).result()

    await asyncio.to_thread(check)
