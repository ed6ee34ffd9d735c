"""Activation per venue and per tournament: resolution, scoped hook calls, gated pages,
navigation and page slots, and the admin page that switches plugins."""

from __future__ import annotations

import pytest
from litestar import get
from litestar.params import FromPath

from podium.core.activation import service
from podium.core.activation.service import enabled_plugins, set_enabled
from podium.core.errors import InvalidInput, NotFound
from podium.core.events import (
    CompletedMatch,
    EventChange,
    EventsChanged,
    MatchesCompleted,
    ScopeRef,
)
from podium.core.plugins import NavItem
from podium.core.testing import DEFAULT_PASSWORD, make_plugin, plugin_host, set_plugin_enabled
from podium.tests.core.test_venue_support import sample_venue_event

VENUE = 1


def scoped_host():
    """A host with one plugin of each scope and default."""
    return plugin_host(
        extra=[
            make_plugin("everywhere", scope="global"),
            make_plugin("venue_on", scope="venue", default_enabled=True),
            make_plugin("venue_off", scope="venue", default_enabled=False),
            make_plugin("tourney", scope="tournament", default_enabled=False),
        ]
    )


DOMAINS = {"venue", "tournaments", "ticketing", "social", "ledger"}  # built-in global plugins, always loaded and on


async def test_defaults_and_global_plugins(podium_db):
    host = scoped_host()
    assert await enabled_plugins(host, VENUE) == {"everywhere", "venue_on", *DOMAINS}


async def test_venue_rows_override_defaults_per_venue(podium_db):
    host = scoped_host()
    await set_enabled(host, "venue_off", "venue", VENUE, True)
    await set_enabled(host, "venue_on", "venue", VENUE, False)
    assert await enabled_plugins(host, VENUE) == {"everywhere", "venue_off", *DOMAINS}
    assert await enabled_plugins(host, 2) == {"everywhere", "venue_on", *DOMAINS}  # another venue
    # Switching twice updates the one row.
    await set_enabled(host, "venue_on", "venue", VENUE, True)
    assert await service.activation_rows("venue", VENUE) == {"venue_off": True, "venue_on": True}


async def test_enabled_sets_are_read_once_per_switch(podium_db, monkeypatch):
    host = scoped_host()
    counter = {"value": 0}

    async def switch_counter() -> int:
        return counter["value"]

    service.cache_enabled_sets(host, switch_counter)
    reads: list[object] = []
    rows = service._enabled_from_rows

    async def counting(*args):
        reads.append(args)
        return await rows(*args)

    monkeypatch.setattr(service, "_enabled_from_rows", counting)
    first = await enabled_plugins(host, VENUE)
    first.add("mutated by a caller")  # a copy: the cached set stays as it was
    assert await enabled_plugins(host, VENUE) == {"everywhere", "venue_on", *DOMAINS}
    assert len(reads) == 1
    # A switch committed in this process is seen at once (the cache forgets after commit).
    await set_enabled(host, "venue_off", "venue", VENUE, True)
    assert "venue_off" in await enabled_plugins(host, VENUE) and len(reads) == 2
    # A switch made by another worker reaches this one through the counter.
    await service.PluginActivation.update({service.PluginActivation.enabled: False}).where(
        service.PluginActivation.plugin == "venue_off")  # as another process would have
    assert "venue_off" in await enabled_plugins(host, VENUE)  # counter unchanged: kept
    counter["value"] += 1  # its PluginsSwitched event delivered: the counter moved
    assert "venue_off" not in await enabled_plugins(host, VENUE)


async def test_tournament_row_overrides_venue_row(podium_db):
    host = scoped_host()
    await set_enabled(host, "tourney", "venue", VENUE, True)
    await set_enabled(host, "tourney", "tournament", 10, False)
    await set_enabled(host, "tourney", "tournament", 11, True)
    assert "tourney" in await enabled_plugins(host, VENUE)
    assert "tourney" not in await enabled_plugins(host, VENUE, ScopeRef("tournament", 10))
    assert "tourney" in await enabled_plugins(host, VENUE, ScopeRef("tournament", 11))
    assert "tourney" in await enabled_plugins(host, VENUE, ScopeRef("tournament", 12))  # venue's row
    await set_enabled(host, "tourney", "venue", VENUE, False)
    assert "tourney" in await enabled_plugins(host, VENUE, ScopeRef("tournament", 11))
    assert "tourney" not in await enabled_plugins(host, VENUE, ScopeRef("tournament", 12))
    await service.clear(host, "tourney", "tournament", 11)
    assert "tourney" not in await enabled_plugins(host, VENUE, ScopeRef("tournament", 11))


async def test_switching_refuses_what_cannot_be_switched(podium_db):
    host = scoped_host()
    with pytest.raises(NotFound):
        await set_enabled(host, "ghost", "venue", VENUE, True)
    with pytest.raises(InvalidInput, match="global"):
        await set_enabled(host, "everywhere", "venue", VENUE, False)
    with pytest.raises(InvalidInput, match="only be switched per venue"):
        await set_enabled(host, "venue_on", "tournament", 3, False)
    with pytest.raises(InvalidInput, match="scope must be"):
        await set_enabled(host, "venue_on", "planet", 3, False)
    assert await service.activation_rows("venue", VENUE) == {}


@pytest.mark.hooks("podium_events_changed", "podium_validate_booking", "podium_matches_completed")
async def test_hook_calls_for_a_scope_reach_only_enabled_plugins(podium_db):
    told = []

    def listener(name):
        async def events_changed(event):  # async implementations are awaited
            told.append((name, len(event.changes)))

        return events_changed

    host = plugin_host(
        extra=[
            make_plugin("on", podium_events_changed=listener("on"),
                        podium_validate_booking=lambda event, places: ["too many"] if places > 2 else []),
            make_plugin("off", default_enabled=False, podium_events_changed=listener("off"),
                        podium_validate_booking=lambda event: ["always no"]),
            make_plugin("bracketwatch", scope="tournament", default_enabled=False,
                        podium_matches_completed=lambda event: [m.id for m in event.matches]),
        ]
    )
    enabled = await enabled_plugins(host, VENUE)
    changed = EventsChanged(venue_id=VENUE,
                            changes=(EventChange("created", 1, sample_venue_event(1)),))
    await host.acall_for(enabled, "podium_events_changed", event=changed)
    assert told == [("on", 1)]
    reasons = await host.acall_for(enabled, "podium_validate_booking", event={}, user=None, places=3)
    assert [r for rs in reasons for r in rs] == ["too many"]

    await set_enabled(host, "off", "venue", VENUE, True)
    enabled = await enabled_plugins(host, VENUE)
    reasons = await host.acall_for(enabled, "podium_validate_booking", event={}, user=None, places=1)
    assert [r for rs in reasons for r in rs] == ["always no"]

    completed = MatchesCompleted(venue_id=VENUE, tournament_id=9, version=3, matches=(
        CompletedMatch(id=5, key="W1-1", stage=1, round=1, entrant_ids=(1, 2), winner_id=1),))
    off_here = await enabled_plugins(host, VENUE, ScopeRef("tournament", 9))
    assert await host.acall_for(off_here, "podium_matches_completed",
                                event=completed) == []
    await set_enabled(host, "bracketwatch", "tournament", 9, True)
    on_here = await enabled_plugins(host, VENUE, ScopeRef("tournament", 9))
    assert await host.acall_for(on_here, "podium_matches_completed",
                                event=completed) == [[5]]


# -- pages, navigation and slots of a plugin gated by activation ------------------------


@get("/gated-demo", include_in_schema=False, sync_to_thread=False)
def gated_demo() -> str:
    """A plugin page used by these tests."""
    return "gated demo page"


@get("/global-demo", include_in_schema=False, sync_to_thread=False)
def global_demo() -> str:
    """A page of a global plugin (never gated)."""
    return "global demo page"


def gated_plugin():
    return make_plugin(
        "gated",
        default_enabled=False,
        podium_routes=lambda: [gated_demo],
        podium_nav_items=lambda user: [
            NavItem("Gated", "/gated-demo"),
            NavItem("Gated admin", "/gated-admin", roles=frozenset({"admin"})),
        ],
        podium_page_slots=lambda slot: ["<p>gated footer</p>"] if slot == "layout.footer" else [],
    )


@pytest.fixture
async def gated_app(podium_app_factory):
    return podium_app_factory(
        plugins=[],
        extra=[gated_plugin(), make_plugin("always", scope="global", podium_routes=lambda: [global_demo])],
    )


@pytest.mark.hooks("podium_routes", "podium_nav_items", "podium_page_slots")
async def test_disabled_plugin_pages_nav_and_slots_disappear(gated_app, podium_client_factory,
                                                             podium_users):
    client = await podium_client_factory(gated_app)
    assert (await client.get("/gated-demo")).status_code == 404
    assert (await client.get("/global-demo")).status_code == 200
    home = await client.get("/login")
    assert "/gated-demo" not in home.text and "gated footer" not in home.text

    await set_plugin_enabled(gated_app, "gated")
    page = await client.get("/gated-demo")
    assert page.status_code == 200 and page.text == "gated demo page"
    home = await client.get("/login")
    assert 'href="/gated-demo"' in home.text and "gated footer" in home.text
    assert "/gated-admin" not in home.text  # role-restricted item hidden from anonymous
    await podium_users("boss", "admin")
    await client.login("boss", DEFAULT_PASSWORD)
    assert "/gated-admin" in (await client.get("/login")).text

    await set_plugin_enabled(gated_app, "gated", False)
    assert (await client.get("/gated-demo")).status_code == 404


async def test_activation_is_read_once_per_request(gated_app, podium_client_factory, monkeypatch):
    client = await podium_client_factory(gated_app)
    await set_plugin_enabled(gated_app, "gated")
    calls = []
    original = service.enabled_plugins

    async def counting(*args, **kwargs):
        calls.append(args)
        return await original(*args, **kwargs)

    monkeypatch.setattr(service, "enabled_plugins", counting)
    assert (await client.get("/gated-demo")).status_code == 200
    assert len(calls) == 1  # the gate computed it, the navigation reused it
    calls.clear()
    await client.get("/login")
    assert len(calls) == 1


# -- the admin page ----------------------------------------------------------------------


@pytest.fixture
async def admin_client(gated_app, podium_client_factory, podium_users):
    client = await podium_client_factory(gated_app)
    await podium_users("root", "admin")
    await client.login("root", DEFAULT_PASSWORD)
    return client


async def test_admin_page_needs_an_admin(gated_app, podium_client_factory, podium_users):
    client = await podium_client_factory(gated_app)
    anonymous = await client.get("/admin/plugins")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    assert (await client.get("/admin/plugins", headers={"accept": "application/json"})).status_code == 401
    assert (await client.form_post("/admin/plugins/gated", {"enabled": "on"})).status_code == 401
    await podium_users("orga", "organiser", "fan")
    await client.login("orga", DEFAULT_PASSWORD)
    assert (await client.get("/admin/plugins")).status_code == 403
    assert (await client.form_post("/admin/plugins/gated", {"enabled": "on"})).status_code == 403
    assert (await client.get("/gated-demo")).status_code == 404  # nothing changed


async def test_admin_toggles_a_plugin(admin_client):
    page = await admin_client.get("/admin/plugins")
    assert page.status_code == 200
    assert 'data-plugin="gated" data-enabled="off"' in page.text
    assert "always" in page.text and "podium_routes" in page.text

    response = await admin_client.form_post("/admin/plugins/gated", {"enabled": "on"})
    assert response.status_code == 303 and response.headers["location"] == "/admin/plugins"
    assert (await admin_client.get("/gated-demo")).status_code == 200
    page = await admin_client.get("/admin/plugins")
    assert 'data-plugin="gated" data-enabled="on"' in page.text and "Use default" in page.text

    response = await admin_client.form_post("/admin/plugins/gated", {"enabled": "default"})
    assert response.status_code == 303
    assert (await admin_client.get("/gated-demo")).status_code == 404


async def test_admin_toggle_htmx_returns_the_section(admin_client):
    response = await admin_client.htmx("POST", "/admin/plugins/gated", data={"enabled": "on"})
    assert response.status_code == 200
    assert '<section id="plugins-admin">' in response.text and "<html" not in response.text
    assert 'data-plugin="gated" data-enabled="on"' in response.text
    assert "gated is now on" in response.text
    assert (await admin_client.get("/gated-demo")).status_code == 200


async def test_admin_toggle_requires_csrf_and_valid_input(admin_client):
    no_csrf = await admin_client.post("/admin/plugins/gated", data={"enabled": "on"})
    assert no_csrf.status_code == 403
    assert (await admin_client.form_post("/admin/plugins/gated", {"enabled": "maybe"})).status_code == 422
    assert (await admin_client.form_post("/admin/plugins/gated", {})).status_code == 422
    assert (await admin_client.form_post("/admin/plugins/ghost", {"enabled": "on"})).status_code == 404
    assert (await admin_client.form_post("/admin/plugins/always", {"enabled": "off"})).status_code == 422
    assert (await admin_client.get("/gated-demo")).status_code == 404
    assert (await admin_client.get("/global-demo")).status_code == 200


# -- a scope kind declared by a plugin, not by the kernel ------------------------------


@get("/meets/{meet_id:int}/photos", include_in_schema=False, sync_to_thread=False)
def meet_photos(meet_id: FromPath[int]) -> str:
    """A page of a meet-scoped plugin."""
    return f"photos of meet {meet_id}"


@pytest.mark.hooks("podium_scope_kinds")
async def test_a_new_scope_kind_gets_activation_and_gated_routes(podium_app_factory,
                                                                 podium_client_factory):
    from podium.core.plugins import ScopeKind

    meets = make_plugin("meets", scope="global", podium_scope_kinds=lambda registry: registry.add(
        "meet", ScopeKind("meet", "Meet", path_param="meet_id")))
    photos = make_plugin("photos", scope="meet", podium_routes=lambda: [meet_photos])
    app = podium_app_factory(plugins=[], extra=[meets, photos])
    client = await podium_client_factory(app)
    await set_plugin_enabled(app, "photos", False, scope=ScopeRef("meet", 5))
    assert (await client.get("/meets/5/photos")).status_code == 404
    assert (await client.get("/meets/6/photos")).text == "photos of meet 6"  # the venue's default
    await set_plugin_enabled(app, "photos", False)  # off for the venue...
    assert (await client.get("/meets/6/photos")).status_code == 404
    await set_plugin_enabled(app, "photos", True, scope=ScopeRef("meet", 6))  # ...on for meet 6
    assert (await client.get("/meets/6/photos")).status_code == 200
    host = app.state.plugin_host
    assert [r["name"] for r in await service.scope_switches(host, 0, ScopeRef("meet", 6))] == ["photos"]
    with pytest.raises(InvalidInput, match="only be switched per meet"):
        await set_enabled(host, "photos", "tournament", 6, True)


def test_a_plugin_of_an_undeclared_scope_stops_start_up():
    from podium.core.plugins import PluginLoadError

    with pytest.raises(PluginLoadError, match="'lost'.*scope must be one of global, venue, "
                                              "tournament, got 'meet'"):
        plugin_host(extra=[make_plugin("lost", scope="meet")])


async def test_admin_page_says_scopes_and_sources_in_words(podium_app, podium_client_factory,
                                                           podium_users):
    """The plugin list names scopes and sources as the admin reads them, in their language
    (the data and the JSON keep the identifiers)."""
    client = await podium_client_factory(podium_app)
    await podium_users("root", "admin")
    await client.login("root", DEFAULT_PASSWORD)
    english = (await client.get("/admin/plugins?lang=en")).text
    assert "<td>built in</td>" in english and "<td>builtin</td>" not in english
    assert "<td>Tournament</td>" in english and "<td>tournament</td>" not in english
    french = (await client.get("/admin/plugins?lang=fr")).text
    assert "<td>intégré</td>" in french and "<td>site</td>" in french
    assert "<td>Tournoi</td>" in french and "<td>global</td>" in french
    await client.get("/admin/plugins?lang=en")
