"""Piccolo app of the fan hub (``social``)."""

import os

from piccolo.conf.apps import AppConfig

from podium.social.tables import (
    Athlete,
    BoardScore,
    FanAction,
    FanRelation,
    FanScore,
    MediaFile,
    PointsEntry,
    Post,
    Prize,
    PrizeClaim,
    RankBucket,
    ScoreBucket,
)

APP_CONFIG = AppConfig(
    app_name="social",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Athlete, FanAction, FanRelation, PointsEntry, FanScore, BoardScore,
                   ScoreBucket, RankBucket, MediaFile, Post, Prize, PrizeClaim],
    migration_dependencies=["podium.core.accounts.piccolo_app"],
    commands=[],
)
