"""The meet's own domain events (subclasses of :class:`~podium.core.events.DomainEvent`,
recorded through the outbox in the write's transaction) and what open pages hear of them.

They name no notification hook: today only live pages follow them (topic ``meet-<id>``).
"""

from __future__ import annotations

from typing import ClassVar

from podium.core.events import DomainEvent, ScopeRef
from podium.core.outbox.dispatcher import LiveMessage

MEET_SCOPE_KIND = "meet"


def topic(meet_id: int) -> str:
    """The SSE topic of one meet's pages (meet page, console, screen)."""
    return f"meet-{meet_id}"


class MeetEvent(DomainEvent, frozen=True, kw_only=True):
    """Something changed in a meet (base of the meet's events)."""

    hook: ClassVar[str | None] = None
    meet_id: int

    def scope(self) -> ScopeRef | None:
        """The meet, as an activation scope."""
        return ScopeRef(MEET_SCOPE_KIND, self.meet_id)


class MeetChanged(MeetEvent, frozen=True, kw_only=True):
    """The meet's set-up changed: sessions, competitions, riders or entries.

    :param what: a word for pages (``sessions``, ``competitions``, ``entries``...).
    """

    what: str


class MeetResultsChanged(MeetEvent, frozen=True, kw_only=True):
    """Results of a heat were saved, corrected or voided.

    :param competition_id: the competition; ``version`` its version after the write.
    :param heat_id: the heat; ``stale`` the later heats whose results no longer fit.
    """

    competition_id: int
    heat_id: str
    version: int
    stale: tuple[str, ...] = ()


class ProgrammeChanged(MeetEvent, frozen=True, kw_only=True):
    """The programme's draft changed (scheduled, a phase moved or pinned) or a version was
    published (``published`` is its number, 0 for a draft change)."""

    status: str
    published: int = 0


class RidersCalled(MeetEvent, frozen=True, kw_only=True):
    """A heat's riders were called to the track (:mod:`podium.plugins.cycling.calls`).

    :param competition_id: the competition; ``heat_id`` the heat called; ``call_id`` the
        call's row.
    :param entrants: the heat's riders (teams in a team event).
    :param user_ids: the accounts of the called riders (a team's riders), who hear it on
        their own topic.
    """

    competition_id: int
    heat_id: str
    call_id: int
    entrants: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()


def user_topic(user_id: int) -> str:
    """One user's own topic (the core ``user`` topic: its owner only)."""
    return f"user-{user_id}"


def live_messages(event: DomainEvent) -> list[LiveMessage]:
    """A meet's pages re-fetch their parts: ``meet-results``, ``meet-programme`` or
    ``meet-call``; riders called to the track hear ``track-call`` on their own topic."""
    if isinstance(event, RidersCalled):
        payload = {"meet_id": event.meet_id, "competition_id": event.competition_id,
                   "heat_id": event.heat_id}
        out = [LiveMessage((topic(event.meet_id),), "meet-call", payload)]
        if event.user_ids:
            out.append(LiveMessage(tuple(user_topic(u) for u in event.user_ids),
                                   "track-call", payload))
        return out
    if isinstance(event, MeetResultsChanged):
        return [LiveMessage((topic(event.meet_id),), "meet-results",
                            {"competition_id": event.competition_id, "heat_id": event.heat_id,
                             "version": event.version})]
    if isinstance(event, ProgrammeChanged):
        return [LiveMessage((topic(event.meet_id),), "meet-programme",
                            {"status": event.status, "published": event.published})]
    if isinstance(event, MeetChanged):
        return [LiveMessage((topic(event.meet_id),), "meet-results", {"what": event.what})]
    return []
