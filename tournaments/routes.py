"""Tournament pages (list, tournament page with bracket and standings, team rosters and
invitations, my matches, the organiser's controls) and the JSON API (:mod:`podium.tournaments.api`).

Pages post ordinary forms (CSRF) and redirect back; a refused action re-renders the page
with the reason (4xx). The bracket part of the tournament page re-fetches itself when the
tournament's SSE topic says the bracket changed.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Response, Template

from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput, PodiumError
from podium.core.pages import render
from podium.tournaments import service, teams
from podium.tournaments.api import (
    API_ROUTES,
    Id,
    publish_change,
    publish_field_change,
    topic,
    user_topic,
)
from podium.tournaments.render_cache import cached_fragment, render_template
from podium.tournaments.screen import SCREEN_ROUTES, bracket_fragment

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]


async def _page_context(request: Request, tournament_id: int) -> dict[str, Any]:
    user = request.user
    is_organiser = bool(user and user.has_role("organiser"))
    matches: list[dict[str, Any]] = []
    async with reading():
        t = await service.get_tournament(tournament_id)
        entrants = await service.list_entrants(tournament_id)
        if is_organiser:  # the result forms; everyone else sees the cached bracket only
            matches, _total = await service.list_matches(tournament_id,
                                                         limit=service.MAX_MATCH_LIMIT)
        team_ctx = await _team_context(user, t, entrants)
        # Rendered once per tournament version (render_cache), not per request.
        bracket_html = await bracket_fragment(request.app, tournament_id)
    return {
        "t": t, "entrants": entrants, **team_ctx,
        "bracket_html": bracket_html, "topic": topic(t["id"]),
        "is_organiser": is_organiser,
        "playable": [m for m in matches if m["status"] in (
            "ready", "in_progress", "awaiting_confirmation", "disputed", "needs_replay")],
        "completed": [m for m in matches if m["status"] == "completed"],
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


@get("/tournaments", include_in_schema=False)
async def tournaments_page(request: Request) -> Template:
    """Every tournament of the venue, newest first."""
    from podium.core.venue.context import current_venue_id

    rows, _total = await service.list_tournaments(await current_venue_id(request),
                                                  limit=service.MAX_LIMIT)
    return render(request, "tournaments/list.html", {"tournaments": rows})


@get("/tournaments/{tournament_id:int}", include_in_schema=False)
async def tournament_page(request: Request, tournament_id: Id) -> Template:
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
    return render(request, "tournaments/tournament.html", await _page_context(request, tournament_id))


_TITLE_END = "\x00"  # separates the page title from the content in a cached entry


async def _anonymous_content(request: Request, tournament_id: int) -> tuple[str, str]:
    """``(title, content HTML)`` of the tournament page as an anonymous visitor sees it, at
    the tournament's current version (nothing in it depends on who asks)."""

    async def build(_key: Any) -> str:
        ctx = await _page_context(request, tournament_id)
        ctx.update(layout="partial.html", user=None, request=None, nav=[])
        return ctx["t"]["name"] + _TITLE_END + render_template(
            request.app, "tournaments/tournament.html", ctx)

    async with reading():
        entry = await cached_fragment(request.app, "page-anonymous", tournament_id, build)
    title, _sep, content = entry.partition(_TITLE_END)
    return title, content


@get("/tournaments/{tournament_id:int}/my-entry", include_in_schema=False)
async def my_entry_partial(request: Request, tournament_id: Id) -> Template:
    """The caller's entry card alone (invitations, registration, check-in, the team's
    roster), re-fetched over htmx when the tournament changes."""
    async with reading():
        t = await service.get_tournament(tournament_id)
        entrants = await service.list_entrants(tournament_id)
        ctx = {"t": t, **await _team_context(request.user, t, entrants)}
    return render(request, "tournaments/partials/my_entry.html", ctx, partial=True)


@get("/tournaments/{tournament_id:int}/bracket", include_in_schema=False)
async def bracket_partial(request: Request, tournament_id: Id) -> Response[str]:
    """The bracket and standings alone (re-fetched over htmx when the bracket changes),
    served from the render cache."""
    return Response(await bracket_fragment(request.app, tournament_id),
                    media_type=MediaType.HTML)


async def _act(request: Request, tournament_id: int | None, action: Any, back: str) -> Any:
    """Run a page action; on a refusal re-render the page with the reason."""
    try:
        change = await action()
    except PodiumError as exc:
        if tournament_id is None:
            ctx = await _my_matches_context(request)
            ctx["error"] = exc.detail
            return render(request, "tournaments/my_matches.html", ctx, status_code=exc.status_code)
        ctx = await _page_context(request, tournament_id)
        ctx["error"] = exc.detail
        return render(request, "tournaments/tournament.html", ctx, status_code=exc.status_code)
    if isinstance(change, service.Change):
        await publish_change(request, change)
    elif isinstance(change, dict) and isinstance(change.get("change"), service.Change):
        await publish_change(request, change["change"])
    elif tournament_id is not None:  # a registration, withdrawal or check-in: screens too
        await publish_field_change(request, tournament_id)
    return Redirect(back, status_code=303)


@post("/tournaments/{tournament_id:int}/register", include_in_schema=False, guards=SIGNED_IN)
async def register_page(request: Request, tournament_id: Id) -> Any:
    """Register (a team name for team tournaments)."""
    form = await request.form()
    values = {"team_name": str(form.get("team_name", "") or "") or None}
    return await _act(request, tournament_id,
                      lambda: service.register(tournament_id, request.user, values),
                      f"/tournaments/{tournament_id}")


@post("/tournaments/{tournament_id:int}/withdraw", include_in_schema=False, guards=SIGNED_IN)
async def withdraw_page(request: Request, tournament_id: Id) -> Any:
    """Withdraw before the start."""
    return await _act(request, tournament_id,
                      lambda: service.withdraw(tournament_id, request.user),
                      f"/tournaments/{tournament_id}")


@post("/tournaments/{tournament_id:int}/check-in", include_in_schema=False, guards=SIGNED_IN)
async def check_in_page(request: Request, tournament_id: Id) -> Any:
    """Check in during the check-in window."""
    return await _act(request, tournament_id,
                      lambda: service.check_in(tournament_id, request.user),
                      f"/tournaments/{tournament_id}")


@post("/tournaments/{tournament_id:int}/start", include_in_schema=False, guards=ORGANISER)
async def start_page(request: Request, tournament_id: Id) -> Any:
    """Start the tournament (organiser)."""
    return await _act(request, tournament_id,
                      lambda: service.start(request.app.state.plugin_host, tournament_id,
                                            request.user),
                      f"/tournaments/{tournament_id}")


# -- team rosters and invitations -------------------------------------------------------

TEAM_MEMBERS = "/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"


@post(TEAM_MEMBERS, include_in_schema=False, guards=SIGNED_IN)
async def invite_page(request: Request, tournament_id: Id, entrant_id: Id) -> Any:
    """The captain invites a player by username."""
    form = await request.form()
    return await _act(request, tournament_id,
                      lambda: teams.invite(tournament_id, entrant_id, request.user,
                                           str(form.get("username", "") or "")),
                      f"/tournaments/{tournament_id}#team")


@post(TEAM_MEMBERS + "/{user_id:int}/remove", include_in_schema=False, guards=SIGNED_IN)
async def remove_member_page(request: Request, tournament_id: Id, entrant_id: Id,
                             user_id: Id) -> Any:
    """The captain removes a player or cancels an invitation; a player leaves."""
    return await _act(request, tournament_id,
                      lambda: teams.remove(tournament_id, entrant_id, request.user, user_id),
                      f"/tournaments/{tournament_id}")


@post(TEAM_MEMBERS + "/{user_id:int}/captain", include_in_schema=False, guards=SIGNED_IN)
async def make_captain_page(request: Request, tournament_id: Id, entrant_id: Id,
                            user_id: Id) -> Any:
    """The captain hands the captaincy to an accepted player."""
    return await _act(request, tournament_id,
                      lambda: teams.make_captain(tournament_id, entrant_id, request.user,
                                                 user_id),
                      f"/tournaments/{tournament_id}#team")


async def _answer_invitation(request: Request, invitation_id: int, answer: Any) -> Any:
    """Accept or decline from the tournament page or "My matches" (``next``); a refusal
    re-renders the page the player came from."""
    form = await request.form()
    back = _back(form, "/me/matches")
    found = re.match(r"^/tournaments/(\d{1,10})(?:[/?#]|$)", back)
    async def act() -> Any:
        member = await answer(invitation_id, request.user)
        if not found:  # from My matches: tell the tournament's open pages (the captain's)
            await publish_field_change(request, member["tournament_id"])
        return member

    return await _act(request, int(found.group(1)) if found else None, act, back)


@post("/invitations/{invitation_id:int}/accept", include_in_schema=False, guards=SIGNED_IN)
async def accept_page(request: Request, invitation_id: Id) -> Any:
    """The invited player joins the team."""
    return await _answer_invitation(request, invitation_id, teams.accept)


@post("/invitations/{invitation_id:int}/decline", include_in_schema=False, guards=SIGNED_IN)
async def decline_page(request: Request, invitation_id: Id) -> Any:
    """The invited player declines."""
    return await _answer_invitation(request, invitation_id, teams.decline)


def parse_games(raw: str) -> list[list[int]]:
    """``"2-1, 0-2"`` → ``[[2, 1], [0, 2]]`` (scores in the match's slot order)."""
    games = []
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.replace(":", "-").split("-")
        if len(bits) != 2 or not all(b.strip().isdigit() and len(b.strip()) < 7 for b in bits):
            raise InvalidInput(f"write each game as two scores like 2-1, got {part[:20]!r}",
                               field="games")
        games.append([int(bits[0]), int(bits[1])])
    return games


def _winner(form: FormMultiDict) -> int | None:
    raw = str(form.get("winner_id", "") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise InvalidInput("choose the winner", field="winner_id")
    return int(raw)


async def _match_tournament(match_id: int) -> int:
    return (await service.get_match(match_id))["tournament_id"]


def _back(form: FormMultiDict, default: str) -> str:
    from podium.core.accounts.routes import safe_next

    return safe_next(str(form.get("next") or default))


@post("/matches/{match_id:int}/report", include_in_schema=False, guards=SIGNED_IN)
async def report_page(request: Request, match_id: Id) -> Any:
    """A player reports a result from "My matches"."""
    form = await request.form()

    async def action() -> Any:
        return await service.report(request.app.state.plugin_host, match_id, request.user,
                                    _winner(form), parse_games(str(form.get("games", ""))))

    return await _act(request, None, action, _back(form, "/me/matches"))


@post("/matches/{match_id:int}/confirm", include_in_schema=False, guards=SIGNED_IN)
async def confirm_page(request: Request, match_id: Id) -> Any:
    """The opponent confirms the pending report."""
    form = await request.form()
    return await _act(request, None,
                      lambda: service.confirm(request.app.state.plugin_host, match_id, request.user),
                      _back(form, "/me/matches"))


@post("/matches/{match_id:int}/dispute", include_in_schema=False, guards=SIGNED_IN)
async def dispute_page(request: Request, match_id: Id) -> Any:
    """The opponent disputes the pending report."""
    form = await request.form()
    return await _act(request, None,
                      lambda: service.dispute(request.app.state.plugin_host, match_id, request.user),
                      _back(form, "/me/matches"))


@post("/matches/{match_id:int}/result", include_in_schema=False, guards=ORGANISER)
async def result_page(request: Request, match_id: Id) -> Any:
    """An organiser sets or corrects a result from the tournament page."""
    form = await request.form()
    tournament_id = await _match_tournament(match_id)
    forfeit = str(form.get("forfeit", "")).lower() in ("on", "1", "true", "yes")

    async def action() -> Any:
        return await service.organiser_result(
            request.app.state.plugin_host, match_id, request.user, _winner(form),
            parse_games(str(form.get("games", ""))), forfeit)

    return await _act(request, tournament_id, action, f"/tournaments/{tournament_id}#console")


async def _my_matches_context(request: Request) -> dict[str, Any]:
    async with reading():
        rows = await service.my_matches(request.user)
        reports = {m["id"]: (await service.get_match(m["id"]))["report"] for m in rows
                   if m["status"] in ("awaiting_confirmation", "disputed")}
        invitations = await teams.my_invitations(request.user)
    tournaments = sorted({m["tournament_id"] for m in rows})[:15]
    return {"matches": rows, "reports": reports, "invitations": invitations,
            "topics": ",".join([user_topic(request.user.id), *map(topic, tournaments)]),
            "refresh_on": ", ".join(["sse:my-matches", *(f"sse:bracket-{t}" for t in tournaments)])}


@get("/me/matches", include_in_schema=False, guards=SIGNED_IN)
async def my_matches_page(request: Request) -> Template:
    """The caller's matches: report, confirm or dispute; then the finished ones."""
    return render(request, "tournaments/my_matches.html", await _my_matches_context(request))


PAGE_ROUTES = [
    tournaments_page, tournament_page, my_entry_partial, bracket_partial, register_page,
    withdraw_page,
    check_in_page, start_page, report_page, confirm_page, dispute_page, result_page,
    my_matches_page, invite_page, remove_member_page, make_captain_page, accept_page,
    decline_page,
]

from podium.tournaments.console import CONSOLE_ROUTES  # noqa: E402  (console uses this module)

ROUTES = [*PAGE_ROUTES, *SCREEN_ROUTES, *API_ROUTES, *CONSOLE_ROUTES]
