"""The ticketing contracts plugins implement: payment methods and ticket providers.

Registered through ``podium_payment_methods`` and ``podium_ticket_providers``. The box
office (this domain) owns orders, quotas and tickets; a payment method only says whether
and how an order gets paid, and a ticket provider only mirrors issued tickets to an outside
system. Both exchange plain, typed data — never the database, never personal data beyond
what the method needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import msgspec

from podium.core.events import IssuedTicket
from podium.core.plugins import RegistryHook


class OrderSummary(msgspec.Struct, frozen=True):
    """What a payment method sees of an order.

    :param order_id: the box office's id of the order.
    :param total_cents: the amount due, in the currency's smallest unit.
    :param return_url: where a redirecting processor sends the buyer back.
    """

    order_id: int
    total_cents: int
    currency: str
    venue_event_id: int
    return_url: str = ""


class PaymentStep(msgspec.Struct, frozen=True):
    """A payment method's answer to a new order.

    :param status: ``paid`` (tickets are issued at once), ``pending`` (the buyer pays
        elsewhere, e.g. at the venue or on ``redirect_url``; the seats stay held) or
        ``failed`` (the order is cancelled and its seats released).
    :param reference: the processor's reference, kept with the order.
    """

    status: Literal["paid", "pending", "failed"]
    reference: str = ""
    redirect_url: str | None = None
    message: str = ""


@runtime_checkable
class PaymentMethod(Protocol):
    """A way to pay at checkout (built-in: ``free`` and ``at_venue``; a card processor is
    a third-party plugin)."""

    #: unique registry name, e.g. ``"at_venue"``.
    name: str
    #: what buyers read, e.g. ``"Pay at the box office"``.
    label: str

    def accepts(self, total_cents: int, currency: str) -> bool:
        """Whether this method can pay such an order (``free`` only a total of 0)."""
        ...

    async def begin(self, order: OrderSummary) -> PaymentStep:
        """Start paying for an order; called after the seats are held, outside the
        transaction (a processor's HTTP call must not hold a lock)."""
        ...


class ProviderReceipt(msgspec.Struct, frozen=True):
    """What a ticket provider says back about one ticket it was told of."""

    ticket_id: str
    external_id: str = ""
    accepted: bool = True
    message: str = ""


@runtime_checkable
class TicketProvider(Protocol):
    """The venue's ticketing partner: tickets issued here are mirrored there (an external
    partner over signed webhooks, for instance). A venue picks one, possibly exclusive."""

    #: unique registry name, e.g. ``"ticket721"``.
    name: str
    #: what admins read.
    label: str
    #: ``True`` when the venue may sell through this provider only.
    exclusive: bool

    async def issue(self, tickets: Sequence[IssuedTicket]) -> Sequence[ProviderReceipt]:
        """Mirror newly issued tickets; called after commit, retried until it answers."""
        ...

    async def revoke(self, ticket_ids: Sequence[str]) -> None:
        """Tell the provider these tickets are dead (refund, transfer, cancellation)."""
        ...


#: Typed keys of the registries: ``host.registry(PAYMENT_METHODS)`` is a
#: ``Registry[PaymentMethod]``.
PAYMENT_METHODS: RegistryHook[PaymentMethod] = RegistryHook("podium_payment_methods")
TICKET_PROVIDERS: RegistryHook[TicketProvider] = RegistryHook("podium_ticket_providers")
