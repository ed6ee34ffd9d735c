"""Calls to the track: the console (or the API) calls the next heat; the call is a typed
event in the outbox, the screen and the meet page show it, the called riders with
accounts hear it on their own topic and see it on their page; refusals change nothing."""

from __future__ import annotations

import msgspec
import pytest

from podium.core.outbox.tables import OutboxEvent
from podium.core.testing import DEFAULT_PASSWORD
from podium.plugins.cycling.events import RidersCalled, live_messages
from podium.plugins.cycling.tables import Rider, TrackCall

from .meet_support import competition, heat, meet_world, qualifying_times, save, sprint


@pytest.fixture
async def world(podium_client):
    w = await meet_world(podium_client)
    w["client"] = podium_client
    return w


async def _called_events() -> list[RidersCalled]:
    rows = await OutboxEvent.select().where(OutboxEvent.type.like("%RidersCalled%"))
    return [msgspec.json.decode(r["payload"], type=RidersCalled) for r in rows]


@pytest.mark.hooks("podium_routes", "podium_template_dirs", "podium_live_messages",
                   "podium_live_topics")
async def test_the_next_heat_is_called_and_its_riders_hear_it(world):
    c, org, meet_id = world["client"], world["org"], world["meet"]["id"]
    comp = await sprint(c, world, riders=7)
    r = await c.post(f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/self-entry",
                     json={"nation": "FRA", "uci_id": "10099999999"}, headers=world["fan"])
    assert r.status_code == 201, r.text
    fan_rider = next(e["rider"] for e in r.json() if e["name"] == "Fred")
    fan_user = (await Rider.select(Rider.user_id).where(Rider.id == fan_rider).first())["user_id"]
    assert fan_user is not None
    url = f"/api/v1/meets/{meet_id}/calls"

    # Only organisers call; a half-named heat is refused; nothing recorded.
    assert (await c.post(url, json={}, headers=world["fan"])).status_code == 403
    r = await c.post(url, json={"heat_id": "Q"}, headers=org)
    assert r.status_code == 422 and "competition_id" in r.text
    # Later heats wait for the qualifying: they cannot be called yet.
    r = await c.post(url, json={"competition_id": comp["id"], "heat_id": "1/4-1#1"},
                     headers=org)
    assert r.status_code == 409 and r.json()["code"] == "not_ready"
    assert await TrackCall.count() == 0 and await _called_events() == []

    # The next heat: the qualifying, every rider, the fan among them.
    r = await c.post(url, json={}, headers=org)
    assert r.status_code == 201, r.text
    assert r.json()["heat_id"] == "Q" and fan_rider in r.json()["entrants"]
    [event] = await _called_events()
    assert event.meet_id == meet_id and event.heat_id == "Q" and event.user_ids == (fan_user,)
    messages = live_messages(event)
    assert [(m.topics, m.event) for m in messages] == [
        ((f"meet-{meet_id}",), "meet-call"), ((f"user-{fan_user}",), "track-call")]

    # The screen and the meet page show it; the called rider is greeted, on the meet
    # page and on the rider page.
    screen = (await c.get(f"/meets/{meet_id}/screen?lang=en")).text
    assert "Called to the track" in screen and "Fred" in screen
    page = (await c.get(f"/meets/{meet_id}?lang=en")).text
    assert "You are called to the track" not in page and "Called to the track" in page
    assert f"user-{fan_user}" not in (await c.get(f"/riders/{fan_rider}")).text
    await c.login("fred", DEFAULT_PASSWORD)
    page = (await c.get(f"/meets/{meet_id}?lang=en")).text
    assert "You are called to the track" in page
    rider_page = (await c.get(f"/riders/{fan_rider}?lang=fr")).text
    assert "Appel en piste" in rider_page and f"topics=user-{fan_user}" in rider_page
    fragment = (await c.get(f"/riders/{fan_rider}/call?lang=en")).text
    assert "Called to the track" in fragment and "Qualifying" in fragment

    # Nothing else is waiting until the qualifying is in.
    r = await c.post(url, json={}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "nothing_to_call"
    # A last call of the same heat, by name.
    r = await c.post(url, json={"competition_id": comp["id"], "heat_id": "Q"}, headers=org)
    assert r.status_code == 201
    assert "last call" in (await c.get(f"/meets/{meet_id}/screen?lang=en")).text

    # Once the qualifying is in, the call is over and the quarter-finals' first races are
    # next, in programme order.
    comp = await competition(c, world, comp["id"])
    assert (await save(c, world, comp, "Q", qualifying_times(comp))).status_code == 200
    assert "Called to the track" not in (await c.get(f"/meets/{meet_id}/screen")).text
    assert "Called to the track" not in (await c.get(f"/riders/{fan_rider}/call")).text
    r = await c.post(url, json={}, headers=org)
    assert r.status_code == 201 and r.json()["heat_id"].endswith("#1")
    comp = await competition(c, world, comp["id"])
    assert heat(comp, r.json()["heat_id"])["ready"]
    assert len(await _called_events()) == 3


@pytest.mark.hooks("podium_routes", "podium_template_dirs", "podium_live_messages")
async def test_the_console_calls_the_next_heat(world):
    c, meet_id = world["client"], world["meet"]["id"]
    await sprint(c, world, riders=8)
    await c.login("olga", DEFAULT_PASSWORD)
    base = f"/meets/{meet_id}/console"
    r = await c.htmx("POST", f"{base}/call?lang=en", data={})
    assert r.status_code == 200 and "Called to the track: Qualifying" in r.text
    assert await TrackCall.count() == 1
    r = await c.htmx("POST", f"{base}/call?lang=en", data={})
    assert r.status_code == 409 and "no heat is waiting" in r.text
    assert await TrackCall.count() == 1
