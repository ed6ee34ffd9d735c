"""Ticket secrets: what a QR code carries, signed with the event's Ed25519 key.

A secret is ``<claims>.<signature>``: the claims are text a gate can read without the
network, ``T1.<ticket code>.<serial>.<type id>.<event id>.<valid from>.<valid until>``
(times in Unix seconds), and the signature is the Ed25519 signature of those bytes in
unpadded base64url. A scanner holding the event's public key and revocation list (pairs of
ticket code and serial) decides offline: forged or altered secrets fail the signature,
replaced ones are on the list. Pure functions; the keys live in :mod:`podium.ticketing.keys`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "T1"
#: A secret is never longer than this (a QR code of version 10 or so; longer is garbage).
MAX_SECRET_LENGTH = 400


@dataclass(frozen=True)
class TicketClaims:
    """What a signed secret says about its ticket."""

    code: str
    serial: int
    ticket_type_id: int
    event_id: int
    valid_from: datetime
    valid_until: datetime

    def text(self) -> str:
        """The signed part of the secret."""
        return ".".join((
            VERSION, self.code, str(self.serial), str(self.ticket_type_id), str(self.event_id),
            str(int(self.valid_from.timestamp())), str(int(self.valid_until.timestamp())),
        ))


def b64url(data: bytes) -> str:
    """Unpadded base64url, as in the secrets and JSON Web Keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """The bytes of unpadded base64url text (:class:`ValueError` if it is not)."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def sign(private_key: Ed25519PrivateKey, claims: TicketClaims) -> str:
    """The secret for ``claims``."""
    text = claims.text()
    return f"{text}.{b64url(private_key.sign(text.encode('ascii')))}"


def read_claims(secret: str) -> TicketClaims | None:
    """The claims of a well-formed secret, **unverified**; ``None`` if it is malformed."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
        return None
    parts = secret.strip().split(".")
    if len(parts) != 8 or parts[0] != VERSION or not parts[1]:
        return None
    try:
        serial, type_id, event_id, start, end = (int(p) for p in parts[2:7])
        valid_from = datetime.fromtimestamp(start, timezone.utc)
        valid_until = datetime.fromtimestamp(end, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    if min(serial, type_id, event_id) < 1:
        return None
    return TicketClaims(parts[1], serial, type_id, event_id, valid_from, valid_until)


def verify(public_key: Ed25519PublicKey, secret: str) -> TicketClaims | None:
    """The claims of ``secret`` if the key signed it, else ``None`` (forged, altered,
    another event's key, or malformed)."""
    claims = read_claims(secret)
    if claims is None:
        return None
    text, _, signature = secret.strip().rpartition(".")
    try:
        public_key.verify(unb64url(signature), text.encode("ascii"))
    except (InvalidSignature, ValueError):
        return None
    return claims
