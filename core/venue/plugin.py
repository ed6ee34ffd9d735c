"""The venue room's own plugin module: core event kinds, main navigation, venue styles.

It is a built-in plugin of scope ``global`` (always on, cannot be switched off), written
with the same hooks a third-party plugin would use, so the navigation and the list of
event kinds are built the same way whoever contributes to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.plugins import NavItem
from podium.core.venue.kinds import register_core_kinds

PODIUM_PLUGIN = PluginMeta(
    name="venue",
    version="0.1.0",
    description="The venue calendar: spaces, events, recurring sessions, bookings.",
    scope="global",
)


@hookimpl
def podium_event_kinds(registry: Any) -> None:
    """Core kinds: public_session, private_hire, training, other."""
    register_core_kinds(registry)


@hookimpl
def podium_nav_items(user: Any) -> list[NavItem]:
    """Calendar for everyone, My bookings when signed in, New event for organisers,
    Plugins for admins."""
    items = [NavItem("Calendar", "/calendar", order=10)]
    if user is not None:
        items.append(NavItem("My bookings", "/me/bookings", order=20))
    items.append(NavItem("New event", "/events/new", roles=frozenset({"organiser"}), order=30))
    items.append(NavItem("Plugins", "/admin/plugins", roles=frozenset({"admin"}), order=90))
    return items


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The calendar's stylesheet, served at ``/static/venue/venue.css``."""
    return {"venue": Path(__file__).parent / "static"}
