"""The fan hub as a built-in plugin: everything the social domain adds to the platform
goes through the same hooks a third party would use.

It contributes its tables, routes (the athlete directory and profiles, the admins'
verification queue, the JSON API), templates (with the verified badge others reuse),
static files, navigation and its part of the demo venue. Scope ``global``: always on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.venue.contracts import DemoVenue

PODIUM_PLUGIN = PluginMeta(
    name="social",
    version="0.1.0",
    description="Fan hub: athletes and their verification, follows and likes.",
    scope="global",
)

HERE = Path(__file__).parent


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Athletes, the ledger of fan actions and the relations derived from it."""
    return ["podium.social.piccolo_app"]


# -- exclusive content and prizes ---------------------------------------------------------


@hookimpl(specname="podium_routes")
def content_routes() -> list[Any]:
    """Exclusive content, media and prizes: pages and the JSON API."""
    from podium.social.routes_content import CONTENT_ROUTES  # routes import the services: load late
    from podium.social.routes_prizes import PRIZE_ROUTES

    return [*CONTENT_ROUTES, *PRIZE_ROUTES]


@hookimpl(specname="podium_template_dirs")
def content_template_dirs() -> list[Path]:
    """``social/content/*.html`` and ``social/prizes/*.html``."""
    return [HERE / "templates"]


@hookimpl(specname="podium_static_dirs")
def content_static_dirs() -> dict[str, Path]:
    """The hub's scripts and styles, at ``/static/social/``."""
    return {"social": HERE / "static"}


@hookimpl(specname="podium_page_slots")
def content_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """``athlete.posts`` on an athlete's profile: their posts; ``fan.prizes`` on the fan
    page: the fan's claimed prizes (both loaded by htmx)."""
    from podium.social.routes_content import athlete_posts_slot
    from podium.social.routes_prizes import prize_page_slot

    return [*athlete_posts_slot(slot, context), *prize_page_slot(slot, context)]


# tryfirst: pluggy calls it first, and Podium awaits hook results in reverse of pluggy's
# order (load order), so it runs after the athletes' part of the demo made the athletes.
@hookimpl(specname="podium_seed_demo", tryfirst=True)
async def content_seed_demo(demo: DemoVenue) -> None:
    """Posts for each kind of audience (a followers-only video, a silver-and-up post) by the
    demo athletes, and two prizes with stock."""
    from podium.social.content_demo import seed_content_demo

    await seed_content_demo(demo)
