"""Telling the world a tournament changed, from the HTTP layer after a write: open pages
over server-sent events (Litestar Channels) and plugins through
``podium_matches_completed``.

Handlers call :func:`publish_change` (or :func:`publish_field_change`) after the service
call returns, i.e. after the write's transaction committed. The topics name what pages
subscribe to.
"""

from __future__ import annotations

import json

from litestar import Request

from podium.core.activation.service import enabled_plugins
from podium.tournaments.catalogue import get_tournament
from podium.tournaments.kernel import Change


def topic(tournament_id: int) -> str:
    """The SSE topic of one tournament's pages (bracket, console, screen)."""
    return f"tournament-{tournament_id}"


def user_topic(user_id: int) -> str:
    """The SSE topic of one user's pages ("My matches": a call to a station)."""
    return f"user-{user_id}"


async def publish_change(request: Request, change: Change | None) -> None:
    """Tell open pages the bracket changed, and plugins which matches were completed.

    Core domains do not import the web shell: the message goes straight to Litestar
    Channels in :func:`podium.web.sse.encode_message`'s format.
    """
    if change is None:
        return
    channels = request.app.state.get("channels")
    if channels is not None:
        data = json.dumps({"version": change.version, "status": change.status,
                           "changed": change.changed[:500]})
        payload = json.dumps({"event": f"bracket-{change.tournament_id}", "data": data})
        await channels.wait_published(payload, [topic(change.tournament_id)])
        for call in change.called:
            data = json.dumps({"match_id": call["match_id"], "station": call["station"],
                               "tournament_id": change.tournament_id})
            payload = json.dumps({"event": "my-matches", "data": data})
            topics = [user_topic(u) for u in call.get("user_ids", [])]
            if topics:
                await channels.wait_published(payload, topics)
    if change.completed:
        host = request.app.state.plugin_host
        t = await get_tournament(change.tournament_id)
        enabled = await enabled_plugins(host, t["venue_id"], t["id"])
        await host.acall_for(enabled, "podium_matches_completed", tournament=t,
                             matches=change.completed)


async def publish_field_change(request: Request, tournament_id: int) -> None:
    """Tell open pages the field changed (a registration, withdrawal or check-in)."""
    t = await get_tournament(tournament_id)
    await publish_change(request, Change(tournament_id, t["version"], [], [], t["status"]))
