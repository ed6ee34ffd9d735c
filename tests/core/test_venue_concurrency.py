"""Bookings never exceed capacity: real concurrent clients against a live server, and a
hypothesis property over random booking and cancellation sequences."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.core.errors import Conflict
from podium.core.venue import service
from podium.core.venue.tables import Booking
from podium.tests.core.test_venue_support import at, bearer_for, many_users, quick_user, seed_venue

CLIENTS = 30
CAPACITY = 10


async def test_concurrent_bookings_never_exceed_capacity(podium_live_server):
    """30 users book the last places of a 10-place slot at once: exactly 10 succeed.

    Without the lock (``atomic()`` + ``for_update`` + re-count) this overbooks on SQLite
    and on PostgreSQL.
    """
    ids = await seed_venue()
    organiser = await quick_user("org", "organiser")
    event = await _session(ids, organiser)
    users = await many_users("rush", CLIENTS)
    headers = [await bearer_for(u) for u in users]
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=podium_live_server.url, limits=limits, timeout=60) as client:
        responses = await asyncio.gather(*[
            client.post(f"/api/v1/events/{event['id']}/bookings", json={"places": 1}, headers=h)
            for h in headers
        ])
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] * CAPACITY + [409] * (CLIENTS - CAPACITY), [r.text for r in responses]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"full"}
        remaining = sorted(r.json()["remaining"] for r in responses if r.status_code == 201)
        assert remaining == list(range(CAPACITY))
        final = (await client.get(f"/api/v1/events/{event['id']}")).json()
        assert final["booked"] == CAPACITY and final["remaining"] == 0
    rows = await Booking.select().where(Booking.event == event["id"])
    assert sum(r["places"] for r in rows if r["status"] == "active") == CAPACITY


async def _session(ids, organiser, capacity: int = CAPACITY):
    from podium.web.assembly import make_plugin_host

    scope = service.VenueScope(host=make_plugin_host(), venue_id=ids["venue"],
                               enabled=frozenset({"venue", "cycling"}))
    return await service.create_event(scope, {
        "title": "Drop-in gaming", "kind": "public_session", "starts_at": at(0, 17),
        "ends_at": at(0, 20), "space_ids": [ids["lounge"]], "capacity": capacity,
    }, organiser)


# A sequence of operations: ("book", user index, places) or ("cancel", user index, 0).
operations = st.lists(
    st.tuples(st.sampled_from(["book", "cancel"]), st.integers(0, 5), st.integers(1, 10)),
    min_size=1, max_size=25,
)


async def test_booking_capacity_property(podium_db):
    """Whatever the order of bookings and cancellations, active places never exceed the
    capacity, and every refusal of a booking that would fit is explained."""
    from podium.web.assembly import make_plugin_host

    ids = await seed_venue()
    organiser = await quick_user("org", "organiser")
    users = await many_users("prop", 6)
    host = make_plugin_host()
    loop = asyncio.get_running_loop()

    async def run(ops, capacity):
        await Booking.delete(force=True)
        from podium.core.venue.tables import Event

        await Event.delete(force=True)
        event = await _session(ids, organiser, capacity)
        scope = service.VenueScope(host=host, venue_id=ids["venue"], enabled=frozenset({"venue"}))
        held: dict[int, int] = {}  # user index -> places, the model
        for action, who, places in ops:
            user = users[who]
            if action == "book":
                try:
                    _booking, left = await service.book(scope, event["id"], user, places)
                except Conflict as exc:
                    fits = places <= capacity - sum(held.values())
                    assert exc.code in ("full", "already_booked")
                    assert exc.code == "already_booked" or not fits
                    assert who in held or not fits
                else:
                    assert who not in held and places <= capacity - sum(held.values())
                    held[who] = places
                    assert left == capacity - sum(held.values())
            else:
                mine = await service.booking_of(user.id, event["id"])
                if mine:
                    await service.cancel_booking(mine["id"], user)
                    held.pop(who)
            state = await service.get_event(event["id"])
            assert state["booked"] == sum(held.values()) <= capacity

    # Hypothesis drives the examples from a worker thread; each example runs on this
    # test's event loop (the database pool belongs to it).
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(operations, st.integers(1, 20))
    def check(ops, capacity):
        asyncio.run_coroutine_threadsafe(run(ops, capacity), loop).result()

    await asyncio.to_thread(check)
