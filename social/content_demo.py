"""Exclusive content's and prizes' part of ``podium demo`` (``podium_seed_demo``).

The demo athletes (made by the athletes' part of the demo, read back from the table) post:
a public photo, a warm-up video for their followers only, a post for silver and up, and
the venue posts for followers of two athletes. Two prizes go on offer with a small stock.
The video (a 3-second test pattern, VP8 WebM, 23 KB) and the photo are shipped in
``demo_media/`` and go through the same storage and checks as any upload.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from podium.core.accounts.service import get_user, get_user_by_name
from podium.core.settings import load_settings
from podium.core.venue.contracts import DemoVenue
from podium.social import content, prizes
from podium.social.storage import storage_for
from podium.social.tables import Athlete

DEMO_MEDIA = Path(__file__).parent / "demo_media"
VIDEO = DEMO_MEDIA / "keirin-warm-up.webm"
PHOTO = DEMO_MEDIA / "track-walk.jpg"


async def _file(path: Path) -> AsyncIterator[bytes]:
    yield path.read_bytes()


async def _demo_athletes() -> list[dict[str, Any]]:
    """Verified athletes, a cyclist first and an e-sport player second when there are both."""
    rows = await Athlete.select(Athlete.id, Athlete.user, Athlete.name, Athlete.kind).where(
        Athlete.verified_at.is_not_null()).order_by(Athlete.id)
    cyclists = [r for r in rows if r["kind"] == "cycling"]
    players = [r for r in rows if r["kind"] != "cycling"]
    return (cyclists[:1] + players[:1]) or rows[:2]


async def seed_content_demo(demo: DemoVenue) -> None:
    """Posts with each kind of audience, and two prizes."""
    settings = load_settings()
    storage = storage_for(settings)
    made: dict[str, int] = {}
    athletes = await _demo_athletes()
    if athletes:
        first = athletes[0]
        author = await get_user(first["user"])
        assert author is not None  # the athlete's account
        photo = await content.create_post(
            author, body="Track walk on the morning of the Grand Prix: 250 metres, 42 degrees of banking.",
            upload=content.Upload(_file(PHOTO), "image/jpeg"), storage=storage,
            max_bytes=settings.media_max_bytes)
        video = await content.create_post(
            author, body="My warm-up routine before the sprint final. For my followers: thank you!",
            followers=True, upload=content.Upload(_file(VIDEO), "video/webm"), storage=storage,
            max_bytes=settings.media_max_bytes)
        silver = await content.create_post(
            author, body="Silver medal fans: come and see the bikes in the pit lane after my "
                         "next training session; ask for me at the infield gate.", min_medal_rank=2)
        made.update(hub_public_post=photo["id"], hub_followers_video=video["id"],
                    hub_silver_post=silver["id"])
        demo.notes.append(f"exclusive content: {first['name']}'s warm-up video is for followers "
                          "only; follow them on the hub to unlock it (/hub/feed)")
    if len(athletes) > 1:
        second = athletes[1]
        author = await get_user(second["user"])
        assert author is not None
        await content.create_post(author, body="Playing the Podium Clash in the arena tonight, come and watch!")
    organiser = demo.organiser or await get_user_by_name("organiser")
    if organiser is not None and athletes:
        venue_post = await content.create_post(
            organiser, body="Followers of our athletes: the track is open to you for a photo walk "
                            "on Sunday morning, bronze medal and up.",
            followers_of=[a["id"] for a in athletes], min_medal_rank=1)
        made["hub_venue_post"] = venue_post["id"]
    admin = await get_user_by_name("admin")
    if admin is not None:
        jersey = await prizes.create_prize({
            "name": "Signed team jersey", "stock": 3, "min_medal_rank": 2,
            "description": "A jersey signed by the whole track team. Silver medal and up."}, admin)
        lanyard = await prizes.create_prize({
            "name": "Arena lanyard", "stock": 20,
            "description": "The e-sport arena's lanyard, for any fan of the hub."}, admin)
        made.update(hub_prize_jersey=jersey["id"], hub_prize_lanyard=lanyard["id"])
        demo.notes.append("prizes: a signed jersey (silver and up, 3 in stock) and arena "
                          "lanyards at /hub/prizes")
    demo.made.update(made)
