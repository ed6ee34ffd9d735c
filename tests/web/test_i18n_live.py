"""Live fragments speak each page's language: the outbox asks the plugins once per locale
that has listeners (never once per listener), a French page's stream gets the French
fragment and an English page's the English one; a message that reads the same in every
language goes once to all.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from podium.core import i18n
from podium.core.events import TicketsCheckedIn
from podium.core.outbox import record
from podium.core.outbox.dispatcher import Dispatcher, LiveMessage, by_locale
from podium.core.testing import make_plugin, plugin_host
from podium.tests.core.test_outbox import NOTIFIED
from podium.tests.web.test_sse import WAIT, EventReader, serve

pytestmark = pytest.mark.hooks("podium_live_messages")
_SAMPLE = next(e for e in NOTIFIED if isinstance(e, TicketsCheckedIn))


def checked_in() -> TicketsCheckedIn:
    """A new check-in event (each with its own ``event_id``)."""
    return TicketsCheckedIn(venue_id=_SAMPLE.venue_id, checkins=_SAMPLE.checkins)


def test_by_locale_sends_alike_messages_once_and_translated_ones_per_locale() -> None:
    """Same data in both locales: one message for all; different: one per locale."""
    en = [LiveMessage(("event-1",), "ping", "1"), LiveMessage(("event-1",), "left", "2 left")]
    fr = [LiveMessage(("event-1",), "ping", "1"), LiveMessage(("event-1",), "left", "2 restantes")]
    assert by_locale({"en": en, "fr": fr}) == [
        LiveMessage(("event-1",), "ping", "1"),
        LiveMessage(("event-1",), "left", "2 left", "en"),
        LiveMessage(("event-1",), "left", "2 restantes", "fr")]
    assert by_locale({"en": en}) == en  # nobody listens in French: as before
    # Plugins that answered differently per locale: every message keeps its locale.
    assert by_locale({"en": en, "fr": fr[:1]}) == [
        *(LiveMessage(m.topics, m.event, m.data, "en") for m in en),
        LiveMessage(("event-1",), "ping", "1", "fr")]


async def test_plugins_are_asked_once_per_listening_locale(podium_app_factory: Any) -> None:
    """The dispatcher makes the messages in English, then once more per other locale that
    listens; not at all in a locale nobody listens in."""
    asked: list[str] = []

    def to_live(event: Any, render: Any) -> list[LiveMessage]:
        if not isinstance(event, TicketsCheckedIn):
            return []
        asked.append(i18n.current_locale())
        return [LiveMessage(("event-3",), "state", i18n.gettext("Sold out"))]

    published: list[LiveMessage] = []

    async def publish(message: LiveMessage) -> None:
        if message.event == "state":  # the domains' own messages (sales pings) aside
            published.append(message)

    listening: set[str] = set()

    async def listeners(topics: set[str]) -> set[str]:
        assert "event-3" in topics
        return listening

    host = plugin_host(extra=[make_plugin("live", podium_live_messages=to_live)])
    podium_app_factory()  # loads every room's catalogues
    dispatcher = Dispatcher(host, publish=publish, render=None, listening_locales=listeners)
    await record(checked_in())
    await dispatcher.drain()
    assert asked == ["en"] and published == [LiveMessage(("event-3",), "state", "Sold out")]
    asked.clear()
    published.clear()
    listening.update({"en", "fr"})
    await record(checked_in())
    await dispatcher.drain()
    assert asked == ["en", "fr"]
    assert published == [LiveMessage(("event-3",), "state", "Sold out", "en"),
                         LiveMessage(("event-3",), "state", "Complet", "fr")]


@contextlib.asynccontextmanager
async def stream(base_url: str, topic: str, language: str) -> AsyncIterator[EventReader]:
    """An SSE stream of ``topic`` opened by a browser speaking ``language``."""
    async with httpx.AsyncClient(base_url=base_url, timeout=WAIT) as client:
        async with client.stream("GET", "/-/events", params={"topics": topic},
                                 headers={"Accept-Language": language}) as response:
            assert response.status_code == 200
            reader = EventReader(response)
            ready = await reader.next()
            assert (ready.event, ready.data) == ("ready", topic)
            yield reader


async def test_a_french_page_gets_the_pushed_fragment_in_french(podium_app_factory: Any) -> None:
    """One event, a French and an English page on its topic: each stream gets the real
    template (the shop's places left) rendered in its own language, and a message with no
    text reaches both once."""
    topic = f"event-{uuid.uuid4().int % 10**12}"

    def to_live(event: Any, render: Any) -> list[LiveMessage]:
        if not isinstance(event, TicketsCheckedIn):
            return []
        return [LiveMessage((topic,), "places", render("ticketing/shop_left.html", {"available": 3})),
                LiveMessage((topic,), "sold", render("ticketing/shop_left.html", {"available": 0})),
                LiveMessage((topic,), "ping", "1")]

    app = podium_app_factory(plugins=["ticketing"],
                             extra=[make_plugin("live", podium_live_messages=to_live)])
    async with serve(app) as url, stream(url, topic, "fr-FR,fr;q=0.9") as french, \
            stream(url, topic, "en-GB") as english:
        await record(checked_in())
        app.state.outbox.wake()
        got = [await french.next() for _ in range(3)]
        assert [(e.event, e.data) for e in got] == [
            ("places", "<strong>3</strong> restants"),
            ("sold", '<span class="badge bad">Complet</span>'),
            ("ping", "1")]
        got = [await english.next() for _ in range(3)]
        assert [(e.event, e.data) for e in got] == [
            ("places", "<strong>3</strong> left"),
            ("sold", '<span class="badge bad">Sold out</span>'),
            ("ping", "1")]
