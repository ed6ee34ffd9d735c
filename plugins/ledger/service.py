"""The ledger's rules: appending (idempotent, one writer at a time), checkpoints, proofs
and the reads behind the tlog-tiles API. No HTTP here.

**Appending.** :func:`append` runs in one :func:`~podium.core.database.atomic` transaction
that first locks the head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` takes the database's write lock), so one writer at a time extends the
log, whichever worker or process it runs in. Inside the lock it drops entries whose
``src`` (``<domain event id>#<i>``) is already in the log — a repeated delivery appends
nothing — then appends the rest, writes the entries, the tiles they change, a signed
checkpoint and the new head, and commits them together: the tiles always match the latest
checkpoint.

**The tree in memory.** Each process keeps the hashes of every complete subtree of the log
(:class:`~podium.plugins.ledger.merkle.MemoryHashStore`), loaded from the level-0 tiles on
first use and extended as the log grows, so a proof is a few dozen look-ups. It is a
cache: it is checked against the head's random ``log_id`` and the checkpoint's root
before use, and a write that rolls back takes its leaves out again.

**Keys and origin.** The origin comes from ``PODIUM_LEDGER_ORIGIN`` (default
``podium.local/ledger``) and is fixed when the log starts. The Ed25519 signing key is
generated on first use and kept in ``ledger_key`` (every worker signs with the same key),
unless an operator pins one with ``PODIUM_LEDGER_SIGNING_KEY`` (``PRIVATE+KEY+...``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from podium.core.i18n import _, format_money, pgettext
from podium.core.database import atomic, for_update, run_apart
from podium.core.events import DomainEvent
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.plugins.ledger import merkle, note
from podium.plugins.ledger.entries import PendingEntry, entries_of
from podium.plugins.ledger.merkle import EMPTY_ROOT, HASH_SIZE, MemoryHashStore, leaf_hash
from podium.plugins.ledger.note import Checkpoint, Signer, Verifier
from podium.plugins.ledger.tables import (
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LedgerKey,
    LedgerTicketEntry,
    LedgerTile,
)
from podium.plugins.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileRef,
    encode_bundle,
    tile_width,
)

log = logging.getLogger("podium.ledger")

ORIGIN_ENV = "PODIUM_LEDGER_ORIGIN"
SIGNING_KEY_ENV = "PODIUM_LEDGER_SIGNING_KEY"
DEFAULT_ORIGIN = "podium.local/ledger"
HEAD = "head"
#: Rows per INSERT statement (SQLite limits the variables of one statement).
INSERT_CHUNK = 400


class LedgerConfigError(RuntimeError):
    """``PODIUM_LEDGER_ORIGIN`` or ``PODIUM_LEDGER_SIGNING_KEY`` is unusable."""


class LedgerCorrupt(PodiumError):
    """The stored log does not match itself (a tile or a root is off): nothing is served
    from it until an operator looks (503)."""

    status_code = 503
    code = "ledger_inconsistent"


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)


# -- configuration --------------------------------------------------------------------------


def pinned_signer() -> Signer | None:
    """The signing key an operator pinned with ``PODIUM_LEDGER_SIGNING_KEY``, if any."""
    text = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if not text:
        return None
    try:
        return note.parse_signer_key(text)
    except note.NoteError as exc:
        raise LedgerConfigError(f"{SIGNING_KEY_ENV}: {exc}") from exc


def configured_origin() -> str:
    """The origin a new log gets: ``PODIUM_LEDGER_ORIGIN``, else the pinned key's name,
    else ``podium.local/ledger``. A schema-less URL without spaces or ``+``."""
    origin = os.environ.get(ORIGIN_ENV, "").strip()
    pinned = pinned_signer()
    if not origin:
        origin = pinned.name if pinned else DEFAULT_ORIGIN
    if not note.valid_name(origin):
        raise LedgerConfigError(f"{ORIGIN_ENV}={origin!r}: the origin must be non-empty, "
                                "without spaces, '+' or control characters")
    if pinned is not None and pinned.name != origin:
        raise LedgerConfigError(f"{SIGNING_KEY_ENV} is named {pinned.name!r} but the origin "
                                f"is {origin!r}: the key name must be the origin")
    return origin


# -- the process's tree -----------------------------------------------------------------------


class _TreeCache:
    """This process's copy of the log's subtree hashes (see the module's documentation)."""

    def __init__(self) -> None:
        self.log_id: str | None = None
        self.store = MemoryHashStore()
        self.signers: dict[tuple[str, str], Signer] = {}

    def reset(self, log_id: str | None) -> MemoryHashStore:
        self.log_id = log_id
        self.store = MemoryHashStore()
        self.signers = {}
        return self.store


_CACHE = _TreeCache()


def forget_cache() -> None:
    """Drop this process's cached tree and keys (tests; a restored database)."""
    _CACHE.reset(None)


async def _load_leaves(start: int, end: int) -> bytes:
    """Leaf hashes ``start .. end - 1`` from the level-0 tiles, concatenated."""
    if end <= start:
        return b""
    first, last = start // TILE_WIDTH, (end - 1) // TILE_WIDTH
    rows = await LedgerTile.select(LedgerTile.idx, LedgerTile.hashes).where(
        (LedgerTile.level == 0) & (LedgerTile.idx >= first) & (LedgerTile.idx <= last)
    ).order_by(LedgerTile.idx)
    if [r["idx"] for r in rows] != list(range(first, last + 1)):
        raise LedgerCorrupt("a level-0 tile of the ledger is missing")
    data = b"".join(bytes(r["hashes"]) for r in rows)
    offset = first * TILE_WIDTH
    out = data[(start - offset) * HASH_SIZE:(end - offset) * HASH_SIZE]
    if len(out) != (end - start) * HASH_SIZE:
        raise LedgerCorrupt("a level-0 tile of the ledger is shorter than the log")
    return out


async def _synced(log_id: str, size: int, root: bytes, *, writer: bool = False) -> MemoryHashStore:
    """The process's tree, holding at least ``size`` leaves whose root is ``root``.

    A writer (holding the head lock) also drops leaves beyond ``size``: nothing past the
    head is committed. A reader never does (a writer of this process may be mid-append).
    """
    for attempt in range(2):
        store = _CACHE.store if _CACHE.log_id == log_id else _CACHE.reset(log_id)
        if writer and store.size > size:
            store.truncate(size)
        if store.size < size:
            begin = store.size
            data = await _load_leaves(begin, size)
            if _CACHE.store is not store:  # replaced while we read: start again
                continue
            for i in range(store.size, size):  # another task may have extended it meanwhile
                store.append(data[(i - begin) * HASH_SIZE:(i - begin + 1) * HASH_SIZE])
        if merkle.root_at(store, size) == root:
            return store
        if attempt == 0:
            log.warning("ledger: cached tree disagrees with the stored root at size %d; "
                        "reloading", size)
            _CACHE.reset(log_id)
    raise LedgerCorrupt(f"the ledger's tiles do not hash to its checkpoint of size {size}")


# -- the head, the key, checkpoints ----------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The head row: the log's identity and the tree its latest checkpoint signed."""

    log_id: str
    origin: str
    size: int
    root_hash: bytes


@dataclass(frozen=True)
class CheckpointInfo:
    """A stored checkpoint."""

    id: int
    size: int
    root_hash: bytes
    note: str
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> CheckpointInfo:
        return cls(row["id"], row["size"], bytes.fromhex(row["root_hash"]), row["note"],
                   row["reason"], row["created_at"])


def _head_of(row: dict[str, Any]) -> Head:
    return Head(row["log_id"], row["origin"], row["size"], bytes.fromhex(row["root_hash"]))


async def _read_head() -> Head | None:
    row = await LedgerHead.select().where(LedgerHead.name == HEAD).first()
    return _head_of(row) if row else None


async def _lock_head(now: datetime) -> Head:
    """Lock the head row (creating the log on first use: head, key, first checkpoint)."""
    row = await for_update(LedgerHead.select().where(LedgerHead.name == HEAD)).first()
    if row is not None:
        head = _head_of(row)
        wanted = os.environ.get(ORIGIN_ENV, "").strip()
        if wanted and wanted != head.origin:
            log.warning("ledger: %s=%r ignored, the log's origin is %r (fixed when it "
                        "started)", ORIGIN_ENV, wanted, head.origin)
        return head
    origin = configured_origin()
    await LedgerHead.insert(LedgerHead(
        name=HEAD, log_id=uuid.uuid4().hex, origin=origin, size=0,
        root_hash=EMPTY_ROOT.hex(), updated_at=now,
    )).on_conflict(action="DO NOTHING")
    row = await for_update(LedgerHead.select().where(LedgerHead.name == HEAD)).first()
    if row is None:  # pragma: no cover - the insert above or a rival's made it
        raise LedgerCorrupt("the ledger's head row could not be created")
    head = _head_of(row)
    if head.size == 0 and not await LedgerCheckpoint.exists():
        signer = await _signer(head, now)
        await _store_checkpoint(head.origin, signer, 0, EMPTY_ROOT, "log started", now)
        log.info("ledger %s started; verifier key %s", head.origin, signer.verifier.text())
    return head


async def _signer(head: Head, now: datetime) -> Signer:
    """The log's signing key: pinned, stored, or generated now and stored (call it with
    the head locked, so two workers never generate two keys)."""
    cached = _CACHE.signers.get((head.log_id, head.origin))
    if cached is not None and _CACHE.log_id == head.log_id:
        return cached
    signer = pinned_signer()
    if signer is not None and signer.name != head.origin:
        raise LedgerConfigError(f"{SIGNING_KEY_ENV} is named {signer.name!r}, the log's "
                                f"origin is {head.origin!r}")
    if signer is None:
        row = await LedgerKey.select().where(LedgerKey.name == head.origin).first()
        if row is not None:
            signer = Signer(head.origin, base64.b64decode(row["private_key"]))
        else:
            signer = Signer.generate(head.origin)
            await LedgerKey.insert(LedgerKey(
                name=head.origin, key_id=signer.verifier.key_id.hex(),
                private_key=base64.b64encode(signer.seed).decode(),
                public_key=base64.b64encode(signer.public_key).decode(), created_at=now,
            ))
    if _CACHE.log_id != head.log_id:
        _CACHE.reset(head.log_id)
    _CACHE.signers[(head.log_id, head.origin)] = signer
    return signer


async def _store_checkpoint(origin: str, signer: Signer, size: int, root: bytes,
                            reason: str, now: datetime) -> CheckpointInfo:
    text = note.sign_note(Checkpoint(origin, size, root).text(), signer)
    row = (await LedgerCheckpoint.insert(LedgerCheckpoint(
        size=size, root_hash=root.hex(), note=text, reason=reason[:200], created_at=now,
    )).returning(LedgerCheckpoint.id))[0]
    return CheckpointInfo(row["id"], size, root, text, reason[:200], now)


async def publish_checkpoint(reason: str, *, now: datetime | None = None) -> CheckpointInfo:
    """Sign and keep a checkpoint of the log as it is now, saying why (a milestone: doors
    open, sales closed...). Others may call it; it waits for a running append."""
    now = now or utc_now()
    async with atomic():
        head = await _lock_head(now)
        signer = await _signer(head, now)
        return await _store_checkpoint(head.origin, signer, head.size, head.root_hash,
                                       reason or "milestone", now)


async def start_log() -> CheckpointInfo:
    """Create the log (head, key, the size-0 checkpoint) if it does not exist yet; returns
    the latest checkpoint."""
    async with atomic():
        await _lock_head(utc_now())
        row = await LedgerCheckpoint.select().order_by(
            LedgerCheckpoint.id, ascending=False).first()
    assert row is not None
    return CheckpointInfo.of(row)


# -- appending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appended:
    """What :func:`append` did: entries added, the tree size after, the checkpoint signed
    (``None`` when nothing was new)."""

    count: int
    size: int
    checkpoint: CheckpointInfo | None


async def _doors_opening(new: Sequence[PendingEntry]) -> list[int]:
    """Venue events whose first check-in is in ``new``."""
    events = sorted({e.venue_event_id for e in new
                     if e.kind == "checked_in" and e.venue_event_id is not None})
    if not events:
        return []
    seen = await LedgerEntry.select(LedgerEntry.venue_event_id).where(
        (LedgerEntry.kind == "checked_in") & LedgerEntry.venue_event_id.is_in(events)
    ).distinct().output(as_list=True)
    return [e for e in events if e not in set(seen)]


async def _insert_entries(first: int, new: Sequence[PendingEntry], now: datetime) -> None:
    rows = [LedgerEntry(idx=first + i, src=e.src, kind=e.kind,
                        venue_event_id=e.venue_event_id, body=e.body.decode(),
                        leaf_hash=leaf_hash(e.body).hex(), created_at=now)
            for i, e in enumerate(new)]
    links = [LedgerTicketEntry(ticket_id=t, idx=first + i)
             for i, e in enumerate(new) for t in dict.fromkeys(e.tickets) if "\x00" not in t]
    for chunk in range(0, len(rows), INSERT_CHUNK):
        await LedgerEntry.insert(*rows[chunk:chunk + INSERT_CHUNK])
    for chunk in range(0, len(links), INSERT_CHUNK):
        await LedgerTicketEntry.insert(*links[chunk:chunk + INSERT_CHUNK])


async def _write_tiles(store: MemoryHashStore, old: int, new: int) -> None:
    """Write every tile that appending leaves ``old .. new - 1`` changed or created."""
    level = 0
    while new >> (TILE_HEIGHT * level):
        new_count = new >> (TILE_HEIGHT * level)
        old_count = old >> (TILE_HEIGHT * level)
        for index in range(old_count // TILE_WIDTH, (new_count - 1) // TILE_WIDTH + 1):
            if new_count <= old_count:
                break
            width = min(TILE_WIDTH, new_count - index * TILE_WIDTH)
            data = store.level_bytes(TILE_HEIGHT * level, index * TILE_WIDTH, width)
            key = f"{level}/{index}"
            if index * TILE_WIDTH < old_count:  # the partial tile grows
                await LedgerTile.update({LedgerTile.width: width, LedgerTile.hashes: data}
                                        ).where(LedgerTile.key == key)
            else:
                await LedgerTile.insert(LedgerTile(key=key, level=level, idx=index,
                                                   width=width, hashes=data))
        level += 1


async def append(entries: Sequence[PendingEntry], *, reason: str = "batch",
                 now: datetime | None = None) -> Appended:
    """Append the entries not yet in the log, sign a checkpoint of the result (its reason
    names the venue events whose doors this batch opened), all in one transaction.

    Idempotent on each entry's ``src``: entries already in the log (a repeated delivery)
    and repeats within ``entries`` are skipped.
    """
    now = now or utc_now()
    touched: tuple[MemoryHashStore, int] | None = None
    try:
        async with atomic():
            head = await _lock_head(now)
            srcs = list(dict.fromkeys(e.src for e in entries))
            existing: set[str] = set()
            for chunk in range(0, len(srcs), INSERT_CHUNK):
                existing.update(await LedgerEntry.select(LedgerEntry.src).where(
                    LedgerEntry.src.is_in(srcs[chunk:chunk + INSERT_CHUNK])
                ).output(as_list=True))
            new: list[PendingEntry] = []
            for e in entries:
                if e.src not in existing:
                    existing.add(e.src)
                    new.append(e)
            if not new:
                return Appended(0, head.size, None)
            signer = await _signer(head, now)
            store = await _synced(head.log_id, head.size, head.root_hash, writer=True)
            opened = await _doors_opening(new)
            touched = (store, head.size)
            for e in new:
                store.append(leaf_hash(e.body))
            size = head.size + len(new)
            root = merkle.root_at(store, size)
            await _insert_entries(head.size, new, now)
            await _write_tiles(store, head.size, size)
            why = reason
            if opened:
                why = f"{reason}; doors open: venue event {', '.join(map(str, opened))}"
            checkpoint = await _store_checkpoint(head.origin, signer, size, root, why, now)
            await LedgerHead.update({LedgerHead.size: size, LedgerHead.root_hash: root.hex(),
                                     LedgerHead.updated_at: now}).where(LedgerHead.name == HEAD)
            result = Appended(len(new), size, checkpoint)
    except BaseException:
        if touched is not None:
            store, old = touched
            if _CACHE.store is store and store.size > old:
                store.truncate(old)
        raise
    return result


async def record_event(event: DomainEvent) -> Appended:
    """Append the entries of one ticket domain event (the per-event hooks' body)."""
    return await record_events([event])


async def record_events(events: Sequence[DomainEvent]) -> Appended:
    """Append the entries of ticket domain events, in their order, in one transaction
    with one checkpoint (the outbox's batch hook: a checkout rush's round of events costs
    one head lock, one tile write and one signature instead of one per event)."""
    entries = [entry for event in events for entry in entries_of(event)]
    if not entries:
        return Appended(0, 0, None)
    done = await append(entries)
    if done.count:
        # Debug, not info: one line per ticket event costs ~2% of a checkout rush's CPU.
        log.debug("ledger: %d entr%s from %d event(s), size %d", done.count,
                  "y" if done.count == 1 else "ies", len(events), done.size)
    return done


# -- reading -----------------------------------------------------------------------------------


async def latest_checkpoint(*, start: bool = True) -> CheckpointInfo | None:
    """The newest checkpoint; with ``start``, the log is created first if it has none (in
    a transaction of its own, so a GET's read transaction stays a read)."""
    row = await LedgerCheckpoint.select().order_by(LedgerCheckpoint.id, ascending=False).first()
    if row is not None:
        return CheckpointInfo.of(row)
    if not start:
        return None
    return await run_apart(start_log())


async def checkpoint_page(limit: int = 20, offset: int = 0) -> list[CheckpointInfo]:
    """Checkpoints, newest first."""
    rows = await LedgerCheckpoint.select().order_by(
        LedgerCheckpoint.id, ascending=False).limit(limit).offset(offset)
    return [CheckpointInfo.of(r) for r in rows]


async def checkpoint_count() -> int:
    """How many checkpoints were signed."""
    return int(await LedgerCheckpoint.count())


async def verifier() -> Verifier:
    """The log's verifier key (creating the log, and its key, on first use)."""
    h = await _read_head()
    if h is None:
        return await run_apart(_verifier_apart())
    cached = _CACHE.signers.get((h.log_id, h.origin))
    if cached is not None and _CACHE.log_id == h.log_id:
        return cached.verifier
    pinned = pinned_signer()
    if pinned is not None and pinned.name == h.origin:
        return pinned.verifier
    row = await LedgerKey.select(LedgerKey.public_key).where(LedgerKey.name == h.origin).first()
    if row is None:
        return await run_apart(_verifier_apart())
    return Verifier.of(h.origin, base64.b64decode(row["public_key"]))


async def _verifier_apart() -> Verifier:
    now = utc_now()
    async with atomic():
        head = await _lock_head(now)
        return (await _signer(head, now)).verifier


async def head() -> Head | None:
    """The head row, if the log exists."""
    return await _read_head()


async def tree_at(checkpoint: CheckpointInfo) -> MemoryHashStore:
    """This process's tree, synced to (at least) ``checkpoint``."""
    # The log may have been started apart (latest_checkpoint) after this request's read
    # transaction took its snapshot: then only a connection of its own sees the head.
    h = await _read_head() or await run_apart(_read_head())
    if h is None:
        raise LedgerCorrupt("the ledger has checkpoints but no head")
    return await _synced(h.log_id, checkpoint.size, checkpoint.root_hash)


@dataclass(frozen=True)
class EntryProof:
    """One entry with its inclusion proof."""

    index: int
    entry: str
    leaf_hash: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class TicketProof:
    """A ticket's entries proven against one checkpoint."""

    checkpoint: CheckpointInfo
    entries: list[EntryProof]

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``GET /api/v1/tickets/{id}/proof``."""
        return {
            "checkpoint": self.checkpoint.note,
            "tree_size": self.checkpoint.size,
            "root_hash": note.b64(self.checkpoint.root_hash),
            "entries": [{"index": e.index, "entry": e.entry, "leaf_hash": note.b64(e.leaf_hash),
                         "proof": [note.b64(p) for p in e.proof]} for e in self.entries],
        }


async def ticket_indices(ticket_id: str, below: int | None = None) -> list[int]:
    """Indices of the entries that mention a ticket, in log order."""
    query = LedgerTicketEntry.select(LedgerTicketEntry.idx).where(
        LedgerTicketEntry.ticket_id == ticket_id)
    if below is not None:
        query = query.where(LedgerTicketEntry.idx < below)
    found = await query.order_by(LedgerTicketEntry.idx).output(as_list=True)
    return [int(i) for i in dict.fromkeys(found)]


async def entries_at(indices: Sequence[int]) -> list[dict[str, Any]]:
    """Entry rows (``idx``, ``body``, ``leaf_hash``, ``kind``) at these indices, in order."""
    if not indices:
        return []
    rows = await LedgerEntry.select(LedgerEntry.idx, LedgerEntry.body, LedgerEntry.leaf_hash,
                                    LedgerEntry.kind).where(
        LedgerEntry.idx.is_in(list(indices))).order_by(LedgerEntry.idx)
    return list(rows)


async def ticket_proof(ticket_id: str) -> TicketProof:
    """A ticket's entries with inclusion proofs against the latest checkpoint.

    :raises NotFound: (``unknown_ticket``) no entry mentions the ticket.
    """
    checkpoint = await latest_checkpoint(start=False)
    indices = await ticket_indices(ticket_id, checkpoint.size) if checkpoint else []
    if checkpoint is None or not indices:
        raise NotFound(_("the ledger has no entry for ticket %(ticket_id)s", ticket_id=repr(ticket_id)),
                       code="unknown_ticket")
    rows = await entries_at(indices)
    store = await tree_at(checkpoint)
    proofs = []
    for row in rows:
        body = row["body"].encode()
        leaf = leaf_hash(body)
        if store.leaf(row["idx"]) != leaf or row["leaf_hash"] != leaf.hex():
            raise LedgerCorrupt(f"ledger entry {row['idx']} does not match its leaf hash")
        proofs.append(EntryProof(row["idx"], row["body"], leaf,
                                 store.inclusion_proof(row["idx"], checkpoint.size)))
    return TicketProof(checkpoint, proofs)


async def ticket_history(ticket_id: str) -> list[dict[str, Any]]:
    """A ticket's entries for a page: ``index``, ``kind``, ``data`` (the parsed entry)."""
    checkpoint = await latest_checkpoint(start=False)
    if checkpoint is None:
        return []
    rows = await entries_at(await ticket_indices(ticket_id, checkpoint.size))
    return [{"index": r["idx"], "kind": r["kind"], "data": json.loads(r["body"])} for r in rows]


@dataclass(frozen=True)
class Consistency:
    """A consistency proof between two tree sizes of the log."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``GET /api/v1/ledger/consistency``."""
        return {"first": self.first, "second": self.second,
                "first_root": note.b64(self.first_root),
                "second_root": note.b64(self.second_root),
                "proof": [note.b64(p) for p in self.proof]}


async def consistency(first: int, second: int | None = None) -> Consistency:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``
    (the latest checkpoint's size by default).

    :raises InvalidInput: sizes out of order or beyond the latest checkpoint.
    """
    checkpoint = await latest_checkpoint()
    assert checkpoint is not None
    second = checkpoint.size if second is None else second
    if not 0 <= first <= second <= checkpoint.size:
        raise InvalidInput(_("sizes must satisfy 0 <= first <= second <= %(size)s (the latest checkpoint)",
                             size=checkpoint.size), code="bad_sizes")
    store = await tree_at(checkpoint)
    return Consistency(first, second, store.root(first), store.root(second),
                       store.consistency_proof(first, second))


async def tile_bytes(ref: TileRef) -> bytes | None:
    """The bytes of a hash tile or an entry bundle, or ``None`` when the latest checkpoint's
    tree has no such tile (beyond the tree, or a full tile asked for a partial one)."""
    checkpoint = await latest_checkpoint(start=False)
    if checkpoint is None:
        return None
    level = 0 if ref.level is None else ref.level
    have = tile_width(checkpoint.size, level, ref.index)
    if have == 0 or ref.width > have:
        return None
    if ref.level is None:
        first = ref.index * TILE_WIDTH
        rows = await LedgerEntry.select(LedgerEntry.idx, LedgerEntry.body).where(
            (LedgerEntry.idx >= first) & (LedgerEntry.idx < first + ref.width)
        ).order_by(LedgerEntry.idx)
        if [r["idx"] for r in rows] != list(range(first, first + ref.width)):
            raise LedgerCorrupt(f"entries of bundle {ref.index} are missing")
        return encode_bundle([r["body"].encode() for r in rows])
    row = await LedgerTile.select(LedgerTile.hashes).where(
        LedgerTile.key == f"{ref.level}/{ref.index}").first()
    data = bytes(row["hashes"]) if row else b""
    if len(data) < ref.width * HASH_SIZE:
        raise LedgerCorrupt(f"tile {ref.level}/{ref.index} is shorter than the log")
    return data[:ref.width * HASH_SIZE]


def describe_entry(data: dict[str, Any]) -> str:
    """A short human line for an entry on a page."""
    kind = data.get("kind", "?")
    words = {
        "issued": _("Issued"), "paid": _("Order paid"), "transferred": _("Transferred"),
        "resold": _("Resold"), "reissued": _("New QR code issued"), "revoked": _("Revoked"),
        "refunded": _("Refunded"), "cancelled": _("Cancelled"), "checked_in": pgettext("ticket status", "Checked in"),
        "checked_out": _("Checked out"),
    }
    text = words.get(str(kind), str(kind))
    if kind in ("checked_in", "checked_out") and data.get("gate"):
        text += " " + (_("at gate %(gate)s (offline scanner)", gate=data["gate"]) if data.get("offline")
                       else _("at gate %(gate)s", gate=data["gate"]))
    currency = str(data.get("currency") or "EUR")
    if kind in ("issued", "resold") and isinstance(data.get("price_cents"), int):
        text += ", " + format_money(data["price_cents"], currency)
    if kind == "paid" and isinstance(data.get("total_cents"), int):
        text += ", " + _("%(amount)s by %(method)s", amount=format_money(data["total_cents"], currency),
                         method=data.get("method", "?"))
    return text
