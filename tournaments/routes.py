"""Tournament pages (list, tournament page with bracket and standings, my matches, the
organiser's controls) and the JSON API (:mod:`podium.tournaments.api`).

Pages post ordinary forms (CSRF) and redirect back; a refused action re-renders the page
with the reason (4xx). The bracket part of the tournament page re-fetches itself when the
tournament's SSE topic says the bracket changed.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Response, Template

from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput, PodiumError
from podium.core.pages import render
from podium.tournaments import service
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
        mine = [e for e in entrants if user and e["user_id"] == user.id
                and e["status"] in ("registered", "waitlisted")]
        # Rendered once per tournament version (render_cache), not per request.
        bracket_html = await bracket_fragment(request.app, tournament_id)
    return {
        "t": t, "entrants": entrants, "mine": mine[0] if mine else None,
        "bracket_html": bracket_html, "topic": topic(t["id"]),
        "is_organiser": is_organiser,
        "playable": [m for m in matches if m["status"] in (
            "ready", "in_progress", "awaiting_confirmation", "disputed", "needs_replay")],
        "completed": [m for m in matches if m["status"] == "completed"],
    }


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
    tournaments = sorted({m["tournament_id"] for m in rows})[:15]
    return {"matches": rows, "reports": reports,
            "topics": ",".join([user_topic(request.user.id), *map(topic, tournaments)]),
            "refresh_on": ", ".join(["sse:my-matches", *(f"sse:bracket-{t}" for t in tournaments)])}


@get("/me/matches", include_in_schema=False, guards=SIGNED_IN)
async def my_matches_page(request: Request) -> Template:
    """The caller's matches: report, confirm or dispute; then the finished ones."""
    return render(request, "tournaments/my_matches.html", await _my_matches_context(request))


PAGE_ROUTES = [
    tournaments_page, tournament_page, bracket_partial, register_page, withdraw_page,
    check_in_page, start_page, report_page, confirm_page, dispute_page, result_page,
    my_matches_page,
]

from podium.tournaments.console import CONSOLE_ROUTES  # noqa: E402  (console uses this module)

ROUTES = [*PAGE_ROUTES, *SCREEN_ROUTES, *API_ROUTES, *CONSOLE_ROUTES]
