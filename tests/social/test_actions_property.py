"""Property: whatever sequence of follows, unfollows, likes, unlikes and replays arrives
(one at a time or in batches), the relations equal a replay of the recorded facts, and
every recorded relation fact changed the state (no churn is recorded)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.social import actions
from podium.social.actions import FOLLOW, LIKE, RELATION_OF, UNFOLLOW, UNLIKE, NewAction
from podium.social.tables import FanRelation
from podium.tests.social.support import athlete_row

pytestmark = pytest.mark.usefixtures("podium_db")

_EXAMPLE = itertools.count(1)
FANS = 2

steps = st.lists(
    st.tuples(
        st.integers(0, FANS - 1),                       # which fan
        st.sampled_from([FOLLOW, UNFOLLOW, LIKE, UNLIKE]),
        st.integers(0, 1),                              # which athlete / post
        st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),  # idempotency key
        st.integers(1, 3),                              # batch this step ends (1: alone)
    ),
    max_size=14,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps)
async def test_relations_equal_a_replay_of_the_facts(sequence):
    # Each example gets fresh fans (the database is not wiped between examples).
    n = next(_EXAMPLE)
    riders = [await athlete_row(f"p{n}r{i}") for i in range(2)]
    fan_ids = [10_000 + n * FANS + i for i in range(FANS)]
    batch: list[NewAction] = []
    for fan, kind, which, key, batch_end in sequence:
        target = f"athlete:{riders[which]['id']}" if kind in (FOLLOW, UNFOLLOW) else f"post:{which}"
        batch.append(NewAction(fan_ids[fan], kind, target,
                               key=None if key is None else f"{n}-{key}"))
        if batch_end == 1 or len(batch) >= batch_end:
            await actions.record_many(batch)
            batch = []
    await actions.record_many(batch)

    facts = [f for fan in fan_ids for f in await actions.actions_of(fan)]
    facts.sort(key=lambda f: f.action_id)
    expected = {k: v for k, v in actions.replay_relations(facts).items() if v}
    rows = await FanRelation.select().where(FanRelation.fan.is_in(fan_ids))
    assert {(r["fan"], r["kind"], r["target"]): True for r in rows if r["active"]} == expected
    # Every relation fact flipped its relation: a no-op is never recorded.
    state: dict[tuple[int, str, str], bool] = {}
    for fact in facts:
        relation, on = RELATION_OF[fact.kind]
        key = (fact.fan_id, relation, fact.target)
        assert state.get(key, False) != on, f"{fact} recorded while already {on}"
        state[key] = on
