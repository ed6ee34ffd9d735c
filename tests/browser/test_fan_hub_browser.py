"""The fan hub in a real browser: a fan's hub page (phone size) shows a medal reached
live, without a reload; the leaderboard (big screen) switches views with htmx and shows
the fan's own row."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import expect

from podium.tests.browser.session import log_in


@pytest.fixture
async def fans(podium_db: None) -> dict[str, Any]:
    """The fan ``fanny``, a rival with more points, and five athletes."""
    from podium.tests.core.test_venue_support import quick_user
    from podium.tests.social.support import athlete_row

    fan = await quick_user("fanny")
    rival = await quick_user("rita")
    athletes = [await athlete_row(f"rider{i}") for i in range(6)]
    return {"fan": fan, "rival": rival, "athletes": athletes}


async def _wait_for_points(fan_id: int, points: int, *, seconds: float = 30.0) -> None:
    from podium.social.points import standing

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (await standing(fan_id)).points_all_time < points:
        assert loop.time() < deadline, f"fan {fan_id} never reached {points} points"
        await asyncio.sleep(0.2)


async def test_a_medal_shows_up_live_and_the_leaderboard(fans: dict[str, Any], new_page: Any,
                                                         screenshot_dir: Any) -> None:
    from podium.social.actions import FOLLOW, NewAction, record_many

    phone = await new_page(width=390, height=844)
    await log_in(phone, "fanny", "/me/hub")
    await expect(phone.get_by_test_id("medal")).to_contain_text("No medal yet")
    await expect(phone.get_by_test_id("points-all")).to_have_text("0")
    # Five follows, recorded as the athlete pages would; the server's outbox tells the
    # points engine, which announces the medal on the fan's own topic.
    fan, rival = fans["fan"], fans["rival"]
    await record_many([NewAction(fan.id, FOLLOW, f"athlete:{a['id']}") for a in fans["athletes"][:5]])
    await expect(phone.get_by_test_id("medal-news")).to_contain_text("Bronze", timeout=20_000)
    await expect(phone.get_by_test_id("points-all")).to_have_text("5")
    await expect(phone.get_by_test_id("medal")).to_contain_text("Bronze")
    await phone.screenshot(path=str(screenshot_dir / "fan-hub-phone.png"), full_page=True)

    await record_many([NewAction(rival.id, FOLLOW, f"athlete:{a['id']}") for a in fans["athletes"]])
    # The board is not a live page: wait until the server's outbox has scored the rival's
    # follows before opening it (under load that takes a while after the write commits).
    await _wait_for_points(rival.id, len(fans["athletes"]))
    screen = await new_page(width=1920, height=1080)
    await log_in(screen, "fanny", "/hub/leaderboard")
    await expect(screen.locator(".hub-board h2")).to_contain_text("This week")
    rows = screen.locator(".hub-board tbody tr")
    await expect(rows.first).to_contain_text("Rita", timeout=20_000)
    await screen.get_by_role("link", name="All time").click()
    await expect(screen.locator(".hub-board h2")).to_have_text("All time")
    await expect(screen).to_have_url(re.compile(r"view=all"))
    await expect(screen.locator(".hub-board tr.me")).to_contain_text("Fanny")
    await screen.screenshot(path=str(screenshot_dir / "fan-hub-leaderboard.png"), full_page=True)
