"""Helpers of the gate tests (no tests here): an event whose tickets open the gate now."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing.tickets import utc_now


def nonce() -> str:
    """A fresh scan nonce, as a scanner makes one."""
    return uuid.uuid4().hex


async def _second_event(title: str) -> dict[str, Any]:
    """Another event in the venue the first :func:`open_event` seeded."""
    from podium.core.testing import test_settings
    from podium.core.venue import service as venue
    from podium.core.venue.events import VenueScope
    from podium.core.venue.tables import Space, Venue
    from podium.tests.core.test_venue_support import at
    from podium.web.assembly import make_plugin_host

    venue_row = await Venue.select(Venue.id).first()
    assert venue_row is not None
    space = await Space.select(Space.id).where(Space.venue == venue_row["id"]).first()
    assert space is not None
    host = make_plugin_host(test_settings())
    scope = VenueScope(host, venue_row["id"], frozenset(host.names()))
    body = {"title": title, "kind": "public_session", "starts_at": at(2, 18), "ends_at": at(2, 22),
            "space_ids": [space["id"]], "capacity": 100}
    return await venue.create_event(scope, body, None)


async def open_event(*, reentry: bool = False, title: str = "Track finals") -> dict[str, Any]:
    """A ticketed event with one type valid from an hour ago to an hour from now (the
    first call seeds a venue, later ones add events to it); returns ``{"event", "type_id"}``."""
    from podium.core.venue.tables import Venue

    event = await (_second_event(title) if await Venue.count() else ticketed_event(title=title))
    now = utc_now()
    type_id = await ticket_type(event["id"], valid_from=now - timedelta(hours=1),
                                valid_until=now + timedelta(hours=1), allows_reentry=reentry)
    return {"event": event, "type_id": type_id}


async def staff_headers(name: str = "gate") -> dict[str, str]:
    """A bearer header for a new staff account."""
    return await bearer_for(await quick_user(name, "staff"))


async def tickets(setup: dict[str, Any], quantity: int = 1) -> list[dict[str, Any]]:
    """Tickets of the set-up's type (no order: as if paid)."""
    return await issue(setup["event"], setup["type_id"], None, quantity)


def scan_body(secret: str, gate: str = "North", direction: str = "entry", **extra: Any) -> dict[str, Any]:
    """A check-in request body with a fresh nonce."""
    return {"secret": secret, "gate": gate, "nonce": nonce(), "direction": direction, **extra}
