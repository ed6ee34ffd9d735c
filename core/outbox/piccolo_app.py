"""Piccolo app of the outbox room."""

import os

from piccolo.conf.apps import AppConfig

from podium.core.outbox.tables import OutboxEvent

APP_CONFIG = AppConfig(
    app_name="outbox",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[OutboxEvent],
    migration_dependencies=[],
    commands=[],
)
