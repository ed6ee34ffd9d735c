"""The layout on a phone and on a big screen: nothing overflows sideways, the navigation
folds behind a menu on a phone and stays reachable without JavaScript, keyboard focus is
visible. Screenshots are saved (``PODIUM_SCREENSHOTS``, default the temp folder) for a
human to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("width,height,name", [(390, 844, "phone"), (1920, 1080, "1080p")])
async def test_home_page_fits_the_screen(
    demo_server: Any, new_page: Any, screenshot_dir: Path, width: int, height: int, name: str
) -> None:
    """The home page of the demo venue fits the width and shows its navigation (on a
    phone behind a "Menu" button)."""
    page = await new_page(width=width, height=height)
    await page.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    first_link = page.get_by_role("navigation", name="Main").get_by_role("link").first
    menu = page.get_by_role("button", name="Menu")
    if name == "phone":
        # The links are folded behind "Menu" so the page's own content starts at the top.
        await expect(first_link).to_be_hidden()
        await expect(menu).to_have_attribute("aria-expanded", "false")
        await menu.click()
        await expect(menu).to_have_attribute("aria-expanded", "true")
    else:
        await expect(menu).to_be_hidden()
    await expect(first_link).to_be_visible()
    assert await page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways"
    await page.screenshot(path=str(screenshot_dir / f"home-{name}.png"), full_page=True)
    await page.goto("/calendar")
    assert await page.evaluate(OVERFLOW) <= 0, "the calendar scrolls sideways"
    await page.screenshot(path=str(screenshot_dir / f"calendar-{name}.png"), full_page=False)
    assert page.js_errors == []


async def test_navigation_works_without_javascript(demo_server: Any, browser: Any) -> None:
    """With JavaScript off (a bad phone, a strict browser) the header links still work."""
    context = await browser.new_context(base_url=demo_server.url, java_script_enabled=False,
                                        viewport={"width": 390, "height": 844})
    try:
        page = await context.new_page()
        await page.goto("/")
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
        await expect(page.locator("#calendar")).to_be_visible()
        await page.get_by_test_id("next-week").click()  # a plain link without htmx
        await expect(page).to_have_url(re.compile(r"week=\d{4}-W\d{2}"))
    finally:
        await context.close()


async def test_keyboard_focus_is_visible(demo_server: Any, page: Any) -> None:
    """Tabbing first reaches the skip link, which becomes visible, then the brand link
    with a visible outline."""
    await page.goto("/")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    box = await skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    await page.keyboard.press("Tab")
    outline = await page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "keyboard focus must be visible"


async def test_big_screen_pages_fit_without_overlap(
    demo_server: Any, new_page: Any, screenshot_dir: Path
) -> None:
    """Every page of the demo's double elimination on a 1080p screen: long team names wrap
    or shrink but no match card runs into the next bracket or off the screen, and the
    losers final shares a page with the losers semi-final."""
    page = await new_page(width=1920, height=1080)
    await page.goto("/tournaments/1/screen?rotate=0&page=1")
    total = int(await page.locator(".sc").get_attribute("data-total-pages"))
    columns_by_page = []
    for n in range(1, total + 1):
        await page.goto(f"/tournaments/1/screen?page={n}")
        await expect(page.locator(".sc-page")).to_have_count(1)
        await page.wait_for_function("document.querySelector('.sc-page[data-fitted]')")
        spills = await page.evaluate("""() => [...document.querySelectorAll('.sc-panel')]
            .flatMap(panel => {
                const box = panel.getBoundingClientRect();
                return [...panel.querySelectorAll('.sc-m')]
                    .filter(card => {
                        const r = card.getBoundingClientRect();
                        return r.bottom > box.bottom + 1 || r.top < box.top - 1
                               || r.bottom > window.innerHeight;
                    })
                    .map(card => card.textContent.replace(/\\s+/g, ' ').trim());
            })""")
        await page.screenshot(path=str(screenshot_dir / f"demo-screen-page-{n}.png"))
        assert spills == [], f"cards outside their bracket on page {n}: {spills}"
        columns_by_page.append(
            {t.strip() for t in await page.locator(".sc-col > h3").all_text_contents()})
    assert any({"Losers semi-final", "Losers final"} <= cols for cols in columns_by_page), \
        columns_by_page
    assert page.js_errors == []
