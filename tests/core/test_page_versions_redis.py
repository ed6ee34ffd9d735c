"""The page cache's versions in Redis, mirrored in each worker (``RedisVersions``).

Real Redis (``PODIUM_TEST_REDIS_URL``); two ``RedisVersions`` are two workers. Skipped
without Redis (``.ci/run`` runs them in its PostgreSQL + Redis pass).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from podium.core.page_cache import REDIS_PREFIX, RedisVersions

REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "").strip()
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs PODIUM_TEST_REDIS_URL")
WAIT = 10.0


def counter() -> str:
    """A counter name no other test (or concurrent run sharing Redis) uses."""
    return f"test:{uuid.uuid4().hex}"


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds (fail after :data:`WAIT` seconds)."""
    try:
        async with asyncio.timeout(WAIT):
            while not await check():
                await asyncio.sleep(0.01)
    except TimeoutError:
        pytest.fail(f"never happened: {what}")


async def started(versions: RedisVersions) -> RedisVersions:
    """``versions`` listening, its mirror trusted."""
    versions.start()

    async def live() -> bool:
        return versions._mirror_live

    await eventually(live, "the bumps channel subscribed")
    return versions


@pytest.fixture
async def workers() -> AsyncIterator[tuple[RedisVersions, RedisVersions]]:
    """Two workers' versions, listening."""
    a, b = RedisVersions(REDIS_URL), RedisVersions(REDIS_URL)
    try:
        yield await started(a), await started(b)
    finally:
        await a.close()
        await b.close()


async def test_a_bump_reaches_the_other_worker_whose_reads_cost_no_round_trip(workers):
    """Worker B reads a counter once from Redis, then from its mirror; a bump through
    worker A reaches B's mirror by the bumps channel, still without B reading Redis."""
    a, b = workers
    name, other = counter(), counter()
    (before,) = await b.get((name,))
    assert b.redis_reads == 1
    for _ in range(50):
        assert await b.get((name,)) == (before,)
    assert b.redis_reads == 1 and b.mirror_reads == 50
    await a.bump([name, other])
    assert await a.get((name,)) == (before + 1,)  # A reads its own write at once

    async def b_sees_it() -> bool:
        return await b.get((name,)) == (before + 1,)

    await eventually(b_sees_it, "worker B's mirror has A's bump")
    assert b.redis_reads == 1  # the announcement, not a read, brought it
    # A counter B never read was announced too: kept, no read.
    assert (await b.get((other,)))[0] > 0 and b.redis_reads == 1


async def test_forgetting_the_mirror_reads_what_redis_holds(workers):
    """An announcement not read yet leaves the mirror behind Redis; a live stream forgets
    the mirror before passing a message on, and the next read sees Redis."""
    _a, b = workers
    name = counter()
    (before,) = await b.get((name,))
    await b.redis.incr(REDIS_PREFIX + name)  # a bump whose announcement is still on its way
    assert await b.get((name,)) == (before,)  # the hazard: the mirror is behind
    b.forget_mirror()
    assert await b.get((name,)) == (before + 1,)


async def test_a_lost_subscription_is_not_trusted_and_resubscribing_starts_afresh(workers):
    """When the bumps channel's connection drops, announcements may be lost: reads go to
    Redis until the worker is subscribed again, and the mirror starts empty then."""
    _a, b = workers
    name = counter()
    (before,) = await b.get((name,))
    killer = b.redis
    # The listener's own connection (it names itself): kill it, as a network failure would.
    clients = await killer.client_list()
    mine = [c for c in clients if c.get("name") == b.listener_name]
    assert len(mine) == 1, clients
    await killer.execute_command("CLIENT", "KILL", "ID", mine[0]["id"])
    await b.redis.incr(REDIS_PREFIX + name)  # bumped while nobody listened: never announced

    async def up_to_date() -> bool:
        return b._mirror_live and await b.get((name,)) == (before + 1,)

    await eventually(up_to_date, "worker B read past the lost announcement")
    assert b._mirror_live


async def test_a_bump_announces_every_counter_atomically():
    """A counter Redis does not hold starts at a random value when bumped (a page cached
    before Redis lost it can never match again); the bump returns the new values."""
    versions = RedisVersions(REDIS_URL)
    try:
        name = counter()
        await versions.bump([name])
        (value,) = await versions.get((name,))
        assert value > 2**32
        await versions.bump([name])
        assert await versions.get((name,)) == (value + 1,)
        await versions.bump([])  # nothing to bump: no round trip, no error
    finally:
        await versions.close()


async def test_counters_flushed_from_redis_start_again_in_the_mirror(workers):
    """Redis flushed (an operator's FLUSHDB): the next bump starts the counter again from a
    new random value, which may be lower than the one mirrored: every worker takes it."""
    a, b = workers
    name = counter()
    await a.bump([name])
    await b.redis.set(REDIS_PREFIX + name, 2**60)  # a high value, mirrored by B

    async def high() -> bool:
        b.forget_mirror()
        return await b.get((name,)) == (2**60,)

    await eventually(high, "B mirrors the high value")
    await b.redis.delete(REDIS_PREFIX + name)  # flushed
    await a.bump([name])
    (fresh,) = await a.get((name,))
    assert fresh < 2**60

    async def b_follows() -> bool:
        return await b.get((name,)) == (fresh,)

    await eventually(b_follows, "B's mirror follows the counter started again")


async def test_a_venue_on_another_redis_database_is_not_heard(workers):
    """Pub/sub ignores Redis's database numbers: a second venue sharing the server on
    another database has its own bumps channel, and its bumps never reach this mirror."""
    _a, b = workers
    from urllib.parse import urlsplit

    database = int(b.redis.connection_pool.connection_kwargs.get("db", 0))
    # The same server, the next database.
    other = RedisVersions(urlsplit(REDIS_URL)._replace(path=f"/{(database + 1) % 16}").geturl())
    try:
        assert other.channel != b.channel
        name = counter()
        (before,) = await b.get((name,))
        await other.bump([name])  # the other venue's counter of the same name
        await asyncio.sleep(0.2)
        assert await b.get((name,)) == (before,)
        assert b.redis_reads == 1
    finally:
        await other.redis.delete(REDIS_PREFIX + name)
        await other.close()


async def test_a_quiet_channel_is_checked_and_stays_trusted():
    """With no bump for a while the worker asks Redis for a PONG; Redis answers, so the
    mirror stays trusted and announcements still arrive."""
    a, b = RedisVersions(REDIS_URL), RedisVersions(REDIS_URL)
    b.liveness_seconds = 0.05
    try:
        await started(a)
        await started(b)
        name = counter()
        (before,) = await b.get((name,))
        await asyncio.sleep(0.5)  # ten quiet spells, each ended by a PING and its PONG
        assert b._mirror_live and await b.get((name,)) == (before,) and b.redis_reads == 1
        await a.bump([name])

        async def heard() -> bool:
            return await b.get((name,)) == (before + 1,)

        await eventually(heard, "B still hears the bumps")
        assert b.redis_reads == 1
    finally:
        await a.close()
        await b.close()
