"""Ticket events and checks shared by the ledger's tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.core.events import (
    CheckIn,
    IssuedTicket,
    OrdersPaid,
    PaidOrder,
    TicketRevocation,
    TicketsCheckedIn,
    TicketsIssued,
    TicketsRevoked,
    TicketsTransferred,
    TicketTransfer,
)
from podium.plugins.ledger import merkle, note, service
from podium.plugins.ledger.merkle import MemoryHashStore, leaf_hash
from podium.plugins.ledger.tables import LedgerCheckpoint, LedgerEntry, LedgerTile
from podium.plugins.ledger.tiles import tiles_for

VENUE = 1
AT = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)


def issued(*ticket_ids: str, event: int = 40, order: str = "or_1") -> TicketsIssued:
    return TicketsIssued(venue_id=VENUE, order_ref=order, tickets=tuple(
        IssuedTicket(t, 2, event, f"commit-{t}", 1500) for t in ticket_ids))


def paid(order: str, *ticket_ids: str, event: int = 40) -> OrdersPaid:
    return OrdersPaid(venue_id=VENUE, orders=(
        PaidOrder(order, event, 1500 * len(ticket_ids), "EUR", "card", ticket_ids),))


def transferred(ticket_id: str, price: int | None = None, event: int = 40) -> TicketsTransferred:
    return TicketsTransferred(venue_id=VENUE, transfers=(
        TicketTransfer(ticket_id, event, f"commit-{ticket_id}", "commit-new", serial=2,
                       price_cents=price),))


def revoked(ticket_id: str, reason: str = "refunded", event: int = 40) -> TicketsRevoked:
    return TicketsRevoked(venue_id=VENUE, revocations=(
        TicketRevocation(ticket_id, event, reason, 2),))  # type: ignore[arg-type]


def checked_in(*ticket_ids: str, event: int = 40, minutes: int = 0) -> TicketsCheckedIn:
    return TicketsCheckedIn(venue_id=VENUE, checkins=tuple(
        CheckIn(t, "north", AT + timedelta(minutes=minutes), event) for t in ticket_ids))


async def stored_tree() -> tuple[MemoryHashStore, list[bytes]]:
    """The tree rebuilt from the stored entries alone (index order), and the entries."""
    rows = await LedgerEntry.select(LedgerEntry.idx, LedgerEntry.body).order_by(LedgerEntry.idx)
    assert [r["idx"] for r in rows] == list(range(len(rows))), "indices are not contiguous"
    bodies = [r["body"].encode() for r in rows]
    return MemoryHashStore(leaf_hash(b) for b in bodies), bodies


async def assert_log_is_sound() -> int:
    """Entries, tiles, head and every checkpoint agree; every two checkpoints are
    consistent. Returns the size."""
    store, _ = await stored_tree()
    head = await service.head()
    assert head is not None and head.size == store.size
    assert head.root_hash == store.root()
    verifier = await service.verifier()
    rows = await LedgerCheckpoint.select().order_by(LedgerCheckpoint.id)
    sizes = [r["size"] for r in rows]
    assert sizes == sorted(sizes), "checkpoints went backwards"
    for row in rows:
        cp = note.open_checkpoint(row["note"], verifier)
        assert cp.size == row["size"] and cp.root_hash == store.root(cp.size)
    for a in rows:
        for b in rows:
            if a["size"] <= b["size"]:
                merkle.verify_consistency(a["size"], b["size"], store.root(a["size"]),
                                          store.root(b["size"]),
                                          store.consistency_proof(a["size"], b["size"]))
    stored = {(r["level"], r["idx"]): bytes(r["hashes"])
              for r in await LedgerTile.select(LedgerTile.level, LedgerTile.idx,
                                               LedgerTile.hashes)}
    expected = {(t.level, t.index): store.level_bytes(8 * (t.level or 0), t.index * 256, t.width)
                for t in tiles_for(store.size)}
    assert stored == expected
    return store.size
