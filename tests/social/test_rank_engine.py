"""Hypothesis over the engine and the SQL rank: after any history of follows, unfollows,
likes and unlikes at spread-out times (the same second, minutes, days, weeks apart), with
fans opting out and back in and admins and athletes acting too, every fan's rank on every
board, from the rank buckets the engine maintains move by move, equals a brute-force sort
of what the facts give; and the maintained buckets equal a recount from the board rows."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from podium.core.testing import plugin_host
from podium.social import leaderboard, points
from podium.social.actions import FOLLOW, LIKE, UNFOLLOW, UNLIKE, actions_of, record
from podium.social.tables import (
    BoardScore,
    FanAction,
    FanRelation,
    FanScore,
    PointsEntry,
    RankBucket,
    ScoreBucket,
)
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row

BASE = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)
OFFSETS = [0, 0, 1, 30, 255, 256, 3600, 86_400 + 7, 6 * 86_400, 9 * 86_400, 40 * 86_400]
steps = st.lists(st.tuples(
    st.integers(0, 6),                                        # which fan (5: admin, 6: athlete)
    st.sampled_from([FOLLOW, FOLLOW, LIKE, LIKE, UNFOLLOW, UNLIKE, "opt_out", "opt_in"]),
    st.integers(0, 2),                                        # which target
    st.sampled_from(OFFSETS)), min_size=1, max_size=30)


async def _wipe() -> None:
    for table in (FanAction, FanRelation, PointsEntry, FanScore, BoardScore, ScoreBucket, RankBucket):
        await table.delete(force=True)


async def _buckets() -> dict[str, int]:
    return {r["slot"]: r["fans"] for r in await RankBucket.select(RankBucket.slot, RankBucket.fans)
            if r["fans"]}


async def test_ranks_from_maintained_buckets_equal_a_sort_of_the_facts(podium_db) -> None:
    points.bind_host(plugin_host(["social", "olympic_hub"]))
    athletes = [await athlete_row("rider0", discipline="keirin"),
                await athlete_row("rider1", discipline="esport:chess", kind="esport")]
    targets = [f"athlete:{athletes[0]['id']}", f"athlete:{athletes[1]['id']}", "post:7"]
    fans = [(await quick_user(f"rankfan{i}")).id for i in range(5)]
    fans += [(await quick_user("rankadmin", "admin")).id, (await quick_user("rankathlete", "athlete")).id]
    loop = asyncio.get_running_loop()
    sent = iter(range(10**9))

    async def run(history) -> None:
        await _wipe()
        opted: set[int] = set()
        for which, kind, target_no, offset in history:
            fan = fans[which]
            if kind in ("opt_out", "opt_in"):
                await points.set_opted_out(fan, kind == "opt_out")
                opted.discard(fan) if kind == "opt_in" else opted.add(fan)
                continue
            target = targets[target_no]
            if kind in (FOLLOW, UNFOLLOW) and target.startswith("post:"):
                target = targets[0]
            done = await record(fan, kind, target, key=f"rank-{next(sent)}",
                                at=BASE + timedelta(seconds=offset))
            if done.action is not None:
                await points.on_fan_actions_recorded([done.action], None)
        # the brute force: each fan's boards from the facts, then a plain sort per board
        rules = await points.rules_for(points.bound_host(), None)
        expected: dict[str, list[tuple[int, int, int]]] = {}
        for fan in fans:
            if fan in opted or fan in fans[5:]:
                continue
            entries = points.entries_for(await actions_of(fan), rules)
            athlete_of = await points.athletes_of_targets({e.target for e in entries})
            disciplines = {a["id"]: a["discipline"] for a in athletes}
            for board, (p, r) in points.boards_for(entries, athlete_of.get, disciplines).items():
                expected.setdefault(board, []).append((p, r, fan))
        stored = {r["board"] for r in await BoardScore.select(BoardScore.board)}
        assert stored == set(expected)
        for board, rows in expected.items():
            ordered = sorted(rows, key=lambda row: leaderboard.order_key(*row))
            want = {fan: i + 1 for i, (_p, _r, fan) in enumerate(ordered)}
            for fan in fans:
                assert await leaderboard.sql_rank(board, fan) == want.get(fan), (board, fan)
        maintained = await _buckets()
        await points.recount_buckets()
        assert maintained == await _buckets()

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(steps)
    def check(history) -> None:
        asyncio.run_coroutine_threadsafe(run(history), loop).result()

    await asyncio.to_thread(check)
