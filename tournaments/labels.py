"""What people read for the statuses the tournaments store in English.

One table each, used wherever a status word reaches a person: the pages (the macros of
``tournaments/partials/labels.html`` call the template globals the shell installs from
here) and the error details that quote a status ("match W1-1 is in progress" / "le match
W1-1 est en cours"). The stored values and the API's ``code``s stay English identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

from podium.core.i18n import LazyString, N_, lazy_pgettext

#: Tournament, entrant and match statuses (``tournaments.status``, ``entrants.status``,
#: ``matches.status`` and the engine's ``MatchStatus`` values).
STATUS_LABELS: Mapping[str, LazyString] = {
    "draft": N_("draft"), "registration": N_("registration open"), "running": N_("live"),
    "finished": lazy_pgettext("status", "finished"), "registered": N_("registered"),
    "waitlisted": N_("waitlisted"), "withdrawn": N_("withdrawn"), "dropped": N_("dropped"),
    "pending": N_("waiting"), "ready": lazy_pgettext("status", "ready"),
    "in_progress": N_("in progress"), "awaiting_confirmation": N_("awaiting confirmation"),
    "disputed": N_("disputed"), "completed": N_("completed"), "skipped": N_("skipped"),
    "needs_replay": N_("to replay"),
}

#: An entrant's standing once started (the engine's standing rows, and ``disqualified``).
STANDING_LABELS: Mapping[str, LazyString] = {
    "active": N_("in play"), "advanced": N_("advanced"), "eliminated": N_("eliminated"),
    "champion": N_("champion"), "finished": lazy_pgettext("status", "finished"),
    "disqualified": N_("disqualified"),
}

#: A team member's role and invitation status (``tournaments.team_members``).
MEMBER_LABELS: Mapping[str, LazyString] = {
    "captain": N_("captain"), "member": lazy_pgettext("team", "member"), "invited": N_("invited"),
    "accepted": lazy_pgettext("invitation", "accepted"),
    "declined": lazy_pgettext("invitation", "declined"),
}


def _label(labels: Mapping[str, LazyString], value: str | None) -> str:
    if value is None:
        return ""
    found = labels.get(value)
    # A value no table knows (a plugin's own) reads as itself, underscores as spaces.
    return str(found) if found is not None else str(value).replace("_", " ")


def status_label(status: str | None) -> str:
    """A tournament's, entrant's or match's status as people read it, in the current
    locale (``in_progress`` → "in progress" / "en cours")."""
    return _label(STATUS_LABELS, status)


def standing_label(status: str | None) -> str:
    """An entrant's standing status (``eliminated``, ``champion``...) as people read it."""
    return _label(STANDING_LABELS, status)


def member_label(value: str | None) -> str:
    """A team member's role or invitation status as people read it."""
    return _label(MEMBER_LABELS, value)
