"""Tables of the outbox room."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxEvent(Table, tablename="podium_outbox_event"):
    """A domain event recorded in the same transaction as the write that caused it.

    ``pending`` lists the recipients still to be told (plugin names, and ``live`` for the
    pages); ``NULL`` until the dispatcher first looks at the row. ``status`` is
    ``pending`` until every recipient succeeded (``delivered``) or the attempts ran out
    (``failed``; ``podium outbox retry`` puts it back). A dispatcher claims rows by setting
    ``claimed_until`` (a lease), so a worker that dies mid-delivery leaves them to another.
    """

    id: Serial

    event_id = Varchar(length=32, unique=True)
    type = Varchar(length=100)
    payload = Text()
    venue_id = Integer(null=True, default=None)
    scope_kind = Varchar(length=40, null=True, default=None)
    scope_id = Integer(null=True, default=None)
    created_at = Timestamptz()
    status = Varchar(length=12, default="pending", index=True)
    pending = Text(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
