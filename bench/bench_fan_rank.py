"""My-rank with a million fans, p50/p99, with and without Redis, on SQLite and PostgreSQL;
and the leaderboard page against ``/healthz`` (ApacheBench) in the same run.

For each database: ``podium migrate`` a fresh one, bulk-load ``--fans`` rows of the
all-time board straight into ``social_board_score`` (SQLite: ``executemany`` in one
transaction; PostgreSQL: ``COPY``) with skewed scores (many fans with few points, a long
tail) and the score and rank buckets (``INSERT ... SELECT ... GROUP BY``, the statements of
``podium hub rebuild``), then time
:func:`podium.social.leaderboard.rank_of` for ``--samples`` random fans: SQL alone, then
with Redis (the sorted set refilled from the rows by ``reload_redis``). Last, uvicorn
serves the app and ``ab`` drives ``/hub/leaderboard?view=all`` and ``/healthz``. Goal:
p99 ≤ 5 ms. Run it briefly on a shared machine; it prints figures, it asserts nothing.

    .venv/bin/python bench/bench_fan_rank.py [--fans 1000000] [--samples 2000]
        [--databases sqlite,postgres] [--redis redis://127.0.0.1:6379/6] [--ab-requests 2000]

``--ab-requests 0`` skips the page-against-``/healthz`` part.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import (  # noqa: E402  (a sibling script)
    free_port,
    migrate_and_seed,
    start_server,
    stop_server,
    wait_until_up,
)

BOARD = "all"
EPOCH0 = 1_577_836_800
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/bench_hub_points"


def scores(fans: int, seed: int = 7) -> list[tuple[str, str, int, int, int]]:
    """(slot, board, fan, points, reached) rows: skewed points (half the fans under 10,
    a tail to a few thousand), reached spread over a year."""
    rnd = random.Random(seed)
    rows = []
    for fan in range(1, fans + 1):
        points = 1 + int(rnd.paretovariate(1.2) * 3) % 5000
        rows.append((f"{BOARD}|{fan}", BOARD, fan, points, EPOCH0 + 190_000_000 + rnd.randrange(31_536_000)))
    return rows


BUCKETS = ("INSERT INTO social_score_bucket (slot, board, points, fans) SELECT board || '|' || "
           "CAST(points AS VARCHAR), board, points, COUNT(*) FROM social_board_score GROUP BY board, points")


def rank_bucket_statements() -> list[str]:
    """The rebuild's statements that fill the rank buckets from the board rows."""
    from podium.social.leaderboard import recount_rank_buckets_sql

    return recount_rank_buckets_sql()


def load_sqlite(path: str, fans: int) -> float:
    """Rows straight into the SQLite file; returns seconds."""
    import sqlite3

    start = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        db.executemany("INSERT INTO social_board_score (slot, board, fan, points, reached) "
                       "VALUES (?, ?, ?, ?, ?)", scores(fans))
        db.execute(BUCKETS)
        for statement in rank_bucket_statements():
            db.execute(statement)
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - start


async def load_postgres(url: str, fans: int) -> float:
    """Rows into PostgreSQL with COPY; returns seconds."""
    import asyncpg

    start = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("social_board_score", records=scores(fans),
                                         columns=["slot", "board", "fan", "points", "reached"])
        await conn.execute(BUCKETS)
        for statement in rank_bucket_statements():
            await conn.execute(statement)
        await conn.execute("ANALYZE social_board_score")
        await conn.execute("ANALYZE social_score_bucket")
        await conn.execute("ANALYZE social_rank_bucket")
    finally:
        await conn.close()
    return time.perf_counter() - start


async def fresh_postgres(url: str) -> None:
    """Drop and create the bench database."""
    import asyncpg

    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def seed_only(args: argparse.Namespace) -> None:
    """(In the bench database's environment.) Bulk-load, print the seconds as JSON."""
    url = os.environ["PODIUM_DATABASE_URL"]
    if url.startswith("sqlite"):
        took = load_sqlite(url.split("sqlite:///", 1)[1], args.fans)
    else:
        took = asyncio.run(load_postgres(url, args.fans))
    print(json.dumps({"load_seconds": round(took, 1)}))


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """(In the bench database's environment.) p50/p99 of my-rank, SQL then Redis."""
    from podium.core.database import close_pool, open_pool
    from podium.social import leaderboard

    await open_pool()
    out: dict[str, Any] = {}
    rnd = random.Random(11)
    sample = [rnd.randrange(1, args.fans + 1) for _ in range(args.samples)]
    try:
        for label, redis in (("sql", None), ("redis", args.redis)):
            if redis:
                os.environ["PODIUM_REDIS_URL"] = redis
                start = time.perf_counter()
                await leaderboard.reload_redis(chunk=50_000)
                out["redis_fill_seconds"] = round(time.perf_counter() - start, 1)
            else:
                os.environ.pop("PODIUM_REDIS_URL", None)
            for fan in sample[:50]:  # warm the pool, caches and prepared statements
                await leaderboard.rank_of(BOARD, fan)
            times = []
            for fan in sample:
                start = time.perf_counter()
                rank = await leaderboard.rank_of(BOARD, fan)
                times.append((time.perf_counter() - start) * 1000)
                assert rank is not None
            out[label] = {"p50_ms": round(statistics.median(times), 3),
                          "p99_ms": round(percentile(times, 0.99), 3)}
        # The two backends agree (the tests check this on every tie; a spot check here),
        # and with a plain count over the whole board (slow: a few fans only).
        from podium.social.tables import BoardScore

        client = await leaderboard.redis_ready()
        for fan in sample[:200]:
            assert await leaderboard.sql_rank(BOARD, fan) == await leaderboard.redis_rank(client, BOARD, fan)
        for fan in sample[:10]:
            [mine] = await BoardScore.raw("SELECT points, reached FROM social_board_score "
                                          "WHERE slot = {}", f"{BOARD}|{fan}")
            p, r = mine["points"], mine["reached"]
            [better] = await BoardScore.raw(
                "SELECT COUNT(*) AS n FROM social_board_score WHERE board = {} AND (points > {} "
                "OR (points = {} AND (reached < {} OR (reached = {} AND fan < {}))))",
                BOARD, p, p, r, r, fan)
            assert await leaderboard.sql_rank(BOARD, fan) == int(better["n"]) + 1
    finally:
        await close_pool()
    return out


def ab(url: str, requests: int, concurrency: int) -> float:
    """Requests per second ApacheBench measured for ``url``."""
    done = subprocess.run(["ab", "-q", "-n", str(requests), "-c", str(concurrency), url],
                          capture_output=True, text=True, timeout=600)
    found = re.search(r"Requests per second:\s+([\d.]+)", done.stdout)
    if not found:
        raise SystemExit(f"ab failed on {url}:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def ensure_ab() -> None:
    """Install ApacheBench (Debian ``apache2-utils``) if missing, as .ci/run installs Chromium."""
    if shutil.which("ab"):
        return
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "apache2-utils"]):
        subprocess.run(command, check=True)


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Load, measure and drive one database; print its lines; return the rank figures."""
    env = dict(os.environ)
    env.pop("PODIUM_REDIS_URL", None)
    if kind == "sqlite":
        env["PODIUM_DATABASE_URL"] = f"sqlite:///{workdir / 'rank.sqlite3'}"
    else:
        asyncio.run(fresh_postgres(args.pg_url))
        env["PODIUM_DATABASE_URL"] = args.pg_url
    loaded = migrate_and_seed(env, __file__, "--fans", str(args.fans))
    print(f"{kind}: {args.fans:,} fans loaded in {loaded['load_seconds']} s")
    done = subprocess.run([sys.executable, __file__, "--measure-only", "--fans", str(args.fans),
                           "--samples", str(args.samples), "--redis", args.redis],
                          env=env, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise SystemExit(f"measuring failed:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for label in ("sql", "redis"):
        f = figures[label]
        print(f"{kind} my-rank via {label:5}: p50 {f['p50_ms']:.3f} ms, p99 {f['p99_ms']:.3f} ms "
              f"({args.samples} random fans; goal p99 <= 5 ms)")
    print(f"{kind}: Redis refilled from the rows in {figures['redis_fill_seconds']} s")
    if args.ab_requests <= 0:
        return figures
    for label, redis in (("without Redis", None), ("with Redis", args.redis)):
        server_env = dict(env)
        if redis:
            server_env["PODIUM_REDIS_URL"] = redis
        port = free_port()
        log_path = workdir / f"server-{kind}.log"
        process = start_server(server_env, port, log_path)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, process, log_path)
            page = ab(f"{base}/hub/leaderboard?view=all", args.ab_requests, args.ab_concurrency)
            health = ab(f"{base}/healthz", args.ab_requests, args.ab_concurrency)
        finally:
            stop_server(process)
        print(f"{kind} {label}: leaderboard page {page:,.0f} req/s, /healthz {health:,.0f} req/s "
              f"(ratio {health / page:.1f})")
    return figures


def load_average() -> str:
    """The machine's 1/5/15-minute load (the figures mean little without it)."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fans", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--ab-requests", type=int, default=2000)
    parser.add_argument("--ab-concurrency", type=int, default=8)
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_only:
        seed_only(args)
        return 0
    if args.measure_only:
        print(json.dumps(asyncio.run(measure(args))))
        return 0
    if args.ab_requests > 0:
        ensure_ab()
    print(f"load average at start: {load_average()} on {os.cpu_count()} CPUs")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="podium-rank-") as tmp:
        for kind in args.databases.split(","):
            results[kind.strip()] = run_database(kind.strip(), args, Path(tmp))
    print(f"\nmy-rank at {args.fans:,} fans, {args.samples} random fans each "
          f"(load average at the end: {load_average()}; goal p99 <= 5 ms):")
    print("| method | database | p50 | p99 |\n| --- | --- | --- | --- |")
    for label, name in (("sql", "SQL"), ("redis", "Redis")):
        for kind, figures in results.items():
            f = figures[label]
            print(f"| {name} | {kind} | {f['p50_ms']:.2f} ms | {f['p99_ms']:.2f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
