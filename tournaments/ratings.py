"""Players' ratings per game, with ``openskill`` (Weng-Lin), derived from the results log.

**Model: Plackett-Luce** (openskill's ``PlackettLuce``). It rates teams of any size and
free-for-all lobbies (a full ranking of N sides) with one model, which Bradley-Terry does
pairwise only; Podium has both (team tournaments, ``free_for_all`` lobbies). A rating is
``mu`` and ``sigma``; players are ordered by the conservative ``ordinal`` (mu − 3σ).

**Derived, never updated in place.** A game's ratings are a pure function of the results
log of every tournament of that game: the facts in force (a correction supersedes the old
fact) in log order. They are recomputed for the whole game whenever the log changed,
detected by a fingerprint (number of facts and the last fact's id, superseded ones
included) stored in :class:`~podium.tournaments.tables.RatingSnapshot`; readers call
:func:`fresh` first. So a correction is reflected, the result is deterministic, and
reporting a result costs nothing extra (a 65,536-entrant bracket is not re-rated per
result).

What is rated: a decided match (a winner) ranks the winner first and the other sides tied
second; a draw ranks both sides equal; forfeits and double forfeits are not rated. A side
is its players (the solo player, or the team's accepted members and captain); a side with
no player account (an entrant the organiser added by name) plays as a fresh, default
rating that is not stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from openskill.models import PlackettLuce

from podium.core.accounts.tables import User
from podium.core.database import apart, atomic, run_apart
from podium.core.errors import NotFound
from podium.core.i18n import _
from podium.tournaments.catalogue import get_tournament
from podium.tournaments.kernel import load_json, now
from podium.tournaments.matches import match_dict
from podium.tournaments.registration import list_entrants, set_seeding
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import (
    MatchRow,
    PlayerRating,
    RatingSnapshot,
    ResultLog,
    TeamMember,
    Tournament,
)

MODEL = PlackettLuce()
RECENT_MATCHES = 10


def game_key(name: str) -> str:
    """The key one game's tournaments share: case and spacing do not matter."""
    return re.sub(r"\s+", " ", (name or "").strip()).casefold()[:80]


async def _tournaments_of(key: str) -> dict[int, str]:
    rows = await Tournament.select(Tournament.id, Tournament.game)
    return {r["id"]: r["game"] for r in rows if game_key(r["game"]) == key}


async def _fingerprint(tournament_ids: list[int]) -> str:
    if not tournament_ids:
        return "0:0"
    rows = await ResultLog.select(ResultLog.id).where(
        ResultLog.tournament.is_in(tournament_ids)).order_by(ResultLog.id, ascending=False)
    return f"{len(rows)}:{rows[0]['id'] if rows else 0}"


async def _sides(tournament_ids: list[int]) -> dict[int, list[int]]:
    """Entrant id → the user ids who play for it."""
    out: dict[int, set[int]] = {}
    for r in await EntrantRow.select(EntrantRow.id, EntrantRow.user).where(
            EntrantRow.tournament.is_in(tournament_ids)):
        out[r["id"]] = {r["user"]} if r["user"] is not None else set()
    for r in await TeamMember.select(TeamMember.entrant, TeamMember.user).where(
            TeamMember.entrant.tournament.is_in(tournament_ids)
            & (TeamMember.status == "accepted")):
        out.setdefault(r["entrant"], set()).add(r["user"])
    return {k: sorted(v) for k, v in out.items()}


def compute(results: Sequence[Mapping[str, Any]], sides: Mapping[int, list[int]]
            ) -> dict[int, dict[str, Any]]:
    """Ratings from results in log order (pure): user id → ``mu``, ``sigma``, ``ordinal``,
    ``matches``, ``wins``, ``losses``.

    ``results`` rows have ``winner``, ``participants`` (entrant ids) and ``forfeit``.
    """
    ratings: dict[int, Any] = {}
    stats: dict[int, dict[str, int]] = {}
    for r in results:
        parts = [p for p in load_json(r["participants"]) if p is not None]
        if r["forfeit"] or len(parts) < 2:
            continue
        teams, owners = [], []
        for p in parts:
            users = sides.get(p, [])
            teams.append([ratings.setdefault(u, MODEL.rating()) for u in users]
                         or [MODEL.rating()])
            owners.append(users)
        if not any(owners):
            continue
        winner = r["winner"]
        ranks: list[float] = [1 if winner is None or p == winner else 2 for p in parts]
        rated = MODEL.rate(teams, ranks=ranks)
        for users, team, rank in zip(owners, rated, ranks):
            for user, rating in zip(users, team):
                ratings[user] = rating
                s = stats.setdefault(user, {"matches": 0, "wins": 0, "losses": 0})
                s["matches"] += 1
                if winner is not None:
                    s["wins" if rank == 1 else "losses"] += 1
    return {u: {"mu": r.mu, "sigma": r.sigma, "ordinal": r.ordinal(), **stats[u]}
            for u, r in ratings.items() if u in stats}


async def _recompute(key: str, ids: list[int], tournaments: dict[int, str], current: str,
                     game: str) -> None:
    """Replace the stored ratings of one game by a recomputation from its results."""
    async with atomic():
        results = await ResultLog.select(
            ResultLog.winner, ResultLog.participants, ResultLog.forfeit).where(
            ResultLog.tournament.is_in(ids or [0]) & ResultLog.superseded_by.is_null()
        ).order_by(ResultLog.id)
        table = compute(results, await _sides(ids) if ids else {})
        stamp = now()
        shown = next(iter(tournaments.values()), game)
        await PlayerRating.delete().where(PlayerRating.game == key)
        if table:
            await PlayerRating.insert(*[
                PlayerRating(user=u, game=key, game_name=shown[:80], mu=v["mu"],
                             sigma=v["sigma"], ordinal=v["ordinal"], matches=v["matches"],
                             wins=v["wins"], losses=v["losses"], updated_at=stamp)
                for u, v in sorted(table.items())])
        await RatingSnapshot.delete().where(RatingSnapshot.game == key)
        await RatingSnapshot(game=key, fingerprint=current, computed_at=stamp).save()


async def fresh(game: str) -> str:
    """Make the stored ratings of ``game`` match its results log (recompute if it changed);
    returns the game key."""
    key = game_key(game)
    tournaments = await _tournaments_of(key)
    ids = sorted(tournaments)
    current = await _fingerprint(ids)
    snap = await RatingSnapshot.select().where(RatingSnapshot.game == key).first()
    if snap is not None and snap["fingerprint"] == current:
        return key
    # Often reached from a GET: write on a connection of its own (see run_apart).
    await run_apart(_recompute(key, ids, tournaments, current, game))
    return key


@apart  # refreshes lazily, then reads what it wrote: not from the request's snapshot
async def user_ratings(user_id: int) -> list[dict[str, Any]]:
    """The user's rating in every game they have played, best ordinal first."""
    games = {r["game"] for r in await EntrantRow.select(EntrantRow.tournament.game.as_alias(
        "game")).where(EntrantRow.user == user_id)}
    games |= {r["game"] for r in await TeamMember.select(
        TeamMember.entrant._.tournament.game.as_alias("game")).where(TeamMember.user == user_id)}
    keys = {await fresh(g) for g in games}
    rows = await PlayerRating.select().where(
        (PlayerRating.user == user_id) & PlayerRating.game.is_in(sorted(keys) or [""]))
    rows.sort(key=lambda r: -r["ordinal"])
    return [{"game": r["game_name"], "mu": round(r["mu"], 2), "sigma": round(r["sigma"], 2),
             "ordinal": round(r["ordinal"], 2), "matches": r["matches"], "wins": r["wins"],
             "losses": r["losses"]} for r in rows]


@apart  # refreshes lazily, then reads what it wrote: not from the request's snapshot
async def entrant_ratings(tournament_id: int) -> dict[int, float | None]:
    """Each registered entrant's rating for seeding: the organiser's ``rating`` when set,
    else the players' openskill ordinal in this game (a team's mean), else ``None``."""
    t = await get_tournament(tournament_id)
    key = await fresh(t["game"])
    entrants = await list_entrants(tournament_id, ("registered",))
    sides = await _sides([tournament_id])
    stored = {r["user"]: r["ordinal"] for r in await PlayerRating.select(
        PlayerRating.user, PlayerRating.ordinal).where(PlayerRating.game == key)}
    out: dict[int, float | None] = {}
    for e in entrants:
        if e["rating"] is not None:
            out[e["id"]] = e["rating"]
            continue
        known = [stored[u] for u in sides.get(e["id"], []) if u in stored]
        out[e["id"]] = sum(known) / len(known) if known else None
    return out


async def seed_by_rating(tournament_id: int) -> list[dict[str, Any]]:
    """Re-seed the registered field by rating (unrated entrants last, in their current
    order)."""
    ratings = await entrant_ratings(tournament_id)
    current = [e["id"] for e in await list_entrants(tournament_id, ("registered",))]
    order = sorted(current, key=lambda e: (ratings[e] is None, -(ratings[e] or 0),
                                           current.index(e)))
    return await set_seeding(tournament_id, order)


async def profile(username: str) -> dict[str, Any]:
    """A player's public profile: name, ratings per game, recent completed matches.

    :raises NotFound: no such user.
    """
    user = await User.select(User.id, User.username, User.display_name).where(
        User.username == username).first()
    if user is None:
        raise NotFound(_("there is no player %(username)s", username=f"{username!r}"))
    entrant_ids = {r["id"]: r["tournament"] for r in await EntrantRow.select(
        EntrantRow.id, EntrantRow.tournament).where(EntrantRow.user == user["id"])}
    for r in await TeamMember.select(TeamMember.entrant, TeamMember.entrant.tournament.as_alias(
            "tournament")).where((TeamMember.user == user["id"])
                                 & (TeamMember.status == "accepted")):
        entrant_ids[r["entrant"]] = r["tournament"]
    recent = []
    if entrant_ids:
        rows = await MatchRow.select(
            *MatchRow.all_columns(), MatchRow.tournament.name.as_alias("tournament_name"),
            MatchRow.tournament.game.as_alias("game")).where(
            MatchRow.tournament.is_in(sorted(set(entrant_ids.values())))
            & (MatchRow.engine_status == "completed")).order_by(MatchRow.updated_at,
                                                                ascending=False)
        for row in rows:
            m = match_dict(row)
            mine = [s["entrant_id"] for s in m["slots"] if s.get("entrant_id") in entrant_ids]
            if not mine:
                continue
            m.update(tournament_name=row["tournament_name"], game=row["game"],
                     my_entrant_id=mine[0], won=m["winner_id"] == mine[0],
                     opponents=[s.get("name") for s in m["slots"]
                                if s.get("entrant_id") not in (None, mine[0])])
            recent.append(m)
            if len(recent) >= RECENT_MATCHES:
                break
    return {"username": user["username"], "display_name": user["display_name"],
            "ratings": await user_ratings(user["id"]), "recent": recent}


#: Tournaments shown on an athlete's record, most recent first.
RECORD_TOURNAMENTS = 10


async def athlete_record(host: Any, user_id: int) -> dict[str, Any]:
    """A player's e-sport record for the fan hub's athlete page: the tournaments they
    entered (solo, or in an accepted team) with their placing where the tournament has
    started, matches won and lost, and their ratings per game."""
    from podium.tournaments.kernel import STARTED
    from podium.tournaments.matches import standings
    from podium.tournaments.tables import Tournament

    entrant_of: dict[int, int] = {r["tournament"]: r["id"] for r in await EntrantRow.select(
        EntrantRow.id, EntrantRow.tournament).where(
        (EntrantRow.user == user_id) & EntrantRow.status.is_in(["registered", "dropped"]))}
    for r in await TeamMember.select(TeamMember.entrant, TeamMember.entrant.tournament.as_alias(
            "tournament")).where((TeamMember.user == user_id) & (TeamMember.status == "accepted")):
        entrant_of.setdefault(r["tournament"], r["entrant"])
    rows = await Tournament.select(Tournament.id, Tournament.name, Tournament.game,
                                   Tournament.status, Tournament.created_at).where(
        Tournament.id.is_in(sorted(entrant_of) or [0])).order_by(Tournament.created_at,
                                                                 ascending=False)
    shown = []
    for t in rows[:RECORD_TOURNAMENTS]:
        placing = None
        if t["status"] in STARTED:
            try:
                table = await standings(host, t["id"])
            except Exception:  # a format no longer installed: the record shows no placing
                table = []
            for row in table:
                if row.get("entrant_id") == entrant_of[t["id"]]:
                    placing = row.get("rank")
        shown.append({**t, "placing": placing})
    rated = await user_ratings(user_id)
    return {"tournaments": shown, "played": len(rows), "ratings": rated,
            "wins": sum(r["wins"] for r in rated), "losses": sum(r["losses"] for r in rated)}
