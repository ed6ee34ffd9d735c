"""The tournament domain's own plugin module: its entry in the main navigation and its
static files (served at ``/static/tournaments/``).

A built-in plugin of scope ``global`` (always on), like :mod:`podium.core.venue.plugin`:
domains are not plugins, but they contribute to shared lists (the navigation) through the
same hooks a third party would use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.plugins import NavItem

PODIUM_PLUGIN = PluginMeta(
    name="tournaments",
    version="0.1.0",
    description="Tournaments: registration, seeding, brackets, results and standings.",
    scope="global",
)


@hookimpl
def podium_nav_items(user: Any) -> list[NavItem]:
    """Tournaments for everyone; My matches when signed in."""
    items = [NavItem("Tournaments", "/tournaments", order=15)]
    if user is not None:
        items.append(NavItem("My matches", "/me/matches", order=25))
    return items


@hookimpl
def podium_static_dirs() -> dict[str, Any]:
    """The console's scripts (drag-to-reorder seeding)."""
    return {"tournaments": Path(__file__).parent / "static"}
