"""The in-process queue in front of a row lock (:func:`podium.core.database.row_queue`)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from podium.core import database


@pytest.fixture
def queues_on(monkeypatch):
    """Queue as on PostgreSQL whatever the test database (SQLite's lane makes it a no-op)."""
    monkeypatch.setattr(database, "is_sqlite", lambda: False)


async def test_writers_of_one_row_go_one_at_a_time_in_order(queues_on):
    inside: list[int] = []
    order: list[int] = []
    release = asyncio.Event()

    async def writer(n: int) -> None:
        async with database.row_queue(("venue-event", 7)):
            inside.append(n)
            assert len(inside) == 1, "two writers of one row inside at once"
            order.append(n)
            if n == 0:
                await release.wait()
            await asyncio.sleep(0)
            inside.remove(n)

    tasks = [asyncio.create_task(writer(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    assert order == [0]  # the others wait behind the first
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]


async def test_other_rows_do_not_wait(queues_on):
    release = asyncio.Event()

    async def holder() -> None:
        async with database.row_queue(("tournament", 1)):
            await release.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    async with database.row_queue(("tournament", 2)):
        pass  # would hang if every key shared one queue
    release.set()
    await task


async def test_a_queue_lives_only_while_used(queues_on):
    async with database.row_queue(("venue-event", 99)):
        assert len(database._ROW_QUEUES) >= 1
    gc.collect()
    assert not any(key[1] == ("venue-event", 99) for key in database._ROW_QUEUES)


async def test_sqlite_needs_no_queue(monkeypatch):
    monkeypatch.setattr(database, "is_sqlite", lambda: True)
    async with database.row_queue(("venue-event", 5)):
        async with database.row_queue(("venue-event", 5)):  # would deadlock if it queued
            pass
