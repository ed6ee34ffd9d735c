"""The ticket ledger: a tamper-evident, append-only log of every ticket event.

Written exactly as a third-party plugin would be. It hears of ticket events through the
domain-event hooks (``podium_tickets_issued``, ``podium_orders_paid``,
``podium_tickets_transferred``, ``podium_tickets_revoked``, ``podium_tickets_checked_in``),
appends them — without personal data — to an RFC 6962 Merkle tree, signs a C2SP checkpoint
after every batch and at milestones, and serves the log through the C2SP tlog-tiles API
under ``/ledger/``, a proof API, an explorer page, a ticket-history fragment
(``ticket.history`` page slot) and ``podium ledger verify|status``. See ``docs/ledger.md``.

Scope ``venue``, on by default: Podium keeps the ``global`` scope for its domains (the
venue, tournaments). Switching the ledger off for a venue leaves a hole in that venue's
history that no checkpoint covers, so ``docs/ledger.md`` asks admins not to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from podium.core import PluginMeta, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import (
    DomainEvent,
    OrdersPaid,
    TicketsCheckedIn,
    TicketsIssued,
    TicketsRevoked,
    TicketsTransferred,
)
from podium.core.plugins import NavItem
from podium.core.i18n import N_, _, gettext_noop

PODIUM_PLUGIN = PluginMeta(
    name="ledger",
    version="0.1.0",
    description=gettext_noop(
        "Tamper-evident ticket ledger: an RFC 6962 Merkle log of every ticket event, "
        "signed C2SP checkpoints, the tlog-tiles API, proofs and in-browser verification."
    ),
    # Global: a venue that promised a tamper-evident history cannot switch it off and
    # leave holes (an event not delivered to the ledger would never be logged).
    scope="global",
    podium_requires=">=0.1",
)

HERE = Path(__file__).parent
#: The page slot whose context names a ticket (``{"ticket_id": ...}``).
TICKET_HISTORY_SLOT = "ticket.history"


async def _record(event: Any) -> None:
    from podium.plugins.ledger.service import record_event  # tables: load late

    await record_event(event)


@hookimpl
async def podium_tickets_issued(event: TicketsIssued) -> None:
    """Append an ``issued`` entry per ticket."""
    await _record(event)


@hookimpl
async def podium_orders_paid(event: OrdersPaid) -> None:
    """Append a ``paid`` entry per order."""
    await _record(event)


@hookimpl
async def podium_tickets_transferred(event: TicketsTransferred) -> None:
    """Append a ``transferred`` or ``resold`` entry per transfer."""
    await _record(event)


@hookimpl
async def podium_tickets_revoked(event: TicketsRevoked) -> None:
    """Append a ``reissued``, ``revoked``, ``refunded`` or ``cancelled`` entry."""
    await _record(event)


@hookimpl
async def podium_tickets_checked_in(event: TicketsCheckedIn) -> None:
    """Append a ``checked_in`` or ``checked_out`` entry per scan (the first check-in of a
    venue event also marks its checkpoint "doors open")."""
    await _record(event)


@hookimpl
async def podium_outbox_batch(events: list[DomainEvent]) -> None:
    """Append a round's ticket events in one go: one transaction, one checkpoint (the
    per-event hooks above say which events the ledger wants; this takes them together)."""
    from podium.plugins.ledger.service import record_events

    await record_events(events)


@hookimpl
def podium_routes() -> list[Any]:
    """The tlog-tiles API, the proof API and the explorer pages."""
    from podium.plugins.ledger.routes import ROUTES

    return list(ROUTES)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``ledger/*.html`` and ``ledger/partials/history.html``."""
    return [HERE / "templates"]


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The ledger's catalogues: ``plugins/ledger/locale/<lang>/LC_MESSAGES/messages.po``."""
    return [HERE / "locale"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The verifier script and styles, at ``/static/ledger/``."""
    return {"ledger": HERE / "static"}


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Entries, tiles, checkpoints, the head row and the signing key."""
    return ["podium.plugins.ledger.piccolo_app"]


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """The public explorer."""
    return [NavItem(N_("Ledger"), "/ledger", order=80)]


@hookimpl
def podium_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """``ticket.history`` (context ``{"ticket_id": ...}``): the ticket's entries, loaded
    with htmx and verified in the browser."""
    if slot != TICKET_HISTORY_SLOT:
        return []
    ticket_id = context.get("ticket_id")
    if not isinstance(ticket_id, str) or not ticket_id or len(ticket_id) > 200:
        return []
    url = escape(quote(ticket_id, safe=""))
    # Marked outside the f-string: pybabel does not look inside f-strings.
    title = escape(_("Ticket history"))
    loading = escape(_("Loading this ticket’s history from the ledger…"))
    see = escape(_("See the history of ticket %(ticket)s in the ledger", ticket=ticket_id))
    html = (
        f'<section class="card ledger-history" hx-get="/ledger/tickets/{url}/history" '
        f'hx-trigger="load" hx-swap="outerHTML">'
        f'<h2>{title}</h2><p class="muted">{loading}</p>'
        f'<noscript><a href="/ledger/tickets/{url}">{see}</a></noscript></section>'
        '<link rel="stylesheet" href="/static/ledger/ledger.css">'
        '<script src="/static/ledger/ledger.js" defer></script>'
    )
    return [str(Markup(html))]


@hookimpl
def podium_cli_commands() -> list[Any]:
    """``podium ledger verify URL`` and ``podium ledger status``."""
    from podium.plugins.ledger.cli import ledger

    return [ledger]
