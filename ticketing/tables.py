"""Tables of the box office: ticket types, quotas, orders, tickets, check-ins, transfers.

Facts first: availability is never stored. A quota's places left are its size minus the
places of the order lines counted against it (pending orders hold, paid orders sold), so
an expired hold or a refund frees places by changing an order's status, nothing else. A
write that consumes places locks the venue event's row and the quota rows, then re-counts
(:mod:`podium.ticketing.orders`).

A ticket has an opaque public ``code`` (its id in URLs, the API and the ledger) and a
``secret`` (what the QR code carries): the secret is signed with the event's Ed25519 key
and numbered (``serial``); rotating it (transfer, reissue) signs the next number and puts
the old one on the revocation list (:class:`RevokedSecret`).
"""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from podium.core.accounts.tables import User
from podium.core.venue.tables import Event


class TicketSettings(Table, tablename="podium_ticket_settings"):
    """One venue event's box-office rules, set by its organiser.

    :param hold_minutes: how long a pending order holds its places.
    :param offer_minutes: how long a waiting-list offer holds its ticket.
    :param transfers_allowed: holders may give their ticket to another account.
    :param resale_allowed: holders may resell through the venue.
    :param resale_cap_cents: the highest resale price; ``None``: the face value.
    :param transfer_deadline: no transfer or resale after this time (``None``: the start).
    """

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, unique=True)
    hold_minutes = Integer(default=15)
    offer_minutes = Integer(default=60)
    transfers_allowed = Boolean(default=True)
    resale_allowed = Boolean(default=True)
    resale_cap_cents = Integer(null=True, default=None)
    transfer_deadline = Timestamptz(null=True, default=None)


class TicketType(Table, tablename="podium_ticket_type"):
    """Something on sale for one venue event: "Tribune", "Standing", "Day pass".

    ``valid_from``/``valid_until`` bound when a ticket of this type opens the gate
    (``None``: from two hours before the event's start to its end).
    """

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    description = Text(default="")
    price_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    sale_starts_at = Timestamptz(null=True, default=None)
    sale_ends_at = Timestamptz(null=True, default=None)
    max_per_order = Integer(default=10)
    allows_reentry = Boolean(default=False)
    valid_from = Timestamptz(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)
    position = Integer(default=0)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Quota(Table, tablename="podium_ticket_quota"):
    """A number of places that ticket types count against ("Tribune", "Whole event").

    ``size`` ``None`` means "the event's capacity", read at every check so that changing
    the capacity on the calendar moves the whole-event quota too.
    """

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    size = Integer(null=True, default=None)


class TypeQuota(Table, tablename="podium_ticket_type_quota"):
    """Which quotas a ticket type counts against (many-to-many; the smallest wins)."""

    id: Serial

    ticket_type = ForeignKey(TicketType, null=False, on_delete=OnDelete.cascade, index=True)
    quota = ForeignKey(Quota, null=False, on_delete=OnDelete.cascade, index=True)


class Order(Table, tablename="podium_order"):
    """A buyer's order for one event.

    ``status``: ``pending`` (places held until ``expires_at``), ``paid`` (tickets issued),
    ``cancelled``, ``expired`` (hold released), ``refunded`` (tickets revoked). ``code`` is
    the opaque reference shown to the buyer and written to the ledger.
    """

    id: Serial

    code = Varchar(length=32, unique=True)
    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    status = Varchar(length=12, default="pending", index=True)
    total_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    payment_method = Varchar(length=60, default="")
    payment_reference = Varchar(length=200, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz(null=True, default=None, index=True)
    paid_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class OrderLine(Table, tablename="podium_order_line"):
    """So many tickets of one type in an order, at the price of the moment."""

    id: Serial

    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    ticket_type = ForeignKey(TicketType, null=False, on_delete=OnDelete.cascade, index=True)
    quantity = Integer()
    unit_price_cents = Integer()


class Ticket(Table, tablename="podium_ticket"):
    """One admission. ``status``: ``valid``, ``cancelled``, ``refunded`` or ``revoked``.

    ``inside`` and ``last_scan_*`` are the gate's view, updated under the ticket's lock
    with each accepted scan (the scans themselves are :class:`Scan` facts).
    """

    id: Serial

    code = Varchar(length=32, unique=True)
    order = ForeignKey(Order, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    ticket_type = ForeignKey(TicketType, null=False, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    holder = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    status = Varchar(length=12, default="valid", index=True)
    serial = Integer(default=1)
    secret = Text()
    price_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    issued_at = Timestamptz()
    inside = Boolean(default=False)
    last_scan_at = Timestamptz(null=True, default=None)
    last_scan_gate = Varchar(length=60, default="")


class RevokedSecret(Table, tablename="podium_ticket_revoked_secret"):
    """A dead ticket secret (ticket code and serial): gates refuse it, offline too."""

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, index=True)
    ticket = ForeignKey(Ticket, null=False, on_delete=OnDelete.cascade, index=True)
    serial = Integer()
    reason = Varchar(length=12)
    revoked_at = Timestamptz()


class EventKey(Table, tablename="podium_ticket_event_key"):
    """An event's keys: the Ed25519 key that signs its ticket secrets (gates keep the
    public half) and the HMAC key that turns holders into ledger commitments.

    ``holder_key`` is replaced by a fresh one to forget who held what (erasure): the
    ledger stays verifiable, its earlier commitments can no longer be linked to anyone.
    """

    id: Serial

    event = ForeignKey(Event, null=False, on_delete=OnDelete.cascade, unique=True)
    signing_key = Text()
    public_key = Text()
    holder_key = Text()
    created_at = Timestamptz()
    holders_forgotten_at = Timestamptz(null=True, default=None)


class WaitingListEntry(Table, tablename="podium_ticket_waiting"):
    """A person waiting for a sold-out type.

    ``status``: ``waiting``, ``offered`` (a pending ``order`` holds a ticket for them until
    ``offer_expires_at``), ``accepted``, ``expired`` or ``withdrawn``.
    """

    id: Serial

    ticket_type = ForeignKey(TicketType, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12, default="waiting", index=True)
    created_at = Timestamptz()
    offered_at = Timestamptz(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    order = ForeignKey(Order, null=True, default=None, on_delete=OnDelete.set_null)


class Scan(Table, tablename="podium_ticket_scan"):
    """One scan at a gate, accepted or refused: the gate's facts.

    ``nonce`` is the scanning device's id for this scan (a retried upload answers the first
    result again); ``result`` is ``ok`` or the refusal code; ``scanned_at`` the device's
    time (offline scans arrive later); ``conflict`` marks an offline admission that clashed
    with another gate's (shown to staff, never merged away).
    """

    id: Serial

    nonce = Varchar(length=80, unique=True)
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    ticket = ForeignKey(Ticket, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    gate = Varchar(length=60)
    direction = Varchar(length=6, default="entry")
    result = Varchar(length=20)
    detail = Text(default="")
    scanned_at = Timestamptz()
    recorded_at = Timestamptz()
    offline = Boolean(default=False)
    conflict = Boolean(default=False)
    staff = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)


class Transfer(Table, tablename="podium_ticket_transfer"):
    """A ticket handed to another account (``price_cents`` set when resold)."""

    id: Serial

    ticket = ForeignKey(Ticket, null=False, on_delete=OnDelete.cascade, index=True)
    from_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    to_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    price_cents = Integer(null=True, default=None)
    serial = Integer()
    at = Timestamptz()


class ResaleListing(Table, tablename="podium_ticket_resale"):
    """A ticket offered for resale through the venue.

    ``status``: ``listed``, ``reserved`` (a ``buyer`` is paying, e.g. at the venue, until
    ``reserved_until``; after that it counts as ``listed`` again), ``sold`` or
    ``withdrawn`` (also when the ticket dies). ``payment_method`` and
    ``payment_reference`` are the buyer's payment.
    """

    id: Serial

    ticket = ForeignKey(Ticket, null=False, on_delete=OnDelete.cascade, index=True)
    seller = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    price_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    status = Varchar(length=12, default="listed", index=True)
    created_at = Timestamptz()
    buyer = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    reserved_until = Timestamptz(null=True, default=None)
    payment_method = Varchar(length=60, default="")
    payment_reference = Varchar(length=200, default="")
    closed_at = Timestamptz(null=True, default=None)
