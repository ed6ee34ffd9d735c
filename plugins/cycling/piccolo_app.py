"""Piccolo app of track meets."""

import os

from piccolo.conf.apps import AppConfig

from podium.plugins.cycling.tables import (
    Competition,
    Entry,
    HeatResultRow,
    Meet,
    MeetSession,
    ProgrammePin,
    ProgrammeVersion,
    Rider,
    Team,
    TeamMember,
    TeamResultRow,
    TrackCall,
)

APP_CONFIG = AppConfig(
    app_name="cycling",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Meet, MeetSession, Competition, Rider, Entry, HeatResultRow,
                   ProgrammeVersion, ProgrammePin, Team, TeamMember, TeamResultRow,
                   TrackCall],
    migration_dependencies=["podium.core.venue.piccolo_app"],
    commands=[],
)
