"""An organiser runs tournaments from the pages only, in a real browser (Chromium), at
laptop and phone width, in English and in French:

* an 8-player single elimination: created with the tournament form, entrants added by
  pasting a list, started; a player (whose opponent has no account) reports a score and
  the organiser accepts it from the queue in one click; a result is set by choosing its
  winner, then corrected after a confirmation;
* a 7-player Swiss run round by round to its last round with the console's "pair next
  round" button (in English on a laptop, in French on a phone).

Screenshots go to the screenshot folder (``PODIUM_SCREENSHOTS``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from podium.tests.browser.test_tournaments import log_in
from podium.tests.browser.waiting import wait_until

LABELS = {
    "en": {"create": "Create", "add_all": "Add all", "start": "Start", "accept": "Accept",
           "set": "Set result", "correct": "Correct", "yes_correct": "Yes, correct it",
           "queue": "Reported scores to confirm", "no_account": "opponent has no account",
           "reflowed": "Re-flowed", "winner": "Winner", "pair": "Pair round",
           "finished": "Finished: every match has a result.", "round": "Round"},
    "fr": {"create": "Créer", "add_all": "Tout ajouter", "start": "Lancer", "accept": "Accepter",
           "set": "Saisir le résultat", "correct": "Corriger", "yes_correct": "Oui, corriger",
           "queue": "Scores déclarés à confirmer", "no_account": "adversaire sans compte",
           "reflowed": "Recalculés", "winner": "Vainqueur", "pair": "Apparier la ronde",
           "finished": "Terminé : chaque match a un résultat.", "round": "Ronde"},
}


@pytest.fixture
async def people(podium_db: None) -> dict[str, Any]:
    """An organiser (olga) and a player (pia) with an API token, made before the server."""
    from podium.tests.core.test_venue_support import bearer_for, quick_user

    await quick_user("olga", "organiser")
    pia = await quick_user("pia", "player")
    return {"pia": await bearer_for(pia)}


@pytest.mark.parametrize(("lang", "width", "height"), [
    ("en", 1280, 800), ("en", 390, 844), ("fr", 1280, 800), ("fr", 390, 844)],
    ids=["en-laptop", "en-phone", "fr-laptop", "fr-phone"])
async def test_single_elimination_from_the_pages(people: dict[str, Any], podium_live_server: Any,
                                                 new_page: Any, screenshot_dir: Any,
                                                 lang: str, width: int, height: int) -> None:
    words = LABELS[lang]
    shot = f"organiser-{lang}-{width}"
    page = await new_page(width=width, height=height)
    page.on("dialog", lambda dialog: dialog.accept())  # "Start ... now?"
    await log_in(page, "olga", "/tournaments/new")
    if lang == "fr":
        await page.goto("/tournaments/new?lang=fr")
        await expect(page.locator("h1")).to_have_text("Nouveau tournoi")
    # The form: name, game, the format's own options, capacity, stations.
    await page.locator('input[name="name"]').fill("Friday Cup")
    await page.locator('input[name="game"]').fill("Tekken 8")
    await page.locator('select[name="format"]').select_option("swiss")
    await expect(page.locator('input[name="opt_rounds"]')).to_be_visible()  # re-drawn
    await page.locator('select[name="format"]').select_option("single_elimination")
    await expect(page.locator('input[name="opt_third_place"]')).to_be_visible()
    await expect(page.locator('input[name="opt_rounds"]')).to_have_count(0)
    await page.locator('input[name="opt_third_place"]').check()
    await page.locator('input[name="capacity"]').fill("8")
    await page.locator('input[name="stations"]').fill("2")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await page.screenshot(path=str(screenshot_dir / f"{shot}-form.png"), full_page=True)
    # The format's options arrive over htmx (with the format's description since they are
    # translated): on a phone the long form shifts when they land, so wait for htmx to be
    # idle and the button to be in view before clicking it.
    await wait_until(page,
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")
    create = page.get_by_role("button", name=words["create"])
    await create.evaluate("button => button.scrollIntoView({block: 'center'})")
    await create.click()
    await expect(page).to_have_url(re.compile(r"/tournaments/\d+/console$"))
    tid = int(page.url.rstrip("/").split("/")[-2])

    # Pia registers herself; the organiser pastes the other seven (one bad line first).
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as api:
        r = await api.post(f"/api/v1/tournaments/{tid}/registrations", headers=people["pia"])
        assert r.status_code == 201, r.text
        pia = r.json()["id"]
        paste = page.locator('textarea[name="entrants"]')
        await page.reload()
        await paste.fill("Ada\nGrace, x\nLinus")
        await page.get_by_role("button", name=words["add_all"]).click()
        await expect(page.locator("#console-body .line-errors")).to_contain_text("2")
        await expect(page.locator("tr[data-seed-row]")).to_have_count(1)  # nothing added
        await paste.fill("Ada\nGrace\nLinus\nKen\nBarbara\nDennis\nMargaret")
        await page.get_by_role("button", name=words["add_all"]).click()
        await expect(page.locator("tr[data-seed-row]")).to_have_count(8)
        await page.screenshot(path=str(screenshot_dir / f"{shot}-field.png"), full_page=True)
        await page.locator("#console-body").get_by_role("button", name=words["start"],
                                                        exact=True).click()
        await expect(page.locator("#results .result-form").first).to_be_visible()
        # Let the start's own live refresh of the console finish before the report's: htmx
        # drops a refresh queued behind one in flight once that one replaces the console
        # (outerHTML), so two live events close together can lose the second (a known
        # defect, in the stop note). This test is about the queue, not that race.
        for _settle in range(2):
            await wait_until(page, "!document.querySelector('.htmx-request')")
            await page.wait_for_timeout(500)

        # Pia reports her win; her opponent has no account: the organiser accepts it.
        matches = (await api.get(f"/api/v1/tournaments/{tid}/matches")).json()["items"]
        mine = next(m for m in matches if pia in [s["entrant_id"] for s in m["slots"]]
                    and m["status"] != "completed")
        first = [s["entrant_id"] for s in mine["slots"]][0] == pia
        r = await api.post(f"/api/v1/matches/{mine['id']}/report", headers=people["pia"],
                           json={"winner_id": pia, "games": [[2, 1]] if first else [[1, 2]]})
        assert r.status_code == 200, r.text
    queue = page.locator("#report-queue")
    await expect(queue).to_contain_text(words["queue"])  # live over SSE
    await expect(queue).to_contain_text(words["no_account"])
    await page.screenshot(path=str(screenshot_dir / f"{shot}-queue.png"), full_page=True)
    accept = queue.locator('form[action$="/reports/accept"] button')
    await expect(accept).to_have_text(words["accept"])
    await accept.click()
    await expect(page.locator("#report-queue")).to_have_count(0)

    # A result by choosing its winner (no default: the form asks for one).
    results = page.locator("#results")
    row = results.locator("> div").filter(has=page.locator(".result-form")).first
    key = (await row.locator("strong").first.inner_text()).strip()
    await row.get_by_role("button", name=words["set"]).click()
    await expect(row.get_by_label(words["winner"])).to_have_js_property("validity.valid", False)
    await row.get_by_label(words["winner"]).select_option(index=1)
    await row.get_by_role("button", name=words["set"]).click()
    await expect(results.locator("> div strong", has_text=re.compile(f"^{key}$"))
                 ).to_have_count(0)

    # A correction is asked about, then applied.
    await results.locator("details > summary").click()
    fix = results.locator("details > div").filter(
        has=page.locator("strong", has_text=re.compile(f"^{key}$")))
    await fix.get_by_label(words["winner"]).select_option(index=2)
    await fix.get_by_role("button", name=words["correct"], exact=True).click()
    panel = page.locator("#confirm-panel")
    await expect(panel).to_be_visible()
    await page.screenshot(path=str(screenshot_dir / f"{shot}-confirm.png"), full_page=True)
    await panel.get_by_role("button", name=words["yes_correct"]).click()
    await expect(page.locator("#console-body .notice")).to_contain_text(words["reflowed"])
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.js_errors == []


@pytest.mark.parametrize(("lang", "width", "height"), [("en", 1280, 900), ("fr", 390, 844)],
                         ids=["en-laptop", "fr-phone"])
async def test_swiss_of_seven_to_its_last_round(people: dict[str, Any], podium_live_server: Any,
                                                new_page: Any, screenshot_dir: Any,
                                                lang: str, width: int, height: int) -> None:
    words = LABELS[lang]
    page = await new_page(width=width, height=height)
    page.on("dialog", lambda dialog: dialog.accept())
    await log_in(page, "olga", "/tournaments/new")
    if lang == "fr":
        await page.goto("/tournaments/new?lang=fr")
        await expect(page.locator("h1")).to_have_text("Nouveau tournoi")
    await page.locator('input[name="name"]').fill("Swiss Night")
    await page.locator('input[name="game"]').fill("Chess960")
    await page.locator('select[name="format"]').select_option("swiss")
    await page.locator('input[name="opt_rounds"]').fill("3")
    await wait_until(page,
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")
    create = page.get_by_role("button", name=words["create"])
    await create.evaluate("button => button.scrollIntoView({block: 'center'})")
    await create.click()
    await expect(page).to_have_url(re.compile(r"/console$"))
    await page.locator('textarea[name="entrants"]').fill(
        "\n".join(["Ada", "Grace", "Linus", "Ken", "Barbara", "Dennis", "Margaret"]))
    await page.get_by_role("button", name=words["add_all"]).click()
    await expect(page.locator("tr[data-seed-row]")).to_have_count(7)
    await page.locator("#console-body").get_by_role("button", name=words["start"], exact=True).click()
    results = page.locator("#results")
    for round_no in (1, 2, 3):
        await expect(page.locator("#round-tools")).to_contain_text(f"{words['round']} {round_no}")
        forms = results.locator("> div .result-form")
        while await forms.count():
            before = await forms.count()
            await forms.first.get_by_label(words["winner"]).select_option(index=1)
            await forms.first.get_by_role("button", name=words["set"]).click()
            await expect(forms).to_have_count(before - 1)
        if round_no < 3:
            button = page.get_by_role("button", name=f"{words['pair']} {round_no + 1}")
            await expect(button).to_be_visible()
            await page.screenshot(path=str(screenshot_dir / f"swiss-{lang}-round-{round_no}.png"),
                                  full_page=True)
            await button.click()
    await expect(results).to_contain_text(words["finished"])
    await expect(page.get_by_role("button", name=re.compile(words["pair"]))).to_have_count(0)
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await page.screenshot(path=str(screenshot_dir / f"swiss-{lang}-finished.png"), full_page=True)
    assert page.js_errors == []
