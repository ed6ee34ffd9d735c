"""The outbox: domain events stored with the write, claimed and settled by dispatchers.

:func:`record` appends events in the caller's transaction. The dispatcher
(:mod:`podium.core.outbox.dispatcher`) claims due rows (:func:`claim`), tells their
recipients, and settles each row (:func:`settle`): delivered, or retried later with
backoff, or given up after :data:`MAX_ATTEMPTS`.

Claiming sets a lease (``claimed_until``) in a short transaction of its own, so plugins
are never called while a lock is held. On PostgreSQL several workers claim with
``FOR UPDATE SKIP LOCKED`` and never take the same rows; on SQLite the claim runs under
``BEGIN IMMEDIATE`` (one writer at a time).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from piccolo.columns.combination import Combinable

from podium.core.database import (
    after_commit,
    atomic,
    gather_before_commit,
    in_transaction,
    is_sqlite,
)
from podium.core.events import DomainEvent, encode
from podium.core.outbox.tables import OutboxEvent

log = logging.getLogger("podium.outbox")

#: Attempts before a row is marked ``failed`` (about a day with the backoff below).
MAX_ATTEMPTS = 20
#: Longest wait between two attempts.
MAX_BACKOFF = timedelta(minutes=30)
#: How long a claim keeps other dispatchers off a row.
LEASE = timedelta(minutes=2)
#: Delivered rows older than this are deleted by :func:`prune`.
RETENTION = timedelta(days=7)


def utc_now() -> datetime:
    """The current time in UTC (the dispatcher's default clock)."""
    return datetime.now(timezone.utc)


def backoff(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``: 2, 4, 8... seconds, at most 30 minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 20)), MAX_BACKOFF)


class Waker(Protocol):
    """What is woken after a commit that recorded events (a dispatcher)."""

    def wake(self) -> None:
        """Look at the outbox soon."""


# The dispatchers running in this process (one per app), woken after commits.
_WAKERS: "weakref.WeakSet[Waker]" = weakref.WeakSet()


def register_waker(waker: Waker) -> None:
    """Have ``waker.wake()`` called after every commit that recorded events."""
    _WAKERS.add(waker)


def wake_dispatchers() -> None:
    """Tell this process's dispatchers that new events were committed."""
    for waker in list(_WAKERS):
        waker.wake()


async def record(*events: DomainEvent | None) -> None:
    """Record domain events in the outbox, in the caller's transaction (``None`` skipped).

    Call it inside the write's transaction (:func:`podium.core.database.atomic`): the events
    commit or roll back with the write, and this process's dispatchers are woken once it
    commits. Outside a transaction the events get a transaction of their own.
    """
    real = [e for e in events if e is not None]
    if not real:
        return
    if not in_transaction():
        async with atomic():
            await record(*real)
        return
    # Inside atomic(): the write's events (a checkout records three) become one INSERT
    # just before it commits. In a bare transaction of the caller's, inserted now.
    if not gather_before_commit(_insert, real, _insert_gathered):
        await _insert(real)
    after_commit(wake_dispatchers)


# One statement, built once: Piccolo's query builder and a Table instance per row cost
# more than the insert itself, and every recorded write pays for it.
_INSERT = (
    f"INSERT INTO {OutboxEvent._meta.tablename} (event_id, type, payload, venue_id, scope_kind,"
    " scope_id, created_at, status, pending, attempts, next_attempt_at, claimed_until,"
    " delivered_at, last_error) VALUES "
)
_ROW = "({}, {}, {}, {}, {}, {}, {}, 'pending', NULL, 0, {}, NULL, NULL, '')"
#: Rows per INSERT: 8 parameters each stays under SQLite's 999 (old builds) and PG's 32767.
_ROWS_PER_INSERT = 100


def _row_values(event: DomainEvent) -> list[Any]:
    scope = event.scope()
    return [event.event_id, type(event).__name__, encode(event), event.venue_id,
            scope.kind if scope else None, scope.id if scope else None,
            event.occurred_at, event.occurred_at]


async def _insert(events: Sequence[DomainEvent]) -> None:
    for start in range(0, len(events), _ROWS_PER_INSERT):
        chunk = events[start:start + _ROWS_PER_INSERT]
        values: list[Any] = []
        for event in chunk:
            values += _row_values(event)
        await OutboxEvent.raw(_INSERT + ", ".join([_ROW] * len(chunk)), *values)


def insert_statement(events: Sequence[DomainEvent]) -> tuple[str, list[Any]]:
    """The ``INSERT`` of ``events``' outbox rows (Piccolo's ``{}`` placeholders) and its
    arguments, for a write that sends them inside a statement of its own (a PostgreSQL
    writing CTE: one round trip fewer under its lock than :func:`record`). Run it inside
    the write's transaction, then call :func:`recorded` so the dispatchers are woken once
    it commits. At most :data:`_ROWS_PER_INSERT` events (parameter limits)."""
    if not events or len(events) > _ROWS_PER_INSERT:
        raise ValueError(f"1 to {_ROWS_PER_INSERT} events per statement")
    values: list[Any] = []
    for event in events:
        values += _row_values(event)
    return _INSERT + ", ".join([_ROW] * len(events)), values


def recorded() -> None:
    """After a statement of :func:`insert_statement` ran in the write's transaction: wake
    this process's dispatchers once it commits (what :func:`record` does on its own)."""
    after_commit(wake_dispatchers)


async def _insert_gathered(batches: list[list[DomainEvent]]) -> None:
    await _insert([event for batch in batches for event in batch])


@dataclass
class Claimed:
    """An outbox row claimed for delivery."""

    id: int
    event_id: str
    type: str
    payload: str
    venue_id: int | None
    scope_kind: str | None
    scope_id: int | None
    attempts: int
    #: Recipients still to tell; ``None`` until the dispatcher works them out.
    pending: list[str] | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Claimed:
        """Build from an ``OutboxEvent`` row as a dict."""
        return cls(id=row["id"], event_id=row["event_id"], type=row["type"],
                   payload=row["payload"], venue_id=row["venue_id"],
                   scope_kind=row["scope_kind"], scope_id=row["scope_id"],
                   attempts=row["attempts"],
                   pending=None if row["pending"] is None else json.loads(row["pending"]))


def _due(now: datetime) -> Any:
    return ((OutboxEvent.status == "pending") & (OutboxEvent.next_attempt_at <= now)
            & (OutboxEvent.claimed_until.is_null() | (OutboxEvent.claimed_until < now)))


async def any_due(now: datetime) -> bool:
    """Whether some row is due (a cheap read before taking the claim's write lock)."""
    return bool(await OutboxEvent.exists().where(_due(now)))


async def claim(now: datetime, limit: int = 100) -> list[Claimed]:
    """Claim up to ``limit`` due rows, oldest first, for :data:`LEASE`."""
    async with atomic():
        query = OutboxEvent.select(OutboxEvent.id).where(_due(now)).order_by(
            OutboxEvent.id).limit(limit)
        if not is_sqlite():
            query = query.lock_rows("UPDATE", skip_locked=True)
        ids = [r["id"] for r in await query]
        if not ids:
            return []
        await OutboxEvent.update({OutboxEvent.claimed_until: now + LEASE}).where(
            OutboxEvent.id.is_in(ids))
        rows = await OutboxEvent.select().where(OutboxEvent.id.is_in(ids)).order_by(
            OutboxEvent.id)
    return [Claimed.from_row(r) for r in rows]


@dataclass
class Outcome:
    """What one delivery round did for a claimed row."""

    row: Claimed
    pending: list[str]
    errors: list[str]


async def settle(outcomes: Iterable[Outcome], now: datetime) -> None:
    """Write back a delivery round: delivered rows, rows to retry later, rows given up."""
    outcomes = list(outcomes)
    delivered = [out.row.id for out in outcomes if not out.pending]
    async with atomic():
        # A round's delivered rows in one statement (a rush delivers a hundred per round).
        for start in range(0, len(delivered), 500):
            await OutboxEvent.update({
                OutboxEvent.claimed_until: None, OutboxEvent.pending: "[]",
                OutboxEvent.status: "delivered", OutboxEvent.delivered_at: now,
            }).where(OutboxEvent.id.is_in(delivered[start:start + 500]))
        for out in outcomes:
            if not out.pending:
                continue
            attempts = out.row.attempts + 1
            values: dict[Any, Any] = {
                OutboxEvent.claimed_until: None, OutboxEvent.pending: json.dumps(out.pending),
                OutboxEvent.attempts: attempts,
                OutboxEvent.last_error: "; ".join(out.errors)[:4000],
                OutboxEvent.next_attempt_at: now + backoff(attempts)}
            if attempts >= MAX_ATTEMPTS:
                values[OutboxEvent.status] = "failed"
                log.error("outbox event %s (%s) given up after %d attempts; still to "
                          "tell: %s", out.row.event_id, out.row.type, attempts,
                          ", ".join(out.pending))
            await OutboxEvent.update(values).where(OutboxEvent.id == out.row.id)


async def prune(now: datetime, retention: timedelta = RETENTION) -> int:
    """Delete delivered rows older than ``retention``; returns how many."""
    old = (OutboxEvent.status == "delivered") & (OutboxEvent.delivered_at < now - retention)
    count = await OutboxEvent.count().where(old)
    if count:
        await OutboxEvent.delete().where(old)
    return int(count)


async def retry_failed(event_ids: Iterable[str] | None = None) -> int:
    """Put ``failed`` rows (all, or those of ``event_ids``) back in the queue, now."""
    where: Combinable = OutboxEvent.status == "failed"
    ids = list(event_ids or [])
    if ids:
        where = where & OutboxEvent.event_id.is_in(ids)
    async with atomic():
        count = await OutboxEvent.count().where(where)
        await OutboxEvent.update({OutboxEvent.status: "pending", OutboxEvent.attempts: 0,
                                  OutboxEvent.next_attempt_at: utc_now()}).where(where)
        after_commit(wake_dispatchers)
    return int(count)


async def rows(status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent outbox rows, newest first (``podium outbox``)."""
    query = OutboxEvent.select(
        OutboxEvent.event_id, OutboxEvent.type, OutboxEvent.status, OutboxEvent.attempts,
        OutboxEvent.pending, OutboxEvent.created_at, OutboxEvent.next_attempt_at,
        OutboxEvent.last_error).order_by(OutboxEvent.id, ascending=False).limit(limit)
    if status:
        query = query.where(OutboxEvent.status == status)
    return list(await query)


Clock = Callable[[], datetime]
