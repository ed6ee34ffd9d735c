"""Domain events: what happened, as typed immutable values, recorded in the outbox.

A service that changes something records one event (a whole set of changes: hooks are
coarse) with :func:`podium.core.outbox.record`, **inside the transaction of the write**. The row lands in
the outbox table (:mod:`podium.core.outbox`) or not at all, together with the facts. After
commit the dispatcher hands the event to every plugin enabled in its scope through the
event's hook (each plugin isolated, retried with backoff, at least once) and to the live
pages (server-sent events). A plugin that raises never fails, undoes or duplicates the
write that produced the event; it sees the same ``event_id`` on every retry, so it can be
idempotent.

Every event class names its notification hook (``hook``) and, through :meth:`scope`, the
finest activation scope it belongs to (a venue, a tournament...), which decides which
plugins hear of it. Events are msgspec Structs: frozen, typed, and encoded to JSON for the
outbox (tagged with the class name, so :func:`decode` gets the same class back).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal

import msgspec

__all__ = [
    "BookingsChanged", "ChangeAction", "CheckIn", "CompletedMatch", "DomainEvent", "EventChange",
    "EventsChanged", "FanAction", "IssuedTicket", "MatchesCompleted", "OrdersPaid", "PaidOrder",
    "PluginsSwitched", "PointsAward", "PointsAwarded", "RevocationReason", "ScopeRef", "StationCall",
    "TicketRevocation", "TicketTransfer", "TicketsCheckedIn", "TicketsIssued",
    "TicketsRevoked", "TicketsTransferred", "TournamentChanged",
    "TournamentEvent", "TournamentStarted", "VenueEvent", "decode", "encode", "event_types",
]


def _new_id() -> str:
    return uuid.uuid4().hex


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ScopeRef(msgspec.Struct, frozen=True):
    """One activation scope below the venue: a kind a plugin declared (``tournament``,
    ``meet``...) and the id of the thing in it."""

    kind: str
    id: int


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Base of every domain event.

    :param venue_id: the venue it happened at (plugins are enabled per venue).
    :param event_id: unique id, the same on every delivery (for idempotent plugins).
    :param occurred_at: when the write happened (UTC).
    """

    #: The notification hook plugins implement to hear of it; ``None``: live pages only.
    hook: ClassVar[str | None] = None

    venue_id: int | None = None
    event_id: str = msgspec.field(default_factory=_new_id)
    occurred_at: datetime = msgspec.field(default_factory=_utc_now)

    def scope(self) -> ScopeRef | None:
        """The scope below the venue whose activation decides who hears of it, if any."""
        return None


# -- venue ------------------------------------------------------------------------------


ChangeAction = Literal["created", "updated", "cancelled", "deleted"]
"""What happened to a venue event."""


class VenueEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A venue event (a calendar entry) as it was right after a write.

    :param capacity: places on sale (``None``: takes no bookings); ``booked`` and
        ``remaining`` count the active bookings.
    :param series_id: the recurring series it is one date of, if any.
    """

    id: int
    venue_id: int
    uid: str
    title: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    space_ids: tuple[int, ...] = ()
    capacity: int | None = None
    booked: int = 0
    remaining: int | None = None
    series_id: int | None = None
    sequence: int = 0

    @classmethod
    def of(cls, event: dict[str, Any]) -> VenueEvent:
        """From the dict ``podium.core.venue.service.get_event`` returns."""
        return cls(id=event["id"], venue_id=event["venue_id"], uid=event["uid"],
                   title=event["title"], kind=event["kind"], status=event["status"],
                   starts_at=event["starts_at"], ends_at=event["ends_at"],
                   space_ids=tuple(s["id"] for s in event.get("spaces", ())),
                   capacity=event.get("capacity"), booked=event.get("booked", 0),
                   remaining=event.get("remaining"), series_id=event.get("series_id"),
                   sequence=event.get("sequence", 0))


class EventChange(msgspec.Struct, frozen=True):
    """One venue event created, updated, cancelled or deleted.

    :param action: ``created``, ``updated``, ``cancelled`` or ``deleted``.
    :param event_id: the venue event's id.
    :param event: the event right after the write (for ``deleted``: right before it).
    """

    action: ChangeAction
    event_id: int
    event: VenueEvent


class EventsChanged(DomainEvent, frozen=True, kw_only=True):
    """Venue events (calendar entries) changed; one domain event per write."""

    hook: ClassVar[str | None] = "podium_events_changed"
    changes: tuple[EventChange, ...]


class BookingsChanged(DomainEvent, frozen=True, kw_only=True):
    """Places were booked or given back in some venue events (live pages show what remains).

    :param events: the events after the write (``capacity``, ``booked``, ``remaining``).
    """

    events: tuple[VenueEvent, ...]


# -- tournaments ------------------------------------------------------------------------


class StationCall(msgspec.Struct, frozen=True):
    """A match called to a station by a write (players see "your match: station 7")."""

    match_id: int
    key: str
    station: int | None
    user_ids: tuple[int, ...] = ()


class TournamentEvent(DomainEvent, frozen=True, kw_only=True):
    """An event about one tournament: its plugins are the ones enabled for it."""

    tournament_id: int
    version: int

    def scope(self) -> ScopeRef | None:
        return ScopeRef("tournament", self.tournament_id)


class TournamentChanged(TournamentEvent, frozen=True, kw_only=True):
    """A tournament's visible state changed (live pages re-fetch what they show).

    :param status: the tournament's status after the write.
    :param changed: keys of the matches whose state changed.
    :param called: matches called to stations by the write.
    """

    status: str
    changed: tuple[str, ...] = ()
    called: tuple[StationCall, ...] = ()


class TournamentStarted(TournamentEvent, frozen=True, kw_only=True):
    """A tournament started: the field is seeded and the first matches exist.

    :param entrant_ids: the seeded field, strongest first.
    :param format: the bracket format's name.
    """

    hook: ClassVar[str | None] = "podium_tournament_started"
    format: str
    entrant_ids: tuple[int, ...]


class CompletedMatch(msgspec.Struct, frozen=True):
    """A match with a final result.

    :param entrant_ids: the sides' entrant ids in slot order (``None`` for an empty side;
        more than two in a free-for-all lobby).
    :param games: game scores, one tuple per game with a score per side.
    :param forfeit: the result was a forfeit.
    """

    id: int
    key: str
    stage: int
    round: int
    entrant_ids: tuple[int | None, ...]
    winner_id: int | None
    games: tuple[tuple[int, ...], ...] = ()
    forfeit: bool = False


class MatchesCompleted(TournamentEvent, frozen=True, kw_only=True):
    """Matches were completed (confirmed reports, organisers' results, corrections)."""

    hook: ClassVar[str | None] = "podium_matches_completed"
    matches: tuple[CompletedMatch, ...]


# -- tickets ----------------------------------------------------------------------------


class IssuedTicket(msgspec.Struct, frozen=True):
    """A ticket as the ledger may see it: no personal data (the holder is a keyed
    commitment, an HMAC under the event's holder key, never a name or an address).

    :param serial: the number of the ticket's current secret (1 at issue; each reissue or
        transfer signs a new secret with the next number and revokes the old one).
    """

    ticket_id: str
    ticket_type_id: int
    venue_event_id: int
    holder_commitment: str = ""
    price_cents: int = 0
    currency: str = "EUR"
    serial: int = 1


class TicketsIssued(DomainEvent, frozen=True, kw_only=True):
    """Tickets were issued (an order was paid, or a waiting-list offer taken up).

    :param order_ref: the opaque reference of the order they belong to.
    """

    hook: ClassVar[str | None] = "podium_tickets_issued"
    tickets: tuple[IssuedTicket, ...]
    order_ref: str = ""


class PaidOrder(msgspec.Struct, frozen=True):
    """An order that was paid: amounts and ticket ids, no buyer."""

    order_ref: str
    venue_event_id: int
    total_cents: int
    currency: str
    payment_method: str
    ticket_ids: tuple[str, ...] = ()


class OrdersPaid(DomainEvent, frozen=True, kw_only=True):
    """Orders were paid (at checkout, or later by staff at the box office)."""

    hook: ClassVar[str | None] = "podium_orders_paid"
    orders: tuple[PaidOrder, ...]


class CheckIn(msgspec.Struct, frozen=True):
    """One ticket scanned through a gate.

    :param direction: ``entry`` or ``exit``.
    :param offline: scanned by a gate that was offline, uploaded later with its original
        time (``checked_in_at``).
    """

    ticket_id: str
    gate: str
    checked_in_at: datetime
    venue_event_id: int = 0
    direction: Literal["entry", "exit"] = "entry"
    check_in_list: str = ""
    offline: bool = False


class TicketsCheckedIn(DomainEvent, frozen=True, kw_only=True):
    """Tickets were scanned through gates (entries and exits)."""

    hook: ClassVar[str | None] = "podium_tickets_checked_in"
    checkins: tuple[CheckIn, ...]


class TicketTransfer(msgspec.Struct, frozen=True):
    """A ticket moved to a new holder through the official channel: the old secret is
    dead, the new holder has a new one (``serial``).

    :param from_commitment: the previous holder, as a keyed commitment.
    :param to_commitment: the new holder, as a keyed commitment.
    :param price_cents: the resale price, ``None`` for a transfer without sale.
    """

    ticket_id: str
    venue_event_id: int
    from_commitment: str
    to_commitment: str
    serial: int
    price_cents: int | None = None
    currency: str = "EUR"


class TicketsTransferred(DomainEvent, frozen=True, kw_only=True):
    """Tickets were transferred or resold through the official channel."""

    hook: ClassVar[str | None] = "podium_tickets_transferred"
    transfers: tuple[TicketTransfer, ...]


#: Why a ticket's secret died: the order was cancelled or refunded, staff revoked the
#: ticket, or a new secret replaced it (``reissued``: same holder, new QR).
RevocationReason = Literal["cancelled", "refunded", "revoked", "reissued"]


class TicketRevocation(msgspec.Struct, frozen=True):
    """A ticket secret put on the revocation list.

    :param serial: the number of the secret that died.
    :param new_serial: the secret that replaces it (``reissued``), else ``None``: the
        ticket itself is dead.
    """

    ticket_id: str
    venue_event_id: int
    reason: RevocationReason
    serial: int
    new_serial: int | None = None


class TicketsRevoked(DomainEvent, frozen=True, kw_only=True):
    """Ticket secrets were revoked (refund, cancellation, staff action, reissue)."""

    hook: ClassVar[str | None] = "podium_tickets_revoked"
    revocations: tuple[TicketRevocation, ...]


# -- fan hub ----------------------------------------------------------------------------


class FanAction(msgspec.Struct, frozen=True):
    """A fact of the fan ledger, recorded once (its ``idempotency_key`` is unique).

    :param kind: ``follow``, ``unfollow``, ``like``, ``unlike``, ``watch``, ``attend``,
        ``predict``... (reward rules decide what each is worth).
    :param target: what it is about, e.g. ``athlete:12`` or ``video:3``.
    :param detail: what the action says beyond its target, e.g. the entrant a ``predict``
        names as the winner (empty for most kinds).
    """

    action_id: int
    fan_id: int
    kind: str
    target: str
    at: datetime
    idempotency_key: str
    detail: str = ""


class FanActionsRecorded(DomainEvent, frozen=True, kw_only=True):
    """Fans acted through the hub (follows, likes, watches...)."""

    hook: ClassVar[str | None] = "podium_fan_actions_recorded"
    actions: tuple[FanAction, ...]


class PointsAward(msgspec.Struct, frozen=True):
    """Points given (or, negative, taken back) to a fan by a reward rule for an action."""

    fan_id: int
    points: int
    rule: str
    action_id: int


class PointsAwarded(DomainEvent, frozen=True, kw_only=True):
    """Fans were awarded (or lost) points."""

    hook: ClassVar[str | None] = "podium_points_awarded"
    awards: tuple[PointsAward, ...]


# -- plugins ---------------------------------------------------------------------------


class PluginsSwitched(DomainEvent, frozen=True, kw_only=True):
    """A plugin was switched on or off for the venue or one thing inside it, or its switch
    there was cleared (``enabled`` is ``None``: the next level decides). Pages cached for
    anonymous visitors depend on it (navigation and page slots); no plugin hook.

    :param plugin: the plugin's name.
    :param scope_kind: ``venue`` or a scope kind a domain declared (``tournament``...).
    :param scope_id: the venue's or the thing's id.
    """

    plugin: str
    scope_kind: str
    scope_id: int
    enabled: bool | None


# -- encoding ---------------------------------------------------------------------------

def event_types() -> dict[str, type[DomainEvent]]:
    """Every concrete event class by its tag (the class name), subclasses included, so a
    plugin may define events of its own by subclassing :class:`DomainEvent`."""
    out: dict[str, type[DomainEvent]] = {}
    pending: list[type[DomainEvent]] = [DomainEvent]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if not sub.__name__.startswith("_"):
                out[sub.__name__] = sub
            pending.append(sub)
    return out


_ENCODER = msgspec.json.Encoder()


def encode(event: DomainEvent) -> str:
    """The JSON stored in the outbox (tagged with the class name)."""
    return _ENCODER.encode(event).decode()


def decode(type_name: str, payload: str | bytes) -> DomainEvent:
    """The event back from its outbox row.

    :raises KeyError: no loaded class has that name (its plugin is gone).
    """
    cls = event_types()[type_name]
    return msgspec.json.decode(payload, type=cls)
