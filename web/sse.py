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
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import anyio
from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

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
        raise ValidationException("the topics parameter is too long")
    topics = [t.strip() for t in raw.split(",") if t.strip()]
    if not topics:
        raise ValidationException("give at least one topic: ?topics=a,b")
    bad = [t for t in topics if not TOPIC_RE.match(t)]
    if bad:
        shown = ", ".join(repr(t[:40]) for t in bad[:3])
        raise ValidationException(
            f"malformed topic name(s): {shown} (use a-z, 0-9, '_', '.', ':', '-')"
        )
    topics = list(dict.fromkeys(topics))
    if len(topics) > MAX_TOPICS:
        raise ValidationException(f"at most {MAX_TOPICS} topics per stream")
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
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Subscribe to ``topics`` and yield SSE messages until the consumer stops.

    Yields ``ready`` first, then every published event, and a comment (``: keep-alive``)
    after ``keepalive`` seconds of silence (default :data:`KEEPALIVE_SECONDS`). Leaving the generator (the client went away,
    the server shuts down) always unsubscribes, even while being cancelled.
    """
    keepalive = keepalive or KEEPALIVE_SECONDS
    subscriber = await channels.subscribe(topics)
    events = subscriber.iter_events()
    pending: asyncio.Future[bytes] | None = None
    try:
        yield ServerSentEventMessage(event="ready", data=",".join(topics), retry=RETRY_MS)
        while True:
            if pending is None:
                pending = asyncio.ensure_future(events.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=keepalive)
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
                yield message
    finally:
        # The client is gone and this task may be cancelled: shield the clean-up so the
        # backend (a Redis connection) really forgets the subscription.
        with anyio.CancelScope(shield=True):
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
            await channels.unsubscribe(subscriber, topics)
            await events.aclose()


@get("/-/events", include_in_schema=False)
async def event_stream(request: Request, topics: FromQuery[str | None] = None) -> ServerSentEvent:
    """Stream the events of the given topics (``?topics=a,b``) to the browser."""
    names = parse_topics(topics)
    channels: ChannelsPlugin = request.app.state.channels
    return ServerSentEvent(
        stream_messages(channels, names),
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


ROUTES = [event_stream]
