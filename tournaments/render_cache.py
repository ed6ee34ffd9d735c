"""Render once per change: HTML fragments of a tournament cached by its version.

A tournament's ``log_version`` changes inside the transaction of every visible write (a
result, a report or dispute, a station call, a registration, a check-in, the seeding, the
start, a Swiss round; see :func:`podium.tournaments.kernel.bump_version`). A fragment that depends only
on the tournament (the bracket, the standings, the screen view) is therefore rendered once
per version and served from memory until the next write:

* :func:`version_key` reads the version with one cheap query (the request's own read
  transaction, so the fragment rendered after it is never older than the key);
* :class:`RenderCache` maps ``(kind, tournament, created_at, version, *variant)`` to the
  HTML, least recently used first out, bounded in entries and bytes. Concurrent misses of
  one key render once (single flight): a thousand screens re-fetching after a result cost
  one render.

The cache is per worker (:func:`cache_for` hangs it on the app's state). That is safe with
several workers because the key carries the version read from the database: a worker
never serves a fragment older than the version it just read. ``created_at`` in the key
keeps a recreated database (tests, a demo reset) from matching an old entry with the same
id and version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from podium.core.errors import NotFound
from podium.core.i18n import _, current_locale
from podium.core.page_cache import RenderCache  # the LRU with single flight, shared
from podium.tournaments.tables import Tournament

STATE_KEY = "tournament_render_cache"


def cache_for(app: Any) -> RenderCache:
    """The app's render cache (created on first use; one per worker process)."""
    cache = app.state.get(STATE_KEY)
    if cache is None:
        cache = RenderCache()
        app.state[STATE_KEY] = cache
    return cache


async def version_key(tournament_id: int) -> tuple[int, str, int, str]:
    """``(id, created_at, log_version, status)`` of a tournament: one indexed query.

    :raises NotFound: no such tournament.
    """
    row = await Tournament.select(Tournament.created_at, Tournament.log_version,
                                  Tournament.status).where(
        Tournament.id == tournament_id).first()
    if row is None:
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    return tournament_id, str(row["created_at"]), row["log_version"], row["status"]


def render_template(app: Any, name: str, context: dict[str, Any]) -> str:
    """Render a template of the app's Jinja environment to a string (no request needed:
    cached fragments must not depend on who asked)."""
    return app.template_engine.get_template(name).render(**context)


async def cached_fragment(app: Any, kind: str, tournament_id: int,
                          render: Callable[[tuple[int, str, int, str]], Awaitable[str]],
                          *variant: Hashable) -> str:
    """The fragment ``kind`` (plus ``variant``: view options) of a tournament at its
    current version: from the cache, or ``render(version_key)`` once."""
    key = await version_key(tournament_id)
    # Fragments hold translated text: one entry per locale (README "Translations").
    return await cache_for(app).get_or_render((kind, *key, *variant, current_locale()),
                                              lambda: render(key))


__all__ = ["STATE_KEY", "RenderCache", "cache_for", "cached_fragment", "render_template",
           "version_key"]
