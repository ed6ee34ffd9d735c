"""Four gates scanning the same 1,000 tickets at once, through HTTP against a real server.

For each database (SQLite, and PostgreSQL when one answers), on a fresh temporary
database:

1. ``podium migrate``, then a seeding subprocess makes a venue, an event whose tickets
   open the gate now, ``--tickets`` tickets (default 1,000) and four staff accounts with
   bearer tokens;
2. ``podium run`` serves the app (one uvicorn worker, a subprocess);
3. four ``wrk`` processes start together, one per gate, each with its own token and
   ``--connections`` connections; a Lua script feeds ``POST /api/v1/checkin`` with every
   ticket's secret in the same order (the worst case: the four gates reach each ticket at
   about the same moment), a fresh nonce per request, and counts the answers;
4. prints scans per second (4 × tickets ÷ the wall time of the four runs), the answers
   (each ticket should be ``ok`` once and ``already_redeemed`` three times) and the
   double admissions found in the database afterwards (goal: 0; scans/s goal ≥ 300).

``wrk`` is a compiled load generator (ApacheBench cannot vary the body); the script
installs Debian's package with ``apt-get`` when it is missing, as ``.ci/run`` installs
Chromium. Figures are printed, never asserted (see ``bench/README.md``).

    .venv/bin/python bench/bench_gate.py [--tickets 1000] [--connections 4]
                                         [--db sqlite|postgres|both]
                                         [--workers 2 --redis-url redis://127.0.0.1:6379/15]
                                         [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_pages import (  # noqa: E402  (a sibling script)
    free_port,
    podium_command,
    recreate_bench_database,
    stop_server,
    wait_until_up,
)

GATES = 4
MAX_TICKETS = 20_000
PG_DATABASE = "podium_bench_gate"
RUN_TIMEOUT = 600

LUA = r"""
-- Feeds one gate's scans: every secret of the file once, a fresh nonce each, then stops.
local secrets = {}
for line in io.lines(os.getenv("GATE_SECRETS")) do secrets[#secrets + 1] = line end
local gate = os.getenv("GATE_NAME")
local token = os.getenv("GATE_TOKEN")
local event_id = os.getenv("GATE_EVENT")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent = -1
  answered = 0
  ok = 0
  redeemed = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  -- wrk calls request() once before sending anything, to check the request parses: that
  -- first call gets a health check so no secret is skipped.
  sent = sent + 1
  if sent < 1 or sent > #secrets then
    return wrk.format("GET", "/healthz", {}, nil)  -- in flight after the last scan
  end
  local body = string.format('{"secret":"%s","gate":"%s","nonce":"%s-%d","direction":"entry","event_id":%s}',
                             secrets[sent], gate, gate:gsub(" ", "_"), sent, event_id)
  return wrk.format("POST", "/api/v1/checkin", nil, body)
end

function response(status, headers, body)
  if answered >= #secrets or not body:find('"nonce"', 1, true) then return end
  answered = answered + 1
  if status == 200 then ok = ok + 1
  elseif status == 409 and body:find('"already_redeemed"', 1, true) then redeemed = redeemed + 1
  else other = other + 1 end
  if answered >= #secrets then
    io.write("GATE_DONE\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("GATE_RESULT %d %d %d %d\n", thread:get("answered"),
             thread:get("ok"), thread:get("redeemed"), thread:get("other")))
  end
  io.write(string.format("GATE_LATENCY %.2f %.2f\n", latency:percentile(50) / 1000,
           latency:percentile(95) / 1000))
end
"""


# --------------------------------------------------------------------------------------
# Seeding and counting (subprocesses whose environment points at the bench database)
# --------------------------------------------------------------------------------------


async def seed(count: int) -> dict[str, Any]:
    """A venue, an event open at the gates now, ``count`` tickets and four staff tokens."""
    from datetime import timedelta

    from podium.core.database import close_pool, open_pool
    from podium.tests.core.test_venue_support import bearer_for, many_users
    from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
    from podium.ticketing.tickets import utc_now

    await open_pool()
    try:
        event = await ticketed_event(capacity=count)
        now = utc_now()
        type_id = await ticket_type(event["id"], valid_from=now - timedelta(hours=1),
                                    valid_until=now + timedelta(hours=6))
        tickets: list[dict[str, Any]] = []
        while len(tickets) < count:
            tickets += await issue(event, type_id, None, min(500, count - len(tickets)))
        staff = await many_users("benchgate", GATES, roles="staff")
        tokens = [(await bearer_for(u))["Authorization"].split(" ", 1)[1] for u in staff]
    finally:
        await close_pool()
    return {"event_id": event["id"], "secrets": [t["secret"] for t in tickets], "tokens": tokens}


async def count_admissions() -> dict[str, int]:
    """Accepted entries per ticket in the database: admitted tickets and doubles."""
    from podium.core.database import close_pool, open_pool
    from podium.ticketing.tables import Scan, Ticket

    await open_pool()
    try:
        rows = await Scan.select(Scan.ticket).where((Scan.result == "ok") & (Scan.direction == "entry"))
        inside = await Ticket.count().where(Ticket.inside == True)  # noqa: E712
        scans = await Scan.count()
    finally:
        await close_pool()
    per_ticket: dict[int, int] = {}
    for row in rows:
        per_ticket[row["ticket"]] = per_ticket.get(row["ticket"], 0) + 1
    return {"admitted": len(per_ticket), "doubles": sum(n - 1 for n in per_ticket.values()),
            "inside": inside, "scans": scans}


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The ``wrk`` binary, installed from Debian's package if missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("installing wrk (apt-get) ...", flush=True)
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                   stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not available and could not be installed (apt-get install wrk)")
    return found


def run_in(env: dict[str, str], *args: str) -> str:
    """Run this script (or the podium CLI) in the bench database's environment."""
    command = podium_command() + list(args[1:]) if args[0] == "podium" else [
        sys.executable, __file__, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Gate:
    """One wrk process and a reader of its output: ``finished`` is set when its script
    has had an answer to every scan (wrk itself runs until its duration or SIGINT)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.finished = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("GATE_DONE"):
                self.finished.set()
        self.finished.set()

    def stop(self) -> str:
        """Interrupt wrk (it prints its summary and the script's counts) and return its output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.reader.join(timeout=10)
        return "".join(self.lines)


def bench_one(label: str, database_url: str, tickets: int, connections: int, wrk: str,
              tmp: Path, time_limit: float, workers: int = 1, redis_url: str = "") -> dict[str, Any]:
    """Seed, serve with ``podium run`` (``workers`` processes; Redis carries the live
    counts between them when ``redis_url`` is given), scan with four wrk processes, count."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
    env.update({
        "PODIUM_DATABASE_URL": database_url,
        "PODIUM_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "PODIUM_ADMIN_PASSWORD": "bench-admin-password",
        "PICCOLO_CONF": "podium.web.piccolo_conf",
    })
    if redis_url:
        env["PODIUM_REDIS_URL"] = redis_url
    print(f"[{label}] migrating and seeding {tickets} tickets ...", flush=True)
    run_in(env, "podium", "migrate")
    seeded = json.loads(run_in(env, "--seed-only", "--tickets", str(tickets)).strip().splitlines()[-1])
    secrets_file = tmp / f"{label}-secrets.txt"
    secrets_file.write_text("\n".join(seeded["secrets"]) + "\n")
    script = tmp / "gate.lua"
    script.write_text(LUA)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp / f"{label}-server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(podium_command() + ["run", "--no-migrate", "--host", "127.0.0.1",
                                                      "--port", str(port),
                                                      "--workers", str(workers)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(url, server, log_path)
        print(f"[{label}] podium run ({workers} worker{'s' if workers > 1 else ''}); {GATES} gates × {tickets} scans, "
              f"{connections} connections per gate ...", flush=True)
        started = time.perf_counter()
        gates = []
        for g in range(GATES):
            gate_env = dict(env, GATE_SECRETS=str(secrets_file), GATE_NAME=f"Gate {g + 1}",
                            GATE_TOKEN=seeded["tokens"][g], GATE_EVENT=str(seeded["event_id"]))
            gates.append(Gate(subprocess.Popen(
                [wrk, "-t1", f"-c{connections}", f"-d{RUN_TIMEOUT}s", "--timeout", "30s", "-s",
                 str(script), url],
                env=gate_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        for gate in gates:
            gate.finished.wait(max(1.0, time_limit - (time.perf_counter() - started)))
        elapsed = time.perf_counter() - started
        unfinished = sum(1 for gate in gates if not gate.finished.is_set())
        outputs = [gate.stop() for gate in gates]
        if unfinished:
            print(f"[{label}] {unfinished} gate(s) unfinished after {time_limit:.0f} s; "
                  f"wrk said:\n{outputs[0]}\nserver log:\n{log_path.read_text()[-3000:]}", flush=True)
    finally:
        stop_server(server)
    answered = ok = redeemed = other = 0
    p50 = p95 = 0.0
    for output in outputs:
        for line in output.splitlines():
            if line.startswith("GATE_RESULT"):
                a, o, r, x = (int(v) for v in line.split()[1:])
                answered, ok, redeemed, other = answered + a, ok + o, redeemed + r, other + x
            elif line.startswith("GATE_LATENCY"):
                p50, p95 = max(p50, float(line.split()[1])), max(p95, float(line.split()[2]))
    counted = json.loads(run_in(env, "--count-only").strip().splitlines()[-1])
    return {"label": label, "elapsed": elapsed, "answered": answered, "ok": ok,
            "redeemed": redeemed, "other": other, "p50": p50, "p95": p95, **counted,
            "tickets": tickets}


def report(r: dict[str, Any]) -> None:
    """Print one database's figures."""
    rate = r["answered"] / r["elapsed"] if r["elapsed"] else 0.0
    print(f"[{r['label']}] {r['answered']} scans in {r['elapsed']:.2f} s: {rate:.0f} scans/s "
          f"(goal ≥ 300); worst gate p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms")
    print(f"[{r['label']}] answers: ok {r['ok']}, already_redeemed {r['redeemed']}, other {r['other']} "
          f"(expected ok {r['tickets']}, already_redeemed {r['tickets'] * (GATES - 1)})")
    print(f"[{r['label']}] database: {r['admitted']} tickets admitted, {r['inside']} inside, "
          f"{r['scans']} scans recorded, double admissions: {r['doubles']} (goal 0)\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, scan, count, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4, help="per gate")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=1,
                        help="podium run's workers on PostgreSQL (SQLite always gets one)")
    parser.add_argument("--redis-url", default="",
                        help="Redis for several workers' live messages, e.g. redis://127.0.0.1:6379/15")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="give up on the scans after this many seconds")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tickets = max(1, min(args.tickets, MAX_TICKETS))
    if args.seed_only:
        print(json.dumps(asyncio.run(seed(tickets))))
        return 0
    if args.count_only:
        print(json.dumps(asyncio.run(count_admissions())))
        return 0
    connections = max(1, min(args.connections, 64))
    wrk = ensure_wrk()
    results = []
    with tempfile.TemporaryDirectory(prefix="podium-bench-gate-") as tmp_name:
        tmp = Path(tmp_name)
        if args.db in ("sqlite", "both"):
            results.append(bench_one("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tickets,
                                     connections, wrk, tmp, args.time_limit))
            report(results[-1])
        if args.db in ("postgres", "both"):
            pg_url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{PG_DATABASE}"
            if recreate_bench_database(pg_url):
                try:
                    label = "postgres" + (f" ×{args.workers}" if args.workers > 1 else "")
                    results.append(bench_one(label, pg_url, tickets,
                                             connections, wrk, tmp, args.time_limit,
                                             max(1, args.workers), args.redis_url))
                    report(results[-1])
                finally:
                    recreate_bench_database(pg_url, drop_only=True)
            else:
                print(f"[postgres] skipped: nothing answers at {args.pg_admin_url}")
    return 1 if any(r["doubles"] or r["other"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
