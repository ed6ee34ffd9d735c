"""Users get ``display_key``, the form display names are compared in, under a unique index.

Existing users are backfilled oldest first; a name that already copied an older one (which
the rules refuse since issue 8, but accepted before) keeps a null key rather than being
refused or renamed. The unique index is created after the backfill, in raw SQL, because
SQLite cannot add a UNIQUE column with ALTER TABLE.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from podium.core.accounts.rules import display_name_key

ID = "2026-12-03T15:34:17:855479"
VERSION = "1.38.0"
DESCRIPTION = "Unique display-name key"
INDEX_SQL = "CREATE UNIQUE INDEX IF NOT EXISTS podium_user_display_key ON podium_user (display_key)"


class _UserNames(Table, tablename="podium_user"):
    """The columns of ``podium_user`` the backfill reads and writes (frozen here)."""

    id: Serial
    display_name = Varchar(length=80)
    display_key = Text(null=True, default=None)


class _AddColumnThenBackfill(MigrationManager):
    """Piccolo runs ``add_raw`` steps before adding columns, so the backfill runs after."""

    async def run(self, backwards: bool = False) -> None:
        if backwards and not self.preview:
            await _UserNames.raw("DROP INDEX IF EXISTS podium_user_display_key")
        await super().run(backwards=backwards)
        if backwards or self.preview:
            return
        taken: set[str] = set()
        rows = await _UserNames.select(_UserNames.id, _UserNames.display_name).order_by(_UserNames.id)
        for row in rows:
            key = display_name_key(row["display_name"])
            if key and key not in taken:
                taken.add(key)
                await _UserNames.update({_UserNames.display_key: key}).where(_UserNames.id == row["id"])
        await _UserNames.raw(INDEX_SQL)


async def forwards():
    manager = _AddColumnThenBackfill(
        migration_id=ID, app_name="accounts", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="User",
        tablename="podium_user",
        column_name="display_key",
        db_column_name="display_key",
        column_class_name="Text",
        column_class=Text,
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

    return manager
