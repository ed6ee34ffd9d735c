"""The venue room's public face: venues, spaces, events, recurring series, bookings.

No HTTP here; the pages, the JSON API, ``podium demo`` and other rooms call these
functions. Each part lives in a module of its own, which code inside the venue room
imports directly; this module re-exports their public names so callers outside it have
one stable place to import from:

- :mod:`podium.core.venue.kinds`: event kinds and their registry;
- :mod:`podium.core.venue.spaces`: venues and their spaces;
- :mod:`podium.core.venue.events`: checking, writing and reading events, conflicts with
  the database, the scope of a write and what plugins are told;
- :mod:`podium.core.venue.series`: recurring series;
- :mod:`podium.core.venue.bookings`: bookings;
- :mod:`podium.core.validation`: the checks of plain values every room shares;
- :mod:`podium.core.venue.rules`: the pure rules (conflicts, recurrence, weeks).
"""

from __future__ import annotations

from podium.core.validation import (
    DEFAULT_LIMIT,
    EARLIEST,
    LATEST,
    MAX_ID,
    MAX_PAGE,
    check_instant,
    clean_text,
)
from podium.core.venue.bookings import (
    MAX_PLACES_PER_BOOKING,
    book,
    booking_of,
    cancel_booking,
    user_bookings,
)
from podium.core.venue.events import (
    DESCRIPTION_MAX,
    EVENT_COLUMNS,
    MAX_CAPACITY,
    MAX_EVENT_LENGTH,
    MAX_SPACES_PER_EVENT,
    STATUSES,
    TITLE_MAX,
    UPDATABLE,
    EventChange,
    EventDraft,
    EventFilter,
    HomeSummary,
    VenueScope,
    cancel_event,
    check_event_fields,
    create_event,
    delete_event,
    events_between,
    get_event,
    home_summary,
    list_events,
    new_uid,
    space_ids_of,
    update_event,
)
from podium.core.venue.kinds import (
    CORE_KINDS,
    CORE_OWNER,
    EventKind,
    available_kinds,
    event_kinds,
    kind_info,
    register_core_kinds,
)
from podium.core.venue.series import create_series, get_series
from podium.core.venue.spaces import (
    POLICIES,
    create_space,
    create_venue,
    default_venue_id,
    get_space,
    get_venue,
    list_spaces,
    list_venues,
)

MAX_LIMIT = MAX_PAGE
"""The largest page of a venue list (the same as :data:`podium.core.validation.MAX_PAGE`)."""

__all__ = [
    # kinds
    "CORE_KINDS", "CORE_OWNER", "EventKind", "available_kinds", "event_kinds", "kind_info",
    "register_core_kinds",
    # venues and spaces
    "POLICIES", "create_space", "create_venue", "default_venue_id", "get_space", "get_venue",
    "list_spaces", "list_venues",
    # events
    "DESCRIPTION_MAX", "EVENT_COLUMNS", "MAX_CAPACITY", "MAX_EVENT_LENGTH",
    "MAX_SPACES_PER_EVENT", "STATUSES", "TITLE_MAX", "UPDATABLE", "EventChange", "EventDraft",
    "EventFilter", "HomeSummary", "VenueScope", "cancel_event", "check_event_fields",
    "create_event", "delete_event", "events_between", "get_event", "home_summary",
    "list_events", "new_uid", "space_ids_of", "update_event",
    # series
    "create_series", "get_series",
    # bookings
    "MAX_PLACES_PER_BOOKING", "book", "booking_of", "cancel_booking", "user_bookings",
    # shared validation
    "DEFAULT_LIMIT", "EARLIEST", "LATEST", "MAX_ID", "MAX_LIMIT", "check_instant", "clean_text",
]
