"""The Olympic hub's part of the demo venue: fans with points and medals.

Runs after the social domain's demo (later in ``BUILTIN``), which makes the athletes and
has the demo fans (``fan1``..``fan5``) follow some of them. Here the same fans like the
athletes' posts (the posts are seeded first) and attended the demo's public events that
have begun (the ``attend`` facts a gate check-in records, with the same keys, so a real
check-in later is a replay). Their points are then computed by the points engine, as
after any action: ``fan1`` ends with a gold medal of the season, ``fan2`` silver,
``fan3`` and ``fan4`` bronze (with the default thresholds).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from podium.core.accounts.service import get_user_by_name
from podium.plugins.olympic_hub.rules import ATTEND, LIKE
from podium.social import points
from podium.social.actions import NewAction, record_many

#: How many of the demo's events open to the public and already begun (the track meet,
#: then today's e-sport final) each demo fan attended (fan1 first).
ATTENDED = (2, 1, 0, 0, 0)
#: Kinds of event a fan does not attend: the squad's closed training, a private hire.
CLOSED_KINDS = ("training", "private_hire")


async def seed_demo(demo: Any) -> None:
    """Likes and attendance for the demo fans, then their points (see the module)."""
    from podium.social import tables

    points.bind_host(demo.host)
    fans = [u for u in [await get_user_by_name(f"fan{i}") for i in range(1, 6)] if u is not None]
    if not fans:
        return
    post_table = getattr(tables, "Post", None)
    posts = []
    if post_table is not None:
        posts = [r["id"] for r in await post_table.select(post_table.id).where(
            post_table.removed_at.is_null()).order_by(post_table.id).limit(20)]
    from podium.core.venue.tables import Event

    begun = await Event.select(Event.id, Event.starts_at, Event.kind).where(
        Event.id.is_in(sorted(demo.events.values()))).order_by(Event.starts_at)
    events = [r["id"] for r in begun if r["starts_at"] <= datetime.now(timezone.utc)
              and r["kind"] not in CLOSED_KINDS]
    start = datetime.now(timezone.utc) - timedelta(hours=len(fans) + 2)
    new: list[NewAction] = []
    for n, fan in enumerate(fans):
        at = start + timedelta(hours=n)
        for post in posts[: max(0, len(posts) - 2 * n)]:
            new.append(NewAction(fan.id, LIKE, f"post:{post}", at=at))
        for event in events[: ATTENDED[n] if n < len(ATTENDED) else 0]:
            new.append(NewAction(fan.id, ATTEND, f"event:{event}", key=f"attend:{fan.id}:{event}", at=at))
    if new:
        await record_many(new)
    for fan in fans:
        await points.recompute(fan.id, venue_id=demo.venue_id, host=demo.host)
    best = [await points.standing(fan.id) for fan in fans]
    medals = ", ".join(f"fan{i + 1} {s.medal_label or 'no medal'} ({s.points_all_time} points)"
                       for i, s in enumerate(best))
    demo.notes.append(f"fan hub leaderboard at /hub/leaderboard; {medals}")
