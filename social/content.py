"""Exclusive content: posts (text, an optional image or video) by athletes and by the
venue, each with an audience (public, for followers, for a medal and up, or both), the
feeds, likes, the watched-to-the-end signal, and access to the media files.

Who may see what is the pure rule :func:`podium.social.audience.visible`; this module
gathers what it needs (the viewer's follows and, only when a post asks for a medal, their
medal rank) and never hands out a locked post's text or media: a locked post leaves here
as a stub saying what unlocks it. Media files live in a :class:`MediaStorage` under random
names and are served only after :func:`media_for` asked the rule again.
"""

from __future__ import annotations

import json

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.i18n import _
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic
from podium.core.errors import Forbidden, InvalidInput, NotFound
from podium.core.validation import check_page, clean_text, is_id, whole_number
from podium.social import actions
from podium.social.athletes import discipline_label
from podium.social.audience import (
    MAX_MEDAL_RANK,
    Access,
    AthleteRef,
    PostRules,
    Unlock,
    Viewer,
    audience_label,
    visible,
)
from podium.social.image_meta import strip_metadata
from podium.social.storage import SNIFF_BYTES, MediaStorage, check_type, limited, new_media_id
from podium.social.tables import Athlete, MediaFile, Post

__all__ = ["Access", "PostRules", "Upload", "Viewer", "create_post", "feed", "get_post", "like",
           "media_for", "remove_post", "unlike", "visible", "watched"]

BODY_MAX = 5000
#: The most athletes a venue post may name in its "for followers of" list.
MAX_AUDIENCE_ATHLETES = 20
#: The roles that post in the venue's name.
VENUE_ROLES = ("organiser", "admin")


def utc_now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(timezone.utc)


async def medal_rank_of(fan_id: int) -> int:
    """The fan's medal rank (0 none, 1 bronze, 2 silver, 3 gold) from the points ledger
    (:func:`podium.social.points.standing`). Asked only when a post needs a medal."""
    from podium.social.points import standing  # the points part of the hub: load late

    return int((await standing(fan_id)).medal_rank)


@dataclass(frozen=True)
class Upload:
    """A file a post carries, as it arrives: its bytes in pieces and the type the client
    declared (checked against the bytes, never trusted alone)."""

    chunks: AsyncIterable[bytes]
    declared_type: str | None = None


# -- who looks ---------------------------------------------------------------------------------


async def viewer_for(user: CurrentUser | None, *, need_medal: bool = True) -> Viewer:
    """The :class:`Viewer` for ``user`` (``None``: a visitor): the athletes they follow,
    and their medal rank when ``need_medal`` (reading points costs a query or two)."""
    if user is None:
        return Viewer()
    if user.is_admin:
        return Viewer(user_id=user.id, admin=True)
    targets = await actions.active_targets(user.id, actions.FOLLOW, "athlete:")
    follows = frozenset(int(t.split(":", 1)[1]) for t in targets)
    medal = await medal_rank_of(user.id) if need_medal else 0
    return Viewer(user_id=user.id, follows=follows, medal_rank=medal)


def audience_ids(value: Any) -> list[int]:
    """A post's ``followers_of`` column as a list of ids (PostgreSQL hands JSON back as
    text, SQLite as text or a list)."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value or "[]")
    return [int(i) for i in (value or [])]


def rules_of(row: Mapping[str, Any], names: Mapping[int, str]) -> PostRules:
    """A post row's audience as the rule reads it (``names``: athlete names by id)."""
    ids = audience_ids(row["followers_of"])
    return PostRules(
        author_id=row["author"],
        followers_of=tuple(AthleteRef(i, names.get(i, f"athlete {i}")) for i in ids),
        min_medal_rank=row["min_medal_rank"],
    )


# -- writing -------------------------------------------------------------------------------


async def athlete_of(user: CurrentUser) -> dict[str, Any] | None:
    """The verified athlete profile of ``user``, if they have one."""
    row: dict[str, Any] | None = await Athlete.select(
        Athlete.id, Athlete.name, Athlete.slug, Athlete.discipline,
    ).where((Athlete.user == user.id) & Athlete.verified_at.is_not_null()).first()
    return row


async def can_post(user: CurrentUser | None) -> bool:
    """Whether ``user`` may post: a verified athlete, an organiser or an admin."""
    if user is None:
        return False
    return user.has_role(*VENUE_ROLES) or await athlete_of(user) is not None


def _athlete_ids(value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(_("followers_of must be a list of athlete ids"), field="followers_of")
    ids: list[int] = []
    for item in value:
        if not is_id(item):
            raise InvalidInput(_("followers_of must be a list of athlete ids"), field="followers_of")
        if item not in ids:
            ids.append(item)
    if len(ids) > MAX_AUDIENCE_ATHLETES:
        raise InvalidInput(_("name at most %(most)s athletes",
                             most=MAX_AUDIENCE_ATHLETES), field="followers_of")
    return ids


async def _audience(user: CurrentUser, athlete: dict[str, Any] | None, *, followers: bool,
                    followers_of: Any, min_medal_rank: Any) -> tuple[list[int], int]:
    medal = whole_number(min_medal_rank, "min_medal_rank", 0, MAX_MEDAL_RANK)
    ids = _athlete_ids(followers_of)
    if followers and not ids:
        if athlete is None:
            raise InvalidInput(_("name the athletes whose followers may see it"), field="followers_of")
        ids = [athlete["id"]]
    if ids:
        found = {r["id"] for r in await Athlete.select(Athlete.id).where(Athlete.id.is_in(ids))}
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise InvalidInput(_("there is no athlete %(athlete_id)s",
                                 athlete_id=unknown[0]), field="followers_of")
    return ids, medal


async def _head_and_rest(chunks: AsyncIterable[bytes]) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first :data:`SNIFF_BYTES` of an upload, and an iterator of all of it again."""
    source = chunks.__aiter__()
    seen: list[bytes] = []
    size = 0
    while size < SNIFF_BYTES:
        try:
            chunk = await source.__anext__()
        except StopAsyncIteration:
            break
        seen.append(chunk)
        size += len(chunk)

    async def everything() -> AsyncIterator[bytes]:
        for chunk in seen:
            yield chunk
        async for chunk in source:
            yield chunk

    return b"".join(seen)[:SNIFF_BYTES], everything()


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def create_post(user: CurrentUser, *, body: Any = "", followers: bool = False,
                      followers_of: Any = None, min_medal_rank: Any = 0,
                      upload: Upload | None = None, storage: MediaStorage | None = None,
                      max_bytes: int = 0, as_venue: bool = False) -> dict[str, Any]:
    """Publish a post as ``user``: as their verified athlete profile, or (organisers and
    admins, or ``as_venue``) as the venue. ``followers``: for the athlete's own followers;
    ``followers_of``: athlete ids whose followers may see it (any one is enough);
    ``min_medal_rank``: 0..3. The file of ``upload`` is type-checked by its bytes and
    stored under a random name, at most ``max_bytes``.

    :raises Forbidden: ``user`` is neither a verified athlete nor an organiser or admin.
    :raises InvalidInput: empty post, bad audience, a file of another type.
    :raises TooLarge: the file is over ``max_bytes``.
    """
    athlete = None if as_venue else await athlete_of(user)
    if athlete is None and not user.has_role(*VENUE_ROLES):
        raise Forbidden(_("only verified athletes and the venue's organisers may post"))
    text = clean_text(body, "body", BODY_MAX, required=upload is None, multiline=True)
    ids, medal = await _audience(user, athlete, followers=followers, followers_of=followers_of,
                                 min_medal_rank=min_medal_rank)
    media: dict[str, Any] | None = None
    if upload is not None:
        if storage is None:
            raise InvalidInput(_("this server keeps no media"), field="media")
        head, everything = await _head_and_rest(upload.chunks)
        if not head:
            raise InvalidInput(_("the file is empty"), field="media")
        checked = check_type(head, upload.declared_type)
        token = new_media_id()
        stream = limited(everything, max_bytes)
        if checked.kind == "image":
            # Photos lose their metadata (GPS position...) before they are kept; an image
            # is at most max_bytes, so it is read whole.
            whole = b"".join([chunk async for chunk in stream])
            stream = _one_chunk(strip_metadata(whole, checked.content_type))
        size = await storage.put(token, stream)
        media = {"token": token, "content_type": checked.content_type, "kind": checked.kind,
                 "size": size}
    try:
        async with atomic():
            stamp = utc_now()
            media_id = None
            if media is not None:
                row = MediaFile(token=media["token"], content_type=media["content_type"],
                                kind=media["kind"], size=media["size"], uploaded_by=user.id,
                                created_at=stamp)
                await row.save()
                media_id = row.id
            post = Post(author=user.id, athlete=athlete["id"] if athlete else None, body=text,
                        media=media_id, followers_of=ids, min_medal_rank=medal, created_at=stamp)
            await post.save()
    except BaseException:
        if media is not None and storage is not None:
            await storage.delete(media["token"])
        raise
    return await get_post(int(post.id), user)


async def remove_post(post_id: int, user: CurrentUser, storage: MediaStorage | None = None) -> None:
    """Take a post down (its author or an admin): shown to nobody after, its file deleted.

    :raises NotFound: no such post (or not the caller's to remove).
    """
    row = await Post.select(Post.id, Post.author, Post.removed_at, Post.media.token.as_alias("token")
                            ).where(Post.id == post_id).first() if is_id(post_id) else None
    if row is None or row["removed_at"] is not None or (row["author"] != user.id and not user.is_admin):
        raise NotFound(_("there is no post %(post_id)s", post_id=post_id))
    await Post.update({Post.removed_at: utc_now(), Post.removed_by: user.id}).where(Post.id == post_id)
    if row["token"] and storage is not None:
        await storage.delete(row["token"])


# -- reading -------------------------------------------------------------------------------

POST_COLUMNS = (
    Post.id, Post.author, Post.athlete, Post.body, Post.followers_of, Post.min_medal_rank,
    Post.created_at, Post.removed_at,
    Post.athlete.name.as_alias("athlete_name"), Post.athlete.slug.as_alias("athlete_slug"),
    Post.athlete.discipline.as_alias("athlete_discipline"),
    Post.athlete.kind.as_alias("athlete_kind"),
    Post.athlete.verified_at.as_alias("athlete_verified_at"),
    Post.author.display_name.as_alias("author_name"),
    Post.media.token.as_alias("media_token"), Post.media.kind.as_alias("media_kind"),
    Post.media.content_type.as_alias("media_type"),
)


async def _audience_athletes(rows: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """The athletes the posts' audiences name: ``{id: {"name", "slug"}}``."""
    ids = sorted({i for r in rows for i in audience_ids(r["followers_of"])})
    if not ids:
        return {}
    found = await Athlete.select(Athlete.id, Athlete.name, Athlete.slug).where(Athlete.id.is_in(ids))
    return {r["id"]: {"name": r["name"], "slug": r["slug"]} for r in found}


def media_url(token: str) -> str:
    """Where a media file is served (after an access check on every request)."""
    return f"/hub/media/{token}"


def _unlock_dict(unlock: Unlock, slugs: Mapping[int, str]) -> dict[str, Any]:
    return {"kind": unlock.kind, "text": unlock.text, "medal_rank": unlock.medal_rank,
            "athletes": [{"id": a.id, "name": a.name, "slug": slugs.get(a.id, "")}
                         for a in unlock.athletes]}


def _post_view(row: Mapping[str, Any], rules: PostRules, access: Access,
               likes: int, liked: bool, slugs: Mapping[int, str]) -> dict[str, Any]:
    """A post as the viewer may see it: a locked one carries no text and no media."""
    athlete = None
    if row["athlete"] is not None:
        athlete = {"id": row["athlete"], "name": row["athlete_name"], "slug": row["athlete_slug"],
                   "discipline": row["athlete_discipline"], "kind": row["athlete_kind"],
                   "discipline_label": discipline_label(row["athlete_discipline"] or ""),
                   "verified": row["athlete_verified_at"] is not None}
    view: dict[str, Any] = {
        "id": row["id"], "athlete": athlete, "by_venue": athlete is None,
        "author_name": athlete["name"] if athlete else row["author_name"],
        "created_at": row["created_at"], "audience": audience_label(rules),
        "followers_of": [a.id for a in rules.followers_of], "min_medal_rank": rules.min_medal_rank,
        "locked": not access.allowed, "unlock": [_unlock_dict(u, slugs) for u in access.missing],
        "likes": likes, "liked": liked, "body": None, "media": None,
    }
    if access.allowed:
        view["body"] = row["body"]
        if row["media_token"]:
            view["media"] = {"url": media_url(row["media_token"]), "kind": row["media_kind"],
                             "content_type": row["media_type"]}
    return view


async def _views(rows: Sequence[Mapping[str, Any]], user: CurrentUser | None) -> list[dict[str, Any]]:
    if not rows:
        return []
    named = await _audience_athletes(rows)
    names = {i: a["name"] for i, a in named.items()}
    slugs = {i: a["slug"] for i, a in named.items()}
    rules = [rules_of(r, names) for r in rows]
    # Points are read only when a post asks for a medal and the viewer did not write it.
    need_medal = user is not None and any(r.min_medal_rank > 0 and r.author_id != user.id for r in rules)
    viewer = await viewer_for(user, need_medal=need_medal)
    targets = [f"post:{r['id']}" for r in rows]
    counted = await actions.counts(targets)
    liked = (await actions.active_targets(user.id, actions.LIKE, "post:")) if user else set()
    views = [_post_view(row, rule, visible(rule, viewer), counted[t][actions.LIKE], t in liked, slugs)
             for row, rule, t in zip(rows, rules, targets)]
    for view, row in zip(views, rows):
        view["mine"] = user is not None and row["author"] == user.id
    return views


async def feed(user: CurrentUser | None, *, athlete_id: int | None = None,
               discipline: str | None = None, limit: int = 20, offset: int = 0
               ) -> tuple[list[dict[str, Any]], int]:
    """Posts newest first (of one athlete, or of athletes of one discipline), as ``user``
    may see them, and how many there are. Locked posts are in the list as stubs."""
    check_page(limit, offset, 100)
    if discipline is not None:
        discipline = clean_text(discipline, "discipline", 60, required=False)
    where: Combinable = Post.removed_at.is_null()
    if athlete_id is not None:
        where &= Post.athlete == athlete_id
    if discipline:
        where &= Post.athlete.discipline == discipline
    rows = await Post.select(*POST_COLUMNS).where(where).order_by(
        Post.created_at, ascending=False).order_by(Post.id, ascending=False).limit(limit).offset(offset)
    total = await Post.count().where(where)
    return await _views(rows, user), total


async def get_post(post_id: int, user: CurrentUser | None) -> dict[str, Any]:
    """One post as ``user`` may see it (a stub when locked).

    :raises NotFound: no such post, or it was taken down.
    """
    row = await Post.select(*POST_COLUMNS).where(
        (Post.id == post_id) & Post.removed_at.is_null()).first() if is_id(post_id) else None
    if row is None:
        raise NotFound(_("there is no post %(post_id)s", post_id=post_id))
    return (await _views([row], user))[0]


async def disciplines() -> list[str]:
    """The disciplines of athletes who have posted (for the feed's filter)."""
    rows = await Post.select(Post.athlete.discipline.as_alias("discipline")).where(
        Post.removed_at.is_null() & Post.athlete.is_not_null()).distinct()
    return sorted({r["discipline"] for r in rows if r["discipline"]})


async def _visible_post(post_id: int, user: CurrentUser) -> dict[str, Any]:
    post = await get_post(post_id, user)
    if post["locked"]:
        raise Forbidden(post["unlock"][0]["text"] if post["unlock"] else "this post is locked",
                        code="locked")
    return post


async def like(post_id: int, user: CurrentUser) -> dict[str, Any]:
    """Like a post the fan may see (once: liking again changes nothing); returns
    ``{"post_id", "likes", "liked"}``. :raises Forbidden: ``locked``."""
    await _visible_post(post_id, user)
    await actions.record(user.id, actions.LIKE, f"post:{post_id}")
    return await like_state(post_id, user)


async def unlike(post_id: int, user: CurrentUser) -> dict[str, Any]:
    """Take a like back (nothing happens if there was none)."""
    await get_post(post_id, user)
    await actions.record(user.id, actions.UNLIKE, f"post:{post_id}")
    return await like_state(post_id, user)


async def like_state(post_id: int, user: CurrentUser | None) -> dict[str, Any]:
    """A post's like count and whether ``user`` likes it."""
    target = f"post:{post_id}"
    count = (await actions.counts([target]))[target][actions.LIKE]
    liked = user is not None and await actions.is_active(user.id, actions.LIKE, target)
    return {"post_id": post_id, "likes": count, "liked": liked}


async def watched(post_id: int, user: CurrentUser) -> dict[str, Any]:
    """The fan watched a post's video to the end: recorded once per fan and video
    (``watch`` of ``video:<post id>``); returns ``{"post_id", "recorded"}`` (``recorded``
    false for a repeat).

    :raises NotFound: no such post, or it has no video. :raises Forbidden: ``locked``.
    """
    post = await _visible_post(post_id, user)
    if not post["media"] or post["media"]["kind"] != "video":
        raise NotFound(_("post %(post_id)s has no video", post_id=post_id))
    done = await actions.record(user.id, actions.WATCH, f"video:{post_id}",
                                key=f"watch:{user.id}:video:{post_id}")
    return {"post_id": post_id, "recorded": done.changed and not done.replay}


async def media_for(token: str, user: CurrentUser | None) -> dict[str, Any]:
    """The media file ``token`` if ``user`` may see the post that carries it:
    ``{"token", "content_type", "kind", "size"}``.

    :raises NotFound: no such file, its post was taken down, or the viewer may not see it
        (the same answer, so a locked file's existence is not revealed).
    """
    row = await Post.select(
        Post.author, Post.followers_of, Post.min_medal_rank, Post.removed_at,
        Post.media.token.as_alias("token"), Post.media.content_type.as_alias("content_type"),
        Post.media.kind.as_alias("kind"), Post.media.size.as_alias("size"),
    ).where(Post.media.token == token).first()
    if row is None or row["removed_at"] is not None:
        raise NotFound(_("there is no such file"))
    rules = rules_of(row, {})
    viewer = await viewer_for(user, need_medal=rules.min_medal_rank > 0
                              and (user is None or user.id != rules.author_id))
    if not visible(rules, viewer).allowed:
        raise NotFound(_("there is no such file"))
    return {"token": row["token"], "content_type": row["content_type"], "kind": row["kind"],
            "size": row["size"]}
