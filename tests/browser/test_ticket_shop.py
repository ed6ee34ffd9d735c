"""The ticket shop in a real browser, on the demo venue: a fan buys a free ticket and a
ticket paid at the box office from the e-sport final's page and sees the orders; the
organiser's sales dashboard counts the sale, live when staff take the money."""

from __future__ import annotations

import re
from typing import Any

from podium.web.demo import DEMO_PASSWORD

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None  # type: ignore[assignment]


async def _log_in(page: Any, username: str, password: str, next_url: str) -> None:
    """Log in through the real form as a demo account, landing on ``next_url``."""
    await page.goto(f"/login?next={next_url}")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


async def test_a_fan_buys_tickets_and_the_organiser_sees_them(demo_server: Any, demo_venue: Any,
                                                               new_page: Any) -> None:
    event_id = demo_venue.made["ticketed_event"]
    fan = await new_page(width=412, height=915)  # a phone
    await _log_in(fan, "fan4", DEMO_PASSWORD, f"/events/{event_id}")
    shop = fan.get_by_test_id("ticket-shop")
    await expect(shop).to_contain_text("Standing")
    await expect(shop).to_contain_text("12.00 EUR")
    # The event sells tickets: the free-booking panel is gone.
    await expect(fan.locator("#booking")).to_be_hidden()
    free = shop.locator("li.ticket-type", has_text="Standing")
    await free.locator("select").select_option("2")
    await shop.get_by_test_id("buy").click()
    await expect(fan).to_have_url(re.compile(r"/orders/\d+$"))
    await expect(fan.get_by_test_id("order-status")).to_have_text("paid")
    await expect(fan.get_by_test_id("tickets").locator("a[href^='/tickets/']")).to_have_count(2)

    # Back on the event page: a grandstand seat, paid at the box office.
    organiser = await new_page()
    await _log_in(organiser, "organiser", DEMO_PASSWORD, f"/events/{event_id}/sales")
    grandstand_row = organiser.locator("tr", has_text="Grandstand")
    sold_before = int(await grandstand_row.locator("td").nth(2).inner_text())

    await fan.goto(f"/events/{event_id}")
    grandstand = fan.get_by_test_id("ticket-shop").locator("li.ticket-type", has_text="Grandstand")
    await grandstand.locator("select").select_option("1")
    await fan.get_by_label("Pay at the box office").check()
    await fan.get_by_test_id("ticket-shop").get_by_test_id("buy").click()
    await expect(fan).to_have_url(re.compile(r"/orders/\d+$"))
    await expect(fan.get_by_test_id("order-status")).to_have_text("waiting for payment")
    await expect(fan.get_by_test_id("pay-at-venue")).to_contain_text("box office")
    reference = (await fan.get_by_test_id("order-reference").inner_text()).strip()
    await fan.goto("/me/orders")
    await expect(fan.get_by_test_id("orders")).to_contain_text(reference)

    # Staff take the money; the organiser's dashboard counts it without a reload.
    staff = await new_page()
    await _log_in(staff, "gate", DEMO_PASSWORD, "/box-office")
    await staff.get_by_test_id("reference").fill(reference)
    await staff.get_by_role("button", name="Find").click()
    await staff.get_by_test_id("mark-paid").click()
    await expect(staff.get_by_role("status")).to_contain_text("1 ticket issued")
    await expect(grandstand_row.locator("td").nth(2)).to_have_text(str(sold_before + 1))
    await expect(organiser.get_by_test_id("total-sold")).not_to_have_text("0")
    assert fan.js_errors == [] and organiser.js_errors == [] and staff.js_errors == []
