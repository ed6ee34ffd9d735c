"""The rank buckets' arithmetic, without a database: counting the buckets before a fan's
at each level plus the better fans in the fan's finest bucket gives the rank of a plain
sort by :func:`~podium.social.leaderboard.order_key`, whatever the values (ties on a score,
the same second, points or times outside the clamps)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from podium.social import leaderboard as lb

pytestmark = pytest.mark.pure

E = lb.EPOCH0
# Points and times that share buckets often (a few values, seconds apart) and some that
# the clamps merge (before 2020, past the 32-bit range, past the points range).
points_st = st.one_of(st.integers(1, 4), st.integers(1, 2**12), st.sampled_from([2**30 - 1, 2**30, 2**31 - 1]))
reached_st = st.one_of(st.integers(E, E + 600), st.integers(E - 10**6, E + 2**33),
                       st.sampled_from([E - 1, E, E + 255, E + 256, E + 2**32 - 1, E + 2**32 + 5]))
boards = st.lists(st.tuples(points_st, reached_st), min_size=1, max_size=60)


def model_rank(rows: dict[int, tuple[int, int]], fan: int) -> int:
    """What the SQL computes, on plain Python data: buckets summed, then the finest one."""
    counts: dict[tuple[str, int, int], int] = {}
    for f, state in rows.items():
        for key, change in lb.rank_bucket_deltas({"b": (None, state)}).items():
            counts[key] = counts.get(key, 0) + change
    points, reached = rows[fan]
    total = 0
    for shift, first, end in lb.rank_ranges(points, reached):
        total += sum(n for (_b, s, bucket), n in counts.items() if s == shift and first <= bucket < end)
    p_low, p_high, r_low, r_high = lb.finest_span(points, reached)
    total += sum(1 for f, (p, r) in rows.items()
                 if p_low <= p <= p_high and r_low <= r <= r_high
                 and lb.order_key(p, r, f) < lb.order_key(points, reached, fan))
    return total + 1


@settings(deadline=None, max_examples=300)
@given(boards)
def test_buckets_plus_the_finest_bucket_give_the_rank_of_a_sort(values) -> None:
    rows = dict(enumerate(values, 1))
    expected = sorted(rows, key=lambda f: lb.order_key(rows[f][0], rows[f][1], f))
    assert [model_rank(rows, f) for f in rows] == [expected.index(f) + 1 for f in rows]


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(points_st, reached_st, points_st, reached_st)
def test_the_order_code_never_inverts_the_order(p1, r1, p2, r2) -> None:
    if lb.order_key(p1, r1, 0) < lb.order_key(p2, r2, 0):
        assert lb.order_code(p1, r1) <= lb.order_code(p2, r2)


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(st.lists(st.tuples(points_st, reached_st, st.booleans()), max_size=20))
def test_moves_cancel_out(moves) -> None:
    """A fan moved on and off a board leaves exactly the buckets of where they end."""
    counts: dict[tuple[str, int, int], int] = {}
    state = None
    for p, r, on in moves:
        after = (p, r) if on else None
        for key, change in lb.rank_bucket_deltas({"b": (state, after)}).items():
            counts[key] = counts.get(key, 0) + change
        state = after
    left = {k: n for k, n in counts.items() if n}
    assert left == ({} if state is None else lb.rank_bucket_deltas({"b": (None, state)}))


def test_a_rank_reads_at_most_256_buckets_per_level() -> None:
    for points, reached in [(1, E), (5000, E + 10**8), (2**30, E + 2**32 + 9)]:
        for shift, first, end in lb.rank_ranges(points, reached)[1:]:
            assert 0 <= end - first < 256
