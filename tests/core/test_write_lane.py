"""The writer lane (issue 8, point 8): on SQLite this process's writers queue for the write
lock in the order they asked, instead of polling for it in SQLite's busy handler.

What is checked is order and outcome, never time: with the busy timeout at zero, any
writer that met another one's lock in SQLite would fail at once with "database is locked",
so a run where every writer succeeds proves none of them ever did; and the order in which
writers get in is the order in which they asked.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from podium.core.database import atomic, engine, is_sqlite, writer_lane
from podium.core.sqlite_pool import PooledSQLiteEngine, WriterLane, is_write
from podium.core.venue.tables import Venue

WRITERS = 24
#: Bound on the 1 ms polls for a condition (a broken lane fails, never hangs).
POLLS = 20_000


@pytest.fixture(autouse=True)
def _sqlite_only(podium_db: None) -> None:
    if not is_sqlite():
        pytest.skip("the lane is SQLite's (PostgreSQL locks rows)")


def pooled() -> PooledSQLiteEngine:
    db = engine()
    assert isinstance(db, PooledSQLiteEngine)
    return db


@pytest.fixture
def no_busy_wait() -> Iterator[None]:
    """SQLite's busy timeout at zero: a writer that finds the write lock taken fails at once
    instead of polling for it. Connections are made afresh so they get the new timeout."""
    db = pooled()
    saved = db.connection_kwargs.get("timeout")
    db.connection_kwargs["timeout"] = 0.0
    yield
    db.connection_kwargs["timeout"] = saved


def apart(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """A task with a context of its own, as each request has: one started with a copy of
    ours would join our transaction instead of competing with it."""
    return asyncio.get_running_loop().create_task(coro, context=contextvars.Context())


def queued() -> int:
    """Writers waiting in this loop's lane (0 where there is none)."""
    lane = writer_lane()
    return lane.waiting if lane is not None else 0


async def hold_while_others_ask(others: list[Callable[[], Coroutine[Any, Any, None]]],
                                settled: Callable[[], int]) -> list[BaseException | None]:
    """Hold the write lock in one transaction while every writer of ``others`` starts; let
    go once each of them has either failed or is waiting in the lane. Returns each
    writer's exception (``None`` when it succeeded)."""
    tasks: list[asyncio.Task[None]] = []
    async with atomic():
        await Venue.insert(Venue(name="First", slug="first"))
        tasks = [apart(other()) for other in others]
        for _ in range(POLLS):  # a poll for a condition, not a timing assertion
            if settled() >= len(others):
                break
            await asyncio.sleep(0.001)
        else:
            pytest.fail(f"only {settled()} of {len(others)} writers failed or queued")
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


async def test_no_writer_of_this_process_meets_the_lock_in_sqlite(no_busy_wait):
    """Transactions and single write statements of one process, all at once, with no busy
    wait at all: every one succeeds, because they wait in the lane, not in SQLite.

    Without the lane, each of them fails at once with "database is locked"."""
    await pooled().close_idle()  # new connections, with the zero timeout
    failed = 0

    def writer(i: int) -> Callable[[], Coroutine[Any, Any, None]]:
        async def write() -> None:
            nonlocal failed
            try:
                if i % 2:
                    await Venue.insert(Venue(name=f"Alone {i}", slug=f"alone-{i}"))
                else:
                    async with atomic():
                        count = await Venue.count()
                        await Venue.insert(Venue(name=f"Txn {i}", slug=f"txn-{i}-{count}"))
            except BaseException:
                failed += 1
                raise
        return write

    errors = await hold_while_others_ask([writer(i) for i in range(WRITERS)],
                                         lambda: failed + queued())
    assert [str(e) for e in errors if e is not None] == []
    assert await Venue.count() == WRITERS + 1
    await pooled().close_idle()


async def test_writers_get_in_in_the_order_they_asked():
    """First come, first served: 24 writers that ask while the lock is held get it in the
    order they asked (without the lane, whoever polls at the right moment wins)."""
    asked: list[int] = []
    got_in: list[int] = []

    def writer(i: int) -> Callable[[], Coroutine[Any, Any, None]]:
        async def write() -> None:
            asked.append(i)
            async with atomic():
                got_in.append(i)
                await Venue.insert(Venue(name=f"Writer {i}", slug=f"writer-{i}"))
        return write

    # Without the lane nothing queues: wait until each has at least started its BEGIN.
    started = 0

    def settled() -> int:
        nonlocal started
        started += 1
        return queued() if writer_lane() is not None else (
            len(asked) if started > 200 else 0)

    errors = await hold_while_others_ask([writer(i) for i in range(WRITERS)], settled)
    assert errors == [None] * WRITERS
    assert asked == list(range(WRITERS))
    assert got_in == asked


async def test_nested_atomic_blocks_share_the_outer_turn():
    """A nested ``atomic()`` joins the outer transaction and does not queue behind itself
    (which would wait forever)."""
    lane = writer_lane()
    assert lane is not None
    async with atomic():
        assert lane.busy
        async with atomic():
            await Venue.insert(Venue(name="Inner", slug="inner"))
            async with atomic():
                await Venue.insert(Venue(name="Innermost", slug="innermost"))
        assert lane.busy and lane.waiting == 0
    assert not lane.busy
    assert await Venue.count() == 2


async def test_a_failed_transaction_leaves_the_lane():
    """A transaction that raises rolls back and lets the next writer in."""
    lane = writer_lane()
    assert lane is not None
    with pytest.raises(RuntimeError):
        async with atomic():
            await Venue.insert(Venue(name="Doomed", slug="doomed"))
            raise RuntimeError("boom")
    assert not lane.busy
    async with atomic():
        await Venue.insert(Venue(name="Next", slug="next"))
    assert [r["slug"] for r in await Venue.select(Venue.slug)] == ["next"]


async def test_a_cancelled_waiter_does_not_block_the_lane():
    """A request cancelled while it waits (the client went away) gives up its place; the
    writers behind it still get in, in order."""
    lane = writer_lane()
    assert lane is not None
    got_in: list[str] = []

    async def write(name: str) -> None:
        async with atomic():
            got_in.append(name)
            await Venue.insert(Venue(name=name, slug=name))

    async with atomic():
        first = apart(write("gone"))
        second = apart(write("stays"))
        for _ in range(POLLS):
            if lane.waiting == 2:
                break
            await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
    await second
    assert got_in == ["stays"]
    assert not lane.busy and lane.waiting == 0


async def test_a_writer_stuck_behind_another_gives_up_as_sqlite_did():
    """A writer that waits longer than the busy timeout gets SQLite's own error ("database
    is locked"), as it did when it waited in SQLite's busy handler."""
    lane = WriterLane()
    await lane.acquire()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        await lane.acquire(timeout=0.01)
    assert lane.waiting == 0
    lane.release()
    assert not lane.busy


async def test_the_turn_granted_to_a_cancelled_waiter_is_passed_on():
    """Cancelled just after its turn came (before it ran): the turn goes to the next one."""
    lane = WriterLane()
    await lane.acquire()
    first = asyncio.create_task(lane.acquire())
    second = asyncio.create_task(lane.acquire())
    await asyncio.sleep(0)
    assert lane.waiting == 2
    lane.release()  # hands the lane to ``first``...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert lane.busy and lane.waiting == 0
    lane.release()
    assert not lane.busy


@pytest.mark.parametrize(("sql", "writes"), [
    ("SELECT 1", False), ("  select * from x", False), ("PRAGMA journal_mode=WAL", False),
    ("INSERT INTO x VALUES (1)", True), ("UPDATE x SET a = 1", True),
    ("DELETE FROM x", True), ("WITH y AS (SELECT 1) INSERT INTO x SELECT * FROM y", True),
    ("CREATE TABLE x (a)", True),
])
def test_what_counts_as_a_write(sql, writes):
    """Statements outside a transaction queue unless they only read."""
    assert is_write(sql) is writes
