"""A Litestar ``Store`` kept in the database, for sessions and rate-limit counters.

Used when no Redis is configured, so that several workers sharing one database share
sessions too (nothing important lives in a worker's memory).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from litestar.stores.base import NamespacedStore

from podium.core.accounts.tables import SessionRecord
from podium.core.database import apart


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DatabaseStore(NamespacedStore):
    """Key-value store in the ``podium_session`` table, namespaced by key prefix."""

    def __init__(self, namespace: str = "podium") -> None:
        super().__init__()
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> DatabaseStore:
        """A store whose keys live under ``<this namespace>/<namespace>``."""
        return DatabaseStore(f"{self.namespace}/{namespace}")

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"[:255]

    @apart  # never inside the request's transaction (see run_apart)
    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        """Store ``value`` under ``key``, optionally expiring."""
        if isinstance(value, str):
            value = value.encode()
        if isinstance(expires_in, int):
            expires_in = timedelta(seconds=expires_in)
        expires_at = _now() + expires_in if expires_in else None
        full = self._key(key)
        updated = await SessionRecord.update(
            {SessionRecord.value: value, SessionRecord.expires_at: expires_at}
        ).where(SessionRecord.key == full).returning(SessionRecord.id)
        if not updated:
            try:
                await SessionRecord.insert(
                    SessionRecord(key=full, value=value, expires_at=expires_at)
                )
            except Exception:  # a concurrent insert of the same key won the race
                await SessionRecord.update(
                    {SessionRecord.value: value, SessionRecord.expires_at: expires_at}
                ).where(SessionRecord.key == full)

    @apart  # never inside the request's transaction (see run_apart)
    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        """The value under ``key`` unless it expired; ``renew_for`` extends its life."""
        row = await SessionRecord.select(SessionRecord.value, SessionRecord.expires_at).where(
            SessionRecord.key == self._key(key)
        ).first()
        if row is None:
            return None
        expires_at = row["expires_at"]
        if expires_at is not None and _as_aware(expires_at) <= _now():
            await self.delete(key)
            return None
        if renew_for and expires_at is not None:
            if isinstance(renew_for, int):
                renew_for = timedelta(seconds=renew_for)
            await SessionRecord.update({SessionRecord.expires_at: _now() + renew_for}).where(
                SessionRecord.key == self._key(key)
            )
        value = row["value"]
        return bytes(value) if value is not None else None

    @apart  # never inside the request's transaction (see run_apart)
    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        await SessionRecord.delete().where(SessionRecord.key == self._key(key))

    @apart  # never inside the request's transaction (see run_apart)
    async def delete_all(self) -> None:
        """Remove every key of this namespace."""
        await SessionRecord.delete().where(SessionRecord.key.like(f"{self.namespace}:%"))

    @apart  # never inside the request's transaction (see run_apart)
    async def exists(self, key: str) -> bool:
        """True if ``key`` holds a live value."""
        return await self.get(key) is not None

    @apart  # never inside the request's transaction (see run_apart)
    async def expires_in(self, key: str) -> int | None:
        """Seconds until ``key`` expires, or ``None`` if it never does or is missing."""
        row = await SessionRecord.select(SessionRecord.expires_at).where(
            SessionRecord.key == self._key(key)
        ).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((_as_aware(row["expires_at"]) - _now()).total_seconds())


def _as_aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
