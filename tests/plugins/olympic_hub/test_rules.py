"""The hub's reward rules: properties over any ledger, and a few worked examples."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from podium.core.events import FanAction
from podium.plugins.olympic_hub.rules import (
    ATTEND, FOLLOW, LIKE, PREDICT, PREDICT_SETTLED, UNFOLLOW, UNLIKE, WATCH,
    OncePerTargetRule, PredictionRule, RelationRule, hub_rules, hub_tiers,
)
from podium.plugins.olympic_hub.settings import HubSettings, load_hub_settings

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

T0 = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
FOLLOWS = RelationRule("follow", "", FOLLOW, UNFOLLOW, 1, None)


def ledger(steps: list[tuple[str, str, int]]) -> list[FanAction]:
    """Actions from ``(kind, target, minutes after T0)``."""
    return [FanAction(i + 1, 7, kind, target, T0 + timedelta(minutes=m), f"k{i}")
            for i, (kind, target, m) in enumerate(steps)]


def total(rule: object, actions: list[FanAction]) -> int:
    return sum(a.points for a in rule.awards(actions))  # type: ignore[attr-defined]


relation_steps = st.lists(st.tuples(st.sampled_from([FOLLOW, UNFOLLOW, LIKE, UNLIKE]),
                                    st.sampled_from(["athlete:1", "athlete:2", "post:3"]),
                                    st.integers(0, 4 * 24 * 60)), max_size=60)


def model(actions: list[FanAction], on: str, off: str, points: int, cap: int | None) -> int:
    """An independent model: points held = paid targets still on."""
    on_now: dict[str, bool] = {}
    held: dict[str, int] = {}
    paid: set[str] = set()
    per_day: dict[object, int] = {}
    for a in sorted(actions, key=lambda a: (a.at, a.action_id)):
        if a.kind == on and not on_now.get(a.target):
            on_now[a.target] = True
            if a.target not in paid:
                room = points if cap is None else max(0, min(points, cap - per_day.get(a.at.date(), 0)))
                if room:
                    per_day[a.at.date()] = per_day.get(a.at.date(), 0) + room
                    paid.add(a.target)
                    held[a.target] = room
        elif a.kind == off and on_now.get(a.target):
            on_now[a.target] = False
            held.pop(a.target, None)
    return sum(held.values())


@settings(max_examples=300, deadline=None)
@given(relation_steps, st.sampled_from([None, 1, 2, 5]), st.integers(1, 3))
def test_relation_points_equal_the_targets_held(steps, cap, points):
    actions = ledger(steps)
    for on, off in ((FOLLOW, UNFOLLOW), (LIKE, UNLIKE)):
        rule = RelationRule("r", "", on, off, points, cap)
        mine = [a for a in actions if a.kind in rule.action_kinds]
        assert total(rule, mine) == model(mine, on, off, points, cap)
        # the engine may pass the ledger in any order: the rule sorts it
        assert total(rule, list(reversed(mine))) == total(rule, mine)


@settings(max_examples=300, deadline=None)
@given(relation_steps, st.sampled_from([None, 1, 3]))
def test_caps_hold_and_a_total_is_never_negative(steps, cap):
    rule = RelationRule("r", "", FOLLOW, UNFOLLOW, 1, cap)
    actions = ledger(steps)
    awards = list(rule.awards(actions))
    assert total(rule, actions) >= 0
    at = {a.action_id: a.at.date() for a in actions}
    earned: dict[object, int] = {}
    for award in awards:
        if award.points > 0:
            earned[at[award.action_id]] = earned.get(at[award.action_id], 0) + award.points
    if cap is not None:
        assert all(v <= cap for v in earned.values())
    # running total never dips below zero: a take-back never exceeds what was given
    running = 0
    for award in sorted(awards, key=lambda w: (next(a.at for a in actions if a.action_id == w.action_id), w.action_id)):
        running += award.points
        assert running >= 0


@settings(max_examples=200, deadline=None)
@given(relation_steps)
def test_a_replayed_action_counts_once(steps):
    # A replay is the same fact: the ledger holds it once, so adding a duplicate start
    # right after a start (the same kind and target) never changes the points.
    actions = ledger(steps)
    doubled = []
    for a in actions:
        doubled.append(a)
        if a.kind in (FOLLOW, LIKE):
            doubled.append(FanAction(a.action_id + 10_000, a.fan_id, a.kind, a.target, a.at, a.idempotency_key + "r"))
    for on, off in ((FOLLOW, UNFOLLOW), (LIKE, UNLIKE)):
        rule = RelationRule("r", "", on, off, 1, None)
        assert total(rule, doubled) == total(rule, actions)


def test_follow_unfollow_refollow():
    actions = ledger([(FOLLOW, "athlete:1", 0), (UNFOLLOW, "athlete:1", 1), (FOLLOW, "athlete:1", 2)])
    assert [a.points for a in FOLLOWS.awards(actions)] == [1, -1]
    assert total(FOLLOWS, actions[:1]) == 1


def test_daily_cap_then_next_day():
    rule = RelationRule("follow", "", FOLLOW, UNFOLLOW, 1, 2)
    actions = ledger([(FOLLOW, f"athlete:{i}", i) for i in range(5)]
                     + [(UNFOLLOW, "athlete:4", 30), (FOLLOW, "athlete:4", 24 * 60 + 1)])
    assert total(rule, actions) == 3  # two the first day, the capped one re-earned next day


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([WATCH, ATTEND]), st.sampled_from(["video:1", "video:2", "event:3"]),
                          st.integers(0, 3000)), max_size=30))
def test_once_per_target(steps):
    actions = ledger(steps)
    rule = OncePerTargetRule("watch", "", WATCH, 2, None)
    watched = {a.target for a in actions if a.kind == WATCH}
    assert total(rule, actions) == 2 * len(watched)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["1", "2"]), min_size=0, max_size=4),
       st.lists(st.sampled_from(["1", "2", ""]), min_size=0, max_size=3),
       st.lists(st.sampled_from(["1", "2"]), max_size=2))
def test_prediction_pays_the_last_pick_before_the_result(before, settlements, after):
    steps: list[tuple[str, str, int]] = [(PREDICT, "match:1:W1-1", i) for i in range(len(before))]
    base = len(before)
    steps += [(PREDICT_SETTLED, "match:1:W1-1", base + i) for i in range(len(settlements))]
    steps += [(PREDICT, "match:1:W1-1", base + len(settlements) + i) for i in range(len(after))]
    details = before + settlements + after
    actions = [FanAction(a.action_id, a.fan_id, a.kind, a.target, a.at, a.idempotency_key, d)
               for a, d in zip(ledger(steps), details)]
    rule = PredictionRule("predict", "", 3)
    pick = before[-1] if before else None
    final = settlements[-1] if settlements else None
    expected = 3 if final and pick == final else 0
    assert total(rule, actions) == expected


def test_settings_and_tiers():
    s = load_hub_settings({"PODIUM_HUB_FOLLOW_DAILY_CAP": "none", "PODIUM_HUB_MEDALS": "5,10,20"})
    assert s.follow_daily_cap is None and s.medals == (5, 10, 20)
    names = [r.name for r in hub_rules(HubSettings())]
    assert names == ["follow", "like", "watch", "attend", "predict"]
    tiers = hub_tiers(HubSettings(first_season=2026), 2026)
    assert {(t.name, t.season) for t in tiers} >= {("gold", None), ("gold-2026", "2026"), ("bronze-2027", "2027")}
    import pytest
    from podium.core.settings import SettingsError
    for bad in ({"PODIUM_HUB_MEDALS": "5,5,9"}, {"PODIUM_HUB_LIKE_POINTS": "x"}, {"PODIUM_HUB_LIKE_DAILY_CAP": "0"}):
        with pytest.raises(SettingsError):
            load_hub_settings(bad)
