"""Which plugins are enabled where, and switching them.

Resolution for a scope below the venue (a tournament, a meet: a :class:`ScopeRef` of a kind
some domain declared): that thing's own row, if the plugin's scope is that kind, else the
venue's row, else the plugin's ``default_enabled``. Plugins of scope ``global`` are always
enabled.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.i18n import _, english
from podium.core.activation.tables import PluginActivation
from podium.core.database import after_commit, atomic
from podium.core.errors import InvalidInput, NotFound
from podium.core.events import PluginsSwitched, ScopeRef
from podium.core.outbox import record
from podium.core.plugins import PluginHost

VENUE = "venue"
# How a switch is written in a form or the API: on, off, or back to the next level's say.
SWITCH_STATES = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}
DEFAULT_STATE = "default"
# Where a request keeps the enabled set once computed (the route gate, the navigation and
# page slots of one request then share a single activation query).
REQUEST_CACHE_KEY = "podium_enabled_plugins"


# -- the enabled sets, kept per app between switches ---------------------------------------

#: Sets kept per (venue, scope) before the cache starts afresh (scopes are tournaments...).
MAX_CACHED_SETS = 4096


class EnabledCache:
    """The enabled sets of one plugin host (one app), computed once per plugin switch
    instead of once per request, hook call and outbox event.

    ``counter`` reads the plugin-switch counter (the page cache's ``PluginsSwitched``
    version: in memory with one worker, in Redis shared by several). A set is reused while
    the counter has not moved since it was computed (it is read *before* the rows, so a
    switch racing the read leaves a set that is recomputed next time). A switch committed
    in this process forgets every cached set at once; other workers see the counter move
    when its :class:`~podium.core.events.PluginsSwitched` event is delivered.
    """

    def __init__(self, counter: Callable[[], Awaitable[int]]) -> None:
        self.counter = counter
        self._sets: dict[tuple[int | None, ScopeRef | None], tuple[int, frozenset[str]]] = {}

    async def get(self, host: PluginHost, venue_id: int | None,
                  scope: ScopeRef | None) -> set[str]:
        """The enabled set, from the cache when the counter says it is current."""
        version = await self.counter()
        key = (venue_id, scope)
        kept = self._sets.get(key)
        if kept is not None and kept[0] == version:
            return set(kept[1])
        enabled = await _enabled_from_rows(host, venue_id, scope)
        if len(self._sets) >= MAX_CACHED_SETS:
            self._sets.clear()
        self._sets[key] = (version, frozenset(enabled))
        return enabled

    def forget(self) -> None:
        """Drop every cached set (a switch committed in this process)."""
        self._sets.clear()


# Keyed weakly by host; a cache must not hold its host (the entry would never die), which
# is why :meth:`EnabledCache.get` takes the host from its caller.
_CACHES: weakref.WeakKeyDictionary[PluginHost, EnabledCache] = weakref.WeakKeyDictionary()


def cache_enabled_sets(host: PluginHost, counter: Callable[[], Awaitable[int]]) -> EnabledCache:
    """Keep ``host``'s enabled sets between plugin switches (the app calls it at start,
    with the page cache's switch counter); without it every call reads the rows."""
    cache = EnabledCache(counter)
    _CACHES[host] = cache
    return cache


def _forget_cached_sets() -> None:
    for cache in list(_CACHES.values()):
        cache.forget()


async def enabled_plugins(host: PluginHost, venue_id: int | None,
                          scope: ScopeRef | None = None) -> set[str]:
    """Names of the plugins enabled for a venue (and, if given, one thing inside it)."""
    cache = _CACHES.get(host)
    if cache is not None:
        return await cache.get(host, venue_id, scope)
    return await _enabled_from_rows(host, venue_id, scope)


async def _enabled_from_rows(host: PluginHost, venue_id: int | None,
                             scope: ScopeRef | None) -> set[str]:
    where: Combinable = ((PluginActivation.scope == VENUE)
                         & (PluginActivation.scope_id == (venue_id or 0)))
    if scope is not None:
        where = where | ((PluginActivation.scope == scope.kind)
                         & (PluginActivation.scope_id == scope.id))
    rows = await PluginActivation.select(
        PluginActivation.plugin, PluginActivation.scope, PluginActivation.enabled
    ).where(where)
    venue_rows = {r["plugin"]: r["enabled"] for r in rows if r["scope"] == VENUE}
    own_rows = {r["plugin"]: r["enabled"] for r in rows
                if scope is not None and r["scope"] == scope.kind}
    enabled = set()
    for name, loaded in host.plugins.items():
        meta = loaded.meta
        if meta.scope == "global":
            enabled.add(name)
            continue
        state = meta.default_enabled
        if name in venue_rows:
            state = venue_rows[name]
        if scope is not None and meta.scope == scope.kind and name in own_rows:
            state = own_rows[name]
        if state:
            enabled.add(name)
    return enabled


async def enabled_for_request(connection: Any, scope: ScopeRef | None = None) -> set[str]:
    """The plugins enabled for the venue a request is served for (and, if given, one thing
    inside it), computed once per request.

    :param connection: a Litestar ``Request`` or ``ASGIConnection``; the result is kept in
        its ASGI scope under :data:`REQUEST_CACHE_KEY` (one entry per scope asked).
    """
    cache = connection.scope.setdefault(REQUEST_CACHE_KEY, {})
    cached: set[str] | None = cache.get(scope)
    if cached is None:
        state = connection.app.state
        cached = await enabled_plugins(state.plugin_host, state.get("venue_id"), scope)
        cache[scope] = cached
    return cached


def cached_for_request(connection: Any, scope: ScopeRef | None = None) -> set[str] | None:
    """The enabled set this request already computed, or ``None`` when it did not."""
    cached: set[str] | None = connection.scope.get(REQUEST_CACHE_KEY, {}).get(scope)
    return cached


def forget_for_request(connection: Any) -> None:
    """Drop the request's cached enabled sets (after a switch changed them)."""
    connection.scope.pop(REQUEST_CACHE_KEY, None)


def parse_switch(value: Any) -> bool | None:
    """A switch as forms and the API send it: on (``True``), off (``False``) or ``None`` for
    "forget this scope's decision" (``default``).

    :raises InvalidInput: anything else.
    """
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):  # 0 and 1 are numbers, not switch states
        raise InvalidInput(_("enabled must be on, off or default"), field="enabled")
    text = value.strip().lower()
    if text == DEFAULT_STATE:
        return None
    if text not in SWITCH_STATES:
        raise InvalidInput(_("enabled must be on, off or default"), field="enabled")
    return SWITCH_STATES[text]


async def switch(host: PluginHost, plugin: str, scope: str, scope_id: int, enabled: bool | None,
                 changed_by: int | None = None) -> None:
    """Switch ``plugin`` on or off in one scope, or (``enabled=None``) forget the decision
    there so the next level decides (:func:`set_enabled` and :func:`clear`)."""
    if enabled is None:
        await clear(host, plugin, scope, scope_id)
    else:
        await set_enabled(host, plugin, scope, scope_id, enabled, changed_by=changed_by)


async def scope_switches(host: PluginHost, venue_id: int | None, scope: ScopeRef
                         ) -> list[dict[str, Any]]:
    """The plugins one may switch for one thing inside the venue (those whose scope is its
    kind: a tournament's, a meet's...).

    Each row: ``name``, ``version``, ``description``, ``setting`` (``"on"``, ``"off"`` or
    ``"default"``: no switch of its own, the venue decides), ``enabled`` (in effect for the
    thing) and ``venue_enabled`` (what the venue's setting alone gives).
    """
    venue_enabled = await enabled_plugins(host, venue_id)
    own = await activation_rows(scope.kind, scope.id)
    rows = []
    for name, loaded in host.plugins.items():
        meta = loaded.meta
        if meta.scope != scope.kind:
            continue
        setting = DEFAULT_STATE if name not in own else ("on" if own[name] else "off")
        # As enabled_plugins resolves it: the thing's own switch, else the venue's.
        enabled = own[name] if name in own else name in venue_enabled
        rows.append({"name": name, "version": meta.version, "description": english(meta.description),
                     "setting": setting, "enabled": enabled,
                     "venue_enabled": name in venue_enabled})
    return rows


async def activation_rows(scope: str, scope_id: int) -> dict[str, bool]:
    """The explicit decisions recorded for one scope: ``{plugin: enabled}``."""
    rows = await PluginActivation.select(PluginActivation.plugin, PluginActivation.enabled).where(
        (PluginActivation.scope == scope) & (PluginActivation.scope_id == scope_id)
    )
    return {r["plugin"]: r["enabled"] for r in rows}


async def set_enabled(
    host: PluginHost,
    plugin: str,
    scope: str,
    scope_id: int,
    enabled: bool,
    changed_by: int | None = None,
) -> None:
    """Record that ``plugin`` is on or off for a venue or for one thing inside it (a scope
    kind a domain declared: ``tournament``...).

    Refuses unknown plugins, ``global`` plugins (they cannot be switched), unknown scopes,
    and a switch below the venue for a plugin whose scope is another kind (or the venue).
    """
    _check_scope(host, plugin, scope)
    meta = host.meta(plugin)
    if meta.scope == "global":
        raise InvalidInput(_("plugin %(plugin)s is global and cannot be switched off", plugin=repr(plugin)))
    if scope != VENUE and meta.scope != scope:
        raise InvalidInput(_("plugin %(plugin)s can only be switched per %(scope)s", plugin=repr(plugin), scope=meta.scope))
    stamp = datetime.now(timezone.utc)
    async with atomic():
        where = (
            (PluginActivation.plugin == plugin)
            & (PluginActivation.scope == scope)
            & (PluginActivation.scope_id == scope_id)
        )
        if await PluginActivation.exists().where(where):
            await PluginActivation.update(
                {
                    PluginActivation.enabled: enabled,
                    PluginActivation.changed_by: changed_by,
                    PluginActivation.changed_at: stamp,
                }
            ).where(where)
        else:
            await PluginActivation.insert(
                PluginActivation(
                    plugin=plugin,
                    scope=scope,
                    scope_id=scope_id,
                    enabled=enabled,
                    changed_by=changed_by,
                    changed_at=stamp,
                )
            )
        await record(_switched(plugin, scope, scope_id, enabled))
        after_commit(_forget_cached_sets)


async def clear(host: PluginHost, plugin: str, scope: str, scope_id: int) -> None:
    """Forget the decision for ``plugin`` in one scope: it falls back to the next level
    (the venue's row, then the plugin's default)."""
    _check_scope(host, plugin, scope)
    async with atomic():
        await PluginActivation.delete().where(
            (PluginActivation.plugin == plugin)
            & (PluginActivation.scope == scope)
            & (PluginActivation.scope_id == scope_id)
        )
        await record(_switched(plugin, scope, scope_id, None))
        after_commit(_forget_cached_sets)


def _switched(plugin: str, scope: str, scope_id: int, enabled: bool | None) -> PluginsSwitched:
    return PluginsSwitched(venue_id=scope_id if scope == VENUE else None, plugin=plugin,
                           scope_kind=scope, scope_id=scope_id, enabled=enabled)


def _check_scope(host: PluginHost, plugin: str, scope: str) -> None:
    if plugin not in host.plugins:
        raise NotFound(_("no plugin named %(plugin)s is loaded", plugin=repr(plugin)))
    if scope != VENUE and host.scope_kind(scope) is None:
        known = ", ".join([VENUE, *host.scope_kinds().names()])
        raise InvalidInput(_("scope must be one of %(known)s", known=known), field="scope")


async def describe_activation(host: PluginHost, venue_id: int | None) -> list[dict[str, Any]]:
    """Every loaded plugin with where it is enabled (``podium plugins``, ``/-/plugins.json``
    and the admin page share this).

    Adds to :meth:`PluginHost.describe`'s fields: ``enabled_for_venue`` (bool),
    ``venue_setting`` (``"on"``, ``"off"``, ``"default"`` or ``"always"`` for global
    plugins), and ``switched``: for a plugin whose scope is a kind below the venue, the ids
    of the things it is explicitly switched ``on`` and ``off`` for
    (``{"kind": "tournament", "on": [3], "off": [5]}``; ``None`` otherwise).
    """
    enabled = await enabled_plugins(host, venue_id)
    kinds = host.scope_kinds().names()
    rows = await PluginActivation.select(
        PluginActivation.plugin,
        PluginActivation.scope,
        PluginActivation.scope_id,
        PluginActivation.enabled,
    ).where(
        ((PluginActivation.scope == VENUE) & (PluginActivation.scope_id == (venue_id or 0)))
        | PluginActivation.scope.is_in(kinds or ["-"])
    )
    venue_rows = {r["plugin"]: r["enabled"] for r in rows if r["scope"] == VENUE}
    out = []
    for item in host.describe():
        name = item["name"]
        if item["scope"] == "global":
            setting = "always"
        elif name in venue_rows:
            setting = "on" if venue_rows[name] else "off"
        else:
            setting = "default"
        switched = None
        if item["scope"] in kinds:
            own = sorted((r["scope_id"], r["enabled"]) for r in rows
                         if r["scope"] == item["scope"] and r["plugin"] == name)
            switched = {"kind": item["scope"], "on": [i for i, on in own if on],
                        "off": [i for i, on in own if not on]}
        out.append({**item, "enabled_for_venue": name in enabled, "venue_setting": setting,
                    "switched": switched})
    return out
