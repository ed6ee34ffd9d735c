"""My tickets in a real browser: a holder opens My tickets on a phone, sees the QR and the
secret, transfers the ticket to a friend; the old QR is gone from the holder's page and the
friend, in another browser, sees the ticket with a different secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from podium.tests.browser.session import log_in


@pytest.fixture
async def holder_ticket(podium_db: None) -> dict[str, Any]:
    """A ticket held by ``fanny`` for a ticketed event; ``fred`` exists (before the server
    starts)."""
    from podium.tests.core.test_venue_support import quick_user
    from podium.tests.ticketing.support import issue, ticket_type, ticketed_event

    event = await ticketed_event(title="Track finals")
    fan = await quick_user("fanny")
    await quick_user("fred")
    [ticket] = await issue(event, await ticket_type(event["id"], name="Tribune"), fan.id)
    return ticket


async def test_holder_transfers_and_the_new_holder_gets_a_new_secret(
        holder_ticket: dict[str, Any], new_page: Any, screenshot_dir: Any) -> None:
    code = holder_ticket["code"]
    phone = await new_page(width=390, height=844)
    await log_in(phone, "fanny", "/me/tickets")
    row = phone.locator(f'[data-ticket="{code}"]')
    await expect(row).to_contain_text("Tribune")
    await expect(phone.locator(".ticket-group")).to_contain_text("Track finals")
    await expect(row.locator("svg")).to_be_visible()
    await row.locator("a").click()
    await expect(phone).to_have_url(re.compile(f"/tickets/{code}$"))
    await expect(phone.get_by_test_id("qr").locator("svg")).to_be_visible()
    old_secret = await phone.get_by_test_id("secret").input_value()
    assert old_secret == holder_ticket["secret"]
    # The QR fits the phone's width.
    box = await phone.get_by_test_id("qr").locator("svg").bounding_box()
    assert box is not None and box["width"] <= 390
    await phone.screenshot(path=str(screenshot_dir / "ticket-phone.png"), full_page=True)

    await phone.get_by_label("Their username").fill("fred")
    await phone.get_by_test_id("transfer").click()
    await expect(phone.get_by_test_id("message")).to_contain_text("Ticket transferred")
    await expect(phone.get_by_test_id("qr")).to_have_count(0)
    await expect(phone.get_by_test_id("secret")).to_have_count(0)
    await expect(phone.locator(".ticket-pass")).to_contain_text("transferred away")

    desktop = await new_page()
    await log_in(desktop, "fred", "/me/tickets")
    await desktop.locator(f'[data-ticket="{code}"] a').click()
    await expect(desktop.get_by_test_id("qr").locator("svg")).to_be_visible()
    await desktop.screenshot(path=str(screenshot_dir / "ticket-desktop.png"), full_page=True)
    new_secret = await desktop.get_by_test_id("secret").input_value()
    assert new_secret and new_secret != old_secret
    await expect(desktop.locator(".ticket-history")).to_contain_text("Transferred to you")
    assert phone.js_errors == [] and desktop.js_errors == []


async def test_resale_listed_on_the_ticket_page_is_bought_from_the_event_page(
        holder_ticket: dict[str, Any], new_page: Any) -> None:
    """The holder lists the ticket at face value; another fan finds it in the event page's
    resale box (loaded by htmx), buys it paying at the box office, and is told it is held."""
    code = holder_ticket["code"]
    seller = await new_page(width=390, height=844)
    await log_in(seller, "fanny", f"/tickets/{code}")
    await expect(seller.get_by_label("Price (EUR)")).to_have_value("15.00")
    await seller.get_by_role("button", name="Put on resale").click()
    await expect(seller.get_by_test_id("message")).to_contain_text("on resale")

    buyer = await new_page()
    await log_in(buyer, "fred", "/me/tickets")
    await buyer.goto(f"/events/{holder_ticket['event']}")
    box = buyer.locator(".resale-slot")
    await expect(box).to_contain_text("15.00 EUR")
    await expect(box).not_to_contain_text("fanny")
    await box.get_by_role("button", name="Buy").click()
    await expect(buyer.get_by_test_id("message")).to_contain_text("Held for you until")
    await expect(buyer.get_by_test_id("reference")).to_contain_text("venue-")
    assert seller.js_errors == [] and buyer.js_errors == []
