"""Tournament pages: the list, a tournament's page (entry card, bracket and standings, the
organiser's result forms), team rosters and invitations, "My matches" with the player's
station call, the venue's big screen, and a player's profile.

Pages post ordinary forms (CSRF) and redirect back; a refused action re-renders the page
with the reason (4xx). The bracket part of the tournament page and the screen re-fetch
themselves when the tournament's SSE topic says the bracket changed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Response, Template

from podium.core.accounts.routes import safe_next
from podium.core.database import reading
from podium.core.errors import PodiumError
from podium.core.i18n import _
from podium.core.page_cache import anonymous_page
from podium.core.pages import render
from podium.core.venue.context import current_venue_id
from podium.core.venue.tables import Event
from podium.tournaments import (
    catalogue,
    matches,
    play,
    ratings,
    registration,
    stations,
    teams,
    upcoming,
)
from podium.tournaments.formats import formats
from podium.tournaments.kernel import MAX_LIMIT, now
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import Tournament
from podium.tournaments.live import topic, user_topic
from podium.tournaments.matches import LIVE, MAX_MATCH_LIMIT
from podium.tournaments.render_cache import cached_fragment, render_template
from podium.tournaments.routes.common import (
    ORGANISER,
    SIGNED_IN,
    Id,
    check_player_name,
    parse_games,
    winner_choice,
    winner_or_draw,
)
from podium.tournaments.screen import (
    MAX_PAGE,
    MAX_ROTATE,
    ROTATE_SECONDS,
    bracket_fragment,
    check_bracket,
    standing_statuses,
    screen_body,
)

_TITLE_END = "\x00"  # separates the page title from the content in a cached entry


def registration_open(t: Mapping[str, Any], at: datetime) -> bool:
    """Whether a player can register now: the tournament takes registrations and its
    window (if any) is open."""
    opens, closes = t["registration_opens"], t["registration_closes"]
    return (t["status"] == "registration" and (opens is None or at >= opens)
            and (closes is None or at < closes))


async def event_of(t: Mapping[str, Any]) -> dict[str, Any] | None:
    """The tournament's calendar event (``id``, ``title``, ``starts_at``, ``ends_at``),
    or ``None``."""
    if t.get("event_id") is None:
        return None
    return await Event.select(Event.id, Event.title, Event.starts_at, Event.ends_at).where(
        Event.id == t["event_id"]).first()


async def _page_context(request: Request, tournament_id: int) -> dict[str, Any]:
    user = request.user
    is_organiser = bool(user and user.has_role("organiser"))
    rows: list[dict[str, Any]] = []
    async with reading():
        t = await catalogue.get_tournament(tournament_id)
        event = await event_of(t)
        entrants = await registration.list_entrants(tournament_id)
        if is_organiser:  # the result forms; everyone else sees the cached bracket only
            rows, _total = await matches.list_matches(tournament_id, limit=MAX_MATCH_LIMIT)
        team_ctx = await _team_context(user, t, entrants)
        # Rendered once per tournament version (render_cache), not per request.
        bracket_html = await bracket_fragment(request.app, tournament_id)
        out = (await standing_statuses(request.app, tournament_id)
               if t["status"] in ("running", "finished") else {})
    fmt = formats(request.app.state.plugin_host).get(t["format"])
    return {
        "t": t, "entrants": entrants, **team_ctx, "event": event, "standing": out,
        "registration_open": registration_open(t, now()),
        "bracket_html": bracket_html, "topic": topic(t["id"]),
        "is_organiser": is_organiser,
        "playable": [m for m in rows if m["status"] in LIVE],
        "completed": [m for m in rows if m["status"] == "completed"],
        "allows_draws": bool(fmt is not None and fmt.allows_draws),
    }


async def _team_context(user: Any, t: dict[str, Any], entrants: list[dict[str, Any]]
                        ) -> dict[str, Any]:
    """The caller's entry (``mine``: their solo entrant, or the team they captain or play
    for, with ``my_role`` and its full ``roster``), their open invitations here, every
    team's accepted players (``rosters``) and the teams short of players (``short``)."""
    active = [e for e in entrants if e["status"] in teams.ACTIVE]
    mine = next((e for e in active if user and e["user_id"] == user.id), None)
    out: dict[str, Any] = {"mine": mine, "my_role": None, "roster": [], "invitations": [],
                           "rosters": {}, "short": {}}
    if t["team_size"] <= 1:
        return out
    rosters = await teams.rosters(e["id"] for e in entrants)
    out["rosters"] = {k: [m for m in v if m["status"] == "accepted"] for k, v in rosters.items()}
    out["short"] = await teams.incomplete_rosters(t, entrants)
    if user is None:
        return out
    for e in active:
        row = next((m for m in rosters[e["id"]] if m["user_id"] == user.id
                    and m["status"] == "accepted"), None)
        if row is not None:
            out.update(mine=e, my_role=row["role"], roster=rosters[e["id"]])
            break
    if out["mine"] is None:
        out["invitations"] = await teams.my_invitations(user, t["id"])
    return out


async def _anonymous_content(request: Request, tournament_id: int) -> tuple[str, str]:
    """``(title, content HTML)`` of the tournament page as an anonymous visitor sees it, at
    the tournament's current version (nothing in it depends on who asks)."""

    async def build(_key: Any) -> str:
        ctx = await _page_context(request, tournament_id)
        ctx.update(layout="partial.html", user=None, request=None, nav=[])
        return ctx["t"]["name"] + _TITLE_END + render_template(
            request.app, "tournaments/tournament.html", ctx)

    async with reading():
        # The registration window opens and closes with time, not with a new version.
        is_open = registration_open(await catalogue.get_tournament(tournament_id), now())
        entry = await cached_fragment(request.app, "page-anonymous", tournament_id, build,
                                      is_open)
    title, _sep, content = entry.partition(_TITLE_END)
    return title, content


async def _my_matches_context(request: Request) -> dict[str, Any]:
    async with reading():
        rows = await matches.my_matches(request.user)
        reports = {m["id"]: (await matches.get_match(m["id"]))["report"] for m in rows
                   if m["status"] in ("awaiting_confirmation", "disputed")}
        invitations = await teams.my_invitations(request.user)
        upcoming_rows = await upcoming.my_next_matches(request.user.id, now())
        tournament_rows = await Tournament.select(
            Tournament.id, Tournament.name, Tournament.format).where(
            Tournament.id.is_in(sorted({m["tournament_id"] for m in rows}) or [0]))
        names = {r["id"]: r["name"] for r in tournament_rows}
        registry = formats(request.app.state.plugin_host)
        draws = {r["id"] for r in tournament_rows
                 if getattr(registry.get(r["format"]), "allows_draws", False)}
        # Opponents with no account (added by name) cannot confirm a report: the page says
        # the organiser will accept it instead of "waiting for your opponent".
        waiting = {s["entrant_id"] for m in rows if m["id"] in reports for s in m["slots"]
                   if s.get("entrant_id") not in (None, m["my_entrant_id"])}
        accountless = {r["id"] for r in await EntrantRow.select(EntrantRow.id).where(
            EntrantRow.id.is_in(sorted(waiting) or [0]) & EntrantRow.user.is_null())}
    for m in rows:
        mine = m["my_entrant_id"]
        m["opponent_has_no_account"] = any(
            s.get("entrant_id") in accountless for s in m["slots"])
        m["tournament"] = names.get(m["tournament_id"], "")
        m["allows_draws"] = m["tournament_id"] in draws and len(m["slots"]) == 2
        m["opponent"] = upcoming.opponent(m, mine)
        m["score"] = my_score(m, mine)
    tournaments = sorted({m["tournament_id"] for m in rows}
                         | {n["tournament_id"] for n in upcoming_rows})[:15]
    return {"matches": rows, "reports": reports, "invitations": invitations,
            "upcoming": upcoming_rows,
            "topics": ",".join([user_topic(request.user.id), *map(topic, tournaments)]),
            "refresh_on": ", ".join(["sse:my-matches", *(f"sse:bracket-{t}" for t in tournaments)])}


def my_score(m: Mapping[str, Any], mine: int) -> str:
    """A completed two-sided match's score from the player's side ("2–1": games won, or
    the points of a single game); "" when no games were recorded."""
    games = m.get("games") or []
    if m["status"] != "completed" or len(m["slots"]) != 2 or not games:
        return ""
    first = m["slots"][0].get("entrant_id") == mine
    ours = [(g[0], g[1]) if first else (g[1], g[0]) for g in games]
    if len(ours) == 1:
        return f"{ours[0][0]}–{ours[0][1]}"
    return f"{sum(1 for a, b in ours if a > b)}–{sum(1 for a, b in ours if b > a)}"


async def _act(request: Request, tournament_id: int | None,
               action: Callable[[], Awaitable[Any]], back: str) -> Any:
    """Run a page action and redirect to ``back``; on a refusal re-render the page the
    action came from (the tournament's, or My matches when ``tournament_id`` is None)
    with the reason."""
    try:
        await action()  # the service announced what it changed, in its transaction
    except PodiumError as exc:
        if tournament_id is None:
            ctx = await _my_matches_context(request)
            ctx["error"] = exc.detail
            return render(request, "tournaments/my_matches.html", ctx, status_code=exc.status_code)
        ctx = await _page_context(request, tournament_id)
        ctx["error"] = exc.detail
        return render(request, "tournaments/tournament.html", ctx, status_code=exc.status_code)
    return Redirect(back, status_code=303)


def _back(form: FormMultiDict, default: str) -> str:
    return safe_next(str(form.get("next") or default))


# --------------------------------------------------------------------------------------
# Tournaments: the list, a tournament's page, entering it
# --------------------------------------------------------------------------------------


def tournament_groups(rows: list[dict[str, Any]], events: Mapping[int, dict[str, Any]]
                      ) -> list[tuple[str, list[dict[str, Any]]]]:
    """``[(group, tournaments)]`` for the list page: ``live``, ``coming`` and ``finished``,
    each tournament with ``starts_at``/``ends_at`` of its calendar event (``None`` without
    one). Coming ones soonest first (undated last), finished ones latest first; empty
    groups are left out."""
    dated = []
    for r in rows:
        event = events.get(r["event_id"] or 0, {})
        dated.append({**r, "starts_at": event.get("starts_at"), "ends_at": event.get("ends_at")})
    live = [t for t in dated if t["status"] == "running"]
    coming = sorted((t for t in dated if t["status"] in ("draft", "registration")),
                    key=lambda t: (t["starts_at"] is None, t["starts_at"] or 0, t["id"]))
    finished = sorted((t for t in dated if t["status"] == "finished"),
                      key=lambda t: (t["starts_at"] is not None, t["starts_at"] or 0, t["id"]),
                      reverse=True)
    return [(name, group) for name, group in
            (("live", live), ("coming", coming), ("finished", finished)) if group]


class TournamentPages(Controller):
    """The list of tournaments and a tournament's page with its parts (entry card,
    bracket, the player's call), and the forms posted from it."""

    path = "/tournaments"
    include_in_schema = False

    @get("/")
    async def tournaments_page(self, request: Request) -> Template:
        """The venue's tournaments as a visitor looks for them: live now, coming (soonest
        first, with the date of their calendar event) and finished (latest first)."""
        async with reading():
            rows, _total = await catalogue.list_tournaments(await current_venue_id(request),
                                                            limit=MAX_LIMIT)
            event_ids = sorted({r["event_id"] for r in rows if r["event_id"]})
            events = {e["id"]: e for e in await Event.select(
                Event.id, Event.starts_at, Event.ends_at).where(Event.id.is_in(event_ids))
            } if event_ids else {}
        return render(request, "tournaments/list.html",
                      {"groups": tournament_groups(rows, events)})

    @get("/live-now")
    async def live_now_partial(self, request: Request) -> Template:
        """The venue's running tournaments (the home page's "live now" slot loads it)."""
        rows, _total = await catalogue.list_tournaments(await current_venue_id(request),
                                                        status="running", limit=MAX_LIMIT)
        return render(request, "tournaments/partials/live_now.html", {"tournaments": rows},
                      partial=True)

    @get("/for-event/{event_id:int}")
    async def event_tournaments_partial(self, request: Request, event_id: Id) -> Template:
        """The tournaments played at a calendar event (the event page's slot loads it)."""
        rows = await Tournament.select(Tournament.id, Tournament.name, Tournament.status,
                                       Tournament.game).where(
            Tournament.event == event_id).order_by(Tournament.id)
        return render(request, "tournaments/partials/event_tournaments.html",
                      {"tournaments": rows}, partial=True)

    @get("/{tournament_id:int}")
    @anonymous_page("tournament:{tournament_id}", bucket_seconds=86400)
    async def tournament_page(self, request: Request, tournament_id: Id) -> Template:
        """A tournament: info, register/withdraw/check in, entrants, bracket, standings, and the
        organiser's controls (start, results and corrections).

        Anonymous visitors (the crowd following a live bracket) get the page's content from
        the render cache, rendered once per tournament version; only the layout around it
        (navigation, the visitor's CSRF token) is rendered per request.
        """
        if request.user is None:
            title, content = await _anonymous_content(request, tournament_id)
            return render(request, "tournaments/cached_page.html",
                          {"title": title, "content": content})
        return render(request, "tournaments/tournament.html",
                      await _page_context(request, tournament_id))

    @get("/{tournament_id:int}/my-entry")
    async def my_entry_partial(self, request: Request, tournament_id: Id) -> Template:
        """The caller's entry card alone (invitations, registration, check-in, the team's
        roster), re-fetched over htmx when the tournament changes."""
        async with reading():
            t = await catalogue.get_tournament(tournament_id)
            entrants = await registration.list_entrants(tournament_id)
            ctx = {"t": t, **await _team_context(request.user, t, entrants),
                   "registration_open": registration_open(t, now())}
        return render(request, "tournaments/partials/my_entry.html", ctx, partial=True)

    @get("/{tournament_id:int}/bracket")
    @anonymous_page("tournament:{tournament_id}", bucket_seconds=86400, fragment=True)
    async def bracket_partial(self, request: Request, tournament_id: Id) -> Response[str]:
        """The bracket and standings alone (re-fetched over htmx when the bracket changes),
        served from the render cache."""
        return Response(await bracket_fragment(request.app, tournament_id),
                        media_type=MediaType.HTML)

    @get("/{tournament_id:int}/my-call")
    async def my_call_partial(self, request: Request, tournament_id: Id) -> Template:
        """The caller's current call in this tournament (re-fetched on every bracket change)."""
        user = request.user
        calls = await stations.calls_for_user(user.id, tournament_id) if user else []
        return render(request, "tournaments/partials/my_call.html",
                      {"calls": calls, "tournament_id": tournament_id,
                       "topic_user": user_topic(user.id) if user else None},
                      partial=True)

    @post("/{tournament_id:int}/register", guards=SIGNED_IN)
    async def register_page(self, request: Request, tournament_id: Id) -> Any:
        """Register (a team name for team tournaments)."""
        form = await request.form()
        values = {"team_name": str(form.get("team_name", "") or "") or None}
        return await _act(request, tournament_id,
                          lambda: registration.register(tournament_id, request.user, values),
                          f"/tournaments/{tournament_id}")

    @post("/{tournament_id:int}/withdraw", guards=SIGNED_IN)
    async def withdraw_page(self, request: Request, tournament_id: Id) -> Any:
        """Withdraw before the start."""
        return await _act(request, tournament_id,
                          lambda: registration.withdraw(tournament_id, request.user),
                          f"/tournaments/{tournament_id}")

    @post("/{tournament_id:int}/check-in", guards=SIGNED_IN)
    async def check_in_page(self, request: Request, tournament_id: Id) -> Any:
        """Check in during the check-in window."""
        return await _act(request, tournament_id,
                          lambda: registration.check_in(tournament_id, request.user),
                          f"/tournaments/{tournament_id}")

    @post("/{tournament_id:int}/start", guards=ORGANISER)
    async def start_page(self, request: Request, tournament_id: Id) -> Any:
        """Start the tournament (organiser)."""
        return await _act(request, tournament_id,
                          lambda: play.start(request.app.state.plugin_host, tournament_id,
                                             request.user),
                          f"/tournaments/{tournament_id}")


# --------------------------------------------------------------------------------------
# Team rosters and invitations
# --------------------------------------------------------------------------------------

TEAM_MEMBERS = "/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"


async def _answer_invitation(request: Request, invitation_id: int,
                             answer: Callable[..., Awaitable[dict[str, Any]]]) -> Any:
    """Accept or decline from the tournament page or "My matches" (``next``); a refusal
    re-renders the page the player came from."""
    form = await request.form()
    back = _back(form, "/me/matches")
    found = re.match(r"^/tournaments/(\d{1,10})(?:[/?#]|$)", back)

    async def act() -> Any:
        return await answer(invitation_id, request.user)

    return await _act(request, int(found.group(1)) if found else None, act, back)


class TeamPages(Controller):
    """The roster forms of a team's card (invite, remove or leave, hand over the
    captaincy) and the answers to an invitation. Every form needs a signed-in caller."""

    path = "/"
    include_in_schema = False
    guards = SIGNED_IN

    @post(TEAM_MEMBERS)
    async def invite_page(self, request: Request, tournament_id: Id, entrant_id: Id) -> Any:
        """The captain invites a player by username."""
        form = await request.form()
        return await _act(request, tournament_id,
                          lambda: teams.invite(tournament_id, entrant_id, request.user,
                                               str(form.get("username", "") or "")),
                          f"/tournaments/{tournament_id}#team")

    @post(TEAM_MEMBERS + "/{user_id:int}/remove")
    async def remove_member_page(self, request: Request, tournament_id: Id, entrant_id: Id,
                                 user_id: Id) -> Any:
        """The captain removes a player or cancels an invitation; a player leaves."""
        return await _act(request, tournament_id,
                          lambda: teams.remove(tournament_id, entrant_id, request.user, user_id),
                          f"/tournaments/{tournament_id}")

    @post(TEAM_MEMBERS + "/{user_id:int}/captain")
    async def make_captain_page(self, request: Request, tournament_id: Id, entrant_id: Id,
                                user_id: Id) -> Any:
        """The captain hands the captaincy to an accepted player."""
        return await _act(request, tournament_id,
                          lambda: teams.make_captain(tournament_id, entrant_id, request.user,
                                                     user_id),
                          f"/tournaments/{tournament_id}#team")

    @post("/invitations/{invitation_id:int}/accept")
    async def accept_page(self, request: Request, invitation_id: Id) -> Any:
        """The invited player joins the team."""
        return await _answer_invitation(request, invitation_id, teams.accept)

    @post("/invitations/{invitation_id:int}/decline")
    async def decline_page(self, request: Request, invitation_id: Id) -> Any:
        """The invited player declines."""
        return await _answer_invitation(request, invitation_id, teams.decline)


# --------------------------------------------------------------------------------------
# Matches: My matches, reports, the organiser's result
# --------------------------------------------------------------------------------------


async def _answer_report(request: Request, match_id: int,
                         answer: Callable[..., Awaitable[dict[str, Any]]]) -> Any:
    """Confirm or dispute the opponent's report from "My matches" (or the page in
    ``next``)."""
    form = await request.form()
    return await _act(request, None,
                      lambda: answer(request.app.state.plugin_host, match_id, request.user),
                      _back(form, "/me/matches"))


class MatchPages(Controller):
    """"My matches" and the result forms: players report, confirm or dispute; an
    organiser sets or corrects a result from the tournament page."""

    path = "/"
    include_in_schema = False

    @get("/me/matches", guards=SIGNED_IN)
    async def my_matches_page(self, request: Request) -> Template:
        """The caller's matches: report, confirm or dispute; then the finished ones."""
        return render(request, "tournaments/my_matches.html",
                      await _my_matches_context(request))

    @post("/matches/{match_id:int}/report", guards=SIGNED_IN)
    async def report_page(self, request: Request, match_id: Id) -> Any:
        """A player reports a result from "My matches"."""
        form = await request.form()

        async def action() -> Any:
            return await play.report(request.app.state.plugin_host, match_id, request.user,
                                     winner_or_draw(form, _("choose the winner")),
                                     parse_games(str(form.get("games", ""))))

        return await _act(request, None, action, _back(form, "/me/matches"))

    @post("/matches/{match_id:int}/confirm", guards=SIGNED_IN)
    async def confirm_page(self, request: Request, match_id: Id) -> Any:
        """The opponent confirms the pending report."""
        return await _answer_report(request, match_id, play.confirm)

    @post("/matches/{match_id:int}/dispute", guards=SIGNED_IN)
    async def dispute_page(self, request: Request, match_id: Id) -> Any:
        """The opponent disputes the pending report."""
        return await _answer_report(request, match_id, play.dispute)

    @post("/matches/{match_id:int}/result", guards=ORGANISER)
    async def result_page(self, request: Request, match_id: Id) -> Any:
        """An organiser sets or corrects a result from the tournament page."""
        form = await request.form()
        tournament_id = (await matches.get_match(match_id))["tournament_id"]

        async def action() -> Any:
            winner, forfeit = winner_choice(form)
            return await play.organiser_result(
                request.app.state.plugin_host, match_id, request.user, winner,
                parse_games(str(form.get("games", ""))), forfeit)

        return await _act(request, tournament_id, action, f"/tournaments/{tournament_id}#console")


# --------------------------------------------------------------------------------------
# The venue's big screen
# --------------------------------------------------------------------------------------

PageNumber = Annotated[int | None, QueryParameter(ge=1, le=MAX_PAGE,
                                                   description="Fix this page (1-based).")]
Rotate = Annotated[int | None, QueryParameter(ge=0, le=MAX_ROTATE,
                                              description="Seconds per page; 0 stops.")]


def _view(page: int | None, bracket: str | None, rotate: int | None) -> tuple[
        int | None, str | None, int]:
    return page, check_bracket(bracket), ROTATE_SECONDS if rotate is None else rotate


class ScreenPages(Controller):
    """The big-screen view of a tournament (public), and its body alone."""

    path = "/tournaments/{tournament_id:int}/screen"
    include_in_schema = False

    @get("/")
    async def screen_page(self, request: Request, tournament_id: Id, page: PageNumber = None,
                          bracket: FromQuery[str | None] = None, rotate: Rotate = None
                          ) -> Template:
        """The big-screen view: bracket pages that rotate, the calls, live over SSE."""
        page, bracket, seconds = _view(page, bracket, rotate)
        body = await screen_body(request.app, tournament_id, page, bracket, seconds)
        query = urlencode({k: v for k, v in (("page", page), ("bracket", bracket),
                                             ("rotate", rotate)) if v is not None})
        return render(request, "tournaments/screen.html", {
            "tournament_id": tournament_id, "body": body, "topic": topic(tournament_id),
            "body_url": f"/tournaments/{tournament_id}/screen/body"
                        + (f"?{query}" if query else ""),
        }, partial=False)

    @get("/body")
    @anonymous_page("tournament:{tournament_id}", bucket_seconds=86400, fragment=True)
    async def screen_body_partial(self, request: Request, tournament_id: Id,
                                  page: PageNumber = None,
                                  bracket: FromQuery[str | None] = None, rotate: Rotate = None
                                  ) -> Response[str]:
        """The screen's body alone (what the screen re-fetches when the tournament changes)."""
        page, bracket, seconds = _view(page, bracket, rotate)
        return Response(await screen_body(request.app, tournament_id, page, bracket, seconds),
                        media_type=MediaType.HTML)


# --------------------------------------------------------------------------------------
# Players
# --------------------------------------------------------------------------------------


class PlayerPages(Controller):
    """A player's public profile."""

    path = "/players"
    include_in_schema = False

    @get("/{username:str}")
    async def player_page(self, request: Request, username: FromPath[str]) -> Template:
        """A player's profile: ratings per game and recent matches."""
        return render(request, "tournaments/player.html",
                      await ratings.profile(check_player_name(username)))

    @get("/by-user/{user_id:int}/record")
    async def athlete_record(self, request: Request, user_id: FromPath[int]) -> Template:
        """A player's e-sport record (tournaments and placings, wins and losses, ratings):
        the fragment the fan hub's athlete page loads into its ``athlete.record`` slot."""
        record = await ratings.athlete_record(request.app.state.plugin_host, user_id)
        return render(request, "tournaments/athlete_record.html", record, partial=True)


PAGE_CONTROLLERS = [TournamentPages, TeamPages, MatchPages, ScreenPages, PlayerPages]
