"""What pages and the API show of a meet, assembled from the services (read only)."""

from __future__ import annotations

from typing import Any

from podium.plugins.cycling import programme, results, service, teams
from podium.plugins.cycling.tables import (
    Competition,
    HeatResultRow,
    Meet,
    Rider,
    TeamResultRow,
)
from podium.plugins.cycling.terms import competition_title, phase_title, table_title


def _jsonable_heat(heat: Any, names: dict[int, str], lines: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    by_rider = {line["rider"]: line for line in lines}
    riders = []
    for rider_id, label in zip(heat.riders, heat.labels):
        line = by_rider.get(rider_id) if rider_id is not None else None
        riders.append({
            "rider_id": rider_id, "name": names.get(rider_id, "") if rider_id else "",
            "label": label, "place": line["place"] if line else None,
            "time": line["time"] if line else "", "time_ms": line["time_ms"] if line else None,
            "points": line["points"] if line else None, "laps": line["laps"] if line else 0,
            "status": line["status"] if line else None,
        })
    return {"heat_id": heat.heat_id, "phase_id": heat.phase_id, "phase": heat.phase_name,
            "contest_id": heat.contest_id, "race_no": heat.race_no, "label": heat.label,
            "format": heat.format, "status": heat.status, "ready": heat.ready,
            "stale": heat.stale, "done": heat.done, "entered": bool(lines), "riders": riders,
            "ranked": sorted((r for r in riders if r["rider_id"] is not None and r["status"]),
                             key=lambda r: (results.STATUS_RANK.get(r["status"], 9),
                                            r["place"] or 10**6, r["time_ms"] or 10**12))}


async def competition_view(comp: dict[str, Any]) -> dict[str, Any]:
    """A competition with its start list, heats (riders named, results entered), the
    classification and, for an omnium, the running points table."""
    is_team = comp["discipline"] in service.TEAM_EVENTS
    # A team event's start list is its teams (members and reserves); its heats, results
    # and classification name teams.
    team_list = await teams.list_teams(comp["id"]) if is_team else []
    entries = [] if is_team else await service.list_entries(comp["id"])
    names = {t["id"]: t["name"] for t in team_list} if is_team else \
        {e["rider"]: e["name"] for e in entries}
    progress = await results.competition_progress(comp)
    entered = await results.heat_results(comp)
    heats = [_jsonable_heat(h, names, entered.get(h.heat_id, [])) for h in progress.heats]
    omnium = await results.omnium_table(comp, progress)
    for line in omnium:
        line["name"] = names.get(line["rider_id"], "")
    if omnium:
        # An omnium race's start order follows the current standing (leader first).
        rank = {line["rider_id"]: i for i, line in enumerate(omnium)}
        for h in heats:
            if not h["entered"]:
                h["riders"].sort(key=lambda r: rank.get(r["rider_id"], len(rank)))
    return {
        **comp, "entries": entries, "teams": team_list, "is_team": is_team,
        "team_size": teams.TEAM_SIZES.get(comp["discipline"], 0), "heats": heats, "phases": progress.phases,
        "table": progress.table.id if progress.table else "",
        "title": competition_title(comp),
        "table_title": table_title(progress.table.title if progress.table else "One race"),
        "classification": [{"place": p, "rider_id": r, "name": names.get(r, "")}
                           for p, r in progress.classification],
        "complete": progress.complete, "omnium": omnium,
        "ready": [h for h in heats if h["ready"]],
        "stale": [h for h in heats if h["stale"]],
    }


async def meet_view(meet_id: int, *, with_draft: bool = False) -> dict[str, Any]:
    """A meet, its sessions, competitions (full views), and the programme (the latest
    published version; the draft too for the organiser)."""
    meet = await service.get_meet(meet_id)
    sessions = await service.list_sessions(meet_id)
    comps = [await competition_view(c) for c in await service.list_competitions(meet_id)]
    shown = await programme.published(meet_id)
    draft = await programme.draft(meet_id) if with_draft else None
    return {"meet": meet, "sessions": sessions, "competitions": comps,
            "call": await call_view(meet_id, comps),
            "programme": shown, "draft": draft,
            "by_session": by_session(sessions, (draft or shown or {}).get("placements", [])),
            "published_by_session": by_session(sessions, (shown or {}).get("placements", [])),
            "versions": await programme.versions(meet_id),
            # Every phase's title by its programme key (the console's pins, unplaced).
            "phase_titles": {programme.phase_key(c["id"], p["id"]): phase_title(c["title"],
                                                                                p["name"])
                             for c in comps for p in c["phases"]},
            "pins": await programme.pins(meet_id) if with_draft else {}}


async def call_view(meet_id: int, comps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The heat called to the track now (:func:`calls.current_call`) as pages show it:
    ``competition`` and ``heat`` (views), ``called_at``, ``calls``, ``user_ids`` (the
    called riders' accounts, to greet them); ``None`` when no call is current."""
    from podium.plugins.cycling import calls

    call = await calls.current_call(meet_id)
    if call is None:
        return None
    for c in comps:
        for h in c["heats"]:
            if c["id"] == call["competition_id"] and h["heat_id"] == call["heat_id"]:
                entrants = [r["rider_id"] for r in h["riders"] if r["rider_id"] is not None]
                return {**call, "competition": c, "heat": h,
                        "user_ids": await calls.accounts_of(c, entrants)}
    return None


def by_session(sessions: list[dict[str, Any]], placements: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    """Placements grouped per session, each block with its position in the session's
    window as percentages (for the timeline)."""
    out = []
    for s in sessions:
        span = (s["ends_at"] - s["starts_at"]).total_seconds() or 1
        blocks = []
        for p in placements:
            if p["session"] != s["id"]:
                continue
            top = (p["starts_at"] - s["starts_at"]).total_seconds() / span * 100
            height = (p["ends_at"] - p["starts_at"]).total_seconds() / span * 100
            blocks.append({**p, "left": round(top, 2), "width": round(max(height, 1.0), 2)})
        out.append({**s, "blocks": blocks})
    return out


async def next_heats(view: dict[str, Any], count: int = 4) -> dict[str, Any]:
    """For the screen: the heat on track (the first ready heat in programme order, else
    the last entered) and the next ready heats."""
    ready = [(c, h) for c in view["competitions"] for h in c["heats"] if h["ready"]]
    order = {p["phase"]: i for i, p in enumerate((view["programme"] or view["draft"] or {})
                                                 .get("placements", []))}
    ready.sort(key=lambda ch: order.get(programme.phase_key(ch[0]["id"], ch[1]["phase_id"]),
                                        10**6))
    on_track = ready[0] if ready else None
    ids = [c["id"] for c in view["competitions"]] or [0]
    # Riders' results and teams' results (team events) are kept apart: the later of the two.
    candidates = [await table.select(table.competition, table.heat_id, table.entered_at)
                  .where(table.competition.is_in(ids))
                  .order_by(table.entered_at, ascending=False)
                  .order_by(table.id, ascending=False).first()
                  for table in (HeatResultRow, TeamResultRow)]
    found = [c for c in candidates if c is not None]
    latest = max(found, key=lambda row: row["entered_at"]) if found else None
    last = None
    if latest is not None:
        for c in view["competitions"]:
            for h in c["heats"]:
                if c["id"] == latest["competition"] and h["heat_id"] == latest["heat_id"]:
                    last = (c, h)
    return {"on_track": on_track, "next": ready[1:1 + count], "last": last}


async def rider_view(rider_id: int) -> dict[str, Any]:
    """A rider and their results across meets: per competition, their final place (if
    classified) and every heat result."""
    rider = await service.get_rider(rider_id)
    lines = await HeatResultRow.select(
        HeatResultRow.competition, HeatResultRow.heat_id, HeatResultRow.place,
        HeatResultRow.time_ms, HeatResultRow.points, HeatResultRow.status,
    ).where(HeatResultRow.rider == rider_id).order_by(HeatResultRow.id)
    from podium.plugins.cycling.tables import Entry

    comp_ids = sorted({e["competition"] for e in await Entry.select(Entry.competition).where(
        Entry.rider == rider_id)})
    out = []
    for cid in comp_ids:
        comp = await Competition.select().where(Competition.id == cid).first()
        if comp is None:
            continue
        meet = await Meet.select(Meet.id, Meet.name).where(Meet.id == comp["meet"]).first()
        progress = await results.competition_progress(comp)
        place = next((p for p, r in progress.classification if r == rider_id), None)
        labels = {h.heat_id: h.label for h in progress.heats}
        heats = [{**line, "time": results.format_time(line["time_ms"]),
                  "label": labels.get(line["heat_id"], line["heat_id"])}
                 for line in lines if line["competition"] == cid]
        out.append({"competition": {**comp, "title": competition_title(comp)}, "meet": meet,
                    "place": place, "heats": heats})
    # Team events: the rider's teams and the place each team got.
    for membership in await teams.teams_of_rider(rider_id):
        comp = await Competition.select().where(
            Competition.id == membership["competition"]).first()
        if comp is None:
            continue
        meet = await Meet.select(Meet.id, Meet.name).where(Meet.id == comp["meet"]).first()
        progress = await results.competition_progress(comp)
        place = next((p for p, t in progress.classification if t == membership["team_id"]),
                     None)
        out.append({"competition": {**comp, "title": competition_title(comp)}, "meet": meet,
                    "place": place, "heats": [],
                    "team": membership["name"], "reserve": membership["reserve"]})
    return {"rider": rider, "competitions": out}


async def rider_of_user(user_id: int) -> int | None:
    """The rider linked to an account, if any."""
    row = await Rider.select(Rider.id).where(Rider.user_id == user_id).first()
    return int(row["id"]) if row else None
