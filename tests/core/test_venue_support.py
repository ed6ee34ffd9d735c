"""Shared helpers of the venue tests (no tests here): a seeded venue, times, many users."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from podium.core.events import VenueEvent
from podium.core.venue import rules, service

TZ = "Europe/Paris"


def base_day() -> date:
    """A Monday two weeks ahead: far enough that nothing in the tests is "over"."""
    today = datetime.now(timezone.utc).date()
    return today + timedelta(days=14 - today.weekday())


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An aware instant ``day`` days after :func:`base_day`, at a Paris wall time."""
    return rules.localize(datetime.combine(base_day() + timedelta(days=day), time(hour, minute)), TZ)


def iso(day: int, hour: int, minute: int = 0) -> str:
    """:func:`at` as an RFC 3339 string (what API clients send)."""
    return at(day, hour, minute).isoformat()


async def seed_venue() -> dict[str, int]:
    """A venue with a track and an arena (policy error), an infield and a lounge (warn)."""
    venue = await service.create_venue("Test velodrome", "test-velodrome", TZ)
    ids = {"venue": venue["id"]}
    for position, (slug, policy) in enumerate(
        [("track", "error"), ("infield", "warn"), ("arena", "error"), ("lounge", "warn")]
    ):
        space = await service.create_space(venue["id"], slug.capitalize(), slug,
                                           conflict_policy=policy, position=position)
        ids[slug] = space["id"]
    return ids


async def many_users(prefix: str, count: int, roles: str = "fan") -> list[Any]:
    """``count`` users quickly: one argon2 hash shared by all (tests only)."""
    from podium.core.accounts.rules import display_name_key
    from podium.core.accounts.service import create_user, get_user
    from podium.core.accounts.tables import User
    from podium.core.testing import DEFAULT_PASSWORD

    first = await create_user(f"{prefix}0", DEFAULT_PASSWORD, roles)
    row = await User.select(User.password_hash).where(User.id == first.id).first()
    assert row is not None
    digest = row["password_hash"]
    stamp = datetime.now(timezone.utc)
    await User.insert(*[
        User(username=f"{prefix}{i}", display_name=f"{prefix}{i}", password_hash=digest,
             display_key=display_name_key(f"{prefix}{i}"),
             roles=roles, created_at=stamp)
        for i in range(1, count)
    ])
    rows = await User.select(User.id).where(User.username.like(f"{prefix}%")).order_by(User.id)
    return [await get_user(r["id"]) for r in rows]


def event_body(spaces: list[int], day: int = 0, start: int = 10, end: int = 12, **extra: Any) -> dict[str, Any]:
    """A valid ``POST /api/v1/events`` body."""
    body = {"title": "Club training", "kind": "training", "start": iso(day, start),
            "end": iso(day, end), "spaces": spaces}
    body.update(extra)
    return body


_SHARED_HASH: list[str] = []


async def quick_user(username: str, *roles: str) -> Any:
    """A user with :data:`~podium.core.testing.DEFAULT_PASSWORD`, without paying for a
    fresh argon2 hash each time (one hash per test session)."""
    from argon2 import PasswordHasher

    from podium.core.accounts.rules import display_name_key
    from podium.core.accounts.service import get_user, parse_roles
    from podium.core.accounts.tables import User
    from podium.core.testing import DEFAULT_PASSWORD

    if not _SHARED_HASH:
        _SHARED_HASH.append(PasswordHasher().hash(DEFAULT_PASSWORD))
    user = User(username=username, display_name=username.capitalize(), password_hash=_SHARED_HASH[0],
                display_key=display_name_key(username.capitalize()),
                roles=",".join(sorted(parse_roles(roles or ("fan",)))), created_at=datetime.now(timezone.utc))
    await user.save()
    return await get_user(user.id)


async def bearer_for(user: Any) -> dict[str, str]:
    """An ``Authorization`` header for ``user`` (token issued directly, no log-in round trip)."""
    from podium.core.accounts.service import issue_token

    return {"Authorization": f"Bearer {await issue_token(user)}"}


def sample_venue_event(event_id: int, title: str = "Drop-in gaming") -> VenueEvent:
    """A venue event as domain events carry it, for tests that build events by hand."""
    starts = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)
    return VenueEvent(id=event_id, venue_id=1, uid=f"{event_id}@podium", title=title,
                      kind="public_session", status="scheduled", starts_at=starts,
                      ends_at=starts + timedelta(hours=2), capacity=16, remaining=16)
