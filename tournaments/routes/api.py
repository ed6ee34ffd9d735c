"""The tournaments' public JSON API (v1): tournaments, entrants, registrations, team
rosters and invitations, matches, results, Swiss rounds, standings, stations and the
stream queue, disqualification, plugin switches and players' ratings.

Thin controllers over the services; bodies are :mod:`podium.tournaments.schemas`. Errors
are the services' :mod:`podium.core.errors` (``code`` + ``detail``); lists are paginated
as ``{"items", "total", "limit", "offset"}`` (matches allow ``limit`` up to 10,000, so a
whole 4,096-entrant bracket fits in one request).

A handler's method name is its operation's ``operationId`` in the published OpenAPI
document (with the path): clients generated from it call operations by that name, so a
rename breaks them.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from podium.core.venue.context import current_venue_id
from podium.tournaments import catalogue, matches, play, ratings, registration, stations, teams
from podium.tournaments.kernel import DEFAULT_LIMIT, MAX_LIMIT
from podium.tournaments.matches import MAX_MATCH_LIMIT
from podium.tournaments.routes.common import ORGANISER, SIGNED_IN, Id, check_player_name
from podium.tournaments.schemas import (
    AutoCallIn,
    MatchStatusName,
    TournamentStatus,
    CallIn,
    CaptainIn,
    EntrantCreate,
    EntrantList,
    EntrantOut,
    InvitationList,
    InviteIn,
    MatchDetail,
    MatchPage,
    MemberList,
    MemberOut,
    PlayerOut,
    PluginSwitchIn,
    PluginSwitchOut,
    QueueAdd,
    QueueOrder,
    QueueOut,
    RegistrationCreate,
    RemovalOut,
    ReportIn,
    ResultIn,
    RoundOut,
    SeedingIn,
    StandingsOut,
    StationList,
    StationPatch,
    StationsIn,
    TournamentCreate,
    TournamentOut,
    TournamentPage,
    TournamentPatch,
    TournamentRemoval,
    Withdrawal,
    entrant_out,
    invitation_list,
    match_detail,
    match_out,
    member_list,
    member_out,
    player_out,
    queue_out,
    station_list,
    tournament_out,
)

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size (1–500).")]
MatchLimit = Annotated[int, QueryParameter(ge=1, le=MAX_MATCH_LIMIT,
                                           description="Page size (1–10,000).")]
Offset = Annotated[int, QueryParameter(ge=0, le=10**9, description="Items to skip.")]
TOURNAMENT = "/{tournament_id:int}"
MEMBERS = "/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"


class TournamentAPI(Controller):
    """Tournaments: create, list, read; the field (entrants, registrations, check-in,
    seeding, disqualification); the start and Swiss rounds; matches and standings; the
    plugins switched for one tournament."""

    path = "/api/v1/tournaments"
    tags = ["tournaments"]

    @post("/", summary="Create a tournament", guards=ORGANISER, status_code=201)
    async def api_create_tournament(self, request: Request, data: JSONBody[TournamentCreate]
                                    ) -> TournamentOut:
        """Create a tournament (organiser). The format must be registered and its plugin enabled
        here; ``options`` are checked by the format (422 names the bad one)."""
        values = {f: getattr(data, f) for f in TournamentCreate.__struct_fields__}
        t = await catalogue.create_tournament(request.app.state.plugin_host,
                                              await current_venue_id(request), values,
                                              request.user)
        return tournament_out(t)

    @get("/", summary="List tournaments")
    async def api_tournaments(self, request: Request,
                              status: FromQuery[TournamentStatus | None] = None,
                              limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
                              ) -> TournamentPage:
        """Tournaments of the venue, newest first (``?status=draft|registration|running|finished``)."""
        rows, total = await catalogue.list_tournaments(await current_venue_id(request), status,
                                                       limit, offset)
        return TournamentPage(items=[tournament_out(r) for r in rows], total=total,
                              limit=limit, offset=offset)

    @get(TOURNAMENT, summary="A tournament")
    async def api_tournament(self, tournament_id: Id) -> TournamentOut:
        """One tournament with its entrant counts."""
        return tournament_out(await catalogue.get_tournament(tournament_id))

    @patch(TOURNAMENT, summary="Change a tournament", guards=ORGANISER)
    async def api_update_tournament(self, request: Request, tournament_id: Id,
                                    data: JSONBody[TournamentPatch]) -> TournamentOut:
        """Change a tournament (organiser): only the fields sent. 409 ``started`` for a field
        frozen by the start, ``capacity_below_field``, ``archived``; 422 names a bad field."""
        values = {f: getattr(data, f) for f in TournamentPatch.__struct_fields__
                  if getattr(data, f) is not msgspec.UNSET}
        return tournament_out(await catalogue.update_tournament(
            request.app.state.plugin_host, tournament_id, values, request.user))

    @delete(TOURNAMENT, summary="Delete or archive a tournament", guards=ORGANISER,
            status_code=200)
    async def api_delete_tournament(self, request: Request, tournament_id: Id
                                    ) -> TournamentRemoval:
        """Delete a tournament before its start; archive it once started (its results stay,
        it leaves the lists and takes no more changes: 409 ``archived``)."""
        outcome = await catalogue.delete_tournament(tournament_id, request.user)
        return TournamentRemoval(id=tournament_id, outcome=outcome)  # type: ignore[arg-type]

    @get(TOURNAMENT + "/entrants", summary="Entrants of a tournament")
    async def api_entrants(self, tournament_id: Id) -> EntrantList:
        """Every entrant: registered (by seed), waitlisted (in promotion order), withdrawn..."""
        await catalogue.get_tournament(tournament_id)
        rows = await registration.list_entrants(tournament_id)
        return EntrantList(items=[entrant_out(e) for e in rows], total=len(rows))

    @post(TOURNAMENT + "/entrants", summary="Add an entrant", guards=ORGANISER,
          status_code=201)
    async def api_add_entrant(self, tournament_id: Id, data: JSONBody[EntrantCreate]
                              ) -> EntrantOut:
        """The organiser adds an entrant by name (optional requested ``seed`` and ``rating``);
        409 ``full`` at capacity, ``name_taken`` when that name (in any case) is already in
        the field, ``started`` after the start."""
        values = {"name": data.name, "seed": data.seed, "rating": data.rating}
        return entrant_out(await registration.add_entrant(tournament_id, values, None))

    @put(TOURNAMENT + "/seeding", summary="Seed by hand", guards=ORGANISER)
    async def api_seeding(self, tournament_id: Id, data: JSONBody[SeedingIn]) -> EntrantList:
        """Order the registered field (organiser), strongest first; allowed until the start."""
        rows = await registration.set_seeding(tournament_id, data.entrant_ids)
        return EntrantList(items=[entrant_out(e) for e in rows], total=len(rows))

    @post(TOURNAMENT + "/registrations", summary="Register", guards=SIGNED_IN,
          status_code=201)
    async def api_register(self, request: Request, tournament_id: Id,
                           data: JSONBody[RegistrationCreate | None] = None) -> EntrantOut:
        """Register the caller (a player, or a captain with ``team_name``). Beyond the capacity
        the entrant is ``waitlisted``; 409 ``registration_closed``, ``already_registered``."""
        values = {"team_name": data.team_name, "name": data.name} if data else {}
        entrant = await registration.register(tournament_id, request.user, values)
        return entrant_out(entrant)

    @delete(TOURNAMENT + "/registrations", summary="Withdraw", guards=SIGNED_IN,
            status_code=200)
    async def api_withdraw(self, request: Request, tournament_id: Id) -> Withdrawal:
        """Withdraw the caller before the start; the first waitlisted entrant is promoted."""
        out = await registration.withdraw(tournament_id, request.user)
        promoted = out["promoted"]
        return Withdrawal(withdrawn=entrant_out(out["withdrawn"]),
                          promoted=entrant_out(promoted) if promoted else None)

    @post(TOURNAMENT + "/check-in", summary="Check in", guards=SIGNED_IN, status_code=200)
    async def api_check_in(self, request: Request, tournament_id: Id) -> EntrantOut:
        """Check the caller in (within the check-in window). No-shows are dropped at start."""
        entrant = await registration.check_in(tournament_id, request.user)
        return entrant_out(entrant)

    @post(TOURNAMENT + "/start", summary="Start", guards=ORGANISER, status_code=200)
    async def api_start(self, request: Request, tournament_id: Id) -> TournamentOut:
        """Start (organiser): drop no-shows when there is a check-in window, seed (by hand, by
        rating or at random), freeze the seeding and build the bracket."""
        await play.start(request.app.state.plugin_host, tournament_id, request.user)
        return tournament_out(await catalogue.get_tournament(tournament_id))

    @post(TOURNAMENT + "/reset", summary="Reset (undo the start)", guards=ORGANISER,
          status_code=200)
    async def api_reset(self, request: Request, tournament_id: Id) -> TournamentOut:
        """Undo the start before any result (organiser): the bracket goes, entrants dropped
        at the start get their place back. 409 ``has_results``, ``not_running``."""
        await play.reset(request.app.state.plugin_host, tournament_id, request.user)
        return tournament_out(await catalogue.get_tournament(tournament_id))

    @post(TOURNAMENT + "/rounds", summary="Pair the next round", guards=ORGANISER,
          status_code=201)
    async def api_next_round(self, request: Request, tournament_id: Id) -> RoundOut:
        """Pair the next Swiss round (organiser); 422 ``not_round_based`` for other formats."""
        change = await play.next_round(request.app.state.plugin_host, tournament_id,
                                       request.user)
        return RoundOut(version=change.version, matches=change.changed)

    @get(TOURNAMENT + "/matches", summary="Matches of a tournament")
    async def api_matches(self, tournament_id: Id, status: FromQuery[MatchStatusName | None] = None,
                          limit: MatchLimit = DEFAULT_LIMIT, offset: Offset = 0) -> MatchPage:
        """Matches in bracket order, optionally of one ``status`` (``ready``, ``completed``,
        ``needs_replay``...)."""
        rows, total = await matches.list_matches(tournament_id, status, limit, offset)
        return MatchPage(items=[match_out(m) for m in rows], total=total, limit=limit,
                         offset=offset)

    @get(TOURNAMENT + "/standings", summary="Standings")
    async def api_standings(self, request: Request, tournament_id: Id) -> StandingsOut:
        """Ranked entrants with the tournament's tiebreak values (empty before the start)."""
        rows = await matches.standings(request.app.state.plugin_host, tournament_id)
        return StandingsOut(items=rows, total=len(rows))

    @post(TOURNAMENT + "/entrants/{entrant_id:int}/disqualify",
          summary="Disqualify an entrant", guards=ORGANISER, status_code=200)
    async def api_disqualify(self, request: Request, tournament_id: Id, entrant_id: Id
                             ) -> dict[str, Any]:
        """Disqualify (organiser): before the start the entrant is dropped (the waitlist fills
        the place); once running it forfeits every remaining match. Returns the matches whose
        state changed."""
        change = await play.disqualify(request.app.state.plugin_host, tournament_id,
                                       entrant_id, request.user)
        return {"entrant_id": entrant_id, "status": "dropped",
                "changed": change.changed if change else []}

    @get(TOURNAMENT + "/plugins", summary="Plugins switchable for a tournament")
    async def api_tournament_plugins(self, request: Request, tournament_id: Id
                                     ) -> list[PluginSwitchOut]:
        """The tournament-scoped plugins and whether each is on for this tournament."""
        rows = await catalogue.plugin_switches(request.app.state.plugin_host, tournament_id)
        return [PluginSwitchOut(**r) for r in rows]

    @put(TOURNAMENT + "/plugins/{name:str}", summary="Switch a plugin for a tournament",
         guards=ORGANISER)
    async def api_switch_tournament_plugin(self, request: Request, tournament_id: Id,
                                           name: FromPath[str], data: JSONBody[PluginSwitchIn]
                                           ) -> list[PluginSwitchOut]:
        """Switch a tournament-scoped plugin for this tournament only (organiser). 409
        ``format_plugin`` for the plugin that provides the tournament's format."""
        rows = await catalogue.switch_plugin(request.app.state.plugin_host, tournament_id, name,
                                             data.enabled, request.user)
        return [PluginSwitchOut(**r) for r in rows]


class TeamAPI(Controller):
    """Team rosters (captains invite, remove and hand over; players leave) and the
    caller's invitations (accept, decline). Every operation needs a signed-in caller."""

    path = "/api/v1"
    tags = ["teams"]
    guards = SIGNED_IN

    @get(MEMBERS, summary="A team's roster")
    async def api_members(self, request: Request, tournament_id: Id, entrant_id: Id
                          ) -> MemberList:
        """The captain, accepted players and, for the team's own players, the invitee and
        organisers, open and declined invitations."""
        return member_list(await teams.members(tournament_id, entrant_id, request.user))

    @post(MEMBERS, summary="Invite a player", status_code=201)
    async def api_invite(self, request: Request, tournament_id: Id, entrant_id: Id,
                         data: JSONBody[InviteIn]) -> MemberOut:
        """The captain invites a player by ``username`` before the start. 403 ``not_captain``;
        404 ``unknown_user``; 409 ``team_full`` (accepted players + open invitations reach the
        team size), ``already_on_team``, ``already_invited``, ``started``."""
        member = await teams.invite(tournament_id, entrant_id, request.user, data.username)
        return member_out(member)

    @delete(MEMBERS + "/{user_id:int}", summary="Remove a player or leave", status_code=200)
    async def api_remove_member(self, request: Request, tournament_id: Id, entrant_id: Id,
                                user_id: Id) -> RemovalOut:
        """The captain removes a player or cancels an invitation; a player removes themself
        (leaves, or declines an invitation). 409 ``captain_must_hand_over`` for the captain,
        ``started`` once the roster is frozen."""
        out = await teams.remove(tournament_id, entrant_id, request.user, user_id)
        return RemovalOut(action=out["action"], member=member_out(out["member"]))

    @post("/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/captain",
          summary="Hand over the captaincy", status_code=200)
    async def api_make_captain(self, request: Request, tournament_id: Id, entrant_id: Id,
                               data: JSONBody[CaptainIn]) -> MemberList:
        """The captain makes an accepted player (``user_id``) captain; the team's entrant
        follows. 409 ``not_a_member`` when that player has not accepted."""
        roster = await teams.make_captain(tournament_id, entrant_id, request.user, data.user_id)
        return member_list(roster)

    @get("/me/invitations", summary="My team invitations")
    async def api_my_invitations(self, request: Request) -> InvitationList:
        """The caller's open invitations to teams of tournaments that have not started."""
        return invitation_list(await teams.my_invitations(request.user))

    @post("/invitations/{invitation_id:int}/accept", summary="Accept an invitation",
          status_code=200)
    async def api_accept(self, request: Request, invitation_id: Id) -> MemberOut:
        """Join the team. 409 ``team_full``, ``already_on_team`` (one team per tournament),
        ``invitation_closed``, ``started``; the caller's other invitations there are declined."""
        member = await teams.accept(invitation_id, request.user)
        return member_out(member)

    @post("/invitations/{invitation_id:int}/decline", summary="Decline an invitation",
          status_code=200)
    async def api_decline(self, request: Request, invitation_id: Id) -> MemberOut:
        """Decline: the captain sees it and may invite someone else."""
        member = await teams.decline(invitation_id, request.user)
        return member_out(member)


def _answer(out: dict[str, Any]) -> MatchDetail:
    """A match write's answer: the match as it is now (the service announced the change)."""
    return match_detail(out["match"])


class MatchAPI(Controller):
    """One match: read it, report, confirm or dispute a result (players), set or correct
    it (organisers)."""

    path = "/api/v1/matches"
    tags = ["matches"]

    @get("/{match_id:int}", summary="A match")
    async def api_match(self, match_id: Id) -> MatchDetail:
        """One match with its open report."""
        return match_detail(await matches.get_match(match_id))

    @post("/{match_id:int}/reports/{report_id:int}/accept", summary="Accept a reported score",
          guards=ORGANISER, status_code=200)
    async def api_accept_report(self, request: Request, match_id: Id, report_id: Id
                                ) -> MatchDetail:
        """The organiser accepts a player's open report as the result (for an opponent
        without an account, or one who is away). 409 ``already_answered`` when it was
        answered meanwhile (by another organiser, the opponent or a result)."""
        return _answer(await play.accept_report(request.app.state.plugin_host, match_id,
                                                report_id, request.user))

    @post("/{match_id:int}/reopen", summary="Re-open a match (undo its result)",
          guards=ORGANISER, status_code=200)
    async def api_reopen(self, request: Request, match_id: Id) -> MatchDetail:
        """Undo a match's result (organiser); later matches are re-flowed. 409 ``no_result``,
        ``later_round_paired`` (round-by-round formats: only the last round re-opens)."""
        await play.reopen_match(request.app.state.plugin_host, match_id, request.user)
        return match_detail(await matches.get_match(match_id))

    @post("/{match_id:int}/report", summary="Report a result", guards=SIGNED_IN,
          status_code=200)
    async def api_report(self, request: Request, match_id: Id, data: JSONBody[ReportIn]
                         ) -> MatchDetail:
        """A player reports their match (games in slot order); the opponent confirms or
        disputes. 403 ``not_playing``; 409 ``not_ready``, ``disputed``; 422
        ``winner_not_in_match``, ``games_contradict_winner``, ``invalid_games``."""
        return _answer(await play.report(
            request.app.state.plugin_host, match_id, request.user, data.winner_id, data.games))

    @post("/{match_id:int}/confirm", summary="Confirm a report", guards=SIGNED_IN,
          status_code=200)
    async def api_confirm(self, request: Request, match_id: Id) -> MatchDetail:
        """The opponent confirms the pending report: the result counts."""
        return _answer(await play.confirm(
            request.app.state.plugin_host, match_id, request.user))

    @post("/{match_id:int}/dispute", summary="Dispute a report", guards=SIGNED_IN,
          status_code=200)
    async def api_dispute(self, request: Request, match_id: Id) -> MatchDetail:
        """The opponent disputes the pending report; an organiser settles it."""
        return _answer(await play.dispute(
            request.app.state.plugin_host, match_id, request.user))

    @post("/{match_id:int}/result", summary="Set a result", guards=ORGANISER, status_code=200)
    async def api_result(self, request: Request, match_id: Id, data: JSONBody[ResultIn]
                         ) -> MatchDetail:
        """An organiser's result: final. On a completed match it corrects it and re-flows every
        later match (matches played with other participants become ``needs_replay``)."""
        return _answer(await play.organiser_result(
            request.app.state.plugin_host, match_id, request.user, data.winner_id, data.games,
            data.forfeit))


class StationAPI(Controller):
    """Stations (add, change, remove), calling matches to them (by hand or auto-call) and
    the stream queue. Reading is public; every change is the organiser's."""

    path = "/api/v1"
    tags = ["stations"]

    @staticmethod
    async def _stations(tournament_id: int) -> StationList:
        return station_list(await catalogue.get_tournament(tournament_id),
                            await stations.list_stations(tournament_id))

    @staticmethod
    async def _queue(tournament_id: int) -> QueueOut:
        return queue_out(await catalogue.get_tournament(tournament_id),
                         await stations.stream_queue(tournament_id))

    @get("/tournaments/{tournament_id:int}/stations", summary="Stations of a tournament")
    async def api_stations(self, tournament_id: Id) -> StationList:
        """Stations by number with the match on each, and whether auto-call is on."""
        return await self._stations(tournament_id)

    @post("/tournaments/{tournament_id:int}/stations", summary="Add stations",
          guards=ORGANISER, status_code=201)
    async def api_add_stations(self, request: Request, tournament_id: Id,
                               data: JSONBody[StationsIn]) -> StationList:
        """Add ``count`` stations (organiser); with auto-call on, ready matches are called to
        them at once. 409 ``station_taken`` when a number exists."""
        await stations.add_stations(tournament_id, msgspec.structs.asdict(data))
        return await self._stations(tournament_id)

    @patch("/stations/{station_id:int}", summary="Change a station", guards=ORGANISER)
    async def api_update_station(self, request: Request, station_id: Id,
                                 data: JSONBody[StationPatch]) -> StationList:
        """Change a station's label, space or streamed flag (organiser)."""
        values = {k: v for k, v in msgspec.structs.asdict(data).items()
                  if v is not msgspec.UNSET}
        change = await stations.update_station(station_id, values)
        return await self._stations(change.tournament_id)

    @delete("/stations/{station_id:int}", summary="Remove a station", guards=ORGANISER,
            status_code=200)
    async def api_remove_station(self, request: Request, station_id: Id) -> StationList:
        """Remove a station (organiser); the match on it waits to be called again."""
        change = await stations.remove_station(station_id)
        return await self._stations(change.tournament_id)

    @put("/tournaments/{tournament_id:int}/auto-call", summary="Auto-call on or off",
         guards=ORGANISER)
    async def api_auto_call(self, request: Request, tournament_id: Id,
                            data: JSONBody[AutoCallIn]) -> StationList:
        """With auto-call on, ready matches are called to free stations after every change."""
        await stations.set_auto_call(tournament_id, data.enabled)
        return await self._stations(tournament_id)

    @post("/matches/{match_id:int}/call", summary="Call a match", guards=ORGANISER,
          status_code=200)
    async def api_call(self, request: Request, match_id: Id,
                       data: JSONBody[CallIn | None] = None) -> MatchDetail:
        """Call a ready match to a station (organiser). 409 ``station_busy``,
        ``no_free_station``, ``already_called``, ``player_busy``, ``not_callable``."""
        await stations.call_match(match_id, data.station if data else None)
        return match_detail(await matches.get_match(match_id))

    @post("/matches/{match_id:int}/uncall", summary="Take a match off its station",
          guards=ORGANISER, status_code=200)
    async def api_uncall(self, request: Request, match_id: Id) -> MatchDetail:
        """Free the match's station; the match waits again (409 ``not_called``)."""
        await stations.uncall(match_id)
        return match_detail(await matches.get_match(match_id))

    @get("/tournaments/{tournament_id:int}/stream-queue", summary="The stream queue")
    async def api_stream_queue(self, tournament_id: Id) -> QueueOut:
        """The stream queue in order; the head is on stream."""
        return await self._queue(tournament_id)

    @post("/tournaments/{tournament_id:int}/stream-queue",
          summary="Queue a match for the stream", guards=ORGANISER, status_code=201)
    async def api_queue_add(self, request: Request, tournament_id: Id,
                            data: JSONBody[QueueAdd]) -> QueueOut:
        """Add a match (organiser); 409 ``already_queued``, ``match_done``."""
        await stations.queue_add(tournament_id, data.match_id, data.position)
        return await self._queue(tournament_id)

    @put("/tournaments/{tournament_id:int}/stream-queue", summary="Reorder the stream queue",
         guards=ORGANISER)
    async def api_queue_order(self, request: Request, tournament_id: Id,
                              data: JSONBody[QueueOrder]) -> QueueOut:
        """Set the queue's order (organiser): every queued match once, first on stream."""
        await stations.queue_reorder(tournament_id, data.match_ids)
        return await self._queue(tournament_id)

    @delete("/tournaments/{tournament_id:int}/stream-queue/{match_id:int}",
            summary="Take a match off the stream queue", guards=ORGANISER, status_code=200)
    async def api_queue_remove(self, request: Request, tournament_id: Id, match_id: Id
                               ) -> QueueOut:
        """Remove a match from the queue (organiser); 404 ``not_queued``."""
        await stations.queue_remove(tournament_id, match_id)
        return await self._queue(tournament_id)


class PlayerAPI(Controller):
    """Players' public ratings."""

    path = "/api/v1/players"
    tags = ["players"]

    @get("/{username:str}", summary="A player's ratings")
    async def api_player(self, username: FromPath[str]) -> PlayerOut:
        """A player's openskill rating per game (derived from every result in force)."""
        return player_out(await ratings.profile(check_player_name(username)))


API_CONTROLLERS = [TournamentAPI, TeamAPI, MatchAPI, StationAPI, PlayerAPI]
