"""The tournament domain's part of ``podium demo`` (``podium_seed_demo``): a live double
elimination in the e-sport arena and a team Swiss open for registration, each on its own
calendar event (made by ``podium demo``), whose time holds the tournament and whose text
states its field.

Everything goes through the same services as the console and the API, so the demo is also
a smoke test of the tournament rules.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from podium.core.accounts.service import CurrentUser, get_user_by_name
from podium.core.plugins import PluginHost
from podium.core.venue.contracts import DemoVenue
from podium.core.venue.rules import localize
from podium.core.venue.service import get_event
from podium.tournaments import catalogue, matches, registration, stations, teams
from podium.tournaments import play as playing  # play() below is this demo's helper


async def seed_demo(demo: DemoVenue) -> None:
    """Add both demo tournaments; ``demo.made`` gets ``tournament`` and ``team_tournament``."""
    arena = demo.spaces.get("arena")
    demo.made["tournament"] = await seed_tournament(
        demo.host, demo.venue_id, demo.events.get("E-sport tournament"), arena, demo.organiser)
    demo.made["team_tournament"] = await seed_team_tournament(
        demo.host, demo.venue_id, demo.organiser, demo.first_day, demo.tz,
        demo.events.get("Team tournament"))
    demo.notes.append(f"a running tournament at /tournaments/{demo.made['tournament']} and a "
                      f"team tournament open for registration at "
                      f"/tournaments/{demo.made['team_tournament']}")


# Entrants beside the demo players (who register themselves), added by the organiser: gamer
# tags as people pick them, a few long ones among them (the big screen wraps them).
GENERATED_PLAYERS = ["NightOwl", "AerialAce_FR", "BoostBandit92", "Kickoff King of Saint-Quentin",
                     "ShellShock", "xX_CeilingShot_Xx", "FlipResetFromLyon",
                     "The Demolition Specialist"]


async def seed_tournament(host: PluginHost, venue_id: int, event_id: int | None,
                          arena_id: int | None, organiser: CurrentUser | None) -> int:
    """A live 16-player double elimination in the e-sport arena: the eight demo players
    and eight more added by the organiser, started, round one and part of round two played
    (with an upset), eight stations in the arena (matches called to them) and a stream
    queue. It starts as the demo is seeded, inside its event (today's, see ``web/demo.py``).

    Results go through the organiser's result service: the same re-flow as the console.
    """
    t = await catalogue.create_tournament(host, venue_id, {
        "name": "Podium Clash — Rocket League Open", "game": "Rocket League",
        "format": "double_elimination", "options": {"grand_final": "reset", "best_of": 3},
        "event_id": event_id, "capacity": 16,
        "description": "16 players, double elimination with a grand final reset. "
                       "Follow the bracket live; players see their station on My matches.",
    }, organiser)
    for i in range(1, 9):
        player = await get_user_by_name(f"player{i}")
        if player is not None:
            await registration.register(t["id"], player)
    for name in GENERATED_PLAYERS:
        await registration.add_entrant(t["id"], {"name": name}, organiser)
    # Alternate demo players and added ones in the seeding, so both meet early.
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


async def seed_team_tournament(host: PluginHost, venue_id: int, organiser: CurrentUser | None,
                               first_day: date, tz: str, event_id: int | None = None) -> int:
    """A 3v3 Swiss open for registration in the arena, to show teams: player1 captains
    "Velo Vipers" (player2 joined, player3 invited: log in as player3 to accept), player4
    captains "Sprint Kings" with a full roster. On its own event (day 6, 18:00-23:00):
    check-in opens as the event does, an hour before the first round."""
    if event_id is not None:
        opens = (await get_event(event_id))["starts_at"]
    else:
        opens = localize(datetime.combine(first_day + timedelta(days=5), time(18)), tz)
    t = await catalogue.create_tournament(host, venue_id, {
        "name": "Arena 3v3 — Swiss", "game": "Rocket League", "format": "swiss",
        "options": {"system": "dutch", "rounds": 4}, "capacity": 12, "team_size": 3,
        "event_id": event_id,
        "checkin_opens": opens,
        "checkin_closes": opens + timedelta(hours=1),
        "description": "Up to 12 teams of three, four Swiss rounds. Captains register the "
                       "team and invite their players; a team checks in with its full roster.",
    }, organiser)
    players: dict[int, CurrentUser] = {}
    for n in range(1, 7):
        player = await get_user_by_name(f"player{n}")
        if player is None:
            return t["id"]
        players[n] = player
    for captain, team_name, invited, joining in ((1, "Velo Vipers", (2, 3), (2,)),
                                                 (4, "Sprint Kings", (5, 6), (5, 6))):
        team = await registration.register(t["id"], players[captain], {"team_name": team_name})
        for n in invited:
            await teams.invite(t["id"], team["id"], players[captain], f"player{n}")
        for n in joining:
            invitation = (await teams.my_invitations(players[n], t["id"]))[0]
            await teams.accept(invitation["id"], players[n])
    return t["id"]
