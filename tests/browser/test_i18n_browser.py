"""French in a real browser: the layout's switch turns the venue French and remembers it;
the calendar, an event page and the log-in form (with its error) read French, with French
dates; a French browser gets French without asking, at phone width too."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

FRENCH_WEEKDAYS = re.compile(r"^(lun|mar|mer|jeu|ven|sam|dim)\.$")
FRENCH_LONG_DATE = re.compile(
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{2} "
    r"(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}"
)


async def test_switch_to_french_from_the_layout(demo_server: Any, page: Any) -> None:
    """English first; one click on « Français » and every page after that is French."""
    await page.goto("/calendar")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("link", name="Calendar", exact=True)).to_be_visible()

    await page.get_by_test_id("lang-switch").get_by_test_id("lang-fr").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page).to_have_url(re.compile(r"/calendar\?lang=fr$"))
    # The calendar: French title, weekday abbreviations and navigation.
    await expect(page.locator("#calendar h1")).to_contain_text("Semaine")
    await expect(page.get_by_test_id("next-week")).to_contain_text("Suivante")
    weekdays = await page.locator("#calendar .dow").all_inner_texts()
    assert len(weekdays) == 7 and all(FRENCH_WEEKDAYS.match(d) for d in weekdays), weekdays

    # An event page, reached without ?lang=: the cookie remembers the choice.
    await page.locator("a.slot").first.click()
    await expect(page).to_have_url(re.compile(r"/events/\d+$"))
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("link", name=re.compile("Calendrier de la semaine"))).to_be_visible()
    await expect(page.locator(".event-when-big")).to_have_text(re.compile(FRENCH_LONG_DATE.pattern))
    await expect(page.get_by_role("navigation", name="Principal")).to_contain_text("Calendrier")

    # The log-in form and its error message.
    await page.goto("/login")
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    await page.get_by_label("Identifiant").fill("nobody")
    await page.get_by_label("Mot de passe").fill("wrong-password-1")
    await page.locator("main form button[type=submit]").click()
    await expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")

    # Back to English from the switch.
    await page.get_by_test_id("lang-en").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.js_errors == []


async def test_french_browser_at_phone_width(demo_server: Any, new_page: Any) -> None:
    """A phone set to French gets the French calendar straight away (Accept-Language),
    the switch fits the 390px screen and nothing scrolls sideways."""
    phone = await new_page(width=390, height=844, locale="fr-FR",
                           extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    await phone.goto("/calendar")
    await expect(phone.locator("html")).to_have_attribute("lang", "fr")
    await expect(phone.locator("#calendar h1")).to_contain_text("Semaine")
    switch = phone.get_by_test_id("lang-switch")
    await expect(switch).to_be_visible()
    await expect(switch.get_by_test_id("lang-en")).to_be_visible()
    box = await switch.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    overflow = await phone.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390, f"the French calendar scrolls sideways on a phone ({overflow}px)"
    await phone.locator("a.slot").first.click()
    await expect(phone.locator(".event-when-big")).to_have_text(re.compile(FRENCH_LONG_DATE.pattern))
    assert phone.js_errors == []
