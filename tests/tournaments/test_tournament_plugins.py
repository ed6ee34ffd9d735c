"""Plugins switched per tournament: the console's "Plugins for this tournament" section and
``/api/v1/tournaments/{id}/plugins``. A tournament-scoped plugin switched off for one
tournament answers 404 on that tournament's pages and is not called for it; the plugin
that provides the tournament's format cannot be switched off under it."""

from __future__ import annotations

import pytest
from litestar import get
from litestar.params import FromPath

from podium.core.testing import make_plugin
from podium.tests.tournaments.support import create, organiser_clients


@get("/tournaments/{tournament_id:int}/scoreboard", include_in_schema=False,
     sync_to_thread=False)
def scoreboard(tournament_id: FromPath[int]) -> str:
    """A tournament-scoped plugin's page, used by these tests."""
    return f"scoreboard of {tournament_id}"


@pytest.fixture
async def app(podium_app_factory):
    return podium_app_factory(
        plugins=["esport"],
        extra=[make_plugin("scoreboard", scope="tournament", default_enabled=False,
                           description="A live scoreboard", podium_routes=lambda: [scoreboard]),
               make_plugin("lounge", scope="venue")],
    )


@pytest.fixture
async def clients(app, podium_client_factory):
    return await organiser_clients(app, podium_client_factory)


def _switches(rows: list[dict]) -> dict[str, tuple[str, bool]]:
    return {r["name"]: (r["setting"], r["enabled"]) for r in rows}


@pytest.mark.hooks("podium_routes")
async def test_console_switches_a_plugin_for_one_tournament_only(clients):
    api, org, page = clients
    one = await create(api, org, "single_elimination")
    two = await create(api, org, "single_elimination")
    assert (await api.get(f"/tournaments/{one['id']}/scoreboard")).status_code == 404

    console = await page.get(f"/tournaments/{one['id']}/console")
    assert "Plugins for this tournament" in console.text
    assert 'data-plugin="scoreboard" data-enabled="off"' in console.text
    # The format's plugin is listed as on, without a switch-off button.
    assert 'data-plugin="esport" data-enabled="on"' in console.text
    assert "Switch off esport" not in console.text

    r = await page.htmx("POST", f"/tournaments/{one['id']}/console/plugins",
                        data={"name": "scoreboard", "enabled": "on"})
    assert r.status_code == 200 and 'data-plugin="scoreboard" data-enabled="on"' in r.text
    assert "<html" not in r.text
    shown = await api.get(f"/tournaments/{one['id']}/scoreboard")
    assert shown.status_code == 200 and shown.text == f"scoreboard of {one['id']}"
    assert (await api.get(f"/tournaments/{two['id']}/scoreboard")).status_code == 404

    # Without JavaScript: post and redirect; "default" lets the venue (off) decide again.
    r = await page.form_post(f"/tournaments/{one['id']}/console/plugins",
                             {"name": "scoreboard", "enabled": "default"})
    assert r.status_code == 303
    assert (await api.get(f"/tournaments/{one['id']}/scoreboard")).status_code == 404


async def test_console_refusals_show_the_reason_and_change_nothing(clients):
    api, org, page = clients
    t = await create(api, org, "double_elimination")
    url = f"/tournaments/{t['id']}/console/plugins"
    version = (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["version"]
    for data, status, reason in [
        ({"name": "esport", "enabled": "off"}, 409, "provides this tournament"),
        ({"name": "nosuch", "enabled": "on"}, 404, "no plugin named"),
        ({"name": "scoreboard", "enabled": "maybe"}, 422, "on, off or default"),
        ({"name": "lounge", "enabled": "off"}, 422, "only be switched per venue"),
    ]:
        r = await page.htmx("POST", url, data=data)
        assert r.status_code == status, (data, r.text)
        assert 'role="alert"' in r.text and reason in r.text
    assert (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["version"] == version


async def test_api_lists_and_switches(clients):
    api, org, _page = clients
    t = await create(api, org, "round_robin")
    url = f"/api/v1/tournaments/{t['id']}/plugins"
    rows = (await api.get(url)).json()
    assert _switches(rows) == {"esport": ("default", True), "scoreboard": ("default", False)}
    assert {r["name"]: r["runs_format"] for r in rows} == {"esport": True, "scoreboard": False}
    before = (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["version"]

    r = await api.put(f"{url}/scoreboard", json={"enabled": True}, headers=org)
    assert r.status_code == 200, r.text
    assert _switches(r.json())["scoreboard"] == ("on", True)
    # A visible change: cached pages of the tournament re-render.
    assert (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["version"] > before
    r = await api.put(f"{url}/scoreboard", json={"enabled": None}, headers=org)
    assert _switches(r.json())["scoreboard"] == ("default", False)

    r = await api.put(f"{url}/esport", json={"enabled": False}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "format_plugin"
    assert _switches((await api.get(url)).json())["esport"] == ("default", True)
    r = await api.put(f"{url}/scoreboard", json={"enabled": "yes"}, headers=org)
    assert r.status_code == 400
    r = await api.put(f"{url}/scoreboard", json={"enabled": True, "extra": 1}, headers=org)
    assert r.status_code == 400
    assert (await api.put(f"{url}/nosuch", json={"enabled": True}, headers=org)).status_code == 404
    r = await api.put("/api/v1/tournaments/999999/plugins/scoreboard", json={"enabled": True},
                      headers=org)
    assert r.status_code == 404
    assert (await api.put(f"{url}/scoreboard", json={"enabled": True})).status_code == 401
