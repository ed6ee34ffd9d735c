"""Orders: checkout without overselling, payment through the payment-method registry,
staff marking orders paid at the box office, cancelling, refunding, expiring holds.

Checkout, step by step:

1. The lines are checked (known types of one event, quantities within ``max_per_order``,
   on sale now, one currency) and the payment method must accept the total.
2. Holds of the event that ran out are expired first, in a transaction of their own, and
   their places offered to the waiting list (kept even if this checkout is refused).
3. In one transaction (:func:`podium.core.database.atomic`: ``BEGIN IMMEDIATE`` on SQLite,
   row locks on PostgreSQL): lock the event's row, then its quota rows in id order (every
   writer takes them in that order, so none deadlocks), re-count what is left (expired
   holds do not count; places people wait for are not for sale), and insert the order and
   its lines as ``pending`` with ``expires_at = now + hold_minutes``. Commit.
4. Outside any transaction, ask the method to begin (``PaymentMethod.begin``): a
   processor's HTTP call must never hold a lock. ``paid`` marks the order paid in a new
   transaction (tickets issued, :class:`~podium.core.events.OrdersPaid` recorded);
   ``pending`` keeps the places held until the buyer pays (at the venue, on a redirect);
   ``failed`` cancels the order and frees its places.

A pending order whose hold ran out stops counting at once (availability reads
``expires_at``: facts, not a timer); :func:`expire_holds` later marks such orders
``expired`` and hands their places to the waiting list.

A retried checkout with the same ``Idempotency-Key`` returns the first order: the order's
reference is derived from the buyer and the key (an HMAC under the app's secret), so the
second attempt finds it, under the same lock, instead of buying twice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets as random_source
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.i18n import _, format_money, gettext
from podium.ticketing.labels import order_status_label
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update, is_sqlite
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PodiumError
from podium.core import outbox
from podium.core.events import DomainEvent, OrdersPaid, PaidOrder, TicketsIssued
from podium.core.outbox import record
from podium.core.plugins import PluginHost
from podium.core.validation import DEFAULT_LIMIT, check_page, clean_text, is_id, whole_number
from podium.ticketing import tickets, waiting
from podium.ticketing.contracts import PAYMENT_METHODS, OrderSummary, PaymentMethod, PaymentStep
from podium.ticketing.controls import lock_removed
from podium.ticketing.keys import event_keys, keys_of
from podium.ticketing.payments import FreeTickets, PayAtVenue
from podium.ticketing.tables import Order, OrderLine, Ticket, TicketType, WaitingListEntry
from podium.ticketing.tickets import utc_now
from podium.ticketing.types import (
    SETTINGS_DEFAULTS,
    availability_changed,
    event_gate,
    hold_until,
    load_ledger,
    lock_event_and_quotas,
    lock_quotas,
    locked_event,
    on_sale,
    record_availability,
)

log = logging.getLogger("podium.ticketing.orders")

MAX_LINES = 20
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over a counter
REFERENCE_LENGTH = 10
IDEMPOTENCY_KEY_MAX = 200
STAFF = ("staff", "organiser")
#: The negative control of the concurrency tests: with this set, checkout reads what is
#: left *before* its transaction and writes without the lock and re-check, as a naive
#: implementation would. It oversells; never set it outside those tests.
UNSAFE_ENV = "PODIUM_TICKETING_UNSAFE_CHECKOUT"
#: The gap the unsafe checkout leaves between reading and writing (a processor's
#: pre-check, say), which makes the negative control's oversell reliable.
UNSAFE_GAP_S = 0.05


class PaymentFailed(PodiumError):
    """The payment method refused or failed: the order is cancelled (402)."""

    status_code = 402
    code = "payment_failed"


# --------------------------------------------------------------------------------------
# References and shapes
# --------------------------------------------------------------------------------------


def new_reference() -> str:
    """A random order reference: 10 characters a person can read out (50 bits)."""
    return "".join(random_source.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_LENGTH))


def idempotent_reference(secret_key: str, user_id: int, key: str) -> str:
    """The reference of the order ``user_id`` makes with ``Idempotency-Key: key``: the same
    for a retry, unguessable without the app's secret."""
    digest = hmac.new(secret_key.encode(), f"order:{user_id}:{key}".encode(),
                      hashlib.sha256).digest()
    text = base64.b32encode(digest).decode().translate(str.maketrans("01IO", "89JP"))
    return "".join(c if c in REFERENCE_ALPHABET else "X" for c in text[:REFERENCE_LENGTH])


def normalise_reference(value: str) -> str:
    """What a person typed, as a reference: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in value.upper() if ch.isalnum())[:32]


def payment_methods(host: PluginHost, enabled: Iterable[str]) -> list[PaymentMethod]:
    """The payment methods of the plugins enabled here, in registration order."""
    return [m for _name, m in host.registry(PAYMENT_METHODS).enabled(enabled)]


def _method(host: PluginHost, enabled: Iterable[str], name: Any) -> PaymentMethod:
    methods = {m.name: m for m in payment_methods(host, enabled)}
    if not isinstance(name, str) or name not in methods:
        raise InvalidInput(_("payment_method must be one of %(value1)s", value1=', '.join(methods) or 'none'),
                           field="payment_method", payment_methods=list(methods))
    return methods[name]


def check_lines(lines: Any) -> dict[int, int]:
    """``[{ticket_type_id, quantity}]`` as ``{type_id: quantity}`` (repeated types add up)."""
    if not isinstance(lines, list) or not lines:
        raise InvalidInput(_("lines must list at least one {ticket_type_id, quantity}"), field="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(_("an order has at most %(max_lines)s lines", max_lines=MAX_LINES), field="lines")
    request: dict[int, int] = {}
    for line in lines:
        if not isinstance(line, dict):
            raise InvalidInput(_("each line is {ticket_type_id, quantity}"), field="lines")
        type_id = line.get("ticket_type_id")
        if not isinstance(type_id, int) or not is_id(type_id):
            raise InvalidInput(_("ticket_type_id must be a ticket type's id"), field="lines")
        quantity = whole_number(line.get("quantity", 1), "quantity", 1, 1000)
        request[type_id] = request.get(type_id, 0) + quantity
    return request


def _is_staff(user: CurrentUser | None) -> bool:
    return user is not None and user.has_role(*STAFF)


# --------------------------------------------------------------------------------------
# Reading orders
# --------------------------------------------------------------------------------------


def compose(row: dict[str, Any], *, lines: list[dict[str, Any]], tickets_: list[dict[str, Any]],
            title: str, offer: bool, with_secrets: bool = True) -> dict[str, Any]:
    """An order as services hand it out, from its row, its lines (``ticket_type``,
    ``name``, ``quantity``, ``unit_price_cents``) and its tickets (rows)."""
    return {
        "id": row["id"], "reference": row["code"], "event_id": row["event"],
        "event_title": title, "user_id": row["user"], "status": row["status"],
        "total_cents": row["total_cents"], "currency": row["currency"],
        "payment_method": row["payment_method"], "payment_reference": row["payment_reference"],
        "created_at": row["created_at"], "expires_at": row["expires_at"],
        "paid_at": row["paid_at"], "closed_at": row["closed_at"],
        "waiting_list_offer": offer,
        "lines": [{"ticket_type_id": line["ticket_type"], "name": line["name"],
                   "quantity": line["quantity"], "unit_price_cents": line["unit_price_cents"]}
                  for line in lines],
        "tickets": [{"id": t["code"], "ticket_type_id": t["ticket_type"], "status": t["status"],
                     "serial": t["serial"],
                     # the QR's secret belongs to the ticket's holder (it may have moved on)
                     "secret": t["secret"] if with_secrets and t["status"] == "valid"
                     and t["holder"] == row["user"] else None}
                    for t in tickets_],
    }


async def order_dicts(rows: list[dict[str, Any]], *, with_secrets: bool = True
                      ) -> list[dict[str, Any]]:
    """Orders with their lines, tickets (secrets for the buyer) and whether each is a
    waiting-list offer: four queries for the lot."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    lines = await OrderLine.select(
        OrderLine.order, OrderLine.ticket_type, OrderLine.quantity, OrderLine.unit_price_cents,
        OrderLine.ticket_type.name.as_alias("name"),
    ).where(OrderLine.order.is_in(ids)).order_by(OrderLine.id)
    ticket_rows = await Ticket.select(
        Ticket.order, Ticket.code, Ticket.secret, Ticket.ticket_type, Ticket.status,
        Ticket.serial, Ticket.holder,
    ).where(Ticket.order.is_in(ids)).order_by(Ticket.id)
    offers = {r["order"] for r in await WaitingListEntry.select(WaitingListEntry.order).where(
        WaitingListEntry.order.is_in(ids))}
    from podium.core.venue.tables import Event

    event_ids = sorted({r["event"] for r in rows})
    titles = {r["id"]: r["title"] for r in await Event.select(Event.id, Event.title).where(
        Event.id.is_in(event_ids))}
    return [compose(row, lines=[x for x in lines if x["order"] == row["id"]],
                    tickets_=[t for t in ticket_rows if t["order"] == row["id"]],
                    title=titles.get(row["event"], ""), offer=row["id"] in offers,
                    with_secrets=with_secrets) for row in rows]


async def order_dict(row: dict[str, Any], *, with_secrets: bool = True) -> dict[str, Any]:
    """One order as :func:`order_dicts` gives it."""
    return (await order_dicts([row], with_secrets=with_secrets))[0]


async def _order_row(order_id: int) -> dict[str, Any]:
    row = await Order.select().where(Order.id == order_id).first()
    if row is None:
        raise NotFound(_("there is no order %(order_id)s", order_id=order_id))
    return row


async def get_order(order_id: int, user: CurrentUser) -> dict[str, Any]:
    """An order for its buyer or for staff; :class:`NotFound` for anyone else."""
    row = await Order.select().where(Order.id == order_id).first()
    if row is None or (row["user"] != user.id and not _is_staff(user)):
        raise NotFound(_("there is no order %(order_id)s of yours", order_id=order_id))
    return await order_dict(row, with_secrets=row["user"] == user.id)


async def find_by_reference(reference: str) -> dict[str, Any] | None:
    """The order with this reference (staff at the box office), or ``None``."""
    code = normalise_reference(reference)
    row = await Order.select().where(Order.code == code).first() if code else None
    return await order_dict(row, with_secrets=False) if row else None


#: How many orders the box office lists at once (the soonest holds to expire first).
AWAITING_LIMIT = 50


def _contains(column: Any, text: str) -> Combinable:
    """``column`` contains ``text``, ignoring case. SQLite's LIKE already ignores (ASCII)
    case and has no ILIKE. A % or _ typed widens the search: staff see more candidates."""
    pattern = f"%{text}%"
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)  # type: ignore[no-any-return]


async def awaiting_payment(search: str = "", *, now: datetime | None = None,
                           limit: int = AWAITING_LIMIT) -> list[dict[str, Any]]:
    """Orders held for payment at the box office (pay at the venue, hold not expired), the soonest
    to expire first, each with ``buyer`` (display name) and ``buyer_username``. ``search``
    keeps those whose buyer's name or username, or whose reference, contains it."""
    now = now or utc_now()
    where: Combinable = ((Order.status == "pending") & (Order.expires_at > now)
                         & (Order.payment_method == PayAtVenue.name))
    text = search.strip()[:80]
    if text:
        code = normalise_reference(text) or text
        where &= (_contains(Order.user.display_name, text)
                  | _contains(Order.user.username, text) | _contains(Order.code, code))
    rows = await Order.select(
        *Order.all_columns(), Order.user.display_name.as_alias("buyer"),
        Order.user.username.as_alias("buyer_username"),
    ).where(where).order_by(Order.expires_at).order_by(Order.id).limit(limit)
    people = {r["id"]: (r.pop("buyer"), r.pop("buyer_username")) for r in rows}
    out = await order_dicts(rows, with_secrets=False)
    for order in out:
        order["buyer"], order["buyer_username"] = people[order["id"]]
    return out


async def user_orders(user_id: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
                      ) -> tuple[list[dict[str, Any]], int]:
    """A person's orders, newest first, and how many there are."""
    check_page(limit, offset)
    where = Order.user == user_id
    rows = await Order.select().where(where).order_by(Order.id, ascending=False
                                                      ).limit(limit).offset(offset)
    total = await Order.count().where(where)
    return await order_dicts(rows), int(total)


async def event_orders(event_id: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0,
                       status: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """An event's orders, newest first (organisers' dashboard), and how many there are."""
    check_page(limit, offset)
    where: Combinable = Order.event == event_id
    if status:
        where &= Order.status == status
    rows = await Order.select().where(where).order_by(Order.id, ascending=False
                                                      ).limit(limit).offset(offset)
    return await order_dicts(rows, with_secrets=False), int(await Order.count().where(where))


# --------------------------------------------------------------------------------------
# Checkout
# --------------------------------------------------------------------------------------


#: What checkout reads before its locks, in one round trip: the requested types' rows, and
#: for the event of each, its hold time (``NULL`` until its organiser sets one), whether
#: holds of it have run out and its keys (``NULL`` until made). None of it decides
#: availability: that is counted under the locks.
BEFORE_CHECKOUT_SQL = """
SELECT t.*,
  (SELECT s.hold_minutes FROM podium_ticket_settings s WHERE s.event = t.event)
    AS settings_hold_minutes,
  EXISTS (SELECT 1 FROM podium_order o WHERE o.event = t.event AND o.status = 'pending'
          AND o.expires_at <= {}) AS holds_expired,
  k.signing_key AS key_signing, k.public_key AS key_public, k.holder_key AS key_holder
FROM podium_ticket_type t LEFT JOIN podium_ticket_event_key k ON k.event = t.event
WHERE t.id IN ({})
"""
_BEFORE_EXTRA = ("settings_hold_minutes", "holds_expired", "key_signing", "key_public",
                 "key_holder")

#: A new order, its lines and (paid at once) its tickets in one statement (PostgreSQL):
#: the lines and tickets take the order's id from the order's ``RETURNING``.
_ORDER_COLUMNS = ("code", "event", "user", "status", "total_cents", "currency",
                  "payment_method", "payment_reference", "created_at", "expires_at", "paid_at",
                  "closed_at")
_TICKET_COLUMNS = ("code", "ticket_type", "event", "holder", "status", "serial", "secret",
                   "price_cents", "currency", "issued_at", "inside", "last_scan_at",
                   "last_scan_gate")
_ORDER_INSERT = ("INSERT INTO podium_order (" + ", ".join(f'"{c}"' for c in _ORDER_COLUMNS)
                 + ") VALUES (" + ", ".join(["{}"] * len(_ORDER_COLUMNS)) + ") RETURNING id")
#: PostgreSQL casts of the ticket columns (parameters in a ``VALUES`` list have no type).
_PG_TICKET_TYPES = ("TEXT", "INTEGER", "INTEGER", "INTEGER", "TEXT", "INTEGER", "TEXT",
                    "INTEGER", "TEXT", "TIMESTAMPTZ", "BOOLEAN", "TIMESTAMPTZ", "TEXT")


def _unsafe() -> bool:
    return lock_removed(UNSAFE_ENV)


async def checkout(host: PluginHost, enabled: Iterable[str], user: CurrentUser, lines: Any,
                   payment_method: Any, *, idempotency_key: str | None = None, secret_key: str = "",
                   return_url: str = "") -> dict[str, Any]:
    """Buy tickets; see the module's documentation for the steps.

    :returns: the order (:func:`order_dict`) plus ``payment``: what the method said
        (``status``, ``reference``, ``redirect_url``, ``message``).
    :raises InvalidInput: bad lines, a type not on sale, a quantity above
        ``max_per_order``, a method that cannot pay such a total (422).
    :raises Conflict: ``sold_out`` with ``types`` (what is left of each), ``event_cancelled``,
        ``event_over`` (409).
    :raises PaymentFailed: the method failed; the order is cancelled (402).
    """
    enabled = list(enabled)
    request = check_lines(lines)
    method = _method(host, enabled, payment_method)
    reference = new_reference()
    if idempotency_key is not None:
        key = clean_text(idempotency_key, "Idempotency-Key", IDEMPOTENCY_KEY_MAX)
        reference = idempotent_reference(secret_key, user.id, key)
        earlier = await Order.select().where(Order.code == reference).first()
        if earlier is not None:
            return await _replay(earlier, request)
    # Read before the locks (they do not decide availability): the types, the event they
    # belong to, its rules and keys. What is left is counted under the locks.
    now = utc_now()
    placeholders = ", ".join(["{}"] * len(request))
    rows = await TicketType.raw(BEFORE_CHECKOUT_SQL.replace("({})", f"({placeholders})"),
                                now, *request)
    if not rows:
        raise InvalidInput(_("there is no ticket type %(value1)s", value1=next(iter(request))), field="lines")
    before = rows[0]
    types = {r["id"]: {k: v for k, v in r.items() if k not in _BEFORE_EXTRA} for r in rows}
    event_id = before["event"]
    hold_minutes = before["settings_hold_minutes"] or SETTINGS_DEFAULTS["hold_minutes"]
    if before["holds_expired"]:
        # Lazily, in a transaction of its own (kept even if this checkout is refused):
        # expired holds become offers to the people waiting.
        await expire_holds(now, event_id)
    if _unsafe():
        order = await _unsafe_hold(event_id, request, types, method, user, reference, now,
                                   hold_minutes)
        return await begin_payment(method, order, return_url)
    free = isinstance(method, FreeTickets)
    keys = None
    if free:  # the keys sign the tickets issued in the transaction below
        keys = (keys_of(event_id, before["key_signing"], before["key_public"],
                        before["key_holder"] or "")
                if before["key_signing"] else await event_keys(event_id))
    async with event_gate(event_id), atomic():
        event, quotas = await lock_event_and_quotas(event_id)
        if idempotency_key is not None:  # a concurrent retry may have won the lock
            earlier = await Order.select().where(Order.code == reference).first()
            if earlier is not None:
                return await _replay(earlier, request)
        _check_types(event, types, request, now)
        total, currency = _total(types, request, method)
        # Expired holds no longer count; free places wanted by the waiting list are
        # not for sale (the ledger subtracts the people waiting).
        ledger, _holds = await load_ledger(event_id, event["capacity"], now, quotas=quotas)
        _refuse_shortfalls(ledger.take(request), types, ledger)
        if keys is None:
            row, lines = await _insert_order(event, user, request, types, total, currency,
                                             method, reference, now, hold_minutes)
            await record_availability(event_id, event["venue"], ledger)
            order = _held(row, lines, event)
        else:
            # Nothing to pay and no processor to wait for: the order is written paid, with
            # its lines and tickets, in this transaction (one statement on PostgreSQL).
            assert isinstance(method, FreeTickets)
            step = method.step()
            changes = _paid_changes(now, step.reference, method.name)
            row, lines = _order_values(event, user, request, types, total, currency, method,
                                       reference, now, hold_minutes, paid=_named(changes))
            issued, facts = tickets.prepare(
                keys=keys, event_id=event_id, holder_id=user.id, types=types, event_row=event,
                stamp=now, lines=[(line["ticket_type"], line["quantity"],
                                   line["unit_price_cents"], currency) for line in lines])
            row["id"] = await _write_order(row, lines, issued, events=[
                availability_changed(event_id, event["venue"], ledger),
                TicketsIssued(venue_id=event["venue"], tickets=tuple(facts),
                              order_ref=reference),
                _orders_paid(row, event_id, event["venue"], issued)])
            paid = compose(row, lines=lines, tickets_=issued, title=event["title"], offer=False)
            paid["payment"] = _payment_answer(step, method)
            return paid
    return await begin_payment(method, order, return_url)


async def _replay(order: dict[str, Any], request: dict[int, int]) -> dict[str, Any]:
    lines = await OrderLine.select(OrderLine.ticket_type, OrderLine.quantity).where(
        OrderLine.order == order["id"])
    if {r["ticket_type"]: r["quantity"] for r in lines} != request:
        raise InvalidInput(_("this Idempotency-Key was used for a different order"),
                           field="Idempotency-Key", code="idempotency_mismatch")
    out = await order_dict(order)
    out["payment"] = {"status": _payment_status(order["status"]),
                      "reference": order["payment_reference"], "redirect_url": None,
                      "message": "", "replayed": True}
    return out


def _check_types(event: dict[str, Any], types: dict[int, dict[str, Any]],
                 request: dict[int, int], now: datetime) -> None:
    if event["status"] != "scheduled":
        raise Conflict(_("this event is cancelled; it sells no tickets"), code="event_cancelled")
    if event["ends_at"] <= now:
        raise Conflict(_("this event is over"), code="event_over")
    for type_id, quantity in request.items():
        row = types.get(type_id)
        if row is None:
            raise InvalidInput(_("there is no ticket type %(type_id)s", type_id=type_id), field="lines")
        if row["event"] != event["id"]:
            raise InvalidInput(_("an order buys tickets of one event only"), field="lines")
        why_not = on_sale(row, event, now)
        if why_not:
            raise InvalidInput(_("%(value1)s: %(why_not)s", value1=row['name'], why_not=why_not), field="lines",
                               code="not_on_sale", ticket_type_id=type_id)
        if quantity > row["max_per_order"]:
            raise InvalidInput(_("%(value1)s: at most %(value2)s per order", value1=row['name'], value2=row['max_per_order']),
                               field="lines", code="too_many", ticket_type_id=type_id)


def _total(types: dict[int, dict[str, Any]], request: dict[int, int],
           method: PaymentMethod) -> tuple[int, str]:
    currencies = {types[t]["currency"] for t in request}
    if len(currencies) > 1:
        raise InvalidInput(_("an order is paid in one currency"), field="lines")
    currency = currencies.pop()
    total = sum(types[t]["price_cents"] * q for t, q in request.items())
    if not method.accepts(total, currency):
        raise InvalidInput(_("%(label)s cannot pay an order of %(amount)s", label=method.label,
                             amount=format_money(total, currency)), field="payment_method",
                           code="method_refused")
    return total, currency


def _refuse_shortfalls(short: list[Any], types: dict[int, dict[str, Any]], ledger: Any) -> None:
    if not short:
        return
    names = ", ".join(_("%(name)s (%(left)s left)", name=types[s.ticket_type_id]["name"], left=s.left)
                      for s in short)
    raise Conflict(
        _("not enough tickets left: %(names)s", names=names), code="sold_out",
        types=[{"ticket_type_id": s.ticket_type_id, "asked": s.asked, "available": s.left,
                "waiting_list": s.left == 0} for s in short])


def _order_values(event: dict[str, Any], user: CurrentUser, request: dict[int, int],
                  types: dict[int, dict[str, Any]], total: int, currency: str,
                  method: PaymentMethod, reference: str, now: datetime, hold_minutes: int, *,
                  paid: dict[str, Any] | None = None
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new order's row (no ``id`` yet; ``pending``, or with ``paid``'s columns) and its
    lines as :func:`compose` takes them."""
    row: dict[str, Any] = {
        "code": reference, "event": event["id"], "user": user.id, "status": "pending",
        "total_cents": total, "currency": currency, "payment_method": method.name,
        "payment_reference": "", "created_at": now,
        "expires_at": hold_until(now, hold_minutes), "paid_at": None, "closed_at": None,
        **(paid or {})}
    lines = [{"ticket_type": t, "name": types[t]["name"], "quantity": q,
              "unit_price_cents": types[t]["price_cents"]} for t, q in request.items()]
    return row, lines


#: Rows per statement on SQLite (14 parameters a ticket stays under old builds' 999).
_SQLITE_ROWS = 60


async def _write_order(row: dict[str, Any], lines: list[dict[str, Any]],
                       issued: list[dict[str, Any]], *,
                       events: Sequence[DomainEvent] = ()) -> int:
    """Insert an order, its lines and its tickets (rows of :func:`tickets.prepare`) inside
    the caller's transaction, and record ``events`` in the outbox; returns the order's id.
    PostgreSQL: one statement (the lines and tickets take the id from the order's
    ``RETURNING``; the outbox rows are one more part of it); SQLite, which has no writing
    CTE: the order, then the lines, then the tickets, and the events as :func:`record`
    gathers them."""
    order_args = [row[c] for c in _ORDER_COLUMNS]
    if not is_sqlite():
        args = list(order_args)
        parts = [f"WITH o AS ({_ORDER_INSERT})"]
        values = []
        for line in lines:
            values.append("(CAST({} AS INTEGER), CAST({} AS INTEGER), CAST({} AS INTEGER))")
            args += [line["ticket_type"], line["quantity"], line["unit_price_cents"]]
        parts.append(", l AS (INSERT INTO podium_order_line (\"order\", ticket_type, quantity, "
                     "unit_price_cents) SELECT o.id, v.t, v.q, v.p FROM o, (VALUES "
                     + ", ".join(values) + ") AS v(t, q, p))")
        if issued:
            one = "(" + ", ".join(f"CAST({{}} AS {kind})" for kind in _PG_TICKET_TYPES) + ")"
            names = ", ".join(f"c{n}" for n in range(len(_TICKET_COLUMNS)))
            for ticket in issued:
                args += [ticket[c] for c in _TICKET_COLUMNS]
            parts.append(", k AS (INSERT INTO podium_ticket (\"order\", "
                         + ", ".join(f'"{c}"' for c in _TICKET_COLUMNS) + f") SELECT o.id, {names}"
                         + " FROM o, (VALUES " + ", ".join([one] * len(issued))
                         + f") AS v({names}))")
        if events:
            outbox_insert, outbox_args = outbox.insert_statement(events)
            parts.append(f", x AS ({outbox_insert})")
            args += outbox_args
        parts.append(" SELECT id FROM o")
        [made] = await Order.raw("".join(parts), *args)
        if events:
            outbox.recorded()
        return int(made["id"])
    [made] = await Order.raw(_ORDER_INSERT, *order_args)
    order_id = int(made["id"])
    line_args: list[Any] = []
    for line in lines:
        line_args += [order_id, line["ticket_type"], line["quantity"], line["unit_price_cents"]]
    for start in range(0, len(lines), _SQLITE_ROWS):
        chunk = lines[start:start + _SQLITE_ROWS]
        await OrderLine.raw('INSERT INTO podium_order_line ("order", ticket_type, quantity, '
                            "unit_price_cents) VALUES "
                            + ", ".join(["({}, {}, {}, {})"] * len(chunk)),
                            *line_args[start * 4:(start + len(chunk)) * 4])
    one = "(" + ", ".join(["{}"] * (len(_TICKET_COLUMNS) + 1)) + ")"
    for start in range(0, len(issued), _SQLITE_ROWS):
        chunk = issued[start:start + _SQLITE_ROWS]
        ticket_args: list[Any] = []
        for ticket in chunk:
            ticket_args += [order_id, *(ticket[c] for c in _TICKET_COLUMNS)]
        await Ticket.raw('INSERT INTO podium_ticket ("order", '
                         + ", ".join(f'"{c}"' for c in _TICKET_COLUMNS) + ") VALUES "
                         + ", ".join([one] * len(chunk)), *ticket_args)
    await record(*events)
    return order_id


def _orders_paid(order: dict[str, Any], event_id: int, venue_id: int | None,
                 issued: list[dict[str, Any]]) -> OrdersPaid:
    """:class:`~podium.core.events.OrdersPaid` of one order (its row as paid)."""
    return OrdersPaid(venue_id=venue_id, orders=(PaidOrder(
        order_ref=order["code"], venue_event_id=event_id, total_cents=order["total_cents"],
        currency=order["currency"], payment_method=str(order["payment_method"]),
        ticket_ids=tuple(t["code"] for t in issued)),))


async def _insert_order(event: dict[str, Any], user: CurrentUser, request: dict[int, int],
                        types: dict[int, dict[str, Any]], total: int, currency: str,
                        method: PaymentMethod, reference: str, now: datetime,
                        hold_minutes: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Insert a pending order and its lines; returns its row and the lines as
    :func:`compose` takes them."""
    row, lines = _order_values(event, user, request, types, total, currency, method,
                               reference, now, hold_minutes)
    row["id"] = await _write_order(row, lines, [])
    return row, lines


def _held(row: dict[str, Any], lines: list[dict[str, Any]], event: dict[str, Any]) -> dict[str, Any]:
    """A new order as :func:`begin_payment` takes it: :func:`compose` plus ``venue``."""
    out = compose(row, lines=lines, tickets_=[], title=event["title"], offer=False)
    out["venue"] = event["venue"]
    return out


async def _unsafe_hold(event_id: int, request: dict[int, int], types: dict[int, dict[str, Any]],
                       method: PaymentMethod, user: CurrentUser, reference: str, now: datetime,
                       hold_minutes: int) -> dict[str, Any]:
    """The negative control (:data:`UNSAFE_ENV`): check, wait, write, no lock."""
    from podium.ticketing.types import event_row

    event = await event_row(event_id)
    _check_types(event, types, request, now)
    total, currency = _total(types, request, method)
    ledger, _holds = await load_ledger(event_id, event["capacity"], now)
    _refuse_shortfalls(ledger.take(request), types, ledger)
    await asyncio.sleep(UNSAFE_GAP_S)
    async with atomic():
        row, lines = await _insert_order(event, user, request, types, total, currency, method,
                                         reference, now, hold_minutes)
    return _held(row, lines, event)


def _payment_status(order_status: str) -> str:
    return {"paid": "paid", "pending": "pending"}.get(order_status, "failed")


async def begin_payment(method: PaymentMethod, order: dict[str, Any], return_url: str = ""
                        ) -> dict[str, Any]:
    """Ask ``method`` to pay a held order (``order`` as :func:`compose` gives it), outside
    any transaction, and apply its answer: mark it paid, keep it pending with the
    processor's reference, or cancel it."""
    try:
        step = await method.begin(_summary(order, return_url))
    except Exception as exc:
        log.exception("payment method %s failed to begin order %s", method.name, order["id"])
        # The exception stays in the log: the buyer reads which method failed, in their language.
        step = PaymentStep(status="failed", message=_("%(method)s is unavailable right now",
                                                      method=gettext(method.label)))
    if step.status == "paid":
        paid = await mark_paid(order["id"], None, reference=step.reference,
                               method_name=method.name, held=order)
    elif step.status == "pending":
        await Order.update({Order.payment_reference: step.reference[:200],
                            Order.payment_method: method.name}).where(Order.id == order["id"])
        paid = {**order, "payment_reference": step.reference[:200], "payment_method": method.name}
    else:
        await _close(order["id"], "cancelled", None, reason_revoke="cancelled")
        raise PaymentFailed(step.message or _("%(method)s refused the payment; the order is cancelled",
                                              method=gettext(method.label)),
                            order_id=order["id"], reference=order["reference"])
    paid["payment"] = _payment_answer(step, method)
    return paid


def _summary(order: dict[str, Any], return_url: str) -> OrderSummary:
    """What a payment method is told of an order (``order`` as :func:`compose` gives it)."""
    return OrderSummary(order_id=order["id"], total_cents=order["total_cents"],
                        currency=order["currency"], venue_event_id=order["event_id"],
                        return_url=return_url)


def _payment_answer(step: PaymentStep, method: PaymentMethod) -> dict[str, Any]:
    """The ``payment`` part of a checkout's answer."""
    return {"status": step.status, "method": method.name, "label": method.label,
            "reference": step.reference, "redirect_url": step.redirect_url,
            "message": step.message}


async def pay(host: PluginHost, enabled: Iterable[str], order_id: int, user: CurrentUser,
              payment_method: Any, return_url: str = "") -> dict[str, Any]:
    """The buyer pays a pending order they hold (a waiting-list offer, or an order whose
    method they change): the method's answer applies as at checkout."""
    row = await Order.select().where(Order.id == order_id).first()
    if row is None or row["user"] != user.id:
        raise NotFound(_("there is no order %(order_id)s of yours", order_id=order_id))
    if row["status"] == "paid":
        raise Conflict(_("this order is already paid"), code="already_paid")
    if row["status"] != "pending" or (row["expires_at"] and row["expires_at"] <= utc_now()):
        raise Conflict(_("this order is no longer held; its places were released"),
                       code="order_expired")
    method = _method(host, enabled, payment_method)
    if not method.accepts(row["total_cents"], row["currency"]):
        raise InvalidInput(_("%(label)s cannot pay this order", label=method.label), field="payment_method",
                           code="method_refused")
    return await begin_payment(method, await order_dict(row), return_url)


# --------------------------------------------------------------------------------------
# Paying, cancelling, refunding, expiring
# --------------------------------------------------------------------------------------


async def mark_paid(order_id: int, staff: CurrentUser | None, *, reference: str = "",
                    method_name: str | None = None, held: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """Mark an order paid and issue its tickets, in one transaction. Staff do this at the
    box office (``staff`` given); a payment method's ``paid`` answer does it at checkout.
    Paying an order twice is a no-op.

    An order still holding its places needs only its own row locked (its places already
    count). One whose hold ran out is accepted only if its places are still free: that
    takes the event's and the quotas' locks and re-counts, as a checkout does.

    :param held: the order as checkout just made it (:func:`compose` plus ``venue``): a
        fresh order, no waiting-list offer, nothing to read first.
    :raises Conflict: ``order_closed`` (cancelled, refunded), ``hold_expired`` (the places
        went to someone else).
    """
    if held is not None:
        row: dict[str, Any] | None = {
            "user": held["user_id"], "status": "pending", "expires_at": held["expires_at"],
            "event": held["event_id"], "venue": held["venue"], "title": held["event_title"]}
    else:
        row = await Order.select(*Order.all_columns(), Order.event.venue.as_alias("venue"),
                                 Order.event.title.as_alias("title")).where(
            Order.id == order_id).first()
    if row is None:
        raise NotFound(_("there is no order %(order_id)s", order_id=order_id))
    secrets_shown = staff is None or staff.id == row["user"]
    now = utc_now()
    holding = row["status"] == "pending" and row["expires_at"] is not None and row["expires_at"] > now
    async with atomic():
        if not holding:  # the event's lock first, as every writer takes them
            event = await locked_event(row["event"])
            quotas = await lock_quotas(row["event"])
        order = await for_update(Order.select().where(Order.id == order_id)).first()
        assert order is not None
        if order["status"] == "paid":
            return await order_dict(order, with_secrets=secrets_shown)
        if order["status"] not in ("pending", "expired"):
            raise Conflict(_("this order is %(value1)s; it cannot be paid", value1=order_status_label(order['status'])),
                           code="order_closed")
        lines = await OrderLine.select(
            OrderLine.ticket_type, OrderLine.quantity, OrderLine.unit_price_cents,
            OrderLine.ticket_type.name.as_alias("name")).where(OrderLine.order == order_id)
        request = {line["ticket_type"]: line["quantity"] for line in lines}
        still_holding = order["status"] == "pending" and order["expires_at"] > now
        if holding and not still_holding:  # pragma: no cover - expired between two reads
            raise Conflict(_("this order's hold just expired; try again"), code="hold_expired")
        if not still_holding:
            # Its hold no longer counts: take the places again if they are still free.
            ledger, _holds = await load_ledger(row["event"], event["capacity"], now, quotas=quotas)
            if ledger.take(request):
                raise Conflict(_("this order's hold expired and its places went to others"),
                               code="hold_expired")
        if not method_name and staff is not None and not order["payment_method"]:
            method_name = "at_venue"
        changes = _paid_changes(now, reference, method_name)
        issued = await _record_payment(order, lines, changes, event_id=row["event"],
                                       venue_id=row["venue"])
        offer = [] if held is not None else await WaitingListEntry.update(
            {WaitingListEntry.status: "accepted"}).where(
            (WaitingListEntry.order == order_id) & WaitingListEntry.status.is_in(
                ["offered", "expired"])).returning(WaitingListEntry.id)
    return compose({**order, **_named(changes)}, lines=lines, tickets_=issued, title=row["title"],
                   offer=bool(offer), with_secrets=secrets_shown)


def _paid_changes(now: datetime, reference: str, method_name: str | None) -> dict[Any, Any]:
    """The order's columns that paying it sets."""
    changes: dict[Any, Any] = {Order.status: "paid", Order.paid_at: now}
    if reference:
        changes[Order.payment_reference] = reference[:200]
    if method_name:
        changes[Order.payment_method] = method_name
    return changes


def _named(changes: dict[Any, Any]) -> dict[str, Any]:
    """Column changes as the row's keys."""
    return {column._meta.name: value for column, value in changes.items()}


async def _record_payment(order: dict[str, Any], lines: list[dict[str, Any]],
                          changes: dict[Any, Any], *, event_id: int, venue_id: int | None
                          ) -> list[dict[str, Any]]:
    """Inside the caller's transaction, with the order locked: mark it paid, issue its
    tickets and record :class:`~podium.core.events.OrdersPaid`. Returns the tickets
    (rows). (A free order at checkout is written paid at once: :func:`_write_order`.)"""
    await Order.update(changes).where(Order.id == order["id"])
    issued = await tickets.issue(
        event_id=event_id, venue_id=venue_id, order_id=order["id"], order_code=order["code"],
        holder_id=order["user"],
        lines=[(line["ticket_type"], line["quantity"], line["unit_price_cents"],
                order["currency"]) for line in lines])
    await record(_orders_paid({**order, **_named(changes)}, event_id, venue_id, issued))
    return issued


async def _close(order_id: int, status: str, user: CurrentUser | None, *,
                 reason_revoke: str, allowed: tuple[str, ...] = ("pending",)) -> dict[str, Any]:
    """Close an order (``cancelled``, ``refunded``) under the event's lock: revoke its
    tickets, give an offer back to the waiting list, offer the freed places."""
    now = utc_now()
    row = await _order_row(order_id)
    async with atomic():
        event = await locked_event(row["event"])
        quotas = await lock_quotas(row["event"])
        order = await for_update(Order.select().where(Order.id == order_id)).first()
        assert order is not None
        if order["status"] not in allowed:
            raise Conflict(_("this order is %(value1)s", value1=order_status_label(order['status'])), code=f"order_{order['status']}")
        await Order.update({Order.status: status, Order.closed_at: now}).where(
            Order.id == order_id)
        ticket_rows = await Ticket.select(*tickets.TICKET_COLUMNS).where(Ticket.order == order_id)
        await tickets.revoke([tickets.ticket_dict(t) for t in ticket_rows],
                             reason_revoke,  # type: ignore[arg-type]  # a RevocationReason
                             venue_id=event["venue"])
        await WaitingListEntry.update({WaitingListEntry.status: "withdrawn"}).where(
            (WaitingListEntry.order == order_id) & (WaitingListEntry.status == "offered"))
        ledger, _holds = await load_ledger(row["event"], event["capacity"], now, quotas=quotas)
        await waiting.release(event, now, ledger=ledger, changed=True)
    return await order_dict(await _order_row(order_id), with_secrets=user is not None
                            and user.id == row["user"])


async def cancel(order_id: int, user: CurrentUser) -> dict[str, Any]:
    """Cancel an order: its buyer while it is pending; an organiser at any time before a
    refund (a paid order's tickets are revoked, reason ``cancelled``)."""
    row = await Order.select(Order.user, Order.status).where(Order.id == order_id).first()
    organiser = user.has_role("organiser")
    if row is None or (row["user"] != user.id and not organiser):
        raise NotFound(_("there is no order %(order_id)s of yours", order_id=order_id))
    if row["status"] == "paid" and not organiser:
        raise Forbidden(_("a paid order is cancelled by the organiser (ask for a refund)"),
                        code="ask_the_organiser")
    allowed = ("pending", "paid") if organiser else ("pending",)
    return await _close(order_id, "cancelled", user, reason_revoke="cancelled", allowed=allowed)


async def refund(order_id: int, user: CurrentUser) -> dict[str, Any]:
    """Refund a paid order (organisers): its tickets are revoked, reason ``refunded``. The
    money goes back through the method's own channel (a processor's dashboard)."""
    await _order_row(order_id)
    return await _close(order_id, "refunded", user, reason_revoke="refunded", allowed=("paid",))


async def expire_holds(now: datetime | None = None, event_id: int | None = None) -> int:
    """Mark pending orders whose hold ran out ``expired`` and offer their places to the
    waiting lists (one transaction per event, under its lock). Returns how many orders
    expired. Run by the app's sweeper and lazily at checkout."""
    now = now or utc_now()
    query = Order.select(Order.event, Order.id).where(
        (Order.status == "pending") & (Order.expires_at <= now))
    if event_id is not None:
        query = query.where(Order.event == event_id)
    rows = await query
    events = sorted({r["event"] for r in rows})
    for eid in events:
        async with atomic():
            event = await locked_event(eid)
            await lock_quotas(eid)
            await waiting.release(event, now)
    return len(rows)


async def refill_waiting(now: datetime | None = None) -> None:
    """Offer free places to people waiting for types that have some (a quota grew, a
    capacity was raised): the sweeper runs it after :func:`expire_holds`."""
    types = await WaitingListEntry.select(WaitingListEntry.ticket_type.event.as_alias("event")
                                          ).where(WaitingListEntry.status == "waiting")
    for eid in sorted({r["event"] for r in types}):
        await waiting.refill(eid)


class HoldSweeper:
    """The app's background loop: every ``interval`` seconds, :func:`expire_holds` then
    :func:`refill_waiting`. Started and stopped with the app (``podium_startup`` /
    ``podium_shutdown`` of the ticketing plugin). Several workers may run one each: every
    step locks the event it changes, so they only repeat each other's no-ops."""

    def __init__(self, interval: float = 30.0) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start the loop on the running event loop."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                name="podium-ticket-holds")

    async def stop(self) -> None:
        """Stop the loop after its current round."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), 10)
        except asyncio.TimeoutError:
            task.cancel()

    async def sweep(self) -> int:
        """One round; returns how many holds expired."""
        expired = await expire_holds()
        await refill_waiting()
        return expired

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away...: log and try again later
                log.exception("expiring ticket holds failed")
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except asyncio.TimeoutError:
                pass


# --------------------------------------------------------------------------------------
# Sales figures
# --------------------------------------------------------------------------------------


async def sales_summary(event_id: int) -> dict[str, Any]:
    """An event's sales per type: places ``sold`` (paid) and ``held`` (pending, not
    expired), ``available``, tickets ``checked_in`` (an accepted entry scan) and ``inside``
    now, people ``waiting``, ``revenue_cents`` (paid orders, net of refunds and
    cancellations); and the totals."""
    from piccolo.query.functions.aggregate import Count, Sum

    from podium.ticketing.tables import Scan
    from podium.ticketing.types import list_types

    type_rows = await list_types(event_id, include_inactive=True)
    revenue_rows = await OrderLine.select(
        OrderLine.ticket_type,
        Sum(OrderLine.quantity * OrderLine.unit_price_cents).as_alias("revenue"),
    ).where((OrderLine.order.event == event_id) & (OrderLine.order.status == "paid")
            ).group_by(OrderLine.ticket_type)
    revenue = {r["ticket_type"]: int(r["revenue"] or 0) for r in revenue_rows}
    scanned = await Scan.select(Scan.ticket, Scan.ticket.ticket_type.as_alias("type")).where(
        (Scan.event == event_id) & (Scan.result == "ok") & (Scan.direction == "entry")
        & Scan.ticket.is_not_null()).distinct()
    checked_in: dict[int, int] = {}
    for row in scanned:
        checked_in[row["type"]] = checked_in.get(row["type"], 0) + 1
    inside_rows = await Ticket.select(Ticket.ticket_type, Count(Ticket.id).as_alias("n")).where(
        (Ticket.event == event_id) & Ticket.inside.eq(True) & (Ticket.status == "valid")
    ).group_by(Ticket.ticket_type)
    inside = {r["ticket_type"]: int(r["n"]) for r in inside_rows}
    order_counts = await Order.select(Order.status, Count(Order.id).as_alias("n")).where(
        (Order.event == event_id) & Order.status.is_in(["paid", "pending"])
        & ((Order.status == "paid") | (Order.expires_at > utc_now()))).group_by(Order.status)
    counts = {r["status"]: int(r["n"]) for r in order_counts}
    per_type = [{
        "ticket_type_id": t["id"], "name": t["name"], "price_cents": t["price_cents"],
        "sold": t["sold"], "held": t["held"], "available": t["available"],
        "checked_in": checked_in.get(t["id"], 0), "inside": inside.get(t["id"], 0),
        "waiting": t["waiting"], "revenue_cents": revenue.get(t["id"], 0),
    } for t in type_rows]
    return {
        "event_id": event_id,
        "currency": type_rows[0]["currency"] if type_rows else "EUR",
        "types": per_type,
        "sold": sum(t["sold"] for t in per_type), "held": sum(t["held"] for t in per_type),
        "checked_in": sum(t["checked_in"] for t in per_type),
        "revenue_cents": sum(t["revenue_cents"] for t in per_type),
        "orders_paid": counts.get("paid", 0), "orders_pending": counts.get("pending", 0),
    }


# --------------------------------------------------------------------------------------
# Live pages
# --------------------------------------------------------------------------------------


def sales_topic(event_id: int) -> str:
    """The SSE topic of an event's sales dashboard."""
    return f"sales-{event_id}"


def box_office_live_messages(event: Any, render: Any) -> list[Any]:
    """Server-sent events for the shop and the sales dashboard (``podium_live_messages``):
    the places left per type from :class:`~podium.ticketing.types.TicketAvailabilityChanged`
    (what the write counted under its lock), and a bare ``sales-changed`` ping on every
    sale, hold, revocation or scan (the dashboard fetches its figures itself)."""
    from podium.core.events import TicketsCheckedIn, TicketsIssued, TicketsRevoked
    from podium.core.outbox.dispatcher import LiveMessage
    from podium.ticketing.types import TicketAvailabilityChanged

    events: set[int] = set()
    out: list[LiveMessage] = []
    if isinstance(event, TicketAvailabilityChanged):
        events.add(event.venue_event_id)
        if render is not None:
            out += [LiveMessage((f"event-{event.venue_event_id}",),
                                f"tickets-left-{t.ticket_type_id}",
                                render("ticketing/shop_left.html", {"available": t.available}))
                    for t in event.types]
    elif isinstance(event, OrdersPaid):
        events = {o.venue_event_id for o in event.orders}
    elif isinstance(event, TicketsIssued):
        events = {t.venue_event_id for t in event.tickets}
    elif isinstance(event, TicketsRevoked):
        events = {r.venue_event_id for r in event.revocations}
    elif isinstance(event, TicketsCheckedIn):
        events = {c.venue_event_id for c in event.checkins if c.venue_event_id}
    out += [LiveMessage((sales_topic(e),), "sales-changed", "1") for e in sorted(events)]
    return out
