"""Venues and their spaces (track, infield, e-sport arena...): creating, reading, and
checking the spaces an event names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podium.core.i18n import _
from podium.core.database import for_update
from podium.core.errors import InvalidInput, NotFound
from podium.core.validation import DEFAULT_LIMIT, check_page, clean_text
from podium.core.venue import rules
from podium.core.venue.tables import Space, Venue

POLICIES = ("error", "warn")
"""A space's conflict policy: overlaps are refused (``error``) or may be acknowledged (``warn``)."""


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
        raise InvalidInput(_("conflict_policy must be error or warn"), field="conflict_policy")
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
        raise NotFound(_("there is no venue %(venue_id)s", venue_id=venue_id))
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
        raise NotFound(_("venue %(venue_id)s has no space %(space_id)s", venue_id=venue_id, space_id=space_id))
    return _space_dict(row)


async def check_venue_spaces(venue_id: int, space_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The named spaces of the venue by id, refusing unknown ones (:class:`InvalidInput`)."""
    rows = await Space.select().where((Space.venue == venue_id) & Space.id.is_in(list(space_ids)))
    found = {r["id"]: _space_dict(r) for r in rows}
    missing = [s for s in space_ids if s not in found]
    if missing:
        raise InvalidInput(
            _("unknown space(s) %(spaces)s in this venue", spaces=", ".join(map(str, missing))),
            field="spaces",
        )
    return found


async def lock_spaces(space_ids: Sequence[int]) -> None:
    """Serialise writes that touch the same spaces (row locks on PostgreSQL; SQLite's
    immediate transaction already holds the database write lock)."""
    await for_update(Space.select(Space.id).where(Space.id.is_in(list(space_ids))))
