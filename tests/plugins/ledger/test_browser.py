"""The ledger verified in a real headless Chromium (WebCrypto SHA-256 and Ed25519): a
ticket's history and the whole log, honest and tampered.

Marked ``browser`` (deselected by default; ``make browser-test`` and CI run it). Chromium
comes from Debian, as in ``tests/browser``; without it the test is skipped (or fails when
``PODIUM_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from podium.core.database import atomic
from podium.core.outbox import record

from .support import checked_in, issued

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PODIUM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def _served_log(url: str) -> None:
    async with atomic():
        await record(issued("tk_b1", "tk_b2", order="or_b"))
    async with atomic():
        await record(checked_in("tk_b1"))
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(150):
            if (await http.get(f"{url}/ledger/checkpoint")).text.split("\n")[1] == "3":
                return
            await asyncio.sleep(0.1)
    pytest.fail("the live server did not log the events")


async def test_the_browser_verifies_a_ticket_and_the_whole_ledger(podium_live_server, chromium):
    url = podium_live_server.url
    await _served_log(url)
    context = await chromium.new_context(base_url=url)  # http://127.0.0.1: a secure context
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    await page.goto("/ledger/tickets/tk_b1")
    status = page.locator(".ledger-status")
    await page.wait_for_selector('.ledger-status[data-state="ok"], .ledger-status[data-state="bad"], '
                                 '.ledger-status[data-state="error"]')
    assert await status.get_attribute("data-state") == "ok", await status.text_content()
    assert "Verified in your browser: 2 entries" in (await status.text_content() or "")
    assert await page.locator('li[data-verified="true"]').count() == 2

    await page.goto("/ledger/verify")
    await page.click("#ledger-verify-form button")
    await page.wait_for_selector('#ledger-verify .ledger-status:not([data-state="pending"]):not([data-state="idle"])')
    text = await page.locator("#ledger-verify .ledger-status").text_content() or ""
    assert "Verified in your browser: 3 entries" in text, text
    assert errors == []

    # A forged proof element: the page says so instead of "verified".
    async def forge(route: Any) -> None:
        response = await route.fetch()
        body = json.loads(await response.text())
        raw = bytearray(base64.b64decode(body["entries"][0]["proof"][0]))
        raw[0] ^= 1
        body["entries"][0]["proof"][0] = base64.b64encode(raw).decode()
        await route.fulfill(response=response, body=json.dumps(body))

    await page.route("**/api/v1/tickets/tk_b1/proof", forge)
    await page.goto("/ledger/tickets/tk_b1")
    await page.wait_for_selector('.ledger-status[data-state="bad"]')
    assert "not in the signed ledger" in (await page.locator(".ledger-status").text_content() or "")

    # A changed entry in the log: the whole-ledger check fails.
    async def change(route: Any) -> None:
        response = await route.fetch()
        data = (await response.body()).replace(b'"price_cents":1500', b'"price_cents":1400', 1)
        await route.fulfill(response=response, body=data)

    await page.route("**/ledger/tile/entries/**", change)
    await page.goto("/ledger/verify")
    await page.click("#ledger-verify-form button")
    await page.wait_for_selector('#ledger-verify .ledger-status[data-state="bad"]')
    await context.close()
