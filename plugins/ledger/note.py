"""C2SP signed notes (``c2sp.org/signed-note``) with Ed25519, and the transparency-log
checkpoints carried in them (``c2sp.org/tlog-checkpoint``). Pure functions.

A signed note is a text ending in a newline, a blank line, then one or more signature
lines ``— <key name> <base64(4-byte key ID || signature)>``. The key ID of an Ed25519 key
is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``. Keys travel as the texts of the Go
reference implementation (``golang.org/x/mod/sumdb/note``):

* verifier key: ``<name>+<8 hex digits of the key ID>+<base64(0x01 || public key)>``;
* signer key: ``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte seed)>``.

A checkpoint's note text is the origin line, the tree size in decimal, the base64 root
hash, then optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
#: Signature lines a verifier accepts at most (the spec asks for at least 16).
MAX_SIGNATURES = 100
#: Longest note accepted (bytes).
MAX_NOTE_BYTES = 1 << 20


class NoteError(ValueError):
    """A key, note or checkpoint is malformed or does not verify; the message says why."""


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): padding required, nothing else allowed."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) or len(text) % 4:
        raise NoteError(f"{what} is not standard base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not standard base64") from exc
    if base64.b64encode(raw).decode() != text:  # non-canonical trailing bits
        raise NoteError(f"{what} is not canonical base64")
    return raw


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode()


def valid_name(name: str) -> bool:
    """A key name: non-empty, no Unicode space, no ``+``, no control character."""
    return (bool(name) and "+" not in name and not any(c.isspace() for c in name)
            and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in name))


def key_id(name: str, public_key: bytes) -> bytes:
    """``SHA-256(name || 0x0A || 0x01 || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A known Ed25519 key: its name, 4-byte ID and 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def of(cls, name: str, public_key: bytes) -> Verifier:
        """The verifier of ``public_key`` under ``name``."""
        if not valid_name(name):
            raise NoteError(f"invalid key name {name!r}")
        if len(public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        return cls(name, key_id(name, public_key), bytes(public_key))

    def text(self) -> str:
        """``<name>+<key ID hex>+<base64(0x01 || public key)>``."""
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signing key with its name."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A fresh key (``cryptography``'s CSPRNG)."""
        if not valid_name(name):
            raise NoteError(f"invalid key name {name!r}")
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)

    @property
    def verifier(self) -> Verifier:
        """The matching verifier."""
        return Verifier.of(self.name, self.public_key)

    def text(self) -> str:
        """``PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || seed)>`` (keep it secret)."""
        kid = key_id(self.name, self.public_key).hex()
        return f"PRIVATE+KEY+{self.name}+{kid}+{b64(bytes([ALG_ED25519]) + self.seed)}"

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def _parse_key_parts(name: str, hex_id: str, data: str, what: str) -> tuple[str, bytes, bytes]:
    if not valid_name(name):
        raise NoteError(f"{what}: invalid key name {name!r}")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise NoteError(f"{what}: the key ID must be 8 hex digits")
    raw = _b64decode(data, f"{what}: the key data")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError(f"{what}: not an Ed25519 key (0x01 followed by 32 bytes)")
    return name, bytes.fromhex(hex_id), raw[1:]


def parse_verifier_key(text: str) -> Verifier:
    """A verifier from ``<name>+<hex key ID>+<base64(0x01 || public key)>``.

    :raises NoteError: malformed, not Ed25519, or the key ID does not match the key.
    """
    parts = text.strip().split("+", 2)  # base64 key data may contain "+"
    if len(parts) != 3:
        raise NoteError("a verifier key is <name>+<key ID>+<key data>")
    name, kid, public = _parse_key_parts(parts[0], parts[1], parts[2], "verifier key")
    verifier = Verifier.of(name, public)
    if verifier.key_id != kid:
        raise NoteError("verifier key: the key ID does not match the name and key")
    return verifier


def parse_signer_key(text: str) -> Signer:
    """A signer from ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``.

    :raises NoteError: malformed, not Ed25519, or the key ID does not match the key.
    """
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise NoteError("a signer key is PRIVATE+KEY+<name>+<key ID>+<key data>")
    name, kid, seed = _parse_key_parts(parts[2], parts[3], parts[4], "signer key")
    signer = Signer(name, seed)
    if key_id(name, signer.public_key) != kid:
        raise NoteError("signer key: the key ID does not match the name and key")
    return signer


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of ``text`` (which must end with a newline)."""
    _check_text(text)
    if not signers:
        raise NoteError("a signed note needs at least one signature")
    lines = []
    message = text.encode()
    for signer in signers:
        kid = key_id(signer.name, signer.public_key)
        lines.append(f"{EM_DASH} {signer.name} {b64(kid + signer.sign(message))}\n")
    return text + "\n" + "".join(lines)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note must not contain control characters other than newline")


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signature by a known key verified.

    :param text: the signed text (with its final newline).
    :param verified: names of the known keys whose signatures verified.
    :param unknown: signature lines of keys the verifier does not know (ignored).
    """

    text: str
    verified: tuple[str, ...]
    unknown: tuple[str, ...]


def open_note(note: str | bytes, verifiers: list[Verifier]) -> OpenedNote:
    """Parse a signed note and check its signatures against known keys.

    Signatures by unknown keys are ignored, a known key's bad signature rejects the note,
    and at least one known key must have signed it.

    :raises NoteError: malformed, a bad signature, or no known key signed it.
    """
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError("the note is too large")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("the note is not valid UTF-8") from exc
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("the note contains control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, block = note[:split + 1], note[split + 2:]
    if not block or not block.endswith("\n"):
        raise NoteError("the note's signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("the note has too many signatures")
    known = {(v.name, v.key_id): v for v in verifiers}
    message = text.encode()
    verified: list[str] = []
    unknown: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise NoteError("a signature line must start with an em dash and a space")
        rest = line[2:]
        name, sep, sig_text = rest.partition(" ")
        if not sep or not valid_name(name) or " " in sig_text:
            raise NoteError(f"malformed signature line {line!r}")
        sig = _b64decode(sig_text, "a signature")
        if len(sig) < 5:
            raise NoteError("a signature is shorter than its key ID")
        kid = sig[:4]
        verifier = known.get((name, kid))
        if verifier is None:
            unknown.append(line)
            continue
        if (name, kid) in seen:
            raise NoteError(f"key {name} signed the note twice")
        seen.add((name, kid))
        if len(sig) != 4 + 64 or not verifier.verify(message, sig[4:]):
            raise NoteError(f"the signature by {name} does not verify")
        verified.append(name)
    if not verified:
        raise NoteError("no known key signed the note")
    return OpenedNote(text, tuple(verified), tuple(unknown))


# -- checkpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size, root hash (and opaque extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text (``c2sp.org/tlog-checkpoint``)."""
        if not self.origin or "\n" in self.origin:
            raise NoteError("a checkpoint's origin must be one non-empty line")
        if self.size < 0 or len(self.root_hash) != 32:
            raise NoteError("a checkpoint needs a size >= 0 and a 32-byte root hash")
        lines = [self.origin, str(self.size), b64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint of a (verified) note text.

    :raises NoteError: not three non-empty lines of origin, size and base64 root hash.
    """
    if not text.endswith("\n"):
        raise NoteError("a checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise NoteError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text, *extensions = lines
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text) or len(size_text) > 20:
        raise NoteError("a checkpoint's tree size must be a decimal number without leading "
                        "zeroes")
    root = _b64decode(root_text, "the checkpoint's root hash")
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(note: str | bytes, verifier: Verifier) -> Checkpoint:
    """Verify a checkpoint note signed by ``verifier`` and parse it; its origin must be the
    key's name (``c2sp.org/tlog-checkpoint``: the log's key name matches the origin).

    :raises NoteError: malformed, badly signed, or for another log.
    """
    opened = open_note(note, [verifier])
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin != verifier.name:
        raise NoteError(f"the checkpoint is for log {checkpoint.origin!r}, the key is "
                        f"{verifier.name!r}")
    return checkpoint
