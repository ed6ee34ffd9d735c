"""The RFC 6962 Merkle tree of the ledger: pure functions over plain data.

Hashing is RFC 6962 §2.1 (SHA-256): a leaf is ``SHA-256(0x00 || entry)``, an interior node
``SHA-256(0x01 || left || right)``, the empty tree ``SHA-256("")``. A tree of ``n`` leaves
splits at ``k``, the largest power of two smaller than ``n``.

Two families of functions live here:

* the **reference** definitions, written as RFC 6962 §2.1.1–2.1.2 (and RFC 9162 §2.1.3.1 /
  §2.1.4.1) state them, recursively over a list of leaf hashes (:func:`root_of`,
  :func:`reference_inclusion_proof`, :func:`reference_consistency_proof`); tests hold the
  fast versions to them;
* the **fast** versions over a :class:`HashReader`, anything that answers the hash of a
  complete, aligned subtree (``2**level`` leaves starting at ``index * 2**level``).
  :class:`MemoryHashStore` keeps every such hash level by level (amortised two hashes per
  append), so a proof at a million entries is a few dozen look-ups and at most a few dozen
  hashes: the tree is never recomputed per proof.

And the verification algorithms of RFC 9162 §2.1.3.2 (:func:`verify_inclusion`) and
§2.1.4.2 (:func:`verify_consistency`), which raise :class:`ProofError` with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
#: The root of the empty tree: SHA-256 of nothing.
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof (or a tree) does not verify; the message says why."""


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``."""
    return _sha256(_LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return _sha256(_NODE + left + right).digest()


def split_point(n: int) -> int:
    """``k``: the largest power of two smaller than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


# -- reference definitions (RFC 6962 §2.1, recursive) ------------------------------------


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf *hashes* (RFC 6962 §2.1), as a fold over the complete subtrees."""
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right
    for h in leaves:
        height = 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            h = node_hash(left, h)
            height += 1
        stack.append((height, h))
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def mth(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over the entries themselves (RFC 6962 §2.1)."""
    return root_of([leaf_hash(e) for e in entries])


def _mth_rec(leaves: Sequence[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = split_point(n)
    return node_hash(_mth_rec(leaves[:k]), _mth_rec(leaves[k:]))


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH exactly as the RFC's recursion reads (slow; for tests)."""
    return _mth_rec(leaves)


def reference_inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1, recursively (slow; for tests)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = split_point(n)
    if index < k:
        return reference_inclusion_proof(index, leaves[:k]) + [_mth_rec(leaves[k:])]
    return reference_inclusion_proof(index - k, leaves[k:]) + [_mth_rec(leaves[:k])]


def reference_consistency_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2, recursively (slow; for tests)."""
    n = len(leaves)
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from {m} to {n}")
    if m == 0 or m == n:
        return []
    return _subproof(m, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth_rec(leaves)]
    k = split_point(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [_mth_rec(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth_rec(leaves[:k])]


# -- fast proofs over stored subtree hashes ---------------------------------------------


class HashReader(Protocol):
    """Answers the hash of a complete, aligned subtree."""

    def subtree(self, level: int, index: int) -> bytes:
        """MTH of leaves ``[index * 2**level, (index + 1) * 2**level)``."""
        ...


def range_hash(store: HashReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range the RFC's recursion produces (``start`` a multiple of
    the power of two at or above ``end - start``): the complete subtrees of the range,
    largest first, folded from the right."""
    n = end - start
    if n <= 0:
        raise ValueError(f"empty range {start}..{end}")
    pieces: list[bytes] = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            pieces.append(store.subtree(level, pos >> level))
            pos += 1 << level
    h = pieces[-1]
    for left in reversed(pieces[:-1]):
        h = node_hash(left, h)
    return h


def root_at(store: HashReader, size: int) -> bytes:
    """The root hash of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(store, 0, size)


def inclusion_proof(store: HashReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), bottom-up, from stored subtrees."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            proof.append(range_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(store, start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(store: HashReader, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 §2.1.4.1), from stored subtrees."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end, complete = 0, second, True
    while True:
        if first - start == end - start:
            if not complete:
                proof.append(range_hash(store, start, end))
            break
        k = split_point(end - start)
        if first - start <= k:
            proof.append(range_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(store, start, start + k))
            start += k
            complete = False
    proof.reverse()
    return proof


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes,
                              proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1–4)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "the leaf hash")
    fn, sn, r = index, size - 1, bytes(leaf)
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``.

    :raises ProofError: with the reason.
    """
    _check_hash(root, "the root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root "
                         f"of the tree of size {size}")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree of ``first`` leaves with ``first_root`` is a prefix of the tree
    of ``second`` leaves with ``second_root`` (RFC 9162 §2.1.4.2).

    Trivial cases as transparency-dev's verifier: equal sizes need equal roots and an
    empty proof; from the empty tree any tree follows (empty proof).

    :raises ProofError: with the reason.
    """
    _check_hash(first_root, "the first root hash")
    _check_hash(second_root, "the second root hash")
    if not 0 <= first <= second:
        raise ProofError(f"tree size {first} cannot precede tree size {second}")
    if first == second:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    if first == 0:
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node itself
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != first_root:
        raise ProofError(f"the tree of size {first} is not a prefix of the tree of size "
                         f"{second}: history was rewritten")
    if sr != second_root:
        raise ProofError(f"the consistency proof does not lead to the root of the tree of "
                         f"size {second}")


# -- the in-memory store -------------------------------------------------------------------


class MemoryHashStore:
    """Every complete subtree's hash, level by level, in flat byte arrays.

    Level ``h`` holds the hashes of the subtrees of ``2**h`` leaves, in order; level 0 the
    leaf hashes. Appending a leaf adds it to level 0 and, while the new node is a right
    child, its parent above (two hashes per append, amortised). A million leaves take
    about 64 MB. ``tile(L, N, W)`` of C2SP tlog-tiles is a slice of level ``8 * L``.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaves)

    @property
    def size(self) -> int:
        """How many leaves the store holds."""
        return self._size

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash; returns its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        levels = self._levels
        index = self._size
        levels[0] += leaf
        i, h, level = index, leaf, 0
        while i & 1:
            row = levels[level]
            left = bytes(row[(i - 1) * HASH_SIZE:i * HASH_SIZE])
            h = _sha256(_NODE + left + h).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += h
            i >>= 1
        self._size = index + 1
        return index

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def truncate(self, size: int) -> None:
        """Forget every leaf from ``size`` on (a write that rolled back)."""
        if not 0 <= size <= self._size:
            raise ValueError(f"cannot truncate {self._size} leaves to {size}")
        for level, row in enumerate(self._levels):
            del row[(size >> level) * HASH_SIZE:]
        self._size = size

    def subtree(self, level: int, index: int) -> bytes:
        """The hash of complete subtree ``index`` at ``level`` (``2**level`` leaves)."""
        if level < 0 or level >= len(self._levels) or not 0 <= index < self._size >> level:
            raise IndexError(f"no complete subtree {index} at level {level} in a tree of "
                             f"{self._size}")
        row = self._levels[level]
        return bytes(row[index * HASH_SIZE:(index + 1) * HASH_SIZE])

    def leaf(self, index: int) -> bytes:
        """Leaf hash ``index``."""
        return self.subtree(0, index)

    def level_bytes(self, level: int, start: int, count: int) -> bytes:
        """``count`` consecutive hashes of ``level`` from ``start`` (a tile's bytes)."""
        if level >= len(self._levels) or start < 0 or count < 0 or \
                start + count > self._size >> level:
            raise IndexError(f"hashes {start}..{start + count} of level {level} are not "
                             f"complete in a tree of {self._size}")
        row = self._levels[level]
        return bytes(row[start * HASH_SIZE:(start + count) * HASH_SIZE])

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first ``size`` leaves (all by default)."""
        size = self._size if size is None else size
        if not 0 <= size <= self._size:
            raise ValueError(f"no tree of size {size} in a store of {self._size}")
        return root_at(self, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) (``size``: all leaves by default)."""
        size = self._size if size is None else size
        if size > self._size:
            raise ValueError(f"no tree of size {size} in a store of {self._size}")
        return inclusion_proof(self, index, size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[second]) (``second``: all leaves by default)."""
        second = self._size if second is None else second
        if second > self._size:
            raise ValueError(f"no tree of size {second} in a store of {self._size}")
        return consistency_proof(self, first, second)
