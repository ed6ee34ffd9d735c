"""The box office as a built-in plugin: everything it adds to the platform goes through
the same hooks a third party would use.

It contributes its tables, routes (the API, the event page's ticket shop, My tickets, the
sales dashboard, the gate scanner), templates, static files (the scanner's script), the
built-in payment methods (``free`` and ``at_venue``), navigation, live updates (gate
counts, places left) and its part of the demo venue. Scope ``global``: always on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import DomainEvent, TicketsCheckedIn
from podium.core.i18n import N_, _, gettext_noop
from podium.core.live import LiveTopic, roles
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.plugins import NavItem
from podium.core.venue.contracts import DemoVenue
from podium.ticketing.contracts import PaymentMethod
from podium.ticketing.payments import BUILTIN_METHODS

if TYPE_CHECKING:
    from litestar import Litestar

PODIUM_PLUGIN = PluginMeta(
    name="ticketing",
    version="0.1.0",
    description=gettext_noop("Ticketing: ticket types and quotas, orders, signed QR tickets, "
                             "gate check-in, transfers and resale."),
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
def podium_live_topics(registry: Registry[LiveTopic]) -> None:
    """``sales-<event>``: the sales dashboard's refresh ping (organisers, as the dashboard);
    ``gate-<event>``: the scanner's gate counts (staff, as the scanner, and organisers, who
    see the same figures on the dashboard)."""
    for topic in (LiveTopic("sales", roles("organiser"),
                            description="an event's sales dashboard changed"),
                  LiveTopic("gate", roles("staff", "organiser"),
                            description="an event's gate counts")):
        registry.add(topic.kind, topic)


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
def podium_translation_dirs() -> list[Path]:
    """Ticketing's catalogues: ``ticketing/locale/<lang>/LC_MESSAGES/messages.po``."""
    return [HERE / "locale"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The scanner's and the ticket page's scripts, at ``/static/ticketing/``."""
    return {"ticketing": HERE / "static"}


@hookimpl
async def podium_validate_booking(event: dict[str, Any], user: CurrentUser, places: int) -> list[str]:
    """An event that sells tickets takes no free bookings."""
    from podium.ticketing.types import has_active_types

    event_id = event.get("id")
    if not isinstance(event_id, int):
        return []
    return [_("this event sells tickets")] if await has_active_types(event_id) else []


@hookimpl
async def podium_places_sold(event_ids: list[int]) -> dict[int, int]:
    """The places each event with ticket types has sold against its capacity, so that the
    calendar, the home page and the event page count them as taken."""
    from podium.ticketing.types import places_sold

    return await places_sold(event_ids)


@hookimpl
async def podium_seed_demo(demo: DemoVenue) -> None:
    """Tickets on sale for the e-sport final and the track meet, and a few orders."""
    from podium.ticketing.demo import seed_demo  # the services: load late, as the routes

    await seed_demo(demo)


@hookimpl
def podium_startup(app: Litestar) -> None:
    """Start the sweeper that expires ticket holds and makes waiting-list offers."""
    from podium.ticketing.orders import HoldSweeper

    state = getattr(app, "state", None)
    if state is None:  # not a web app (a test calling the hook by hand)
        return
    # One sweeper per app: a second start-up reuses it (start() does nothing while it runs).
    sweeper = getattr(state, "ticket_holds", None) or HoldSweeper()
    state.ticket_holds = sweeper
    sweeper.start()


@hookimpl
async def podium_shutdown(app: Litestar) -> None:
    """Stop the hold sweeper."""
    sweeper = getattr(getattr(app, "state", None), "ticket_holds", None)
    if sweeper is not None:
        await sweeper.stop()


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """My tickets and My orders for signed-in users; the gate scanner and the box office
    for staff."""
    items: list[NavItem] = []
    if user is not None:
        items.append(NavItem(N_("My tickets"), "/me/tickets", order=22, menu="account"))
        items.append(NavItem(N_("My orders"), "/me/orders", order=23, menu="account"))
    items.append(NavItem(N_("Gate"), "/gate", roles=frozenset({"staff"}), order=40))
    items.append(NavItem(N_("Box office"), "/box-office", roles=frozenset({"staff", "organiser"}),
                         order=41))
    return items


@hookimpl
def podium_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """The event page's sidebar (``event.sidebar``): the ticket shop, then the tickets on
    resale, each a placeholder htmx fills. One implementation, so that the shop comes
    first: the host joins fragments in load order, and two implementations of one plugin
    came out in name order (resale above the shop)."""
    from podium.ticketing.routes.holders import resale_slot

    event = context.get("event")
    if slot != "event.sidebar" or not isinstance(event, dict) or "id" not in event:
        return []
    return [_shop_placeholder(int(event["id"])), *resale_slot(slot, context)]


def _shop_placeholder(event_id: int) -> str:
    """A placeholder htmx fills from ``/events/{id}/shop``; without JavaScript, a link to
    that page."""
    # Translated outside the f-string: pybabel does not extract calls inside one.
    tickets = escape(_("Tickets"))
    return (f'<div id="ticket-shop" hx-get="/events/{event_id}/shop" hx-trigger="load" '
            f'hx-swap="outerHTML"><noscript><a href="/events/{event_id}/shop">{tickets}'
            '</a></noscript></div>')


@hookimpl
async def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """The scanner pages' live gate counts (inside now, entries and exits per gate):
    ``gate-counts`` on the topic ``gate-<event id>`` after every accepted scan. The shop's
    places left follow holds, sales and releases (``tickets-left-<type>`` on the event
    page's topic); the sales dashboard refreshes on sales, revocations and scans
    (``sales-changed`` on ``sales-<event>``, no figures on the wire: the page fetches them
    with the organiser's session). One implementation: the outbox asks each plugin once."""
    from podium.ticketing.orders import box_office_live_messages

    out = box_office_live_messages(event, render)
    if render is None or not isinstance(event, TicketsCheckedIn):
        return out
    from podium.ticketing.gate import gate_counts

    for event_id in sorted({c.venue_event_id for c in event.checkins if c.venue_event_id}):
        counts = await gate_counts(event_id)
        out.append(LiveMessage((f"gate-{event_id}",), "gate-counts",
                               render("ticketing/gate_counts.html", {"counts": counts})))
    return out
