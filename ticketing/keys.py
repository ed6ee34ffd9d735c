"""Each venue event's keys, made on first use and kept in the database so every worker
(and every gate that downloads the public half) shares them.

* The **signing key** (Ed25519) signs the event's ticket secrets; its public half is what
  an offline scanner verifies with.
* The **holder key** (HMAC-SHA256) turns a holder into a commitment for the ledger:
  ``HMAC(key, "user:<id>")``. Replacing it with a fresh one (:func:`forget_holders`)
  destroys the old key, so every earlier commitment of the event is unlinkable to anyone
  while the ledger stays verifiable (erasure).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from podium.core.database import atomic, for_update, run_apart
from podium.ticketing.tables import EventKey


@dataclass(frozen=True)
class EventKeys:
    """The keys of one venue event."""

    event_id: int
    signing_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey
    public_key_b64: str
    holder_key: bytes

    def commitment(self, user_id: int | None) -> str:
        """The holder as the ledger sees them (empty without a holder or a key)."""
        if user_id is None or not self.holder_key:
            return ""
        return hmac.new(self.holder_key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()


def _load(row: dict[str, object]) -> EventKeys:
    return keys_of(int(str(row["event"])), str(row["signing_key"]), str(row["public_key"]),
                   str(row["holder_key"] or ""))


@functools.lru_cache(maxsize=256)
def keys_of(event_id: int, signing_key: str, public_key: str, holder_key: str) -> EventKeys:
    """The keys stored as these columns of an event's key row (base64), decoded once per
    process: a checkout reads the row and need not rebuild the Ed25519 key. The cache is
    keyed by the columns themselves, so a forgotten holder key (a new value) is never
    served stale."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing_key))
    return EventKeys(
        event_id=event_id,
        signing_key=private,
        public_key=private.public_key(),
        public_key_b64=public_key,
        holder_key=base64.b64decode(holder_key),
    )


async def event_keys(event_id: int) -> EventKeys:
    """The keys of ``event_id``, made (once, under a lock) if it has none yet.

    Making them is a write: from a page's read transaction (a GET such as the gate kit)
    it runs apart, on a connection of its own; inside it, SQLite would refuse the write at
    once whenever another writer holds the lock (``database is locked``)."""
    row = await EventKey.select().where(EventKey.event == event_id).first()
    if row is None:
        row = await run_apart(_made_keys(event_id))
    return _load(row)


async def _made_keys(event_id: int) -> dict[str, Any]:
    """Create the event's keys unless a rival did; the stored row either way."""
    async with atomic():
            row = await for_update(EventKey.select().where(EventKey.event == event_id)).first()
            if row is None:
                private = Ed25519PrivateKey.generate()
                raw = private.private_bytes(
                    serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
                public = private.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw,
                )
                made = EventKey(
                    event=event_id, signing_key=base64.b64encode(raw).decode(),
                    public_key=base64.b64encode(public).decode(),
                    holder_key=base64.b64encode(os.urandom(32)).decode(),
                    created_at=datetime.now(timezone.utc),
                )
                await made.save()
                row = await EventKey.select().where(EventKey.event == event_id).first()
    assert row is not None
    return dict(row)


async def forget_holders(event_id: int) -> bool:
    """Erase the event's holder key: its ledger commitments no longer name anyone.
    Returns ``False`` if it was already forgotten. New tickets of the event get a fresh
    key (their holders are new facts)."""
    async with atomic():
        row = await for_update(EventKey.select().where(EventKey.event == event_id)).first()
        if row is None or not row["holder_key"]:
            return False
        await EventKey.update({
            EventKey.holder_key: base64.b64encode(os.urandom(32)).decode(),
            EventKey.holders_forgotten_at: datetime.now(timezone.utc),
        }).where(EventKey.id == row["id"])
    return True
