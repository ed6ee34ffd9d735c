"""What the venue's handlers need from a request: the venue and its scope.

Live updates do not start here: services record domain events, and the venue plugin
(:mod:`podium.core.venue.plugin`) turns them into server-sent events after commit.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from podium.core.i18n import _
from podium.core.activation.service import cached_for_request, enabled_plugins
from podium.core.errors import NotFound
from podium.core.venue.events import VenueScope
from podium.core.venue.spaces import default_venue_id
from podium.core.venue.tables import Venue


async def current_venue_id(request: Request[Any, Any, Any]) -> int | None:
    """The venue served; looked up again while none existed at start-up (then remembered)."""
    venue_id = request.app.state.get("venue_id")
    if venue_id is None:
        venue_id = await default_venue_id()
        if venue_id is not None:
            request.app.state.venue_id = venue_id
    return venue_id


async def venue_scope(request: Request[Any, Any, Any]) -> VenueScope:
    """The :class:`~podium.core.venue.events.VenueScope` of this request's venue.

    :raises NotFound: before any venue exists (run ``podium demo``).
    """
    venue_id = await current_venue_id(request)
    if venue_id is None:
        raise NotFound(_("this installation has no venue yet; run `podium demo` to create one"))
    host = request.app.state.plugin_host
    enabled = cached_for_request(request)
    if enabled is None:
        enabled = await enabled_plugins(host, venue_id)
    row = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first()
    tz = row["timezone"] if row else "Europe/Paris"
    return VenueScope(host=host, venue_id=venue_id, enabled=frozenset(enabled), tz=tz)
