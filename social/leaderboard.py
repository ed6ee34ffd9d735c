"""Leaderboards: the top fans of a board and any fan's exact rank in it.

A board (``all``, ``week:2026-W49``, ``season:2026``, ``discipline:keirin``,
``athlete:12``) orders its fans by points, then by who got there first (``reached``,
epoch seconds), then by fan id: every fan has one exact rank.

Two backends give the same answers (a test checks both against a plain sort):

* **SQL** (always there): the rank of a fan is 1 + the fans in the score buckets above
  theirs (:class:`ScoreBucket`: one row per distinct score, so a sum over a few hundred
  rows) + the fans with the same score who got there first (an index range scan on
  ``(board, points, reached, fan)`` within that one score) — never a count over all fans.
* **Redis** (with ``PODIUM_REDIS_URL``): one sorted set per board, the whole order encoded
  in the score (points, then the earlier ``reached``) and the member (the fan id, so that
  Redis' reverse lexical order of equal scores puts the lower id first); ``ZREVRANK`` and
  ``ZREVRANGE``. Redis mirrors the SQL rows inside the same transaction; when a mirror
  write fails the ``built`` marker is dropped and reads go to SQL until
  :func:`reload_redis` (``podium hub rebuild``, or the app's start-up) refills it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec

log = logging.getLogger("podium.social.leaderboard")

ALL = "all"
PREFIX = "podium:hub:board:"
BUILT = "podium:hub:built"
#: Seconds since 2020-01-01: the ``reached`` part of a Redis score.
EPOCH0 = 1_577_836_800
_TIME_BITS = 32
_MAX_POINTS = 2 ** (53 - _TIME_BITS) - 1  # the score stays an exact double
_MEMBER_TOP = 10 ** 12 - 1


# -- pure: the order and its Redis encoding --------------------------------------------


def order_key(points: int, reached: int, fan_id: int) -> tuple[int, int, int]:
    """The sort key of the board order (ascending = best first)."""
    return (-points, reached, fan_id)


def redis_score(points: int, reached: int) -> float:
    """Points, then the earlier ``reached``, as one exact double (higher is better)."""
    since = min(max(reached - EPOCH0, 0), 2 ** _TIME_BITS - 1)
    clamped = min(max(points, 0), _MAX_POINTS)
    return float(clamped * 2 ** _TIME_BITS + (2 ** _TIME_BITS - 1 - since))


def redis_member(fan_id: int) -> str:
    """The member of a fan: equal scores are ordered by member, reverse lexically under
    ``ZREVRANGE``, so a lower fan id must give a higher member."""
    return f"{_MEMBER_TOP - fan_id:012d}"


def fan_of_member(member: str | bytes) -> int:
    """The fan id of a member (:func:`redis_member` undone)."""
    return _MEMBER_TOP - int(member)


def board_name(view: str, *, week: str, discipline: str | None = None,
               athlete_id: int | None = None) -> str:
    """The board of a leaderboard view (``all``, ``week``, ``discipline``, ``athlete``)."""
    if view == "all":
        return ALL
    if view == "week":
        return f"week:{week}"
    if view == "discipline" and discipline:
        return f"discipline:{discipline}"
    if view == "athlete" and athlete_id is not None:
        return f"athlete:{athlete_id}"
    raise ValueError(f"no board for view {view!r}")


class Row(msgspec.Struct, frozen=True):
    """One line of a leaderboard."""

    rank: int
    fan_id: int
    points: int
    name: str = ""


# -- Redis -----------------------------------------------------------------------------

# One client per event loop (a client's connections belong to the loop that made them).
_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
    weakref.WeakKeyDictionary())


def redis_url() -> str | None:
    """The configured Redis (``PODIUM_REDIS_URL``), if any."""
    return os.environ.get("PODIUM_REDIS_URL", "").strip() or None


def _client() -> Any:
    url = redis_url()
    if url is None:
        return None
    from redis.asyncio import Redis

    per_loop = _CLIENTS.setdefault(asyncio.get_running_loop(), {})
    client = per_loop.get(url)
    if client is None:
        client = per_loop[url] = Redis.from_url(url)
    return client


async def redis_ready() -> Any:
    """The Redis client when Redis is configured and the boards are built in it."""
    client = _client()
    if client is None:
        return None
    try:
        return client if await client.exists(BUILT) else None
    except Exception:
        log.warning("Redis is unreachable: leaderboards answered from SQL", exc_info=True)
        return None


async def mirror_boards(fan_id: int, changes: Mapping[str, tuple[Any, tuple[int, int] | None]]
                        ) -> None:
    """Copy one fan's changed boards into Redis (``changes``: board -> (before, after));
    on failure drop the ``built`` marker so reads fall back to SQL."""
    client = _client()
    if client is None or not changes:
        return
    try:
        pipe = client.pipeline(transaction=False)
        member = redis_member(fan_id)
        for board, (_before, after) in changes.items():
            if after is None:
                pipe.zrem(PREFIX + board, member)
            else:
                pipe.zadd(PREFIX + board, {member: redis_score(after[0], after[1])})
        await pipe.execute()
    except Exception:
        log.warning("Redis mirror failed for fan %s; leaderboards read SQL until a rebuild",
                    fan_id, exc_info=True)
        try:
            await client.delete(BUILT)
        except Exception:
            pass


async def reload_redis(chunk: int = 10_000) -> bool:
    """Refill Redis from the SQL board rows and mark it built; ``False`` without Redis."""
    client = _client()
    if client is None:
        return False
    from podium.social.tables import BoardScore

    await client.delete(BUILT)
    keys = [key async for key in client.scan_iter(match=PREFIX + "*", count=1000)]
    if keys:
        await client.delete(*keys)
    last = 0
    while True:
        rows = await BoardScore.select(BoardScore.id, BoardScore.board, BoardScore.fan,
                                       BoardScore.points, BoardScore.reached).where(
            BoardScore.id > last).order_by(BoardScore.id).limit(chunk)
        if not rows:
            break
        pipe = client.pipeline(transaction=False)
        for r in rows:
            pipe.zadd(PREFIX + r["board"], {redis_member(r["fan"]): redis_score(r["points"], r["reached"])})
        await pipe.execute()
        last = rows[-1]["id"]
    await client.set(BUILT, datetime.now(timezone.utc).isoformat())
    return True


async def redis_rank(client: Any, board: str, fan_id: int) -> int | None:
    """The fan's rank from Redis (``None``: not on the board)."""
    found = await client.zrevrank(PREFIX + board, redis_member(fan_id))
    return None if found is None else int(found) + 1


async def redis_top(client: Any, board: str, count: int) -> list[tuple[int, int, int]]:
    """``(rank, fan, points)`` of the first ``count`` fans, from Redis."""
    found = await client.zrevrange(PREFIX + board, 0, count - 1, withscores=True)
    return [(i + 1, fan_of_member(m), int(s) >> _TIME_BITS) for i, (m, s) in enumerate(found)]


# -- SQL -------------------------------------------------------------------------------

_ROW = "SELECT points, reached FROM social_board_score WHERE slot = {}"
_ABOVE = "SELECT COALESCE(SUM(fans), 0) AS n FROM social_score_bucket WHERE board = {} AND points > {}"
_TIED_BEFORE = (
    "SELECT COUNT(*) AS n FROM social_board_score WHERE board = {} AND points = {} "
    "AND (reached < {} OR (reached = {} AND fan < {}))"
)
_TOP = (
    "SELECT fan, points FROM social_board_score WHERE board = {} "
    "ORDER BY points DESC, reached ASC, fan ASC LIMIT {}"
)


async def sql_rank(board: str, fan_id: int) -> int | None:
    """The fan's exact rank from the score buckets and one index range (``None``: not on
    the board)."""
    from podium.social.tables import BoardScore

    mine = await BoardScore.raw(_ROW, f"{board}|{fan_id}")
    if not mine:
        return None
    points, reached = mine[0]["points"], mine[0]["reached"]
    above = await BoardScore.raw(_ABOVE, board, points)
    tied = await BoardScore.raw(_TIED_BEFORE, board, points, reached, reached, fan_id)
    return int(above[0]["n"]) + int(tied[0]["n"]) + 1


async def sql_top(board: str, count: int) -> list[tuple[int, int, int]]:
    """``(rank, fan, points)`` of the first ``count`` fans, from SQL."""
    from podium.social.tables import BoardScore

    rows = await BoardScore.raw(_TOP, board, count)
    return [(i + 1, r["fan"], r["points"]) for i, r in enumerate(rows)]


# -- the public API --------------------------------------------------------------------


async def rank_of(board: str, fan_id: int) -> int | None:
    """A fan's exact rank on a board (Redis when built, SQL otherwise); ``None`` when the
    fan is not on it (no points there, opted out, an admin or an athlete)."""
    client = await redis_ready()
    if client is not None:
        try:
            return await redis_rank(client, board, fan_id)
        except Exception:
            log.warning("Redis rank failed; answered from SQL", exc_info=True)
    return await sql_rank(board, fan_id)


async def top(board: str, count: int = 10) -> list[Row]:
    """The first ``count`` fans of a board, with their display names."""
    client = await redis_ready()
    found: list[tuple[int, int, int]] | None = None
    if client is not None:
        try:
            found = await redis_top(client, board, count)
        except Exception:
            log.warning("Redis top failed; answered from SQL", exc_info=True)
    if found is None:
        found = await sql_top(board, count)
    names = await display_names([fan for _r, fan, _p in found])
    return [Row(rank, fan, points, names.get(fan, f"Fan {fan}")) for rank, fan, points in found]


async def points_on(board: str, fan_id: int) -> int:
    """A fan's points on a board (0 when not on it)."""
    from podium.social.tables import BoardScore

    rows = await BoardScore.raw(_ROW, f"{board}|{fan_id}")
    return int(rows[0]["points"]) if rows else 0


async def display_names(fan_ids: Sequence[int]) -> dict[int, str]:
    """Display names of fans (their usernames where they set none)."""
    if not fan_ids:
        return {}
    from podium.core.accounts.tables import User

    rows = await User.select(User.id, User.username, User.display_name).where(
        User.id.is_in(list(fan_ids)))
    return {r["id"]: r["display_name"] or r["username"] for r in rows}


async def boards_of_kind(prefix: str) -> list[str]:
    """Boards whose name starts with ``prefix`` that have fans (``discipline:``...)."""
    from podium.social.tables import ScoreBucket

    rows = await ScoreBucket.raw(
        "SELECT DISTINCT board FROM social_score_bucket WHERE board LIKE {} AND fans > 0",
        prefix + "%")
    return sorted(r["board"] for r in rows)
