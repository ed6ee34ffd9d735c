"""The tournaments' public JSON API (v1): tournaments, entrants, registrations, team
rosters and invitations, matches, results, Swiss rounds, standings.

Thin handlers over :mod:`podium.tournaments.service`. Errors are the service's
:mod:`podium.core.errors` (``code`` + ``detail``); lists are paginated as
``{"items", "total", "limit", "offset"}`` (matches allow ``limit`` up to 10,000, so a
whole 4,096-entrant bracket fits in one request).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, post, put
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from podium.core.accounts.auth import requires_role
from podium.core.activation.service import enabled_plugins
from podium.core.venue.context import current_venue_id
from podium.tournaments import service, teams

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]
Id = Annotated[int, PathParameter(ge=1, le=service.MAX_ID)]
Limit = Annotated[int, QueryParameter(ge=1, le=service.MAX_LIMIT, description="Page size (1–500).")]
MatchLimit = Annotated[int, QueryParameter(ge=1, le=service.MAX_MATCH_LIMIT,
                                           description="Page size (1–10,000).")]
Offset = Annotated[int, QueryParameter(ge=0, le=10**9, description="Items to skip.")]


class TournamentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new tournament. ``options`` are the format's (see the format's ``option_specs``);
    ``team_size`` 1 is solo; ``seeding`` is ``manual``, ``rating`` or ``random``."""

    name: str
    game: str
    format: str
    options: dict[str, Any] = msgspec.field(default_factory=dict)
    description: str = ""
    capacity: int | None = None
    team_size: int = 1
    seeding: str = "manual"
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    checkin_opens: datetime | None = None
    checkin_closes: datetime | None = None
    event_id: int | None = None
    status: str = "registration"
    auto_call: bool = True


class TournamentOut(msgspec.Struct):
    """A tournament."""

    id: int
    venue_id: int | None
    event_id: int | None
    name: str
    game: str
    format: str
    options: dict[str, Any]
    description: str
    capacity: int | None
    team_size: int
    seeding: str
    registration_opens: datetime | None
    registration_closes: datetime | None
    checkin_opens: datetime | None
    checkin_closes: datetime | None
    status: str
    version: int
    auto_call: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    entrant_counts: dict[str, int]
    url: str


class TournamentPage(msgspec.Struct):
    """One page of tournaments."""

    items: list[TournamentOut]
    total: int
    limit: int
    offset: int


class EntrantCreate(msgspec.Struct, forbid_unknown_fields=True):
    """An entrant the organiser adds: a name, optionally a requested seed and a rating."""

    name: str
    seed: int | None = None
    rating: float | None = None


class EntrantOut(msgspec.Struct):
    """An entrant (a player or a team)."""

    id: int
    name: str
    seed: int | None
    rating: float | None
    user_id: int | None
    checked_in: bool
    status: str


class EntrantList(msgspec.Struct):
    """Every entrant of a tournament (registered in seed order, then the waitlist...)."""

    items: list[EntrantOut]
    total: int


class RegistrationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A registration: ``team_name`` for team tournaments; ``name`` overrides the display
    name for solo ones."""

    team_name: str | None = None
    name: str | None = None


class Withdrawal(msgspec.Struct):
    """The withdrawn entrant and whoever took the place from the waitlist."""

    withdrawn: EntrantOut
    promoted: EntrantOut | None


class SeedingIn(msgspec.Struct, forbid_unknown_fields=True):
    """Every registered entrant's id once, strongest first."""

    entrant_ids: list[int]


class MatchOut(msgspec.Struct):
    """A match. ``slots``: one per side, ``{entrant_id, name, seed}`` or
    ``{entrant_id: null, source: "winner of W1-3"}`` (or ``bye: true``)."""

    id: int
    tournament_id: int
    key: str
    stage: int
    bracket: str
    round: int
    position: int
    status: str
    best_of: int
    slots: list[dict[str, Any]]
    winner_id: int | None
    games: list[list[int]]
    station: int | None
    stale_result: bool


class ReportOut(msgspec.Struct):
    """A player's open report of a match."""

    id: int
    entrant_id: int
    winner_id: int | None
    games: list[list[int]]
    state: str
    reported_by: int
    created_at: datetime


class MatchDetail(msgspec.Struct):
    """A match with its open report (``null`` when none)."""

    id: int
    tournament_id: int
    key: str
    stage: int
    bracket: str
    round: int
    position: int
    status: str
    best_of: int
    slots: list[dict[str, Any]]
    winner_id: int | None
    games: list[list[int]]
    station: int | None
    stale_result: bool
    report: ReportOut | None


class MatchPage(msgspec.Struct):
    """One page of matches, in bracket order."""

    items: list[MatchOut]
    total: int
    limit: int
    offset: int


class ResultIn(msgspec.Struct, forbid_unknown_fields=True):
    """A result: the winner and the games, each ``[a, b]`` in the match's slot order.

    ``forfeit`` (organisers only): the other side forfeits; with ``winner_id: null`` both
    do (a double forfeit)."""

    winner_id: int | None = None
    games: list[list[int]] = msgspec.field(default_factory=list)
    forfeit: bool = False


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """A player's report: the winner and the games in the match's slot order."""

    winner_id: int | None = None
    games: list[list[int]] = msgspec.field(default_factory=list)


class StandingsOut(msgspec.Struct):
    """Ranked rows: ``rank``, ``entrant_id``, ``name``, ``seed``, ``status`` and the
    tiebreak values the format computes (``match_wins``, ``buchholz``...)."""

    items: list[dict[str, Any]]
    total: int


class RoundOut(msgspec.Struct):
    """The matches added by pairing a round."""

    version: int
    matches: list[str]


class MemberOut(msgspec.Struct):
    """A player on a team's roster. ``role``: ``captain`` or ``member``; ``status``:
    ``accepted``, ``invited`` (an open invitation, whose ``id`` the invitee accepts) or
    ``declined``."""

    id: int
    entrant_id: int
    user_id: int
    username: str
    display_name: str
    role: str
    status: str
    created_at: datetime


class MemberList(msgspec.Struct):
    """A team's roster: the captain, accepted players, then invitations."""

    items: list[MemberOut]
    total: int


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    """The username of the player the captain invites."""

    username: str


class CaptainIn(msgspec.Struct, forbid_unknown_fields=True):
    """The accepted player who becomes captain."""

    user_id: int


class RemovalOut(msgspec.Struct):
    """What taking a player off a roster did: ``removed`` (by the captain), ``left``,
    ``cancelled`` (an invitation) or ``declined`` (the invitee's own)."""

    action: str
    member: MemberOut


class InvitationOut(msgspec.Struct):
    """An open invitation to a team: accept or decline it by ``id``. ``accepted`` is how
    many of the ``team_size`` players the team has."""

    id: int
    entrant_id: int
    user_id: int
    role: str
    status: str
    created_at: datetime
    tournament_id: int
    tournament_name: str
    team_name: str
    captain_name: str
    team_size: int
    accepted: int


class InvitationList(msgspec.Struct):
    """The caller's open invitations, oldest first."""

    items: list[InvitationOut]
    total: int


# -- converters ------------------------------------------------------------------------


def tournament_out(t: dict[str, Any]) -> TournamentOut:
    """A service tournament dict as the API shows it."""
    fields = {f: t[f] for f in TournamentOut.__struct_fields__ if f in t}
    return TournamentOut(**fields, url=f"/tournaments/{t['id']}")


def entrant_out(e: dict[str, Any]) -> EntrantOut:
    """A service entrant dict as the API shows it."""
    return EntrantOut(**{f: e[f] for f in EntrantOut.__struct_fields__})


def member_out(m: dict[str, Any]) -> MemberOut:
    """A roster row as the API shows it."""
    return MemberOut(**{f: m[f] for f in MemberOut.__struct_fields__})


def member_list(rows: list[dict[str, Any]]) -> MemberList:
    """A roster as the API shows it."""
    return MemberList(items=[member_out(m) for m in rows], total=len(rows))


def match_out(m: dict[str, Any]) -> MatchOut:
    """A service match dict as the API shows it."""
    return MatchOut(**{f: m[f] for f in MatchOut.__struct_fields__})


def match_detail(m: dict[str, Any]) -> MatchDetail:
    """A service match dict (with its report) as the API shows it."""
    report = m.get("report")
    fields = {f: m[f] for f in MatchOut.__struct_fields__}
    return MatchDetail(**fields, report=ReportOut(**report) if report else None)


def topic(tournament_id: int) -> str:
    """The SSE topic of one tournament's pages (bracket, console, screen)."""
    return f"tournament-{tournament_id}"


def user_topic(user_id: int) -> str:
    """The SSE topic of one user's pages ("My matches": a call to a station)."""
    return f"user-{user_id}"


async def publish_change(request: Request, change: service.Change | None) -> None:
    """Tell open pages the bracket changed, and plugins which matches were completed.

    Core domains do not import the web shell: the message goes straight to Litestar
    Channels in :func:`podium.web.sse.encode_message`'s format.
    """
    if change is None:
        return
    channels = request.app.state.get("channels")
    if channels is not None:
        data = json.dumps({"version": change.version, "status": change.status,
                           "changed": change.changed[:500]})
        payload = json.dumps({"event": f"bracket-{change.tournament_id}", "data": data})
        await channels.wait_published(payload, [topic(change.tournament_id)])
        for call in change.called:
            data = json.dumps({"match_id": call["match_id"], "station": call["station"],
                               "tournament_id": change.tournament_id})
            payload = json.dumps({"event": "my-matches", "data": data})
            topics = [user_topic(u) for u in call.get("user_ids", [])]
            if topics:
                await channels.wait_published(payload, topics)
    if change.completed:
        host = request.app.state.plugin_host
        t = await service.get_tournament(change.tournament_id)
        enabled = await enabled_plugins(host, t["venue_id"], t["id"])
        await host.acall_for(enabled, "podium_matches_completed", tournament=t,
                             matches=change.completed)


async def publish_field_change(request: Request, tournament_id: int) -> None:
    """Tell open pages the field changed (a registration, withdrawal or check-in)."""
    t = await service.get_tournament(tournament_id)
    await publish_change(request, service.Change(tournament_id, t["version"], [], [], t["status"]))


# -- tournaments -----------------------------------------------------------------------


@post("/api/v1/tournaments", tags=["tournaments"], summary="Create a tournament",
      guards=ORGANISER, status_code=201)
async def api_create_tournament(request: Request, data: JSONBody[TournamentCreate]) -> TournamentOut:
    """Create a tournament (organiser). The format must be registered and its plugin enabled
    here; ``options`` are checked by the format (422 names the bad one)."""
    values = {f: getattr(data, f) for f in TournamentCreate.__struct_fields__}
    t = await service.create_tournament(request.app.state.plugin_host,
                                        await current_venue_id(request), values, request.user)
    return tournament_out(t)


@get("/api/v1/tournaments", tags=["tournaments"], summary="List tournaments")
async def api_tournaments(request: Request, status: FromQuery[str | None] = None,
                          limit: Limit = service.DEFAULT_LIMIT, offset: Offset = 0
                          ) -> TournamentPage:
    """Tournaments of the venue, newest first (``?status=draft|registration|running|finished``)."""
    rows, total = await service.list_tournaments(await current_venue_id(request), status,
                                                 limit, offset)
    return TournamentPage(items=[tournament_out(r) for r in rows], total=total, limit=limit,
                          offset=offset)


@get("/api/v1/tournaments/{tournament_id:int}", tags=["tournaments"], summary="A tournament")
async def api_tournament(tournament_id: Id) -> TournamentOut:
    """One tournament with its entrant counts."""
    return tournament_out(await service.get_tournament(tournament_id))


@get("/api/v1/tournaments/{tournament_id:int}/entrants", tags=["tournaments"],
     summary="Entrants of a tournament")
async def api_entrants(tournament_id: Id) -> EntrantList:
    """Every entrant: registered (by seed), waitlisted (in promotion order), withdrawn..."""
    await service.get_tournament(tournament_id)
    rows = await service.list_entrants(tournament_id)
    return EntrantList(items=[entrant_out(e) for e in rows], total=len(rows))


@post("/api/v1/tournaments/{tournament_id:int}/entrants", tags=["tournaments"],
      summary="Add an entrant", guards=ORGANISER, status_code=201)
async def api_add_entrant(tournament_id: Id, data: JSONBody[EntrantCreate]) -> EntrantOut:
    """The organiser adds an entrant by name (optional requested ``seed`` and ``rating``);
    409 ``full`` at capacity, ``started`` after the start."""
    values = {"name": data.name, "seed": data.seed, "rating": data.rating}
    return entrant_out(await service.add_entrant(tournament_id, values, None))


@put("/api/v1/tournaments/{tournament_id:int}/seeding", tags=["tournaments"],
     summary="Seed by hand", guards=ORGANISER)
async def api_seeding(tournament_id: Id, data: JSONBody[SeedingIn]) -> EntrantList:
    """Order the registered field (organiser), strongest first; allowed until the start."""
    rows = await service.set_seeding(tournament_id, data.entrant_ids)
    return EntrantList(items=[entrant_out(e) for e in rows], total=len(rows))


@post("/api/v1/tournaments/{tournament_id:int}/registrations", tags=["tournaments"],
      summary="Register", guards=SIGNED_IN, status_code=201)
async def api_register(request: Request, tournament_id: Id,
                       data: JSONBody[RegistrationCreate | None] = None) -> EntrantOut:
    """Register the caller (a player, or a captain with ``team_name``). Beyond the capacity
    the entrant is ``waitlisted``; 409 ``registration_closed``, ``already_registered``."""
    values = {"team_name": data.team_name, "name": data.name} if data else {}
    entrant = await service.register(tournament_id, request.user, values)
    await publish_field_change(request, tournament_id)
    return entrant_out(entrant)


@delete("/api/v1/tournaments/{tournament_id:int}/registrations", tags=["tournaments"],
        summary="Withdraw", guards=SIGNED_IN, status_code=200)
async def api_withdraw(request: Request, tournament_id: Id) -> Withdrawal:
    """Withdraw the caller before the start; the first waitlisted entrant is promoted."""
    out = await service.withdraw(tournament_id, request.user)
    await publish_field_change(request, tournament_id)
    promoted = out["promoted"]
    return Withdrawal(withdrawn=entrant_out(out["withdrawn"]),
                      promoted=entrant_out(promoted) if promoted else None)


@post("/api/v1/tournaments/{tournament_id:int}/check-in", tags=["tournaments"],
      summary="Check in", guards=SIGNED_IN, status_code=200)
async def api_check_in(request: Request, tournament_id: Id) -> EntrantOut:
    """Check the caller in (within the check-in window). No-shows are dropped at start."""
    entrant = await service.check_in(tournament_id, request.user)
    await publish_field_change(request, tournament_id)
    return entrant_out(entrant)


@post("/api/v1/tournaments/{tournament_id:int}/start", tags=["tournaments"],
      summary="Start", guards=ORGANISER, status_code=200)
async def api_start(request: Request, tournament_id: Id) -> TournamentOut:
    """Start (organiser): drop no-shows when there is a check-in window, seed (by hand, by
    rating or at random), freeze the seeding and build the bracket."""
    change = await service.start(request.app.state.plugin_host, tournament_id, request.user)
    await publish_change(request, change)
    return tournament_out(await service.get_tournament(tournament_id))


@post("/api/v1/tournaments/{tournament_id:int}/rounds", tags=["tournaments"],
      summary="Pair the next round", guards=ORGANISER, status_code=201)
async def api_next_round(request: Request, tournament_id: Id) -> RoundOut:
    """Pair the next Swiss round (organiser); 422 ``not_round_based`` for other formats."""
    change = await service.next_round(request.app.state.plugin_host, tournament_id, request.user)
    await publish_change(request, change)
    return RoundOut(version=change.version, matches=change.changed)


@get("/api/v1/tournaments/{tournament_id:int}/matches", tags=["tournaments"],
     summary="Matches of a tournament")
async def api_matches(tournament_id: Id, status: FromQuery[str | None] = None,
                      limit: MatchLimit = service.DEFAULT_LIMIT, offset: Offset = 0) -> MatchPage:
    """Matches in bracket order, optionally of one ``status`` (``ready``, ``completed``,
    ``needs_replay``...)."""
    rows, total = await service.list_matches(tournament_id, status, limit, offset)
    return MatchPage(items=[match_out(m) for m in rows], total=total, limit=limit, offset=offset)


@get("/api/v1/tournaments/{tournament_id:int}/standings", tags=["tournaments"],
     summary="Standings")
async def api_standings(request: Request, tournament_id: Id) -> StandingsOut:
    """Ranked entrants with the tournament's tiebreak values (empty before the start)."""
    rows = await service.standings(request.app.state.plugin_host, tournament_id)
    return StandingsOut(items=rows, total=len(rows))


# -- teams -----------------------------------------------------------------------------

MEMBERS = "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"
UserId = Annotated[int, PathParameter(ge=1, le=service.MAX_ID)]


@get(MEMBERS, tags=["teams"], summary="A team's roster", guards=SIGNED_IN)
async def api_members(request: Request, tournament_id: Id, entrant_id: Id) -> MemberList:
    """The captain, accepted players and, for the team's own players, the invitee and
    organisers, open and declined invitations."""
    return member_list(await teams.members(tournament_id, entrant_id, request.user))


@post(MEMBERS, tags=["teams"], summary="Invite a player", guards=SIGNED_IN, status_code=201)
async def api_invite(request: Request, tournament_id: Id, entrant_id: Id,
                     data: JSONBody[InviteIn]) -> MemberOut:
    """The captain invites a player by ``username`` before the start. 403 ``not_captain``;
    404 ``unknown_user``; 409 ``team_full`` (accepted players + open invitations reach the
    team size), ``already_on_team``, ``already_invited``, ``started``."""
    member = await teams.invite(tournament_id, entrant_id, request.user, data.username)
    await publish_field_change(request, tournament_id)
    return member_out(member)


@delete(MEMBERS + "/{user_id:int}", tags=["teams"], summary="Remove a player or leave",
        guards=SIGNED_IN, status_code=200)
async def api_remove_member(request: Request, tournament_id: Id, entrant_id: Id,
                            user_id: UserId) -> RemovalOut:
    """The captain removes a player or cancels an invitation; a player removes themself
    (leaves, or declines an invitation). 409 ``captain_must_hand_over`` for the captain,
    ``started`` once the roster is frozen."""
    out = await teams.remove(tournament_id, entrant_id, request.user, user_id)
    await publish_field_change(request, tournament_id)
    return RemovalOut(action=out["action"], member=member_out(out["member"]))


@post("/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/captain",
      tags=["teams"], summary="Hand over the captaincy", guards=SIGNED_IN, status_code=200)
async def api_make_captain(request: Request, tournament_id: Id, entrant_id: Id,
                           data: JSONBody[CaptainIn]) -> MemberList:
    """The captain makes an accepted player (``user_id``) captain; the team's entrant
    follows. 409 ``not_a_member`` when that player has not accepted."""
    roster = await teams.make_captain(tournament_id, entrant_id, request.user, data.user_id)
    await publish_field_change(request, tournament_id)
    return member_list(roster)


@get("/api/v1/me/invitations", tags=["teams"], summary="My team invitations", guards=SIGNED_IN)
async def api_my_invitations(request: Request) -> InvitationList:
    """The caller's open invitations to teams of tournaments that have not started."""
    rows = await teams.my_invitations(request.user)
    return InvitationList(items=[InvitationOut(**{f: r[f] for f in InvitationOut.__struct_fields__})
                                 for r in rows], total=len(rows))


@post("/api/v1/invitations/{invitation_id:int}/accept", tags=["teams"],
      summary="Accept an invitation", guards=SIGNED_IN, status_code=200)
async def api_accept(request: Request, invitation_id: Id) -> MemberOut:
    """Join the team. 409 ``team_full``, ``already_on_team`` (one team per tournament),
    ``invitation_closed``, ``started``; the caller's other invitations there are declined."""
    member = await teams.accept(invitation_id, request.user)
    await publish_field_change(request, member["tournament_id"])
    return member_out(member)


@post("/api/v1/invitations/{invitation_id:int}/decline", tags=["teams"],
      summary="Decline an invitation", guards=SIGNED_IN, status_code=200)
async def api_decline(request: Request, invitation_id: Id) -> MemberOut:
    """Decline: the captain sees it and may invite someone else."""
    member = await teams.decline(invitation_id, request.user)
    await publish_field_change(request, member["tournament_id"])
    return member_out(member)


# -- matches ---------------------------------------------------------------------------


@get("/api/v1/matches/{match_id:int}", tags=["matches"], summary="A match")
async def api_match(match_id: Id) -> MatchDetail:
    """One match with its open report."""
    return match_detail(await service.get_match(match_id))


@post("/api/v1/matches/{match_id:int}/report", tags=["matches"], summary="Report a result",
      guards=SIGNED_IN, status_code=200)
async def api_report(request: Request, match_id: Id, data: JSONBody[ReportIn]) -> MatchDetail:
    """A player reports their match (games in slot order); the opponent confirms or
    disputes. 403 ``not_playing``; 409 ``not_ready``, ``disputed``; 422
    ``winner_not_in_match``, ``games_contradict_winner``, ``invalid_games``."""
    out = await service.report(request.app.state.plugin_host, match_id, request.user,
                               data.winner_id, data.games)
    await publish_change(request, out["change"])
    return match_detail(out["match"])


@post("/api/v1/matches/{match_id:int}/confirm", tags=["matches"], summary="Confirm a report",
      guards=SIGNED_IN, status_code=200)
async def api_confirm(request: Request, match_id: Id) -> MatchDetail:
    """The opponent confirms the pending report: the result counts."""
    out = await service.confirm(request.app.state.plugin_host, match_id, request.user)
    await publish_change(request, out["change"])
    return match_detail(out["match"])


@post("/api/v1/matches/{match_id:int}/dispute", tags=["matches"], summary="Dispute a report",
      guards=SIGNED_IN, status_code=200)
async def api_dispute(request: Request, match_id: Id) -> MatchDetail:
    """The opponent disputes the pending report; an organiser settles it."""
    out = await service.dispute(request.app.state.plugin_host, match_id, request.user)
    await publish_change(request, out["change"])
    return match_detail(out["match"])


@post("/api/v1/matches/{match_id:int}/result", tags=["matches"], summary="Set a result",
      guards=ORGANISER, status_code=200)
async def api_result(request: Request, match_id: Id, data: JSONBody[ResultIn]) -> MatchDetail:
    """An organiser's result: final. On a completed match it corrects it and re-flows every
    later match (matches played with other participants become ``needs_replay``)."""
    out = await service.organiser_result(request.app.state.plugin_host, match_id, request.user,
                                         data.winner_id, data.games, data.forfeit)
    await publish_change(request, out["change"])
    return match_detail(out["match"])


API_ROUTES = [
    api_create_tournament, api_tournaments, api_tournament, api_entrants, api_add_entrant,
    api_seeding, api_register, api_withdraw, api_check_in, api_start, api_next_round,
    api_matches, api_standings, api_match, api_report, api_confirm, api_dispute, api_result,
    api_members, api_invite, api_remove_member, api_make_captain, api_my_invitations,
    api_accept, api_decline,
]
