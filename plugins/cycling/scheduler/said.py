"""The schedulers' explanations as data: a code and its parameters (:class:`Said`), never
a sentence in one language.

The contract's :class:`~podium.core.venue.contracts.Explanation` carries ``text``: the
schedulers here fill it with :func:`english` and hand the data itself over as
:class:`SaidExplanation` (``said``, JSON-ready). The plugin stores the data and words it
for each reader when shown (``plugins.cycling.explain``), in the reader's language.

Parameters are plain numbers and text (an event's title, as the venue wrote it), nested
:class:`Said`, tuples of them (joined with "; ") or :class:`Ref`: a phase (by key), a
session (by id), an instant, a day, a part of the day or a stored code; a reader's words
are derived from the ref, the ``text`` kept beside it is the English the contract shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from podium.core.venue.contracts import Explanation


def N_(message: str) -> str:
    """Marks ``message`` for extraction (``pybabel`` knows ``N_``); words it in English."""
    return message


#: Every code and its English words (the msgid its translations are found by).
WORDS: dict[str, str] = {
    # why a phase has no session at all (before any search)
    "waits_missing": N_("waits for %(phases)s, which is not in the programme"),
    "waits_itself": N_("waits for itself"),
    "no_session": N_("the meet has no competition session"),
    "pinned_elsewhere": N_("pinned to session %(session)s, which is not a competition session"),
    "too_long": N_("needs %(minutes)s min on the track; the longest session it may use "
                   "lasts %(longest)s min"),
    "pinned_no_fit": N_("pinned at %(at)s, where its %(minutes)s min do not fit inside a "
                        "session it may use"),
    "chain_late": N_("after %(phase)s (and its riders' recovery) it could start %(at)s at "
                     "the earliest, and no session it may use has room for it after that"),
    "chain_early": N_("the rounds after it leave no session early enough for it (it must "
                      "start by %(at)s)"),
    # why a phase cannot start at a given minute
    "window": N_("its %(minutes)s min from %(start)s do not fit in %(session)s "
                 "(%(opens)s–%(closes)s)"),
    "pinned_at": N_("it is pinned at %(at)s"),
    "waits_for": N_("it waits for %(phase)s, which is not placed"),
    "follows": N_("it follows %(phase)s, which ends %(at)s"),
    "track_taken": N_("the track is taken by %(what)s %(start)s–%(end)s"),
    "session_kind": N_("%(session)s (%(kind)s)"),
    "must_follow": N_("%(phase)s must follow it"),
    "recovery": N_("its riders race in %(phase)s %(start)s–%(end)s and need %(minutes)s min "
                   "recovery"),
    "session_full": N_("the session is full"),
    "too_short": N_("it is too short"),
    "in_session": N_("%(session)s: %(reason)s"),
    "and_more": N_("%(reasons)s; and %(count)s more"),
    "and_more_sessions": N_("%(reasons)s; and %(count)s more sessions"),
    # unplaced phases
    "cannot_place": N_("%(phase)s cannot be placed: %(reason)s"),
    "time_limit": N_("%(phase)s was not placed before the time limit (a slot is free: "
                     "reschedule)"),
    "no_fit": N_("%(phase)s does not fit: %(reasons)s"),
    # unmet wishes
    "wish_part": N_("%(phase)s: wanted %(part)s, placed in %(session)s at %(at)s because "
                    "%(why)s"),
    "no_part_session": N_("no session %(part)s can take it"),
    "search_ended": N_("the search ended before moving it to %(session)s, which has room at "
                       "%(at)s (a longer time limit may find it)"),
    "costs_more": N_("moving it to %(session)s at %(at)s costs more elsewhere (finals spread "
                     "over the days, sessions' length)"),
    "too_early": N_("every session %(part)s it may use comes too early: %(reason)s"),
    "wish_start": N_("%(phase)s: wanted %(wanted)s, placed %(at)s because %(why)s"),
    "no_session_open": N_("no session it may use is open then"),
    "costs_more_wish": N_("placing it then costs more elsewhere (other wishes, compactness)"),
    "spread": N_("%(category)s: finals not spread over the days (%(days)s; a fair share is "
                 "%(cap)s a day): the search found no better spread within the rules and the "
                 "other wishes"),
    "day_count": N_("%(count)s on %(day)s"),
    # the plugin's own notes about a draft
    "track_busy": N_("The track is taken by %(event)s from %(start)s to %(end)s (buffers "
                     "included): no phase is placed then."),
    "phase_no_fit": N_("%(phase)s does not fit in the sessions."),
    "calendar_changed": N_("The track's calendar changed since this draft was scheduled "
                           "(%(title)s): reschedule to take it into account."),
}

#: The parts of the day a final may be wished in.
PARTS: dict[str, str] = {
    "morning": N_("in the morning"), "afternoon": N_("in the afternoon"),
    "evening": N_("in the evening"),
}


@dataclass(frozen=True)
class Ref:
    """Something an explanation names: ``kind`` (``phase``, ``session``, ``at`` an
    instant with its day, ``time`` a time of day, ``day``, ``part``, ``term``), ``key``
    (a phase key, a session id, an ISO instant or day, a code), ``text`` (English) and,
    for a phase, ``name``: its progression table's name of the round, a key the plugin
    adds when it stores the explanation (titles are derived from it when shown)."""

    kind: str
    key: str
    text: str = ""
    name: str = ""


@dataclass(frozen=True)
class Said:
    """One explanation: a code of :data:`WORDS` and its parameters (hashable: reasons are
    counted)."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Said:
        """``Said.of("follows", phase=..., at=...)``."""
        assert code in WORDS, code
        return cls(code, tuple(params.items()))

    def get(self, name: str) -> Any:
        """One parameter (``None`` when absent)."""
        return dict(self.params).get(name)


class SaidExplanation(Explanation, frozen=True):
    """The contract's explanation with its data: ``said`` is :func:`to_json` of it."""

    said: Any = None


def phase_ref(key: str, name: str) -> Ref:
    """A phase, by key (its English label in ``text``)."""
    return Ref("phase", key, name)


def session_ref(session_id: str, name: str) -> Ref:
    """A session, by id (its name in ``text``)."""
    return Ref("session", session_id, name)


def at_ref(at: datetime) -> Ref:
    """An instant, shown with its day ("Sat 20:05")."""
    return Ref("at", at.isoformat(), at.strftime("%a %H:%M"))


def time_ref(at: datetime) -> Ref:
    """An instant, shown as a time of day ("20:05")."""
    return Ref("time", at.isoformat(), at.strftime("%H:%M"))


def day_ref(day: date) -> Ref:
    """A day ("Sat 12 Dec")."""
    return Ref("day", day.isoformat(), day.strftime("%a %d %b"))


def part_ref(part: str) -> Ref:
    """A part of the day (``evening``)."""
    return Ref("part", part, PARTS.get(part, part))


def term_ref(code: str) -> Ref:
    """A stored code the plugin translates (a category, a session kind, a status)."""
    return Ref("term", code, code)


def listed(items: list[Said], shown: int, code: str = "and_more") -> Said | tuple[Said, ...]:
    """The first ``shown`` of ``items``, and how many more (``code``) when there are."""
    if len(items) <= shown:
        return tuple(items)
    return Said.of(code, reasons=tuple(items[:shown]), count=len(items) - shown)


def word(said: Said, translate: Callable[[str], str], name: Callable[[Ref], str]) -> str:
    """``said`` in words: ``translate`` gives a msgid's words, ``name`` a ref's."""

    def value(v: Any) -> Any:
        if isinstance(v, Said):
            return word(v, translate, name)
        if isinstance(v, Ref):
            return name(v)
        if isinstance(v, tuple):
            return "; ".join(str(value(x)) for x in v)
        return v

    return translate(WORDS[said.code]) % {k: value(v) for k, v in said.params}


def english(said: Said) -> str:
    """``said`` in English, as the contract's ``text``."""
    return word(said, lambda m: m, lambda r: r.text or r.key)


def explanation(kind: Literal["unplaced", "wish_part", "wish_start", "spread"], subject: str,
                said: Said) -> SaidExplanation:
    """The contract's explanation of ``said`` (English text, the data beside it)."""
    return SaidExplanation(kind, subject, english(said), to_json(said))


def to_json(value: Any) -> Any:
    """``value`` (a :class:`Said`, :class:`Ref`, tuple or plain value) as JSON data."""
    if isinstance(value, Said):
        return {"code": value.code, "params": {k: to_json(v) for k, v in value.params}}
    if isinstance(value, Ref):
        data = {"ref": value.kind, "key": value.key, "text": value.text}
        return data | ({"name": value.name} if value.name else {})
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def from_json(data: Any) -> Any:
    """The inverse of :func:`to_json`; an unknown code gives ``None`` (not shown)."""
    if isinstance(data, dict) and "code" in data:
        if data["code"] not in WORDS:
            return None
        return Said(data["code"], tuple((str(k), from_json(v))
                                        for k, v in (data.get("params") or {}).items()))
    if isinstance(data, dict) and "ref" in data:
        return Ref(str(data["ref"]), str(data.get("key", "")), str(data.get("text", "")),
                   str(data.get("name", "")))
    if isinstance(data, list):
        return tuple(from_json(v) for v in data)
    return data
