"""The organiser's rules for transfers and resale, as pure functions.

Whether a ticket may change hands depends only on the organiser's settings, the ticket's
state and the time: no database, no clock of its own. The services
(:mod:`podium.ticketing.holders`, :mod:`podium.ticketing.resale`) read the facts, call these
under the ticket's lock, and raise the refusal they get as a 409 (``code`` + ``detail``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from podium.core.i18n import _, format_money
from podium.ticketing.labels import ticket_status_label


@dataclass(frozen=True)
class Rules:
    """One event's transfer and resale rules (``TicketSettings``, with its defaults).

    :param deadline: no transfer or resale from this instant on (default: the start).
    :param resale_cap_cents: the highest resale price; ``None``: the ticket's face value.
    """

    transfers_allowed: bool
    resale_allowed: bool
    resale_cap_cents: int | None
    deadline: datetime


@dataclass(frozen=True)
class TicketState:
    """What the rules need to know of a ticket."""

    status: str
    inside: bool
    face_value_cents: int


@dataclass(frozen=True)
class Refusal:
    """Why something may not happen: a stable ``code`` and a sentence for people."""

    code: str
    detail: str


def resale_cap(rules: Rules, face_value_cents: int) -> int:
    """The highest resale price of a ticket: the organiser's cap, else its face value."""
    return face_value_cents if rules.resale_cap_cents is None else max(0, rules.resale_cap_cents)


def _ticket_refusal(rules: Rules, ticket: TicketState, now: datetime) -> Refusal | None:
    if ticket.status != "valid":
        return Refusal("ticket_not_valid", _("this ticket is %(status)s; it cannot change hands", status=ticket_status_label(ticket.status)))
    if ticket.inside:
        return Refusal("ticket_used", _("this ticket has been scanned in at the gate; it cannot change hands"))
    if now >= rules.deadline:
        return Refusal("deadline_passed", _("the organiser's deadline for transfers and resale has passed"))
    return None


def transfer_refusal(rules: Rules, ticket: TicketState, now: datetime, *,
                     to_self: bool) -> Refusal | None:
    """Why this transfer may not happen, or ``None`` when it may."""
    if not rules.transfers_allowed:
        return Refusal("transfers_not_allowed", _("the organiser does not allow transfers for this event"))
    refusal = _ticket_refusal(rules, ticket, now)
    if refusal is not None:
        return refusal
    if to_self:
        return Refusal("same_holder", _("you already hold this ticket"))
    return None


def resale_refusal(rules: Rules, ticket: TicketState, now: datetime, *,
                   price_cents: int | None = None) -> Refusal | None:
    """Why this ticket may not be put up (``price_cents`` given) or bought on resale now,
    or ``None`` when it may."""
    if not rules.resale_allowed:
        return Refusal("resale_not_allowed", _("the organiser does not allow resale for this event"))
    refusal = _ticket_refusal(rules, ticket, now)
    if refusal is not None:
        return refusal
    if price_cents is not None:
        cap = resale_cap(rules, ticket.face_value_cents)
        if price_cents < 0:
            return Refusal("invalid_price", _("the price cannot be negative"))
        if price_cents > cap:
            return Refusal("over_cap", _("the price may not exceed %(cap)s", cap=format_money(cap)))
    return None
