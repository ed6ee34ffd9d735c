"""The box office's pages: the ticket shop on an event page, orders and My orders, the
organiser's ticket types and sales dashboard, and the staff box office; its JSON API is
:mod:`podium.ticketing.routes.shop_api`.

The event page shows the shop through a page slot (``event.sidebar``): a placeholder that
htmx fills from ``/events/{id}/shop`` (the same URL is a whole page without JavaScript).
Remaining places follow live over the page's server-sent events. Forms post like any page
(CSRF, 303 redirects); an htmx post gets the shop fragment back with the reason of a
refusal, or ``HX-Redirect`` to the new order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.accounts.routes import safe_next
from podium.core.database import reading
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.i18n import _, format_money, ngettext, pgettext
from podium.core.pages import is_partial_request, render
from podium.core.validation import MAX_PAGE, check_instant
from podium.core.venue import rules
from podium.core.venue.api import Id
from podium.core.venue.routes import Clock
from podium.core.venue.tables import Venue
from podium.ticketing import orders, types, waiting
from podium.ticketing.routes.shop_api import API_ROUTES, enabled_here

ORGANISER = [requires_role("organiser")]
STAFF = [requires_role("staff", "organiser")]
SIGNED_IN = [requires_role()]


def money(cents: int | None, currency: str = "EUR") -> str:
    """``15.00 EUR`` (``15,00 EUR`` in French); ``Free`` for 0."""
    if not cents:
        return pgettext("price", "Free")
    return format_money(cents, currency)


def amount(cents: int | None, currency: str = "EUR") -> str:
    """A sum of money, ``0.00 EUR`` included (``0,00 EUR`` in French): revenue, not a price."""
    return format_money(cents or 0, currency)


async def _clock(request: Request[Any, Any, Any]) -> Clock:
    venue_id = request.app.state.get("venue_id")
    row = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first() if venue_id else None
    return Clock(row["timezone"] if row else "Europe/Paris")


async def _page(request: Request[Any, Any, Any], template: str, ctx: dict[str, Any], *,
                status: int = 200, partial: bool | None = None) -> Template:
    ctx.setdefault("clock", await _clock(request))
    ctx.setdefault("money", money)
    ctx.setdefault("amount", amount)
    ctx.setdefault("now", orders.utc_now())
    return render(request, template, ctx, status_code=status, partial=partial)


def _with(path: str, **params: str) -> str:
    """``path`` with a query string (values encoded)."""
    return f"{path}?{urlencode(params)}" if params else path


def _redirect(request: Request[Any, Any, Any], target: str) -> Response[Any]:
    """303 for a form, ``HX-Redirect`` for htmx."""
    if request.headers.get("hx-request"):
        return Response(content="", status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


# --------------------------------------------------------------------------------------
# The shop
# --------------------------------------------------------------------------------------


async def _shop_context(request: Request[Any, Any, Any], event_id: int) -> dict[str, Any]:
    user = request.user
    async with reading():
        event = await types.event_row(event_id)
        on_sale = await types.list_types(event_id)
        mine = {}
        open_orders = []
        if user is not None:
            for item in on_sale:
                entry = await waiting.entry_of(item["id"], user.id)
                if entry:
                    mine[item["id"]] = entry
            rows, _total = await orders.user_orders(user.id, limit=20)
            open_orders = [o for o in rows if o["event_id"] == event_id
                           and o["status"] in ("pending", "paid")]
    methods = orders.payment_methods(request.app.state.plugin_host, await enabled_here(request))
    return {"event": event, "types": on_sale, "waiting": mine, "methods": methods,
            "open_orders": open_orders,
            "organiser": bool(user and user.has_role("organiser"))}


async def _shop(request: Request[Any, Any, Any], event_id: int, *, error: str = "",
                message: str = "", status: int = 200, oob_booking: bool = False) -> Template:
    ctx = await _shop_context(request, event_id)
    ctx.update(error=error, message=message, oob_booking=oob_booking)
    if is_partial_request(request):
        return await _page(request, "ticketing/shop.html", ctx, status=status, partial=True)
    return await _page(request, "ticketing/shop_page.html", ctx, status=status)


@get("/events/{event_id:int}/shop", include_in_schema=False)
async def shop_page(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """The ticket shop of an event: a fragment for the event page (htmx), a page otherwise.
    The fragment also hides the event page's free-booking panel when tickets are on sale
    (an out-of-band swap): such an event takes no free bookings."""
    return await _shop(request, event_id, oob_booking=is_partial_request(request))


def _lines(form: FormMultiDict) -> list[dict[str, int]]:
    lines = []
    for key in form.keys():
        if not key.startswith("qty-"):
            continue
        raw = str(form.get(key) or "").strip()
        if not raw or raw == "0":
            continue
        try:
            lines.append({"ticket_type_id": int(key[4:]), "quantity": int(raw)})
        except ValueError as exc:
            raise InvalidInput(_("quantities are whole numbers"), field=key) from exc
    if not lines:
        raise InvalidInput(_("choose how many tickets you want"), field="lines")
    return lines


@post("/events/{event_id:int}/shop", include_in_schema=False, guards=SIGNED_IN)
async def shop_buy(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Buy from the shop form; on success go to the order's page."""
    form = await request.form()
    try:
        lines = _lines(form)
        orders.check_lines(lines)  # ids and quantities within bounds before any query
        order = await orders.checkout(
            request.app.state.plugin_host, await enabled_here(request), request.user,
            lines, await _method_for(lines, str(form.get("payment_method") or "")),
            secret_key=request.app.state.settings.secret_key,
            idempotency_key=str(form.get("idempotency_key") or "") or None)
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return await _shop(request, event_id, error=_sentence(exc.detail),
                           status=exc.status_code)
    return _redirect(request, f"/orders/{order['id']}")


async def _method_for(lines: list[dict[str, int]], chosen: str) -> str:
    """The shop's choice of method: ``free`` when the tickets chosen cost nothing (the
    buyer need not pick), else what the buyer picked."""
    from podium.ticketing.tables import TicketType

    ids = [line["ticket_type_id"] for line in lines]
    prices = await TicketType.select(TicketType.price_cents).where(TicketType.id.is_in(ids))
    return "free" if prices and all(p["price_cents"] == 0 for p in prices) else chosen


@post("/ticket-types/{type_id:int}/waiting-list", include_in_schema=False, guards=SIGNED_IN)
async def waiting_join(request: Request[Any, Any, Any], type_id: Id) -> Any:
    """Join the waiting list of a sold-out type from the shop."""
    ticket_type = await types.get_type(type_id)
    try:
        entry = await waiting.join(type_id, request.user)
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return await _shop(request, ticket_type["event_id"], error=_sentence(exc.detail),
                           status=exc.status_code)
    if is_partial_request(request):
        return await _shop(request, ticket_type["event_id"], message=(
            _("You are number %(position)s on the waiting list for %(name)s.",
              position=entry["position"], name=ticket_type["name"])))
    return Redirect(f"/events/{ticket_type['event_id']}/shop", status_code=303)


@post("/ticket-types/{type_id:int}/waiting-list/leave", include_in_schema=False,
      guards=SIGNED_IN)
async def waiting_leave(request: Request[Any, Any, Any], type_id: Id) -> Any:
    """Leave a waiting list (from the shop or My orders)."""
    ticket_type = await types.get_type(type_id)
    form = await request.form()
    await waiting.leave(type_id, request.user)
    if is_partial_request(request):
        return await _shop(request, ticket_type["event_id"], message=_("You left the waiting list."))
    return Redirect(safe_next(str(form.get("next") or f"/events/{ticket_type['event_id']}/shop")),
                    status_code=303)


# --------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------


@get("/orders/{order_id:int}", include_in_schema=False, guards=SIGNED_IN)
async def order_page(request: Request[Any, Any, Any], order_id: Id) -> Template:
    """An order: status, reference, what to do next, its tickets."""
    async with reading():
        order = await orders.get_order(order_id, request.user)
    methods = orders.payment_methods(request.app.state.plugin_host, await enabled_here(request))
    payable = [m for m in methods if m.accepts(order["total_cents"], order["currency"])]
    error = str(request.query_params.get("error") or "")[:300]
    return await _page(request, "ticketing/order.html", {
        "order": order, "methods": payable, "error": error,
        "mine": order["user_id"] == request.user.id})


@post("/orders/{order_id:int}/pay", include_in_schema=False, guards=SIGNED_IN)
async def order_pay(request: Request[Any, Any, Any], order_id: Id) -> Any:
    """Pay a pending order (accept a waiting-list offer)."""
    form = await request.form()
    try:
        order = await orders.pay(request.app.state.plugin_host, await enabled_here(request),
                                 order_id, request.user, str(form.get("payment_method") or ""))
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return Redirect(_with(f"/orders/{order_id}", error=_sentence(exc.detail)), status_code=303)
    redirect = (order.get("payment") or {}).get("redirect_url")
    return _redirect(request, redirect or f"/orders/{order_id}")


async def _order_action(request: Request[Any, Any, Any], order_id: int,
                        action: Callable[[int, Any], Awaitable[Any]]) -> Any:
    """Run a form's action on an order; back to ``next`` (or the order), a refusal shown
    on the order's page."""
    form = await request.form()
    try:
        await action(order_id, request.user)
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return Redirect(_with(f"/orders/{order_id}", error=_sentence(exc.detail)), status_code=303)
    return _redirect(request, safe_next(str(form.get("next") or f"/orders/{order_id}")))


@post("/orders/{order_id:int}/cancel", include_in_schema=False, guards=SIGNED_IN)
async def order_cancel(request: Request[Any, Any, Any], order_id: Id) -> Any:
    """Cancel an order (the buyer while pending; organisers any)."""
    return await _order_action(request, order_id, orders.cancel)


@post("/orders/{order_id:int}/refund", include_in_schema=False, guards=ORGANISER)
async def order_refund(request: Request[Any, Any, Any], order_id: Id) -> Any:
    """Refund a paid order (organisers, from the sales dashboard)."""
    return await _order_action(request, order_id, orders.refund)


@get("/me/orders", include_in_schema=False, guards=SIGNED_IN)
async def my_orders(request: Request[Any, Any, Any]) -> Template:
    """The signed-in person's orders (newest first), open offers and waiting lists."""
    async with reading():
        rows, _total = await orders.user_orders(request.user.id, limit=MAX_PAGE)
        entries, _count = await waiting.my_entries(request.user.id, limit=MAX_PAGE)
    return await _page(request, "ticketing/orders.html", {"orders": rows, "entries": entries})


@get("/box-office", include_in_schema=False, guards=STAFF)
async def box_office(request: Request[Any, Any, Any]) -> Template:
    """Staff find an order by the reference the buyer quotes, or by the buyer's name among
    the orders waiting to be paid here (listed, the soonest hold to expire first), and take
    the money."""
    reference = str(request.query_params.get("reference") or "")[:64]
    found = None
    async with reading():
        if reference:
            found = await orders.find_by_reference(reference)
        # A reference that is no order's may be (part of) a name: the waiting orders matching.
        awaiting = [] if found else await orders.awaiting_payment(reference)
    # Every registered method, enabled here or not: an order keeps the one it was paid with.
    method_labels = {m.name: m.label for _n, m in request.app.state.plugin_host.registry(
        orders.PAYMENT_METHODS).items()}
    return await _page(request, "ticketing/orders_box_office.html", {
        "reference": reference, "found": found, "awaiting": awaiting,
        "method_labels": method_labels,
        "message": str(request.query_params.get("message") or "")[:200],
        "error": str(request.query_params.get("error") or "")[:300]})


@post("/orders/{order_id:int}/mark-paid", include_in_schema=False, guards=STAFF)
async def order_mark_paid(request: Request[Any, Any, Any], order_id: Id) -> Redirect:
    """The box office took the money: mark paid, issue the tickets."""
    form = await request.form()
    order = await orders.get_order(order_id, request.user)
    back = order["reference"]
    try:
        await orders.mark_paid(order_id, request.user,
                               reference=str(form.get("reference") or "")[:200])
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return Redirect(_with("/box-office", reference=back, error=_sentence(exc.detail)),
                        status_code=303)
    count = sum(line["quantity"] for line in order["lines"])
    return Redirect(_with("/box-office", reference=back,
                          message=ngettext("Paid: %(num)s ticket issued.", "Paid: %(num)s tickets issued.", count)),
                    status_code=303)


# --------------------------------------------------------------------------------------
# The organiser: ticket types, quotas, settings, sales
# --------------------------------------------------------------------------------------


async def _manage(request: Request[Any, Any, Any], event_id: int, *, errors: list[str] | None = None,
                  message: str = "", status: int = 200) -> Template:
    async with reading():
        event = await types.event_row(event_id)
        rows = await types.list_types(event_id, include_inactive=True)
        quotas = await types.list_quotas(event_id)
        settings = await types.get_settings(event_id)
    return await _page(request, "ticketing/types_manage.html", {
        "event": event, "types": rows, "quotas": quotas, "settings": settings,
        "errors": errors or [], "message": message}, status=status)


@get("/events/{event_id:int}/tickets/manage", include_in_schema=False, guards=ORGANISER)
async def manage_page(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """Ticket types, quotas and box-office rules of an event."""
    return await _manage(request, event_id, message=str(request.query_params.get("message") or "")[:200])


def _local(raw: Any, name: str, tz: str) -> datetime | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    try:
        wall = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(value1)s is not a date and time", value1=name.replace('_', ' ')), field=name) from exc
    if wall.tzinfo is None and not rules.FIRST_YEAR <= wall.year <= rules.LAST_YEAR:
        # A wall time near year 1 or 9999 has no UTC instant; refuse it before localizing.
        raise InvalidInput(_("%(value1)s must be between 1970 and 2200", value1=name.replace('_', ' ')), field=name)
    return check_instant(wall if wall.tzinfo else rules.localize(wall, tz), name)


def _int(raw: Any, name: str) -> int | None:
    raw = str(raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(value1)s must be a whole number", value1=name.replace('_', ' ')), field=name) from exc


def _cents(raw: Any, name: str = "price") -> int:
    """``12.50`` (euros) as 1250 cents."""
    text = str(raw or "0").strip().replace(",", ".")
    try:
        value = round(float(text) * 100)
    except ValueError as exc:
        raise InvalidInput(_("%(name)s must be an amount, e.g. 12.50", name=name), field=name) from exc
    if not 0 <= value <= types.MAX_PRICE_CENTS or text.lower() in ("nan", "inf", "-inf"):
        raise InvalidInput(_("%(name)s must be between 0 and %(value1)s", name=name, value1=types.MAX_PRICE_CENTS // 100), field=name)
    return value


def _type_form(form: FormMultiDict, tz: str, *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": str(form.get("name") or ""),
        "description": str(form.get("description") or ""),
        "price_cents": _cents(form.get("price")),
        "max_per_order": _int(form.get("max_per_order"), "max_per_order") or 10,
        "allows_reentry": form.get("allows_reentry") in ("on", "1", "true"),
        "active": form.get("active") in ("on", "1", "true") if not creating else True,
        "sale_starts_at": _local(form.get("sale_starts_at"), "sale_starts_at", tz),
        "sale_ends_at": _local(form.get("sale_ends_at"), "sale_ends_at", tz),
    }
    if creating:
        values["currency"] = str(form.get("currency") or "EUR")
        quota = _int(form.get("quota"), "quota")
        if quota is not None:
            values["quota"] = quota
        shared = [int(q) for q in form.getall("quotas", []) if str(q).isdigit()]
        if shared:
            values["quotas"] = shared
    return values


async def _manage_write(request: Request[Any, Any, Any], event_id: int, action: Any,
                        done: str) -> Any:
    try:
        await action()
    except PodiumError as exc:
        if exc.status_code == 404:
            raise
        return await _manage(request, event_id, errors=[_sentence(exc.detail)],
                             status=exc.status_code)
    return Redirect(_with(f"/events/{event_id}/tickets/manage", message=done), status_code=303)


@post("/events/{event_id:int}/tickets/manage/types", include_in_schema=False, guards=ORGANISER)
async def manage_add_type(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Add a ticket type from the form."""
    form = await request.form()
    clock = await _clock(request)

    async def act() -> None:
        await types.create_type(event_id, _type_form(form, clock.tz, creating=True))

    return await _manage_write(request, event_id, act, "Ticket type added.")


@post("/ticket-types/{type_id:int}/edit", include_in_schema=False, guards=ORGANISER)
async def manage_edit_type(request: Request[Any, Any, Any], type_id: Id) -> Any:
    """Save a ticket type's form."""
    current = await types.get_type(type_id)
    form = await request.form()
    clock = await _clock(request)

    async def act() -> None:
        await types.update_type(type_id, _type_form(form, clock.tz, creating=False))
        await waiting.refill(current["event_id"])

    return await _manage_write(request, current["event_id"], act, "Ticket type saved.")


@post("/ticket-types/{type_id:int}/delete", include_in_schema=False, guards=ORGANISER)
async def manage_delete_type(request: Request[Any, Any, Any], type_id: Id) -> Any:
    """Delete a type nobody ordered; deactivate one that sold."""
    current = await types.get_type(type_id)
    kept: list[Any] = []

    async def act() -> None:
        kept.append(await types.delete_type(type_id))

    answer = await _manage_write(request, current["event_id"], act, "")
    if isinstance(answer, Redirect):
        done = _("Ticket type deactivated (it has orders).") if kept and kept[0] else _("Ticket type deleted.")
        return Redirect(_with(f"/events/{current['event_id']}/tickets/manage", message=done),
                        status_code=303)
    return answer


@post("/events/{event_id:int}/tickets/manage/quotas", include_in_schema=False, guards=ORGANISER)
async def manage_add_quota(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Add a quota from the form."""
    form = await request.form()

    async def act() -> None:
        await types.create_quota(event_id, {
            "name": str(form.get("name") or ""), "size": _int(form.get("size"), "size"),
            "ticket_type_ids": [int(t) for t in form.getall("ticket_type_ids", []) if str(t).isdigit()],
        })

    return await _manage_write(request, event_id, act, "Quota added.")


@post("/quotas/{quota_id:int}/edit", include_in_schema=False, guards=ORGANISER)
async def manage_edit_quota(request: Request[Any, Any, Any], quota_id: Id) -> Any:
    """Rename a quota or change its size; freed places go to the waiting list."""
    form = await request.form()
    from podium.ticketing.tables import Quota

    row = await Quota.select(Quota.event, Quota.size).where(Quota.id == quota_id).first()
    if row is None:
        raise NotFound(_("there is no quota %(quota_id)s", quota_id=quota_id))
    values: dict[str, Any] = {"name": str(form.get("name") or "")}
    if row["size"] is not None:
        values["size"] = _int(form.get("size"), "size")

    async def act() -> None:
        event_id, _quota = await types.update_quota(quota_id, values)
        await waiting.refill(event_id)

    return await _manage_write(request, row["event"], act, "Quota saved.")


@post("/events/{event_id:int}/tickets/manage/settings", include_in_schema=False, guards=ORGANISER)
async def manage_settings(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Save the box-office rules."""
    form = await request.form()
    clock = await _clock(request)

    async def act() -> None:
        cap = str(form.get("resale_cap") or "").strip()
        await types.put_settings(event_id, {
            "hold_minutes": _int(form.get("hold_minutes"), "hold_minutes"),
            "offer_minutes": _int(form.get("offer_minutes"), "offer_minutes"),
            "transfers_allowed": form.get("transfers_allowed") in ("on", "1", "true"),
            "resale_allowed": form.get("resale_allowed") in ("on", "1", "true"),
            "resale_cap_cents": _cents(cap, "resale cap") if cap else None,
            "transfer_deadline": _local(form.get("transfer_deadline"), "transfer_deadline", clock.tz),
        })

    return await _manage_write(request, event_id, act, "Rules saved.")


async def _sales_context(event_id: int) -> dict[str, Any]:
    async with reading():
        event = await types.event_row(event_id)
        summary = await orders.sales_summary(event_id)
        recent, total = await orders.event_orders(event_id, limit=30)
    return {"event": event, "sales": summary, "recent": recent, "orders_total": total}


@get("/events/{event_id:int}/sales", include_in_schema=False, guards=ORGANISER)
async def sales_page(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """The sales dashboard: per type sold, held, available, checked in, revenue; live."""
    return await _page(request, "ticketing/dashboard.html", await _sales_context(event_id))


@get("/events/{event_id:int}/sales/body", include_in_schema=False, guards=ORGANISER)
async def sales_body(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """The dashboard's figures (htmx refreshes them when a sale or a scan happens)."""
    return await _page(request, "ticketing/dashboard_body.html", await _sales_context(event_id),
                       partial=True)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


PAGE_ROUTES: list[Any] = [
    shop_page, shop_buy, waiting_join, waiting_leave, order_page, order_pay, order_cancel,
    order_refund, my_orders, box_office, order_mark_paid, manage_page, manage_add_type,
    manage_edit_type, manage_delete_type, manage_add_quota, manage_edit_quota, manage_settings,
    sales_page, sales_body,
]
ROUTES = [*PAGE_ROUTES, *API_ROUTES]
