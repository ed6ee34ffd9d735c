"""Races for one ticket with real concurrent clients against a live server: buyers racing
for one resale listing, and a holder firing transfers to many people at once. Exactly one
wins. The negative control runs the same races with the lock switched off
(``PODIUM_TICKETING_NO_LOCK=1``) and shows the ticket going to several people."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from podium.tests.core.test_venue_support import bearer_for, many_users, quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing.tables import ResaleListing, Ticket, Transfer

CLIENTS = 20
# A race is timing: even unlocked, the server may happen to serialise one round (the first
# write lands before the others read). A negative control retries with a fresh ticket, and
# fails only when no round of ATTEMPTS shows the double sale.
ATTEMPTS = 5


@pytest.fixture
def unlocked_server(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A live server whose ticket writes skip the transaction and the row lock."""
    monkeypatch.setenv("PODIUM_TICKETING_NO_LOCK", "1")
    return request.getfixturevalue("podium_live_server")


async def _listed_ticket(prefix: str, event: dict | None = None):
    event = event or await ticketed_event()
    type_id = await ticket_type(event["id"])
    seller = await quick_user(f"{prefix}seller")
    [ticket] = await issue(event, type_id, seller.id)
    listing = ResaleListing(ticket=ticket["id"], seller=seller.id, price_cents=1500, status="listed",
                            created_at=ticket["issued_at"])
    await listing.save()
    return ticket, int(listing.id)


async def _race_buyers(url: str, listing_id: int, prefix: str) -> list[httpx.Response]:
    buyers = await many_users(f"{prefix}buyer", CLIENTS)
    headers = [await bearer_for(b) for b in buyers]
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        return list(await asyncio.gather(*[
            client.post(f"/api/v1/resale/{listing_id}/buy", json={"payment_method": "at_venue"}, headers=h)
            for h in headers
        ]))


async def _race_transfers(url: str, ticket: dict, holder, prefix: str) -> list[httpx.Response]:
    friends = await many_users(f"{prefix}friend", CLIENTS)
    headers = await bearer_for(holder)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        return list(await asyncio.gather(*[
            client.post(f"/api/v1/tickets/{ticket['code']}/transfer", json={"to_username": f.username},
                        headers=headers)
            for f in friends
        ]))


async def test_buyers_racing_for_one_listing_exactly_one_wins(podium_live_server):
    ticket, listing_id = await _listed_ticket("a")
    responses = await _race_buyers(podium_live_server.url, listing_id, "a")
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (CLIENTS - 1), [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"not_available"}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert winner["status"] == "reserved"
    row = await ResaleListing.select().where(ResaleListing.id == listing_id).first()
    assert row["status"] == "reserved" and row["buyer"] is not None


async def test_concurrent_transfers_of_one_ticket_exactly_one_wins(podium_live_server):
    holder = await quick_user("bholder")
    event = await ticketed_event()
    [ticket] = await issue(event, await ticket_type(event["id"]), holder.id)
    responses = await _race_transfers(podium_live_server.url, ticket, holder, "b")
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [404] * (CLIENTS - 1), [r.text for r in responses]
    assert await Transfer.count().where(Transfer.ticket == ticket["id"]) == 1
    row = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert row["serial"] == 2 and row["holder"] != holder.id


async def test_negative_control_without_the_lock_a_listing_sells_twice(unlocked_server):
    """The same race with the lock off: several buyers are told the ticket is theirs."""
    event = await ticketed_event()
    for attempt in range(ATTEMPTS):
        _ticket, listing_id = await _listed_ticket(f"c{attempt}", event)
        responses = await _race_buyers(unlocked_server.url, listing_id, f"c{attempt}")
        assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
        if len([r for r in responses if r.status_code == 200]) > 1:
            return
    pytest.fail(f"without the lock no round of {ATTEMPTS} double-sold (negative control)")


async def test_negative_control_without_the_lock_a_ticket_goes_to_many(unlocked_server):
    holder = await quick_user("dholder")
    event = await ticketed_event()
    type_id = await ticket_type(event["id"])
    for attempt in range(ATTEMPTS):
        [ticket] = await issue(event, type_id, holder.id)
        responses = await _race_transfers(unlocked_server.url, ticket, holder, f"d{attempt}")
        if len([r for r in responses if r.status_code == 200]) > 1:
            assert await Transfer.count().where(Transfer.ticket == ticket["id"]) > 1
            return
    pytest.fail(f"without the lock no round of {ATTEMPTS} gave the ticket to several people "
                "(negative control)")
