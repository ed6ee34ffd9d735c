"""Ticket types, quotas and each event's box-office settings: the organiser's side.

Rules kept here:

* A ticket type belongs to one venue event and sells in the event's one currency (ISO 4217,
  three letters); its price is in the currency's smallest unit.
* Every type counts against at least one quota. The first type of an event with a capacity
  creates the **Whole event** quota (``size`` ``None``: it follows the event's capacity, read
  at every check) and every type of that event counts against it; ``quota: 50`` gives a
  type a quota of its own, ``quotas: [ids]`` shares existing ones. An event without a
  capacity needs one or the other.
* A type that sold cannot be deleted: deleting it deactivates it (orders and tickets keep
  pointing at it).
* Places are counted, never stored: :func:`load_ledger` reads the order lines that hold or
  sold places (pending orders not yet expired, paid orders) and hands the arithmetic to
  :mod:`podium.ticketing.availability`.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.query import Select
from piccolo.query.functions.aggregate import Sum

from podium.core.i18n import _
from podium.core.database import atomic, for_update, is_sqlite, row_queue
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.events import DomainEvent
from podium.core.outbox import record
from podium.core.validation import check_instant, clean_text, is_id, whole_number
from podium.core.venue.tables import Event
from podium.ticketing.availability import Ledger
from podium.ticketing.keys import event_keys
from podium.ticketing.tables import (
    Order,
    OrderLine,
    Quota,
    TicketSettings,
    TicketType,
    TypeQuota,
    WaitingListEntry,
)
from podium.ticketing.tickets import utc_now

WHOLE_EVENT = "Whole event"
MAX_PRICE_CENTS = 100_000_000
MAX_PER_ORDER = 100
MAX_QUOTA_SIZE = 1_000_000
MAX_TYPES_PER_EVENT = 50
NAME_MAX = 80
DESCRIPTION_MAX = 2000
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
#: Orders in these states use places (pending ones only until ``expires_at``).
HOLDING = ("pending", "paid")

SETTINGS_DEFAULTS: dict[str, Any] = {
    "hold_minutes": 15, "offer_minutes": 60, "transfers_allowed": True,
    "resale_allowed": True, "resale_cap_cents": None, "transfer_deadline": None,
}
TYPE_FIELDS = ("name", "description", "price_cents", "currency", "sale_starts_at",
               "sale_ends_at", "max_per_order", "allows_reentry", "valid_from", "valid_until",
               "position", "active")


class TypeLeft(msgspec.Struct, frozen=True):
    """A ticket type's places left for sale (``None``: no limit)."""

    ticket_type_id: int
    available: int | None


class TicketAvailabilityChanged(DomainEvent, frozen=True, kw_only=True):
    """Places of an event's ticket types were held, freed or offered (live pages only:
    the shop's "N left" and the sales dashboard follow it). The figures are what the write
    counted under its lock."""

    venue_event_id: int
    types: tuple[TypeLeft, ...] = ()


def availability_changed(event_id: int, venue_id: int | None,
                         ledger: Ledger) -> TicketAvailabilityChanged:
    """The places left per type after a write (``ledger`` as the write left it)."""
    return TicketAvailabilityChanged(
        venue_id=venue_id, venue_event_id=event_id,
        types=tuple(TypeLeft(t, ledger.available(t)) for t in sorted(ledger.type_quotas)))


async def record_availability(event_id: int, venue_id: int | None, ledger: Ledger) -> None:
    """Record, in the write's transaction, the places left per type after the write."""
    await record(availability_changed(event_id, venue_id, ledger))


# --------------------------------------------------------------------------------------
# Checking input
# --------------------------------------------------------------------------------------


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(_("%(name)s must be true or false", name=name), field=name)
    return value


def _instant(value: Any, name: str) -> datetime | None:
    return None if value is None else check_instant(value, name)


def check_currency(value: Any) -> str:
    """An ISO 4217 code: three letters (``eur`` is read as ``EUR``)."""
    if not isinstance(value, str) or not CURRENCY_RE.match(value.strip().upper()):
        raise InvalidInput(_("currency must be an ISO 4217 code of three letters, e.g. EUR"),
                           field="currency")
    return value.strip().upper()


def check_type_values(values: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a ticket type, checked; with ``current`` (a PATCH) only those given
    are checked, and windows are checked against the other end's current value."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            out[key] = clean_text(value, "name", NAME_MAX)
        elif key == "description":
            out[key] = clean_text(value, "description", DESCRIPTION_MAX, required=False,
                                  multiline=True)
        elif key == "price_cents":
            out[key] = whole_number(value, "price_cents", 0, MAX_PRICE_CENTS)
        elif key == "currency":
            out[key] = check_currency(value)
        elif key in ("sale_starts_at", "sale_ends_at", "valid_from", "valid_until"):
            out[key] = _instant(value, key)
        elif key == "max_per_order":
            out[key] = whole_number(value, "max_per_order", 1, MAX_PER_ORDER)
        elif key in ("allows_reentry", "active"):
            out[key] = _flag(value, key)
        elif key == "position":
            out[key] = whole_number(value, "position", 0, 10_000)
    merged = {**(current or {}), **out}
    if current is None and "name" not in out:
        raise InvalidInput(_("name is required"), field="name")
    for start, end, what in (("sale_starts_at", "sale_ends_at", "the sale"),
                             ("valid_from", "valid_until", "the validity")):
        if merged.get(start) and merged.get(end) and merged[start] >= merged[end]:
            raise InvalidInput(_("%(what)s window must end after it starts", what=what), field=end)
    return out


def check_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The box-office settings of an event, checked."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "hold_minutes":
            out[key] = whole_number(value, key, 1, 7 * 24 * 60)
        elif key == "offer_minutes":
            out[key] = whole_number(value, key, 1, 14 * 24 * 60)
        elif key in ("transfers_allowed", "resale_allowed"):
            out[key] = _flag(value, key)
        elif key == "resale_cap_cents":
            out[key] = whole_number(value, key, 0, MAX_PRICE_CENTS, nullable=True)
        elif key == "transfer_deadline":
            out[key] = _instant(value, key)
    return out


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def event_query(event_id: int) -> Select[Any]:
    """The columns of a venue event the box office reads (and locks, with ``for_update``)."""
    return Event.select(Event.id, Event.venue, Event.title, Event.status, Event.capacity,
                        Event.starts_at, Event.ends_at).where(Event.id == event_id)


async def event_row(event_id: int) -> dict[str, Any]:
    """The venue event's columns the box office needs; :class:`NotFound` otherwise."""
    row = await event_query(event_id).first()
    if row is None:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    return row


async def get_settings(event_id: int) -> dict[str, Any]:
    """An event's box-office settings (the defaults until its organiser sets them)."""
    row = await TicketSettings.select().where(TicketSettings.event == event_id).first()
    values = {k: (row[k] if row else v) for k, v in SETTINGS_DEFAULTS.items()}
    return {"event_id": event_id, **values}


async def put_settings(event_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Set some of an event's box-office settings (others keep their value)."""
    await event_row(event_id)
    checked = check_settings(values)
    async with atomic():
        row = await for_update(TicketSettings.select(TicketSettings.id).where(
            TicketSettings.event == event_id)).first()
        if row is None:
            await TicketSettings.insert(TicketSettings(event=event_id, **{
                **SETTINGS_DEFAULTS, **checked}))
        elif checked:
            await TicketSettings.update({getattr(TicketSettings, k): v for k, v in checked.items()}
                                        ).where(TicketSettings.id == row["id"])
    return await get_settings(event_id)


async def type_quota_map(type_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """``{ticket_type_id: (quota ids...)}``."""
    out: dict[int, list[int]] = {t: [] for t in type_ids}
    if type_ids:
        for row in await TypeQuota.select(TypeQuota.ticket_type, TypeQuota.quota).where(
                TypeQuota.ticket_type.is_in(type_ids)).order_by(TypeQuota.quota):
            out[row["ticket_type"]].append(row["quota"])
    return {t: tuple(qs) for t, qs in out.items()}


#: One round trip for everything availability needs (run under the checkout's locks): per
#: (type, quota) link of the event, the type's places sold (paid orders) and held (pending
#: orders whose hold has not expired), and the people waiting for it. One grouped pass
#: over the event's orders (correlated sub-selects per type were ten times slower on
#: PostgreSQL at 1,000 orders).
LEDGER_SQL = """
SELECT tq.ticket_type AS ticket_type, tq.quota AS quota, COALESCE(p.sold, 0) AS sold,
       COALESCE(p.held, 0) AS held, COALESCE(w.waiting, 0) AS waiting
FROM podium_ticket_type_quota tq
JOIN podium_ticket_type t ON t.id = tq.ticket_type
LEFT JOIN (
  SELECT ol.ticket_type AS ticket_type,
         SUM(CASE WHEN o.status = 'paid' THEN ol.quantity ELSE 0 END) AS sold,
         SUM(CASE WHEN o.status = 'pending' AND o.expires_at > {} THEN ol.quantity ELSE 0 END)
           AS held
  FROM podium_order o JOIN podium_order_line ol ON ol."order" = o.id
  WHERE o.event = {} AND o.status IN ('paid', 'pending')
  GROUP BY ol.ticket_type
) p ON p.ticket_type = tq.ticket_type
LEFT JOIN (
  SELECT w.ticket_type AS ticket_type, COUNT(*) AS waiting
  FROM podium_ticket_waiting w JOIN podium_ticket_type wt ON wt.id = w.ticket_type
  WHERE wt.event = {} AND w.status = 'waiting'
  GROUP BY w.ticket_type
) w ON w.ticket_type = tq.ticket_type
WHERE t.event = {}
ORDER BY tq.ticket_type, tq.quota
"""


async def load_ledger(event_id: int, capacity: int | None, now: datetime, *,
                      quotas: list[dict[str, Any]] | None = None,
                      ) -> tuple[Ledger, dict[int, dict[str, int]]]:
    """The places left per quota of an event at ``now``, and the places ``sold`` and
    ``held`` per type. Pass ``quotas`` already read (under a lock). Expired holds do not
    count: no sweep is needed for availability to be right."""
    if quotas is None:
        quotas = await Quota.select(Quota.id, Quota.size).where(Quota.event == event_id)
    rows = await TicketType.raw(LEDGER_SQL, now, event_id, event_id, event_id)
    type_quotas: dict[int, list[int]] = {}
    places: dict[int, dict[str, int]] = {}
    waiting: dict[int, int] = {}
    for row in rows:
        type_id = int(row["ticket_type"])
        type_quotas.setdefault(type_id, []).append(int(row["quota"]))
        places[type_id] = {"sold": int(row["sold"]), "held": int(row["held"])}
        if row["waiting"]:
            waiting[type_id] = int(row["waiting"])
    used: dict[int, int] = {}
    for type_id, quota_ids in type_quotas.items():
        for quota_id in quota_ids:
            used[quota_id] = used.get(quota_id, 0) + places[type_id]["sold"] + places[type_id]["held"]
    sizes = {q["id"]: capacity if q["size"] is None else q["size"] for q in quotas}
    return Ledger.of(sizes, used, type_quotas, waiting), places


def _type_dict(row: dict[str, Any], quota_ids: tuple[int, ...]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", *TYPE_FIELDS)}
    out.update(event_id=row["event"], quota_ids=list(quota_ids))
    return out


def on_sale(ticket_type: dict[str, Any], event: dict[str, Any], now: datetime) -> str | None:
    """Why a type cannot be bought now, in the request's language (``None`` when it can)."""
    if not ticket_type["active"]:
        return _("this ticket type is not on sale")
    if event["status"] != "scheduled":
        return _("this event is cancelled")
    if ticket_type["sale_starts_at"] and now < ticket_type["sale_starts_at"]:
        return _("sales have not started yet")
    ends = ticket_type["sale_ends_at"] or event["ends_at"]
    if now >= ends:
        return _("sales have ended")
    return None


async def list_types(event_id: int, *, include_inactive: bool = False,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """An event's ticket types in display order, each with ``available`` (``None``: no
    limit), ``sold``, ``held``, ``waiting`` and ``on_sale``/``why_not``."""
    now = now or utc_now()
    event = await event_row(event_id)
    query = TicketType.select().where(TicketType.event == event_id)
    if not include_inactive:
        query = query.where(TicketType.active.eq(True))
    rows = await query.order_by(TicketType.position).order_by(TicketType.id)
    ledger, places = await load_ledger(event_id, event["capacity"], now)
    out = []
    for row in rows:
        item = _type_dict(row, ledger.type_quotas.get(row["id"], ()))
        counts = places.get(row["id"], {"sold": 0, "held": 0})
        why_not = on_sale(item, event, now)
        item.update(available=ledger.available(row["id"]), sold=counts["sold"],
                    held=counts["held"], waiting=ledger.waiting.get(row["id"], 0),
                    on_sale=why_not is None, why_not=why_not)
        out.append(item)
    return out


#: Places sold against each event's capacity: paid order lines of types that count against
#: a whole-event quota (``size`` NULL, which follows the capacity), as the ledger counts
#: them. Holds are left out: they expire without a domain event, and the cached calendar
#: would keep showing them.
PLACES_SOLD_SQL = """
SELECT o.event AS event, SUM(ol.quantity) AS sold
FROM podium_order o JOIN podium_order_line ol ON ol."order" = o.id
WHERE o.event IN ({events}) AND o.status = 'paid'
  AND EXISTS (SELECT 1 FROM podium_ticket_type_quota tq
              JOIN podium_ticket_quota q ON q.id = tq.quota
              WHERE tq.ticket_type = ol.ticket_type AND q.size IS NULL)
GROUP BY o.event
"""


async def places_sold(event_ids: list[int]) -> dict[int, int]:
    """``{event id: places sold against its capacity}`` for those of ``event_ids`` that
    have ticket types (``0`` before the first sale); two queries for the lot."""
    ids = sorted({int(e) for e in event_ids})
    if not ids:
        return {}
    selling = await TicketType.select(TicketType.event).where(
        TicketType.event.is_in(ids)).distinct()
    out = {int(row["event"]): 0 for row in selling}
    if out:
        sql = PLACES_SOLD_SQL.format(events=", ".join("{}" for _ in out))
        for row in await TicketType.raw(sql, *out):
            out[int(row["event"])] = int(row["sold"] or 0)
    return out


async def get_type(type_id: int) -> dict[str, Any]:
    """One ticket type (with its quota ids); :class:`NotFound` otherwise."""
    row = await TicketType.select().where(TicketType.id == type_id).first()
    if row is None:
        raise NotFound(_("there is no ticket type %(type_id)s", type_id=type_id))
    return _type_dict(row, (await type_quota_map([type_id]))[type_id])


async def has_active_types(event_id: int) -> bool:
    """Whether an event sells tickets (it then takes no free bookings)."""
    return bool(await TicketType.exists().where(
        (TicketType.event == event_id) & TicketType.active.eq(True)))


async def sells_tickets(event_id: int) -> bool:
    """Whether an event has ticket types, on sale or not (so tickets may exist)."""
    return bool(await TicketType.exists().where(TicketType.event == event_id))


async def list_quotas(event_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """An event's quotas with ``size`` (``None``: follows the capacity), the size in force
    (``effective_size``), places ``used`` and ``left``, and the types counting against it."""
    now = now or utc_now()
    event = await event_row(event_id)
    rows = await Quota.select().where(Quota.event == event_id).order_by(Quota.id)
    ledger, _places = await load_ledger(event_id, event["capacity"], now, quotas=rows)
    out = []
    for row in rows:
        effective = event["capacity"] if row["size"] is None else row["size"]
        left = ledger.left.get(row["id"])
        types = sorted(t for t, qs in ledger.type_quotas.items() if row["id"] in qs)
        out.append({
            "id": row["id"], "event_id": event_id, "name": row["name"], "size": row["size"],
            "effective_size": effective, "left": left,
            "used": None if effective is None or left is None else effective - left,
            "ticket_type_ids": types, "whole_event": row["size"] is None,
        })
    return out


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def event_gate(event_id: int) -> contextlib.AbstractAsyncContextManager[None]:
    """The queue, in this process, in front of the event's row lock (see
    :func:`podium.core.database.row_queue`); bookings of the event queue there too."""
    return row_queue(("venue-event", event_id))


async def locked_event(event_id: int) -> dict[str, Any]:
    """The event's row, locked (inside the caller's :func:`atomic` block): every write that
    uses or frees places of an event takes this lock first, then its quotas'."""
    row = await for_update(event_query(event_id)).first()
    if row is None:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    return row


async def lock_quotas(event_id: int) -> list[dict[str, Any]]:
    """The event's quota rows, locked in id order (after :func:`locked_event`)."""
    return await for_update(Quota.select(Quota.id, Quota.size).where(Quota.event == event_id)
                            .order_by(Quota.id))


#: The event's row and its quota rows in one statement, each locked (PostgreSQL): the
#: materialised CTE locks the event first, then the lateral sub-select its quotas in id
#: order, the order every writer takes them in (see :func:`locked_event`). An event
#: without quotas gives one row whose quota columns are NULL.
LOCK_EVENT_AND_QUOTAS_PG = """
WITH e AS MATERIALIZED (
  SELECT id, venue, title, status, capacity, starts_at, ends_at FROM podium_event
  WHERE id = {} FOR UPDATE)
SELECT e.id, e.venue, e.title, e.status, e.capacity, e.starts_at, e.ends_at,
       q.id AS quota_id, q.size AS quota_size
FROM e LEFT JOIN LATERAL (
  SELECT qq.id, qq.size FROM podium_ticket_quota qq WHERE qq.event = e.id
  ORDER BY qq.id FOR UPDATE) q ON true
ORDER BY q.id
"""
#: The same on SQLite, whose ``BEGIN IMMEDIATE`` already holds the database's write lock.
LOCK_EVENT_AND_QUOTAS_SQLITE = """
SELECT e.id, e.venue, e.title, e.status, e.capacity, e.starts_at, e.ends_at,
       q.id AS quota_id, q.size AS quota_size
FROM podium_event e LEFT JOIN podium_ticket_quota q ON q.event = e.id
WHERE e.id = {}
ORDER BY q.id
"""


async def lock_event_and_quotas(event_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """:func:`locked_event` then :func:`lock_quotas` in one round trip (inside the caller's
    :func:`atomic` block): the event's row and its quota rows (``id``, ``size``), locked
    in the same order."""
    sql = LOCK_EVENT_AND_QUOTAS_SQLITE if is_sqlite() else LOCK_EVENT_AND_QUOTAS_PG
    rows = await Event.raw(sql, event_id)
    if not rows:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    first = rows[0]
    event = {k: first[k] for k in ("id", "venue", "title", "status", "capacity", "starts_at",
                                   "ends_at")}
    quotas = [{"id": r["quota_id"], "size": r["quota_size"]} for r in rows
              if r["quota_id"] is not None]
    return event, quotas


async def _whole_event_quota(event_id: int) -> int:
    """The event's whole-event quota, made on first need."""
    row = await Quota.select(Quota.id).where(
        (Quota.event == event_id) & Quota.size.is_null()).first()
    if row:
        return int(row["id"])
    quota = Quota(event=event_id, name=WHOLE_EVENT, size=None)
    await quota.save()
    return int(quota.id)


async def _check_quota_ids(event_id: int, ids: Any) -> list[int]:
    if not isinstance(ids, list) or not all(is_id(i) for i in ids):
        raise InvalidInput(_("quotas must be a list of quota ids"), field="quotas")
    found = {r["id"] for r in await Quota.select(Quota.id).where(
        Quota.id.is_in(ids) & (Quota.event == event_id))} if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(_("quota %(value1)s is not a quota of this event", value1=missing[0]), field="quotas")
    return list(dict.fromkeys(ids))


async def _currency_of(event_id: int, except_type: int | None = None) -> str | None:
    query = TicketType.select(TicketType.currency).where(TicketType.event == event_id)
    if except_type is not None:
        query = query.where(TicketType.id != except_type)
    row = await query.first()
    return row["currency"] if row else None


async def create_type(event_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """A new ticket type; ``values`` may carry ``quota`` (a size: a quota of its own) and
    ``quotas`` (ids of the event's quotas to count against).

    :raises InvalidInput: a bad field, a quota of another event, an event without capacity
        and no quota, a currency other than the event's.
    """
    quota_size = values.pop("quota", None)
    quota_ids = values.pop("quotas", None)
    checked = check_type_values({k: v for k, v in values.items() if k in TYPE_FIELDS})
    if quota_size is not None:
        quota_size = whole_number(quota_size, "quota", 0, MAX_QUOTA_SIZE)
    await event_row(event_id)
    await event_keys(event_id)  # made now, not raced for by the first concurrent buyers
    async with atomic():
        event = await locked_event(event_id)
        if await TicketType.count().where(TicketType.event == event_id) >= MAX_TYPES_PER_EVENT:
            raise Conflict(_("an event has at most %(max_types_per_event)s ticket types", max_types_per_event=MAX_TYPES_PER_EVENT),
                           code="too_many_types")
        shared = await _check_quota_ids(event_id, quota_ids) if quota_ids is not None else []
        if not event["capacity"] and quota_size is None and not shared:
            raise InvalidInput(_("this event has no capacity: give the type a quota (a number "
                                 "of places) or quotas to count against"), field="quota")
        currency = checked.setdefault("currency", "EUR")
        existing = await _currency_of(event_id)
        if existing and existing != currency:
            raise InvalidInput(_("this event sells in %(existing)s; all its types use one currency", existing=existing),
                               field="currency")
        row = TicketType(event=event_id, created_at=utc_now(), **checked)
        await row.save()
        type_id = int(row.id)
        links = list(shared)
        if event["capacity"]:
            links.append(await _whole_event_quota(event_id))
        if quota_size is not None:
            own = Quota(event=event_id, name=checked["name"], size=quota_size)
            await own.save()
            links.append(int(own.id))
        await TypeQuota.insert(*[TypeQuota(ticket_type=type_id, quota=q)
                                 for q in dict.fromkeys(links)])
    return await get_type(type_id)


async def update_type(type_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Change some fields of a type (``quotas``: replace the quotas it counts against; the
    whole-event quota stays). Orders already made keep the price they were made at."""
    current = await get_type(type_id)
    quota_ids = values.pop("quotas", None)
    if "quota" in values:
        raise InvalidInput(_("to change a quota's size, change the quota (PATCH /api/v1/quotas/{id})"),
                           field="quota")
    checked = check_type_values({k: v for k, v in values.items() if k in TYPE_FIELDS}, current)
    event_id = current["event_id"]
    async with atomic():
        event = await locked_event(event_id)
        if "currency" in checked:
            existing = await _currency_of(event_id, except_type=type_id)
            if existing and existing != checked["currency"]:
                raise InvalidInput(_("this event sells in %(existing)s; all its types use one currency",
                                     existing=existing), field="currency")
        if checked:
            await TicketType.update({getattr(TicketType, k): v for k, v in checked.items()}
                                    ).where(TicketType.id == type_id)
        if quota_ids is not None:
            wanted = await _check_quota_ids(event_id, quota_ids)
            whole = await Quota.select(Quota.id).where(
                (Quota.event == event_id) & Quota.size.is_null()).first()
            if whole and event["capacity"]:
                wanted.append(whole["id"])
            if not wanted:
                raise InvalidInput(_("a ticket type counts against at least one quota"),
                                   field="quotas")
            await TypeQuota.delete().where(TypeQuota.ticket_type == type_id)
            await TypeQuota.insert(*[TypeQuota(ticket_type=type_id, quota=q)
                                     for q in dict.fromkeys(wanted)])
    return await get_type(type_id)


async def delete_type(type_id: int) -> dict[str, Any] | None:
    """Delete a type nobody ordered (returns ``None``), or deactivate one that has orders
    (returns the type, ``active`` false): its orders and tickets keep pointing at it. A
    quota only it used goes with it."""
    current = await get_type(type_id)
    async with atomic():
        await locked_event(current["event_id"])
        if await OrderLine.exists().where(OrderLine.ticket_type == type_id):
            await TicketType.update({TicketType.active: False}).where(TicketType.id == type_id)
            return {**current, "active": False}
        own = [q for q in current["quota_ids"]
               if not await TypeQuota.exists().where(
                   (TypeQuota.quota == q) & (TypeQuota.ticket_type != type_id))]
        await TicketType.delete().where(TicketType.id == type_id)
        if own:
            await Quota.delete().where(Quota.id.is_in(own) & Quota.size.is_not_null())
    return None


async def create_quota(event_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """A quota of ``size`` places (``ticket_type_ids``: types that count against it)."""
    name = clean_text(values.get("name"), "name", NAME_MAX)
    size = whole_number(values.get("size"), "size", 0, MAX_QUOTA_SIZE)
    type_ids = values.get("ticket_type_ids") or []
    if not isinstance(type_ids, list) or not all(is_id(i) for i in type_ids):
        raise InvalidInput(_("ticket_type_ids must be a list of ticket type ids"),
                           field="ticket_type_ids")
    async with atomic():
        await locked_event(event_id)
        found = {r["id"] for r in await TicketType.select(TicketType.id).where(
            TicketType.id.is_in(type_ids) & (TicketType.event == event_id))} if type_ids else set()
        if set(type_ids) - found:
            raise InvalidInput(_("ticket_type_ids must be types of this event"),
                               field="ticket_type_ids")
        quota = Quota(event=event_id, name=name, size=size)
        await quota.save()
        if found:
            await TypeQuota.insert(*[TypeQuota(ticket_type=t, quota=quota.id) for t in sorted(found)])
    return next(q for q in await list_quotas(event_id) if q["id"] == quota.id)


async def update_quota(quota_id: int, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Rename a quota or change its size (not the whole-event quota's: change the event's
    capacity). Returns the event id and the quota. A size below what is sold or held is
    allowed (nothing more sells) and said so by ``left`` 0."""
    row = await Quota.select().where(Quota.id == quota_id).first()
    if row is None:
        raise NotFound(_("there is no quota %(quota_id)s", quota_id=quota_id))
    changes: dict[Any, Any] = {}
    if "name" in values:
        changes[Quota.name] = clean_text(values["name"], "name", NAME_MAX)
    if "size" in values:
        if row["size"] is None:
            raise InvalidInput(_("the whole-event quota follows the event's capacity: change the "
                                 "event's capacity instead"), field="size")
        changes[Quota.size] = whole_number(values["size"], "size", 0, MAX_QUOTA_SIZE)
    async with atomic():
        await locked_event(row["event"])
        if changes:
            await Quota.update(changes).where(Quota.id == quota_id)
    quota = next(q for q in await list_quotas(row["event"]) if q["id"] == quota_id)
    return row["event"], quota


def hold_until(now: datetime, minutes: int) -> datetime:
    """When a hold of ``minutes`` made at ``now`` expires."""
    return now + timedelta(minutes=minutes)
