"""Fan actions ingested through :func:`podium.social.actions.record_many`, in process.

Batches of ``--batch`` actions (follows, unfollows, likes, unlikes, watches by
``--fans`` fans on ``--athletes`` athletes, each with its own idempotency key) go through
the hub's one entry point: one transaction per batch (relation rows created if missing
and locked, one ``INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING`` per
thousand facts, the relations updated in one statement, one outbox event). A share
``--replays`` of each batch re-sends actions already sent (the same key), which must
record nothing. Prints actions/s (goal ≥ 5,000/s on PostgreSQL), the replay share, and
checks that the facts recorded equal the distinct keys sent.

Runs on a temporary SQLite file, then on PostgreSQL when ``--pg URL`` is given (a
database the bench may wipe), each in a child process (the engine is chosen at start).

    .venv/bin/python bench/bench_fan_actions.py [--pg postgresql://postgres@127.0.0.1:5432/bench]
        [--batches 40] [--batch 500] [--fans 2000] [--athletes 50] [--replays 0.2]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


async def run(batches: int, batch: int, fans: int, athlete_count: int, replay_share: float) -> None:
    """One database: seed athletes, send the batches, print the figures."""
    from datetime import datetime, timezone

    from podium.core.accounts.tables import User
    from podium.core.database import close_pool, migrate, open_pool, wipe_all_tables
    from podium.social import actions
    from podium.social.tables import Athlete, FanAction

    await open_pool()
    try:
        await migrate()
        await wipe_all_tables()
        now = datetime.now(timezone.utc)
        await User.insert(*[User(username=f"bench-athlete-{i}", display_name=f"Athlete {i}",
                                 password_hash="-", roles="fan", created_at=now)
                            for i in range(athlete_count)])
        owners = await User.select(User.id).order_by(User.id)
        await Athlete.insert(*[Athlete(user=row["id"], slug=f"athlete-{i}", name=f"Athlete {i}",
                                       kind="cycling", discipline="keirin", country="FRA",
                                       created_at=now) for i, row in enumerate(owners)])
        athlete_ids = [r["id"] for r in await Athlete.select(Athlete.id)]
        fan_base = 1_000_000  # fan ids apart from the athletes' accounts
        rng = random.Random(7)
        sent: list[actions.NewAction] = []
        kinds = (actions.FOLLOW, actions.UNFOLLOW, actions.LIKE, actions.UNLIKE, actions.WATCH)
        serial = 0
        durations: list[float] = []
        replays = recorded = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(batches):
            items: list[actions.NewAction] = []
            for _ in range(batch):
                if sent and rng.random() < replay_share:
                    items.append(rng.choice(sent))
                    continue
                serial += 1
                kind = rng.choice(kinds)
                target = (f"athlete:{rng.choice(athlete_ids)}" if kind in (actions.FOLLOW, actions.UNFOLLOW)
                          else f"post:{rng.randrange(200)}" if kind != actions.WATCH
                          else f"video:{rng.randrange(100)}")
                action = actions.NewAction(fan_base + rng.randrange(fans), kind, target,
                                           key=f"bench-{serial}")
                items.append(action)
                sent.append(action)
            t0 = time.perf_counter()
            done = await actions.record_many(items)
            durations.append((time.perf_counter() - t0) * 1000)
            replays += sum(d.replay for d in done)
            recorded += sum(d.changed for d in done)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        total = batches * batch
        facts = await FanAction.count()
        engine = "SQLite" if os.environ["PODIUM_DATABASE_URL"].startswith("sqlite") else "PostgreSQL"
        print(f"{engine}: {total:,} actions in {batches} batches of {batch} = {total / elapsed:,.0f} "
              f"actions/s; median {statistics.median(durations):.1f} ms per batch; replays "
              f"{replays / total:.0%} of the actions; {recorded:,} new facts "
              f"(the rest: replays, or a follow while following); facts in the table {facts:,}; "
              f"this process's CPU: {cpu / total * 1e6:.0f} µs per action "
              f"(≈ {total / cpu:,.0f} actions per CPU-second; the database's own CPU not counted)")
        assert facts == recorded, "every new fact is stored once"
    finally:
        await close_pool()


def child(database_url: str, args: argparse.Namespace) -> None:
    """Run :func:`run` in a child process on one database."""
    env = {**os.environ, "PODIUM_DATABASE_URL": database_url, "PICCOLO_CONF": "podium.web.piccolo_conf"}
    subprocess.run([sys.executable, __file__, "--child", "--batches", str(args.batches),
                    "--batch", str(args.batch), "--fans", str(args.fans), "--athletes",
                    str(args.athletes), "--replays", str(args.replays)], env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the bench on SQLite, then PostgreSQL if asked."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("PODIUM_BENCH_PG_URL", ""),
                        help="a PostgreSQL URL the bench may wipe (the database is recreated;"
                             " its name must start with 'bench')")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--fans", type=int, default=2000)
    parser.add_argument("--athletes", type=int, default=50)
    parser.add_argument("--replays", type=float, default=0.2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.batches = max(1, min(args.batches, 10_000))
    args.batch = max(1, min(args.batch, 5_000))
    args.replays = min(max(args.replays, 0.0), 0.95)
    if args.child:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        asyncio.run(run(args.batches, args.batch, max(1, args.fans), max(1, args.athletes),
                        args.replays))
        return 0
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        child(f"sqlite:///{tmp}/bench.sqlite3", args)
    if args.pg:
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_pages import recreate_bench_database  # a sibling script

        # A fresh database each run (its name must start with "bench").
        if not recreate_bench_database(args.pg):
            raise SystemExit(f"no PostgreSQL server answers at {args.pg}")
        child(args.pg, args)
    else:
        print("PostgreSQL: skipped (give --pg URL or PODIUM_BENCH_PG_URL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
