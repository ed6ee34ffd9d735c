"""The box office as a built-in plugin: everything it adds to the platform goes through
the same hooks a third party would use.

It contributes its tables, routes (the API, the event page's ticket shop, My tickets, the
sales dashboard, the gate scanner), templates, static files (the scanner's script), the
built-in payment methods (``free`` and ``at_venue``), navigation, live updates (gate
counts, places left) and its part of the demo venue. Scope ``global``: always on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import DomainEvent, TicketsCheckedIn
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.plugins import NavItem
from podium.ticketing.contracts import PaymentMethod
from podium.ticketing.payments import BUILTIN_METHODS

PODIUM_PLUGIN = PluginMeta(
    name="ticketing",
    version="0.1.0",
    description="Ticketing: ticket types and quotas, orders, signed QR tickets, gate "
                "check-in, transfers and resale.",
    scope="global",
)

HERE = Path(__file__).parent


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Ticket types, quotas, orders, tickets, revocations, keys, waiting lists, scans,
    transfers and resale listings."""
    return ["podium.ticketing.piccolo_app"]


@hookimpl
def podium_cli_commands() -> list[Any]:
    """``podium tickets forget-holders EVENT_ID`` (erasure)."""
    from podium.ticketing.cli import tickets_group

    return [tickets_group]


@hookimpl
def podium_payment_methods(registry: Registry[PaymentMethod]) -> None:
    """``free`` (a total of 0) and ``at_venue`` (staff mark the order paid)."""
    for method in BUILTIN_METHODS:
        registry.add(method.name, method)


@hookimpl
def podium_routes() -> list[Any]:
    """The ticketing API and pages."""
    from podium.ticketing.routes import ROUTES  # routes import the whole domain: load late

    return list(ROUTES)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``ticketing/*.html`` and their partials."""
    return [HERE / "templates"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The scanner's and the ticket page's scripts, at ``/static/ticketing/``."""
    return {"ticketing": HERE / "static"}


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """My tickets for signed-in users; the gate scanner for staff."""
    items: list[NavItem] = []
    if user is not None:
        items.append(NavItem("My tickets", "/me/tickets", order=22))
    items.append(NavItem("Gate", "/gate", roles=frozenset({"staff"}), order=40))
    return items


@hookimpl(specname="podium_page_slots")
def resale_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """The event page's sidebar shows the event's tickets on resale (loaded by htmx)."""
    from podium.ticketing.routes.holders import resale_slot

    return resale_slot(slot, context)


@hookimpl
async def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """The scanner pages' live gate counts (inside now, entries and exits per gate):
    ``gate-counts`` on the topic ``gate-<event id>`` after every accepted scan."""
    if render is None or not isinstance(event, TicketsCheckedIn):
        return []
    from podium.ticketing.gate import gate_counts

    out = []
    for event_id in sorted({c.venue_event_id for c in event.checkins if c.venue_event_id}):
        counts = await gate_counts(event_id)
        out.append(LiveMessage((f"gate-{event_id}",), "gate-counts",
                               render("ticketing/gate_counts.html", {"counts": counts})))
    return out
