"""The venue in a real browser: paging through the week calendar with htmx, and booking a
drop-in slot while a second browser sees the remaining places drop live over SSE."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
from playwright.async_api import expect

from podium.tests.browser.waiting import SSE_OPEN_PROBE, wait_for_sse_open
from podium.web.demo import DEMO_PASSWORD

# Set on window before an action: still there afterwards means no full page load happened.
MARK = "window.__podiumSameDocument = true"
SAME_DOCUMENT = "window.__podiumSameDocument === true"


def shift_week(iso_week: str, weeks: int) -> str:
    """``2026-W48`` moved by ``weeks`` weeks, in the same ``%G-W%V`` form."""
    year, week = iso_week.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1) + timedelta(weeks=weeks)
    return monday.strftime("%G-W%V")


async def test_week_calendar_pages_with_htmx(demo_server: Any, page: Any) -> None:
    """Next/previous swap the calendar in place (no reload) and the address bar follows,
    so the week can be bookmarked and the back button works."""
    await page.goto("/calendar")
    calendar = page.locator("#calendar")
    this_week = await calendar.get_attribute("data-week")
    assert this_week and re.fullmatch(r"\d{4}-W\d{2}", this_week)
    await expect(page.locator("a.slot").first).to_be_visible()  # the demo week has events

    await page.evaluate(MARK)
    await page.get_by_test_id("next-week").click()
    next_week = shift_week(this_week, 1)
    await expect(page).to_have_url(re.compile(rf"/calendar\?week={next_week}$"))
    await expect(calendar).to_have_attribute("data-week", next_week)
    assert await page.evaluate(SAME_DOCUMENT), "paging must not reload the page"

    await page.get_by_test_id("prev-week").click()
    await expect(calendar).to_have_attribute("data-week", this_week)
    await page.get_by_test_id("prev-week").click()
    previous_week = shift_week(this_week, -1)
    await expect(page).to_have_url(re.compile(rf"week={previous_week}$"))
    await expect(calendar).to_have_attribute("data-week", previous_week)
    assert await page.evaluate(SAME_DOCUMENT)

    await page.go_back()
    await expect(page).to_have_url(re.compile(f"week={this_week}$"))
    await expect(calendar).to_have_attribute("data-week", this_week)
    assert page.js_errors == []


async def _bookable_drop_in(base_url: str) -> dict[str, Any]:
    """A future demo drop-in session with free places, read from the JSON API."""
    now = datetime.now(timezone.utc)
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/api/v1/events", params={"limit": 100})
        response.raise_for_status()
    for event in response.json()["items"]:
        starts = datetime.fromisoformat(event["start"].replace("Z", "+00:00"))
        if (event["title"].startswith("Drop-in") and starts > now and event["remaining"] >= 2
                and event["status"] == "scheduled"):
            return event
    raise AssertionError("the demo week should have a future drop-in session with places")


async def test_book_a_drop_in_slot_and_watch_places_drop_live(
    demo_server: Any, new_page: Any
) -> None:
    """A fan books two places: their page shows the new count, and a second browser
    already on the event page sees it change over SSE without reloading."""
    event = await _bookable_drop_in(demo_server.url)
    remaining = event["remaining"]
    url = f"/events/{event['id']}"

    watcher = await new_page(width=390, height=844)  # a phone in the stands
    await watcher.add_init_script(SSE_OPEN_PROBE)
    await watcher.goto(url)
    places = watcher.get_by_test_id("remaining")
    await expect(places).to_have_text(str(remaining))
    await wait_for_sse_open(watcher)
    await watcher.evaluate(MARK)

    fan = await new_page()
    await fan.goto(url)
    await fan.get_by_role("link", name="Log in to book").click()
    await fan.get_by_label("Username").fill("fan1")
    await fan.get_by_label("Password").fill(DEMO_PASSWORD)
    await fan.get_by_role("button", name="Log in").click()
    await expect(fan).to_have_url(re.compile(re.escape(url) + "$"))
    await fan.evaluate(MARK)
    await fan.get_by_label("Places").select_option("2")
    await fan.get_by_role("button", name="Book").click()

    await expect(fan.get_by_test_id("remaining")).to_have_text(str(remaining - 2))
    await expect(fan.locator("#booking")).to_contain_text("You booked 2 places")
    assert await fan.evaluate(SAME_DOCUMENT), "booking is an htmx swap, not a reload"

    await expect(places).to_have_text(str(remaining - 2))
    assert await watcher.evaluate(SAME_DOCUMENT), "the watcher's count came over SSE"
    assert fan.js_errors == [] and watcher.js_errors == []


async def test_organiser_makes_a_weekly_series_with_the_repeat_picker(
    demo_server: Any, new_page: Any
) -> None:
    """An organiser on a phone creates "every Tuesday and Thursday, 4 dates" from the
    form's picker, without typing a rule, and lands on the first date."""
    page = await new_page(width=390, height=844)
    await page.goto("/login?next=/events/new")
    await page.get_by_label("Username").fill("organiser")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/events/new$"))
    start = date.today() + timedelta(days=40)
    await page.get_by_label("Title").fill("Sprint school")
    await page.locator('input[name="starts_at"]').fill(f"{start.isoformat()}T10:00")
    await page.locator('input[name="ends_at"]').fill(f"{start.isoformat()}T11:00")
    await page.get_by_label("Infield").check()
    await page.get_by_label("How often").select_option("WEEKLY")
    repeat = page.get_by_test_id("repeat")
    await repeat.get_by_role("checkbox", name="Tue").check()
    await repeat.get_by_role("checkbox", name="Thu").check()
    await page.get_by_label("Number of dates").fill("4")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await page.get_by_role("button", name="Create").click()
    await expect(page).to_have_url(re.compile(r"/events/\d+$"))
    await expect(page.locator("h1")).to_have_text("Sprint school")
    await expect(page.get_by_role("button", name="Cancel this date")).to_be_visible()
    upcoming = page.locator("ul.upcoming li")
    await expect(upcoming).to_have_count(3)
    assert page.js_errors == []
