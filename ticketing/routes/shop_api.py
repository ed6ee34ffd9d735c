"""The box office's JSON API (v1): ticket types, quotas, settings, orders, waiting lists
and sales figures.

Thin handlers over :mod:`podium.ticketing.types`, :mod:`~podium.ticketing.orders` and
:mod:`~podium.ticketing.waiting`. Errors are the services' :mod:`podium.core.errors`
(``code`` + ``detail``); lists are paginated as ``{"items", "total", "limit", "offset"}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, patch, post, put
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter

from podium.core.i18n import _
from podium.core.accounts.auth import requires_role
from podium.core.activation.service import cached_for_request, enabled_plugins
from podium.core.errors import Forbidden, InvalidInput
from podium.core.validation import DEFAULT_LIMIT, clean_text
from podium.core.venue.api import Id, Limit, Offset
from podium.core.venue.context import current_venue_id
from podium.ticketing import orders, types, waiting

ORGANISER = [requires_role("organiser")]
STAFF = [requires_role("staff", "organiser")]
SIGNED_IN = [requires_role()]
TAGS = ["tickets"]


# -- shapes ----------------------------------------------------------------------------

# The services' limits, repeated in the request schemas so the OpenAPI document shows them
# (the services still check: the box-office pages call them without these types).
TypeName = Annotated[str, msgspec.Meta(min_length=1, max_length=types.NAME_MAX)]
TypeDescription = Annotated[str, msgspec.Meta(max_length=types.DESCRIPTION_MAX)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=types.MAX_PRICE_CENTS)]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{3}$", examples=["EUR"])]
PerOrder = Annotated[int, msgspec.Meta(ge=1, le=types.MAX_PER_ORDER)]
Position = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
QuotaSize = Annotated[int, msgspec.Meta(ge=0, le=types.MAX_QUOTA_SIZE)]
RowId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class TicketTypeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new ticket type. ``quota``: a quota of that many places for this type alone;
    ``quotas``: ids of the event's quotas it also counts against. An event with a capacity
    adds its whole-event quota to every type."""

    name: TypeName
    price_cents: Cents = 0
    currency: Currency = "EUR"
    description: TypeDescription = ""
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    max_per_order: PerOrder = 10
    allows_reentry: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    position: Position = 0
    active: bool = True
    quota: QuotaSize | None = None
    quotas: list[RowId] | None = None


class TicketTypePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent fields keep their value. ``quotas`` replaces the quotas it
    counts against (the whole-event quota stays)."""

    name: TypeName | msgspec.UnsetType = msgspec.UNSET
    price_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET
    description: TypeDescription | msgspec.UnsetType = msgspec.UNSET
    sale_starts_at: datetime | None | msgspec.UnsetType = msgspec.UNSET
    sale_ends_at: datetime | None | msgspec.UnsetType = msgspec.UNSET
    max_per_order: PerOrder | msgspec.UnsetType = msgspec.UNSET
    allows_reentry: bool | msgspec.UnsetType = msgspec.UNSET
    valid_from: datetime | None | msgspec.UnsetType = msgspec.UNSET
    valid_until: datetime | None | msgspec.UnsetType = msgspec.UNSET
    position: Position | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    quotas: list[RowId] | msgspec.UnsetType = msgspec.UNSET


class TicketTypeOut(msgspec.Struct):
    """A ticket type; ``available`` is what it can still sell (``null``: no limit), less the
    people on its waiting list; ``on_sale`` false says why in ``why_not``."""

    id: int
    event_id: int
    name: str
    description: str
    price_cents: int
    currency: str
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    max_per_order: int
    allows_reentry: bool
    valid_from: datetime | None
    valid_until: datetime | None
    position: int
    active: bool
    quota_ids: list[int]
    available: int | None = None
    sold: int = 0
    held: int = 0
    waiting: int = 0
    on_sale: bool = True
    why_not: str | None = None


class TicketTypePage(msgspec.Struct):
    """One page of an event's ticket types."""

    items: list[TicketTypeOut]
    total: int
    limit: int
    offset: int


class TypeDeleted(msgspec.Struct):
    """``deleted`` true: the type is gone; false: it had orders and is now inactive."""

    deleted: bool
    ticket_type: TicketTypeOut | None = None


class QuotaIn(msgspec.Struct, forbid_unknown_fields=True):
    """A quota of ``size`` places; ``ticket_type_ids`` count against it."""

    name: TypeName
    size: QuotaSize
    ticket_type_ids: list[RowId] = msgspec.field(default_factory=list)


class QuotaPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A new name or size (not for the whole-event quota's size: it follows the capacity)."""

    name: TypeName | msgspec.UnsetType = msgspec.UNSET
    size: QuotaSize | msgspec.UnsetType = msgspec.UNSET


class QuotaOut(msgspec.Struct):
    """A quota: ``size`` null follows the event's capacity (``effective_size``)."""

    id: int
    event_id: int
    name: str
    size: int | None
    effective_size: int | None
    used: int | None
    left: int | None
    ticket_type_ids: list[int]
    whole_event: bool


class QuotaPage(msgspec.Struct):
    """One page of an event's quotas."""

    items: list[QuotaOut]
    total: int
    limit: int
    offset: int


class SettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The event's box-office rules; absent fields keep their value."""

    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)] | msgspec.UnsetType = msgspec.UNSET
    offer_minutes: Annotated[int, msgspec.Meta(ge=1, le=14 * 24 * 60)] | msgspec.UnsetType = msgspec.UNSET
    transfers_allowed: bool | msgspec.UnsetType = msgspec.UNSET
    resale_allowed: bool | msgspec.UnsetType = msgspec.UNSET
    resale_cap_cents: Cents | None | msgspec.UnsetType = msgspec.UNSET
    transfer_deadline: datetime | None | msgspec.UnsetType = msgspec.UNSET


class SettingsOut(msgspec.Struct):
    """An event's box-office rules: how long a pending order holds its places
    (``hold_minutes``) and a waiting-list offer its ticket (``offer_minutes``), whether
    holders may transfer and resell (at most ``resale_cap_cents``, else face value) and
    until when (``transfer_deadline``, else the start)."""

    event_id: int
    hold_minutes: int
    offer_minutes: int
    transfers_allowed: bool
    resale_allowed: bool
    resale_cap_cents: int | None
    transfer_deadline: datetime | None


class OrderLineIn(msgspec.Struct, forbid_unknown_fields=True):
    """So many tickets of one type."""

    ticket_type_id: RowId
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    """An order: lines of one event's ticket types and a payment method's name (``free``,
    ``at_venue``, or a plugin's)."""

    lines: Annotated[list[OrderLineIn], msgspec.Meta(min_length=1, max_length=orders.MAX_LINES)]
    payment_method: Annotated[str, msgspec.Meta(min_length=1)]


class PayIn(msgspec.Struct, forbid_unknown_fields=True):
    """How to pay a pending order (a waiting-list offer)."""

    payment_method: str


class MarkPaidIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the box office keeps with the payment (a till receipt number...)."""

    reference: str = ""


class OrderLineOut(msgspec.Struct):
    """A line of an order, at the price of the moment."""

    ticket_type_id: int
    name: str
    quantity: int
    unit_price_cents: int


class TicketOut(msgspec.Struct):
    """A ticket of an order: ``id`` is its public code (``/tickets/{id}``); ``secret`` is
    what its QR code carries, shown to its holder only while it is valid."""

    id: str
    ticket_type_id: int
    status: str
    serial: int
    secret: str | None = None


class PaymentOut(msgspec.Struct):
    """What the payment method said at checkout: ``paid``, ``pending`` (pay at the venue,
    or on ``redirect_url``) or ``failed``."""

    status: str
    method: str = ""
    label: str = ""
    reference: str = ""
    redirect_url: str | None = None
    message: str = ""
    replayed: bool = False


class OrderOut(msgspec.Struct):
    """An order. ``status``: ``pending`` (places held until ``expires_at``), ``paid``,
    ``cancelled``, ``expired`` or ``refunded``. ``reference`` is what the buyer quotes at
    the box office. ``waiting_list_offer``: a place offered from the waiting list, accepted
    by paying it (``POST /api/v1/orders/{id}/pay``)."""

    id: int
    reference: str
    event_id: int
    event_title: str
    status: str
    total_cents: int
    currency: str
    payment_method: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    waiting_list_offer: bool
    lines: list[OrderLineOut]
    tickets: list[TicketOut]
    payment: PaymentOut | None = None


class OrderPage(msgspec.Struct):
    """One page of orders."""

    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class WaitingOut(msgspec.Struct):
    """A place in a waiting line: ``waiting`` (``position`` 1 is next), ``offered`` (pay
    ``order_id`` before ``offer_expires_at``), ``accepted``, ``expired``, ``withdrawn``."""

    id: int
    ticket_type_id: int
    status: str
    created_at: datetime
    position: int | None = None
    offer_expires_at: datetime | None = None
    order_id: int | None = None


class WaitingPage(msgspec.Struct):
    """The caller's places in waiting lines."""

    items: list[WaitingOut]
    total: int
    limit: int
    offset: int


class TypeSales(msgspec.Struct):
    """Sales of one ticket type."""

    ticket_type_id: int
    name: str
    price_cents: int
    sold: int
    held: int
    available: int | None
    checked_in: int
    inside: int
    waiting: int
    revenue_cents: int


class SalesOut(msgspec.Struct):
    """An event's sales: per type and in total (paid orders; revenue net of refunds)."""

    event_id: int
    currency: str
    types: list[TypeSales]
    sold: int
    held: int
    checked_in: int
    revenue_cents: int
    orders_paid: int
    orders_pending: int


# -- converters ------------------------------------------------------------------------


def type_out(item: dict[str, Any]) -> TicketTypeOut:
    """A service ticket type as the API shows it."""
    fields = set(TicketTypeOut.__struct_fields__)
    return TicketTypeOut(**{k: v for k, v in item.items() if k in fields})


def order_out(order: dict[str, Any]) -> OrderOut:
    """A service order as the API shows it."""
    payment = order.get("payment")
    return OrderOut(
        id=order["id"], reference=order["reference"], event_id=order["event_id"],
        event_title=order["event_title"], status=order["status"],
        total_cents=order["total_cents"], currency=order["currency"],
        payment_method=order["payment_method"], created_at=order["created_at"],
        expires_at=order["expires_at"], paid_at=order["paid_at"],
        waiting_list_offer=order["waiting_list_offer"],
        lines=[OrderLineOut(**line) for line in order["lines"]],
        tickets=[TicketOut(**t) for t in order["tickets"]],
        payment=PaymentOut(**payment) if payment else None,
    )


def waiting_out(entry: dict[str, Any]) -> WaitingOut:
    """A service waiting-list entry as the API shows it."""
    return WaitingOut(id=entry["id"], ticket_type_id=entry["ticket_type_id"],
                      status=entry["status"], created_at=entry["created_at"],
                      position=entry.get("position"), offer_expires_at=entry["offer_expires_at"],
                      order_id=entry["order_id"])


def given(data: msgspec.Struct) -> dict[str, Any]:
    """The fields of a body that were sent (``UNSET`` ones left out)."""
    return {f: getattr(data, f) for f in data.__struct_fields__
            if getattr(data, f) is not msgspec.UNSET}


async def enabled_here(request: Request[Any, Any, Any]) -> set[str]:
    """The plugins enabled for this request's venue (payment methods come from them)."""
    enabled = cached_for_request(request)
    if enabled is None:
        enabled = await enabled_plugins(request.app.state.plugin_host,
                                        await current_venue_id(request))
    return set(enabled)


# -- ticket types ----------------------------------------------------------------------


@get("/api/v1/events/{event_id:int}/ticket-types", tags=TAGS, summary="An event's ticket types")
async def api_ticket_types(request: Request[Any, Any, Any], event_id: Id,
                           include_inactive: FromQuery[bool] = False,
                           limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> TicketTypePage:
    """The types on sale for an event with the places each can still sell (``available``,
    live: holds that expired no longer count). Organisers may ask for inactive ones too."""
    if include_inactive and not (request.user and request.user.has_role("organiser")):
        raise Forbidden(_("only organisers see inactive ticket types"))
    rows = await types.list_types(event_id, include_inactive=include_inactive)
    return TicketTypePage(items=[type_out(t) for t in rows[offset:offset + limit]],
                          total=len(rows), limit=limit, offset=offset)


@post("/api/v1/events/{event_id:int}/ticket-types", tags=TAGS, summary="Add a ticket type",
      guards=ORGANISER, status_code=201)
async def api_create_ticket_type(event_id: Id, data: JSONBody[TicketTypeIn]) -> TicketTypeOut:
    """Add a ticket type to an event (organiser). The first type of an event with a
    capacity creates its whole-event quota; ``quota`` gives the type a quota of its own,
    ``quotas`` shares existing ones. An event that sells tickets takes no free bookings."""
    values = given(data)
    if values.get("quota") is None:
        values.pop("quota", None)
    if values.get("quotas") is None:
        values.pop("quotas", None)
    made = await types.create_type(event_id, values)
    return type_out(await _listed(made))


async def _listed(item: dict[str, Any]) -> dict[str, Any]:
    """A type with its live figures."""
    for row in await types.list_types(item["event_id"], include_inactive=True):
        if row["id"] == item["id"]:
            return row
    return item  # pragma: no cover - just made


@get("/api/v1/ticket-types/{type_id:int}", tags=TAGS, summary="A ticket type")
async def api_ticket_type(type_id: Id) -> TicketTypeOut:
    """One ticket type with its live figures."""
    return type_out(await _listed(await types.get_type(type_id)))


@patch("/api/v1/ticket-types/{type_id:int}", tags=TAGS, summary="Change a ticket type",
       guards=ORGANISER)
async def api_update_ticket_type(type_id: Id, data: JSONBody[TicketTypePatch]) -> TicketTypeOut:
    """Change some fields (organiser). Orders already made keep their price; ``active``
    false stops sales."""
    return type_out(await _listed(await types.update_type(type_id, given(data))))


@delete("/api/v1/ticket-types/{type_id:int}", tags=TAGS, summary="Delete a ticket type",
        guards=ORGANISER, status_code=200)
async def api_delete_ticket_type(type_id: Id) -> TypeDeleted:
    """Delete a type nobody ordered; one with orders is deactivated instead (``deleted``
    false): its orders and tickets keep pointing at it."""
    kept = await types.delete_type(type_id)
    return TypeDeleted(deleted=kept is None,
                       ticket_type=type_out(await _listed(kept)) if kept else None)


# -- quotas and settings ---------------------------------------------------------------


@get("/api/v1/events/{event_id:int}/quotas", tags=TAGS, summary="An event's quotas",
     guards=ORGANISER)
async def api_quotas(event_id: Id, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> QuotaPage:
    """Quotas with their size in force, places used (sold and held) and left (organiser)."""
    rows = await types.list_quotas(event_id)
    return QuotaPage(items=[QuotaOut(**q) for q in rows[offset:offset + limit]],
                     total=len(rows), limit=limit, offset=offset)


@post("/api/v1/events/{event_id:int}/quotas", tags=TAGS, summary="Add a quota",
      guards=ORGANISER, status_code=201)
async def api_create_quota(event_id: Id, data: JSONBody[QuotaIn]) -> QuotaOut:
    """A quota of ``size`` places that ``ticket_type_ids`` count against (organiser)."""
    return QuotaOut(**await types.create_quota(event_id, given(data)))


@patch("/api/v1/quotas/{quota_id:int}", tags=TAGS, summary="Change a quota", guards=ORGANISER)
async def api_update_quota(quota_id: Id, data: JSONBody[QuotaPatch]) -> QuotaOut:
    """Rename a quota or change its size (organiser); places a bigger quota frees go to
    the waiting list first."""
    event_id, quota = await types.update_quota(quota_id, given(data))
    await waiting.refill(event_id)
    return QuotaOut(**quota)


@get("/api/v1/events/{event_id:int}/ticket-settings", tags=TAGS,
     summary="An event's box-office rules")
async def api_ticket_settings(event_id: Id) -> SettingsOut:
    """Hold and offer times, transfer and resale rules (public: holders read them)."""
    await types.event_row(event_id)
    return SettingsOut(**await types.get_settings(event_id))


@put("/api/v1/events/{event_id:int}/ticket-settings", tags=TAGS,
     summary="Set an event's box-office rules", guards=ORGANISER)
async def api_put_ticket_settings(event_id: Id, data: JSONBody[SettingsIn]) -> SettingsOut:
    """Set some rules (organiser); absent fields keep their value."""
    return SettingsOut(**await types.put_settings(event_id, given(data)))


# -- orders ----------------------------------------------------------------------------


@post("/api/v1/orders", tags=TAGS, summary="Buy tickets", guards=SIGNED_IN, status_code=201)
async def api_create_order(
    request: Request[Any, Any, Any], data: JSONBody[OrderIn],
    idempotency_key: Annotated[str | None, HeaderParameter(
        name="Idempotency-Key", required=False,
        description="Any unique string: a retried request with the same key returns the "
                    "first order instead of buying twice.")] = None,
) -> OrderOut:
    """Buy tickets of one event. Never sells more than a quota holds, even under
    concurrent requests. 409 ``sold_out`` lists ``types`` with what is ``available``; 422
    for unknown types, types of another event, quantities above ``max_per_order``, types
    not on sale, a method that cannot pay the total; 402 ``payment_failed``. Tickets are
    in the answer once paid (``free`` at once; ``at_venue`` when staff mark it paid)."""
    order = await orders.checkout(
        request.app.state.plugin_host, await enabled_here(request), request.user,
        [msgspec.structs.asdict(line) for line in data.lines], data.payment_method,
        idempotency_key=idempotency_key, secret_key=request.app.state.settings.secret_key,
        return_url=f"{str(request.base_url).rstrip('/')}/orders",
    )
    return order_out(order)


@get("/api/v1/orders/{order_id:int}", tags=TAGS, summary="An order", guards=SIGNED_IN)
async def api_order(request: Request[Any, Any, Any], order_id: Id) -> OrderOut:
    """One order, for its buyer (with the tickets' secrets) or staff."""
    return order_out(await orders.get_order(order_id, request.user))


@get("/api/v1/orders", tags=TAGS, summary="Find orders", guards=STAFF)
async def api_orders(
    request: Request[Any, Any, Any],
    reference: FromQuery[str | None] = None,
    event_id: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
) -> OrderPage:
    """Staff find an order by the ``reference`` the buyer quotes; organisers list an
    event's orders (``event_id``), newest first."""
    if reference is not None:
        found = await orders.find_by_reference(reference[:64])
        items = [order_out(found)] if found else []
        return OrderPage(items=items, total=len(items), limit=limit, offset=offset)
    if event_id is None:
        raise InvalidInput(_("give a reference or an event_id"), field="reference")
    if not request.user.has_role("organiser"):
        raise Forbidden(_("listing an event's orders needs the role organiser"))
    rows, total = await orders.event_orders(event_id, limit=limit, offset=offset)
    return OrderPage(items=[order_out(o) for o in rows], total=total, limit=limit, offset=offset)


@get("/api/v1/me/orders", tags=TAGS, summary="My orders", guards=SIGNED_IN)
async def api_my_orders(request: Request[Any, Any, Any], limit: Limit = DEFAULT_LIMIT,
                        offset: Offset = 0) -> OrderPage:
    """The caller's orders, newest first."""
    rows, total = await orders.user_orders(request.user.id, limit=limit, offset=offset)
    return OrderPage(items=[order_out(o) for o in rows], total=total, limit=limit, offset=offset)


@post("/api/v1/orders/{order_id:int}/pay", tags=TAGS, summary="Pay a pending order",
      guards=SIGNED_IN, status_code=200)
async def api_pay_order(request: Request[Any, Any, Any], order_id: Id, data: JSONBody[PayIn]) -> OrderOut:
    """Pay an order the caller holds (a waiting-list offer is accepted this way) with a
    method; 409 ``order_expired`` once its hold ran out."""
    return order_out(await orders.pay(request.app.state.plugin_host, await enabled_here(request),
                                      order_id, request.user, data.payment_method))


@post("/api/v1/orders/{order_id:int}/cancel", tags=TAGS, summary="Cancel an order",
      guards=SIGNED_IN, status_code=200)
async def api_cancel_order(request: Request[Any, Any, Any], order_id: Id) -> OrderOut:
    """The buyer cancels a pending order; an organiser cancels any order before a refund
    (a paid order's tickets are revoked). Freed places go to the waiting list first."""
    return order_out(await orders.cancel(order_id, request.user))


@post("/api/v1/orders/{order_id:int}/mark-paid", tags=TAGS, summary="Mark an order paid",
      guards=STAFF, status_code=200)
async def api_mark_paid(request: Request[Any, Any, Any], order_id: Id,
                        data: JSONBody[MarkPaidIn | None] = None) -> OrderOut:
    """Box-office staff took the money: the order is paid and its tickets issued. An order
    whose hold ran out is accepted while its places are still free (409 ``hold_expired``
    otherwise)."""
    reference = data.reference if data else ""
    await orders.get_order(order_id, request.user)
    return order_out(await orders.mark_paid(order_id, request.user,
                                            reference=clean_text(reference, "reference", 200, required=False)))


@post("/api/v1/orders/{order_id:int}/refund", tags=TAGS, summary="Refund an order",
      guards=ORGANISER, status_code=200)
async def api_refund_order(request: Request[Any, Any, Any], order_id: Id) -> OrderOut:
    """Refund a paid order (organiser): its tickets are revoked (``refunded``) and its
    places freed."""
    return order_out(await orders.refund(order_id, request.user))


# -- waiting lists ---------------------------------------------------------------------


@post("/api/v1/ticket-types/{type_id:int}/waiting-list", tags=TAGS,
      summary="Join a waiting list", guards=SIGNED_IN, status_code=201)
async def api_join_waiting(request: Request[Any, Any, Any], type_id: Id) -> WaitingOut:
    """Queue for a sold-out type (409 ``not_sold_out`` while it can be bought). Freed
    places are offered in turn: an offer is a pending order holding one ticket for the
    event's ``offer_minutes``."""
    return waiting_out(await waiting.join(type_id, request.user))


@delete("/api/v1/ticket-types/{type_id:int}/waiting-list", tags=TAGS,
        summary="Leave a waiting list", guards=SIGNED_IN)
async def api_leave_waiting(request: Request[Any, Any, Any], type_id: Id) -> None:
    """Leave the line (an open offer is given up and goes to the next person)."""
    await waiting.leave(type_id, request.user)


@get("/api/v1/me/waiting-list", tags=TAGS, summary="My waiting lists", guards=SIGNED_IN)
async def api_my_waiting(request: Request[Any, Any, Any], limit: Limit = DEFAULT_LIMIT,
                         offset: Offset = 0) -> WaitingPage:
    """The caller's places in waiting lines and open offers."""
    rows, total = await waiting.my_entries(request.user.id, limit=limit, offset=offset)
    return WaitingPage(items=[waiting_out(e) for e in rows], total=total,
                       limit=limit, offset=offset)


# -- sales -----------------------------------------------------------------------------


@get("/api/v1/events/{event_id:int}/sales", tags=TAGS, summary="An event's sales",
     guards=ORGANISER)
async def api_sales(event_id: Id) -> SalesOut:
    """Per type: sold, held, available, checked in, revenue (organiser)."""
    summary = await orders.sales_summary(event_id)
    return SalesOut(**{**summary, "types": [TypeSales(**t) for t in summary["types"]]})


API_ROUTES = [
    api_ticket_types, api_create_ticket_type, api_ticket_type, api_update_ticket_type,
    api_delete_ticket_type, api_quotas, api_create_quota, api_update_quota,
    api_ticket_settings, api_put_ticket_settings, api_create_order, api_order, api_orders,
    api_my_orders, api_pay_order, api_cancel_order, api_mark_paid, api_refund_order,
    api_join_waiting, api_leave_waiting, api_my_waiting, api_sales,
]
