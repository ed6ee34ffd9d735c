"""podium-hello: an example third-party Podium plugin.

A greeting wall for the venue: a page at ``/hello`` (its own template, extending Podium's
layout), a navigation entry, a stylesheet, a table of greetings with its own Piccolo app
and migration, and a listener that records every venue-event change it is told about.

Podium finds it through the ``podium`` entry-point group declared in ``pyproject.toml``
(``hello = "podium_hello"``). Like every third-party plugin it starts switched off: a venue
admin enables it at ``/admin/plugins``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.events import EventsChanged
from podium.core.plugins import NavItem
from podium.core.i18n import N_, gettext_noop

__version__ = "0.1.0"

HERE = Path(__file__).parent

PODIUM_PLUGIN = PluginMeta(
    name="hello",
    version=__version__,
    # Marked for the plugin's catalogue, kept in English here: /admin/plugins translates it.
    description=gettext_noop("A greeting wall that also counts changes to the venue calendar."),
    scope="venue",
    podium_requires=">=0.1,<1",
    default_enabled=False,
)


@hookimpl
def podium_routes() -> list[Any]:
    """The ``/hello`` page and its form (gated: 404 while the plugin is off)."""
    from podium_hello.routes import ROUTES

    return ROUTES


@hookimpl
def podium_template_dirs() -> list[Path]:
    """Templates live under ``templates/hello/`` so their names never clash."""
    return [HERE / "templates"]


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The plugin's own French catalogue (``locale/fr/LC_MESSAGES/messages.po``, compiled
    to ``messages.mo`` with ``pybabel compile -d locale``), merged with the venue's."""
    return [HERE / "locale"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """Served at ``/static/hello/...``."""
    return {"hello": HERE / "static"}


@hookimpl
def podium_nav_items(user: Any) -> list[NavItem]:
    """A "Hello" entry for everyone, signed in or not."""
    return [NavItem(label=N_("Hello"), href="/hello", order=90)]  # lazy: translated when shown


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """The plugin's own tables and migrations."""
    return ["podium_hello.piccolo_app"]


@hookimpl
async def podium_events_changed(event: EventsChanged) -> None:
    """Record each venue-event change (told after commit, only where the plugin is
    enabled; a repeat of the same ``event.event_id`` is ignored)."""
    from podium_hello.service import record_changes

    await record_changes(event)
