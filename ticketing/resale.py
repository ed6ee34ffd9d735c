"""Resale through the venue: a holder lists a ticket at no more than the organiser's cap
(face value by default), a buyer pays through a payment method, the ticket changes hands
with a new secret.

Buying is in three steps, as at the box office:

1. **Reserve**, under the lock of the ticket then the listing (the same order as a
   transfer, so the two never deadlock): the listing must still be open and the rules
   must still allow resale; it becomes ``reserved`` for this buyer for the event's
   ``hold_minutes``. Of two buyers racing for a listing exactly one gets here.
2. **Pay**: the payment method's ``begin()``, outside any lock (a processor's HTTP call
   must not hold one).
3. ``paid``: **complete** under the locks (new secret for the buyer, a Transfer fact with
   the price, :class:`~podium.core.events.TicketsTransferred` with ``price_cents``);
   ``pending`` (``at_venue``): the listing stays reserved until staff mark it paid or the
   reservation lapses (then it counts as ``listed`` again); ``failed``: released at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from podium.core.i18n import _, format_money, gettext
from podium.ticketing.labels import listing_status_label
from podium.core.accounts.service import CurrentUser
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.plugins import Registry
from podium.ticketing import rules, tickets
from podium.ticketing.contracts import OrderSummary, PaymentMethod
from podium.ticketing.holders import (
    hand_over,
    hold_minutes,
    is_reserved,
    lock,
    locked,
    lock_ticket_where,
    locked_ticket,
    state_of,
    ticket_rules,
)
from podium.ticketing.tables import ResaleListing, Ticket

#: No resale price above this, whatever the cap (a million euros is a typo).
MAX_PRICE_CENTS = 100_000_000

LISTING_COLUMNS = (
    ResaleListing.id, ResaleListing.ticket, ResaleListing.seller, ResaleListing.price_cents,
    ResaleListing.currency, ResaleListing.status, ResaleListing.created_at, ResaleListing.buyer,
    ResaleListing.reserved_until, ResaleListing.payment_method, ResaleListing.payment_reference,
    ResaleListing.closed_at,
)


def _price(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("the price is a whole number of cents"), field="price_cents")
    if not 0 <= value <= MAX_PRICE_CENTS:
        raise InvalidInput(_("the price must be between 0 and 1,000,000.00"), field="price_cents")
    return value


def listing_dict(row: dict[str, Any], viewer: CurrentUser | None = None) -> dict[str, Any]:
    """A listing as the API shows it (``status`` ``listed`` once a reservation lapsed; the
    buyer's payment reference only to the buyer and staff)."""
    now = tickets.utc_now()
    status = row["status"]
    if status == "reserved" and not is_reserved(row, now):
        status = "listed"
    privy = viewer is not None and (viewer.id in (row["buyer"], row["seller"]) or viewer.has_role("staff"))
    return {
        "id": row["id"], "price_cents": row["price_cents"], "currency": row["currency"],
        "status": status,
        "reserved_until": row["reserved_until"] if status == "reserved" else None,
        "payment_method": row["payment_method"] if privy and status in ("reserved", "sold") else None,
        "payment_reference": row["payment_reference"] if privy and status in ("reserved", "sold") else None,
    }


async def list_for_resale(code: str, user: CurrentUser, price_cents: Any) -> dict[str, Any]:
    """Offer the user's ticket for resale at ``price_cents`` (at most the cap).

    :raises Conflict: ``resale_not_allowed``, ``deadline_passed``, ``ticket_not_valid``,
        ``ticket_used``, ``over_cap`` or ``already_listed``.
    """
    price = _price(price_cents)
    async with locked():
        row = await locked_ticket(code, user.id)
        refusal = rules.resale_refusal(await ticket_rules(row["event"]), state_of(row),
                                       tickets.utc_now(), price_cents=price)
        if refusal is not None:
            raise Conflict(refusal.detail, code=refusal.code)
        if await ResaleListing.exists().where(
                (ResaleListing.ticket == row["id"]) & ResaleListing.status.is_in(["listed", "reserved"])):
            raise Conflict(_("this ticket is already listed for resale"), code="already_listed")
        listing = ResaleListing(ticket=row["id"], seller=user.id, price_cents=price,
                                currency=row["currency"], status="listed",
                                created_at=tickets.utc_now())
        await listing.save()
    saved = await ResaleListing.select(*LISTING_COLUMNS).where(ResaleListing.id == listing.id).first()
    assert saved is not None
    return listing_dict(saved, user)


async def _locked_pair(listing_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lock a listing's ticket, then the listing (inside :func:`locked`)."""
    peek = await ResaleListing.select(ResaleListing.ticket).where(ResaleListing.id == listing_id).first()
    if peek is None:
        raise NotFound(_("there is no resale listing %(listing_id)s", listing_id=listing_id))
    ticket = await lock_ticket_where(Ticket.id == peek["ticket"])
    listing = await lock(ResaleListing.select(*LISTING_COLUMNS).where(ResaleListing.id == listing_id)).first()
    if ticket is None or listing is None:  # pragma: no cover - deleted under us
        raise NotFound(_("there is no resale listing %(listing_id)s", listing_id=listing_id))
    return ticket, listing


async def withdraw(listing_id: int, user: CurrentUser) -> dict[str, Any]:
    """The seller takes a listing back (not while a buyer's reservation holds)."""
    async with locked():
        _ticket, listing = await _locked_pair(listing_id)
        if listing["seller"] != user.id:
            raise NotFound(_("there is no resale listing %(listing_id)s of yours", listing_id=listing_id))
        now = tickets.utc_now()
        if listing["status"] not in ("listed", "reserved"):
            raise Conflict(_("this listing is already %(value1)s", value1=listing_status_label(listing['status'])), code="not_open")
        if is_reserved(listing, now):
            raise Conflict(_("a buyer is paying for this ticket; try again once the reservation "
                             "lapses"), code="resale_reserved")
        await ResaleListing.update({ResaleListing.status: "withdrawn", ResaleListing.closed_at: now,
                                    ResaleListing.buyer: None}).where(ResaleListing.id == listing_id)
    return listing_dict({**listing, "status": "withdrawn", "closed_at": now}, user)


async def event_listings(event_id: int) -> list[dict[str, Any]]:
    """The event's tickets on resale now, cheapest first: price and type, never the
    seller."""
    now = tickets.utc_now()
    rows = await ResaleListing.select(
        *LISTING_COLUMNS, ResaleListing.ticket._.ticket_type._.name.as_alias("type_name"),
        ResaleListing.ticket.ticket_type.as_alias("type_id"),
    ).where((ResaleListing.ticket.event == event_id) & ResaleListing.status.is_in(["listed", "reserved"])
            & (ResaleListing.ticket.status == "valid")).order_by(ResaleListing.price_cents).order_by(
        ResaleListing.id)
    return [{"id": r["id"], "price_cents": r["price_cents"], "currency": r["currency"],
             "ticket_type": {"id": r["type_id"], "name": r["type_name"]}}
            for r in rows if not is_reserved(r, now)]


def _method(registry: Registry[PaymentMethod], name: Any, price: int, currency: str) -> PaymentMethod:
    method = registry.get(name) if isinstance(name, str) and len(name) <= 60 else None
    if method is None:
        raise InvalidInput(_("unknown payment method"), field="payment_method", code="unknown_payment_method")
    if not method.accepts(price, currency):
        raise InvalidInput(_("%(label)s cannot pay %(value1)s", label=gettext(method.label),
                             value1=format_money(price, currency)),
                           field="payment_method", code="payment_method_refused")
    return method


async def buy(listing_id: int, user: CurrentUser, payment_method: Any,
              registry: Registry[PaymentMethod]) -> dict[str, Any]:
    """Buy a listed ticket (see the module docstring for the three steps).

    :returns: the listing (``sold``, or ``reserved`` while the payment is pending) with
        the ticket's ``code``.
    :raises Conflict: ``not_available`` (sold, withdrawn or reserved by someone else),
        ``own_listing``, a rule's refusal, or ``payment_failed``.
    """
    now = tickets.utc_now()
    async with locked():
        ticket, listing = await _locked_pair(listing_id)
        if listing["status"] not in ("listed", "reserved") or is_reserved(listing, now):
            raise Conflict(_("this ticket is no longer on sale"), code="not_available")
        if listing["seller"] == user.id:
            raise Conflict(_("this is your own listing"), code="own_listing")
        if ticket["holder"] != listing["seller"]:
            raise Conflict(_("this ticket is no longer on sale"), code="not_available")
        refusal = rules.resale_refusal(await ticket_rules(ticket["event"]), state_of(ticket), now)
        if refusal is not None:
            raise Conflict(refusal.detail, code=refusal.code)
        method = _method(registry, payment_method, listing["price_cents"], listing["currency"])
        until = now + timedelta(minutes=await hold_minutes(ticket["event"]))
        await ResaleListing.update({
            ResaleListing.status: "reserved", ResaleListing.buyer: user.id,
            ResaleListing.reserved_until: until, ResaleListing.payment_method: method.name,
            ResaleListing.payment_reference: "",
        }).where(ResaleListing.id == listing_id)
    summary = OrderSummary(order_id=listing_id, total_cents=listing["price_cents"],
                           currency=listing["currency"], venue_event_id=ticket["event"],
                           return_url=f"/tickets/{ticket['code']}")
    try:
        step = await method.begin(summary)
        status, reference, message = step.status, step.reference[:200], step.message
    except Exception:  # a third party's failure must not leave the listing reserved, nor 500
        status, reference, message = "failed", "", _("the payment method failed")
    if status == "failed":
        await _release(listing_id, user.id)
        raise Conflict(_("payment failed: %(message)s", message=message) if message
                       else _("payment failed"), code="payment_failed")
    if status == "paid":
        return await _complete(listing_id, buyer_id=user.id, reference=reference, viewer=user)
    async with locked():
        await ResaleListing.update({ResaleListing.payment_reference: reference}).where(
            (ResaleListing.id == listing_id) & (ResaleListing.buyer == user.id)
            & (ResaleListing.status == "reserved"))
    row = await ResaleListing.select(*LISTING_COLUMNS).where(ResaleListing.id == listing_id).first()
    assert row is not None
    return {**listing_dict(row, user), "ticket": ticket["code"], "message": message}


async def _release(listing_id: int, buyer_id: int) -> None:
    async with locked():
        await ResaleListing.update({
            ResaleListing.status: "listed", ResaleListing.buyer: None, ResaleListing.reserved_until: None,
            ResaleListing.payment_method: "", ResaleListing.payment_reference: "",
        }).where((ResaleListing.id == listing_id) & (ResaleListing.buyer == buyer_id)
                 & (ResaleListing.status == "reserved"))


async def _complete(listing_id: int, *, buyer_id: int | None, reference: str | None,
                    viewer: CurrentUser) -> dict[str, Any]:
    """Hand a reserved listing's ticket to its buyer (``buyer_id`` ``None``: whoever
    reserved it, for staff)."""
    async with locked():
        ticket, listing = await _locked_pair(listing_id)
        now = tickets.utc_now()
        if listing["status"] != "reserved" or (buyer_id is not None and listing["buyer"] != buyer_id):
            raise Conflict(_("this listing is not waiting for a payment"), code="not_reserved")
        if not is_reserved(listing, now):
            raise Conflict(_("the reservation has lapsed; the ticket is back on sale"),
                           code="reservation_expired")
        if ticket["status"] != "valid" or ticket["holder"] != listing["seller"]:
            await ResaleListing.update({ResaleListing.status: "withdrawn", ResaleListing.closed_at: now}).where(
                ResaleListing.id == listing_id)
            raise Conflict(_("this ticket can no longer be sold"), code="not_available")
        buyer = int(listing["buyer"])
        await hand_over(ticket, from_id=int(listing["seller"]), to_id=buyer,
                        price_cents=listing["price_cents"])
        values: dict[Any, Any] = {ResaleListing.status: "sold", ResaleListing.closed_at: now,
                                  ResaleListing.buyer: buyer}
        if reference is not None:
            values[ResaleListing.payment_reference] = reference
        await ResaleListing.update(values).where(ResaleListing.id == listing_id)
    row = await ResaleListing.select(*LISTING_COLUMNS).where(ResaleListing.id == listing_id).first()
    assert row is not None
    return {**listing_dict(row, viewer), "ticket": ticket["code"], "message": ""}


async def mark_paid(listing_id: int, staff: CurrentUser) -> dict[str, Any]:
    """Staff confirm a pending payment (at the venue): the reserved buyer gets the ticket.

    :raises Conflict: ``not_reserved``, ``reservation_expired`` or ``not_available``.
    """
    return await _complete(listing_id, buyer_id=None, reference=None, viewer=staff)


async def listing_of(listing_id: int) -> dict[str, Any]:
    """A listing's row (404 if none)."""
    row = await ResaleListing.select(*LISTING_COLUMNS).where(ResaleListing.id == listing_id).first()
    if row is None:
        raise NotFound(_("there is no resale listing %(listing_id)s", listing_id=listing_id))
    return row

