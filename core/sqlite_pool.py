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
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

DEFAULT_MAX_IDLE = 8


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

    __slots__ = ("max_idle", "_idle")

    def __init__(self, *args: Any, max_idle: int = DEFAULT_MAX_IDLE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_idle = max_idle
        # Idle connections per event loop; a finished loop's entry goes with it.
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                              list[aiosqlite.Connection]] = (
            weakref.WeakKeyDictionary())

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
