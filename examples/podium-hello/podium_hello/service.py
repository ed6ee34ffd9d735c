"""The rules of the greeting wall (no HTTP here; the routes stay thin)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from podium.core.errors import InvalidInput
from podium.core.i18n import _
from podium.core.events import EventsChanged

from podium_hello.tables import HelloEventChange, HelloGreeting

MAX_MESSAGE = 200
MAX_AUTHOR = 150


def clean_message(raw: Any) -> str:
    """Validate a greeting at the edge: 1 to 200 characters, no NUL, no blank message."""
    message = str(raw or "").strip()
    if not message:
        raise InvalidInput(_("write a message first"), field="message")
    if "\x00" in message:
        raise InvalidInput(_("the message contains a NUL character"), field="message")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(_("a message has at most %(max)s characters", max=MAX_MESSAGE), field="message")
    return message


async def add_greeting(raw_message: Any, author: str) -> dict[str, Any]:
    """Store a greeting; returns it as a dict."""
    greeting = HelloGreeting(
        message=clean_message(raw_message),
        author=author[:MAX_AUTHOR],
        created_at=datetime.now(timezone.utc),
    )
    await greeting.save()
    return greeting.to_dict()


async def latest_greetings(limit: int = 50) -> list[dict[str, Any]]:
    """The newest greetings first."""
    return await HelloGreeting.select().order_by(HelloGreeting.id, ascending=False).limit(limit)


async def record_changes(event: EventsChanged) -> int:
    """Append one row per venue-event change; returns how many were recorded.

    Podium delivers at least once: a delivery repeated after a crash carries the same
    ``event_id``, and is recognised and skipped here.
    """
    if not event.changes or await HelloEventChange.exists().where(
            HelloEventChange.delivery == event.event_id):
        return 0
    stamp = datetime.now(timezone.utc)
    await HelloEventChange.insert(*[
        HelloEventChange(action=change.action, event_id=change.event_id, seen_at=stamp,
                         delivery=event.event_id)
        for change in event.changes])
    return len(event.changes)


async def changes_seen() -> int:
    """How many venue-event changes the plugin has been told about here."""
    return await HelloEventChange.count()
