"""The tables podium-hello brings (its own Piccolo app: ``podium_hello.piccolo_app``)."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class HelloGreeting(Table, tablename="hello_greeting"):
    """One message left on the greeting wall."""

    message = Varchar(length=200)
    author = Varchar(length=150)
    created_at = Timestamptz()


class HelloEventChange(Table, tablename="hello_event_change"):
    """One venue-event change the plugin was told about through ``podium_events_changed``.

    Append-only: counting rows needs no lock, so concurrent requests never lose a count.
    ``delivery`` is the domain event's ``event_id``: a repeated delivery is recognised.
    """

    action = Varchar(length=30)
    event_id = Integer(null=True, default=None)
    seen_at = Timestamptz()
    delivery = Varchar(length=32, default="", index=True)
