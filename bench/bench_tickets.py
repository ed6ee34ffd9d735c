"""Checkout under a rush: orders per second and tickets oversold, through HTTP.

For each database (PostgreSQL when reachable, and SQLite), a fresh database gets one event
with a 1,000-ticket quota; ``podium run`` serves the real app (one worker, a subprocess);
ApacheBench (``ab``, compiled, from Debian's ``apache2-utils``, installed here if missing
as ``.ci/run`` installs Chromium) sends 1,200 ``POST /api/v1/orders`` with 200 in flight,
each buying one free ticket (paid at once: tickets issued, domain events recorded). ab
reuses one body and one bearer token, so one buyer makes every order; the box office has
no per-buyer limit beyond ``max_per_order``, which one ticket per order respects.

Prints, per database: orders/s (201 answers over ab's time), ab's requests/s (409
``sold_out`` answers included), the latency percentiles, the server's CPU time per request
(read from ``/proc``: the figure to compare on a shared machine), the load average around
the rush, and the oversold count (places held or sold beyond the quota, read back from the
public API and the database). Before each rush, on a database of its own, it counts the
SQL statements one order costs: ``--statement-orders`` orders one after the other through
the app in a child process, the drivers' statement methods wrapped, split into the
request's and the background's (the outbox dispatcher and the plugins it calls). The goal
is 100 orders/s or more and 0 oversold; nothing here asserts a time.

    .venv/bin/python bench/bench_tickets.py [--quota 1000] [--requests 1200]
        [--concurrency 200] [--database sqlite|postgres|both]
        [--pg-url postgresql://postgres@127.0.0.1:5432/bench_tickets]
        [--workers 2 [--redis-url redis://127.0.0.1:6379/8]]
        [--statement-orders 20] [--show-statements] [--only-count]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import (  # noqa: E402  (a sibling script)
    ensure_ab,
    free_port,
    podium_command,
    recreate_bench_database,
    stop_server,
    wait_until_up,
)

PG_URL = os.environ.get("PODIUM_BENCH_PG_URL",
                        "postgresql://postgres@127.0.0.1:5432/bench_tickets")
REDIS_URL = os.environ.get("PODIUM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


# -- the seeding and counting steps (run in a child process: one database per process) ---


async def _seed(quota: int) -> dict[str, object]:
    from podium.core.accounts.service import create_user, issue_token
    from podium.core.database import close_pool, migrate, open_pool
    from podium.core.venue import service
    from podium.core.venue.rules import localize
    from podium.ticketing import types
    from podium.web.assembly import make_plugin_host

    await open_pool()
    try:
        await migrate()
        venue = await service.create_venue("Bench velodrome", "bench", "Europe/Paris")
        arena = await service.create_space(venue["id"], "Arena", "arena", capacity=5000)
        host = make_plugin_host()
        scope = service.VenueScope(host=host, venue_id=venue["id"],
                                   enabled=frozenset(host.names()))
        from datetime import datetime, timedelta, timezone

        start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
        event = await service.create_event(scope, {
            "title": "Bench final", "kind": "other", "starts_at": localize(
                start.replace(tzinfo=None), "Europe/Paris"),
            "ends_at": localize((start + timedelta(hours=4)).replace(tzinfo=None), "Europe/Paris"),
            "space_ids": [arena["id"]], "capacity": min(quota * 2, 100_000)}, None)
        made = await types.create_type(event["id"], {
            "name": "Bench seat", "price_cents": 0, "quota": quota, "max_per_order": 10})
        buyer = await create_user("benchbuyer", "bench-buyer-password", ("fan",))
        return {"event_id": event["id"], "type_id": made["id"],
                "token": await issue_token(buyer)}
    finally:
        await close_pool()


async def _count(event_id: int) -> dict[str, int]:
    from piccolo.query.functions.aggregate import Sum

    from podium.core.database import close_pool, open_pool
    from podium.ticketing.tables import Order, OrderLine, Ticket

    await open_pool()
    try:
        rows = await OrderLine.select(Sum(OrderLine.quantity).as_alias("n")).where(
            (OrderLine.order.event == event_id) & OrderLine.order.status.is_in(["paid", "pending"]))
        return {"places": int(rows[0]["n"] or 0),
                "tickets": int(await Ticket.count().where(Ticket.event == event_id)),
                "orders": int(await Order.count().where(Order.event == event_id))}
    finally:
        await close_pool()


class StatementCounter:
    """Counts the SQL statements the process sends (asyncpg on PostgreSQL, aiosqlite on
    SQLite), split into those of the requests (the task that sends them) and those of
    background tasks (the outbox dispatcher and the plugins it calls)."""

    def __init__(self) -> None:
        self.request: list[str] = []
        self.background: list[str] = []
        self.main: asyncio.Task[Any] | None = None
        self.paused = False

    def seen(self, sql: str) -> None:
        """One statement sent."""
        task = asyncio.current_task()
        if self.paused and task is self.main:
            return
        (self.request if task is self.main else self.background).append(
            " ".join(str(sql).split())[:140])

    def install(self) -> None:
        """Wrap the drivers' statement methods (this process only)."""
        import aiosqlite
        import asyncpg.connection

        def wrap(cls: Any, name: str) -> None:
            original = getattr(cls, name)

            def counted(this: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                self.seen(query)
                return original(this, query, *args, **kwargs)

            setattr(cls, name, counted)

        for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
            wrap(asyncpg.connection.Connection, name)
        for name in ("execute", "executemany", "execute_fetchall", "execute_insert"):
            wrap(aiosqlite.Connection, name)


async def _outbox_pending() -> int:
    from podium.core.outbox.tables import OutboxEvent

    return int(await OutboxEvent.count().where(OutboxEvent.status == "pending"))


async def _statements(orders: int, type_id: int, token: str, show: bool) -> dict[str, object]:
    """Send ``orders`` orders one after the other to the app in this process (its lifespan
    running: the dispatcher delivers to the plugins) and count the statements."""
    import time

    import logging

    from podium.web.app import create_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    counter = StatementCounter()
    counter.install()
    counter.main = asyncio.current_task()
    app = create_app()
    body = {"lines": [{"ticket_type_id": type_id, "quantity": 1}], "payment_method": "free"}
    headers = {"Authorization": f"Bearer {token}"}
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            async def settle() -> None:
                deadline = time.monotonic() + 30
                while await _outbox_pending() and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.2)

            for _i in range(3):  # warm-up: the event's keys, caches, prepared statements
                answer = await client.post("/api/v1/orders", json=body, headers=headers)
                assert answer.status_code == 201, answer.text
            await settle()
            counter.request.clear()
            counter.background.clear()
            for _i in range(orders):
                answer = await client.post("/api/v1/orders", json=body, headers=headers)
                assert answer.status_code == 201, answer.text
            request_count = len(counter.request)
            listing = list(counter.request)
            counter.paused = True  # the settle loop's own polling is not counted
            await settle()
    background = counter.background
    if show:
        for sql in listing[:len(listing) // orders]:
            print("  request:", sql, file=sys.stderr)
        for sql in background[:len(background) // orders]:
            print("  background:", sql, file=sys.stderr)
    return {"request": request_count / orders, "background": len(background) / orders}


def child(args: argparse.Namespace) -> int:
    """``--seed`` / ``--count``: print the JSON the parent reads."""
    if args.seed:
        print(json.dumps(asyncio.run(_seed(args.quota))))
    elif args.statements:
        seeded = json.loads(args.seeded)
        print(json.dumps(asyncio.run(_statements(args.statements, seeded["type_id"],
                                                 seeded["token"], args.show_statements))))
    else:
        print(json.dumps(asyncio.run(_count(args.count))))
    return 0


def run_child(env: dict[str, str], *extra: str) -> dict[str, object]:
    """Run this script as a child on the database of ``env``; its JSON answer."""
    done = subprocess.run([sys.executable, __file__, *extra], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"bench child {' '.join(extra)} failed:\n{done.stdout}\n{done.stderr}")
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


# -- one run ----------------------------------------------------------------------------


def parse_ab(text: str) -> dict[str, float]:
    """The figures of ab's report."""
    def number(pattern: str, default: float = 0.0) -> float:
        found = re.search(pattern, text)
        return float(found.group(1)) if found else default

    figures = {
        "complete": number(r"Complete requests:\s+(\d+)"),
        "failed": number(r"Failed requests:\s+(\d+)"),
        "non2xx": number(r"Non-2xx responses:\s+(\d+)"),
        "seconds": number(r"Time taken for tests:\s+([\d.]+)"),
        "rps": number(r"Requests per second:\s+([\d.]+)"),
    }
    for pct in (50, 95, 99):
        figures[f"p{pct}"] = number(rf"\n\s*{pct}%\s+(\d+)")
    return figures


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    # utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 after the name.
    return sum(int(v) for v in fields[11:15]) / ticks


def tree_cpu(pid: int) -> float:
    """CPU time of ``pid`` and its live child processes (the workers of ``podium run``)."""
    total = cpu_seconds(pid)
    for child_dir in Path("/proc").glob("[0-9]*"):
        try:
            stat = (child_dir / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(pid):
            total += cpu_seconds(int(child_dir.name))
    return total


def bench_one(label: str, database_url: str, ab: str, quota: int, requests: int,
              concurrency: int, workers: int = 1, redis_url: str | None = None
              ) -> dict[str, object]:
    """Seed, serve, rush, count; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="podium-bench-tickets-") as tmp:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
        env.update({
            "PODIUM_DATABASE_URL": database_url,
            "PODIUM_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "PODIUM_LOGIN_RATE": "100000",
            "PICCOLO_CONF": "podium.web.piccolo_conf",
        })
        if redis_url:  # several workers share channels and stores through Redis
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            env["PODIUM_REDIS_URL"] = redis_url
        seeded = run_child(env, "--seed", "--quota", str(quota))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        log = open(log_path, "w")
        server = subprocess.Popen(
            podium_command() + ["run", "--no-migrate", "--port", str(port),
                                "--workers", str(workers)],
            env={**env, "PODIUM_ACCESS_LOG": "0"}, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(url, server, log_path)
            body = Path(tmp) / "body.json"
            body.write_text(json.dumps({
                "lines": [{"ticket_type_id": seeded["type_id"], "quantity": 1}],
                "payment_method": "free"}))
            print(f"[{label}] {requests} orders, {concurrency} in flight, for {quota} tickets ...",
                  flush=True)
            load_before = os.getloadavg()[0]
            cpu_before = tree_cpu(server.pid)
            done = subprocess.run(
                [ab, "-q", "-l", "-k", "-p", str(body), "-T", "application/json",
                 "-H", f"Authorization: Bearer {seeded['token']}", "-n", str(requests),
                 "-c", str(concurrency), "-s", "120", f"{url}/api/v1/orders"],
                capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                raise SystemExit(f"ab failed:\n{done.stdout}\n{done.stderr}")
            server_cpu = tree_cpu(server.pid) - cpu_before
            load = f"{load_before:.1f}→{os.getloadavg()[0]:.1f}"
            figures = parse_ab(done.stdout)
            listed = httpx.get(f"{url}/api/v1/events/{seeded['event_id']}/ticket-types",
                               timeout=30).json()["items"][0]
        finally:
            stop_server(server, timeout=15)
            log.close()
        counted = run_child(env, "--count-event", str(seeded["event_id"]))
    ok = figures["complete"] - figures["non2xx"]
    places = int(str(counted["places"]))
    return {
        "label": label, "orders": int(ok), "refused": int(figures["non2xx"]),
        "orders_per_s": ok / figures["seconds"] if figures["seconds"] else 0.0,
        "rps": figures["rps"], "seconds": figures["seconds"], "p50": figures["p50"],
        "p95": figures["p95"], "p99": figures["p99"], "api_sold": listed["sold"] + listed["held"],
        "places": places, "tickets": counted["tickets"], "oversold": max(0, places - quota),
        "load": load, "cpu_ms": server_cpu * 1000 / figures["complete"] if figures["complete"] else 0.0,
    }


def count_statements(label: str, database_url: str, orders: int, show: bool) -> dict[str, object]:
    """Statements per order on a fresh database (PostgreSQL: recreated first): ``orders``
    orders one after the other through the app in a child process."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
    env.update({"PODIUM_DATABASE_URL": database_url,
                "PODIUM_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
                "PODIUM_LOGIN_RATE": "100000", "PODIUM_ACCESS_LOG": "0",
                "PICCOLO_CONF": "podium.web.piccolo_conf"})
    seeded = run_child(env, "--seed", "--quota", "1000")
    extra = ["--show-statements"] if show else []
    done = subprocess.run([sys.executable, __file__, "--statements", str(orders), "--seeded",
                           json.dumps(seeded), *extra], env=env, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"statement count failed:\n{done.stdout}\n{done.stderr}")
    if show:
        print(f"[{label}] the statements of one order:\n{done.stderr}", flush=True)
    counted: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return counted


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quota", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes for PostgreSQL (SQLite runs one); "
                             "above 1, PostgreSQL runs with 1 worker, then with these")
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"Redis for the runs of several workers (flushed; default "
                             f"{REDIS_URL}); 'none' to run them without")
    parser.add_argument("--statement-orders", type=int, default=20, metavar="N",
                        help="statements per order counted over N sequential orders "
                             "in process (0: skip)")
    parser.add_argument("--show-statements", action="store_true",
                        help="print the statements of one order")
    parser.add_argument("--only-count", action="store_true",
                        help="count the statements per order, no rush")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--statements", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seeded", default="", help=argparse.SUPPRESS)
    parser.add_argument("--count-event", dest="count", type=int, default=None,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed or args.count is not None or args.statements:
        return child(args)
    ab = ensure_ab()
    runs: list[tuple[str, str]] = []
    if args.database in ("postgres", "both"):
        if recreate_bench_database(args.pg_url):
            runs.append(("PostgreSQL", args.pg_url))
        else:
            print(f"PostgreSQL not reachable at {args.pg_url}: skipped", flush=True)
    results = []
    statements: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="podium-bench-sqlite-") as tmp:
        if args.database in ("sqlite", "both"):
            runs.append(("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
        for label, url in runs:
            if args.statement_orders:
                count_url = url.replace("bench.sqlite3", "count.sqlite3")
                statements[label] = count_statements(label, count_url, args.statement_orders,
                                                     args.show_statements)
                if label == "PostgreSQL":
                    recreate_bench_database(url)  # the rush starts on a fresh database
            if args.only_count:
                continue
            results.append(bench_one(label, url, ab, args.quota, args.requests,
                                     args.concurrency))
            if label == "PostgreSQL" and args.workers > 1:
                redis_url = None if args.redis_url == "none" else args.redis_url
                recreate_bench_database(url)
                results.append(bench_one(
                    f"PG ×{args.workers}" + (" +Redis" if redis_url else ""), url, ab,
                    args.quota, args.requests, args.concurrency, args.workers, redis_url))
    if statements:
        print(f"\nstatements per order ({args.statement_orders} orders one after the other, "
              "in process, after a warm-up):")
        for label, counted in statements.items():
            print(f"  {label:<11} {float(str(counted['request'])):5.1f} in the request, "
                  f"{float(str(counted['background'])):5.1f} in the background (the outbox "
                  "dispatcher and the plugins it calls)")
    if not results:
        return 0
    print()
    print(f"{'database':<15} {'orders/s':>9} {'req/s':>7} {'orders':>7} {'sold out':>9} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10} {'oversold':>9} "
          f"{'load avg':>9}")
    for r in results:
        print(f"{r['label']:<15} {r['orders_per_s']:>9.0f} {r['rps']:>7.0f} {r['orders']:>7} "
              f"{r['refused']:>9} {r['p50']:>7.0f} {r['p95']:>7.0f} {r['p99']:>7.0f} "
              f"{r['cpu_ms']:>10.1f} {r['oversold']:>9} {r['load']:>9}")
    print("\nab from this machine, podium run (1 worker unless ×N, then with Redis as the README's "
          "deployment section recommends), loopback; orders/s counts "
          "201 answers only; CPU ms/req is the server's CPU time (user + system, workers "
          "included, read from /proc) over ab's requests, the figure to compare on a shared "
          "machine; load avg: the 1-minute load average before and after the rush. Oversold: "
          "places held or sold beyond the quota, read from the database (the API agreed: "
          + ", ".join(f"{r['label']} {r['api_sold']} sold+held" for r in results) + ").")
    return 0

if __name__ == "__main__":
    sys.exit(main())
