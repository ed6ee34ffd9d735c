"""The gate scanner in Chromium: a keyboard-wedge scan is green, the same ticket again is
red with the reason; offline, the page verifies the signature itself, queues the scan and
uploads it when the network is back; the live counts follow."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.ticketing.gate_support import open_event, tickets
from podium.ticketing.tables import Scan, Ticket


async def _scan(page: Any, secret: str) -> None:
    field = page.get_by_test_id("scan-input")
    await field.fill(secret)
    await field.press("Enter")  # what a keyboard-wedge scanner sends after the code


async def test_scan_green_then_red_then_offline_and_back(new_page):
    setup = await open_event()
    event_id = setup["event"]["id"]
    first, second = await tickets(setup, 2)
    await quick_user("gaston", "staff")
    page = await new_page(width=390, height=844)  # a phone
    await page.goto(f"/login?next=/gate?event={event_id}")
    await page.get_by_label("Username").fill("gaston")
    await page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(rf"/gate\?event={event_id}$"))
    scanner = page.locator("#scanner")
    await expect(scanner).to_have_attribute("data-ready", "1")
    await expect(page.get_by_test_id("scan-input")).to_be_focused()
    await page.get_by_label("Gate name").fill("North")

    answer = page.get_by_test_id("answer")
    await _scan(page, first["secret"])
    await expect(answer).to_have_class(re.compile(r"\bok\b"))
    await expect(answer).to_contain_text("OK")
    await expect(page.get_by_test_id("inside-count")).to_have_text("1")  # live, over SSE

    await _scan(page, first["secret"])
    await expect(answer).to_have_class(re.compile(r"\bbad\b"))
    await expect(answer).to_contain_text("Already redeemed")
    await expect(answer).to_contain_text("gate North")

    await _scan(page, "T1.forged")
    await expect(answer).to_contain_text("Invalid")

    # The network drops: the page decides with the kit it downloaded.
    await expect(scanner).to_have_attribute("data-kit", "ready")
    await page.context.set_offline(True)
    await _scan(page, second["secret"])
    await expect(answer).to_have_class(re.compile(r"\bok\b"))
    await expect(answer).to_contain_text("offline, queued")
    await expect(page.get_by_test_id("queue-status")).to_have_text("1 scan waiting to upload")
    await _scan(page, second["secret"])
    await expect(answer).to_contain_text("Already redeemed")
    await _scan(page, second["secret"][:-4] + ("AAAA" if not second["secret"].endswith("AAAA") else "BBBB"))
    await expect(answer).to_contain_text("Invalid")
    await expect(page.get_by_test_id("queue-status")).to_have_text("3 scans waiting to upload")
    await expect(page.get_by_test_id("net-status")).to_have_text("Offline")
    assert not (await Ticket.select(Ticket.inside).where(Ticket.id == second["id"]).first())["inside"]

    # Back online: the queue goes up with the scans' original times.
    await page.context.set_offline(False)
    await expect(page.get_by_test_id("queue-status")).to_have_text("Nothing waiting to upload")
    row = await Ticket.select().where(Ticket.id == second["id"]).first()
    assert row["inside"] and row["last_scan_gate"] == "North"
    offline = await Scan.select(Scan.result, Scan.offline).where(Scan.offline == True).order_by(Scan.id)  # noqa: E712
    assert [r["result"] for r in offline] == ["ok", "already_redeemed", "invalid"]
    await expect(page.get_by_test_id("inside-count")).to_have_text("2")
    assert page.js_errors == []
