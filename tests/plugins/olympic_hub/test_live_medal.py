"""A medal reached is announced live on the fan's own topic; points changes nudge the
fan's hub page to re-fetch its standing."""

from __future__ import annotations

import asyncio
import json

import pytest

from podium.social.actions import FOLLOW, NewAction, record_many
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row

pytestmark = pytest.mark.hooks("podium_live_messages", "podium_points_awarded")


async def _events(subscriber, count: int) -> list[dict]:
    out = []
    for _ in range(count):
        raw = await asyncio.wait_for(anext(subscriber.iter_events()), timeout=5)
        out.append(json.loads(raw))
    return out


async def test_a_medal_is_announced_on_the_fans_topic(podium_app, podium_client) -> None:
    athletes = [await athlete_row(f"rider{i}") for i in range(5)]
    fan = await quick_user("fan1")
    channels = podium_app.state.channels
    async with channels.start_subscription([f"user-{fan.id}"]) as subscriber:
        # 5 follows: the season's bronze (5 points by default)
        await record_many([NewAction(fan.id, FOLLOW, f"athlete:{a['id']}") for a in athletes])
        await podium_client.settle()
        got = await _events(subscriber, 2)
    by_name = {e["event"]: e["data"] for e in got}
    assert set(by_name) == {"hub-points", "hub-medal"}
    assert "Bronze" in by_name["hub-medal"] and 'data-testid="medal-news"' in by_name["hub-medal"]


async def test_a_medal_lost_by_an_unfollow_is_announced_too(podium_app, podium_client) -> None:
    from podium.social.actions import UNFOLLOW

    athletes = [await athlete_row(f"rider{i}") for i in range(5)]
    fan = await quick_user("fan1")
    await record_many([NewAction(fan.id, FOLLOW, f"athlete:{a['id']}") for a in athletes])
    await podium_client.settle()
    channels = podium_app.state.channels
    async with channels.start_subscription([f"user-{fan.id}"]) as subscriber:
        # one unfollow: 4 points, below the season's bronze (5)
        await record_many([NewAction(fan.id, UNFOLLOW, f"athlete:{athletes[0]['id']}")])
        await podium_client.settle()
        got = await _events(subscriber, 2)
    by_name = {e["event"]: e["data"] for e in got}
    assert set(by_name) == {"hub-points", "hub-medal"}
    assert "no longer hold" in by_name["hub-medal"] and "Bronze" in by_name["hub-medal"]
    assert 'data-testid="medal-news"' in by_name["hub-medal"]


async def test_plugins_hear_of_points_awarded_and_taken_back(podium_app_factory, podium_client_factory) -> None:
    from podium.core.testing import make_plugin
    from podium.social.actions import UNFOLLOW

    seen: list = []
    def heard(event) -> None:
        seen.append(event)

    app = podium_app_factory(extra=[make_plugin("spy", podium_points_awarded=heard)])
    client = await podium_client_factory(app)
    [a] = [await athlete_row("rider0")]
    fan = await quick_user("fan1")
    await record_many([NewAction(fan.id, FOLLOW, f"athlete:{a['id']}")])
    await client.settle()
    await record_many([NewAction(fan.id, UNFOLLOW, f"athlete:{a['id']}")])
    await client.settle()
    assert [[(w.fan_id, w.points, w.rule) for w in e.awards] for e in seen] == [
        [(fan.id, 1, "olympic_hub.follow")], [(fan.id, -1, "olympic_hub.follow")]]
