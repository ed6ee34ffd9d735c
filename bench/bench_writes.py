"""Writes under load (issue 8, point 8): 25 players re-reporting their match result and 25
fans booking and cancelling places, all at once, against the single-write latency.

Serves the real app with uvicorn (one worker, a subprocess) on a temporary SQLite database,
or on PostgreSQL when ``PODIUM_DATABASE_URL=postgresql://.../bench...`` is set (the
database's name must start with ``bench``: its ``public`` schema is dropped and migrated
afresh). Seeds a venue with a bookable session (capacity well above the clients), a
64-entrant single elimination whose first 25 seeds are the players (each in a match of
their own) and the 50 users, then from this process:

1. the single-write latency: one client alone reports, books and cancels ``--single``
   times each, one request at a time;
2. the mix: ``--clients`` (default 50) clients for ``--seconds`` (default 20, after a
   2-second warm-up): half re-report their match (``POST /api/v1/matches/{id}/report``, a
   pending report replaces their previous one), half book one place and cancel it
   (``POST /api/v1/events/{id}/bookings``, ``DELETE /api/v1/bookings/{id}``), each request
   sent as soon as the previous one is answered;
3. prints writes per second, p50, p99 and max latency of the mix beside the single-write
   latency, and whether the goal (p99 under 1 s) is met.

The clients are Python (httpx, asyncio) in this process: enough for latency of writes,
which is what is measured (the server's throughput ceiling would need a separate load
generator; the client also takes some of the machine's CPU from the server). Figures are
printed, never asserted (see bench/README.md); any answer other than 200, 201 or 204 is counted
and makes the script exit non-zero.

    .venv/bin/python bench/bench_writes.py [--clients 50] [--seconds 20] [--single 20]
    PODIUM_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_writes \\
        .venv/bin/python bench/bench_writes.py [--workers 2 --redis redis://127.0.0.1:6379/5]

``--workers 2`` (PostgreSQL and Redis) measures the production deployment the README
recommends for PostgreSQL; the one-worker figure is printed by a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import (  # noqa: E402  (a sibling script)
    free_port,
    migrate_and_seed,
    recreate_bench_database,
    start_server,
    stop_server,
    wait_until_up,
)

GOAL_P99_MS = 1000.0
ENTRANTS = 64
MAX_CLIENTS = 200
WARM_UP_S = 2.0
PASSWORD = "bench-player-password"


# --------------------------------------------------------------------------------------
# Seeding (runs in a subprocess whose environment points at the bench database)
# --------------------------------------------------------------------------------------


async def seed(players: int, fans: int) -> dict[str, Any]:
    """Users, a bookable session and a started single elimination; returns ids and tokens."""
    from podium.core.accounts.service import create_user, get_user, issue_token
    from podium.core.accounts.tables import User
    from podium.core.database import close_pool, open_pool
    from podium.core.venue import service
    from podium.tournaments import catalogue, play
    from podium.tournaments.kernel import load_json
    from podium.tournaments.tables import Entrant, MatchRow
    from podium.web.assembly import make_plugin_host

    await open_pool()
    try:
        host = make_plugin_host()
        organiser = await create_user("bench-organiser", PASSWORD, ("organiser",))
        first = await create_user("bench-user-0", PASSWORD, ("fan",))
        digest = (await User.select(User.password_hash).where(User.id == first.id).first()
                  or {})["password_hash"]
        stamp = datetime.now(timezone.utc)
        await User.insert(*[  # one argon2 hash for all: hashing 50 passwords takes seconds
            User(username=f"bench-user-{i}", display_name=f"Bench {i}", password_hash=digest,
                 roles="fan", created_at=stamp) for i in range(1, players + fans)])
        rows = await User.select(User.id).where(User.username.like("bench-user-%")).order_by(
            User.id)
        users = [await get_user(r["id"]) for r in rows]
        tokens = [await issue_token(u) for u in users]

        venue = await service.create_venue("Bench velodrome", "bench-velodrome", "Europe/Paris")
        space = await service.create_space(venue["id"], "Lounge", "lounge",
                                           conflict_policy="warn", position=0)
        scope = service.VenueScope(host=host, venue_id=venue["id"],
                                   enabled=frozenset({"venue"}))
        starts = (stamp + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        event = await service.create_event(scope, {
            "title": "Bench session", "kind": "public_session", "starts_at": starts,
            "ends_at": starts + timedelta(hours=3), "space_ids": [space["id"]],
            "capacity": (fans + 10) * 10}, organiser)

        t = await catalogue.create_tournament(host, None, {
            "name": "Bench Cup", "game": "Rocket League", "format": "single_elimination",
            "options": {}}, None)
        await Entrant.insert(*[
            Entrant(tournament=t["id"], name=f"Player {i:02d}", seed=i, status="registered",
                    created_at=stamp, user=users[i - 1].id if i <= players else None)
            for i in range(1, ENTRANTS + 1)])
        await play.start(host, t["id"], None)
        entrant_of = {r["id"]: r["user"] for r in await Entrant.select(
            Entrant.id, Entrant.user).where(Entrant.tournament == t["id"])}
        reports: dict[int, dict[str, int]] = {}
        for m in await MatchRow.select().where((MatchRow.tournament == t["id"])
                                               & (MatchRow.engine_status == "ready")):
            for s in load_json(m["slots"]):
                user_id = entrant_of.get(s["entrant_id"])
                if user_id is not None:
                    reports[user_id] = {"match_id": m["id"], "entrant_id": s["entrant_id"]}
    finally:
        await close_pool()
    return {
        "event_id": event["id"],
        "players": [{"token": tokens[i], **reports[users[i].id]} for i in range(players)],
        "fans": [{"token": tokens[players + i]} for i in range(fans)],
    }


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies (ms) of the writes answered, and the other answers by status."""

    latencies: list[float] = field(default_factory=list)
    bad: dict[str, int] = field(default_factory=dict)
    counting: bool = True

    async def send(self, client: httpx.AsyncClient, method: str, url: str,
                   headers: dict[str, str], body: Any = None) -> httpx.Response | None:
        """One write, timed; returns the response (``None`` on a transport error)."""
        started = time.perf_counter()
        try:
            response = await client.request(method, url, headers=headers, json=body)
        except httpx.HTTPError as exc:
            self.bad[type(exc).__name__] = self.bad.get(type(exc).__name__, 0) + 1
            return None
        if self.counting:
            self.latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 201, 204):
                key = f"{method} {response.status_code}"
                self.bad[key] = self.bad.get(key, 0) + 1
        return response


async def report_once(tally: Tally, client: httpx.AsyncClient, player: dict[str, Any]) -> None:
    """A player re-reports their match (their pending report is replaced)."""
    await tally.send(client, "POST", f"/api/v1/matches/{player['match_id']}/report",
                     {"Authorization": f"Bearer {player['token']}"},
                     {"winner_id": player["entrant_id"], "games": [[2, 1]]})


async def book_and_cancel(tally: Tally, client: httpx.AsyncClient, event_id: int,
                          fan: dict[str, Any]) -> None:
    """A fan books one place, then cancels the booking (two writes)."""
    headers = {"Authorization": f"Bearer {fan['token']}"}
    booked = await tally.send(client, "POST", f"/api/v1/events/{event_id}/bookings", headers,
                              {"places": 1})
    if booked is not None and booked.status_code == 201:
        body = booked.json()
        booking_id = (body.get("booking") or body)["id"]
        await tally.send(client, "DELETE", f"/api/v1/bookings/{booking_id}", headers)


async def single(url: str, data: dict[str, Any], count: int) -> dict[str, float]:
    """Median latency (ms) of each kind of write sent alone, one at a time."""
    out = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for name in ("report", "book+cancel"):
            tally = Tally()
            for _ in range(count + 2):
                if name == "report":
                    await report_once(tally, client, data["players"][0])
                else:
                    await book_and_cancel(tally, client, data["event_id"], data["fans"][0])
            warm = tally.latencies[2 if name == "report" else 4:]  # the first ones warm up
            out[name] = statistics.median(warm)
            if tally.bad:
                raise SystemExit(f"single {name}: unexpected answers {tally.bad}")
    return out


async def mix(url: str, data: dict[str, Any], seconds: float) -> tuple[Tally, float]:
    """Every player re-reports and every fan books and cancels, in a loop, for
    ``seconds`` after a warm-up; returns the tally and the measured wall time."""
    players, fans = data["players"], data["fans"]
    clients = len(players) + len(fans)
    tally = Tally(counting=False)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    stop = False

    async def player_loop(client: httpx.AsyncClient, player: dict[str, Any]) -> None:
        while not stop:
            await report_once(tally, client, player)

    async def fan_loop(client: httpx.AsyncClient, fan: dict[str, Any]) -> None:
        while not stop:
            await book_and_cancel(tally, client, data["event_id"], fan)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        tasks = [asyncio.create_task(player_loop(client, p)) for p in players]
        tasks += [asyncio.create_task(fan_loop(client, f)) for f in fans]
        await asyncio.sleep(WARM_UP_S)
        tally.counting = True
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        tally.counting = False
        elapsed = time.perf_counter() - started
        stop = True
        await asyncio.gather(*tasks)
    return tally, elapsed


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0–1) percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn workers (more than one needs PostgreSQL and --redis)")
    parser.add_argument("--redis", default="",
                        help="PODIUM_REDIS_URL for the server (shared page versions, channels)")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    clients = max(2, min(args.clients, MAX_CLIENTS))
    players = min(clients // 2, ENTRANTS // 2 - 1)  # one player per first-round match
    fans = clients - players
    if args.seed_only:  # the subprocess that fills the bench database
        print(json.dumps(asyncio.run(seed(players, fans))))
        return 0

    database = os.environ.get("PODIUM_DATABASE_URL", "")
    if args.workers > 1 and not (database.startswith("postgres") and args.redis):
        raise SystemExit("--workers above 1 needs PODIUM_DATABASE_URL=postgresql://... and --redis")
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
        env.update({
            "PODIUM_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "PODIUM_ADMIN_PASSWORD": "bench-admin-password",
            "PODIUM_LOGIN_RATE": "100000",
            "PICCOLO_CONF": "podium.web.piccolo_conf",
        })
        if args.redis:
            env["PODIUM_REDIS_URL"] = args.redis
        if database.startswith("postgres"):
            env["PODIUM_DATABASE_URL"] = database
            if not recreate_bench_database(database):
                raise SystemExit(f"no PostgreSQL server answers at {database}")
            kind = "PostgreSQL"
        else:
            env["PODIUM_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            kind = "SQLite"
        print(f"{kind}: seeding {players} players and {fans} fans ...", flush=True)
        data = migrate_and_seed(env, __file__, "--clients", str(clients))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        # Keep-alive connections kept while clients wait for slow answers: uvicorn's
        # default closes them after 5 s idle, and a request sent at that moment fails
        # with a read error that says nothing of the writes.
        process = start_server(env, port, log_path, "--timeout-keep-alive", "300",
                               "--workers", str(max(1, args.workers)))
        try:
            wait_until_up(url, process, log_path)
            alone = asyncio.run(single(url, data, max(1, args.single)))
            workers = f"{args.workers} workers" if args.workers > 1 else "1 worker"
            print(f"uvicorn, {workers}, {kind}{' + Redis' if args.redis else ''}; {players} clients re-reporting + {fans} "
                  f"booking and cancelling for {args.seconds:.0f} s, clients in this "
                  "process\n", flush=True)
            tally, elapsed = asyncio.run(mix(url, data, args.seconds))
            errors = [line for line in log_path.read_text().splitlines() if "Error" in line]
        finally:
            stop_server(process)
    lat = tally.latencies
    if not lat:
        print("no write was answered in the measured window")
        return 1
    p99 = percentile(lat, 0.99)
    print(f"single write (alone): report {alone['report']:.0f} ms, "
          f"book or cancel {alone['book+cancel']:.0f} ms (medians)")
    print(f"{clients} clients: {len(lat) / elapsed:.0f} writes/s ({len(lat)} in "
          f"{elapsed:.1f} s), p50 {percentile(lat, 0.5):.0f} ms, p99 {p99:.0f} ms, "
          f"max {max(lat):.0f} ms")
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if p99 < GOAL_P99_MS else 'NOT met'}")
    if tally.bad:
        print(f"unexpected answers: {tally.bad}")
        print("\n".join(errors[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
