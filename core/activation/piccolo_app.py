"""Piccolo app of the activation room."""

import os

from piccolo.conf.apps import AppConfig

from podium.core.activation.tables import PluginActivation

APP_CONFIG = AppConfig(
    app_name="activation",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PluginActivation],
    migration_dependencies=[],
    commands=[],
)
