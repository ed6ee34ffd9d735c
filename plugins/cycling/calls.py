"""Calls to the track: the console calls a heat's riders to the start, as tournaments call
players to a station.

A call is a fact (:class:`~podium.plugins.cycling.tables.TrackCall`) and a typed event
(:class:`~podium.plugins.cycling.events.RidersCalled`) recorded in the same transaction:
after commit, the meet's pages (the screen, the meet page, the console) re-fetch and show
the called heat, and the called riders who have accounts hear it on their own topic
(``user-<id>``: their rider page, any page of theirs that listens). Only a heat whose
riders are known and which awaits its result can be called; calling it again is a last
call. The call shown is the meet's latest one while its heat still awaits its result.
"""

from __future__ import annotations

from typing import Any

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, NotFound
from podium.core.i18n import _
from podium.core.outbox import record
from podium.plugins.cycling import programme, results, service, teams
from podium.plugins.cycling.events import RidersCalled
from podium.plugins.cycling.tables import (
    Competition,
    Entry,
    Meet,
    Rider,
    TeamMember,
    TrackCall,
)


async def accounts_of(competition: dict[str, Any], entrants: list[int]) -> list[int]:
    """The user ids behind a heat's entrants: riders' accounts, or a team's riders'."""
    if not entrants:
        return []
    if competition["discipline"] in service.TEAM_EVENTS:
        rows = await TeamMember.select(TeamMember.rider.user_id.as_alias("user_id")).where(
            TeamMember.team.is_in(entrants))
    else:
        rows = await Rider.select(Rider.user_id).where(Rider.id.is_in(entrants))
    return sorted({r["user_id"] for r in rows if r["user_id"] is not None})


async def ready_heats_in_order(meet_id: int) -> list[tuple[dict[str, Any], Any]]:
    """Every heat of the meet that awaits its result with its riders known, in programme
    order (the published version, else the draft; unscheduled heats last), as
    ``(competition, heat)``."""
    comps = await service.list_competitions(meet_id)
    shown = await programme.published(meet_id) or await programme.draft(meet_id) or {}
    order = {p["phase"]: i for i, p in enumerate(shown.get("placements", []))}
    ready = []
    for comp in comps:
        progress = await results.competition_progress(comp)
        ready += [(comp, h) for h in progress.heats
                  if h.ready and all(r is not None for r in h.riders)]
    ready.sort(key=lambda ch: order.get(programme.phase_key(ch[0]["id"], ch[1].phase_id),
                                        10**6))
    return ready


async def call_heat(meet_id: int, competition_id: int | None, heat_id: str | None,
                    user: CurrentUser | None) -> dict[str, Any]:
    """Call a heat's riders to the track: the heat named, or (both ``None``) the next one
    not called yet in programme order.

    :raises NotFound: no such meet, competition or heat;
    :raises Conflict: ``not_ready`` (riders unknown or result entered), ``nothing_to_call``.
    """
    await service.get_meet(meet_id)
    if competition_id is None or not heat_id:
        called = {(c["competition"], c["heat_id"]) for c in await TrackCall.select(
            TrackCall.competition, TrackCall.heat_id).where(TrackCall.meet == meet_id)}
        waiting = [(c, h) for c, h in await ready_heats_in_order(meet_id)
                   if (c["id"], h.heat_id) not in called]
        if not waiting:
            raise Conflict(_("no heat is waiting to be called"), code="nothing_to_call")
        competition_id, heat_id = waiting[0][0]["id"], waiting[0][1].heat_id
    async with atomic():
        # Locked like a result write: a heat is not called while its result is saved.
        comp = await for_update(Competition.select().where(
            (Competition.id == competition_id) & (Competition.meet == meet_id))).first()
        if comp is None:
            raise NotFound(_("there is no competition %(competition_id)s",
                             competition_id=competition_id))
        heat = (await results.competition_progress(comp)).heat(heat_id)
        if heat is None:
            raise NotFound(_("there is no heat %(heat_id)s in this competition",
                             heat_id=repr(heat_id)))
        if not heat.ready or any(r is None for r in heat.riders):
            raise Conflict(_("this heat cannot be called: its riders are not known yet or "
                             "its result is in"), code="not_ready")
        entrants = [r for r in heat.riders if r is not None]
        row = TrackCall(meet=meet_id, competition=comp["id"], heat_id=heat.heat_id,
                        called_at=service.utc_now(), called_by=user.id if user else None)
        await row.save()
        meet = await Meet.select(Meet.venue_id).where(Meet.id == meet_id).first()
        await record(RidersCalled(
            venue_id=meet["venue_id"] if meet else None, meet_id=meet_id,
            competition_id=comp["id"], heat_id=heat.heat_id, call_id=row.id,
            entrants=tuple(entrants), user_ids=tuple(await accounts_of(comp, entrants))))
    return {"id": row.id, "competition_id": comp["id"], "heat_id": heat.heat_id,
            "label": heat.label, "entrants": entrants}


async def current_call(meet_id: int) -> dict[str, Any] | None:
    """The meet's latest call while its heat still awaits its result: ``competition_id``,
    ``heat_id``, ``called_at``, ``calls`` (how many times it was called); else ``None``."""
    latest = await TrackCall.select().where(TrackCall.meet == meet_id).order_by(
        TrackCall.id, ascending=False).first()
    if latest is None:
        return None
    comp = await Competition.select().where(Competition.id == latest["competition"]).first()
    if comp is None:
        return None
    heat = (await results.competition_progress(comp)).heat(latest["heat_id"])
    if heat is None or not heat.ready:
        return None
    calls = await TrackCall.count().where((TrackCall.meet == meet_id)
                                          & (TrackCall.competition == comp["id"])
                                          & (TrackCall.heat_id == latest["heat_id"]))
    return {"competition_id": comp["id"], "heat_id": latest["heat_id"],
            "called_at": latest["called_at"], "calls": calls}


async def calls_of_user(user_id: int) -> list[dict[str, Any]]:
    """The current calls, across meets, of heats a user rides in (alone or in a team):
    ``meet_id``, ``meet``, ``competition``, ``heat`` (as :func:`current_call`, with the
    competition row and the heat)."""
    rider_ids = [r["id"] for r in await Rider.select(Rider.id).where(Rider.user_id == user_id)]
    if not rider_ids:
        return []
    memberships = [t for r in rider_ids for t in await teams.teams_of_rider(r)]
    team_ids = {t["team_id"] for t in memberships}
    comp_ids = {e["competition"] for e in await Entry.select(Entry.competition).where(
        Entry.rider.is_in(rider_ids))} | {t["competition"] for t in memberships}
    meets = {r["meet"] for r in await TrackCall.select(TrackCall.meet).where(
        TrackCall.competition.is_in(sorted(comp_ids) or [0]))}
    out = []
    for meet_id in sorted(meets):
        call = await current_call(meet_id)
        if call is None:
            continue
        comp = await service.get_competition(call["competition_id"])
        heat = (await results.competition_progress(comp)).heat(call["heat_id"])
        mine = team_ids if comp["discipline"] in service.TEAM_EVENTS else set(rider_ids)
        if heat is not None and mine & {r for r in heat.riders if r is not None}:
            meet = await Meet.select(Meet.id, Meet.name).where(Meet.id == meet_id).first()
            out.append({**call, "meet": meet, "competition": comp, "heat": heat})
    return out
