"""Leaderboards: the top fans of a board and any fan's exact rank in it.

A board (``all``, ``week:2026-W49``, ``season:2026``, ``discipline:keirin``,
``athlete:12``) orders its fans by points, then by who got there first (``reached``,
epoch seconds), then by fan id: every fan has one exact rank.

Two backends give the same answers (a test checks both against a plain sort):

* **SQL** (always there): the rank of a fan is 1 + the fans in the rank buckets before
  theirs (:class:`RankBucket`: a tree of counts over the order code, points then
  ``reached``, with a fan-out of 256 and five levels, so at most a few hundred bucket rows
  per level) + the better fans inside the fan's finest bucket (one score, 256 seconds: an
  index range on ``(board, points, reached, fan)`` over a handful of rows) — never a
  count over all fans, nor over all the fans tied on a score. One statement.
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
        # Keyset pages of plain rows (no Piccolo objects): a million rows in seconds.
        rows = await BoardScore.raw(
            "SELECT id, board, fan, points, reached FROM social_board_score WHERE id > {} "
            "ORDER BY id LIMIT {}", last, chunk)
        if not rows:
            break
        per_board: dict[str, dict[str, float]] = {}
        for r in rows:
            per_board.setdefault(r["board"], {})[redis_member(r["fan"])] = redis_score(
                r["points"], r["reached"])
        pipe = client.pipeline(transaction=False)
        for board, members in per_board.items():
            pipe.zadd(PREFIX + board, members)  # one ZADD per board and page
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
#
# The board order as one integer, the *order code*: points (clamped, inverted so a lower
# code is better) in the high bits, then the seconds since EPOCH0 (clamped). The code only
# decides which rank buckets a fan counts in; ties inside a bucket (equal codes, or values
# the clamps merged) are settled by comparing the real (points, reached, fan), so ranks
# stay exact whatever the values.
#
# Rank buckets (:class:`~podium.social.tables.RankBucket`) count the fans of a board per
# ``code >> shift`` for each shift of :data:`RANK_SHIFTS`, a tree with a fan-out of 256:
# a rank is the sum of the buckets before the fan's at each level (at most 256 rows per
# level, one index range each, all in one statement) plus the better fans inside the
# fan's finest bucket (one score and 256 seconds: an index range over a handful of rows).

_P_BITS = 30
_P_MAX = 2 ** _P_BITS - 1
_SINCE_MAX = 2 ** 32 - 1
#: Bucket levels, coarsest first: 256 scores; one score; ~194 days; ~18 hours; ~4 minutes.
RANK_SHIFTS = (40, 32, 24, 16, 8)
_FAN_OUT_BITS = 8


def order_code(points: int, reached: int) -> int:
    """The board order as one non-negative integer (lower is better; ties of the code are
    settled by the exact values): inverted points, then seconds since EPOCH0 (clamped).

    Points outside ``1.._P_MAX - 1`` cannot be ordered by the code with their times, so
    they get one code each side (0: the best; the last: the worst) and the exact values
    order them inside that one bucket.
    """
    if points >= _P_MAX:
        return 0
    if points <= 0:
        return (_P_MAX << 32) + _SINCE_MAX
    since = min(max(reached - EPOCH0, 0), _SINCE_MAX)
    return ((_P_MAX - points) << 32) + since


def rank_buckets(points: int, reached: int) -> list[tuple[int, int]]:
    """``(shift, bucket)`` of a fan with these points for every level of the tree."""
    code = order_code(points, reached)
    return [(shift, code >> shift) for shift in RANK_SHIFTS]


def rank_bucket_deltas(changes: Mapping[str, tuple[Any, tuple[int, int] | None]]
                       ) -> dict[tuple[str, int, int], int]:
    """The change of each rank bucket ``(board, shift, bucket)`` when fans' boards move
    (``changes``: board -> ``(before, after)``, ``None`` off the board); no zeros."""
    out: dict[tuple[str, int, int], int] = {}
    for board, (before, after) in changes.items():
        for state, sign in ((before, -1), (after, 1)):
            if state is None:
                continue
            for shift, bucket in rank_buckets(state[0], state[1]):
                key = (board, shift, bucket)
                out[key] = out.get(key, 0) + sign
    return {key: change for key, change in out.items() if change}


def rank_ranges(points: int, reached: int) -> list[tuple[int, int, int]]:
    """``(shift, first, end)``: the buckets of each level that hold only better fans
    (those before the fan's own bucket under the same parent; at the top, all before)."""
    code = order_code(points, reached)
    out = []
    parent_shift: int | None = None
    for shift in RANK_SHIFTS:
        first = 0 if parent_shift is None else (code >> parent_shift) << (parent_shift - shift)
        out.append((shift, first, code >> shift))
        parent_shift = shift
    return out


_FAR = 2 ** 62


def finest_span(points: int, reached: int) -> tuple[int, int, int, int]:
    """``(points_low, points_high, reached_low, reached_high)``: the values that share the
    fan's finest bucket (wider where the clamps merge values). Points are a 32-bit column:
    its limits stand for "any" (PostgreSQL types a parameter as its column)."""
    if points >= _P_MAX:
        return _P_MAX, 2 ** 31 - 1, -_FAR, _FAR
    if points <= 0:
        return -(2 ** 31), 0, -_FAR, _FAR
    finest = RANK_SHIFTS[-1]
    since_low = ((order_code(points, reached) >> finest) << finest) & _SINCE_MAX
    since_high = since_low + (1 << finest) - 1
    reached_low = -_FAR if since_low == 0 else EPOCH0 + since_low
    reached_high = _FAR if since_high >= _SINCE_MAX else EPOCH0 + since_high
    return points, points, reached_low, reached_high


_ROW = "SELECT points, reached FROM social_board_score WHERE slot = {}"
_LEVEL = ("SELECT COALESCE(SUM(fans), 0) AS n FROM social_rank_bucket "
          "WHERE board = {} AND level = {} AND bucket >= {} AND bucket < {}")
# The better fans in the fan's finest bucket: one score, a span of ``reached`` (an
# equality then a range, so the index seeks straight to it) ...
_BETTER_IN_BUCKET = (
    "SELECT COUNT(*) AS n FROM social_board_score WHERE board = {} AND points = {} "
    "AND reached >= {} AND (reached < {} OR (reached = {} AND fan < {}))"
)
# ... or, for points outside the code's range (merged into one bucket each side), all of
# them compared exactly.
_BETTER_IN_MERGED = (
    "SELECT COUNT(*) AS n FROM social_board_score WHERE board = {} "
    "AND points BETWEEN {} AND {} "
    "AND (points > {} OR (points = {} AND (reached < {} OR (reached = {} AND fan < {}))))"
)
_LEVELS = " UNION ALL ".join([_LEVEL] * len(RANK_SHIFTS))
_RANK = f"SELECT SUM(n) AS n FROM ({_LEVELS} UNION ALL {_BETTER_IN_BUCKET}) AS parts"
_RANK_MERGED = f"SELECT SUM(n) AS n FROM ({_LEVELS} UNION ALL {_BETTER_IN_MERGED}) AS parts"
_TOP = (
    "SELECT fan, points FROM social_board_score WHERE board = {} "
    "ORDER BY points DESC, reached ASC, fan ASC LIMIT {}"
)
_RANK_UPSERT_ROW = "({}, {}, {}, {}, {})"
_RANK_UPSERT = ("INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) VALUES {} "
                "ON CONFLICT (slot) DO UPDATE SET fans = social_rank_bucket.fans + excluded.fans")


def rank_bucket_slot(board: str, shift: int, bucket: int) -> str:
    """The unique name of a rank bucket row."""
    return f"{board}|{shift}|{bucket}"


async def apply_rank_deltas(deltas: Mapping[tuple[str, int, int], int]) -> None:
    """Add to the rank buckets in one statement, rows in one fixed order (so two
    transactions never lock the same buckets in opposite orders). Call it inside the
    transaction that changes the board rows."""
    from podium.social.tables import RankBucket

    items = sorted(deltas.items())
    for start in range(0, len(items), 200):  # a bounded statement for a fan on many boards
        part = items[start:start + 200]
        args: list[Any] = []
        for (board, shift, bucket), change in part:
            args += [rank_bucket_slot(board, shift, bucket), board, shift, bucket, change]
        values = ", ".join([_RANK_UPSERT_ROW] * len(part))
        await RankBucket.raw(_RANK_UPSERT.replace("VALUES {}", "VALUES " + values), *args)


def recount_rank_buckets_sql() -> list[str]:
    """The statements that rebuild every rank bucket from the board rows (a rebuild and
    the bench's bulk load use them; the same code as :func:`order_code`, in SQL)."""
    code = (f"(CASE WHEN points >= {_P_MAX} THEN 0 "
            f"WHEN points <= 0 THEN {(_P_MAX << 32) + _SINCE_MAX} "
            f"ELSE CAST({_P_MAX} - points AS BIGINT) * 4294967296 + "
            f"(CASE WHEN reached - {EPOCH0} > {_SINCE_MAX} THEN {_SINCE_MAX} "
            f"WHEN reached < {EPOCH0} THEN 0 ELSE reached - {EPOCH0} END) END)")
    out = []
    for shift in RANK_SHIFTS:
        bucket = f"({code} >> {shift})"
        out.append(
            "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) "
            f"SELECT board || '|{shift}|' || CAST(b AS VARCHAR), board, {shift}, b, COUNT(*) "
            f"FROM (SELECT board, {bucket} AS b FROM social_board_score) AS coded "
            "GROUP BY board, b")
    return out


async def sql_rank(board: str, fan_id: int) -> int | None:
    """The fan's exact rank from the rank buckets and one small index range, in one
    statement after the fan's own row (``None``: not on the board)."""
    from podium.social.tables import BoardScore

    mine = await BoardScore.raw(_ROW, f"{board}|{fan_id}")
    if not mine:
        return None
    points, reached = int(mine[0]["points"]), int(mine[0]["reached"])
    args: list[Any] = []
    for shift, first, end in rank_ranges(points, reached):
        args += [board, shift, first, end]
    p_low, p_high, r_low, _r_high = finest_span(points, reached)
    if p_low == p_high:
        args += [board, points, r_low, reached, reached, fan_id]
        found = await BoardScore.raw(_RANK, *args)
    else:
        args += [board, p_low, p_high, points, points, reached, reached, fan_id]
        found = await BoardScore.raw(_RANK_MERGED, *args)
    return int(found[0]["n"] or 0) + 1


async def sql_top(board: str, count: int) -> list[tuple[int, int, int]]:
    """``(rank, fan, points)`` of the first ``count`` fans, from SQL."""
    from podium.social.tables import BoardScore

    rows = await BoardScore.raw(_TOP, board, count)
    return [(i + 1, r["fan"], r["points"]) for i, r in enumerate(rows)]


# -- the public API --------------------------------------------------------------------


async def rank_of(board: str, fan_id: int) -> int | None:
    """A fan's exact rank on a board (Redis when built, SQL otherwise); ``None`` when the
    fan is not on it (no points there, opted out, an admin or an athlete)."""
    client = _client()
    if client is not None:
        try:
            # One round trip: is Redis built, and the rank.
            pipe = client.pipeline(transaction=False)
            pipe.exists(BUILT)
            pipe.zrevrank(PREFIX + board, redis_member(fan_id))
            built, found = await pipe.execute()
            if built:
                return None if found is None else int(found) + 1
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
