"""Bookings: places people book on an event, and cancelling them.

A booking locks the event row and re-counts its places inside one transaction, so
concurrent requests never exceed the capacity. Each change of the places left is recorded
as a :class:`~podium.core.events.BookingsChanged` domain event in that transaction (the
event's open pages show the new count, through the outbox).
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.i18n import _, ngettext
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update, row_queue
from podium.core.errors import Conflict, NotFound
from podium.core.events import BookingsChanged, VenueEvent
from podium.core.outbox import record
from podium.core.plugins import flatten
from podium.core.validation import DEFAULT_LIMIT, check_page, whole_number
from podium.core.venue.events import (
    EVENT_COLUMNS,
    VenueScope,
    decorate_events,
    get_event,
    utc_now,
)
from podium.core.venue.tables import Booking, Event

MAX_PLACES_PER_BOOKING = 10


async def book(scope: VenueScope, event_id: int, user: CurrentUser, places: Any) -> tuple[dict[str, Any], int]:
    """Book ``places`` (1–10) for ``user``; returns the booking and the places left.

    The event row is locked and the places re-counted inside one transaction, so
    concurrent requests never exceed the capacity. Plugins may refuse through
    ``podium_validate_booking``.

    :raises Conflict: the event is full, cancelled, over, not bookable, already booked by
        this user, or a plugin refused (``reasons``).
    """
    count = whole_number(places, "places", 1, MAX_PLACES_PER_BOOKING)
    async with row_queue(("venue-event", event_id)), atomic():
        row = await for_update(Event.select(*EVENT_COLUMNS).where(Event.id == event_id)).first()
        if row is None or row["venue"] != scope.venue_id:
            raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
        if row["status"] != "scheduled":
            raise Conflict(_("this event is cancelled; it takes no bookings"), code="event_cancelled")
        if not row["capacity"]:
            raise Conflict(_("this event does not take bookings"), code="not_bookable")
        if row["ends_at"] <= utc_now():
            raise Conflict(_("this event is over"), code="event_over")
        if await Booking.exists().where(
            (Booking.event == event_id) & (Booking.user == user.id) & (Booking.status == "active")
        ):
            raise Conflict(
                _("you already have a booking for this event; cancel it to book differently"),
                code="already_booked",
            )
        event = (await decorate_events([row]))[0]
        reasons = [
            str(r) for r in flatten(await scope.host.acall_for(
                scope.enabled, "podium_validate_booking",
                event=dict(event), user=user, places=count,
            )) if r
        ]
        if reasons:
            raise Conflict("; ".join(reasons), code="booking_refused", reasons=reasons)
        booked = event["booked"]
        left = row["capacity"] - booked
        if count > left:
            raise Conflict(
                ngettext("only %(num)s place left", "only %(num)s places left", left) if left
                else _("this event is full"),
                code="full", remaining=left,
            )
        booking = Booking(event=event_id, user=user.id, places=count, status="active",
                          created_at=utc_now())
        await booking.save()
        # The places left follow from what was counted under the lock: no second read.
        await record_places({**event, "booked": booked + count, "remaining": left - count})
    return _booking_dict(booking.to_dict()), left - count


async def count_places_sold(scope: VenueScope, events: list[dict[str, Any]]
                            ) -> list[dict[str, Any]]:
    """Add to ``events`` (as :func:`decorate_events` gives them) the places the venue's
    plugins sell themselves (``podium_places_sold``: tickets), in place, and return them.

    An event some plugin sells gets ``sold`` (an int, ``None`` otherwise) and, when it has a
    capacity, ``remaining`` net of those places too. One hook call for the lot."""
    if not events:
        return events
    answers = await scope.host.acall_for(scope.enabled, "podium_places_sold",
                                         event_ids=[e["id"] for e in events])
    sold: dict[int, int] = {}
    for answer in answers:
        for event_id, places in (answer or {}).items():
            sold[event_id] = sold.get(event_id, 0) + int(places)
    for event in events:
        if event["id"] not in sold:
            continue
        event["sold"] = sold[event["id"]]
        if event["capacity"]:
            event["remaining"] = max(event["capacity"] - event["booked"] - event["sold"], 0)
    return events


async def record_places(event: dict[str, Any]) -> None:
    """Record, in the write's transaction, that an event's places left changed (``event``
    as :func:`get_event` gives it, after the write)."""
    await record(BookingsChanged(venue_id=event["venue_id"], events=(VenueEvent.of(event),)))


def _booking_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "event_id": row["event"], "user_id": row["user"],
        "places": row["places"], "status": row["status"], "created_at": row["created_at"],
        "cancelled_at": row.get("cancelled_at"),
    }


async def cancel_booking(booking_id: int, user: CurrentUser) -> dict[str, Any]:
    """Cancel a booking: its owner may, and so may an organiser. Returns the booking."""
    async with atomic():
        row = await Booking.select().where(Booking.id == booking_id).first()
        if row is None or (row["user"] != user.id and not user.has_role("organiser")):
            raise NotFound(_("there is no booking %(booking_id)s of yours", booking_id=booking_id))
        if row["status"] != "active":
            raise Conflict(_("this booking is already cancelled"), code="already_cancelled")
        stamp = utc_now()
        await Booking.update({Booking.status: "cancelled", Booking.cancelled_at: stamp}).where(
            Booking.id == booking_id
        )
        await record_places(await get_event(row["event"]))
    row.update(status="cancelled", cancelled_at=stamp)
    return _booking_dict(row)


async def user_bookings(user_id: int, *, active_only: bool = False, limit: int = DEFAULT_LIMIT,
                        offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A user's bookings with their events, soonest event first, and the total."""
    check_page(limit, offset)
    where: Combinable = Booking.user == user_id
    if active_only:
        where &= Booking.status == "active"
    rows = await Booking.select(
        Booking.id, Booking.event, Booking.user, Booking.places, Booking.status,
        Booking.created_at, Booking.cancelled_at,
        Booking.event.title.as_alias("event_title"),
        Booking.event.starts_at.as_alias("event_starts_at"),
        Booking.event.ends_at.as_alias("event_ends_at"),
        Booking.event.status.as_alias("event_status"),
        Booking.event.kind.as_alias("event_kind"),
    ).where(where).order_by(Booking.event.starts_at).order_by(Booking.id).limit(limit).offset(offset)
    total = await Booking.count().where(where)
    out = []
    for row in rows:
        item = _booking_dict(row)
        item["event"] = {
            "id": row["event"], "title": row["event_title"], "starts_at": row["event_starts_at"],
            "ends_at": row["event_ends_at"], "status": row["event_status"], "kind": row["event_kind"],
        }
        out.append(item)
    return out, total


async def booking_of(user_id: int, event_id: int) -> dict[str, Any] | None:
    """The user's active booking for an event, if any."""
    row = await Booking.select().where(
        (Booking.user == user_id) & (Booking.event == event_id) & (Booking.status == "active")
    ).first()
    return _booking_dict(row) if row else None
