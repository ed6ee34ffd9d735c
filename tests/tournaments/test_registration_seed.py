"""Players who register themselves get a seed at once: the order of registration, or
their rating in a tournament that seeds by rating (issue 9)."""

from __future__ import annotations

from datetime import datetime, timezone

from podium.tests.tournaments.support import create, players
from podium.tournaments.ratings import game_key
from podium.tournaments.tables import PlayerRating


async def _entrants(c, tid):
    return (await c.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"]


async def test_self_registered_players_are_seeded_in_order_before_later_entrants(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, capacity=3)
    url = f"/api/v1/tournaments/{t['id']}/registrations"
    (a, ha), (b, hb), (w, hw) = await players(3)
    assert (await c.post(url, headers=ha)).json()["seed"] == 1
    assert (await c.post(url, headers=hb)).json()["seed"] == 2
    r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Late"},
                     headers=org)
    assert r.json()["seed"] == 3
    waiting = (await c.post(url, headers=hw)).json()
    assert waiting["status"] == "waitlisted" and waiting["seed"] is None
    # A's place goes to the waitlisted player, with the next seed (not a duplicate of 3).
    promoted = (await c.delete(url, headers=ha)).json()["promoted"]
    assert promoted["user_id"] == w.id and promoted["seed"] == 4
    field = [e for e in await _entrants(c, t["id"]) if e["status"] == "registered"]
    assert [e["seed"] for e in field] == [2, 3, 4]
    assert [e["user_id"] for e in field] == [b.id, None, w.id]


async def test_rating_seeded_tournament_places_a_registrant_by_rating(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, seeding="rating")
    (low, hl), (high, hh), (new, hn) = await players(3)
    for user, ordinal in ((low, 5.0), (high, 30.0)):
        await PlayerRating(user=user.id, game=game_key("Rocket League"), mu=25.0, sigma=8.0,
                           ordinal=ordinal, matches=3, game_name="Rocket League",
                           updated_at=datetime.now(timezone.utc)).save()
    url = f"/api/v1/tournaments/{t['id']}/registrations"
    assert (await c.post(url, headers=hn)).json()["seed"] == 1  # unrated, alone
    assert (await c.post(url, headers=hl)).json()["seed"] == 1  # rated goes ahead
    assert (await c.post(url, headers=hh)).json()["seed"] == 1
    order = [e["user_id"] for e in await _entrants(c, t["id"])]
    assert order == [high.id, low.id, new.id]
