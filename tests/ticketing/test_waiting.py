"""Waiting lists: join only when sold out; freed places (expiry, cancel, refund, a bigger
quota) are offered in turn as pending orders that hold one ticket; an offer is accepted by
paying it, and one that runs out goes to the next in line."""

from __future__ import annotations

from datetime import timedelta

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.ticketing.boxoffice import buy, shop
from podium.ticketing import orders
from podium.ticketing.tables import Order, WaitingListEntry
from podium.ticketing.tickets import utc_now


async def _expire(order_id: int) -> None:
    await Order.update({Order.expires_at: utc_now() - timedelta(seconds=1)}).where(
        Order.id == order_id)


async def test_waiting_list_gets_freed_places_in_turn(podium_client, podium_users):
    event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=2)
    await podium_users("ann", "fan")
    await podium_users("bob", "fan")
    ann = await podium_client.bearer("ann", DEFAULT_PASSWORD)
    bob = await podium_client.bearer("bob", DEFAULT_PASSWORD)
    url = f"/api/v1/ticket-types/{tribune['id']}/waiting-list"
    # Not sold out yet: buy instead.
    early = await podium_client.post(url, headers=ann)
    assert early.status_code == 409 and early.json()["code"] == "not_sold_out"
    held = (await buy(podium_client, fan, tribune["id"], 2)).json()
    first = await podium_client.post(url, headers=ann)
    second = await podium_client.post(url, headers=bob)
    assert first.status_code == second.status_code == 201
    assert (first.json()["position"], second.json()["position"]) == (1, 2)
    assert (await podium_client.post(url, headers=ann)).json()["code"] == "already_waiting"
    # The fan's hold expires: the sweep offers one place to each, in order.
    await _expire(held["id"])
    await orders.expire_holds()  # (the app's sweeper may have got there first: same result)
    mine = (await podium_client.get("/api/v1/me/waiting-list", headers=ann)).json()["items"][0]
    assert mine["status"] == "offered" and mine["order_id"] and mine["offer_expires_at"]
    offer = (await podium_client.get(f"/api/v1/orders/{mine['order_id']}", headers=ann)).json()
    assert offer["status"] == "pending" and offer["waiting_list_offer"] is True
    assert offer["lines"][0]["quantity"] == 1
    bobs = (await podium_client.get("/api/v1/me/waiting-list", headers=bob)).json()["items"][0]
    assert bobs["status"] == "offered"
    # Offers hold the places: a direct buyer finds nothing.
    assert (await buy(podium_client, fan, tribune["id"], 1)).status_code == 409
    # Ann accepts by paying (at the venue: staff take the money).
    paid = await podium_client.post(f"/api/v1/orders/{mine['order_id']}/pay",
                                    json={"payment_method": "at_venue"}, headers=ann)
    assert paid.status_code == 200, paid.text
    await podium_client.post(f"/api/v1/orders/{mine['order_id']}/mark-paid", headers=staff)
    entry = await WaitingListEntry.select().where(WaitingListEntry.id == mine["id"]).first()
    assert entry["status"] == "accepted"
    # Bob lets his offer run out: it expires and nobody else waits.
    await _expire(bobs["order_id"])
    await orders.expire_holds()
    assert (await WaitingListEntry.select().where(WaitingListEntry.id == bobs["id"]).first()
            )["status"] == "expired"
    listed = (await podium_client.get(f"/api/v1/events/{event['id']}/ticket-types")).json()
    assert listed["items"][0]["available"] == 1


async def test_expired_offer_goes_to_the_next_and_leaving_gives_it_up(podium_client, podium_users):
    _event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=1)
    names = ["ann", "bob", "cid"]
    heads = {}
    for name in names:
        await podium_users(name, "fan")
        heads[name] = await podium_client.bearer(name, DEFAULT_PASSWORD)
    order = (await buy(podium_client, fan, tribune["id"], 1)).json()
    await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid", headers=staff)
    url = f"/api/v1/ticket-types/{tribune['id']}/waiting-list"
    for name in names:
        assert (await podium_client.post(url, headers=heads[name])).status_code == 201
    # A refund frees the place at once: Ann gets the offer.
    await podium_client.post(f"/api/v1/orders/{order['id']}/refund", headers=org)

    async def status(name):
        items = (await podium_client.get("/api/v1/me/waiting-list", headers=heads[name])).json()["items"]
        return items[0]["status"] if items else None

    assert [await status(n) for n in names] == ["offered", "waiting", "waiting"]
    ann_offer = (await podium_client.get("/api/v1/me/waiting-list", headers=heads["ann"])).json()["items"][0]
    # Ann's offer runs out: Bob is next (the lazy sweep at checkout does it too).
    await _expire(ann_offer["order_id"])
    assert (await buy(podium_client, fan, tribune["id"], 1)).status_code == 409
    assert [await status(n) for n in names] == [None, "offered", "waiting"]
    # Bob leaves the line: his offer is given up, Cid gets it.
    assert (await podium_client.delete(url, headers=heads["bob"])).status_code == 204
    assert [await status(n) for n in names] == [None, None, "offered"]
    cid_offer = (await podium_client.get("/api/v1/me/waiting-list", headers=heads["cid"])).json()["items"][0]
    # Cid cannot pay an offer that is not his... but can pay his own.
    assert (await podium_client.post(f"/api/v1/orders/{cid_offer['order_id']}/pay",
                                     json={"payment_method": "at_venue"}, headers=heads["ann"])
            ).status_code == 404
    await _expire(cid_offer["order_id"])
    late = await podium_client.post(f"/api/v1/orders/{cid_offer['order_id']}/pay",
                                    json={"payment_method": "at_venue"}, headers=heads["cid"])
    assert late.status_code == 409 and late.json()["code"] == "order_expired"


async def test_a_bigger_quota_goes_to_the_waiting_list_first(podium_client, podium_users):
    _event, tribune, org, fan, _staff = await shop(podium_client, podium_users, capacity=None)
    await buy(podium_client, fan, tribune["id"], 10)
    await podium_users("ann", "fan")
    ann = await podium_client.bearer("ann", DEFAULT_PASSWORD)
    url = f"/api/v1/ticket-types/{tribune['id']}/waiting-list"
    assert (await podium_client.post(url, headers=ann)).status_code == 201
    [quota] = tribune["quota_ids"]
    grown = await podium_client.patch(f"/api/v1/quotas/{quota}", json={"size": 12}, headers=org)
    assert grown.status_code == 200, grown.text
    entries = (await podium_client.get("/api/v1/me/waiting-list", headers=ann)).json()["items"]
    assert entries[0]["status"] == "offered"
    listed = (await podium_client.get(f"/api/v1/ticket-types/{tribune['id']}")).json()
    assert listed["available"] == 1 and listed["held"] == 11
