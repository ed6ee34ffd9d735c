"""The demo's exclusive content and prizes: posts with each audience by the demo's
verified athletes (a followers-only video among them, playable by followers only) and two
prizes with stock."""

from __future__ import annotations

import pytest

from podium.core.accounts.service import get_user_by_name
from podium.social import actions, content, prizes
from podium.social.storage import sniff
from podium.social.tables import MediaFile, Post
from podium.tests.social.support import athlete_row
from podium.web.demo import seed_demo


@pytest.mark.hooks("podium_seed_demo")
async def test_demo_posts_and_prizes(podium_db, tmp_path, monkeypatch):
    monkeypatch.setenv("PODIUM_MEDIA_DIR", str(tmp_path))
    anna = await athlete_row("annademo", name="Anna Meyer", verified=True)
    await athlete_row("bendemo", name="Ben Okafor", kind="esport", discipline="esport:rocket_league",
                      verified=True)
    result = await seed_demo(admin_password="admin-pass-123")
    made = result.made
    for key in ("hub_public_post", "hub_followers_video", "hub_silver_post", "hub_venue_post",
                "hub_prize_jersey", "hub_prize_lanyard"):
        assert key in made, key
    assert await Post.count() == 5 and await MediaFile.count() == 2
    video = await content.get_post(made["hub_followers_video"], None)
    assert video["locked"] and video["unlock"][0]["text"] == "Follow Anna Meyer to unlock"
    fan = await get_user_by_name("fan1")
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{anna['id']}")
    video = await content.get_post(made["hub_followers_video"], fan)
    assert video["media"]["kind"] == "video" and video["media"]["content_type"] == "video/webm"
    token = video["media"]["url"].rsplit("/", 1)[1]
    assert await content.media_for(token, fan)
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored) == 2 and all(p.stat().st_size < 100_000 for p in stored)
    assert sorted(sniff(p.read_bytes()[:64]) for p in stored) == ["image/jpeg", "video/webm"]
    monkeypatch.setattr(content, "medal_rank_of", _no_medal)
    silver = await content.get_post(made["hub_silver_post"], fan)
    assert silver["locked"] and silver["unlock"][0]["text"] == "Reach silver to unlock"
    offered = {p["name"]: p for p in await prizes.list_prizes()}
    assert offered["Signed team jersey"]["stock"] == 3 and offered["Signed team jersey"]["condition"] == "Silver and up"
    assert offered["Arena lanyard"]["left"] == 20
    assert any("/hub/prizes" in note for note in result.notes)


async def _no_medal(_fan_id: int) -> int:
    return 0
