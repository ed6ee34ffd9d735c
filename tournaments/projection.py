"""Facts → state → projection: the stored facts of a tournament (the seeding snapshot, the
ordered results log, the published pairings), the state its format derives from them, and
the match rows (:class:`~podium.tournaments.tables.MatchRow`) kept in step with it.

The format is the only one that computes a bracket; this module reads the facts for it and
writes what it derived. The public status of a match is the format's, with the reporting
workflow (a pending report, a dispute, a station call) overlaid on playable matches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from podium.core.errors import NotFound
from podium.core.i18n import _
from podium.tournaments.engine import (
    BracketFormat,
    BracketState,
    Entrant,
    MatchStatus,
    PairingFact,
    ResultFact,
    Table,
)
from podium.tournaments.kernel import load_json, now
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchReport, MatchRow, PairingLog, ResultLog, SeedFact

# Report states still waiting for an answer (the opponent's, or an organiser's).
OPEN_REPORTS = ("pending", "disputed")
# Engine statuses on which players may report (the replay of a needs_replay match too).
REPORTABLE = (MatchStatus.READY.value, MatchStatus.NEEDS_REPLAY.value)
# Inserting the projection in chunks keeps each statement under PostgreSQL's 32,767
# bind parameters, even for a 65,536-entrant bracket.
INSERT_CHUNK = 500


async def load_facts(tournament_id: int) -> tuple[list[Entrant], list[ResultFact], list[PairingFact]]:
    """The seeding snapshot, the results log (latest fact per match last) and pairings."""
    seeds = await SeedFact.select().where(SeedFact.tournament == tournament_id)
    entrants = [Entrant(r["entrant"], r["seed"], r["active"]) for r in seeds]
    log = await ResultLog.select().where(
        (ResultLog.tournament == tournament_id) & ResultLog.superseded_by.is_null()
    ).order_by(ResultLog.id)
    results = [_fact(r) for r in log]
    pairings = [
        PairingFact(r["round"], tuple(Table(t[0], t[1], t[2]) for t in load_json(r["tables"])))
        for r in await PairingLog.select().where(
            PairingLog.tournament == tournament_id).order_by(PairingLog.round)
    ]
    return entrants, results, pairings


def _fact(row: Mapping[str, Any]) -> ResultFact:
    return ResultFact(
        row["match_key"], row["winner"], tuple(load_json(row["participants"])),
        tuple(tuple(g) for g in load_json(row["games"])), row["forfeit"],
    )


async def derive_state(fmt: BracketFormat, t: Mapping[str, Any]) -> BracketState:
    """Rebuild the tournament's whole state from its facts through its format.

    The derivation runs in a worker thread: a 256-entrant round robin is 32,640 matches,
    seconds of CPU during which the event loop must keep answering (``/healthz``, pages).
    """
    entrants, results, pairings = await load_facts(t["id"])
    return await asyncio.to_thread(fmt.derive, entrants, load_json(t["options"]), results,
                                   pairings)


async def entrant_names(tournament_id: int) -> dict[int, str]:
    """Entrant id → name, for every entrant of the tournament (shown in match slots)."""
    rows = await EntrantRow.select(EntrantRow.id, EntrantRow.name).where(
        EntrantRow.tournament == tournament_id)
    return {r["id"]: r["name"] for r in rows}


def projected_columns(state: BracketState, key: str, names: Mapping[Any, str]) -> dict[str, Any]:
    """The stored columns of one match of the derived state (what its row must hold)."""
    m = state.by_key[key]
    slots = []
    for slot in m.slots(state):
        data = slot.to_dict()
        if slot.entrant_id is not None:
            data["name"] = names.get(slot.entrant_id, str(slot.entrant_id))
        slots.append(data)
    return {
        "key": m.key, "stage": m.stage, "bracket": m.bracket, "round": m.round,
        "position": m.position, "position_index": m.index, "best_of": m.best_of,
        "engine_status": m.status.value, "slots": slots, "winner": m.winner,
        "games": [list(g) for g in m.games], "stale_result": m.stale,
    }


def overlay_status(engine_status: str, report_state: str | None, station: int | None) -> str:
    """The public status: the engine's, with the reporting workflow over playable ones."""
    if engine_status not in REPORTABLE:
        return engine_status
    if report_state == "disputed":
        return MatchStatus.DISPUTED.value
    if report_state == "pending":
        return MatchStatus.AWAITING_CONFIRMATION.value
    if station is not None:
        return MatchStatus.IN_PROGRESS.value
    return engine_status


# The projection's columns in the order :func:`insert_projection` binds them.
_INSERT_COLUMNS = ("tournament", "key", "stage", "bracket", "round", "position",
                   "position_index", "best_of", "engine_status", "status", "slots", "winner",
                   "games", "stale_result", "station", "called_at", "updated_at")


def _insert_rows(tournament_id: int, state: BracketState, keys: Sequence[str],
                 names: Mapping[Any, str], stamp: Any) -> list[tuple[Any, ...]]:
    """The bound values of new projection rows, in :data:`_INSERT_COLUMNS` order."""
    encode = msgspec.json.encode  # several times faster than json.dumps, same JSON
    rows = []
    for key in keys:
        v = projected_columns(state, key, names)
        rows.append((tournament_id, v["key"], v["stage"], v["bracket"], v["round"],
                     v["position"], v["position_index"], v["best_of"], v["engine_status"],
                     overlay_status(v["engine_status"], None, None),
                     encode(v["slots"]).decode(), v["winner"], encode(v["games"]).decode(),
                     v["stale_result"], None, None, stamp))
    return rows


async def insert_projection(tournament_id: int, state: BracketState, keys: Iterable[str],
                            names: Mapping[Any, str]) -> None:
    """Write new rows for the matches ``keys`` of the derived state (at the start, or when
    a round is paired).

    The values are computed in a worker thread and handed to the driver's ``executemany``
    on the transaction's connection: building 32,640 Piccolo ``Table`` objects and their
    query strings took most of a big round robin's start, all of it on the event loop.
    Outside a transaction (never in Podium's own writes) it falls back to Piccolo's raw
    queries, a chunk at a time.
    """
    keys = list(keys)
    rows = await asyncio.to_thread(_insert_rows, tournament_id, state, keys, names, now())
    if not rows:
        return
    columns = ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
    head = f"INSERT INTO {MatchRow._meta.tablename} ({columns}) VALUES "
    db = MatchRow._meta.db
    transaction = db.current_transaction.get()
    if transaction is not None:
        if db.engine_type == "sqlite":
            marks = ", ".join("?" for _col in _INSERT_COLUMNS)
        else:
            marks = ", ".join(f"${i}" for i in range(1, len(_INSERT_COLUMNS) + 1))
        await transaction.connection.executemany(f"{head}({marks})", rows)
        return
    row_sql = "(" + ", ".join("{}" for _col in _INSERT_COLUMNS) + ")"
    for i in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[i:i + INSERT_CHUNK]
        await MatchRow.raw(head + ", ".join([row_sql] * len(chunk)),
                           *[v for row in chunk for v in row])


async def update_projection(tournament_id: int, state: BracketState, keys: Iterable[str],
                            names: Mapping[Any, str]) -> list[dict[str, Any]]:
    """Rewrite the projection rows of ``keys``; open reports on them lapse (the match they
    described changed). Returns the updated rows."""
    keys = list(keys)
    if not keys:
        return []
    rows = await MatchRow.select(MatchRow.id, MatchRow.key, MatchRow.station).where(
        (MatchRow.tournament == tournament_id) & MatchRow.key.is_in(keys))
    by_key = {r["key"]: r for r in rows}
    stamp = now()
    lapsed = [by_key[k]["id"] for k in keys if k in by_key]
    if lapsed:
        await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                                 ).where(MatchReport.match.is_in(lapsed)
                                         & MatchReport.state.is_in(list(OPEN_REPORTS)))
    missing = [k for k in keys if k not in by_key]
    if missing:
        await insert_projection(tournament_id, state, missing, names)
    out = []
    for key in keys:
        if key not in by_key:
            continue
        values = projected_columns(state, key, names)
        station = by_key[key]["station"]
        if values["engine_status"] not in REPORTABLE:
            station = None  # a decided (or no longer playable) match frees its station
        values["station"] = station
        values["status"] = overlay_status(values["engine_status"], None, station)
        await MatchRow.update({**_columns(values), MatchRow.updated_at: stamp}).where(
            MatchRow.id == by_key[key]["id"])
        out.append({**values, "id": by_key[key]["id"]})
    return out


def _columns(values: Mapping[str, Any]) -> dict[Any, Any]:
    return {getattr(MatchRow, k): v for k, v in values.items()}


async def refresh_overlay(match_id: int) -> None:
    """Recompute one match's public status from its open report and station."""
    row = await MatchRow.select(MatchRow.engine_status, MatchRow.station).where(
        MatchRow.id == match_id).first()
    if row is None:
        raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
    report = await MatchReport.select(MatchReport.state).where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id, ascending=False).first()
    status = overlay_status(row["engine_status"], report["state"] if report else None,
                            row["station"])
    await MatchRow.update({MatchRow.status: status, MatchRow.updated_at: now()}).where(
        MatchRow.id == match_id)
