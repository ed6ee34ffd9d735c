"""Tournament rules with the database: registration, seeding, start, results, re-flow.

No HTTP here; the JSON API and the pages call these functions. The bracket computation is
the format's (a pure object from the ``podium_bracket_formats`` registry); this module
stores the facts (seeding snapshot, ordered results log, pairings) and keeps the match
projection (:class:`~podium.tournaments.tables.MatchRow`) in step with them.

Every write that competes (registration against the capacity, reports against the
organiser's result, pairing a round) runs in :func:`~podium.core.database.atomic` with the
tournament row locked (:func:`~podium.core.database.for_update`), and re-checks the rule
inside the lock: one tournament's writes are serialised, different tournaments' are not.

The derived state is rebuilt from the facts under the lock for each write (``derive``),
then the new fact goes through the format's incremental ``apply``, which names the matches
that changed: only those projection rows are written.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from podium.core.accounts.service import CurrentUser
from podium.core.activation.service import enabled_plugins, switch, tournament_switches
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.plugins import PluginHost, Registry
from podium.core.venue.service import MAX_ID, check_instant, clean_text
from podium.core.validation import MAX_PAGE, check_page, whole_number
from podium.tournaments.engine import (
    BracketFormat,
    BracketState,
    Entrant,
    MatchStatus,
    PairingError,
    PairingFact,
    ResultError,
    ResultFact,
    Table,
)
from podium.tournaments.tables import (
    Entrant as EntrantRow,
)
from podium.tournaments.tables import (
    MatchReport,
    MatchRow,
    PairingLog,
    ResultLog,
    SeedFact,
    TeamMember,
    Tournament,
)

FORMATS_HOOK = "podium_bracket_formats"
NAME_MAX = 120
GAME_MAX = 80
ENTRANT_NAME_MAX = 80
DESCRIPTION_MAX = 5000
MAX_CAPACITY = 65_536
MAX_TEAM_SIZE = 20
MAX_GAMES = 99
MAX_RATING = 1e7
DEFAULT_LIMIT = 50
MAX_LIMIT = MAX_PAGE
MAX_MATCH_LIMIT = 10_000
STATUSES = ("draft", "registration", "running", "finished")
ENTRANT_STATUSES = ("registered", "waitlisted", "withdrawn", "dropped")
SEEDINGS = ("manual", "rating", "random")
OPEN_REPORTS = ("pending", "disputed")
# Inserting the projection in chunks keeps each statement under PostgreSQL's 32,767
# bind parameters, even for a 65,536-entrant bracket.
INSERT_CHUNK = 500
# Engine statuses on which players may report (the replay of a needs_replay match too).
REPORTABLE = (MatchStatus.READY.value, MatchStatus.NEEDS_REPLAY.value)
# ResultError codes that mean "the match is not in a state to take this": 409, not 422.
STATE_CODES = {"unknown_match", "not_ready", "participants_changed"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------


def formats(host: PluginHost) -> Registry[Any]:
    """Every registered bracket format (enabled or not)."""
    return host.registry(FORMATS_HOOK)


async def available_formats(
    host: PluginHost, venue_id: int | None, tournament_id: int | None = None
) -> dict[str, BracketFormat]:
    """Formats whose plugin is enabled for the venue (and tournament, if given)."""
    enabled = await enabled_plugins(host, venue_id, tournament_id)
    return dict(formats(host).enabled(enabled))


async def format_for(
    host: PluginHost, name: str, venue_id: int | None, tournament_id: int | None = None
) -> BracketFormat:
    """The format called ``name``, if it exists and its plugin is enabled here.

    :raises InvalidInput: ``unknown_format`` or ``format_disabled``.
    """
    registry = formats(host)
    fmt = registry.get(name)
    if fmt is None:
        known = ", ".join(registry.names()) or "none"
        raise InvalidInput(f"unknown format {name!r}; known formats: {known}",
                           code="unknown_format", field="format")
    owner = registry.owner(name)
    if owner not in await enabled_plugins(host, venue_id, tournament_id):
        raise InvalidInput(
            f"format {name!r} belongs to plugin {owner!r}, which is not enabled here",
            code="format_disabled", field="format",
        )
    return fmt


def _format_owner(host: PluginHost, format_name: str) -> str | None:
    """The plugin that provides a format (``None`` when no loaded plugin does)."""
    registry = formats(host)
    return registry.owner(format_name) if registry.get(format_name) is not None else None


async def plugin_switches(host: PluginHost, tournament_id: int) -> list[dict[str, Any]]:
    """The tournament-scoped plugins with this tournament's switch for each
    (:func:`podium.core.activation.service.tournament_switches`), plus ``runs_format``: the
    plugin provides the tournament's format and so cannot be switched off here."""
    return await _switch_rows(host, await get_tournament(tournament_id))


async def _switch_rows(host: PluginHost, t: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = await tournament_switches(host, t["venue_id"], t["id"])
    owner = _format_owner(host, t["format"])
    for row in rows:
        row["runs_format"] = row["name"] == owner
    return rows


async def switch_plugin(host: PluginHost, tournament_id: int, plugin: str,
                        enabled: bool | None, user: CurrentUser | None) -> list[dict[str, Any]]:
    """Switch a tournament-scoped plugin on or off for one tournament, or (``None``) let the
    venue's setting decide again. Bumps the version so cached pages re-render.

    :raises NotFound: no such tournament or plugin.
    :raises InvalidInput: the plugin is not switched per tournament.
    :raises Conflict: ``format_plugin``: the switch would leave the tournament without the
        plugin that provides its format.
    """
    t = await get_tournament(tournament_id)
    if plugin not in host.plugins:
        raise NotFound(f"no plugin named {plugin!r} is loaded")
    if _format_owner(host, t["format"]) == plugin and (
            enabled is False
            or (enabled is None and plugin not in await enabled_plugins(host, t["venue_id"]))):
        raise Conflict(f"plugin {plugin!r} provides this tournament's format "
                       f"({t['format']}), so it stays on for this tournament",
                       code="format_plugin")
    async with atomic():
        await switch(host, plugin, "tournament", tournament_id, enabled,
                     changed_by=user.id if user else None)
        await bump_version(tournament_id)
    return await _switch_rows(host, t)


def _check_options(fmt: BracketFormat, options: Any) -> dict[str, Any]:
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise InvalidInput("options must be an object", field="options")
    try:
        checked = fmt.validate_options(options)
        json.dumps(checked)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"options: {exc}", field="options") from exc
    return checked


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------




def _rating(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput("rating must be a number", field="rating")
    number = float(value)
    if number != number or abs(number) > MAX_RATING:  # NaN or absurd
        raise InvalidInput(f"rating must be between -{MAX_RATING:g} and {MAX_RATING:g}",
                           field="rating")
    return number


def _instant(value: Any, name: str) -> datetime | None:
    return None if value is None else check_instant(value, name)




def _loads(value: Any) -> Any:
    """A JSON column's value (Piccolo returns the text unless asked to load it)."""
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value


# --------------------------------------------------------------------------------------
# Tournaments
# --------------------------------------------------------------------------------------


def tournament_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A tournament row as plain data (what the API and pages show)."""
    return {
        "id": row["id"], "venue_id": row["venue"], "event_id": row["event"],
        "name": row["name"], "game": row["game"], "format": row["format"],
        "options": _loads(row["options"]), "description": row["description"],
        "capacity": row["capacity"], "team_size": row["team_size"], "seeding": row["seeding"],
        "registration_opens": row["registration_opens"],
        "registration_closes": row["registration_closes"],
        "checkin_opens": row["checkin_opens"], "checkin_closes": row["checkin_closes"],
        "status": row["status"], "version": row["log_version"], "auto_call": row["auto_call"],
        "created_at": row["created_at"], "started_at": row["started_at"],
        "finished_at": row["finished_at"],
    }


async def create_tournament(
    host: PluginHost, venue_id: int | None, values: Mapping[str, Any], user: CurrentUser | None
) -> dict[str, Any]:
    """Create a tournament (organiser): name, game, format, options and the field's rules.

    ``values``: ``name``, ``game``, ``format``, ``options`` (checked by the format),
    optional ``description``, ``capacity``, ``team_size`` (1 = solo), ``seeding``
    (``manual``, ``rating``, ``random``), ``registration_opens/closes``,
    ``checkin_opens/closes`` (aware datetimes), ``event_id``, ``status`` (``draft`` or
    ``registration``, the default).
    """
    name = clean_text(values.get("name"), "name", NAME_MAX)
    game = clean_text(values.get("game"), "game", GAME_MAX)
    format_name = clean_text(values.get("format"), "format", 100)
    description = clean_text(values.get("description"), "description", DESCRIPTION_MAX,
                             required=False, multiline=True)
    fmt = await format_for(host, format_name, venue_id)
    options = _check_options(fmt, values.get("options"))
    capacity = whole_number(values.get("capacity"), "capacity", 2, MAX_CAPACITY, nullable=True)
    team_size = whole_number(values.get("team_size", 1), "team_size", 1, MAX_TEAM_SIZE)
    seeding = values.get("seeding") or "manual"
    if seeding not in SEEDINGS:
        raise InvalidInput(f"seeding must be one of {', '.join(SEEDINGS)}", field="seeding")
    status = values.get("status") or "registration"
    if status not in ("draft", "registration"):
        raise InvalidInput("a new tournament is a draft or open for registration", field="status")
    windows = {}
    for window in ("registration_opens", "registration_closes", "checkin_opens", "checkin_closes"):
        windows[window] = _instant(values.get(window), window)
    for prefix in ("registration", "checkin"):
        opens, closes = windows[f"{prefix}_opens"], windows[f"{prefix}_closes"]
        if opens and closes and closes <= opens:
            raise InvalidInput(f"the {prefix} window must close after it opens",
                               field=f"{prefix}_closes")
    if windows["checkin_closes"] and not windows["checkin_opens"]:
        raise InvalidInput("a check-in window needs an opening time", field="checkin_opens")
    event_id = whole_number(values.get("event_id"), "event_id", 1, MAX_ID, nullable=True)
    if event_id is not None:
        from podium.core.venue.tables import Event

        if not await Event.exists().where(Event.id == event_id):
            raise InvalidInput(f"there is no event {event_id}", field="event_id")
    row = Tournament(
        venue=venue_id, event=event_id, name=name, game=game, format=format_name,
        options=options, description=description, capacity=capacity, team_size=team_size,
        seeding=seeding, status=status, created_by=user.id if user else None,
        auto_call=values.get("auto_call", True) is not False,
        created_at=_now(), **windows,
    )
    await row.save()
    return await get_tournament(row.id)


async def get_tournament(tournament_id: int) -> dict[str, Any]:
    """One tournament with its entrant counts.

    :raises NotFound: no such tournament.
    """
    row = await Tournament.select().where(Tournament.id == tournament_id).first()
    if row is None:
        raise NotFound(f"there is no tournament {tournament_id}")
    out = tournament_dict(row)
    counts = await EntrantRow.select(EntrantRow.status).where(
        EntrantRow.tournament == tournament_id)
    out["entrant_counts"] = {s: sum(1 for c in counts if c["status"] == s)
                             for s in ENTRANT_STATUSES}
    return out


async def list_tournaments(
    venue_id: int | None, status: str | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Tournaments (of the venue, when one exists), newest first, and the total."""
    check_page(limit, offset)
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    where = Tournament.id > 0
    if venue_id is not None:
        where &= (Tournament.venue == venue_id) | Tournament.venue.is_null()
    if status is not None:
        where &= Tournament.status == status
    rows = await Tournament.select().where(where).order_by(
        Tournament.id, ascending=False).limit(limit).offset(offset)
    total = await Tournament.count().where(where)
    counts = await _entrant_counts([r["id"] for r in rows])
    return [{**tournament_dict(r), "entrant_counts": counts[r["id"]]} for r in rows], total


async def _entrant_counts(tournament_ids: list[int]) -> dict[int, dict[str, int]]:
    """Entrants per status of each tournament, in one grouped query (no query per row)."""
    from piccolo.query.functions.aggregate import Count

    out = {tid: dict.fromkeys(ENTRANT_STATUSES, 0) for tid in tournament_ids}
    if tournament_ids:
        rows = await EntrantRow.select(
            EntrantRow.tournament, EntrantRow.status, Count(alias="n")).where(
            EntrantRow.tournament.is_in(tournament_ids)).group_by(
            EntrantRow.tournament, EntrantRow.status)
        for r in rows:
            if r["status"] in out[r["tournament"]]:
                out[r["tournament"]][r["status"]] = r["n"]
    return out


async def _lock(tournament_id: int) -> dict[str, Any]:
    """Lock the tournament row for this transaction and return it (call inside atomic())."""
    row = await for_update(Tournament.select().where(Tournament.id == tournament_id)).first()
    if row is None:
        raise NotFound(f"there is no tournament {tournament_id}")
    return row


# --------------------------------------------------------------------------------------
# Entrants: organiser adds, players register, withdraw, check in
# --------------------------------------------------------------------------------------


def entrant_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """An entrant row as plain data."""
    return {
        "id": row["id"], "tournament_id": row["tournament"], "name": row["name"],
        "seed": row["seed"], "rating": row["rating"], "user_id": row["user"],
        "checked_in": row["checked_in"], "status": row["status"],
        "created_at": row["created_at"],
    }


async def list_entrants(tournament_id: int, statuses: Iterable[str] | None = None
                        ) -> list[dict[str, Any]]:
    """Entrants of a tournament: by seed once started, else by requested seed then
    registration order (the waitlist in the order it will be promoted)."""
    where = EntrantRow.tournament == tournament_id
    if statuses is not None:
        where &= EntrantRow.status.is_in(list(statuses))
    rows = await EntrantRow.select().where(where).order_by(EntrantRow.id)
    rows.sort(key=lambda r: (r["seed"] is None, r["seed"] or 0, r["id"]))
    return [entrant_dict(r) for r in rows]


def _not_started(t: Mapping[str, Any]) -> None:
    if t["status"] in ("running", "finished"):
        raise Conflict("this tournament has started; its field is frozen", code="started")


async def _registered_count(tournament_id: int) -> int:
    return await EntrantRow.count().where(
        (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))


async def entrant_in(tournament_id: int, entrant_id: int) -> dict[str, Any]:
    """The entrant row ``entrant_id`` of this tournament.

    :raises NotFound: no such entrant in this tournament.
    """
    row = await EntrantRow.select().where((EntrantRow.id == entrant_id)
                                          & (EntrantRow.tournament == tournament_id)).first()
    if row is None:
        raise NotFound(f"entrant {entrant_id} is not in this tournament")
    return row


async def add_entrant(tournament_id: int, values: Mapping[str, Any], user: CurrentUser | None
                      ) -> dict[str, Any]:
    """The organiser adds an entrant by name (optional requested ``seed`` and ``rating``).

    Organiser entrants count against the capacity (409 ``full`` when it is reached).
    Returns the entrant; its ``seed`` is the requested one, or its place in the field.
    """
    name = clean_text(values.get("name"), "name", ENTRANT_NAME_MAX)
    rating = _rating(values.get("rating"))
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        count = await _registered_count(tournament_id)
        if t["capacity"] is not None and count >= t["capacity"]:
            raise Conflict(f"the field is full ({t['capacity']} entrants)", code="full")
        seed = whole_number(values.get("seed"), "seed", 1, MAX_CAPACITY, nullable=True)
        if seed is None:
            seed = count + 1
        row = EntrantRow(tournament=tournament_id, name=name, seed=seed, rating=rating,
                         status="registered", created_at=_now())
        await row.save()
        await _touch(t)
    return entrant_dict(row.to_dict())


def _window_open(opens: datetime | None, closes: datetime | None, now: datetime) -> bool:
    return (opens is None or now >= opens) and (closes is None or now < closes)


async def register(tournament_id: int, user: CurrentUser, values: Mapping[str, Any] | None = None
                   ) -> dict[str, Any]:
    """A signed-in player (or a team captain) registers; waitlisted when the field is full.

    Team tournaments (``team_size`` > 1) need ``team_name``; the caller becomes the
    captain. The tournament row is locked and the field re-counted inside the transaction,
    so concurrent registrations never exceed the capacity.

    :raises Conflict: ``registration_closed``, ``already_registered``, ``started``.
    """
    values = values or {}
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        if t["status"] != "registration" or not _window_open(
                t["registration_opens"], t["registration_closes"], _now()):
            raise Conflict("registration is not open for this tournament",
                           code="registration_closed")
        mine = await _user_entrants(tournament_id, user.id, ("registered", "waitlisted"))
        if mine:
            raise Conflict("you are already registered for this tournament",
                           code="already_registered", entrant_id=mine[0])
        if t["team_size"] > 1:
            name = clean_text(values.get("team_name"), "team_name", ENTRANT_NAME_MAX)
        else:
            name = clean_text(values.get("name") or user.display_name or user.username,
                              "name", ENTRANT_NAME_MAX)
        count = await _registered_count(tournament_id)
        full = t["capacity"] is not None and count >= t["capacity"]
        stamp = _now()
        row = EntrantRow(tournament=tournament_id, user=user.id, name=name,
                         status="waitlisted" if full else "registered", created_at=stamp,
                         status_changed_at=stamp)
        await row.save()
        if t["team_size"] > 1:
            await TeamMember(entrant=row.id, user=user.id, role="captain", status="accepted",
                             created_at=stamp).save()
        await _touch(t)
    return entrant_dict(row.to_dict())


async def withdraw(tournament_id: int, user: CurrentUser) -> dict[str, Any]:
    """The caller withdraws before the start; the first waitlisted entrant takes the place.

    Returns ``{"withdrawn": entrant, "promoted": entrant or None}``.
    """
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        rows = await EntrantRow.select().where(
            (EntrantRow.tournament == tournament_id) & (EntrantRow.user == user.id)
            & EntrantRow.status.is_in(["registered", "waitlisted"]))
        if not rows:
            if await _user_entrants(tournament_id, user.id, ("registered", "waitlisted")):
                # A team member, not its captain: only the captain withdraws the team.
                raise Conflict("you play for a team here: leave the team instead (only its "
                               "captain withdraws the team)", code="team_member")
            raise NotFound("you are not registered for this tournament", code="not_registered")
        row = rows[0]
        held_a_place = row["status"] == "registered"
        stamp = _now()
        await EntrantRow.update({EntrantRow.status: "withdrawn",
                                 EntrantRow.status_changed_at: stamp}).where(
            EntrantRow.id == row["id"])
        row.update(status="withdrawn")
        promoted = await _promote(t) if held_a_place else None
        await _touch(t)
    return {"withdrawn": entrant_dict(row), "promoted": promoted}


async def _promote(t: Mapping[str, Any]) -> dict[str, Any] | None:
    """Fill free places from the waitlist, first come first served (inside the lock)."""
    promoted = None
    while t["capacity"] is None or await _registered_count(t["id"]) < t["capacity"]:
        nxt = await EntrantRow.select().where(
            (EntrantRow.tournament == t["id"]) & (EntrantRow.status == "waitlisted")
        ).order_by(EntrantRow.id).first()
        if nxt is None:
            break
        await EntrantRow.update({EntrantRow.status: "registered",
                                 EntrantRow.status_changed_at: _now()}).where(
            EntrantRow.id == nxt["id"])
        nxt["status"] = "registered"
        promoted = promoted or entrant_dict(nxt)
    return promoted


async def check_in(tournament_id: int, user: CurrentUser) -> dict[str, Any]:
    """The caller checks in (inside the check-in window)."""
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        if t["checkin_opens"] is None:
            raise Conflict("this tournament has no check-in", code="no_checkin")
        if not _window_open(t["checkin_opens"], t["checkin_closes"], _now()):
            raise Conflict("check-in is not open", code="checkin_closed")
        ids = await _user_entrants(tournament_id, user.id, ("registered",))
        if not ids:
            raise Conflict("you have no place in this tournament to check in for",
                           code="not_registered")
        row = await EntrantRow.select().where(EntrantRow.id == ids[0]).first()
        await teams.require_full_roster(t, row)  # a team checks in with a full roster
        await EntrantRow.update({EntrantRow.checked_in: True}).where(EntrantRow.id == ids[0])
        await _touch(t)
        row["checked_in"] = True
    return entrant_dict(row)


async def set_seeding(tournament_id: int, entrant_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The organiser orders the registered field by hand (re-seeding until start).

    ``entrant_ids`` lists every registered entrant once, strongest first.
    """
    if not isinstance(entrant_ids, Sequence) or len(entrant_ids) > MAX_CAPACITY:
        raise InvalidInput("entrant_ids must be a list", field="entrant_ids")
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        field_ids = set(await _seeded_field(tournament_id))
        if len(set(entrant_ids)) != len(entrant_ids) or set(entrant_ids) != field_ids:
            raise InvalidInput("list every registered entrant exactly once",
                               field="entrant_ids")
        await _write_seeding(t, entrant_ids)
    return await list_entrants(tournament_id, ("registered",))


async def _seeded_field(tournament_id: int) -> list[int]:
    """The registered entrants' ids in the current seed order (unseeded last)."""
    return [e["id"] for e in await list_entrants(tournament_id, ("registered",))]


async def _write_seeding(t: Mapping[str, Any], entrant_ids: Sequence[int]) -> None:
    """Store seeds 1..N in this order and bump the version (inside the lock)."""
    for seed, eid in enumerate(entrant_ids, start=1):
        await EntrantRow.update({EntrantRow.seed: seed}).where(EntrantRow.id == eid)
    await _touch(t)


async def _user_entrants(tournament_id: int, user_id: int, statuses: Sequence[str]) -> list[int]:
    """Ids of the caller's entrants in a tournament: as the player/captain or a member."""
    own = await EntrantRow.select(EntrantRow.id).where(
        (EntrantRow.tournament == tournament_id) & (EntrantRow.user == user_id)
        & EntrantRow.status.is_in(list(statuses)))
    member = await TeamMember.select(TeamMember.entrant).where(
        (TeamMember.user == user_id) & (TeamMember.status == "accepted")
        & (TeamMember.entrant.tournament == tournament_id)
        & TeamMember.entrant.status.is_in(list(statuses)))
    return sorted({r["id"] for r in own} | {r["entrant"] for r in member})


# --------------------------------------------------------------------------------------
# Facts → state → projection
# --------------------------------------------------------------------------------------


async def load_facts(tournament_id: int) -> tuple[list[Entrant], list[ResultFact], list[PairingFact]]:
    """The seeding snapshot, the results log (latest fact per match last) and pairings."""
    seeds = await SeedFact.select().where(SeedFact.tournament == tournament_id)
    entrants = [Entrant(r["entrant"], r["seed"], r["active"]) for r in seeds]
    log = await ResultLog.select().where(
        (ResultLog.tournament == tournament_id) & ResultLog.superseded_by.is_null()
    ).order_by(ResultLog.id)
    results = [_fact(r) for r in log]
    pairings = [
        PairingFact(r["round"], tuple(Table(t[0], t[1], t[2]) for t in _loads(r["tables"])))
        for r in await PairingLog.select().where(
            PairingLog.tournament == tournament_id).order_by(PairingLog.round)
    ]
    return entrants, results, pairings


def _fact(row: Mapping[str, Any]) -> ResultFact:
    return ResultFact(
        row["match_key"], row["winner"], tuple(_loads(row["participants"])),
        tuple(tuple(g) for g in _loads(row["games"])), row["forfeit"],
    )


async def derive_state(fmt: BracketFormat, t: Mapping[str, Any]) -> BracketState:
    """Rebuild the tournament's whole state from its facts through its format."""
    entrants, results, pairings = await load_facts(t["id"])
    return fmt.derive(entrants, _loads(t["options"]), results, pairings)


async def _names(tournament_id: int) -> dict[int, str]:
    rows = await EntrantRow.select(EntrantRow.id, EntrantRow.name).where(
        EntrantRow.tournament == tournament_id)
    return {r["id"]: r["name"] for r in rows}


def _projection(state: BracketState, key: str, names: Mapping[Any, str]) -> dict[str, Any]:
    """The stored columns of one match of the derived state."""
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


async def _insert_projection(tournament_id: int, state: BracketState, keys: Iterable[str],
                             names: Mapping[Any, str]) -> None:
    stamp = _now()
    rows = []
    for key in keys:
        values = _projection(state, key, names)
        rows.append(MatchRow(tournament=tournament_id, updated_at=stamp,
                             status=overlay_status(values["engine_status"], None, None),
                             **values))
    for i in range(0, len(rows), INSERT_CHUNK):
        await MatchRow.insert(*rows[i:i + INSERT_CHUNK])


async def _update_projection(tournament_id: int, state: BracketState, keys: Iterable[str],
                             names: Mapping[Any, str], *, keep_reports: str | None = None
                             ) -> list[dict[str, Any]]:
    """Rewrite the projection rows of ``keys``; open reports on them lapse (the match they
    described changed), except on ``keep_reports``. Returns the updated rows."""
    keys = list(keys)
    if not keys:
        return []
    rows = await MatchRow.select(MatchRow.id, MatchRow.key, MatchRow.station).where(
        (MatchRow.tournament == tournament_id) & MatchRow.key.is_in(keys))
    by_key = {r["key"]: r for r in rows}
    stamp = _now()
    lapsed = [by_key[k]["id"] for k in keys if k in by_key and k != keep_reports]
    if lapsed:
        await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                                 ).where(MatchReport.match.is_in(lapsed)
                                         & MatchReport.state.is_in(list(OPEN_REPORTS)))
    missing = [k for k in keys if k not in by_key]
    if missing:
        await _insert_projection(tournament_id, state, missing, names)
    out = []
    for key in keys:
        if key not in by_key:
            continue
        values = _projection(state, key, names)
        station = by_key[key]["station"]
        if values["engine_status"] not in REPORTABLE:
            station = None  # a decided (or no longer playable) match frees its station
        values["station"] = station
        values["status"] = overlay_status(values["engine_status"], None, station)
        await MatchRow.update({**_columns(values), MatchRow.updated_at: stamp}).where(
            MatchRow.id == by_key[key]["id"])
        out.append(values)
    return out


def _columns(values: Mapping[str, Any]) -> dict[Any, Any]:
    return {getattr(MatchRow, k): v for k, v in values.items()}


async def _refresh_overlay(match_id: int) -> None:
    """Recompute one match's public status from its open report and station."""
    row = await MatchRow.select(MatchRow.engine_status, MatchRow.station).where(
        MatchRow.id == match_id).first()
    report = await MatchReport.select(MatchReport.state).where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id, ascending=False).first()
    status = overlay_status(row["engine_status"], report["state"] if report else None,
                            row["station"])
    await MatchRow.update({MatchRow.status: status, MatchRow.updated_at: _now()}).where(
        MatchRow.id == match_id)


# --------------------------------------------------------------------------------------
# Start
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


@dataclass
class Change:
    """What a write did to the bracket, for live updates and hooks."""

    tournament_id: int
    version: int
    changed: list[str]
    completed: list[dict[str, Any]]
    status: str
    # Matches called to stations by this change (see podium.tournaments.stations).
    called: list[dict[str, Any]] = field(default_factory=list)


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
        from podium.tournaments import ratings  # ratings builds on this module

        rating_of = await ratings.entrant_ratings(tournament_id)
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        options = _loads(t["options"])
        rows = await EntrantRow.select().where(
            (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))
        stamp = _now()
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
        entrants = [Entrant(r["id"], seed) for seed, r in enumerate(ordered, start=1)]
        try:
            fmt.check_entrants(entrants, options)
            state = fmt.derive(entrants, options, [], [])
        except ValueError as exc:
            raise Conflict(f"cannot start: {exc}", code="cannot_start") from exc
        for e in entrants:
            await EntrantRow.update({EntrantRow.seed: e.seed}).where(EntrantRow.id == e.id)
        await SeedFact.insert(*[SeedFact(tournament=tournament_id, entrant=e.id, seed=e.seed)
                                for e in entrants])
        if fmt.dynamic:
            state = await _pair_next(fmt, t, state, user)
        names = {r["id"]: r["name"] for r in rows}
        await _insert_projection(tournament_id, state, [m.key for m in state.matches], names)
        await Tournament.update({
            Tournament.status: "running", Tournament.started_at: stamp,
            Tournament.log_version: Tournament.log_version + 1,
        }).where(Tournament.id == tournament_id)
        called = await stations.after_change({**t, "status": "running"})
    return Change(tournament_id, t["log_version"] + 1, [m.key for m in state.matches], [],
                  "running", called)


async def _pair_next(fmt: BracketFormat, t: Mapping[str, Any], state: BracketState,
                     user: CurrentUser | None) -> BracketState:
    try:
        # A thread: an exact Swiss round at 1,024 players takes seconds of CPU, and the
        # event loop must keep serving meanwhile (the lock and transaction stay held).
        pairing = await asyncio.to_thread(fmt.next_round, state)
    except PairingError as exc:
        raise Conflict(f"cannot pair the next round: {exc}", code="cannot_pair") from exc
    await PairingLog(tournament=t["id"], round=pairing.round,
                     tables=[[x.home, x.away, x.best_of] for x in pairing.tables],
                     created_by=user.id if user else None, created_at=_now()).save()
    entrants, results, pairings = await load_facts(t["id"])
    return fmt.derive(entrants, _loads(t["options"]), results, pairings)


async def next_round(host: PluginHost, tournament_id: int, user: CurrentUser | None) -> Change:
    """Pair the next round of a dynamic (Swiss) format and add its matches.

    :raises InvalidInput: ``not_round_based`` for formats whose bracket is fixed at start.
    :raises Conflict: not running, or the format cannot pair now (``cannot_pair``).
    """
    async with atomic():
        t = await _lock(tournament_id)
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        if not fmt.dynamic:
            raise InvalidInput(
                f"{getattr(fmt, 'label', '') or fmt.name} is not round-based: its whole "
                "bracket exists from the start", code="not_round_based")
        if t["status"] != "running":
            raise Conflict("the tournament is not running", code="not_running")
        before = {m.key: m.snapshot() for m in await derive_state(fmt, t)}
        state = await _pair_next(fmt, t, await derive_state(fmt, t), user)
        changed = [m.key for m in state.matches if before.get(m.key) != m.snapshot()]
        await _update_projection(tournament_id, state, changed, await _names(tournament_id))
        called = await stations.after_change(t)
        changed += [c["key"] for c in called if c["key"] not in changed]
        version = await _bump(t, state)
    return Change(tournament_id, version, changed, [], "running", called)


async def _bump(t: Mapping[str, Any], state: BracketState) -> int:
    """Count a new fact; finish (or re-open) the tournament as the state says."""
    status = "finished" if state.complete else "running"
    values: dict[Any, Any] = {Tournament.log_version: t["log_version"] + 1,
                              Tournament.status: status}
    if status == "finished" and t["status"] != "finished":
        values[Tournament.finished_at] = _now()
    elif status == "running":
        values[Tournament.finished_at] = None
    await Tournament.update(values).where(Tournament.id == t["id"])
    return t["log_version"] + 1


async def _touch(t: Mapping[str, Any]) -> int:
    """Count a visible change that is not a fact (a registration, a check-in, the seeding,
    a report overlay): inside the write's transaction, with the row ``t`` locked. Pages
    cache what they render per ``log_version``, so every visible write must bump it."""
    await Tournament.update({Tournament.log_version: t["log_version"] + 1}).where(
        Tournament.id == t["id"])
    return t["log_version"] + 1


async def bump_version(tournament_id: int) -> int:
    """Bump a tournament's ``log_version`` after a visible change made outside this module
    (a station call, the stream queue); call it inside the write's transaction. Returns
    the new version."""
    await Tournament.update({Tournament.log_version: Tournament.log_version + 1}).where(
        Tournament.id == tournament_id)
    row = await Tournament.select(Tournament.log_version).where(
        Tournament.id == tournament_id).first()
    if row is None:
        raise NotFound(f"there is no tournament {tournament_id}")
    return row["log_version"]


async def _overlay_change(ctx: _Context) -> Change:
    """The change a report or dispute makes (the match's public status): bumps the version."""
    return Change(ctx.t["id"], await _touch(ctx.t), [ctx.row["key"]], [], ctx.t["status"])


# --------------------------------------------------------------------------------------
# Matches: reading
# --------------------------------------------------------------------------------------


def match_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A projection row as the API shows a match."""
    return {
        "id": row["id"], "tournament_id": row["tournament"], "key": row["key"],
        "stage": row["stage"], "bracket": row["bracket"], "round": row["round"],
        "position": row["position"], "status": row["status"], "best_of": row["best_of"],
        "slots": _loads(row["slots"]), "winner_id": row["winner"],
        "games": _loads(row["games"]), "station": row["station"],
        "stale_result": row["stale_result"],
    }


async def list_matches(tournament_id: int, status: str | None = None,
                       limit: int = DEFAULT_LIMIT, offset: int = 0
                       ) -> tuple[list[dict[str, Any]], int]:
    """Matches in bracket order (optionally of one status), and the total."""
    check_page(limit, offset, MAX_MATCH_LIMIT)
    if status is not None and status not in {s.value for s in MatchStatus}:
        raise InvalidInput(f"status must be one of {', '.join(s.value for s in MatchStatus)}",
                           field="status")
    if not await Tournament.exists().where(Tournament.id == tournament_id):
        raise NotFound(f"there is no tournament {tournament_id}")
    where = MatchRow.tournament == tournament_id
    if status is not None:
        where &= MatchRow.status == status
    rows = await MatchRow.select().where(where).order_by(MatchRow.position_index
                                                         ).limit(limit).offset(offset)
    total = await MatchRow.count().where(where)
    return [match_dict(r) for r in rows], total


async def get_match(match_id: int) -> dict[str, Any]:
    """One match, with its open report if any."""
    row = await MatchRow.select().where(MatchRow.id == match_id).first()
    if row is None:
        raise NotFound(f"there is no match {match_id}")
    out = match_dict(row)
    report = await MatchReport.select().where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id, ascending=False).first()
    out["report"] = _report_dict(report) if report else None
    return out


def _report_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "entrant_id": row["entrant"], "winner_id": row["winner"],
            "games": _loads(row["games"]), "state": row["state"],
            "reported_by": row["reported_by"], "created_at": row["created_at"]}


async def standings(host: PluginHost, tournament_id: int) -> list[dict[str, Any]]:
    """Ranked rows (rank, entrant, seed, tiebreak values); empty before the start."""
    t = await Tournament.select().where(Tournament.id == tournament_id).first()
    if t is None:
        raise NotFound(f"there is no tournament {tournament_id}")
    if t["status"] not in ("running", "finished"):
        return []
    fmt = formats(host).get(t["format"])
    if fmt is None:
        raise Conflict(f"the format {t['format']!r} is no longer installed", code="format_missing")
    state = await derive_state(fmt, t)
    names = await _names(tournament_id)
    rows = []
    for row in fmt.standings(state):
        data = row.to_dict()
        data["name"] = names.get(row.entrant_id, str(row.entrant_id))
        rows.append(data)
    return rows


# --------------------------------------------------------------------------------------
# Results: report, confirm, dispute, organiser result
# --------------------------------------------------------------------------------------


@dataclass
class _Context:
    t: dict[str, Any]
    fmt: BracketFormat
    state: BracketState
    row: dict[str, Any]


async def _match_context(host: PluginHost, match_id: int) -> _Context:
    """Inside atomic(): lock the match's tournament, re-read the match, derive the state."""
    found = await MatchRow.select(MatchRow.tournament).where(MatchRow.id == match_id).first()
    if found is None:
        raise NotFound(f"there is no match {match_id}")
    t = await _lock(found["tournament"])
    if t["status"] not in ("running", "finished"):
        raise Conflict("the tournament is not running", code="not_running")
    row = await MatchRow.select().where(MatchRow.id == match_id).first()
    fmt = await format_for(host, t["format"], t["venue"], t["id"])
    state = await derive_state(fmt, t)
    if row["key"] not in state.by_key:
        raise Conflict(f"match {row['key']} is not in the current bracket", code="unknown_match")
    return _Context(t, fmt, state, row)


def _check_games_shape(games: Any) -> tuple[tuple[int, ...], ...]:
    if games is None:
        return ()
    if not isinstance(games, (list, tuple)) or len(games) > MAX_GAMES:
        raise InvalidInput(f"games must be a list of at most {MAX_GAMES} [a, b] scores",
                           field="games")
    out = []
    for g in games:
        if (not isinstance(g, (list, tuple)) or len(g) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 10**6
                           for x in g)):
            raise InvalidInput("each game is two scores [a, b], whole numbers from 0",
                               field="games", code="invalid_games")
        out.append(tuple(g))
    return tuple(out)


def _build_fact(ctx: _Context, winner: Any, games: Any, forfeit: bool = False) -> ResultFact:
    """A result for the match as it stands now (games in slot order), checked by the format."""
    if winner is not None and (isinstance(winner, bool) or not isinstance(winner, int)):
        raise InvalidInput("winner_id must be an entrant id", field="winner_id")
    m = ctx.state.by_key[ctx.row["key"]]
    fact = ResultFact(m.key, winner, tuple(m.participants), _check_games_shape(games),
                      bool(forfeit))
    try:
        ctx.fmt.check_result(ctx.state, fact)
    except ResultError as exc:
        cls = Conflict if exc.code in STATE_CODES else InvalidInput
        raise cls(exc.detail, code=exc.code) from exc
    return fact


async def _side_of(ctx: _Context, user: CurrentUser) -> int:
    """The caller's entrant in this match, or 403 ``not_playing``."""
    m = ctx.state.by_key[ctx.row["key"]]
    mine = set(await _user_entrants(ctx.t["id"], user.id, ("registered",)))
    playing = [p for p in m.participants if p in mine]
    if not playing:
        raise Forbidden("you do not play this match", code="not_playing")
    return playing[0]


def _playable_by_players(ctx: _Context) -> None:
    m = ctx.state.by_key[ctx.row["key"]]
    if not m.playable:
        raise Conflict(f"match {m.key} is {m.status.value}; it takes no report now"
                       + (" (ask an organiser to correct it)"
                          if m.status is MatchStatus.COMPLETED else ""), code="not_ready")


async def _open_reports(match_id: int) -> list[dict[str, Any]]:
    return await MatchReport.select().where(
        (MatchReport.match == match_id) & MatchReport.state.is_in(list(OPEN_REPORTS))
    ).order_by(MatchReport.id)


async def _append_fact(ctx: _Context, fact: ResultFact, source: str, user: CurrentUser | None
                       ) -> Change:
    """Append ``fact`` (see :func:`_append_one`), then forfeit every match it made playable
    for a disqualified entrant; returns the merged change."""
    changes = [await _append_one(ctx, fact, source, user)]
    changes += await _cascade_forfeits(ctx, user)
    return merge_changes(changes)


async def _append_one(ctx: _Context, fact: ResultFact, source: str, user: CurrentUser | None
                      ) -> Change:
    """Append ``fact`` to the log (superseding the match's previous fact), apply it through
    the format and rewrite the projection rows that changed."""
    stamp = _now()
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
    before = {k: ctx.state.by_key[k].status for k in ctx.state.by_key}
    changed = ctx.fmt.apply(ctx.state, fact)
    if fact.match not in changed:
        changed = [fact.match, *changed]
    await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                             ).where((MatchReport.match == ctx.row["id"])
                                     & MatchReport.state.is_in(list(OPEN_REPORTS)))
    updated = await _update_projection(ctx.t["id"], ctx.state, changed,
                                       await _names(ctx.t["id"]))
    called = await stations.after_change(ctx.t)
    changed += [c["key"] for c in called if c["key"] not in changed]
    version = await _bump(ctx.t, ctx.state)
    ctx.t = {**ctx.t, "log_version": version}
    completed = [v for v in updated if v["engine_status"] == MatchStatus.COMPLETED.value
                 and (before.get(v["key"]) is not MatchStatus.COMPLETED or v["key"] == fact.match)]
    return Change(ctx.t["id"], version, changed, completed,
                  "finished" if ctx.state.complete else "running", called)


async def report(host: PluginHost, match_id: int, user: CurrentUser, winner: Any, games: Any
                 ) -> dict[str, Any]:
    """A player reports the result of their match; the opponent confirms or disputes it.

    A second report from the opponent that agrees completes the match (as a confirmation);
    one that disagrees puts the match in dispute. Reporting again replaces one's own
    pending report. Returns ``{"match", "change"}`` (``change`` set when a fact was added).
    """
    async with atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        _playable_by_players(ctx)
        fact = _build_fact(ctx, winner, games)
        change = None
        theirs = [r for r in await _open_reports(match_id) if r["entrant"] != side]
        if any(r["state"] == "disputed" for r in theirs):
            raise Conflict("this match is disputed; an organiser will settle it", code="disputed")
        stamp = _now()
        await MatchReport.update({MatchReport.state: "superseded", MatchReport.answered_at: stamp}
                                 ).where((MatchReport.match == match_id)
                                         & (MatchReport.entrant == side)
                                         & MatchReport.state.is_in(list(OPEN_REPORTS)))
        agree = [r for r in theirs if r["winner"] == fact.winner
                 and [list(g) for g in fact.games] == _loads(r["games"])]
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
            await _refresh_overlay(match_id)
            change = await _overlay_change(ctx)
    return {"match": await get_match(match_id), "change": change}


async def _pending_from_opponent(ctx: _Context, side: int, match_id: int) -> dict[str, Any]:
    theirs = [r for r in await _open_reports(match_id) if r["state"] == "pending"]
    if not theirs:
        raise Conflict("there is no report awaiting your answer", code="nothing_to_confirm")
    if all(r["entrant"] == side for r in theirs):
        raise Conflict("your opponent must answer your report", code="own_report")
    return [r for r in theirs if r["entrant"] != side][-1]


async def confirm(host: PluginHost, match_id: int, user: CurrentUser) -> dict[str, Any]:
    """The opponent confirms the pending report: it becomes a result fact."""
    async with atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        pending = await _pending_from_opponent(ctx, side, match_id)
        _playable_by_players(ctx)
        fact = _build_fact(ctx, pending["winner"], _loads(pending["games"]))
        await MatchReport.update({MatchReport.state: "accepted", MatchReport.answered_by: user.id,
                                  MatchReport.answered_at: _now()}).where(
            MatchReport.id == pending["id"])
        change = await _append_fact(ctx, fact, "confirmed", user)
    return {"match": await get_match(match_id), "change": change}


async def dispute(host: PluginHost, match_id: int, user: CurrentUser) -> dict[str, Any]:
    """The opponent disputes the pending report; an organiser settles it with a result."""
    async with atomic():
        ctx = await _match_context(host, match_id)
        side = await _side_of(ctx, user)
        pending = await _pending_from_opponent(ctx, side, match_id)
        await MatchReport.update({MatchReport.state: "disputed", MatchReport.answered_by: user.id,
                                  MatchReport.answered_at: _now()}).where(
            MatchReport.id == pending["id"])
        await _refresh_overlay(match_id)
        change = await _overlay_change(ctx)
    return {"match": await get_match(match_id), "change": change}


async def organiser_result(host: PluginHost, match_id: int, user: CurrentUser | None,
                           winner: Any, games: Any, forfeit: bool = False) -> dict[str, Any]:
    """An organiser's result: final. On a completed match it is a correction, which re-flows
    every later match (those played with other participants become ``needs_replay``).

    ``forfeit`` with a winner: the other side forfeits; without one: a double forfeit.
    """
    if not isinstance(forfeit, bool):
        raise InvalidInput("forfeit must be true or false", field="forfeit")
    async with atomic():
        ctx = await _match_context(host, match_id)
        fact = _build_fact(ctx, winner, games, forfeit)
        change = await _append_fact(ctx, fact, "organiser", user)
    return {"match": await get_match(match_id), "change": change}


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
            slots = _loads(row["slots"])
            mine = [s["entrant_id"] for s in slots if s.get("entrant_id") in entrant_ids]
            if mine:
                data = match_dict(row)
                data["my_entrant_id"] = mine[0]
                out.append(data)
    playing = [m for m in out if m["status"] != "completed"]
    return playing + [m for m in out if m["status"] == "completed"]


# --------------------------------------------------------------------------------------
# Disqualification: the entrant forfeits every remaining match
# --------------------------------------------------------------------------------------


def merge_changes(changes: Sequence[Change]) -> Change:
    """Several changes of one tournament in a row, as one (the last version and status)."""
    first, last = changes[0], changes[-1]
    changed: list[str] = []
    for c in changes:
        changed += [k for k in c.changed if k not in changed]
    return Change(first.tournament_id, last.version, changed,
                  [m for c in changes for m in c.completed], last.status,
                  [m for c in changes for m in c.called])


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
        sub = _Context(ctx.t, ctx.fmt, ctx.state, row)
        try:
            fact = _build_fact(sub, others[0] if others else None, [], True)
        except (InvalidInput, Conflict):
            continue  # the format refuses this forfeit; the organiser decides by hand
        changes.append(await _append_one(sub, fact, "forfeit", user))
        ctx.t = sub.t
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
        t = await _lock(tournament_id)
        row = await entrant_in(tournament_id, entrant_id)
        if row["status"] != "registered":
            raise Conflict(f"{row['name']} holds no place in the field ({row['status']})",
                           code="not_in_field")
        await EntrantRow.update({EntrantRow.status: "dropped",
                                 EntrantRow.status_changed_at: _now()}).where(
            EntrantRow.id == entrant_id)
        if t["status"] not in ("running", "finished"):
            await _promote(t)
            return None
        await SeedFact.update({SeedFact.active: False}).where(
            (SeedFact.tournament == tournament_id) & (SeedFact.entrant == entrant_id))
        fmt = await format_for(host, t["format"], t["venue"], tournament_id)
        state = await derive_state(fmt, t)
        ctx = _Context(t, fmt, state, {})
        changes = await _cascade_forfeits(ctx, user)
        if not changes:
            version = await _bump(t, state)
            called = await stations.after_change(t)
            return Change(tournament_id, version, [], [], "finished" if state.complete
                          else "running", called)
    return merge_changes(changes)


# --------------------------------------------------------------------------------------
# The organiser's console: check in by hand, move seeds
# --------------------------------------------------------------------------------------


async def set_checked_in(tournament_id: int, entrant_id: int, checked_in: bool
                         ) -> dict[str, Any]:
    """The organiser checks an entrant in (or out) by hand, until the start.

    This is also the organiser's override for a team short of players (players cannot
    check such a team in): checked in by hand, it plays short-handed instead of being
    dropped at the start. Losing another player un-checks it again (teams.remove).
    """
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        row = await entrant_in(tournament_id, entrant_id)
        await EntrantRow.update({EntrantRow.checked_in: bool(checked_in)}).where(
            EntrantRow.id == entrant_id)
        row["checked_in"] = bool(checked_in)
    return entrant_dict(row)


async def move_seed(tournament_id: int, entrant_id: int, delta: int) -> list[dict[str, Any]]:
    """Move a registered entrant ``delta`` places (negative: stronger) in the seeding."""
    return await _reseed(tournament_id, entrant_id, lambda at: at + delta)


async def place_seed(tournament_id: int, entrant_id: int, seed: Any) -> list[dict[str, Any]]:
    """Give a registered entrant seed ``seed`` (1 strongest); the others keep their order
    (what dragging a row of the console's seeding table does). A seed beyond the field
    puts the entrant last."""
    place = whole_number(seed, "seed", 1, MAX_CAPACITY)
    return await _reseed(tournament_id, entrant_id, lambda _at: place - 1)


async def _reseed(tournament_id: int, entrant_id: int, target: Callable[[int], int]
                  ) -> list[dict[str, Any]]:
    """Move one entrant to index ``target(current index)`` (clamped to the field), reading
    and writing the order under one lock so concurrent moves never lose each other."""
    async with atomic():
        t = await _lock(tournament_id)
        _not_started(t)
        order = await _seeded_field(tournament_id)
        if entrant_id not in order:
            raise NotFound(f"entrant {entrant_id} is not in the field")
        at = order.index(entrant_id)
        order.insert(max(0, min(len(order) - 1, target(at))), order.pop(at))
        await _write_seeding(t, order)
    return await list_entrants(tournament_id, ("registered",))


# Stations are kept in step inside the same transactions (after_change), team rosters are
# checked at check-in and start; imported last because both modules build on this one.
from podium.tournaments import stations, teams  # noqa: E402
