"""The fan hub as a built-in plugin: everything the social domain adds to the platform
goes through the same hooks a third party would use.

It contributes its tables, routes (the athlete directory and profiles, the admins'
verification queue, the JSON API), templates (with the verified badge others reuse),
static files, navigation and its part of the demo venue. Scope ``global``: always on.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.i18n import N_, gettext_noop
from podium.core.plugins import NavItem
from podium.core.venue.contracts import DemoVenue

PODIUM_PLUGIN = PluginMeta(
    name="social",
    version="0.1.0",
    description=gettext_noop("Fan hub: athletes and their verification, follows and likes."),
    scope="global",
)

HERE = Path(__file__).parent


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Athletes, the ledger of fan actions and the relations derived from it."""
    return ["podium.social.piccolo_app"]


@hookimpl
def podium_routes() -> list[Any]:
    """The athletes' JSON API and pages."""
    from podium.social.routes import ROUTES  # routes import the whole domain: load late

    return list(ROUTES)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``social/*.html``, their partials, and ``social/_badge.html`` (the verified badge
    macro every page showing an athlete's name uses)."""
    return [HERE / "templates"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The hub's stylesheet, at ``/static/social/``."""
    return {"social": HERE / "static"}


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The fan hub's French catalogue (``social/locale``)."""
    return [HERE / "locale"]


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """Athletes for everyone; My athlete profile for signed-in users; the verification
    queue for admins."""
    items = [NavItem(N_("Athletes"), "/athletes", order=30)]
    if user is not None:
        items.append(NavItem(N_("My athlete profile"), "/me/athlete", order=31, menu="account"))
    items.append(NavItem(N_("Verify athletes"), "/admin/athletes", roles=frozenset({"admin"}), order=60))
    return items


@hookimpl
async def podium_seed_demo(demo: DemoVenue) -> None:
    """Verified athletes of both sports (the e-sport ones are the demo tournament's
    players where it made them) and one profile waiting in the queue."""
    from podium.social.demo import seed_demo  # the services: load late, as the routes

    await seed_demo(demo)


# -- exclusive content and prizes ---------------------------------------------------------


@hookimpl(specname="podium_routes")
def content_routes() -> list[Any]:
    """Exclusive content, media and prizes: pages and the JSON API."""
    from podium.social.routes.content import CONTENT_ROUTES  # routes import the services: load late
    from podium.social.routes.prizes import PRIZE_ROUTES

    return [*CONTENT_ROUTES, *PRIZE_ROUTES]


@hookimpl(specname="podium_nav_items")
def content_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """The hub feed and the prizes for everyone; prize stock for admins."""
    return [NavItem(N_("Hub feed"), "/hub/feed", order=32), NavItem(N_("Prizes"), "/hub/prizes", order=33),
            NavItem(N_("Prize stock"), "/hub/admin/prizes", roles=frozenset({"admin"}), order=61)]


@hookimpl(specname="podium_page_slots")
def content_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """``athlete.posts`` on an athlete's profile: their posts; ``fan.prizes`` on the fan
    page: the fan's claimed prizes (both loaded by htmx)."""
    from podium.social.routes.content import athlete_posts_slot
    from podium.social.routes.prizes import prize_page_slot

    return [*athlete_posts_slot(slot, context), *prize_page_slot(slot, context)]


# tryfirst: pluggy calls it first, and Podium awaits hook results in reverse of pluggy's
# order (load order), so it runs after the athletes' part of the demo made the athletes.
@hookimpl(specname="podium_seed_demo", tryfirst=True)
async def content_seed_demo(demo: DemoVenue) -> None:
    """Posts for each kind of audience (a followers-only video, a silver-and-up post) by the
    demo athletes, and two prizes with stock."""
    from podium.social.content_demo import seed_content_demo

    await seed_content_demo(demo)


# -- points (the engine applies the reward rules of the plugins enabled for the venue) --


@hookimpl
def podium_startup(app: Any) -> Any:
    """Give the points engine the app's plugin host (the event hooks receive only the
    event) and, when Redis is configured, fill its leaderboards if they are missing."""
    from podium.social.leaderboard import redis_url
    from podium.social.points import bind_host

    host = getattr(getattr(app, "state", None), "plugin_host", None)
    if host is None:  # not a web app (a test calling the hook by hand)
        return None
    bind_host(host)
    return _Deferred(_fill_redis) if redis_url() else None


class _Deferred:
    """An awaitable whose coroutine is made only when it is awaited.

    The app collects every plugin's start-up answer first and awaits them after; when a
    later plugin's start-up raises (a wrong setting), the answers before it are dropped.
    A coroutine made at once would then be garbage-collected unawaited (Python warns:
    "coroutine ... was never awaited"); this object holds only the function.
    """

    def __init__(self, start: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._start = start

    def __await__(self) -> Generator[Any, None, None]:
        return self._start().__await__()


async def _fill_redis() -> None:
    from podium.social.leaderboard import redis_ready, reload_redis

    try:
        if await redis_ready() is None:
            await reload_redis()
    except Exception:  # Redis down: the leaderboards answer from SQL meanwhile
        import logging

        logging.getLogger("podium.social").warning("could not fill the Redis leaderboards",
                                                   exc_info=True)


@hookimpl
async def podium_fan_actions_recorded(event: Any) -> None:
    """Recompute the points, boards and medal of each fan who acted (idempotent: the
    same delivery twice computes the same rows)."""
    from podium.social.points import on_fan_actions_recorded

    await on_fan_actions_recorded(event.actions, event.venue_id)


@hookimpl(specname="podium_startup")
def content_startup(app: Any) -> None:
    """Build the media storage the settings name, so a wrong ``PODIUM_MEDIA_STORAGE``
    stops start-up with its message instead of failing the first upload."""
    from podium.social.storage import storage_for

    settings = getattr(getattr(app, "state", None), "settings", None)
    if settings is not None:
        storage_for(settings)
