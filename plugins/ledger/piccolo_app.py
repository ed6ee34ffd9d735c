"""Piccolo app of the ticket ledger."""

import os

from piccolo.conf.apps import AppConfig

from podium.plugins.ledger.tables import (
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LedgerKey,
    LedgerTicketEntry,
    LedgerTile,
)

APP_CONFIG = AppConfig(
    app_name="ledger",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[LedgerHead, LedgerKey, LedgerEntry, LedgerTicketEntry, LedgerTile,
                   LedgerCheckpoint],
    migration_dependencies=["podium.core.venue.piccolo_app"],
    commands=[],
)
