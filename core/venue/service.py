"""Venue rules with the database: venues, spaces, events, recurring series, bookings.

No HTTP here; the pages, the JSON API and ``podium demo`` call these functions. The pure
parts (conflicts, recurrence, weeks) live in :mod:`podium.core.venue.rules`.

Event kinds come from the ``podium_event_kinds`` hook. The venue room's own kinds
(``public_session``, ``private_hire``, ``training``, ``other``) are registered by the
built-in global plugin :mod:`podium.core.venue.plugin`; :func:`event_kinds` also adds them
when that module was filtered out of a test app, so core never loses its own kinds.
A kind contributed by a venue-scoped plugin is offered only while that plugin is enabled
for the venue (events of a kind whose plugin was disabled later keep showing).
"""

from __future__ import annotations

import unicodedata
import uuid
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from piccolo.query import Sum

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.plugins import PluginHost, Registry, flatten
from podium.core.venue import rules
from podium.core.venue.tables import Booking, Event, EventSpace, Series, Space, Venue
from podium.core.validation import MAX_PAGE, check_page, whole_number

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
MAX_SPACES_PER_EVENT = 20
MAX_CAPACITY = 100_000
MAX_PLACES_PER_BOOKING = 10
MAX_EVENT_LENGTH = timedelta(days=31)
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
STATUSES = ("scheduled", "cancelled")
POLICIES = ("error", "warn")
DEFAULT_LIMIT = 50
MAX_LIMIT = MAX_PAGE
MAX_ID = 2**31 - 1
"""Ids are 32-bit on PostgreSQL; larger numbers are refused before they reach the database."""


# --------------------------------------------------------------------------------------
# Event kinds
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventKind:
    """A kind of venue event, registered through ``podium_event_kinds``.

    :param name: unique machine name (``track_meet``).
    :param label: what people read ("Track meet").
    :param description: one sentence for organisers.
    :param bookable: whether events of this kind usually take public bookings (the form
        then asks for a capacity first).
    :param color: a CSS colour for the calendar.
    """

    name: str
    label: str
    description: str = ""
    bookable: bool = False
    color: str = "#0b5fff"


CORE_KINDS = (
    EventKind("public_session", "Public session", "Open to everyone; people book a place.",
              bookable=True, color="#12804a"),
    EventKind("private_hire", "Private hire", "A space hired by a company or a club.",
              color="#6b4fbb"),
    EventKind("training", "Training", "Club or team training.", color="#b35c00"),
    EventKind("other", "Other", "Anything else that needs a space.", color="#5b6270"),
)


@dataclass(frozen=True)
class EventChange:
    """What ``podium_events_changed`` receives for each changed event.

    :param action: ``created``, ``updated``, ``cancelled`` or ``deleted``.
    :param event_id: the event's id.
    :param event: the event as a plain dict (as :func:`get_event` returns it).
    """

    action: str
    event_id: int
    event: dict[str, Any]


def register_core_kinds(registry: Registry[Any]) -> None:
    """Add the venue room's own kinds to an event-kind registry."""
    for kind in CORE_KINDS:
        registry.add(kind.name, kind)


_KINDS: "weakref.WeakKeyDictionary[PluginHost, Registry[EventKind]]" = weakref.WeakKeyDictionary()
CORE_OWNER = "venue"


def event_kinds(host: PluginHost) -> Registry[EventKind]:
    """Every registered event kind (built once per plugin host, then cached)."""
    cached = _KINDS.get(host)
    if cached is None:
        cached = Registry("event kind")
        if CORE_OWNER not in host.plugins:
            cached.current_plugin = CORE_OWNER
            register_core_kinds(cached)
            cached.current_plugin = None
        host.fill_registry("podium_event_kinds", cached)
        _KINDS[host] = cached
    return cached


def available_kinds(host: PluginHost, enabled: Iterable[str]) -> dict[str, EventKind]:
    """Kinds an organiser may choose: core's and those of plugins enabled for the venue."""
    enabled = set(enabled)
    registry = event_kinds(host)
    out = {}
    for name, kind in registry.items():
        owner = registry.owner(name)
        loaded = host.plugins.get(owner)
        if owner == CORE_OWNER or owner in enabled or (loaded and loaded.meta.scope == "global"):
            out[name] = kind
    return out


def kind_info(host: PluginHost, name: str) -> EventKind:
    """The kind called ``name``; an unknown one (its plugin is gone) gets a neutral look."""
    kind = event_kinds(host).get(name)
    return kind or EventKind(name, name.replace("_", " ").capitalize(), color="#5b6270")


# --------------------------------------------------------------------------------------
# Scope of a write
# --------------------------------------------------------------------------------------


@dataclass
class VenueScope:
    """What a write needs to know: the plugins, the venue and which plugins are on there."""

    host: PluginHost
    venue_id: int
    enabled: frozenset[str]
    tz: str = "Europe/Paris"

    @property
    def kinds(self) -> dict[str, EventKind]:
        """Kinds an organiser may use at this venue."""
        return available_kinds(self.host, self.enabled)

    async def notify(self, changes: list[EventChange]) -> None:
        """Tell plugins enabled here that events changed (``podium_events_changed``)."""
        if changes:
            await self.host.acall_for(self.enabled, "podium_events_changed", changes=changes)


# --------------------------------------------------------------------------------------
# Venues and spaces
# --------------------------------------------------------------------------------------


async def default_venue_id() -> int | None:
    """The venue this installation serves (the first one created), or ``None`` before seeding."""
    row = await Venue.select(Venue.id).order_by(Venue.id).first()
    return row["id"] if row else None


async def create_venue(name: str, slug: str, timezone_name: str = "Europe/Paris",
                       description: str = "") -> dict[str, Any]:
    """Create a venue (``podium demo`` and tests use this)."""
    name = clean_text(name, "name", 120)
    rules.zone(timezone_name)
    venue = Venue(name=name, slug=slug, timezone=timezone_name, description=description)
    await venue.save()
    return {"id": venue.id, "name": name, "slug": slug, "timezone": timezone_name,
            "description": description}


async def create_space(venue_id: int, name: str, slug: str, *, conflict_policy: str = "error",
                       capacity: int = 0, description: str = "", position: int = 0) -> dict[str, Any]:
    """Add a space to a venue; ``conflict_policy`` is ``error`` or ``warn``."""
    if conflict_policy not in POLICIES:
        raise InvalidInput("conflict_policy must be error or warn", field="conflict_policy")
    space = Space(venue=venue_id, name=clean_text(name, "name", 80), slug=slug,
                  conflict_policy=conflict_policy, capacity=capacity,
                  description=description, position=position)
    await space.save()
    return _space_dict(space.to_dict())


def _space_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "venue_id": row["venue"],
        "name": row["name"],
        "slug": row["slug"],
        "description": row.get("description", ""),
        "conflict_policy": row["conflict_policy"],
        "capacity": row["capacity"],
    }


async def list_venues(limit: int = DEFAULT_LIMIT, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of venues and the total count."""
    check_page(limit, offset)
    rows = await Venue.select().order_by(Venue.id).limit(limit).offset(offset)
    return rows, await Venue.count()


async def get_venue(venue_id: int) -> dict[str, Any]:
    """A venue with its spaces; :class:`NotFound` if there is none."""
    row = await Venue.select().where(Venue.id == venue_id).first()
    if row is None:
        raise NotFound(f"there is no venue {venue_id}")
    row["spaces"] = await list_spaces(venue_id)
    return row


async def list_spaces(venue_id: int) -> list[dict[str, Any]]:
    """The spaces of a venue in display order."""
    rows = await Space.select().where(Space.venue == venue_id).order_by(Space.position).order_by(Space.id)
    return [_space_dict(r) for r in rows]


async def get_space(venue_id: int, space_id: int) -> dict[str, Any]:
    """One space of a venue; :class:`NotFound` otherwise."""
    row = await Space.select().where((Space.id == space_id) & (Space.venue == venue_id)).first()
    if row is None:
        raise NotFound(f"venue {venue_id} has no space {space_id}")
    return _space_dict(row)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def clean_text(value: Any, name: str, max_length: int, *, required: bool = True,
               multiline: bool = False) -> str:
    """Strip and check a text field: no NUL or control characters, length within bounds."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", field=name)
    text = value.strip()
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidInput(f"{name} must not contain control characters", field=name)
    if required and not text:
        raise InvalidInput(f"{name} is required", field=name)
    if len(text) > max_length:
        raise InvalidInput(f"{name} must be at most {max_length} characters", field=name)
    return text


def check_instant(value: Any, name: str) -> datetime:
    """An aware datetime within Podium's range, in UTC."""
    if not isinstance(value, datetime):
        raise InvalidInput(f"{name} must be a date-time", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{name} must include a UTC offset, e.g. 2026-11-24T18:00:00+01:00", field=name
        )
    instant = value.astimezone(timezone.utc)
    if not EARLIEST <= instant < LATEST:
        raise InvalidInput(f"{name} must be between 1970 and 2200", field=name)
    return instant






@dataclass
class EventDraft:
    """A checked event, ready to be written (all instants in UTC)."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    space_ids: list[int]
    capacity: int | None = None
    setup_minutes: int = 0
    teardown_minutes: int = 0
    description: str = ""
    status: str = "scheduled"

    def occupancy(self, key: Any = None) -> rules.Occupancy:
        """This draft as the conflict rule sees it."""
        return rules.Occupancy(
            key=key,
            start=self.starts_at,
            end=self.ends_at,
            spaces=frozenset(self.space_ids),
            setup=timedelta(minutes=self.setup_minutes),
            teardown=timedelta(minutes=self.teardown_minutes),
            cancelled=self.status == "cancelled",
        )


def check_event_fields(scope: VenueScope, values: dict[str, Any], *, kind_known: bool = True) -> EventDraft:
    """Turn raw values into an :class:`EventDraft`, raising :class:`InvalidInput` on the first
    problem (field named). ``kind_known`` skips the kind check when it is unchanged."""
    title = clean_text(values.get("title"), "title", TITLE_MAX)
    kind = values.get("kind")
    if not isinstance(kind, str) or (kind_known and kind not in scope.kinds):
        names = ", ".join(sorted(scope.kinds))
        raise InvalidInput(f"unknown event kind {kind!r}; choose one of {names}", field="kind")
    starts_at = check_instant(values.get("starts_at"), "starts_at")
    ends_at = check_instant(values.get("ends_at"), "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("the event must end after it starts", field="ends_at")
    if ends_at - starts_at > MAX_EVENT_LENGTH:
        raise InvalidInput("an event may last at most 31 days", field="ends_at")
    spaces = values.get("space_ids")
    if not isinstance(spaces, (list, tuple)) or not spaces:
        raise InvalidInput("choose at least one space", field="spaces")
    if len(spaces) > MAX_SPACES_PER_EVENT or any(
        isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= MAX_ID for s in spaces
    ):
        raise InvalidInput(f"spaces must be at most {MAX_SPACES_PER_EVENT} space ids", field="spaces")
    capacity = whole_number(values.get("capacity"), "capacity", 1, MAX_CAPACITY, nullable=True)
    setup = whole_number(values.get("setup_minutes", 0), "setup_minutes", 0, rules.MAX_BUFFER_MINUTES)
    teardown = whole_number(values.get("teardown_minutes", 0), "teardown_minutes", 0, rules.MAX_BUFFER_MINUTES)
    description = clean_text(values.get("description", ""), "description", DESCRIPTION_MAX,
                             required=False, multiline=True)
    status = values.get("status", "scheduled")
    if status not in STATUSES:
        raise InvalidInput("status must be scheduled or cancelled", field="status")
    return EventDraft(
        title=title, kind=kind, starts_at=starts_at, ends_at=ends_at,
        space_ids=sorted(set(spaces)), capacity=capacity, setup_minutes=setup or 0,
        teardown_minutes=teardown or 0, description=description, status=status,
    )


async def _venue_spaces(venue_id: int, space_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The named spaces of the venue, refusing unknown ones (:class:`InvalidInput`)."""
    rows = await Space.select().where((Space.venue == venue_id) & Space.id.is_in(list(space_ids)))
    found = {r["id"]: _space_dict(r) for r in rows}
    missing = [s for s in space_ids if s not in found]
    if missing:
        raise InvalidInput(
            f"unknown space(s) {', '.join(map(str, missing))} in this venue", field="spaces"
        )
    return found


# --------------------------------------------------------------------------------------
# Conflicts with the database
# --------------------------------------------------------------------------------------


async def _occupancies_near(
    venue_id: int, space_ids: Iterable[int], start: datetime, end: datetime,
    exclude: Iterable[int] = (),
) -> tuple[list[rules.Occupancy], dict[int, dict[str, Any]]]:
    """Scheduled events that use one of ``space_ids`` and could clash within ``[start, end)``."""
    margin = timedelta(minutes=2 * rules.MAX_BUFFER_MINUTES)
    space_ids = list(space_ids)
    links = await EventSpace.select(EventSpace.event, EventSpace.space).where(
        EventSpace.space.is_in(space_ids)
        & (EventSpace.event.venue == venue_id)
        & (EventSpace.event.status == "scheduled")
        & (EventSpace.event.starts_at < end + margin)
        & (EventSpace.event.ends_at > start - margin)
    )
    ids = sorted({link["event"] for link in links} - set(exclude))
    if not ids:
        return [], {}
    rows = await Event.select(
        Event.id, Event.title, Event.starts_at, Event.ends_at, Event.setup_minutes,
        Event.teardown_minutes, Event.status,
    ).where(Event.id.is_in(ids))
    all_links = await EventSpace.select(EventSpace.event, EventSpace.space).where(
        EventSpace.event.is_in(ids)
    )
    spaces_of: dict[int, set[int]] = {}
    for link in all_links:
        spaces_of.setdefault(link["event"], set()).add(link["space"])
    occupancies = [
        rules.Occupancy(
            key=row["id"], start=row["starts_at"], end=row["ends_at"],
            spaces=frozenset(spaces_of.get(row["id"], ())),
            setup=timedelta(minutes=row["setup_minutes"]),
            teardown=timedelta(minutes=row["teardown_minutes"]),
            cancelled=row["status"] != "scheduled",
        )
        for row in rows
    ]
    return occupancies, {row["id"]: row for row in rows}


def _raise_for_clashes(
    clashes: list[tuple[datetime | None, rules.Clash]],
    titles: dict[int, dict[str, Any]],
    spaces: dict[int, dict[str, Any]],
    acknowledge: bool,
) -> list[dict[str, Any]]:
    """Refuse the write if it clashes (unless acknowledged where every space is ``warn``).

    Returns the acknowledged conflicts (for the caller to report) when the write may go on.
    """
    if not clashes:
        return []
    policies = {sid: s["conflict_policy"] for sid, s in spaces.items()}
    acknowledgeable = rules.policy_allows_acknowledgement([c for _, c in clashes], policies)
    report = []
    for occurrence_start, clash in clashes:
        other = titles.get(clash.other.key, {})
        for space_id in sorted(clash.spaces):
            item = {
                "event_id": clash.other.key,
                "title": other.get("title", ""),
                "space": spaces[space_id]["name"],
                "space_id": space_id,
                "policy": policies.get(space_id, "error"),
                "start": clash.other.start.isoformat(),
                "end": clash.other.end.isoformat(),
            }
            if occurrence_start is not None:
                item["occurrence_start"] = occurrence_start.isoformat()
            report.append(item)
    if acknowledge and acknowledgeable:
        return report
    names = sorted({item["space"] for item in report})
    events = len({item["event_id"] for item in report})
    detail = (
        f"this overlaps {events} other event{'s' if events != 1 else ''} in "
        f"{', '.join(names)} (setup and teardown included)"
    )
    if acknowledgeable:
        detail += "; every space involved allows it: resend with acknowledge_conflicts=true"
    else:
        detail += "; a space involved does not allow overlaps"
    raise Conflict(detail, conflicts=report, acknowledgeable=acknowledgeable)


async def _lock_spaces(space_ids: Sequence[int]) -> None:
    """Serialise writes that touch the same spaces (row locks on PostgreSQL; SQLite's
    immediate transaction already holds the database write lock)."""
    await for_update(Space.select(Space.id).where(Space.id.is_in(list(space_ids))))


# --------------------------------------------------------------------------------------
# Reading events
# --------------------------------------------------------------------------------------

EVENT_COLUMNS = (
    Event.id, Event.venue, Event.series, Event.recurrence_id, Event.uid, Event.title,
    Event.kind, Event.description, Event.starts_at, Event.ends_at, Event.capacity,
    Event.setup_minutes, Event.teardown_minutes, Event.status, Event.sequence,
    Event.created_at, Event.updated_at,
)


async def _decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add spaces, booked and remaining places to event rows (two queries for the lot)."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    links = await EventSpace.select(
        EventSpace.event, EventSpace.space, EventSpace.space.name.as_alias("space_name"),
        EventSpace.space.slug.as_alias("space_slug"),
        EventSpace.space.conflict_policy.as_alias("space_policy"),
        EventSpace.space.position.as_alias("space_position"),
    ).where(EventSpace.event.is_in(ids))
    booked_rows = await Booking.select(Booking.event, Sum(Booking.places).as_alias("booked")).where(
        Booking.event.is_in(ids) & (Booking.status == "active")
    ).group_by(Booking.event)
    booked = {r["event"]: int(r["booked"] or 0) for r in booked_rows}
    spaces: dict[int, list[dict[str, Any]]] = {}
    for link in sorted(links, key=lambda l: (l["space_position"], l["space"])):
        spaces.setdefault(link["event"], []).append(
            {"id": link["space"], "name": link["space_name"], "slug": link["space_slug"],
             "conflict_policy": link["space_policy"]}
        )
    out = []
    for row in rows:
        event = dict(row)
        event["series_id"] = event.pop("series")
        event["venue_id"] = event.pop("venue")
        event["spaces"] = spaces.get(row["id"], [])
        event["booked"] = booked.get(row["id"], 0)
        event["remaining"] = (
            max(event["capacity"] - event["booked"], 0) if event["capacity"] else None
        )
        out.append(event)
    return out


async def get_event(event_id: int) -> dict[str, Any]:
    """An event with its spaces, booked and remaining places; :class:`NotFound` otherwise."""
    row = await Event.select(*EVENT_COLUMNS).where(Event.id == event_id).first()
    if row is None:
        raise NotFound(f"there is no event {event_id}")
    return (await _decorate([row]))[0]


@dataclass
class EventFilter:
    """Filters of the event list (all optional)."""

    venue_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    space_id: int | None = None
    kind: str | None = None
    status: str | None = None
    series_id: int | None = None


def _where(filters: EventFilter):
    where = Event.id > 0
    if filters.venue_id is not None:
        where &= Event.venue == filters.venue_id
    if filters.start is not None:
        where &= Event.ends_at > filters.start
    if filters.end is not None:
        where &= Event.starts_at < filters.end
    if filters.kind:
        where &= Event.kind == filters.kind
    if filters.status:
        where &= Event.status == filters.status
    if filters.series_id is not None:
        where &= Event.series == filters.series_id
    if filters.space_id is not None:
        where &= Event.id.is_in(
            EventSpace.select(EventSpace.event).where(EventSpace.space == filters.space_id)
        )
    return where


async def list_events(filters: EventFilter, limit: int = DEFAULT_LIMIT,
                      offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of events in start order, and how many match in all."""
    check_page(limit, offset)
    if filters.start and filters.end and filters.end <= filters.start:
        raise InvalidInput("'to' must be after 'from'", field="to")
    where = _where(filters)
    rows = await (
        Event.select(*EVENT_COLUMNS).where(where)
        .order_by(Event.starts_at).order_by(Event.id).limit(limit).offset(offset)
    )
    total = await Event.count().where(where)
    return await _decorate(rows), total


async def events_between(venue_id: int, start: datetime, end: datetime, *,
                         space_id: int | None = None, include_cancelled: bool = True) -> list[dict[str, Any]]:
    """Every event of a venue overlapping ``[start, end)`` (calendar pages), start order."""
    filters = EventFilter(venue_id=venue_id, start=start, end=end, space_id=space_id,
                          status=None if include_cancelled else "scheduled")
    rows = await Event.select(*EVENT_COLUMNS).where(_where(filters)).order_by(Event.starts_at).order_by(Event.id)
    return await _decorate(rows)


# --------------------------------------------------------------------------------------
# Writing events
# --------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_uid() -> str:
    """A new stable iCalendar UID."""
    return f"{uuid.uuid4()}@podium"


async def create_event(scope: VenueScope, values: dict[str, Any], user: CurrentUser | None,
                       *, acknowledge: bool = False) -> dict[str, Any]:
    """Create a one-off event after checking its fields and its conflicts.

    :raises InvalidInput: a field is wrong (nothing written).
    :raises Conflict: it overlaps other events (``conflicts`` lists them); where every
        space involved has the ``warn`` policy, ``acknowledge=True`` creates it anyway.
    """
    draft = check_event_fields(scope, values)
    async with atomic():
        spaces = await _venue_spaces(scope.venue_id, draft.space_ids)
        await _lock_spaces(draft.space_ids)
        if draft.status == "scheduled":
            others, titles = await _occupancies_near(
                scope.venue_id, draft.space_ids, draft.starts_at, draft.ends_at
            )
            clashes = [(None, c) for c in rules.find_conflicts(draft.occupancy(), others)]
            _raise_for_clashes(clashes, titles, spaces, acknowledge)
        stamp = _now()
        event = Event(
            venue=scope.venue_id, uid=new_uid(), title=draft.title, kind=draft.kind,
            description=draft.description, starts_at=draft.starts_at, ends_at=draft.ends_at,
            capacity=draft.capacity, setup_minutes=draft.setup_minutes,
            teardown_minutes=draft.teardown_minutes, status=draft.status,
            created_by=user.id if user else None, created_at=stamp, updated_at=stamp,
        )
        await event.save()
        await EventSpace.insert(*[EventSpace(event=event.id, space=s) for s in draft.space_ids])
    created = await get_event(event.id)
    await scope.notify([EventChange("created", event.id, created)])
    return created


UPDATABLE = ("title", "kind", "description", "starts_at", "ends_at", "space_ids", "capacity",
             "setup_minutes", "teardown_minutes", "status")


async def update_event(scope: VenueScope, event_id: int, changes: dict[str, Any],
                       user: CurrentUser | None, *, acknowledge: bool = False) -> dict[str, Any]:
    """Change some fields of an event; the same checks as :func:`create_event`.

    Lowering the capacity below the places already booked is a :class:`Conflict`.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    async with atomic():
        row = await for_update(Event.select(*EVENT_COLUMNS).where(Event.id == event_id)).first()
        if row is None or row["venue"] != scope.venue_id:
            raise NotFound(f"there is no event {event_id}")
        current = (await _decorate([row]))[0]
        values = {
            "title": current["title"], "kind": current["kind"],
            "description": current["description"], "starts_at": current["starts_at"],
            "ends_at": current["ends_at"], "space_ids": [s["id"] for s in current["spaces"]],
            "capacity": current["capacity"], "setup_minutes": current["setup_minutes"],
            "teardown_minutes": current["teardown_minutes"], "status": current["status"],
        }
        values.update(changes)
        draft = check_event_fields(scope, values, kind_known=values["kind"] != current["kind"])
        spaces = await _venue_spaces(scope.venue_id, draft.space_ids)
        await _lock_spaces(draft.space_ids)
        if draft.capacity is not None and draft.capacity < current["booked"]:
            raise Conflict(
                f"{current['booked']} places are already booked; the capacity cannot go below that",
                code="capacity_below_bookings",
            )
        if draft.capacity is None and current["booked"]:
            raise Conflict("this event has bookings; it needs a capacity", code="capacity_below_bookings")
        if draft.status == "scheduled":
            others, titles = await _occupancies_near(
                scope.venue_id, draft.space_ids, draft.starts_at, draft.ends_at, exclude=[event_id]
            )
            clashes = [(None, c) for c in rules.find_conflicts(draft.occupancy(event_id), others)]
            _raise_for_clashes(clashes, titles, spaces, acknowledge)
        await Event.update({
            Event.title: draft.title, Event.kind: draft.kind,
            Event.description: draft.description, Event.starts_at: draft.starts_at,
            Event.ends_at: draft.ends_at, Event.capacity: draft.capacity,
            Event.setup_minutes: draft.setup_minutes, Event.teardown_minutes: draft.teardown_minutes,
            Event.status: draft.status, Event.sequence: current["sequence"] + 1,
            Event.updated_at: _now(),
        }).where(Event.id == event_id)
        if draft.space_ids != space_ids_of(current):
            await EventSpace.delete().where(EventSpace.event == event_id)
            await EventSpace.insert(*[EventSpace(event=event_id, space=s) for s in draft.space_ids])
    updated = await get_event(event_id)
    action = "cancelled" if current["status"] == "scheduled" and draft.status == "cancelled" else "updated"
    await scope.notify([EventChange(action, event_id, updated)])
    return updated


def space_ids_of(event: dict[str, Any]) -> list[int]:
    """The sorted space ids of a decorated event."""
    return sorted(s["id"] for s in event["spaces"])


async def cancel_event(scope: VenueScope, event_id: int, user: CurrentUser | None) -> dict[str, Any]:
    """Cancel one event or one occurrence of a series (bookings on it are then refused)."""
    return await update_event(scope, event_id, {"status": "cancelled"}, user)


async def delete_event(scope: VenueScope, event_id: int) -> None:
    """Delete an event that nobody booked; an occurrence disappears from its series
    (the feed lists it in ``EXDATE``). With active bookings, cancel it instead."""
    async with atomic():
        row = await for_update(Event.select(*EVENT_COLUMNS).where(Event.id == event_id)).first()
        if row is None or row["venue"] != scope.venue_id:
            raise NotFound(f"there is no event {event_id}")
        event = (await _decorate([row]))[0]
        if event["booked"]:
            raise Conflict(
                f"{event['booked']} places are booked; cancel the event instead of deleting it",
                code="has_bookings",
            )
        await Event.delete().where(Event.id == event_id)
    await scope.notify([EventChange("deleted", event_id, event)])


# --------------------------------------------------------------------------------------
# Recurring series
# --------------------------------------------------------------------------------------


async def create_series(scope: VenueScope, values: dict[str, Any], user: CurrentUser | None,
                        *, acknowledge: bool = False) -> dict[str, Any]:
    """Create a recurring series and materialize its occurrences as events.

    ``values``: ``title``, ``kind``, ``rule`` (RRULE), ``first_start`` (aware),
    ``duration_minutes``, ``space_ids``, ``capacity`` (per occurrence), ``setup_minutes``,
    ``teardown_minutes``, ``description``. Every occurrence is checked for conflicts with
    existing events and with each other; all are written or none.
    """
    first_start = check_instant(values.get("first_start"), "first_start")
    duration = whole_number(values.get("duration_minutes"), "duration_minutes", 1, 24 * 60)
    try:
        rule = rules.normalise_rule(values.get("rule") or "", first_start, scope.tz)
    except rules.RuleError as exc:
        raise InvalidInput(f"repeat rule: {exc}", field="rule") from exc
    starts = rules.expand(rule, first_start, scope.tz)
    base = dict(values)
    base["starts_at"] = first_start
    base["ends_at"] = first_start + timedelta(minutes=duration or 0)
    draft = check_event_fields(scope, base)
    length = draft.ends_at - draft.starts_at
    # Add the length in UTC: adding to a zone-aware datetime would add wall time and
    # stretch or shrink an occurrence that crosses a DST change.
    drafts = [
        EventDraft(
            title=draft.title, kind=draft.kind, starts_at=s.astimezone(timezone.utc),
            ends_at=s.astimezone(timezone.utc) + length, space_ids=draft.space_ids,
            capacity=draft.capacity, setup_minutes=draft.setup_minutes,
            teardown_minutes=draft.teardown_minutes, description=draft.description,
        )
        for s in starts
    ]
    own = rules.mutual_conflicts([d.occupancy(i) for i, d in enumerate(drafts)])
    if own:
        raise InvalidInput(
            "occurrences of this series overlap each other (buffers included); "
            "shorten them or space them out", field="rule",
        )
    async with atomic():
        spaces = await _venue_spaces(scope.venue_id, draft.space_ids)
        await _lock_spaces(draft.space_ids)
        others, titles = await _occupancies_near(
            scope.venue_id, draft.space_ids, drafts[0].starts_at, drafts[-1].ends_at
        )
        clashes = []
        for d in drafts:
            clashes += [(d.starts_at, c) for c in rules.find_conflicts(d.occupancy(), others)]
        _raise_for_clashes(clashes, titles, spaces, acknowledge)
        stamp = _now()
        series = Series(
            venue=scope.venue_id, uid=new_uid(), title=draft.title, kind=draft.kind,
            description=draft.description, rule=rule, first_start=first_start,
            duration_minutes=duration, capacity=draft.capacity,
            setup_minutes=draft.setup_minutes, teardown_minutes=draft.teardown_minutes,
            spaces=",".join(map(str, draft.space_ids)),
            created_by=user.id if user else None, created_at=stamp,
        )
        await series.save()
        events = [
            Event(
                venue=scope.venue_id, series=series.id, recurrence_id=d.starts_at,
                uid=f"{series.uid.split('@')[0]}-{d.starts_at:%Y%m%dT%H%M%SZ}@podium",
                title=d.title, kind=d.kind, description=d.description,
                starts_at=d.starts_at, ends_at=d.ends_at, capacity=d.capacity,
                setup_minutes=d.setup_minutes, teardown_minutes=d.teardown_minutes,
                status="scheduled", created_by=user.id if user else None,
                created_at=stamp, updated_at=stamp,
            )
            for d in drafts
        ]
        inserted = await Event.insert(*events).returning(Event.id)
        ids = [r["id"] for r in inserted]
        await EventSpace.insert(
            *[EventSpace(event=eid, space=s) for eid in ids for s in draft.space_ids]
        )
    created = await get_series(series.id)
    decorated = await _decorate(
        await Event.select(*EVENT_COLUMNS).where(Event.id.is_in(ids)).order_by(Event.starts_at)
    )
    await scope.notify([EventChange("created", e["id"], e) for e in decorated])
    return created


async def get_series(series_id: int) -> dict[str, Any]:
    """A series with its rule, a description of it and its occurrences (ids, starts, status)."""
    row = await Series.select().where(Series.id == series_id).first()
    if row is None:
        raise NotFound(f"there is no series {series_id}")
    occurrences = await Event.select(
        Event.id, Event.starts_at, Event.ends_at, Event.status, Event.recurrence_id
    ).where(Event.series == series_id).order_by(Event.starts_at)
    row["venue_id"] = row.pop("venue")
    row["space_ids"] = [int(s) for s in row["spaces"].split(",") if s]
    row.pop("spaces")
    row["rule_text"] = rules.describe_rule(row["rule"])
    row["occurrences"] = occurrences
    return row


# --------------------------------------------------------------------------------------
# Bookings
# --------------------------------------------------------------------------------------


async def book(scope: VenueScope, event_id: int, user: CurrentUser, places: Any) -> tuple[dict[str, Any], int]:
    """Book ``places`` (1–10) for ``user``; returns the booking and the places left.

    The event row is locked and the places re-counted inside one transaction, so
    concurrent requests never exceed the capacity. Plugins may refuse through
    ``podium_validate_booking``.

    :raises Conflict: the event is full, cancelled, over, not bookable, already booked by
        this user, or a plugin refused (``reasons``).
    """
    count = whole_number(places, "places", 1, MAX_PLACES_PER_BOOKING)
    async with atomic():
        row = await for_update(Event.select(*EVENT_COLUMNS).where(Event.id == event_id)).first()
        if row is None or row["venue"] != scope.venue_id:
            raise NotFound(f"there is no event {event_id}")
        if row["status"] != "scheduled":
            raise Conflict("this event is cancelled; it takes no bookings", code="event_cancelled")
        if not row["capacity"]:
            raise Conflict("this event does not take bookings", code="not_bookable")
        if row["ends_at"] <= _now():
            raise Conflict("this event is over", code="event_over")
        if await Booking.exists().where(
            (Booking.event == event_id) & (Booking.user == user.id) & (Booking.status == "active")
        ):
            raise Conflict(
                "you already have a booking for this event; cancel it to book differently",
                code="already_booked",
            )
        event = (await _decorate([row]))[0]
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
                f"only {left} place{'s' if left != 1 else ''} left" if left else "this event is full",
                code="full", remaining=left,
            )
        booking = Booking(event=event_id, user=user.id, places=count, status="active",
                          created_at=_now())
        await booking.save()
    return _booking_dict(booking.to_dict()), left - count


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
            raise NotFound(f"there is no booking {booking_id} of yours")
        if row["status"] != "active":
            raise Conflict("this booking is already cancelled", code="already_cancelled")
        stamp = _now()
        await Booking.update({Booking.status: "cancelled", Booking.cancelled_at: stamp}).where(
            Booking.id == booking_id
        )
    row.update(status="cancelled", cancelled_at=stamp)
    return _booking_dict(row)


async def user_bookings(user_id: int, *, active_only: bool = False, limit: int = DEFAULT_LIMIT,
                        offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A user's bookings with their events, soonest event first, and the total."""
    check_page(limit, offset)
    where = Booking.user == user_id
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


@dataclass
class HomeSummary:
    """What the venue home shows."""

    now: list[dict[str, Any]] = field(default_factory=list)
    next: list[dict[str, Any]] = field(default_factory=list)
    today_sessions: list[dict[str, Any]] = field(default_factory=list)


async def home_summary(venue_id: int, tz: str, at: datetime | None = None) -> HomeSummary:
    """Events happening now, the next few, and today's bookable sessions."""
    at = at or _now()
    local_day = rules.wall_time(at, tz).date()
    day_start = rules.localize(datetime.combine(local_day, datetime.min.time()), tz)
    day_end = rules.localize(datetime.combine(local_day + timedelta(days=1), datetime.min.time()), tz)
    today = await events_between(venue_id, day_start, day_end, include_cancelled=True)
    now_rows = await Event.select(*EVENT_COLUMNS).where(
        (Event.venue == venue_id) & (Event.status == "scheduled")
        & (Event.starts_at <= at) & (Event.ends_at > at)
    ).order_by(Event.starts_at).limit(12)
    next_rows = await Event.select(*EVENT_COLUMNS).where(
        (Event.venue == venue_id) & (Event.status == "scheduled") & (Event.starts_at > at)
    ).order_by(Event.starts_at).limit(6)
    summary = HomeSummary(now=await _decorate(now_rows), next=await _decorate(next_rows))
    summary.today_sessions = [e for e in today if e["capacity"] and e["ends_at"] > at]
    return summary
