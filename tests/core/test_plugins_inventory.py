"""The plugin inventory: ``GET /-/plugins.json`` and ``podium plugins [--json]``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from podium.core.activation.service import set_enabled
from podium.core.events import ScopeRef
from podium.core.testing import make_plugin, plugin_host, set_plugin_enabled


def inventory_plugins():
    return [
        make_plugin("always", scope="global", version="1.0", podium_startup=lambda app: None),
        make_plugin("venueish", version="2.1", description="A venue plugin",
                    podium_nav_items=lambda user: []),
        make_plugin("bracketish", scope="tournament", default_enabled=False,
                    podium_matches_completed=lambda event: None),
    ]


async def test_plugins_json(podium_app_factory, podium_client_factory):
    app = podium_app_factory(plugins=[], extra=inventory_plugins(), use_entry_points=False)
    client = await podium_client_factory(app)
    await set_plugin_enabled(app, "venueish", False)
    await set_plugin_enabled(app, "bracketish", True, scope=ScopeRef("tournament", 7))
    await set_plugin_enabled(app, "bracketish", False, scope=ScopeRef("tournament", 3))
    response = await client.get("/-/plugins.json")
    assert response.status_code == 200
    body = response.json()
    assert body["blocked"] == []
    rows = {p["name"]: p for p in body["plugins"]}
    # The domains (built-in, global) are always loaded; the test's plugins come after them.
    assert [n for n in rows if rows[n]["source"] == "test"] == ["always", "venueish", "bracketish"]
    assert {n for n in rows if rows[n]["source"] != "test"} == {"venue", "tournaments", "ticketing", "social", "ledger"}
    assert rows["always"] == {
        "name": "always", "version": "1.0", "description": "", "scope": "global",
        "default_enabled": True, "source": "test", "hooks": ["podium_startup"],
        "enabled_for_venue": True, "venue_setting": "always",
        "switched": None,
    }
    assert rows["venueish"]["enabled_for_venue"] is False
    assert rows["venueish"]["venue_setting"] == "off"
    assert rows["venueish"]["description"] == "A venue plugin"
    assert rows["bracketish"]["venue_setting"] == "default"
    assert rows["bracketish"]["switched"] == {"kind": "tournament", "on": [7], "off": [3]}
    assert rows["bracketish"]["hooks"] == ["podium_matches_completed"]


async def test_plugins_json_lists_blocked_plugins(podium_app_factory, podium_client_factory):
    from podium.core.testing import test_settings

    app = podium_app_factory(plugins=None, extra=inventory_plugins(), use_entry_points=False,
                             settings=test_settings(disabled_plugins=frozenset({"venueish"})))
    client = await podium_client_factory(app)
    body = (await client.get("/-/plugins.json")).json()
    assert body["blocked"] == ["venueish"]
    assert "venueish" not in {p["name"] for p in body["plugins"]}


def run_podium(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the real ``podium`` command on the test database."""
    return subprocess.run(
        [sys.executable, "-c", "from podium.web.cli import cli_entry; cli_entry()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_podium_plugins_command(podium_db):
    # The command loads what a real start-up loads: built-ins and installed plugins
    # (podium-hello is installed by the suite). Switch hello on for the venue first.
    host = plugin_host(["hello"], use_entry_points=True)
    await set_enabled(host, "hello", "venue", 0, True)

    result = run_podium("plugins", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    rows = {p["name"]: p for p in body["plugins"]}
    hello = rows["hello"]
    assert hello["source"] == "entrypoint:podium-hello"
    assert hello["scope"] == "venue" and hello["version"] == "0.1.0"
    assert hello["enabled_for_venue"] is True and hello["venue_setting"] == "on"
    assert "podium_routes" in hello["hooks"] and "podium_events_changed" in hello["hooks"]

    text = run_podium("plugins", PODIUM_DISABLE_PLUGINS="hello")
    assert text.returncode == 0, text.stderr
    assert "blocked: hello" in text.stdout
    assert "hello 0.1.0" not in text.stdout
