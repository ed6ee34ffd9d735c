"""Ticket domain events → ledger entries: canonical JSON bytes without personal data.

Pure functions. Each entry is an RFC 8785 (JSON Canonicalization Scheme) serialisation,
so the bytes that are hashed depend on nothing but the values: keys sorted by UTF-16
code units, no whitespace, numbers and strings in one fixed form. Holders appear only as
the keyed commitments the ticketing domain computed (``holder``, ``from``, ``to``).

Every entry carries ``v`` (the format version, 1), ``kind``, ``at`` (when it happened,
UTC, RFC 3339) and ``src``: ``<domain event id>#<i>``, the event and the position in its
collection, which makes appending idempotent (a repeated delivery appends nothing).

========================  =============================================================
kind                      from
========================  =============================================================
``issued``                ``TicketsIssued`` (one entry per ticket)
``paid``                  ``OrdersPaid`` (one entry per order; a very large order is
                          split into ``part``/``parts`` so each entry fits a bundle)
``transferred``           ``TicketsTransferred`` without a price
``resold``                ``TicketsTransferred`` with a price
``reissued``, ``revoked``,  ``TicketsRevoked``, by reason
``refunded``, ``cancelled``
``checked_in``,           ``TicketsCheckedIn``, by direction
``checked_out``
========================  =============================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import rfc8785

from podium.core.events import (
    DomainEvent,
    OrdersPaid,
    TicketsCheckedIn,
    TicketsIssued,
    TicketsRevoked,
    TicketsTransferred,
)

VERSION = 1
#: Longest entry (an entry bundle stores the length as a uint16).
MAX_ENTRY_BYTES = 0xFFFF
#: Every kind an entry can have.
KINDS = ("issued", "paid", "transferred", "resold", "reissued", "revoked", "refunded",
         "cancelled", "checked_in", "checked_out")
_MAX_SAFE_INT = (1 << 53) - 1


@dataclass(frozen=True)
class PendingEntry:
    """An entry about to be appended.

    :param src: ``<event id>#<i>`` (``/<part>`` for a split order): the idempotency key.
    :param body: the canonical JSON bytes that are hashed into the tree.
    :param tickets: the ticket ids it is about (for a ticket's history).
    :param venue_event_id: the venue event it belongs to (``None`` if unknown).
    """

    src: str
    kind: str
    body: bytes
    tickets: tuple[str, ...]
    venue_event_id: int | None


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (a naive time is taken as UTC); microseconds only
    when there are some."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(fmt)


def _num(value: int) -> int | str:
    """An integer as JSON can carry it exactly (I-JSON): beyond 2**53, as a string."""
    return value if -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT else str(value)


def canonical(obj: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of ``obj``."""
    return rfc8785.dumps(obj)


def _entry(src: str, kind: str, fields: dict[str, Any], at: datetime,
           tickets: Sequence[str], venue_event_id: int | None) -> PendingEntry:
    obj = {"v": VERSION, "kind": kind, **fields, "at": iso(at), "src": src}
    body = canonical(obj)
    if len(body) > MAX_ENTRY_BYTES:
        raise ValueError(f"ledger entry {src} is {len(body)} bytes; an entry holds at most "
                         f"{MAX_ENTRY_BYTES}")
    return PendingEntry(src, kind, body, tuple(tickets), venue_event_id)


def _src(event: DomainEvent, i: int) -> str:
    return f"{event.event_id}#{i}"


def issued(event: TicketsIssued) -> list[PendingEntry]:
    """One ``issued`` entry per ticket."""
    out = []
    for i, t in enumerate(event.tickets):
        fields: dict[str, Any] = {
            "ticket": t.ticket_id, "event": _num(t.venue_event_id),
            "type": _num(t.ticket_type_id), "holder": t.holder_commitment,
            "serial": _num(t.serial), "price_cents": _num(t.price_cents),
            "currency": t.currency,
        }
        if event.order_ref:
            fields["order"] = event.order_ref
        out.append(_entry(_src(event, i), "issued", fields, event.occurred_at,
                          [t.ticket_id], t.venue_event_id))
    return out


def paid(event: OrdersPaid, *, max_tickets: int = 500) -> list[PendingEntry]:
    """One ``paid`` entry per order (split into parts of ``max_tickets`` tickets)."""
    out = []
    for i, order in enumerate(event.orders):
        ticket_ids = list(order.ticket_ids)
        chunks = [ticket_ids[j:j + max_tickets]
                  for j in range(0, len(ticket_ids), max_tickets)] or [[]]
        for part, chunk in enumerate(chunks, start=1):
            fields: dict[str, Any] = {
                "order": order.order_ref, "event": _num(order.venue_event_id),
                "total_cents": _num(order.total_cents), "currency": order.currency,
                "method": order.payment_method, "tickets": chunk,
            }
            src = _src(event, i)
            if len(chunks) > 1:
                fields["part"], fields["parts"] = part, len(chunks)
                src = f"{src}/{part}"
            out.append(_entry(src, "paid", fields, event.occurred_at, chunk,
                              order.venue_event_id))
    return out


def transferred(event: TicketsTransferred) -> list[PendingEntry]:
    """``transferred`` (no price) or ``resold`` (a price) per transfer."""
    out = []
    for i, t in enumerate(event.transfers):
        kind = "transferred" if t.price_cents is None else "resold"
        fields: dict[str, Any] = {
            "ticket": t.ticket_id, "event": _num(t.venue_event_id),
            "from": t.from_commitment, "to": t.to_commitment, "serial": _num(t.serial),
        }
        if t.price_cents is not None:
            fields["price_cents"], fields["currency"] = _num(t.price_cents), t.currency
        out.append(_entry(_src(event, i), kind, fields, event.occurred_at, [t.ticket_id],
                          t.venue_event_id))
    return out


def revoked(event: TicketsRevoked) -> list[PendingEntry]:
    """``reissued``, ``revoked``, ``refunded`` or ``cancelled`` per revocation (its
    reason)."""
    out = []
    for i, r in enumerate(event.revocations):
        fields: dict[str, Any] = {"ticket": r.ticket_id, "event": _num(r.venue_event_id),
                                  "serial": _num(r.serial)}
        if r.new_serial is not None:
            fields["new_serial"] = _num(r.new_serial)
        kind = r.reason if r.reason in KINDS else "revoked"
        if kind != r.reason:
            fields["reason"] = r.reason
        out.append(_entry(_src(event, i), kind, fields, event.occurred_at, [r.ticket_id],
                          r.venue_event_id))
    return out


def checked_in(event: TicketsCheckedIn) -> list[PendingEntry]:
    """``checked_in`` (entry) or ``checked_out`` (exit) per scan, at the scan's own time
    (an offline gate uploads later)."""
    out = []
    for i, c in enumerate(event.checkins):
        kind = "checked_out" if c.direction == "exit" else "checked_in"
        fields: dict[str, Any] = {"ticket": c.ticket_id, "event": _num(c.venue_event_id),
                                  "gate": c.gate, "offline": c.offline}
        if c.check_in_list:
            fields["list"] = c.check_in_list
        out.append(_entry(_src(event, i), kind, fields, c.checked_in_at, [c.ticket_id],
                          c.venue_event_id or None))
    return out


def entries_of(event: DomainEvent) -> list[PendingEntry]:
    """The entries a ticket event becomes (``[]`` for any other event)."""
    if isinstance(event, TicketsIssued):
        return issued(event)
    if isinstance(event, OrdersPaid):
        return paid(event)
    if isinstance(event, TicketsTransferred):
        return transferred(event)
    if isinstance(event, TicketsRevoked):
        return revoked(event)
    if isinstance(event, TicketsCheckedIn):
        return checked_in(event)
    return []
