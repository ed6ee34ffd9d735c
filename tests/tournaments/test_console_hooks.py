"""Plugins hear about completed matches and started tournaments after commit, through the
outbox: ``podium_matches_completed`` receives exactly the matches a result completed (a
correction included), ``podium_tournament_started`` the seeded field."""

from __future__ import annotations

import pytest

from podium.core.events import MatchesCompleted, TournamentStarted
from podium.core.testing import make_plugin
from podium.tests.tournaments.support import create, field_of, matches, organiser, win_games
from podium.tests.tournaments.support import participants


@pytest.mark.hooks("podium_matches_completed", "podium_tournament_started")
async def test_matches_completed_hook_gets_the_completed_matches(podium_app_factory,
                                                                 podium_client_factory):
    heard: list[tuple[int, list[str]]] = []
    started: list[TournamentStarted] = []
    last: list[MatchesCompleted] = []

    async def completed(event: MatchesCompleted) -> None:
        heard.append((event.tournament_id, [m.key for m in event.matches]))
        last.append(event)

    app = podium_app_factory(extra=[make_plugin("listener",
                                                podium_matches_completed=completed,
                                                podium_tournament_started=lambda event: started.append(event))])
    c = await podium_client_factory(app)
    org = await organiser()
    t = await create(c, org)
    await field_of(c, org, t["id"], 4)
    field = await c.get(f"/api/v1/tournaments/{t['id']}/entrants")
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert heard == []  # starting completes nothing
    assert [e.tournament_id for e in started] == [t["id"]]
    assert set(started[0].entrant_ids) == {e["id"] for e in field.json()["items"]}
    first = [m for m in await matches(c, t["id"]) if m["round"] == 1][0]
    a, b = participants(first)
    await c.post(f"/api/v1/matches/{first['id']}/result",
                 json={"winner_id": a, "games": win_games(first, a)}, headers=org)
    assert heard == [(t["id"], [first["key"]])]
    done = last[-1].matches[0]
    assert done.id == first["id"] and done.winner_id == a and set(done.entrant_ids) == {a, b}
    assert done.games == tuple(tuple(g) for g in win_games(first, a)) and not done.forfeit
    await c.post(f"/api/v1/matches/{first['id']}/result",
                 json={"winner_id": b, "games": win_games(first, b)}, headers=org)
    assert heard[-1] == (t["id"], [first["key"]])  # a correction completes it again
    assert len(heard) == 2
