"""Recomputes of one fan at once never drift the score buckets (each holds the fan's row
lock: ``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE`` on PostgreSQL, and re-reads inside);
without the lock they do (the negative control).

The storm: one fan, many separate clients switching the fan's leaderboard opt-out on and
off at once through the API; every switch recomputes the fan's boards and moves the
bucket counts of each.
"""

from __future__ import annotations

import asyncio

import httpx

from podium.social import points
from podium.social.actions import FOLLOW, record
from podium.social.tables import BoardScore, ScoreBucket
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.social.support import athlete_row

CLIENTS = 24
ROUNDS = 3
ATHLETES = 4


async def _buckets() -> tuple[dict[str, int], dict[str, int]]:
    """(fans per board and score counted from the board rows, the stored buckets)."""
    counted: dict[str, int] = {}
    for r in await BoardScore.select(BoardScore.board, BoardScore.points):
        slot = f"{r['board']}|{r['points']}"
        counted[slot] = counted.get(slot, 0) + 1
    stored = {r["slot"]: r["fans"] for r in await ScoreBucket.select() if r["fans"]}
    return counted, stored


async def _storms(app, client_factory, *, stop_when_raced: bool, rounds_at_most: int = ROUNDS) -> list[tuple[bool, list[int], bool, int]]:
    """Run up to ROUNDS storms; per round: (buckets exact, status codes, opted out, board
    rows)."""
    athletes = [await athlete_row(f"rider{i}") for i in range(ATHLETES)]
    fan = await quick_user("fan1")
    for a in athletes:
        await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    first = await client_factory(app)  # starts the app (one lifespan, one dispatcher)
    await first.settle()
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000 + i)),  # type: ignore[arg-type]
                                 base_url="http://testserver.local") for i in range(CLIENTS)]
    headers = await bearer_for(fan)
    rounds = []
    for _ in range(rounds_at_most):
        responses = await asyncio.gather(*[
            c.post("/api/v1/hub/me/leaderboards", json={"opted_out": i % 2 == 0},
                          headers=headers) for i, c in enumerate(clients)])
        counted, stored = await _buckets()
        rounds.append((counted == stored, [r.status_code for r in responses],
                       (await points.standing(fan.id)).opted_out, await BoardScore.count()))
        if stop_when_raced and (counted != stored or any(r.status_code != 200 for r in responses)):
            break
    for c in clients:
        await c.aclose()
    return rounds


async def test_concurrent_recomputes_keep_buckets_exact(podium_app, podium_client_factory) -> None:
    for exact, codes, opted_out, boards in await _storms(podium_app, podium_client_factory,
                                                         stop_when_raced=False):
        assert codes == [200] * CLIENTS
        assert exact
        # all, season, week, discipline:keirin and one board per athlete followed
        assert boards == (0 if opted_out else 3 + 1 + ATHLETES)


async def test_without_the_lock_the_buckets_drift(podium_app, podium_client_factory, monkeypatch) -> None:
    monkeypatch.setattr(points, "LOCKING", False)
    # Up to 10 storms, stopping at the first that shows the race (usually the first).
    rounds = await _storms(podium_app, podium_client_factory, stop_when_raced=True,
                           rounds_at_most=10)
    # Unlocked, two recomputes read the same old rows: the buckets drift, or the second
    # insert of a board row breaks its unique key (a 500 the lock prevents).
    raced = any(not exact or any(code != 200 for code in codes) for exact, codes, _o, _b in rounds)
    assert raced, "the negative control did not race: the test proves nothing"
