"""Holders through the API: my tickets, one ticket, transfers under the organiser's rules
(every refusal), a transfer killing the old secret, reissue, the QR images."""

from __future__ import annotations

from datetime import timedelta

from podium.core.events import TicketsRevoked, TicketsTransferred, decode
from podium.core.outbox.tables import OutboxEvent
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing import secrets, tickets
from podium.ticketing.keys import event_keys
from podium.ticketing.tables import Ticket, TicketSettings, Transfer


async def _events(kind):
    return [decode(r["type"], r["payload"]) for r in await OutboxEvent.select().order_by(OutboxEvent.id)
            if r["type"] == kind.__name__]


async def _setup(**settings):
    event = await ticketed_event()
    type_id = await ticket_type(event["id"])
    fan = await quick_user("fanny")
    friend = await quick_user("fred")
    [ticket] = await issue(event, type_id, fan.id)
    if settings:
        await TicketSettings(event=event["id"], **settings).save()
    return event, ticket, fan, friend


async def test_my_tickets_shows_the_secret_of_valid_tickets_only(podium_client):
    event, ticket, fan, friend = await _setup()
    headers = await bearer_for(fan)
    body = (await podium_client.get("/api/v1/me/tickets", headers=headers)).json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["code"] == ticket["code"] and item["secret"] == ticket["secret"]
    assert item["event"]["id"] == event["id"] and item["ticket_type"]["name"] == "Tribune"
    assert item["status"] == "valid" and item["serial"] == 1 and item["inside"] is False
    assert (await podium_client.get("/api/v1/me/tickets", headers=await bearer_for(friend))).json()["items"] == []
    assert (await podium_client.get("/api/v1/me/tickets")).status_code == 401
    # A revoked ticket shows without its secret.
    await Ticket.update({Ticket.status: "refunded"}).where(Ticket.code == ticket["code"])
    [item] = (await podium_client.get("/api/v1/me/tickets", headers=headers)).json()["items"]
    assert item["status"] == "refunded" and item["secret"] is None


async def test_one_ticket_for_holder_and_staff_hidden_from_others(podium_client):
    _event, ticket, fan, friend = await _setup()
    staff = await quick_user("gatekeeper", "staff")
    url = f"/api/v1/tickets/{ticket['code']}"
    assert (await podium_client.get(url, headers=await bearer_for(fan))).json()["secret"] == ticket["secret"]
    seen = (await podium_client.get(url, headers=await bearer_for(staff))).json()
    assert seen["status"] == "valid" and seen["secret"] is None and seen["yours"] is False
    assert (await podium_client.get(url, headers=await bearer_for(friend))).status_code == 404
    for bad in ("nope", "x" * 33, "a%00b", "%F0%9F%8E%9F"):
        response = await podium_client.get(f"/api/v1/tickets/{bad}", headers=await bearer_for(fan))
        assert response.status_code in (400, 404), (bad, response.status_code)


async def test_transfer_rotates_the_secret_and_kills_the_old_one(podium_client):
    event, ticket, fan, friend = await _setup()
    response = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer",
                                        json={"to_username": "fred"}, headers=await bearer_for(fan))
    assert response.status_code == 200, response.text
    mine = response.json()
    assert mine["status"] == "transferred" and mine["secret"] is None and mine["yours"] is False
    theirs = (await podium_client.get(f"/api/v1/tickets/{ticket['code']}",
                                      headers=await bearer_for(friend))).json()
    assert theirs["status"] == "valid" and theirs["serial"] == 2
    assert theirs["secret"] and theirs["secret"] != ticket["secret"]
    # The old secret still carries a good signature, but its serial is on the revocation
    # list: a gate (online or offline) refuses it; the new one is not on it.
    keys = await event_keys(event["id"])
    old = secrets.verify(keys.public_key, ticket["secret"])
    new = secrets.verify(keys.public_key, theirs["secret"])
    assert old is not None and old.serial == 1 and new is not None and new.serial == 2
    revoked = await tickets.revocation_list(event["id"])
    assert f"{ticket['code']}.1" in revoked and f"{ticket['code']}.2" not in revoked
    # The previous holder keeps seeing it as transferred away, without a secret.
    [item] = (await podium_client.get("/api/v1/me/tickets", headers=await bearer_for(fan))).json()["items"]
    assert item["status"] == "transferred" and item["secret"] is None
    # The fact and the event: commitments, not people.
    [fact] = await Transfer.select().where(Transfer.ticket == ticket["id"])
    assert (fact["from_user"], fact["to_user"], fact["price_cents"], fact["serial"]) == (fan.id, friend.id, None, 2)
    [recorded] = await _events(TicketsTransferred)
    [moved] = recorded.transfers
    assert moved.ticket_id == ticket["code"] and moved.serial == 2 and moved.price_cents is None
    assert (moved.from_commitment, moved.to_commitment) == (keys.commitment(fan.id), keys.commitment(friend.id))
    # And the old holder can no longer act on it.
    again = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer",
                                     json={"to_username": "fred"}, headers=await bearer_for(fan))
    assert again.status_code == 404


async def _refused(client, ticket, holder, to, status, code):
    response = await client.post(f"/api/v1/tickets/{ticket['code']}/transfer", json={"to_username": to},
                                 headers=await bearer_for(holder))
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text
    row = await Ticket.select().where(Ticket.code == ticket["code"]).first()
    assert row["holder"] == holder.id and row["serial"] == ticket["serial"] == 1
    assert not await Transfer.exists().where(Transfer.ticket == ticket["id"])


async def test_transfer_refusals_change_nothing(podium_client):
    _event, ticket, fan, friend = await _setup()
    await _refused(podium_client, ticket, fan, "nobody-here", 422, "unknown_recipient")
    await _refused(podium_client, ticket, fan, "   ", 422, "invalid")
    await _refused(podium_client, ticket, fan, "x" * 200, 422, "unknown_recipient")
    await _refused(podium_client, ticket, fan, "fanny", 409, "same_holder")
    await Ticket.update({Ticket.inside: True}).where(Ticket.code == ticket["code"])
    await _refused(podium_client, ticket, fan, "fred", 409, "ticket_used")
    await Ticket.update({Ticket.inside: False, Ticket.status: "cancelled"}).where(Ticket.code == ticket["code"])
    await _refused(podium_client, ticket, fan, "fred", 409, "ticket_not_valid")
    # Someone else's ticket does not exist for you.
    response = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer",
                                        json={"to_username": "fanny"}, headers=await bearer_for(friend))
    assert response.status_code == 404
    for body in ({}, {"to_username": 3}, {"to_username": "fred", "extra": 1}, []):
        response = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/transfer", json=body,
                                            headers=await bearer_for(fan))
        assert 400 <= response.status_code < 500, (body, response.status_code)


async def test_organiser_rules_refuse_transfers(podium_client):
    _event, ticket, fan, _friend = await _setup(transfers_allowed=False)
    await _refused(podium_client, ticket, fan, "fred", 409, "transfers_not_allowed")


async def test_transfer_deadline(podium_client):
    event, ticket, fan, _friend = await _setup()
    await TicketSettings(event=event["id"], transfer_deadline=tickets.utc_now() - timedelta(minutes=1)).save()
    await _refused(podium_client, ticket, fan, "fred", 409, "deadline_passed")


async def test_default_deadline_is_the_start(podium_client):
    from podium.core.venue.tables import Event

    event, ticket, fan, _friend = await _setup()
    await Event.update({Event.starts_at: tickets.utc_now() - timedelta(minutes=5)}).where(Event.id == event["id"])
    await _refused(podium_client, ticket, fan, "fred", 409, "deadline_passed")


async def test_reissue_gives_the_holder_a_new_secret(podium_client):
    event, ticket, fan, friend = await _setup()
    response = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/reissue", headers=await bearer_for(fan))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["yours"] and body["serial"] == 2 and body["secret"] != ticket["secret"]
    assert f"{ticket['code']}.1" in await tickets.revocation_list(event["id"])
    [recorded] = await _events(TicketsRevoked)
    assert recorded.revocations[0].reason == "reissued" and recorded.revocations[0].new_serial == 2
    assert (await podium_client.post(f"/api/v1/tickets/{ticket['code']}/reissue",
                                     headers=await bearer_for(friend))).status_code == 404
    await Ticket.update({Ticket.status: "refunded"}).where(Ticket.code == ticket["code"])
    refused = await podium_client.post(f"/api/v1/tickets/{ticket['code']}/reissue",
                                       headers={**await bearer_for(fan), "Accept-Language": "fr"})
    assert refused.status_code == 409 and refused.json()["code"] == "ticket_not_valid"
    # The stored status word, as people read it in their language.
    assert refused.json()["detail"] == "ce billet est remboursé ; il n’a pas de QR code à remplacer"


async def test_qr_images_for_the_holder_only(podium_client):
    _event, ticket, fan, friend = await _setup()
    await podium_client.login("fanny", "correct-horse-42")
    svg = await podium_client.get(f"/tickets/{ticket['code']}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["cache-control"] == "no-store" and b"<svg" in svg.content
    png = await podium_client.get(f"/tickets/{ticket['code']}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png.headers["cache-control"] == "no-store"
    await podium_client.logout()
    await podium_client.login("fred", "correct-horse-42")
    assert (await podium_client.get(f"/tickets/{ticket['code']}/qr.png")).status_code == 404
    await podium_client.logout()
    assert (await podium_client.get(f"/tickets/{ticket['code']}/qr.svg")).status_code in (401, 303, 302)
