"""Recurring series: a repeat rule whose occurrences are written as ordinary events.

The occurrences are materialized as :class:`~podium.core.venue.tables.Event` rows, all
written or none; expanding the rule is :func:`podium.core.venue.rules.expand`.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from podium.core.i18n import _
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic
from podium.core.errors import InvalidInput, NotFound
from podium.core.validation import check_instant, whole_number
from podium.core.venue import rules
from podium.core.venue.events import (
    EVENT_COLUMNS,
    EventDraft,
    VenueScope,
    check_event_fields,
    decorate_events,
    new_uid,
    occupancies_near,
    raise_for_clashes,
    utc_now,
)
from podium.core.venue.spaces import check_venue_spaces, lock_spaces
from podium.core.venue.tables import Event, EventSpace, Series


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
        raise InvalidInput(_("repeat rule: %(exc)s", exc=exc), field="rule") from exc
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
            _("occurrences of this series overlap each other (buffers included); "
              "shorten them or space them out"), field="rule",
        )
    async with atomic():
        spaces = await check_venue_spaces(scope.venue_id, draft.space_ids)
        await lock_spaces(draft.space_ids)
        others, titles = await occupancies_near(
            scope.venue_id, draft.space_ids, drafts[0].starts_at, drafts[-1].ends_at
        )
        clashes = []
        for d in drafts:
            clashes += [(d.starts_at, c) for c in rules.find_conflicts(d.occupancy(), others)]
        raise_for_clashes(clashes, titles, spaces, acknowledge)
        stamp = utc_now()
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
        decorated = await decorate_events(
            await Event.select(*EVENT_COLUMNS).where(Event.id.is_in(ids)).order_by(Event.starts_at)
        )
        await scope.record_changes("created", decorated)
    return await get_series(series.id)


async def get_series(series_id: int) -> dict[str, Any]:
    """A series with its rule, a description of it and its occurrences (ids, starts, status)."""
    row = await Series.select().where(Series.id == series_id).first()
    if row is None:
        raise NotFound(_("there is no series %(series_id)s", series_id=series_id))
    occurrences = await Event.select(
        Event.id, Event.starts_at, Event.ends_at, Event.status, Event.recurrence_id
    ).where(Event.series == series_id).order_by(Event.starts_at)
    row["venue_id"] = row.pop("venue")
    row["space_ids"] = [int(s) for s in row["spaces"].split(",") if s]
    row.pop("spaces")
    row["rule_text"] = rules.describe_rule(row["rule"])
    row["occurrences"] = occurrences
    return row
