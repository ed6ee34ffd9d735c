"""Ratings (openskill, Plackett-Luce) derived from the results log: deterministic,
corrections reflected, shown on player profiles, used to seed by rating."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podium.tests.tournaments.support import create, matches, organiser, participants, players
from podium.tests.tournaments.support import win_games
from podium.tournaments import ratings


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.booleans(), st.booleans()),
                max_size=30))
def test_compute_is_deterministic_and_winners_gain(games):
    results = [{"winner": a if a_wins else b, "participants": [a, b], "forfeit": forfeit}
               for a, b, a_wins, forfeit in games if a != b]
    sides = {i: [100 + i] for i in range(1, 6)}
    once, again = ratings.compute(results, sides), ratings.compute(list(results), sides)
    assert once == again
    for user, row in once.items():
        assert row["matches"] == row["wins"] + row["losses"]
    played = [r for r in results if not r["forfeit"]]
    if played and len(played) == 1:
        winner = 100 + played[0]["winner"]
        loser = 100 + [p for p in played[0]["participants"] if p != played[0]["winner"]][0]
        assert once[winner]["mu"] > 25 > once[loser]["mu"]


def test_forfeits_and_unknown_sides_are_not_stored():
    results = [{"winner": 1, "participants": [1, 2], "forfeit": True},
               {"winner": 2, "participants": [1, 2], "forfeit": False}]
    table = ratings.compute(results, {1: [7], 2: []})
    assert list(table) == [7] and table[7]["losses"] == 1 and table[7]["matches"] == 1


async def test_ratings_follow_corrections_profile_and_seed(podium_app, podium_client_factory):
    c = await podium_client_factory(podium_app)
    org = await organiser()
    t = await create(c, org, game="Rocket  League")
    ps = await players(2, prefix="rated")
    for _u, h in ps:
        await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=h)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    m = (await matches(c, t["id"]))[0]
    ents = {e["user_id"]: e["id"] for e in
            (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    first, second = ps[0][0], ps[1][0]
    w = ents[first.id]
    await c.post(f"/api/v1/matches/{m['id']}/result",
                 json={"winner_id": w, "games": win_games(m, w)}, headers=org)
    p1 = (await c.get(f"/api/v1/players/{first.username}")).json()
    assert p1["ratings"][0]["game"] == "Rocket  League" and p1["ratings"][0]["wins"] == 1
    assert p1["ratings"][0]["mu"] > 25
    # Correct the result: the ratings are recomputed from the log.
    lw = ents[second.id]
    await c.post(f"/api/v1/matches/{m['id']}/result",
                 json={"winner_id": lw, "games": win_games(m, lw)}, headers=org)
    p1 = (await c.get(f"/api/v1/players/{first.username}")).json()
    assert p1["ratings"][0]["wins"] == 0 and p1["ratings"][0]["losses"] == 1
    assert p1["ratings"][0]["mu"] < 25
    page = await c.get(f"/players/{second.username}")
    assert page.status_code == 200 and "Rocket  League" in page.text and "won" in page.text
    assert (await c.get("/players/nobody-here")).status_code == 404
    assert (await c.get("/api/v1/players/nobody-here")).status_code == 404
    # Seed a new tournament of the same game (spelled differently) by rating.
    t2 = await create(c, org, game="rocket league")
    for _u, h in reversed(ps):
        await c.post(f"/api/v1/tournaments/{t2['id']}/registrations", headers=h)
    await c.post(f"/api/v1/tournaments/{t2['id']}/entrants", json={"name": "Pro", "rating": 99},
                 headers=org)
    got = await ratings.entrant_ratings(t2["id"])
    await ratings.seed_by_rating(t2["id"])
    order = [e["name"] for e in
             (await c.get(f"/api/v1/tournaments/{t2['id']}/entrants")).json()["items"]]
    assert order[0] == "Pro" and len(got) == 3
    names = {u.id: u.display_name or u.username for u, _ in ps}
    assert order[1] == names[second.id]  # the winner of the corrected match
    assert participants(m)  # the match existed


async def test_start_with_rating_seeding_uses_openskill(podium_app, podium_client_factory):
    """A tournament created with ``seeding="rating"`` seeds at start by the players' ratings
    in the game, not by registration order: the winner of an earlier match seeds first."""
    c = await podium_client_factory(podium_app)
    org = await organiser()
    ps = await players(4, prefix="seedr")
    first = await create(c, org)
    for _u, h in ps[:2]:
        await c.post(f"/api/v1/tournaments/{first['id']}/registrations", headers=h)
    await c.post(f"/api/v1/tournaments/{first['id']}/start", headers=org)
    m = (await matches(c, first["id"]))[0]
    ents = {e["user_id"]: e["id"] for e in
            (await c.get(f"/api/v1/tournaments/{first['id']}/entrants")).json()["items"]}
    winner_user = ps[1][0]  # the later registrant wins
    w = ents[winner_user.id]
    r = await c.post(f"/api/v1/matches/{m['id']}/result",
                     json={"winner_id": w, "games": win_games(m, w)}, headers=org)
    assert r.status_code == 200, r.text
    rated = await create(c, org, seeding="rating")
    for _u, h in ps:  # registration order: ps[0] (the loser) first, unrated ps[2], ps[3]
        await c.post(f"/api/v1/tournaments/{rated['id']}/registrations", headers=h)
    r = await c.post(f"/api/v1/tournaments/{rated['id']}/start", headers=org)
    assert r.status_code == 200, r.text
    field = (await c.get(f"/api/v1/tournaments/{rated['id']}/entrants")).json()["items"]
    by_seed = sorted(field, key=lambda e: e["seed"])
    assert by_seed[0]["user_id"] == winner_user.id
    assert by_seed[1]["user_id"] == ps[0][0].id  # rated (a loss) ahead of the unrated
    assert {e["user_id"] for e in by_seed[2:]} == {ps[2][0].id, ps[3][0].id}
