"""Tournament pages under load: the bracket page against ``/healthz``, and the screen's
SSE fan-out to 1,000 subscribers.

Serves the real app with uvicorn (one worker, a subprocess) on a temporary SQLite database
seeded with a 64-entrant double elimination played half-way (a few matches called to
stations), then from this process:

a. sends a bounded number of concurrent GETs to the bracket fragment, the tournament page
   and the screen body, then to ``/healthz``, and prints requests per second and the
   ratio page ÷ ``/healthz`` (goal: at least 50%; the fragments are rendered once per
   tournament version, see ``podium.tournaments.render_cache``);
b. opens ``--subscribers`` (default 1,000) SSE streams on the tournament's topic, posts a
   result through the JSON API and prints the time from posting it to the last subscriber
   receiving the update (goal: under 1 s), then the time until every subscriber has also
   re-fetched the screen body, as a screen does, and how many re-fetches still showed the
   old body (must be 0).

With ``--across-workers`` it runs (b) only, on PostgreSQL and Redis with two servers (two
workers of a venue): the screens are connected to worker B, the result is posted through
worker A, and the screens re-fetch from B, whose page cache must have moved on.

    .venv/bin/python bench/bench_tournaments.py [--requests 2000] [--concurrency 16]
                                                [--subscribers 1000] [--entrants 64]
    .venv/bin/python bench/bench_tournaments.py --across-workers [--subscribers 1000]

Figures are printed, never asserted (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import (  # noqa: E402  (a sibling script, not a package)
    MAX_CONCURRENCY,
    MAX_REQUESTS,
    bench_env,
    drive,
    free_port,
    migrate_and_seed,
    recreate_bench_database,
    start_server,
    stop_server,
    wait_until_up,
)

ORGANISER = ("bench-organiser", "bench-organiser-password")
PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_tournaments"
REDIS_URL = "redis://127.0.0.1:6379/8"
MAX_SUBSCRIBERS = 5000
FANOUT_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------
# Seeding (runs in a subprocess whose environment points at the temporary database)
# --------------------------------------------------------------------------------------


async def seed_tournament(host: Any, name: str, fmt: str, entrants: int, *,
                          options: dict[str, Any] | None = None, play: float = 0.5,
                          stations: int = 4) -> int:
    """Create a tournament of ``entrants``, start it and record results for about ``play``
    of its playable matches (the better seed wins), then call a few ready matches to
    stations. Returns its id."""
    from podium.tournaments import catalogue
    from podium.tournaments import play as playing  # ``play`` is this function's share
    from podium.tournaments.kernel import bump_version, load_json, now
    from podium.tournaments.tables import Entrant, MatchRow

    t = await catalogue.create_tournament(host, None, {
        "name": name, "game": "Rocket League", "format": fmt, "options": options or {}}, None)
    stamp = now()
    await Entrant.insert(*[Entrant(tournament=t["id"], name=f"Team {i:03d}", seed=i,
                                   status="registered", created_at=stamp)
                           for i in range(1, entrants + 1)])
    await playing.start(host, t["id"], None)
    total = await MatchRow.count().where((MatchRow.tournament == t["id"])
                                         & (MatchRow.engine_status != "skipped"))
    target = int(total * play)
    played = 0
    while played < target:
        ready = await MatchRow.select().where(
            (MatchRow.tournament == t["id"]) & (MatchRow.engine_status == "ready")
        ).order_by(MatchRow.position_index).first()
        if ready is None:
            break
        slots = load_json(ready["slots"])
        best = min(slots, key=lambda s: s["seed"])
        games = [[2, 1] if s is best else [1, 2] for s in slots[:1]] if len(slots) == 2 else []
        await playing.organiser_result(host, ready["id"], None, best["entrant_id"], games)
        played += 1
    ready = await MatchRow.select(MatchRow.id).where(
        (MatchRow.tournament == t["id"]) & (MatchRow.engine_status == "ready")
    ).order_by(MatchRow.position_index).limit(stations)
    for number, row in enumerate(ready, start=1):
        await MatchRow.update({MatchRow.station: number, MatchRow.status: "in_progress"}).where(
            MatchRow.id == row["id"])
    await bump_version(t["id"])
    return t["id"]


async def seed(entrants: int) -> dict[str, Any]:
    """The bench's data: an organiser and a double elimination played half-way."""
    from podium.core.accounts.service import create_user
    from podium.core.database import close_pool, open_pool
    from podium.web.assembly import make_plugin_host

    await open_pool()
    try:
        host = make_plugin_host()
        await create_user(ORGANISER[0], ORGANISER[1], ("organiser",), display_name="Bench")
        tid = await seed_tournament(host, f"Bench Cup {entrants}", "double_elimination",
                                    entrants, play=0.5)
    finally:
        await close_pool()
    return {"tournament_id": tid}


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


async def pages(url: str, paths: list[str], requests: int, concurrency: int,
                time_limit: float) -> list[Any]:
    """Requests per second of each path, then of ``/healthz`` (warm-up first)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for path in [*paths, "/healthz"]:
            await drive(client, path, min(200, requests), concurrency)
            results.append(await asyncio.wait_for(drive(client, path, requests, concurrency),
                                                  timeout=time_limit))
    return results


async def fanout(url: str, tid: int, subscribers: int,
                 post_url: str | None = None) -> dict[str, float]:
    """Open ``subscribers`` SSE streams on ``url``, post a result (through ``post_url``,
    another worker, if given), time the deliveries and the screens' re-fetches."""
    limits = httpx.Limits(max_connections=subscribers + 20,
                          max_keepalive_connections=subscribers + 20)
    timeout = httpx.Timeout(FANOUT_TIMEOUT, connect=FANOUT_TIMEOUT, pool=FANOUT_TIMEOUT)
    event_name = f"bracket-{tid}"
    body_path = f"/tournaments/{tid}/screen/body"
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client, \
            httpx.AsyncClient(base_url=post_url or url, timeout=timeout) as poster:
        old_body = (await client.get(body_path, headers={"HX-Request": "true"})).text
        token = (await poster.post("/api/v1/auth/token", json={
            "username": ORGANISER[0], "password": ORGANISER[1]})).json()
        headers = {"Authorization": f"Bearer {token.get('access_token') or token.get('token')}"}
        ready_matches = (await client.get(f"/api/v1/tournaments/{tid}/matches",
                                          params={"status": "ready", "limit": 1})).json()["items"]
        if not ready_matches:
            ready_matches = (await client.get(f"/api/v1/tournaments/{tid}/matches",
                                              params={"status": "in_progress", "limit": 1})
                             ).json()["items"]
        match = ready_matches[0]
        connected = 0
        all_connected = asyncio.Event()
        posted_at: list[float] = []
        received: list[float] = []
        refetched: list[float] = []
        stale: list[int] = []
        refetch_limit = asyncio.Semaphore(64)

        async def subscriber() -> None:
            nonlocal connected
            async with client.stream("GET", f"/-/events?topics=tournament-{tid}") as response:
                lines = response.aiter_lines()
                event = None
                async for line in lines:
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line == "" and event == "ready":
                        connected += 1
                        if connected == subscribers:
                            all_connected.set()
                        event = None
                    elif line == "" and event == event_name:
                        received.append(time.perf_counter())
                        break
            # What a screen does next: fetch its body (served from the render cache).
            async with refetch_limit:
                r = await client.get(body_path, headers={"HX-Request": "true"})
                r.raise_for_status()
            refetched.append(time.perf_counter())
            if r.text == old_body:
                stale.append(1)

        started = time.perf_counter()
        tasks = [asyncio.create_task(subscriber()) for _ in range(subscribers)]
        await asyncio.wait_for(all_connected.wait(), timeout=FANOUT_TIMEOUT)
        connect_seconds = time.perf_counter() - started
        slots = [s["entrant_id"] for s in match["slots"]]
        posted_at.append(time.perf_counter())
        r = await poster.post(f"/api/v1/matches/{match['id']}/result", headers=headers,
                              json={"winner_id": slots[0], "games": [[2, 0]]})
        answered = time.perf_counter()
        r.raise_for_status()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=FANOUT_TIMEOUT)
    return {
        "subscribers": float(len(received)),
        "connect_s": connect_seconds,
        "post_answered_s": answered - posted_at[0],
        "first_delivery_s": min(received) - posted_at[0],
        "last_delivery_s": max(received) - posted_at[0],
        "last_refetch_s": max(refetched) - posted_at[0],
        "stale_refetches": float(len(stale)),
    }


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted`` (the soft limit up to the
    hard one); returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def print_fanout(figures: dict[str, float]) -> None:
    """The fan-out's figures."""
    print(f"  {figures['subscribers']:.0f} subscribers connected in "
          f"{figures['connect_s']:.2f} s")
    print(f"  result POST answered after {figures['post_answered_s'] * 1000:.0f} ms")
    print(f"  first delivery {figures['first_delivery_s'] * 1000:.0f} ms, "
          f"last delivery {figures['last_delivery_s'] * 1000:.0f} ms after posting "
          f"(goal < 1000 ms)")
    print(f"  every subscriber re-fetched the screen body "
          f"{figures['last_refetch_s'] * 1000:.0f} ms after posting; "
          f"{figures['stale_refetches']:.0f} re-fetches showed the old body (must be 0)")


def across_workers(pg_url: str, redis_url: str, subscribers: int, entrants: int) -> int:
    """(b) with two servers on PostgreSQL and Redis: screens on B, the result through A."""
    import redis

    if not recreate_bench_database(pg_url):
        print(f"no PostgreSQL at {pg_url}: --across-workers needs it")
        return 1
    try:
        redis.Redis.from_url(redis_url).flushdb()
    except redis.RedisError:
        print(f"no Redis at {redis_url}: --across-workers needs it")
        return 1
    env = bench_env(pg_url, redis_url)
    processes = []
    try:
        with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
            print(f"seeding a {entrants}-entrant double elimination in PostgreSQL ...", flush=True)
            tid = migrate_and_seed(env, __file__, "--entrants", str(entrants))["tournament_id"]
            urls = []
            for name in ("a", "b"):
                port = free_port()
                log_path = Path(tmp) / f"server-{name}.log"
                processes.append(start_server(env, port, log_path))
                urls.append(f"http://127.0.0.1:{port}")
                wait_until_up(urls[-1], processes[-1], log_path)
            print(f"two uvicorn servers (workers A and B), PostgreSQL + Redis: {subscribers} "
                  f"SSE subscribers on B, the result posted through A, re-fetches from B",
                  flush=True)
            figures = asyncio.run(fanout(urls[1], tid, subscribers, post_url=urls[0]))
    finally:
        for process in processes:
            stop_server(process)
        recreate_bench_database(pg_url, drop_only=True)
    print_fanout(figures)
    return 1 if figures["stale_refetches"] or figures["subscribers"] < subscribers else 0


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--entrants", type=int, default=64)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--across-workers", action="store_true",
                        help="screens on one worker, the result through another "
                             "(PostgreSQL and Redis)")
    parser.add_argument("--pg-url", default=PG_URL,
                        help=f"PostgreSQL database to recreate for --across-workers (name "
                             f"must start with 'bench'; default {PG_URL})")
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"Redis for --across-workers (default {REDIS_URL})")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_only:  # the subprocess that fills the temporary database
        print(json.dumps(asyncio.run(seed(args.entrants))))
        return 0
    requests = max(1, min(args.requests, MAX_REQUESTS))
    concurrency = max(1, min(args.concurrency, MAX_CONCURRENCY))
    subscribers = max(1, min(args.subscribers, MAX_SUBSCRIBERS))
    entrants = max(4, min(args.entrants, 4096))
    limit = raise_fd_limit(subscribers * 2 + 256)
    if args.across_workers:
        return across_workers(args.pg_url, args.redis_url, subscribers, entrants)

    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        env = bench_env(f"sqlite:///{tmp}/bench.sqlite3")
        print(f"seeding a {entrants}-entrant double elimination in {tmp} ...", flush=True)
        tid = migrate_and_seed(env, __file__, "--entrants", str(entrants))["tournament_id"]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        process = start_server(env, port, log_path)
        try:
            wait_until_up(url, process, log_path)
            paths = [f"/tournaments/{tid}/bracket", f"/tournaments/{tid}/screen/body",
                     f"/tournaments/{tid}"]
            print(f"uvicorn, 1 worker, SQLite; {requests} requests per path, {concurrency} "
                  f"concurrent, client in this process\n", flush=True)
            results = asyncio.run(pages(url, paths, requests, concurrency, args.time_limit))
            for result in results:
                print(result.line())
            health = results[-1]
            print()
            for result in results[:-1]:
                share = result.rps / health.rps * 100 if health.rps else 0.0
                print(f"{result.path}: {share:.0f}% of /healthz (goal ≥ 50%)")
            print(f"\nscreen fan-out: {subscribers} SSE subscribers (fd limit {limit}) ...",
                  flush=True)
            figures = asyncio.run(fanout(url, tid, subscribers))
        finally:
            stop_server(process)
    print_fanout(figures)
    failed = any(r.bad_statuses for r in results) or figures["stale_refetches"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
