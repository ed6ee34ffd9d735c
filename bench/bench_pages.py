"""Requests per second of the week calendar page and of ``/healthz``, in the same run.

Serves the real app with uvicorn (one worker, a subprocess) on a temporary SQLite database
seeded with ``podium demo``, then drives it from this process with a bounded number of
concurrent httpx requests over loopback. Prints one line per path and the ratio
``/healthz`` ÷ page: how much of the page's cost is the page itself rather than the HTTP
stack. See bench/README.md.

    .venv/bin/python bench/bench_pages.py [--requests 2000] [--concurrency 16]
                                          [--path /calendar] [--path /]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

MAX_REQUESTS = 20_000
MAX_CONCURRENCY = 64
START_TIMEOUT = 60.0


@dataclass
class Result:
    """The figures of one path."""

    path: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    bad_statuses: dict[int, int]

    @property
    def rps(self) -> float:
        """Requests per second over the whole run of this path."""
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        """A printable summary."""
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat)
        p95 = lat[int(len(lat) * 0.95) - 1]
        bad = f"  NON-200: {self.bad_statuses}" if self.bad_statuses else ""
        return (f"{self.path:<12} {self.rps:8.0f} req/s   p50 {p50:6.1f} ms   "
                f"p95 {p95:6.1f} ms   ({self.requests} requests in {self.seconds:.1f} s){bad}")


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def podium_command() -> list[str]:
    """The ``podium`` CLI of this interpreter's environment."""
    script = Path(sys.executable).with_name("podium")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from podium.web.cli import cli_entry; cli_entry()"]


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and seed the demo venue into the temporary database."""
    for args in (["migrate"], ["demo"]):
        done = subprocess.run(podium_command() + args, env=env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"podium {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def start_server(env: dict[str, str], port: int, log_path: Path,
                 *extra: str) -> subprocess.Popen:
    """uvicorn with one worker, access log off (it would dominate a trivial route);
    ``extra`` arguments go to uvicorn."""
    log = open(log_path, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "podium.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
         *extra],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def bench_env(database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """A bench server's environment: nothing of the caller's PODIUM_* leaks in; fixed
    secrets, no log-in limit, and no cap on live streams per client (every simulated
    screen comes from this one address)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
    env.update({
        "PODIUM_DATABASE_URL": database_url,
        "PODIUM_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "PODIUM_ADMIN_PASSWORD": "bench-admin-password",
        "PODIUM_LOGIN_RATE": "100000",
        "PODIUM_SSE_STREAMS_PER_CLIENT": "100000",
        "PICCOLO_CONF": "podium.web.piccolo_conf",
    })
    if redis_url:
        env["PODIUM_REDIS_URL"] = redis_url
    return env


def stop_server(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started here: politely, then for good."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def migrate_and_seed(env: dict[str, str], script: str, *seed_args: str) -> dict[str, Any]:
    """``podium migrate`` the bench database, then run ``script --seed-only *seed_args``
    in its environment; returns the JSON object the seeding printed last."""
    done = subprocess.run(podium_command() + ["migrate"], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"podium migrate failed:\n{done.stdout}\n{done.stderr}")
    done = subprocess.run([sys.executable, script, "--seed-only", *seed_args], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"seeding failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def ensure_ab() -> str:
    """The ``ab`` binary (ApacheBench), installed from Debian's ``apache2-utils`` if missing,
    as ``.ci/run`` installs Chromium."""
    found = shutil.which("ab")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing ab (apache2-utils) ...", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "apache2-utils"], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    found = shutil.which("ab")
    if not found:
        raise SystemExit("ab is still missing after installing apache2-utils")
    return found


#: A bench only ever drops a database whose name says it is a bench's.
BENCH_DATABASE_NAME = re.compile(r"(podium_)?bench[a-z0-9_]*")


def recreate_bench_database(url: str, *, drop_only: bool = False) -> bool:
    """Drop the PostgreSQL database ``url`` names and create it empty (or, with
    ``drop_only``, just drop it); False when no server answers. Refuses a database whose
    name does not start with ``bench`` (never the suite's or the app's)."""
    base, _, name = url.rpartition("/")
    if not BENCH_DATABASE_NAME.fullmatch(name):
        raise SystemExit(f"refusing to recreate PostgreSQL database {name!r}: a bench only "
                         "uses a database whose name starts with 'bench'")

    async def run() -> bool:
        import asyncpg

        try:
            conn = await asyncpg.connect(f"{base}/postgres", timeout=3)
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
            return False
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return True

    return asyncio.run(run())


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    """Poll ``/healthz`` until the server answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not start in {START_TIMEOUT:.0f} s:\n{log_path.read_text()}")


async def drive(client: httpx.AsyncClient, path: str, requests: int, concurrency: int) -> Result:
    """Send ``requests`` GETs to ``path`` from ``concurrency`` workers."""
    remaining = requests
    latencies: list[float] = []
    bad: dict[int, int] = {}

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await client.get(path)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                bad[response.status_code] = bad.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(path, requests, time.perf_counter() - started, latencies, bad)


async def bench(url: str, paths: list[str], requests: int, concurrency: int,
                time_limit: float) -> list[Result]:
    """Warm each path up, then measure it; ``/healthz`` is always measured too."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for path in [*paths, "/healthz"]:
            await drive(client, path, min(200, requests), concurrency)  # warm-up
            results.append(await asyncio.wait_for(drive(client, path, requests, concurrency),
                                                  timeout=time_limit))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per path (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--path", action="append", dest="paths",
                        help="page to measure besides /healthz (repeatable; default /calendar)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="give up on a path after this many seconds (default 120)")
    args = parser.parse_args(argv)
    requests = max(1, min(args.requests, MAX_REQUESTS))
    concurrency = max(1, min(args.concurrency, MAX_CONCURRENCY))
    paths = args.paths or ["/calendar"]

    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        env = bench_env(f"sqlite:///{tmp}/bench.sqlite3")
        print(f"seeding the demo venue in {tmp} ...", flush=True)
        prepare_database(env)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        process = start_server(env, port, log_path)
        try:
            wait_until_up(url, process, log_path)
            print(f"uvicorn, 1 worker, SQLite; {requests} requests per path, "
                  f"{concurrency} concurrent, client in this process\n", flush=True)
            results = asyncio.run(bench(url, paths, requests, concurrency, args.time_limit))
        finally:
            stop_server(process)

    for result in results:
        print(result.line())
    health = results[-1]
    print()
    for result in results[:-1]:
        ratio = health.rps / result.rps if result.rps else float("inf")
        print(f"ratio /healthz ÷ {result.path}: {ratio:.1f}x")
    failed = any(r.bad_statuses for r in results)
    if failed:
        print("some requests did not answer 200: the figures are not comparable", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
