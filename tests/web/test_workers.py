"""Several workers on PostgreSQL and Redis: real ``podium run`` processes.

Two server processes share the test database and Redis, as the workers of
``podium run --workers 2`` do (separate ports here, so the test chooses which worker a
request reaches). A result reported through worker A must reach a screen connected to
worker B over SSE, and the pages worker B caches must change after a write through
worker A (the page cache's versions live in Redis). Skipped without PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from podium.core.testing import free_port
from podium.core.venue import rules
from podium.tests.core.test_venue_support import base_day, bearer_for, event_body, quick_user, seed_venue
from podium.tests.tournaments.support import create, field_of, matches, organiser, participants, win_games

REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "").strip()
PG = os.environ.get("PODIUM_TEST_DATABASE_URL", "").startswith("postgres")
needs_pg_and_redis = pytest.mark.skipif(
    not (PG and REDIS_URL),
    reason="several workers need PostgreSQL and Redis: set PODIUM_TEST_DATABASE_URL "
    "(postgresql://...) and PODIUM_TEST_REDIS_URL",
)
# Upper bound for waiting; a healthy run needs well under a second (the bench measures).
WAIT = 15.0


def podium_cli() -> list[str]:
    """The ``podium`` command of this environment."""
    script = Path(sys.executable).with_name("podium")
    return [str(script)] if script.exists() else [sys.executable, "-m", "podium.web.cli"]


@contextlib.contextmanager
def podium_run(*extra: str) -> Iterator[str]:
    """``podium run --no-migrate`` in a subprocess on a free port; yields its URL."""
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="podium-worker-")) / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*podium_cli(), "run", "--host", "127.0.0.1", "--port", str(port), "--no-migrate",
             "--no-access-log", *extra],
            env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"podium run did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds (fail after :data:`WAIT` seconds)."""
    deadline = time.monotonic() + WAIT
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def sse_events(url: str, topic: str) -> AsyncIterator[asyncio.Queue[str]]:
    """Connect to ``/-/events?topics=<topic>``; yields a queue of the event names received."""
    names: asyncio.Queue[str] = asyncio.Queue()
    connected = asyncio.Event()

    async def read() -> None:
        async with httpx.AsyncClient(timeout=None) as client, client.stream(
                "GET", f"{url}/-/events", params={"topics": topic}) as response:
            assert response.status_code == 200
            connected.set()
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    await names.put(line.partition(":")[2].strip())

    task = asyncio.create_task(read())
    try:
        async with asyncio.timeout(WAIT):
            await connected.wait()
        yield names
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _report_one(client: httpx.AsyncClient, org: dict[str, str], tid: int) -> None:
    ready = [m for m in await matches(client, tid, status="ready")
             if all(s.get("entrant_id") for s in m["slots"])]
    m = ready[0]
    winner = participants(m)[0]
    r = await client.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                          json={"winner_id": winner, "games": win_games(m, winner)})
    assert r.status_code == 200, r.text


@needs_pg_and_redis
async def test_result_through_one_worker_reaches_the_other(podium_db):
    """A result reported through worker A: worker B's SSE screens hear of it, and worker
    B's cached bracket, screen body and tournament page change."""
    org = await organiser()
    with podium_run() as url_a, podium_run() as url_b:
        async with httpx.AsyncClient(base_url=url_a, timeout=30) as a, \
                httpx.AsyncClient(base_url=url_b, timeout=30) as b:
            t = await create(a, org, "single_elimination")
            await field_of(a, org, t["id"], 8)
            urls = [f"/tournaments/{t['id']}/bracket", f"/tournaments/{t['id']}/screen/body",
                    f"/tournaments/{t['id']}"]
            bracket_changed = f"bracket-{t['id']}"

            async def heard(names: asyncio.Queue[str]) -> None:
                async with asyncio.timeout(WAIT):
                    while await names.get() != bracket_changed:
                        pass

            async with sse_events(url_b, f"tournament-{t['id']}") as names:
                r = await a.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
                assert r.status_code == 200, r.text
                await heard(names)  # the start delivered: what B caches now is current
            before = {u: (await b.get(u)).text for u in urls}
            for u in urls:  # served from B's cache now
                assert (await b.get(u)).text == before[u]
            async with sse_events(url_b, f"tournament-{t['id']}") as names:
                await _report_one(a, org, t["id"])
                await heard(names)
                # The screen re-fetches on that message, from whichever worker: new pages.
                for u in urls:
                    after = await b.get(u)
                    assert after.status_code == 200 and after.text != before[u], u


@needs_pg_and_redis
async def test_calendar_cached_by_one_worker_changes_after_a_write_through_the_other(podium_db):
    """Worker B caches the week calendar and the home page; an event created through
    worker A appears on them (the versions are shared in Redis)."""
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    week = rules.iso_week_of(base_day())
    with podium_run() as url_a, podium_run() as url_b:
        async with httpx.AsyncClient(base_url=url_a, timeout=30) as a, \
                httpx.AsyncClient(base_url=url_b, timeout=30) as b:
            for path in (f"/calendar?week={week}", "/"):
                for _ in range(2):  # cached now
                    page = await b.get(path)
                    assert page.status_code == 200 and "Keirin night" not in page.text
            r = await a.post("/api/v1/events", headers=org,
                             json=event_body([ids["track"]], title="Keirin night"))
            assert r.status_code == 201, r.text

            async def shown() -> bool:
                pages = [await b.get(f"/calendar?week={week}"), await b.get("/")]
                return all("Keirin night" in p.text for p in pages)

            await eventually(shown, "worker B shows the event created through worker A")


@needs_pg_and_redis
async def test_podium_run_with_two_workers_serves(podium_db):
    """The production command line: ``podium run --workers 2`` on PostgreSQL and Redis."""
    with podium_run("--workers", "2") as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for _ in range(20):
                assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/calendar")).status_code == 200


def test_several_workers_without_redis_are_refused(monkeypatch):
    """Without Redis a second worker would never hear of the first one's live messages."""
    from podium.web.cli import main

    monkeypatch.delenv("PODIUM_REDIS_URL", raising=False)
    result = CliRunner().invoke(main, ["run", "--workers", "2", "--no-migrate"])
    assert result.exit_code != 0 and "PODIUM_REDIS_URL" in result.output
