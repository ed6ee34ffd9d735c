"""Exclusive content through the pages and the API: locked cards that leak nothing, media
served only to fans allowed to see them (404 otherwise, with byte ranges for video),
posting rules and upload checks, likes, the watched signal, the feeds."""

from __future__ import annotations

import struct
import zlib
from types import SimpleNamespace

import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.social import actions, content
from podium.social.tables import FanAction, MediaFile, Post
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row

# The first bytes of real files are what the server checks; the rest is filler.
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(range(256)) * 40


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# A real 1x1 PNG: stored images are parsed (their metadata is stripped).
PNG = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
       + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00")) + _png_chunk(b"IEND", b""))


@pytest.fixture
async def hub(podium_app_factory, podium_client_factory, tmp_path, monkeypatch):
    """An app keeping media in a temporary folder, clients on it, and fans' medal ranks
    as the points part of the hub would answer them."""
    medals: dict[int, int] = {}

    async def medal_rank(fan_id: int) -> int:
        return medals.get(fan_id, 0)

    monkeypatch.setattr(content, "medal_rank_of", medal_rank)
    media = tmp_path / "media"

    async def client(username: str | None = None, **settings):
        app = podium_app_factory(media_dir=str(media), **settings) if settings else shared
        opened = await podium_client_factory(app)
        if username:
            await opened.login(username, DEFAULT_PASSWORD)
        return opened

    shared = podium_app_factory(media_dir=str(media))
    return SimpleNamespace(client=client, medals=medals, media=media)


def multipart(fields, upload=None):
    """A ``multipart/form-data`` body as httpx sends it (the API takes no other)."""
    parts = {k: (None, v) for k, v in fields.items()}
    if upload:
        parts["media"] = upload
    return parts


def stored_files(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def _anna_posts_for_followers(hub, body="Behind the scenes at the keirin final"):
    anna = await athlete_row("anna", name="Anna Meyer", verified=True)
    writer = await hub.client("anna")
    made = await writer.form_post("/hub/posts", {"body": body, "followers": "1"},
                                  files={"media": ("clip.webm", WEBM, "video/webm")})
    assert made.status_code == 303, made.text
    post = await Post.select().first()
    token = (await MediaFile.select(MediaFile.token).first())["token"]
    return anna, post, token


async def test_locked_card_shows_what_unlocks_it_and_leaks_nothing(hub):
    """A fan who does not follow Anna sees "Follow Anna Meyer to unlock" and neither the
    text nor the media URL, in the page and in the API; after following, both."""
    anna, post, token = await _anna_posts_for_followers(hub)
    fan = await quick_user("fan")
    viewer = await hub.client("fan")
    page = await viewer.get("/hub/feed")
    assert page.status_code == 200
    assert "Follow Anna Meyer to unlock" in page.text
    assert "Behind the scenes" not in page.text and token not in page.text and "/hub/media/" not in page.text
    auth = await viewer.bearer("fan", DEFAULT_PASSWORD)  # the API reads bearer tokens
    api = (await viewer.get("/api/v1/hub/posts", headers=auth)).json()
    [item] = api["items"]
    assert item["locked"] is True and item["body"] is None and item["media"] is None
    assert item["unlock"][0]["text"] == "Follow Anna Meyer to unlock"
    assert token not in (await viewer.get(f"/api/v1/hub/posts/{post['id']}", headers=auth)).text
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{anna['id']}")
    page = await viewer.get("/hub/feed")
    assert "Behind the scenes" in page.text and f"/hub/media/{token}" in page.text
    assert "to unlock" not in page.text
    # The verified mark is styled on the feed too (it was a bare "✔" stuck to the name).
    assert "verified-badge" in page.text and "/static/social/social.css" in page.text
    # The post's date is written for the reader's locale (it was strftime's English).
    from podium.core.i18n import format_date, use_locale

    with use_locale("fr"):
        french_date = format_date(post["created_at"])
    in_french = await viewer.get("/hub/feed", headers={"Accept-Language": "fr"})
    assert f">{french_date}</time>" in in_french.text
    item = (await viewer.get(f"/api/v1/hub/posts/{post['id']}", headers=auth)).json()
    assert item["locked"] is False and item["media"]["url"] == f"/hub/media/{token}"
    assert item["media"]["kind"] == "video" and item["athlete"]["verified"] is True


async def test_media_only_for_fans_allowed_to_see_it(hub):
    """Anonymous and non-following fans get 404 (as for a file that does not exist); a
    follower gets the bytes with the right type, ``Cache-Control: private`` and byte
    ranges; after unfollowing or a take-down, 404 again."""
    anna, post, token = await _anna_posts_for_followers(hub)
    assert stored_files(hub.media) == [token]
    fan = await quick_user("fan")
    stranger = await hub.client()
    viewer = await hub.client("fan")
    for client in (stranger, viewer):
        assert (await client.get(f"/hub/media/{token}")).status_code == 404
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{anna['id']}")
    whole = await viewer.get(f"/hub/media/{token}")
    assert whole.status_code == 200 and whole.content == WEBM
    assert whole.headers["content-type"].startswith("video/webm")
    assert whole.headers["cache-control"] == "private" and whole.headers["accept-ranges"] == "bytes"
    part = await viewer.get(f"/hub/media/{token}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == WEBM[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(WEBM)}"
    tail = await viewer.get(f"/hub/media/{token}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == WEBM[-10:]
    beyond = await viewer.get(f"/hub/media/{token}", headers={"Range": f"bytes={len(WEBM)}-"})
    assert beyond.status_code == 416
    for wrong in ["x" * 32, "../../../../etc/passwd", "short", token[:-1] + ("A" if token[-1] != "A" else "B")]:
        assert (await viewer.get(f"/hub/media/{wrong}")).status_code == 404
    await actions.record(fan.id, actions.UNFOLLOW, f"athlete:{anna['id']}")
    assert (await viewer.get(f"/hub/media/{token}")).status_code == 404
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{anna['id']}")
    writer = await hub.client("anna")
    assert (await writer.get(f"/hub/media/{token}")).status_code == 200  # the author, always
    removed = await writer.form_post(f"/hub/posts/{post['id']}/remove")
    assert removed.status_code == 303
    assert (await viewer.get(f"/hub/media/{token}")).status_code == 404
    assert stored_files(hub.media) == []


async def test_medal_and_follow_conditions_together(hub):
    """A venue post for followers of Anna or Ben with silver and up: each unmet condition
    is shown; only a follower with silver sees it."""
    anna = await athlete_row("anna", name="Anna Meyer", verified=True)
    ben = await athlete_row("ben", name="Ben Okafor", kind="esport", discipline="esport:rocket_league",
                            verified=True)
    await quick_user("org", "organiser")
    fan = await quick_user("fan")
    venue = await hub.client("org")
    made = await venue.form_post("/hub/posts", {
        "body": "Pit lane tour for our best fans", "followers_of": f"{anna['id']}, {ben['id']}",
        "min_medal_rank": "2"})
    assert made.status_code == 303, made.text
    viewer = await hub.client("fan")
    page = await viewer.get("/hub/feed")
    assert "Follow Anna Meyer or Ben Okafor to unlock" in page.text
    assert "Reach silver to unlock" in page.text and "Pit lane" not in page.text
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{ben['id']}")
    hub.medals[fan.id] = 1
    page = await viewer.get("/hub/feed")
    assert "Follow Anna" not in page.text and "Reach silver to unlock" in page.text
    hub.medals[fan.id] = 2
    page = await viewer.get("/hub/feed")
    assert "Pit lane tour" in page.text and "to unlock" not in page.text
    auth = await viewer.bearer("fan", DEFAULT_PASSWORD)
    [item] = (await viewer.get("/api/v1/hub/posts", headers=auth)).json()["items"]
    assert item["by_venue"] is True and item["audience"] == "For followers with silver and up"
    # The card names the venue, not the organiser who wrote it.
    from podium.core.testing import test_settings

    card = page.text.split('class="card post-card', 1)[1].split("</header>", 1)[0]
    assert f">{test_settings().venue_name}</strong>" in card
    assert sorted(item["followers_of"]) == sorted([anna["id"], ben["id"]])


async def test_who_may_post_and_what_is_refused(hub):
    """Fans and unverified athletes may not post; empty posts, unknown athletes, files of
    another type (by their bytes) and files over the limit are refused with a reason,
    and nothing is stored."""
    await athlete_row("unverified", verified=False)
    await athlete_row("anna", name="Anna Meyer", verified=True)
    await quick_user("fan")
    for username in ("fan", "unverified"):
        client = await hub.client(username)
        refused = await client.post("/api/v1/hub/posts", files=multipart({"body": "hello"}),
                                    headers=await client.bearer(username, DEFAULT_PASSWORD))
        assert refused.status_code == 403, refused.text
    writer = await hub.client("anna")
    auth = await writer.bearer("anna", DEFAULT_PASSWORD)
    cases = [
        ({"body": "  "}, None, 422, "body is required"),
        ({"body": "x", "followers_of": "999999"}, None, 422, "there is no athlete 999999"),
        ({"body": "x", "min_medal_rank": "7"}, None, 422, "min_medal_rank"),
        ({"body": "x"}, ("notes.png", b"just some text, not an image", "image/png"), 422, "must be a JPEG"),
        ({"body": "x"}, ("photo.mp4", PNG, "video/mp4"), 422, "its content is image/png"),
        ({"body": "x"}, ("empty.webm", b"", "video/webm"), 422, "empty"),
    ]
    for fields, upload, status, reason in cases:
        answer = await writer.post("/api/v1/hub/posts", files=multipart(fields, upload), headers=auth)
        assert answer.status_code == status and reason in answer.json()["detail"], (fields, answer.text)
    small = await hub.client("anna", media_max_bytes=1000)
    big = await small.post("/api/v1/hub/posts", files=multipart({"body": "x"}, ("clip.webm", WEBM, "video/webm")),
                           headers=auth)
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    page = await small.form_post("/hub/posts", {"body": "x"}, files={"media": ("clip.webm", WEBM, "video/webm")})
    assert page.status_code == 413 and "larger than" in page.text and "Write a post" in page.text
    assert await Post.count() == 0 and await MediaFile.count() == 0
    assert stored_files(hub.media) == []
    made = await writer.post("/api/v1/hub/posts", files=multipart({"body": "A photo", "followers": "1"},
                                                                  ("p.png", PNG, "image/png")), headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["media"]["kind"] == "image" and body["audience"] == "For followers"
    assert "p.png" not in str(stored_files(hub.media)) and len(stored_files(hub.media)) == 1


async def test_likes_update_without_reload(hub):
    """The like button answers with itself and the new count; liking twice counts once;
    a locked post cannot be liked."""
    anna = await athlete_row("anna", name="Anna Meyer", verified=True)
    writer = await hub.client("anna")
    await writer.form_post("/hub/posts", {"body": "Public warm-up"})
    await writer.form_post("/hub/posts", {"body": "Followers only", "followers": "1"})
    public, private = [r["id"] for r in await Post.select(Post.id).order_by(Post.id)]
    await quick_user("fan")
    fan = await hub.client("fan")
    liked = await fan.htmx("POST", f"/hub/posts/{public}/like")
    assert liked.status_code == 200 and "1 like<" in liked.text and 'aria-pressed="true"' in liked.text
    again = await fan.htmx("POST", f"/hub/posts/{public}/like")
    assert "1 like<" in again.text
    auth = await fan.bearer("fan", DEFAULT_PASSWORD)
    assert (await fan.delete(f"/api/v1/hub/posts/{public}/like", headers=auth)).json() == {
        "post_id": public, "likes": 0, "liked": False}
    assert (await fan.post(f"/api/v1/hub/posts/{public}/like", headers=auth)).json()["likes"] == 1
    locked = await fan.post(f"/api/v1/hub/posts/{private}/like", headers=auth)
    assert locked.status_code == 403 and locked.json()["code"] == "locked"
    assert "Follow Anna Meyer" in locked.json()["detail"]
    assert (await fan.post("/api/v1/hub/posts/999999/like", headers=auth)).status_code == 404
    assert anna["id"]


async def test_watched_to_the_end_counts_once(hub):
    """The watched signal records one ``watch`` of ``video:<post>`` per fan, however often
    it is sent; a post without a video or a locked one refuses it."""
    anna, post, _token = await _anna_posts_for_followers(hub)
    fan = await quick_user("fan")
    client = await hub.client("fan")
    auth = await client.bearer("fan", DEFAULT_PASSWORD)
    locked = await client.post(f"/api/v1/hub/videos/{post['id']}/watched", headers=auth)
    assert locked.status_code == 403
    await actions.record(fan.id, actions.FOLLOW, f"athlete:{anna['id']}")
    first = await client.post(f"/api/v1/hub/videos/{post['id']}/watched", headers=auth)
    assert first.status_code == 200 and first.json() == {"post_id": post["id"], "recorded": True}
    second = await client.htmx("POST", f"/hub/videos/{post['id']}/watched")
    assert second.status_code == 204
    third = await client.post(f"/api/v1/hub/videos/{post['id']}/watched", headers=auth)
    assert third.json()["recorded"] is False
    assert await FanAction.count().where((FanAction.kind == "watch") & (FanAction.fan == fan.id)) == 1
    writer = await hub.client("anna")
    await writer.form_post("/hub/posts", {"body": "No video here"})
    text_only = (await Post.select(Post.id).order_by(Post.id, ascending=False).first())["id"]
    assert (await client.post(f"/api/v1/hub/videos/{text_only}/watched", headers=auth)).status_code == 404


async def test_feeds_by_discipline_and_by_athlete(hub):
    """The hub feed filters by discipline; an athlete's profile slot loads only their
    posts; newest first."""
    anna = await athlete_row("anna", name="Anna Meyer", discipline="keirin", verified=True)
    ben = await athlete_row("ben", name="Ben Okafor", kind="esport", discipline="esport:rocket_league",
                            verified=True)
    for who, text in [("anna", "Keirin day one"), ("ben", "Scrims tonight"), ("anna", "Keirin day two")]:
        client = await hub.client(who)
        assert (await client.form_post("/hub/posts", {"body": text})).status_code == 303
    visitor = await hub.client()
    page = await visitor.get("/hub/feed")
    assert page.text.index("Keirin day two") < page.text.index("Scrims tonight") < page.text.index("Keirin day one")
    assert 'value="keirin"' in page.text and 'value="esport:rocket_league"' in page.text
    keirin = await visitor.get("/hub/feed?discipline=keirin")
    assert "Keirin day one" in keirin.text and "Scrims" not in keirin.text
    mine = await visitor.get(f"/hub/athletes/{ben['id']}/posts")
    assert "Scrims tonight" in mine.text and "Keirin" not in mine.text
    api = (await visitor.get(f"/api/v1/hub/posts?athlete={anna['id']}&limit=1")).json()
    assert api["total"] == 2 and [p["body"] for p in api["items"]] == ["Keirin day two"]
    from podium.social.routes.content import athlete_posts_slot

    [slot] = athlete_posts_slot("athlete.posts", {"athlete": {"id": anna["id"]}})
    assert f'hx-get="/hub/athletes/{anna["id"]}/posts"' in slot
    bad = await visitor.get("/api/v1/hub/posts?limit=1000")
    assert bad.status_code == 400 or bad.status_code == 422
    schema = (await visitor.get("/schema/openapi.json")).json()
    for path in ["/api/v1/hub/posts", "/api/v1/hub/posts/{post_id}", "/api/v1/hub/posts/{post_id}/like",
                 "/api/v1/hub/videos/{post_id}/watched", "/api/v1/hub/prizes"]:
        assert path in schema["paths"], path


async def test_an_uploaded_photo_is_stored_without_its_gps(hub):
    """A JPEG with GPS Exif, uploaded through the page, is stored with its pixels and its
    orientation, without the position, the camera or the comment."""
    from podium.tests.social.test_image_meta import JPEG, scan_data, with_gps
    from podium.social.image_meta import orientation_of

    await athlete_row("anna", name="Anna Meyer", verified=True)
    writer = await hub.client("anna")
    made = await writer.form_post("/hub/posts", {"body": "Track walk"},
                                  files={"media": ("walk.jpg", with_gps(JPEG, 6), "image/jpeg")})
    assert made.status_code == 303, made.text
    [name] = stored_files(hub.media)
    stored = next(p for p in hub.media.rglob("*") if p.is_file()).read_bytes()
    assert b"GPS" not in stored and b"Phone" not in stored and b"TRAILER" not in stored
    assert scan_data(stored) == scan_data(JPEG)
    assert orientation_of(stored[stored.index(b"Exif\x00\x00") + 6:]) == 6
    row = await MediaFile.select().first()
    assert row["size"] == len(stored) and row["content_type"] == "image/jpeg"
