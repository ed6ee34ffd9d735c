"""What a player plays next, and at about what time ("My matches": "next: vs winner of
W2-4 at about 15:40").

The estimate is pure (:func:`estimate_starts`): a match being played or ready starts now
(or when it was called to a station); a match still waiting starts when the last of the
matches it waits for ends; a match lasts its expected number of games times
:data:`MINUTES_PER_GAME`. Nothing is promised: stations may be short and games long, so
pages say "at about" and round to five minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from podium.core.i18n import _
from podium.tournaments.kernel import load_json
from podium.tournaments.labels import source_label
from podium.tournaments.matches import LIVE
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchRow, TeamMember, Tournament

#: Minutes one game takes, on average, with the changeover (e-sport: about 8).
MINUTES_PER_GAME = 8
ROUND_TO = timedelta(minutes=5)
DONE = ("completed", "skipped")


def expected_games(best_of: int) -> float:
    """Games a best-of-N match lasts on average between even sides (Bo1: 1, Bo3: 2.5)."""
    best_of = max(1, best_of)
    return (best_of + 1) / 2 + (best_of - 1) / 4


def estimate_starts(matches: Sequence[Mapping[str, Any]], now: datetime,
                    not_before: datetime | None = None,
                    minutes_per_game: float = MINUTES_PER_GAME) -> dict[str, datetime]:
    """Estimated start of every match not yet decided, by key.

    ``matches`` are projection rows as dicts (``key``, ``status``, ``best_of``, ``slots``
    with ``source_ref``, ``called_at``, ``updated_at``). ``not_before``: nothing starts
    before it (the tournament's event). A source outside ``matches`` counts as ended now.
    """
    floor = max(now, not_before) if not_before else now
    by_key = {m["key"]: m for m in matches}
    ends: dict[str, datetime] = {}
    starts: dict[str, datetime] = {}

    def duration(m: Mapping[str, Any]) -> timedelta:
        return timedelta(minutes=minutes_per_game * expected_games(m.get("best_of") or 1))

    def start(key: str) -> datetime:
        if key in starts:
            return starts[key]
        m = by_key[key]
        if m["status"] in LIVE:
            called = m.get("called_at")
            at = min(called, floor) if called else floor
        else:  # waiting: after the matches it waits for (sources come before it)
            at = floor
            for s in m["slots"]:
                ref = s.get("source_ref") or {}
                if s.get("entrant_id") is None and ref.get("match") in by_key:
                    at = max(at, end(ref["match"]))
        starts[key] = at
        return at

    def end(key: str) -> datetime:
        if key not in ends:
            m = by_key[key]
            if m["status"] in DONE:
                ends[key] = min(m.get("updated_at") or now, now)
            else:
                ends[key] = start(key) + duration(m)
        return ends[key]

    # Sources come first in bracket order, so resolving in order keeps recursion shallow.
    for m in matches:
        if m["status"] not in DONE:
            start(m["key"])
    return starts


def about(at: datetime) -> datetime:
    """An estimate rounded to :data:`ROUND_TO` (to the nearest)."""
    step = ROUND_TO.total_seconds()
    seconds = at.timestamp()
    return at + timedelta(seconds=round(seconds / step) * step - seconds)


def opponent(match: Mapping[str, Any], mine: int) -> str:
    """Who the entrant ``mine`` plays in ``match``: a name, or where they will come from
    ("winner of W2-4")."""
    others = [s for s in match["slots"] if s.get("entrant_id") != mine]
    if not others:
        return ""
    if len(others) > 1:
        return _("%(n)s players", n=len(others) + 1)
    s = others[0]
    if s.get("entrant_id") is not None:
        return str(s.get("name") or s["entrant_id"])
    return source_label(s)


def next_for(entrant_ids: Iterable[int], matches: Sequence[Mapping[str, Any]]
             ) -> Mapping[str, Any] | None:
    """The entrant's next match: the first undecided one (bracket order) they are in."""
    ids = set(entrant_ids)
    for m in matches:
        if m["status"] not in DONE and any(s.get("entrant_id") in ids for s in m["slots"]):
            return m
    return None


async def my_next_matches(user_id: int, now: datetime) -> list[dict[str, Any]]:
    """Per running tournament the caller plays in: the next match, the opponent and the
    estimated start (``{"tournament_id", "tournament", "match", "opponent", "at"}``)."""
    own = await EntrantRow.select(EntrantRow.id, EntrantRow.tournament).where(
        (EntrantRow.user == user_id) & (EntrantRow.status == "registered"))
    member = await TeamMember.select(TeamMember.entrant, TeamMember.entrant.tournament.as_alias(
        "tournament")).where((TeamMember.user == user_id) & (TeamMember.status == "accepted"))
    ids: dict[int, set[int]] = {}
    for r in own:
        ids.setdefault(r["tournament"], set()).add(r["id"])
    for r in member:
        ids.setdefault(r["tournament"], set()).add(r["entrant"])
    if not ids:
        return []
    running = await Tournament.select(
        Tournament.id, Tournament.name, Tournament.event.starts_at.as_alias("event_starts")
    ).where(Tournament.id.is_in(sorted(ids)) & (Tournament.status == "running"))
    out = []
    for t in running:
        rows = await MatchRow.select(
            MatchRow.key, MatchRow.status, MatchRow.best_of, MatchRow.slots, MatchRow.station,
            MatchRow.called_at, MatchRow.updated_at, MatchRow.id).where(
            MatchRow.tournament == t["id"]).order_by(MatchRow.position_index)
        for r in rows:
            r["slots"] = load_json(r["slots"])
        nxt = next_for(ids[t["id"]], rows)
        if nxt is None:
            continue
        starts = estimate_starts(rows, now, t["event_starts"])
        mine = next(s["entrant_id"] for s in nxt["slots"] if s.get("entrant_id") in ids[t["id"]])
        out.append({"tournament_id": t["id"], "tournament": t["name"], "match": nxt,
                    "opponent": opponent(nxt, mine), "at": about(starts[nxt["key"]])})
    return out
