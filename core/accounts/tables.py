"""Tables of the accounts room.

Piccolo adds the ``id`` primary key to each table at class creation; ``id: Serial`` (an
annotation only, no column of ours) tells type checkers it is there, as Piccolo's own
tables do.
"""

from piccolo.columns import (
    Boolean,
    Bytea,
    ForeignKey,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class User(Table, tablename="podium_user"):
    """A person who signs in. ``roles`` is a comma-separated subset of ``ROLES``."""

    id: Serial

    username = Varchar(length=40, unique=True, index=True)
    display_name = Varchar(length=80)
    #: ``rules.display_name_key(display_name)``: unique (an index the migration creates), so
    #: two sign-ups cannot take names that copy each other, even at the same moment. Null
    #: for a name that copied an older one before the rule existed (kept, not refused).
    display_key = Text(null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    password_hash = Text()
    roles = Varchar(length=200, default="fan")
    active = Boolean(default=True)
    created_at = Timestamptz()


class ApiToken(Table, tablename="podium_api_token"):
    """A bearer token for the JSON API; only its SHA-256 digest is stored.

    ``prefix`` (the token's first characters) and ``label`` let the owner tell tokens apart
    in the list without the token itself. A token works until ``expires_at`` unless revoked;
    ``last_used_at`` is refreshed at most once an hour (see ``service.LAST_USED_EVERY``).
    """

    id: Serial

    user = ForeignKey(User, null=False)
    digest = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    revoked = Boolean(default=False)
    prefix = Varchar(length=12, default="")
    label = Varchar(length=80, default="")
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class SessionRecord(Table, tablename="podium_session"):
    """One entry of the database-backed Litestar store (sessions, rate-limit counters)."""

    id: Serial

    key = Varchar(length=255, unique=True, index=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None)
