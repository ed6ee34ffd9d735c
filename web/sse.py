"""Live updates: one server-sent-event stream per page, multiplexing topics over Channels.

Browsers open at most six SSE connections per host over HTTP/1.1 (a seventh tab waits), so
a page subscribes once to ``/-/events?topics=a,b,c`` and htmx's SSE extension swaps the
named events into the page::

    <div hx-ext="sse" sse-connect="/-/events?topics=event-12">
      <span sse-swap="places-12">5</span>
    </div>

Services do not publish: they record domain events, and after commit the app's outbox
dispatcher asks plugins for live messages (``podium_live_messages``) and sends them with
:func:`publish` through the app's ``ChannelsPlugin`` (:func:`publish_nowait` serves
synchronous code). With Redis configured a message reaches the subscribers of every worker.

A stream sends ``event: ready`` first (its data lists the topics), then the published
events, and a comment line every :data:`KEEPALIVE_SECONDS` while nothing happens so that
proxies and load balancers do not cut an idle connection.

Streams are private where their topics are. Before subscribing, every topic is checked
against the live topic kinds that domains and plugins declare (``podium_live_topics``,
:mod:`podium.core.live`): a topic the visitor may not read, or whose kind nobody declared,
is answered 403 naming it, and nothing streams. Each client (a signed-in user, else a
client address) may hold :attr:`~podium.core.settings.Settings.sse_streams_per_client`
streams open at once in one worker process; one more is answered 429.
"""

from __future__ import annotations

import asyncio
import json
import re
import weakref
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

import anyio
from litestar import Litestar, Request, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

from podium.core.accounts.auth import current_user
from podium.core.accounts.service import CurrentUser
from podium.core.errors import Forbidden, PodiumError
from podium.core.i18n import SUPPORTED_LOCALES, _, current_locale, ngettext
from podium.core.live import LIVE_TOPICS, refused_topics
from podium.core.page_cache import page_cache_for
from podium.core.plugins import PluginHost

TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,99}$")
EVENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
MAX_TOPICS = 16
MAX_TOPICS_PARAM = 2000
KEEPALIVE_SECONDS = 15.0
# Tell EventSource to reconnect after 3 s if the stream drops (a worker restart, a deploy).
RETRY_MS = 3000


def parse_topics(raw: str | None) -> list[str]:
    """Split and check a comma-separated topic list; raise 400 on a malformed one.

    Topic names are lower-case ASCII letters, digits and ``_ . : -`` (up to 100
    characters, starting with a letter or digit); at most :data:`MAX_TOPICS` per stream.
    Duplicates are dropped, order is kept.
    """
    raw = raw or ""
    if len(raw) > MAX_TOPICS_PARAM:
        raise ValidationException(_("the topics parameter is too long"))
    topics = [t.strip() for t in raw.split(",") if t.strip()]
    if not topics:
        raise ValidationException(_("give at least one topic: ?topics=a,b"))
    bad = [t for t in topics if not TOPIC_RE.match(t)]
    if bad:
        shown = ", ".join(repr(t[:40]) for t in bad[:3])
        raise ValidationException(
            ngettext("malformed topic name: %(names)s (use a-z, 0-9, '_', '.', ':', '-')",
                     "malformed topic names: %(names)s (use a-z, 0-9, '_', '.', ':', '-')",
                     len(bad), names=shown)
        )
    topics = list(dict.fromkeys(topics))
    if len(topics) > MAX_TOPICS:
        raise ValidationException(_("at most %(max)s topics per stream", max=MAX_TOPICS))
    return topics


def encode_message(event: str, data: Any) -> str:
    """The wire form of one published event (what travels through Channels/Redis).

    ``data`` is sent as is when it is a string (an HTML fragment for ``sse-swap``),
    otherwise as JSON.
    """
    if not EVENT_RE.match(event or ""):
        raise ValueError(f"malformed SSE event name: {event!r}")
    payload = data if isinstance(data, str) else json.dumps(data, default=str)
    return json.dumps({"event": event, "data": payload})


def decode_message(raw: bytes | str) -> ServerSentEventMessage | None:
    """Turn a published message back into an SSE message; ``None`` if it is not ours."""
    try:
        message = json.loads(raw)
        event, data = message["event"], message["data"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(event, str) or not isinstance(data, str):
        return None
    return ServerSentEventMessage(event=event, data=data)


def _as_list(topics: str | Iterable[str]) -> list[str]:
    return [topics] if isinstance(topics, str) else list(topics)


def localized_topic(topic: str, locale: str) -> str:
    """The channel of ``topic`` for the pages of one locale (``tournament-7@fr``).

    A stream listens to both its topics and their channels for its locale: messages that
    read the same in every language go to the topic, translated ones to each locale's
    channel (:func:`podium.core.outbox.dispatcher.by_locale`). ``@`` is not allowed in a
    topic name, so no page can ask for another locale's channel by name.
    """
    return f"{topic}@{locale}"


async def listening_locales(channels: ChannelsPlugin, topics: Iterable[str]) -> set[str]:
    """The locales whose pages listen to some of ``topics`` now, in any worker.

    In memory (one worker) the plugin's own subscribers tell; with Redis, ``PUBSUB
    NUMSUB`` counts the workers subscribed to each locale's channel (one round trip). A
    backend that cannot tell gets every locale: a fragment made for nobody costs a render,
    a missing one shows a French page English text.
    """
    names = {localized_topic(t, locale): locale for t in topics for locale in SUPPORTED_LOCALES}
    if not names:
        return set()
    backend = getattr(channels, "_backend", None)  # Litestar has no public view of these
    if isinstance(backend, MemoryChannelsBackend):
        subscribers: dict[str, set[Any]] = getattr(channels, "_channels", {})
        return {locale for name, locale in names.items() if subscribers.get(name)}
    redis = getattr(backend, "_redis", None)
    if redis is None:
        return set(SUPPORTED_LOCALES)
    counts = await redis.pubsub_numsub(*names)
    return {names[name.decode() if isinstance(name, bytes) else name]
            for name, count in counts if count}


async def publish(channels: ChannelsPlugin, topics: str | Iterable[str], event: str,
                  data: Any) -> None:
    """Send ``event`` with ``data`` to every subscriber of ``topics`` (a name or several).

    Waits until the backend accepted the message (with Redis: until it was published), so
    a caller that answers the request afterwards knows other workers will see it.
    """
    await channels.wait_published(encode_message(event, data), _as_list(topics))


def publish_nowait(channels: ChannelsPlugin, topics: str | Iterable[str], event: str,
                   data: Any) -> None:
    """Like :func:`publish` but without waiting (for synchronous code)."""
    channels.publish(encode_message(event, data), _as_list(topics))


async def stream_messages(
    channels: ChannelsPlugin,
    topics: list[str],
    keepalive: float | None = None,
    on_close: Callable[[], None] | None = None,
    locale: str | None = None,
    before_message: Callable[[], None] | None = None,
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Subscribe to ``topics`` and yield SSE messages until the consumer stops.

    With a ``locale`` the stream also hears the messages translated for it
    (:func:`localized_topic`).
    Yields ``ready`` first, then every published event, and a comment (``: keep-alive``)
    after ``keepalive`` seconds of silence (default :data:`KEEPALIVE_SECONDS`). Leaving the
    generator (the client went away, the server shuts down) always unsubscribes, even
    while being cancelled, and calls ``on_close`` (which releases the client's stream slot).
    ``before_message`` is called before each message is passed on (the page cache must not
    answer the page's re-fetch from versions older than the message).
    """
    keepalive = keepalive or KEEPALIVE_SECONDS
    ready = ",".join(topics)
    if locale is not None:
        topics = [*topics, *(localized_topic(t, locale) for t in topics)]
    try:
        subscriber = await channels.subscribe(topics)
    except BaseException:
        if on_close is not None:
            on_close()
        raise
    events = subscriber.iter_events()
    pending: asyncio.Future[bytes] | None = None
    try:
        yield ServerSentEventMessage(event="ready", data=ready, retry=RETRY_MS)
        while True:
            if pending is None:
                pending = asyncio.ensure_future(events.__anext__())
            done, _still_pending = await asyncio.wait({pending}, timeout=keepalive)
            if not done:
                yield ServerSentEventMessage(comment="keep-alive", data=None)
                continue
            try:
                raw = pending.result()
            except StopAsyncIteration:
                return  # the plugin shut the subscriber down
            finally:
                pending = None
            message = decode_message(raw)
            if message is not None:
                if before_message is not None:
                    before_message()
                yield message
    finally:
        if on_close is not None:
            on_close()  # first, synchronously: nothing below can keep the slot taken
        # The client is gone and this task may be cancelled: shield the clean-up so the
        # backend (a Redis connection) really forgets the subscription.
        with anyio.CancelScope(shield=True):
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
            await channels.unsubscribe(subscriber, topics)
            await events.aclose()


# -- who may stream -----------------------------------------------------------------


class TooManyStreams(PodiumError):
    """The client already holds as many live streams as it may (429)."""

    status_code = 429
    code = "too_many_streams"


class StreamSlot:
    """One open stream counted against its client; :meth:`release` frees it (once)."""

    def __init__(self, slots: StreamSlots, client: str) -> None:
        self._slots = slots
        self.client = client
        self.released = False

    def release(self) -> None:
        """Give the slot back; calling it again does nothing."""
        if not self.released:
            self.released = True
            self._slots._give_back(self.client)


class StreamSlots:
    """The open streams of each client in this worker process, capped at ``limit``.

    Per process on purpose: the count must drop the moment a connection closes, even when
    the process is killed, which a shared counter (Redis) cannot promise. With several
    workers a client may hold up to ``limit`` streams on each.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def open_for(self, client: str) -> int:
        """How many streams ``client`` holds open now."""
        return self._open.get(client, 0)

    def acquire(self, client: str) -> StreamSlot:
        """Count one more stream for ``client``.

        :raises TooManyStreams: when ``client`` already holds :attr:`limit` streams.
        """
        held = self.open_for(client)
        if held >= self.limit:
            raise TooManyStreams(ngettext(
                "this client already has %(num)d live stream open, the most allowed; close a "
                "page (or a tab) and try again",
                "this client already has %(num)d live streams open, the most allowed; close a "
                "page (or a tab) and try again", held), limit=self.limit)
        self._open[client] = held + 1
        return StreamSlot(self, client)

    def _give_back(self, client: str) -> None:
        left = self._open.get(client, 0) - 1
        if left > 0:
            self._open[client] = left
        else:
            self._open.pop(client, None)  # no entry per past visitor


def stream_slots(app: Litestar) -> StreamSlots:
    """The app's stream counter, made on first use from the app's settings."""
    state = app.state
    slots: StreamSlots | None = state.get("sse_stream_slots")
    if slots is None:
        slots = StreamSlots(state.settings.sse_streams_per_client)
        state.sse_stream_slots = slots
    return slots


def client_key(request: Request, user: CurrentUser | None) -> str:
    """Whom a stream counts against: the signed-in user wherever they connect from, else
    the client's address."""
    if user is not None:
        return f"user:{user.id}"
    client = request.client
    return f"address:{client.host if client else 'unknown'}"


def counted_stream(channels: ChannelsPlugin, topics: list[str], slot: StreamSlot,
                   locale: str | None = None, before_message: Callable[[], None] | None = None,
                   ) -> AsyncGenerator[ServerSentEventMessage, None]:
    """:func:`stream_messages` for ``topics`` (in ``locale``, calling ``before_message``)
    that gives ``slot`` back when it ends.

    The generator's clean-up frees the slot when the stream closes; a response that never
    starts its body (the client left at once, the server stopped) never runs that
    clean-up, so the slot is also freed when the generator is dropped.
    """
    messages = stream_messages(channels, topics, on_close=slot.release, locale=locale,
                               before_message=before_message)
    weakref.finalize(messages, slot.release)
    return messages


async def check_topics(host: PluginHost, topics: list[str], user: CurrentUser | None) -> None:
    """Refuse the stream unless ``user`` may read every topic of ``topics``.

    :raises Forbidden: naming the topics the user may not read (an undeclared kind
        included); anonymous visitors are told to sign in.
    """
    refused = await refused_topics(host.registry(LIVE_TOPICS), topics, user)
    if not refused:
        return
    shown = ", ".join(repr(t) for t in refused)
    if user is None:
        detail = ngettext("you may not read the live topic %(topics)s (sign in first)",
                          "you may not read the live topics %(topics)s (sign in first)",
                          len(refused), topics=shown)
    else:
        detail = ngettext("you may not read the live topic %(topics)s",
                          "you may not read the live topics %(topics)s", len(refused), topics=shown)
    raise Forbidden(detail, topics=refused)


@get("/-/events", include_in_schema=False)
async def event_stream(request: Request, topics: FromQuery[str | None] = None) -> ServerSentEvent:
    """Stream the events of the given topics (``?topics=a,b``) to the browser, the live
    fragments in the page's locale.

    400 for a malformed topic list, 403 when the visitor may not read one of the topics,
    429 when the client already holds as many streams as it may.
    """
    names = parse_topics(topics)
    user = current_user(request)
    await check_topics(request.app.state.plugin_host, names, user)
    slot = stream_slots(request.app).acquire(client_key(request, user))
    channels: ChannelsPlugin = request.app.state.channels
    return ServerSentEvent(
        counted_stream(channels, names, slot, current_locale(),
                       page_cache_for(request.app).live_message_passed),
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


ROUTES = [event_stream]
