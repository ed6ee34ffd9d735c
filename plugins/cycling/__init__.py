"""Track cycling: meets and their programme (UCI Part 3 conventions).

It contributes the ``track_meet`` event kind to the venue calendar, the ``meet`` scope
kind, and the meets themselves: sessions, competitions, riders and start lists, results
entered per heat (later heats re-flow from the progression tables), the programme
(scheduled through ``podium_programme_schedulers``, versioned, an iCalendar feed), the
meet page, console, screen and rider profiles, and the JSON API under ``/api/v1/meets``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import DomainEvent, EventsChanged
from podium.core.i18n import N_, gettext, gettext_noop
from podium.core.live import LiveTopic, anyone
from podium.core.outbox.dispatcher import LiveMessage, Renderer
from podium.core.plugins import NavItem, ScopeKind
from podium.core.venue.contracts import DemoVenue, ProgrammeScheduler
from podium.core.venue.kinds import EventKind
from podium.plugins.cycling.scheduler import CpSatScheduler, GreedyScheduler

PODIUM_PLUGIN = PluginMeta(
    name="cycling",
    version="0.1.0",
    description=gettext_noop("Track cycling meets on the velodrome's track."),
    scope="venue",
)

TRACK_MEET = EventKind(
    name="track_meet",
    label=N_("Track meet"),
    description=N_("A track cycling competition (sprint, keirin, pursuit, omnium...)."),
    color="#c0262d",
)


@hookimpl
def podium_event_kinds(registry: Registry[EventKind]) -> None:
    """Register the ``track_meet`` kind."""
    registry.add(TRACK_MEET.name, TRACK_MEET)


# -- the meet (cyc-meet): tables, pages, API, live topic, demo --------------------------

HERE = Path(__file__).parent
#: The scope kind of a meet: plugins can be switched per meet.
MEET_SCOPE = ScopeKind(name="meet", label=N_("Track meet"), path_param="meet_id")
#: The social domain's slot on an athlete's profile (context ``{"user_id": ...}``).
ATHLETE_RESULTS_SLOT = "athlete.results"


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The plugin's catalogues: ``plugins/cycling/locale/<lang>/LC_MESSAGES/messages.po``."""
    return [HERE / "locale"]


@hookimpl
def podium_scope_kinds(registry: Registry[ScopeKind]) -> None:
    """Plugins can be switched per meet."""
    registry.add(MEET_SCOPE.name, MEET_SCOPE)


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Meets, sessions, competitions, riders, entries, heat results, programmes, pins."""
    return ["podium.plugins.cycling.piccolo_app"]


@hookimpl
def podium_routes() -> list[Any]:
    """The meet pages, console, screen, rider profiles, the programme feed and the API."""
    from podium.plugins.cycling.routes import ROUTES  # the services: load late

    return list(ROUTES)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``cycling/*.html`` and their partials."""
    return [HERE / "templates"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The programme editor's drag-and-drop script and the meet styles."""
    return {"cycling": HERE / "static"}


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """Track meets, for everyone."""
    return [NavItem(N_("Track meets"), "/meets", order=18)]


@hookimpl
def podium_live_topics(registry: Registry[LiveTopic]) -> None:
    """``meet-<id>``: results, start lists and the published programme of a meet, which
    its public page shows anyway (the console and the screen use it too)."""
    topic = LiveTopic("meet", anyone, description="a track meet's results or programme changed")
    registry.add(topic.kind, topic)


@hookimpl
def podium_live_messages(event: DomainEvent, render: Renderer | None) -> list[LiveMessage]:
    """Open meet pages re-fetch what changed."""
    from podium.plugins.cycling.events import live_messages

    return live_messages(event)


@hookimpl
def podium_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """``athlete.results`` (context ``{"user_id": ...}``): the linked rider's results,
    loaded with htmx. ``event.sidebar`` of a track-meet event: where its meet lives."""
    if slot == "event.sidebar":
        event = context.get("event")
        if not isinstance(event, dict) or event.get("kind") != TRACK_MEET.name:
            return []
        event_id = event.get("id")
        if isinstance(event_id, bool) or not isinstance(event_id, int):
            return []
        loading = escape(gettext("Loading the meet…"))
        return [str(Markup(
            f'<section class="card" hx-get="/meets/for-event/{event_id}" hx-trigger="load" '
            f'hx-swap="outerHTML"><p class="muted">{loading}</p></section>'))]
    if slot != ATHLETE_RESULTS_SLOT:
        return []
    user_id = context.get("user_id")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id < 2**31:
        return []
    title, loading = escape(gettext("Track results")), escape(gettext("Loading…"))
    return [str(Markup(
        f'<section class="card cyc-athlete-results" hx-get="/riders/by-user/{user_id}" '
        f'hx-trigger="load" hx-swap="outerHTML"><h2>{title}</h2>'
        f'<p class="muted">{loading}</p></section>'))]


@hookimpl
async def podium_events_changed(event: EventsChanged) -> None:
    """Another event on a meet's track changed: flag the meet's draft programme (the
    organiser reschedules; a published version never changes by itself)."""
    from podium.plugins.cycling.programme import note_calendar_changes

    changes = [(c.action, c.event.title, c.event.starts_at, c.event.ends_at,
                c.event.space_ids) for c in event.changes if c.event.kind != TRACK_MEET.name]
    if changes:
        await note_calendar_changes(changes)


@hookimpl
async def podium_seed_demo(demo: DemoVenue) -> None:
    """A two-day track meet on the demo's track event: a sprint run to the medals, an
    omnium scored, the programme scheduled."""
    from podium.plugins.cycling.demo import seed_demo

    await seed_demo(demo)
@hookimpl
def podium_programme_schedulers(registry: Registry[ProgrammeScheduler]) -> None:
    """Register the CP-SAT programme scheduler and its quick greedy counterpart."""
    registry.add(CpSatScheduler.name, CpSatScheduler())
    registry.add(GreedyScheduler.name, GreedyScheduler())
