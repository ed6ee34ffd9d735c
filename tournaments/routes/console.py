"""The organiser's console (``/tournaments/{id}/console``): one server-rendered page whose
body (``#console-body``) every action replaces over htmx, and which re-fetches itself when
the tournament's SSE topic says the bracket changed; without JavaScript the forms post and
redirect back.

Actions: add entrants (one by name, or a pasted list: all or nothing), check in by hand
(while check-in is open), seed (up/down, a place, by rating, at random) until the start,
switch plugins for the tournament, start (and reset before any result), pair the next
round of a round-by-round format, auto-call on/off, add/remove stations, call or uncall a
match, the stream queue (add, remove, up/down), the queue of reported scores (accept in
one click, or edit), settle disputes, set, correct or re-open any result (the re-flowed
matches are listed and ``needs_replay`` ones highlighted), disqualify an entrant still in
play.

Nothing is recorded that nobody chose: the result form has no default winner, and a
correction, a re-open and a reset are asked about first (the action answers with a
confirmation panel; the panel's button posts again with ``confirm=1``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from podium.core.activation.service import parse_switch
from podium.core.database import reading
from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, PodiumError
from podium.core.pages import is_partial_request, render
from podium.core.venue.context import current_venue_id
from podium.core.venue.service import list_spaces
from podium.tournaments import catalogue, matches, play, ratings, registration, stations, teams
from podium.tournaments.formats import formats
from podium.tournaments.routes.organiser import venue_clock
from podium.tournaments.kernel import STARTED, Change
from podium.tournaments.labels import standing_label
from podium.tournaments.tables import ResultLog
from podium.tournaments.live import topic
from podium.tournaments.matches import LIVE, MAX_MATCH_LIMIT
from podium.tournaments.routes.common import (
    ORGANISER, Id, form_flag, parse_games, winner_choice)

REFLOW_SHOWN = 30
SEED_MOVES = {"up": -1, "down": 1, "top": -10**6, "bottom": 10**6}


async def _console_context(request: Request, tournament_id: int) -> dict[str, Any]:
    async with reading():
        t = await catalogue.get_tournament(tournament_id)
        entrants = await registration.list_entrants(tournament_id)
        rows, _total = await matches.list_matches(tournament_id, limit=MAX_MATCH_LIMIT)
        station_rows = await stations.list_stations(tournament_id)
        queue = await stations.stream_queue(tournament_id)
        venue_id = await current_venue_id(request)
        spaces = await list_spaces(venue_id) if venue_id else []
        reports = {m["id"]: (await matches.get_match(m["id"]))["report"]
                   for m in rows if m["status"] == "disputed"}
        plugins = await catalogue.plugin_switches(request.app.state.plugin_host, tournament_id)
        short = await teams.incomplete_rosters(t, entrants)
        report_queue = await play.report_queue(tournament_id)
        has_results = await ResultLog.exists().where(
            (ResultLog.tournament == tournament_id) & ResultLog.superseded_by.is_null())
        standing = await _standing_status(request, t)
        clock = await venue_clock(t["venue_id"])
    queued = {q["match"]["id"] for q in queue}
    fmt = formats(request.app.state.plugin_host).get(t["format"])
    unfinished = [m for m in rows if m["status"] not in ("completed", "skipped")]
    return {
        "checkin": _checkin_state(t), "report_queue": report_queue, "clock": clock,
        "reported": {r["match_id"] for r in report_queue},
        "has_results": has_results, "standing": standing,
        "round_based": bool(fmt is not None and fmt.dynamic),
        "allows_draws": bool(fmt is not None and fmt.allows_draws),
        "can_pair": bool(fmt is not None and fmt.dynamic and t["status"] == "running"
                         and not unfinished),
        "rounds_paired": max((m["round"] for m in rows), default=0),
        "t": t, "topic": topic(t["id"]), "started": t["status"] in STARTED,
        "field": [e for e in entrants if e["status"] == "registered"],
        "waitlist": [e for e in entrants if e["status"] == "waitlisted"],
        "dropped": [e for e in entrants if e["status"] == "dropped"],
        "short": short,  # teams short of players: dropped at start
        "stations": station_rows, "queue": queue, "plugins": plugins, "queued": queued,
        "spaces": spaces,
        "waiting": [m for m in rows if m["status"] in stations.CALLABLE
                    and all(s.get("entrant_id") is not None for s in m["slots"])],
        "disputed": [m for m in rows if m["status"] == "disputed"], "reports": reports,
        "needs_replay": [m for m in rows if m["status"] == "needs_replay"],
        "live": [m for m in rows if m["status"] in LIVE],
        "completed": [m for m in rows if m["status"] == "completed"],
        "free_stations": [s["number"] for s in station_rows if s["match"] is None],
        "reflowed": [k for k in (request.query_params.get("reflowed") or "").split(",")
                     if k][:REFLOW_SHOWN],
    }


def _checkin_state(t: dict[str, Any]) -> dict[str, Any]:
    """Where the check-in window stands (:func:`~podium.tournaments.catalogue.checkin_state`)
    with its times, for the console's buttons and its "check-in opens at" line."""
    return {"state": catalogue.checkin_state(t["checkin_opens"], t["checkin_closes"]),
            "opens": t["checkin_opens"], "closes": t["checkin_closes"]}


# Standing statuses of an entrant still in play (who may still be disqualified).
IN_PLAY = ("active", "advanced")


async def _standing_status(request: Request, t: dict[str, Any]) -> dict[int, str]:
    """Each entrant's standing status once started (``active``, ``eliminated``,
    ``champion``, ``disqualified``...): the console offers disqualification only to those
    still in play."""
    if t["status"] not in STARTED:
        return {}
    try:
        rows = await matches.standings(request.app.state.plugin_host, t["id"])
    except PodiumError:
        return {}
    return {r["entrant_id"]: r.get("status", "active") for r in rows
            if isinstance(r.get("entrant_id"), int)}


def _form_int(form: FormMultiDict, name: str) -> int:
    """A required whole number of a console form (an id, a seed)."""
    value = _form_optional_int(form, name)
    if value is None:
        raise InvalidInput(_("%(name)s is required", name=name.replace('_', ' ')), field=name)
    return value


def _form_optional_int(form: FormMultiDict, name: str) -> int | None:
    """A whole number of a console form; ``None`` when the field is empty or missing."""
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_("%(name)s must be a whole number", name=name.replace('_', ' ')), field=name)
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
    except NeedsConfirmation as ask:
        ctx = await _console_context(request, tournament_id)
        ctx["confirm"] = {"question": ask.question, "action": ask.action,
                          "fields": ask.fields, "button": ask.button}
        name = "tournaments/console_body.html" if is_partial_request(request) \
            else "tournaments/console.html"
        return render(request, name, ctx, partial=is_partial_request(request) or None)
    except PodiumError as exc:
        ctx = await _console_context(request, tournament_id)
        ctx["error"] = exc.detail
        ctx["error_lines"] = exc.extra.get("errors") or []
        ctx["typed"] = {k: str(v) for k, v in form.items() if k in ("entrants", "name", "seed")}
        if form.get("match_id") and "games" in form:  # a refused result keeps what was typed
            chosen = str(form.get("winner_id") or "")
            ctx["typed_result"] = {"match_id": str(form.get("match_id")),
                                   "winner": int(chosen) if chosen.isdigit() else chosen or None,
                                   "games": str(form.get("games") or "")}
        name = "tournaments/console_body.html" if is_partial_request(request) \
            else "tournaments/console.html"
        return render(request, name, ctx, status_code=exc.status_code,
                      partial=is_partial_request(request) or None)
    if isinstance(change, dict):
        change = change.get("change")
    if isinstance(change, Change):
        if form.get("reflow"):
            reflowed = change.changed[:REFLOW_SHOWN]
    if is_partial_request(request):
        ctx = await _console_context(request, tournament_id)
        ctx["reflowed"] = reflowed
        return render(request, "tournaments/console_body.html", ctx, partial=True)
    suffix = f"?reflowed={','.join(reflowed)}" if reflowed else ""
    return Redirect(f"/tournaments/{tournament_id}/console{suffix}", status_code=303)


class NeedsConfirmation(Exception):
    """An action that changes what was recorded asks first: the console shows
    ``question`` with a button posting ``fields`` (plus ``confirm=1``) to ``action``."""

    def __init__(self, question: str, action: str, fields: dict[str, Any], button: str
                 ) -> None:
        super().__init__(question)
        self.question, self.action, self.fields, self.button = question, action, fields, button


def _confirmed(form: FormMultiDict) -> bool:
    return form_flag(form, "confirm")


def _names(m: dict[str, Any]) -> dict[Any, str]:
    return {s.get("entrant_id"): s.get("name") or "?" for s in m["slots"]}


async def _own_station(tournament_id: int, station_id: int) -> None:
    if not any(s["id"] == station_id for s in await stations.list_stations(tournament_id)):
        raise InvalidInput(_("station %(station_id)s is not in this tournament", station_id=station_id), field="station_id")


async def _own_match(tournament_id: int, match_id: int) -> int:
    if (await matches.get_match(match_id))["tournament_id"] != tournament_id:
        raise InvalidInput(_("match %(match_id)s is not in this tournament", match_id=match_id), field="match_id")
    return match_id


def _action(path: str, summary: str) -> Callable[[Callable[..., Any]], Any]:
    """A console action route (a form post)."""
    return post(f"/{path}", summary=summary)


class ConsolePages(Controller):
    """The organiser's console of one tournament: the page, its body, and its actions
    (organisers only)."""

    path = "/tournaments/{tournament_id:int}/console"
    include_in_schema = False
    guards = ORGANISER

    @get("/")
    async def console_page(self, request: Request, tournament_id: Id) -> Template:
        """The organiser's console of one tournament."""
        return render(request, "tournaments/console.html",
                      await _console_context(request, tournament_id))

    @get("/body")
    async def console_body(self, request: Request, tournament_id: Id) -> Template:
        """The console's body alone (re-fetched over htmx when the bracket changes)."""
        return render(request, "tournaments/console_body.html",
                      await _console_context(request, tournament_id), partial=True)

    @_action("check-in", "Check an entrant in or out by hand")
    async def console_check_in(self, request: Request, tournament_id: Id) -> Any:
        """Check an entrant in (``checked_in=1``) or out by hand."""
        async def action(form: FormMultiDict) -> Any:
            return await registration.set_checked_in(
                tournament_id, _form_int(form, "entrant_id"),
                str(form.get("checked_in", "1")) in ("1", "on", "true"))
        return await _console_act(request, tournament_id, action)

    @_action("seed", "Re-seed: move an entrant, or order by rating or at random")
    async def console_seed(self, request: Request, tournament_id: Id) -> Any:
        """``move`` (up, down, top, bottom) or ``seed`` (a place, 1 strongest: typed, or where
        the row was dragged) with ``entrant_id``, or ``method`` (rating, random): the seeding
        used at start becomes this order."""
        async def action(form: FormMultiDict) -> Any:
            method = str(form.get("method", "") or "")
            if method == "rating":
                await ratings.seed_by_rating(tournament_id)
            elif method == "random":
                await registration.seed_at_random(tournament_id)
            elif method:
                raise InvalidInput(_("seed by rating or at random"), field="method")
            elif form.get("seed") not in (None, ""):
                await registration.place_seed(tournament_id, _form_int(form, "entrant_id"),
                                              _form_int(form, "seed"))
            else:
                move = str(form.get("move", ""))
                if move not in SEED_MOVES:
                    raise InvalidInput(_("move up, down, top or bottom"), field="move")
                await registration.move_seed(tournament_id, _form_int(form, "entrant_id"),
                                             SEED_MOVES[move])
            return None
        return await _console_act(request, tournament_id, action)

    @_action("plugins", "Switch a plugin for this tournament")
    async def console_plugins(self, request: Request, tournament_id: Id) -> Any:
        """Switch the plugin ``name`` on, off, or back to the venue's setting (``enabled`` =
        ``on``, ``off`` or ``default``) for this tournament only."""
        async def action(form: FormMultiDict) -> Any:
            await catalogue.switch_plugin(
                request.app.state.plugin_host, tournament_id, str(form.get("name", "") or ""),
                parse_switch(form.get("enabled", "")), request.user)
            return None
        return await _console_act(request, tournament_id, action)

    @_action("start", "Start the tournament")
    async def console_start(self, request: Request, tournament_id: Id) -> Any:
        """Start from the console (drops no-shows, freezes the seeding, calls matches)."""
        return await _console_act(request, tournament_id, lambda _f: play.start(
            request.app.state.plugin_host, tournament_id, request.user))

    @_action("auto-call", "Turn auto-call on or off")
    async def console_auto_call(self, request: Request, tournament_id: Id) -> Any:
        """``enabled=1`` calls ready matches to free stations after every change."""
        return await _console_act(request, tournament_id, lambda form: stations.set_auto_call(
            tournament_id, str(form.get("enabled", "")) in ("1", "on", "true")))

    @_action("stations", "Add stations")
    async def console_add_stations(self, request: Request, tournament_id: Id) -> Any:
        """Add ``count`` stations from ``number`` (next free by default) in ``space_id``."""
        async def action(form: FormMultiDict) -> Any:
            return await stations.add_stations(tournament_id, {
                "count": _form_optional_int(form, "count") or 1,
                "number": _form_optional_int(form, "number"),
                "space_id": _form_optional_int(form, "space_id"),
                "label": str(form.get("label", "") or ""),
                "streamed": bool(form.get("streamed"))})
        return await _console_act(request, tournament_id, action)

    @_action("stations/remove", "Remove a station")
    async def console_remove_station(self, request: Request, tournament_id: Id) -> Any:
        """Remove station ``station_id`` (its match waits again)."""
        async def action(form: FormMultiDict) -> Any:
            station_id = _form_int(form, "station_id")
            await _own_station(tournament_id, station_id)
            return await stations.remove_station(station_id)
        return await _console_act(request, tournament_id, action)

    @_action("call", "Call a match to a station")
    async def console_call(self, request: Request, tournament_id: Id) -> Any:
        """Call ``match_id`` to ``station`` (a number; the first free one when empty), or take
        it back with ``uncall=1``."""
        async def action(form: FormMultiDict) -> Any:
            match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
            if form.get("uncall"):
                return await stations.uncall(match_id)
            return await stations.call_match(match_id, _form_optional_int(form, "station"))
        return await _console_act(request, tournament_id, action)

    @_action("stream", "Change the stream queue")
    async def console_stream(self, request: Request, tournament_id: Id) -> Any:
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
            raise InvalidInput(_("op must be add, remove, up, down or first (of a queued match)"),
                               field="op")
        return await _console_act(request, tournament_id, action)

    @_action("result", "Set, settle or correct a result")
    async def console_result(self, request: Request, tournament_id: Id) -> Any:
        """An organiser's result for ``match_id`` (final). ``winner_id`` must be chosen
        (``none``: a double forfeit). On a completed match it is a correction, which re-flows
        later matches: asked about first (posted again with ``confirm=1``)."""
        async def action(form: FormMultiDict) -> Any:
            match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
            winner, forfeit = winner_choice(form)
            games = parse_games(str(form.get("games", "")))
            m = await matches.get_match(match_id)
            if m["status"] == "completed" and not _confirmed(form):
                names = _names(m)
                was = names.get(m["winner_id"], _("nobody"))
                now_ = names.get(winner, _("nobody"))
                score = ", ".join(f"{a}-{b}" for a, b in games)
                question = _("Correct %(key)s: winner %(was)s → %(now)s?", key=m["key"], was=was,
                             now=now_) if not score else _(
                    "Correct %(key)s: winner %(was)s → %(now)s (%(score)s)?", key=m["key"],
                    was=was, now=now_, score=score)
                raise NeedsConfirmation(
                    question + " " + _("Later matches that depended on it are re-flowed."),
                    f"/tournaments/{tournament_id}/console/result",
                    {"match_id": match_id, "winner_id": form.get("winner_id"),
                     "games": form.get("games", ""), "forfeit": "1" if forfeit else "",
                     "reflow": "1"}, _("Yes, correct it"))
            return await play.organiser_result(
                request.app.state.plugin_host, match_id, request.user, winner, games, forfeit)
        return await _console_act(request, tournament_id, action)

    @_action("reopen", "Re-open a match (undo its result)")
    async def console_reopen(self, request: Request, tournament_id: Id) -> Any:
        """Undo the result of ``match_id`` (asked about first): it can be played again."""
        async def action(form: FormMultiDict) -> Any:
            match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
            if not _confirmed(form):
                m = await matches.get_match(match_id)
                raise NeedsConfirmation(
                    _("Re-open %(key)s (%(who)s)? Its result is undone and later matches that "
                      "depended on it are re-flowed.", key=m["key"],
                      who=" – ".join(_names(m).values())),
                    f"/tournaments/{tournament_id}/console/reopen", {"match_id": match_id,
                                                                      "reflow": "1"},
                    _("Yes, re-open it"))
            return await play.reopen_match(request.app.state.plugin_host, match_id,
                                           request.user)
        return await _console_act(request, tournament_id, action)

    @_action("reset", "Reset the tournament (before any result)")
    async def console_reset(self, request: Request, tournament_id: Id) -> Any:
        """Undo the start while no result exists (asked about first)."""
        async def action(form: FormMultiDict) -> Any:
            if not _confirmed(form):
                raise NeedsConfirmation(
                    _("Reset the tournament? The bracket goes, entrants dropped at the start get "
                      "their place back and you can seed and start again."),
                    f"/tournaments/{tournament_id}/console/reset", {}, _("Yes, reset it"))
            return await play.reset(request.app.state.plugin_host, tournament_id, request.user)
        return await _console_act(request, tournament_id, action)

    @_action("reports/accept", "Accept a reported score")
    async def console_accept_report(self, request: Request, tournament_id: Id) -> Any:
        """Accept report ``report_id`` of ``match_id`` as the result (one click)."""
        async def action(form: FormMultiDict) -> Any:
            match_id = await _own_match(tournament_id, _form_int(form, "match_id"))
            return await play.accept_report(request.app.state.plugin_host, match_id,
                                            _form_int(form, "report_id"), request.user)
        return await _console_act(request, tournament_id, action)

    @_action("next-round", "Pair the next round")
    async def console_next_round(self, request: Request, tournament_id: Id) -> Any:
        """Pair the next round of a round-by-round (dynamic) format, such as Swiss."""
        return await _console_act(request, tournament_id, lambda _f: play.next_round(
            request.app.state.plugin_host, tournament_id, request.user))

    @_action("entrants", "Add an entrant by name")
    async def console_add_entrant(self, request: Request, tournament_id: Id) -> Any:
        """Add one entrant by ``name`` (optional ``seed``)."""
        return await _console_act(request, tournament_id, lambda form: registration.add_entrant(
            tournament_id, {"name": str(form.get("name", "") or ""),
                            "seed": _form_optional_int(form, "seed")}, request.user))

    @_action("entrants/paste", "Add entrants from a pasted list")
    async def console_paste_entrants(self, request: Request, tournament_id: Id) -> Any:
        """Add every entrant of ``entrants`` (one per line, ``Name`` or ``Name, seed``), or
        none when a line is wrong (each bad line is named)."""
        return await _console_act(request, tournament_id, lambda form: registration.add_entrants(
            tournament_id, str(form.get("entrants", "") or "")))

    @_action("disqualify", "Disqualify an entrant")
    async def console_disqualify(self, request: Request, tournament_id: Id) -> Any:
        """Disqualify ``entrant_id``: it forfeits every remaining match. Once started, only an
        entrant still in play (not eliminated, not placed) can be disqualified."""
        async def action(form: FormMultiDict) -> Any:
            entrant_id = _form_int(form, "entrant_id")
            t = await catalogue.get_tournament(tournament_id)
            if t["status"] in STARTED:
                status = (await _standing_status(request, t)).get(entrant_id)
                if status not in IN_PLAY:
                    raise Conflict(_("this entrant is no longer in play (%(status)s)",
                                     status=standing_label(status) or _("out")),
                                   code="not_in_play")
            return await play.disqualify(request.app.state.plugin_host, tournament_id,
                                         entrant_id, request.user)
        return await _console_act(request, tournament_id, action)
