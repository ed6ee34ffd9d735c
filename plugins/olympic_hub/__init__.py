"""The Olympic hub: reward rules, medal tiers, leaderboards and the fan's hub page.

Written exactly as a third-party plugin would be, after the model of the IOC's Olympic
Athletes' Hub (2012): 1 point per follow and per like, points for a video watched to the
end, for an event attended (a ticket checked in at the gate) and for a right prediction
of a match winner; bronze, silver and gold medals on lifetime and on season points;
leaderboards (this week, all time, per discipline, the athletes you follow) and the fan's
page ``/me/hub``. The rules are pure (``rules.py``); the social domain's points engine
(``podium.social.points``) applies them. Settings: ``PODIUM_HUB_*`` (``settings.py``).

Scope ``venue``, on by default: a venue that switches it off awards no points from it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from podium.core import PluginMeta, hookimpl
from podium.core.accounts.service import CurrentUser
from podium.core.events import DomainEvent, MatchesCompleted, PointsAwarded, TicketsCheckedIn
from podium.core.i18n import N_, _, gettext_noop
from podium.core.plugins import NavItem, Registry
from podium.social.contracts import MedalLost, MedalReached, MedalTier, RewardRule

PODIUM_PLUGIN = PluginMeta(
    name="olympic_hub",
    version="0.1.0",
    description=gettext_noop(
        "Olympic-style fan rewards: points for follows, likes, videos, attendance and "
        "predictions, bronze/silver/gold medals, leaderboards, the fan's hub page."),
    scope="venue",
    podium_requires=">=0.1",
)

HERE = Path(__file__).parent
#: The tournament page's slot where the "who wins?" form goes.
TOURNAMENT_SLOT = "tournament.main"


@hookimpl
def podium_reward_rules(registry: Registry[RewardRule]) -> None:
    """Follow, like, watch, attend and predict, with the points and caps of the settings."""
    from podium.plugins.olympic_hub.rules import hub_rules
    from podium.plugins.olympic_hub.settings import load_hub_settings

    for rule in hub_rules(load_hub_settings()):
        registry.add(rule.name, rule)


@hookimpl
def podium_medal_tiers(registry: Registry[MedalTier]) -> None:
    """Bronze, silver and gold on lifetime points, and per season (calendar year)."""
    from podium.plugins.olympic_hub.rules import hub_tiers
    from podium.plugins.olympic_hub.settings import load_hub_settings

    for tier in hub_tiers(load_hub_settings(), datetime.now(timezone.utc).year):
        registry.add(tier.name, tier)


@hookimpl
async def podium_tickets_checked_in(event: TicketsCheckedIn) -> None:
    """An ``attend`` fact for each holder whose ticket entered (idempotent)."""
    from podium.plugins.olympic_hub.service import record_attendance

    await record_attendance(event)


@hookimpl
async def podium_matches_completed(event: MatchesCompleted) -> None:
    """Settle the predictions of the completed matches (idempotent per delivery)."""
    from podium.plugins.olympic_hub.service import settle_matches

    await settle_matches(event.event_id, event.tournament_id, event.matches, event.occurred_at)


@hookimpl
def podium_routes() -> list[Any]:
    """The fan's hub page, the leaderboards, the prediction form and the JSON API."""
    from podium.plugins.olympic_hub.routes import ROUTES

    return list(ROUTES)


@hookimpl
def podium_template_dirs() -> list[Path]:
    """``social/hub/*.html`` (kept with the social domain's templates)."""
    return [HERE.parent.parent / "social" / "templates"]


@hookimpl
def podium_static_dirs() -> dict[str, Path]:
    """The hub's styles and its small script, at ``/static/olympic_hub/``."""
    return {"olympic_hub": HERE / "static"}


@hookimpl
def podium_nav_items(user: CurrentUser | None) -> list[NavItem]:
    """The leaderboard for everyone; My hub for signed-in users."""
    items = [NavItem(N_("Leaderboard"), "/hub/leaderboard", order=60)]
    if user is not None:
        items.append(NavItem(N_("My hub"), "/me/hub", order=61, menu="account"))
    return items


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The hub's French catalogue (its pages live in the social room's templates; its own
    strings are the leaderboards' titles, messages and navigation)."""
    return [Path(__file__).parent / "locale"]


@hookimpl
def podium_page_slots(slot: str, context: dict[str, Any]) -> list[str]:
    """``tournament.main`` (context ``{"tournament_id": ...}``): the "who wins?" form,
    loaded with htmx (it depends on the fan; the tournament page is cached)."""
    if slot != TOURNAMENT_SLOT:
        return []
    tournament_id = context.get("tournament_id")
    if not isinstance(tournament_id, int) or isinstance(tournament_id, bool) or tournament_id < 1:
        return []
    # Translated outside the f-string: pybabel does not extract calls inside one.
    title, loading = escape(_("Who wins?")), escape(_("Loading the matches you can predict…"))
    return [str(Markup(
        '<section class="card hub-predictions" id="hub-predictions" '
        f'hx-get="/hub/predictions/{tournament_id}" hx-trigger="load" hx-swap="outerHTML">'
        f'<h2>{title}</h2><p class="muted">{loading}</p>'
        '</section>'))]


@hookimpl
def podium_cli_commands() -> list[Any]:
    """``podium hub rebuild`` and ``podium hub standing USER``."""
    from podium.plugins.olympic_hub.cli import hub

    return [hub]


@hookimpl
async def podium_live_messages(event: DomainEvent, render: Any) -> list[Any]:
    """On the fan's own ``user-<id>`` topic: ``hub-points`` when their points changed
    (the hub page re-fetches its standing) and ``hub-medal`` with a banner when they
    reached a higher medal or lost the one they held."""
    from podium.core.outbox.dispatcher import LiveMessage

    from podium.social.points import medal_label

    # The events name the tiers; the labels are read here, in the locale being made.
    if isinstance(event, MedalReached):
        label = medal_label(event.medal)
        html = (render("social/hub/partials/medal_live.html", {"medal": event, "label": label})
                if render is not None else label)
        return [LiveMessage((f"user-{event.fan_id}",), "hub-medal", html)]
    if isinstance(event, MedalLost):
        lost, held = medal_label(event.lost), medal_label(event.medal)
        html = (render("social/hub/partials/medal_lost_live.html",
                       {"medal": event, "lost_label": lost, "label": held})
                if render is not None else lost)
        return [LiveMessage((f"user-{event.fan_id}",), "hub-medal", html)]
    if isinstance(event, PointsAwarded):
        fans = sorted({a.fan_id for a in event.awards})
        return [LiveMessage((f"user-{fan}",), "hub-points", "changed") for fan in fans]
    return []


# tryfirst: pluggy calls it first and Podium awaits in reverse of pluggy's order, so it
# runs last, after the social domain's posts exist (the demo fans like them).
@hookimpl(tryfirst=True)
async def podium_seed_demo(demo: Any) -> None:
    """Fans with points and medals, from real follows, likes and attendance."""
    from podium.plugins.olympic_hub.demo import seed_demo

    await seed_demo(demo)
