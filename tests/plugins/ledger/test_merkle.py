"""The RFC 6962 tree: the RFC's and transparency-dev's test vectors, the recursive
reference definitions, pymerkle as a differential, and hypothesis properties of the
proofs and their verification (every honest proof verifies; any change breaks it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.ledger import merkle
from podium.plugins.ledger.merkle import (
    EMPTY_ROOT,
    MemoryHashStore,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

# The Certificate Transparency test data (RFC 6962 reference implementation), as published
# by transparency-dev/merkle (proof/verify_test.go): 8 leaves, the root of every prefix.
LEAVES = [bytes.fromhex(h) for h in [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]]
ROOTS = [bytes.fromhex(h) for h in [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]
H = bytes.fromhex
# (leaf index, tree size, proof) — transparency-dev numbers leaves from 1; these are 0-based.
INCLUSION = [
    (0, 1, []),
    (0, 8, [H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 3, [H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]
# (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]
SOME_HASH = H("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAF_HASHES = [leaf_hash(d) for d in LEAVES]


def test_leaf_and_node_hashes_use_the_rfc_prefixes():
    assert EMPTY_ROOT == ROOTS[0]
    assert leaf_hash(b"") == ROOTS[1]  # a one-leaf tree's root is its leaf hash
    assert merkle.node_hash(LEAF_HASHES[0], LEAF_HASHES[1]) == ROOTS[2]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_reference_vectors(size):
    store = MemoryHashStore(LEAF_HASHES)
    assert store.root(size) == ROOTS[size]
    assert merkle.mth(LEAVES[:size]) == ROOTS[size]
    assert merkle.reference_root(LEAF_HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(index, size, proof):
    store = MemoryHashStore(LEAF_HASHES)
    assert store.inclusion_proof(index, size) == proof
    assert merkle.reference_inclusion_proof(index, LEAF_HASHES[:size]) == proof
    verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(first, second, proof):
    store = MemoryHashStore(LEAF_HASHES)
    assert store.consistency_proof(first, second) == proof
    assert merkle.reference_consistency_proof(first, LEAF_HASHES[:second]) == proof
    verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


def _inclusion_probes(index, size, proof, root, leaf):
    """transparency-dev's corruptions of an inclusion proof: each must be rejected."""
    probes = [
        (index - 1, size, root, leaf, proof), (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof), (index, size * 2, root, leaf, proof),
        (index, size // 2, root, leaf, proof), (index, size, root, b"WrongLeaf", proof),
        (index, size, EMPTY_ROOT, leaf, proof), (index, size, SOME_HASH, leaf, proof),
        (index, size, root, leaf, proof + [b""]), (index, size, root, leaf, proof + [root]),
        (index, size, root, leaf, [b""] + proof), (index, size, root, leaf, [root] + proof),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, root, leaf, wrong))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [proof[0], SOME_HASH] + proof[1:]))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[1:])
def test_every_corrupted_inclusion_proof_is_rejected(index, size, proof):
    for probe in _inclusion_probes(index, size, proof, ROOTS[size], LEAF_HASHES[index]):
        with pytest.raises(ProofError):
            verify_inclusion(*probe[:2], probe[3], probe[4], probe[2])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY[1:])
def test_every_corrupted_consistency_proof_is_rejected(first, second, proof):
    r1, r2 = ROOTS[first], ROOTS[second]
    probes = [
        (first - 1, second, r1, r2, proof), (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof), (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof), (first, second, b"WrongRoot", r2, proof),
        (first, second, r1, b"WrongRoot", proof), (first, second, r2, r1, proof),
        (first, second, r1, r2, []), (first, second, r1, r2, proof + [b""]),
        (first, second, r1, r2, proof + [r1]), (first, second, r1, r2, proof + [r2]),
        (first, second, r1, r2, [b""] + proof), (first, second, r1, r2, [r1] + proof),
        (first, second, r1, r2, [r2] + proof), (first, second, r1, r2, [proof[0]] + proof),
        (first, second, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((first, second, r1, r2, wrong))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_trivial_consistency_cases_follow_transparency_dev():
    a, b = ROOTS[3], ROOTS[4]
    verify_consistency(0, 0, a, a, [])
    verify_consistency(0, 5, a, b, [])  # anything extends the empty tree
    verify_consistency(3, 3, a, a, [])
    for first, second, r1, r2, proof in [
        (0, 0, a, b, []), (3, 3, a, b, []), (1, 0, a, b, []), (2, 1, a, b, []),
        (1, 2, a, b, []), (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), (1, 1, a, a, [EMPTY_ROOT]),
    ]:
        with pytest.raises(ProofError):
            verify_consistency(first, second, r1, r2, proof)


def test_inclusion_outside_the_tree_is_rejected():
    for index, size in [(0, 0), (1, 0), (2, 1), (1, 1)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


BIG = _leaves(1100)
BIG_STORE = MemoryHashStore(BIG)


def test_fast_proofs_equal_the_rfc_recursion_for_every_small_tree():
    for n in range(1, 70):
        tree = BIG[:n]
        assert BIG_STORE.root(n) == merkle.reference_root(tree) == merkle.root_of(tree)
        for i in range(n):
            assert BIG_STORE.inclusion_proof(i, n) == merkle.reference_inclusion_proof(i, tree)
        for m in range(n + 1):
            assert BIG_STORE.consistency_proof(m, n) == merkle.reference_consistency_proof(m, tree)


def test_pymerkle_agrees_on_every_root():
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    entries = [i.to_bytes(4, "big") for i in range(300)]
    for e in entries:
        tree.append_entry(e)
    store = MemoryHashStore(leaf_hash(e) for e in entries)
    for n in (1, 2, 3, 7, 8, 100, 255, 256, 257, 300):
        assert tree.get_root(n) == store.root(n), n


sizes = st.integers(min_value=1, max_value=len(BIG))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), size=sizes)
def test_every_inclusion_proof_verifies(data, size):
    index = data.draw(st.integers(0, size - 1))
    proof = BIG_STORE.inclusion_proof(index, size)
    verify_inclusion(index, size, BIG[index], proof, BIG_STORE.root(size))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), second=sizes)
def test_every_consistency_proof_verifies(data, second):
    first = data.draw(st.integers(0, second))
    proof = BIG_STORE.consistency_proof(first, second)
    verify_consistency(first, second, BIG_STORE.root(first), BIG_STORE.root(second), proof)


def _flip(blob: bytes, position: int, bit: int) -> bytes:
    return blob[:position] + bytes([blob[position] ^ (1 << bit)]) + blob[position + 1:]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), size=st.integers(2, len(BIG)))
def test_flipping_any_byte_breaks_an_inclusion_proof(data, size):
    index = data.draw(st.integers(0, size - 1))
    proof = BIG_STORE.inclusion_proof(index, size)
    root = BIG_STORE.root(size)
    target = data.draw(st.sampled_from(["leaf", "root"] + (["proof"] if proof else [])))
    position, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    leaf, wrong = BIG[index], list(proof)
    if target == "leaf":
        leaf = _flip(leaf, position, bit)
    elif target == "root":
        root = _flip(root, position, bit)
    else:
        k = data.draw(st.integers(0, len(proof) - 1))
        wrong[k] = _flip(wrong[k], position, bit)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, wrong, root)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), second=st.integers(2, len(BIG)))
def test_flipping_any_byte_breaks_a_consistency_proof(data, second):
    first = data.draw(st.integers(1, second - 1))
    proof = BIG_STORE.consistency_proof(first, second)
    r1, r2 = BIG_STORE.root(first), BIG_STORE.root(second)
    target = data.draw(st.sampled_from(["first", "second", "proof"]))
    position, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    if target == "first":
        r1 = _flip(r1, position, bit)
    elif target == "second":
        r2 = _flip(r2, position, bit)
    else:
        k = data.draw(st.integers(0, len(proof) - 1))
        proof = list(proof)
        proof[k] = _flip(proof[k], position, bit)
    with pytest.raises(ProofError):
        verify_consistency(first, second, r1, r2, proof)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(2, 300))
def test_a_proof_for_another_index_or_size_does_not_verify(data, size):
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    proof = BIG_STORE.inclusion_proof(index, size)
    with pytest.raises(ProofError):
        verify_inclusion(other, size, BIG[index], proof, BIG_STORE.root(size))
    with pytest.raises(ProofError):  # a reordered entry: leaf `other` claimed at `index`
        verify_inclusion(index, size, BIG[other], proof, BIG_STORE.root(size))


def test_truncate_forgets_leaves_and_appending_again_gives_the_same_tree():
    store = MemoryHashStore(BIG[:300])
    root_200 = store.root(200)
    store.truncate(200)
    assert store.size == 200 and store.root() == root_200
    with pytest.raises(IndexError):
        store.subtree(0, 200)
    store.extend(BIG[200:300])
    assert store.root() == merkle.root_of(BIG[:300])


def test_tile_bytes_are_slices_of_the_stored_levels():
    store = MemoryHashStore(BIG[:600])
    assert store.level_bytes(0, 256, 3) == b"".join(BIG[256:259])
    assert store.level_bytes(8, 0, 2) == store.subtree(8, 0) + store.subtree(8, 1)
    assert store.subtree(8, 0) == merkle.root_of(BIG[:256])
    with pytest.raises(IndexError):
        store.level_bytes(8, 0, 3)  # only two complete subtrees of 256 in 600 leaves
