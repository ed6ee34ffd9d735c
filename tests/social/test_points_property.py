"""Hypothesis over the whole engine: any sequence of follow/unfollow/like/unlike with
replays (the same idempotency key again) and repeated deliveries gives the points of
recomputing from the facts, and those of an independent model."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import HealthCheck, given, settings, strategies as st

from podium.core.testing import plugin_host
from podium.social import points
from podium.social.actions import FOLLOW, LIKE, UNFOLLOW, UNLIKE, actions_of, record
from podium.social.tables import BoardScore, ScoreBucket
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row

ops = st.lists(st.tuples(st.sampled_from([FOLLOW, UNFOLLOW, LIKE, UNLIKE]),
                         st.integers(0, 2),        # which target
                         st.integers(0, 3),        # replay an earlier key (0: a new key)
                         st.booleans()),           # deliver the event twice
               max_size=25)


def model(steps: list[tuple[str, str]]) -> int:
    """1 point per relation started once and never ended (a re-start earns nothing)."""
    on: dict[tuple[str, str], bool] = {}
    ended: set[tuple[str, str]] = set()
    for kind, target in steps:
        rel = (FOLLOW if kind in (FOLLOW, UNFOLLOW) else LIKE, target)
        if kind in (FOLLOW, LIKE):
            on[rel] = True
        elif on.get(rel):
            on[rel] = False
            ended.add(rel)
    return sum(1 for rel, active in on.items() if active and rel not in ended)


async def test_any_sequence_gives_the_points_of_the_facts(podium_db) -> None:
    points.bind_host(plugin_host(["social", "olympic_hub"]))
    athletes = [await athlete_row(f"rider{i}") for i in range(2)]
    targets = [f"athlete:{athletes[0]['id']}", f"athlete:{athletes[1]['id']}", "post:7"]
    loop = asyncio.get_running_loop()
    fans = itertools.count()

    async def run(sequence) -> None:
        fan = await quick_user(f"prop{next(fans)}")
        keys: list[tuple[str, str, str]] = []  # (key, kind, target) sent so far
        facts: list[tuple[str, str]] = []
        for kind, which, replay, twice in sequence:
            target = targets[which]
            if kind in (FOLLOW, UNFOLLOW) and target.startswith("post:"):
                target = targets[0]
            if replay and replay <= len(keys):
                key, kind, target = keys[-replay]  # the same request again
            else:
                key = f"p{fan.id}-{len(keys)}"
                keys.append((key, kind, target))
            done = await record(fan.id, kind, target, key=key)
            if done.changed:
                facts.append((kind, target))
            if done.action is not None:
                for _ in range(2 if twice else 1):
                    await points.on_fan_actions_recorded([done.action], None)
        mine = await points.standing(fan.id)
        assert mine.points_all_time == model(facts)
        # the rules over the stored facts agree, and a recompute changes nothing
        rules = await points.rules_for(points.bound_host(), None)
        entries = points.entries_for(await actions_of(fan.id), rules)
        assert sum(e.points for e in entries) == mine.points_all_time
        again = await points.recompute(fan.id)
        assert again.awards == [] and again.boards == {}
        counted: dict[str, int] = {}
        for r in await BoardScore.select(BoardScore.board, BoardScore.points):
            counted[f"{r['board']}|{r['points']}"] = counted.get(f"{r['board']}|{r['points']}", 0) + 1
        assert counted == {r["slot"]: r["fans"] for r in await ScoreBucket.select() if r["fans"]}

    # Hypothesis drives the examples from a worker thread; each runs on this test's loop
    # (the database pool belongs to it).
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ops)
    def check(sequence) -> None:
        asyncio.run_coroutine_threadsafe(run(sequence), loop).result()

    await asyncio.to_thread(check)
