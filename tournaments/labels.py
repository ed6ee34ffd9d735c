"""What people read for the statuses the tournaments store in English.

One table each, used wherever a status word reaches a person: the pages (the macros of
``tournaments/partials/labels.html`` call the template globals the shell installs from
here) and the error details that quote a status ("match W1-1 is in progress" / "le match
W1-1 est en cours"). The stored values and the API's ``code``s stay English identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium.core.i18n import LazyString, N_, _, babel_locale, lazy_pgettext, stored_label

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


def status_label(status: str | None) -> str:
    """A tournament's, entrant's or match's status as people read it, in the current
    locale (``in_progress`` → "in progress" / "en cours")."""
    return stored_label(STATUS_LABELS, status)


def standing_label(status: str | None) -> str:
    """An entrant's standing status (``eliminated``, ``champion``...) as people read it."""
    return stored_label(STANDING_LABELS, status)


def member_label(value: str | None) -> str:
    """A team member's role or invitation status as people read it."""
    return stored_label(MEMBER_LABELS, value)


#: An ordinal per CLDR ordinal category of the reader's language (English 1st, 2nd, 3rd,
#: 4th, 11th, 21st; French 1er, 2e...).
ORDINALS: Mapping[str, LazyString] = {
    "one": lazy_pgettext("ordinal", "%(n)sst"), "two": lazy_pgettext("ordinal", "%(n)snd"),
    "few": lazy_pgettext("ordinal", "%(n)srd"), "other": lazy_pgettext("ordinal", "%(n)sth"),
}


def ordinal(n: int) -> str:
    """``n`` as an ordinal in the current locale: ``2nd`` / ``2e``."""
    category = babel_locale().ordinal_form(n)
    return str(ORDINALS.get(category, ORDINALS["other"])) % {"n": n}


def source_label(slot: Mapping[str, Any]) -> str:
    """Where an empty slot's entrant will come from, for people: "winner of W2-4",
    "2nd of group A" / "2e du groupe A" (the engine's ``source`` is English; its
    ``source_ref`` says what it means). The pages' ``source_label`` macro calls this."""
    ref = slot.get("source_ref") or {}
    if ref.get("kind") == "winner" and ref.get("match"):
        return _("winner of %(match)s", match=ref["match"])
    if ref.get("kind") == "loser" and ref.get("match"):
        return _("loser of %(match)s", match=ref["match"])
    if ref.get("group") is not None and isinstance(ref.get("rank"), int):
        return _("%(rank)s of group %(group)s", rank=ordinal(ref["rank"]), group=ref["group"])
    return str(slot.get("source") or _("to be decided"))
