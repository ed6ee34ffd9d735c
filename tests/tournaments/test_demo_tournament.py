"""``podium demo`` seeds a live tournament: a started 16-player double elimination in the
e-sport arena event, some results in, stations busy and a stream queue; and a 3v3 Swiss on
an arena event of its own."""

from __future__ import annotations

import re

from podium.core.accounts.service import get_user_by_name
from podium.tournaments import catalogue, matches, registration, stations, teams
from podium.tournaments.tables import Tournament
from podium.web.demo import seed_demo


async def test_demo_has_a_running_double_elimination(podium_db):
    result = await seed_demo(admin_password="demo-admin-pw")
    tid = result.made["tournament"]
    t = await catalogue.get_tournament(tid)
    assert t["status"] == "running" and t["format"] == "double_elimination"
    assert t["event_id"] is not None and t["entrant_counts"]["registered"] == 16
    entrants = await registration.list_entrants(tid, ("registered",))
    assert sum(1 for e in entrants if e["user_id"]) == 8
    # Names read like players' tags: none numbered by the seeder ("Player 3", "Entrant 12"),
    # none twice (whatever the case), none too short or too long; a few long ones, which
    # the big screen wraps. The demo players enter under their display names (their tags).
    names = [e["name"] for e in entrants]
    assert len({n.casefold() for n in names}) == 16
    assert not [n for n in names if re.fullmatch(r"(player|entrant|team|fan) ?\d+", n, re.I)]
    assert all(3 <= len(n) <= 32 for n in names) and sum(len(n) > 20 for n in names) >= 2
    player1 = await get_user_by_name("player1")
    assert next(e["name"] for e in entrants if e["user_id"] == player1.id) == "Volt"
    rows, _total = await matches.list_matches(tid, limit=matches.MAX_MATCH_LIMIT)
    done = [m for m in rows if m["status"] == "completed"]
    assert len(done) >= 10
    upsets = [m for m in done if m["bracket"] == "winners" and m["round"] == 1
              and min(s["seed"] for s in m["slots"]) != next(
                  s["seed"] for s in m["slots"] if s["entrant_id"] == m["winner_id"])]
    assert len(upsets) == 1
    st = await stations.list_stations(tid)
    assert len(st) == 8 and all(s["space_id"] for s in st)
    assert sum(1 for s in st if s["match"]) >= 4
    queue = await stations.stream_queue(tid)
    assert len(queue) == 3 and queue[0]["on_stream"]
    assert await Tournament.count() == 2  # and the team tournament below


async def test_demo_has_a_team_tournament_open_for_registration(podium_app,
                                                                podium_client_factory):
    result = await seed_demo(admin_password="demo-admin-pw")
    tid = result.made["team_tournament"]
    t = await catalogue.get_tournament(tid)
    assert (t["status"], t["format"], t["team_size"]) == ("registration", "swiss", 3)
    assert t["name"] == "Arena 3v3 — Swiss" and t["event_id"] is not None
    assert t["event_id"] != (await catalogue.get_tournament(result.made["tournament"]))["event_id"]
    rosters = await teams.rosters(e["id"] for e in await registration.list_entrants(tid))
    by_team = {tuple((m["username"], m["status"]) for m in roster)
               for roster in rosters.values()}
    assert by_team == {
        (("player1", "accepted"), ("player2", "accepted"), ("player3", "invited")),
        (("player4", "accepted"), ("player5", "accepted"), ("player6", "accepted")),
    }
    # player3 finds the invitation on My matches and accepts it there.
    player = await podium_client_factory(podium_app)
    await player.login("player3", "podium-demo")
    mine = await player.get("/me/matches")
    assert "Velo Vipers" in mine.text
    invitation = (await teams.my_invitations(await get_user_by_name("player3"), tid))[0]
    r = await player.form_post(f"/invitations/{invitation['id']}/accept",
                               {"next": f"/tournaments/{tid}"})
    assert r.status_code == 303
    assert len(await teams.incomplete_rosters(t, await registration.list_entrants(tid))) == 0


async def test_demo_tournament_pages(podium_app, podium_client_factory):
    result = await seed_demo(admin_password="demo-admin-pw")
    visitor = await podium_client_factory(podium_app)
    page = await visitor.get(f"/tournaments/{result.made['tournament']}")
    assert page.status_code == 200 and "Podium Clash" in page.text
    profile = await visitor.get("/players/player1")
    assert profile.status_code == 200 and "Rocket League" in profile.text
    player = await podium_client_factory(podium_app)
    await player.login("player1", "podium-demo")
    assert (await player.get("/me/matches")).status_code == 200
    organiser = await podium_client_factory(podium_app)
    await organiser.login("organiser", "podium-demo")
    console = await organiser.get(f"/tournaments/{result.made['tournament']}/console")
    assert console.status_code == 200 and "Station 8" in console.text
    assert "on stream" in console.text


async def test_signed_in_get_that_refreshes_ratings_does_not_lock(podium_app, podium_client_factory):
    """A signed-in GET whose handler writes (the profile refreshes ratings lazily after a
    new result) while the session is saved as the response starts. The session save once
    waited on the request's own read transaction: SQLite stayed locked for 30 s and the
    page failed."""
    result = await seed_demo(admin_password="demo-admin-pw")
    player = await podium_client_factory(podium_app)
    await player.login("player1", "podium-demo")
    assert (await player.get("/players/player1")).status_code == 200  # ratings fresh now
    organiser = await podium_client_factory(podium_app)
    bearer = await organiser.bearer("organiser", "podium-demo")
    rows = (await organiser.get(f"/api/v1/tournaments/{result.made['tournament']}/matches?limit=100",
                                headers=bearer)).json()["items"]
    match = next(m for m in rows if m["status"] in ("ready", "in_progress")
                 and all(s["entrant_id"] for s in m["slots"]))
    winner = match["slots"][0]["entrant_id"]
    answer = await organiser.post(f"/api/v1/matches/{match['id']}/result", headers=bearer,
                                  json={"winner_id": winner, "games": [[2, 0]]})
    assert answer.status_code == 200, answer.text
    page = await player.get("/players/player1")  # recomputes ratings: a write in a GET
    assert page.status_code == 200
    assert (await player.get("/me/matches")).status_code == 200
    await player.login("organiser", "podium-demo")
    console = await player.get(f"/tournaments/{result.made['tournament']}/console")
    assert console.status_code == 200 and "Station 8" in console.text
