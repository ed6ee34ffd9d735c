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

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from podium.core.errors import NotFound
from podium.core.i18n import current_locale
from podium.tournaments.tables import Tournament

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
STATE_KEY = "tournament_render_cache"


class RenderCache:
    """A bounded LRU map from a key to rendered HTML, with single-flight rendering."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[Hashable, asyncio.Future[str]] = {}
        self.hits = 0
        self.renders = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def size_bytes(self) -> int:
        """Characters held (roughly bytes: the fragments are mostly ASCII)."""
        return self._bytes

    def get(self, key: Hashable) -> str | None:
        """The cached HTML of ``key`` (marked recently used), or ``None``."""
        html = self._entries.get(key)
        if html is not None:
            self._entries.move_to_end(key)
        return html

    def put(self, key: Hashable, html: str) -> None:
        """Store ``html`` under ``key``, evicting the least recently used beyond the bounds.

        A fragment larger than the whole byte budget is not kept (it would evict all)."""
        if key in self._entries:
            self._bytes -= len(self._entries.pop(key))
        if len(html) > self.max_bytes:
            return
        self._entries[key] = html
        self._bytes += len(html)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _old, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)

    def clear(self) -> None:
        """Forget everything (tests)."""
        self._entries.clear()
        self._bytes = 0

    async def get_or_render(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        """The HTML of ``key``: cached, or rendered once however many callers ask at once.

        If the render fails every waiting caller gets the error and nothing is cached.
        """
        html = self.get(key)
        if html is not None:
            self.hits += 1
            return html
        pending = self._inflight.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            html = await render()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            self.renders += 1
            self.put(key, html)
            future.set_result(html)
            return html
        finally:
            self._inflight.pop(key, None)


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
        raise NotFound(f"there is no tournament {tournament_id}")
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
