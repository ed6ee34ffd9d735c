"""A big round robin: starting it and applying one result, with the event loop watched.

In process, on a temporary SQLite file (or ``PODIUM_DATABASE_URL``'s PostgreSQL, a
database the bench wipes):

1. creates a round robin of ``--entrants`` (default 256: 32,640 matches) and registers
   the field;
2. starts it (:func:`podium.tournaments.play.start`) while a probe coroutine wakes every
   5 ms: the longest gap between two wake-ups is how long ``/healthz`` (or any request)
   would have waited on this process's event loop;
3. records one organiser result on a ready match, then corrects it (the other side
   wins), each watched the same way;
4. does it all again on a fresh tournament under :mod:`tracemalloc` for the peak Python
   memory of the start and of one result (tracemalloc slows Python down, so times come
   from the first pass).

    .venv/bin/python bench/bench_roundrobin.py [--entrants 256]
    PODIUM_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_rr \\
        .venv/bin/python bench/bench_roundrobin.py

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

MAX_ENTRANTS = 1024
PROBE_INTERVAL = 0.005


def configure(tmp: str) -> None:
    """Point Podium at a throw-away database before anything imports the Piccolo conf."""
    os.environ.setdefault("PODIUM_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["PICCOLO_CONF"] = "podium.web.piccolo_conf"
    # The bench measures the engine at the size asked for, whatever the venue's limit.
    os.environ.setdefault("PODIUM_MAX_MATCHES_PER_TOURNAMENT", str(2 * MAX_ENTRANTS ** 2))


async def watched(action: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Run ``action`` while a probe wakes every 5 ms; returns (seconds, longest stall)."""
    stalls = [0.0]
    done = asyncio.Event()

    async def probe() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(PROBE_INTERVAL)
            now = time.perf_counter()
            stalls.append(now - last - PROBE_INTERVAL)
            last = now

    task = asyncio.create_task(probe())
    await asyncio.sleep(0)
    started = time.perf_counter()
    try:
        await action()
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        await task
    return elapsed, max(stalls)


async def new_round_robin(host: Any, entrants: int, n: int) -> int:
    """A round robin with ``entrants`` registered entrants; returns its id."""
    from podium.tournaments import catalogue
    from podium.tournaments.kernel import now
    from podium.tournaments.tables import Entrant

    t = await catalogue.create_tournament(host, None, {
        "name": f"Bench league {n}", "game": "Chess", "format": "round_robin",
        "options": {}}, None)
    stamp = now()
    rows = [Entrant(tournament=t["id"], name=f"Player {i:04d}", seed=i, status="registered",
                    created_at=stamp) for i in range(1, entrants + 1)]
    for i in range(0, len(rows), 500):
        await Entrant.insert(*rows[i:i + 500])
    return int(t["id"])


async def first_ready(tid: int) -> dict[str, Any]:
    """The first ready match of the tournament."""
    from podium.tournaments.kernel import load_json
    from podium.tournaments.tables import MatchRow

    row = await MatchRow.select().where((MatchRow.tournament == tid)
                                        & (MatchRow.engine_status == "ready")
                                        ).order_by(MatchRow.position_index).first()
    return {**row, "slots": load_json(row["slots"])}


async def run(entrants: int) -> None:
    """Seed, measure and print."""
    from podium.core.database import close_pool, migrate, open_pool, wipe_all_tables
    from podium.tournaments import play
    from podium.tournaments.tables import MatchRow
    from podium.web.assembly import make_plugin_host

    await open_pool()
    try:
        await migrate()
        await wipe_all_tables()
        host = make_plugin_host()
        db = os.environ["PODIUM_DATABASE_URL"].split(":", 1)[0]
        tid = await new_round_robin(host, entrants, 1)
        seconds, stall = await watched(lambda: play.start(host, tid, None))
        count = await MatchRow.count().where(MatchRow.tournament == tid)
        print(f"round robin, {entrants} entrants, {count:,} matches, {db}")
        print(f"  start            {seconds:7.2f} s   longest loop stall {stall * 1000:7.0f} ms")
        match = await first_ready(tid)
        a, b = (s["entrant_id"] for s in match["slots"])
        seconds, stall = await watched(
            lambda: play.organiser_result(host, match["id"], None, a, [[2, 1]]))
        print(f"  one result       {seconds:7.2f} s   longest loop stall {stall * 1000:7.0f} ms")
        seconds, stall = await watched(
            lambda: play.organiser_result(host, match["id"], None, b, [[1, 2]]))
        print(f"  its correction   {seconds:7.2f} s   longest loop stall {stall * 1000:7.0f} ms")

        tid = await new_round_robin(host, entrants, 2)
        tracemalloc.start()
        await play.start(host, tid, None)
        start_peak = tracemalloc.get_traced_memory()[1]
        match = await first_ready(tid)
        a = match["slots"][0]["entrant_id"]
        # The result's own peak: what it allocates above what is held before it.
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await play.organiser_result(host, match["id"], None, a, [[2, 1]])
        result_peak = tracemalloc.get_traced_memory()[1] - held
        tracemalloc.stop()
        print(f"  peak memory      start {start_peak / 2**20:6.1f} MB   "
              f"one result +{result_peak / 2**20:5.1f} MB (tracemalloc)")
    finally:
        await close_pool()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the bench on a temporary database."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entrants", type=int, default=256)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        configure(tmp)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        asyncio.run(run(max(2, min(args.entrants, MAX_ENTRANTS))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
