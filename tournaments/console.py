"""The organiser's console (``/tournaments/{id}/console``), the player's "your match"
notice, player profiles, and the JSON API for stations, the stream queue and
disqualification.

The console is one server-rendered page whose body (``#console-body``) every action
replaces over htmx (and which re-fetches itself when the tournament's SSE topic says the
bracket changed); without JavaScript the forms post and redirect back. Actions:
check in by hand, seed (up/down, by rating, at random) until the start, start, auto-call
on/off, add/remove stations, call or uncall a match, the stream queue (add, remove,
up/down), settle disputes and correct any result (the re-flowed matches are listed and
``needs_replay`` ones highlighted), disqualify an entrant.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, delete, get, patch, post, put
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.activation.service import parse_switch
from podium.core.database import reading
from podium.core.errors import InvalidInput, PodiumError
from podium.core.pages import is_partial_request, render
from podium.tournaments import ratings, service, stations, teams
from podium.tournaments.api import Id, MatchDetail, match_detail, publish_change, topic, user_topic

ORGANISER = [requires_role("organiser")]
REFLOW_SHOWN = 30
LIVE = ("ready", "in_progress", "awaiting_confirmation", "disputed", "needs_replay")


# --------------------------------------------------------------------------------------
# Console page
# --------------------------------------------------------------------------------------


async def _console_context(request: Request, tournament_id: int) -> dict[str, Any]:
    from podium.core.venue.context import current_venue_id
    from podium.core.venue.service import list_spaces

    async with reading():
        t = await service.get_tournament(tournament_id)
        entrants = await service.list_entrants(tournament_id)
        matches, _total = await service.list_matches(tournament_id, limit=service.MAX_MATCH_LIMIT)
        station_rows = await stations.list_stations(tournament_id)
        queue = await stations.stream_queue(tournament_id)
        venue_id = await current_venue_id(request)
        spaces = await list_spaces(venue_id) if venue_id else []
        reports = {m["id"]: (await service.get_match(m["id"]))["report"]
                   for m in matches if m["status"] == "disputed"}
        plugins = await service.plugin_switches(request.app.state.plugin_host, tournament_id)
        short = await teams.incomplete_rosters(t, entrants)
    queued = {q["match"]["id"] for q in queue}
    return {
        "t": t, "topic": topic(t["id"]), "started": t["status"] in ("running", "finished"),
        "field": [e for e in entrants if e["status"] == "registered"],
        "waitlist": [e for e in entrants if e["status"] == "waitlisted"],
        "dropped": [e for e in entrants if e["status"] == "dropped"],
        "short": short,  # teams short of players: dropped at start
        "stations": station_rows, "queue": queue, "plugins": plugins, "queued": queued,
        "spaces": spaces,
        "waiting": [m for m in matches if m["status"] in stations.CALLABLE
                    and all(s.get("entrant_id") is not None for s in m["slots"])],
        "disputed": [m for m in matches if m["status"] == "disputed"], "reports": reports,
        "needs_replay": [m for m in matches if m["status"] == "needs_replay"],
        "live": [m for m in matches if m["status"] in LIVE],
        "completed": [m for m in matches if m["status"] == "completed"],
        "free_stations": [s["number"] for s in station_rows if s["match"] is None],
        "reflowed": [k for k in (request.query_params.get("reflowed") or "").split(",")
                     if k][:REFLOW_SHOWN],
    }


@get("/tournaments/{tournament_id:int}/console", include_in_schema=False, guards=ORGANISER)
async def console_page(request: Request, tournament_id: Id) -> Template:
    """The organiser's console of one tournament."""
    return render(request, "tournaments/console.html",
                  await _console_context(request, tournament_id))


@get("/tournaments/{tournament_id:int}/console/body", include_in_schema=False,
     guards=ORGANISER)
async def console_body(request: Request, tournament_id: Id) -> Template:
    """The console's body alone (re-fetched over htmx when the bracket changes)."""
    return render(request, "tournaments/console_body.html",
                  await _console_context(request, tournament_id), partial=True)


def _form_int(form: FormMultiDict, name: str, *, required: bool = True) -> int | None:
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        if required:
            raise InvalidInput(f"{name.replace('_', ' ')} is required", field=name)
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(f"{name.replace('_', ' ')} must be a whole number", field=name)
    return int(raw)


async def _console_act(request: Request, tournament_id: int,
                       action: Callable[[FormMultiDict], Awaitable[Any]]) -> Any:
    """Run a console action; answer with the new console body (htmx) or a redirect.

    A refusal re-renders the console with the reason and the error's status code.
    """
    form = await request.form()
    reflowed: list[str] = []
    try:
        change = await action(form)
    except PodiumError as exc:
        ctx = await _console_context(request, tournament_id)
        ctx["error"] = exc.detail
        name = "tournaments/console_body.html" if is_partial_request(request) \
            else "tournaments/console.html"
        return render(request, name, ctx, status_code=exc.status_code,
                      partial=is_partial_request(request) or None)
    if isinstance(change, dict):
        change = change.get("change")
    if isinstance(change, service.Change):
        await publish_change(request, change)
        if form.get("reflow"):
            reflowed = change.changed[:REFLOW_SHOWN]
    if is_partial_request(request):
        ctx = await _console_context(request, tournament_id)
        ctx["reflowed"] = reflowed
        return render(request, "tournaments/console_body.html", ctx, partial=True)
    suffix = f"?reflowed={','.join(reflowed)}" if reflowed else ""
    return Redirect(f"/tournaments/{tournament_id}/console{suffix}", status_code=303)


def _console_post(path: str, summary: str) -> Callable[[Callable[..., Any]], Any]:
    """A console action route (organiser, form post, not in the API schema)."""
    return post(f"/tournaments/{{tournament_id:int}}/console/{path}", include_in_schema=False,
                guards=ORGANISER, summary=summary)


@_console_post("check-in", "Check an entrant in or out by hand")
async def console_check_in(request: Request, tournament_id: Id) -> Any:
    """Check an entrant in (``checked_in=1``) or out by hand."""
    async def action(form: FormMultiDict) -> Any:
        return await service.set_checked_in(
            tournament_id, _form_int(form, "entrant_id"),
            str(form.get("checked_in", "1")) in ("1", "on", "true"))
    return await _console_act(request, tournament_id, action)


@_console_post("seed", "Re-seed: move an entrant, or order by rating or at random")
async def console_seed(request: Request, tournament_id: Id) -> Any:
    """``move`` (up, down, top, bottom) or ``seed`` (a place, 1 strongest: typed, or where
    the row was dragged) with ``entrant_id``, or ``method`` (rating, random): the seeding
    used at start becomes this order."""
    async def action(form: FormMultiDict) -> Any:
        method = str(form.get("method", "") or "")
        if method == "rating":
            await ratings.seed_by_rating(tournament_id)
        elif method == "random":
            order = [e["id"] for e in await service.list_entrants(tournament_id, ("registered",))]
            random.SystemRandom().shuffle(order)
            await service.set_seeding(tournament_id, order)
        elif method:
            raise InvalidInput("seed by rating or at random", field="method")
        elif form.get("seed") not in (None, ""):
            await service.place_seed(tournament_id, _form_int(form, "entrant_id"),
                                     _form_int(form, "seed"))
        else:
            moves = {"up": -1, "down": 1, "top": -10**6, "bottom": 10**6}
            move = str(form.get("move", ""))
            if move not in moves:
                raise InvalidInput("move up, down, top or bottom", field="move")
            await service.move_seed(tournament_id, _form_int(form, "entrant_id"), moves[move])
        return None
    return await _console_act(request, tournament_id, action)


@_console_post("plugins", "Switch a plugin for this tournament")
async def console_plugins(request: Request, tournament_id: Id) -> Any:
    """Switch the plugin ``name`` on, off, or back to the venue's setting (``enabled`` =
    ``on``, ``off`` or ``default``) for this tournament only."""
    async def action(form: FormMultiDict) -> Any:
        await service.switch_plugin(
            request.app.state.plugin_host, tournament_id, str(form.get("name", "") or ""),
            parse_switch(form.get("enabled", "")), request.user)
        return None
    return await _console_act(request, tournament_id, action)


@_console_post("start", "Start the tournament")
async def console_start(request: Request, tournament_id: Id) -> Any:
    """Start from the console (drops no-shows, freezes the seeding, calls matches)."""
    return await _console_act(request, tournament_id, lambda _f: service.start(
        request.app.state.plugin_host, tournament_id, request.user))


@_console_post("auto-call", "Turn auto-call on or off")
async def console_auto_call(request: Request, tournament_id: Id) -> Any:
    """``enabled=1`` calls ready matches to free stations after every change."""
    return await _console_act(request, tournament_id, lambda form: stations.set_auto_call(
        tournament_id, str(form.get("enabled", "")) in ("1", "on", "true")))


@_console_post("stations", "Add stations")
async def console_add_stations(request: Request, tournament_id: Id) -> Any:
    """Add ``count`` stations from ``number`` (next free by default) in ``space_id``."""
    async def action(form: FormMultiDict) -> Any:
        return await stations.add_stations(tournament_id, {
            "count": _form_int(form, "count", required=False) or 1,
            "number": _form_int(form, "number", required=False),
            "space_id": _form_int(form, "space_id", required=False),
            "label": str(form.get("label", "") or ""),
            "streamed": bool(form.get("streamed"))})
    return await _console_act(request, tournament_id, action)


@_console_post("stations/remove", "Remove a station")
async def console_remove_station(request: Request, tournament_id: Id) -> Any:
    """Remove station ``station_id`` (its match waits again)."""
    async def action(form: FormMultiDict) -> Any:
        station_id = _form_int(form, "station_id")
        await _own_station(tournament_id, station_id)
        return await stations.remove_station(station_id)
    return await _console_act(request, tournament_id, action)


async def _own_station(tournament_id: int, station_id: int) -> None:
    if not any(s["id"] == station_id for s in await stations.list_stations(tournament_id)):
        raise InvalidInput(f"station {station_id} is not in this tournament", field="station_id")


async def _own_match(tournament_id: int, match_id: int | None) -> int:
    if match_id is None or (await service.get_match(match_id))["tournament_id"] != tournament_id:
        raise InvalidInput(f"match {match_id} is not in this tournament", field="match_id")
    return match_id


@_console_post("call", "Call a match to a station")
async def console_call(request: Request, tournament_id: Id) -> Any:
    """Call ``match_id`` to ``station`` (a number; the first free one when empty), or take
    it back with ``uncall=1``."""
    async def action(form: FormMultiDict) -> Any:
        match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
        if form.get("uncall"):
            return await stations.uncall(match_id)
        return await stations.call_match(match_id, _form_int(form, "station", required=False))
    return await _console_act(request, tournament_id, action)


@_console_post("stream", "Change the stream queue")
async def console_stream(request: Request, tournament_id: Id) -> Any:
    """``op`` add, remove, up, down or first for ``match_id``."""
    async def action(form: FormMultiDict) -> Any:
        match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
        op = str(form.get("op", ""))
        if op == "add":
            return await stations.queue_add(tournament_id, match_id)
        if op == "remove":
            return await stations.queue_remove(tournament_id, match_id)
        ids = [q["match"]["id"] for q in await stations.stream_queue(tournament_id)]
        if op in ("up", "down", "first") and match_id in ids:
            at = ids.index(match_id) + 1
            target = {"up": max(1, at - 1), "down": min(len(ids), at + 1), "first": 1}[op]
            return await stations.queue_move(tournament_id, match_id, target)
        raise InvalidInput("op must be add, remove, up, down or first (of a queued match)",
                           field="op")
    return await _console_act(request, tournament_id, action)


@_console_post("result", "Set, settle or correct a result")
async def console_result(request: Request, tournament_id: Id) -> Any:
    """An organiser's result for ``match_id`` (final; corrects a completed match)."""
    from podium.tournaments.routes import parse_games

    async def action(form: FormMultiDict) -> Any:
        match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
        forfeit = str(form.get("forfeit", "")).lower() in ("on", "1", "true", "yes")
        return await service.organiser_result(
            request.app.state.plugin_host, match_id, request.user,
            _form_int(form, "winner_id", required=False), parse_games(str(form.get("games", ""))),
            forfeit)
    return await _console_act(request, tournament_id, action)


@_console_post("disqualify", "Disqualify an entrant")
async def console_disqualify(request: Request, tournament_id: Id) -> Any:
    """Disqualify ``entrant_id``: it forfeits every remaining match."""
    return await _console_act(request, tournament_id, lambda form: service.disqualify(
        request.app.state.plugin_host, tournament_id, _form_int(form, "entrant_id"),
        request.user))


# --------------------------------------------------------------------------------------
# What players see: "your match: station 7", profiles
# --------------------------------------------------------------------------------------


@get("/tournaments/{tournament_id:int}/my-call", include_in_schema=False)
async def my_call_partial(request: Request, tournament_id: Id) -> Template:
    """The caller's current call in this tournament (re-fetched on every bracket change)."""
    calls = await stations.calls_for_user(request.user.id, tournament_id) if request.user else []
    return render(request, "tournaments/partials/my_call.html",
                  {"calls": calls, "tournament_id": tournament_id,
                   "topic_user": user_topic(request.user.id) if request.user else None},
                  partial=True)


@get("/players/{username:str}", include_in_schema=False)
async def player_page(request: Request, username: FromPath[str]) -> Template:
    """A player's profile: ratings per game and recent matches."""
    if len(username) > 40 or "\x00" in username:
        raise InvalidInput("no such player name", field="username")
    return render(request, "tournaments/player.html", await ratings.profile(username))


# --------------------------------------------------------------------------------------
# JSON API: stations, calls, stream queue, disqualification, ratings
# --------------------------------------------------------------------------------------


class StationsIn(msgspec.Struct, forbid_unknown_fields=True):
    """New stations: ``count`` of them numbered from ``number`` (the next free number by
    default), in venue space ``space_id``, with a ``label`` (room or group)."""

    number: int | None = None
    count: int = 1
    space_id: int | None = None
    label: str = ""
    streamed: bool = False


class StationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A station's changes (only the fields given)."""

    label: str | msgspec.UnsetType = msgspec.UNSET
    space_id: int | None | msgspec.UnsetType = msgspec.UNSET
    streamed: bool | msgspec.UnsetType = msgspec.UNSET


class StationOut(msgspec.Struct):
    """A station and the match on it (``match_id`` null when free)."""

    id: int
    number: int
    space_id: int | None
    label: str
    streamed: bool
    match_id: int | None
    match_key: str | None


class StationList(msgspec.Struct):
    """A tournament's stations by number, and its auto-call setting."""

    items: list[StationOut]
    auto_call: bool
    version: int


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Call to station ``station`` (a number), or the first free one when null."""

    station: int | None = None


class AutoCallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Auto-call on or off."""

    enabled: bool


class QueueAdd(msgspec.Struct, forbid_unknown_fields=True):
    """A match for the stream queue, at the end or at 1-based ``position``."""

    match_id: int
    position: int | None = None


class QueueOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Every queued match's id once, first on stream."""

    match_ids: list[int]


class QueueItemOut(msgspec.Struct):
    """A stream queue place: the head (``position`` 1) is on stream."""

    position: int
    on_stream: bool
    match_id: int
    key: str
    status: str
    station: int | None
    slots: list[dict[str, Any]]


class QueueOut(msgspec.Struct):
    """The stream queue, in order."""

    items: list[QueueItemOut]
    version: int


class RatingOut(msgspec.Struct):
    """A player's openskill (Plackett-Luce) rating in one game; ``ordinal`` = mu − 3σ."""

    game: str
    mu: float
    sigma: float
    ordinal: float
    matches: int
    wins: int
    losses: int


class PlayerOut(msgspec.Struct):
    """A player's public profile."""

    username: str
    display_name: str
    ratings: list[RatingOut]


async def _station_list(tournament_id: int) -> StationList:
    t = await service.get_tournament(tournament_id)
    rows = await stations.list_stations(tournament_id)
    return StationList(items=[StationOut(
        id=s["id"], number=s["number"], space_id=s["space_id"], label=s["label"],
        streamed=s["streamed"], match_id=s["match_id"],
        match_key=s["match"]["key"] if s["match"] else None) for s in rows],
        auto_call=t["auto_call"], version=t["version"])


async def _queue_out(tournament_id: int) -> QueueOut:
    t = await service.get_tournament(tournament_id)
    return QueueOut(items=[QueueItemOut(
        position=q["position"], on_stream=q["on_stream"], match_id=q["match"]["id"],
        key=q["match"]["key"], status=q["match"]["status"], station=q["match"]["station"],
        slots=q["match"]["slots"]) for q in await stations.stream_queue(tournament_id)],
        version=t["version"])


@get("/api/v1/tournaments/{tournament_id:int}/stations", tags=["stations"],
     summary="Stations of a tournament")
async def api_stations(tournament_id: Id) -> StationList:
    """Stations by number with the match on each, and whether auto-call is on."""
    return await _station_list(tournament_id)


@post("/api/v1/tournaments/{tournament_id:int}/stations", tags=["stations"],
      summary="Add stations", guards=ORGANISER, status_code=201)
async def api_add_stations(request: Request, tournament_id: Id,
                           data: JSONBody[StationsIn]) -> StationList:
    """Add ``count`` stations (organiser); with auto-call on, ready matches are called to
    them at once. 409 ``station_taken`` when a number exists."""
    change = await stations.add_stations(tournament_id, msgspec.structs.asdict(data))
    await publish_change(request, change)
    return await _station_list(tournament_id)


@patch("/api/v1/stations/{station_id:int}", tags=["stations"], summary="Change a station",
       guards=ORGANISER)
async def api_update_station(request: Request, station_id: Id,
                             data: JSONBody[StationPatch]) -> StationList:
    """Change a station's label, space or streamed flag (organiser)."""
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    change = await stations.update_station(station_id, values)
    await publish_change(request, change)
    return await _station_list(change.tournament_id)


@delete("/api/v1/stations/{station_id:int}", tags=["stations"], summary="Remove a station",
        guards=ORGANISER, status_code=200)
async def api_remove_station(request: Request, station_id: Id) -> StationList:
    """Remove a station (organiser); the match on it waits to be called again."""
    change = await stations.remove_station(station_id)
    await publish_change(request, change)
    return await _station_list(change.tournament_id)


@put("/api/v1/tournaments/{tournament_id:int}/auto-call", tags=["stations"],
     summary="Auto-call on or off", guards=ORGANISER)
async def api_auto_call(request: Request, tournament_id: Id,
                        data: JSONBody[AutoCallIn]) -> StationList:
    """With auto-call on, ready matches are called to free stations after every change."""
    await publish_change(request, await stations.set_auto_call(tournament_id, data.enabled))
    return await _station_list(tournament_id)


@post("/api/v1/matches/{match_id:int}/call", tags=["stations"], summary="Call a match",
      guards=ORGANISER, status_code=200)
async def api_call(request: Request, match_id: Id,
                   data: JSONBody[CallIn | None] = None) -> MatchDetail:
    """Call a ready match to a station (organiser). 409 ``station_busy``,
    ``no_free_station``, ``already_called``, ``player_busy``, ``not_callable``."""
    change = await stations.call_match(match_id, data.station if data else None)
    await publish_change(request, change)
    return match_detail(await service.get_match(match_id))


@post("/api/v1/matches/{match_id:int}/uncall", tags=["stations"],
      summary="Take a match off its station", guards=ORGANISER, status_code=200)
async def api_uncall(request: Request, match_id: Id) -> MatchDetail:
    """Free the match's station; the match waits again (409 ``not_called``)."""
    await publish_change(request, await stations.uncall(match_id))
    return match_detail(await service.get_match(match_id))


@get("/api/v1/tournaments/{tournament_id:int}/stream-queue", tags=["stations"],
     summary="The stream queue")
async def api_stream_queue(tournament_id: Id) -> QueueOut:
    """The stream queue in order; the head is on stream."""
    return await _queue_out(tournament_id)


@post("/api/v1/tournaments/{tournament_id:int}/stream-queue", tags=["stations"],
      summary="Queue a match for the stream", guards=ORGANISER, status_code=201)
async def api_queue_add(request: Request, tournament_id: Id, data: JSONBody[QueueAdd]
                        ) -> QueueOut:
    """Add a match (organiser); 409 ``already_queued``, ``match_done``."""
    await publish_change(request, await stations.queue_add(tournament_id, data.match_id,
                                                           data.position))
    return await _queue_out(tournament_id)


@put("/api/v1/tournaments/{tournament_id:int}/stream-queue", tags=["stations"],
     summary="Reorder the stream queue", guards=ORGANISER)
async def api_queue_order(request: Request, tournament_id: Id, data: JSONBody[QueueOrder]
                          ) -> QueueOut:
    """Set the queue's order (organiser): every queued match once, first on stream."""
    await publish_change(request, await stations.queue_reorder(tournament_id, data.match_ids))
    return await _queue_out(tournament_id)


@delete("/api/v1/tournaments/{tournament_id:int}/stream-queue/{match_id:int}",
        tags=["stations"], summary="Take a match off the stream queue", guards=ORGANISER,
        status_code=200)
async def api_queue_remove(request: Request, tournament_id: Id, match_id: Id) -> QueueOut:
    """Remove a match from the queue (organiser); 404 ``not_queued``."""
    await publish_change(request, await stations.queue_remove(tournament_id, match_id))
    return await _queue_out(tournament_id)


@post("/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/disqualify",
      tags=["tournaments"], summary="Disqualify an entrant", guards=ORGANISER, status_code=200)
async def api_disqualify(request: Request, tournament_id: Id, entrant_id: Id) -> dict[str, Any]:
    """Disqualify (organiser): before the start the entrant is dropped (the waitlist fills
    the place); once running it forfeits every remaining match. Returns the matches whose
    state changed."""
    change = await service.disqualify(request.app.state.plugin_host, tournament_id,
                                      entrant_id, request.user)
    await publish_change(request, change)
    return {"entrant_id": entrant_id, "status": "dropped",
            "changed": change.changed if change else []}


class PluginSwitchOut(msgspec.Struct):
    """One plugin an organiser may switch for a tournament."""

    name: str
    version: str
    description: str
    setting: str  # "on", "off" or "default" (the venue decides)
    enabled: bool  # in effect for this tournament
    venue_enabled: bool  # what the venue's setting alone gives
    runs_format: bool  # provides the tournament's format: cannot be switched off


class PluginSwitchIn(msgspec.Struct, forbid_unknown_fields=True):
    """``true`` (on), ``false`` (off) or ``null`` (back to the venue's setting)."""

    enabled: bool | None


@get("/api/v1/tournaments/{tournament_id:int}/plugins", tags=["tournaments"],
     summary="Plugins switchable for a tournament")
async def api_tournament_plugins(request: Request, tournament_id: Id) -> list[PluginSwitchOut]:
    """The tournament-scoped plugins and whether each is on for this tournament."""
    rows = await service.plugin_switches(request.app.state.plugin_host, tournament_id)
    return [PluginSwitchOut(**r) for r in rows]


@put("/api/v1/tournaments/{tournament_id:int}/plugins/{name:str}", tags=["tournaments"],
     summary="Switch a plugin for a tournament", guards=ORGANISER)
async def api_switch_tournament_plugin(request: Request, tournament_id: Id, name: FromPath[str],
                                       data: JSONBody[PluginSwitchIn]) -> list[PluginSwitchOut]:
    """Switch a tournament-scoped plugin for this tournament only (organiser). 409
    ``format_plugin`` for the plugin that provides the tournament's format."""
    rows = await service.switch_plugin(request.app.state.plugin_host, tournament_id, name,
                                       data.enabled, request.user)
    return [PluginSwitchOut(**r) for r in rows]


@get("/api/v1/players/{username:str}", tags=["players"], summary="A player's ratings")
async def api_player(username: FromPath[str]) -> PlayerOut:
    """A player's openskill rating per game (derived from every result in force)."""
    if len(username) > 40 or "\x00" in username:
        raise InvalidInput("no such player name", field="username")
    p = await ratings.profile(username)
    return PlayerOut(username=p["username"], display_name=p["display_name"],
                     ratings=[RatingOut(**r) for r in p["ratings"]])


CONSOLE_ROUTES = [
    console_page, console_body, console_check_in, console_seed, console_start,
    console_auto_call, console_add_stations, console_remove_station, console_call,
    console_stream, console_result, console_disqualify, my_call_partial, player_page,
    api_stations, api_add_stations, api_update_station, api_remove_station, api_auto_call,
    api_call, api_uncall, api_stream_queue, api_queue_add, api_queue_order, api_queue_remove,
    api_disqualify, api_player, console_plugins, api_tournament_plugins,
    api_switch_tournament_plugin,
]
