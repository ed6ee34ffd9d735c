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

from podium.core.i18n import LazyString, N_
from podium.ticketing.labels import TICKET_STATUS_LABELS
from podium.ticketing.secrets import TicketClaims

Direction = Literal["entry", "exit"]

#: Every answer a scan can get, with the words the scanner shows under the big colour
#: (translated when the answer is written, in the scanner page's language).
REASONS: dict[str, LazyString] = {
    "ok": N_("Welcome in"),
    "invalid": N_("Not a ticket of ours (bad signature or unknown code)"),
    "revoked": N_("This ticket is no longer valid (replaced, cancelled or refunded)"),
    "wrong_event": N_("This ticket is for another event"),
    "not_paid": N_("This ticket's order is not paid"),
    "not_yet_valid": N_("Too early: this ticket does not open the gate yet"),
    "expired": N_("Too late: this ticket's validity is over"),
    "already_redeemed": N_("Already used"),
    "not_inside": N_("This ticket is not inside: nothing to let out"),
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
    detail: str | LazyString  # str() in the locale of the answer
    at: datetime | None = None
    gate: str = ""

    @property
    def ok(self) -> bool:
        """True when the holder may pass."""
        return self.code == "ok"


def refuse(code: str, detail: str | LazyString | None = None, **extra: object) -> Verdict:
    """A refusal with the standard reason unless ``detail`` says more."""
    return Verdict(code, detail or REASONS[code], **extra)  # type: ignore[arg-type]


def reason(code: str) -> str:
    """The standard reason for ``code`` in the current locale (a list of past scans shows
    it, whatever language each scan was answered in); an unknown code reads as itself."""
    found = REASONS.get(code)
    return str(found) if found is not None else code


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
        return refuse("revoked", N_("This QR code was replaced by a newer one (transfer or reissue)"))
    if ticket.status != "valid":
        return refuse("revoked", N_("This ticket is %(status)s: it no longer opens the gate.",
                                    status=TICKET_STATUS_LABELS.get(ticket.status, ticket.status)))
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
        return Verdict("ok", N_("Goodbye"))
    if ticket.inside:
        return refuse("already_redeemed", N_("Already inside"), at=ticket.last_scan_at,
                      gate=ticket.last_scan_gate)
    if ticket.last_scan_at is not None and not ticket.allows_reentry:
        return refuse("already_redeemed", N_("Already used; this ticket allows no re-entry"),
                      at=ticket.last_scan_at, gate=ticket.last_scan_gate)
    return Verdict("ok", REASONS["ok"])
