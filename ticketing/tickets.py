"""Tickets: issuing them with signed secrets, rotating a secret, revoking tickets.

These run inside the caller's transaction (an order being paid, a transfer, a refund):
the ticket rows, the revocation list and the domain event for the ledger and the other
plugins commit together or not at all. Ticket codes are 128 random bits (unguessable);
the secret a QR code carries is signed (:mod:`podium.ticketing.secrets`).
"""

from __future__ import annotations

import secrets as random_source
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from podium.core.events import (
    IssuedTicket,
    RevocationReason,
    TicketRevocation,
    TicketsIssued,
    TicketsRevoked,
)
from podium.core.outbox import record
from podium.core.venue.tables import Event
from podium.ticketing import secrets
from podium.ticketing.keys import EventKeys, event_keys
from podium.ticketing.tables import ResaleListing, RevokedSecret, Ticket, TicketType

#: A ticket opens the gate from this long before its event starts (unless its type says).
GATES_OPEN_BEFORE = timedelta(hours=2)

TICKET_COLUMNS = (
    Ticket.id, Ticket.code, Ticket.order, Ticket.ticket_type, Ticket.event, Ticket.holder,
    Ticket.status, Ticket.serial, Ticket.secret, Ticket.price_cents, Ticket.currency,
    Ticket.issued_at, Ticket.inside, Ticket.last_scan_at, Ticket.last_scan_gate,
)


def utc_now() -> datetime:
    """Now, in UTC (one place, so tests can reason about it)."""
    return datetime.now(timezone.utc)


def new_code(prefix: str = "") -> str:
    """An opaque, unguessable id: 128 random bits in base64url (22 characters)."""
    return prefix + random_source.token_urlsafe(16)


def validity(type_row: Mapping[str, Any], event_row: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """When a ticket of this type opens the gate: the type's window, else from two hours
    before the event's start to its end."""
    start = type_row.get("valid_from") or event_row["starts_at"] - GATES_OPEN_BEFORE
    end = type_row.get("valid_until") or event_row["ends_at"]
    return start, end


async def _claims_for(ticket_type_id: int, event_id: int, code: str, serial: int, *,
                      type_row: Mapping[str, Any] | None = None,
                      event_row: Mapping[str, Any] | None = None) -> secrets.TicketClaims:
    """The claims a ticket's secret signs; the type's and event's rows are read unless the
    caller has them (``event_row`` needs ``starts_at`` and ``ends_at``)."""
    if type_row is None:
        type_row = await TicketType.select().where(TicketType.id == ticket_type_id).first()
    if event_row is None:
        event_row = await Event.select(Event.starts_at, Event.ends_at).where(Event.id == event_id).first()
    if type_row is None or event_row is None:  # pragma: no cover - foreign keys hold
        raise LookupError("ticket type or event gone")
    start, end = validity(type_row, event_row)
    return secrets.TicketClaims(code, serial, ticket_type_id, event_id, start, end)


def prepare(
    *, keys: EventKeys, event_id: int, holder_id: int | None,
    lines: Sequence[tuple[int, int, int, str]], types: Mapping[int, Mapping[str, Any]],
    event_row: Mapping[str, Any], stamp: datetime,
) -> tuple[list[dict[str, Any]], list[IssuedTicket]]:
    """New tickets, not written yet: their rows (``order`` and ``id`` left for the writer)
    with signed secrets, and what :class:`~podium.core.events.TicketsIssued` says of them.
    Pure: the caller has the event's keys, the lines' type rows and the event's row
    (``starts_at``, ``ends_at``), and writes the rows in its own transaction.

    :param lines: ``(ticket_type_id, quantity, unit_price_cents, currency)`` per line.
    """
    rows: list[dict[str, Any]] = []
    issued: list[IssuedTicket] = []
    for type_id, quantity, price, currency in lines:
        start, end = validity(types[type_id], event_row)
        for _ in range(quantity):
            code = new_code()
            claims = secrets.TicketClaims(code, 1, type_id, event_id, start, end)
            rows.append({
                "code": code, "ticket_type": type_id, "event": event_id, "holder": holder_id,
                "status": "valid", "serial": 1, "secret": secrets.sign(keys.signing_key, claims),
                "price_cents": price, "currency": currency, "issued_at": stamp,
                "inside": False, "last_scan_at": None, "last_scan_gate": "",
            })
            issued.append(IssuedTicket(
                ticket_id=code, ticket_type_id=type_id, venue_event_id=event_id,
                holder_commitment=keys.commitment(holder_id), price_cents=price,
                currency=currency, serial=1,
            ))
    return rows, issued


async def issue(
    *, event_id: int, venue_id: int | None, order_id: int | None, order_code: str,
    holder_id: int | None, lines: Sequence[tuple[int, int, int, str]],
    types: Mapping[int, Mapping[str, Any]] | None = None,
    event_row: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Issue tickets (inside the caller's transaction) and record
    :class:`~podium.core.events.TicketsIssued`.

    :param lines: ``(ticket_type_id, quantity, unit_price_cents, currency)`` per line.
    :param types: the lines' ticket type rows, by id, when the caller has them already,
        and ``event_row`` the event's (``starts_at``, ``ends_at``).
    :returns: the new tickets as :func:`ticket_dict` gives them.
    """
    keys = await event_keys(event_id)
    wanted = sorted({line[0] for line in lines})
    if types is None or any(t not in types for t in wanted):
        types = {r["id"]: r for r in await TicketType.select().where(TicketType.id.is_in(wanted))}
    if event_row is None:
        event_row = await Event.select(Event.starts_at, Event.ends_at).where(
            Event.id == event_id).first()
    if event_row is None or any(t not in types for t in wanted):  # pragma: no cover - foreign keys hold
        raise LookupError("ticket type or event gone")
    rows, issued = prepare(keys=keys, event_id=event_id, holder_id=holder_id, lines=lines,
                           types=types, event_row=event_row, stamp=utc_now())
    if not rows:
        return []
    made = [Ticket(order=order_id, **row) for row in rows]
    await Ticket.insert(*made)
    await record(TicketsIssued(venue_id=venue_id, tickets=tuple(issued), order_ref=order_code))
    return [ticket_dict(t.to_dict()) for t in made]


async def rotate_secret(ticket: dict[str, Any], *, holder_id: int | None,
                        keys: EventKeys | None = None) -> dict[str, Any]:
    """Give a valid ticket a new secret (next serial) and, optionally, a new holder;
    the old secret goes on the revocation list. Inside the caller's transaction, with the
    ticket row locked. Returns the updated ticket. Records no event: the caller records
    what happened (a transfer, a reissue)."""
    keys = keys or await event_keys(ticket["event"])
    serial = ticket["serial"] + 1
    claims = await _claims_for(ticket["ticket_type"], ticket["event"], ticket["code"], serial)
    secret = secrets.sign(keys.signing_key, claims)
    await RevokedSecret.insert(RevokedSecret(
        event=ticket["event"], ticket=ticket["id"], serial=ticket["serial"],
        reason="reissued", revoked_at=utc_now(),
    ))
    await Ticket.update({Ticket.serial: serial, Ticket.secret: secret, Ticket.holder: holder_id}).where(
        Ticket.id == ticket["id"])
    return {**ticket, "serial": serial, "secret": secret, "holder": holder_id}


async def reissue(ticket: dict[str, Any], *, venue_id: int | None) -> dict[str, Any]:
    """A new QR for the same holder (a lost or leaked screenshot): rotate the secret and
    record the revocation of the old one (``reissued``)."""
    updated = await rotate_secret(ticket, holder_id=ticket["holder"])
    await record(TicketsRevoked(venue_id=venue_id, revocations=(TicketRevocation(
        ticket_id=ticket["code"], venue_event_id=ticket["event"], reason="reissued",
        serial=ticket["serial"], new_serial=updated["serial"]),)))
    return updated


async def revoke(tickets: Sequence[dict[str, Any]], reason: RevocationReason, *,
                 venue_id: int | None) -> None:
    """Kill tickets (inside the caller's transaction): their status becomes ``reason``
    (``cancelled``, ``refunded``, ``revoked``), their secrets go on the revocation list,
    their resale listings are withdrawn, and :class:`~podium.core.events.TicketsRevoked`
    is recorded."""
    live = [t for t in tickets if t["status"] == "valid"]
    if not live:
        return
    stamp = utc_now()
    ids = [t["id"] for t in live]
    await Ticket.update({Ticket.status: reason}).where(Ticket.id.is_in(ids))
    await RevokedSecret.insert(*[
        RevokedSecret(event=t["event"], ticket=t["id"], serial=t["serial"], reason=reason,
                      revoked_at=stamp) for t in live
    ])
    await ResaleListing.update({ResaleListing.status: "withdrawn", ResaleListing.closed_at: stamp}).where(
        ResaleListing.ticket.is_in(ids) & (ResaleListing.status == "listed"))
    await record(TicketsRevoked(venue_id=venue_id, revocations=tuple(
        TicketRevocation(ticket_id=t["code"], venue_event_id=t["event"], reason=reason,
                         serial=t["serial"]) for t in live
    )))


async def revocation_list(event_id: int) -> list[str]:
    """The event's dead secrets as ``<ticket code>.<serial>`` (what offline gates keep)."""
    rows = await RevokedSecret.select(RevokedSecret.ticket.code, RevokedSecret.serial).where(
        RevokedSecret.event == event_id).order_by(RevokedSecret.id)
    return [f"{row['ticket.code']}.{row['serial']}" for row in rows]


def ticket_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A ticket row as services pass it around (``event``, ``ticket_type``, ``holder`` and
    ``order`` are ids)."""
    return {key: row.get(key) for key in (
        "id", "code", "order", "ticket_type", "event", "holder", "status", "serial", "secret",
        "price_cents", "currency", "issued_at", "inside", "last_scan_at", "last_scan_gate",
    )}
