"""The Olympic hub's pages and JSON API: the fan's hub page, leaderboards, predictions.

Thin handlers over :mod:`podium.social.points`, :mod:`podium.social.leaderboard` and
:mod:`podium.plugins.olympic_hub.service`; errors are :mod:`podium.core.errors` (``code``
+ ``detail``), and a page form shows the refusal in the page with the same status.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.accounts.service import CurrentUser
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.i18n import _, format_date
from podium.core.pages import render, is_partial_request
from podium.core.venue.rules import parse_iso_week
from podium.plugins.olympic_hub import service
from podium.social import actions, leaderboard, points
from podium.social.leaderboard import Row

SIGNED_IN = [requires_role()]
VIEWS = ("week", "all", "discipline", "following")
MAX_ID = 2**31 - 1
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
View = Annotated[str, QueryParameter(description="week (default), all, discipline or following.",
                                     max_length=20)]
Discipline = Annotated[str | None, QueryParameter(description="The discipline, for view=discipline.",
                                                  max_length=60)]
NO_STORE = {"Cache-Control": "no-store"}


# -- schemas -----------------------------------------------------------------------------


class HubMe(msgspec.Struct):
    """The caller's standing, their next medals and their latest awards (newest first)."""

    standing: points.Standing
    goals: list[points.MedalGoal]
    history: list[points.HistoryItem]


class Board(msgspec.Struct):
    """One leaderboard: its top fans and the caller's own row (``None``: not on it).

    :param board: the board's name (``week:2026-W49``, ``all``, ``discipline:keirin``,
        ``athlete:12``).
    :param title: what people read.
    """

    board: str
    title: str
    rows: list[Row]
    me: Row | None = None


class LeaderboardOut(msgspec.Struct):
    """A leaderboard view: one board, or for ``following`` one per athlete followed."""

    view: str
    boards: list[Board]
    disciplines: list[str]


class PredictionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A fan's pick of a match winner."""

    tournament_id: int
    match_key: str
    entrant_id: int


class OptOutIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whether the caller hides from every leaderboard (their points stay)."""

    opted_out: bool


class PredictionOut(msgspec.Struct):
    """The pick recorded (``replay``: the same ``Idempotency-Key`` was seen before)."""

    target: str
    entrant_id: int
    replay: bool


# -- shared ------------------------------------------------------------------------------


def week_title(week: str) -> str:
    """A week's board title with its days, as people say it: "This week (30 Nov – 06 Dec)"
    for ``2026-W49`` (the ISO code is the board's key, not something to read)."""
    monday = parse_iso_week(week)
    return _("This week (%(first)s – %(last)s)", first=format_date(monday, "day_month"),
             last=format_date(monday + timedelta(days=6), "day_month"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _venue(request: Request[Any, Any, Any]) -> int | None:
    venue: int | None = request.app.state.get("venue_id")
    return venue


async def _my_row(board: str, user: CurrentUser | None) -> Row | None:
    if user is None:
        return None
    rank = await leaderboard.rank_of(board, user.id)
    if rank is None:
        return None
    return Row(rank, user.id, await leaderboard.points_on(board, user.id),
               user.display_name or user.username)


async def _board(board: str, title: str, user: CurrentUser | None, count: int = 10) -> Board:
    return Board(board, title, await leaderboard.top(board, count), await _my_row(board, user))


async def leaderboard_view(view: str, discipline: str | None, user: CurrentUser | None) -> LeaderboardOut:
    """The boards of a view (see :class:`LeaderboardOut`)."""
    if view not in VIEWS:
        raise InvalidInput(_("view must be one of %(views)s", views=", ".join(VIEWS)), field="view")
    kinds = await leaderboard.boards_of_kind("discipline:")
    disciplines = [k.split(":", 1)[1] for k in kinds]
    boards: list[Board] = []
    if view == "week":
        week = points.week_of(_now())
        boards.append(await _board(f"week:{week}", week_title(week), user))
    elif view == "all":
        boards.append(await _board(leaderboard.ALL, _("All time"), user))
    elif view == "discipline":
        chosen = discipline or (disciplines[0] if disciplines else "")
        if chosen:
            boards.append(await _board(f"discipline:{chosen}", chosen.title(), user))
    else:
        if user is None:
            raise InvalidInput(_("sign in to see the fans of the athletes you follow"), field="view")
        boards += await _following_boards(user)
    return LeaderboardOut(view, boards, disciplines)


async def _following_boards(user: CurrentUser, athletes: int = 10) -> list[Board]:
    """The top fans of each athlete the fan follows (points earned through that athlete)."""
    from podium.social.actions import active_targets
    from podium.social.tables import Athlete

    followed = sorted(active_targets_ids(await active_targets(user.id, "follow", "athlete:")))[:athletes]
    if not followed:
        return []
    rows = await Athlete.select(Athlete.id, Athlete.name).where(Athlete.id.is_in(followed))
    names = {r["id"]: r["name"] for r in rows}
    return [await _board(f"athlete:{a}", _("Top fans of %(name)s", name=names.get(a, str(a))), user, 5)
            for a in followed if a in names]


def active_targets_ids(targets: set[str]) -> list[int]:
    """Athlete ids of ``athlete:<id>`` targets."""
    return [a for a in (points.athlete_target(t) for t in targets) if a is not None]


async def hub_me(user: CurrentUser, venue_id: int | None, limit: int = 50) -> HubMe:
    """The caller's hub: standing, goals and history."""
    return HubMe(standing=await points.standing(user.id),
                 goals=await points.medal_goals(user.id, venue_id=venue_id),
                 history=await points.history(user.id, limit=limit))


# -- API ---------------------------------------------------------------------------------


@get("/api/v1/hub/me", tags=["fan hub"], summary="My points, medal and rank", guards=SIGNED_IN)
async def api_me(request: Request[Any, Any, Any]) -> HubMe:
    """The caller's points (all time, this season, this ISO week), best medal, exact rank
    (all time), next medals, and the latest 50 awards with their rule and action."""
    return await hub_me(request.user, _venue(request))


@get("/api/v1/hub/leaderboard", tags=["fan hub"], summary="A leaderboard")
async def api_leaderboard(request: Request[Any, Any, Any], view: View = "week",
                          discipline: Discipline = None) -> LeaderboardOut:
    """The top 10 of a view (``week``, the default: this ISO week; ``all``; ``discipline``
    with ``discipline=``; ``following``: the top 5 fans of each athlete the caller follows)
    and the caller's own row. Admins, athletes and fans who opted out are on no board.
    422 ``invalid_input`` for an unknown view."""
    return await leaderboard_view(view, discipline, request.scope.get("user"))


@post("/api/v1/hub/me/leaderboards", tags=["fan hub"], summary="Hide me from the leaderboards",
      guards=SIGNED_IN, status_code=200)
async def api_opt_out(request: Request[Any, Any, Any], data: JSONBody[OptOutIn]) -> points.Standing:
    """``opted_out: true`` takes the caller off every leaderboard (their points and medal
    stay); ``false`` puts them back. Answers the new standing."""
    return await points.set_opted_out(request.user.id, data.opted_out, venue_id=_venue(request))


@post("/api/v1/hub/predictions", tags=["fan hub"], summary="Predict a match winner",
      guards=SIGNED_IN, status_code=201)
async def api_predict(request: Request[Any, Any, Any], data: JSONBody[PredictionIn]) -> PredictionOut:
    """Name the winner of a match not yet decided; the latest pick before the result
    counts, and a right one earns points when the result is in. An ``Idempotency-Key``
    header makes a retry safe. 404 no such match; 409 ``match_decided``; 422 an entrant
    not in the match."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= 100:
        raise InvalidInput(_("Idempotency-Key must be 1 to 100 characters"), field="Idempotency-Key")
    done = await service.predict(request.user.id, data.tournament_id, data.match_key,
                                 data.entrant_id,
                                 key=f"predict:{request.user.id}:{key}" if key else None)
    target = service.match_target(data.tournament_id, data.match_key)
    entrant = int(done.action.detail) if done.action and done.action.detail.isdigit() else data.entrant_id
    return PredictionOut(target, entrant, done.replay)


# -- pages -------------------------------------------------------------------------------


async def _hub_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    me = await hub_me(request.user, _venue(request))
    return {"me": me, "standing": me.standing, "goals": me.goals, "history": me.history,
            "targets": await service.target_names(item.target for item in me.history),
            "action_label": actions.action_label}


@get("/me/hub", include_in_schema=False, guards=SIGNED_IN)
async def hub_page(request: Request[Any, Any, Any]) -> Template:
    """The fan's page: points, medal and progress, rank, history, opt-out, prizes."""
    ctx = await _hub_context(request)
    ctx["message"] = {"out": _("You are off the leaderboards; your points stay."),
                      "in": _("You are back on the leaderboards.")}.get(
        str(request.query_params.get("done", "")), "")
    return render(request, "social/hub/me.html", ctx, partial=False)


@get("/me/hub/standing", include_in_schema=False, guards=SIGNED_IN)
async def hub_standing_fragment(request: Request[Any, Any, Any]) -> Template:
    """The standing panel alone (re-fetched live when the fan's points change)."""
    return render(request, "social/hub/partials/standing.html", await _hub_context(request),
                  partial=True)


@post("/me/hub/opt-out", include_in_schema=False, guards=SIGNED_IN)
async def hub_opt_out(request: Request[Any, Any, Any]) -> Any:
    """The leaderboard switch of the fan's page (``opted_out``: ``on`` or ``off``)."""
    form = await request.form()
    value = str(form.get("opted_out", ""))
    if value not in ("on", "off"):
        ctx = await _hub_context(request)
        ctx["error"] = _("Choose whether to appear on the leaderboards.")
        return render(request, "social/hub/me.html", ctx, status_code=422, partial=False)
    await points.set_opted_out(request.user.id, value == "on", venue_id=_venue(request))
    return Redirect(f"/me/hub?done={'out' if value == 'on' else 'in'}", status_code=303)


@get("/hub/leaderboard", include_in_schema=False)
async def leaderboard_page(request: Request[Any, Any, Any], view: View = "week",
                           discipline: Discipline = None) -> Template:
    """Leaderboards: this week (default), all time, per discipline, the athletes I follow;
    the top 10 and my own row. An htmx request gets the boards alone."""
    user = request.scope.get("user")
    error = ""
    status = 200
    try:
        out = await leaderboard_view(view, discipline, user)
    except InvalidInput as exc:
        error, status = exc.detail, 422
        out = LeaderboardOut(view, [], [])
    ctx = {"out": out, "view": view, "discipline": discipline or "", "error": error,
           "views": [("week", _("This week")), ("all", _("All time")), ("discipline", _("By discipline")),
                     ("following", _("Athletes I follow"))]}
    if is_partial_request(request):
        return render(request, "social/hub/partials/boards.html", ctx, status_code=status, partial=True)
    return render(request, "social/hub/leaderboard.html", ctx, status_code=status, partial=False)


@get("/hub/fans/{fan_id:int}", include_in_schema=False)
async def fan_card(request: Request[Any, Any, Any], fan_id: Id) -> Template:
    """A fan's public card: medal, points and rank (404 for a fan who opted out)."""
    found = await points.standing(fan_id)
    names = await leaderboard.display_names([fan_id])
    if fan_id not in names or found.opted_out:
        raise NotFound(_("there is no public fan card here"))
    return render(request, "social/hub/fan_card.html",
                  {"card": found, "name": names[fan_id]}, partial=False)


async def _predictions(request: Request[Any, Any, Any], tournament_id: int, *, message: str = "",
                       error: str = "", status: int = 200) -> Template:
    user = request.scope.get("user")
    matches = await service.open_matches(tournament_id, user.id if user else None)
    return render(request, "social/hub/partials/predictions.html", {
        "tournament_id": tournament_id, "matches": matches, "message": message, "error": error,
    }, status_code=status, partial=True)


@get("/hub/predictions/{tournament_id:int}", include_in_schema=False)
async def predictions_fragment(request: Request[Any, Any, Any], tournament_id: Id) -> Template:
    """The "who wins?" card of a tournament page: its undecided matches and my picks."""
    return await _predictions(request, tournament_id)


@post("/hub/predictions/{tournament_id:int}", include_in_schema=False, guards=SIGNED_IN)
async def predict_form(request: Request[Any, Any, Any], tournament_id: Id) -> Any:
    """One pick from the "who wins?" card (htmx swaps the card; without htmx, back to the
    tournament page)."""
    form = await request.form()
    try:
        await service.predict(request.user.id, tournament_id, str(form.get("match_key", "")),
                              form.get("entrant_id"))
    except PodiumError as exc:
        if not is_partial_request(request):
            raise
        return await _predictions(request, tournament_id, error=exc.detail, status=exc.status_code)
    if not is_partial_request(request):
        return Redirect(f"/tournaments/{tournament_id}", status_code=303)
    return await _predictions(request, tournament_id, message=_("Your pick is in. Good luck!"))


ROUTES = [api_me, api_leaderboard, api_opt_out, api_predict, hub_page, hub_standing_fragment, hub_opt_out,
          leaderboard_page, fan_card, predictions_fragment, predict_form]
