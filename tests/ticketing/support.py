"""Shared helpers of the ticketing tests (no tests here): a ticketed event, tickets."""

from __future__ import annotations

from typing import Any

from podium.core.database import atomic
from podium.core.venue import service as venue
from podium.core.venue.events import VenueScope
from podium.tests.core.test_venue_support import at, seed_venue
from podium.ticketing import tickets
from podium.ticketing.tables import TicketType


async def ticketed_event(capacity: int = 100, *, day: int = 1, title: str = "Track finals",
                         kind: str = "public_session") -> dict[str, Any]:
    """A scheduled venue event with ``capacity`` places, in a fresh test venue; returns
    the event (``id``, ``venue_id``, ...)."""
    from podium.core.testing import test_settings
    from podium.web.assembly import make_plugin_host

    ids = await seed_venue()
    host = make_plugin_host(test_settings())
    scope = VenueScope(host, ids["venue"], frozenset(host.names()))
    body = {"title": title, "kind": kind, "starts_at": at(day, 18), "ends_at": at(day, 22),
            "space_ids": [ids["track"]], "capacity": capacity}
    return await venue.create_event(scope, body, None)


async def ticket_type(event_id: int, name: str = "Tribune", price_cents: int = 1500,
                      **extra: Any) -> int:
    """A ticket type row, written directly (the box office's own rules are tested apart)."""
    from podium.ticketing.tickets import utc_now

    row = TicketType(event=event_id, name=name, price_cents=price_cents, created_at=utc_now(),
                     **extra)
    await row.save()
    return int(row.id)


async def issue(event: dict[str, Any], type_id: int, holder_id: int | None, quantity: int = 1,
                price_cents: int = 1500) -> list[dict[str, Any]]:
    """Tickets issued directly (no order), as a paid order would issue them."""
    async with atomic():
        return await tickets.issue(
            event_id=event["id"], venue_id=event["venue_id"], order_id=None,
            order_code="or_test", holder_id=holder_id,
            lines=[(type_id, quantity, price_cents, "EUR")],
        )
