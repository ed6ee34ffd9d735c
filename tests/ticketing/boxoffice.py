"""Helpers of the box-office tests (no tests here): an event on sale, buyers, orders."""

from __future__ import annotations

from typing import Any

from podium.core.testing import DEFAULT_PASSWORD
from podium.core.venue import service as venue
from podium.core.venue.events import VenueScope
from podium.tests.core.test_venue_support import at
from podium.tests.ticketing.support import ticketed_event


async def another_event(event: dict[str, Any], capacity: int | None = 10, *, day: int = 3,
                        title: str = "Other night") -> dict[str, Any]:
    """A second event in the venue of ``event`` (on its first space, another day)."""
    from podium.core.testing import test_settings
    from podium.web.assembly import make_plugin_host

    host = make_plugin_host(test_settings())
    scope = VenueScope(host, event["venue_id"], frozenset(host.names()))
    return await venue.create_event(scope, {
        "title": title, "kind": event["kind"], "starts_at": at(day, 18), "ends_at": at(day, 22),
        "space_ids": [event["spaces"][0]["id"]], "capacity": capacity}, None)


async def shop(client: Any, make_user: Any, capacity: int | None = 100, **type_extra: Any
               ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], dict[str, str],
                          dict[str, str]]:
    """An event of ``capacity`` places with one paid type ("Tribune", 15 EUR), and bearer
    headers of an organiser (``org``), a fan (``fan``) and box-office staff (``till``)."""
    event = await ticketed_event(capacity or 10)
    if capacity is None:
        from podium.core.venue.tables import Event

        await Event.update({Event.capacity: None}).where(Event.id == event["id"])
        type_extra.setdefault("quota", 10)
    await make_user("org", "organiser")
    await make_user("fan", "fan")
    await make_user("till", "staff")
    org = await client.bearer("org", DEFAULT_PASSWORD)
    fan = await client.bearer("fan", DEFAULT_PASSWORD)
    staff = await client.bearer("till", DEFAULT_PASSWORD)
    body = {"name": "Tribune", "price_cents": 1500, "currency": "EUR", **type_extra}
    made = await client.post(f"/api/v1/events/{event['id']}/ticket-types", json=body,
                             headers=org)
    assert made.status_code == 201, made.text
    return event, made.json(), org, fan, staff


async def buy(client: Any, headers: dict[str, str], type_id: int, quantity: int = 1,
              method: str = "at_venue", **kwargs: Any) -> Any:
    """``POST /api/v1/orders`` for one line."""
    return await client.post("/api/v1/orders", json={
        "lines": [{"ticket_type_id": type_id, "quantity": quantity}],
        "payment_method": method}, headers=headers, **kwargs)
