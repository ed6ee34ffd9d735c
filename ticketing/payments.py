"""The built-in payment methods: ``free`` and ``at_venue``.

A card processor is a third-party plugin implementing
:class:`podium.ticketing.contracts.PaymentMethod` the same way.
"""

from __future__ import annotations

from podium.core.i18n import _, gettext_noop
from podium.ticketing.contracts import OrderSummary, PaymentMethod, PaymentStep


class FreeTickets:
    """Free tickets: an order with a total of 0 is paid at once."""

    name = "free"
    label = gettext_noop("Free")  # English in the API; pages translate it

    def accepts(self, total_cents: int, currency: str) -> bool:
        """Only a total of 0."""
        return total_cents == 0

    def step(self) -> PaymentStep:
        """What :meth:`begin` answers, known before the order exists: the checkout writes a
        free order paid at once, in the transaction that holds its places."""
        return PaymentStep(status="paid", reference="free")

    async def begin(self, order: OrderSummary) -> PaymentStep:
        """Nothing to pay: the tickets are issued now."""
        return self.step()


class PayAtVenue:
    """Pay at the box office: the order stays pending (its places held) until staff mark
    it paid."""

    name = "at_venue"
    label = gettext_noop("Pay at the box office")

    def accepts(self, total_cents: int, currency: str) -> bool:
        """Any order with something to pay."""
        return total_cents > 0

    async def begin(self, order: OrderSummary) -> PaymentStep:
        """The buyer pays at the venue; staff confirm with the order's reference."""
        return PaymentStep(
            status="pending", reference=f"venue-{order.order_id}",
            message=_("Pay at the box office before the hold expires, quoting your order reference."),
        )


BUILTIN_METHODS: tuple[PaymentMethod, ...] = (FreeTickets(), PayAtVenue())
