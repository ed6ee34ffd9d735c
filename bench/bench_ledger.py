"""The ticket ledger's speed: appends, inclusion proofs at a million entries, consistency
proofs, and appends through the database.

1. **in-process appends** — ``--entries`` canonical entries (1,000,000 by default) hashed and
   appended to the in-memory tree (:class:`~podium.plugins.ledger.merkle.MemoryHashStore`:
   every complete subtree's hash kept, two hashes per append amortised). Prints appends/s
   (goal ≥ 10,000/s).
2. **inclusion proofs** — ``--proofs`` random leaves of the full tree: µs per proof, built
   from the stored subtrees (never a recomputed tree), and µs per proof verified with
   RFC 9162's algorithm (goal: a proof ≤ 1 ms at 1,000,000 entries).
3. **consistency proofs** — between random pairs of sizes: µs per proof and per
   verification.
4. **appends through the database** — ``--db-batches`` deliveries of ``--batch`` entries
   each through :func:`podium.plugins.ledger.service.append` (lock the head row, skip what
   is logged, write entries, tiles, a signed checkpoint), on a temporary SQLite file or
   ``PODIUM_DATABASE_URL``'s PostgreSQL (a database the bench may wipe): entries/s and ms
   per delivery.

    .venv/bin/python bench/bench_ledger.py [--entries 1000000] [--proofs 2000]
                                           [--batch 100] [--db-batches 50]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def configure(tmp: str) -> None:
    """Point Podium at a throw-away database before anything imports the Piccolo conf."""
    os.environ.setdefault("PODIUM_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["PICCOLO_CONF"] = "podium.web.piccolo_conf"


def bench_tree(entries: int, proofs: int) -> None:
    """Figures 1–3: the pure tree in memory."""
    from podium.plugins.ledger import merkle
    from podium.plugins.ledger.entries import canonical
    from podium.plugins.ledger.merkle import MemoryHashStore, leaf_hash

    bodies = [canonical({"v": 1, "kind": "issued", "ticket": f"tk_{i:08d}", "event": 40,
                         "type": 2, "holder": f"{i:064x}", "serial": 1, "price_cents": 1500,
                         "currency": "EUR", "at": "2026-12-03T18:00:00Z", "src": f"e{i}#0"})
              for i in range(min(entries, 20_000))]
    store = MemoryHashStore()
    start = time.perf_counter()
    for i in range(entries):
        store.append(leaf_hash(bodies[i % len(bodies)]))
    elapsed = time.perf_counter() - start
    print(f"in-process appends: {entries:,} entries in {elapsed:.2f} s = "
          f"{entries / elapsed:,.0f} appends/s (leaf hash + tree; goal ≥ 10,000/s)")

    rng = random.Random(6962)
    size = store.size
    root = store.root()
    indices = [rng.randrange(size) for _ in range(proofs)]
    start = time.perf_counter()
    made = [store.inclusion_proof(i, size) for i in indices]
    per_proof = (time.perf_counter() - start) / proofs * 1e6
    start = time.perf_counter()
    for i, proof in zip(indices, made):
        merkle.verify_inclusion(i, size, store.leaf(i), proof, root)
    per_check = (time.perf_counter() - start) / proofs * 1e6
    print(f"inclusion proof at {size:,} entries: {per_proof:.1f} µs to build, "
          f"{per_check:.1f} µs to verify ({len(made[0])} hashes; goal ≤ 1,000 µs)")

    pairs = []
    for _ in range(proofs):
        a, b = sorted((rng.randrange(1, size + 1), rng.randrange(1, size + 1)))
        pairs.append((a, b))
    roots = {n: store.root(n) for pair in pairs for n in pair}
    start = time.perf_counter()
    cons = [store.consistency_proof(a, b) for a, b in pairs]
    per_cons = (time.perf_counter() - start) / proofs * 1e6
    start = time.perf_counter()
    for (a, b), proof in zip(pairs, cons):
        merkle.verify_consistency(a, b, roots[a], roots[b], proof)
    per_cons_check = (time.perf_counter() - start) / proofs * 1e6
    print(f"consistency proof up to {size:,} entries: {per_cons:.1f} µs to build, "
          f"{per_cons_check:.1f} µs to verify")


async def bench_db(batch: int, batches: int) -> None:
    """Figure 4: appends through the database, one delivery at a time."""
    from podium.core.database import close_pool, migrate, open_pool, wipe_all_tables
    from podium.core.events import IssuedTicket, TicketsIssued
    from podium.plugins.ledger import service
    from podium.plugins.ledger.entries import entries_of

    await open_pool()
    try:
        await migrate()
        await wipe_all_tables()
        service.forget_cache()
        await service.start_log()
        events = [TicketsIssued(venue_id=1, order_ref=f"or_{b}", tickets=tuple(
            IssuedTicket(f"tk_{b}_{i}", 2, 40, f"{b:032x}{i:032x}", 1500) for i in range(batch)))
            for b in range(batches)]
        times = []
        start = time.perf_counter()
        for event in events:
            t0 = time.perf_counter()
            await service.append(entries_of(event))
            times.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - start
        total = batch * batches
        engine = "PostgreSQL" if not os.environ["PODIUM_DATABASE_URL"].startswith("sqlite") else "SQLite"
        print(f"appends through {engine}: {total:,} entries in {batches} deliveries of {batch} "
              f"= {total / elapsed:,.0f} entries/s, median {statistics.median(times):.1f} ms "
              "per delivery (entries, tiles, signed checkpoint, head: one transaction)")
        t0 = time.perf_counter()
        await service.record_event(events[0])  # a repeated delivery: nothing appended
        print(f"a repeated delivery of {batch} entries: {(time.perf_counter() - t0) * 1000:.1f} ms "
              "(idempotency check only)")
    finally:
        await close_pool()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--db-batches", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        configure(tmp)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        bench_tree(max(2, min(args.entries, 20_000_000)), max(10, min(args.proofs, 100_000)))
        asyncio.run(bench_db(max(1, min(args.batch, 5000)), max(1, min(args.db_batches, 10_000))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
