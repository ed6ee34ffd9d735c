"""Holders' pages: My tickets, the ticket page and its forms (refusals shown in the page,
nothing changed), the printable ticket, the resale box of the event page."""

from __future__ import annotations

import re

from podium.core.testing import DEFAULT_PASSWORD
from podium.core.venue.tables import Event
from podium.tests.core.test_venue_support import quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing.tables import ResaleListing, Ticket, TicketSettings


async def _setup():
    event = await ticketed_event(title="Sprint finals")
    type_id = await ticket_type(event["id"], name="Tribune", price_cents=2500)
    fan = await quick_user("fanny")
    await quick_user("fred")
    [ticket] = await issue(event, type_id, fan.id, price_cents=2500)
    return event, ticket, fan


async def test_my_tickets_groups_by_event_with_qr(podium_client):
    event, ticket, fan = await _setup()
    assert (await podium_client.get("/me/tickets")).status_code in (302, 303, 401)
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    page = await podium_client.get("/me/tickets")
    assert page.status_code == 200
    html = page.text
    assert "Sprint finals" in html and f'/tickets/{ticket["code"]}' in html and "<svg" in html
    assert "<script>" not in html and "25.00 EUR" in html
    # A free ticket reads "Free", as in the shop, not "0.00 EUR".
    standing = await ticket_type(event["id"], name="Standing", price_cents=0)
    await issue(event, standing, fan.id, price_cents=0)
    html = (await podium_client.get("/me/tickets")).text
    assert "Standing" in html and "Free" in html and "0.00 EUR" not in html


async def test_ticket_page_shows_qr_secret_rules_and_slot(podium_client):
    _event, ticket, _fan = await _setup()
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    html = (await podium_client.get(f"/tickets/{ticket['code']}")).text
    assert 'class="ticket-qr"' in html and f'value="{ticket["secret"]}"' in html
    assert 'value="25.00"' in html and "up to 25.00 EUR" in html
    assert "Transfer ticket" in html and "Get a new QR code" in html and "Issued" in html
    assert "<script>" not in html
    printable = await podium_client.get(f"/tickets/{ticket['code']}/print")
    assert printable.status_code == 200 and f"/tickets/{ticket['code']}/qr.png" in printable.text
    assert printable.headers["cache-control"] == "no-store"


async def test_transfer_form_and_its_refusals(podium_client):
    _event, ticket, _fan = await _setup()
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    url = f"/tickets/{ticket['code']}/transfer"
    refused = await podium_client.form_post(url, {"to_username": "ghost"})
    assert refused.status_code == 422 and "no account named" in refused.text
    refused = await podium_client.form_post(url, {"to_username": "fanny"})
    assert refused.status_code == 409 and "you already hold this ticket" in refused.text
    row = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert row["holder"] == _fan.id and row["serial"] == 1
    done = await podium_client.form_post(url, {"to_username": "fred"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=transferred")
    page = await podium_client.get(done.headers["location"])
    assert "transferred away" in page.text and ticket["secret"] not in page.text


async def test_resale_form_reissue_and_withdraw(podium_client):
    event, ticket, _fan = await _setup()
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    over = await podium_client.form_post(f"/tickets/{ticket['code']}/resale", {"price": "25.01"})
    assert over.status_code == 409 and "may not exceed 25.00 EUR" in over.text
    bad = await podium_client.form_post(f"/tickets/{ticket['code']}/resale", {"price": "lots"})
    assert bad.status_code == 422 and "like 15.00" in bad.text
    assert not await ResaleListing.exists()
    listed = await podium_client.form_post(f"/tickets/{ticket['code']}/resale", {"price": "20,50"})
    assert listed.status_code == 303
    [row] = await ResaleListing.select()
    assert row["price_cents"] == 2050
    box = await podium_client.get(f"/events/{event['id']}/resale")
    assert "20.50 EUR" in box.text and "fanny" not in box.text.lower()
    event_page = await podium_client.get(f"/events/{event['id']}")
    assert f'hx-get="/events/{event["id"]}/resale"' in event_page.text
    withdrawn = await podium_client.form_post(f"/resale/{row['id']}/withdraw")
    assert withdrawn.status_code == 303
    reissued = await podium_client.form_post(f"/tickets/{ticket['code']}/reissue")
    assert reissued.status_code == 303
    page = await podium_client.get(reissued.headers["location"])
    assert "New QR code issued" in page.text and ticket["secret"] not in page.text


async def test_buy_from_the_resale_box(podium_client):
    event, ticket, _fan = await _setup()
    await ResaleListing(ticket=ticket["id"], seller=_fan.id, price_cents=2000, status="listed",
                        created_at=ticket["issued_at"]).save()
    await podium_client.login("fred", DEFAULT_PASSWORD)
    box = (await podium_client.get(f"/events/{event['id']}/resale")).text
    listing_id = re.search(r'action="/resale/(\d+)/buy"', box).group(1)
    bought = await podium_client.form_post(f"/resale/{listing_id}/buy", {"payment_method": "at_venue"})
    assert bought.status_code == 200 and "Held for you until" in bought.text and "venue-" in bought.text
    again = await podium_client.form_post(f"/resale/{listing_id}/buy", {"payment_method": "at_venue"})
    assert again.status_code == 409 and "no longer on sale" in again.text


async def test_rules_shown_when_the_organiser_forbids(podium_client):
    event, ticket, _fan = await _setup()
    await TicketSettings(event=event["id"], transfers_allowed=False, resale_allowed=False).save()
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    html = (await podium_client.get(f"/tickets/{ticket['code']}")).text
    assert "does not allow transfers" in html and "does not allow resale" in html


async def test_no_resale_box_nor_places_card_where_there_is_nothing_to_say(podium_client):
    """A training that takes no booking and sells no ticket showed "Places: No booking
    needed" (read as "walk in") and an empty resale box; both are gone. An event selling
    tickets keeps its resale box, empty or not, and a public session keeps its card."""
    training = await ticketed_event(capacity=None, kind="training", title="Squad training")
    page = (await podium_client.get(f"/events/{training['id']}")).text
    assert 'id="booking"' not in page and "No booking needed" not in page
    box = await podium_client.get(f"/events/{training['id']}/resale")
    assert box.status_code == 200 and "resale-slot" not in box.text and "Resale" not in box.text
    # A placeholder it replaces whole (outerHTML), so no empty card remains.
    assert 'hx-swap="outerHTML"' in page.split('class="card resale-slot"')[1].split(">")[0]

    await Event.update({Event.kind: "public_session"}).where(Event.id == training["id"])
    assert "No booking needed" in (await podium_client.get(f"/events/{training['id']}")).text
    await ticket_type(training["id"], name="Tribune", price_cents=1000, active=False)
    page = (await podium_client.get(f"/events/{training['id']}")).text
    assert "Entry by ticket" in page  # it sells tickets: the card stays, and says so
    box = (await podium_client.get(f"/events/{training['id']}/resale")).text
    assert f'id="resale-{training["id"]}"' in box and "No tickets on resale right now." in box
