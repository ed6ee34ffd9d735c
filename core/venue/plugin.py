"""The venue room's own plugin module: core event kinds, main navigation, venue styles,
and the live places count on event pages.

It is a built-in plugin of scope ``global`` (always on, cannot be switched off), written
with the same hooks a third-party plugin would use, so the navigation and the list of
event kinds are built the same way whoever contributes to them.
"""

from __future__ import annotations

from pathlib import Path

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import BookingsChanged, DomainEvent, EventsChanged
from podium.core.live import LiveTopic, anyone, owner
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.i18n import N_, gettext_noop
from podium.core.plugins import NavItem
from podium.core.venue.kinds import EventKind, register_core_kinds

PODIUM_PLUGIN = PluginMeta(
    name="venue",
    version="0.1.0",
    description=gettext_noop(
        "The venue calendar: spaces, events, recurring sessions, bookings."),
    scope="global",
)


@hookimpl
def podium_event_kinds(registry: Registry[EventKind]) -> None:
    """Core kinds: public_session, private_hire, training, other."""
    register_core_kinds(registry)


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """Calendar for everyone, My bookings when signed in, New event for organisers,
    Plugins for admins."""
    items = [NavItem(N_("Calendar"), "/calendar", order=10)]
    if user is not None:
        items.append(NavItem(N_("My bookings"), "/me/bookings", order=20, menu="account"))
    items.append(NavItem(N_("New event"), "/events/new", roles=frozenset({"organiser"}), order=30))
    items.append(NavItem(N_("Plugins"), "/admin/plugins", roles=frozenset({"admin"}), order=90))
    return items


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The calendar's stylesheet, served at ``/static/venue/venue.css``."""
    return {"venue": Path(__file__).parent / "static"}


def places_topic(event_id: int) -> str:
    """The SSE topic of one event page."""
    return f"event-{event_id}"


@hookimpl
def podium_live_topics(registry: Registry[LiveTopic]) -> None:
    """``event-<id>``: an event page's places and tickets left (public, like the page);
    ``user-<id>``: one person's own messages (a call to a station), its owner only."""
    for topic in (LiveTopic("event", anyone, description="an event page's places left"),
                  LiveTopic("user", owner, description="one user's own messages")):
        registry.add(topic.kind, topic)


@hookimpl
def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """An event page's "N of M places left" follows bookings, cancellations and changes
    of capacity or status (``places-<id>`` on the page's topic)."""
    if render is None:
        return []
    if isinstance(event, BookingsChanged):
        shown = list(event.events)
    elif isinstance(event, EventsChanged):
        shown = [c.event for c in event.changes if c.action in ("updated", "cancelled")]
    else:
        return []
    return [LiveMessage((places_topic(e.id),), f"places-{e.id}",
                        render("venue/partials/places.html", {"event": e})) for e in shown]
