"""The ledger of fan actions: what counts once, the relations derived from the facts, the
outbox event, the queries."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from podium.core.errors import InvalidInput, NotFound
from podium.core.events import FanActionsRecorded, decode
from podium.core.outbox.tables import OutboxEvent
from podium.social import actions
from podium.social.actions import (
    FOLLOW,
    LIKE,
    PREDICT,
    UNFOLLOW,
    UNLIKE,
    WATCH,
    NewAction,
)
from podium.social.tables import FanAction, FanRelation
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row

pytestmark = pytest.mark.usefixtures("podium_db")


async def _recorded_events() -> list[FanActionsRecorded]:
    rows = await OutboxEvent.select().order_by(OutboxEvent.id)
    return [e for r in rows if r["type"] == "FanActionsRecorded"
            for e in [decode(r["type"], r["payload"])] if isinstance(e, FanActionsRecorded)]


async def test_follow_unfollow_follow_records_three_facts_and_ends_following():
    fan = await quick_user("fan1")
    athlete = await athlete_row("rider1")
    target = f"athlete:{athlete['id']}"
    first = await actions.record(fan.id, FOLLOW, target)
    assert first.changed and not first.replay and first.active is True
    assert first.action is not None and first.action.target == target
    again = await actions.record(fan.id, FOLLOW, target)  # a double click
    assert not again.changed and not again.replay and again.action is None and again.active
    assert (await actions.record(fan.id, UNFOLLOW, target)).active is False
    assert not (await actions.record(fan.id, UNFOLLOW, target)).changed
    assert (await actions.record(fan.id, FOLLOW, target)).changed
    ledger = await actions.actions_of(fan.id)
    assert [a.kind for a in ledger] == [FOLLOW, UNFOLLOW, FOLLOW]
    assert len({a.idempotency_key for a in ledger}) == 3
    assert await actions.is_active(fan.id, FOLLOW, target)
    assert await actions.active_targets(fan.id, FOLLOW) == {target}
    assert await actions.followers_of(athlete["id"]) == [fan.id]
    assert (await actions.counts([target, "athlete:999"])) == {
        target: {FOLLOW: 1, LIKE: 0}, "athlete:999": {FOLLOW: 0, LIKE: 0}}
    events = await _recorded_events()
    assert [len(e.actions) for e in events] == [1, 1, 1]


async def test_the_same_key_twice_records_once_and_returns_the_original():
    fan = await quick_user("fan2")
    first = await actions.record(fan.id, WATCH, "video:3", key="k-1")
    replay = await actions.record(fan.id, WATCH, "video:3", key="k-1")
    assert first.changed and replay.replay and not replay.changed
    assert replay.action == first.action
    assert await FanAction.count() == 1


async def test_without_a_key_a_double_submitted_watch_counts_once():
    fan = await quick_user("fan3")
    a = await actions.record(fan.id, WATCH, "video:9")
    b = await actions.record(fan.id, WATCH, "video:9")
    assert a.changed and b.replay and b.action == a.action
    # A prediction naming another winner is another fact.
    p1 = await actions.record(fan.id, PREDICT, "match:4:W1-2", detail="12")
    p2 = await actions.record(fan.id, PREDICT, "match:4:W1-2", detail="13")
    assert p1.changed and p2.changed and p2.action is not None and p2.action.detail == "13"


async def test_a_batch_is_one_event_and_in_batch_replays_point_at_the_new_fact():
    fan = await quick_user("fan4")
    athlete = await athlete_row("rider4")
    target = f"athlete:{athlete['id']}"
    done = await actions.record_many([
        NewAction(fan.id, FOLLOW, target), NewAction(fan.id, LIKE, "post:1", key="x"),
        NewAction(fan.id, LIKE, "post:1", key="x"), NewAction(fan.id, UNLIKE, "post:1"),
        NewAction(fan.id, FOLLOW, target),
    ])
    assert [d.changed for d in done] == [True, True, False, True, False]
    assert done[2].replay and done[2].action == done[1].action
    assert done[3].active is False and done[4].active is True
    [event] = await _recorded_events()
    assert [a.kind for a in event.actions] == [FOLLOW, LIKE, UNLIKE]
    assert await FanRelation.count() == 2


async def test_following_needs_an_existing_athlete_who_is_not_oneself():
    fan = await quick_user("fan5")
    athlete = await athlete_row("rider5")
    with pytest.raises(NotFound):
        await actions.record(fan.id, FOLLOW, "athlete:424242")
    with pytest.raises(InvalidInput):
        await actions.record(athlete["user"], FOLLOW, f"athlete:{athlete['id']}")
    with pytest.raises(InvalidInput):
        await actions.record(fan.id, FOLLOW, "post:3")
    assert await FanAction.count() == 0


@pytest.mark.parametrize("bad", [
    dict(kind="Follow!"), dict(target="nothing"), dict(target="athlete:1\x00"),
    dict(key=""), dict(key="a" * 201), dict(detail="x\x00"), dict(fan_id=0),
    dict(at=datetime(2026, 1, 1)),
])
async def test_malformed_actions_are_refused_and_change_nothing(bad):
    fields = dict(fan_id=1, kind=LIKE, target="post:1", key=None, detail="", at=None)
    fields.update(bad)
    with pytest.raises(InvalidInput):
        await actions.record_many([NewAction(**fields)])  # type: ignore[arg-type]
    assert await FanAction.count() == 0 and await FanRelation.count() == 0


async def test_an_action_keeps_the_time_it_happened():
    fan = await quick_user("fan6")
    when = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    done = await actions.record(fan.id, WATCH, "video:1", at=when)
    assert done.action is not None and done.action.at == when
    [stored] = await actions.actions_of(fan.id, kinds=[WATCH])
    assert stored.at == when and await actions.actions_of(fan.id, kinds=[LIKE]) == []
