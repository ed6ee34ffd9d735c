"""The meets' JSON API (v1) under ``/api/v1/meets`` and ``/api/v1/riders``: thin
controllers over the services; errors are the services' :mod:`podium.core.errors`.

A handler's method name is its operation's ``operationId`` in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import JSONBody, QueryParameter

from podium.core.i18n import _
from podium.core.errors import InvalidInput, NotFound
from podium.core.venue.context import current_venue_id, venue_scope
from podium.plugins.cycling import calls, programme, results, service, teams, views
from podium.plugins.cycling.schemas import (
    CallIn,
    CallOut,
    CompetitionCreate,
    CompetitionOut,
    EntriesIn,
    EntriesOpenIn,
    EntryOut,
    HeatResultsIn,
    MeetCreate,
    MeetPage,
    MeetViewOut,
    PinIn,
    ProgrammeOut,
    ResultsOut,
    RiderViewOut,
    SeedingIn,
    SeedingPointsIn,
    SelfEntryIn,
    SessionCreate,
    TeamIn,
    TeamOut,
    VoidIn,
    to_out,
)
from podium.plugins.cycling.common import ORGANISER, SIGNED_IN, Id, is_organiser

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size (1–200).")]
Offset = Annotated[int, QueryParameter(ge=0, le=10**9, description="Items to skip.")]
MEET = "/{meet_id:int}"
COMP = MEET + "/competitions/{competition_id:int}"


async def own_competition(meet_id: int, competition_id: int) -> dict[str, Any]:
    """The competition, if it belongs to the meet (404 otherwise)."""
    comp = await service.get_competition(competition_id)
    if comp["meet"] != meet_id:
        raise NotFound(_("there is no competition %(competition_id)s in meet %(meet_id)s", competition_id=competition_id, meet_id=meet_id))
    return comp


def result_lines(data: HeatResultsIn) -> list[dict[str, Any]]:
    """The API's result lines as the service takes them (typed times parsed)."""
    out = []
    for line in data.results:
        time_ms = results.parse_time(line.time, "time") if line.time else line.time_ms
        out.append({"rider_id": line.rider_id, "status": line.status, "place": line.place,
                    "time_ms": time_ms, "points": line.points, "laps": line.laps})
    return out


class MeetAPI(Controller):
    """Meets: create, list, read; sessions, competitions, entries, heat results, the
    programme (schedule, pin, publish, versions)."""

    path = "/api/v1/meets"
    tags = ["track meets"]

    @post("/", summary="Create a meet", guards=ORGANISER, status_code=201)
    async def api_create_meet(self, request: Request, data: JSONBody[MeetCreate]
                              ) -> dict[str, Any]:
        """Adopt a ``track_meet`` venue event or create one on the track (organiser)."""
        scope = await venue_scope(request)
        values = {f: getattr(data, f) for f in MeetCreate.__struct_fields__}
        return await service.create_meet(scope, values, request.user)

    @get("/", summary="List meets")
    async def api_meets(self, request: Request, limit: Limit = 50, offset: Offset = 0
                        ) -> MeetPage:
        """The venue's meets, newest first."""
        rows, total = await service.list_meets(await current_venue_id(request), limit, offset)
        return to_out({"items": rows, "total": total, "limit": limit, "offset": offset},
                      MeetPage)

    @get(MEET, summary="A meet")
    async def api_meet(self, meet_id: Id) -> MeetViewOut:
        """A meet with its sessions, competitions (start lists, heats, classification) and
        the latest published programme."""
        return to_out(await views.meet_view(meet_id), MeetViewOut)

    @post(MEET + "/sessions", summary="Add a session", guards=ORGANISER, status_code=201)
    async def api_add_session(self, meet_id: Id, data: JSONBody[SessionCreate]) -> dict[str, Any]:
        """A session inside the meet's dates (409 ``session_overlap``)."""
        return await service.add_session(meet_id, {f: getattr(data, f)
                                                   for f in SessionCreate.__struct_fields__})

    @post(MEET + "/competitions", summary="Add a competition", guards=ORGANISER,
          status_code=201)
    async def api_add_competition(self, meet_id: Id, data: JSONBody[CompetitionCreate]
                                  ) -> dict[str, Any]:
        """A competition (category × discipline); 409 ``duplicate``."""
        return await service.add_competition(
            meet_id, {f: getattr(data, f) for f in CompetitionCreate.__struct_fields__})

    @get(COMP, summary="A competition")
    async def api_competition(self, meet_id: Id, competition_id: Id) -> CompetitionOut:
        """Start list (riders, or teams in a team event), heats with their riders and
        results, classification, omnium table, and the ``version`` to send with results."""
        view = await views.competition_view(await own_competition(meet_id, competition_id))
        return to_out(view, CompetitionOut)

    @get(COMP + "/teams", summary="A team event's teams")
    async def api_teams(self, meet_id: Id, competition_id: Id) -> list[TeamOut]:
        """The teams of a team event in seed order, with members and reserves."""
        await own_competition(meet_id, competition_id)
        return to_out(await teams.list_teams(competition_id), list[TeamOut])

    @post(COMP + "/teams", summary="Enter a team", guards=ORGANISER, status_code=201)
    async def api_enter_team(self, meet_id: Id, competition_id: Id, data: JSONBody[TeamIn]
                             ) -> TeamOut:
        """Enter a team of a team event (team sprint, team pursuit, madison): one
        start-list entry with its registered riders; 409 ``started``,
        ``already_entered``, ``full``; 422 when the team's size is wrong."""
        await own_competition(meet_id, competition_id)
        values = {f: getattr(data, f) for f in TeamIn.__struct_fields__}
        for key in ("members", "reserves"):
            values[key] = [{f: getattr(r, f) for f in r.__struct_fields__}
                           for r in values[key]]
        return to_out(await teams.enter_team(competition_id, values), TeamOut)

    @delete(COMP + "/teams/{team_id:int}", summary="Withdraw a team", guards=ORGANISER,
            status_code=200)
    async def api_withdraw_team(self, meet_id: Id, competition_id: Id, team_id: Id
                                ) -> list[TeamOut]:
        """Take a team off the start list before the start."""
        await own_competition(meet_id, competition_id)
        return to_out(await teams.withdraw_team(competition_id, team_id), list[TeamOut])

    @post(COMP + "/entries", summary="Enter riders", guards=ORGANISER, status_code=201)
    async def api_enter_riders(self, meet_id: Id, competition_id: Id,
                               data: JSONBody[EntriesIn]) -> list[EntryOut]:
        """Enter riders (organiser), all or nothing; 409 ``started``, ``already_entered``."""
        await own_competition(meet_id, competition_id)
        riders = [{f: getattr(r, f) for f in r.__struct_fields__} for r in data.riders]
        return to_out(await service.enter_riders(competition_id, riders), list[EntryOut])

    @post(COMP + "/self-entry", summary="Enter myself", guards=SIGNED_IN, status_code=201)
    async def api_self_entry(self, request: Request, meet_id: Id, competition_id: Id,
                             data: JSONBody[SelfEntryIn | None] = None) -> list[dict[str, Any]]:
        """A rider with an account enters while entries are open; 409 ``entries_closed``."""
        await own_competition(meet_id, competition_id)
        values = {f: getattr(data, f) for f in SelfEntryIn.__struct_fields__} if data else {}
        return await service.self_enter(competition_id, request.user, values)

    @put(COMP + "/seeding", summary="Seed the start list", guards=ORGANISER)
    async def api_seeding(self, meet_id: Id, competition_id: Id, data: JSONBody[SeedingIn]
                          ) -> list[dict[str, Any]]:
        """Order the start list, strongest first (every entry once: rider ids, or team ids
        in a team event), before the start; 409 ``started``."""
        await own_competition(meet_id, competition_id)
        return await service.set_seeding(competition_id, data.rider_ids)

    @put(COMP + "/seeding/points", summary="Seed by ranking points", guards=ORGANISER)
    async def api_seeding_points(self, meet_id: Id, competition_id: Id,
                                 data: JSONBody[SeedingPointsIn]) -> list[dict[str, Any]]:
        """Store each entry's ranking points and order the start list by them (most
        first, entries without points after, ties keep their order); ``spread`` (keirin)
        puts riders of one team in different first-round heats. 409 ``started``."""
        comp = await own_competition(meet_id, competition_id)
        return await service.seed_by_points(comp, data.points, spread=data.spread)

    @delete(COMP + "/entries/{rider_id:int}", summary="Withdraw a rider", guards=ORGANISER,
            status_code=200)
    async def api_withdraw(self, meet_id: Id, competition_id: Id, rider_id: Id
                           ) -> list[dict[str, Any]]:
        """Take a rider off the start list before the start."""
        await own_competition(meet_id, competition_id)
        return await service.withdraw_entry(competition_id, rider_id)

    @put(COMP + "/entries-open", summary="Open or close self-entry", guards=ORGANISER)
    async def api_entries_open(self, meet_id: Id, competition_id: Id,
                               data: JSONBody[EntriesOpenIn]) -> dict[str, Any]:
        """Open or close self-entry (riders with accounts) before the start."""
        await own_competition(meet_id, competition_id)
        return await service.set_entries_open(competition_id, data.open)

    @put(COMP + "/results", summary="Save a heat's results", guards=ORGANISER)
    async def api_save_heat(self, request: Request, meet_id: Id, competition_id: Id,
                            data: JSONBody[HeatResultsIn]) -> ResultsOut:
        """Save or correct one heat (``version``: the competition's version you read; 409
        ``stale_version`` when someone saved first). Later heats re-flow; ``stale`` lists
        heats whose results no longer fit."""
        await own_competition(meet_id, competition_id)
        out = await results.save_heat(competition_id, data.heat_id, result_lines(data),
                                      data.version, request.user, final=data.final)
        return ResultsOut(version=out["version"], stale=out["stale"])

    @post(COMP + "/results/void", summary="Void a heat's results", guards=ORGANISER,
          status_code=200)
    async def api_void_heat(self, meet_id: Id, competition_id: Id, data: JSONBody[VoidIn]
                            ) -> ResultsOut:
        """Void one heat's results (a stale one, a false start)."""
        await own_competition(meet_id, competition_id)
        out = await results.void_heat(competition_id, data.heat_id, data.version)
        return ResultsOut(version=out["version"], stale=out["stale"])

    @post(MEET + "/programme/schedule", summary="Schedule the programme", guards=ORGANISER,
          status_code=200)
    async def api_schedule(self, request: Request, meet_id: Id) -> dict[str, Any]:
        """Run the registered scheduler (pins kept); the result is the draft."""
        return await programme.schedule_meet(request.app.state.plugin_host, meet_id,
                                            (await venue_scope(request)).tz)

    @get(MEET + "/programme", summary="The programme")
    async def api_programme(self, request: Request, meet_id: Id,
                            draft: Annotated[bool, QueryParameter(
                                description="The draft (organisers) instead of the latest "
                                            "published version.")] = False
                            ) -> ProgrammeOut:
        """The latest published version (or ``?draft=true``, organisers)."""
        await service.get_meet(meet_id)
        if draft:
            if not is_organiser(request):
                raise NotFound(_("the draft is shown to organisers only"))
            found = await programme.draft(meet_id)
        else:
            found = await programme.published(meet_id)
        if found is None:
            raise NotFound(_("no programme yet"))
        return to_out(found, ProgrammeOut)

    @get(MEET + "/programme/versions/{number:int}", summary="A published version")
    async def api_programme_version(self, meet_id: Id, number: Id) -> ProgrammeOut:
        """Published version ``number``, as it was published."""
        found = await programme.published(meet_id, number)
        if found is None:
            raise NotFound(_("there is no published version %(number)s", number=number))
        return to_out(found, ProgrammeOut)

    @post(MEET + "/programme/pins", summary="Pin a phase and reschedule", guards=ORGANISER,
          status_code=200)
    async def api_pin(self, request: Request, meet_id: Id, data: JSONBody[PinIn]
                      ) -> dict[str, Any]:
        """Pin a phase to a session (and start), then reschedule the rest."""
        return await programme.pin_phase(request.app.state.plugin_host, meet_id, data.phase,
                                         data.session_id, data.starts_at,
                                         (await venue_scope(request)).tz)

    @post(MEET + "/calls", summary="Call a heat to the track", guards=ORGANISER,
          status_code=201)
    async def api_call(self, request: Request, meet_id: Id, data: JSONBody[CallIn]
                       ) -> CallOut:
        """Call a heat's riders to the track (the next one, or the one named); the screen
        and the meet's pages show it, called riders with accounts hear it (409
        ``not_ready``, ``nothing_to_call``)."""
        if (data.competition_id is None) != (data.heat_id is None):
            raise InvalidInput(_("name both competition_id and heat_id, or neither"),
                               field="heat_id")
        if data.competition_id is not None:
            await own_competition(meet_id, data.competition_id)
        return to_out(await calls.call_heat(meet_id, data.competition_id, data.heat_id,
                                            request.user), CallOut)

    @post(MEET + "/programme/publish", summary="Publish the draft", guards=ORGANISER,
          status_code=201)
    async def api_publish(self, request: Request, meet_id: Id) -> dict[str, Any]:
        """Publish the draft as the next version (409 ``no_draft``)."""
        return await programme.publish(meet_id, request.user)


class RiderAPI(Controller):
    """Riders and their results across meets."""

    path = "/api/v1/riders"
    tags = ["track meets"]

    @get("/{rider_id:int}", summary="A rider")
    async def api_rider(self, rider_id: Id) -> RiderViewOut:
        """A rider with their results across meets (and the teams they rode in)."""
        view = await views.rider_view(rider_id)
        return to_out({"rider": view["rider"], "competitions": [{
            **item, "competition": item["competition"]["id"],
            "competition_name": item["competition"]["title"],
            "discipline": item["competition"]["discipline"],
            "meet": item["meet"]["id"] if item["meet"] else 0,
            "meet_name": item["meet"]["name"] if item["meet"] else ""}
            for item in view["competitions"]]}, RiderViewOut)


def check_phase_key(value: Any) -> str:
    """A phase key from a form."""
    if not isinstance(value, str) or not 0 < len(value) <= programme.PHASE_KEY_MAX:
        raise InvalidInput(_("no such phase"), field="phase")
    return value
