"""Leaderboards: SQL (score buckets + an index range) and Redis (sorted sets) give the
same ranks and top ten as a plain sort of the totals, ties included."""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from podium.social import leaderboard, points
from podium.social.tables import BoardScore, ScoreBucket

REDIS = os.environ.get("PODIUM_TEST_REDIS_URL") or "redis://127.0.0.1:6379/6"


async def _redis_up() -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


# Points with many ties; times the same second, within one finest rank bucket (256 s),
# across buckets, and outside the clamps (before 2020, past 2^32 s).
fans = st.lists(st.tuples(st.one_of(st.integers(1, 6), st.sampled_from([2**30 - 1, 2**30, 2**31 - 1])), st.one_of(
    st.integers(0, 3), st.sampled_from([255, 256, 70_000, 2**24 + 1, 2**32 + 9, -5]))),
    min_size=1, max_size=40)


@given(st.integers(0, 2**20), st.integers(0, 2**20), st.integers(leaderboard.EPOCH0, leaderboard.EPOCH0 + 2**31),
       st.integers(leaderboard.EPOCH0, leaderboard.EPOCH0 + 2**31))
def test_the_redis_score_keeps_the_order(p1, p2, r1, r2):
    a, b = leaderboard.redis_score(p1, r1), leaderboard.redis_score(p2, r2)
    if (p1, -r1) != (p2, -r2):
        assert (a > b) == ((p1, -r1) > (p2, -r2))
    assert int(a) >> 32 == p1
    assert leaderboard.fan_of_member(leaderboard.redis_member(12345)) == 12345
    assert leaderboard.redis_member(1) > leaderboard.redis_member(2)  # lower id first


async def test_sql_and_redis_ranks_equal_a_sort(podium_db, monkeypatch) -> None:
    use_redis = await _redis_up()
    if use_redis:
        monkeypatch.setenv("PODIUM_REDIS_URL", REDIS)
    else:
        monkeypatch.delenv("PODIUM_REDIS_URL", raising=False)
    loop = asyncio.get_running_loop()
    boards = itertools.count()

    async def run(rows: list[tuple[int, int]]) -> None:
        board = f"test:{next(boards)}"
        await BoardScore.insert(*[BoardScore(slot=f"{board}|{fan}", board=board, fan=fan, points=p,
                                             reached=leaderboard.EPOCH0 + r)
                                  for fan, (p, r) in enumerate(rows, 1)])
        await points.recount_buckets()
        expected = sorted(range(1, len(rows) + 1),
                          key=lambda f: leaderboard.order_key(rows[f - 1][0], rows[f - 1][1], f))
        sql = [await leaderboard.sql_rank(board, f) for f in range(1, len(rows) + 1)]
        assert [expected.index(f) + 1 for f in range(1, len(rows) + 1)] == sql
        assert [fan for _r, fan, _p in await leaderboard.sql_top(board, 10)] == expected[:10]
        assert await leaderboard.sql_rank(board, len(rows) + 1) is None
        # Redis' score holds 21 bits of points and 32 bits of seconds since 2020 (to
        # 2156): outside them it clamps, and only SQL stays exact.
        if use_redis and all(0 <= r < 2**32 and p < 2**21 for p, r in rows):
            assert await leaderboard.reload_redis()
            client = await leaderboard.redis_ready()
            assert client is not None
            assert [await leaderboard.redis_rank(client, board, f) for f in range(1, len(rows) + 1)] == sql
            assert [fan for _r, fan, _p in await leaderboard.redis_top(client, board, 10)] == expected[:10]
            # the public API reads Redis once built
            assert [r.fan_id for r in await leaderboard.top(board)] == expected[:10]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fans)
    def check(rows) -> None:
        asyncio.run_coroutine_threadsafe(run(rows), loop).result()

    await asyncio.to_thread(check)
    if not use_redis:
        pytest.skip(f"SQL checked; Redis at {REDIS} is not reachable, so its half was not")


async def test_a_failed_mirror_falls_back_to_sql(podium_db, monkeypatch) -> None:
    if not await _redis_up():
        pytest.skip(f"no Redis at {REDIS}")
    monkeypatch.setenv("PODIUM_REDIS_URL", REDIS)
    await BoardScore.insert(BoardScore(slot="all|1", board="all", fan=1, points=3, reached=leaderboard.EPOCH0))
    await points.recount_buckets()
    assert await leaderboard.reload_redis()
    assert await leaderboard.redis_ready() is not None

    real = leaderboard._client()

    class Broken:
        """A client whose writes fail (a full Redis, a dropped pipeline) but which
        still answers a delete."""

        def pipeline(self, **_kw):
            raise ConnectionError("write refused")

        async def delete(self, *keys):
            return await real.delete(*keys)

    monkeypatch.setattr(leaderboard, "_client", lambda: Broken())
    await leaderboard.mirror_boards(1, {"all": (None, (4, leaderboard.EPOCH0))})
    monkeypatch.setattr(leaderboard, "_client", lambda: real)
    assert await leaderboard.redis_ready() is None
    assert await leaderboard.rank_of("all", 1) == 1  # answered from SQL
