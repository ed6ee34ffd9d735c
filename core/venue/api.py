"""The venue's public JSON API (v1): venues, spaces, events, series, bookings.

Thin handlers: they translate JSON to the service's values and back. Errors are the
service's :mod:`podium.core.errors` (``code`` + ``detail``); lists are paginated
(``limit`` 1–500, default 50; ``offset``) as ``{"items", "total", "limit", "offset"}``.
Times are RFC 3339 with a UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from podium.core.i18n import _
from podium.core.accounts.auth import requires_role
from podium.core.errors import InvalidInput
from podium.core.validation import DEFAULT_LIMIT, MAX_ID, MAX_OFFSET, MAX_PAGE, check_instant
from podium.core.venue.bookings import (
    MAX_PLACES_PER_BOOKING,
    book,
    cancel_booking,
    count_places_sold,
    user_bookings,
)
from podium.core.venue.context import current_venue_id, venue_scope
from podium.core.venue.events import (
    DESCRIPTION_MAX,
    MAX_CAPACITY,
    MAX_SPACES_PER_EVENT,
    STATUSES,
    TITLE_MAX,
    EventFilter,
    create_event,
    delete_event,
    get_event,
    list_events,
    update_event,
)
from podium.core.venue.rules import MAX_BUFFER_MINUTES, MAX_RULE_LENGTH
from podium.core.venue.series import create_series, get_series
from podium.core.venue.spaces import get_venue, list_venues

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size (1–500).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip.")]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A path id (32-bit, like the database's)."""

# The services' limits, repeated in the request schemas so the OpenAPI document shows them
# (the services still check: forms and plugins call them without these types).
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=TITLE_MAX)]
Kind = Annotated[str, msgspec.Meta(min_length=1, description="An event kind the venue offers.")]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX)]
Status = Literal["scheduled", "cancelled"]
SpaceIds = Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]],
                     msgspec.Meta(min_length=1, max_length=MAX_SPACES_PER_EVENT)]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=MAX_CAPACITY)]
Buffer = Annotated[int, msgspec.Meta(ge=0, le=MAX_BUFFER_MINUTES)]
Duration = Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]
Rule = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_RULE_LENGTH,
                                   examples=["FREQ=WEEKLY;BYDAY=TU;COUNT=10"])]
Places = Annotated[int, msgspec.Meta(ge=1, le=MAX_PLACES_PER_BOOKING)]


class SpaceOut(msgspec.Struct):
    """A space of a venue."""

    id: int
    name: str
    slug: str
    description: str
    conflict_policy: str
    capacity: int


class VenueOut(msgspec.Struct):
    """A venue."""

    id: int
    name: str
    slug: str
    timezone: str
    description: str


class VenueDetail(msgspec.Struct):
    """A venue with its spaces."""

    id: int
    name: str
    slug: str
    timezone: str
    description: str
    spaces: list[SpaceOut]


class VenuePage(msgspec.Struct):
    """One page of venues."""

    items: list[VenueOut]
    total: int
    limit: int
    offset: int


class EventSpaceOut(msgspec.Struct):
    """A space an event uses."""

    id: int
    name: str
    slug: str


class EventOut(msgspec.Struct):
    """A venue event (a one-off event or one occurrence of a series).

    ``booked`` counts bookings; ``sold`` the places a plugin sells itself (tickets), for an
    event whose places it sells (``null`` otherwise); ``remaining`` is the capacity net of
    both (``null``: no capacity)."""

    id: int
    venue_id: int
    uid: str
    title: str
    kind: str
    description: str
    start: datetime
    end: datetime
    spaces: list[EventSpaceOut]
    capacity: int | None
    booked: int
    remaining: int | None
    setup_minutes: int
    teardown_minutes: int
    status: str
    series_id: int | None
    recurrence_id: datetime | None
    sequence: int
    url: str
    sold: int | None = None


class EventPage(msgspec.Struct):
    """One page of events."""

    items: list[EventOut]
    total: int
    limit: int
    offset: int


class EventCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new one-off event. ``acknowledge_conflicts`` accepts overlaps in ``warn`` spaces."""

    title: Title
    kind: Kind
    start: datetime
    end: datetime
    spaces: SpaceIds
    capacity: Capacity | None = None
    setup_minutes: Buffer = 0
    teardown_minutes: Buffer = 0
    description: Description = ""
    status: Status = "scheduled"
    acknowledge_conflicts: bool = False


class EventPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent fields keep their value (``capacity: null`` removes it)."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    start: datetime | msgspec.UnsetType = msgspec.UNSET
    end: datetime | msgspec.UnsetType = msgspec.UNSET
    spaces: SpaceIds | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | None | msgspec.UnsetType = msgspec.UNSET
    setup_minutes: Buffer | msgspec.UnsetType = msgspec.UNSET
    teardown_minutes: Buffer | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    acknowledge_conflicts: bool = False


class SeriesCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A recurring series: an RRULE, the first start, a duration, spaces, places per slot."""

    title: Title
    kind: Kind
    rule: Rule
    first_start: datetime
    duration_minutes: Duration
    spaces: SpaceIds
    capacity: Capacity | None = None
    setup_minutes: Buffer = 0
    teardown_minutes: Buffer = 0
    description: Description = ""
    acknowledge_conflicts: bool = False


class OccurrenceOut(msgspec.Struct):
    """One occurrence of a series (an event)."""

    event_id: int
    start: datetime
    end: datetime
    status: str


class SeriesOut(msgspec.Struct):
    """A recurring series and its occurrences."""

    id: int
    venue_id: int
    uid: str
    title: str
    kind: str
    description: str
    rule: str
    rule_text: str
    first_start: datetime
    duration_minutes: int
    capacity: int | None
    setup_minutes: int
    teardown_minutes: int
    space_ids: list[int]
    occurrences: list[OccurrenceOut]


class BookingCreate(msgspec.Struct, forbid_unknown_fields=True):
    """How many places to book (1–10)."""

    places: Places = 1


class BookingOut(msgspec.Struct):
    """A booking."""

    id: int
    event_id: int
    places: int
    status: str
    created_at: datetime
    cancelled_at: datetime | None


class BookingCreated(msgspec.Struct):
    """A new booking and the places left in its event."""

    booking: BookingOut
    event_id: int
    capacity: int
    remaining: int


class BookingPage(msgspec.Struct):
    """One page of the caller's bookings."""

    items: list[BookingOut]
    total: int
    limit: int
    offset: int


# -- converters ------------------------------------------------------------------------


def event_out(event: dict[str, Any]) -> EventOut:
    """A service event dict as the API shows it."""
    return EventOut(
        id=event["id"], venue_id=event["venue_id"], uid=event["uid"], title=event["title"],
        kind=event["kind"], description=event["description"], start=event["starts_at"],
        end=event["ends_at"],
        spaces=[EventSpaceOut(id=s["id"], name=s["name"], slug=s["slug"]) for s in event["spaces"]],
        capacity=event["capacity"], booked=event["booked"], remaining=event["remaining"],
        setup_minutes=event["setup_minutes"], teardown_minutes=event["teardown_minutes"],
        status=event["status"], series_id=event["series_id"],
        recurrence_id=event["recurrence_id"], sequence=event["sequence"],
        url=f"/events/{event['id']}", sold=event.get("sold"),
    )


def booking_out(booking: dict[str, Any]) -> BookingOut:
    """A service booking dict as the API shows it."""
    return BookingOut(
        id=booking["id"], event_id=booking["event_id"], places=booking["places"],
        status=booking["status"], created_at=booking["created_at"],
        cancelled_at=booking["cancelled_at"],
    )


def series_out(series: dict[str, Any]) -> SeriesOut:
    """A service series dict as the API shows it."""
    return SeriesOut(
        id=series["id"], venue_id=series["venue_id"], uid=series["uid"], title=series["title"],
        kind=series["kind"], description=series["description"], rule=series["rule"],
        rule_text=series["rule_text"], first_start=series["first_start"],
        duration_minutes=series["duration_minutes"], capacity=series["capacity"],
        setup_minutes=series["setup_minutes"], teardown_minutes=series["teardown_minutes"],
        space_ids=series["space_ids"],
        occurrences=[
            OccurrenceOut(event_id=o["id"], start=o["starts_at"], end=o["ends_at"], status=o["status"])
            for o in series["occurrences"]
        ],
    )


def _parse_instant(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(_("%(name)s must be an ISO 8601 date-time with offset", name=name), field=name) from exc
    return check_instant(parsed, name)


# -- venues ----------------------------------------------------------------------------


@get("/api/v1/venues", tags=["venue"], summary="List venues")
async def api_venues(limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> VenuePage:
    """Every venue, paginated."""
    rows, total = await list_venues(limit, offset)
    return VenuePage(
        items=[VenueOut(id=r["id"], name=r["name"], slug=r["slug"], timezone=r["timezone"],
                        description=r["description"]) for r in rows],
        total=total, limit=limit, offset=offset,
    )


@get("/api/v1/venues/{venue_id:int}", tags=["venue"], summary="A venue with its spaces")
async def api_venue(venue_id: Id) -> VenueDetail:
    """One venue and its spaces (track, infield, e-sport arena, lounge...)."""
    venue = await get_venue(venue_id)
    return VenueDetail(
        id=venue["id"], name=venue["name"], slug=venue["slug"], timezone=venue["timezone"],
        description=venue["description"],
        spaces=[SpaceOut(id=s["id"], name=s["name"], slug=s["slug"], description=s["description"],
                         conflict_policy=s["conflict_policy"], capacity=s["capacity"])
                for s in venue["spaces"]],
    )


# -- events ----------------------------------------------------------------------------


@get("/api/v1/events", tags=["events"], summary="List events")
async def api_events(
    request: Request[Any, Any, Any],
    start: Annotated[str | None, QueryParameter(name="from", description="Events ending after this instant (ISO 8601).")] = None,
    end: Annotated[str | None, QueryParameter(name="to", description="Events starting before this instant (ISO 8601).")] = None,
    space: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="Only events using this space.")] = None,
    kind: FromQuery[str | None] = None,
    status: FromQuery[Status | None] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> EventPage:
    """Events of the venue in start order, filtered by time range, space, kind and status."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(_("status must be scheduled or cancelled"), field="status")
    venue_id = await current_venue_id(request)
    filters = EventFilter(
        venue_id=venue_id if venue_id is not None else -1,
        start=_parse_instant(start, "from"), end=_parse_instant(end, "to"),
        space_id=space, kind=kind, status=status,
    )
    rows, total = await list_events(filters, limit, offset)
    if venue_id is not None:
        await count_places_sold(await venue_scope(request), rows)
    return EventPage(items=[event_out(e) for e in rows], total=total, limit=limit, offset=offset)


def _event_values(data: EventCreate | EventPatch) -> dict[str, Any]:
    names = {"start": "starts_at", "end": "ends_at", "spaces": "space_ids"}
    values = {}
    for field in ("title", "kind", "start", "end", "spaces", "capacity", "setup_minutes",
                  "teardown_minutes", "description", "status"):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            values[names.get(field, field)] = value
    return values


@post("/api/v1/events", tags=["events"], summary="Create an event", guards=ORGANISER, status_code=201)
async def api_create_event(request: Request[Any, Any, Any], data: JSONBody[EventCreate]) -> EventOut:
    """Create a one-off event (organiser). Overlaps answer 409 ``conflict`` with the list of
    clashing events; where every space involved has the ``warn`` policy, resend with
    ``acknowledge_conflicts: true``."""
    scope = await venue_scope(request)
    event = await create_event(scope, _event_values(data), request.user,
                               acknowledge=data.acknowledge_conflicts)
    return event_out(event)


@get("/api/v1/events/{event_id:int}", tags=["events"], summary="An event")
async def api_event(request: Request[Any, Any, Any], event_id: Id) -> EventOut:
    """One event with its spaces and places left."""
    event = await get_event(event_id)  # an event exists, so a venue does
    return event_out((await count_places_sold(await venue_scope(request), [event]))[0])


@patch("/api/v1/events/{event_id:int}", tags=["events"], summary="Change an event", guards=ORGANISER)
async def api_update_event(request: Request[Any, Any, Any], event_id: Id, data: JSONBody[EventPatch]) -> EventOut:
    """Change some fields (organiser); ``status: cancelled`` cancels it (one occurrence of a
    series on its own). Same checks and conflict answers as creation."""
    scope = await venue_scope(request)
    event = await update_event(scope, event_id, _event_values(data), request.user,
                               acknowledge=data.acknowledge_conflicts)
    return event_out((await count_places_sold(scope, [event]))[0])


@delete("/api/v1/events/{event_id:int}", tags=["events"], summary="Delete an event", guards=ORGANISER)
async def api_delete_event(request: Request[Any, Any, Any], event_id: Id) -> None:
    """Delete an event nobody booked (organiser); with bookings, cancel it instead (409)."""
    scope = await venue_scope(request)
    await delete_event(scope, event_id)


# -- series ----------------------------------------------------------------------------


@post("/api/v1/series", tags=["events"], summary="Create a recurring series", guards=ORGANISER, status_code=201)
async def api_create_series(request: Request[Any, Any, Any], data: JSONBody[SeriesCreate]) -> SeriesOut:
    """Create recurring sessions from an RRULE (organiser). Supported: FREQ=DAILY, WEEKLY or
    MONTHLY, INTERVAL, BYDAY, WKST, and COUNT or UNTIL (without either, 26 weeks); at most
    400 occurrences within a year. Occurrences become events (``series_id`` set)."""
    scope = await venue_scope(request)
    values = {
        "title": data.title, "kind": data.kind, "rule": data.rule, "first_start": data.first_start,
        "duration_minutes": data.duration_minutes, "space_ids": data.spaces,
        "capacity": data.capacity, "setup_minutes": data.setup_minutes,
        "teardown_minutes": data.teardown_minutes, "description": data.description,
    }
    series = await create_series(scope, values, request.user,
                                 acknowledge=data.acknowledge_conflicts)
    return series_out(series)


@get("/api/v1/series/{series_id:int}", tags=["events"], summary="A recurring series")
async def api_series(series_id: Id) -> SeriesOut:
    """A series, its rule and its occurrences."""
    return series_out(await get_series(series_id))


# -- bookings --------------------------------------------------------------------------


@post("/api/v1/events/{event_id:int}/bookings", tags=["events"], summary="Book places",
      guards=SIGNED_IN, status_code=201)
async def api_book(request: Request[Any, Any, Any], event_id: Id, data: JSONBody[BookingCreate]) -> BookingCreated:
    """Book 1–10 places for the caller. Never exceeds the capacity, even under concurrent
    requests; 409 with ``code`` ``full``, ``already_booked``, ``event_cancelled``,
    ``event_over``, ``not_bookable`` or ``booking_refused`` (with ``reasons``)."""
    scope = await venue_scope(request)
    booking, remaining = await book(scope, event_id, request.user, data.places)
    event = await get_event(event_id)
    return BookingCreated(booking=booking_out(booking), event_id=event_id,
                          capacity=event["capacity"], remaining=remaining)


@get("/api/v1/me/bookings", tags=["events"], summary="My bookings", guards=SIGNED_IN)
async def api_my_bookings(request: Request[Any, Any, Any], limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> BookingPage:
    """The caller's bookings, soonest event first."""
    rows, total = await user_bookings(request.user.id, limit=limit, offset=offset)
    return BookingPage(items=[booking_out(b) for b in rows], total=total, limit=limit, offset=offset)


@delete("/api/v1/bookings/{booking_id:int}", tags=["events"], summary="Cancel a booking", guards=SIGNED_IN)
async def api_cancel_booking(request: Request[Any, Any, Any], booking_id: Id) -> None:
    """Cancel one of the caller's bookings (organisers may cancel anyone's)."""
    await cancel_booking(booking_id, request.user)


API_ROUTES = [
    api_venues, api_venue, api_events, api_create_event, api_event, api_update_event,
    api_delete_event, api_create_series, api_series, api_book, api_my_bookings,
    api_cancel_booking,
]
