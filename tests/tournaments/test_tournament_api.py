"""The tournaments' JSON API: creation, entrants, registration and waitlist, check-in,
start, matches, reports/confirm/dispute, organiser results and corrections, standings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.core.testing import set_plugin_enabled
from podium.tests.tournaments.support import (
    assert_projection_matches_log,
    create,
    field_of,
    matches,
    participants,
    players,
    win_games,
)
from podium.tournaments.tables import Entrant, MatchReport, ResultLog


async def started_with_players(api, n: int = 4, fmt: str = "single_elimination", **extra):
    """A tournament of ``n`` registered players, started; returns (tournament, players)."""
    c, org = api["c"], api["org"]
    t = await create(c, org, fmt, **extra)
    ps = await players(n)
    for _user, headers in ps:
        assert (await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
                ).status_code == 201
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 200, r.text
    entrants = (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]
    headers_of = {e["id"]: dict(ps)[next(u for u, _ in ps if u.id == e["user_id"])]
                  for e in entrants}
    return t, headers_of


# -- creation ---------------------------------------------------------------------------


async def test_create_list_get(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, options={"third_place": True}, capacity=16)
    assert t["status"] == "registration" and t["format"] == "single_elimination"
    assert t["options"]["third_place"] is True and t["options"]["best_of"] == 1
    assert t["entrant_counts"]["registered"] == 0
    page = (await c.get("/api/v1/tournaments")).json()
    assert page["total"] == 1 and page["items"][0]["id"] == t["id"] and page["limit"] == 50
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json() == t
    assert (await c.get("/api/v1/tournaments/999")).json()["code"] == "not_found"


# Values outside the documented schema (lengths, ranges, enums) are a 400 naming the
# field; values the schema allows but a rule refuses are a 422.
@pytest.mark.parametrize("body, code, status", [
    ({"format": "quidditch"}, "unknown_format", 422),
    ({"options": {"third_plac": True}}, "invalid", 422),
    ({"options": {"best_of": 2}}, "invalid", 422),
    ({"name": "  "}, "invalid", 422),
    ({"name": "x" * 121}, "invalid", 400),
    ({"capacity": 1}, "invalid", 400),
    ({"team_size": 0}, "invalid", 400),
    ({"seeding": "vibes"}, "invalid", 400),
])
async def test_create_refuses_bad_input(api, body, code, status):
    c, org = api["c"], api["org"]
    full = {"name": "Clash", "game": "RL", "format": "single_elimination", "options": {}, **body}
    r = await c.post("/api/v1/tournaments", json=full, headers=org)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert (await c.get("/api/v1/tournaments")).json()["total"] == 0


async def test_create_needs_an_organiser_and_an_enabled_format(api):
    c, org = api["c"], api["org"]
    body = {"name": "Clash", "game": "RL", "format": "single_elimination"}
    assert (await c.post("/api/v1/tournaments", json=body)).status_code == 401
    (_, fan), = await players(1, "fan")
    assert (await c.post("/api/v1/tournaments", json=body, headers=fan)).status_code == 403
    await set_plugin_enabled(api["app"], "esport", False)
    r = await c.post("/api/v1/tournaments", json=body, headers=org)
    assert r.status_code == 422 and r.json()["code"] == "format_disabled"


# -- entrants and registration ----------------------------------------------------------


async def test_organiser_adds_entrants_with_seeds(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, capacity=3)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Alpha"}, headers=org)
    assert r.status_code == 201 and r.json()["seed"] == 1
    r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants",
                     json={"name": "Beta", "seed": 7, "rating": 1500.5}, headers=org)
    assert r.json()["seed"] == 7 and r.json()["rating"] == 1500.5
    await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Gamma"}, headers=org)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Delta"}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "full"
    for bad in ({"name": ""}, {"name": "a\x07"}, {"name": "x", "seed": 0},
                {"name": "x", "rating": 1e300}):
        r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json=bad, headers=org)
        assert r.status_code in (400, 409, 422), (bad, r.text)
    names = [e["name"] for e in (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]]
    assert names == ["Alpha", "Gamma", "Beta"]


async def test_registration_waitlist_and_promotion(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, capacity=2)
    url = f"/api/v1/tournaments/{t['id']}/registrations"
    (a, ha), (b, hb), (w, hw) = await players(3)
    assert (await c.post(url, headers=ha)).json()["status"] == "registered"
    assert (await c.post(url, headers=hb)).json()["status"] == "registered"
    r = await c.post(url, headers=hw)
    assert r.status_code == 201 and r.json()["status"] == "waitlisted"
    r = await c.post(url, headers=ha)
    assert r.status_code == 409 and r.json()["code"] == "already_registered"
    r = await c.delete(url, headers=ha)
    assert r.status_code == 200, r.text
    assert r.json()["withdrawn"]["status"] == "withdrawn"
    assert r.json()["promoted"]["user_id"] == w.id and r.json()["promoted"]["status"] == "registered"
    assert (await c.delete(url, headers=ha)).status_code == 404
    counts = (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["entrant_counts"]
    assert counts == {"registered": 2, "waitlisted": 0, "withdrawn": 1, "dropped": 0}
    assert (await c.post(url)).status_code == 401


async def test_registration_window_and_team_names(api):
    c, org = api["c"], api["org"]
    later = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    t = await create(c, org, registration_opens=later)
    (_, h), = await players(1)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "registration_closed"
    teams = await create(c, org, team_size=3)
    url = f"/api/v1/tournaments/{teams['id']}/registrations"
    assert (await c.post(url, headers=h)).status_code == 422  # a team needs a name
    r = await c.post(url, json={"team_name": "Velo Esports"}, headers=h)
    assert r.status_code == 201 and r.json()["name"] == "Velo Esports"


async def test_check_in_and_no_shows_dropped_at_start(api):
    c, org = api["c"], api["org"]
    now = datetime.now(timezone.utc)
    t = await create(c, org, checkin_opens=(now - timedelta(hours=1)).isoformat(),
                     checkin_closes=(now + timedelta(hours=1)).isoformat())
    ps = await players(5)
    for _, h in ps:
        await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=h)
    for _, h in ps[:4]:
        r = await c.post(f"/api/v1/tournaments/{t['id']}/check-in", headers=h)
        assert r.status_code == 200 and r.json()["checked_in"] is True
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 200, r.text
    assert r.json()["entrant_counts"]["registered"] == 4
    assert r.json()["entrant_counts"]["dropped"] == 1
    assert len(await matches(c, t["id"])) == 3  # 4 entrants: 2 semis + final
    r = await c.post(f"/api/v1/tournaments/{t['id']}/check-in", headers=ps[4][1])
    assert r.status_code == 409


# -- start and matches ------------------------------------------------------------------


async def test_start_builds_the_bracket(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    ids = await field_of(c, org, t["id"], 6)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start")).status_code == 401
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 200 and r.json()["status"] == "running"
    items = await matches(c, t["id"])
    assert len(items) == 7
    first = items[0]
    assert set(first) >= {"id", "stage", "bracket", "round", "position", "status", "slots",
                          "winner_id", "games", "station"}
    assert first["bracket"] == "winners" and first["round"] == 1 and first["position"] == 1
    # Byes go to the top seeds: seeds 1 and 2 skip round one.
    skipped = [m for m in items if m["status"] == "skipped"]
    assert len(skipped) == 2
    ready = await matches(c, t["id"], status="ready")
    assert len(ready) == 2 and all(m["status"] == "ready" for m in ready)
    assert all(s["name"].startswith("Team ") for m in ready for s in m["slots"])
    pending = [m for m in items if m["status"] == "pending"]
    assert any("source" in s for m in pending for s in m["slots"])
    page = (await c.get(f"/api/v1/tournaments/{t['id']}/matches?limit=2&offset=2")).json()
    assert page["total"] == 7 and len(page["items"]) == 2
    assert (await c.get(f"/api/v1/tournaments/{t['id']}/matches?limit=10001")).status_code == 400
    r = await c.get(f"/api/v1/tournaments/{t['id']}/matches?status=nonsense")
    assert r.status_code == 400  # not one of the documented statuses
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "started"
    r = await c.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Late"}, headers=org)
    assert r.status_code == 409
    await assert_projection_matches_log(api["app"], t["id"])
    assert ids


async def test_start_refuses_a_field_too_small(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    await field_of(c, org, t["id"], 1)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "cannot_start"
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "registration"


async def test_seeding_by_hand_and_by_rating(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    ids = await field_of(c, org, t["id"], 4)
    url = f"/api/v1/tournaments/{t['id']}/seeding"
    r = await c.put(url, json={"entrant_ids": list(reversed(ids))}, headers=org)
    assert r.status_code == 200 and [e["id"] for e in r.json()["items"]] == list(reversed(ids))
    assert (await c.put(url, json={"entrant_ids": ids[:3]}, headers=org)).status_code == 422
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    entrants = (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]
    assert [e["id"] for e in entrants] == list(reversed(ids)) and entrants[0]["seed"] == 1

    rated = await create(c, org, seeding="rating")
    for name, rating in [("Low", 1000), ("High", 2000), ("Mid", 1500), ("None", None)]:
        await c.post(f"/api/v1/tournaments/{rated['id']}/entrants",
                     json={"name": name, "rating": rating}, headers=org)
    await c.post(f"/api/v1/tournaments/{rated['id']}/start", headers=org)
    entrants = (await c.get(f"/api/v1/tournaments/{rated['id']}/entrants")).json()["items"]
    assert [e["name"] for e in entrants] == ["High", "Mid", "Low", "None"]


# -- reports, confirmation, disputes ----------------------------------------------------


async def test_report_then_confirm_advances_the_winner(api):
    c = api["c"]
    t, headers_of = await started_with_players(api, 4)
    m = (await matches(c, t["id"], status="ready"))[0]
    a, b = participants(m)
    r = await c.post(f"/api/v1/matches/{m['id']}/report",
                     json={"winner_id": a, "games": win_games(m, a)}, headers=headers_of[a])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awaiting_confirmation" and r.json()["report"]["winner_id"] == a
    r = await c.post(f"/api/v1/matches/{m['id']}/confirm", headers=headers_of[a])
    assert r.status_code == 409 and r.json()["code"] == "own_report"
    r = await c.post(f"/api/v1/matches/{m['id']}/confirm", headers=headers_of[b])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["winner_id"] == a
    assert r.json()["report"] is None
    final = [x for x in await matches(c, t["id"]) if x["round"] == 2][0]
    assert a in participants(final)
    await assert_projection_matches_log(api["app"], t["id"])


async def test_agreeing_reports_complete_and_disagreeing_ones_dispute(api):
    c, org = api["c"], api["org"]
    t, headers_of = await started_with_players(api, 4)
    m1, m2 = await matches(c, t["id"], status="ready")
    a, b = participants(m1)
    await c.post(f"/api/v1/matches/{m1['id']}/report",
                 json={"winner_id": a, "games": win_games(m1, a)}, headers=headers_of[a])
    r = await c.post(f"/api/v1/matches/{m1['id']}/report",
                     json={"winner_id": a, "games": win_games(m1, a)}, headers=headers_of[b])
    assert r.json()["status"] == "completed"
    c1, d1 = participants(m2)
    await c.post(f"/api/v1/matches/{m2['id']}/report",
                 json={"winner_id": c1, "games": win_games(m2, c1)}, headers=headers_of[c1])
    r = await c.post(f"/api/v1/matches/{m2['id']}/dispute", headers=headers_of[d1])
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    r = await c.post(f"/api/v1/matches/{m2['id']}/report",
                     json={"winner_id": d1, "games": win_games(m2, d1)}, headers=headers_of[d1])
    assert r.status_code == 409 and r.json()["code"] == "disputed"
    assert (await c.get(f"/api/v1/tournaments/{t['id']}/matches?status=disputed")).json()["total"] == 1
    r = await c.post(f"/api/v1/matches/{m2['id']}/result",
                     json={"winner_id": d1, "games": win_games(m2, d1)}, headers=org)
    assert r.status_code == 200 and r.json()["status"] == "completed" and r.json()["winner_id"] == d1
    assert await MatchReport.count().where(MatchReport.state.is_in(["pending", "disputed"])) == 0
    await assert_projection_matches_log(api["app"], t["id"])


async def test_result_errors_change_nothing(api):
    c, org = api["c"], api["org"]
    t, headers_of = await started_with_players(api, 4)
    items = await matches(c, t["id"])
    m = [x for x in items if x["status"] == "ready"][0]
    other = [x for x in items if x["status"] == "ready"][1]
    final = [x for x in items if x["status"] == "pending"][0]
    a, b = participants(m)
    outsider = participants(other)[0]
    cases = [
        (m, {"winner_id": outsider, "games": [[1, 0]]}, headers_of[a], 422, "winner_not_in_match"),
        (m, {"winner_id": a, "games": win_games(m, b)}, headers_of[a], 422, "games_contradict_winner"),
        (m, {"winner_id": a, "games": [[1, 0], [1, 0], [1, 0]]}, headers_of[a], 422,
         "games_contradict_winner"),
        (m, {"winner_id": a, "games": [[1]]}, headers_of[a], 422, "invalid_games"),
        # Three numbers are a lobby's placings: a two-sided match refuses them (422, not 500).
        (m, {"winner_id": a, "games": [[1, 0, 2]]}, headers_of[a], 422, "invalid_games"),
        (m, {"winner_id": a, "games": [[-1, 0]]}, headers_of[a], 422, "invalid_games"),
        (m, {"winner_id": a, "games": win_games(m, a)}, headers_of[outsider], 403, "not_playing"),
        (final, {"winner_id": a, "games": [[1, 0]]}, headers_of[a], (403, 409), None),
        (final, {"winner_id": a, "games": [[1, 0]]}, org, 409, "not_ready"),
    ]
    for match, body, headers, status, code in cases:
        path = "result" if headers is org else "report"
        r = await c.post(f"/api/v1/matches/{match['id']}/{path}", json=body, headers=headers)
        expected = status if isinstance(status, tuple) else (status,)
        assert r.status_code in expected, (body, r.text)
        if code:
            assert r.json()["code"] == code, r.text
    r = await c.post(f"/api/v1/matches/{final['id']}/result", json={"winner_id": a, "games": [[1, 0]]},
                     headers={**org, "Accept-Language": "fr"})
    assert r.json()["code"] == "not_ready"  # the engine's status word, in French
    assert r.json()["detail"] == f"le match {final['key']} est en attente et ne peut pas recevoir de résultat"
    assert await ResultLog.count() == 0 and await MatchReport.count() == 0
    assert await matches(c, t["id"]) == items
    r = await c.post("/api/v1/matches/999999/report", json={"winner_id": a}, headers=headers_of[a])
    assert r.status_code == 404
    r = await c.post(f"/api/v1/matches/{m['id']}/result", json={"winner_id": a}, headers=headers_of[a])
    assert r.status_code == 403
    # Decided by the organiser: a player's late report is refused, in the player's language.
    r = await c.post(f"/api/v1/matches/{m['id']}/result", json={
        "winner_id": a, "games": win_games(m, a)}, headers=org)
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/matches/{m['id']}/report", json={
        "winner_id": b, "games": win_games(m, b)}, headers={**headers_of[b], "Accept-Language": "fr"})
    assert r.status_code == 409 and r.json()["code"] == "not_ready"
    assert r.json()["detail"] == (f"le match {m['key']} est déjà décidé ; demandez à un "
                                  "organisateur de le corriger")


# -- organiser results, corrections, forfeits -------------------------------------------


async def play(c, org, tid, winner_of):
    """Play every ready match with the organiser's results until none is ready."""
    while True:
        ready = await matches(c, tid, status="ready")
        if not ready:
            return
        for m in ready:
            w = winner_of(m)
            r = await c.post(f"/api/v1/matches/{m['id']}/result",
                             json={"winner_id": w, "games": win_games(m, w)}, headers=org)
            assert r.status_code == 200, r.text


async def test_correction_reflows_and_marks_replays(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    await field_of(c, org, t["id"], 4)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    seed_of = {e["id"]: e["seed"] for e in
               (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    await play(c, org, t["id"], lambda m: min(participants(m), key=seed_of.get))
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"
    standings = (await c.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert [row["seed"] for row in standings[:2]] == [1, 2] and standings[0]["rank"] == 1
    assert standings[0]["name"] == "Team 1"
    # Correct semi-final 1: seed 4 beat seed 1 after all. The final had been played by seed 1.
    semi = [m for m in await matches(c, t["id"]) if m["round"] == 1 and
            any(seed_of[p] == 1 for p in participants(m))][0]
    loser = [p for p in participants(semi) if seed_of[p] != 1][0]
    r = await c.post(f"/api/v1/matches/{semi['id']}/result",
                     json={"winner_id": loser, "games": win_games(semi, loser)}, headers=org)
    assert r.status_code == 200 and r.json()["winner_id"] == loser
    final = [m for m in await matches(c, t["id"]) if m["round"] == 2][0]
    assert final["status"] == "needs_replay" and final["stale_result"] is True
    assert loser in participants(final)
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "running"
    assert await ResultLog.count().where(ResultLog.superseded_by.is_not_null()) == 1
    await assert_projection_matches_log(api["app"], t["id"])
    # The replay completes the tournament again.
    r = await c.post(f"/api/v1/matches/{final['id']}/result",
                     json={"winner_id": loser, "games": win_games(final, loser)}, headers=org)
    assert r.json()["status"] == "completed"
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"
    standings = (await c.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert standings[0]["entrant_id"] == loser


async def test_forfeit_and_double_forfeit(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    await field_of(c, org, t["id"], 4)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    m1, m2 = await matches(c, t["id"], status="ready")
    a = participants(m1)[0]
    r = await c.post(f"/api/v1/matches/{m1['id']}/result", json={"winner_id": a, "forfeit": True},
                     headers=org)
    assert r.status_code == 200 and r.json()["winner_id"] == a and r.json()["games"] == []
    r = await c.post(f"/api/v1/matches/{m2['id']}/result", json={"winner_id": None, "forfeit": True},
                     headers=org)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["winner_id"] is None
    r = await c.post(f"/api/v1/matches/{m2['id']}/result", json={"winner_id": None}, headers=org)
    assert r.status_code == 422 and r.json()["code"] == "draw_not_allowed"
    await assert_projection_matches_log(api["app"], t["id"])


async def test_rounds_refused_for_static_formats(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, "double_elimination")
    await field_of(c, org, t["id"], 4)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/rounds", headers=org)
    assert r.status_code == 422 and r.json()["code"] == "not_round_based"
    assert "round-based" in r.json()["detail"]


async def test_standings_before_start_are_empty(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    r = await c.get(f"/api/v1/tournaments/{t['id']}/standings")
    assert r.status_code == 200 and r.json() == {"items": [], "total": 0}
    assert (await c.get("/api/v1/tournaments/424242/standings")).status_code == 404


async def test_double_elimination_played_through(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, "double_elimination", options={"grand_final": "reset"})
    await field_of(c, org, t["id"], 8)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    seed_of = {e["id"]: e["seed"] for e in
               (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    await play(c, org, t["id"], lambda m: min(participants(m), key=seed_of.get))
    played = await matches(c, t["id"], status="completed")
    assert len(played) == 2 * 8 - 2  # no reset: the winners-bracket champion won
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"
    await assert_projection_matches_log(api["app"], t["id"])
    assert await Entrant.count() == 8


async def test_swiss_rounds_are_paired_on_demand(api):
    c, org = api["c"], api["org"]
    t = await create(c, org, "swiss", options={"system": "dutch", "rounds": 3})
    await field_of(c, org, t["id"], 6)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    first = await matches(c, t["id"])
    assert len(first) == 3 and all(m["round"] == 1 for m in first)  # round one at start
    r = await c.post(f"/api/v1/tournaments/{t['id']}/rounds", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "cannot_pair"  # round one unfinished
    seed_of = {e["id"]: e["seed"] for e in
               (await c.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    await play(c, org, t["id"], lambda m: min(participants(m), key=seed_of.get))
    r = await c.post(f"/api/v1/tournaments/{t['id']}/rounds", headers=org)
    assert r.status_code == 201, r.text
    second = [m for m in await matches(c, t["id"]) if m["round"] == 2]
    assert len(second) == 3 and all(m["status"] == "ready" for m in second)
    pairs = {frozenset(participants(m)) for m in await matches(c, t["id"])}
    assert len(pairs) == 6  # nobody met twice
    await assert_projection_matches_log(api["app"], t["id"])
    standings = (await c.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert len(standings) == 6 and standings[0]["rank"] == 1
