"""The outbox's cost and speed: what recording a domain event adds to a write, how fast
the dispatcher tells plugins, and how long a plugin waits after the commit.

In process, on a temporary SQLite file (or ``PODIUM_DATABASE_URL``'s PostgreSQL, a
database the bench may wipe):

1. **write cost** — ``--writes`` small write transactions (one row updated, under
   :func:`podium.core.database.atomic`), first alone (the baseline), then each also
   recording one :class:`~podium.core.events.TicketsIssued` in the outbox. Prints
   writes/s of both and the ratio (goal: recording keeps at least 60% of the baseline).
2. **dispatch** — the recorded events delivered to three plugins (one async, one sync, one
   that ignores them) by one dispatcher: events/s (goal ≥ 1,000/s on SQLite).
3. **latency** — a write followed by the running dispatcher: the time from the commit to
   the plugin being called, median and 95th percentile over ``--samples`` writes (goal:
   median under 20 ms; the dispatcher is woken after commit, it does not wait for its poll).

    .venv/bin/python bench/bench_outbox.py [--writes 2000] [--samples 200]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def configure(tmp: str) -> None:
    """Point Podium at a throw-away database before anything imports the Piccolo conf."""
    os.environ.setdefault("PODIUM_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["PICCOLO_CONF"] = "podium.web.piccolo_conf"


async def run(writes: int, samples: int) -> None:
    """Seed, measure and print the three figures."""
    from podium.core.accounts.tables import User
    from podium.core.database import atomic, close_pool, migrate, open_pool, wipe_all_tables
    from podium.core.events import IssuedTicket, TicketsIssued
    from podium.core.outbox import record
    from podium.core.outbox.dispatcher import Dispatcher
    from podium.core.outbox.tables import OutboxEvent
    from podium.core.testing import make_plugin, plugin_host

    await open_pool()
    try:
        await migrate()
        await wipe_all_tables()
        user = User(username="bench", display_name="Bench", password_hash="x", roles="fan")
        await user.save()

        async def write(n: int, with_event: bool) -> None:
            async with atomic():
                await User.update({User.display_name: f"Bench {n}"}).where(User.id == user.id)
                if with_event:
                    await record(TicketsIssued(venue_id=1, tickets=(
                        IssuedTicket(f"tk_{n}", 1, 1, price_cents=1500),)))

        figures = {}
        for label, with_event in (("baseline write", False), ("write + outbox event", True)):
            start = time.perf_counter()
            for n in range(writes):
                await write(n, with_event)
            figures[label] = writes / (time.perf_counter() - start)
            print(f"{label:<24} {figures[label]:8.0f} writes/s")
        ratio = figures["write + outbox event"] / figures["baseline write"]
        print(f"recording keeps {ratio:.0%} of the baseline (goal ≥ 60%)")

        told: list[float] = []

        async def async_listener(event: TicketsIssued) -> None:
            told.append(time.perf_counter())

        def sync_listener(event: TicketsIssued) -> None:
            return None

        host = plugin_host(extra=[
            make_plugin("async_listener", podium_tickets_issued=async_listener),
            make_plugin("sync_listener", podium_tickets_issued=sync_listener),
            make_plugin("bystander", podium_nav_items=lambda user: []),
        ])
        dispatcher = Dispatcher(host, batch=200)
        start = time.perf_counter()
        delivered = await dispatcher.drain(rounds=10_000)
        elapsed = time.perf_counter() - start
        pending = await OutboxEvent.count().where(OutboxEvent.status == "pending")
        print(f"dispatch: {delivered} events to 2 plugins in {elapsed:.2f} s = "
              f"{delivered / elapsed:,.0f} events/s (goal ≥ 1,000/s); {pending} left")

        dispatcher.start()
        latencies = []
        try:
            for n in range(samples):
                told.clear()
                await write(writes + n, True)
                committed = time.perf_counter()
                while not told:
                    await asyncio.sleep(0.0005)
                latencies.append((told[0] - committed) * 1000)
        finally:
            await dispatcher.stop()
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(f"commit → plugin called: median {statistics.median(latencies):.1f} ms, "
              f"p95 {p95:.1f} ms over {samples} writes (goal: median < 20 ms)")
    finally:
        await close_pool()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the bench on a temporary database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        configure(tmp)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        asyncio.run(run(max(10, min(args.writes, 100_000)), max(10, min(args.samples, 10_000))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
