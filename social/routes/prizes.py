"""Prizes: the JSON API (``/api/v1/hub/prizes``...) and the pages (fans claim on
``/hub/prizes``, admins manage stock and hand-overs on ``/hub/admin/prizes``, a fan's
claims fill the fan page's ``fan.prizes`` slot).

Thin handlers over :mod:`podium.social.prizes`; errors are its :mod:`podium.core.errors`,
and a page form shows the refusal in the page with the same status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from markupsafe import escape
from litestar import Request, get, post
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.i18n import _
from podium.core.pages import render
from podium.core.venue.api import Id
from podium.core.venue.context import current_venue_id
from podium.core.venue.routes import Clock, parse_local
from podium.core.venue.tables import Venue
from podium.social import prizes

SIGNED_IN = [requires_role()]
ADMIN = [requires_role("admin")]
TAGS = ["fan hub"]

# -- schemas -------------------------------------------------------------------------------

PrizeName = Annotated[str, msgspec.Meta(min_length=1, max_length=prizes.NAME_MAX)]
PrizeText = Annotated[str, msgspec.Meta(max_length=prizes.DESCRIPTION_MAX)]
Stock = Annotated[int, msgspec.Meta(ge=1, le=prizes.MAX_STOCK)]
MedalRank = Annotated[int, msgspec.Meta(ge=0, le=3, description="0 any fan, 1 bronze, 2 silver, 3 gold")]
TopRank = Annotated[int, msgspec.Meta(ge=1, le=prizes.MAX_TOP_RANK)]


class PrizeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A prize to offer: ``stock`` of them, to fans with at least ``min_medal_rank`` and,
    with ``top_rank``, ranked that or better; claims between ``opens_at`` and
    ``closes_at`` when given."""

    name: PrizeName
    stock: Stock
    description: PrizeText = ""
    min_medal_rank: MedalRank = 0
    top_rank: TopRank | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class ClaimRef(msgspec.Struct):
    """A claim of a prize; ``handed_over_at`` is set once the fan has it."""

    id: int
    prize_id: int
    fan_id: int
    claimed_at: datetime
    handed_over_at: datetime | None = None


class PrizeOut(msgspec.Struct):
    """A prize: ``left`` of ``stock`` can still be claimed; ``condition`` says who may.
    For a signed-in caller, ``can_claim`` (else ``why_not`` and its ``why_not_code``) and
    ``mine`` (their claim)."""

    id: int
    name: str
    description: str
    stock: int
    claimed: int
    left: int
    min_medal_rank: int
    top_rank: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    active: bool
    condition: str
    can_claim: bool | None = None
    why_not: str | None = None
    why_not_code: str | None = None
    mine: ClaimRef | None = None


class PrizeList(msgspec.Struct):
    """The prizes on offer, newest first."""

    items: list[PrizeOut]
    total: int


class ClaimOut(msgspec.Struct):
    """A claim just made, with the prize as it is now (``left`` after this claim)."""

    id: int
    prize_id: int
    fan_id: int
    claimed_at: datetime
    left: int
    prize: PrizeOut
    handed_over_at: datetime | None = None


def prize_out(prize: dict[str, Any]) -> PrizeOut:
    """A service prize as the API schema."""
    mine = prize.get("mine")
    return PrizeOut(
        id=prize["id"], name=prize["name"], description=prize["description"],
        stock=prize["stock"], claimed=prize["claimed"], left=prize["left"],
        min_medal_rank=prize["min_medal_rank"], top_rank=prize["top_rank"],
        opens_at=prize["opens_at"], closes_at=prize["closes_at"], active=prize["active"],
        condition=prize["condition"], can_claim=prize.get("can_claim"),
        why_not=prize.get("why_not"), why_not_code=prize.get("why_not_code"),
        mine=ClaimRef(**{k: mine[k] for k in ("id", "prize_id", "fan_id", "claimed_at", "handed_over_at")})
        if mine else None,
    )


# -- API -------------------------------------------------------------------------------------


@get("/api/v1/hub/prizes", tags=TAGS, summary="Prizes on offer")
async def api_prizes(request: Request[Any, Any, Any]) -> PrizeList:
    """The prizes on offer, newest first; for a signed-in fan, whether they may claim each."""
    async with reading():
        items = await prizes.list_prizes(fan=request.user)
    return PrizeList(items=[prize_out(p) for p in items], total=len(items))


@post("/api/v1/hub/prizes", tags=TAGS, summary="Offer a prize", guards=ADMIN, status_code=201)
async def api_create_prize(request: Request[Any, Any, Any], data: JSONBody[PrizeIn]) -> PrizeOut:
    """Offer a prize with a stock and a condition (admins)."""
    return prize_out(await prizes.create_prize(msgspec.structs.asdict(data), request.user))


@post("/api/v1/hub/prizes/{prize_id:int}/claim", tags=TAGS, summary="Claim a prize",
      guards=SIGNED_IN, status_code=201)
async def api_claim(request: Request[Any, Any, Any], prize_id: Id) -> ClaimOut:
    """Claim one of a prize. 409 with ``code`` ``out_of_stock``, ``already_claimed``,
    ``medal_needed``, ``rank_needed``, ``not_open``, ``closed``, ``withdrawn`` or
    ``not_a_fan``."""
    made = await prizes.claim(prize_id, request.user)
    return ClaimOut(id=made["id"], prize_id=made["prize_id"], fan_id=made["fan_id"],
                    claimed_at=made["claimed_at"], left=made["left"], prize=prize_out(made["prize"]))


# -- pages ---------------------------------------------------------------------------------


async def _clock(request: Request[Any, Any, Any]) -> Clock:
    venue_id = await current_venue_id(request)
    row = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first() if venue_id else None
    return Clock(row["timezone"] if row else "Europe/Paris")


@get("/hub/prizes", include_in_schema=False)
async def prizes_page(request: Request[Any, Any, Any]) -> Template:
    """The prizes on offer; a signed-in fan claims from here."""
    async with reading():
        items = await prizes.list_prizes(fan=request.user)
        clock = await _clock(request)
    return render(request, "social/prizes/prizes.html", {"prizes": items, "clock": clock})


async def _prize_card(request: Request[Any, Any, Any], prize_id: int, *, error: str = "",
                      message: str = "", status: int = 200) -> Template:
    async with reading():
        found = [p for p in await prizes.list_prizes(fan=request.user, include_inactive=True)
                 if p["id"] == prize_id]
        clock = await _clock(request)
    if not found:
        raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
    return render(request, "social/prizes/prize_card.html", {
        "prize": found[0], "error": error, "message": message, "clock": clock,
    }, status_code=status, partial=True)


@post("/hub/prizes/{prize_id:int}/claim", include_in_schema=False, guards=SIGNED_IN)
async def claim_form(request: Request[Any, Any, Any], prize_id: Id) -> Any:
    """The Claim button of a prize card: the card again, saying how it went."""
    try:
        await prizes.claim(prize_id, request.user)
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        if request.headers.get("hx-request") != "true":
            return await _prizes_page_with(request, error=exc.detail, status=exc.status_code)
        return await _prize_card(request, prize_id, error=exc.detail, status=exc.status_code)
    if request.headers.get("hx-request") != "true":
        return Redirect("/hub/prizes?claimed=1", status_code=303)
    return await _prize_card(request, prize_id, message=_("Claimed! Collect it at the venue’s front desk."))


async def _prizes_page_with(request: Request[Any, Any, Any], *, error: str, status: int) -> Template:
    async with reading():
        items = await prizes.list_prizes(fan=request.user)
        clock = await _clock(request)
    return render(request, "social/prizes/prizes.html", {"prizes": items, "clock": clock,
                                                          "error": error}, status_code=status)




def _whole(raw: Any, name: str, *, optional: bool = False) -> int | None:
    text = str(raw or "").strip()
    if not text and optional:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise InvalidInput(_("%(name)s must be a whole number", name=name), field=name) from exc


async def _admin_page(request: Request[Any, Any, Any], *, form: dict[str, Any] | None = None,
                      error: str = "", message: str = "", status: int = 200) -> Template:
    async with reading():
        items = await prizes.list_prizes(include_inactive=True)
        clock = await _clock(request)
    return render(request, "social/prizes/admin.html", {
        "prizes": items, "clock": clock, "form": form or {}, "error": error, "message": message,
    }, status_code=status)


@get("/hub/admin/prizes", include_in_schema=False, guards=ADMIN)
async def admin_prizes(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    """Admins: offer a prize, see stock and claims, change stock, withdraw."""
    messages = {"created": _("Prize added."), "stock": _("Stock changed."),
                "withdrawn": _("Prize withdrawn."), "offered": _("Prize offered again.")}
    return await _admin_page(request, message=messages.get(done or "", ""))


@post("/hub/admin/prizes", include_in_schema=False, guards=ADMIN)
async def admin_create_prize(request: Request[Any, Any, Any]) -> Any:
    """The new-prize form."""
    form = await request.form()
    echo = {k: str(form.get(k, "")) for k in ("name", "description", "stock", "min_medal_rank",
                                              "top_rank", "opens_at", "closes_at")}
    try:
        tz = (await _clock(request)).tz
        await prizes.create_prize({
            "name": echo["name"], "description": echo["description"],
            "stock": _whole(echo["stock"], "stock"),
            "min_medal_rank": _whole(echo["min_medal_rank"] or "0", "min_medal_rank"),
            "top_rank": _whole(echo["top_rank"], "top_rank", optional=True),
            "opens_at": parse_local(echo["opens_at"], "opens_at", tz),
            "closes_at": parse_local(echo["closes_at"], "closes_at", tz),
        }, request.user)
    except PodiumError as exc:
        return await _admin_page(request, form=echo, error=exc.detail, status=exc.status_code)
    return Redirect("/hub/admin/prizes?done=created", status_code=303)


@post("/hub/admin/prizes/{prize_id:int}/stock", include_in_schema=False, guards=ADMIN)
async def admin_set_stock(request: Request[Any, Any, Any], prize_id: Id) -> Any:
    """Change a prize's stock (never below what is claimed)."""
    form = await request.form()
    try:
        await prizes.set_stock(prize_id, _whole(form.get("stock"), "stock"), request.user)
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        return await _admin_page(request, error=exc.detail, status=exc.status_code)
    return Redirect("/hub/admin/prizes?done=stock", status_code=303)


@post("/hub/admin/prizes/{prize_id:int}/active", include_in_schema=False, guards=ADMIN)
async def admin_set_active(request: Request[Any, Any, Any], prize_id: Id) -> Any:
    """Withdraw a prize or offer it again."""
    form = await request.form()
    active = str(form.get("active", "")) == "1"
    await prizes.set_active(prize_id, active, request.user)
    return Redirect(f"/hub/admin/prizes?done={'offered' if active else 'withdrawn'}", status_code=303)


async def _claims_page(request: Request[Any, Any, Any], prize_id: int, *, error: str = "",
                       status: int = 200) -> Template:
    async with reading():
        prize = await prizes.get_prize(prize_id)
        claims = await prizes.claims_of_prize(prize_id)
        clock = await _clock(request)
    return render(request, "social/prizes/claims.html", {
        "prize": prize, "claims": claims, "clock": clock, "error": error}, status_code=status)


@get("/hub/admin/prizes/{prize_id:int}", include_in_schema=False, guards=ADMIN)
async def admin_prize_claims(request: Request[Any, Any, Any], prize_id: Id) -> Template:
    """Admins: a prize's claims, to hand the prizes over."""
    return await _claims_page(request, prize_id)


@post("/hub/admin/claims/{claim_id:int}/handed-over", include_in_schema=False, guards=ADMIN)
async def admin_handed_over(request: Request[Any, Any, Any], claim_id: Id) -> Any:
    """Mark a claim handed over; back to the prize's claims."""
    try:
        done = await prizes.mark_handed_over(claim_id, request.user)
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        from podium.social.tables import PrizeClaim

        row = await PrizeClaim.select(PrizeClaim.prize).where(PrizeClaim.id == claim_id).first()
        return await _claims_page(request, row["prize"] if row else 0, error=exc.detail,
                                  status=exc.status_code)
    return Redirect(f"/hub/admin/prizes/{done['prize_id']}", status_code=303)


@get("/hub/fans/{fan_id:int}/prizes", include_in_schema=False)
async def fan_prizes_fragment(request: Request[Any, Any, Any], fan_id: Id) -> Template:
    """The fan page's prizes (slot ``fan.prizes``): the fan's claims, shown to that fan and
    to admins only (what a fan won is theirs to show)."""
    user = request.user
    mine = user is not None and (user.id == fan_id or user.is_admin)
    claims: list[dict[str, Any]] = []
    if mine:
        async with reading():
            claims = await prizes.claims_of_fan(fan_id)
    return render(request, "social/prizes/fan_prizes.html", {
        "claims": claims, "mine": mine, "clock": await _clock(request)}, partial=True)


def prize_page_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """``fan.prizes``: a placeholder htmx fills with the fan's claims."""
    if slot != "fan.prizes":
        return []
    fan = context.get("fan")
    fan_id = None
    if isinstance(fan, dict):
        fan_id = fan.get("user_id", fan.get("id"))
    elif fan is not None:
        fan_id = getattr(fan, "user_id", getattr(fan, "id", None))
    if fan_id is None:
        fan_id = context.get("fan_id")
    standing = context.get("standing")  # the fan page passes the fan's Standing
    if fan_id is None and standing is not None:
        fan_id = getattr(standing, "fan_id", None)
    if not isinstance(fan_id, int) or isinstance(fan_id, bool):
        return []
    # Translated outside the f-string: pybabel does not extract calls inside one.
    title, loading = escape(_("Prizes")), escape(_("Loading prizes…"))
    return [f'<section class="card fan-prizes" id="fan-prizes" hx-get="/hub/fans/{fan_id}/prizes" '
            f'hx-trigger="load" hx-target="this" hx-swap="innerHTML"><h2>{title}</h2>'
            f'<p class="muted">{loading}</p></section>']


PRIZE_ROUTES = [
    api_prizes, api_create_prize, api_claim, prizes_page, claim_form, admin_prizes,
    admin_create_prize, admin_set_stock, admin_set_active, admin_prize_claims,
    admin_handed_over, fan_prizes_fragment,
]
