"""Piccolo app of the tournament domain."""

import os

from piccolo.conf.apps import AppConfig

from podium.tournaments.tables import (
    Entrant,
    MatchReport,
    MatchRow,
    PairingLog,
    PlayerRating,
    RatingSnapshot,
    ResultLog,
    SeedFact,
    Station,
    StreamQueueItem,
    TeamMember,
    Tournament,
)

APP_CONFIG = AppConfig(
    app_name="tournaments",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Tournament, Entrant, TeamMember, SeedFact, ResultLog, PairingLog, MatchRow,
        MatchReport, Station, StreamQueueItem, PlayerRating, RatingSnapshot,
    ],
    migration_dependencies=["podium.core.venue.piccolo_app"],
    commands=[],
)
