"""Holding tickets: a holder's tickets, one ticket, transferring it, a new QR.

A transfer is a write that competes for one scarce thing, the ticket: it locks the ticket
row (:func:`podium.core.database.for_update`, ``BEGIN IMMEDIATE`` on SQLite), re-checks
the organiser's rules (:mod:`podium.ticketing.rules`) inside the transaction, rotates the
secret for the new holder (the old serial goes on the revocation list, so the old QR dies
at once), writes a :class:`~podium.ticketing.tables.Transfer` fact, withdraws an open resale
listing and records :class:`~podium.core.events.TicketsTransferred` with the holders as
commitments, all in one transaction.

``LOCKING`` is the negative control of the concurrency tests: with
``PODIUM_TICKETING_NO_LOCK=1`` in the environment the writes run without a transaction or
row lock, and the race tests show a ticket going to two people. Never set it elsewhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from podium.core.i18n import _, format_money
from podium.ticketing.labels import ticket_status_label
from podium.core.accounts.service import CurrentUser, get_user_by_name
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.events import TicketsTransferred, TicketTransfer
from podium.core.outbox import record
from podium.core.venue.tables import Event
from podium.ticketing import rules, tickets
from podium.ticketing.controls import lock_removed
from podium.ticketing.keys import event_keys
from podium.ticketing.tables import ResaleListing, Scan, Ticket, TicketSettings, Transfer

#: ``False`` only in the negative control of the race tests (see the module docstring).
LOCKING = not lock_removed("PODIUM_TICKETING_NO_LOCK")

#: Who may see any ticket of an event (without its secret).
STAFF_ROLES = ("organiser", "staff")

#: A held ticket's status as the previous holder sees it.
TRANSFERRED = "transferred"

MAX_USERNAME = 150

VIEW_COLUMNS = (
    *tickets.TICKET_COLUMNS,
    Ticket.event.title.as_alias("event_title"),
    Ticket.event.starts_at.as_alias("event_starts_at"),
    Ticket.event.ends_at.as_alias("event_ends_at"),
    Ticket.event.status.as_alias("event_status"),
    Ticket.event.venue.as_alias("venue_id"),
    Ticket.ticket_type.name.as_alias("type_name"),
)


@contextlib.asynccontextmanager
async def locked() -> AsyncIterator[None]:
    """The transaction of a competing write (:func:`atomic`), or nothing at all in the
    negative control."""
    if LOCKING:
        async with atomic():
            yield
    else:
        yield


def lock(query: Any) -> Any:
    """``SELECT ... FOR UPDATE`` on PostgreSQL (unless the negative control is on)."""
    return for_update(query) if LOCKING else query


async def ticket_rules(event_id: int) -> rules.Rules:
    """The organiser's transfer and resale rules for an event, with the defaults when it
    set none: transfers and resale allowed, resale at face value, until the start."""
    settings = await TicketSettings.select().where(TicketSettings.event == event_id).first()
    event = await Event.select(Event.starts_at).where(Event.id == event_id).first()
    if event is None:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    if settings is None:
        return rules.Rules(True, True, None, event["starts_at"])
    return rules.Rules(
        transfers_allowed=bool(settings["transfers_allowed"]),
        resale_allowed=bool(settings["resale_allowed"]),
        resale_cap_cents=settings["resale_cap_cents"],
        deadline=settings["transfer_deadline"] or event["starts_at"],
    )


async def hold_minutes(event_id: int) -> int:
    """How long a pending payment holds something for this event (default 15 minutes)."""
    settings = await TicketSettings.select(TicketSettings.hold_minutes).where(
        TicketSettings.event == event_id).first()
    return int(settings["hold_minutes"]) if settings else 15


def state_of(row: dict[str, Any]) -> rules.TicketState:
    """The part of a ticket row the rules look at."""
    return rules.TicketState(status=row["status"], inside=bool(row["inside"]),
                             face_value_cents=int(row["price_cents"]))


def check_code(code: Any) -> str:
    """A ticket code from a URL or a form (a 404 for anything that cannot be one)."""
    if not isinstance(code, str) or not 1 <= len(code) <= 32 or not code.isascii() or not code.replace(
            "-", "").replace("_", "").isalnum():
        raise NotFound(_("there is no such ticket"))
    return code


def _open_listing(listing: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    if listing is None:
        return None
    return {
        "id": listing["id"], "price_cents": listing["price_cents"], "currency": listing["currency"],
        "status": "reserved" if is_reserved(listing, now) else "listed",
    }


def is_reserved(listing: dict[str, Any], now: datetime) -> bool:
    """True while a buyer's reservation of a listing holds (it lapses at
    ``reserved_until``)."""
    return listing["status"] == "reserved" and listing["reserved_until"] is not None and (
        listing["reserved_until"] > now)


def view(row: dict[str, Any], viewer: CurrentUser, *, listing: dict[str, Any] | None = None,
         now: datetime | None = None) -> dict[str, Any]:
    """A ticket as ``viewer`` may see it: the holder gets the secret of a valid ticket,
    staff and the previous holder never do (the previous holder sees ``transferred``)."""
    now = now or tickets.utc_now()
    mine = row["holder"] == viewer.id
    status = row["status"] if mine or viewer.has_role(*STAFF_ROLES) else TRANSFERRED
    return {
        "code": row["code"],
        "event": {"id": row["event"], "title": row["event_title"], "starts_at": row["event_starts_at"],
                  "ends_at": row["event_ends_at"], "status": row["event_status"]},
        "ticket_type": {"id": row["ticket_type"], "name": row["type_name"]},
        "status": status,
        "serial": row["serial"] if status != TRANSFERRED else None,
        "secret": row["secret"] if mine and row["status"] == "valid" else None,
        "inside": bool(row["inside"]) if status != TRANSFERRED else False,
        "price_cents": row["price_cents"],
        "currency": row["currency"],
        "yours": mine,
        "resale": _open_listing(listing, now) if mine else None,
    }


async def _listings(ticket_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ticket_ids:
        return {}
    rows = await ResaleListing.select().where(
        ResaleListing.ticket.is_in(ticket_ids) & ResaleListing.status.is_in(["listed", "reserved"]))
    return {r["ticket"]: r for r in rows}


async def my_tickets(user: CurrentUser) -> list[dict[str, Any]]:
    """The user's tickets (held, and those they transferred or sold away), upcoming
    events first, then past ones (latest first)."""
    held = await Ticket.select(*VIEW_COLUMNS).where(Ticket.holder == user.id)
    given = await Transfer.select(Transfer.ticket).where(Transfer.from_user == user.id)
    held_ids = {r["id"] for r in held}
    away_ids = list({r["ticket"] for r in given} - held_ids)
    away = await Ticket.select(*VIEW_COLUMNS).where(Ticket.id.is_in(away_ids)) if away_ids else []
    listings = await _listings(list(held_ids))
    now = tickets.utc_now()
    items = [view(r, user, listing=listings.get(r["id"]), now=now) for r in [*held, *away]]
    upcoming = sorted((t for t in items if t["event"]["ends_at"] > now),
                      key=lambda t: (t["event"]["starts_at"], t["event"]["id"], t["code"]))
    past = sorted((t for t in items if t["event"]["ends_at"] <= now),
                  key=lambda t: (t["event"]["starts_at"], t["event"]["id"], t["code"]), reverse=True)
    return upcoming + past


async def _ticket_row(code: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await Ticket.select(*VIEW_COLUMNS).where(
        Ticket.code == check_code(code)).first()
    return row


async def get_ticket(code: str, user: CurrentUser) -> dict[str, Any]:
    """One ticket for its holder, its previous holders, or organisers and staff (404 to
    anyone else, as if it did not exist)."""
    row = await _ticket_row(code)
    if row is None:
        raise NotFound(_("there is no such ticket"))
    if row["holder"] != user.id and not user.has_role(*STAFF_ROLES) and not await Transfer.exists().where(
            (Transfer.ticket == row["id"]) & (Transfer.from_user == user.id)):
        raise NotFound(_("there is no such ticket"))
    listings = await _listings([row["id"]])
    return view(row, user, listing=listings.get(row["id"]))


async def held_ticket(code: str, user: CurrentUser) -> dict[str, Any]:
    """The row of a ticket ``user`` holds now (404 otherwise): for the QR images."""
    row = await _ticket_row(code)
    if row is None or row["holder"] != user.id:
        raise NotFound(_("there is no such ticket of yours"))
    return row


async def locked_ticket(code: str, holder_id: int) -> dict[str, Any]:
    """Lock the row of a ticket ``holder_id`` holds, inside the caller's :func:`locked`
    block (404 if it is not theirs)."""
    row = await lock_ticket_where(Ticket.code == check_code(code))
    if row is None or row["holder"] != holder_id:
        raise NotFound(_("there is no such ticket of yours"))
    return row


async def lock_ticket_where(where: Any) -> dict[str, Any] | None:
    """Lock one ticket row (no join: PostgreSQL locks no outer join's side), then read its
    event's and type's columns (:data:`VIEW_COLUMNS`)."""
    row: dict[str, Any] | None = await lock(Ticket.select(*tickets.TICKET_COLUMNS).where(where)).first()
    if row is None:
        return None
    extra = await Ticket.select(*VIEW_COLUMNS).where(Ticket.id == row["id"]).first()
    assert extra is not None
    return {**extra, **row}


def _recipient_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("say who receives the ticket (their username)"), field="to_username")
    name = value.strip()
    if len(name) > MAX_USERNAME or "\x00" in name:
        raise InvalidInput(_("there is no account with that username"), field="to_username",
                           code="unknown_recipient")
    return name


async def hand_over(row: dict[str, Any], *, from_id: int, to_id: int,
                    price_cents: int | None) -> dict[str, Any]:
    """Move a locked, valid ticket to ``to_id`` (inside the caller's transaction): a new
    secret for the new holder, the old one revoked, a :class:`Transfer` fact, open resale
    listings closed (``sold`` when resold, else ``withdrawn``) and
    :class:`TicketsTransferred` recorded. Returns the updated row."""
    keys = await event_keys(row["event"])
    updated = await tickets.rotate_secret(row, holder_id=to_id, keys=keys)
    stamp = tickets.utc_now()
    await Transfer.insert(Transfer(ticket=row["id"], from_user=from_id, to_user=to_id,
                                   price_cents=price_cents, serial=updated["serial"], at=stamp))
    await ResaleListing.update({ResaleListing.status: "withdrawn", ResaleListing.closed_at: stamp}).where(
        (ResaleListing.ticket == row["id"]) & ResaleListing.status.is_in(["listed", "reserved"]))
    await record(TicketsTransferred(venue_id=row["venue_id"], transfers=(TicketTransfer(
        ticket_id=row["code"], venue_event_id=row["event"],
        from_commitment=keys.commitment(from_id), to_commitment=keys.commitment(to_id),
        serial=updated["serial"], price_cents=price_cents, currency=row["currency"]),)))
    return updated


async def transfer(code: str, user: CurrentUser, to_username: Any) -> dict[str, Any]:
    """Give a ticket to another account, under the organiser's rules.

    :returns: the ticket as the caller now sees it (``transferred``, no secret).
    :raises InvalidInput: no such recipient (``unknown_recipient``).
    :raises Conflict: a rule refuses (``transfers_not_allowed``, ``deadline_passed``,
        ``ticket_not_valid``, ``ticket_used``, ``same_holder``) or a resale buyer is paying
        for it (``resale_reserved``).
    """
    name = _recipient_name(to_username)
    recipient = await get_user_by_name(name)
    if recipient is None:
        raise InvalidInput(_("there is no account named %(name)s", name=repr(name)), field="to_username",
                           code="unknown_recipient")
    async with locked():
        row = await locked_ticket(code, user.id)
        refusal = rules.transfer_refusal(await ticket_rules(row["event"]), state_of(row),
                                         tickets.utc_now(), to_self=recipient.id == user.id)
        if refusal is not None:
            raise Conflict(refusal.detail, code=refusal.code)
        open_listing = await ResaleListing.select().where(
            (ResaleListing.ticket == row["id"]) & (ResaleListing.status == "reserved")).first()
        if open_listing is not None and is_reserved(open_listing, tickets.utc_now()):
            raise Conflict(_("a buyer is paying for this ticket on resale; withdraw it once the "
                             "reservation lapses"), code="resale_reserved")
        updated = await hand_over(row, from_id=user.id, to_id=recipient.id, price_cents=None)
    return view({**row, **updated}, user)


async def reissue(code: str, user: CurrentUser) -> dict[str, Any]:
    """A new QR for the holder's valid ticket (a leaked screenshot): the old secret dies."""
    async with locked():
        row = await locked_ticket(code, user.id)
        if row["status"] != "valid":
            raise Conflict(_("this ticket is %(value1)s; it has no QR to replace", value1=ticket_status_label(row['status'])),
                           code="ticket_not_valid")
        updated = await tickets.reissue(row, venue_id=row["venue_id"])
    return view({**row, **updated}, user)


async def history(code: str, user: CurrentUser) -> list[dict[str, Any]]:
    """A ticket's own facts, oldest first: its transfers and resales, and its scans at the
    gate. Other people are named only when they are the viewer ("you")."""
    row = await _ticket_row(code)
    if row is None:
        raise NotFound(_("there is no such ticket"))
    out: list[dict[str, Any]] = [{"at": row["issued_at"], "what": _("Issued"),
                                  "detail": ""}]
    for t in await Transfer.select().where(Transfer.ticket == row["id"]).order_by(Transfer.id):
        resold = t["price_cents"] is not None
        if t["to_user"] == user.id:
            what = _("Bought on resale by you") if resold else _("Transferred to you")
        elif t["from_user"] == user.id:
            what = _("Sold on resale by you") if resold else _("Transferred by you")
        else:
            what = _("Resold") if resold else _("Transferred")
        detail = format_money(t["price_cents"], row["currency"]) if resold else ""
        out.append({"at": t["at"], "what": what, "detail": detail})
    for s in await Scan.select().where(Scan.ticket == row["id"]).order_by(Scan.id):
        what = (_("Entry scan at %(gate)s", gate=s["gate"]) if s["direction"] == "entry"
                else _("Exit scan at %(gate)s", gate=s["gate"]))
        # A refusal's detail was written in the scanning staff's language; its code otherwise.
        detail = (_("admitted") if s["result"] == "ok"
                  else _("refused: %(reason)s", reason=s["detail"] or s["result"]))
        out.append({"at": s["scanned_at"], "what": what, "detail": detail})
    out.sort(key=lambda item: item["at"])
    return out
