"""API tokens expire, carry a label and a prefix, and remember when they were last used.

Tokens issued before this migration get ``expires_at`` = the moment it runs + 30 days (the
default ``PODIUM_API_TOKEN_DAYS``): a grace period, so scripts using them keep working for
a month instead of failing at the upgrade, and then expire like any other token.
"""

from datetime import datetime, timedelta, timezone

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T12:16:33:357308"
VERSION = "1.38.0"
DESCRIPTION = "API token expiry, label, prefix, last use"
GRACE_DAYS = 30


class _TokenExpiry(Table, tablename="podium_api_token"):
    """The one column of ``podium_api_token`` the backfill writes (frozen here, as migrations
    must not import the live tables)."""

    expires_at = Timestamptz(null=True, default=None)


class _AddColumnsThenBackfill(MigrationManager):
    """Piccolo runs ``add_raw`` steps before adding columns, so the backfill runs after."""

    async def run(self, backwards: bool = False) -> None:
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            until = datetime.now(timezone.utc) + timedelta(days=GRACE_DAYS)
            await _TokenExpiry.update({_TokenExpiry.expires_at: until}).where(
                _TokenExpiry.expires_at.is_null()
            )


async def forwards():
    manager = _AddColumnsThenBackfill(
        migration_id=ID, app_name="accounts", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ApiToken",
        tablename="podium_api_token",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ApiToken",
        tablename="podium_api_token",
        column_name="label",
        db_column_name="label",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 80,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ApiToken",
        tablename="podium_api_token",
        column_name="last_used_at",
        db_column_name="last_used_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ApiToken",
        tablename="podium_api_token",
        column_name="prefix",
        db_column_name="prefix",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 12,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
