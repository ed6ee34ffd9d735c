"""Running a tournament: the start, Swiss rounds, players' reports (confirm, dispute), the
organiser's results and corrections, and disqualification.

The bracket computation is the format's (a pure object from the ``podium_bracket_formats``
registry); this module stores the facts (the seeding snapshot, the ordered results log,
the pairings) and keeps the match projection in step with them
(:mod:`podium.tournaments.projection`).

Each write locks the tournament row and takes the derived state the previous write left
(:func:`podium.tournaments.kernel.take_state`, when it is still current) or rebuilds it from
the facts under the lock, then passes the new fact through the format's incremental
``apply``, which names the matches that changed: only those projection rows are written. A
correction that changes a winner re-flows every later match. Stations are kept in step in
the same transaction (:func:`podium.tournaments.stations.after_change`).

Derivations (building a bracket, applying a fact, pairing a round) run in worker threads:
the event loop keeps serving other requests while a big bracket is computed, and the
tournament's lock (held by this transaction) keeps its writes in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, is_sqlite, row_queue
from podium.core.i18n import _
from podium.tournaments.labels import status_label
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.events import TournamentStarted
from podium.core.outbox import record
from podium.core.plugins import PluginHost
from podium.tournaments import ratings, stations, teams
from podium.tournaments.engine import (
    BracketFormat,
    BracketState,
    Entrant,
    MatchStatus,
    PairingError,
    ResultError,
    ResultFact,
)
from podium.tournaments.formats import check_size, format_for
from podium.tournaments.kernel import (
    STARTED,
    Change,
    announce,
    bump_version,
    entrant_in,
    keep_state,
    load_json,
    lock_tournament,
    merge_changes,
    now,
    record_change,
    require_not_started,
    take_state,
    touch,
    user_entrants,
)
from podium.tournaments.matches import get_match
from podium.tournaments.projection import (
    OPEN_REPORTS,
    derive_state,
    entrant_names,
    insert_projection,
    load_facts,
    refresh_overlay,
    update_projection,
)
from podium.tournaments.registration import fill_from_waitlist
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import (
    MatchReport,
    MatchRow,
    PairingLog,
    ResultLog,
    SeedFact,
    Station,
    Tournament,
)

MAX_GAMES = 99
#: The most numbers one game holds: two scores, or a lobby's placings (one per player).
MAX_GAME_NUMBERS = 100
# ResultError codes that mean "the match is not in a state to take this": 409, not 422.
STATE_CODES = {"unknown_match", "not_ready", "participants_changed"}


# --------------------------------------------------------------------------------------
# Start and rounds
# --------------------------------------------------------------------------------------


def _order_field(rows: list[dict[str, Any]], method: str,
                 rating_of: Mapping[int, float | None] | None = None) -> list[dict[str, Any]]:
    """The field in seed order for the tournament's ``seeding`` method.

    ``rating``: best ``rating_of`` first (the openskill ordinal or the organiser's rating,
    see :func:`podium.tournaments.ratings.entrant_ratings`), unrated entrants last in their
    current seed order; ``random``: shuffled; ``manual``: the current seeds.
    """
    if method == "rating":
        def rating(r: Mapping[str, Any]) -> float | None:
            return (rating_of or {}).get(r["id"], r["rating"])

        return sorted(rows, key=lambda r: (rating(r) is None, -(rating(r) or 0),
                                           r["seed"] is None, r["seed"] or 0, r["id"]))
    if method == "random":
        shuffled = list(rows)
        random.SystemRandom().shuffle(shuffled)
        return shuffled
    return sorted(rows, key=lambda r: (r["seed"] is None, r["seed"] or 0, r["id"]))


async def start(host: PluginHost, tournament_id: int, user: CurrentUser | None) -> Change:
    """Start: drop teams with an incomplete roster and no-shows (when a check-in window
    exists), seed, snapshot, build.

    The seeding snapshot (:class:`SeedFact`) is the first fact; the projection of every
    match is written. Dynamic formats (Swiss) get their first round paired at once.
    Seeding ``rating`` uses the players' openskill ratings in this game (or the
    organiser's ``rating`` of an entrant), read before the lock because refreshing
    ratings writes on a connection of its own.
    """
    rating_of = None
    if (await Tournament.select(Tournament.seeding).where(
            Tournament.id == tournament_id).first() or {}).get("seeding") == "rating":
        rating_of = await ratings.entrant_ratings(tournament_id)
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        options = load_json(t["options"])
        rows = await EntrantRow.select().where(
            (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))
        stamp = now()
        # Teams short of players cannot play: dropped, with or without a check-in window
        # (the organiser sees "roster 2/3" next to them; see teams.incomplete_rosters),
        # unless the organiser checked one in by hand: it plays short-handed.
        waived = {r["id"] for r in rows if r["checked_in"]}
        short = {e: n for e, n in (await teams.incomplete_rosters(t, rows)).items()
                 if e not in waived}
        if short:
            await EntrantRow.update({EntrantRow.status: "dropped",
                                     EntrantRow.status_changed_at: stamp}).where(
                EntrantRow.id.is_in(list(short)))
            rows = [r for r in rows if r["id"] not in short]
        if t["checkin_opens"] is not None:
            no_shows = [r["id"] for r in rows if not r["checked_in"]]
            if no_shows:
                await EntrantRow.update({EntrantRow.status: "dropped",
                                         EntrantRow.status_changed_at: stamp}).where(
                    EntrantRow.id.is_in(no_shows))
            rows = [r for r in rows if r["checked_in"]]
        ordered = _order_field(rows, t["seeding"], rating_of)
        entrant_ids: list[int] = [r["id"] for r in ordered]
        entrants = [Entrant(eid, seed) for seed, eid in enumerate(entrant_ids, start=1)]
        # Before building anything: a field beyond the format's match limit is refused
        # (422, nothing changed; a round robin's reason suggests groups).
        check_size(fmt, len(entrants), options, field="entrants")
        try:
            fmt.check_entrants(entrants, options)
            state = await asyncio.to_thread(fmt.derive, entrants, options, [], [])
        except ValueError as exc:
            raise Conflict(_("cannot start: %(reason)s", reason=exc), code="cannot_start") from exc
        for e in entrants:
            await EntrantRow.update({EntrantRow.seed: e.seed}).where(EntrantRow.id == e.id)
        await SeedFact.insert(*[SeedFact(tournament=tournament_id, entrant=e.id, seed=e.seed)
                                for e in entrants])
        if fmt.dynamic:
            state = await _pair_next(fmt, t, state, user)
        names = {r["id"]: r["name"] for r in rows}
        await insert_projection(tournament_id, state, [m.key for m in state.matches], names)
        version = await bump_version(tournament_id, {Tournament.status: "running",
                                                     Tournament.started_at: stamp})
        called = await stations.after_change({**t, "status": "running"})
        change = await announce(t, Change(tournament_id, version, [m.key for m in state.matches],
                                          [], "running", called))
        await record(TournamentStarted(venue_id=t["venue"], tournament_id=tournament_id,
                                       version=version, format=t["format"],
                                       entrant_ids=tuple(entrant_ids)))
        keep_state({**t, "status": "running"}, fmt, state, version)
    return change


async def _pair_next(fmt: BracketFormat, t: Mapping[str, Any], state: BracketState,
                     user: CurrentUser | None) -> BracketState:
    try:
        # A thread: an exact Swiss round at 1,024 players takes seconds of CPU, and the
        # event loop must keep serving meanwhile (the lock and transaction stay held).
        pairing = await asyncio.to_thread(fmt.next_round, state)
    except PairingError as exc:
        raise Conflict(_("cannot pair the next round: %(reason)s", reason=exc), code="cannot_pair") from exc
    await PairingLog(tournament=t["id"], round=pairing.round,
                     tables=[[x.home, x.away, x.best_of] for x in pairing.tables],
                     created_by=user.id if user else None, created_at=now()).save()
    entrants, results, pairings = await load_facts(t["id"])
    return await asyncio.to_thread(fmt.derive, entrants, load_json(t["options"]), results,
                                   pairings)


async def next_round(host: PluginHost, tournament_id: int, user: CurrentUser | None) -> Change:
    """Pair the next round of a dynamic (Swiss) format and add its matches.

    :raises InvalidInput: ``not_round_based`` for formats whose bracket is fixed at start.
    :raises Conflict: not running, or the format cannot pair now (``cannot_pair``).
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        if not fmt.dynamic:
            raise InvalidInput(
                _("%(name)s is not round-based: its whole bracket exists from the start", name=getattr(fmt, 'label', '') or fmt.name), code="not_round_based")
        if t["status"] != "running":
            raise Conflict(_("the tournament is not running"), code="not_running")
        current = take_state(t, fmt) or await derive_state(fmt, t)
        before = await asyncio.to_thread(_snapshots, current)
        state = await _pair_next(fmt, t, current, user)
        changed = [k for k, snap in (await asyncio.to_thread(_snapshots, state)).items()
                   if before.get(k) != snap]
        await update_projection(tournament_id, state, changed, await entrant_names(tournament_id))
        called = await stations.after_change(t)
        changed += [c["key"] for c in called if c["key"] not in changed]
        version = await _count_fact(t, state)
        keep_state(t, fmt, state, version)
        return await announce(t, Change(tournament_id, version, changed, [], "running", called))


def _snapshots(state: BracketState) -> dict[str, Any]:
    """Every match's derived data by key (to tell which matches a new round changed)."""
    return {m.key: m.snapshot() for m in state.matches}


async def _count_fact(t: Mapping[str, Any], state: BracketState) -> int:
    """Bump the version for a new fact; finish (or re-open) the tournament as the state
    says. Returns the new version."""
    status = "finished" if state.complete else "running"
    values: dict[Any, Any] = {Tournament.status: status}
    if status == "finished" and t["status"] != "finished":
        values[Tournament.finished_at] = now()
    elif status == "running":
        values[Tournament.finished_at] = None
    return await bump_version(t["id"], values)


# --------------------------------------------------------------------------------------
# Results: report, confirm, dispute, organiser result
# --------------------------------------------------------------------------------------


@dataclass
class _Context:
    """A match write's view under the lock: the tournament row, its format, the state
    derived from the facts, and the match's projection row."""

    t: dict[str, Any]
    fmt: BracketFormat
    state: BracketState
    row: dict[str, Any]


async def _match_queue(match_id: int) -> contextlib.AbstractAsyncContextManager[None]:
    """The in-process queue in front of the lock of the match's tournament
    (:func:`podium.core.database.row_queue`): players reporting at once wait there in
    order rather than each holding a pooled connection in the database."""
    if is_sqlite():  # the writer lane queues every write already
        return contextlib.nullcontext()
    found = await MatchRow.select(MatchRow.tournament).where(MatchRow.id == match_id).first()
    if found is None:  # _match_context says so, inside the transaction
        return contextlib.nullcontext()
    return row_queue(("tournament", found["tournament"]))


async def _match_context(host: PluginHost, match_id: int) -> _Context:
    """Inside atomic(): lock the match's tournament, re-read the match, derive the state."""
    found = await MatchRow.select(MatchRow.tournament).where(MatchRow.id == match_id).first()
    if found is None:
        raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
    t = await lock_tournament(found["tournament"])
    if t["status"] not in STARTED:
        raise Conflict(_("the tournament is not running"), code="not_running")
    row = await MatchRow.select().where(MatchRow.id == match_id).first()
    if row is None:
        raise NotFound(_("there is no match %(match_id)s", match_id=match_id))
    fmt = await format_for(host, t["format"], t["venue"], t["id"])
    # The state the last write left, when still current; else derived from the facts.
    state = take_state(t, fmt) or await derive_state(fmt, t)
    if row["key"] not in state.by_key:
        raise Conflict(_("match %(key)s is not in the current bracket", key=row['key']), code="unknown_match")
    return _Context(t, fmt, state, row)


def _check_games_shape(games: Any) -> tuple[tuple[int, ...], ...]:
    if games is None:
        return ()
    if not isinstance(games, (list, tuple)) or len(games) > MAX_GAMES:
        raise InvalidInput(_("games must be a list of at most %(max_games)s [a, b] scores", max_games=MAX_GAMES),
                           field="games")
    out = []
    for g in games:
        # Two scores, or a lobby's placings (one per player); the format checks the count.
        if (not isinstance(g, (list, tuple)) or not 2 <= len(g) <= MAX_GAME_NUMBERS
                or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 10**6
                           for x in g)):
            raise InvalidInput(_("each game is two scores [a, b] (in a lobby, each player's "
                                 "place), whole numbers from 0"),
                               field="games", code="invalid_games")
        out.append(tuple(g))
    return tuple(out)


def _build_fact(ctx: _Context, winner: Any, games: Any, forfeit: bool = False) -> ResultFact:
    """A result for the match as it stands now (games in slot order), checked by the format."""
    if winner is not None and (isinstance(winner, bool) or not isinstance(winner, int)):
        raise InvalidInput(_("winner_id must be an entrant id"), field="winner_id")
    m = ctx.state.by_key[ctx.row["key"]]
    # A side not known yet (None) played nobody: left out, the format refuses such a match
    # as not ready.
    fact = ResultFact(m.key, winner, tuple(p for p in m.participants if p is not None),
                      _check_games_shape(games), bool(forfeit))
    try:
        ctx.fmt.check_result(ctx.state, fact)
    except ResultError as exc:
        cls = Conflict if exc.code in STATE_CODES else InvalidInput
        raise cls(exc.detail, code=exc.code) from exc
    return fact


async def _side_of(ctx: _Context, user: CurrentUser) -> int:
    """The caller's entrant in this match, or 403 ``not_playing``."""
    m = ctx.state.by_key[ctx.row["key"]]
    mine = set(await user_entrants(ctx.t["id"], user.id, ("registered",)))
    playing = [p for p in m.participants if p in mine]
    if not playing:
        raise Forbidden(_("you do not play this match"), code="not_playing")
    return playing[0]


def _playable_by_players(ctx: _Context) -> None:
    m = ctx.state.by_key[ctx.row["key"]]
    if not m.playable:
        if m.status is MatchStatus.COMPLETED:
            raise Conflict(_("match %(match)s is already decided; ask an organiser to correct it",
                             match=m.key), code="not_ready")
        raise Conflict(_("match %(match)s is %(status)s; it takes no report now", match=m.key,
                         status=status_label(m.status.value)), code="not_ready")


async def _open_reports(match_id: int) -> list[dict[str, Any]]:
    return await MatchReport.select().where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id)


async def _append_fact(ctx: _Context, fact: ResultFact, source: str, user: CurrentUser | None
                       ) -> Change:
    """Append ``fact`` (see :func:`_append_one`), then forfeit every match it made playable
    for a disqualified entrant; announces and returns the merged change."""
    changes = [await _append_one(ctx, fact, source, user)]
    changes += await _cascade_forfeits(ctx, user)
    change = await announce(ctx.t, merge_changes(changes))
    keep_state(ctx.t, ctx.fmt, ctx.state, change.version)
    return change


async def _append_one(ctx: _Context, fact: ResultFact, source: str, user: CurrentUser | None
                      ) -> Change:
    """Append ``fact`` to the log (superseding the match's previous fact), apply it through
    the format and rewrite the projection rows that changed."""
    stamp = now()
    previous = await ResultLog.select(ResultLog.id).where(
        (ResultLog.tournament == ctx.t["id"]) & (ResultLog.match_key == fact.match)
        & ResultLog.superseded_by.is_null())
    entry = ResultLog(
        tournament=ctx.t["id"], match_key=fact.match, winner=fact.winner,
        participants=list(fact.participants), games=[list(g) for g in fact.games],
        forfeit=fact.forfeit, source=source, recorded_by=user.id if user else None,
        recorded_at=stamp,
    )
    await entry.save()
    if previous:
        await ResultLog.update({ResultLog.superseded_by: entry.id}).where(
            ResultLog.id.is_in([p["id"] for p in previous]))
    # In a thread: a correction may re-flow much of a bracket, and the summary may rank
    # every entrant. This write owns ctx.state (taken from the cache or its own).
    changed, before = await asyncio.to_thread(_apply, ctx.fmt, ctx.state, fact)
    if fact.match not in changed:
        changed = [fact.match, *changed]
    await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                             ).where((MatchReport.match == ctx.row["id"])
                                     & MatchReport.state.is_in(list(OPEN_REPORTS)))
    updated = await update_projection(ctx.t["id"], ctx.state, changed,
                                      await entrant_names(ctx.t["id"]))
    called = await stations.after_change(ctx.t)
    changed += [c["key"] for c in called if c["key"] not in changed]
    version = await _count_fact(ctx.t, ctx.state)
    completed = [{**v, "forfeit": fact.forfeit and v["key"] == fact.match} for v in updated
                 if v["engine_status"] == MatchStatus.COMPLETED.value
                 and (before.get(v["key"]) is not MatchStatus.COMPLETED or v["key"] == fact.match)]
    return Change(ctx.t["id"], version, changed, completed,
                  "finished" if ctx.state.complete else "running", called)


def _apply(fmt: BracketFormat, state: BracketState, fact: ResultFact
           ) -> tuple[list[str], dict[str, MatchStatus]]:
    """Apply ``fact`` through the format; returns the changed keys and their statuses
    before."""
    before = {m.key: m.status for m in state.matches}
    changed = fmt.apply(state, fact)
    return changed, {k: before[k] for k in [*changed, fact.match] if k in before}


async def _overlay_change(ctx: _Context, match_id: int) -> Change:
    """A report or dispute changed the match's public status (no fact): recompute it and
    count the change."""
    await refresh_overlay(match_id)
    change = await record_change(ctx.t, [ctx.row["key"]])
    keep_state(ctx.t, ctx.fmt, ctx.state, change.version)
    return change


async def report(host: PluginHost, match_id: int, user: CurrentUser, winner: Any, games: Any
                 ) -> dict[str, Any]:
    """A player reports the result of their match; the opponent confirms or disputes it.

    A second report from the opponent that agrees completes the match (as a confirmation);
    one that disagrees puts the match in dispute. Reporting again replaces one's own
    pending report. Returns ``{"match", "change"}`` (``change`` set when a fact was added).
    """
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        _playable_by_players(ctx)
        fact = _build_fact(ctx, winner, games)
        theirs = [r for r in await _open_reports(match_id) if r["entrant"] != side]
        if any(r["state"] == "disputed" for r in theirs):
            raise Conflict(_("this match is disputed; an organiser will settle it"), code="disputed")
        stamp = now()
        await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                                 ).where((MatchReport.match == match_id)
                                         & (MatchReport.entrant == side)
                                         & MatchReport.state.is_in(list(OPEN_REPORTS)))
        agree = [r for r in theirs if r["winner"] == fact.winner
                 and [list(g) for g in fact.games] == load_json(r["games"])]
        if agree:
            await MatchReport.update({MatchReport.state: "accepted", MatchReport.answered_by: user.id,
                                      MatchReport.answered_at: stamp}).where(
                MatchReport.id == agree[0]["id"])
            change = await _append_fact(ctx, fact, "confirmed", user)
        else:
            state = "disputed" if theirs else "pending"
            if theirs:
                await MatchReport.update({MatchReport.state: "disputed",
                                          MatchReport.answered_by: user.id,
                                          MatchReport.answered_at: stamp}).where(
                    MatchReport.id.is_in([r["id"] for r in theirs]))
            await MatchReport(match=match_id, tournament=ctx.t["id"], entrant=side,
                              reported_by=user.id, winner=fact.winner,
                              participants=list(fact.participants),
                              games=[list(g) for g in fact.games], state=state,
                              created_at=stamp).save()
            change = await _overlay_change(ctx, match_id)
    return {"match": await get_match(match_id), "change": change}


async def _pending_from_opponent(side: int, match_id: int) -> dict[str, Any]:
    theirs = [r for r in await _open_reports(match_id) if r["state"] == "pending"]
    if not theirs:
        raise Conflict(_("there is no report awaiting your answer"), code="nothing_to_confirm")
    if all(r["entrant"] == side for r in theirs):
        raise Conflict(_("your opponent must answer your report"), code="own_report")
    return [r for r in theirs if r["entrant"] != side][-1]


async def confirm(host: PluginHost, match_id: int, user: CurrentUser) -> dict[str, Any]:
    """The opponent confirms the pending report: it becomes a result fact."""
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        pending = await _pending_from_opponent(side, match_id)
        _playable_by_players(ctx)
        fact = _build_fact(ctx, pending["winner"], load_json(pending["games"]))
        await MatchReport.update({MatchReport.state: "accepted", MatchReport.answered_by: user.id,
                                  MatchReport.answered_at: now()}).where(
            MatchReport.id == pending["id"])
        change = await _append_fact(ctx, fact, "confirmed", user)
    return {"match": await get_match(match_id), "change": change}


async def dispute(host: PluginHost, match_id: int, user: CurrentUser) -> dict[str, Any]:
    """The opponent disputes the pending report; an organiser settles it with a result."""
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        pending = await _pending_from_opponent(side, match_id)
        await MatchReport.update({MatchReport.state: "disputed", MatchReport.answered_by: user.id,
                                  MatchReport.answered_at: now()}).where(
            MatchReport.id == pending["id"])
        change = await _overlay_change(ctx, match_id)
    return {"match": await get_match(match_id), "change": change}


async def organiser_result(host: PluginHost, match_id: int, user: CurrentUser | None,
                           winner: Any, games: Any, forfeit: bool = False) -> dict[str, Any]:
    """An organiser's result: final. On a completed match it is a correction, which re-flows
    every later match (those played with other participants become ``needs_replay``).

    ``forfeit`` with a winner: the other side forfeits; without one: a double forfeit.
    """
    if not isinstance(forfeit, bool):
        raise InvalidInput(_("forfeit must be true or false"), field="forfeit")
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        fact = _build_fact(ctx, winner, games, forfeit)
        change = await _append_fact(ctx, fact, "organiser", user)
    return {"match": await get_match(match_id), "change": change}


# --------------------------------------------------------------------------------------
# Disqualification: the entrant forfeits every remaining match
# --------------------------------------------------------------------------------------


async def _cascade_forfeits(ctx: _Context, user: CurrentUser | None) -> list[Change]:
    """Forfeit playable two-sided matches of inactive (disqualified) entrants, one after
    the other, until none is left (inside the lock). A match between two inactive
    entrants is a double forfeit."""
    inactive = {e.id for e in ctx.state.entrants if not e.active}
    changes: list[Change] = []
    tried: set[str] = set()
    while inactive:
        match = next((m for m in ctx.state.matches
                      if m.playable and m.key not in tried and len(m.participants) == 2
                      and inactive & set(m.participants)), None)
        if match is None:
            break
        tried.add(match.key)
        others = [p for p in match.participants if p not in inactive]
        row = await MatchRow.select().where((MatchRow.tournament == ctx.t["id"])
                                            & (MatchRow.key == match.key)).first()
        if row is None:
            raise NotFound(_("match %(key)s has no row in this tournament", key=match.key))
        sub = _Context(ctx.t, ctx.fmt, ctx.state, row)
        try:
            fact = _build_fact(sub, others[0] if others else None, [], True)
        except (InvalidInput, Conflict):
            continue  # the format refuses this forfeit; the organiser decides by hand
        changes.append(await _append_one(sub, fact, "forfeit", user))
    return changes


async def disqualify(host: PluginHost, tournament_id: int, entrant_id: int,
                     user: CurrentUser | None) -> Change | None:
    """Disqualify an entrant (organiser).

    Before the start the entrant is dropped and the waitlist fills the place (returns
    ``None``). Once running, the entrant becomes inactive in the facts (dynamic formats no
    longer pair it) and forfeits its playable matches now and every match it would reach
    later; completed results stand.

    :raises Conflict: ``not_in_field`` when the entrant holds no place.
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        row = await entrant_in(tournament_id, entrant_id)
        if row["status"] != "registered":
            raise Conflict(_("%(name)s holds no place in the field (%(status)s)", name=row['name'], status=status_label(row['status'])),
                           code="not_in_field")
        await EntrantRow.update({EntrantRow.status: "dropped",
                                 EntrantRow.status_changed_at: now()}).where(
            EntrantRow.id == entrant_id)
        if t["status"] not in STARTED:
            await fill_from_waitlist(t)
            await touch(t)
            return None
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        before = await asyncio.to_thread(
            _snapshots, take_state(t, fmt) or await derive_state(fmt, t))
        await SeedFact.update({SeedFact.active: False}).where(
            (SeedFact.tournament == tournament_id) & (SeedFact.entrant == entrant_id))
        state = await derive_state(fmt, t)
        # Matches the format itself redrew without the entrant (a free-for-all lobby not
        # yet played, the seat it would have taken next round): their rows are rewritten
        # here, since no forfeit below touches them.
        redrawn = [k for k, snap in (await asyncio.to_thread(_snapshots, state)).items()
                   if before.get(k) != snap]
        await update_projection(tournament_id, state, redrawn,
                                await entrant_names(tournament_id))
        ctx = _Context(t, fmt, state, {})
        changes = await _cascade_forfeits(ctx, user)
        if not changes:
            version = await _count_fact(t, state)
            called = await stations.after_change(t)
            changes = [Change(tournament_id, version, [], [], "finished" if state.complete
                              else "running", called)]
        changes.insert(0, Change(tournament_id, changes[0].version, redrawn, [],
                                 changes[0].status))
        change = await announce(t, merge_changes(changes))
        keep_state(t, fmt, state, change.version)
        return change


# --------------------------------------------------------------------------------------
# The organiser's queue of reports, undo (re-open a match) and reset before any result
# --------------------------------------------------------------------------------------

# ``superseded_by`` of a fact an organiser withdrew (re-opened its match): no fact
# replaces it, and the log keeps it.
RETRACTED = 0


async def _report_to_accept(match_id: int, report_id: int) -> dict[str, Any]:
    """The report ``report_id`` of the match, re-read under the lock: still open
    (``pending`` or ``disputed``), else 409 ``already_answered`` (another organiser, the
    opponent or a result got there first)."""
    row = await MatchReport.select().where((MatchReport.id == report_id)
                                           & (MatchReport.match == match_id)).first()
    if row is None:
        raise NotFound(_("match %(match)s has no report %(report)s", match=match_id,
                         report=report_id))
    if row["state"] not in OPEN_REPORTS:
        raise Conflict(_("this report was answered already (the match shows the result in "
                         "force)"), code="already_answered")
    return row


async def accept_report(host: PluginHost, match_id: int, report_id: int,
                        user: CurrentUser | None) -> dict[str, Any]:
    """The organiser accepts a player's report as the result (the queue's one-click accept:
    for reports nobody can confirm, an opponent added by name without an account, or when
    the opponent is away). The report is re-read under the tournament's lock, so of two
    organisers accepting it at once one records the result and the other is told it was
    answered. Returns ``{"match", "change"}``.

    :raises Conflict: ``already_answered``, or the match no longer takes this result.
    """
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        pending = await _report_to_accept(match_id, report_id)
        fact = _build_fact(ctx, pending["winner"], load_json(pending["games"]))
        await MatchReport.update({MatchReport.state: "accepted",
                                  MatchReport.answered_by: user.id if user else None,
                                  MatchReport.answered_at: now()}).where(
            MatchReport.id == report_id)
        change = await _append_fact(ctx, fact, "organiser", user)
    return {"match": await get_match(match_id), "change": change}


async def report_queue(tournament_id: int) -> list[dict[str, Any]]:
    """Open reports of a tournament, oldest first, each with its match row (status, slots):
    what the console's queue lists for the organiser to accept or edit."""
    reports = await MatchReport.select().where(
        (MatchReport.tournament == tournament_id)
        & MatchReport.state.is_in(list(OPEN_REPORTS))).order_by(MatchReport.id)
    if not reports:
        return []
    rows = {r["id"]: r for r in await MatchRow.select().where(
        MatchRow.id.is_in(list({r["match"] for r in reports})))}
    users = {e["id"]: e["user"] for e in await EntrantRow.select(
        EntrantRow.id, EntrantRow.user).where(EntrantRow.tournament == tournament_id)}
    out = []
    for r in reports:
        match = rows.get(r["match"])
        if match is None:
            continue
        slots = load_json(match["slots"])
        # Nobody can confirm for an opponent without an account: only the organiser can.
        opponents = [s.get("entrant_id") for s in slots
                     if s.get("entrant_id") not in (None, r["entrant"])]
        out.append({"id": r["id"], "match_id": match["id"], "key": match["key"],
                    "round": match["round"], "status": match["status"], "slots": slots,
                    "winner_id": r["winner"], "games": load_json(r["games"]),
                    "state": r["state"], "created_at": r["created_at"],
                    "entrant_id": r["entrant"],
                    "unconfirmable": any(users.get(o) is None for o in opponents)})
    return out


async def reopen_match(host: PluginHost, match_id: int, user: CurrentUser | None) -> Change:
    """Undo a match's result (organiser): its fact is withdrawn from the log (kept, marked
    :data:`RETRACTED`), the bracket is derived again and the match can be played and
    reported anew. Later matches that were played with its winner are re-flowed like after
    a correction. In a round-by-round format only a match of the last paired round re-opens
    (the next pairing was made from its result).

    :raises Conflict: ``no_result`` (nothing recorded to undo), ``later_round_paired``.
    """
    async with await _match_queue(match_id), atomic():
        ctx = await _match_context(host, match_id)
        facts = await ResultLog.select().where(
            (ResultLog.tournament == ctx.t["id"]) & (ResultLog.match_key == ctx.row["key"])
            & ResultLog.superseded_by.is_null())
        if not facts:
            raise Conflict(_("match %(key)s has no result to undo", key=ctx.row["key"]),
                           code="no_result")
        if ctx.fmt.dynamic:
            last = await PairingLog.select(PairingLog.round).where(
                PairingLog.tournament == ctx.t["id"]).order_by(
                PairingLog.round, ascending=False).first()
            if last is not None and ctx.row["round"] < last["round"]:
                raise Conflict(_("round %(round)s was paired from this result: it can be "
                                 "corrected, not re-opened", round=last["round"]),
                               code="later_round_paired")
        await ResultLog.update({ResultLog.superseded_by: RETRACTED}).where(
            ResultLog.id.is_in([f["id"] for f in facts]))
        before = await asyncio.to_thread(_snapshots, ctx.state)
        state = await derive_state(ctx.fmt, ctx.t)
        changed = [k for k, snap in (await asyncio.to_thread(_snapshots, state)).items()
                   if before.get(k) != snap]
        if ctx.row["key"] not in changed:
            changed.insert(0, ctx.row["key"])
        await update_projection(ctx.t["id"], state, changed, await entrant_names(ctx.t["id"]))
        called = await stations.after_change({**ctx.t, "status": "running"})
        changed += [c["key"] for c in called if c["key"] not in changed]
        version = await _count_fact(ctx.t, state)
        keep_state(ctx.t, ctx.fmt, state, version)
        return await announce(ctx.t, Change(ctx.t["id"], version, changed, [],
                                            "finished" if state.complete else "running",
                                            called))


async def reset(host: PluginHost, tournament_id: int, user: CurrentUser | None) -> Change:
    """Undo the start (organiser), before any result: the bracket, the seeding snapshot,
    the pairings, reports, calls and the stream queue go; the entrants the start dropped
    (no-shows, short rosters) get their place back; the tournament takes registrations
    again. The check and the reset happen under the tournament's lock, so a result
    recorded meanwhile makes the reset refuse (and a reset first makes the result
    refuse).

    :raises Conflict: ``not_running``, ``has_results`` (undo results first, or correct
        them).
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        if t["status"] not in STARTED:
            raise Conflict(_("the tournament has not started"), code="not_running")
        # A fact in force (not replaced, not retracted by a re-open) is a result.
        if await ResultLog.exists().where((ResultLog.tournament == tournament_id)
                                          & ResultLog.superseded_by.is_null()):
            raise Conflict(_("results were recorded: a tournament resets only before its "
                             "first result"), code="has_results")
        await ResultLog.delete().where(ResultLog.tournament == tournament_id)
        await MatchReport.delete().where(MatchReport.tournament == tournament_id)
        await Station.update({Station.current_match: None}).where(
            Station.tournament == tournament_id)
        await MatchRow.delete().where(MatchRow.tournament == tournament_id)
        await PairingLog.delete().where(PairingLog.tournament == tournament_id)
        await SeedFact.delete().where(SeedFact.tournament == tournament_id)
        if t["started_at"] is not None:
            await EntrantRow.update({EntrantRow.status: "registered",
                                     EntrantRow.status_changed_at: now()}).where(
                (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "dropped")
                & (EntrantRow.status_changed_at == t["started_at"]))
        version = await bump_version(tournament_id, {
            Tournament.status: "registration", Tournament.started_at: None,
            Tournament.finished_at: None})
        return await announce(t, Change(tournament_id, version, [], [], "registration"))
