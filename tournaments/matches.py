"""Reading matches and standings: a tournament's matches in bracket order, one match with
its open report, the standings its format ranks, and the matches a player plays.

Matches are read from the projection rows; standings are derived from the facts each time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.accounts.service import CurrentUser
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.i18n import _
from podium.core.plugins import PluginHost
from podium.core.validation import check_page
from podium.tournaments.engine import MatchStatus
from podium.tournaments.formats import formats
from podium.tournaments.kernel import DEFAULT_LIMIT, STARTED, load_json
from podium.tournaments.projection import OPEN_REPORTS, REPORTABLE, derive_state, entrant_names
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchReport, MatchRow, TeamMember, Tournament

# A whole 4,096-entrant bracket fits in one page.
MAX_MATCH_LIMIT = 10_000
# Public statuses of a match someone can play now (or is playing): what "live" means.
LIVE = frozenset({"ready", "in_progress", "awaiting_confirmation", "disputed", "needs_replay"})


def match_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A projection row as the API shows a match."""
    return {
        "id": row["id"], "tournament_id": row["tournament"], "key": row["key"],
        "stage": row["stage"], "bracket": row["bracket"], "round": row["round"],
        "position": row["position"], "status": row["status"], "best_of": row["best_of"],
        "slots": load_json(row["slots"]), "winner_id": row["winner"],
        "games": load_json(row["games"]), "station": row["station"],
        "stale_result": row["stale_result"],
    }


async def list_matches(tournament_id: int, status: str | None = None,
                       limit: int = DEFAULT_LIMIT, offset: int = 0
                       ) -> tuple[list[dict[str, Any]], int]:
    """Matches in bracket order (optionally of one status), and the total."""
    check_page(limit, offset, MAX_MATCH_LIMIT)
    if status is not None and status not in {s.value for s in MatchStatus}:
        raise InvalidInput(_("status must be one of %(statuses)s", statuses=', '.join(s.value for s in MatchStatus)),
                           field="status")
    if not await Tournament.exists().where(Tournament.id == tournament_id):
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    where: Combinable = MatchRow.tournament == tournament_id
    if status is not None:
        where &= MatchRow.status == status
    rows = await MatchRow.select().where(where).order_by(MatchRow.position_index
                                                         ).limit(limit).offset(offset)
    total = await MatchRow.count().where(where)
    return [match_dict(r) for r in rows], total


async def get_match(match_id: int) -> dict[str, Any]:
    """One match, with its open report if any (:class:`NotFound` when there is none)."""
    row = await MatchRow.select().where(MatchRow.id == match_id).first()
    if row is None:
        raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
    out = match_dict(row)
    report = await MatchReport.select().where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id, ascending=False).first()
    out["report"] = _report_dict(report) if report else None
    return out


def _report_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "entrant_id": row["entrant"], "winner_id": row["winner"],
            "games": load_json(row["games"]), "state": row["state"],
            "reported_by": row["reported_by"], "created_at": row["created_at"]}


async def standings(host: PluginHost, tournament_id: int) -> list[dict[str, Any]]:
    """Ranked rows (rank, entrant, seed, tiebreak values); empty before the start.

    :raises NotFound: no such tournament.
    :raises Conflict: ``format_missing`` when the tournament's format is not installed.
    """
    t = await Tournament.select().where(Tournament.id == tournament_id).first()
    if t is None:
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    if t["status"] not in STARTED:
        return []
    fmt = formats(host).get(t["format"])
    if fmt is None:
        raise Conflict(_("the format %(format)s is no longer installed", format=f"{t['format']!r}"), code="format_missing")
    state = await derive_state(fmt, t)
    names = await entrant_names(tournament_id)
    rows, disqualified = [], []
    out = {e.id for e in state.entrants if not e.active}
    # Ranking reads every match (32,640 in a 256-entrant round robin): off the loop too.
    for row in await asyncio.to_thread(fmt.standings, state):
        data = row.to_dict()
        known = names.get(row.entrant_id) if isinstance(row.entrant_id, int) else None
        data["name"] = known or str(row.entrant_id)
        if row.entrant_id in out:
            disqualified.append(data)
        else:
            rows.append(data)
    # A disqualified entrant ranks below everyone who stayed in (tied last), whatever it
    # won before: the format's ranking does not know of disqualification.
    for data in disqualified:
        data["rank"] = len(rows) + 1
        data["status"] = "disqualified"
    return rows + disqualified


async def my_matches(user: CurrentUser, tournament_id: int | None = None) -> list[dict[str, Any]]:
    """The matches the caller plays (in running tournaments), playable ones first."""
    own = await EntrantRow.select(EntrantRow.id, EntrantRow.tournament).where(
        (EntrantRow.user == user.id) & (EntrantRow.status == "registered"))
    member = await TeamMember.select(TeamMember.entrant, TeamMember.entrant.tournament.as_alias(
        "tournament")).where((TeamMember.user == user.id) & (TeamMember.status == "accepted"))
    ids: dict[int, set[int]] = {}
    for r in own:
        ids.setdefault(r["tournament"], set()).add(r["id"])
    for r in member:
        ids.setdefault(r["tournament"], set()).add(r["entrant"])
    if tournament_id is not None:
        ids = {k: v for k, v in ids.items() if k == tournament_id}
    out = []
    for tid, entrant_ids in ids.items():
        rows = await MatchRow.select().where(
            (MatchRow.tournament == tid)
            & MatchRow.engine_status.is_in([*REPORTABLE, MatchStatus.COMPLETED.value])
        ).order_by(MatchRow.position_index)
        for row in rows:
            slots = load_json(row["slots"])
            mine = [s["entrant_id"] for s in slots if s.get("entrant_id") in entrant_ids]
            if mine:
                data = match_dict(row)
                data["my_entrant_id"] = mine[0]
                out.append(data)
    playing = [m for m in out if m["status"] != "completed"]
    return playing + [m for m in out if m["status"] == "completed"]
