"""Resale through the API: listing under the cap and the organiser's rules, the public
list, buying (free, paid at once, pending at the venue then marked paid by staff, a
reservation lapsing), withdrawal, and every refusal changing nothing."""

from __future__ import annotations

from datetime import timedelta

from podium.core.events import TicketsTransferred, decode
from podium.core.outbox.tables import OutboxEvent
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing import tickets
from podium.ticketing.contracts import PAYMENT_METHODS, OrderSummary, PaymentStep
from podium.ticketing.tables import ResaleListing, Ticket, TicketSettings, Transfer


async def _setup(price: int = 1500, **settings):
    event = await ticketed_event()
    type_id = await ticket_type(event["id"], price_cents=price)
    seller = await quick_user("sally")
    buyer = await quick_user("bob")
    [ticket] = await issue(event, type_id, seller.id, price_cents=price)
    if settings:
        await TicketSettings(event=event["id"], **settings).save()
    return event, ticket, seller, buyer


async def _list(client, ticket, user, price):
    return await client.post(f"/api/v1/tickets/{ticket['code']}/resale", json={"price_cents": price},
                             headers=await bearer_for(user))


async def test_listing_is_capped_at_face_value_by_default(podium_client):
    event, ticket, seller, buyer = await _setup()
    over = await _list(podium_client, ticket, seller, 1501)
    assert over.status_code == 409 and over.json()["code"] == "over_cap"
    for bad in (-1, 10**12, "twelve", 1.5, True, None):
        response = await _list(podium_client, ticket, seller, bad)
        assert 400 <= response.status_code < 500, (bad, response.status_code)
    assert not await ResaleListing.exists()
    assert (await _list(podium_client, ticket, buyer, 100)).status_code == 404
    made = await _list(podium_client, ticket, seller, 1500)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "listed" and made.json()["price_cents"] == 1500
    again = await _list(podium_client, ticket, seller, 1000)
    assert again.status_code == 409 and again.json()["code"] == "already_listed"
    public = (await podium_client.get(f"/api/v1/events/{event['id']}/resale")).json()
    assert public["total"] == 1
    [item] = public["items"]
    assert item == {"id": made.json()["id"], "price_cents": 1500, "currency": "EUR",
                    "ticket_type": {"id": ticket["ticket_type"], "name": "Tribune"}}
    # The holder sees the listing on the ticket.
    mine = (await podium_client.get(f"/api/v1/tickets/{ticket['code']}", headers=await bearer_for(seller))).json()
    assert mine["resale"]["id"] == made.json()["id"] and mine["resale"]["status"] == "listed"


async def test_organiser_cap_rules_and_deadline(podium_client):
    _event, ticket, seller, _buyer = await _setup(resale_cap_cents=2000)
    assert (await _list(podium_client, ticket, seller, 2001)).json()["code"] == "over_cap"
    assert (await _list(podium_client, ticket, seller, 2000)).status_code == 201


async def test_resale_not_allowed(podium_client):
    _event, ticket, seller, _buyer = await _setup(resale_allowed=False)
    response = await _list(podium_client, ticket, seller, 100)
    assert response.status_code == 409 and response.json()["code"] == "resale_not_allowed"


async def test_resale_after_deadline(podium_client):
    _event, ticket, seller, _buyer = await _setup(transfer_deadline=tickets.utc_now() - timedelta(seconds=1))
    response = await _list(podium_client, ticket, seller, 100)
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    assert not await ResaleListing.exists()


async def test_withdraw_by_the_seller_only(podium_client):
    event, ticket, seller, buyer = await _setup()
    listing = (await _list(podium_client, ticket, seller, 1000)).json()
    assert (await podium_client.delete(f"/api/v1/resale/{listing['id']}", headers=await bearer_for(buyer))).status_code == 404
    response = await podium_client.delete(f"/api/v1/resale/{listing['id']}", headers=await bearer_for(seller))
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert (await podium_client.get(f"/api/v1/events/{event['id']}/resale")).json()["total"] == 0
    again = await podium_client.delete(f"/api/v1/resale/{listing['id']}",
                                       headers={**await bearer_for(seller), "Accept-Language": "fr"})
    assert again.status_code == 409 and again.json()["code"] == "not_open"
    assert again.json()["detail"] == "cette annonce est déjà retirée"
    assert (await podium_client.delete("/api/v1/resale/999999", headers=await bearer_for(seller))).status_code == 404


async def test_free_resale_transfers_at_once(podium_client):
    event, ticket, seller, buyer = await _setup(price=0)
    listing = (await _list(podium_client, ticket, seller, 0)).json()
    mine = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "free"},
                                    headers=await bearer_for(seller))
    assert mine.status_code == 409 and mine.json()["code"] == "own_listing"
    bought = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "free"},
                                      headers=await bearer_for(buyer))
    assert bought.status_code == 200, bought.text
    assert bought.json()["status"] == "sold" and bought.json()["ticket"] == ticket["code"]
    theirs = (await podium_client.get(f"/api/v1/tickets/{ticket['code']}", headers=await bearer_for(buyer))).json()
    assert theirs["yours"] and theirs["serial"] == 2 and theirs["secret"] != ticket["secret"]
    assert f"{ticket['code']}.1" in await tickets.revocation_list(event["id"])
    again = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "free"},
                                     headers=await bearer_for(buyer))
    assert again.status_code == 409 and again.json()["code"] == "not_available"
    [fact] = await Transfer.select().where(Transfer.ticket == ticket["id"])
    assert fact["price_cents"] == 0


class CardAlwaysPays:
    """A third-party card processor that always answers ``paid``."""

    name = "testcard"
    label = "Test card"
    seen: list[OrderSummary] = []

    def accepts(self, total_cents: int, currency: str) -> bool:
        return total_cents > 0

    async def begin(self, order: OrderSummary) -> PaymentStep:
        self.seen.append(order)
        return PaymentStep(status="paid", reference=f"card-{order.order_id}")


class CardBroken:
    """A processor that fails (raises): the listing must come back, never a 500."""

    name = "brokencard"
    label = "Broken card"

    def accepts(self, total_cents: int, currency: str) -> bool:
        return True

    async def begin(self, order: OrderSummary) -> PaymentStep:
        raise RuntimeError("processor down")


async def test_paid_resale_records_the_price(podium_app, podium_client):
    registry = podium_app.state.plugin_host.registry(PAYMENT_METHODS)
    registry.add(CardAlwaysPays.name, CardAlwaysPays())
    registry.add(CardBroken.name, CardBroken())
    event, ticket, seller, buyer = await _setup()
    listing = (await _list(podium_client, ticket, seller, 1200)).json()
    url = f"/api/v1/resale/{listing['id']}/buy"
    for method, code in (("free", "payment_method_refused"), ("bitcoin", "unknown_payment_method")):
        refused = await podium_client.post(url, json={"payment_method": method}, headers=await bearer_for(buyer))
        assert refused.status_code == 422 and refused.json()["code"] == code
    broken = await podium_client.post(url, json={"payment_method": "brokencard"}, headers=await bearer_for(buyer))
    assert broken.status_code == 409 and broken.json()["code"] == "payment_failed"
    row = await ResaleListing.select().where(ResaleListing.id == listing["id"]).first()
    assert row["status"] == "listed" and row["buyer"] is None
    bought = await podium_client.post(url, json={"payment_method": "testcard"}, headers=await bearer_for(buyer))
    assert bought.status_code == 200, bought.text
    assert bought.json()["status"] == "sold" and bought.json()["payment_reference"] == f"card-{listing['id']}"
    assert CardAlwaysPays.seen[-1].total_cents == 1200
    events = [decode(r["type"], r["payload"]) for r in await OutboxEvent.select() if r["type"] == "TicketsTransferred"]
    [recorded] = [e for e in events if isinstance(e, TicketsTransferred)]
    assert recorded.transfers[0].price_cents == 1200 and recorded.transfers[0].serial == 2
    holder = await Ticket.select(Ticket.holder).where(Ticket.id == ticket["id"]).first()
    assert holder["holder"] == buyer.id


async def test_pay_at_venue_reserves_then_staff_complete(podium_client):
    event, ticket, seller, buyer = await _setup()
    staff = await quick_user("till", "staff")
    listing = (await _list(podium_client, ticket, seller, 1500)).json()
    bought = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "at_venue"},
                                      headers=await bearer_for(buyer))
    assert bought.status_code == 200, bought.text
    body = bought.json()
    assert body["status"] == "reserved" and body["reserved_until"] and body["payment_reference"] == f"venue-{listing['id']}"
    # Reserved: off the public list, nobody else can buy it, the seller cannot withdraw it.
    assert (await podium_client.get(f"/api/v1/events/{event['id']}/resale")).json()["total"] == 0
    other = await quick_user("olga")
    taken = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "at_venue"},
                                     headers=await bearer_for(other))
    assert taken.status_code == 409 and taken.json()["code"] == "not_available"
    stuck = await podium_client.delete(f"/api/v1/resale/{listing['id']}", headers=await bearer_for(seller))
    assert stuck.status_code == 409 and stuck.json()["code"] == "resale_reserved"
    blocked = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer", json={"to_username": "olga"},
                                       headers=await bearer_for(seller))
    assert blocked.status_code == 409 and blocked.json()["code"] == "resale_reserved"
    # Only staff confirm the payment.
    assert (await podium_client.post(f"/api/v1/resale/{listing['id']}/mark-paid",
                                     headers=await bearer_for(buyer))).status_code == 403
    paid = await podium_client.post(f"/api/v1/resale/{listing['id']}/mark-paid", headers=await bearer_for(staff))
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "sold"
    row = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert row["holder"] == buyer.id and row["serial"] == 2
    again = await podium_client.post(f"/api/v1/resale/{listing['id']}/mark-paid", headers=await bearer_for(staff))
    assert again.status_code == 409 and again.json()["code"] == "not_reserved"


async def test_a_lapsed_reservation_is_back_on_sale(podium_client):
    event, ticket, seller, buyer = await _setup()
    staff = await quick_user("till", "staff")
    other = await quick_user("olga")
    listing = (await _list(podium_client, ticket, seller, 1500)).json()
    await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "at_venue"},
                             headers=await bearer_for(buyer))
    await ResaleListing.update({ResaleListing.reserved_until: tickets.utc_now() - timedelta(seconds=1)}).where(
        ResaleListing.id == listing["id"])
    assert (await podium_client.get(f"/api/v1/events/{event['id']}/resale")).json()["total"] == 1
    late = await podium_client.post(f"/api/v1/resale/{listing['id']}/mark-paid", headers=await bearer_for(staff))
    assert late.status_code == 409 and late.json()["code"] == "reservation_expired"
    taken = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "at_venue"},
                                     headers=await bearer_for(other))
    assert taken.status_code == 200 and taken.json()["status"] == "reserved"
    row = await ResaleListing.select().where(ResaleListing.id == listing["id"]).first()
    assert row["buyer"] == other.id


async def test_a_transfer_withdraws_the_listing(podium_client):
    event, ticket, seller, buyer = await _setup()
    listing = (await _list(podium_client, ticket, seller, 1500)).json()
    moved = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer", json={"to_username": "bob"},
                                     headers=await bearer_for(seller))
    assert moved.status_code == 200
    row = await ResaleListing.select().where(ResaleListing.id == listing["id"]).first()
    assert row["status"] == "withdrawn"
    assert (await podium_client.get(f"/api/v1/events/{event['id']}/resale")).json()["total"] == 0


async def test_a_dead_ticket_cannot_be_bought(podium_client):
    event, ticket, seller, buyer = await _setup()
    listing = (await _list(podium_client, ticket, seller, 1500)).json()
    await Ticket.update({Ticket.inside: True}).where(Ticket.id == ticket["id"])
    used = await podium_client.post(f"/api/v1/resale/{listing['id']}/buy", json={"payment_method": "at_venue"},
                                    headers=await bearer_for(buyer))
    assert used.status_code == 409 and used.json()["code"] == "ticket_used"
    row = await ResaleListing.select().where(ResaleListing.id == listing["id"]).first()
    assert row["status"] == "listed" and row["buyer"] is None
