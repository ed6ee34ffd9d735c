"""Open pages hear about changes to the field made through the JSON API, not only through
the pages: registrations, withdrawals and check-ins publish on the tournament's topic."""

from __future__ import annotations

import asyncio
import json

from podium.tests.tournaments.support import create, players


async def _next_event(subscriber) -> dict:
    raw = await asyncio.wait_for(anext(subscriber.iter_events()), timeout=5)
    return json.loads(raw)


async def test_api_registration_and_withdrawal_reach_open_screens(api):
    c, org = api["c"], api["org"]
    t = await create(c, org)
    (_user, headers), = await players(1, prefix="live")
    channels = api["app"].state.channels
    async with channels.start_subscription([f"tournament-{t['id']}"]) as subscriber:
        registered = await c.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
        assert registered.status_code == 201
        event = await _next_event(subscriber)
        assert event["event"] == f"bracket-{t['id']}"
        first_version = json.loads(event["data"])["version"]
        withdrawn = await c.delete(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
        assert withdrawn.status_code == 200
        event = await _next_event(subscriber)
        assert json.loads(event["data"])["version"] > first_version
