"""SQLite connections reused between transactions: clean when handed back, bounded, and
the locking rules unchanged (IMMEDIATE transactions still queue)."""

from __future__ import annotations

import asyncio

import pytest

from podium.core.database import atomic, engine, is_sqlite, reading
from podium.core.sqlite_pool import PooledConnection, PooledSQLiteEngine
from podium.core.venue.tables import Venue

@pytest.fixture(autouse=True)
def _sqlite_only(podium_db: None) -> None:
    if not is_sqlite():
        pytest.skip("the pool is SQLite's")


def pooled() -> PooledSQLiteEngine:
    db = engine()
    assert isinstance(db, PooledSQLiteEngine)
    return db


async def test_a_transaction_reuses_the_idle_connection(podium_db):
    db = pooled()
    await db.close_idle()
    async with reading():
        first = db.current_transaction.get().connection
        assert isinstance(first, PooledConnection)
        await Venue.count()
    assert db.idle_count == 1
    async with reading():
        again = db.current_transaction.get().connection
        await Venue.count()
    assert again._raw is first._raw  # the same sqlite connection, no new thread
    assert db.idle_count == 1


async def test_a_failed_transaction_hands_back_a_clean_connection(podium_db):
    db = pooled()
    await db.close_idle()
    with pytest.raises(RuntimeError):
        async with atomic():
            await Venue.insert(Venue(name="Half written", slug="half-written"))
            raise RuntimeError("boom")
    assert db.idle_count == 1
    assert await Venue.count().where(Venue.slug == "half-written") == 0  # rolled back
    async with atomic():
        conn = db.current_transaction.get().connection
        assert conn.in_transaction
    assert not conn._raw.in_transaction


async def test_a_connection_given_back_mid_transaction_is_rolled_back(podium_db):
    db = pooled()
    await db.close_idle()
    conn = await db.get_connection()
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("INSERT INTO podium_venue (name, slug, timezone, description) "
                       "VALUES ('Dangling', 'dangling', 'UTC', '')")
    await conn.close()
    assert db.idle_count == 1
    assert await Venue.count().where(Venue.slug == "dangling") == 0
    async with atomic():  # the write lock was released: a new writer gets it at once
        await Venue.insert(Venue(name="Next", slug="next"))
    assert await Venue.count().where(Venue.slug == "next") == 1


async def test_idle_connections_are_bounded(podium_db):
    db = pooled()
    await db.close_idle()
    started = asyncio.Event()
    release = asyncio.Event()
    holding = 0

    async def hold() -> None:
        nonlocal holding
        async with reading():
            await Venue.count()
            holding += 1
            if holding == db.max_idle + 3:
                started.set()
            await release.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(db.max_idle + 3)]
    await asyncio.wait_for(started.wait(), 30)
    release.set()
    await asyncio.gather(*tasks)
    assert db.idle_count == db.max_idle
    await db.close_idle()
    assert db.idle_count == 0
