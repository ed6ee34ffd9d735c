"""HTTP throughput of the public pages, measured from outside with ApacheBench (``ab``).

For each database (SQLite, then PostgreSQL when a server answers) it seeds the demo venue
into a fresh database, starts the app with the production command (``podium run``), and
drives ``/healthz`` and the pages a crowd reads with ``ab`` (a compiled load generator:
it does not share the interpreter with the server and measures the server, not itself),
50 concurrent clients, ``--seconds`` per page. It prints req/s, p50/p99 latency, each
page's share of ``/healthz`` from the same run, and whether the goals are met:

* bracket fragment, screen body, tournament page: at least 50% of ``/healthz``;
* calendar week, home page: at least 30%.

With PostgreSQL and Redis it also compares ``podium run --workers 2`` with one worker on
the bracket fragment, alternately over ``--worker-rounds`` rounds (goal: at least 1.5x on
the means).

    .venv/bin/python bench/bench_http.py                 # 20 s per page, both databases
    .venv/bin/python bench/bench_http.py --seconds 3     # a quick run
    .venv/bin/python bench/bench_http.py --only sqlite --seconds 5

The Python client (bench_pages.py) is kept for what ``ab`` cannot measure (SSE fan-out).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import (  # noqa: E402  (a sibling script, not a package)
    bench_env,
    ensure_ab,
    free_port,
    podium_command,
    prepare_database,
    recreate_bench_database,
    stop_server,
    wait_until_up,
)

PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_http"
REDIS_URL = "redis://127.0.0.1:6379/8"
CONCURRENCY = 50

#: (label, path, goal as a share of /healthz)
PAGES: list[tuple[str, str, float]] = [
    ("bracket fragment", "/tournaments/1/bracket", 0.50),
    ("screen body", "/tournaments/1/screen/body", 0.50),
    ("tournament page", "/tournaments/1", 0.50),
    ("calendar week", "/calendar", 0.30),
    ("home", "/", 0.30),
]


@dataclass
class AbResult:
    """What ``ab`` printed for one path."""

    path: str
    rps: float
    p50: float
    p99: float
    complete: int
    non_2xx: int
    failed: int
    #: /healthz req/s measured around this page (its share is taken against it)
    health_rps: float = 0.0

    def line(self, label: str) -> str:
        """A printable row."""
        bad = f"  NON-2XX {self.non_2xx}" if self.non_2xx else ""
        bad += f"  FAILED {self.failed}" if self.failed else ""
        return (f"{label:<18} {self.path:<30} {self.rps:8.0f} req/s   p50 {self.p50:5.0f} ms"
                f"   p99 {self.p99:5.0f} ms   ({self.complete} requests){bad}")


def parse_ab(path: str, output: str) -> AbResult:
    """Read req/s, percentiles and failures out of ``ab``'s report."""
    def number(pattern: str, default: float = 0.0) -> float:
        found = re.search(pattern, output, re.MULTILINE)
        return float(found.group(1)) if found else default

    return AbResult(
        path=path,
        rps=number(r"^Requests per second:\s+([\d.]+)"),
        p50=number(r"^\s+50%\s+(\d+)"),
        p99=number(r"^\s+99%\s+(\d+)"),
        complete=int(number(r"^Complete requests:\s+(\d+)")),
        non_2xx=int(number(r"^Non-2xx responses:\s+(\d+)")),
        # Length "failures" are not failures: pages carry a per-visitor CSRF token (-l).
        failed=int(number(r"^Failed requests:\s+(\d+)")),
    )


def run_ab(ab: str, url: str, path: str, seconds: float, concurrency: int = CONCURRENCY) -> AbResult:
    """``ab`` on ``url + path`` for ``seconds`` with ``concurrency`` clients (a short
    warm-up first, not counted)."""
    subprocess.run([ab, "-q", "-n", "200", "-c", "10", "-l", url + path],
                   capture_output=True, text=True, timeout=120)
    done = subprocess.run(
        [ab, "-q", "-l", "-s", "30", "-t", str(seconds), "-n", "10000000",
         "-c", str(concurrency), url + path],
        capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0 and "Requests per second" not in done.stdout:
        raise SystemExit(f"ab failed on {path}:\n{done.stdout}\n{done.stderr}")
    return parse_ab(path, done.stdout)


def start(env: dict[str, str], port: int, log_path: Path, workers: int) -> subprocess.Popen:
    """The production command line: ``podium run --workers N --no-migrate
    --no-access-log``."""
    log = open(log_path, "w")
    return subprocess.Popen(
        podium_command() + ["run", "--host", "127.0.0.1", "--port", str(port), "--workers",
                            str(workers), "--no-migrate", "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT)


def measure(ab: str, env: dict[str, str], tmp: str, seconds: float, workers: int,
            paths: list[str]) -> dict[str, AbResult]:
    """Start a server, ``ab`` each path, stop it. ``/healthz`` is measured before every
    page and once at the end; each page's share is taken against the mean of the two
    ``/healthz`` runs around it (on a shared machine the load changes from one minute to
    the next); the ``/healthz`` row is the mean of all its runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = Path(tmp) / f"server-{port}.log"
    process = start(env, port, log_path, workers)
    try:
        wait_until_up(url, process, log_path)
        pages = [p for p in paths if p != "/healthz"]
        if len(pages) == len(paths):  # no /healthz asked: just the pages
            return {path: run_ab(ab, url, path, seconds) for path in paths}
        health = [run_ab(ab, url, "/healthz", seconds)]
        results: dict[str, AbResult] = {}
        for path in pages:
            results[path] = run_ab(ab, url, path, seconds)
            health.append(run_ab(ab, url, "/healthz", seconds))
            around = (health[-2].rps + health[-1].rps) / 2
            results[path].health_rps = around
        results["/healthz"] = AbResult(
            "/healthz", sum(h.rps for h in health) / len(health),
            sorted(h.p50 for h in health)[len(health) // 2],
            max(h.p99 for h in health), sum(h.complete for h in health),
            sum(h.non_2xx for h in health), sum(h.failed for h in health))
        return results
    finally:
        stop_server(process)


def report(title: str, results: dict[str, AbResult]) -> bool:
    """Print one database's table and goals; True when every goal is met."""
    health = results["/healthz"]
    print(f"\n== {title}")
    print(health.line("/healthz"))
    ok = True
    for label, path, _goal in PAGES:
        print(results[path].line(label))
    print()
    for label, path, goal in PAGES:
        around = results[path].health_rps or health.rps
        share = results[path].rps / around if around else 0.0
        met = share >= goal and not results[path].non_2xx
        ok &= met
        print(f"{label:<18} {share:6.0%} of /healthz ({around:.0f} req/s around it)   "
              f"goal >= {goal:.0%}   {'met' if met else 'NOT MET'}")
    return ok


def compare_workers(ab: str, env: dict[str, str], tmp: str, seconds: float, rounds: int) -> bool:
    """``podium run --workers 2`` against one worker on the bracket fragment, ``rounds``
    times alternately (one run swings by 20% on a two-core machine where ``ab`` shares
    the cores); the ratio is taken on the means. ``/healthz`` too: what two workers can
    gain at all on this machine, where ``ab`` and the kernel's connection handling share
    the same cores. True when the goal (1.5x) is met."""
    bracket = PAGES[0][1]
    one: list[dict[str, AbResult]] = []
    two: list[dict[str, AbResult]] = []
    print(f"\n== PostgreSQL + Redis, bracket fragment: 1 worker vs 2 workers, "
          f"{rounds} rounds", flush=True)
    for number in range(1, rounds + 1):
        one.append(measure(ab, env, tmp, seconds, 1, [bracket, "/healthz"]))
        two.append(measure(ab, env, tmp, seconds, 2, [bracket, "/healthz"]))
        print(one[-1][bracket].line(f"{number}: 1 worker"))
        print(two[-1][bracket].line(f"{number}: 2 workers"))
        print(one[-1]["/healthz"].line(f"{number}: /healthz, 1"))
        print(two[-1]["/healthz"].line(f"{number}: /healthz, 2"), flush=True)

    def mean(runs: list[dict[str, AbResult]], path: str) -> float:
        return sum(r[path].rps for r in runs) / len(runs)

    ratio = mean(two, bracket) / mean(one, bracket) if mean(one, bracket) else 0.0
    ceiling = mean(two, "/healthz") / mean(one, "/healthz") if mean(one, "/healthz") else 0.0
    met = ratio >= 1.5
    print(f"2 workers / 1 worker (means of {rounds} rounds): {ratio:.2f}x   goal >= 1.5x   "
          f"{'met' if met else 'NOT MET'}   (/healthz: {ceiling:.2f}x, the machine's ceiling "
          "for this client)")
    return met


def redis_answers(url: str) -> bool:
    """True when a Redis server answers ``PING`` at ``url``."""
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="seconds of load per page (default 20; 3 for a quick run)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None,
                        help="one database only")
    parser.add_argument("--pg-url", default=PG_URL,
                        help=f"PostgreSQL database to recreate (name must start with 'bench'; "
                             f"default {PG_URL})")
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"Redis for the PostgreSQL runs (default {REDIS_URL})")
    parser.add_argument("--no-workers", action="store_true",
                        help="skip the 2-workers vs 1-worker comparison")
    parser.add_argument("--worker-rounds", type=int, default=3, choices=range(1, 11),
                        metavar="N", help="rounds of the workers comparison (default 3)")
    args = parser.parse_args(argv)
    seconds = max(1.0, min(args.seconds, 600.0))
    ab = ensure_ab()
    paths = ["/healthz", *(p for _l, p, _g in PAGES)]
    load = os.getloadavg()[0]
    print(f"ab, {CONCURRENCY} concurrent clients, {seconds:g} s per page, keep-alive off; "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="podium-bench-http-") as tmp:
        if args.only in (None, "sqlite"):
            env = bench_env(f"sqlite:///{tmp}/bench.sqlite3", None)
            print("seeding the demo venue (SQLite) ...", flush=True)
            prepare_database(env)
            all_ok &= report("SQLite, 1 worker, in-memory channels",
                             measure(ab, env, tmp, seconds, 1, paths))
        if args.only in (None, "postgres"):
            if not recreate_bench_database(args.pg_url):
                print(f"\n== PostgreSQL: no server at {args.pg_url}; skipped")
                return 0 if all_ok else 1
            redis_url = args.redis_url if redis_answers(args.redis_url) else None
            env = bench_env(args.pg_url, redis_url)
            print("\nseeding the demo venue (PostgreSQL) ...", flush=True)
            try:
                prepare_database(env)
                if redis_url:
                    import redis

                    redis.Redis.from_url(redis_url).flushdb()
                all_ok &= report(f"PostgreSQL, 1 worker, {'Redis' if redis_url else 'no Redis'}",
                                 measure(ab, env, tmp, seconds, 1, paths))
                if redis_url and not args.no_workers:
                    all_ok &= compare_workers(ab, env, tmp, seconds, args.worker_rounds)
                elif not redis_url:
                    print(f"\n(no Redis at {args.redis_url}: the workers comparison is skipped)")
            finally:
                recreate_bench_database(args.pg_url, drop_only=True)
    print("\nall goals met" if all_ok else "\nsome goals NOT met (see above; a loaded machine "
          "lowers pages more than /healthz)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
