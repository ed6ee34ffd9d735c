"""The box office's pages through a test client: the shop on the event page, buying with
the form, the order page, My orders, the waiting list, the staff box office, the
organiser's ticket types page and sales dashboard, and the live messages they follow."""

from __future__ import annotations

import re

import pytest

from podium.core.events import OrdersPaid, PaidOrder
from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.ticketing.boxoffice import buy, shop
from podium.ticketing.orders import box_office_live_messages
from podium.ticketing.types import TicketAvailabilityChanged, TypeLeft


async def _login(client, name):
    await client.logout()
    await client.login(name, DEFAULT_PASSWORD)


@pytest.mark.hooks("podium_page_slots")
async def test_event_page_shows_the_shop_and_a_fan_buys(podium_client, podium_users):
    event, tribune, org, _fan, _staff = await shop(podium_client, podium_users)
    free = (await podium_client.post(f"/api/v1/events/{event['id']}/ticket-types", json={
        "name": "Standing", "price_cents": 0, "quota": 30}, headers=org)).json()
    page = (await podium_client.get(f"/events/{event['id']}")).text
    assert f'hx-get="/events/{event["id"]}/shop"' in page
    assert page.index('id="ticket-shop"') < page.index('class="card resale-slot"')  # shop first
    fragment = await podium_client.get(f"/events/{event['id']}/shop", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Tribune" in fragment.text and "Standing" in fragment.text and "15.00 EUR" in fragment.text
    assert 'id="booking" hx-swap-oob="true"' in fragment.text  # the free-booking panel goes
    assert "Log in to get tickets" in fragment.text
    await _login(podium_client, "fan")
    # Free: no method to pick, tickets at once.
    bought = await podium_client.form_post(f"/events/{event['id']}/shop", {f"qty-{free['id']}": "2"})
    assert bought.status_code == 303
    order_url = bought.headers["location"]
    order_page = (await podium_client.get(order_url)).text
    codes = re.findall(r'href="/tickets/([A-Za-z0-9_-]+)"', order_page)
    assert len(codes) == 2 and "paid" in order_page
    # At the venue: pending, with instructions and the reference.
    bought = await podium_client.form_post(f"/events/{event['id']}/shop", {
        f"qty-{tribune['id']}": "1", "payment_method": "at_venue"})
    order_page = (await podium_client.get(bought.headers["location"])).text
    assert 'data-testid="pay-at-venue"' in order_page and "waiting for payment" in order_page
    reference = re.search(r'data-testid="order-reference">(\w+)<', order_page).group(1)
    mine = (await podium_client.get("/me/orders")).text
    assert reference in mine and mine.count('class="card order-row"') == 2
    # A refusal comes back in the shop (htmx) with the reason.
    refused = await podium_client.htmx("POST", f"/events/{event['id']}/shop", data={
        f"qty-{tribune['id']}": "1", "payment_method": "bitcoin"})
    assert refused.status_code == 422 and 'data-testid="shop-error"' in refused.text
    empty = await podium_client.htmx("POST", f"/events/{event['id']}/shop", data={})
    assert empty.status_code == 422 and "choose how many" in empty.text.lower()
    # Staff find it at the box office, listed, or by the buyer's name, and take the money.
    await _login(podium_client, "till")
    listed = (await podium_client.get("/box-office")).text
    waiting_here = listed.split('data-testid="awaiting"', 1)[1]
    assert f"?reference={reference}" in waiting_here and "15.00 EUR" in waiting_here
    assert waiting_here.count("data-order-id=") == 1  # the free order is paid, not waiting
    by_name = (await podium_client.get("/box-office?reference=FA")).text  # username "fan"
    assert f"?reference={reference}" in by_name and "No order has the reference" not in by_name
    nobody = (await podium_client.get("/box-office?reference=zorro")).text
    assert "data-order-id=" not in nobody and "No order has the reference zorro" in nobody
    found = (await podium_client.get(f"/box-office?reference={reference}")).text
    assert 'data-testid="found"' in found and "Mark paid" in found
    assert "Pay at the box office" in found and "at_venue" not in found  # its label, not its name
    in_french = (await podium_client.get(f"/box-office?reference={reference}&lang=fr")).text
    assert "Payer à la billetterie" in in_french
    await podium_client.get("/box-office?lang=en")  # back to English for what follows
    order_id = int(bought.headers["location"].rsplit("/", 1)[1])
    done = await podium_client.form_post(f"/orders/{order_id}/mark-paid", {})
    assert done.status_code == 303 and "Paid" in (await podium_client.get(done.headers["location"])).text
    missing = (await podium_client.get("/box-office?reference=NOPE")).text
    assert "No order has the reference" in missing
    paid_off = (await podium_client.get("/box-office")).text
    assert "data-order-id=" not in paid_off and "No order is waiting to be paid here." in paid_off


async def test_join_the_waiting_list_from_the_shop(podium_client, podium_users):
    event, tribune, _org, fan, _staff = await shop(podium_client, podium_users, capacity=1)
    await podium_client.post("/api/v1/orders", json={
        "lines": [{"ticket_type_id": tribune["id"], "quantity": 1}],
        "payment_method": "at_venue"}, headers=fan)
    await podium_users("ann", "fan")
    await _login(podium_client, "ann")
    fragment = (await podium_client.get(f"/events/{event['id']}/shop", headers={"HX-Request": "true"})).text
    assert "Sold out" in fragment and f'data-testid="join-{tribune["id"]}"' in fragment
    joined = await podium_client.htmx("POST", f"/ticket-types/{tribune['id']}/waiting-list", data={})
    assert joined.status_code == 200 and "number 1 on the waiting list" in joined.text
    assert "Waiting lists" in (await podium_client.get("/me/orders")).text
    left = await podium_client.htmx("POST", f"/ticket-types/{tribune['id']}/waiting-list/leave", data={})
    assert "You left the waiting list" in left.text


async def test_organiser_manages_types_and_sees_sales(podium_client, podium_users):
    event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=50)
    await _login(podium_client, "org")
    manage = await podium_client.get(f"/events/{event['id']}/tickets/manage")
    assert manage.status_code == 200 and "Whole event" in manage.text
    added = await podium_client.form_post(f"/events/{event['id']}/tickets/manage/types", {
        "name": "Family", "price": "25.50", "max_per_order": "6", "quota": "8"})
    assert added.status_code == 303
    page = (await podium_client.get(added.headers["location"])).text
    assert "Ticket type added." in page and "25.50 EUR" in page
    bad = await podium_client.form_post(f"/events/{event['id']}/tickets/manage/types", {
        "name": "Bad", "price": "lots"})
    assert bad.status_code == 422 and "Price must be an amount" in bad.text
    assert (await podium_client.form_post(f"/events/{event['id']}/tickets/manage/types", {
        "name": "Bad", "price": "1", "currency": "DOLLARS"})).status_code == 422
    saved = await podium_client.form_post(f"/events/{event['id']}/tickets/manage/settings", {
        "hold_minutes": "45", "offer_minutes": "30", "transfers_allowed": "on"})
    assert saved.status_code == 303
    settings = (await podium_client.get(f"/api/v1/events/{event['id']}/ticket-settings")).json()
    assert (settings["hold_minutes"], settings["resale_allowed"]) == (45, False)
    # Sales: one at-venue order paid by staff.
    order = (await podium_client.post("/api/v1/orders", json={
        "lines": [{"ticket_type_id": tribune["id"], "quantity": 3}],
        "payment_method": "at_venue"}, headers=fan)).json()
    await podium_client.post(f"/api/v1/orders/{order['id']}/mark-paid", headers=staff)
    dashboard = (await podium_client.get(f"/events/{event['id']}/sales")).text
    assert 'sse-connect="/-/events?topics=sales-' in dashboard
    assert re.search(rf'data-testid="sold-{tribune["id"]}">3<', dashboard)
    assert "45.00 EUR" in dashboard
    body = await podium_client.get(f"/events/{event['id']}/sales/body", headers={"HX-Request": "true"})
    assert body.status_code == 200 and 'data-testid="total-sold">3<' in body.text
    refunded = await podium_client.form_post(f"/orders/{order['id']}/refund",
                                             {"next": f"/events/{event['id']}/sales"})
    assert refunded.status_code == 303
    after = (await podium_client.get(f"/events/{event['id']}/sales")).text
    assert 'data-testid="total-sold">0<' in after
    assert 'data-testid="total-revenue">0.00 EUR<' in after  # a sum, not "Free"
    in_french = (await podium_client.get(f"/events/{event['id']}/sales?lang=fr")).text
    from podium.core.i18n import format_money

    assert f'data-testid="total-revenue">{format_money(0, "EUR", "fr")}<' in in_french
    assert format_money(0, "EUR", "fr").startswith("0,00")
    await podium_client.get(f"/events/{event['id']}/sales?lang=en")


@pytest.mark.hooks("podium_live_messages")
def test_live_messages_carry_places_left_and_ping_the_dashboard():
    rendered = []

    def render(name, context):
        rendered.append(name)
        return f"{context['available']} left"

    held = TicketAvailabilityChanged(venue_event_id=7, types=(TypeLeft(1, 4), TypeLeft(2, 0)))
    messages = box_office_live_messages(held, render)
    assert [(m.topics, m.event, m.data) for m in messages] == [
        (("event-7",), "tickets-left-1", "4 left"), (("event-7",), "tickets-left-2", "0 left"),
        (("sales-7",), "sales-changed", "1")]
    paid = OrdersPaid(orders=(PaidOrder("R", 9, 100, "EUR", "free"),))
    assert [(m.topics, m.event) for m in box_office_live_messages(paid, None)] == [
        (("sales-9",), "sales-changed")]


async def test_an_event_without_tickets_shows_no_shop_but_organisers_may_start_one(
        podium_client, podium_users):
    from podium.tests.ticketing.support import ticketed_event

    event = await ticketed_event(20)
    await podium_users("org", "organiser")
    await podium_users("fan", "fan")
    await _login(podium_client, "fan")
    fragment = await podium_client.get(f"/events/{event['id']}/shop", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "ticket-shop" not in fragment.text
    assert "hx-swap-oob" not in fragment.text  # free bookings stay
    await _login(podium_client, "org")
    fragment = await podium_client.get(f"/events/{event['id']}/shop", headers={"HX-Request": "true"})
    assert f'href="/events/{event["id"]}/tickets/manage"' in fragment.text
    junk = await podium_client.form_post(f"/events/{event['id']}/shop",
                                         {"qty-99999999999999999999": "1"})
    assert junk.status_code == 422


def _places_badge(calendar_html: str, event_id: int) -> str:
    """The calendar's places badge of one event ("7 left", "full")."""
    card = calendar_html.split(f'href="/events/{event_id}"', 1)[1].split("</a>", 1)[0]
    found = re.search(r'<span class="badge (?:ok|bad)">([^<]+)</span>', card)
    assert found, card
    return found.group(1)


@pytest.mark.hooks("podium_places_sold")
async def test_tickets_sold_are_places_taken_on_the_calendar_event_page_and_api(
        podium_client, podium_users):
    """Tickets of the whole-event quota take the event's places: the week calendar (a
    cached page), the event page and the events API show the places left net of them;
    held places do not count, a refund gives them back, and no free booking is offered."""
    from podium.core.venue import rules

    event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=10)
    event_id = event["id"]
    week = rules.iso_week_of(rules.wall_time(event["starts_at"], "Europe/Paris").date())
    calendar = f"/calendar?week={week}"
    assert _places_badge((await podium_client.get(calendar)).text, event_id) == "10 left"
    held = (await buy(podium_client, fan, tribune["id"], 3)).json()  # pending: a hold
    assert _places_badge((await podium_client.get(calendar)).text, event_id) == "10 left"

    paid = await podium_client.post(f"/api/v1/orders/{held['id']}/mark-paid", headers=staff)
    assert paid.status_code == 200, paid.text
    assert _places_badge((await podium_client.get(calendar)).text, event_id) == "7 left"
    page = (await podium_client.get(f"/events/{event_id}")).text
    assert '<strong data-testid="remaining">7</strong> of 10 places left' in page
    await podium_client.login("fan", DEFAULT_PASSWORD)  # signed in: still no booking form
    assert 'class="book-form"' not in (await podium_client.get(f"/events/{event_id}")).text
    await podium_client.logout()
    api = (await podium_client.get(f"/api/v1/events/{event_id}")).json()
    assert (api["capacity"], api["booked"], api["sold"], api["remaining"]) == (10, 0, 3, 7)
    listed = (await podium_client.get("/api/v1/events?limit=100")).json()["items"]
    assert [(e["sold"], e["remaining"]) for e in listed if e["id"] == event_id] == [(3, 7)]

    refunded = await podium_client.post(f"/api/v1/orders/{held['id']}/refund", headers=org)
    assert refunded.status_code == 200, refunded.text
    assert _places_badge((await podium_client.get(calendar)).text, event_id) == "10 left"
    api = (await podium_client.get(f"/api/v1/events/{event_id}")).json()
    assert (api["sold"], api["remaining"]) == (0, 10)


async def test_an_event_sold_by_type_quotas_says_entry_by_ticket(podium_client, podium_users):
    """Without a capacity (each type has its own quota) the event page no longer says "No
    booking needed" (it did without JavaScript, beside the shop's link)."""
    event, _tribune, _org, _fan, _staff = await shop(podium_client, podium_users, capacity=None)
    page = (await podium_client.get(f"/events/{event['id']}")).text
    assert "Entry by ticket" in page and "No booking needed" not in page
    api = (await podium_client.get(f"/api/v1/events/{event['id']}")).json()
    assert (api["capacity"], api["sold"], api["remaining"]) == (None, 0, None)


async def test_why_a_type_is_not_on_sale_reads_in_the_visitors_language(podium_client, podium_users):
    from datetime import datetime, timedelta, timezone

    opens = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    event, _tribune, _org, _fan, _staff = await shop(podium_client, podium_users,
                                                     sale_starts_at=opens)
    url = f"/events/{event['id']}/shop"
    english = await podium_client.get(url, headers={"HX-Request": "true"})
    assert "Sales have not started yet" in english.text
    french = await podium_client.get(url, headers={"HX-Request": "true", "Accept-Language": "fr"})
    assert "La vente n’a pas encore commencé" in french.text
