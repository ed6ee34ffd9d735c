"""A programme's explanations in the reader's language.

Stored as data (``{"code", "params"}``, :mod:`plugins.cycling.scheduler.said`): why a phase
does not fit, which wish is not met, the track being taken, the track's calendar having
changed. Each reader gets them worded when shown: phases titled from their keys,
sessions by their names, instants in the venue's zone, codes translated. Drafts stored
before, as English sentences, are shown as they were written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from podium.core.i18n import format_date, format_datetime, gettext
from podium.plugins.cycling.scheduler.said import PARTS, Ref, Said, from_json, word
from podium.plugins.cycling.terms import competition_title, phase_title, term

#: The code an API reader gets for an explanation stored as a sentence (before codes).
TEXT_CODE = "text"


def _named(comps: dict[int, dict[str, Any]]) -> Any:
    """A ref's words for the reader, given the meet's competitions by id."""

    def name(ref: Ref) -> str:
        if ref.kind == "phase":
            comp = comps.get(competition_of_phase(ref.key) or 0)
            if comp is not None:
                return phase_title(competition_title(comp), ref.name)
            return ref.text or ref.key
        if ref.kind in ("at", "time"):
            try:
                at = datetime.fromisoformat(ref.key)
            except ValueError:
                return ref.text
            return format_datetime(at, "EEE HH:mm" if ref.kind == "at" else "time")
        if ref.kind == "day":
            try:
                return format_date(date.fromisoformat(ref.key), "EEE dd MMM")
            except ValueError:
                return ref.text
        if ref.kind == "part":
            return gettext(PARTS[ref.key]) if ref.key in PARTS else ref.key
        if ref.kind == "term":
            return term(ref.key)
        return ref.text or ref.key  # sessions: the organiser's name for them

    return name


def competition_of_phase(key: str) -> int | None:
    """The competition id of a phase key (``c12:QF`` → 12), if it is one."""
    head = key.split(":", 1)[0]
    return int(head[1:]) if head[:1] == "c" and head[1:].isdigit() else None


def with_names(data: Any, names: dict[str, str]) -> Any:
    """Stored explanation data with each phase ref's table name (``names``: phase key →
    the round's name) added, for titles derived when shown."""
    if isinstance(data, list):
        return [with_names(d, names) for d in data]
    if isinstance(data, dict):
        out = {k: with_names(v, names) for k, v in data.items()}
        if out.get("ref") == "phase" and out.get("key") in names:
            out["name"] = names[out["key"]]
        return out
    return data


def worded(stored: Any, comps: dict[int, dict[str, Any]]) -> dict[str, str] | None:
    """One stored explanation as ``{"code", "detail"}`` in the reader's language (a stored
    sentence as it is, code :data:`TEXT_CODE`); ``None`` when it cannot be read."""
    if isinstance(stored, str):
        return {"code": TEXT_CODE, "detail": stored}
    said = from_json(stored)
    if not isinstance(said, Said):
        return None
    return {"code": said.code, "detail": word(said, gettext, _named(comps))}


def worded_all(stored: list[Any], comps: dict[int, dict[str, Any]]) -> list[dict[str, str]]:
    """Every stored explanation worded (:func:`worded`), unreadable ones left out."""
    return [w for w in (worded(s, comps) for s in stored or []) if w is not None]
