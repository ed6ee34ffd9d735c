"""Render once per change: whole pages for anonymous visitors, invalidated by domain events.

The crowd reads the same pages (the home page, the week calendar, a tournament's page)
without signing in. Such a page is rendered once and kept until something it shows
changes:

* **versions**: every domain event, after commit, bumps a few version counters (see
  :func:`version_names`: ``any``, the event's type, its scope such as
  ``tournament:7``). A cached page names the counters it depends on; their current values
  are part of its key, so a bump makes the old entry unreachable. With one worker the
  counters live in memory (:class:`MemoryVersions`); with several they live in Redis
  (:class:`RedisVersions`): an event delivered by one worker invalidates the page in
  every worker. Each worker mirrors the Redis counters from the bumps' announcements, so
  reading them costs no round trip, and trusts the mirror only while it hears every
  announcement.
* **key**: the path and query, htmx partial or full page, the plugins enabled where the
  request is (navigation and page slots), the visitor's locale (:func:`locale_key`), a
  time bucket (pages showing "now" must move on by themselves) and the versions.
* **who**: signed-in visitors are never served from this cache (their page names them
  and shows their own forms). An anonymous page's only per-visitor part, its CSRF token,
  is rendered as :data:`CSRF_MARKER` and replaced per request.

The rendered HTML is held per worker in a bounded LRU (:class:`RenderCache`) with
single-flight rendering: a thousand visitors arriving after a change cost one render.

**The anonymous lane** (:class:`AnonymousLane`): once a page has been served to an
anonymous visitor, the next anonymous request for the same path, query, htmx headers and
locale is answered before routing (``podium.web.page_lane``): one version read, a
dictionary lookup and the visitor's CSRF token put in, skipping the session, the
authentication, the navigation's plugin query and the handler. The entry records the
counters the page depends on (its own and :data:`ACTIVATION`, bumped when a plugin is
switched) and their values when it was rendered; a bump or a new time bucket sends the
request down the ordinary path again, which renders and refreshes the entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html as html_lib
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Protocol

from litestar import MediaType, Request
from litestar.response import Response, Template
from litestar.utils.scope.state import ScopeState

from podium.core.database import reading
from podium.core.events import DomainEvent
from podium.core.i18n import current_locale

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
STATE_KEY = "podium_page_cache"
#: Rendered in place of the visitor's CSRF token; replaced per request (never guessable
#: as a token: it is not valid hex and a CSRF check would refuse it).
CSRF_MARKER = "__podium-csrf-token-of-this-visitor__"
#: The counter every event bumps.
ANY = "any"
#: The counter a plugin switch bumps (the event's type name): the navigation and page slots
#: of every page depend on which plugins are enabled.
ACTIVATION = "PluginsSwitched"
#: Where the navigation computation leaves the :data:`ACTIVATION` counter's value read
#: just before the enabled plugins were (a switch racing the render then never leaves a
#: stale entry under the new value).
ACTIVATION_VERSION_KEY = "podium_activation_version"
REDIS_PREFIX = "podium:page-version:"
#: Counters a worker mirrors at most before it starts its mirror again (see RedisVersions).
MIRROR_MAX_COUNTERS = 100_000
#: Silence on the bumps channel after which a worker checks that Redis still answers.
LIVENESS_SECONDS = 10.0

log = logging.getLogger(__name__)


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


# -- versions --------------------------------------------------------------------------


class Versions(Protocol):
    """Counters that domain events bump and cached pages read."""

    async def get(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The current value of each counter (0 when never bumped)."""

    async def bump(self, names: Iterable[str]) -> None:
        """Add one to each counter."""

    def start(self) -> None:
        """Begin whatever background work keeps the counters current (the app's start-up)."""

    def forget_mirror(self) -> None:
        """Drop any copy of shared counters held in this process (see :class:`RedisVersions`)."""


class MemoryVersions:
    """Counters of one worker process (no Redis: one worker)."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}

    async def get(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The current value of each counter."""
        return tuple(self._values.get(name, 0) for name in names)

    async def bump(self, names: Iterable[str]) -> None:
        """Add one to each counter."""
        for name in names:
            self._values[name] = self._values.get(name, 0) + 1

    def start(self) -> None:
        """Nothing to start: the counters are this process's own."""

    def forget_mirror(self) -> None:
        """Nothing to forget: the counters are this process's own."""


#: The Redis pub/sub channel on which every bump announces the counters' new values,
#: followed by ``:<database number>`` (pub/sub ignores the database: two venues sharing a
#: Redis server on two databases must not hear each other's bumps).
REDIS_BUMPS_CHANNEL = "podium:page-version-bumps"

# INCR each counter and announce the new values on the bumps channel, atomically (one
# round trip; a worker that reads the announcement can never find Redis behind it). A
# counter Redis does not hold starts at the caller's random seed (see RedisVersions.get).
_BUMP_SCRIPT = """
local announced = {}
local values = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then redis.call('SET', key, ARGV[1 + i]) end
  values[i] = redis.call('INCR', key)
  announced[i] = ARGV[1 + #KEYS + i] .. '=' .. string.format('%d', values[i])
end
redis.call('PUBLISH', ARGV[1], table.concat(announced, '\\n'))
return values
"""


class RedisVersions:
    """Counters in Redis, shared by every worker, mirrored in each worker's memory.

    A bump increments the counters (``INCR``) and announces their new values on
    its database's :data:`REDIS_BUMPS_CHANNEL` in one script. Once started (:meth:`start`), each worker listens
    to that channel and keeps the values it has seen (its *mirror*): reading counters the
    mirror holds costs no round trip, which is what lets a cached page cost about what a
    health check costs with several workers. A counter the mirror does not hold is read
    with one ``MGET`` and kept. The worker that bumps drops those counters from its mirror
    until their announcement arrives, so it reads its own writes at once.

    The mirror is only trusted while the subscription stands: it is emptied whenever the
    subscription is (re)confirmed and whenever the listening connection fails or Redis
    leaves a PING after a quiet spell unanswered (then every read goes to Redis until it
    is back), and a value read from Redis is only kept if the
    mirror was not emptied meanwhile. A live page must never re-fetch a page older than the
    message that told it to: :meth:`forget_mirror` is called by this worker's live streams
    before they pass a message on (the message was published after the bump it follows,
    so the next read from Redis sees it), whatever the order in which this worker reads
    its two subscriptions. Not started (tests, scripts), every read is an ``MGET``.
    """

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self.url = url
        self.redis = Redis.from_url(url)
        self._bump_script = self.redis.register_script(_BUMP_SCRIPT)
        database = self.redis.connection_pool.connection_kwargs.get("db", 0)
        self.channel = f"{REDIS_BUMPS_CHANNEL}:{database}"
        self._mirror: dict[str, int] = {}
        self._mirror_live = False
        #: Moves whenever the mirror is emptied: a read that started before must not refill it.
        self._generation = 0
        self._listener: asyncio.Task[None] | None = None
        #: Seconds of silence on the bumps channel after which Redis is asked for a PONG;
        #: none within as long again and the mirror stops being trusted.
        self.liveness_seconds = LIVENESS_SECONDS
        #: The listening connection's client name (``CLIENT LIST`` shows it).
        self.listener_name = f"podium-page-versions-{os.getpid()}-{id(self):x}"
        #: Reads answered from the mirror and from Redis (tests and the bench read them).
        self.mirror_reads = 0
        self.redis_reads = 0

    async def get(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The current value of each counter. A counter Redis does not hold (never
        bumped, or Redis restarted empty) starts at a random value: a page cached under a
        counter's old value before a restart can never match again."""
        if self._mirror_live:
            mirror = self._mirror
            try:
                values = tuple(mirror[name] for name in names)
            except KeyError:
                pass
            else:
                self.mirror_reads += 1
                return values
        generation = self._generation
        self.redis_reads += 1
        keys = [REDIS_PREFIX + name for name in names]
        fetched = await self.redis.mget(keys)
        if any(v is None for v in fetched):
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, value in zip(keys, fetched):
                    if value is None:
                        pipe.set(key, secrets.randbelow(2**52) + 2**32, nx=True)
                await pipe.execute()
            fetched = await self.redis.mget(keys)
        values = tuple(int(v) if v is not None else 0 for v in fetched)
        if self._mirror_live and generation == self._generation:
            self._make_room()
            for name, read in zip(names, values):
                # An announcement heard during the read is at least as new: it stays.
                self._mirror.setdefault(name, read)
        return values

    async def bump(self, names: Iterable[str]) -> None:
        """Add one to each counter and announce the new values to every worker."""
        names = list(names)
        if not names:
            return
        seeds = [str(secrets.randbelow(2**52) + 2**32) for _ in names]
        await self._bump_script(keys=[REDIS_PREFIX + n for n in names],
                                args=[self.channel, *seeds, *names])
        # This worker reads its own writes at once: until the announcement arrives, these
        # counters are read from Redis (and no read begun before the bump may keep its
        # older value). Storing the script's answer instead could step back past another
        # worker's later bump already heard.
        for name in names:
            self._mirror.pop(name, None)
        self._generation += 1

    def forget_mirror(self) -> None:
        """Empty the mirror: the next reads go to Redis (a live stream calls it before
        passing a message on, see the class's documentation)."""
        if self._mirror:
            self._mirror.clear()
        self._generation += 1

    def _make_room(self) -> None:
        if len(self._mirror) > MIRROR_MAX_COUNTERS:  # scopes come and go: start again
            self.forget_mirror()

    def _announced(self, payload: bytes) -> None:
        """Keep the values a bump announced. Announcements arrive in the order Redis ran
        the bumps, so the last one heard is the current value (even after the counters
        were flushed and started again from new random values)."""
        self._make_room()
        for line in payload.decode().split("\n"):
            name, _, value = line.rpartition("=")
            if name and value.isdigit():
                self._mirror[name] = int(value)

    def start(self) -> None:
        """Listen to the bumps of every worker and mirror the counters (call once the
        event loop runs: the app's start-up)."""
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(), name="podium-page-versions")

    async def _listen(self) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No silent reconnection: a lost connection may have lost announcements, so it
        # must reach this loop, which stops trusting the mirror until subscribed again.
        client = Redis.from_url(self.url, retry=Retry(NoBackoff(), 0), socket_timeout=None,
                                client_name=self.listener_name)
        pause = 0.1
        try:
            while True:
                pubsub = client.pubsub()
                try:
                    await pubsub.subscribe(self.channel)
                    pinged = False
                    while True:
                        message = await pubsub.get_message(timeout=self.liveness_seconds)
                        if message is None:  # quiet: is Redis still there? (a silent
                            if pinged:       # network loss would leave the mirror stale)
                                raise ConnectionError("Redis did not answer a PING")
                            await pubsub.ping()
                            pinged = True
                            continue
                        pinged = False
                        if message["type"] == "subscribe":
                            self.forget_mirror()  # from now on no announcement is missed
                            self._mirror_live = True
                            pause = 0.1
                        elif message["type"] == "message":
                            self._announced(message["data"])
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("page versions: lost the bumps channel; reading Redis "
                                "until it is back", exc_info=True)
                finally:
                    self._mirror_live = False
                    self.forget_mirror()
                    closing: Any = pubsub  # typed in some redis releases, not in others
                    with contextlib.suppress(Exception):
                        await closing.aclose()
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def close(self) -> None:
        """Stop listening and close the connection pool."""
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        await self.redis.aclose()


def version_names(event: DomainEvent) -> list[str]:
    """The counters ``event`` bumps: :data:`ANY`, its type's name, and its scope
    (``tournament:7``) when it has one."""
    names = [ANY, type(event).__name__]
    scope = event.scope()
    if scope is not None:
        names.append(f"{scope.kind}:{scope.id}")
    tournament_id = getattr(event, "tournament_id", None)
    if isinstance(tournament_id, int) and f"tournament:{tournament_id}" not in names:
        names.append(f"tournament:{tournament_id}")
    return names


# -- the anonymous lane ----------------------------------------------------------------

#: What identifies an anonymous request for the lane: path, query string, htmx request,
#: htmx boosted, locale.
LaneKey = tuple[str, bytes, bool, bool, str]


class LaneEntry:
    """A page as last rendered for anonymous visitors, and what it depended on."""

    __slots__ = ("names", "versions", "bucket_seconds", "bucket", "html")

    def __init__(self, names: tuple[str, ...], versions: tuple[int, ...],
                 bucket_seconds: float, bucket: int, html: str) -> None:
        self.names = names
        self.versions = versions
        self.bucket_seconds = bucket_seconds
        self.bucket = bucket
        self.html = html


class AnonymousLane:
    """Pages served to anonymous visitors, by request (see the module's documentation);
    a bounded LRU of :class:`LaneEntry`."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[LaneKey, LaneEntry] = OrderedDict()
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, key: LaneKey, entry: LaneEntry) -> None:
        """Keep ``entry`` for ``key`` (the least recently used beyond the bound goes)."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def lookup(self, key: LaneKey, versions: Versions) -> str | None:
        """The page's HTML (with :data:`CSRF_MARKER`) if nothing it depends on changed
        since it was rendered and its time bucket is current; else ``None``."""
        entry = self._entries.get(key)
        if entry is None or int(time.time() // entry.bucket_seconds) != entry.bucket:
            return None
        if await versions.get(entry.names) != entry.versions:
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.html

    def clear(self) -> None:
        """Forget everything (tests)."""
        self._entries.clear()


def lane_key(scope: Any, locale: str) -> LaneKey:
    """The lane's key of a request (an ASGI HTTP scope) in ``locale``."""
    hx_request = hx_boosted = False
    for name, value in scope["headers"]:
        if name == b"hx-request":
            hx_request = value == b"true"
        elif name == b"hx-boosted":
            hx_boosted = value == b"true"
    return (scope["path"], scope.get("query_string", b""), hx_request, hx_boosted, locale)


# -- the cache -------------------------------------------------------------------------


class PageCache:
    """Anonymous pages rendered once per change (see the module's documentation)."""

    def __init__(self, versions: Versions, *, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.versions = versions
        self.pages = RenderCache(max_entries, max_bytes)
        self.lane = AnonymousLane(max_entries)

    async def invalidate(self, event: DomainEvent) -> None:
        """Make every page depending on what ``event`` changed unreachable (the outbox
        calls it after commit, before the live pages are told)."""
        await self.versions.bump(version_names(event))

    def start(self) -> None:
        """Start keeping the versions current (with Redis: listen to every worker's bumps)."""
        self.versions.start()

    def live_message_passed(self) -> None:
        """A live stream of this worker is about to pass a message on to its page, which
        may re-fetch at once: the page must not come from versions older than the message
        (with Redis, the next reads go to Redis; see :class:`RedisVersions`)."""
        self.versions.forget_mirror()

    async def close(self) -> None:
        """Release the versions' connection, if any."""
        close = getattr(self.versions, "close", None)
        if close is not None:
            await close()


def page_cache_for(app: Any) -> PageCache:
    """The app's page cache (in-memory versions unless the app set Redis ones)."""
    cache: PageCache | None = app.state.get(STATE_KEY)
    if cache is None:
        cache = PageCache(MemoryVersions())
        app.state[STATE_KEY] = cache
    return cache


def locale_key(request: Request[Any, Any, Any]) -> str:
    """The visitor's locale (:func:`podium.core.i18n.current_locale`, set by the locale
    middleware), part of every cached page's key: the same URL renders per language."""
    return current_locale()


def _enabled_key(request: Request[Any, Any, Any]) -> frozenset[str]:
    from podium.core.activation.service import cached_for_request

    enabled = cached_for_request(request)
    return frozenset(enabled) if enabled is not None else frozenset()


def _render_with_marker(request: Request[Any, Any, Any], template: Template) -> str:
    """Render ``template`` as Litestar would, with :data:`CSRF_MARKER` as the token."""
    state = ScopeState.from_scope(request.scope)
    token = state.csrf_token
    state.csrf_token = CSRF_MARKER
    try:
        context = template.create_template_context(request)
        engine: Any = request.app.template_engine
        html: str = engine.get_template(template.template_name).render(**context)
        return html
    finally:
        state.csrf_token = token


def _csrf_of(request: Request[Any, Any, Any]) -> str:
    from litestar.utils.empty import value_or_default

    return html_lib.escape(value_or_default(ScopeState.from_scope(request.scope).csrf_token, ""))


Handler = Callable[..., Awaitable[Any]]


#: Set on a handler served through the page cache: the request-wide read transaction is
#: not opened for it (a hit reads no table; a miss groups its own reads).
CACHED_ATTR = "podium_page_cache"
#: Set on a fragment handler: it renders no layout, so the navigation is not computed.
NO_NAV_ATTR = "podium_no_nav"


def anonymous_page(*depends_on: str, bucket_seconds: float = 60.0,
                   fragment: bool = False) -> Callable[[Handler], Handler]:
    """Serve a page handler's answer to anonymous visitors from the page cache.

    ``depends_on`` names the version counters whose bump invalidates the page (an event
    type such as ``"EventsChanged"``, a scope such as ``"tournament:{tournament_id}"``,
    formatted with the handler's keyword arguments, or :data:`ANY`). The page is also
    rendered again every ``bucket_seconds`` (pages that say what is on *now*).

    The handler must take ``request`` as a keyword argument and return a ``Template`` or
    an HTML ``Response`` of a string; signed-in visitors, other answers (a redirect, a
    4xx page) and errors pass through uncached. A ``fragment`` (no layout, no page slots)
    skips the navigation and does not vary by the enabled plugins. Every page served to
    an anonymous visitor is also handed to the :class:`AnonymousLane`, which answers the
    next anonymous requests for it before routing.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            request: Request[Any, Any, Any] = kwargs["request"]
            if request.scope.get("user") is not None:
                async with reading():  # what the request-wide read transaction did
                    return await handler(*args, **kwargs)
            cache = page_cache_for(request.app)
            names = tuple(name.format(**kwargs) for name in depends_on)
            if fragment:  # no navigation read the switches' counter: read it here (a
                names += (ACTIVATION,)  # plugin's route gate may depend on it)
            versions = await cache.versions.get(names)
            request_key = lane_key(request.scope, locale_key(request))
            bucket = int(time.time() // bucket_seconds)
            key = (request_key, _enabled_key(request), bucket, names, versions)
            passed: list[Any] = []

            async def render() -> str:
                async with reading():  # a miss groups its reads in one transaction
                    answer = await handler(*args, **kwargs)
                if isinstance(answer, Response) and answer.status_code in (None, 200):
                    if isinstance(answer, Template):
                        return _render_with_marker(request, answer)
                    if isinstance(answer.content, str):  # a fragment rendered already
                        return answer.content
                passed.append(answer)
                raise _NotCacheable

            try:
                html = await cache.pages.get_or_render(key, render)
            except _NotCacheable:
                if passed:
                    return passed[0]
                async with reading():  # a concurrent caller's answer was not cacheable
                    return await handler(*args, **kwargs)
            activation: int | None = request.scope.get(ACTIVATION_VERSION_KEY)  # type: ignore[assignment]
            if fragment:
                cache.lane.remember(request_key, LaneEntry(
                    names, versions, bucket_seconds, bucket, html))
            elif activation is not None:
                cache.lane.remember(request_key, LaneEntry(
                    (*names, ACTIVATION), (*versions, activation), bucket_seconds, bucket, html))
            return Response(html.replace(CSRF_MARKER, _csrf_of(request)),
                            media_type=MediaType.HTML)

        setattr(wrapper, CACHED_ATTR, True)
        if fragment:
            setattr(wrapper, NO_NAV_ATTR, True)
        return wrapper

    return decorate


class _NotCacheable(Exception):
    """The handler's answer is not a plain 200 page (a redirect, an error page...)."""


__all__ = ["ACTIVATION", "ANY", "AnonymousLane", "CSRF_MARKER", "LaneEntry", "MemoryVersions",
           "PageCache", "RedisVersions", "RenderCache", "anonymous_page", "lane_key",
           "locale_key", "page_cache_for", "version_names"]
