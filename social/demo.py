"""The fan hub's part of the demo venue: athletes of both sports, verified, one waiting in
the admins' queue, and a few follows from the demo fans.

Made through the services, as the pages would. The e-sport athletes are the demo
players (``player1``..``player4``, who play the demo tournament) when they exist; the
cyclists get accounts of their own (``rider1``...) with the demo password.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from podium.core.accounts.service import get_user_by_name, parse_roles
from podium.core.accounts.tables import User
from podium.core.venue.contracts import DemoVenue
from podium.social import actions, athletes, verification

#: (username, name, discipline, country, club, bio)
CYCLISTS = (
    ("rider1", "Léa Marchand", "track_sprint", "FRA", "US Créteil",
     "Sprinter. Two national titles in the 200 m flying start."),
    ("rider2", "Tom Ashby", "keirin", "GBR", "Manchester Track Club",
     "Keirin rider; I like the last lap best."),
    ("rider3", "Inès Duval", "endurance", "FRA", "VC Roubaix",
     "Endurance: points race, scratch and madison."),
    ("rider4", "Pieter Vos", "omnium", "NED", "Team Sportland",
     "Omnium rider and team pursuiter."),
)
#: (username, name, country, team) for the demo players.
ESPORT = (
    ("player1", "Kai 'Volt' Moreau", "FRA", "Velodrome Esports"),
    ("player2", "Sara 'Nova' Lindqvist", "SWE", "North Wind"),
    ("player3", "Diego 'Turbo' Ruiz", "ESP", "Velodrome Esports"),
    ("player4", "Mia 'Echo' Brandt", "GER", "Rhein Rockets"),
)
WAITING = ("rider5", "Nina Keller", "team_pursuit", "SUI", "RV Zürich")


async def _account(username: str, display: str, password_hash: str | None) -> int | None:
    found = await get_user_by_name(username)
    if found is not None:
        return found.id
    if password_hash is None:
        return None
    user = User(username=username, display_name=display, password_hash=password_hash,
                roles=",".join(sorted(parse_roles(("fan",)))),
                created_at=datetime.now(timezone.utc))
    await user.save()
    return int(user.id)


async def seed_demo(demo: DemoVenue) -> None:
    """Add the athletes (see the module docstring); ``demo.made["athletes"]`` is how many,
    ``demo.made["athlete_waiting"]`` the id of the one in the queue."""
    admin = await get_user_by_name("admin")
    # Every demo user shares the demo password's hash: reuse it (argon2 is slow on purpose).
    row = await User.select(User.password_hash).where(User.username == "fan1").first()
    password_hash = row["password_hash"] if row else None
    made: list[dict[str, Any]] = []
    profiles: list[tuple[str, str, dict[str, Any]]] = [
        (username, name, {"name": name, "kind": "cycling", "discipline": discipline,
                          "country": country, "club": club, "bio": bio})
        for username, name, discipline, country, club, bio in CYCLISTS
    ] + [
        (username, name, {"name": name, "kind": "esport", "discipline": "esport:rocket-league",
                          "country": country, "club": team,
                          "bio": "Rocket League player at the Podium Clash."})
        for username, name, country, team in ESPORT
    ]
    for username, name, fields in profiles:
        user_id = await _account(username, name, password_hash)
        if user_id is None or admin is None or await athletes.profile_of(user_id) is not None:
            continue
        created = await athletes.create_profile(admin, fields, for_user_id=user_id)
        made.append(await verification.verify(admin, created["slug"], "demo: checked by the venue"))
    username, name, discipline, country, club = WAITING
    waiting_id = await _account(username, name, password_hash)
    if waiting_id is not None and admin is not None and await athletes.profile_of(waiting_id) is None:
        waiting = await athletes.create_profile(admin, {
            "name": name, "kind": "cycling", "discipline": discipline, "country": country,
            "club": club}, for_user_id=waiting_id)
        demo.made["athlete_waiting"] = waiting["id"]
    fans = [u for u in [await get_user_by_name(f"fan{i}") for i in range(1, 6)] if u is not None]
    follows = [actions.NewAction(fan.id, actions.FOLLOW, athlete["target"])
               for n, fan in enumerate(fans) for athlete in made[: len(made) - n]]
    await actions.record_many(follows)
    demo.made["athletes"] = len(made)
    if made:
        demo.notes.append(f"{len(made)} verified athletes at /athletes (cyclists rider1-4, "
                          "e-sport player1-4); one waiting at /admin/athletes")
