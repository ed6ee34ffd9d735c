"""A medal reached is announced live on the fan's own topic; points changes nudge the
fan's hub page to re-fetch its standing."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

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


async def test_a_french_page_reads_its_medal_banners_in_french(podium_app, podium_client) -> None:
    """The events name the tiers; a page in French gets the banner worded in French, the
    tier's label included ("Argent 2026", never the English "Silver 2026")."""
    from podium.social.actions import UNFOLLOW

    season = datetime.now(timezone.utc).year
    athletes = [await athlete_row(f"rider{i}") for i in range(10)]
    fan = await quick_user("fan1")
    channels = podium_app.state.channels
    async with channels.start_subscription([f"user-{fan.id}", f"user-{fan.id}@fr"]) as subscriber:
        # 10 follows: the season's silver (10 points by default)
        await record_many([NewAction(fan.id, FOLLOW, f"athlete:{a['id']}") for a in athletes])
        await podium_client.settle()
        reached = {e["event"]: e["data"] for e in await _events(subscriber, 2)}
        card = await podium_client.get(f"/hub/fans/{fan.id}", headers={"Accept-Language": "fr"})
        # one unfollow: 9 points, the season's bronze only
        await record_many([NewAction(fan.id, UNFOLLOW, f"athlete:{athletes[0]['id']}")])
        await podium_client.settle()
        lost = {e["event"]: e["data"] for e in await _events(subscriber, 2)}
    assert f"Vous avez obtenu la médaille <strong>Argent {season}</strong> !" in reached["hub-medal"]
    assert (f"Vous ne détenez plus la médaille <strong>Argent {season}</strong>. Vous détenez "
            f"la médaille <strong>Bronze {season}</strong>.") in lost["hub-medal"]
    assert "Silver" not in reached["hub-medal"] + lost["hub-medal"]
    assert f"Médaille <strong>Argent {season}</strong>" in card.text  # the fan's public card


@pytest.mark.hooks("podium_medal_tiers")
async def test_an_older_event_with_english_labels_reads_in_french(podium_app) -> None:
    """Outbox rows written before held the English label beside the tier's name: the
    label is ignored, the name translated; a tier no plugin offers any more reads from its
    name, the medal word translated."""
    from podium.core import i18n
    from podium.core.events import decode
    from podium.plugins.olympic_hub import podium_live_messages
    from podium.social import points

    points.bind_host(podium_app.state.plugin_host)
    env = podium_app.template_engine.engine

    def render(template: str, context: dict) -> str:
        return env.get_template(template).render(**context)

    old = decode("MedalLost", json.dumps({
        "type": "MedalLost", "fan_id": 7, "lost": "olympic_hub.gold", "lost_label": "Gold",
        "medal": "retired_plugin.silver-2025", "label": "Silver 2025", "rank": 2}))
    with i18n.use_locale("fr"):
        [message] = await podium_live_messages(old, render)
        assert points.medal_label("olympic_hub.silver-2026") == "Argent 2026"
    assert message.topics == ("user-7",)
    assert ("Vous ne détenez plus la médaille <strong>Or</strong>. Vous détenez la médaille "
            "<strong>Argent 2025</strong>.") in message.data
    with i18n.use_locale("en"):
        [english] = await podium_live_messages(old, render)
    assert "<strong>Gold</strong>" in english.data and "<strong>Silver 2025</strong>" in english.data
