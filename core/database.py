"""One place for the database engine, transactions, row locks and migrations.

The embedded default is an SQLite file; ``PODIUM_DATABASE_URL=postgresql://...`` switches to
PostgreSQL. What went wrong before is handled here:

* Writes that compete for something scarce run in :func:`atomic`: an ``IMMEDIATE``
  transaction on SQLite (the write lock is taken up front, so two read-modify-write
  transactions queue instead of failing with "database is locked"), a normal transaction on
  PostgreSQL where :func:`for_update` adds ``SELECT ... FOR UPDATE``.
* On SQLite a process's writers wait for that lock in a FIFO queue of their own, the
  writer lane (:func:`writer_lane`, :class:`podium.core.sqlite_pool.WriterLane`), not in
  SQLite's busy handler, which polls and lets whoever tries at the right moment win: with
  50 clients writing, some waited 10 to 25 s while one write alone takes 50 ms. Keep what
  is slow (rendering, notifying, calling a payment processor) out of :func:`atomic`: every
  other writer of the process waits behind it. PostgreSQL has no lane: it locks rows.
* A request's reads are grouped in :func:`reading` so SQLite opens one connection, not one
  per query.
* PostgreSQL uses a connection pool opened and closed with the app (:func:`open_pool`);
  SQLite keeps idle connections for reuse too (:mod:`podium.core.sqlite_pool`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import weakref
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query import Objects, Select

from podium.core.sqlite_pool import PooledSQLiteEngine, WriterLane

log = logging.getLogger("podium.database")

SQLITE_BUSY_TIMEOUT_S = 30.0

T = TypeVar("T")
P = ParamSpec("P")
#: The queries :func:`for_update` takes (both have ``lock_rows``).
Q = TypeVar("Q", "Select[Any]", "Objects[Any]")


def make_engine(database_url: str) -> Engine[Any]:
    """Build the Piccolo engine for ``sqlite:///path`` or ``postgresql://...``."""
    if database_url.startswith("sqlite:///"):
        path = database_url.split("sqlite:///", 1)[1] or "podium.sqlite3"
        return PooledSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)
    parsed = urlparse(database_url)
    config: dict[str, Any] = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "database": (parsed.path or "/").lstrip("/") or "postgres",
        "user": parsed.username or "postgres",
    }
    if parsed.password:
        config["password"] = parsed.password
    return PostgresEngine(config=config)


def engine() -> Engine[Any]:
    """The process's engine, as configured in ``podium.core.piccolo_conf``."""
    found = engine_finder()
    if found is None:  # pragma: no cover - PICCOLO_CONF is set by podium.core
        raise RuntimeError("Piccolo engine not found; is PICCOLO_CONF set?")
    return found


def is_sqlite() -> bool:
    """True when the engine is SQLite (row locks become a whole-database write lock)."""
    return engine().engine_type == "sqlite"


# Callbacks to run once the outermost atomic() block of this task has committed.
_AFTER_COMMIT: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "podium_after_commit", default=None)


# Items gathered per key, each key's flush awaited with them just before the outermost
# atomic() block of this task commits.
_Gathered = dict[Hashable, tuple[Callable[[list[Any]], Awaitable[None]], list[Any]]]
_BEFORE_COMMIT: contextvars.ContextVar[_Gathered | None] = contextvars.ContextVar(
    "podium_before_commit", default=None)


@contextlib.asynccontextmanager
async def atomic() -> AsyncIterator[None]:
    """A transaction for a write that competes for something scarce.

    On SQLite this is ``BEGIN IMMEDIATE``, after a turn in the process's writer lane
    (:func:`writer_lane`: held until ``COMMIT`` or ``ROLLBACK``, so await nothing slow in
    the block); on PostgreSQL combine it with :func:`for_update` on the row that guards the
    scarce resource. Re-check the rule inside the block. A nested block joins the outer
    transaction (and its turn).
    Callbacks registered with :func:`after_commit` inside it run once the outermost block
    has committed (never after a rollback); what :func:`gather_before_commit` gathered is
    written inside the transaction, just before it commits.
    """
    db = engine()
    outermost = _AFTER_COMMIT.get() is None
    token = _AFTER_COMMIT.set([]) if outermost else None
    before_token = _BEFORE_COMMIT.set({}) if outermost else None
    callbacks: list[Callable[[], None]] = []
    try:
        if isinstance(db, SQLiteEngine):  # engine_type "sqlite"
            transaction: Any = db.transaction(transaction_type=TransactionType.immediate)
        else:
            transaction = db.transaction()
        async with transaction:
            yield
            if outermost:
                for flush, items in (_BEFORE_COMMIT.get() or {}).values():
                    await flush(items)
        if outermost:
            callbacks = _AFTER_COMMIT.get() or []
    finally:
        if token is not None:
            _AFTER_COMMIT.reset(token)
        if before_token is not None:
            _BEFORE_COMMIT.reset(before_token)
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the write is committed: a callback must not turn it into an error
            log.exception("after-commit callback %r failed", callback)


def writer_lane() -> WriterLane | None:
    """This event loop's SQLite writer lane (``None`` on PostgreSQL, which has none).

    :func:`atomic` and single write statements queue in it on their own; it is exposed for
    diagnostics and tests."""
    db = engine()
    return db.writer_lane() if isinstance(db, PooledSQLiteEngine) else None


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` (once) after the enclosing :func:`atomic` block commits.

    Outside an ``atomic`` block nothing is scheduled: the caller's own transaction, if any,
    commits when it pleases, and whoever waits (the outbox dispatcher) polls as well.
    """
    pending = _AFTER_COMMIT.get()
    if pending is not None and callback not in pending:
        pending.append(callback)


def gather_before_commit(key: Hashable, item: Any,
                         flush: Callable[[list[Any]], Awaitable[None]]) -> bool:
    """Add ``item`` to what the enclosing :func:`atomic` block gathers under ``key``; just
    before it commits (never when it rolls back), ``flush(items)`` is awaited once with
    everything gathered under ``key``, in order: for rows cheaper written in one statement
    at the end than one by one (the outbox's).

    :returns: ``False`` outside an ``atomic`` block (nothing gathered: write it now).
    """
    gathered = _BEFORE_COMMIT.get()
    if gathered is None:
        return False
    gathered.setdefault(key, (flush, []))[1].append(item)
    return True


def in_transaction() -> bool:
    """True while the current task is inside a database transaction."""
    return engine().current_transaction.get() is not None


# True while the current task is inside a :func:`reading` transaction.
_IN_READING: contextvars.ContextVar[bool] = contextvars.ContextVar("podium_in_reading", default=False)


@contextlib.asynccontextmanager
async def reading() -> AsyncIterator[None]:
    """A transaction grouping a request's reads so they share one connection.

    It is marked as a read so :func:`run_apart` keeps writes out of it.
    """
    token = _IN_READING.set(True)
    try:
        async with engine().transaction():
            yield
    finally:
        _IN_READING.reset(token)


async def run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` outside the request's read transaction, on a connection of its own.

    For writes that must not join a :func:`reading` transaction: the session store,
    rate-limit counters, derived data refreshed lazily on a GET. A write inside a shared
    read turns it into a write transaction that SQLite refuses at once when another writer
    got in first, or that blocks other writers until the response is sent. A task with an
    empty context sees no ambient transaction. Inside a write transaction (:func:`atomic`)
    the coroutine runs inline instead: stepping out there would wait on our own lock.

    A read transaction is a snapshot (SQLite WAL): what runs apart and writes is not seen
    by later reads of the same request, so put the reads that need it apart too.
    """
    if not _IN_READING.get():
        return await coro
    return await asyncio.get_running_loop().create_task(coro, context=contextvars.Context())


def apart(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Decorator form of :func:`run_apart` (the signature is kept)."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await run_apart(method(*args, **kwargs))

    return wrapper


_ROW_QUEUES: weakref.WeakValueDictionary[tuple[int, Hashable], asyncio.Lock] = (
    weakref.WeakValueDictionary())


@contextlib.asynccontextmanager
async def row_queue(key: Hashable) -> AsyncIterator[None]:
    """A queue, in this process, in front of one row's lock (``key`` names the row, e.g.
    ``("venue-event", 12)``); enter it before :func:`atomic`. On PostgreSQL the writers of
    one busy row then wait here in order, not in the database holding a pooled connection
    each (with dozens waiting they would take every connection and starve the writes that
    could finish). Correctness still comes from the row lock (:func:`for_update`), where
    other processes queue. On SQLite the writer lane already queues every write.
    A queue lives while someone waits in it."""
    if is_sqlite():
        yield
        return
    slot = (id(asyncio.get_running_loop()), key)
    lock = _ROW_QUEUES.get(slot)
    if lock is None:
        lock = _ROW_QUEUES[slot] = asyncio.Lock()
    async with lock:
        yield


def for_update(query: Q) -> Q:
    """Add ``FOR UPDATE`` to a select on PostgreSQL; SQLite's immediate lock covers it."""
    if is_sqlite():
        return query
    return query.lock_rows("UPDATE")


def is_unique_violation(exc: BaseException) -> bool:
    """True when ``exc`` is a unique constraint refusing a write, on either database: the
    loser of a race on a unique key gets this, and the caller turns it into a
    :class:`~podium.core.errors.Conflict`."""
    import sqlite3

    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, UniqueViolationError)


async def _keep_session(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs on its way back to the pool: nothing more
    than asyncpg's own roll-back of an open transaction, which runs before this. Podium
    sets no session state (no ``SET``, ``LISTEN``, advisory locks or cursors), so
    asyncpg's default reset (``RESET ALL``, ``UNLISTEN *``, unlocking advisory locks...)
    would be one more round trip after every query for nothing."""


async def open_pool() -> None:
    """Start the PostgreSQL pool (no-op on SQLite) and set SQLite's WAL mode."""
    db = engine()
    if isinstance(db, PostgresEngine):
        if db.pool is None:
            await db.start_connection_pool(min_size=1, max_size=20, reset=_keep_session)
    else:
        await db.run_ddl("PRAGMA journal_mode=WAL")


async def close_pool() -> None:
    """Close the PostgreSQL pool opened by :func:`open_pool` (SQLite: the idle
    connections)."""
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_idle()


async def migrate(quiet: bool = True) -> None:
    """Apply every Piccolo app's pending migrations, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    with contextlib.redirect_stdout(_Discard()) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}")


async def table_names() -> list[str]:
    """Names of every table the registered Piccolo apps define."""
    from piccolo.conf.apps import Finder

    return [t._meta.tablename for t in Finder().get_table_classes()]


async def wipe_all_tables() -> None:
    """Delete every row of every app table (tests use this between cases)."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    tables = sort_table_classes(Finder().get_table_classes())
    db = engine()
    if db.engine_type == "postgres":
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        if names:
            await db.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    async with db.transaction():
        for table in reversed(tables):  # children before parents (foreign keys)
            await table.delete(force=True)


class _Discard:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


@contextlib.asynccontextmanager
async def lifespan_pool(_app: Any = None) -> AsyncIterator[None]:
    """Litestar lifespan context: the pool lives exactly as long as the app."""
    await open_pool()
    try:
        yield
    finally:
        await close_pool()
