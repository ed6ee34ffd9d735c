"""Piccolo app of the venue room."""

import os

from piccolo.conf.apps import AppConfig

from podium.core.venue.tables import Booking, Event, EventSpace, Series, Space, Venue

APP_CONFIG = AppConfig(
    app_name="venue",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Venue, Space, Series, Event, EventSpace, Booking],
    migration_dependencies=["podium.core.accounts.piccolo_app"],
    commands=[],
)
