"""Piccolo app of the accounts room."""

import os

from piccolo.conf.apps import AppConfig

from podium.core.accounts.tables import ApiToken, SessionRecord, User

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[User, ApiToken, SessionRecord],
    migration_dependencies=[],
    commands=[],
)
