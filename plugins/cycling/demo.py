"""The demo's track meet: the demo's track event (the two days before the demo week, so
the results it holds are in the past) becomes a meet with four sessions, a women's sprint
(10 riders) run through the services to the medals, a men's omnium with its four races
scored, a men's team sprint (8 nations' teams of three) run to the medals, and the
programme scheduled and published. The event's title and text (``web/demo.py``) name
these three competitions."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from podium.core.activation.service import enabled_plugins
from podium.core.errors import PodiumError
from podium.core.venue.contracts import DemoVenue
from podium.core.venue.rules import localize
from podium.core.venue.service import VenueScope, get_event
from podium.plugins.cycling import programme, results, service, teams

log = logging.getLogger(__name__)

SPRINTERS = [
    ("Léa Marchand", "FRA", "Team France"), ("Hanna Vogel", "GER", "Team Germany"),
    ("Emma de Wit", "NED", "Team Netherlands"), ("Sophie Hale", "GBR", "Team GB"),
    ("Giulia Conti", "ITA", "Team Italy"), ("Mei Tanaka", "JPN", "Team Japan"),
    ("Olivia Grant", "AUS", "Team Australia"), ("Marta Nowak", "POL", "Team Poland"),
    ("Inès Dubois", "BEL", "Team Belgium"), ("Claire Roy", "CAN", "Team Canada"),
]
OMNIUM_RIDERS = [
    ("Benjamin Thomas", "FRA"), ("Jan Keller", "SUI"), ("Iván Ruiz", "ESP"),
    ("Oliver Wood", "GBR"), ("Elia Ferri", "ITA"), ("Kazuki Sato", "JPN"),
    ("Tim Berger", "AUT"), ("Lars Holm", "DEN"),
]
#: The men's team sprint: eight nations' teams of three (starter, second, third man).
TEAM_SPRINT = [
    ("FRA", ["Rayan Helal", "Sébastien Vigier", "Florian Grengbo"]),
    ("NED", ["Roy van den Berg", "Harrie Lavreysen", "Jeffrey Hoogland"]),
    ("GBR", ["Ed Lowe", "Hamish Turnbull", "Jack Carlin"]),
    ("AUS", ["Leigh Hoffman", "Matthew Richardson", "Matthew Glaetzer"]),
    ("GER", ["Stefan Bötticher", "Maximilian Dörnbach", "Nik Schröter"]),
    ("JPN", ["Yoshitaku Nagasako", "Kaiya Ota", "Shinji Nakano"]),
    ("CAN", ["Nick Wammes", "Ryan Dodyk", "Tyler Rorke"]),
    ("POL", ["Rafał Sarnecki", "Mateusz Rudyk", "Maciej Bielecki"]),
]
#: Qualifying times (3 laps): the seeds ride in about this order.
TEAM_SPRINT_TIMES = ["41.621", "41.502", "42.087", "42.133", "42.540", "42.918", "43.305",
                     "43.811"]
#: Qualifying times (200 m flying): seed order is roughly speed order, with one surprise.
SPRINT_TIMES = ["10.512", "10.588", "10.640", "10.701", "10.655", "10.790", "10.822",
                "10.874", "10.951", "11.020"]


def _uci(prefix: int, i: int) -> str:
    return f"{prefix}{i:08d}"


async def _sessions(meet_id: int, start: datetime, end: datetime, tz: str) -> None:
    """An afternoon and an evening session on each day of a two-day meet (halves of the
    event's time for a one-day one)."""
    zone = ZoneInfo(tz)
    days = sorted({start.astimezone(zone).date(), (end - timedelta(hours=1)).astimezone(zone).date()})
    if len(days) == 2:
        plan = [(days[0], "Day 1 afternoon", (14, 0), (17, 30)),
                (days[0], "Day 1 evening", (18, 30), (22, 0)),
                (days[1], "Day 2 afternoon", (14, 0), (17, 30)),
                (days[1], "Day 2 evening", (18, 30), (22, 0))]
        for day, name, (h1, m1), (h2, m2) in plan:
            await service.add_session(meet_id, {
                "name": name, "kind": "competition",
                "starts_at": localize(datetime.combine(day, time(h1, m1)), tz),
                "ends_at": localize(datetime.combine(day, time(h2, m2)), tz)})
        return
    middle = start + (end - start) / 2
    await service.add_session(meet_id, {"name": "Afternoon", "starts_at": start,
                                        "ends_at": middle - timedelta(minutes=15)})
    await service.add_session(meet_id, {"name": "Evening", "starts_at": middle,
                                        "ends_at": end})


async def _ride_match(competition_id: int, contest: str, scores: str) -> None:
    """A best-of-three: ``scores`` like ``"AA"`` (first slot wins twice) or ``"ABA"``."""
    for race, winner_slot in enumerate(scores, start=1):
        comp = await service.get_competition(competition_id)
        progress = await results.competition_progress(comp)
        heat = progress.heat(f"{contest}#{race}")
        if heat is None or not heat.ready:
            return
        a, b = heat.riders
        assert a is not None and b is not None
        first, second = (a, b) if winner_slot == "A" else (b, a)
        await results.save_heat(competition_id, heat.heat_id, [
            {"rider_id": first, "place": 1, "time_ms": 10_900 + race * 37},
            {"rider_id": second, "place": 2}], comp["version"], None)


async def _enter_sprint(meet_id: int) -> int:
    comp = await service.add_competition(meet_id, {
        "category": "elite-women", "discipline": "sprint",
        "recovery_minutes": 30})
    await service.enter_riders(comp["id"], [
        {"name": n, "nation": nat, "team": team, "uci_id": _uci(100, i)}
        for i, (n, nat, team) in enumerate(SPRINTERS)])
    return int(comp["id"])


async def _race_sprint(competition_id: int) -> None:
    """Qualifying times, then every match to the finals (some go to a third race)."""
    comp = await service.get_competition(competition_id)
    qualifying = (await results.competition_progress(comp)).heats[0]
    await results.save_heat(competition_id, qualifying.heat_id, [
        {"rider_id": r, "time_ms": results.parse_time(t), "status": "OK"}
        for r, t in zip(qualifying.riders, SPRINT_TIMES) if r is not None],
        comp["version"], None)
    for contest, scores in (("1/4-1", "AA"), ("1/4-2", "ABA"), ("1/4-3", "AA"),
                            ("1/4-4", "BAB"), ("1/2-1", "AA"), ("1/2-2", "ABA"),
                            ("final-3", "AA"), ("final-1", "ABA")):
        await _ride_match(competition_id, contest, scores)


async def _enter_omnium(meet_id: int) -> int:
    comp = await service.add_competition(meet_id, {
        "category": "elite-men", "discipline": "omnium",
        "recovery_minutes": 20})
    await service.enter_riders(comp["id"], [
        {"name": n, "nation": nat, "uci_id": _uci(200, i)}
        for i, (n, nat) in enumerate(OMNIUM_RIDERS)])
    return int(comp["id"])


async def _race_omnium(competition_id: int) -> None:
    """The four races' places (and the points race's sprint points), entered in order."""
    orders = {"S": [2, 0, 1, 4, 3, 6, 5, 7], "T": [0, 2, 3, 1, 5, 4, 7, 6],
              "E": [1, 0, 2, 3, 4, 5, 6, 7], "P": [0, 1, 3, 2, 4, 6, 5, 7]}
    sprint_points = [18, 12, 7, 9, 3, 2, 1, 0]
    for race in ("S", "T", "E", "P"):
        comp = await service.get_competition(competition_id)
        heat = (await results.competition_progress(comp)).heat(race)
        if heat is None or not heat.ready:
            continue
        riders = sorted(r for r in heat.riders if r is not None)
        lines = []
        for place, index in enumerate(orders[race], start=1):
            line: dict[str, Any] = {"rider_id": riders[index], "place": place}
            if race == "P":
                line["points"] = sprint_points[index]
            lines.append(line)
        await results.save_heat(competition_id, race, lines, comp["version"], None)


async def _enter_team_sprint(meet_id: int) -> int:
    comp = await service.add_competition(meet_id, {
        "category": "elite-men", "discipline": "team_sprint", "recovery_minutes": 30})
    for k, (nation, riders) in enumerate(TEAM_SPRINT):
        await teams.enter_team(comp["id"], {
            "name": nation, "nation": nation, "ranking_points": 1000 - 50 * k,
            "members": [{"name": n, "nation": nation, "uci_id": _uci(300 + k, i)}
                        for i, n in enumerate(riders)]})
    return int(comp["id"])


async def _race_team_sprint(competition_id: int) -> None:
    """Qualifying times, then each round as it becomes ready: every heat is ridden on
    time, the faster team first (a team's time drifts by its qualifying rank)."""
    comp = await service.get_competition(competition_id)
    qualifying = (await results.competition_progress(comp)).heat("Q")
    if qualifying is None:
        return
    timed = [(t, results.parse_time(time) or 0)
             for t, time in zip(qualifying.riders, TEAM_SPRINT_TIMES) if t is not None]
    await results.save_heat(competition_id, "Q", [
        {"rider_id": t, "time_ms": ms, "status": "OK"} for t, ms in timed],
        comp["version"], None)
    # The qualifying order holds all the way: the faster qualifier wins every heat.
    rank = {t: i for i, (t, _ms) in enumerate(sorted(timed, key=lambda tm: tm[1]), start=1)}
    for _round in range(3):
        comp = await service.get_competition(competition_id)
        progress = await results.competition_progress(comp)
        ready = [h for h in progress.heats if h.ready]
        if not ready:
            return
        for heat in ready:
            comp = await service.get_competition(competition_id)
            riders = sorted((t for t in heat.riders if t is not None),
                            key=lambda t: rank.get(t, 99))
            await results.save_heat(competition_id, heat.heat_id, [
                {"rider_id": t, "place": place, "status": "OK",
                 "time_ms": 41_700 + 180 * place + 40 * rank.get(t, 9)}
                for place, t in enumerate(riders, start=1)], comp["version"], None)


async def seed_demo(demo: DemoVenue) -> None:
    """Build the demo meet (see the module docstring); nothing when the demo has no track
    event."""
    event_id = demo.events.get("Track meet")
    if event_id is None or "track" not in demo.spaces:
        return
    enabled = await enabled_plugins(demo.host, demo.venue_id)
    scope = VenueScope(host=demo.host, venue_id=demo.venue_id, enabled=frozenset(enabled),
                       tz=demo.tz)
    event = await get_event(event_id)
    if event["kind"] != service.TRACK_MEET_KIND:
        return
    start, end = event["starts_at"], event["ends_at"]
    meet = await service.create_meet(scope, {
        "name": "Grand Prix de Saint-Quentin", "level": "national", "event_id": event_id,
        "track_space_id": demo.spaces["track"]}, demo.organiser)
    await _sessions(meet["id"], start, end, demo.tz)
    sprint_id = await _enter_sprint(meet["id"])
    omnium_id = await _enter_omnium(meet["id"])
    team_sprint_id = await _enter_team_sprint(meet["id"])
    # Schedule and publish first (as an organiser would), then race.
    status = "not scheduled"
    try:
        draft = await programme.schedule_meet(demo.host, meet["id"], demo.tz)
        status = draft.get("status", status)
        if draft.get("placements"):
            await programme.publish(meet["id"], demo.organiser)
    except PodiumError as exc:
        log.warning("demo meet: the programme was not scheduled: %s", exc.detail)
    await _race_sprint(sprint_id)
    await _race_omnium(omnium_id)
    await _race_team_sprint(team_sprint_id)
    demo.made["meet"] = meet["id"]
    demo.notes.append(f"a track meet at /meets/{meet['id']} (programme {status}; console "
                      f"/meets/{meet['id']}/console, screen /meets/{meet['id']}/screen)")
