"""The fan hub's JSON API for athletes: the directory, a profile, one's own profile,
following, and verification (``/api/v1/athletes...``).

Thin handlers over :mod:`podium.social.athletes`, :mod:`podium.social.verification` and
:mod:`podium.social.actions`; errors are their :mod:`podium.core.errors`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from podium.core.i18n import _
from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.social import actions, athletes, verification

SIGNED_IN = [requires_role()]
ADMIN = [requires_role("admin")]
Slug = Annotated[str, PathParameter(min_length=1, max_length=60, description="The athlete's URL name.")]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size (1–100).")]
Offset = Annotated[int, QueryParameter(ge=0, le=10**9, description="Items to skip.")]
Text80 = Annotated[str, QueryParameter(max_length=80)]
#: Header a client may send so a retried follow counts once.
IDEMPOTENCY_HEADER = "idempotency-key"


class AthleteOut(msgspec.Struct):
    """An athlete's public profile.

    :param discipline: machine name (``keirin``, ``esport:rocket-league``).
    :param verified: verified by an admin or a ``rel="me"`` link (``verified_via``).
    :param followers: fans following now.
    :param following: whether the caller follows (``None`` when anonymous).
    """

    id: int
    slug: str
    name: str
    kind: str
    discipline: str
    discipline_label: str
    country: str
    club: str
    bio: str
    photo_url: str
    links: list[str]
    verified: bool
    verified_at: datetime | None
    verified_via: str
    followers: int
    url: str
    following: bool | None = None


class AthletePage(msgspec.Struct):
    """A page of the directory: verified first, then by name."""

    items: list[AthleteOut]
    total: int
    limit: int
    offset: int


class AthleteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new athlete profile. ``discipline``: a track discipline (``track_sprint``,
    ``keirin``, ``endurance``, ``team_pursuit``, ``omnium``...) or ``esport:<game>``;
    ``country``: IOC three-letter code; ``photo_url`` and ``links`` (at most 5): https
    only. ``user_id``: admins only, to create a profile for someone else."""

    name: str
    discipline: str
    country: str
    kind: str = "cycling"
    club: str = ""
    bio: str = ""
    photo_url: str = ""
    links: list[str] = []
    slug: str | None = None
    user_id: int | None = None


class AthletePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent fields keep their value."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    kind: str | msgspec.UnsetType = msgspec.UNSET
    discipline: str | msgspec.UnsetType = msgspec.UNSET
    country: str | msgspec.UnsetType = msgspec.UNSET
    club: str | msgspec.UnsetType = msgspec.UNSET
    bio: str | msgspec.UnsetType = msgspec.UNSET
    photo_url: str | msgspec.UnsetType = msgspec.UNSET
    links: list[str] | msgspec.UnsetType = msgspec.UNSET
    slug: str | msgspec.UnsetType = msgspec.UNSET


class FollowOut(msgspec.Struct):
    """The caller's follow after the call: ``changed`` is false when nothing was new
    (already following, or a replayed ``Idempotency-Key``)."""

    following: bool
    followers: int
    changed: bool


class VerificationIn(msgspec.Struct, forbid_unknown_fields=True):
    """``verify`` (by hand), ``refuse`` (stays unverified, leaves the queue) or ``revoke``;
    ``note``: how it was checked, or the reason."""

    action: str = "verify"
    note: str = ""


class RelMeIn(msgspec.Struct, forbid_unknown_fields=True):
    """One of the profile's links, whose page links back to the profile with
    ``rel="me"``."""

    url: str


def profile_url(request: Request[Any, Any, Any], slug: str) -> str:
    """The absolute address of a profile, as a page must link back to it."""
    return str(request.base_url).rstrip("/") + f"/athletes/{slug}"


def athlete_out(request: Request[Any, Any, Any], athlete: dict[str, Any],
                following: bool | None = None) -> AthleteOut:
    """A service's profile as the API schema."""
    return AthleteOut(
        id=athlete["id"], slug=athlete["slug"], name=athlete["name"], kind=athlete["kind"],
        discipline=athlete["discipline"], discipline_label=athlete["discipline_label"],
        country=athlete["country"], club=athlete["club"], bio=athlete["bio"],
        photo_url=athlete["photo_url"], links=list(athlete["links"]),
        verified=athlete["verified"], verified_at=athlete["verified_at"],
        verified_via=athlete["verified_via"], followers=int(athlete.get("followers", 0)),
        url=profile_url(request, athlete["slug"]), following=following,
    )


async def _one(request: Request[Any, Any, Any], athlete: dict[str, Any]) -> AthleteOut:
    user = request.scope.get("user")
    await athletes.with_followers([athlete])
    following = (await actions.is_active(user.id, actions.FOLLOW, athlete["target"])
                 if user is not None else None)
    return athlete_out(request, athlete, following)


@get("/api/v1/athletes", tags=["athletes"], summary="Find athletes")
async def api_athletes(request: Request[Any, Any, Any], q: Text80 = "", country: Text80 = "",
                       discipline: Text80 = "", kind: Text80 = "",
                       verified: FromQuery[bool] = False, limit: Limit = athletes.PAGE_SIZE,
                       offset: Offset = 0) -> AthletePage:
    """The directory: ``q`` searches names and clubs; ``country`` (FRA), ``discipline``
    (keirin, esport:rocket-league), ``kind`` (cycling, esport) and ``verified`` filter.
    Verified athletes first, then by name."""
    async with reading():
        items, total = await athletes.search(q=q, country=country, discipline=discipline,
                                             kind=kind, verified_only=verified, limit=limit,
                                             offset=offset)
    return AthletePage(items=[athlete_out(request, a) for a in items], total=total,
                       limit=limit, offset=offset)


@get("/api/v1/athletes/{slug:str}", tags=["athletes"], summary="An athlete")
async def api_athlete(request: Request[Any, Any, Any], slug: Slug) -> AthleteOut:
    """One athlete's profile, with the follower count (and ``following`` for the caller)."""
    async with reading():
        return await _one(request, await athletes.get_by_slug(slug))


@post("/api/v1/athletes", tags=["athletes"], summary="Create an athlete profile",
      guards=SIGNED_IN, status_code=201)
async def api_create_athlete(request: Request[Any, Any, Any], data: JSONBody[AthleteIn]) -> AthleteOut:
    """Create the caller's athlete profile (an admin may pass ``user_id`` to create one
    for someone else). It starts unverified, in the admins' queue. 409 ``has_profile``,
    ``slug_taken``; 422 with the field at fault."""
    fields = msgspec.structs.asdict(data)
    for_user = fields.pop("user_id")
    if fields["slug"] is None:
        fields.pop("slug")
    created = await athletes.create_profile(request.user, fields, for_user_id=for_user)
    return await _one(request, created)


@patch("/api/v1/athletes/{slug:str}", tags=["athletes"], summary="Edit an athlete profile",
       guards=SIGNED_IN)
async def api_update_athlete(request: Request[Any, Any, Any], slug: Slug,
                             data: JSONBody[AthletePatch]) -> AthleteOut:
    """Edit a profile: its owner, or an admin (403 otherwise)."""
    fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    return await _one(request, await athletes.update_profile(request.user, slug, fields))


async def _follow(request: Request[Any, Any, Any], slug: str, kind: str) -> FollowOut:
    athlete = await athletes.get_by_slug(slug)
    key = request.headers.get(IDEMPOTENCY_HEADER) or None
    if key is not None:
        key = f"api:{request.user.id}:{key[:150]}"
    done = await actions.record(request.user.id, kind, athlete["target"], key=key)
    counted = await actions.counts([athlete["target"]])
    return FollowOut(following=bool(done.active), followers=counted[athlete["target"]][actions.FOLLOW],
                     changed=done.changed)


@post("/api/v1/athletes/{slug:str}/follow", tags=["athletes"], summary="Follow an athlete",
      guards=SIGNED_IN, status_code=200)
async def api_follow(request: Request[Any, Any, Any], slug: Slug) -> FollowOut:
    """Follow an athlete (already following: nothing changes). Send ``Idempotency-Key``
    so a retried request counts once. 422 when it is your own profile."""
    return await _follow(request, slug, actions.FOLLOW)


@delete("/api/v1/athletes/{slug:str}/follow", tags=["athletes"], summary="Unfollow an athlete",
        guards=SIGNED_IN, status_code=200)
async def api_unfollow(request: Request[Any, Any, Any], slug: Slug) -> FollowOut:
    """Stop following an athlete (not following: nothing changes)."""
    return await _follow(request, slug, actions.UNFOLLOW)


@post("/api/v1/athletes/{slug:str}/verification", tags=["athletes"],
      summary="Verify, refuse or revoke an athlete", guards=ADMIN, status_code=200)
async def api_verification(request: Request[Any, Any, Any], slug: Slug,
                           data: JSONBody[VerificationIn]) -> AthleteOut:
    """Admins: ``verify`` by hand (the owner gets the ``athlete`` role), ``refuse`` (out
    of the queue until the owner edits the profile) or ``revoke`` (badge and role go).
    409 ``already_verified``, ``not_verified``."""
    steps = {"verify": verification.verify, "refuse": verification.refuse,
             "revoke": verification.revoke}
    step = steps.get(data.action)
    if step is None:
        from podium.core.errors import InvalidInput

        raise InvalidInput(_("action must be verify, refuse or revoke"), field="action")
    return await _one(request, await step(request.user, slug, data.note))


@post("/api/v1/athletes/{slug:str}/verify-rel-me", tags=["athletes"],
      summary="Verify through a rel=me link", guards=SIGNED_IN, status_code=200)
async def api_verify_rel_me(request: Request[Any, Any, Any], slug: Slug, data: JSONBody[RelMeIn]) -> AthleteOut:
    """The athlete asks Podium to fetch one of their links: the profile is verified when
    that page has ``<a rel="me" href="…">`` (or ``<link rel="me">``) pointing to the
    profile's address (``url`` in the answer). 422 ``not_a_link``, ``private_address``,
    ``fetch_failed``, ``not_html``, ``too_many_redirects``, ``no_link_back``."""
    done = await verification.verify_by_rel_me(request.user, slug, data.url,
                                               profile_url(request, slug))
    return await _one(request, done)


API_ROUTES: list[Any] = [
    api_athletes, api_athlete, api_create_athlete, api_update_athlete, api_follow,
    api_unfollow, api_verification, api_verify_rel_me,
]
