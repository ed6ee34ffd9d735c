"""The SSE endpoint: topic validation, delivery per topic, keep-alive, clean unsubscribe,
and (with Redis) delivery across workers.

httpx's ASGI transport buffers a whole response, so streams are read from a real uvicorn
server: served in this process when the test must publish through the same app, or the
``podium_live_server`` subprocess when the point is a *different* worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from podium.core.testing import free_port
from podium.web import sse

REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "").strip()
needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="cross-worker delivery needs Redis: set PODIUM_TEST_REDIS_URL "
    "(e.g. redis://127.0.0.1:6379/0); .ci/run does",
)
# Upper bound for waiting on a stream; a healthy run needs milliseconds.
WAIT = 10.0


class _InProcessServer(uvicorn.Server):
    """uvicorn in the test's event loop, without taking over Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        """Leave the signal handlers to pytest."""
        yield


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan included) on a free loopback port; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    server = _InProcessServer(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during start-up")
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Event:
    """One parsed server-sent event (comments collected separately)."""

    event: str = "message"
    data: str = ""
    comments: list[str] = field(default_factory=list)


class EventReader:
    """Parses an ``text/event-stream`` body line by line."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self, timeout: float = WAIT, *, comments: bool = False) -> Event:
        """The next event (or, with ``comments=True``, the next comment-only block)."""
        async with asyncio.timeout(timeout):
            current = Event()
            data: list[str] = []
            seen = False
            async for line in self.lines:
                if line == "":
                    if data or (comments and current.comments):
                        current.data = "\n".join(data)
                        return current
                    if seen and not comments:
                        current, data, seen = Event(), [], False
                    continue
                seen = True
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "":
                    current.comments.append(value)
                elif name == "event":
                    current.event = value
                elif name == "data":
                    data.append(value)
            raise EOFError("the stream ended")


@contextlib.asynccontextmanager
async def subscribe(base_url: str, topics: str) -> AsyncIterator[EventReader]:
    """Open ``/-/events?topics=...`` and wait for its ``ready`` event."""
    async with httpx.AsyncClient(base_url=base_url, timeout=WAIT) as client:
        async with client.stream("GET", "/-/events", params={"topics": topics}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = EventReader(response)
            ready = await reader.next()
            assert ready.event == "ready"
            assert ready.data == topics
            yield reader


def unique(kind: str = "event") -> str:
    """A topic name no other test (or concurrent run sharing Redis) uses, of a declared
    public kind (``event-<id>``: streams refuse topics nobody declared)."""
    return f"{kind}-{uuid.uuid4().int % 10**15}"


async def eventually(condition, what: str) -> None:
    """Poll ``condition()`` until true (the server cleans up asynchronously)."""
    async with asyncio.timeout(WAIT):
        while not await condition():
            await asyncio.sleep(0.02)


# -- validation ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "query",
    [
        "",
        "?topics=",
        "?topics=,,,",
        "?topics=UPPER",
        "?topics=a%00b",
        "?topics=caf%C3%A9",
        "?topics=" + "a" * 101,
        "?topics=" + ",".join(f"t{i}" for i in range(sse.MAX_TOPICS + 1)),
        "?topics=" + "a," * 1500,
        "?topics=a%20b",
        "?topics=-leading-dash",
    ],
)
async def test_malformed_topics_answer_400_json(podium_client: Any, query: str) -> None:
    """A stream with no topic, a malformed name or too many topics is refused with 400."""
    response = await podium_client.get("/-/events" + query)
    assert response.status_code == 400, response.text
    body = response.json()
    # NUL is refused at the edge for every route ("bad_request"), the rest by the endpoint
    assert body["code"] == ("bad_request" if "%00" in query else "invalid")
    assert body["detail"]


def test_parse_topics_dedupes_and_keeps_order() -> None:
    """Repeated topics are subscribed once, in the order given."""
    assert sse.parse_topics(" b, a ,b,c:1 ") == ["b", "a", "c:1"]


def test_encode_refuses_malformed_event_names() -> None:
    """An event name with a newline would break the stream's framing."""
    with pytest.raises(ValueError):
        sse.encode_message("places\nevent: x", "1")
    assert sse.decode_message(b"not json") is None
    assert sse.decode_message(b'{"event": 1, "data": "x"}') is None
    message = sse.decode_message(sse.encode_message("places-1", {"left": 3}))
    assert message is not None
    assert (message.event, message.data) == ("places-1", '{"left": 3}')


# -- delivery ----------------------------------------------------------------------------

async def test_subscriber_gets_its_topics_and_not_others(podium_app_factory: Any) -> None:
    """An event reaches subscribers of its topic only; one stream multiplexes topics."""
    app = podium_app_factory()
    mine, other, second = unique(), unique(), unique()
    async with serve(app) as url, subscribe(url, f"{mine},{second}") as stream:
        channels = app.state.channels
        await sse.publish(channels, other, "places-1", "not for you")
        await sse.publish(channels, mine, "places-1", "<b>4</b>")
        got = await stream.next()
        assert (got.event, got.data) == ("places-1", "<b>4</b>")
        # JSON data and a second topic of the same stream
        await sse.publish(channels, [other, second], "score", {"home": 2, "away": 1})
        got = await stream.next()
        assert got.event == "score"
        assert got.data == '{"home": 2, "away": 1}'
        # multi-line HTML survives the framing (one data: line per line)
        sse.publish_nowait(channels, mine, "frag", "<li>a</li>\n<li>b</li>")
        got = await stream.next()
        assert got.data == "<li>a</li>\n<li>b</li>"


async def test_idle_stream_sends_keepalive_comments(
    podium_app_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While nothing is published the stream sends comment lines, which EventSource
    ignores but which keep proxies from closing an idle connection."""
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.05)
    app = podium_app_factory()
    topic = unique()
    async with serve(app) as url, subscribe(url, topic) as stream:
        first = await stream.next(comments=True)
        assert first.comments == ["keep-alive"]
        second = await stream.next(comments=True)
        assert second.comments == ["keep-alive"]
        # and a real event still arrives after the pings
        await sse.publish(app.state.channels, topic, "hello", "world")
        got = await stream.next()
        assert (got.event, got.data) == ("hello", "world")


async def test_disconnect_unsubscribes(podium_app_factory: Any) -> None:
    """When the browser goes away the subscription is dropped (no leak per page view)."""
    app = podium_app_factory()
    channels = app.state.channels
    topic = unique()

    def subscribers() -> int:
        # ChannelsPlugin has no public view of its subscribers; this is test-only peeking.
        return len(channels._channels.get(topic, ()))

    async with serve(app) as url:
        async with subscribe(url, topic):
            async with subscribe(url, topic):
                assert subscribers() == 2

            async def one_left() -> bool:
                return subscribers() == 1

            await eventually(one_left, "one subscriber left")

        async def none_left() -> bool:
            return subscribers() == 0

        await eventually(none_left, "no subscriber left")
        # publishing to a topic nobody listens to is harmless
        await sse.publish(channels, topic, "late", "nobody")


# -- across workers (Redis) -----------------------------------------------------------

@needs_redis
async def test_event_crosses_app_instances_through_redis(
    podium_app_factory: Any, podium_client_factory: Any
) -> None:
    """Two app instances (two ChannelsPlugins, two Redis connections): an event published
    through one reaches an SSE subscriber connected to the other."""
    publisher_app = podium_app_factory()
    subscriber_app = podium_app_factory()
    assert publisher_app.state.settings.redis_url, "the test apps should use Redis"
    assert publisher_app.state.channels is not subscriber_app.state.channels
    await podium_client_factory(publisher_app)  # runs its lifespan: channels started
    topic = unique()
    async with serve(subscriber_app) as url, subscribe(url, topic) as stream:
        await sse.publish(publisher_app.state.channels, topic, "places-7", "3")
        got = await stream.next()
        assert (got.event, got.data) == ("places-7", "3")


@needs_redis
async def test_event_crosses_processes_through_redis(
    podium_live_server: Any, podium_app_factory: Any, podium_client_factory: Any
) -> None:
    """A separate uvicorn process (another worker) streams an event published here."""
    from redis.asyncio import Redis

    publisher_app = podium_app_factory()
    await podium_client_factory(publisher_app)
    topic = unique()
    async with subscribe(podium_live_server.url, topic) as stream:
        await sse.publish(publisher_app.state.channels, topic, "places-9", "<span>2</span>")
        got = await stream.next()
        assert (got.event, got.data) == ("places-9", "<span>2</span>")

    # the other worker unsubscribed from Redis when the stream closed
    redis = Redis.from_url(REDIS_URL)
    try:
        async def unsubscribed() -> bool:
            counts = dict(await redis.pubsub_numsub(topic))
            return counts.get(topic.encode(), 0) == 0

        await eventually(unsubscribed, "the worker left the Redis channel")
    finally:
        await redis.aclose()


@needs_redis
async def test_a_live_message_is_never_followed_by_an_older_page(podium_app_factory: Any) -> None:
    """A page re-fetched on a live message must not come from page versions older than
    the message. The worker mirrors the versions from Redis's announcements, which travel
    on another connection than the message: even if the announcement of a bump has not
    been read yet, the stream forgets the mirror before passing the message on."""
    from redis.asyncio import Redis

    from podium.core.page_cache import REDIS_PREFIX, page_cache_for

    app = podium_app_factory()
    versions = page_cache_for(app).versions
    name, topic = f"test:{uuid.uuid4().hex}", unique()
    async with serve(app) as url, subscribe(url, topic) as stream:
        async def mirrored() -> bool:
            return bool(getattr(versions, "_mirror_live", False))

        await eventually(mirrored, "the worker mirrors the page versions")
        (before,) = await versions.get((name,))
        redis = Redis.from_url(REDIS_URL)
        try:  # bumped by another worker; its announcement not read here yet
            await redis.incr(REDIS_PREFIX + name)
        finally:
            await redis.aclose()
        assert await versions.get((name,)) == (before,)
        await sse.publish(app.state.channels, topic, "bracket-1", "changed")
        got = await stream.next()
        assert got.event == "bracket-1"
        assert await versions.get((name,)) == (before + 1,)
