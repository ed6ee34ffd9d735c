"""Venue events: checking, creating, changing, cancelling, deleting and reading them.

A write checks its fields, then its conflicts with the events already in the database
(the pure conflict rule is :func:`podium.core.venue.rules.find_conflicts`), and records
what changed as an :class:`~podium.core.events.EventsChanged` domain event in the same
transaction (:meth:`VenueScope.record_changes`); plugins enabled at the venue hear of it
after commit, through the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.query import Sum

from podium.core.i18n import _, ngettext
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, InvalidInput, NotFound
# EventChange is re-exported (``as``) for podium.core.venue.service, which offers it with
# the rest of the venue room.
from podium.core.events import ChangeAction, EventsChanged, VenueEvent
from podium.core.events import EventChange as EventChange
from podium.core.outbox import record
from podium.core.plugins import PluginHost
from podium.core.validation import DEFAULT_LIMIT, check_instant, check_page, clean_text, is_id, whole_number
from podium.core.venue import rules
from podium.core.venue.kinds import EventKind, available_kinds
from podium.core.venue.spaces import check_venue_spaces, lock_spaces
from podium.core.venue.tables import Booking, Event, EventSpace

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
MAX_SPACES_PER_EVENT = 20
MAX_CAPACITY = 100_000
MAX_EVENT_LENGTH = timedelta(days=31)
STATUSES = ("scheduled", "cancelled")


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

    async def record_changes(self, action: ChangeAction, events: Iterable[dict[str, Any]]
                             ) -> None:
        """Record that ``events`` (as :func:`get_event` returns them) were ``action``-ed, in
        the write's transaction: ``podium_events_changed`` is told after commit."""
        changes = tuple(EventChange(action, e["id"], VenueEvent.of(e)) for e in events)
        if changes:
            await record(EventsChanged(venue_id=self.venue_id, changes=changes))


# --------------------------------------------------------------------------------------
# Checking an event
# --------------------------------------------------------------------------------------


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
        raise InvalidInput(_("unknown event kind %(kind)s; choose one of %(names)s", kind=repr(kind), names=names), field="kind")
    starts_at = check_instant(values.get("starts_at"), "starts_at")
    ends_at = check_instant(values.get("ends_at"), "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("the event must end after it starts"), field="ends_at")
    if ends_at - starts_at > MAX_EVENT_LENGTH:
        raise InvalidInput(_("an event may last at most 31 days"), field="ends_at")
    spaces = values.get("space_ids")
    if not isinstance(spaces, (list, tuple)) or not spaces:
        raise InvalidInput(_("choose at least one space"), field="spaces")
    if len(spaces) > MAX_SPACES_PER_EVENT or not all(is_id(s) for s in spaces):
        raise InvalidInput(_("spaces must be at most %(max_spaces_per_event)s space ids", max_spaces_per_event=MAX_SPACES_PER_EVENT), field="spaces")
    capacity = whole_number(values.get("capacity"), "capacity", 1, MAX_CAPACITY, nullable=True)
    setup = whole_number(values.get("setup_minutes", 0), "setup_minutes", 0, rules.MAX_BUFFER_MINUTES)
    teardown = whole_number(values.get("teardown_minutes", 0), "teardown_minutes", 0, rules.MAX_BUFFER_MINUTES)
    description = clean_text(values.get("description", ""), "description", DESCRIPTION_MAX,
                             required=False, multiline=True)
    status = values.get("status", "scheduled")
    if status not in STATUSES:
        raise InvalidInput(_("status must be scheduled or cancelled"), field="status")
    return EventDraft(
        title=title, kind=kind, starts_at=starts_at, ends_at=ends_at,
        space_ids=sorted(set(spaces)), capacity=capacity, setup_minutes=setup or 0,
        teardown_minutes=teardown or 0, description=description, status=status,
    )


# --------------------------------------------------------------------------------------
# Conflicts with the database
# --------------------------------------------------------------------------------------


async def occupancies_near(
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


def raise_for_clashes(
    clashes: Sequence[tuple[datetime | None, rules.Clash]],
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
        key = clash.other.key
        other = titles.get(key, {}) if isinstance(key, int) else {}
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
    detail = ngettext(
        "this overlaps %(num)s other event in %(spaces)s (setup and teardown included)",
        "this overlaps %(num)s other events in %(spaces)s (setup and teardown included)",
        events, spaces=", ".join(names),
    )
    if acknowledgeable:
        detail += _("; every space involved allows it: resend with acknowledge_conflicts=true")
    else:
        detail += _("; a space involved does not allow overlaps")
    raise Conflict(detail, conflicts=report, acknowledgeable=acknowledgeable)


# --------------------------------------------------------------------------------------
# Reading events
# --------------------------------------------------------------------------------------

EVENT_COLUMNS = (
    Event.id, Event.venue, Event.series, Event.recurrence_id, Event.uid, Event.title,
    Event.kind, Event.description, Event.starts_at, Event.ends_at, Event.capacity,
    Event.setup_minutes, Event.teardown_minutes, Event.status, Event.sequence,
    Event.created_at, Event.updated_at,
)


async def decorate_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add spaces, booked and remaining places to event rows (two queries for the lot).

    ``sold`` is ``None``: places that plugins sell are added by
    :func:`podium.core.venue.bookings.count_places_sold`, which needs the venue's plugins."""
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
        # Places a plugin sells itself (tickets): unknown here, see bookings.count_places_sold.
        event["sold"] = None
        event["remaining"] = (
            max(event["capacity"] - event["booked"], 0) if event["capacity"] else None
        )
        out.append(event)
    return out


async def get_event(event_id: int) -> dict[str, Any]:
    """An event with its spaces, booked and remaining places; :class:`NotFound` otherwise."""
    row = await Event.select(*EVENT_COLUMNS).where(Event.id == event_id).first()
    if row is None:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    return (await decorate_events([row]))[0]


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


def _event_condition(filters: EventFilter) -> Combinable:
    """The WHERE condition selecting the events that match ``filters``."""
    where: Combinable = Event.id > 0
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
        raise InvalidInput(_("'to' must be after 'from'"), field="to")
    where = _event_condition(filters)
    rows = await (
        Event.select(*EVENT_COLUMNS).where(where)
        .order_by(Event.starts_at).order_by(Event.id).limit(limit).offset(offset)
    )
    total = await Event.count().where(where)
    return await decorate_events(rows), total


async def events_between(venue_id: int, start: datetime, end: datetime, *,
                         space_id: int | None = None, include_cancelled: bool = True) -> list[dict[str, Any]]:
    """Every event of a venue overlapping ``[start, end)`` (calendar pages), start order."""
    filters = EventFilter(venue_id=venue_id, start=start, end=end, space_id=space_id,
                          status=None if include_cancelled else "scheduled")
    rows = await Event.select(*EVENT_COLUMNS).where(_event_condition(filters)).order_by(Event.starts_at).order_by(Event.id)
    return await decorate_events(rows)


# --------------------------------------------------------------------------------------
# Writing events
# --------------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
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
        spaces = await check_venue_spaces(scope.venue_id, draft.space_ids)
        await lock_spaces(draft.space_ids)
        if draft.status == "scheduled":
            others, titles = await occupancies_near(
                scope.venue_id, draft.space_ids, draft.starts_at, draft.ends_at
            )
            clashes = [(None, c) for c in rules.find_conflicts(draft.occupancy(), others)]
            raise_for_clashes(clashes, titles, spaces, acknowledge)
        stamp = utc_now()
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
        await scope.record_changes("created", [created])
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
        raise InvalidInput(_("cannot change %(value1)s", value1=', '.join(sorted(unknown))))
    async with atomic():
        row = await for_update(Event.select(*EVENT_COLUMNS).where(Event.id == event_id)).first()
        if row is None or row["venue"] != scope.venue_id:
            raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
        current = (await decorate_events([row]))[0]
        values = {
            "title": current["title"], "kind": current["kind"],
            "description": current["description"], "starts_at": current["starts_at"],
            "ends_at": current["ends_at"], "space_ids": [s["id"] for s in current["spaces"]],
            "capacity": current["capacity"], "setup_minutes": current["setup_minutes"],
            "teardown_minutes": current["teardown_minutes"], "status": current["status"],
        }
        values.update(changes)
        draft = check_event_fields(scope, values, kind_known=values["kind"] != current["kind"])
        spaces = await check_venue_spaces(scope.venue_id, draft.space_ids)
        await lock_spaces(draft.space_ids)
        if draft.capacity is not None and draft.capacity < current["booked"]:
            raise Conflict(
                _("%(booked)s places are already booked; the capacity cannot go below that",
                  booked=current["booked"]),
                code="capacity_below_bookings",
            )
        if draft.capacity is None and current["booked"]:
            raise Conflict(_("this event has bookings; it needs a capacity"), code="capacity_below_bookings")
        if draft.status == "scheduled":
            others, titles = await occupancies_near(
                scope.venue_id, draft.space_ids, draft.starts_at, draft.ends_at, exclude=[event_id]
            )
            clashes = [(None, c) for c in rules.find_conflicts(draft.occupancy(event_id), others)]
            raise_for_clashes(clashes, titles, spaces, acknowledge)
        await Event.update({
            Event.title: draft.title, Event.kind: draft.kind,
            Event.description: draft.description, Event.starts_at: draft.starts_at,
            Event.ends_at: draft.ends_at, Event.capacity: draft.capacity,
            Event.setup_minutes: draft.setup_minutes, Event.teardown_minutes: draft.teardown_minutes,
            Event.status: draft.status, Event.sequence: current["sequence"] + 1,
            Event.updated_at: utc_now(),
        }).where(Event.id == event_id)
        if draft.space_ids != space_ids_of(current):
            await EventSpace.delete().where(EventSpace.event == event_id)
            await EventSpace.insert(*[EventSpace(event=event_id, space=s) for s in draft.space_ids])
        updated = await get_event(event_id)
        cancelled = current["status"] == "scheduled" and draft.status == "cancelled"
        await scope.record_changes("cancelled" if cancelled else "updated", [updated])
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
            raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
        event = (await decorate_events([row]))[0]
        if event["booked"]:
            raise Conflict(
                _("%(booked)s places are booked; cancel the event instead of deleting it",
                  booked=event["booked"]),
                code="has_bookings",
            )
        await Event.delete().where(Event.id == event_id)
        await scope.record_changes("deleted", [event])


# --------------------------------------------------------------------------------------
# The venue home
# --------------------------------------------------------------------------------------


@dataclass
class HomeSummary:
    """What the venue home shows."""

    now: list[dict[str, Any]] = field(default_factory=list)
    next: list[dict[str, Any]] = field(default_factory=list)
    today_sessions: list[dict[str, Any]] = field(default_factory=list)


async def home_summary(venue_id: int, tz: str, at: datetime | None = None) -> HomeSummary:
    """Events happening now, the next few, and today's bookable sessions."""
    at = at or utc_now()
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
    summary = HomeSummary(now=await decorate_events(now_rows), next=await decorate_events(next_rows))
    summary.today_sessions = [e for e in today if e["capacity"] and e["ends_at"] > at]
    return summary
