"""SQLite connections kept open between transactions (Piccolo's engine opens a new one each
time).

Piccolo's :class:`~piccolo.engine.sqlite.SQLiteEngine` opens an ``aiosqlite`` connection,
which starts a thread, for every transaction and every query outside one, and closes it
afterwards. Opening one costs about 0.6 ms of a cached bracket
page's 2 ms. :class:`PooledSQLiteEngine` hands out idle connections instead:
``get_connection()`` returns a :class:`PooledConnection` whose ``close()`` puts it back,
which is exactly what Piccolo's transactions call when they finish.

A connection goes back only when it is clean: not inside a transaction (Piccolo commits or
rolls back first; anything else is rolled back here) and belonging to the running event
loop's pool. At most ``max_idle`` are kept; the rest are really closed. The pool is per
event loop because a test suite runs many loops (a finished loop's idle connections are
closed by the next loop that asks); :meth:`PooledSQLiteEngine.close_idle` closes the
current loop's idle connections when the app stops.

The engine also keeps this process's **writer lane** (:class:`WriterLane`, one per event
loop): every ``IMMEDIATE`` or ``EXCLUSIVE`` transaction, and every write statement run
outside a transaction, waits its turn in the lane before it asks SQLite for the write
lock, and leaves the lane once it has committed or rolled back. SQLite has one write lock
per database and no queue for it: a writer that finds it taken sleeps in the busy handler
(1, 2, 5... up to 100 ms between tries) and whoever tries at the right moment wins, so
under load some writers waited many seconds while others got through at once (issue 8,
point 8). In the lane they wait in the order they came. Writers in other processes (a
second worker, the CLI) still meet ours in SQLite's busy handler (``timeout``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import weakref
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

DEFAULT_MAX_IDLE = 8

#: ``INSERT ... RETURNING`` (SQLite 3.35): Piccolo then needs no second query for the key.
_RETURNING = sqlite3.sqlite_version_info >= (3, 35)

#: Statements that only read: run outside a transaction, they need no place in the lane.
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES")


class WriterLane:
    """The queue of one event loop's SQLite writers: first come, first served.

    :meth:`acquire` lets one writer through at a time; :meth:`release` hands the lane
    straight to the writer that has waited longest (a newcomer never overtakes a waiting
    writer). Not re-entrant: a nested transaction joins its parent, which already holds the
    lane, and never asks again.
    """

    __slots__ = ("_held", "_waiters", "granted", "queued")

    def __init__(self) -> None:
        self._held = False
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        #: Writers let through, and how many of them had to wait (diagnostics and tests).
        self.granted = 0
        self.queued = 0

    @property
    def busy(self) -> bool:
        """True while a writer holds the lane."""
        return self._held

    @property
    def waiting(self) -> int:
        """Writers waiting for their turn now."""
        return sum(1 for fut in self._waiters if not fut.done())

    async def acquire(self, timeout: float | None = None) -> None:
        """Wait for this writer's turn.

        :raises sqlite3.OperationalError: ``database is locked`` after ``timeout`` seconds,
            what SQLite's busy handler raised after its own timeout before the lane existed
            (a writer that waits that long is stuck behind one that never finishes).
        """
        if not self._held and not self._waiters:
            self._held = True
            self.granted += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        self.queued += 1
        try:
            async with asyncio.timeout(timeout):
                await turn
        except BaseException as exc:
            if turn.done() and not turn.cancelled():
                self.release()  # our turn came just as we gave up: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(turn)
            if isinstance(exc, TimeoutError):
                raise sqlite3.OperationalError(
                    f"database is locked (waited {timeout} s for this process's other "
                    "writers)") from None
            raise
        self.granted += 1

    def release(self) -> None:
        """Leave the lane: the longest-waiting writer goes next (the lane stays held for it,
        so nobody slips in between)."""
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():  # a cancelled waiter's future is done: skip it
                turn.set_result(None)
                return
        self._held = False

    @contextlib.asynccontextmanager
    async def turn(self, timeout: float | None = None) -> AsyncIterator[None]:
        """``async with lane.turn():`` holds the lane for the block."""
        await self.acquire(timeout)
        try:
            yield
        finally:
            self.release()


class LaneTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction that waits in the engine's :class:`WriterLane` before
    ``BEGIN IMMEDIATE`` (or ``EXCLUSIVE``) and leaves it after ``COMMIT`` or ``ROLLBACK``.

    Deferred transactions (reads) do not queue; a nested transaction joins its parent as in
    Piccolo and asks for nothing.
    """

    __slots__ = ("_lane",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lane: WriterLane | None = None

    async def __aenter__(self) -> SQLiteTransaction:
        """Queue (an outermost write transaction only), then ``BEGIN``."""
        engine = self.engine
        if (self._parent is not None or self.transaction_type is TransactionType.deferred
                or not isinstance(engine, PooledSQLiteEngine)):
            return await super().__aenter__()
        lane = engine.writer_lane()
        await lane.acquire(engine.lane_timeout)
        self._lane = lane
        try:
            return await super().__aenter__()
        except BaseException:  # BEGIN failed (another process held the lock too long...)
            self._lane = None
            lane.release()
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        """``COMMIT`` or ``ROLLBACK`` as Piccolo does, then leave the lane."""
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        finally:
            lane, self._lane = self._lane, None
            if lane is not None:
                lane.release()


def is_write(sql: str) -> bool:
    """Whether a statement may write (anything that does not start as a read)."""
    return not sql.lstrip().upper().startswith(_READS)


class PooledConnection:
    """An ``aiosqlite`` connection whose ``close()`` returns it to its engine's pool.

    Everything else is the connection's own (attribute reads and writes are forwarded).
    """

    __slots__ = ("_raw", "_engine", "_loop", "_returned")

    def __init__(self, raw: aiosqlite.Connection, engine: PooledSQLiteEngine,
                 loop: asyncio.AbstractEventLoop) -> None:
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_loop", loop)
        object.__setattr__(self, "_returned", False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._raw, name, value)

    async def close(self) -> None:
        """Give the connection back to the pool (or close it when the pool is full)."""
        if self._returned:
            return
        object.__setattr__(self, "_returned", True)
        await self._engine._give_back(self._raw, self._loop)


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with idle connections kept for reuse (see the module)."""

    __slots__ = ("max_idle", "lane_timeout", "_idle", "_lanes")

    def __init__(self, *args: Any, max_idle: int = DEFAULT_MAX_IDLE,
                 lane_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_idle = max_idle
        #: How long a writer waits in the lane before giving up ("database is locked"):
        #: by default SQLite's busy timeout, the wait it had before there was a lane.
        self.lane_timeout = (float(self.connection_kwargs.get("timeout", 5.0))
                             if lane_timeout is None else lane_timeout)
        # Idle connections per event loop; a finished loop's entry goes with it.
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                              list[aiosqlite.Connection]] = (
            weakref.WeakKeyDictionary())
        # The writer lane per event loop (its futures belong to one loop).
        self._lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WriterLane] = (
            weakref.WeakKeyDictionary())

    # -- the writer lane ---------------------------------------------------------------

    def writer_lane(self) -> WriterLane:
        """The running event loop's :class:`WriterLane`."""
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None:
            lane = self._lanes[loop] = WriterLane()
        return lane

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        """Piccolo's transaction, queued in the writer lane unless it is deferred (see
        :class:`LaneTransaction`)."""
        return LaneTransaction(engine=self, transaction_type=transaction_type,
                               allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                      query_type: str = "generic", table: Any = None) -> Any:
        """A statement outside any transaction, on an idle connection of the pool (Piccolo
        opens a new one, and a thread, each time); it commits on its own (autocommit).

        A write waits in the lane too, or it would meet the lane's writers in SQLite's busy
        handler and lose to them again and again."""
        if not is_write(query):
            return await self._run_pooled(query, args, query_type, table)
        async with self.writer_lane().turn(self.lane_timeout):
            return await self._run_pooled(query, args, query_type, table)

    async def _run_pooled(self, query: str, args: list[Any] | None, query_type: str,
                          table: Any) -> Any:
        connection = await self.get_connection()
        try:
            return await self._run_in_existing_connection(connection, query, args,
                                                          query_type, table)
        finally:
            await connection.close()  # back to the pool

    async def _run_in_existing_connection(self, connection: Any, query: str,
                                          args: list[Any] | None = None,
                                          query_type: str = "generic",
                                          table: Any = None) -> Any:
        """One statement in one trip to the connection's thread (``execute_fetchall``).

        Piccolo makes four (``PRAGMA foreign_keys``, execute, fetch, close the cursor), and
        between two trips the event loop runs everyone else's work: inside a write
        transaction each trip keeps the lane, and every writer queued in it, waiting. Our
        connections have ``foreign_keys`` and the row factory set once, when opened."""
        if not isinstance(connection, PooledConnection) or not _RETURNING:
            return await super()._run_in_existing_connection(connection, query, args,
                                                             query_type, table)
        return list(await connection.execute_fetchall(query, args or []))

    async def get_connection(self) -> Any:
        """An idle connection of this loop, else a new one (as Piccolo configures it).

        A :class:`PooledConnection`: it stands in for the ``aiosqlite.Connection`` that
        Piccolo expects (typed ``Any``, as it is duck-typed)."""
        loop = asyncio.get_running_loop()
        if len(self._idle) > 1:
            await self._close_finished_loops(loop)
        idle = self._idle.setdefault(loop, [])
        while idle:
            raw = idle.pop()
            if raw._running and raw._connection is not None:  # its thread is alive
                return PooledConnection(raw, self, loop)
        raw = await aiosqlite.connect(**self.connection_kwargs)
        raw.row_factory = dict_factory  # type: ignore[assignment]  # see _give_back
        await raw.execute("PRAGMA foreign_keys = 1")
        return PooledConnection(raw, self, loop)

    async def _give_back(self, raw: aiosqlite.Connection,
                         loop: asyncio.AbstractEventLoop) -> None:
        """Keep ``raw`` for the next transaction if it is clean and there is room."""
        try:
            if raw.in_transaction:  # left open by an error between BEGIN and COMMIT
                await raw.rollback()
        except Exception:  # a broken connection is not worth keeping
            await _close_quietly(raw)
            return
        idle = self._idle.setdefault(loop, [])
        if loop is asyncio.get_running_loop() and len(idle) < self.max_idle:
            # aiosqlite annotates row_factory as a type; sqlite3 takes any callable.
            raw.row_factory = dict_factory  # type: ignore[assignment]
            idle.append(raw)
        else:
            await _close_quietly(raw)

    async def _close_finished_loops(self, current: asyncio.AbstractEventLoop) -> None:
        """Close connections left idle by event loops that have finished (a test suite
        runs one loop per test); their threads would otherwise live on."""
        for loop in [other for other in list(self._idle) if other is not current]:
            if loop.is_closed():
                for raw in self._idle.pop(loop, []):
                    await _close_quietly(raw)

    async def close_idle(self) -> None:
        """Close the running loop's idle connections (the app stopping, a test ending)."""
        idle = self._idle.pop(asyncio.get_running_loop(), [])
        for raw in idle:
            await _close_quietly(raw)

    @property
    def idle_count(self) -> int:
        """Idle connections of the running loop (for tests and diagnostics)."""
        return len(self._idle.get(asyncio.get_running_loop(), []))


async def _close_quietly(raw: aiosqlite.Connection) -> None:
    try:
        await raw.close()
    except Exception:  # already closed or its thread died: nothing left to free
        pass
