"""C2SP signed notes and checkpoints: the Go reference implementation's known answers
(golang.org/x/mod/sumdb/note), the C2SP example, and every malformed or forged variant
rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.ledger import note
from podium.plugins.ledger.merkle import EMPTY_ROOT
from podium.plugins.ledger.note import (
    EM_DASH,
    Checkpoint,
    NoteError,
    Signer,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

# golang.org/x/mod/sumdb/note's documented example key pair and signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n" + EM_DASH + " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcEl"
           "ZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
# The C2SP signed-note example (an earlier revision of c2sp.org/signed-note).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n" + EM_DASH + " example.com/foo Uw2QOkn8srV1yJGh2VY"
             "RlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")


def test_the_go_reference_example_byte_for_byte():
    signer = parse_signer_key(GO_SKEY)
    verifier = parse_verifier_key(GO_VKEY)
    assert signer.verifier == verifier
    assert verifier.key_id.hex() == "c74f20a3"
    assert verifier.text() == GO_VKEY and signer.text() == GO_SKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE  # Ed25519 is deterministic
    opened = open_note(GO_NOTE, [verifier])
    assert opened.text == GO_TEXT and opened.verified == ("PeterNeumann",)


def test_the_c2sp_example_verifies():
    opened = open_note(SPEC_NOTE.encode(), [parse_verifier_key(SPEC_VKEY)])
    assert opened.text == "This is an example message.\n"


def test_every_mangled_verifier_key_is_rejected():
    # As Go's TestNewVerifier: every proper substring and every byte bumped fails.
    for i in range(len(GO_VKEY) + 1):
        for j in range(i + 1, len(GO_VKEY) + 1):
            if (i, j) != (0, len(GO_VKEY)):
                with pytest.raises(NoteError):
                    parse_verifier_key(GO_VKEY[i:j])
    for i in range(len(GO_VKEY)):
        bumped = GO_VKEY[:i] + chr(ord(GO_VKEY[i]) + 1) + GO_VKEY[i + 1:]
        with pytest.raises(NoteError):
            parse_verifier_key(bumped)
    for bad in ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"):
        with pytest.raises(NoteError):
            parse_verifier_key(bad)


def test_every_mangled_signer_key_is_rejected():
    for i in range(len(GO_SKEY)):
        bumped = GO_SKEY[:i] + chr(ord(GO_SKEY[i]) + 1) + GO_SKEY[i + 1:]
        with pytest.raises(NoteError):
            parse_signer_key(bumped)
    for cut in range(1, len(GO_SKEY)):
        with pytest.raises(NoteError):
            parse_signer_key(GO_SKEY[:cut])


def test_signatures_by_unknown_keys_are_ignored_but_one_known_key_must_sign():
    other = Signer.generate("witness.example/w1")
    signed = sign_note(GO_TEXT, parse_signer_key(GO_SKEY), other)
    opened = open_note(signed, [parse_verifier_key(GO_VKEY)])
    assert opened.verified == ("PeterNeumann",) and len(opened.unknown) == 1
    with pytest.raises(NoteError, match="no known key"):
        open_note(sign_note(GO_TEXT, other), [parse_verifier_key(GO_VKEY)])


def test_a_key_with_the_same_name_but_another_id_is_unknown():
    impostor = Signer.generate("PeterNeumann")
    with pytest.raises(NoteError, match="no known key"):
        open_note(sign_note(GO_TEXT, impostor), [parse_verifier_key(GO_VKEY)])


@pytest.mark.parametrize("mangle", [
    lambda n: n.replace("problem,", "problem;"),             # the text changed
    lambda n: n.replace("x08go", "x08gp"),                     # the signature changed
    lambda n: n[:-1],                                          # no final newline
    lambda n: n.replace("\n\n", "\n"),                         # no blank line
    lambda n: n.replace(EM_DASH, "-"),                         # not an em dash
    lambda n: n.replace("PeterNeumann ", "PeterNeumann  "),     # two spaces
    lambda n: n.replace("answer", "an\x07swer"),               # a control character
    lambda n: n + EM_DASH + " PeterNeumann " + n.split(" ")[-1],  # the same key twice
])
def test_a_forged_or_malformed_note_is_rejected(mangle):
    with pytest.raises(NoteError):
        open_note(mangle(GO_NOTE), [parse_verifier_key(GO_VKEY)])


def test_invalid_utf8_is_rejected():
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(GO_NOTE.encode() + b"\xff", [parse_verifier_key(GO_VKEY)])


def test_checkpoint_text_and_parsing():
    cp = Checkpoint("podium.local/ledger", 20852163, EMPTY_ROOT)
    text = cp.text()
    assert text == ("podium.local/ledger\n20852163\n"
                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    assert parse_checkpoint(text) == cp
    assert parse_checkpoint(text + "ext line\n").extensions == ("ext line",)


@pytest.mark.parametrize("text", [
    "origin\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",        # no final newline
    "origin\n020\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",      # leading zero
    "origin\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",       # negative
    "origin\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",        # bad base64
    "origin\n20\nAAAA\n",                                               # not 32 bytes
    "origin\n20\n",                                                     # two lines
    "\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",             # empty origin
    "origin\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",     # empty extension
])
def test_malformed_checkpoints_are_rejected(text):
    with pytest.raises(NoteError):
        parse_checkpoint(text)


def test_a_checkpoint_must_come_from_the_logs_own_key():
    log_key = Signer.generate("venue.example/ledger")
    other = Signer.generate("other.example/ledger")
    body = Checkpoint("venue.example/ledger", 3, EMPTY_ROOT).text()
    assert open_checkpoint(sign_note(body, log_key), log_key.verifier).size == 3
    with pytest.raises(NoteError):
        open_checkpoint(sign_note(body, other), log_key.verifier)
    foreign = Checkpoint("other.example/ledger", 3, EMPTY_ROOT).text()
    with pytest.raises(NoteError, match="another log|is for log"):
        open_checkpoint(sign_note(foreign, log_key), log_key.verifier)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_a_signed_checkpoint_breaks_it(data):
    signer = Signer.generate("podium.local/ledger")
    signed = sign_note(Checkpoint(signer.name, 12, EMPTY_ROOT).text(), signer).encode()
    position = data.draw(st.integers(0, len(signed) - 1))
    bit = data.draw(st.integers(0, 7))
    mangled = signed[:position] + bytes([signed[position] ^ (1 << bit)]) + signed[position + 1:]
    with pytest.raises(NoteError):
        open_checkpoint(mangled, signer.verifier)


def test_key_names_follow_the_spec():
    assert note.valid_name("podium.local/ledger")
    for bad in ("", "a b", "a+b", "a\tb", "a\u00a0b", "a\nb"):
        assert not note.valid_name(bad)
        with pytest.raises(NoteError):
            Signer.generate(bad)
