"""Waiting lists: people queue for a sold-out ticket type; freed places are offered in turn.

* Joining needs a signed-in person and a type with nothing left to sell; one place in line
  per person and type.
* When places come back (a hold expires, an order is cancelled or refunded, a quota grows)
  the first in line gets an **offer**: a pending order holding one ticket for the event's
  ``offer_minutes``. It counts against the quotas like any hold, so nobody else can take
  the place; the person accepts by paying that order (their order page, My orders).
* An offer that runs out expires like any hold and the place goes to the next in line.
* While people wait for a type, its free places are theirs: direct buyers see none
  (:func:`podium.ticketing.availability.type_left` subtracts the queue).

:func:`release` runs inside the caller's transaction, under the event's lock (checkout,
cancel, refund, the expiry sweep).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.i18n import _
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic
from podium.core.errors import Conflict, NotFound
from podium.core.validation import DEFAULT_LIMIT, check_page
from podium.ticketing.availability import Ledger
from podium.ticketing.tables import Order, OrderLine, TicketType, WaitingListEntry
from podium.ticketing.tickets import utc_now
from podium.ticketing.types import (
    get_settings,
    hold_until,
    load_ledger,
    lock_quotas,
    locked_event,
    on_sale,
    record_availability,
)

ACTIVE = ("waiting", "offered")


def _entry_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "ticket_type_id": row["ticket_type"], "user_id": row["user"],
        "status": row["status"], "created_at": row["created_at"],
        "offered_at": row["offered_at"], "offer_expires_at": row["offer_expires_at"],
        "order_id": row["order"],
    }


async def _position(entry: dict[str, Any]) -> int | None:
    if entry["status"] != "waiting":
        return None
    ahead = await WaitingListEntry.count().where(
        (WaitingListEntry.ticket_type == entry["ticket_type_id"])
        & (WaitingListEntry.status == "waiting") & (WaitingListEntry.id < entry["id"]))
    return int(ahead) + 1


async def join(type_id: int, user: CurrentUser) -> dict[str, Any]:
    """Put ``user`` in line for a sold-out type; returns the entry with its ``position``.

    :raises Conflict: ``not_sold_out`` (buy instead), ``already_waiting``, ``not_on_sale``.
    """
    async with atomic():
        ticket_type = await TicketType.select().where(TicketType.id == type_id).first()
        if ticket_type is None:
            raise NotFound(_("there is no ticket type %(type_id)s", type_id=type_id))
        event = await locked_event(ticket_type["event"])
        why_not = on_sale(ticket_type, event, utc_now())
        if why_not:
            raise Conflict(why_not, code="not_on_sale")
        if await WaitingListEntry.exists().where(
                (WaitingListEntry.ticket_type == type_id) & (WaitingListEntry.user == user.id)
                & WaitingListEntry.status.is_in(list(ACTIVE))):
            raise Conflict(_("you are already on the waiting list for this ticket"),
                           code="already_waiting")
        ledger, _holds = await load_ledger(event["id"], event["capacity"], utc_now())
        left = ledger.available(type_id)
        if left is None or left > 0:
            raise Conflict(_("this ticket is not sold out (%(left)s left): buy it instead",
                             left=left if left is not None else _("places")), code="not_sold_out", available=left)
        entry = WaitingListEntry(ticket_type=type_id, user=user.id, status="waiting",
                                 created_at=utc_now())
        await entry.save()
    out = _entry_dict(entry.to_dict())
    out["position"] = await _position(out)
    return out


async def leave(type_id: int, user: CurrentUser) -> None:
    """Leave the waiting list of a type (an open offer is given up: its order is
    cancelled and the place goes to the next in line)."""
    from podium.ticketing import orders  # orders import this module

    row = await WaitingListEntry.select().where(
        (WaitingListEntry.ticket_type == type_id) & (WaitingListEntry.user == user.id)
        & WaitingListEntry.status.is_in(list(ACTIVE))).first()
    if row is None:
        raise NotFound(_("you are not on the waiting list for this ticket"))
    if row["status"] == "offered" and row["order"]:
        await orders.cancel(row["order"], user)
        return
    await WaitingListEntry.update({WaitingListEntry.status: "withdrawn"}).where(
        (WaitingListEntry.id == row["id"]) & (WaitingListEntry.status == "waiting"))


async def my_entries(user_id: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0,
                     active_only: bool = True) -> tuple[list[dict[str, Any]], int]:
    """A person's places in waiting lines (newest first), with the type's name and the
    event, and how many there are."""
    check_page(limit, offset)
    where: Combinable = WaitingListEntry.user == user_id
    if active_only:
        where &= WaitingListEntry.status.is_in(list(ACTIVE))
    query = WaitingListEntry.select(
        *WaitingListEntry.all_columns(),
        WaitingListEntry.ticket_type.name.as_alias("type_name"),
        WaitingListEntry.ticket_type.event.as_alias("event_id"),
        WaitingListEntry.ticket_type._.event._.title.as_alias("event_title"),
    ).where(where)
    rows = await query.order_by(WaitingListEntry.id, ascending=False).limit(limit).offset(offset)
    out = []
    for row in rows:
        item = _entry_dict(row)
        item.update(type_name=row["type_name"], event_id=row["event_id"],
                    event_title=row["event_title"], position=await _position(item))
        out.append(item)
    return out, int(await WaitingListEntry.count().where(where))


async def entry_of(type_id: int, user_id: int) -> dict[str, Any] | None:
    """A person's active entry for a type, with its position, if any."""
    row = await WaitingListEntry.select().where(
        (WaitingListEntry.ticket_type == type_id) & (WaitingListEntry.user == user_id)
        & WaitingListEntry.status.is_in(list(ACTIVE))).first()
    if row is None:
        return None
    out = _entry_dict(row)
    out["position"] = await _position(out)
    return out


async def release(event: dict[str, Any], now: datetime, *, ledger: Ledger | None = None,
                  changed: bool = False) -> Ledger:
    """Under the event's lock (caller's transaction): expire the event's holds and offers
    that ran out, then offer free places to the people waiting, first come first served.
    Records the places left when anything changed (or ``changed`` says the caller freed
    places). Returns the ledger after the offers."""
    event_id = event["id"]
    expired = await Order.select(Order.id).where(
        (Order.event == event_id) & (Order.status == "pending") & (Order.expires_at <= now))
    if expired:
        ids = [r["id"] for r in expired]
        await Order.update({Order.status: "expired", Order.closed_at: now}).where(
            Order.id.is_in(ids) & (Order.status == "pending"))
        await WaitingListEntry.update({WaitingListEntry.status: "expired"}).where(
            WaitingListEntry.order.is_in(ids) & (WaitingListEntry.status == "offered"))
        changed = True
    if ledger is None or expired:
        ledger, _holds = await load_ledger(event_id, event["capacity"], now)
    if any(ledger.waiting.values()) and event["status"] == "scheduled" and event["ends_at"] > now:
        changed = await _offer(event, ledger, now) or changed
    if changed:
        await record_availability(event_id, event.get("venue"), ledger)
    return ledger


async def _offer(event: dict[str, Any], ledger: Ledger, now: datetime) -> bool:
    """Offer free places to the first in line of each type; ``ledger`` is consumed."""
    from podium.ticketing.orders import new_reference  # orders import this module

    waiting_types = [t for t, n in ledger.waiting.items() if n]
    types = {r["id"]: r for r in await TicketType.select().where(TicketType.id.is_in(waiting_types))}
    minutes = (await get_settings(event["id"]))["offer_minutes"]
    made = False
    for type_id in sorted(waiting_types):
        ticket_type = types.get(type_id)
        if ticket_type is None or on_sale(ticket_type, event, now):
            continue
        queue = await WaitingListEntry.select().where(
            (WaitingListEntry.ticket_type == type_id) & (WaitingListEntry.status == "waiting")
        ).order_by(WaitingListEntry.id).limit(ledger.waiting[type_id])
        for entry in queue:
            if ledger.take({type_id: 1}, ignore_waiting=True):
                break  # nothing left for this type
            ledger.waiting[type_id] -= 1
            expires = hold_until(now, minutes)
            order = Order(code=new_reference(), event=event["id"], user=entry["user"],
                          status="pending", total_cents=ticket_type["price_cents"],
                          currency=ticket_type["currency"], payment_method="",
                          created_at=now, expires_at=expires)
            await order.save()
            await OrderLine.insert(OrderLine(order=order.id, ticket_type=type_id, quantity=1,
                                             unit_price_cents=ticket_type["price_cents"]))
            await WaitingListEntry.update({
                WaitingListEntry.status: "offered", WaitingListEntry.offered_at: now,
                WaitingListEntry.offer_expires_at: expires, WaitingListEntry.order: order.id,
            }).where(WaitingListEntry.id == entry["id"])
            made = True
    return made


async def refill(event_id: int) -> None:
    """Offer what is free now to the people waiting (after a quota or capacity grew)."""
    async with atomic():
        event = await locked_event(event_id)
        quotas = await lock_quotas(event_id)
        ledger, _holds = await load_ledger(event_id, event["capacity"], utc_now(), quotas=quotas)
        await release(event, utc_now(), ledger=ledger)
