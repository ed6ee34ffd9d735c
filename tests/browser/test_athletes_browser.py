"""Athletes in a real browser: an athlete creates a profile on a phone, an admin verifies
it from the queue, and a fan finds them in the directory (filtered by htmx as they type)
and follows them: the follower count goes up without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from podium.tests.browser.session import log_in


@pytest.fixture
async def people(podium_db: None) -> None:
    """The athlete ``lea``, the admin ``root`` and the fan ``fanny`` (before the server
    starts), and another athlete the search must filter out."""
    from podium.social import athletes
    from podium.tests.core.test_venue_support import quick_user

    await quick_user("lea")
    admin = await quick_user("root", "admin")
    await quick_user("fanny")
    other = await quick_user("tom")
    await athletes.create_profile(admin, {"name": "Tom Ashby", "discipline": "keirin",
                                          "country": "GBR"}, for_user_id=other.id)


async def test_create_verify_find_and_follow(people: None, new_page: Any, screenshot_dir: Any) -> None:
    athlete = await new_page(width=390, height=844)
    await log_in(athlete, "lea", "/me/athlete")
    form = athlete.get_by_test_id("profile-form")
    await form.get_by_label("Name as shown").fill("Léa Marchand")
    await form.get_by_label("Discipline").fill("track_sprint")
    await form.get_by_label("Country").fill("FRA")
    await form.get_by_label("Club or team").fill("US Créteil")
    await form.get_by_label("About you").fill("Sprinter from Créteil.")
    await athlete.get_by_test_id("save-profile").click()
    await expect(athlete.get_by_test_id("message")).to_contain_text("Profile created")
    await expect(athlete.get_by_test_id("my-profile-link")).to_contain_text("/athletes/lea-marchand")
    await athlete.screenshot(path=str(screenshot_dir / "athlete-profile-form-phone.png"), full_page=True)

    admin = await new_page()
    await log_in(admin, "root", "/admin/athletes")
    item = admin.locator('[data-athlete="lea-marchand"]')
    await expect(item).to_contain_text("Léa Marchand")
    await item.get_by_label("How you checked").fill("federation licence seen")
    await admin.get_by_test_id("verify-lea-marchand").click()
    await expect(admin.get_by_test_id("message")).to_contain_text("Athlete verified")
    await expect(admin.locator('[data-athlete="lea-marchand"]')).to_have_count(0)

    fan = await new_page()
    await log_in(fan, "fanny", "/athletes")
    await expect(fan.get_by_test_id("athlete-total")).to_contain_text("2 athletes")
    await fan.get_by_test_id("athlete-search").fill("March")
    await expect(fan.get_by_test_id("athlete-total")).to_contain_text("1 athlete")
    card = fan.locator('[data-athlete="lea-marchand"]')
    await expect(card.get_by_test_id("verified-badge")).to_be_visible()
    await expect(fan.locator('[data-athlete="tom-ashby"]')).to_have_count(0)
    await expect(fan).to_have_url(re.compile(r"q=March"))
    await card.get_by_role("link", name="Léa Marchand").click()
    await expect(fan).to_have_url(re.compile("/athletes/lea-marchand$"))
    await expect(fan.get_by_test_id("verified-badge")).to_be_visible()
    await expect(fan.get_by_test_id("follower-count")).to_have_text("0")
    await fan.evaluate("window.podiumNoReload = true")
    await fan.get_by_test_id("follow").click()
    await expect(fan.get_by_test_id("follower-count")).to_have_text("1")
    await expect(fan.get_by_test_id("unfollow")).to_be_visible()
    assert await fan.evaluate("window.podiumNoReload === true"), "the page reloaded"
    await fan.screenshot(path=str(screenshot_dir / "athlete-profile.png"), full_page=True)
    await fan.get_by_test_id("unfollow").click()
    await expect(fan.get_by_test_id("follower-count")).to_have_text("0")
    assert not fan.js_errors
