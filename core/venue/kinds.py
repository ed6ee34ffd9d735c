"""Event kinds: what sort of event something is (public session, private hire...).

Kinds come from the ``podium_event_kinds`` hook. The venue room's own kinds
(``public_session``, ``private_hire``, ``training``, ``other``) are registered by the
built-in global plugin :mod:`podium.core.venue.plugin`; :func:`event_kinds` also adds them
when that module was filtered out of a test app, so core never loses its own kinds.
A kind contributed by a venue-scoped plugin is offered only while that plugin is enabled
for the venue (events of a kind whose plugin was disabled later keep showing).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from podium.core.plugins import PluginHost, Registry
from podium.core.i18n import N_, LazyString


@dataclass(frozen=True)
class EventKind:
    """A kind of venue event, registered through ``podium_event_kinds``.

    :param name: unique machine name (``track_meet``).
    :param label: what people read ("Track meet"); may be lazy (``N_("Track meet")``).
    :param description: one sentence for organisers.
    :param bookable: whether events of this kind usually take public bookings (the form
        then asks for a capacity first).
    :param color: a CSS colour for the calendar.
    """

    name: str
    label: str | LazyString
    description: str | LazyString = ""
    bookable: bool = False
    color: str = "#0b5fff"


CORE_KINDS = (
    EventKind("public_session", N_("Public session"), N_("Open to everyone; people book a place."),
              bookable=True, color="#12804a"),
    EventKind("private_hire", N_("Private hire"), N_("A space hired by a company or a club."),
              color="#6b4fbb"),
    EventKind("training", N_("Training"), N_("Club or team training."), color="#b35c00"),
    EventKind("other", N_("Other"), N_("Anything else that needs a space."), color="#5b6270"),
)
CORE_OWNER = "venue"
"""The plugin name that owns the core kinds (the venue room's own plugin)."""


def register_core_kinds(registry: Registry[Any]) -> None:
    """Add the venue room's own kinds to an event-kind registry."""
    for kind in CORE_KINDS:
        registry.add(kind.name, kind)


_KINDS: "weakref.WeakKeyDictionary[PluginHost, Registry[EventKind]]" = weakref.WeakKeyDictionary()


def event_kinds(host: PluginHost) -> Registry[EventKind]:
    """Every registered event kind (built once per plugin host, then cached)."""
    cached = _KINDS.get(host)
    if cached is None:
        cached = Registry("event kind")
        if CORE_OWNER not in host.plugins:
            cached.current_plugin = CORE_OWNER
            register_core_kinds(cached)
            cached.current_plugin = None
        host.fill_registry("podium_event_kinds", cached)
        _KINDS[host] = cached
    return cached


def available_kinds(host: PluginHost, enabled: Iterable[str]) -> dict[str, EventKind]:
    """Kinds an organiser may choose: core's and those of plugins enabled for the venue."""
    enabled = set(enabled)
    registry = event_kinds(host)
    out = {}
    for name, kind in registry.items():
        owner = registry.owner(name)
        loaded = host.plugins.get(owner)
        if owner == CORE_OWNER or owner in enabled or (loaded and loaded.meta.scope == "global"):
            out[name] = kind
    return out


def kind_info(host: PluginHost, name: str) -> EventKind:
    """The kind called ``name``; an unknown one (its plugin is gone) gets a neutral look."""
    kind = event_kinds(host).get(name)
    return kind or EventKind(name, name.replace("_", " ").capitalize(), color="#5b6270")
