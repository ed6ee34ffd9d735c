"""Round robin and groups then playoffs."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.grouping import berger_rounds
from podium.plugins.esport.formats.groups_playoffs import FORMAT as GP
from podium.plugins.esport.formats.groups_playoffs import playoff_seed_refs
from podium.plugins.esport.formats.round_robin import FORMAT as RR
from podium.tests.plugins.esport.support import (
    better_seed,
    correction_roundtrip,
    fact_for,
    field,
    hashed,
    pair,
    play,
    run,
    sides,
    without,
)
from podium.tournaments.engine import EntrantId, MatchStatus, ResultFact, first_round, snake

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

FAST = settings(max_examples=30, deadline=None)


def test_berger_tables_match_fide() -> None:
    assert berger_rounds(4) == [[(1, 4), (2, 3)], [(4, 3), (1, 2)], [(2, 4), (3, 1)]]
    assert berger_rounds(6) == [
        [(1, 6), (2, 5), (3, 4)],
        [(6, 4), (5, 3), (1, 2)],
        [(2, 6), (3, 1), (4, 5)],
        [(6, 5), (1, 4), (2, 3)],
        [(3, 6), (4, 2), (5, 1)],
    ]
    # Five players: the sixth is a dummy, its opponent rests.
    assert berger_rounds(5)[0] == [(2, 5), (3, 4)]


def test_snake_groups() -> None:
    assert snake(list(range(1, 9)), 2) == [[1, 4, 5, 8], [2, 3, 6, 7]]
    state = RR.derive(field(8), {"groups": 2})
    assert state.extra["groups"]["groups"] == {
        "A": [1001, 1004, 1005, 1008],
        "B": [1002, 1003, 1006, 1007],
    }
    assert {m.bracket for m in state} == {"A", "B"}
    assert state["A-R1-1"].participants == (1001, 1008)


@FAST
@given(n=st.integers(2, 24), groups=st.integers(1, 4), cycles=st.sampled_from([1, 2]))
def test_every_pair_meets_once_per_cycle(n: int, groups: int, cycles: int) -> None:
    if groups * 2 > n:
        groups = 1
    state = RR.derive(field(n), {"groups": groups, "cycles": cycles})
    info = state.extra["groups"]
    for name, members in info["groups"].items():
        pairs = Counter(frozenset(state.matches[i].participants) for i in info["matches"][name])
        expected = {frozenset((a, b)) for a in members for b in members if a != b}
        assert set(pairs) == expected
        assert all(c == cycles for c in pairs.values())
        # Nobody plays twice in one round.
        by_round: dict[int, list] = {}
        for i in info["matches"][name]:
            m = state.matches[i]
            by_round.setdefault(m.round, []).extend(m.participants)
        assert all(len(v) == len(set(v)) for v in by_round.values())
    if cycles == 2:
        for m in state:
            if m.round <= len(berger_rounds(len(info["groups"][m.bracket]))):
                continue
            # The return leg swaps home and away.
            first = [
                x
                for x in state
                if x.bracket == m.bracket and set(x.participants) == set(m.participants)
            ][0]
            assert first.participants == m.participants[::-1]


@FAST
@given(n=st.integers(2, 20), groups=st.integers(1, 3))
def test_round_robin_better_seed_wins_standings_equal_seeding(n: int, groups: int) -> None:
    if groups * 2 > n:
        groups = 1
    state, _ = run(RR, n, {"groups": groups}, better_seed)
    assert state.complete
    assert [r.seed for r in RR.standings(state)] == list(range(1, n + 1))


def test_draws_and_head_to_head() -> None:
    state = RR.derive(field(4), {"tiebreakers": ["match_wins", "head_to_head", "game_wins"]})
    results: dict[tuple[EntrantId, EntrantId],
                  tuple[EntrantId | None, tuple[tuple[int, int], ...]]] = {
        # 1 and 2 both end on 2 wins; 2 beat 1, so 2 is ahead despite fewer game wins.
        (1001, 1002): (1002, ((0, 1),)),
        (1001, 1003): (1001, ((5, 0),)),
        (1001, 1004): (1001, ((5, 0),)),
        (1002, 1003): (1003, ((0, 1),)),
        (1002, 1004): (1002, ((1, 0),)),
        (1003, 1004): (None, ((1, 1),)),  # a draw
    }
    for m in list(state):
        a, b = sorted(pair(m))
        winner, games = results[(a, b)]
        if m.participants != (a, b):
            games = tuple(g[::-1] for g in games)
        fact = ResultFact(m.key, winner, sides(m), games)
        RR.check_result(state, fact)
        RR.apply(state, fact)
    assert state.complete and state.champion == 1002
    rows = RR.standings(state)
    assert [r.entrant_id for r in rows] == [1002, 1001, 1003, 1004]
    assert rows[0].values["head_to_head"] == 1.0 and rows[1].values["head_to_head"] == 0.0
    assert rows[2].values["match_wins"] == 1.5


@FAST
@given(n=st.integers(3, 16), salt=st.integers(0, 9999), pick=st.integers(0, 999))
def test_round_robin_correction(n: int, salt: int, pick: int) -> None:
    correction_roundtrip(RR, n, {}, hashed(salt), pick)


# ---------------------------------------------------------------------- groups + playoffs
def test_playoff_seeding_keeps_groups_apart_in_round_one() -> None:
    for groups in range(1, 9):
        for advance in range(1, 5):
            if groups * advance < 2:
                continue
            refs = playoff_seed_refs(groups, advance)
            assert sorted(refs) == list(range(1, groups * advance + 1))
            if groups < 2 or advance > groups:
                continue  # some tier must then meet itself
            for a, b in first_round(len(refs)):
                if b is not None:
                    assert refs[a][1] != refs[b][1], (groups, advance, a, b)


def test_playoff_slots_show_their_source_until_groups_finish() -> None:
    state = GP.derive(field(8), {"groups": 2, "advance": 2})
    w11 = state["W1-1"]
    assert w11.status is MatchStatus.PENDING
    assert [s.to_dict()["source"] for s in w11.slots(state)] == ["1st of A", "2nd of B"]
    state, _ = play(GP, state, better_seed)
    assert state.complete and state.champion == 1001
    w11 = state["W1-1"]
    assert w11.participants == (1001, 1003)  # A1 (seed 1) v B2 (seed 3)


@FAST
@given(
    n=st.integers(4, 24),
    groups=st.integers(1, 4),
    advance=st.integers(1, 3),
    playoff=st.sampled_from(["single_elimination", "double_elimination"]),
)
def test_groups_playoffs_better_seed_wins_standings_equal_seeding(
    n: int, groups: int, advance: int, playoff: str
) -> None:
    if n // groups < max(2, advance) or groups * advance < 2:
        return
    state, _ = run(GP, n, {"groups": groups, "advance": advance, "playoff": playoff}, better_seed)
    assert state.complete and state.champion == 1001
    assert [r.seed for r in GP.standings(state)] == list(range(1, n + 1))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 14), salt=st.integers(0, 9999), pick=st.integers(0, 999))
def test_groups_playoffs_correction_reflows_into_playoffs(n: int, salt: int, pick: int) -> None:
    correction_roundtrip(GP, n, {"groups": 2, "advance": 2}, hashed(salt), pick)


def test_group_correction_changes_qualifier_and_marks_playoff_for_replay() -> None:
    state, log = run(GP, 8, {"groups": 2, "advance": 1}, better_seed)
    final = state["W1-1"]
    assert set(final.participants) == {1001, 1002}
    # Seed 1 now loses both of its remaining group games: seed 4 tops group A.
    for key in [m.key for m in state if m.bracket == "A" and 1001 in m.participants]:
        m = state[key]
        other = next(x for x in m.participants if x != 1001)
        if other == 1004:
            GP.apply(state, fact_for(m, 1004))
    rows = GP.group_standings(state)["A"]
    assert rows[0].entrant_id == 1004
    assert state["W1-1"].status is MatchStatus.NEEDS_REPLAY
    assert set(state["W1-1"].participants) == {1004, 1002}


def test_groups_playoffs_options() -> None:
    with pytest.raises(ValueError, match="cannot send"):
        GP.derive(field(5), {"groups": 2, "advance": 3})
    with pytest.raises(ValueError, match="groups need at least"):
        RR.derive(field(5), {"groups": 3})


def test_groups_allow_draws_playoffs_do_not() -> None:
    state = GP.derive(field(8), {"groups": 2, "advance": 2})
    m = state["A-R1-1"]
    draw = ResultFact(m.key, None, sides(m), ((1, 1),))
    GP.check_result(state, draw)
    GP.apply(state, draw)
    assert state["A-R1-1"].status is MatchStatus.COMPLETED and state["A-R1-1"].winner is None
    state, _ = play(GP, state, better_seed)
    final = state["W2-1"]
    with pytest.raises(ValueError, match="needs a winner"):
        GP.check_result(state, ResultFact(final.key, None, sides(final), ((1, 1),)))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 10), salt=st.integers(0, 9999), out=st.integers(0, 9))
def test_a_disqualified_entrant_is_never_the_champion(n: int, salt: int, out: int) -> None:
    """Disqualified after the last result: the results stand, and the champion is the
    best placed entrant still in (the format's own, as the pages' standings say)."""
    state, log = run(RR, n, {}, hashed(salt))
    gone = state.entrants[out % n].id
    after = RR.derive(without(state.entrants, gone), state.options, log)
    rows = RR.standings(after)
    assert after.complete and after.champion != gone
    assert after.champion == next(r.entrant_id for r in rows if r.entrant_id != gone)
    if gone != state.champion:
        assert after.champion == state.champion
