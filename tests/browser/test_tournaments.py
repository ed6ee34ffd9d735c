"""Tournaments in a real browser: a player registers and checks in; an organiser starts a
16-entrant double elimination and records and corrects results from the console while the
venue's big screen (another browser) updates over SSE without reloading; the bracket
scrolls sideways inside its own box on a phone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.browser.waiting import SSE_OPEN_PROBE, wait_for_sse_open

MARK = "window.__podiumSameDocument = true"
SAME_DOCUMENT = "window.__podiumSameDocument === true"


async def log_in(page: Any, username: str, next_path: str) -> None:
    """Log in through the real form (demo password), landing on ``next_path``."""
    await page.goto(f"/login?next={next_path}")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


async def _tournament_with_field(size: int) -> int:
    """A double elimination with a check-in window open and ``size - 1`` entrants already
    in and checked in (the last place is the browser player's)."""
    from podium.tests.core.test_venue_support import quick_user
    from podium.tournaments import catalogue, registration
    from podium.tournaments.tables import Entrant

    await quick_user("pia", "player")
    await quick_user("olga", "organiser")
    from podium.web.assembly import make_plugin_host

    now = datetime.now(timezone.utc)
    t = await catalogue.create_tournament(make_plugin_host(), None, {
        "name": "Friday Smash", "game": "Rocket League", "format": "double_elimination",
        "options": {"grand_final": "reset"}, "checkin_opens": now - timedelta(hours=1),
        "checkin_closes": now + timedelta(hours=2)}, None)
    for i in range(1, size):
        await registration.add_entrant(t["id"], {"name": f"Team {i:02d}"}, None)
    await Entrant.update({Entrant.checked_in: True}).where(Entrant.tournament == t["id"])
    return t["id"]


@pytest.fixture
async def field_of_15(podium_db: None) -> int:
    """The tournament, seeded before the live server starts (seed, then serve)."""
    return await _tournament_with_field(16)


async def test_register_check_in_start_report_and_screen_updates_live(
    field_of_15: int, podium_live_server: Any, new_page: Any
) -> None:
    url = f"/tournaments/{field_of_15}"

    player = await new_page(width=390, height=844)
    await log_in(player, "pia", url)
    await player.get_by_role("button", name="Register").click()
    await expect(player.locator("#my-entry")).to_contain_text("registered")
    await player.get_by_role("button", name="Check in").click()
    await expect(player.locator("#my-entry")).to_contain_text("checked in")

    screen = await new_page(width=1920, height=1080)
    await screen.add_init_script(SSE_OPEN_PROBE)
    await screen.goto(f"{url}/screen?rotate=0")
    await expect(screen.locator("body.screen")).to_be_visible()
    await expect(screen.locator(".sc-names")).to_contain_text("Pia")
    await wait_for_sse_open(screen)
    await screen.evaluate(MARK)

    organiser = await new_page()
    await log_in(organiser, "olga", f"{url}/console")
    organiser.on("dialog", lambda dialog: dialog.accept())  # "Start ... now?"
    await organiser.locator("#console-body").get_by_role("button", name="Start").click()
    results = organiser.locator("#results")
    await expect(results.locator(".result-form").first).to_be_visible()
    # The screen switches from the field to the bracket by itself.
    await expect(screen.locator(".sc-tree").first).to_be_visible()
    await expect(screen.locator(".sc-head")).to_contain_text("LIVE")

    decided = []
    for _ in range(3):  # results from the console (htmx: the console body is swapped)
        row = results.locator("> div").filter(has=organiser.locator(".result-form")).first
        key = (await row.locator("strong").first.inner_text()).strip()
        version = await screen.locator(".sc").get_attribute("data-version")
        # No default winner: the organiser chooses the first side.
        await row.get_by_label("Winner").select_option(index=1)
        await row.get_by_label("Games").fill("2-0")
        await row.get_by_role("button", name="Set result").click()
        await expect(results.locator("> div strong", has_text=re.compile(f"^{key}$"))
                     ).to_have_count(0)
        card = screen.locator(f'.sc-m[data-key="{key}"]').first
        await expect(card).to_have_attribute("data-status", "completed")
        await expect(card.locator(".sc-s.win")).to_have_count(1)
        assert await screen.locator(".sc").get_attribute("data-version") != version
        decided.append(key)
    # A correction from the console: the other side wins; the screen follows.
    await results.locator("summary").click()
    fix = results.locator("details > div").filter(
        has=organiser.locator("strong", has_text=re.compile(f"^{decided[0]}$")))
    await fix.get_by_label("Winner").select_option(index=2)  # 0 is "— choose —"
    await fix.get_by_label("Games").fill("0-2")
    await fix.get_by_role("button", name="Correct").click()
    # A correction is asked about first.
    await organiser.locator("#confirm-panel").get_by_role("button", name="Yes, correct it").click()
    await expect(organiser.locator("#console-body .notice")).to_contain_text("Re-flowed")
    corrected = screen.locator(f'.sc-m[data-key="{decided[0]}"]').first
    await expect(corrected.locator(".sc-s.win")).to_have_count(1)
    await expect(corrected.locator(".sc-s").nth(1)).to_have_class(re.compile(r"\bwin\b"))
    assert await screen.evaluate(SAME_DOCUMENT), "the screen updated over SSE, no reload"
    assert await screen.evaluate(
        "document.documentElement.scrollHeight <= window.innerHeight + 1"), "no scrolling"

    # The player's phone: the bracket scrolls inside its box, the page does not.
    await player.goto(url)
    scroller = player.locator("#bracket .bracket-scroll").first
    assert await scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    assert await player.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert player.js_errors == [] and screen.js_errors == [] and organiser.js_errors == []


@pytest.fixture
async def field_of_4(podium_db: None) -> int:
    """A 4-entrant double elimination before the start (Team 01 .. Team 03 + one more)."""
    return await _tournament_with_field(5)


async def test_organiser_drags_a_row_to_reseed(field_of_4: int, podium_live_server: Any,
                                               new_page: Any) -> None:
    url = f"/tournaments/{field_of_4}/console"
    organiser = await new_page()
    await log_in(organiser, "olga", url)
    rows = organiser.locator("tr[data-seed-row]")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text("Team 01")
    await rows.nth(3).drag_to(rows.nth(0), target_position={"x": 10, "y": 2})
    # The drop posts the new seed; the console body comes back in the new order (the
    # server's rendering: the seed box's value attribute, not what the script typed).
    await expect(rows.nth(0).locator("input[name=seed]")).to_have_attribute("value", "1")
    await expect(rows.nth(0)).to_contain_text("Team 04")
    await expect(rows.nth(1)).to_contain_text("Team 01")
    await expect(rows.nth(1).locator("input[name=seed]")).to_have_attribute("value", "2")
    # Typing a seed works too (phones, keyboards): Team 01 to seed 4.
    box = rows.nth(1).locator("input[name=seed]")
    await box.fill("4")
    await box.press("Tab")
    await expect(rows.nth(3)).to_contain_text("Team 01")
