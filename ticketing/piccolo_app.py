"""Piccolo app of the box office."""

import os

from piccolo.conf.apps import AppConfig

from podium.ticketing.tables import (
    EventKey,
    Order,
    OrderLine,
    Quota,
    ResaleListing,
    RevokedSecret,
    Scan,
    Ticket,
    TicketSettings,
    TicketType,
    Transfer,
    TypeQuota,
    WaitingListEntry,
)

APP_CONFIG = AppConfig(
    app_name="ticketing",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        TicketSettings, TicketType, Quota, TypeQuota, Order, OrderLine, Ticket, RevokedSecret,
        EventKey, WaitingListEntry, Scan, Transfer, ResaleListing,
    ],
    migration_dependencies=["podium.core.venue.piccolo_app"],
    commands=[],
)
