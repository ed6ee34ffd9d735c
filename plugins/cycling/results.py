"""Results entered per heat, corrections that re-flow later heats, and standings.

Saving a heat is a write that competes with another organiser saving the same heat (or
another heat of the same competition): the competition row is locked
(:func:`~podium.core.database.for_update`; SQLite's immediate transaction) and the version
the organiser typed against is re-checked inside, so a second save answers 409
``stale_version`` instead of silently overwriting the first. The later heats' start lists
are derived again from the facts (:mod:`podium.plugins.cycling.heats`); results of heats
whose riders changed are flagged ``stale`` until the organiser voids or re-enters them.
"""

from __future__ import annotations

import re
from typing import Any

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.outbox import record
from podium.core.validation import whole_number
from podium.plugins.cycling import heats
from podium.plugins.cycling.events import MeetResultsChanged
from podium.plugins.cycling.service import TEAM_EVENTS, utc_now
from podium.plugins.cycling.tables import (
    Competition,
    Entry,
    HeatResultRow,
    Meet,
    Team,
    TeamResultRow,
)

STATUSES = ("OK", "DNF", "DNS", "DSQ", "REL")
#: Display order of statuses (finishers first, relegated behind them).
STATUS_RANK = {"OK": 0, "REL": 1, "DNF": 2, "DSQ": 3, "DNS": 4}
#: Longest time accepted (a 4 km team pursuit is about 4 minutes; a points race is not timed).
MAX_TIME_MS = 2 * 3600 * 1000
_TIME = re.compile(r"(?:(?:(\d{1,2}):)?(\d{1,2}):)?(\d{1,4})(?:[.,](\d{1,3}))?")


def parse_time(text: str | None, name: str = "time") -> int | None:
    """A typed time in thousandths of a second: ``10.123``, ``1:02.345``, ``1:02:03.4``;
    empty is ``None``. Fewer than three decimals are padded (``10.1`` is 10.100 s).

    :raises InvalidInput: anything else (the message shows the expected forms)."""
    raw = (text or "").strip()
    if not raw:
        return None
    match = _TIME.fullmatch(raw)
    if match is None or len(raw) > 16:
        raise InvalidInput(_("%(name)s: write a time like 10.123 or 1:02.345, got %(value2)s", name=name, value2=repr(raw[:16])),
                           field=name)
    hours, minutes, seconds, fraction = match.groups()
    if minutes is not None and int(seconds) >= 60:
        raise InvalidInput(_("%(name)s: seconds must be below 60 after a minute", name=name), field=name)
    if hours is not None and int(minutes) >= 60:
        raise InvalidInput(_("%(name)s: minutes must be below 60 after an hour", name=name), field=name)
    total = ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds)) * 1000
    total += int((fraction or "").ljust(3, "0") or 0)
    if total > MAX_TIME_MS:
        raise InvalidInput(_("%(name)s: a time must be under two hours", name=name), field=name)
    return total


def format_time(ms: int | None) -> str:
    """Thousandths of a second as ``10.123``, ``1:02.345`` or ``1:00:02.345`` (empty for
    ``None``); :func:`parse_time` reads every one back."""
    if ms is None:
        return ""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, thousandths = divmod(rest, 1000)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{thousandths:03d}"
    if minutes:
        return f"{minutes}:{seconds:02d}.{thousandths:03d}"
    return f"{seconds}.{thousandths:03d}"


async def _result_rows(competition: dict[str, Any]) -> list[dict[str, Any]]:
    """The competition's result rows, each with ``rider``: the competitor (the team's id
    in a team event, whose results are by team)."""
    if competition["discipline"] in TEAM_EVENTS:
        rows = await TeamResultRow.select().where(
            TeamResultRow.competition == competition["id"]).order_by(TeamResultRow.id)
        for row in rows:
            row["rider"] = row["team"]
        return rows
    return await HeatResultRow.select().where(
        HeatResultRow.competition == competition["id"]).order_by(HeatResultRow.id)


async def competition_progress(competition: dict[str, Any]) -> heats.CompetitionProgress:
    """The competition's heats and classification, derived from its facts now (in a team
    event the competitors are its teams)."""
    if competition["discipline"] in TEAM_EVENTS:
        field_rows = await Team.select(Team.id.as_alias("rider")).where(
            Team.competition == competition["id"]).order_by(Team.seed).order_by(Team.id)
    else:
        field_rows = await Entry.select(Entry.rider).where(
            Entry.competition == competition["id"]).order_by(Entry.seed).order_by(Entry.id)
    field_ids = [r["rider"] for r in field_rows]
    rows = await _result_rows(competition)
    try:
        table = heats.table_for(competition["table_id"], competition["discipline"],
                                len(field_ids))
        return heats.derive(table, field_ids, rows)
    except ValueError:
        # The named table does not cover this field size (entries changed): show the
        # field as one heat rather than fail the page; saving refuses with the reason.
        return heats.derive(None, field_ids, rows)


def check_heat_rows(heat: heats.Heat, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check one heat's result lines against its start list and format.

    Each line: ``rider_id``, ``status`` (OK, DNF, DNS, DSQ, REL), ``place``, ``time_ms``,
    ``points``, ``laps``. A timed heat needs a time for every rider who finished (OK/REL);
    a race or match heat needs places 1..n, distinct, for them. A qualifying may be entered
    rider by rider (a subset of the start list)."""
    if not rows:
        raise InvalidInput(_("enter at least one rider's result"), field="results")
    start_list = {r for r in heat.riders if r is not None}
    seen: set[int] = set()
    out: list[dict[str, Any]] = []
    for line in rows:
        rider = whole_number(line.get("rider_id"), "rider_id", 1, 2**31 - 1)
        if rider not in start_list:
            raise InvalidInput(_("rider %(rider)s is not on this heat's start list", rider=rider),
                               field="rider_id")
        if rider in seen:
            raise InvalidInput(_("rider %(rider)s is entered twice", rider=rider), field="rider_id")
        seen.add(rider)
        status = line.get("status") or "OK"
        if status not in STATUSES:
            raise InvalidInput(_("status must be one of %(choices)s", choices=', '.join(STATUSES)), field="status")
        place = whole_number(line.get("place"), "place", 1, 500, nullable=True)
        time_ms = whole_number(line.get("time_ms"), "time_ms", 1, MAX_TIME_MS, nullable=True)
        points = whole_number(line.get("points"), "points", -999, 999, nullable=True)
        laps = whole_number(line.get("laps") or 0, "laps", -50, 50)
        out.append({"rider_id": rider, "status": status, "place": place, "time_ms": time_ms,
                    "points": points, "laps": laps})
    finishers = [r for r in out if r["status"] in ("OK", "REL")]
    if heat.format == "timed":
        missing = [r["rider_id"] for r in finishers if r["time_ms"] is None]
        if missing:
            raise InvalidInput(_("a time is needed for rider %(missing)s (or a status such as DNF or DNS)", missing=missing[0]), field="time_ms")
    else:
        if seen != start_list:
            raise InvalidInput(_("enter a result for every rider of the heat"), field="results")
        places: list[int] = [r["place"] for r in finishers if r["place"] is not None]
        if len(places) != len(finishers):
            raise InvalidInput(_("a place is needed for every rider who finished (or a status "
                               "such as DNF or DNS)"), field="place")
        if sorted(places) != list(range(1, len(places) + 1)):
            raise InvalidInput(_("places must be 1, 2, 3… without gaps or repeats"),
                               field="place")
    return out


async def _lock(competition_id: int, expected_version: Any) -> dict[str, Any]:
    version = whole_number(expected_version, "version", 0, 2**31 - 1)
    comp = await for_update(Competition.select().where(Competition.id == competition_id)).first()
    if comp is None:
        raise NotFound(_("there is no competition %(competition_id)s", competition_id=competition_id))
    if comp["version"] != version:
        raise Conflict(
            _("someone else saved results of this competition since you opened it (version %(version)s, yours %(version2)s): check the heat and save again", version=comp['version'], version2=version),
            code="stale_version", version=comp["version"])
    return comp


async def _announce(comp: dict[str, Any], heat_id: str, after: heats.CompetitionProgress
                    ) -> int:
    version = comp["version"] + 1
    status = "finished" if after.complete else "running"
    await Competition.update({Competition.version: version, Competition.status: status,
                              Competition.entries_open: False,
                              Competition.table_id: after.table.id if after.table else ""}
                             ).where(Competition.id == comp["id"])
    meet = await Meet.select(Meet.venue_id).where(Meet.id == comp["meet"]).first()
    await record(MeetResultsChanged(
        venue_id=meet["venue_id"] if meet else None, meet_id=comp["meet"],
        competition_id=comp["id"], heat_id=heat_id, version=version,
        stale=tuple(h.heat_id for h in after.heats if h.stale)))
    return version


async def save_heat(competition_id: int, heat_id: str, lines: list[dict[str, Any]],
                    expected_version: Any, user: CurrentUser | None, *, final: bool = True
                    ) -> dict[str, Any]:
    """Save (or correct) the results of one heat; later heats re-flow.

    :param expected_version: the competition's version the organiser saw.
    :returns: ``{"version", "stale": [heat ids], "progress"}``.
    :raises Conflict: ``stale_version`` (someone saved first), ``heat_not_ready`` (its
        riders are not known yet). :raises InvalidInput: a bad line (nothing saved).
    """
    if not isinstance(heat_id, str) or not 0 < len(heat_id) <= 60:
        raise InvalidInput(_("no such heat"), field="heat_id")
    async with atomic():
        comp = await _lock(competition_id, expected_version)
        before = await competition_progress(comp)
        if before.table is None and comp["table_id"]:
            raise Conflict(_("the progression table does not cover this field size"),
                           code="table_mismatch")
        heat = before.heat(heat_id)
        if heat is None:
            raise NotFound(_("there is no heat %(heat_id)s in this competition", heat_id=repr(heat_id)))
        if heat.status == "virtual" or any(r is None for r in heat.riders):
            raise Conflict(_("this heat's riders are not known yet: enter the earlier heats "
                           "first"), code="heat_not_ready")
        if heat.status == "unneeded":
            raise Conflict(_("this race is not needed (the match is decided)"), code="unneeded")
        checked = check_heat_rows(heat, lines)
        stamp = utc_now()
        if comp["discipline"] in TEAM_EVENTS:
            await TeamResultRow.delete().where((TeamResultRow.competition == competition_id)
                                               & (TeamResultRow.heat_id == heat_id))
            await TeamResultRow.insert(*[TeamResultRow(
                competition=competition_id, heat_id=heat_id, team=r["rider_id"],
                place=r["place"], time_ms=r["time_ms"], points=r["points"], laps=r["laps"],
                status=r["status"], final=final, entered_by=user.id if user else None,
                entered_at=stamp) for r in checked])
        else:
            await HeatResultRow.delete().where((HeatResultRow.competition == competition_id)
                                               & (HeatResultRow.heat_id == heat_id))
            await HeatResultRow.insert(*[HeatResultRow(
                competition=competition_id, heat_id=heat_id, rider=r["rider_id"],
                place=r["place"], time_ms=r["time_ms"], points=r["points"], laps=r["laps"],
                status=r["status"], final=final, entered_by=user.id if user else None,
                entered_at=stamp) for r in checked])
        after = await competition_progress(comp)
        version = await _announce(comp, heat_id, after)
    return {"version": version, "stale": [h.heat_id for h in after.heats if h.stale],
            "progress": after}


async def void_heat(competition_id: int, heat_id: str, expected_version: Any) -> dict[str, Any]:
    """Void a heat's results (a stale one after a correction, or a false start)."""
    async with atomic():
        comp = await _lock(competition_id, expected_version)
        rows: Any = TeamResultRow if comp["discipline"] in TEAM_EVENTS else HeatResultRow
        gone = await rows.count().where((rows.competition == competition_id)
                                        & (rows.heat_id == heat_id))
        if not gone:
            raise NotFound(_("heat %(heat_id)s has no results to void", heat_id=repr(heat_id)))
        await rows.delete().where((rows.competition == competition_id)
                                  & (rows.heat_id == heat_id))
        after = await competition_progress(comp)
        version = await _announce(comp, heat_id, after)
    return {"version": version, "stale": [h.heat_id for h in after.heats if h.stale],
            "progress": after}


async def heat_results(competition: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every entered result line, by heat id (rider order: as entered; ``rider`` is the
    team in a team event)."""
    rows = await _result_rows(competition)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        row["time"] = format_time(row["time_ms"])
        out.setdefault(row["heat_id"], []).append(row)
    return out


async def omnium_table(competition: dict[str, Any], progress: heats.CompetitionProgress
                       ) -> list[dict[str, Any]]:
    """The omnium's running points table (scratch, tempo, elimination, points race) from
    the races entered so far, through :func:`podium.plugins.cycling.scoring.omnium_standings`."""
    from podium.plugins.cycling.scoring import OmniumRace, omnium_standings

    if competition["discipline"] != "omnium" or progress.table is None:
        return []
    entered = heats.results_by_heat(await HeatResultRow.select().where(
        HeatResultRow.competition == competition["id"]))
    races = []
    for phase in progress.table.phases:
        kind = phase.scoring if phase.scoring in ("scratch", "tempo", "elimination",
                                                  "points") else None
        if kind is None:
            continue
        for contest in phase.contests:
            result = entered.get(contest.id)
            if result is not None:
                races.append(OmniumRace(kind=kind, results=result.riders))
    return [{"place": s.place, "rider_id": s.rider_id, "total": s.total,
             "race_points": list(s.race_points), "classified": s.classified}
            for s in omnium_standings(races)]
