"""Team tournaments in a real browser, on phones: a captain registers a team and invites
a player by username; the player signs in, finds the invitation on "My matches" and
accepts; the captain's open page shows the full roster without a reload, and the captain
checks the team in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from playwright.async_api import expect

from podium.tests.browser.test_tournaments import log_in

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
async def duo_cup(podium_db: None) -> int:
    """A teams-of-2 tournament with an open check-in window; captain ``cara`` and player
    ``ben`` exist (created before the live server starts)."""
    from podium.tests.core.test_venue_support import quick_user
    from podium.tournaments import catalogue
    from podium.web.assembly import make_plugin_host

    await quick_user("cara", "player")
    await quick_user("ben", "player")
    now = datetime.now(timezone.utc)
    t = await catalogue.create_tournament(make_plugin_host(), None, {
        "name": "Duo Cup", "game": "Rocket League", "format": "single_elimination",
        "team_size": 2, "checkin_opens": now - timedelta(hours=1),
        "checkin_closes": now + timedelta(hours=2)}, None)
    return t["id"]


async def test_captain_invites_player_accepts_team_checks_in(
    duo_cup: int, podium_live_server: Any, new_page: Any
) -> None:
    url = f"/tournaments/{duo_cup}"
    captain = await new_page(**PHONE)
    await log_in(captain, "cara", url)
    await captain.get_by_label("Team name").fill("Night Owls")
    await captain.get_by_role("button", name="Register").click()
    entry = captain.locator("#my-entry")
    await expect(entry).to_contain_text("registered as Night Owls (captain)")
    await expect(entry).to_contain_text("1/2 players")
    # Check-in is refused with the reason until the roster is full.
    await captain.get_by_role("button", name="Check in the team").click()
    await expect(captain.get_by_role("alert")).to_contain_text("1 of 2 players")
    await captain.get_by_label("Invite a player (username)").fill("ben")
    await captain.get_by_role("button", name="Invite").click()
    await expect(captain.locator('#team [data-user="ben"]')).to_contain_text("invited")
    assert await captain.evaluate(NO_SIDEWAYS_SCROLL)

    player = await new_page(**PHONE)
    await log_in(player, "ben", "/me/matches")
    invitation = player.locator("#my-invitations .invitation")
    await expect(invitation).to_contain_text("Night Owls")
    await invitation.get_by_role("button", name="Accept").click()
    await expect(player.locator("#my-invitations")).to_have_count(0)
    await player.goto(url)
    await expect(player.locator("#my-entry")).to_contain_text("Night Owls (member)")
    await expect(player.get_by_role("button", name="Leave the team")).to_be_visible()

    # No reload: the captain's entry card re-fetched itself when the tournament's SSE
    # topic said the roster changed.
    await expect(captain.locator("#team")).to_contain_text("2/2 players")
    await expect(captain.locator('#team [data-user="ben"]')).not_to_contain_text("invited")
    await captain.get_by_role("button", name="Check in the team").click()
    await expect(captain.locator("#my-entry")).to_contain_text("checked in")
    await expect(captain.locator("table")).to_contain_text("Cara, Ben")
    assert await captain.evaluate(NO_SIDEWAYS_SCROLL)
    assert captain.js_errors == [] and player.js_errors == []
