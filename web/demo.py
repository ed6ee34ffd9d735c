"""``podium demo``: seed a realistic velodrome with a week of events and users of each role.

The venue is modelled on the Vélodrome National de Saint-Quentin-en-Yvelines: a 250 m
track, the infield inside it, an e-sport arena and a gaming lounge. Everything is created
through the same services as the pages and the API (conflict checks included), so the
demo is also a smoke test of the venue rules.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import click

DEMO_PASSWORD = "podium-demo"
TZ = "Europe/Paris"


@dataclass
class DemoResult:
    """What :func:`seed_demo` did."""

    created: bool
    venue_id: int | None = None
    admin_password: str | None = None
    admin_password_generated: bool = False
    users: list[str] = field(default_factory=list)
    events: int = 0
    series: int = 0
    tournament_id: int | None = None
    team_tournament_id: int | None = None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    from podium.core.venue.rules import localize

    return localize(datetime.combine(day, time(hour, minute)), TZ)


def _steps(today: date, kinds: set[str], spaces: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    """The demo's events and series: ``(what, "event"|"series", values)``.

    One-off events fall within the week from ``today``; the everyday sessions run for
    four weeks so the calendar's "next week" is not empty.
    """
    esport_kind = "esport_tournament" if "esport_tournament" in kinds else "other"
    meet_kind = "track_meet" if "track_meet" in kinds else "other"
    day = [today + timedelta(days=i) for i in range(7)]
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    return [
        ("Sprint squad training", "event", {
            "title": "Sprint squad training (closed session)", "kind": "training",
            "starts_at": _at(day[1], 7), "ends_at": _at(day[1], 8, 30),
            "space_ids": [spaces["track"]], "teardown_minutes": 10,
            "description": "The national sprint squad on the track. Closed to the public.",
        }),
        ("E-sport tournament", "event", {
            "title": "Podium Clash — Rocket League Open", "kind": esport_kind,
            "starts_at": _at(saturday, 10), "ends_at": _at(saturday, 21),
            "space_ids": [spaces["arena"]], "setup_minutes": 180, "teardown_minutes": 90,
            "capacity": 400,
            "description": "32 teams, double elimination, grand final on the big screen at 19:00. "
                           "Spectator places are free; book yours.",
        }),
        ("Track meet", "event", {
            "title": "Grand Prix de Saint-Quentin — Sprint & Keirin", "kind": meet_kind,
            "starts_at": _at(day[4], 14), "ends_at": _at(day[4], 19),
            "space_ids": [spaces["track"], spaces["infield"]],
            "setup_minutes": 90, "teardown_minutes": 60,
            "description": "Men's and women's sprint (200 m flying time trial, then match races) "
                           "and keirin heats. Warm-up on the infield.",
        }),
        ("Corporate LAN night", "event", {
            "title": "Corporate LAN night (private hire)", "kind": "private_hire",
            "starts_at": _at(day[3], 20, 30), "ends_at": _at(day[3], 23, 30),
            "space_ids": [spaces["lounge"]], "setup_minutes": 10, "teardown_minutes": 30,
        }),
        ("Drop-in gaming sessions", "series", {
            "title": "Drop-in gaming", "kind": "public_session",
            "rule": "FREQ=DAILY;COUNT=28", "first_start": _at(today, 17),
            "duration_minutes": 180, "space_ids": [spaces["lounge"]], "capacity": 16,
            "teardown_minutes": 15,
            "description": "16 stations (PC and console), controllers provided. Ages 12+.",
        }),
        ("Public track initiation", "series", {
            "title": "Public track initiation", "kind": "public_session",
            "rule": "FREQ=WEEKLY;BYDAY=WE,SA,SU;COUNT=12", "first_start": _at(today, 9),
            "duration_minutes": 90, "space_ids": [spaces["track"]], "capacity": 12,
            "setup_minutes": 15, "teardown_minutes": 15,
            "description": "Ride the 250 m boards with a coach. Bike, helmet and shoes lent. "
                           "From 14 years old.",
        }),
    ]


SPACES = [
    ("track", "Track", "error", 120,
     "The 250 m wooden track (42° banking). One activity at a time."),
    ("infield", "Infield", "warn", 300,
     "Inside the track: warm-up zone, teams' area, events."),
    ("arena", "E-sport arena", "error", 1200,
     "Stage, 64 stations and the big screen; tiered seating."),
    ("lounge", "Gaming lounge", "warn", 40,
     "16 stations for drop-in gaming, open every evening."),
]

USERS = (
    [("organiser", ("organiser",), "Olivia Organiser"), ("gate", ("staff",), "Gaston Gate")]
    + [(f"player{i}", ("player", "fan"), f"Player {i}") for i in range(1, 9)]
    + [(f"fan{i}", ("fan",), f"Fan {i}") for i in range(1, 6)]
)


async def seed_demo(
    *,
    if_empty: bool = False,
    admin_password: str | None = None,
    today: date | None = None,
    advance: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create the demo venue, its spaces, a week of events and the demo users.

    :param if_empty: do nothing (``created=False``) when a venue already exists; without
        it an existing venue is an error (:class:`click.ClickException`).
    :param admin_password: the ``admin`` password; generated (and returned) when ``None``.
    :param today: the first day of the demo week (the venue's today by default).
    :param advance: called with a label after each step (the progress bar).
    """
    from podium.core.accounts.service import (
        create_user,
        get_user_by_name,
        parse_roles,
        set_password,
    )
    from podium.core.accounts.tables import User
    from podium.core.activation.service import enabled_plugins
    from podium.core.venue import service
    from podium.core.venue.rules import wall_time
    from podium.web.assembly import make_plugin_host

    step = advance or (lambda _label: None)
    existing = await service.default_venue_id()
    if existing is not None:
        if if_empty:
            return DemoResult(created=False, venue_id=existing)
        raise click.ClickException(
            "the database already has a venue; `podium demo` seeds an empty database "
            "(use --if-empty to skip silently)"
        )
    generated = admin_password is None
    password = admin_password or secrets.token_urlsafe(12)
    result = DemoResult(created=True, admin_password=password, admin_password_generated=generated)

    venue = await service.create_venue(
        "Vélodrome National de Saint-Quentin-en-Yvelines", "velodrome-national", TZ,
        "The national velodrome: a 250 m Olympic track, an e-sport arena and a gaming "
        "lounge open to everyone.",
    )
    result.venue_id = venue["id"]
    spaces = {}
    for position, (slug, name, policy, capacity, description) in enumerate(SPACES):
        space = await service.create_space(venue["id"], name, slug, conflict_policy=policy,
                                           capacity=capacity, description=description,
                                           position=position)
        spaces[slug] = space["id"]
    step("venue and spaces")

    if await get_user_by_name("admin") is None:
        await create_user("admin", password, ("admin",), "Venue admin")
    else:
        await set_password("admin", password)
    result.users.append("admin")
    # Argon2 is slow on purpose (~0.1 s a hash): hash the shared demo password once and
    # give every demo user that hash, so the demo seeds in about a second.
    shared_hash: str | None = None
    for username, roles, display in USERS:
        if await get_user_by_name(username) is not None:
            result.users.append(username)
            continue
        if shared_hash is None:
            created = await create_user(username, DEMO_PASSWORD, roles, display)
            shared_hash = (await User.select(User.password_hash)
                           .where(User.id == created.id).first())["password_hash"]
        else:
            await User.insert(User(
                username=username, display_name=display, password_hash=shared_hash,
                roles=",".join(sorted(parse_roles(roles))), created_at=datetime.now(timezone.utc),
            ))
        result.users.append(username)
    step("users")

    host = make_plugin_host()
    scope = service.VenueScope(host=host, venue_id=venue["id"],
                               enabled=frozenset(await enabled_plugins(host, venue["id"])), tz=TZ)
    organiser = await get_user_by_name("organiser")
    first_day = today or wall_time(datetime.now(timezone.utc), TZ).date()
    esport_event = None
    for label, what, values in _steps(first_day, set(scope.kinds), spaces):
        if what == "event":
            event = await service.create_event(scope, values, organiser)
            result.events += 1
            if label == "E-sport tournament":
                esport_event = event["id"]
        else:
            series = await service.create_series(scope, values, organiser)
            result.series += 1
            result.events += len(series["occurrences"])
        step(label)
    result.tournament_id = await seed_tournament(host, venue["id"], esport_event,
                                                 spaces["arena"], organiser)
    result.team_tournament_id = await seed_team_tournament(host, venue["id"], organiser,
                                                           first_day)
    return result


# Entrants beside the demo players (who register themselves), by the organiser.
GENERATED_TEAMS = ["Night Owls", "Aerial Aces", "Boost Bandits", "Kickoff Kings",
                   "Turbo Turtles", "Demo Dynasty", "Flip Reset", "Ceiling Shots"]


async def seed_tournament(host: Any, venue_id: int, event_id: int | None, arena_id: int,
                          organiser: Any) -> int:
    """A live 16-entrant double elimination in the e-sport arena: the eight demo players
    and eight generated teams, started, round one and part of round two played (with an
    upset), eight stations in the arena (matches called to them) and a stream queue.

    Results go through the organiser's result service: the same re-flow as the console.
    """
    from podium.core.accounts.service import get_user_by_name
    from podium.tournaments import catalogue, matches, registration, stations
    from podium.tournaments import play as playing  # play() below is this demo's helper

    t = await catalogue.create_tournament(host, venue_id, {
        "name": "Podium Clash — Rocket League Open", "game": "Rocket League",
        "format": "double_elimination", "options": {"grand_final": "reset", "best_of": 3},
        "event_id": event_id, "capacity": 16,
        "description": "16 entrants, double elimination with a grand final reset. "
                       "Follow the bracket live; players see their station on My matches.",
    }, organiser)
    for i in range(1, 9):
        player = await get_user_by_name(f"player{i}")
        if player is not None:
            await registration.register(t["id"], player)
    for name in GENERATED_TEAMS:
        await registration.add_entrant(t["id"], {"name": name}, organiser)
    # Alternate players and generated teams in the seeding, so both meet early.
    field_ids = [e["id"] for e in await registration.list_entrants(t["id"], ("registered",))]
    half = len(field_ids) // 2
    order = [x for pair in zip(field_ids[:half], field_ids[half:]) for x in pair]
    order += [x for x in field_ids if x not in order]
    await registration.set_seeding(t["id"], order)
    await stations.add_stations(t["id"], {"count": 8, "space_id": arena_id, "label": "Arena"})
    await playing.start(host, t["id"], organiser)

    async def play(bracket: str, round_no: int, upset_at: int | None = None,
                   limit: int | None = None) -> None:
        rows, _total = await matches.list_matches(t["id"], limit=matches.MAX_MATCH_LIMIT)
        todo = [m for m in rows if m["bracket"] == bracket and m["round"] == round_no
                and m["status"] in ("ready", "in_progress")][:limit]
        for n, m in enumerate(todo):
            slots = sorted((s for s in m["slots"] if s.get("entrant_id")),
                           key=lambda s: s.get("seed") or 0)
            winner = slots[-1 if n == upset_at else 0]["entrant_id"]
            first = m["slots"][0]["entrant_id"] == winner
            games = [[2, 1], [1, 2], [3, 1]] if n % 3 == 0 else [[3, 0], [2, 1]]
            games = [g if first else g[::-1] for g in games]
            await playing.organiser_result(host, m["id"], organiser, winner, games)

    await play("winners", 1, upset_at=5)
    await play("losers", 1, limit=2)
    await play("winners", 2, limit=2)
    rows, _total = await matches.list_matches(t["id"], limit=matches.MAX_MATCH_LIMIT)
    upcoming = [m for m in rows if m["status"] in ("in_progress", "ready")]
    for m in upcoming[:3]:
        await stations.queue_add(t["id"], m["id"])
    return t["id"]


async def seed_team_tournament(host: Any, venue_id: int, organiser: Any, first_day: date
                               ) -> int:
    """A 3v3 Swiss open for registration, to show teams: player1 captains "Velo Vipers"
    (player2 joined, player3 invited: log in as player3 to accept), player4 captains
    "Sprint Kings" with a full roster. Check-in opens two hours before the start."""
    from podium.core.accounts.service import get_user_by_name
    from podium.tournaments import catalogue, registration, teams

    starts = _at(first_day + timedelta(days=5), 19)
    t = await catalogue.create_tournament(host, venue_id, {
        "name": "Lounge 3v3 — Swiss", "game": "Rocket League", "format": "swiss",
        "options": {"system": "dutch", "rounds": 4}, "capacity": 12, "team_size": 3,
        "checkin_opens": starts - timedelta(hours=2),
        "checkin_closes": starts,
        "description": "Teams of three, four Swiss rounds. Captains register the team and "
                       "invite their players; a team checks in with its full roster.",
    }, organiser)
    players = {n: await get_user_by_name(f"player{n}") for n in range(1, 7)}
    if any(p is None for p in players.values()):
        return t["id"]
    for captain, team_name, invited, joining in ((1, "Velo Vipers", (2, 3), (2,)),
                                                 (4, "Sprint Kings", (5, 6), (5, 6))):
        team = await registration.register(t["id"], players[captain], {"team_name": team_name})
        for n in invited:
            await teams.invite(t["id"], team["id"], players[captain], f"player{n}")
        for n in joining:
            invitation = (await teams.my_invitations(players[n], t["id"]))[0]
            await teams.accept(invitation["id"], players[n])
    return t["id"]


def demo_step_count() -> int:
    """How many steps :func:`seed_demo` reports (for the progress bar)."""
    return 2 + 6


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when a venue already exists (for `make run`).")
def demo(if_empty: bool) -> None:
    """Migrate, then seed the demo velodrome: spaces, a week of events, users of each role.

    The admin's password comes from PODIUM_ADMIN_PASSWORD (generated and printed if unset);
    the other demo users share a demo password, printed at the end.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from podium.core.database import close_pool, migrate, open_pool

    console = Console()
    admin_password = os.environ.get("PODIUM_ADMIN_PASSWORD") or None

    async def run() -> DemoResult:
        await open_pool()
        try:
            await migrate()
            with Progress(TextColumn("[bold]Seeding[/] {task.description}"), BarColumn(),
                          TextColumn("{task.completed}/{task.total}"), console=console,
                          transient=False) as progress:
                task = progress.add_task("the demo venue", total=demo_step_count())

                def advance(label: str) -> None:
                    progress.update(task, advance=1, description=label)

                result = await seed_demo(if_empty=if_empty, admin_password=admin_password,
                                         advance=advance)
                if not result.created:
                    progress.update(task, completed=demo_step_count(), description="nothing to do")
                return result
        finally:
            await close_pool()

    result = asyncio.run(run())
    if not result.created:
        console.print("A venue already exists; the demo was not seeded again.")
        return
    console.print(
        f"[green]Demo venue ready[/]: {len(SPACES)} spaces, {result.events} events "
        f"({result.series} recurring series), {len(result.users)} users, a running "
        f"tournament at /tournaments/{result.tournament_id} and a team tournament open "
        f"for registration at /tournaments/{result.team_tournament_id}."
    )
    if result.admin_password_generated:
        console.print(
            f"[bold yellow]admin password (generated, shown once): {result.admin_password}[/]\n"
            "Set PODIUM_ADMIN_PASSWORD to choose it."
        )
    else:
        console.print("admin password: from PODIUM_ADMIN_PASSWORD")
    console.print(
        f"Demo users (password [bold]{DEMO_PASSWORD}[/]): organiser, gate (staff), "
        "player1..player8, fan1..fan5"
    )
