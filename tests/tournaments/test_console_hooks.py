"""Plugins hear about completed matches: ``podium_matches_completed`` receives the
tournament and exactly the matches a result completed (a correction included)."""

from __future__ import annotations

import pytest

from podium.core.testing import make_plugin
from podium.tests.tournaments.support import create, field_of, matches, organiser, win_games
from podium.tests.tournaments.support import participants


@pytest.mark.hooks("podium_matches_completed")
async def test_matches_completed_hook_gets_the_completed_matches(podium_app_factory,
                                                                 podium_client_factory):
    heard: list[tuple[int, list[str]]] = []

    async def completed(tournament, matches):
        heard.append((tournament["id"], [m["key"] for m in matches]))

    app = podium_app_factory(extra=[make_plugin("listener",
                                                      podium_matches_completed=completed)])
    c = await podium_client_factory(app)
    org = await organiser()
    t = await create(c, org)
    await field_of(c, org, t["id"], 4)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert heard == []  # starting completes nothing
    first = [m for m in await matches(c, t["id"]) if m["round"] == 1][0]
    a, b = participants(first)
    await c.post(f"/api/v1/matches/{first['id']}/result",
                 json={"winner_id": a, "games": win_games(first, a)}, headers=org)
    assert heard == [(t["id"], [first["key"]])]
    await c.post(f"/api/v1/matches/{first['id']}/result",
                 json={"winner_id": b, "games": win_games(first, b)}, headers=org)
    assert heard[-1] == (t["id"], [first["key"]])  # a correction completes it again
    assert len(heard) == 2
