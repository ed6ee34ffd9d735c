"""Tables of the venue room: venues, spaces, events, recurring series, bookings.

Design: the occurrences of a recurring series are *materialized* as :class:`Event` rows
linked to their :class:`Series`, so bookings, conflicts, the calendar and the API treat a
Tuesday drop-in session exactly like a one-off event. A series stores its rule only to
publish it (iCalendar ``RRULE``) and to know which dates were cancelled or removed
(``EXDATE``).
"""

from piccolo.columns import (
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from podium.core.accounts.tables import User


class Venue(Table, tablename="podium_venue"):
    """A venue (the reference one is a national velodrome)."""

    id: Serial

    name = Varchar(length=120)
    slug = Varchar(length=60, unique=True)
    timezone = Varchar(length=60, default="Europe/Paris")
    description = Text(default="")


class Space(Table, tablename="podium_space"):
    """A bookable part of a venue: the track, the infield, the e-sport arena, the lounge.

    ``conflict_policy`` is ``error`` (overlaps refused) or ``warn`` (an organiser may
    acknowledge an overlap). ``capacity`` is how many people it holds (informative).
    """

    id: Serial

    venue = ForeignKey(Venue, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    slug = Varchar(length=60)
    description = Text(default="")
    conflict_policy = Varchar(length=10, default="error")
    capacity = Integer(default=0)
    position = Integer(default=0)


class Series(Table, tablename="podium_series"):
    """A recurring slot (drop-in gaming, public track initiation) with an RFC 5545 rule.

    ``rule`` is the canonical, always bounded rule of :func:`podium.core.venue.rules.normalise_rule`;
    ``first_start`` is the first occurrence (its wall time in the venue's zone is the time
    of day of every occurrence). ``spaces`` is a comma-separated list of space ids (the
    occurrences carry the authoritative :class:`EventSpace` rows).
    """

    id: Serial

    venue = ForeignKey(Venue, null=False, on_delete=OnDelete.cascade, index=True)
    uid = Varchar(length=80, unique=True)
    title = Varchar(length=120)
    kind = Varchar(length=60)
    description = Text(default="")
    rule = Varchar(length=300)
    first_start = Timestamptz()
    duration_minutes = Integer()
    capacity = Integer(null=True, default=None)
    setup_minutes = Integer(default=0)
    teardown_minutes = Integer(default=0)
    spaces = Varchar(length=200, default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class Event(Table, tablename="podium_event"):
    """Something happening at the venue: a tournament, a meet, one public session...

    ``capacity`` is the number of places the public can book (``None``: not bookable).
    ``uid`` is the stable iCalendar UID; ``sequence`` counts edits (iCalendar ``SEQUENCE``).
    An occurrence of a series has ``series`` set and ``recurrence_id`` = the start the rule
    gave it (kept when the occurrence is moved, as iCalendar's ``RECURRENCE-ID``).
    """

    id: Serial

    venue = ForeignKey(Venue, null=False, on_delete=OnDelete.cascade, index=True)
    series = ForeignKey(Series, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    recurrence_id = Timestamptz(null=True, default=None)
    uid = Varchar(length=80, unique=True)
    title = Varchar(length=120)
    kind = Varchar(length=60, index=True)
    description = Text(default="")
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz(index=True)
    capacity = Integer(null=True, default=None)
    setup_minutes = Integer(default=0)
    teardown_minutes = Integer(default=0)
    status = Varchar(length=12, default="scheduled", index=True)
    sequence = Integer(default=0)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class EventSpace(Table, tablename="podium_event_space"):
    """Which spaces an event uses (many-to-many)."""

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade, index=True)


class Booking(Table, tablename="podium_booking"):
    """Places a signed-in user booked in an event with a capacity.

    ``status`` is ``active`` or ``cancelled``; only active bookings count against capacity.
    """

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    places = Integer()
    status = Varchar(length=12, default="active", index=True)
    created_at = Timestamptz()
    cancelled_at = Timestamptz(null=True, default=None)
