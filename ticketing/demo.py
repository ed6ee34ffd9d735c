"""The box office's part of ``podium demo`` (``podium_seed_demo``): tickets on sale for the
demo week's big events, and a few orders so the sales dashboard has something to show.

* The e-sport final (no event capacity: every type has its own quota, 400 places in all):
  free spectator places (200), grandstand seats (180) and a small VIP lounge (20).
* The track meet, when it is still to come: general admission and free places for
  under-16s. The demo's meet was ridden over the two days before the demo week (its results
  are in), so it gets none: nobody puts tickets on sale for an event already over.

Everything goes through the box office's services, as the pages would: a fan buying a free
ticket, another paying at the box office and staff marking it paid, one order still to pay.
"""

from __future__ import annotations

from typing import Any

from podium.core.accounts.service import get_user_by_name
from podium.core.activation.service import enabled_plugins
from podium.core.venue.contracts import DemoVenue
from podium.ticketing import orders, types

ESPORT_TYPES: list[dict[str, Any]] = [
    {"name": "Standing", "price_cents": 0, "quota": 200, "max_per_order": 4,
     "description": "Free standing places around the arena. One QR code per person."},
    {"name": "Grandstand", "price_cents": 1200, "quota": 180, "max_per_order": 6,
     "description": "A seat in the tiered grandstand facing the big screen."},
    {"name": "VIP lounge", "price_cents": 4500, "quota": 20, "max_per_order": 2,
     "description": "Lounge seat by the stage, a drink and the players' autographs."},
]
MEET_TYPES: list[dict[str, Any]] = [
    {"name": "General admission", "price_cents": 800, "quota": 300, "max_per_order": 8,
     "description": "Trackside seating, free placement."},
    {"name": "Under 16 (free)", "price_cents": 0, "quota": 100, "max_per_order": 4,
     "description": "Free for under-16s, with an adult's ticket."},
]


async def seed_demo(demo: DemoVenue) -> None:
    """Ticket types on the e-sport final and on the track meet unless it is over, and a
    few orders.

    ``demo.made`` gets ``ticket_types`` (how many) and ``ticketed_event`` (the e-sport
    final's event id)."""
    made = 0
    by_name: dict[str, dict[str, Any]] = {}
    # The final's types are made even on a demo seeded for a past week (nothing is sold
    # then, see _demo_orders); the meet's only while it is to come.
    for label, rows, when_over in (("E-sport tournament", ESPORT_TYPES, True),
                                   ("Track meet", MEET_TYPES, False)):
        event_id = demo.events.get(label)
        if event_id is None:
            continue
        if not when_over and (await types.event_row(event_id))["ends_at"] <= orders.utc_now():
            continue
        for values in rows:
            created = await types.create_type(event_id, dict(values))
            by_name[created["name"]] = created
            made += 1
    demo.made["ticket_types"] = made
    final = demo.events.get("E-sport tournament")
    if final is None or not by_name:
        return
    demo.made["ticketed_event"] = final
    await _demo_orders(demo, by_name)
    demo.notes.append(f"tickets on sale for the e-sport final at /events/{final} "
                      f"(sales at /events/{final}/sales, box office at /box-office)")


async def _demo_orders(demo: DemoVenue, by_name: dict[str, dict[str, Any]]) -> None:
    """fan1 takes two free spectator places; fan2 buys grandstand seats and pays at the
    box office (staff mark it paid); fan3 has a grandstand order still to pay. Nothing is
    sold for an event already over (a demo seeded for a past week)."""
    final = await types.event_row(by_name["Grandstand"]["event_id"])
    if final["ends_at"] <= orders.utc_now():
        return
    enabled = await enabled_plugins(demo.host, demo.venue_id)
    gate = await get_user_by_name("gate")
    plan = [("fan1", "Standing", 2, "free", False),
            ("fan2", "Grandstand", 3, "at_venue", True),
            ("fan3", "Grandstand", 1, "at_venue", False)]
    for username, type_name, quantity, method, pay in plan:
        buyer = await get_user_by_name(username)
        ticket_type = by_name.get(type_name)
        if buyer is None or ticket_type is None:
            continue
        order = await orders.checkout(
            demo.host, enabled, buyer,
            [{"ticket_type_id": ticket_type["id"], "quantity": quantity}], method)
        if pay and gate is not None:
            await orders.mark_paid(order["id"], gate, reference="demo till 1")
