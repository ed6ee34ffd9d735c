"""The fan hub's exclusive content and prizes in a real browser: a fan on a phone sees a
locked card that says what unlocks it, follows the athlete from the card, the video
unlocks, plays to the end (the watched signal is recorded once) and its file answers 200
for them; they like the post and the count updates in place. An admin adds a prize from
the prize page and the fan claims it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import expect

from podium.tests.browser.session import log_in

VIDEO_POST_TEXT = "My warm-up routine, for followers only"


@pytest.fixture
async def locked_video(podium_db: None) -> dict[str, Any]:
    """Anna Meyer (a verified athlete) posted a followers-only video; ``fanny`` and the
    admin ``boss`` exist (before the server starts)."""
    from podium.core.settings import load_settings
    from podium.social import content
    from podium.social.content_demo import VIDEO, _file
    from podium.social.storage import storage_for
    from podium.tests.core.test_venue_support import quick_user
    from podium.tests.social.support import athlete_row

    anna = await athlete_row("anna", name="Anna Meyer", verified=True)
    settings = load_settings()  # the same PODIUM_MEDIA_DIR as the live server's
    post = await content.create_post(
        anna["user_obj"], body=VIDEO_POST_TEXT, followers=True,
        upload=content.Upload(_file(VIDEO), "video/webm"), storage=storage_for(settings),
        max_bytes=settings.media_max_bytes)
    await quick_user("fanny")
    await quick_user("boss", "admin")
    return post


def _accept_confirmations(page: Any) -> None:
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))


async def test_fan_unlocks_a_video_by_following_and_likes_it(locked_video, new_page, screenshot_dir):
    post_id = locked_video["id"]
    phone = await new_page(width=390, height=844)
    await log_in(phone, "fanny", "/hub/feed")
    card = phone.locator(f"#post-{post_id}")
    await expect(card).to_have_attribute("data-locked", "true")
    await expect(card).to_contain_text("Follow Anna Meyer to unlock")
    await expect(card).not_to_contain_text(VIDEO_POST_TEXT)
    assert await card.locator("video").count() == 0
    assert "/hub/media/" not in await phone.content()
    await phone.screenshot(path=str(screenshot_dir / "hub-locked-phone.png"), full_page=True)

    # Follow from the card: the athlete's profile opens with the post unlocked.
    await card.get_by_test_id("unlock-follow").click()
    await expect(phone).to_have_url(re.compile(r"/athletes/anna$"))
    card = phone.locator(f"#post-{post_id}")
    await expect(card).to_have_attribute("data-locked", "false")
    await expect(card).to_contain_text(VIDEO_POST_TEXT)
    video = card.locator("video")
    await expect(video).to_be_visible()
    src = await video.get_attribute("src")
    assert src and re.fullmatch(r"/hub/media/[A-Za-z0-9_-]{32}", src)
    status = await phone.evaluate("url => fetch(url).then(r => r.status)", src)
    assert status == 200
    ranged = await phone.evaluate(
        "url => fetch(url, {headers: {Range: 'bytes=0-99'}}).then(r => r.status)", src)
    assert ranged == 206

    # The video plays to its end; the page tells the server once.
    await video.evaluate("v => { v.muted = true; return v.play(); }")
    await expect(video).to_have_attribute("data-watched", "recorded", timeout=20_000)
    from podium.social.tables import FanAction

    assert await FanAction.count().where((FanAction.kind == "watch") & (FanAction.target == f"video:{post_id}")) == 1

    # Like it: the button and the count change without a reload.
    like_box = card.locator(f"#like-{post_id}")
    await expect(like_box.get_by_test_id("like-count")).to_have_text("0 likes")
    await like_box.get_by_role("button", name=re.compile("Like")).click()
    await expect(card.get_by_test_id("like-count")).to_have_text("1 like")
    await expect(card.locator(".like-button")).to_have_attribute("aria-pressed", "true")
    await phone.screenshot(path=str(screenshot_dir / "hub-unlocked-phone.png"), full_page=True)

    # Someone else who does not follow still gets nothing: 404 for the file.
    stranger = await new_page()
    assert (await stranger.request.get(src)).status == 404
    assert phone.js_errors == []


async def test_admin_adds_a_prize_and_a_fan_claims_it(locked_video, new_page, screenshot_dir):
    admin = await new_page(width=1366, height=900)
    await log_in(admin, "boss", "/hub/admin/prizes")
    form = admin.locator("#new-prize")
    await form.get_by_label("Name").fill("Signed jersey")
    await form.get_by_label("Stock").fill("1")
    await form.get_by_role("button", name="Add prize").click()
    await expect(admin.get_by_role("status")).to_contain_text("Prize added.")
    row = admin.locator("tr", has_text="Signed jersey")
    await expect(row.get_by_test_id("claimed")).to_have_text("0")

    fan = await new_page(width=390, height=844)
    _accept_confirmations(fan)
    await log_in(fan, "fanny", "/hub/prizes")
    card = fan.locator(".prize-card", has_text="Signed jersey")
    await expect(card.get_by_test_id("prize-left")).to_have_text("1 of 1 left")
    await card.get_by_role("button", name="Claim").click()
    card = fan.locator(".prize-card", has_text="Signed jersey")
    await expect(card).to_contain_text("Claimed!")
    await expect(card.get_by_test_id("prize-left")).to_have_text("0 of 1 left")
    await fan.screenshot(path=str(screenshot_dir / "hub-prize-claimed-phone.png"), full_page=True)

    await admin.reload()
    await expect(admin.locator("tr", has_text="Signed jersey").get_by_test_id("claimed")).to_have_text("1")
    await admin.locator("tr", has_text="Signed jersey").get_by_role("link", name="Signed jersey").click()
    await expect(admin.locator("tbody")).to_contain_text("Fanny")
    assert fan.js_errors == [] and admin.js_errors == []
