"""podium-hello's own tests, written with Podium's pytest plugin (``podium.core.testing``,
loaded automatically once Podium is installed): an app with only this plugin, the
activation switch an admin would flip, and an async test client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.core.testing import DEFAULT_PASSWORD, plugin_host, set_plugin_enabled

from podium_hello import PODIUM_PLUGIN
from podium_hello.service import changes_seen, clean_message
from podium.core.errors import InvalidInput
from podium.core.events import EventChange, EventsChanged, VenueEvent


@pytest.fixture
async def hello_app(podium_app_factory):
    """Podium with only this plugin (no other installed plugin, no built-in)."""
    return podium_app_factory(plugins=["hello"])


@pytest.fixture
async def client(hello_app, podium_client_factory):
    """A client on that app, with the plugin switched on for the venue."""
    client = await podium_client_factory(hello_app)
    await set_plugin_enabled(hello_app, "hello")
    return client


def test_metadata():
    assert PODIUM_PLUGIN.name == "hello"
    assert PODIUM_PLUGIN.scope == "venue"
    assert PODIUM_PLUGIN.default_enabled is False


async def test_page_is_off_until_enabled(hello_app, podium_client_factory):
    client = await podium_client_factory(hello_app)
    assert (await client.get("/hello")).status_code == 404
    await set_plugin_enabled(hello_app, "hello")
    page = await client.get("/hello")
    assert page.status_code == 200
    assert "greeting wall" in page.text
    assert 'href="/hello"' in page.text  # the navigation entry
    await set_plugin_enabled(hello_app, "hello", False)
    assert (await client.get("/hello")).status_code == 404


async def test_leave_a_greeting(client, podium_users):
    await podium_users("gabi", "fan")
    await client.login("gabi", DEFAULT_PASSWORD)
    response = await client.form_post("/hello", {"message": "Allez les Bleus!"})
    assert response.status_code == 303
    page = await client.get("/hello")
    assert "Allez les Bleus!" in page.text and "gabi" in page.text


@pytest.mark.parametrize("message", ["", "   ", "x" * 201, "nul\x00byte"])
async def test_bad_greetings_are_refused(client, podium_users, message):
    await podium_users("bad", "fan")
    await client.login("bad", DEFAULT_PASSWORD)
    response = await client.form_post("/hello", {"message": message})
    assert response.status_code in (400, 422)  # Podium refuses NUL bytes before the plugin
    assert "No greetings yet" in (await client.get("/hello")).text


async def test_htmx_post_returns_the_wall(client, podium_users):
    await podium_users("hxfan", "fan")
    await client.login("hxfan", DEFAULT_PASSWORD)
    response = await client.htmx("POST", "/hello", data={"message": "from htmx"})
    assert response.status_code == 200
    assert "from htmx" in response.text and "<html" not in response.text


async def test_anonymous_cannot_post(client):
    response = await client.form_post("/hello", {"message": "hi"})
    assert response.status_code == 401


async def test_stylesheet_is_served(client):
    css = await client.get("/static/hello/hello.css")
    assert css.status_code == 200 and ".hello-list" in css.text


def drop_in(event_id: int) -> VenueEvent:
    """A venue event as Podium's domain events carry it."""
    starts = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)
    return VenueEvent(id=event_id, venue_id=1, uid=f"{event_id}@podium", title="Drop-in",
                      kind="public_session", status="scheduled", starts_at=starts,
                      ends_at=starts + timedelta(hours=2))


async def test_events_changed_is_recorded_only_where_enabled(podium_db):
    host = plugin_host(["hello"], use_entry_points=True)
    event = EventsChanged(venue_id=1, changes=(EventChange("created", 7, drop_in(7)),
                                               EventChange("cancelled", 8, drop_in(8))))
    await host.acall_for(set(), "podium_events_changed", event=event)
    assert await changes_seen() == 0
    await host.acall_for({"hello"}, "podium_events_changed", event=event)
    assert await changes_seen() == 2
    # Delivered again (at least once): the same event_id is not counted twice.
    await host.acall_for({"hello"}, "podium_events_changed", event=event)
    assert await changes_seen() == 2


def test_clean_message():
    assert clean_message("  hi  ") == "hi"
    with pytest.raises(InvalidInput):
        clean_message("x" * 201)
