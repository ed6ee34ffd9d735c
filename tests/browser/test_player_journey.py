"""A player's journey in a real browser (issue 9): register on a phone, see on My matches
who and when they play next, follow the tournament page's named rounds, and after the
final the champion banner; the big screen at 1920×1080 shows every column up to the grand
final with long names in full (screenshots)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from podium.tests.browser.test_tournaments import log_in
from podium.tests.browser.waiting import wait_until

LONG_NAMES = ["Night Owls of the Northern Velodrome", "Aerial Aces Academy", "Boost Bandits",
              "Kickoff Kings Esports Club", "Turbo Turtles", "Demo Dynasty International",
              "Flip Reset Collective"]


@pytest.fixture
async def journey(podium_db: None) -> dict[str, Any]:
    """Before the server starts: an organiser (with an API token), the player ``pia``, and
    an 8-place double elimination at a calendar event with seven long-named entrants."""
    from podium.tests.core.test_venue_support import bearer_for, quick_user
    from podium.tests.ticketing.support import ticketed_event
    from podium.tournaments import catalogue, registration
    from podium.web.assembly import make_plugin_host

    await quick_user("pia", "player")
    headers = await bearer_for(await quick_user("olga", "organiser"))
    event = await ticketed_event(title="Friday night e-sport", day=0)
    t = await catalogue.create_tournament(make_plugin_host(), None, {
        "name": "Friday Smash", "game": "Rocket League", "format": "double_elimination",
        "options": {"grand_final": "reset"}, "capacity": 8, "event_id": event["id"]}, None)
    for name in LONG_NAMES:
        await registration.add_entrant(t["id"], {"name": name}, None)
    return {"id": t["id"], "headers": headers, "event": event["id"]}


async def _api(base_url: str, method: str, path: str, headers: dict[str, str],
               **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        r = await client.request(method, path, headers=headers, **kwargs)
    assert r.status_code < 300, r.text
    return r.json()


async def _play(base_url: str, tid: int, headers: dict[str, str], limit: int) -> int:
    """Record up to ``limit`` results through the API (the better seed wins)."""
    played = 0
    while played < limit:
        items = (await _api(base_url, "GET", f"/api/v1/tournaments/{tid}/matches", headers,
                            params={"status": "ready", "limit": 100}))["items"]
        ready = [m for m in items if all(s.get("entrant_id") for s in m["slots"])]
        if not ready:
            break
        m = ready[0]
        winner = min(m["slots"], key=lambda s: s["seed"])["entrant_id"]
        games = [[1, 0]] if m["slots"][0]["entrant_id"] == winner else [[0, 1]]
        await _api(base_url, "POST", f"/api/v1/matches/{m['id']}/result", headers,
                   json={"winner_id": winner, "games": games})
        played += 1
    return played


async def _screen_columns(screen: Any, url: str, shots: Path) -> set[str]:
    """Every column title over every page of the screen (fixed one page at a time), each
    page checked for names shown in full, and a screenshot of each."""
    await screen.goto(f"{url}/screen?rotate=0&page=1")
    total = int(await screen.locator(".sc").get_attribute("data-total-pages"))
    titles: set[str] = set()
    for n in range(1, total + 1):
        await screen.goto(f"{url}/screen?page={n}")
        await expect(screen.locator(".sc-page")).to_have_count(1)
        titles |= {t.strip() for t in await screen.locator(".sc-col > h3").all_text_contents()}
        # Full names: no name box cuts its text (nothing wider than its box, no ellipsis).
        cut = await screen.evaluate("""() => [...document.querySelectorAll('.sc-s .name')]
            .filter(el => el.scrollWidth > el.clientWidth + 1
                          || getComputedStyle(el).textOverflow === 'ellipsis')
            .map(el => el.textContent.trim())""")
        assert cut == [], f"names cut on page {n}: {cut}"
        assert await screen.evaluate(
            "document.documentElement.scrollHeight <= window.innerHeight + 1"), "no scrolling"
        await screen.screenshot(path=str(shots / f"screen-page-{n}.png"))
    return titles


async def test_player_registers_follows_next_match_and_sees_the_champion(
        journey: dict[str, Any], podium_live_server: Any, new_page: Any, base_url: str,
        screenshot_dir: Path) -> None:
    tid, headers = journey["id"], journey["headers"]
    url = f"/tournaments/{tid}"

    # Register on a phone: the seed comes at once (after the seven entrants added before).
    player = await new_page(width=390, height=844)
    await log_in(player, "pia", url)
    await expect(player.locator('[data-testid="tournament-when"]')).to_contain_text(
        "Friday night e-sport")
    await player.get_by_role("button", name="Register").click()
    await expect(player.locator("#my-entry")).to_contain_text("registered")
    entrants = await _api(base_url, "GET", f"/api/v1/tournaments/{tid}/entrants", headers)
    assert [e["seed"] for e in entrants["items"] if e["name"] == "Pia"] == [8]

    await _api(base_url, "POST", f"/api/v1/tournaments/{tid}/start", headers)

    # My matches: the tournament, who is next and at about what time.
    await player.goto("/me/matches")
    nxt = player.locator("[data-next-match]")
    await expect(nxt).to_contain_text("Friday Smash")
    await expect(nxt).to_contain_text(re.compile(r"next: vs .+ at about \d\d:\d\d"))
    await player.screenshot(path=str(screenshot_dir / "my-matches-phone.png"), full_page=True)

    # The tournament page names its rounds; on a phone the bracket scrolls in its box.
    await player.goto(url)
    rounds = player.locator("#bracket .bracket-round > h3")
    for name in ("Winners quarter-final", "Winners final", "Losers final", "Grand final"):
        await expect(rounds.filter(has_text=re.compile(f"^{name}$"))).to_have_count(1)
    assert await player.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await expect(player.locator("#bracket .scroll-hint").first).to_be_visible()

    # The big screen: every column up to the grand final, long names in full.
    screen = await new_page(width=1920, height=1080)
    titles = await _screen_columns(screen, url, screenshot_dir)
    for name in ("Winners quarter-final", "Winners semi-final", "Winners final",
                 "Losers round 1", "Losers semi-final", "Losers final", "Grand final"):
        assert name in titles, (name, titles)
    await expect(screen.locator("body")).not_to_contain_text("…")

    # Part of the bracket played: the screen's last columns are still there.
    await _play(base_url, tid, headers, 6)
    titles = await _screen_columns(screen, url, screenshot_dir)
    assert {"Losers final", "Grand final"} <= titles
    # On the phone the winners bracket's box has jumped to its live round (the final).
    await player.goto(url)
    box = player.locator("#bracket .bracket-scroll").first
    await expect(box.locator(".bracket-round[data-live]")).to_have_count(1)
    await wait_until(player,
        "document.querySelector('#bracket .bracket-scroll').scrollLeft > 0")

    # Played to the end: the champion and the podium, for the player too.
    await _play(base_url, tid, headers, 100)
    await player.goto(url)
    banner = player.locator('[data-testid="podium"]')
    await expect(banner).to_contain_text("Champion")
    await expect(banner.locator(".place-1")).to_have_count(1)
    await player.screenshot(path=str(screenshot_dir / "champion-phone.png"), full_page=True)
    laptop = await new_page(width=1280, height=800)
    await laptop.goto(url)
    await expect(laptop.locator('[data-testid="podium"]')).to_be_visible()
    await expect(laptop.get_by_text("to register")).to_have_count(0)
    assert player.js_errors == [] and screen.js_errors == [] and laptop.js_errors == []
