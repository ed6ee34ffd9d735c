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
    #: What plugins made (``podium_seed_demo``), by a name of theirs: ``{"tournament": 1}``.
    made: dict[str, int] = field(default_factory=dict)
    #: One line each for people, from plugins.
    notes: list[str] = field(default_factory=list)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    from podium.core.venue.rules import localize

    return localize(datetime.combine(day, time(hour, minute)), TZ)


def _esport_window(today: date, now: datetime) -> tuple[datetime, datetime]:
    """The running tournament's event: today 09:00-23:30, widened to hold ``now`` when the
    demo is seeded today outside those hours (the tournament starts as it is seeded, and a
    tournament never starts outside its event)."""
    from podium.core.venue.rules import wall_time

    starts, ends = _at(today, 9), _at(today, 23, 30)
    local = wall_time(now, TZ)
    if local.date() == today:
        hour = _at(today, local.hour)
        starts, ends = min(starts, hour), max(ends, hour + timedelta(hours=3))
    return starts, ends


def _steps(today: date, kinds: set[str], spaces: dict[str, int],
           now: datetime | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """The demo's events and series: ``(what, "event"|"series", values)``.

    The e-sport event is today (its tournament runs as the demo is seeded, see
    :func:`_esport_window`); the track meet was ridden over the two days before (its results
    are in); the other one-off events fall within the week from ``today``; the everyday
    sessions run for four weeks so the calendar's "next week" is not empty. Each event's
    text agrees with what the domains put in it (``podium_seed_demo``): the field size
    with the tournament's, the disciplines with the meet's competitions.
    """
    esport_kind = "esport_tournament" if "esport_tournament" in kinds else "other"
    meet_kind = "track_meet" if "track_meet" in kinds else "other"
    day = {i: today + timedelta(days=i) for i in range(-2, 7)}
    esport_starts, esport_ends = _esport_window(today, now or datetime.now(timezone.utc))
    return [
        ("Sprint squad training", "event", {
            "title": "Sprint squad training (closed session)", "kind": "training",
            "starts_at": _at(day[1], 7), "ends_at": _at(day[1], 8, 30),
            "space_ids": [spaces["track"]], "teardown_minutes": 10,
            "description": "The national sprint squad on the track. Closed to the public.",
        }),
        ("E-sport tournament", "event", {
            "title": "Podium Clash — Rocket League Open", "kind": esport_kind,
            # Today, all day: the demo's tournament is running (started as the demo is
            # seeded), so its event is the one happening now. No event capacity: every
            # ticket type has its own quota (200 + 180 + 20 places, see ticketing/demo.py).
            "starts_at": esport_starts, "ends_at": esport_ends,
            "space_ids": [spaces["arena"]], "setup_minutes": 120, "teardown_minutes": 30,
            "description": "16 players, one against one, double elimination with a grand final "
                           "reset, played live on the big screen tonight. Free standing places, "
                           "grandstand seats and a VIP lounge: get your tickets.",
        }),
        ("Track meet", "event", {
            "title": "Grand Prix de Saint-Quentin — Sprint, Team Sprint & Omnium",
            "kind": meet_kind,
            # Ridden over the two days before today: its results are final, none in the future.
            "starts_at": _at(day[-2], 14), "ends_at": _at(day[-1], 22, 30),
            "space_ids": [spaces["track"], spaces["infield"]],
            "setup_minutes": 90, "teardown_minutes": 60,
            "description": "Women's sprint (200 m flying time trial, then match races), men's team "
                           "sprint (eight nations) and men's omnium (scratch, tempo, elimination, "
                           "points race). Four sessions over two days; warm-up on the infield.",
        }),
        ("Corporate LAN night", "event", {
            "title": "Corporate LAN night (private hire)", "kind": "private_hire",
            "starts_at": _at(day[3], 20, 30), "ends_at": _at(day[3], 23, 30),
            "space_ids": [spaces["lounge"]], "setup_minutes": 10, "teardown_minutes": 30,
        }),
        ("Team tournament", "event", {
            "title": "Arena 3v3 — Swiss", "kind": esport_kind,
            # Check-in 18:00-19:00, the first round at 19:00 (tournaments/demo.py).
            "starts_at": _at(day[5], 18), "ends_at": _at(day[5], 23),
            "space_ids": [spaces["arena"]], "setup_minutes": 60, "teardown_minutes": 30,
            "description": "Up to 12 teams of three, four Swiss rounds. Captains check their "
                           "team in from 18:00; the first round starts at 19:00.",
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

#: The demo players' display names: their gamer tags, which is what a bracket shows (the
#: first four are the e-sport athletes of the fan hub, e.g. Kai "Volt" Moreau: social/demo.py).
PLAYER_TAGS = ("Volt", "Nova", "Turbo", "Echo", "Kestrel", "Mistral", "Lumen", "Pixel Drift")

USERS = (
    [("organiser", ("organiser",), "Olivia Organiser"), ("gate", ("staff",), "Gaston Gate")]
    + [(f"player{i}", ("player", "fan"), tag) for i, tag in enumerate(PLAYER_TAGS, start=1)]
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
    from podium.core.accounts.rules import display_name_key
    from podium.core.accounts.tables import User
    from podium.core.activation.service import enabled_plugins
    from podium.core.venue import service
    from podium.core.venue.contracts import DemoVenue
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
            row = await User.select(User.password_hash).where(User.id == created.id).first()
            assert row is not None  # created just above
            shared_hash = row["password_hash"]
        else:
            await User.insert(User(
                username=username, display_name=display, display_key=display_name_key(display),
                password_hash=shared_hash,
                roles=",".join(sorted(parse_roles(roles))), created_at=datetime.now(timezone.utc),
            ))
        result.users.append(username)
    step("users")

    host = make_plugin_host()
    scope = service.VenueScope(host=host, venue_id=venue["id"],
                               enabled=frozenset(await enabled_plugins(host, venue["id"])), tz=TZ)
    organiser = await get_user_by_name("organiser")
    first_day = today or wall_time(datetime.now(timezone.utc), TZ).date()
    one_offs: dict[str, int] = {}
    for label, what, values in _steps(first_day, set(scope.kinds), spaces):
        if what == "event":
            event = await service.create_event(scope, values, organiser)
            result.events += 1
            one_offs[label] = event["id"]
        else:
            series = await service.create_series(scope, values, organiser)
            result.series += 1
            result.events += len(series["occurrences"])
        step(label)
    demo = DemoVenue(host=host, venue_id=venue["id"], tz=TZ, first_day=first_day,
                     spaces=spaces, events=one_offs, organiser=organiser)
    await host.acall("podium_seed_demo", demo=demo)  # each domain adds its part
    result.made, result.notes = demo.made, demo.notes
    step("what plugins add")
    return result


def demo_step_count() -> int:
    """How many steps :func:`seed_demo` reports (for the progress bar)."""
    return 2 + 7 + 1  # venue and spaces, users; five events and two series; plugins


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
        f"({result.series} recurring series), {len(result.users)} users"
        + "".join(f", {note}" for note in result.notes) + "."
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
