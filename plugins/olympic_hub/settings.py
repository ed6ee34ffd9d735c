"""The Olympic hub's settings: points per action, daily caps and medal thresholds.

Read from environment variables (``PODIUM_HUB_*``) when the plugin registers its rules at
start-up; the README's "Fan hub" section lists them with their defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from podium.core.settings import SettingsError


@dataclass(frozen=True)
class HubSettings:
    """Points, caps (``None``: uncapped) and thresholds of the hub's rules and medals."""

    follow_points: int = 1
    like_points: int = 1
    watch_points: int = 2
    attend_points: int = 5
    predict_points: int = 3
    follow_daily_cap: int | None = 50
    like_daily_cap: int | None = 100
    watch_daily_cap: int | None = 20
    attend_daily_cap: int | None = None
    predict_daily_cap: int | None = None
    #: bronze, silver, gold on lifetime points.
    medals: tuple[int, int, int] = (10, 25, 50)
    #: bronze, silver, gold on one season's points (a season is a calendar year).
    season_medals: tuple[int, int, int] = (5, 10, 20)
    #: the first season with seasonal medals (earlier years have lifetime medals only).
    first_season: int = 2025


def _int(env: Mapping[str, str], name: str, default: int, low: int = 0) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low:
        raise SettingsError(f"{name} must be at least {low}, got {value}")
    return value


def _cap(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = (env.get(name) or "").strip().lower()
    if raw in {"none", "off"}:
        return None
    if not raw:
        return default
    return _int(env, name, 0, 1)


def _thresholds(env: Mapping[str, str], name: str,
                default: tuple[int, int, int]) -> tuple[int, int, int]:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError:
        raise SettingsError(f"{name} must be three whole numbers, got {raw!r}") from None
    if len(values) != 3 or not 0 < values[0] < values[1] < values[2]:
        raise SettingsError(f"{name} must be three rising positive numbers "
                            f"(bronze,silver,gold), got {raw!r}")
    return values[0], values[1], values[2]


def load_hub_settings(environ: Mapping[str, str] | None = None) -> HubSettings:
    """The hub's settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    d = HubSettings()
    return HubSettings(
        follow_points=_int(env, "PODIUM_HUB_FOLLOW_POINTS", d.follow_points),
        like_points=_int(env, "PODIUM_HUB_LIKE_POINTS", d.like_points),
        watch_points=_int(env, "PODIUM_HUB_WATCH_POINTS", d.watch_points),
        attend_points=_int(env, "PODIUM_HUB_ATTEND_POINTS", d.attend_points),
        predict_points=_int(env, "PODIUM_HUB_PREDICT_POINTS", d.predict_points),
        follow_daily_cap=_cap(env, "PODIUM_HUB_FOLLOW_DAILY_CAP", d.follow_daily_cap),
        like_daily_cap=_cap(env, "PODIUM_HUB_LIKE_DAILY_CAP", d.like_daily_cap),
        watch_daily_cap=_cap(env, "PODIUM_HUB_WATCH_DAILY_CAP", d.watch_daily_cap),
        attend_daily_cap=_cap(env, "PODIUM_HUB_ATTEND_DAILY_CAP", d.attend_daily_cap),
        predict_daily_cap=_cap(env, "PODIUM_HUB_PREDICT_DAILY_CAP", d.predict_daily_cap),
        medals=_thresholds(env, "PODIUM_HUB_MEDALS", d.medals),
        season_medals=_thresholds(env, "PODIUM_HUB_SEASON_MEDALS", d.season_medals),
        first_season=_int(env, "PODIUM_HUB_FIRST_SEASON", d.first_season, 1970),
    )
