"""The tables podium-hello brings (its own Piccolo app: ``podium_hello.piccolo_app``).

Piccolo adds the ``id`` primary key to each table at class creation; ``id: Serial`` (an
annotation only, no column of ours) tells type checkers it is there, as Piccolo's own
tables do.
"""

from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class HelloGreeting(Table, tablename="hello_greeting"):
    """One message left on the greeting wall."""

    id: Serial

    message = Varchar(length=200)
    author = Varchar(length=150)
    created_at = Timestamptz()


class HelloEventChange(Table, tablename="hello_event_change"):
    """One venue-event change the plugin was told about through ``podium_events_changed``.

    Append-only: counting rows needs no lock, so concurrent requests never lose a count.
    ``delivery`` is the domain event's ``event_id``: a repeated delivery is recognised.
    """

    id: Serial

    action = Varchar(length=30)
    event_id = Integer(null=True, default=None)
    seen_at = Timestamptz()
    delivery = Varchar(length=32, default="", index=True)
