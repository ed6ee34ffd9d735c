"""Holders' routes: My tickets, a ticket's page with its QR, transfer, reissue and resale,
as JSON API (``/api/v1/...``) and as pages (htmx forms, no inline script).

Thin handlers over :mod:`podium.ticketing.holders` and :mod:`podium.ticketing.resale`;
errors are their :mod:`podium.core.errors` (``code`` + ``detail``), and a page form shows
the refusal in the page with the same status.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec
from markupsafe import escape
from litestar import Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.i18n import _
from podium.core.pages import render
from podium.core.venue.routes import Clock
from podium.core.venue.service import MAX_ID
from podium.core.venue.tables import Event, Venue
from podium.ticketing import holders, qr, resale, rules, types
from podium.ticketing.contracts import PAYMENT_METHODS
# One way to show a price on every ticketing page ("Free" for nothing).
from podium.ticketing.routes.shop import money

SIGNED_IN = [requires_role()]
STAFF = [requires_role("staff")]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Code = Annotated[str, PathParameter(min_length=1, max_length=32, description="The ticket's public id.")]
NO_STORE = {"Cache-Control": "no-store"}


# -- schemas -----------------------------------------------------------------------------


class EventRef(msgspec.Struct):
    """The venue event a ticket admits to."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str


class TypeRef(msgspec.Struct):
    """A ticket's type."""

    id: int
    name: str


class ListingRef(msgspec.Struct):
    """A ticket's open resale listing, as its holder sees it."""

    id: int
    price_cents: int
    currency: str
    status: str


class TicketOut(msgspec.Struct):
    """A ticket as the caller may see it.

    :param status: ``valid``, ``cancelled``, ``refunded``, ``revoked``, or ``transferred``
        (the caller gave or sold it away).
    :param secret: what the QR code carries; only for the holder of a valid ticket.
    :param inside: scanned in at the gate (and not out again).
    :param yours: the caller holds it now.
    """

    code: str
    event: EventRef
    ticket_type: TypeRef
    status: str
    serial: int | None
    secret: str | None
    inside: bool
    price_cents: int
    currency: str
    yours: bool
    resale: ListingRef | None = None


class TicketList(msgspec.Struct):
    """The caller's tickets, upcoming events first."""

    items: list[TicketOut]
    total: int


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    """Who receives the ticket."""

    to_username: str


class ResaleIn(msgspec.Struct, forbid_unknown_fields=True):
    """The asking price, in cents (at most the organiser's cap; face value by default)."""

    price_cents: int


class BuyIn(msgspec.Struct, forbid_unknown_fields=True):
    """How the buyer pays (a registered payment method: ``free``, ``at_venue``...)."""

    payment_method: str


class ListingOut(msgspec.Struct):
    """A resale listing.

    :param status: ``listed``, ``reserved`` (a buyer is paying until ``reserved_until``),
        ``sold`` or ``withdrawn``.
    :param ticket: the ticket's code, for its buyer.
    """

    id: int
    price_cents: int
    currency: str
    status: str
    reserved_until: datetime | None = None
    payment_method: str | None = None
    payment_reference: str | None = None
    ticket: str | None = None
    message: str = ""


class PublicListing(msgspec.Struct):
    """A ticket on resale, as anyone sees it: price and type, never the seller."""

    id: int
    price_cents: int
    currency: str
    ticket_type: TypeRef


class PublicListings(msgspec.Struct):
    """The event's tickets on resale, cheapest first."""

    items: list[PublicListing]
    total: int


def ticket_out(t: dict[str, Any]) -> TicketOut:
    """A service's ticket view as the API schema."""
    return msgspec.convert(t, TicketOut)


def listing_out(listing: dict[str, Any]) -> ListingOut:
    """A service's listing as the API schema."""
    return msgspec.convert(listing, ListingOut)


# -- API ---------------------------------------------------------------------------------


@get("/api/v1/me/tickets", tags=["tickets"], summary="My tickets", guards=SIGNED_IN)
async def api_my_tickets(request: Request[Any, Any, Any]) -> TicketList:
    """The caller's tickets (with the secret of each valid one) and those they transferred
    or sold away (``transferred``), upcoming events first."""
    items = await holders.my_tickets(request.user)
    return TicketList(items=[ticket_out(t) for t in items], total=len(items))


@get("/api/v1/tickets/{code:str}", tags=["tickets"], summary="A ticket", guards=SIGNED_IN)
async def api_ticket(request: Request[Any, Any, Any], code: Code) -> TicketOut:
    """One ticket, for its holder (with the secret), its previous holders, or organisers
    and staff (without it); 404 for anyone else."""
    return ticket_out(await holders.get_ticket(code, request.user))


@post("/api/v1/tickets/{code:str}/transfer", tags=["tickets"], summary="Transfer a ticket",
      guards=SIGNED_IN, status_code=200)
async def api_transfer(request: Request[Any, Any, Any], code: Code, data: JSONBody[TransferIn]) -> TicketOut:
    """Give the ticket to another account. The old secret dies at once; the new holder
    sees the ticket with a new one. 409 ``transfers_not_allowed``, ``deadline_passed``,
    ``ticket_not_valid``, ``ticket_used``, ``same_holder``, ``resale_reserved``; 422
    ``unknown_recipient``."""
    return ticket_out(await holders.transfer(code, request.user, data.to_username))


@post("/api/v1/tickets/{code:str}/reissue", tags=["tickets"], summary="New QR for a ticket",
      guards=SIGNED_IN, status_code=200)
async def api_reissue(request: Request[Any, Any, Any], code: Code) -> TicketOut:
    """A new secret for the holder (a leaked screenshot); the old QR dies at once."""
    return ticket_out(await holders.reissue(code, request.user))


@post("/api/v1/tickets/{code:str}/resale", tags=["tickets"], summary="Put a ticket on resale",
      guards=SIGNED_IN, status_code=201)
async def api_list_for_resale(request: Request[Any, Any, Any], code: Code, data: JSONBody[ResaleIn]) -> ListingOut:
    """List the ticket at ``price_cents``, at most the organiser's cap (face value by
    default). 409 ``resale_not_allowed``, ``deadline_passed``, ``over_cap``,
    ``already_listed``, ``ticket_not_valid``, ``ticket_used``."""
    return listing_out(await resale.list_for_resale(code, request.user, data.price_cents))


@delete("/api/v1/resale/{listing_id:int}", tags=["tickets"], summary="Withdraw a resale listing",
        guards=SIGNED_IN, status_code=200)
async def api_withdraw(request: Request[Any, Any, Any], listing_id: Id) -> ListingOut:
    """The seller takes the ticket off resale (409 ``resale_reserved`` while a buyer pays)."""
    return listing_out(await resale.withdraw(listing_id, request.user))


@get("/api/v1/events/{event_id:int}/resale", tags=["tickets"], summary="Tickets on resale")
async def api_event_resale(event_id: Id) -> PublicListings:
    """The event's tickets on resale now: price and type, never the seller."""
    items = await resale.event_listings(event_id)
    return PublicListings(items=[msgspec.convert(i, PublicListing) for i in items], total=len(items))


@post("/api/v1/resale/{listing_id:int}/buy", tags=["tickets"], summary="Buy a resale ticket",
      guards=SIGNED_IN, status_code=200)
async def api_buy(request: Request[Any, Any, Any], listing_id: Id, data: JSONBody[BuyIn]) -> ListingOut:
    """Buy a listed ticket. ``sold``: the ticket is yours (see My tickets); ``reserved``:
    pay as the method says (at the box office) before ``reserved_until``. 409
    ``not_available``, ``own_listing``, ``payment_failed``; 422 ``unknown_payment_method``,
    ``payment_method_refused``."""
    registry = request.app.state.plugin_host.registry(PAYMENT_METHODS)
    return listing_out(await resale.buy(listing_id, request.user, data.payment_method, registry))


@post("/api/v1/resale/{listing_id:int}/mark-paid", tags=["tickets"], summary="Confirm a resale payment",
      guards=STAFF, status_code=200)
async def api_mark_paid(request: Request[Any, Any, Any], listing_id: Id) -> ListingOut:
    """Staff confirm a buyer paid at the venue: the ticket goes to the buyer. 409
    ``not_reserved``, ``reservation_expired``, ``not_available``."""
    return listing_out(await resale.mark_paid(listing_id, request.user))


# -- QR images ---------------------------------------------------------------------------


async def _secret_of(request: Request[Any, Any, Any], code: str) -> str:
    row = await holders.held_ticket(code, request.user)
    if row["status"] != "valid":
        raise NotFound(_("this ticket has no valid QR code"))
    return str(row["secret"])


@get("/tickets/{code:str}/qr.svg", include_in_schema=False, guards=SIGNED_IN)
async def qr_svg(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[bytes]:
    """The holder's QR code as SVG (never cached: a reissue replaces it)."""
    return Response(qr.svg_bytes(await _secret_of(request, code)), media_type="image/svg+xml",
                    headers=NO_STORE)


@get("/tickets/{code:str}/qr.png", include_in_schema=False, guards=SIGNED_IN)
async def qr_png(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[bytes]:
    """The holder's QR code as PNG, for printing (never cached)."""
    return Response(qr.png(await _secret_of(request, code)), media_type="image/png", headers=NO_STORE)


# -- pages -------------------------------------------------------------------------------


async def _clock(event_id: int | None = None) -> Clock:
    row = None
    if event_id is not None:
        row = await Event.select(Event.venue.timezone.as_alias("tz")).where(Event.id == event_id).first()
    if row is None:
        row = await Venue.select(Venue.timezone.as_alias("tz")).first()
    return Clock(row["tz"] if row else "Europe/Paris")


@get("/me/tickets", include_in_schema=False, guards=SIGNED_IN)
async def my_tickets_page(request: Request[Any, Any, Any]) -> Template:
    """My tickets, grouped by event, upcoming first, each with a small QR."""
    async with reading():
        items = await holders.my_tickets(request.user)
        clock = await _clock()
    groups: list[dict[str, Any]] = []
    for t in items:
        if not groups or groups[-1]["event"]["id"] != t["event"]["id"]:
            groups.append({"event": t["event"], "tickets": []})
        groups[-1]["tickets"].append(t)
    return render(request, "ticketing/my_tickets.html", {
        "groups": groups, "clock": clock, "qr": qr, "money": money,
    }, partial=False)


async def _ticket_context(request: Request[Any, Any, Any], code: str) -> dict[str, Any]:
    ticket = await holders.get_ticket(code, request.user)
    event_id = ticket["event"]["id"]
    rule = await holders.ticket_rules(event_id)
    history = await holders.history(code, request.user)
    registry = request.app.state.plugin_host.registry(PAYMENT_METHODS)
    return {
        "ticket": ticket, "rules": rule, "history": history, "clock": await _clock(event_id),
        "cap": rules.resale_cap(rule, ticket["price_cents"]), "qr": qr, "money": money,
        "methods": list(registry.items()),
    }


async def _ticket_page(request: Request[Any, Any, Any], code: str, *, message: str = "",
                       error: str = "", status: int = 200) -> Template:
    async with reading():
        ctx = await _ticket_context(request, code)
    ctx.update(message=message, error=error)
    return render(request, "ticketing/ticket.html", ctx, status_code=status, partial=False)


@get("/tickets/{code:str}", include_in_schema=False, guards=SIGNED_IN)
async def ticket_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    """A ticket: QR, secret in text, event, status, transfer, resale, reissue, history."""
    done = {"transferred": _("Ticket transferred. Your old QR code no longer opens the gate."),
            "reissued": _("New QR code issued. The old one no longer opens the gate."),
            "listed": _("Your ticket is on resale."), "withdrawn": _("Your ticket is off resale."),
            "bought": _("The ticket is yours.")}
    return await _ticket_page(request, code, message=done.get(str(request.query_params.get("done", "")), ""))


@get("/tickets/{code:str}/print", include_in_schema=False, guards=SIGNED_IN)
async def ticket_print(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[Any]:
    """A printable ticket (PNG QR, print styles), for its holder only."""
    async with reading():
        row = await holders.held_ticket(code, request.user)
        ticket = await holders.get_ticket(code, request.user)
        clock = await _clock(row["event"])
    template = render(request, "ticketing/ticket_print.html", {
        "ticket": ticket, "clock": clock, "money": money}, partial=False)
    template.headers.update(NO_STORE)
    return template


async def _form_action(request: Request[Any, Any, Any], code: str, action: Any, done: str) -> Any:
    try:
        await action
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        return await _ticket_page(request, code, error=exc.detail, status=exc.status_code)
    return Redirect(f"/tickets/{code}?done={done}", status_code=303)


def _euros_to_cents(raw: str) -> int:
    text = (raw or "").strip().replace(",", ".").replace("€", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(_("write the price like 15.00"), field="price") from exc
    if not value.is_finite() or value < 0 or value > 1_000_000 or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_("write the price like 15.00"), field="price")
    return int(value * 100)


@post("/tickets/{code:str}/transfer", include_in_schema=False, guards=SIGNED_IN)
async def transfer_form(request: Request[Any, Any, Any], code: FromPath[str]) -> Any:
    """The transfer form of the ticket page."""
    form = await request.form()
    result = holders.transfer(code, request.user, str(form.get("to_username", "")))
    return await _form_action(request, code, result, "transferred")


@post("/tickets/{code:str}/reissue", include_in_schema=False, guards=SIGNED_IN)
async def reissue_form(request: Request[Any, Any, Any], code: FromPath[str]) -> Any:
    """The "new QR code" button of the ticket page."""
    return await _form_action(request, code, holders.reissue(code, request.user), "reissued")


@post("/tickets/{code:str}/resale", include_in_schema=False, guards=SIGNED_IN)
async def resale_form(request: Request[Any, Any, Any], code: FromPath[str]) -> Any:
    """The resale form of the ticket page (price in euros)."""
    form = await request.form()

    async def run() -> None:
        await resale.list_for_resale(code, request.user, _euros_to_cents(str(form.get("price", ""))))

    return await _form_action(request, code, run(), "listed")


@post("/resale/{listing_id:int}/withdraw", include_in_schema=False, guards=SIGNED_IN)
async def withdraw_form(request: Request[Any, Any, Any], listing_id: Id) -> Any:
    """Take my ticket off resale (from its page)."""
    listing = await resale.listing_of(listing_id)
    code = await _code_of(listing["ticket"])
    return await _form_action(request, code, resale.withdraw(listing_id, request.user), "withdrawn")


async def _code_of(ticket_id: int) -> str:
    from podium.ticketing.tables import Ticket

    row = await Ticket.select(Ticket.code).where(Ticket.id == ticket_id).first()
    if row is None:  # pragma: no cover - foreign key
        raise NotFound(_("there is no such ticket"))
    return str(row["code"])


@get("/events/{event_id:int}/resale", include_in_schema=False)
async def resale_fragment(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """The event page's resale box (loaded by htmx into the sidebar)."""
    async with reading():
        items = await resale.event_listings(event_id)
        # An event that has never sold tickets has none to resell: no box at all.
        shown = bool(items) or await types.sells_tickets(event_id)
        registry = request.app.state.plugin_host.registry(PAYMENT_METHODS)
    return render(request, "ticketing/resale_box.html", {
        "items": items, "event_id": event_id, "money": money, "methods": list(registry.items()),
        "shown": shown,
    }, partial=True)


@post("/resale/{listing_id:int}/buy", include_in_schema=False, guards=SIGNED_IN)
async def buy_form(request: Request[Any, Any, Any], listing_id: Id) -> Any:
    """Buy a resale ticket from the event page's box."""
    form = await request.form()
    registry = request.app.state.plugin_host.registry(PAYMENT_METHODS)
    listing = await resale.listing_of(listing_id)
    try:
        method = str(form.get("payment_method", "")) or ("free" if listing["price_cents"] == 0 else "at_venue")
        bought = await resale.buy(listing_id, request.user, method, registry)
    except PodiumError as exc:
        if isinstance(exc, NotFound):
            raise
        return render(request, "ticketing/resale_error.html", {"error": exc.detail},
                      status_code=exc.status_code, partial=False)
    if bought["status"] == "sold":
        return Redirect(f"/tickets/{bought['ticket']}?done=bought", status_code=303)
    # Pending (pay at the box office): the ticket is not the buyer's yet; say how to pay.
    return render(request, "ticketing/resale_reserved.html", {
        "listing": bought, "clock": await _clock(), "money": money}, partial=False)


def resale_slot(slot: str, context: dict[str, Any]) -> list[str]:
    """The event page's sidebar: a placeholder htmx fills with the resale box."""
    if slot != "event.sidebar":
        return []
    event = context.get("event") or {}
    event_id = event.get("id") if isinstance(event, dict) else getattr(event, "id", None)
    if not isinstance(event_id, int):
        return []
    # Translated outside the f-string: pybabel does not extract calls inside one.
    title, loading = escape(_("Resale")), escape(_("Loading tickets on resale…"))
    return [
        f'<section class="card resale-slot" id="resale-{event_id}" hx-get="/events/{event_id}/resale" '
        f'hx-trigger="load" hx-target="this" hx-swap="outerHTML" aria-live="polite">'
        f'<h2>{title}</h2><p class="muted">{loading}</p></section>'
    ]


HOLDER_ROUTES = [
    api_my_tickets, api_ticket, api_transfer, api_reissue, api_list_for_resale, api_withdraw,
    api_event_resale, api_buy, api_mark_paid, qr_svg, qr_png, my_tickets_page, ticket_page,
    ticket_print, transfer_form, reissue_form, resale_form, withdraw_form, resale_fragment,
    buy_form,
]
