"""Live streams are private where their topics are (issue 8, point 2).

Every topic of ``/-/events?topics=...`` is checked before anything is subscribed: a
personal topic (``user-<id>``) is its owner's only, the gate's and the sales dashboard's
topics need the role, a topic whose kind nobody declared is refused. A refusal is a 403
naming the topic, as JSON. Each client may hold a bounded number of streams open (429
beyond), and a closed stream gives its slot back.

Everything is asked of a real uvicorn server (``serve``): an allowed stream never ends,
and the in-process client would wait for its end, so a refusal test would hang instead of
failing where the stream is (wrongly) allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from podium.core.live import LiveTopic, anyone, owner, roles
from podium.core.plugins import DuplicateName
from podium.core.settings import SettingsError, load_settings
from podium.core.testing import DEFAULT_PASSWORD, PodiumClient, make_plugin
from podium.tests.core.test_venue_support import quick_user
from podium.tests.web.test_sse import WAIT, EventReader, eventually, serve, unique
from podium.web import sse

# Several log-ins from one address in one test: keep the log-in limiter out of the way.
NO_LOGIN_LIMIT = {"login_rate_per_minute": 1000}


@dataclass
class Served:
    """An app served on a loopback port."""

    app: Litestar
    url: str


@pytest.fixture
async def served(podium_app_factory: Any) -> AsyncIterator[Served]:
    """The full app under uvicorn (log-in limiter out of the way)."""
    app = podium_app_factory(**NO_LOGIN_LIMIT)
    async with serve(app) as url:
        yield Served(app, url)


async def ask(client: PodiumClient, topics: str) -> httpx.Response:
    """Ask for a stream; a refusal's body is read, an allowed stream is closed at once."""
    async with client.client.stream("GET", "/-/events", params={"topics": topics}) as response:
        if response.status_code != 200:
            await response.aread()
        return response


async def refused(client: PodiumClient, topics: str, status: int = 403) -> dict[str, Any]:
    """Ask for a stream that must be refused (403 by default); return the JSON body."""
    response = await ask(client, topics)
    assert response.status_code == status, f"{topics}: {response.status_code}"
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    if status == 403:
        assert body["code"] == "forbidden"
    return body


@contextlib.asynccontextmanager
async def browser(base_url: str, user: Any = None) -> AsyncIterator[PodiumClient]:
    """A client of the served app, signed in as ``user`` through the real form (or not)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=WAIT) as raw:
        client = PodiumClient(raw)
        if user is not None:
            await client.login(user.username, DEFAULT_PASSWORD)
        yield client


@contextlib.asynccontextmanager
async def stream(client: PodiumClient, topics: str) -> AsyncIterator[EventReader]:
    """Open a stream that must be allowed and wait for its ``ready`` event."""
    async with client.client.stream("GET", "/-/events", params={"topics": topics}) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        reader = EventReader(response)
        ready = await reader.next()
        assert (ready.event, ready.data) == ("ready", topics)
        yield reader


# -- personal topics ---------------------------------------------------------------------

async def test_anonymous_visitor_cannot_read_a_players_topic(served: Served) -> None:
    """``/-/events?topics=user-<id>`` without signing in streamed the player's station
    calls; now it is a 403 naming the topic, and it says to sign in."""
    player = await quick_user("player4", "player")
    async with browser(served.url) as client:
        body = await refused(client, f"user-{player.id}")
    assert f"'user-{player.id}'" in body["detail"] and "sign in" in body["detail"]
    assert body["topics"] == [f"user-{player.id}"]


async def test_another_user_cannot_read_a_players_topic(served: Served) -> None:
    """Player 5 signed in may not read player 4's topic, even next to topics they may
    read; only the forbidden one is named."""
    four = await quick_user("player4", "player")
    five = await quick_user("player5", "player")
    async with browser(served.url, five) as client:
        body = await refused(client, f"event-1,user-{five.id},user-{four.id}")
    assert body["topics"] == [f"user-{four.id}"]
    assert "sign in" not in body["detail"]


async def test_an_admin_cannot_read_a_players_topic(served: Served) -> None:
    """Personal topics are their owner's only: admins hold every role, not every person's
    stream (no page needs another person's)."""
    four = await quick_user("player4", "player")
    admin = await quick_user("boss", "admin")
    async with browser(served.url, admin) as client:
        await refused(client, f"user-{four.id}")


async def test_a_player_streams_their_own_topic(served: Served) -> None:
    """Player 4 signed in reads ``user-4`` (what "My matches" subscribes to) and hears a
    station call published there."""
    four = await quick_user("player4", "player")
    async with browser(served.url, four) as client:
        topics = f"user-{four.id},tournament-1"
        async with stream(client, topics) as reader:
            await sse.publish(served.app.state.channels, f"user-{four.id}", "my-matches",
                              {"station": 3})
            got = await reader.next()
            assert (got.event, got.data) == ("my-matches", '{"station": 3}')


# -- staff topics ------------------------------------------------------------------------

async def test_gate_topic_is_refused_without_the_role(served: Served) -> None:
    """The gate's live counts are for staff: a fan, a player or an anonymous visitor is
    refused; so is the sales dashboard's topic."""
    fan = await quick_user("someone-fan", "fan")
    player = await quick_user("someone-player", "player")
    for user in (None, fan, player):
        async with browser(served.url, user) as client:
            assert (await refused(client, "gate-7"))["topics"] == ["gate-7"]
            await refused(client, "sales-7")


async def test_gate_topic_streams_for_staff_and_organisers(served: Served) -> None:
    """Staff (the scanner), organisers and admins read ``gate-<event>``; a staff member
    hears the counts published there. The sales topic needs an organiser."""
    staff = await quick_user("doorkeeper", "staff")
    organiser = await quick_user("org", "organiser")
    admin = await quick_user("boss", "admin")
    async with browser(served.url, staff) as client, stream(client, "gate-7") as reader:
        await sse.publish(served.app.state.channels, "gate-7", "gate-counts", "<b>12</b>")
        got = await reader.next()
        assert (got.event, got.data) == ("gate-counts", "<b>12</b>")
        await refused(client, "sales-7")
    for user in (organiser, admin):
        async with browser(served.url, user) as client, stream(client, "gate-7,sales-7"):
            pass


# -- deny by default -----------------------------------------------------------------------

@pytest.mark.parametrize("topic", [
    "mine-abc",        # a kind nobody declared
    "secret",          # no kind at all
    "user-abc",        # a declared kind, a malformed key
    "event-1-extra",   # a declared kind, a key that is not an id
    "gate-",           # an empty key
])
async def test_unknown_or_malformed_topics_are_refused(served: Served, topic: str) -> None:
    """Only topics whose kind a domain or plugin declared, with a well-formed key, stream."""
    async with browser(served.url) as client:
        body = await refused(client, topic)
    assert body["topics"] == [topic]


async def test_public_topics_stream_for_anyone(served: Served) -> None:
    """Event pages and tournament pages are public, so are their topics."""
    async with browser(served.url) as client, stream(client, "event-12,tournament-3"):
        pass


@pytest.mark.hooks("podium_live_topics")
async def test_a_plugin_declares_who_reads_its_topics(podium_app_factory: Any) -> None:
    """A plugin that publishes on a kind of its own declares it through
    ``podium_live_topics`` (undeclared, they are refused like ``mine-abc`` above); then
    they follow its rule: here keys are room names anyone may read, and an async rule
    admits members only."""

    async def members_only(key: str, user: Any) -> bool:
        await asyncio.sleep(0)  # a rule may look something up
        return user is not None

    def declare(registry: Any) -> None:
        registry.add("room", LiveTopic("room", anyone, key_pattern=r"[a-z]{1,20}"))
        registry.add("club", LiveTopic("club", members_only))

    app = podium_app_factory(extra=[make_plugin("chatter", podium_live_topics=declare)])
    async with serve(app) as url, browser(url) as client:
        async with stream(client, "room-lobby"):
            pass
        assert (await refused(client, "room-lobby1"))["topics"] == ["room-lobby1"]
        await refused(client, "club-1")


@pytest.mark.hooks("podium_live_topics")
def test_a_kind_has_one_owner(podium_app_factory: Any) -> None:
    """A second plugin declaring ``user`` would widen who reads personal topics: start-up
    stops, naming both plugins."""
    thief = make_plugin("thief", podium_live_topics=lambda registry: registry.add(
        "user", LiveTopic("user", anyone)))
    with pytest.raises(DuplicateName, match="'venue'.*'thief'"):
        podium_app_factory(extra=[thief])


async def test_rules() -> None:
    """The ready-made rules, and a rule answering anything but ``True`` refuses."""
    from podium.core.accounts.service import CurrentUser
    from podium.core.live import may_read
    from podium.core.plugins import Registry

    alice = CurrentUser(4, "alice", "Alice", frozenset({"player"}))
    staff = CurrentUser(5, "sam", "Sam", frozenset({"staff"}))
    admin = CurrentUser(6, "root", "Root", frozenset({"admin"}))
    registry: Registry[LiveTopic] = Registry("live topic kind")
    registry.add("user", LiveTopic("user", owner))
    registry.add("gate", LiveTopic("gate", roles("staff")))
    registry.add("maybe", LiveTopic("maybe", lambda key, user: None))  # type: ignore[arg-type,return-value]
    cases = [
        ("user-4", alice, True), ("user-4", None, False), ("user-4", admin, False),
        ("user-04", alice, False), ("gate-1", staff, True), ("gate-1", admin, True),
        ("gate-1", alice, False), ("gate-1", None, False), ("maybe-1", alice, False),
        ("nobody-1", admin, False),
    ]
    for topic, user, allowed in cases:
        assert await may_read(registry, topic, user) is allowed, (topic, user)
    with pytest.raises(ValueError):
        LiveTopic("Bad-Kind", anyone)
    with pytest.raises(ValueError):
        roles()


# -- streams per client ---------------------------------------------------------------------

async def test_streams_per_client_are_capped_and_given_back(podium_app_factory: Any) -> None:
    """With a cap of 3: three streams open, the fourth is a 429 with a reason; closing one
    is the next test. A signed-in user counts apart from the address's anonymous streams,
    and a refused topic takes no slot."""
    app = podium_app_factory(sse_streams_per_client=3, **NO_LOGIN_LIMIT)
    fan = await quick_user("fan1", "fan")
    async with serve(app) as url, browser(url) as client:
        async with contextlib.AsyncExitStack() as streams:
            for _ in range(3):
                await streams.enter_async_context(stream(client, unique()))
            body = await refused(client, "event-1", status=429)
            assert body["code"] == "too_many_streams" and body["limit"] == 3
            assert "3 live streams" in body["detail"]
            await refused(client, "user-1")  # still 403, not 429: access comes first

            async with browser(url, fan) as signed_in, stream(signed_in, "event-1"):
                pass  # the same address, another client: its own count


async def test_closing_one_stream_lets_a_new_one_in(podium_app_factory: Any) -> None:
    """Open N, the N+1th is refused, close one, a new one works."""
    app = podium_app_factory(sse_streams_per_client=2)
    async with serve(app) as url, browser(url) as client:
        async with stream(client, unique()):
            async with stream(client, unique()):
                await refused(client, "event-1", status=429)
            slots = sse.stream_slots(app)

            async def one_open() -> bool:
                return slots.open_for("address:127.0.0.1") == 1

            await eventually(one_open, "the closed stream gave its slot back")
            async with stream(client, unique()):
                pass


async def test_a_stream_that_never_started_gives_its_slot_back() -> None:
    """A response whose body never starts (the client left at once) never runs the
    generator's clean-up; dropping the generator frees the slot all the same."""
    slots = sse.StreamSlots(1)
    slot = slots.acquire("address:10.0.0.1")
    messages = sse.counted_stream(object(), ["event-1"], slot)  # type: ignore[arg-type]
    with pytest.raises(sse.TooManyStreams):
        slots.acquire("address:10.0.0.1")
    del messages
    gc.collect()  # CPython frees it at once; be sure on any interpreter
    assert slots.open_for("address:10.0.0.1") == 0
    slots.acquire("address:10.0.0.1").release()
    slot.release()  # a second release is harmless
    assert slots.open_for("address:10.0.0.1") == 0


def test_streams_per_client_setting() -> None:
    """``PODIUM_SSE_STREAMS_PER_CLIENT``: 8 by default, a whole number of at least 1."""
    base = {"PODIUM_SECRET_KEY": "x"}
    assert load_settings(base).sse_streams_per_client == 8
    assert load_settings({**base, "PODIUM_SSE_STREAMS_PER_CLIENT": "2"}).sse_streams_per_client == 2
    for bad in ("0", "-1", "many"):
        with pytest.raises(SettingsError, match="PODIUM_SSE_STREAMS_PER_CLIENT"):
            load_settings({**base, "PODIUM_SSE_STREAMS_PER_CLIENT": bad})


# -- every page's stream still opens ----------------------------------------------------------

async def test_every_live_page_may_read_the_topics_it_subscribes_to(served: Served) -> None:
    """Deny by default must not break a page: on the demo venue, each page with an
    ``sse-connect`` (event page, tournament page, screen, console, My matches, sales
    dashboard, gate scanner), opened by the person it is for, gets its stream."""
    from podium.web.demo import DEMO_PASSWORD, seed_demo

    demo = await seed_demo(admin_password="admin-pass-123")
    tournament, ticketed = demo.made["tournament"], demo.made["ticketed_event"]
    pages = [
        (None, f"/events/{ticketed}"), (None, f"/tournaments/{tournament}"),
        (None, f"/tournaments/{tournament}/screen"),
        ("organiser", f"/tournaments/{tournament}/console"),
        ("organiser", f"/events/{ticketed}/sales"), ("gate", f"/gate?event={ticketed}"),
        ("player1", "/me/matches"),
    ]
    for username, path in pages:
        async with httpx.AsyncClient(base_url=served.url, timeout=WAIT) as raw:
            client = PodiumClient(raw)
            if username is not None:
                await client.login(username, DEMO_PASSWORD)
            page = await client.client.get(path)
            assert page.status_code == 200, (username, path, page.status_code)
            urls = [html.unescape(u) for u in re.findall(r'sse-connect="([^"]+)"', page.text)]
            assert urls, f"{path} subscribes to nothing"
            for url in urls:
                topics = parse_qs(urlsplit(url).query)["topics"][0]
                async with stream(client, topics):
                    pass


# -- refusals in the visitor's language -------------------------------------------------------

async def test_refusals_speak_french_and_keep_english_codes(podium_app_factory: Any) -> None:
    """A French page's stream is refused in French (403 topic, 429 too many streams, 400
    malformed list); the ``code`` stays the English identifier."""
    app = podium_app_factory(sse_streams_per_client=1, **NO_LOGIN_LIMIT)
    player = await quick_user("player9", "player")
    async with serve(app) as url, browser(url) as client:
        client.client.headers["Accept-Language"] = "fr"
        body = await refused(client, f"user-{player.id}")
        assert "vous ne pouvez pas lire le sujet en direct" in body["detail"]
        assert "connectez-vous" in body["detail"] and body["code"] == "forbidden"
        malformed = await ask(client, "Bad Topic!")
        assert malformed.status_code == 400
        assert "mal formé" in malformed.text
        async with stream(client, unique()):
            body = await refused(client, "event-1", status=429)
        assert body["code"] == "too_many_streams"
        assert "1 flux en direct ouvert" in body["detail"]
        client.client.headers["Accept-Language"] = "en"
        english = await refused(client, f"user-{player.id}")
        assert "you may not read the live topic" in english["detail"]
