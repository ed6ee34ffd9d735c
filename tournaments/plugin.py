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
from podium.core.events import DomainEvent, TournamentChanged
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.plugins import NavItem, ScopeKind

PODIUM_PLUGIN = PluginMeta(
    name="tournaments",
    version="0.1.0",
    description="Tournaments: registration, seeding, brackets, results and standings.",
    scope="global",
)

HERE = Path(__file__).parent
TOURNAMENT_SCOPE = ScopeKind("tournament", "Tournament", path_param="tournament_id")


@hookimpl
def podium_scope_kinds(registry: Registry[ScopeKind]) -> None:
    """Plugins can be switched per tournament (``PluginMeta(scope="tournament")``)."""
    registry.add(TOURNAMENT_SCOPE.name, TOURNAMENT_SCOPE)


@hookimpl
def podium_routes() -> list[Any]:
    """The tournament pages, the console, the screen view and the JSON API."""
    from podium.tournaments.routes import ROUTES  # routes import the whole domain: load late

    return list(ROUTES)


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
    """Tournaments for everyone; My matches when signed in."""
    items = [NavItem("Tournaments", "/tournaments", order=15)]
    if user is not None:
        items.append(NavItem("My matches", "/me/matches", order=25))
    return items


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The console's scripts (drag-to-reorder seeding)."""
    return {"tournaments": HERE / "static"}


def topic(tournament_id: int) -> str:
    """The SSE topic of one tournament's pages (bracket, console, screen)."""
    return f"tournament-{tournament_id}"


def user_topic(user_id: int) -> str:
    """The SSE topic of one user's pages ("My matches": a call to a station)."""
    return f"user-{user_id}"


@hookimpl
def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """A tournament's pages re-fetch what changed (``bracket-<id>``: version, status and
    changed match keys); players called to a station hear it on their own topic."""
    if not isinstance(event, TournamentChanged):
        return []
    out = [LiveMessage((topic(event.tournament_id),), f"bracket-{event.tournament_id}",
                       {"version": event.version, "status": event.status,
                        "changed": list(event.changed[:500])})]
    for call in event.called:
        if call.user_ids:
            out.append(LiveMessage(
                tuple(user_topic(u) for u in call.user_ids), "my-matches",
                {"match_id": call.match_id, "station": call.station,
                 "tournament_id": event.tournament_id}))
    return out
