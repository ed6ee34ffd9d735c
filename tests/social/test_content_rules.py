"""The pure rules of exclusive content and prizes, as hypothesis properties: who may see a
post and what unlocks it, who may claim a prize and why not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.social.audience import AthleteRef, PostRules, Viewer, audience_label, visible
from podium.social.prize_rules import FanStanding, PrizeRules, claim_refusal, condition_label

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

athlete_ids = st.integers(1, 8)
athletes = st.lists(athlete_ids, max_size=4, unique=True).map(
    lambda ids: tuple(AthleteRef(i, f"Athlete {i}") for i in ids))
rules = st.builds(PostRules, author_id=st.integers(1, 5), followers_of=athletes,
                  min_medal_rank=st.integers(0, 3))
viewers = st.builds(Viewer, user_id=st.none() | st.integers(1, 5),
                    follows=st.frozensets(athlete_ids, max_size=5),
                    medal_rank=st.integers(0, 3), admin=st.booleans())


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(rules, viewers)
def test_allowed_exactly_when_every_condition_holds(post, viewer):
    """Allowed iff author, admin, or (follows one named athlete, when any are named) and
    (medal at least the minimum); ``missing`` is empty exactly when allowed."""
    access = visible(post, viewer)
    follows_ok = not post.followers_of or any(a.id in viewer.follows for a in post.followers_of)
    medal_ok = viewer.medal_rank >= post.min_medal_rank
    privileged = viewer.admin or (viewer.user_id is not None and viewer.user_id == post.author_id)
    assert access.allowed == (privileged or (follows_ok and medal_ok))
    assert access.allowed == (not access.missing)


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(rules, viewers)
def test_missing_names_each_unmet_condition_once(post, viewer):
    """A locked post lists exactly the unmet conditions: a follow one naming every athlete
    that would do, a medal one naming the medal."""
    access = visible(post, viewer)
    if access.allowed:
        return
    kinds = [u.kind for u in access.missing]
    assert len(kinds) == len(set(kinds))
    follow = [u for u in access.missing if u.kind == "follow"]
    medal = [u for u in access.missing if u.kind == "medal"]
    assert bool(follow) == (bool(post.followers_of)
                            and not any(a.id in viewer.follows for a in post.followers_of))
    assert bool(medal) == (viewer.medal_rank < post.min_medal_rank)
    for unlock in follow:
        assert unlock.athletes == post.followers_of
        assert all(a.name in unlock.text for a in post.followers_of)
        assert unlock.text.startswith("Follow ") and unlock.text.endswith(" to unlock")
    for unlock in medal:
        assert unlock.medal_rank == post.min_medal_rank
        assert unlock.text.startswith("Reach ")


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(rules, viewers, st.frozensets(athlete_ids), st.integers(0, 3))
def test_more_follows_or_a_better_medal_never_locks(post, viewer, extra, better):
    """Following more athletes or holding a higher medal never takes access away."""
    richer = Viewer(viewer.user_id, viewer.follows | extra, max(viewer.medal_rank, better), viewer.admin)
    if visible(post, viewer).allowed:
        assert visible(post, richer).allowed
    assert len(visible(post, richer).missing) <= len(visible(post, viewer).missing)


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(rules)
def test_public_posts_are_for_everyone(post):
    """A post without conditions is visible to a visitor who is not signed in."""
    public = PostRules(post.author_id)
    assert visible(public, Viewer()).allowed
    assert audience_label(public) == "Public"
    assert visible(post, Viewer()).allowed == post.public


def test_locked_card_texts():
    """What a fan reads on locked cards."""
    anna = AthleteRef(1, "Anna Meyer")
    both = PostRules(9, (anna,), 2)
    texts = [u.text for u in visible(both, Viewer(user_id=3)).missing]
    assert texts == ["Follow Anna Meyer to unlock", "Reach silver to unlock"]
    assert audience_label(both) == "For followers with silver and up"
    team = PostRules(9, (anna, AthleteRef(2, "Ben Okafor"), AthleteRef(3, "Chloé Roux")))
    assert visible(team, Viewer(user_id=3)).missing[0].text == (
        "Follow Anna Meyer, Ben Okafor or Chloé Roux to unlock")
    assert visible(team, Viewer(user_id=3, follows=frozenset({2}))).allowed


NOW = datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc)
instants = st.none() | st.integers(-5, 5).map(lambda h: NOW + timedelta(hours=h))
prizes = st.builds(PrizeRules, stock=st.integers(0, 5), claimed=st.integers(0, 6),
                   min_medal_rank=st.integers(0, 3), top_rank=st.none() | st.integers(1, 20),
                   opens_at=instants, closes_at=instants, active=st.booleans())
fans = st.builds(FanStanding, medal_rank=st.integers(0, 3), rank=st.none() | st.integers(1, 30),
                 already_claimed=st.booleans())


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(prizes, fans)
def test_claim_allowed_exactly_when_every_condition_holds(prize, fan):
    """A claim is allowed iff the prize is offered, in its window, not claimed by the fan,
    the fan's medal and rank are enough, and some stock is left."""
    refusal = claim_refusal(prize, fan, NOW)
    ok = (prize.active
          and (prize.opens_at is None or prize.opens_at <= NOW)
          and (prize.closes_at is None or NOW < prize.closes_at)
          and not fan.already_claimed
          and fan.medal_rank >= prize.min_medal_rank
          and (prize.top_rank is None or (fan.rank is not None and fan.rank <= prize.top_rank))
          and prize.claimed < prize.stock)
    assert (refusal is None) == ok
    if refusal is not None:
        assert refusal.code in {"withdrawn", "not_open", "closed", "already_claimed",
                                "medal_needed", "rank_needed", "out_of_stock"}
        assert refusal.detail


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(prizes, fans)
def test_claims_in_sequence_never_exceed_the_stock(prize, fan):
    """Claiming one after another (as the lock serialises them) stops at the stock."""
    state = PrizeRules(prize.stock, 0, prize.min_medal_rank, prize.top_rank, None, None, True)
    granted = 0
    for _ in range(prize.stock + 3):
        if claim_refusal(state, FanStanding(3, 1), NOW) is None:
            granted += 1
            state = PrizeRules(state.stock, state.claimed + 1, state.min_medal_rank, state.top_rank)
    assert granted == prize.stock and state.left == 0


def test_condition_labels():
    """How the prize's condition reads."""
    assert condition_label(PrizeRules(3)) == "Any fan"
    assert condition_label(PrizeRules(3, min_medal_rank=2)) == "Silver and up"
    assert condition_label(PrizeRules(3, top_rank=10)) == "Top 10"
    assert condition_label(PrizeRules(3, min_medal_rank=3, top_rank=3)) == "Gold and up, top 3"
