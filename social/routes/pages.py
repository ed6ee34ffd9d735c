"""The fan hub's athlete pages: the directory (htmx-filtered), a profile with its follow
button, one's own profile form with the ``rel="me"`` check, and the admins' verification
queue. Forms work without JavaScript (POST, then a redirect); with htmx the follow box and
the directory's results are swapped in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Redirect, Template

from podium.core.i18n import _
from podium.core.accounts.auth import requires_role
from podium.core.accounts.tables import User
from podium.core.database import reading
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.pages import is_partial_request, render
from podium.social import actions, athletes, verification
from podium.social.routes.api import Slug, profile_url

SIGNED_IN = [requires_role()]
ADMIN = [requires_role("admin")]
PROFILE_FIELDS = ("name", "kind", "discipline", "country", "club", "bio", "photo_url", "links")


def _page_number(raw: Any) -> int:
    try:
        page = int(str(raw or "1"))
    except ValueError:
        return 1
    return min(max(page, 1), 10_000)


@get("/athletes", include_in_schema=False)
async def directory(request: Request[Any, Any, Any]) -> Template:
    """The athletes: search by name or club, filter by country, discipline and kind;
    verified first. An htmx request gets the results only."""
    params = request.query_params
    filters = {k: str(params.get(k, "") or "")[:80] for k in ("q", "country", "discipline", "kind")}
    page = _page_number(params.get("page"))
    error = ""
    try:
        async with reading():
            items, total = await athletes.search(
                q=filters["q"], country=filters["country"], discipline=filters["discipline"],
                kind=filters["kind"], limit=athletes.PAGE_SIZE,
                offset=(page - 1) * athletes.PAGE_SIZE)
            countries, disciplines = await athletes.countries_and_disciplines()
    except InvalidInput as exc:
        items, total, countries, disciplines, error = [], 0, [], [], exc.detail
    pages = max(1, -(-total // athletes.PAGE_SIZE))
    query = {k: v for k, v in filters.items() if v}
    ctx = {
        "items": items, "total": total, "page": page, "pages": pages, "filters": filters,
        "countries": countries, "disciplines": disciplines, "error": error,
        "label": athletes.discipline_label, "kinds": athletes.KINDS,
        "prev_url": "/athletes?" + urlencode({**query, "page": page - 1}) if page > 1 else "",
        "next_url": "/athletes?" + urlencode({**query, "page": page + 1}) if page < pages else "",
    }
    if is_partial_request(request) and request.headers.get("hx-target") == "athlete-results":
        return render(request, "social/partials/directory_results.html", ctx, partial=True)
    return render(request, "social/directory.html", ctx, partial=False)


async def _follow_context(request: Request[Any, Any, Any], athlete: dict[str, Any]) -> dict[str, Any]:
    user = request.scope.get("user")
    counted = await actions.counts([athlete["target"]])
    return {
        "athlete": athlete, "followers": counted[athlete["target"]][actions.FOLLOW],
        "following": (await actions.is_active(user.id, actions.FOLLOW, athlete["target"])
                      if user is not None else False),
        "own": user is not None and user.id == athlete["user"],
    }


@get("/athletes/{slug:str}", include_in_schema=False)
async def athlete_page(request: Request[Any, Any, Any], slug: Slug) -> Template:
    """An athlete's profile: photo, bio, country, club, links, verified badge, followers
    and the follow button; the slots ``athlete.record`` (e-sport) and ``athlete.results``
    (cycling) for the plugins that know them."""
    async with reading():
        athlete = await athletes.get_by_slug(slug)
        ctx = await _follow_context(request, athlete)
    ctx["label"] = athletes.discipline_label
    return render(request, "social/athlete.html", ctx, partial=False)


async def _follow_form(request: Request[Any, Any, Any], slug: str, kind: str) -> Any:
    athlete = await athletes.get_by_slug(slug)
    error = ""
    try:
        await actions.record(request.user.id, kind, athlete["target"])
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        error = exc.detail
    if not is_partial_request(request):
        return Redirect(f"/athletes/{slug}", status_code=303)
    async with reading():
        ctx = await _follow_context(request, athlete)
    ctx["error"] = error
    return render(request, "social/partials/follow.html", ctx, partial=True,
                  status_code=422 if error else 200)


@post("/athletes/{slug:str}/follow", include_in_schema=False, guards=SIGNED_IN)
async def follow_form(request: Request[Any, Any, Any], slug: Slug) -> Any:
    """The follow button: htmx swaps the box (button and count); without it, back to the
    profile."""
    return await _follow_form(request, slug, actions.FOLLOW)


@post("/athletes/{slug:str}/unfollow", include_in_schema=False, guards=SIGNED_IN)
async def unfollow_form(request: Request[Any, Any, Any], slug: Slug) -> Any:
    """The unfollow button."""
    return await _follow_form(request, slug, actions.UNFOLLOW)


# -- my athlete profile ------------------------------------------------------------------------


async def _my_page(request: Request[Any, Any, Any], *, values: dict[str, Any] | None = None,
                   error: str = "", field: str = "", message: str = "", status: int = 200) -> Template:
    async with reading():
        mine = await athletes.profile_of(request.user.id)
    shown = dict(mine or {})
    if values is not None:
        shown.update(values)
    if isinstance(shown.get("links"), list):
        shown["links"] = "\n".join(shown["links"])
    return render(request, "social/my_profile.html", {
        "mine": mine, "values": shown, "error": error, "field": field, "message": message,
        "disciplines": athletes.CYCLING_DISCIPLINES, "max_links": athletes.MAX_LINKS,
        "profile_url": profile_url(request, mine["slug"]) if mine else "",
    }, status_code=status, partial=False)


@get("/me/athlete", include_in_schema=False, guards=SIGNED_IN)
async def my_profile(request: Request[Any, Any, Any]) -> Template:
    """Create or edit my athlete profile; ask for verification through a link."""
    done = {"created": _("Profile created. An admin will verify it, or verify it yourself "
                         "with a link below."),
            "saved": _("Profile saved."), "verified": _("Verified: your profile now carries the badge.")}
    return await _my_page(request, message=done.get(str(request.query_params.get("done", "")), ""))


def _form_profile(form: Any) -> dict[str, Any]:
    data = {k: str(form.get(k, "") or "") for k in PROFILE_FIELDS}
    if data["kind"] == "esport" and data["discipline"] and not data["discipline"].startswith("esport:"):
        data["discipline"] = "esport:" + data["discipline"].strip().lower()
    return data


@post("/me/athlete", include_in_schema=False, guards=SIGNED_IN)
async def my_profile_submit(request: Request[Any, Any, Any]) -> Any:
    """Save my athlete profile (created on first save)."""
    form = await request.form()
    data = _form_profile(form)
    try:
        mine = await athletes.profile_of(request.user.id)
        if mine is None:
            await athletes.create_profile(request.user, data)
            done = "created"
        else:
            await athletes.update_profile(request.user, mine["slug"], data)
            done = "saved"
    except PodiumError as exc:
        return await _my_page(request, values=data, error=exc.detail,
                              field=str(exc.extra.get("field", "")), status=exc.status_code)
    return Redirect(f"/me/athlete?done={done}", status_code=303)


@post("/me/athlete/verify-rel-me", include_in_schema=False, guards=SIGNED_IN)
async def my_rel_me(request: Request[Any, Any, Any]) -> Any:
    """Check one of my links for a ``rel="me"`` link back to my profile."""
    form = await request.form()
    mine = await athletes.profile_of(request.user.id)
    if mine is None:
        raise NotFound(_("you have no athlete profile yet"))
    try:
        await verification.verify_by_rel_me(request.user, mine["slug"], str(form.get("url", "")),
                                            profile_url(request, mine["slug"]))
    except PodiumError as exc:
        return await _my_page(request, error=exc.detail, status=exc.status_code)
    return Redirect("/me/athlete?done=verified", status_code=303)


# -- admins: the verification queue -----------------------------------------------------------


async def _queue_page(request: Request[Any, Any, Any], *, message: str = "", error: str = "",
                      status: int = 200, values: dict[str, Any] | None = None) -> Template:
    async with reading():
        waiting = await verification.queue()
        verified, _total = await athletes.search(verified_only=True, limit=100)
    return render(request, "social/queue.html", {
        "waiting": waiting, "verified": verified, "message": message, "error": error,
        "values": values or {}, "label": athletes.discipline_label,
        "disciplines": athletes.CYCLING_DISCIPLINES,
    }, status_code=status, partial=False)


@get("/admin/athletes", include_in_schema=False, guards=ADMIN)
async def queue_page(request: Request[Any, Any, Any]) -> Template:
    """Profiles waiting for verification (newest first), with verify and refuse; the
    verified athletes, with revoke; creating a profile for a user."""
    done = {"verified": _("Athlete verified."), "refused": _("Verification refused."),
            "revoked": _("Verification revoked."), "created": _("Profile created.")}
    return await _queue_page(request, message=done.get(str(request.query_params.get("done", "")), ""))


async def _admin_step(request: Request[Any, Any, Any], slug: str, step: Any, done: str) -> Any:
    form = await request.form()
    try:
        await step(request.user, slug, str(form.get("note", "") or ""))
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        return await _queue_page(request, error=exc.detail, status=exc.status_code)
    return Redirect(f"/admin/athletes?done={done}", status_code=303)


@post("/admin/athletes/{slug:str}/verify", include_in_schema=False, guards=ADMIN)
async def verify_form(request: Request[Any, Any, Any], slug: Slug) -> Any:
    """Verify a profile by hand (with a note)."""
    return await _admin_step(request, slug, verification.verify, "verified")


@post("/admin/athletes/{slug:str}/refuse", include_in_schema=False, guards=ADMIN)
async def refuse_form(request: Request[Any, Any, Any], slug: Slug) -> Any:
    """Refuse to verify a profile (with the reason its owner reads)."""
    return await _admin_step(request, slug, verification.refuse, "refused")


@post("/admin/athletes/{slug:str}/revoke", include_in_schema=False, guards=ADMIN)
async def revoke_form(request: Request[Any, Any, Any], slug: Slug) -> Any:
    """Revoke a verification."""
    return await _admin_step(request, slug, verification.revoke, "revoked")


@post("/admin/athletes", include_in_schema=False, guards=ADMIN)
async def admin_create_form(request: Request[Any, Any, Any]) -> Any:
    """Create an athlete profile for an existing user, by username."""
    form = await request.form()
    data = _form_profile(form)
    username = str(form.get("username", "") or "").strip()
    try:
        row = await User.select(User.id).where(User.username == username[:40]).first()
        if row is None:
            raise InvalidInput(_("no user is called %(username)r",
                                 username=username), field="username")
        await athletes.create_profile(request.user, data, for_user_id=row["id"])
    except PodiumError as exc:
        return await _queue_page(request, error=exc.detail, status=exc.status_code,
                                 values={**data, "username": username})
    return Redirect("/admin/athletes?done=created", status_code=303)


PAGE_ROUTES: list[Any] = [
    directory, athlete_page, follow_form, unfollow_form, my_profile, my_profile_submit,
    my_rel_me, queue_page, verify_form, refuse_form, revoke_form, admin_create_form,
]
