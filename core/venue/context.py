"""What the venue's handlers need from a request: the venue, its scope, live updates.

Core does not import the web shell: live updates go straight to Litestar Channels
(``request.app.state.channels``) in the message format of ``podium.web.sse`` (a JSON
payload with ``event`` and ``data``).
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from podium.core.activation.service import cached_for_request, enabled_plugins
from podium.core.errors import NotFound
from podium.core.venue.events import VenueScope
from podium.core.venue.spaces import default_venue_id
from podium.core.venue.tables import Venue


async def current_venue_id(request: Request) -> int | None:
    """The venue served; looked up again while none existed at start-up (then remembered)."""
    venue_id = request.app.state.get("venue_id")
    if venue_id is None:
        venue_id = await default_venue_id()
        if venue_id is not None:
            request.app.state.venue_id = venue_id
    return venue_id


async def venue_scope(request: Request) -> VenueScope:
    """The :class:`~podium.core.venue.events.VenueScope` of this request's venue.

    :raises NotFound: before any venue exists (run ``podium demo``).
    """
    venue_id = await current_venue_id(request)
    if venue_id is None:
        raise NotFound("this installation has no venue yet; run `podium demo` to create one")
    host = request.app.state.plugin_host
    enabled = cached_for_request(request)
    if enabled is None:
        enabled = await enabled_plugins(host, venue_id)
    row = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first()
    tz = row["timezone"] if row else "Europe/Paris"
    return VenueScope(host=host, venue_id=venue_id, enabled=frozenset(enabled), tz=tz)


def places_topic(event_id: int) -> str:
    """The SSE topic of one event page."""
    return f"event-{event_id}"


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """Render a template of the app's Jinja environment to a string (SSE fragments)."""
    return request.app.template_engine.get_template(template).render(**context)


async def publish_places(request: Request, event: dict[str, Any]) -> None:
    """Push the event's new remaining places to every open page of it."""
    channels = request.app.state.get("channels")
    if channels is None:
        return
    html = render_fragment(request, "venue/partials/places.html", {"event": event})
    payload = json.dumps({"event": f"places-{event['id']}", "data": html})
    await channels.wait_published(payload, [places_topic(event["id"])])
