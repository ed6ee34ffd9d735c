"""What people read for the statuses ticketing stores in English (orders, tickets, resale
listings): one table each, for the pages (template globals the shell installs) and the
error details that quote a status ("this order is refunded" / "cette commande est
remboursée"). Stored values and API ``code``s stay English identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

from podium.core.i18n import LazyString, N_, lazy_pgettext, stored_label

#: ``podium_order.status``.
ORDER_STATUS_LABELS: Mapping[str, LazyString] = {
    "pending": N_("waiting for payment"), "paid": N_("paid"),
    "cancelled": lazy_pgettext("order", "cancelled"), "expired": lazy_pgettext("order", "expired"),
    "refunded": N_("refunded"),
}

#: ``podium_ticket.status`` (and ``transferred``, a ticket that went to someone else).
TICKET_STATUS_LABELS: Mapping[str, LazyString] = {
    "valid": lazy_pgettext("ticket", "valid"), "cancelled": lazy_pgettext("ticket", "cancelled"),
    "refunded": lazy_pgettext("ticket", "refunded"), "revoked": lazy_pgettext("ticket", "revoked"),
    "transferred": N_("transferred away"),
}

#: ``podium_resale_listing.status``.
LISTING_STATUS_LABELS: Mapping[str, LazyString] = {
    "listed": lazy_pgettext("listing", "listed"), "reserved": lazy_pgettext("listing", "reserved"),
    "sold": lazy_pgettext("listing", "sold"), "withdrawn": lazy_pgettext("listing", "withdrawn"),
}


def order_status_label(status: str | None) -> str:
    """An order's status as people read it, in the current locale."""
    return stored_label(ORDER_STATUS_LABELS, status)


def ticket_status_label(status: str | None) -> str:
    """A ticket's status as people read it, in the current locale."""
    return stored_label(TICKET_STATUS_LABELS, status)


def listing_status_label(status: str | None) -> str:
    """A resale listing's status as people read it, in the current locale."""
    return stored_label(LISTING_STATUS_LABELS, status)
