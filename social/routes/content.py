"""Exclusive content: the hub feed (``/hub/feed``), an athlete's posts (the profile's
``athlete.posts`` slot), likes and the watched signal (htmx), posting (athletes and the
venue), the media route (``/hub/media/<random id>``: the viewer's access is checked on
every request) and the JSON API under ``/api/v1/hub/``.

Thin handlers over :mod:`podium.social.content`; locked posts leave as stubs without text
or media URL, in the pages and in the API alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from markupsafe import escape
from litestar import Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template

from podium.core.i18n import _
from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput, PodiumError
from podium.core.pages import render
from podium.core.settings import Settings, load_settings
from podium.core.venue.api import Id, Offset
from podium.social import content
from podium.social.storage import (
    CHUNK_BYTES,
    MediaStorage,
    check_media_id,
    describe_size,
    parse_range,
    storage_for,
)

SIGNED_IN = [requires_role()]
TAGS = ["fan hub"]
FEED_PAGE = 20
#: A multipart body may carry the file plus the form's few fields.
FORM_OVERHEAD = 64 * 1024
# The request body limit of the posting routes, read once when the routes load; the
# service stops the file itself at the setting, whatever the app was built with.
UPLOAD_BODY_LIMIT = load_settings().media_max_bytes + FORM_OVERHEAD

FeedLimit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size (1–100).")]
Discipline = Annotated[str | None, QueryParameter(max_length=60, description="Only posts by athletes of this discipline.")]
AthleteFilter = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1, description="Only this athlete's posts.")]


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _storage(request: Request[Any, Any, Any]) -> MediaStorage:
    return storage_for(_settings(request))


# -- schemas -------------------------------------------------------------------------------


class AthleteRefOut(msgspec.Struct):
    """The athlete who posted."""

    id: int
    name: str
    slug: str
    discipline: str
    verified: bool


class UnlockOut(msgspec.Struct):
    """One condition a locked post still needs: ``follow`` one of ``athletes``, or reach
    ``medal_rank`` (1 bronze, 2 silver, 3 gold); ``text`` says it in words."""

    kind: str
    text: str
    medal_rank: int = 0
    athletes: list[dict[str, Any]] = msgspec.field(default_factory=list)


class MediaOut(msgspec.Struct):
    """A post's image or video: fetch ``url`` with the same credentials (access is checked
    on every request)."""

    url: str
    kind: str
    content_type: str


class PostOut(msgspec.Struct):
    """A post. When ``locked``, ``body`` and ``media`` are null and ``unlock`` says what
    opens it. ``audience`` in words; ``followers_of`` and ``min_medal_rank`` as data."""

    id: int
    by_venue: bool
    author_name: str
    created_at: datetime
    audience: str
    followers_of: list[int]
    min_medal_rank: int
    locked: bool
    likes: int
    liked: bool
    unlock: list[UnlockOut]
    athlete: AthleteRefOut | None = None
    body: str | None = None
    media: MediaOut | None = None


class PostPage(msgspec.Struct):
    """One page of the feed, newest first."""

    items: list[PostOut]
    total: int
    limit: int
    offset: int


class LikeOut(msgspec.Struct):
    """A post's likes now, and whether the caller likes it."""

    post_id: int
    likes: int
    liked: bool


class WatchedOut(msgspec.Struct):
    """``recorded`` false: this fan's watch of this video was already recorded."""

    post_id: int
    recorded: bool


class TooLargeBody(msgspec.Struct):
    """413: the file (or the whole body) is over the size limit."""

    code: str
    detail: str
    max_bytes: int | None = None


@dataclass
class PostForm:
    """A new post (``multipart/form-data``). ``followers``: ``1`` for the posting athlete's
    followers; ``followers_of``: athlete ids, comma-separated (any one's followers may see
    it); ``min_medal_rank``: 0 any, 1 bronze, 2 silver, 3 gold; ``media``: one JPEG, PNG or
    WebP image or MP4 or WebM video. ``as_venue``: ``1`` to post in the venue's name
    (organisers and admins)."""

    body: str = ""
    followers: str = ""
    followers_of: str = ""
    min_medal_rank: str = "0"
    as_venue: str = ""
    media: UploadFile | None = None


def post_out(view: dict[str, Any]) -> PostOut:
    """A service post view as the API schema."""
    athlete = view["athlete"]
    return PostOut(
        id=view["id"], by_venue=view["by_venue"], author_name=view["author_name"],
        created_at=view["created_at"], audience=view["audience"],
        followers_of=list(view["followers_of"]), min_medal_rank=view["min_medal_rank"],
        locked=view["locked"], likes=view["likes"], liked=view["liked"],
        unlock=[UnlockOut(**u) for u in view["unlock"]],
        athlete=AthleteRefOut(id=athlete["id"], name=athlete["name"], slug=athlete["slug"],
                              discipline=athlete["discipline"], verified=athlete["verified"])
        if athlete else None,
        body=view["body"], media=MediaOut(**view["media"]) if view["media"] else None,
    )


# -- posting -------------------------------------------------------------------------------


async def _file_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


def _ids(text: str) -> list[int]:
    ids = []
    for part in (text or "").replace(" ", ",").split(","):
        if not part:
            continue
        try:
            ids.append(int(part))
        except ValueError as exc:
            raise InvalidInput(_("followers_of must list athlete ids"), field="followers_of") from exc
    return ids


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "on", "true", "yes"}


async def _create_from_form(request: Request[Any, Any, Any], form: Any) -> dict[str, Any]:
    """Create a post from a submitted form (the API's and the page's)."""
    media = form.get("media")
    upload = None
    if isinstance(media, UploadFile) and media.filename:
        upload = content.Upload(_file_chunks(media), media.content_type)
    try:
        medal = int(str(form.get("min_medal_rank") or "0").strip())
    except ValueError as exc:
        raise InvalidInput(_("min_medal_rank must be 0, 1, 2 or 3"), field="min_medal_rank") from exc
    settings = _settings(request)
    return await content.create_post(
        request.user, body=str(form.get("body") or ""), followers=_flag(form.get("followers")),
        followers_of=_ids(str(form.get("followers_of") or "")), min_medal_rank=medal,
        upload=upload, storage=storage_for(settings), max_bytes=settings.media_max_bytes,
        as_venue=_flag(form.get("as_venue")),
    )


@post("/api/v1/hub/posts", tags=TAGS, summary="Publish a post", guards=SIGNED_IN, status_code=201,
      request_max_body_size=UPLOAD_BODY_LIMIT,
      responses={413: ResponseSpec(data_container=TooLargeBody, generate_examples=False,
                                   description="The file is over PODIUM_MEDIA_MAX_BYTES.")})
async def api_create_post(
    request: Request[Any, Any, Any],
    data: Annotated[PostForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> PostOut:
    """Publish a post (verified athletes, organisers, admins), with an optional image or
    video. 403 for other users; 413 ``too_large`` over the size limit; 422 for an empty
    post, an unknown athlete or a file that is not an accepted image or video."""
    form = {"body": data.body, "followers": data.followers, "followers_of": data.followers_of,
            "min_medal_rank": data.min_medal_rank, "as_venue": data.as_venue, "media": data.media}
    return post_out(await _create_from_form(request, form))


@post("/hub/posts", include_in_schema=False, guards=SIGNED_IN, request_max_body_size=UPLOAD_BODY_LIMIT)
async def create_post_form(request: Request[Any, Any, Any]) -> Any:
    """The feed's composer: back to the feed, or the form again saying what is wrong."""
    form = await request.form()
    try:
        await _create_from_form(request, form)
    except PodiumError as exc:
        echo = {k: str(form.get(k) or "") for k in ("body", "followers", "followers_of", "min_medal_rank")}
        return await _feed_page(request, error=exc.detail, status=exc.status_code, form=echo)
    return Redirect("/hub/feed?posted=1", status_code=303)


@post("/hub/posts/{post_id:int}/remove", include_in_schema=False, guards=SIGNED_IN)
async def remove_post_form(request: Request[Any, Any, Any], post_id: Id) -> Redirect:
    """Take a post down (its author or an admin)."""
    await content.remove_post(post_id, request.user, _storage(request))
    return Redirect("/hub/feed?removed=1", status_code=303)


@delete("/api/v1/hub/posts/{post_id:int}", tags=TAGS, summary="Take a post down", guards=SIGNED_IN)
async def api_remove_post(request: Request[Any, Any, Any], post_id: Id) -> None:
    """Take a post down (its author or an admin); its file is deleted."""
    await content.remove_post(post_id, request.user, _storage(request))


# -- reading -------------------------------------------------------------------------------


@get("/api/v1/hub/posts", tags=TAGS, summary="The hub feed")
async def api_feed(request: Request[Any, Any, Any], athlete: AthleteFilter = None,
                   discipline: Discipline = None, limit: FeedLimit = FEED_PAGE,
                   offset: Offset = 0) -> PostPage:
    """Posts newest first, as the caller may see them (locked posts as stubs)."""
    async with reading():
        items, total = await content.feed(request.user, athlete_id=athlete,
                                          discipline=discipline or None, limit=limit, offset=offset)
    return PostPage(items=[post_out(p) for p in items], total=total, limit=limit, offset=offset)


@get("/api/v1/hub/posts/{post_id:int}", tags=TAGS, summary="A post")
async def api_post(request: Request[Any, Any, Any], post_id: Id) -> PostOut:
    """One post as the caller may see it (a stub when locked)."""
    async with reading():
        return post_out(await content.get_post(post_id, request.user))


async def _feed_page(request: Request[Any, Any, Any], *, discipline: str | None = None,
                     offset: int = 0, error: str = "", status: int = 200,
                     form: dict[str, str] | None = None) -> Template:
    user = request.user
    async with reading():
        items, total = await content.feed(user, discipline=discipline, limit=FEED_PAGE, offset=offset)
        known = await content.disciplines()
        poster = await content.athlete_of(user) if user else None
        may_post = poster is not None or (user is not None and user.has_role(*content.VENUE_ROLES))
    return render(request, "social/content/feed.html", {
        "posts": items, "total": total, "offset": offset, "page_size": FEED_PAGE,
        "discipline": discipline or "", "disciplines": known, "may_post": may_post,
        "poster": poster, "error": error, "form": form or {},
        "max_upload": describe_size(_settings(request).media_max_bytes),
        "more_url": _more_url("/hub/feed/posts", discipline=discipline, offset=offset + FEED_PAGE)
        if offset + FEED_PAGE < total else None,
    }, status_code=status)


def _more_url(base: str, *, discipline: str | None = None, athlete: int | None = None, offset: int) -> str:
    from urllib.parse import urlencode

    query: dict[str, Any] = {"offset": offset}
    if discipline:
        query["discipline"] = discipline
    if athlete:
        query["athlete"] = athlete
    return f"{base}?{urlencode(query)}"


@get("/hub/feed", include_in_schema=False)
async def feed_page(request: Request[Any, Any, Any], discipline: Discipline = None,
                    offset: Offset = 0) -> Template:
    """The hub feed: every athlete's and the venue's posts, newest first, by discipline."""
    return await _feed_page(request, discipline=discipline or None, offset=offset)


@get("/hub/feed/posts", include_in_schema=False)
async def feed_fragment(request: Request[Any, Any, Any], athlete: AthleteFilter = None,
                        discipline: Discipline = None, offset: Offset = 0) -> Template:
    """A page of post cards (htmx: the athlete profile's posts, "More posts")."""
    async with reading():
        items, total = await content.feed(request.user, athlete_id=athlete,
                                          discipline=discipline or None, limit=FEED_PAGE, offset=offset)
    more = (_more_url("/hub/feed/posts", discipline=discipline, athlete=athlete, offset=offset + FEED_PAGE)
            if offset + FEED_PAGE < total else None)
    return render(request, "social/content/post_list.html", {
        "posts": items, "more_url": more, "athlete_id": athlete}, partial=True)


@get("/hub/athletes/{athlete_id:int}/posts", include_in_schema=False)
async def athlete_posts(request: Request[Any, Any, Any], athlete_id: Id) -> Template:
    """An athlete's posts (the profile's ``athlete.posts`` slot)."""
    async with reading():
        items, total = await content.feed(request.user, athlete_id=athlete_id, limit=FEED_PAGE)
    more = (_more_url("/hub/feed/posts", athlete=athlete_id, offset=FEED_PAGE)
            if FEED_PAGE < total else None)
    return render(request, "social/content/athlete_posts.html", {
        "posts": items, "more_url": more, "athlete_id": athlete_id, "total": total}, partial=True)


# -- likes and watches -----------------------------------------------------------------------


async def _like_button(request: Request[Any, Any, Any], state: dict[str, Any]) -> Template:
    return render(request, "social/content/like_button.html", {
        "post": {"id": state["post_id"], "likes": state["likes"], "liked": state["liked"],
                 "locked": False}}, partial=True)


@post("/hub/posts/{post_id:int}/like", include_in_schema=False, guards=SIGNED_IN)
async def like_form(request: Request[Any, Any, Any], post_id: Id) -> Any:
    """The like button (htmx swaps the button and its count)."""
    state = await content.like(post_id, request.user)
    if request.headers.get("hx-request") != "true":
        return Redirect(f"/hub/feed#post-{post_id}", status_code=303)
    return await _like_button(request, state)


@post("/hub/posts/{post_id:int}/unlike", include_in_schema=False, guards=SIGNED_IN)
async def unlike_form(request: Request[Any, Any, Any], post_id: Id) -> Any:
    """The liked button: take the like back."""
    state = await content.unlike(post_id, request.user)
    if request.headers.get("hx-request") != "true":
        return Redirect(f"/hub/feed#post-{post_id}", status_code=303)
    return await _like_button(request, state)


@post("/api/v1/hub/posts/{post_id:int}/like", tags=TAGS, summary="Like a post", guards=SIGNED_IN,
      status_code=200)
async def api_like(request: Request[Any, Any, Any], post_id: Id) -> LikeOut:
    """Like a post (liking twice counts once). 403 ``locked`` for a post the caller may not
    see."""
    return LikeOut(**await content.like(post_id, request.user))


@delete("/api/v1/hub/posts/{post_id:int}/like", tags=TAGS, summary="Unlike a post",
        guards=SIGNED_IN, status_code=200)
async def api_unlike(request: Request[Any, Any, Any], post_id: Id) -> LikeOut:
    """Take a like back."""
    return LikeOut(**await content.unlike(post_id, request.user))


@post("/api/v1/hub/videos/{post_id:int}/watched", tags=TAGS, summary="A video was watched to the end",
      guards=SIGNED_IN, status_code=200)
async def api_watched(request: Request[Any, Any, Any], post_id: Id) -> WatchedOut:
    """The caller watched the video of post ``post_id`` to the end (recorded once per fan
    and video)."""
    return WatchedOut(**await content.watched(post_id, request.user))


@post("/hub/videos/{post_id:int}/watched", include_in_schema=False, guards=SIGNED_IN, status_code=204)
async def watched_signal(request: Request[Any, Any, Any], post_id: Id) -> None:
    """What the page's script sends when a video ends."""
    await content.watched(post_id, request.user)


# -- media ---------------------------------------------------------------------------------


@get("/hub/media/{token:str}", include_in_schema=False)
async def media_file(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """A post's image or video, for a viewer allowed to see the post (404 otherwise, as for
    a file that does not exist). One byte range (``Range: bytes=a-b``) answers 206, for
    video seeking; ``Cache-Control: private`` keeps shared caches out."""
    check_media_id(token)
    async with reading():
        media = await content.media_for(token, request.user)
    storage = _storage(request)
    size = await storage.size(token)
    wanted = parse_range(request.headers.get("range"), size)
    headers = {"Cache-Control": "private", "Accept-Ranges": "bytes", "Vary": "Cookie, Authorization"}
    if wanted is None:
        headers["Content-Length"] = str(size)
        return Stream(storage.open(token), media_type=media["content_type"], headers=headers)
    start, end = wanted
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return Stream(storage.open(token, start, end), media_type=media["content_type"],
                  headers=headers, status_code=206)


# -- the athlete profile's slot ----------------------------------------------------------------


def athlete_posts_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """``athlete.posts``: a placeholder htmx fills with the athlete's posts."""
    if slot != "athlete.posts":
        return []
    athlete = context.get("athlete")
    athlete_id = athlete.get("id") if isinstance(athlete, dict) else getattr(athlete, "id", None)
    if not isinstance(athlete_id, int) or isinstance(athlete_id, bool):
        return []
    # Translated outside the f-string: pybabel does not extract calls inside one.
    title, loading = escape(_("Posts")), escape(_("Loading posts…"))
    return [f'<section class="card athlete-posts" id="athlete-posts-{athlete_id}" '
            f'hx-get="/hub/athletes/{athlete_id}/posts" hx-trigger="load" hx-target="this" '
            f'hx-swap="innerHTML"><h2>{title}</h2><p class="muted">{loading}</p></section>']


CONTENT_ROUTES = [
    api_create_post, create_post_form, remove_post_form, api_remove_post, api_feed, api_post,
    feed_page, feed_fragment, athlete_posts, like_form, unlike_form, api_like, api_unlike,
    api_watched, watched_signal, media_file,
]
