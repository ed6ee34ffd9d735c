"""Stations and the stream queue of a tournament (operational state, not facts).

A **station** is a numbered setup (in one of the venue's spaces, optionally labelled with a
room or group) where one match is played at a time. Calling a match puts it on a free
station: the match row's ``station`` holds the number (the API's ``station`` field; the
status becomes ``in_progress``) and the station's ``current_match`` holds the match. A
station is freed when its match is decided (or stops being playable after a correction).

With the tournament's ``auto_call`` on (the default), :func:`after_change` calls ready
matches to free stations after every change of the bracket, in the same transaction as
the change; an organiser may also call a match by hand (:func:`call_match`) or take it
back (:func:`uncall`). Every assignment runs with the tournament row locked and re-checks
inside the lock that the station is free, the match is not already on one and none of its
players is playing elsewhere, so two matches never share a station.

The **stream queue** is an ordered list of matches; its head is on stream. Decided
matches leave it by themselves; a streamed station takes the queue's head first.

Every write here bumps the tournament's ``log_version`` so cached pages re-render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.core.database import atomic
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.i18n import _
from podium.tournaments.labels import status_label
from podium.core.venue.service import MAX_ID, clean_text
from podium.core.venue.tables import Space
from podium.tournaments.kernel import STARTED, Change, lock_tournament, now, record_change
from podium.tournaments.matches import match_dict
from podium.tournaments.projection import refresh_overlay
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchRow, Station, StreamQueueItem, TeamMember, Tournament

MAX_STATION_NUMBER = 9999
MAX_STATIONS = 1000
LABEL_MAX = 40
# Projection statuses a match may be called from: playable, not yet reported or disputed.
CALLABLE = ("ready", "needs_replay")
# Engine statuses after which a match has nothing more to do on a station or the stream.
DONE = ("completed", "skipped")


def station_dict(row: Mapping[str, Any], match: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """A station as plain data, with the match on it (``None`` when free)."""
    return {
        "id": row["id"], "tournament_id": row["tournament"], "number": row["number"],
        "space_id": row["space"], "label": row["label"], "streamed": row["streamed"],
        "match_id": row["current_match"], "match": dict(match) if match else None,
    }


async def _matches_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await MatchRow.select().where(MatchRow.id.is_in(list(ids)))
    return {r["id"]: match_dict(r) for r in rows}


def _entrants_of(match: Mapping[str, Any]) -> set[int]:
    return {s["entrant_id"] for s in match["slots"] if s.get("entrant_id") is not None}


async def users_of_entrants(entrant_ids: Sequence[int]) -> dict[int, list[int]]:
    """The user ids behind each entrant: the solo player or captain, and accepted members."""
    if not entrant_ids:
        return {}
    out: dict[int, set[int]] = {e: set() for e in entrant_ids}
    for r in await EntrantRow.select(EntrantRow.id, EntrantRow.user).where(
            EntrantRow.id.is_in(list(entrant_ids))):
        if r["user"] is not None:
            out[r["id"]].add(r["user"])
    for r in await TeamMember.select(TeamMember.entrant, TeamMember.user).where(
            TeamMember.entrant.is_in(list(entrant_ids)) & (TeamMember.status == "accepted")):
        out[r["entrant"]].add(r["user"])
    return {e: sorted(u) for e, u in out.items()}


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


async def list_stations(tournament_id: int) -> list[dict[str, Any]]:
    """The tournament's stations by number, each with the match on it."""
    rows = await Station.select().where(Station.tournament == tournament_id).order_by(
        Station.number)
    matches = await _matches_by_id([r["current_match"] for r in rows if r["current_match"]])
    return [station_dict(r, matches.get(r["current_match"])) for r in rows]


async def stream_queue(tournament_id: int) -> list[dict[str, Any]]:
    """The stream queue in order: ``{"position", "on_stream", "match"}``; the head is on
    stream."""
    rows = await StreamQueueItem.select().where(
        StreamQueueItem.tournament == tournament_id).order_by(StreamQueueItem.position)
    matches = await _matches_by_id([r["match"] for r in rows])
    return [{"position": i, "on_stream": i == 1, "match": matches[r["match"]]}
            for i, r in enumerate(rows, start=1) if r["match"] in matches]


# --------------------------------------------------------------------------------------
# Stations: add, change, remove
# --------------------------------------------------------------------------------------


async def _check_space(space_id: Any) -> int | None:
    if space_id is None:
        return None
    if isinstance(space_id, bool) or not isinstance(space_id, int) or not 1 <= space_id <= MAX_ID:
        raise InvalidInput(_("space_id must be a space's id"), field="space_id")
    if not await Space.exists().where(Space.id == space_id):
        raise InvalidInput(_("there is no space %(space_id)s", space_id=space_id), field="space_id")
    return space_id


def _check_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            1 <= value <= MAX_STATION_NUMBER):
        raise InvalidInput(_("number must be a whole number from 1 to %(max_station_number)s", max_station_number=MAX_STATION_NUMBER),
                           field="number")
    return value


async def add_stations(tournament_id: int, values: Mapping[str, Any]) -> Change:
    """Add stations: ``number`` (the next free one by default) or ``count`` numbered ones
    from it, with an optional ``space_id``, ``label`` and ``streamed``.

    :raises Conflict: ``station_taken`` when a number is in use; ``too_many_stations``.
    """
    count = values.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 256:
        raise InvalidInput(_("count must be a whole number from 1 to 256"), field="count")
    label = clean_text(values.get("label"), "label", LABEL_MAX, required=False)
    streamed = values.get("streamed", False)
    if not isinstance(streamed, bool):
        raise InvalidInput(_("streamed must be true or false"), field="streamed")
    space_id = await _check_space(values.get("space_id"))
    async with atomic():
        t = await lock_tournament(tournament_id)
        taken = {r["number"] for r in await Station.select(Station.number).where(
            Station.tournament == tournament_id)}
        if len(taken) + count > MAX_STATIONS:
            raise Conflict(_("a tournament has at most %(max_stations)s stations", max_stations=MAX_STATIONS),
                           code="too_many_stations")
        first = values.get("number")
        first = _check_number(first) if first is not None else max(taken, default=0) + 1
        numbers = list(range(first, first + count))
        _check_number(numbers[-1])
        clash = sorted(set(numbers) & taken)
        if clash:
            raise Conflict(_("station %(clash)s already exists", clash=clash[0]), code="station_taken",
                           numbers=clash)
        await Station.insert(*[Station(tournament=tournament_id, number=n, space=space_id,
                                       label=label, streamed=streamed) for n in numbers])
        called = await after_change(t)
        change = await record_change(t, [c["key"] for c in called], called)
    return change


async def _station(station_id: int) -> dict[str, Any]:
    row = await Station.select().where(Station.id == station_id).first()
    if row is None:
        raise NotFound(_("there is no station %(station_id)s", station_id=station_id))
    return row


async def update_station(station_id: int, values: Mapping[str, Any]) -> Change:
    """Change a station's ``label``, ``space_id`` or ``streamed`` flag (the keys given)."""
    updates: dict[Any, Any] = {}
    if "label" in values:
        updates[Station.label] = clean_text(values["label"], "label", LABEL_MAX, required=False)
    if "space_id" in values:
        updates[Station.space] = await _check_space(values["space_id"])
    if "streamed" in values:
        if not isinstance(values["streamed"], bool):
            raise InvalidInput(_("streamed must be true or false"), field="streamed")
        updates[Station.streamed] = values["streamed"]
    row = await _station(station_id)
    async with atomic():
        t = await lock_tournament(row["tournament"])
        if updates:
            await Station.update(updates).where(Station.id == station_id)
        return await record_change(t)


async def remove_station(station_id: int) -> Change:
    """Remove a station; a match on it goes back to waiting (it is not called elsewhere
    until the next change, or by hand)."""
    row = await _station(station_id)
    async with atomic():
        t = await lock_tournament(row["tournament"])
        row = await _station(station_id)
        changed = []
        if row["current_match"]:
            changed = [await _release(row["current_match"])]
        await Station.delete().where(Station.id == station_id)
        return await record_change(t, [k for k in changed if k])


# --------------------------------------------------------------------------------------
# Calling matches
# --------------------------------------------------------------------------------------


async def _release(match_id: int) -> str | None:
    """Take a match off its station (inside the lock); returns its key."""
    await MatchRow.update({MatchRow.station: None, MatchRow.called_at: None}).where(
        MatchRow.id == match_id)
    await Station.update({Station.current_match: None}).where(Station.current_match == match_id)
    await refresh_overlay(match_id)
    row = await MatchRow.select(MatchRow.key).where(MatchRow.id == match_id).first()
    return row["key"] if row else None


async def _assign(match: Mapping[str, Any], station: Mapping[str, Any]) -> dict[str, Any]:
    """Put ``match`` on ``station`` (inside the lock, after the checks)."""
    stamp = now()
    await MatchRow.update({MatchRow.station: station["number"], MatchRow.called_at: stamp}
                          ).where(MatchRow.id == match["id"])
    await Station.update({Station.current_match: match["id"]}).where(Station.id == station["id"])
    await refresh_overlay(match["id"])
    return {"match_id": match["id"], "key": match["key"], "station": station["number"],
            "label": station["label"], "tournament_id": match["tournament_id"],
            "entrant_ids": sorted(_entrants_of(match))}


async def _board(tournament_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                              set[int], list[int]]:
    """Free stations, callable matches (in calling order), entrants busy on a station, and
    the stream queue's match ids in order."""
    stations = await Station.select().where(Station.tournament == tournament_id).order_by(
        Station.number)
    free = [s for s in stations if s["current_match"] is None]
    rows = await MatchRow.select().where(
        (MatchRow.tournament == tournament_id)
        & (MatchRow.status.is_in(list(CALLABLE)) | MatchRow.station.is_not_null()))
    busy: set[int] = set()
    callable_ = []
    for row in rows:
        m = match_dict(row)
        if m["station"] is not None:
            busy |= _entrants_of(m)
        elif len(_entrants_of(m)) == len(m["slots"]) >= 2:
            callable_.append((row["round"], row["position_index"], m))
    callable_.sort(key=lambda x: (x[0], x[1]))
    queue = [r["match"] for r in await StreamQueueItem.select(StreamQueueItem.match).where(
        StreamQueueItem.tournament == tournament_id).order_by(StreamQueueItem.position)]
    return free, [m for _r, _i, m in callable_], busy, queue


async def _sync(tournament_id: int) -> None:
    """Free stations whose match no longer holds them; drop decided matches from the
    stream queue (inside the lock)."""
    await MatchRow.update({MatchRow.called_at: None}).where(
        (MatchRow.tournament == tournament_id) & MatchRow.station.is_null()
        & MatchRow.called_at.is_not_null())
    held = await Station.select(Station.id, Station.current_match).where(
        (Station.tournament == tournament_id) & Station.current_match.is_not_null())
    if held:
        rows = await MatchRow.select(MatchRow.id, MatchRow.station).where(
            MatchRow.id.is_in([h["current_match"] for h in held]))
        still = {r["id"] for r in rows if r["station"] is not None}
        stale = [h["id"] for h in held if h["current_match"] not in still]
        if stale:
            await Station.update({Station.current_match: None}).where(Station.id.is_in(stale))
    queued = await StreamQueueItem.select(StreamQueueItem.id, StreamQueueItem.match).where(
        StreamQueueItem.tournament == tournament_id)
    if queued:
        done = await MatchRow.select(MatchRow.id).where(
            MatchRow.id.is_in([q["match"] for q in queued])
            & MatchRow.engine_status.is_in(list(DONE)))
        done_ids = {d["id"] for d in done}
        gone = [q["id"] for q in queued if q["match"] in done_ids]
        if gone:
            await StreamQueueItem.delete().where(StreamQueueItem.id.is_in(gone))


async def _auto_call(tournament_id: int) -> list[dict[str, Any]]:
    """Call ready matches to free stations (inside the lock): the stream queue's first
    callable match to a streamed station, then the rest in round order; never two matches
    of one entrant at once."""
    # Most results free no station (or the tournament has none): then there is nothing to
    # call, and reading every callable match (32,640 in a big round robin) is skipped.
    if not await Station.exists().where((Station.tournament == tournament_id)
                                        & Station.current_match.is_null()):
        return []
    free, waiting, busy, queue = await _board(tournament_id)
    if not free or not waiting:
        return []
    by_id = {m["id"]: m for m in waiting}
    queued = [by_id[i] for i in queue if i in by_id]
    called: list[dict[str, Any]] = []
    for station in sorted(free, key=lambda s: not s["streamed"]):
        pool = (queued + waiting) if station["streamed"] else waiting
        pick = next((m for m in pool if not (_entrants_of(m) & busy)
                     and m["id"] not in {c["match_id"] for c in called}), None)
        if pick is None:
            continue
        called.append(await _assign(pick, station))
        busy |= _entrants_of(pick)
    return called


async def after_change(t: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Keep stations and the stream queue in step with the bracket, then auto-call.

    Call inside the transaction that changed the bracket, with the tournament locked
    (:mod:`podium.tournaments.play` does after every start, result and pairing). Returns
    the calls made, each ``{"match_id", "key", "station", "label", "entrant_ids",
    "user_ids"}``.
    """
    await _sync(t["id"])
    if t["status"] not in STARTED or not t.get("auto_call", True):
        return []
    called = await _auto_call(t["id"])
    await _add_users(called)
    return called


async def _add_users(called: list[dict[str, Any]]) -> None:
    users = await users_of_entrants(sorted({e for c in called for e in c["entrant_ids"]}))
    for c in called:
        c["user_ids"] = sorted({u for e in c["entrant_ids"] for u in users.get(e, [])})


async def _match_in(match_id: int) -> dict[str, Any]:
    row = await MatchRow.select(MatchRow.tournament).where(MatchRow.id == match_id).first()
    if row is None:
        raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
    return row


async def call_match(match_id: int, station_number: Any = None) -> Change:
    """The organiser calls a match to a station (``station_number``, or the first free one).

    :raises Conflict: ``not_callable`` (not ready, reported or disputed), ``already_called``,
        ``station_busy``, ``no_free_station``, ``player_busy`` (a player is on another
        station).
    :raises NotFound: no such match or station.
    """
    if station_number is not None:
        station_number = _check_number(station_number)
    tournament_id = (await _match_in(match_id))["tournament"]
    async with atomic():
        t = await lock_tournament(tournament_id)
        if t["status"] != "running":
            raise Conflict(_("the tournament is not running"), code="not_running")
        await _sync(tournament_id)
        row = await MatchRow.select().where(MatchRow.id == match_id).first()
        if row is None:
            raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
        match = match_dict(row)
        if match["station"] is not None:
            raise Conflict(_("match %(key)s is already on station %(station)s", key=match['key'], station=match['station']),
                           code="already_called", station=match["station"])
        if match["status"] not in CALLABLE:
            raise Conflict(_("match %(key)s is %(status)s; only a ready match can be called", key=match['key'], status=status_label(match['status'])), code="not_callable")
        free, _waiting, busy, _queue = await _board(tournament_id)
        if _entrants_of(match) & busy:
            raise Conflict(_("a player of this match is playing on another station"),
                           code="player_busy")
        station: dict[str, Any] | None
        if station_number is None:
            if not free:
                raise Conflict(_("every station is in use"), code="no_free_station")
            station = free[0]
        else:
            station = await Station.select().where(
                (Station.tournament == tournament_id) & (Station.number == station_number)
            ).first()
            if station is None:
                raise NotFound(_("there is no station %(station_number)s", station_number=station_number), code="no_such_station")
            if station["current_match"] is not None:
                raise Conflict(_("station %(station_number)s is in use", station_number=station_number), code="station_busy",
                               match_id=station["current_match"])
        called = [await _assign(match, station)]
        await _add_users(called)
        change = await record_change(t, [match["key"]], called)
    return change


async def uncall(match_id: int) -> Change:
    """Take a called match off its station (it waits again; with auto-call on it is called
    again at the next change — turn auto-call off to hold it)."""
    tournament_id = (await _match_in(match_id))["tournament"]
    async with atomic():
        t = await lock_tournament(tournament_id)
        row = await MatchRow.select(MatchRow.station, MatchRow.key).where(
            MatchRow.id == match_id).first()
        if row is None:
            raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
        if row["station"] is None:
            raise Conflict(_("match %(key)s is not on a station", key=row['key']), code="not_called")
        key = await _release(match_id)
        return await record_change(t, [key] if key else [])


async def set_auto_call(tournament_id: int, enabled: Any) -> Change:
    """Turn auto-call on or off; turning it on calls ready matches at once."""
    if not isinstance(enabled, bool):
        raise InvalidInput(_("enabled must be true or false"), field="enabled")
    async with atomic():
        t = await lock_tournament(tournament_id)
        await Tournament.update({Tournament.auto_call: enabled}).where(
            Tournament.id == tournament_id)
        t["auto_call"] = enabled
        called = await after_change(t)
        change = await record_change(t, [c["key"] for c in called], called)
    return change


# --------------------------------------------------------------------------------------
# Stream queue
# --------------------------------------------------------------------------------------


async def _renumber(tournament_id: int, match_ids: Sequence[int]) -> None:
    await StreamQueueItem.delete().where(StreamQueueItem.tournament == tournament_id)
    stamp = now()
    if match_ids:
        await StreamQueueItem.insert(*[
            StreamQueueItem(tournament=tournament_id, match=m, position=i, created_at=stamp)
            for i, m in enumerate(match_ids, start=1)])


async def _queue_ids(tournament_id: int) -> list[int]:
    return [r["match"] for r in await StreamQueueItem.select(StreamQueueItem.match).where(
        StreamQueueItem.tournament == tournament_id).order_by(StreamQueueItem.position)]


async def queue_add(tournament_id: int, match_id: Any, position: Any = None) -> Change:
    """Add a match to the stream queue (at the end, or at 1-based ``position``).

    :raises Conflict: ``already_queued``, ``match_done`` (completed or skipped).
    """
    if isinstance(match_id, bool) or not isinstance(match_id, int) or not 1 <= match_id <= MAX_ID:
        raise InvalidInput(_("match_id must be a match's id"), field="match_id")
    async with atomic():
        t = await lock_tournament(tournament_id)
        row = await MatchRow.select().where(
            (MatchRow.id == match_id) & (MatchRow.tournament == tournament_id)).first()
        if row is None:
            raise NotFound(_("match %(match_id)s is not in this tournament", match_id=match_id))
        if row["engine_status"] in DONE:
            raise Conflict(_("match %(key)s is %(engine_status)s", key=row['key'], engine_status=status_label(row['engine_status'])), code="match_done")
        ids = await _queue_ids(tournament_id)
        if match_id in ids:
            raise Conflict(_("match %(key)s is already queued", key=row['key']), code="already_queued")
        at = len(ids) if position is None else _position(position, len(ids) + 1) - 1
        ids.insert(at, match_id)
        await _renumber(tournament_id, ids)
        return await record_change(t, [row["key"]])


def _position(value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max(most, 1):
        raise InvalidInput(_("position must be from 1 to %(most)s", most=max(most, 1)), field="position")
    return value


async def queue_remove(tournament_id: int, match_id: int) -> Change:
    """Take a match off the stream queue."""
    async with atomic():
        t = await lock_tournament(tournament_id)
        ids = await _queue_ids(tournament_id)
        if match_id not in ids:
            raise NotFound(_("match %(match_id)s is not in the stream queue", match_id=match_id), code="not_queued")
        ids.remove(match_id)
        await _renumber(tournament_id, ids)
        return await record_change(t)


async def queue_move(tournament_id: int, match_id: int, position: Any) -> Change:
    """Move a queued match to 1-based ``position`` (1 puts it on stream)."""
    async with atomic():
        t = await lock_tournament(tournament_id)
        ids = await _queue_ids(tournament_id)
        if match_id not in ids:
            raise NotFound(_("match %(match_id)s is not in the stream queue", match_id=match_id), code="not_queued")
        target = _position(position, len(ids))
        ids.remove(match_id)
        ids.insert(target - 1, match_id)
        await _renumber(tournament_id, ids)
        return await record_change(t)


async def queue_reorder(tournament_id: int, match_ids: Any) -> Change:
    """Set the whole queue's order: ``match_ids`` lists every queued match once."""
    if not isinstance(match_ids, (list, tuple)) or len(match_ids) > MAX_STATIONS:
        raise InvalidInput(_("match_ids must be a list"), field="match_ids")
    async with atomic():
        t = await lock_tournament(tournament_id)
        ids = await _queue_ids(tournament_id)
        if len(set(match_ids)) != len(match_ids) or set(match_ids) != set(ids):
            raise InvalidInput(_("list every queued match exactly once"), field="match_ids")
        await _renumber(tournament_id, list(match_ids))
        return await record_change(t)


# --------------------------------------------------------------------------------------
# What a player sees
# --------------------------------------------------------------------------------------


async def calls_for_user(user_id: int, tournament_id: int | None = None) -> list[dict[str, Any]]:
    """The caller's matches now on a station: ``{"match", "station", "label"}``."""
    rows = await MatchRow.select().where(
        MatchRow.station.is_not_null() if tournament_id is None
        else (MatchRow.tournament == tournament_id) & MatchRow.station.is_not_null())
    if not rows:
        return []
    matches = [match_dict(r) for r in rows]
    entrant_ids = sorted({e for m in matches for e in _entrants_of(m)})
    users = await users_of_entrants(entrant_ids)
    labels = {(s["tournament"], s["number"]): s["label"] for s in await Station.select(
        Station.tournament, Station.number, Station.label).where(
        Station.current_match.is_in([m["id"] for m in matches]))}
    return [{"match": m, "station": m["station"],
             "label": labels.get((m["tournament_id"], m["station"]), "")}
            for m in matches if any(user_id in users.get(e, []) for e in _entrants_of(m))]
