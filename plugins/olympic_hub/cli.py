"""``podium hub``: rebuild the fan hub's points, boards and medals from the facts."""

from __future__ import annotations

import asyncio
from typing import Any

import click


@click.group()
def hub() -> None:
    """The fan hub: points, medals and leaderboards."""


async def _venue_id(given: int | None) -> int | None:
    if given is not None:
        return given
    from podium.core.venue.tables import Venue

    row = await Venue.select(Venue.id).order_by(Venue.id).first()
    return row["id"] if row else None


def _host() -> Any:
    from podium.core.plugins import build_plugin_host
    from podium.core.settings import load_settings
    from podium.plugins import BUILTIN

    settings = load_settings()
    return build_plugin_host(builtin=BUILTIN, disabled=settings.disabled_plugins,
                             skip_broken=settings.skip_broken_plugins)


@hub.command()
@click.option("--venue", "venue_id", type=int, default=None,
              help="The venue whose enabled plugins' rules apply (default: the first).")
def rebuild(venue_id: int | None) -> None:
    """Recompute every fan's awards, leaderboards and medal from the fan actions, recount
    the score buckets and refill Redis (if configured). Safe while the app runs."""
    from podium.core.database import close_pool, open_pool
    from podium.social import points

    async def run() -> tuple[int, bool]:
        await open_pool()
        try:
            host = _host()
            points.bind_host(host)
            fans = await points.rebuild(venue_id=await _venue_id(venue_id), host=host)
            from podium.social.leaderboard import redis_url

            return fans, redis_url() is not None
        finally:
            await close_pool()

    try:
        fans, redis = asyncio.run(run())
    except Exception as exc:
        raise click.ClickException(f"cannot rebuild the fan hub ({exc}); run `podium migrate` "
                                   "first") from exc
    click.echo(f"Rebuilt the points of {fans} fan(s) from their actions"
               + ("; Redis leaderboards refilled." if redis else "."))


@hub.command()
@click.argument("username")
def standing(username: str) -> None:
    """Print a fan's points, medal and rank."""
    from podium.core.accounts.service import get_user_by_name
    from podium.core.database import close_pool, open_pool
    from podium.social import points

    async def run() -> Any:
        await open_pool()
        try:
            points.bind_host(_host())
            user = await get_user_by_name(username)
            return None if user is None else await points.standing(user.id)
        finally:
            await close_pool()

    found = asyncio.run(run())
    if found is None:
        raise click.ClickException(f"there is no user {username!r}")
    click.echo(f"{username}: {found.points_all_time} points all time, {found.points_season} "
               f"this season, {found.points_week} this week; medal "
               f"{found.medal_label or 'none'}; rank {found.rank or 'not ranked'}")
