"""The ledger's independent verifier: what ``podium ledger verify`` runs.

It trusts nothing the server computes. Given a way to fetch the log's resources (the
tlog-tiles paths below its URL, and the proof API), it

1. checks the checkpoint's Ed25519 signature with the verifier key (given, or fetched and
   then pinned in the state file: a later change of key is an error);
2. downloads every entry bundle, hashes every entry (RFC 6962 leaf hash), rebuilds the
   tree, compares every hash tile the log serves with it, and the root with the signed
   one;
3. checks that the last checkpoint it verified (kept in the state file) is a prefix of
   the new tree: the same root at the old size, and an RFC 9162 consistency proof between
   them verified with the RFC's algorithm (a rewritten or shrunken history fails);
4. optionally checks a ticket's proof from the proof API: each entry hashes to its leaf,
   is about the ticket, is the log's entry at that index, and its inclusion proof leads
   to the signed root of a checkpoint consistent with the one verified.

Every failure raises :class:`VerificationFailed` with a sentence saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from podium.plugins.ledger import merkle, note
from podium.plugins.ledger.merkle import MemoryHashStore, ProofError, leaf_hash
from podium.plugins.ledger.note import Checkpoint, NoteError, Verifier
from podium.plugins.ledger.tiles import (
    HASH_SIZE,
    bundles_for,
    decode_bundle,
    tiles_for,
)

#: ``fetch(path)`` → the bytes at ``<ledger URL>/<path>``; raises :class:`FetchError`.
Fetch = Callable[[str], bytes]


class VerificationFailed(Exception):
    """The log (or a proof) failed a check; the message says which and why."""


class FetchError(VerificationFailed):
    """A resource could not be fetched."""


def default_state_path(origin_hint: str) -> Path:
    """``~/.config/podium/ledger-<first 16 hex of SHA-256(origin)>.json``."""
    digest = hashlib.sha256(origin_hint.encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "podium" / f"ledger-{digest}.json"


@dataclass
class State:
    """What the verifier remembers between runs about one log."""

    origin: str = ""
    key: str = ""
    size: int = 0
    root_hash: str = ""
    checkpoint: str = ""

    @classmethod
    def load(cls, path: Path) -> State | None:
        """The state in ``path``, ``None`` if there is none.

        :raises VerificationFailed: the file is unreadable.
        """
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text())
            return cls(origin=str(raw["origin"]), key=str(raw["key"]), size=int(raw["size"]),
                       root_hash=str(raw["root_hash"]), checkpoint=str(raw.get("checkpoint", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VerificationFailed(f"the state file {path} is unreadable ({exc}); move it "
                                     "away to start over") from exc

    def save(self, path: Path) -> None:
        """Write the state (atomically: a temporary file renamed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=2) + "\n")
        tmp.replace(path)


@dataclass
class Report:
    """What a successful verification established."""

    origin: str
    size: int
    root_hash: bytes
    key: str
    previous_size: int | None = None
    tiles: int = 0
    bundles: int = 0
    ticket_entries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _b64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise VerificationFailed(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationFailed(f"{what} is not base64") from exc


def open_checkpoint(raw: bytes, verifier: Verifier) -> Checkpoint:
    """A checkpoint whose signature verified.

    :raises VerificationFailed: a bad signature or a malformed note.
    """
    try:
        return note.open_checkpoint(raw, verifier)
    except NoteError as exc:
        raise VerificationFailed(f"the checkpoint does not verify: {exc}") from exc


def rebuild(fetch: Fetch, size: int) -> tuple[MemoryHashStore, list[bytes], int, int]:
    """Download every entry bundle and hash tile of a tree of ``size``, rebuild the tree
    from the entries and check every tile against it. Returns the tree, the entries and
    how many bundles and tiles were checked.

    :raises VerificationFailed: a bundle or tile is missing, malformed or does not match.
    """
    store = MemoryHashStore()
    entries: list[bytes] = []
    bundles = 0
    for ref in bundles_for(size):
        try:
            batch = decode_bundle(fetch(ref.path))
        except ValueError as exc:
            raise VerificationFailed(f"entry bundle {ref.path} is malformed: {exc}") from exc
        if len(batch) != ref.width:
            raise VerificationFailed(f"entry bundle {ref.path} holds {len(batch)} entries, "
                                     f"not {ref.width}")
        for entry in batch:
            store.append(leaf_hash(entry))
        entries.extend(batch)
        bundles += 1
    tiles = 0
    for ref in tiles_for(size):
        assert ref.level is not None
        data = fetch(ref.path)
        if len(data) != ref.width * HASH_SIZE:
            raise VerificationFailed(f"tile {ref.path} is {len(data)} bytes, not "
                                     f"{ref.width * HASH_SIZE}")
        expected = store.level_bytes(8 * ref.level, ref.index * 256, ref.width)
        if data != expected:
            raise VerificationFailed(f"tile {ref.path} does not match the entries: the log "
                                     "serves hashes that its entries do not produce")
        tiles += 1
    return store, entries, bundles, tiles


def check_consistency(store: MemoryHashStore, size: int, root: bytes, old_size: int,
                      old_root: bytes) -> None:
    """The tree of ``old_size`` with ``old_root`` must be a prefix of the rebuilt one.

    :raises VerificationFailed: the log shrank or its history was rewritten.
    """
    if old_size > size:
        raise VerificationFailed(f"the log shrank: it had {old_size} entries when last "
                                 f"verified and now has {size} (a rollback)")
    if store.root(old_size) != old_root:
        raise VerificationFailed(f"history was rewritten: the checkpoint of size {old_size} "
                                 "verified before is not a prefix of the log")
    try:
        merkle.verify_consistency(old_size, size, old_root, root,
                                  store.consistency_proof(old_size, size))
    except ProofError as exc:  # pragma: no cover - the root check above catches it first
        raise VerificationFailed(f"history was rewritten: {exc}") from exc


def check_ticket(ticket_id: str, payload: Any, verifier: Verifier, store: MemoryHashStore,
                 size: int, root: bytes,
                 consistency: Callable[[int, int], Any] | None = None) -> list[dict[str, Any]]:
    """Check a ticket's proof (the JSON of ``/api/v1/tickets/{id}/proof``) against the
    verified tree of ``size`` leaves with ``root``.

    :param consistency: fetches ``/api/v1/ledger/consistency`` (first, second) when the
        proof's checkpoint is newer than the verified one.
    :returns: the ticket's entries (parsed), in log order.
    :raises VerificationFailed: with the reason.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list):
        raise VerificationFailed("the proof API answered something that is not a proof")
    raw_note = payload.get("checkpoint")
    if not isinstance(raw_note, str):
        raise VerificationFailed("the ticket's proof carries no checkpoint")
    checkpoint = open_checkpoint(raw_note.encode(), verifier)
    if payload.get("tree_size") != checkpoint.size or \
            _b64(payload.get("root_hash"), "root_hash") != checkpoint.root_hash:
        raise VerificationFailed("the ticket's proof is not for the checkpoint it carries")
    if checkpoint.size <= size:
        if store.root(checkpoint.size) != checkpoint.root_hash:
            raise VerificationFailed("the ticket's proof is signed for a tree that is not a "
                                     "prefix of the verified log (a forked log)")
    else:
        if consistency is None:
            raise VerificationFailed("the ticket's proof is for a newer checkpoint and no "
                                     "consistency proof can be fetched")
        answer = consistency(size, checkpoint.size)
        try:
            proof = [_b64(p, "a consistency proof element") for p in answer["proof"]]
            merkle.verify_consistency(size, checkpoint.size, root, checkpoint.root_hash, proof)
        except (ProofError, KeyError, TypeError) as exc:
            raise VerificationFailed(f"the ticket's checkpoint is not consistent with the "
                                     f"verified log: {exc}") from exc
    if not payload["entries"]:
        raise VerificationFailed(f"the ledger has no entry for ticket {ticket_id!r}")
    found: list[dict[str, Any]] = []
    for item in payload["entries"]:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int) or \
                not isinstance(item.get("entry"), str) or not isinstance(item.get("proof"), list):
            raise VerificationFailed("a proof entry is malformed")
        index, body = item["index"], item["entry"].encode()
        leaf = leaf_hash(body)
        if _b64(item.get("leaf_hash"), "leaf_hash") != leaf:
            raise VerificationFailed(f"entry {index} does not hash to its leaf hash")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise VerificationFailed(f"entry {index} is not JSON") from exc
        about = data.get("ticket") == ticket_id or ticket_id in (data.get("tickets") or [])
        if not about:
            raise VerificationFailed(f"entry {index} is not about ticket {ticket_id!r}")
        if index < size and store.leaf(index) != leaf:
            raise VerificationFailed(f"entry {index} differs from the log's entry {index}")
        try:
            merkle.verify_inclusion(index, checkpoint.size, leaf,
                                    [_b64(p, "a proof element") for p in item["proof"]],
                                    checkpoint.root_hash)
        except ProofError as exc:
            raise VerificationFailed(f"entry {index} is not in the signed log: {exc}") from exc
        found.append({"index": index, **data})
    return found


def verify_log(fetch: Fetch, *, key_text: str | None = None, state: State | None = None,
               ticket: str | None = None, fetch_api: Callable[[str], Any] | None = None
               ) -> tuple[Report, State]:
    """Verify a log end to end (see the module's documentation).

    :param fetch: gets ``checkpoint``, ``key`` and ``tile/...`` below the log's URL.
    :param key_text: the verifier key to trust; else the state's, else the log's own
        (trust on first use).
    :param state: what the last successful run saw (``None``: first run).
    :param ticket: also check this ticket's proof (``fetch_api`` gets the proof API paths).
    :returns: the report and the state to save.
    """
    if key_text is None:
        served = fetch("key").decode("utf-8", "replace").strip()
        if state and state.key and served != state.key:
            raise VerificationFailed("the log now serves a different verifier key than the "
                                     "one pinned in the state file; pass --key if the change "
                                     "is expected")
        key_text = served
    try:
        verifier = note.parse_verifier_key(key_text)
    except NoteError as exc:
        raise VerificationFailed(f"the verifier key is unusable: {exc}") from exc
    if state and state.key and state.key != verifier.text():
        raise VerificationFailed("the verifier key given differs from the one pinned in the "
                                 "state file (use another --state for another log)")
    raw_checkpoint = fetch("checkpoint")
    checkpoint = open_checkpoint(raw_checkpoint, verifier)
    if state and state.origin and state.origin != checkpoint.origin:
        raise VerificationFailed(f"the state file is for log {state.origin!r}, this is "
                                 f"{checkpoint.origin!r}")
    store, _entries, bundles, tiles = rebuild(fetch, checkpoint.size)
    root = store.root(checkpoint.size)
    if root != checkpoint.root_hash:
        raise VerificationFailed("the log's entries do not hash to the signed root: an entry "
                                 "was changed, reordered, added or removed")
    report = Report(checkpoint.origin, checkpoint.size, root, verifier.text(), tiles=tiles,
                    bundles=bundles)
    if state and state.root_hash:
        old_root = _b64(state.root_hash, "the state file's root hash")
        check_consistency(store, checkpoint.size, root, state.size, old_root)
        report.previous_size = state.size
    if ticket is not None:
        if fetch_api is None:
            raise VerificationFailed("no proof API to check the ticket with")
        api = fetch_api
        payload = api(f"api/v1/tickets/{quote(ticket, safe='')}/proof")
        report.ticket_entries = check_ticket(
            ticket, payload, verifier, store, checkpoint.size, root,
            consistency=lambda a, b: api(f"api/v1/ledger/consistency?first={a}&second={b}"))
    new_state = State(origin=checkpoint.origin, key=verifier.text(), size=checkpoint.size,
                      root_hash=note.b64(root),
                      checkpoint=raw_checkpoint.decode("utf-8", "replace"))
    return report, new_state
