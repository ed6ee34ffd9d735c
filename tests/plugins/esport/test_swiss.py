"""Swiss: FIDE Dutch (builtin and py4swiss engines) and the CS Major (valve) system."""

from __future__ import annotations

import math
import random
from collections import Counter
from itertools import combinations
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.matching import max_matching
from podium.plugins.esport.formats.swiss import FORMAT as SW
from podium.tests.plugins.esport.support import (
    ID_OFFSET,
    Oracle,
    better_seed,
    fact_for,
    field,
    flipped,
    hashed,
    outcome_view,
    pair,
    play,
    run,
    sides,
    without,
)
from podium.tournaments.engine import (
    BracketState,
    EntrantId,
    Match,
    MatchStatus,
    PairingError,
    ResultFact,
    Table,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure


def seed_no(x: EntrantId | None) -> int:
    """The seed of an entrant id of :func:`field` (seed + 1000); fails on a bye's None."""
    assert isinstance(x, int), x
    return x - ID_OFFSET


def with_draws(salt: int) -> Oracle:
    """Random results with about one draw in six."""
    rng = random.Random(salt)

    def oracle(m: Match, state: BracketState) -> ResultFact:
        a, b = pair(m)
        x = rng.random()
        if x < 1 / 6:
            return ResultFact(m.key, None, (a, b), ((1, 1),))
        return fact_for(m, a if x < 7 / 12 else b)

    return oracle


def pairings_ok(state: BracketState) -> None:
    """Nobody meets anyone twice; a bye at most once per player; one table per player."""
    met: Counter = Counter()
    byes: Counter = Counter()
    for p in state.pairings:
        seen = [x for t in p.tables for x in (t.home, t.away) if x is not None]
        assert len(seen) == len(set(seen))
        for t in p.tables:
            if t.away is None:
                byes[t.home] += 1
            else:
                met[frozenset((t.home, t.away))] += 1
    assert all(c == 1 for c in met.values()), met.most_common(3)
    assert all(c == 1 for c in byes.values()), byes.most_common(3)


def rematch_free_round_exists(state: BracketState) -> bool:
    """Brute-force truth: can the active players be paired with no rematch and at most one
    bye (to someone without one)?"""
    met: dict = {e.id: set() for e in state.entrants}
    had_bye: set = set()
    for p in state.pairings:
        for t in p.tables:
            if t.away is None:
                had_bye.add(t.home)
            else:
                met[t.home].add(t.away)
                met[t.away].add(t.home)
    ids = [e.id for e in state.entrants if e.active]
    n = len(ids)
    adj: list[list[int]] = [[] for _ in range(n + 1)]
    for i in range(n):
        for j in range(i + 1, n):
            if ids[j] not in met[ids[i]]:
                adj[i].append(j)
                adj[j].append(i)
        if n % 2 and ids[i] not in had_bye:
            adj[i].append(n)
            adj[n].append(i)
    size = n + (n % 2)
    return all(m != -1 for m in max_matching(size, adj[:size]))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 40), salt=st.integers(0, 10_000))
def test_dutch_never_repeats_and_bye_once(n: int, salt: int) -> None:
    rounds = max(1, math.ceil(math.log2(n)))
    state, _ = run(SW, n, {"rounds": rounds, "engine": "builtin"}, with_draws(salt))
    assert state.complete and len(state.pairings) == rounds
    pairings_ok(state)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), salt=st.integers(0, 10_000))
def test_dutch_refuses_only_when_no_pairing_exists(n: int, salt: int) -> None:
    """As many rounds as an all-play-all: a Swiss can then run out of rematch-free
    pairings. Whenever next_round refuses, brute force agrees that none exists; whenever
    it pairs, the pairing is valid."""
    most = n - 1 if n % 2 == 0 else n
    state = SW.derive(field(n), {"rounds": most, "engine": "builtin"})
    oracle = with_draws(salt)
    log: list[ResultFact] = []
    while not state.complete:
        try:
            pairing = SW.next_round(state)
        except PairingError:
            assert not rematch_free_round_exists(state)
            return
        state = SW.derive(state.entrants, state.options, log, (*state.pairings, pairing))
        pairings_ok(state)
        for m in state.ready():
            fact = oracle(m, state)
            log.append(fact)
            SW.apply(state, fact)


def test_blossom_matching_against_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(1, 9)
        p = rng.random()
        edges = {(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p}
        adj: list[list[int]] = [[] for _ in range(n)]
        for i, j in edges:
            adj[i].append(j)
            adj[j].append(i)
        match = max_matching(n, adj)
        size = sum(1 for i, x in enumerate(match) if x > i)
        assert all(x == -1 or (min(i, x), max(i, x)) in edges for i, x in enumerate(match))
        best = 0
        for r in range(n // 2, 0, -1):
            if any(len({v for e in c for v in e}) == 2 * r for c in combinations(sorted(edges), r)):
                best = r
                break
        assert size == best


def test_dutch_round_one_is_top_half_against_bottom_half() -> None:
    state = SW.derive(field(8), {"engine": "builtin"})
    pairing = SW.next_round(state)
    assert sorted(tuple(sorted((seed_no(t.home), seed_no(t.away)))) for t in pairing.tables) == [
        (1, 5),
        (2, 6),
        (3, 7),
        (4, 8),
    ]
    # Home alternates by board, the way FIDE alternates colours.
    assert [seed_no(t.home) for t in pairing.tables] == [1, 6, 3, 8]


def test_bye_goes_to_the_lowest_ranked_eligible_and_is_worth_a_win() -> None:
    state = SW.derive(field(5), {"engine": "builtin", "rounds": 3})
    p1 = SW.next_round(state)
    assert p1.tables[-1].away is None and p1.tables[-1].home == 1005
    state = SW.derive(state.entrants, state.options, (), [p1])
    bye = state["S1-3"]
    assert bye.status is MatchStatus.SKIPPED and bye.winner == 1005
    state, _ = play(SW, state, better_seed, [])
    rows = {r.entrant_id: r for r in SW.standings(state)}
    byes = [t.home for p in state.pairings for t in p.tables if t.away is None]
    assert len(byes) == len(set(byes)) == 3
    assert byes[0] == 1005 and rows[1005].values["score"] >= 1


@settings(max_examples=30, deadline=None)
@given(n=st.sampled_from([16, 16, 16, 18, 20, 24, 32]), salt=st.integers(0, 10_000))
def test_valve_never_repeats_and_ends_at_thresholds(n: int, salt: int) -> None:
    state, _ = run(SW, n, {"system": "valve"}, hashed(salt))
    assert state.complete
    pairings_ok(state)
    rows = SW.standings(state)
    for r in rows:
        assert (r.values["wins"] >= 3) != (r.values["losses"] >= 3)
        assert r.status == ("advanced" if r.values["wins"] >= 3 else "eliminated")
    if n == 16:
        assert sum(r.status == "advanced" for r in rows) == 8


def test_valve_round_one_and_best_of_three_deciders() -> None:
    state = SW.derive(field(16), {"system": "valve"})
    p1 = SW.next_round(state)
    assert sorted(tuple(sorted((seed_no(t.home), seed_no(t.away)))) for t in p1.tables) == [
        (i, i + 8) for i in range(1, 9)
    ]
    state, _ = play(SW, state, better_seed, [])
    bo = {p.round: {t.best_of for t in p.tables} for p in state.pairings}
    assert bo[1] == {1} and bo[2] == {1}
    assert bo[3] == {1, 3}  # 2-0 and 0-2 teams play for advancing/elimination
    assert bo[4] == {3} and bo[5] == {3}


@settings(max_examples=15, deadline=None)
@given(n=st.sampled_from([16, 32, 64]))
def test_valve_better_seed_wins_standings_equal_seeding(n: int) -> None:
    """Meaningful where record groups stay even (the 16-team Major, 32, 64...)."""
    state, _ = run(SW, n, {"system": "valve"}, better_seed)
    assert [r.seed for r in SW.standings(state)] == list(range(1, n + 1))


def test_valve_needs_a_big_enough_field() -> None:
    with pytest.raises(ValueError, match="at least 16 teams"):
        SW.derive(field(8), {"system": "valve"})
    SW.derive(field(8), {"system": "valve", "wins_to_advance": 2, "losses_to_eliminate": 2})


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 33), salt=st.integers(0, 10_000))
def test_dutch_better_seed_wins_top_seed_wins_with_a_perfect_score(n: int, salt: int) -> None:
    """A Swiss does not rank everyone by seed (opponents differ), but the best must win."""
    state, _ = run(SW, n, {"engine": "builtin"}, better_seed)
    rows = SW.standings(state)
    assert rows[0].seed == 1 and rows[0].status == "champion"
    assert rows[0].values["score"] == len(state.pairings)
    scores = [r.values["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_next_round_refuses_when_not_possible() -> None:
    state = SW.derive(field(4), {"engine": "builtin"})
    p1 = SW.next_round(state)
    state = SW.derive(state.entrants, state.options, (), [p1])
    with pytest.raises(PairingError, match="not finished"):
        SW.next_round(state)
    state, _ = play(SW, state, better_seed, [])
    assert state.complete
    with pytest.raises(PairingError, match="over"):
        SW.next_round(state)


def test_valve_refuses_draws() -> None:
    state = SW.derive(field(16), {"system": "valve"})
    state = SW.derive(state.entrants, state.options, (), [SW.next_round(state)])
    m = state["S1-1"]
    with pytest.raises(ValueError, match="needs a winner"):
        SW.check_result(state, ResultFact(m.key, None, sides(m), ((1, 1),)))


def test_withdrawn_player_is_no_longer_paired() -> None:
    entrants = field(6)
    state = SW.derive(entrants, {"engine": "builtin", "rounds": 3})
    state = SW.derive(entrants, state.options, (), [SW.next_round(state)])
    state, log = play(SW, state, better_seed, [])
    # Seed 6 withdraws after round 1: from round 2 on, five are paired (one bye).
    withdrawn = [replace(e, active=False) if e.seed == 6 else e for e in entrants]
    after_one = SW.derive(withdrawn, state.options, log[:3], state.pairings[:1])
    nxt = SW.next_round(after_one)
    assert all(1006 not in (t.home, t.away) for t in nxt.tables)
    assert sum(t.away is None for t in nxt.tables) == 1  # five left: one bye


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 20), salt=st.integers(0, 9999), pick=st.integers(0, 999))
def test_correction_keeps_published_pairings_and_equals_derive(
    n: int, salt: int, pick: int
) -> None:
    """Pairings are facts: a correction re-scores, never re-pairs a published round; the
    incremental update equals a derivation from the corrected log."""
    state, log = run(SW, n, {"engine": "builtin"}, hashed(salt))
    played = [f for f in log if state[f.match].status is MatchStatus.COMPLETED]
    target = played[pick % len(played)]
    corrected = flipped(state[target.match], target, state)
    SW.check_result(state, corrected)
    before = state.pairings
    SW.apply(state, corrected)
    log.append(corrected)
    assert state.pairings == before
    rebuilt = SW.derive(state.entrants, state.options, log, state.pairings)
    assert outcome_view(state) == outcome_view(rebuilt)
    assert [r.to_dict() for r in SW.standings(state)] == [
        r.to_dict() for r in SW.standings(rebuilt)
    ]


def test_a_replaced_pairing_turns_its_results_into_replays() -> None:
    state, log = run(SW, 8, {"engine": "builtin", "rounds": 2}, better_seed)
    p2 = state.pairings[1]

    def home_away_swapped(t: Table) -> Table:
        assert t.away is not None  # eight players: no byes
        return Table(t.away, t.home, t.best_of)

    other = type(p2)(2, tuple(home_away_swapped(t) for t in p2.tables[::-1]))
    swapped = [(t.home, t.away) for t in other.tables]
    assert swapped  # same pairs, other tables: results no longer match their match keys
    state2 = SW.derive(state.entrants, state.options, log, [state.pairings[0], other])
    statuses = {m.status for m in state2 if m.round == 2}
    assert MatchStatus.NEEDS_REPLAY in statuses


@pytest.mark.parametrize("n", [6, 9, 12])
def test_py4swiss_engine_pairs_validly(n: int) -> None:
    state, _ = run(SW, n, {"engine": "py4swiss"}, with_draws(n))
    assert state.complete
    pairings_ok(state)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 10), salt=st.integers(0, 9999), out=st.integers(0, 9))
def test_a_disqualified_entrant_is_never_the_champion(n: int, salt: int, out: int) -> None:
    """Disqualified after the last result: the results stand, and the champion is the
    best placed entrant still in (the format's own, as the pages' standings say)."""
    state, log = run(SW, n, {"engine": "builtin"}, hashed(salt))
    gone = state.entrants[out % n].id
    after = SW.derive(without(state.entrants, gone), state.options, log, state.pairings)
    rows = SW.standings(after)
    assert after.complete and after.champion != gone
    assert after.champion == next(r.entrant_id for r in rows if r.entrant_id != gone)
    if gone != state.champion:
        assert after.champion == state.champion
    assert [r.entrant_id for r in rows if r.status == "champion"] == [after.champion]
