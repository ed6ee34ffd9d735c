"""Orders through the JSON API: checkout with free and at-venue payment, refusals, staff
marking paid, cancelling, refunding, expiry, idempotent retries, the payment-method
registry, and free bookings refused on an event that sells tickets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from podium.core.events import OrdersPaid, TicketsIssued, TicketsRevoked
from podium.core.testing import DEFAULT_PASSWORD, make_plugin
from podium.tests.ticketing.boxoffice import another_event, buy, shop
from podium.ticketing import orders, secrets
from podium.ticketing.contracts import PaymentStep
from podium.ticketing.keys import event_keys
from podium.ticketing.tables import Order, Ticket
from podium.ticketing.tickets import utc_now


async def test_free_ticket_is_issued_at_once(podium_client, podium_users):
    event, _paid, org, fan, _staff = await shop(podium_client, podium_users)
    free = (await podium_client.post(f"/api/v1/events/{event['id']}/ticket-types", json={
        "name": "Standing", "price_cents": 0, "quota": 50}, headers=org)).json()
    response = await buy(podium_client, fan, free["id"], 2, "free")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "paid" and order["total_cents"] == 0
    assert order["payment"]["status"] == "paid" and len(order["reference"]) == 10
    assert len(order["tickets"]) == 2
    keys = await event_keys(event["id"])
    for ticket in order["tickets"]:
        claims = secrets.verify(keys.public_key, ticket["secret"])
        assert claims is not None and claims.code == ticket["id"]
    listed = (await podium_client.get(f"/api/v1/events/{event['id']}/ticket-types")).json()
    standing = next(t for t in listed["items"] if t["id"] == free["id"])
    assert standing["available"] == 48 and standing["sold"] == 2
    # Whole event: 100 places, 2 sold.
    tribune = next(t for t in listed["items"] if t["name"] == "Tribune")
    assert tribune["available"] == 98
    mine = (await podium_client.get("/api/v1/me/orders", headers=fan)).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == order["id"]


async def test_at_venue_order_waits_for_staff(podium_client, podium_users):
    event, tribune, org, fan, staff = await shop(podium_client, podium_users)
    response = await buy(podium_client, fan, tribune["id"], 3)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "pending" and order["total_cents"] == 4500
    assert order["payment"]["status"] == "pending" and "box office" in order["payment"]["message"]
    assert order["tickets"] == [] and order["expires_at"]
    # The held places count at once.
    listed = (await podium_client.get(f"/api/v1/events/{event['id']}/ticket-types")).json()
    assert listed["items"][0]["held"] == 3 and listed["items"][0]["available"] == 97
    # A fan cannot mark it paid; staff find it by reference and do.
    assert (await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid", headers=fan)
            ).status_code == 403
    found = (await podium_client.get(f"/api/v1/orders?reference={order['reference'].lower()}",
                                     headers=staff)).json()
    assert found["items"][0]["id"] == order["id"]
    paid = await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid",
                                    json={"reference": "till 42"}, headers=staff)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and len(paid.json()["tickets"]) == 3
    assert all(t["secret"] is None for t in paid.json()["tickets"])  # staff see no secrets
    mine = (await podium_client.get(f"/api/v1/orders/{order['id']}", headers=fan)).json()
    assert all(t["secret"] for t in mine["tickets"])
    again = await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid", headers=staff)
    assert again.status_code == 200 and len(again.json()["tickets"]) == 3  # no second issue
    assert await Ticket.count().where(Ticket.order == order["id"]) == 3
    sales = (await podium_client.get(f"/api/v1/events/{event['id']}/sales", headers=org)).json()
    assert sales["sold"] == 3 and sales["revenue_cents"] == 4500 and sales["orders_paid"] == 1


async def test_bad_lines_are_refused_with_reasons(podium_client, podium_users):
    event, tribune, org, fan, _staff = await shop(podium_client, podium_users, max_per_order=4)
    other = await another_event(event)
    alien = (await podium_client.post(f"/api/v1/events/{other['id']}/ticket-types", json={
        "name": "Other", "price_cents": 500}, headers=org)).json()
    cases = [
        ({"lines": [{"ticket_type_id": 999999, "quantity": 1}], "payment_method": "at_venue"}, 422),
        ({"lines": [{"ticket_type_id": tribune["id"], "quantity": 5}], "payment_method": "at_venue"}, 422),
        ({"lines": [{"ticket_type_id": tribune["id"], "quantity": 1},
                    {"ticket_type_id": alien["id"], "quantity": 1}], "payment_method": "at_venue"}, 422),
        ({"lines": [{"ticket_type_id": tribune["id"], "quantity": 1}], "payment_method": "free"}, 422),
        ({"lines": [{"ticket_type_id": tribune["id"], "quantity": 1}], "payment_method": "bitcoin"}, 422),
        # Outside the documented schema (1 to 20 lines, quantity 1 to 1000): a 400.
        ({"lines": [], "payment_method": "at_venue"}, 400),
        ({"lines": [{"ticket_type_id": tribune["id"], "quantity": 0}], "payment_method": "at_venue"}, 400),
    ]
    for body, code in cases:
        response = await podium_client.post("/api/v1/orders", json=body, headers=fan)
        assert response.status_code == code, (body, response.text)
        assert response.json()["detail"]
    assert await Order.count() == 0
    # Outside the sale window.
    later = (utc_now() + timedelta(days=1)).isoformat()
    await podium_client.patch(f"/api/v1/ticket-types/{tribune['id']}",
                              json={"sale_starts_at": later}, headers=org)
    response = await buy(podium_client, fan, tribune["id"])
    assert response.status_code == 422 and response.json()["code"] == "not_on_sale"
    anonymous = await podium_client.post("/api/v1/orders", json=cases[0][0])
    assert anonymous.status_code == 401


async def test_sold_out_answers_409_with_what_is_left(podium_client, podium_users):
    event, tribune, org, fan, _staff = await shop(podium_client, podium_users, capacity=5)
    assert (await buy(podium_client, fan, tribune["id"], 4)).status_code == 201
    response = await buy(podium_client, fan, tribune["id"], 2)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "sold_out" and body["types"] == [
        {"ticket_type_id": tribune["id"], "asked": 2, "available": 1, "waiting_list": False}]
    # Two types sharing the whole-event quota: together they must fit.
    vip = (await podium_client.post(f"/api/v1/events/{event['id']}/ticket-types", json={
        "name": "VIP", "price_cents": 5000}, headers=org)).json()
    both = await podium_client.post("/api/v1/orders", json={"lines": [
        {"ticket_type_id": tribune["id"], "quantity": 1},
        {"ticket_type_id": vip["id"], "quantity": 1}], "payment_method": "at_venue"}, headers=fan)
    assert both.status_code == 409


async def test_cancel_refund_and_expiry_free_places(podium_client, podium_users):
    event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=4)
    first = (await buy(podium_client, fan, tribune["id"], 2)).json()
    # The buyer cancels a pending order.
    cancelled = await podium_client.post(f"/api/v1/orders/{first['id']}/cancel", headers=fan)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await podium_client.post(f"/api/v1/orders/{first['id']}/cancel", headers=fan)
    assert again.status_code == 409
    # A paid order: the buyer may not cancel it; the organiser refunds it.
    second = (await buy(podium_client, fan, tribune["id"], 2)).json()
    await podium_client.post(f"/api/v1/orders/{second['id']}/mark-paid", headers=staff)
    assert (await podium_client.post(f"/api/v1/orders/{second['id']}/cancel", headers=fan)
            ).status_code == 403
    assert (await podium_client.post(f"/api/v1/orders/{second['id']}/refund", headers=fan)
            ).status_code == 403
    refunded = await podium_client.post(f"/api/v1/orders/{second['id']}/refund", headers=org)
    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"
    assert {t["status"] for t in refunded.json()["tickets"]} == {"refunded"}
    # An expired hold stops counting at once, and the sweep marks it expired.
    third = (await buy(podium_client, fan, tribune["id"], 4)).json()
    assert (await buy(podium_client, fan, tribune["id"], 1)).status_code == 409
    await Order.update({Order.expires_at: utc_now() - timedelta(seconds=1)}).where(
        Order.id == third["id"])
    listed = (await podium_client.get(f"/api/v1/events/{event['id']}/ticket-types")).json()
    assert listed["items"][0]["available"] == 4
    await orders.expire_holds()  # (the app's sweeper may have got there first: same result)
    assert (await Order.select(Order.status).where(Order.id == third["id"]).first())["status"] == "expired"
    # Staff may still take the money for an expired hold while its places are free.
    late = await podium_client.post(f"/api/v1/orders/{third['id']}/mark-paid", headers=staff)
    assert late.status_code == 200 and late.json()["status"] == "paid"
    # An organiser cancels a paid order: tickets revoked as cancelled.
    gone = await podium_client.post(f"/api/v1/orders/{third['id']}/cancel", headers=org)
    assert {t["status"] for t in gone.json()["tickets"]} == {"cancelled"}


async def test_expired_hold_cannot_be_paid_once_its_places_are_taken(podium_client, podium_users):
    event, tribune, _org, fan, staff = await shop(podium_client, podium_users, capacity=2)
    first = (await buy(podium_client, fan, tribune["id"], 2)).json()
    await Order.update({Order.expires_at: utc_now() - timedelta(seconds=1)}).where(
        Order.id == first["id"])
    assert (await buy(podium_client, fan, tribune["id"], 2)).status_code == 201
    late = await podium_client.post(f"/api/v1/orders/{first['id']}/mark-paid", headers=staff)
    assert late.status_code == 409 and late.json()["code"] == "hold_expired"


async def test_idempotency_key_makes_a_retry_safe(podium_client, podium_users):
    _event, tribune, _org, fan, _staff = await shop(podium_client, podium_users)
    headers = {**fan, "Idempotency-Key": "checkout-7f3a"}
    first = await buy(podium_client, headers, tribune["id"], 2)
    second = await buy(podium_client, headers, tribune["id"], 2)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["payment"]["replayed"] is True
    assert await Order.count() == 1
    different = await buy(podium_client, headers, tribune["id"], 3)
    assert different.status_code == 422 and different.json()["code"] == "idempotency_mismatch"
    assert (await buy(podium_client, {**fan, "Idempotency-Key": "other"}, tribune["id"], 2)
            ).json()["id"] != first.json()["id"]


async def test_orders_are_private(podium_client, podium_users):
    _event, tribune, _org, fan, staff = await shop(podium_client, podium_users)
    order = (await buy(podium_client, fan, tribune["id"])).json()
    await podium_users("other", "fan")
    other = await podium_client.bearer("other", DEFAULT_PASSWORD)
    assert (await podium_client.get(f"/api/v1/orders/{order['id']}", headers=other)).status_code == 404
    assert (await podium_client.post(f"/api/v1/orders/{order['id']}/cancel", headers=other)).status_code == 404
    assert (await podium_client.get(f"/api/v1/orders/{order['id']}", headers=staff)).status_code == 200
    assert (await podium_client.get("/api/v1/orders?reference=NOPE", headers=staff)).json()["total"] == 0


async def test_paid_orders_record_domain_events(podium_client, podium_users):
    from podium.core.outbox.tables import OutboxEvent

    _event, tribune, org, fan, staff = await shop(podium_client, podium_users)
    order = (await buy(podium_client, fan, tribune["id"], 2)).json()
    await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid", headers=staff)
    await podium_client.post(f"/api/v1/orders/{order['id']}/refund", headers=org)
    kinds = [r["type"] for r in await OutboxEvent.select(OutboxEvent.type).order_by(OutboxEvent.id)]
    assert kinds.index(TicketsIssued.__name__) < kinds.index(OrdersPaid.__name__) < kinds.index(
        TicketsRevoked.__name__)
    assert "TicketAvailabilityChanged" in kinds


@pytest.mark.hooks("podium_payment_methods")
async def test_a_card_processor_plugin_pays_outside_the_transaction(
        podium_app_factory, podium_client_factory, podium_users):
    from podium.core.database import in_transaction
    from podium.core.testing import set_plugin_enabled

    seen = []

    class Card:
        name = "card"
        label = "Card"

        def accepts(self, total_cents, currency):
            return total_cents > 0

        async def begin(self, order):
            seen.append(in_transaction())
            if order.total_cents > 10_000:
                return PaymentStep(status="failed", message="card declined")
            if order.total_cents == 3000:
                raise RuntimeError("the processor is down")
            return PaymentStep(status="paid", reference=f"ch_{order.order_id}")

    plugin = make_plugin("cardpay", default_enabled=False, podium_payment_methods=lambda registry: registry.add("card", Card()))
    app = podium_app_factory(extra=[plugin])
    client = await podium_client_factory(app)
    _event, tribune, _org, fan, _staff = await shop(client, podium_users)
    # While the plugin is off for the venue its method is not offered.
    refused = await buy(client, fan, tribune["id"], 1, "card")
    assert refused.status_code == 422 and "card" not in refused.json()["payment_methods"]
    await set_plugin_enabled(app, "cardpay")
    paid = await buy(client, fan, tribune["id"], 1, "card")
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    assert paid.json()["payment"]["reference"] == f"ch_{paid.json()['id']}"
    declined = await buy(client, fan, tribune["id"], 7, "card")
    assert declined.status_code == 402 and declined.json()["code"] == "payment_failed"
    assert (await Order.select(Order.status).where(Order.id == declined.json()["order_id"]).first()
            )["status"] == "cancelled"
    # A method that raises: the buyer reads which one failed, in their language; no 500.
    broken = await buy(client, {**fan, "Accept-Language": "fr"}, tribune["id"], 2, "card")
    assert broken.status_code == 402 and broken.json()["code"] == "payment_failed"
    assert "Card n’est pas disponible pour le moment" in broken.json()["detail"]
    assert "RuntimeError" not in broken.text
    assert seen == [False, False, False]


@pytest.mark.hooks("podium_validate_booking")
async def test_an_event_that_sells_tickets_refuses_free_bookings(podium_client, podium_users):
    event, tribune, org, fan, _staff = await shop(podium_client, podium_users)
    refused = await podium_client.post(f"/api/v1/events/{event['id']}/bookings",
                                       json={"places": 1}, headers=fan)
    assert refused.status_code == 409 and "this event sells tickets" in refused.json()["reasons"]
    # The reason is said in the reader's language (the code stays English).
    refused = await podium_client.post(f"/api/v1/events/{event['id']}/bookings",
                                       json={"places": 1},
                                       headers={**fan, "Accept-Language": "fr"})
    assert refused.json()["code"] == "booking_refused"
    assert "cet évènement vend des billets : prenez un billet" in refused.json()["reasons"]
    await podium_client.patch(f"/api/v1/ticket-types/{tribune['id']}", json={"active": False},
                              headers=org)
    booked = await podium_client.post(f"/api/v1/events/{event['id']}/bookings",
                                      json={"places": 1}, headers=fan)
    assert booked.status_code == 201


async def test_the_sweeper_expires_holds(podium_client, podium_users):
    _event, tribune, _org, fan, _staff = await shop(podium_client, podium_users)
    order = (await buy(podium_client, fan, tribune["id"], 1)).json()
    await Order.update({Order.expires_at: utc_now() - timedelta(seconds=1)}).where(
        Order.id == order["id"])
    sweeper = orders.HoldSweeper(interval=0.05)
    sweeper.start()
    try:
        for _ in range(100):
            row = await Order.select(Order.status).where(Order.id == order["id"]).first()
            if row["status"] == "expired":
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()
    assert row["status"] == "expired"
