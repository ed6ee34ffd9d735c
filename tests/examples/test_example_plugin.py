"""The example third-party plugin ``examples/podium-hello``, installed as its own
distribution: it loads through the ``podium`` entry point, its migration ran, its page is
gated by activation, its hook is called only where it is enabled, and its own test suite
passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from podium.core.database import table_names
from podium.core.testing import DEFAULT_PASSWORD, plugin_host
from podium.tests.core.test_venue_support import sample_venue_event

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "podium-hello"

pytest.importorskip("podium_hello", reason="run `make install-test` to install examples/*")


def test_loads_through_the_entry_point():
    host = plugin_host(None, use_entry_points=True)
    loaded = host.plugins["hello"]
    assert loaded.source == "entrypoint:podium-hello"
    assert loaded.meta.scope == "venue" and loaded.meta.default_enabled is False
    assert {"podium_routes", "podium_template_dirs", "podium_static_dirs", "podium_nav_items",
            "podium_piccolo_apps", "podium_events_changed"} <= set(loaded.hooks)


async def test_its_migration_ran(podium_db):
    from podium.core.database import engine
    from podium.web.assembly import piccolo_apps

    assert "podium_hello.piccolo_app" in piccolo_apps()
    assert {"hello_greeting", "hello_event_change"} <= set(await table_names())
    from podium_hello.tables import HelloGreeting

    # The table really exists in the database (not only in Piccolo's registry).
    assert await HelloGreeting.count() == 0
    await HelloGreeting.insert(HelloGreeting(message="hi", author="test"))
    assert await HelloGreeting.count() == 1
    assert engine() is not None


async def test_page_is_gated_until_an_admin_enables_it(podium_app, podium_client_factory,
                                                       podium_users):
    client = await podium_client_factory(podium_app)
    assert (await client.get("/hello")).status_code == 404
    assert 'href="/hello"' not in (await client.get("/login")).text

    await podium_users("venueadmin", "admin")
    await client.login("venueadmin", DEFAULT_PASSWORD)
    page = await client.get("/admin/plugins")
    assert 'data-plugin="hello" data-enabled="off"' in page.text
    toggled = await client.form_post("/admin/plugins/hello", {"enabled": "on"})
    assert toggled.status_code == 303

    hello = await client.get("/hello")
    assert hello.status_code == 200
    assert "greeting wall" in hello.text and "/static/hello/hello.css" in hello.text
    assert 'href="/hello"' in hello.text
    await client.form_post("/hello", {"message": "Bonjour le vélodrome"})
    assert "Bonjour le vélodrome" in (await client.get("/hello")).text

    await client.form_post("/admin/plugins/hello", {"enabled": "off"})
    assert (await client.get("/hello")).status_code == 404


@pytest.mark.hooks("podium_events_changed")
async def test_its_hook_is_called_only_when_enabled(podium_db):
    from podium.core.activation.service import set_enabled
    from podium.core.events import EventChange, EventsChanged
    from podium.core.outbox import record
    from podium.core.outbox.dispatcher import Dispatcher
    from podium_hello.service import changes_seen

    host = plugin_host(["hello"], use_entry_points=True)
    outbox = Dispatcher(host)

    async def change_at(venue_id: int) -> None:
        change = EventChange("created", 1, sample_venue_event(1))
        await record(EventsChanged(venue_id=venue_id, changes=(change,)))
        await outbox.drain()

    await change_at(1)
    assert await changes_seen() == 0
    await set_enabled(host, "hello", "venue", 1, True)
    await change_at(1)
    assert await changes_seen() == 1
    # Another venue has not enabled it.
    await change_at(2)
    assert await changes_seen() == 1


def test_the_example_own_suite_passes():
    """Run ``pytest`` inside the example, as its author would, on a throw-away SQLite file
    (never on the suite's database: the harness would reset it)."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"PODIUM_TESTING_CONFIGURED", "PODIUM_DATABASE_URL",
                       "PODIUM_TEST_DATABASE_URL", "PODIUM_TEST_REDIS_URL", "PODIUM_REDIS_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
