"""The meet's pages: the list (and the organiser's "new meet" form), the meet page, the
organiser's console and its actions, the screen view, rider profiles and the programme's
iCalendar feed.

The console is one page whose body (``#meet-console``) every action replaces over htmx
and which re-fetches itself when the meet's SSE topic says something changed; without
JavaScript the forms post and redirect back. A refusal re-renders the console with the
reason and the error's status code; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect

from podium.core.database import reading
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.i18n import SUPPORTED_LOCALES, _, format_datetime, ngettext, parse_locale
from podium.core.pages import is_partial_request, render
from podium.core.venue.context import current_venue_id, venue_scope
from podium.plugins.cycling import calls, programme, results, service, teams, views
from podium.plugins.cycling.api import check_phase_key, own_competition
from podium.plugins.cycling.common import (
    ORGANISER,
    SIGNED_IN,
    Id,
    form_int,
    form_local_time,
    form_text,
    is_organiser,
)
from podium.plugins.cycling.events import topic
from podium.plugins.cycling.terms import TEMPLATE_HELPERS, heat_label, term

def _page(request: Request[Any, Any, Any], name: str, ctx: dict[str, Any], **kwargs: Any
          ) -> Any:
    """Render a cycling template with the helpers that show stored words translated."""
    return render(request, name, {**TEMPLATE_HELPERS, **ctx}, **kwargs)


async def _tz(request: Request[Any, Any, Any]) -> str:
    return (await venue_scope(request)).tz


def _hhmm(tz: str) -> Callable[[Any], str]:
    """Instants as pages show them, in the venue's zone and the reader's language ("Tue 24
    Nov 18:30", « mar. 24 nov. 18:30 »); templates cut the last five characters for the
    time of day."""
    return lambda value: format_datetime(value, "day_time", tz) if value else ""


async def _meet_context(request: Request[Any, Any, Any], meet_id: int, *, console: bool
                        ) -> dict[str, Any]:
    tz = await _tz(request)
    async with reading():
        view = await views.meet_view(meet_id, with_draft=console)
    view.update(topic=topic(meet_id), when=_hhmm(tz), tz=tz, organiser=is_organiser(request),
                fmt_time=results.format_time, statuses=results.STATUSES,
                categories=service.CATEGORIES, disciplines=service.DISCIPLINES,
                session_kinds=service.SESSION_KINDS)
    return view


class MeetPages(Controller):
    """Public pages of meets and riders."""

    path = "/"
    include_in_schema = False

    @get("/meets", summary="Track meets")
    async def meets_page(self, request: Request) -> Any:
        """The venue's meets; organisers get the "new meet" form."""
        rows, _total = await service.list_meets(await current_venue_id(request), 100, 0)
        tz = await _tz(request) if rows or is_organiser(request) else "UTC"
        return _page(request, "cycling/meets.html", {
            "meets": rows, "organiser": is_organiser(request), "when": _hhmm(tz),
            "levels": service.LEVELS})

    @post("/meets", summary="Create a meet", guards=ORGANISER)
    async def create_meet_page(self, request: Request) -> Any:
        """Create a meet from the form (a new event on the track) and open its console."""
        form = await request.form()
        try:
            scope = await venue_scope(request)
            meet = await service.create_meet(scope, {
                "name": form_text(form, "name"), "level": form_text(form, "level") or "club",
                "starts_at": form_local_time(form, "starts_at", scope.tz),
                "ends_at": form_local_time(form, "ends_at", scope.tz),
            }, request.user)
        except PodiumError as exc:
            rows, _total = await service.list_meets(await current_venue_id(request), 100, 0)
            return _page(request, "cycling/meets.html", {
                "meets": rows, "organiser": True, "error": exc.detail, "form": dict(form),
                "when": _hhmm(await _tz(request)), "levels": service.LEVELS},
                status_code=exc.status_code)
        return Redirect(f"/meets/{meet['id']}/console", status_code=303)

    @get("/meets/{meet_id:int}", summary="A meet")
    async def meet_page(self, request: Request, meet_id: Id) -> Any:
        """Programme by session, live results, standings per competition."""
        ctx = await _meet_context(request, meet_id, console=False)
        return _page(request, "cycling/meet.html", ctx)

    @get("/meets/{meet_id:int}/body", summary="A meet's live part")
    async def meet_body(self, request: Request, meet_id: Id) -> Any:
        """The meet page's body (re-fetched on the meet's live events)."""
        ctx = await _meet_context(request, meet_id, console=False)
        return _page(request, "cycling/meet_body.html", ctx, partial=True)

    @get("/meets/{meet_id:int}/screen", summary="A meet's screen view")
    async def screen_page(self, request: Request, meet_id: Id) -> Any:
        """The big screen: the heat on track, its start list, results as they land, the
        next heats."""
        ctx = await _meet_context(request, meet_id, console=False)
        ctx.update(await views.next_heats(ctx))
        return _page(request, "cycling/screen.html", ctx)

    @get("/meets/{meet_id:int}/screen/body", summary="A meet's screen body")
    async def screen_body(self, request: Request, meet_id: Id) -> Any:
        """The screen's body (re-fetched on the meet's live events)."""
        ctx = await _meet_context(request, meet_id, console=False)
        ctx.update(await views.next_heats(ctx))
        return _page(request, "cycling/screen_body.html", ctx, partial=True)

    @get("/meets/{meet_id:int}/programme.ics", summary="The meet's programme (iCalendar)",
         media_type="text/calendar")
    async def programme_feed(self, request: Request, meet_id: Id) -> Response[Any]:
        """The latest published programme: one event per phase, stable UIDs, ``SEQUENCE``
        the version the phase last changed in.

        Summaries are in ``?lang=`` (``en``, ``fr``; the meet page's link carries the
        reader's language, as a subscribed calendar sends no preference), else the
        request's language (cookie, ``Accept-Language``, English); the locale middleware
        reads the parameter, an unknown one is refused here."""
        asked = request.query_params.get("lang")
        if asked is not None and parse_locale(asked) is None:
            raise InvalidInput(_("lang must be one of %(choices)s",
                                 choices=", ".join(SUPPORTED_LOCALES)), field="lang")
        body = await programme.programme_ics(meet_id, await _tz(request))
        return Response(content=body, media_type="text/calendar", headers={
            "content-disposition": f'inline; filename="meet-{meet_id}-programme.ics"'})

    @post("/meets/{meet_id:int}/competitions/{competition_id:int}/enter",
          summary="Enter myself", guards=SIGNED_IN)
    async def self_entry_page(self, request: Request, meet_id: Id, competition_id: Id) -> Any:
        """A signed-in rider enters a competition from the meet page."""
        form = await request.form()
        try:
            await own_competition(meet_id, competition_id)
            await service.self_enter(competition_id, request.user, {
                "uci_id": form_text(form, "uci_id"), "nation": form_text(form, "nation"),
                "team": form_text(form, "team")})
        except PodiumError as exc:
            ctx = await _meet_context(request, meet_id, console=False)
            ctx["error"] = exc.detail
            return _page(request, "cycling/meet.html", ctx, status_code=exc.status_code)
        return Redirect(f"/meets/{meet_id}?entered={competition_id}", status_code=303)

    @get("/meets/for-event/{event_id:int}", summary="The meet of a venue event")
    async def meet_of_event(self, request: Request, event_id: Id) -> Any:
        """The ``event.sidebar`` fragment: links to the event's meet (empty when none)."""
        meet = await service.meet_of_event(event_id)
        return _page(request, "cycling/partials/event_meet.html", {"meet": meet},
                      partial=True)

    @get("/riders/{rider_id:int}", summary="A rider")
    async def rider_page(self, request: Request, rider_id: Id) -> Any:
        """A rider's profile: results across meets."""
        ctx = await views.rider_view(rider_id)
        user_id = ctx["rider"].get("user_id")
        ctx["calls"] = await calls.calls_of_user(user_id) if user_id else []
        # Only the rider's own account may follow its topic (core's ``user`` rule).
        ctx["own_topic"] = f"user-{user_id}" if user_id and request.user is not None \
            and request.user.id == user_id else ""
        return _page(request, "cycling/rider.html", ctx)

    @get("/riders/{rider_id:int}/call", summary="A rider's call to the track")
    async def rider_call(self, request: Request, rider_id: Id) -> Any:
        """The rider page's live part: the heat the rider is called to, if any (re-fetched
        when the rider's account hears ``track-call``)."""
        rider = await service.get_rider(rider_id)
        found = await calls.calls_of_user(rider["user_id"]) if rider.get("user_id") else []
        return _page(request, "cycling/partials/rider_call.html",
                     {"rider": rider, "calls": found}, partial=True)

    @get("/riders/by-user/{user_id:int}", summary="A user's track results")
    async def athlete_results(self, request: Request, user_id: Id) -> Any:
        """The ``athlete.results`` fragment: the linked rider's results (empty when none)."""
        rider_id = await views.rider_of_user(user_id)
        ctx = await views.rider_view(rider_id) if rider_id else {"rider": None,
                                                                 "competitions": []}
        return _page(request, "cycling/partials/athlete_results.html", ctx, partial=True)


async def _competition_of(form: FormMultiDict, meet_id: int) -> dict[str, Any]:
    """The competition a console form names (``competition_id``), if it is one of the
    meet's (a 422 for a missing or bad id, a 404 for another meet's)."""
    competition_id = form_int(form, "competition_id", low=1, high=2**31 - 1)
    if competition_id is None:  # form_int refuses an empty required field; mypy can't know
        raise InvalidInput(_("competition_id is required"), field="competition_id")
    return await own_competition(meet_id, competition_id)


def _result_lines(form: FormMultiDict, riders: list[int]) -> list[dict[str, Any]]:
    """One heat's lines from the console's results form (``place_<rider>``,
    ``time_<rider>``, ``points_<rider>``, ``laps_<rider>``, ``status_<rider>``); a rider
    with every field empty is left out (a qualifying entered rider by rider)."""
    lines = []
    for rider in riders:
        place = form_int(form, f"place_{rider}", required=False, low=1, high=500)
        time_ms = results.parse_time(form_text(form, f"time_{rider}"), f"time_{rider}")
        points = form_int(form, f"points_{rider}", required=False, low=-999, high=999)
        laps = form_int(form, f"laps_{rider}", required=False, low=-50, high=50)
        status = form_text(form, f"status_{rider}") or "OK"
        if status not in results.STATUSES:
            raise InvalidInput(_("status must be one of %(choices)s", choices=', '.join(results.STATUSES)),
                               field=f"status_{rider}")
        if place is None and time_ms is None and points is None and not laps and status == "OK":
            continue
        lines.append({"rider_id": rider, "place": place, "time_ms": time_ms,
                      "points": points, "laps": laps or 0, "status": status})
    return lines


class MeetConsole(Controller):
    """The organiser's console of one meet: the page, its body, and its actions."""

    path = "/meets/{meet_id:int}/console"
    guards = ORGANISER
    include_in_schema = False

    @get("/", summary="Meet console")
    async def console_page(self, request: Request, meet_id: Id) -> Any:
        """Sessions, competitions, start lists, results entry and the programme editor."""
        ctx = await _meet_context(request, meet_id, console=True)
        ctx["notice"] = str(request.query_params.get("notice") or "")[:200]
        return _page(request, "cycling/console.html", ctx)

    @get("/body", summary="Meet console body")
    async def console_body(self, request: Request, meet_id: Id) -> Any:
        """The console's body (re-fetched on the meet's live events)."""
        ctx = await _meet_context(request, meet_id, console=True)
        return _page(request, "cycling/console_body.html", ctx, partial=True)

    async def _act(self, request: Request, meet_id: int,
                   action: Callable[[FormMultiDict], Awaitable[str | None]]) -> Any:
        form = await request.form()
        try:
            await service.get_meet(meet_id)
            notice = await action(form)
        except PodiumError as exc:
            ctx = await _meet_context(request, meet_id, console=True)
            ctx["error"] = exc.detail
            name = "cycling/console_body.html" if is_partial_request(request) \
                else "cycling/console.html"
            return _page(request, name, ctx, status_code=exc.status_code,
                          partial=is_partial_request(request) or None)
        if is_partial_request(request):
            ctx = await _meet_context(request, meet_id, console=True)
            ctx["notice"] = notice or ""
            return _page(request, "cycling/console_body.html", ctx, partial=True)
        suffix = f"?notice={quote(notice)}" if notice else ""
        return Redirect(f"/meets/{meet_id}/console{suffix}", status_code=303)

    @post("/sessions", summary="Add a session")
    async def add_session(self, request: Request, meet_id: Id) -> Any:
        """Add a session (the venue's wall times)."""
        tz = await _tz(request)

        async def act(form: FormMultiDict) -> str:
            await service.add_session(meet_id, {
                "name": form_text(form, "name"), "kind": form_text(form, "kind"),
                "starts_at": form_local_time(form, "starts_at", tz),
                "ends_at": form_local_time(form, "ends_at", tz)})
            return _("Session added.")
        return await self._act(request, meet_id, act)

    @post("/competitions", summary="Add a competition")
    async def add_competition(self, request: Request, meet_id: Id) -> Any:
        """Add a competition."""
        async def act(form: FormMultiDict) -> str:
            await service.add_competition(meet_id, {
                "category": form_text(form, "category"),
                "discipline": form_text(form, "discipline"),
                "name": form_text(form, "name") or None,
                "table_id": form_text(form, "table_id"),
                "recovery_minutes": form_int(form, "recovery_minutes", required=False,
                                             low=0, high=240) or 30,
                "evening_finals": bool(form_text(form, "evening_finals"))})
            return _("Competition added.")
        return await self._act(request, meet_id, act)

    @post("/riders", summary="Enter riders")
    async def enter_riders(self, request: Request, meet_id: Id) -> Any:
        """Enter pasted riders (one a line: name, nation, UCI ID, team)."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            riders = service.parse_pasted_riders(str(form.get("riders", "") or ""))
            await service.enter_riders(comp["id"], riders)
            return ngettext("%(num)s rider entered.", "%(num)s riders entered.", len(riders))
        return await self._act(request, meet_id, act)

    @post("/teams", summary="Enter a team")
    async def enter_team(self, request: Request, meet_id: Id) -> Any:
        """Enter a team of a team event: its name, nation, club, ranking points, members
        and reserves (pasted one a line: name, nation, UCI ID)."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            lists = {}
            for key in ("members", "reserves"):
                text = str(form.get(key, "") or "")
                try:
                    lists[key] = service.parse_pasted_riders(text) if text.strip() else []
                except InvalidInput as exc:
                    raise InvalidInput(_("%(key)s: %(detail)s", key=key, detail=exc.detail), field=key) from exc
            team = await teams.enter_team(comp["id"], {
                "name": form_text(form, "name"), "nation": form_text(form, "nation"),
                "club": form_text(form, "club"),
                "ranking_points": form_int(form, "ranking_points", required=False, low=0,
                                           high=10**6), **lists})
            return _("%(team)s entered.", team=team["name"])
        return await self._act(request, meet_id, act)

    @post("/teams/withdraw", summary="Withdraw a team")
    async def withdraw_team(self, request: Request, meet_id: Id) -> Any:
        """Take a team off a team event's start list before the start."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            team_id = form_int(form, "team_id", low=1, high=2**31 - 1)
            assert team_id is not None
            await teams.withdraw_team(comp["id"], team_id)
            return _("Team withdrawn.")
        return await self._act(request, meet_id, act)

    @post("/seeding", summary="Seed a start list")
    async def seed(self, request: Request, meet_id: Id) -> Any:
        """Seed a competition's start list before the start: by ranking points (most
        first) or by the positions typed (``position_<id>``); keirin riders of one team
        can be spread over the first-round heats (DOMAIN.md)."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            is_team = comp["discipline"] in service.TEAM_EVENTS
            entries = await teams.list_teams(comp["id"]) if is_team \
                else await service.list_entries(comp["id"])
            key = "id" if is_team else "rider"
            ids = [e[key] for e in entries]
            points = {i: form_int(form, f"points_{i}", required=False, low=0, high=10**6)
                      for i in ids}
            how = form_text(form, "order") or "positions"
            if how == "points":
                order = service.order_by_points(entries, points, key)
            elif how == "positions":
                positions = {i: form_int(form, f"position_{i}", required=False, low=1,
                                         high=999) for i in ids}
                order = service.order_by_positions(entries, positions, key)
            else:
                raise InvalidInput(_("order by points or by positions"), field="order")
            spread = bool(form_text(form, "spread")) and comp["discipline"] == "keirin"
            if spread:
                order = service.spread_by_team(comp["table_id"], comp["discipline"], entries,
                                               order)
            await service.set_seeding(comp["id"], order, points)
            return _("Start list seeded, team-mates spread over the heats.") if spread \
                else _("Start list seeded.")
        return await self._act(request, meet_id, act)

    @post("/withdraw", summary="Withdraw a rider")
    async def withdraw(self, request: Request, meet_id: Id) -> Any:
        """Take a rider off a start list before the start."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            rider_id = form_int(form, "rider_id", low=1, high=2**31 - 1)
            assert rider_id is not None
            await service.withdraw_entry(comp["id"], rider_id)
            return _("Rider withdrawn.")
        return await self._act(request, meet_id, act)

    @post("/results", summary="Save a heat's results")
    async def save_results(self, request: Request, meet_id: Id) -> Any:
        """Save or correct one heat's results; later heats re-flow."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            heat_id = form_text(form, "heat_id")
            progress = await results.competition_progress(comp)
            heat = progress.heat(heat_id)
            if heat is None:
                raise NotFound(_("there is no heat %(heat_id)s in this competition", heat_id=repr(heat_id)))
            lines = _result_lines(form, [r for r in heat.riders if r is not None])
            out = await results.save_heat(comp["id"], heat_id, lines,
                                          form_int(form, "version", low=0, high=2**31 - 1),
                                          request.user)
            stale = out["stale"]
            saved = _("%(heat)s saved.", heat=heat_label(heat.label))
            return saved + (" " + _("Stale after this correction: %(heats)s.",
                                    heats=", ".join(stale)) if stale else "")
        return await self._act(request, meet_id, act)

    @post("/void", summary="Void a heat's results")
    async def void(self, request: Request, meet_id: Id) -> Any:
        """Void one heat's results."""
        async def act(form: FormMultiDict) -> str:
            comp = await _competition_of(form, meet_id)
            await results.void_heat(comp["id"], form_text(form, "heat_id"),
                                    form_int(form, "version", low=0, high=2**31 - 1))
            return _("Heat voided.")
        return await self._act(request, meet_id, act)

    @post("/schedule", summary="Schedule the programme")
    async def schedule(self, request: Request, meet_id: Id) -> Any:
        """Run the scheduler (pins kept)."""
        tz = await _tz(request)

        async def act(form: FormMultiDict) -> str:
            out = await programme.schedule_meet(request.app.state.plugin_host, meet_id, tz)
            return _("Scheduled: %(status)s.", status=term(out["status"]))
        return await self._act(request, meet_id, act)

    @post("/move", summary="Move and pin a phase")
    async def move(self, request: Request, meet_id: Id) -> Any:
        """Move a phase to a session (and a start time), pin it there, reschedule the rest
        (the timeline's drag-and-drop posts here; the form is the no-JS way)."""
        tz = await _tz(request)

        async def act(form: FormMultiDict) -> str:
            session_id = form_int(form, "session_id", low=1, high=2**31 - 1)
            assert session_id is not None
            out = await programme.pin_phase(
                request.app.state.plugin_host, meet_id, check_phase_key(form.get("phase")),
                session_id, form_local_time(form, "starts_at", tz, required=False), tz)
            return _("Phase pinned; the rest rescheduled: %(status)s.", status=term(out["status"]))
        return await self._act(request, meet_id, act)

    @post("/unpin", summary="Unpin a phase")
    async def unpin(self, request: Request, meet_id: Id) -> Any:
        """Let the scheduler place a pinned phase again."""
        tz = await _tz(request)

        async def act(form: FormMultiDict) -> str:
            out = await programme.unpin_phase(request.app.state.plugin_host, meet_id,
                                              check_phase_key(form.get("phase")), tz)
            return _("Unpinned; rescheduled: %(status)s.", status=term(out["status"]))
        return await self._act(request, meet_id, act)

    @post("/call", summary="Call a heat to the track")
    async def call(self, request: Request, meet_id: Id) -> Any:
        """Call the riders of the next heat (in programme order, not called yet) to the
        track, or of the heat named (``competition_id`` and ``heat_id``: a last call)."""
        async def act(form: FormMultiDict) -> str:
            heat_id = form_text(form, "heat_id")
            competition_id = (await _competition_of(form, meet_id))["id"] if heat_id else None
            out = await calls.call_heat(meet_id, competition_id, heat_id or None, request.user)
            return _("Called to the track: %(heat)s.", heat=heat_label(out["label"]))
        return await self._act(request, meet_id, act)

    @post("/publish", summary="Publish the programme")
    async def publish(self, request: Request, meet_id: Id) -> Any:
        """Publish the draft as the next version."""
        async def act(form: FormMultiDict) -> str:
            out = await programme.publish(meet_id, request.user)
            return _("Programme version %(n)s published.", n=out["number"])
        return await self._act(request, meet_id, act)
