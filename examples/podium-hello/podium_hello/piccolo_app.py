"""The Piccolo app of podium-hello: its tables and migrations, registered with Podium
through the ``podium_piccolo_apps`` hook so ``podium migrate`` applies them."""

import os

from piccolo.conf.apps import AppConfig

from podium_hello.tables import HelloEventChange, HelloGreeting

APP_CONFIG = AppConfig(
    app_name="hello",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[HelloGreeting, HelloEventChange],
    migration_dependencies=[],
    commands=[],
)
