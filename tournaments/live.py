"""What open pages hear of a tournament: the topics they subscribe to, and the server-sent
events a committed :class:`~podium.core.events.TournamentChanged` becomes.

Services record the event in the write's transaction (:func:`podium.tournaments.kernel.announce`);
after commit the outbox dispatcher asks :func:`live_messages` (through the tournament
plugin's ``podium_live_messages``) and publishes the messages through Litestar Channels.
"""

from __future__ import annotations

from podium.core.events import DomainEvent, TournamentChanged
from podium.core.outbox.dispatcher import LiveMessage

#: At most this many changed match keys travel in one message (pages re-fetch anyway).
MAX_CHANGED_KEYS = 500


def topic(tournament_id: int) -> str:
    """The SSE topic of one tournament's pages (bracket, console, screen)."""
    return f"tournament-{tournament_id}"


def user_topic(user_id: int) -> str:
    """The SSE topic of one user's pages ("My matches": a call to a station)."""
    return f"user-{user_id}"


def live_messages(event: DomainEvent) -> list[LiveMessage]:
    """A tournament's pages re-fetch what changed (``bracket-<id>``: the version, the status
    and the changed match keys); players called to a station hear it on their own topic
    (``my-matches``)."""
    if not isinstance(event, TournamentChanged):
        return []
    out = [LiveMessage((topic(event.tournament_id),), f"bracket-{event.tournament_id}",
                       {"version": event.version, "status": event.status,
                        "changed": list(event.changed[:MAX_CHANGED_KEYS])})]
    for call in event.called:
        if call.user_ids:
            out.append(LiveMessage(
                tuple(user_topic(u) for u in call.user_ids), "my-matches",
                {"match_id": call.match_id, "station": call.station,
                 "tournament_id": event.tournament_id}))
    return out
