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
from podium.tests.browser.session import log_in
from podium.tests.browser.waiting import wait_until
from podium.web.demo import DEMO_PASSWORD

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
    """Every page of the demo's double elimination on a 1080p screen: long player tags wrap
    between words or shrink (never cut inside a word), no match card runs into the next
    bracket or off the screen, and the
    losers final shares a page with the losers semi-final."""
    page = await new_page(width=1920, height=1080)
    await page.goto("/tournaments/1/screen?rotate=0&page=1")
    total = int(await page.locator(".sc").get_attribute("data-total-pages"))
    columns_by_page = []
    for n in range(1, total + 1):
        await page.goto(f"/tournaments/1/screen?page={n}")
        await expect(page.locator(".sc-page")).to_have_count(1)
        await wait_until(page, "document.querySelector('.sc-page[data-fitted]')")
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
        # A tag wider than its card wraps at "_" or camelCase or is set smaller: no word
        # (between spaces and those soft breaks) runs over two lines or out of its box.
        cut = await page.evaluate("""() => [...document.querySelectorAll(
                '.sc-page:not([hidden]) .sc-s .name, .sc-page:not([hidden]) .sc-call .vs')]
            .filter(el => {
                if (el.scrollWidth > el.clientWidth + 1) return true;
                const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                for (let node; (node = walker.nextNode());) {
                    for (const m of node.nodeValue.matchAll(/[^\\s\\u200B]+/g)) {
                        const range = document.createRange();
                        range.setStart(node, m.index);
                        range.setEnd(node, m.index + m[0].length);
                        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                        if (tops.size > 1) return true;
                    }
                }
                return false;
            })
            .map(el => el.textContent.trim())""")
        assert cut == [], f"names cut inside a word on page {n}: {cut}"
        columns_by_page.append(
            {t.strip() for t in await page.locator(".sc-col > h3").all_text_contents()})
    assert any({"Losers semi-final", "Losers final"} <= cols for cols in columns_by_page), \
        columns_by_page
    assert page.js_errors == []


#: Elements wider than their card, outside the boxes that scroll on purpose (tables,
#: brackets). Fieldsets and grids hold their content's width and can spill a card
#: whose max-width is smaller (the event form did, on a laptop).
SPILLS = """() => [...document.querySelectorAll('main .card')].flatMap(card => {
    const edge = card.getBoundingClientRect().right + 1;
    return [...card.querySelectorAll('*')]
        .filter(el => !el.closest('.table-wrap, #bracket, .bracket-scroll, details:not([open])'))
        .filter(el => el.getBoundingClientRect().right > edge)
        .map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30));
})"""


async def _each_fits(page: Any, paths: tuple[str, ...], name: str) -> None:
    """Open each page: nothing runs out of its card, and the page does not scroll sideways."""
    for path in paths:
        await page.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert await page.evaluate(SPILLS) == [], f"{path} spills out of a card on a {name}"
        assert await page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways on a {name}"


@pytest.mark.parametrize("width,height,name", [(390, 844, "phone"), (1280, 800, "laptop")])
async def test_the_organisers_forms_fit_their_cards(
    demo_server: Any, new_page: Any, screenshot_dir: Path, width: int, height: int, name: str
) -> None:
    """The organiser's forms and console on a phone and a laptop."""
    page = await new_page(width=width, height=height)
    await log_in(page, "organiser", "/events/new", DEMO_PASSWORD)
    await _each_fits(page, ("/events/new", "/tournaments/new", "/tournaments/1/console",
                            "/box-office"), name)
    await page.screenshot(path=str(screenshot_dir / f"box-office-{name}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("width,height,name", [(390, 844, "phone"), (1280, 800, "laptop")])
async def test_a_fans_pages_fit_their_cards(
    demo_server: Any, new_page: Any, width: int, height: int, name: str
) -> None:
    """The pages a fan reads, signed in, on a phone and a laptop."""
    page = await new_page(width=width, height=height)
    await log_in(page, "fan1", "/me/hub", DEMO_PASSWORD)
    await _each_fits(page, ("/me/hub", "/hub/feed", "/me/tickets", "/", "/events/1",
                            "/tournaments/1", "/meets/1"), name)
    assert page.js_errors == []
