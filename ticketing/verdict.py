"""The gate's decision: may this secret pass this gate now? A pure function, no I/O.

:func:`decide` takes everything the check-in service read (under the ticket's lock) and
returns a :class:`Verdict`. The order of the checks is the order of the answers staff
see: a forged or unknown secret is ``invalid`` before anything else; a dead secret is
``revoked`` before questions of event, time and payment; the ``inside`` rule comes last
because it is the only one that competes with other gates.

Codes: ``ok``, ``invalid`` (bad signature, unknown ticket, malformed), ``revoked`` (an old
serial, a secret on the revocation list, or a cancelled/refunded/revoked ticket),
``wrong_event`` (the scanner is set to another event), ``not_paid``, ``not_yet_valid``,
``expired``, ``already_redeemed`` (inside already, or used and the type allows no
re-entry) and ``not_inside`` (an exit for a ticket that is not inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from podium.ticketing.secrets import TicketClaims

Direction = Literal["entry", "exit"]

#: Every answer a scan can get, with the words the scanner shows under the big colour.
REASONS: dict[str, str] = {
    "ok": "Welcome in",
    "invalid": "Not a ticket of ours (bad signature or unknown code)",
    "revoked": "This ticket is no longer valid (replaced, cancelled or refunded)",
    "wrong_event": "This ticket is for another event",
    "not_paid": "This ticket's order is not paid",
    "not_yet_valid": "Too early: this ticket does not open the gate yet",
    "expired": "Too late: this ticket's validity is over",
    "already_redeemed": "Already used",
    "not_inside": "This ticket is not inside: nothing to let out",
}


@dataclass(frozen=True)
class TicketState:
    """What the database says about the scanned ticket (read under its lock).

    :param order_status: the status of its order, ``None`` for a ticket without one.
    :param revoked_serials: serials of this ticket on the revocation list.
    """

    code: str
    event_id: int
    ticket_type_id: int
    status: str
    serial: int
    order_status: str | None
    allows_reentry: bool
    inside: bool
    last_scan_at: datetime | None
    last_scan_gate: str
    revoked_serials: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Verdict:
    """The answer of one scan: ``code`` (``ok`` or why not), the reason in words, and for
    ``already_redeemed`` when and through which gate the ticket was last used."""

    code: str
    detail: str
    at: datetime | None = None
    gate: str = ""

    @property
    def ok(self) -> bool:
        """True when the holder may pass."""
        return self.code == "ok"


def refuse(code: str, detail: str | None = None, **extra: object) -> Verdict:
    """A refusal with the standard reason unless ``detail`` says more."""
    return Verdict(code, detail or REASONS[code], **extra)  # type: ignore[arg-type]


def decide(*, claims: TicketClaims | None, signature_ok: bool, ticket: TicketState | None,
           scanner_event_id: int | None, direction: Direction, now: datetime) -> Verdict:
    """Decide one scan.

    :param claims: the secret's claims (``None``: malformed).
    :param signature_ok: the event's public key verified the secret.
    :param ticket: the ticket the claims name (``None``: unknown).
    :param scanner_event_id: the event the scanner is set to (``None``: any).
    :param direction: ``entry`` or ``exit``; exits skip the validity window (people leave
        after the end) and need the ticket inside.
    :param now: the scan's time (the device's time for offline scans).
    """
    if claims is None or ticket is None or not signature_ok:
        return refuse("invalid")
    if (claims.code != ticket.code or claims.event_id != ticket.event_id
            or claims.ticket_type_id != ticket.ticket_type_id or claims.serial > ticket.serial):
        return refuse("invalid")
    if claims.serial < ticket.serial or claims.serial in ticket.revoked_serials:
        return refuse("revoked", "This QR code was replaced by a newer one (transfer or reissue)")
    if ticket.status != "valid":
        return refuse("revoked", f"This ticket is {ticket.status}")
    if scanner_event_id is not None and scanner_event_id != claims.event_id:
        return refuse("wrong_event")
    if direction == "entry":
        if now < claims.valid_from:
            return refuse("not_yet_valid")
        if now > claims.valid_until:
            return refuse("expired")
    if ticket.order_status is not None and ticket.order_status != "paid":
        return refuse("not_paid")
    if direction == "exit":
        if not ticket.inside:
            return refuse("not_inside")
        return Verdict("ok", "Goodbye")
    if ticket.inside:
        return refuse("already_redeemed", "Already inside", at=ticket.last_scan_at,
                      gate=ticket.last_scan_gate)
    if ticket.last_scan_at is not None and not ticket.allows_reentry:
        return refuse("already_redeemed", "Already used; this ticket allows no re-entry",
                      at=ticket.last_scan_at, gate=ticket.last_scan_gate)
    return Verdict("ok", REASONS["ok"])
