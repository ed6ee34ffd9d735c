"""The tournament domain as a built-in plugin: everything it adds to the platform goes
through the same hooks a third party would use.

It declares the ``tournament`` scope kind (plugins such as the e-sport formats can be
switched per tournament), contributes its routes, templates, static files (the console's
scripts, at ``/static/tournaments/``), Piccolo app and navigation, and turns its domain
events into live updates for open pages. Scope ``global``: the domain is always on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.accounts.service import CurrentUser
from markupsafe import escape

from podium.core.i18n import N_, _, gettext_noop
from podium.core.events import DomainEvent
from podium.core.live import LiveTopic, anyone
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.plugins import NavItem, ScopeKind
from podium.core.venue.contracts import DemoVenue
from podium.tournaments.kernel import TOURNAMENT_SCOPE
from podium.tournaments.live import live_messages

PODIUM_PLUGIN = PluginMeta(
    name="tournaments",
    version="0.1.0",
    description=gettext_noop(
        "Tournaments: registration, seeding, brackets, results and standings."),
    scope="global",
)

HERE = Path(__file__).parent


@hookimpl
def podium_scope_kinds(registry: Registry[ScopeKind]) -> None:
    """Plugins can be switched per tournament (``PluginMeta(scope="tournament")``)."""
    registry.add(TOURNAMENT_SCOPE.name, TOURNAMENT_SCOPE)


@hookimpl
def podium_live_topics(registry: Registry[LiveTopic]) -> None:
    """``tournament-<id>``: the bracket's version, status and changed match keys, which
    the public tournament page shows anyway (the console and the screen use it too)."""
    topic = LiveTopic("tournament", anyone, description="a tournament's bracket changed")
    registry.add(topic.kind, topic)


@hookimpl
def podium_routes() -> list[Any]:
    """The tournament pages, the console, the screen view and the JSON API."""
    from podium.tournaments.routes import ROUTES  # routes import the whole domain: load late

    return list(ROUTES)


@hookimpl
async def podium_seed_demo(demo: DemoVenue) -> None:
    """A running double elimination in the arena and a team Swiss open for registration."""
    from podium.tournaments.demo import seed_demo  # the services: load late, as the routes

    await seed_demo(demo)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``tournaments/*.html`` and their partials."""
    return [HERE / "templates"]


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Tournaments, entrants, teams, the results log, matches, stations, ratings."""
    return ["podium.tournaments.piccolo_app"]


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """Tournaments for everyone; My matches when signed in; New tournament for organisers."""
    items = [NavItem(N_("Tournaments"), "/tournaments", order=15)]
    if user is not None:
        items.append(NavItem(N_("My matches"), "/me/matches", order=25, menu="account"))
    # The organiser's way in to the tournament form (the console is reached from there).
    items.append(NavItem(N_("New tournament"), "/tournaments/new",
                         roles=frozenset({"organiser"}), order=31))
    return items


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The console's scripts (drag-to-reorder seeding)."""
    return {"tournaments": HERE / "static"}


@hookimpl
def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """Open tournament pages and players' "My matches" follow committed changes."""
    return live_messages(event)


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The tournaments' catalogues: ``tournaments/locale/<lang>/LC_MESSAGES/messages.po``."""
    return [HERE / "locale"]


@hookimpl(specname="podium_page_slots")
def athlete_record_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """The fan hub's athlete page (``athlete.record``, e-sport athletes): the player's
    tournaments, placings, wins and losses and ratings, loaded by htmx."""
    athlete = context.get("athlete")
    if slot != "athlete.record" or not isinstance(athlete, dict) or not athlete.get("user"):
        return []
    user_id = int(athlete["user"])
    # Translated outside the f-string: pybabel does not extract calls inside one.
    title, loading = escape(_("Tournament record")), escape(_("Loading…"))
    return [f'<section class="card" id="athlete-record" hx-get="/players/by-user/{user_id}/record" '
            f'hx-trigger="load" hx-swap="outerHTML"><h2>{title}</h2>'
            f'<p class="muted">{loading}</p></section>']


@hookimpl(specname="podium_page_slots")
def tournament_links_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """The home page's "live now" (``home.after_now``: running tournaments) and an event
    page's tournaments (``event.main``: a link back to each), loaded by htmx."""
    if slot == "home.after_now" and context.get("venue"):
        return ['<div id="live-tournaments" hx-get="/tournaments/live-now" hx-trigger="load" '
                'hx-swap="outerHTML"></div>']
    event = context.get("event")
    if slot == "event.main" and isinstance(event, dict) and event.get("id"):
        return [f'<div id="event-tournaments" hx-get="/tournaments/for-event/{int(event["id"])}" '
                'hx-trigger="load" hx-swap="outerHTML"></div>']
    return []
