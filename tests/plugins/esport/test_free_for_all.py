"""Free-for-all lobbies."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.free_for_all import FORMAT as FFA
from podium.plugins.esport.formats.free_for_all import round_sizes
from podium.tests.plugins.esport.support import (
    Oracle,
    better_seed,
    correction_roundtrip,
    field,
    outcome_view,
    play,
    run,
    sides,
    without,
)
from podium.tournaments.engine import (
    BracketState,
    Match,
    MatchStatus,
    ResultError,
    ResultFact,
    StandingRow,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure


def shuffled(salt: int) -> Oracle:
    """A deterministic pseudo-random finishing order per lobby and game."""

    def oracle(m: Match, state: BracketState) -> ResultFact:
        parts = list(sides(m))
        games = []
        for g in range(m.best_of):

            def h(e: object, g: int = g) -> bytes:
                return hashlib.blake2b(f"{salt}:{m.key}:{g}:{e}".encode()).digest()

            order = sorted(parts, key=h)
            place = {e: i + 1 for i, e in enumerate(order)}
            games.append(tuple(place[e] for e in parts))
        fact = ResultFact(m.key, None, tuple(parts), tuple(games))
        order, _ = FFA.lobby_order(state, fact)
        return ResultFact(m.key, order[0], tuple(parts), tuple(games))

    return oracle


def test_round_sizes() -> None:
    assert round_sizes(20, 8, 4) == [[7, 7, 6], [6, 6], [8]]
    assert round_sizes(64, 8, 4) == [[8] * 8, [8] * 4, [8, 8], [8]]
    assert round_sizes(5, 8, 4) == [[5]]
    with pytest.raises(ValueError, match="never shrink"):
        round_sizes(9, 8, 7)


def test_slots_name_their_source_and_results_are_checked() -> None:
    state = FFA.derive(field(20), {})
    f2 = state["F2-1"]
    assert f2.status is MatchStatus.PENDING
    assert [s.to_dict()["source"] for s in f2.slots(state)][:2] == [
        "1st of round 1",
        "4th of round 1",
    ]
    m = state["F1-1"]
    parts = sides(m)
    with pytest.raises(ResultError) as err:
        FFA.check_result(state, ResultFact(m.key, parts[0], parts, ((1, 1, 2, 3, 4, 5, 6),)))
    assert err.value.code == "invalid_games"
    with pytest.raises(ResultError) as err:
        FFA.check_result(state, ResultFact(m.key, parts[1], parts, (tuple(range(1, 8)),)))
    assert err.value.code == "games_contradict_winner"


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 60),
    lobby=st.integers(2, 10),
    advance=st.integers(1, 9),
    games=st.integers(1, 3),
)
def test_better_seed_wins_standings_equal_seeding(
    n: int, lobby: int, advance: int, games: int
) -> None:
    if advance >= lobby:
        advance = lobby - 1
    try:
        round_sizes(n, lobby, advance)
    except ValueError:
        return
    state, _ = run(FFA, n, {"lobby_size": lobby, "advance": advance, "games": games}, better_seed)
    assert state.complete and state.champion == 1001
    assert [r.seed for r in FFA.standings(state)] == list(range(1, n + 1))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 40), salt=st.integers(0, 9999), pick=st.integers(0, 99))
def test_correction_then_replay_equals_fresh_build(n: int, salt: int, pick: int) -> None:
    correction_roundtrip(FFA, n, {"lobby_size": 6, "advance": 3, "games": 2}, shuffled(salt), pick)


# ---------------------------------------------------------------------- disqualification
def lobby_of(state: BracketState, eid: int, round_no: int) -> Match | None:
    found = [m for m in state if m.round == round_no and eid in m.participants]
    return found[0] if found else None


def play_round(state: BracketState, round_no: int, log: list[ResultFact]) -> None:
    """Report the better seeds first in every playable lobby of ``round_no``."""
    for m in state:
        if m.round == round_no and m.playable:
            fact = better_seed(m, state)
            FFA.check_result(state, fact)
            FFA.apply(state, fact)
            log.append(fact)


def assert_ranked_last(rows: list[StandingRow], out: set[int]) -> None:
    """``out`` ranks last (tied, shown disqualified); the others rank 1, 2, 3... with no
    hole (a tie shares a rank, as everywhere)."""
    active = [r for r in rows if r.entrant_id not in out]
    assert [r.entrant_id for r in rows[len(active):]] == sorted(out, key=lambda e: e % 1000)
    assert all(r.status == "disqualified" and r.rank == len(active) + 1 for r in rows[len(active):])
    assert all(r.status != "disqualified" for r in active)
    for i, r in enumerate(active):
        assert r.rank == i + 1 or (i and r.rank == active[i - 1].rank), [x.rank for x in active]


def test_a_disqualified_entrant_leaves_the_lobby_it_has_not_played() -> None:
    """Disqualified before its lobby is played: not listed in it, and a result that still
    places it is refused; the lobby plays with the others."""
    entrants = without(field(20), 1006)
    state = FFA.derive(entrants, {})
    m = state["F1-1"]
    assert m.status is MatchStatus.READY
    assert m.participants == (1001, 1007, 1012, 1013, 1018, 1019)
    stale = ResultFact(m.key, 1001, (*m.participants, 1006), (tuple(range(1, 8)),))
    with pytest.raises(ResultError) as err:
        FFA.check_result(state, stale)
    assert err.value.code == "participants_changed"
    fact = better_seed(m, state)
    FFA.check_result(state, fact)
    FFA.apply(state, fact)
    assert m.status is MatchStatus.COMPLETED
    state, log = play(FFA, state, better_seed)
    assert state.complete and state.champion == 1001
    assert all(1006 not in m.participants for m in state)
    # Its place goes on as usual: F1-1 still sends four (1013 fourth among those left).
    assert {1001, 1007, 1012, 1013} <= set(state["F2-1"].participants + state["F2-2"].participants)
    assert_ranked_last(FFA.standings(state), {1006})
    assert FFA.standings(state)[-1].values["round_reached"] is None


def test_a_disqualified_entrant_never_advances_the_next_placed_one_does() -> None:
    """Placed second of F1-1, then disqualified before round 2: it does not go on; the
    fifth of F1-1 (the next placed entrant still in) takes its seat, in its order."""
    log: list[ResultFact] = []
    state = FFA.derive(field(20), {})
    play_round(state, 1, log)
    assert state["F2-2"].participants[2] == 1006  # the 6th place of round 1 ...
    state = FFA.derive(without(field(20), 1006), {}, log)
    assert all(state[f.match].status is MatchStatus.COMPLETED for f in log)  # results stand
    assert lobby_of(state, 1006, 2) is None
    assert state["F2-2"].participants[2] == 1013  # ... is 1013's now
    assert lobby_of(state, 1018, 2) is None
    rows = FFA.standings(state)
    assert {r.entrant_id: r.status for r in rows}[1013] == "active"
    assert {r.entrant_id: r.status for r in rows}[1018] == "eliminated"
    assert_ranked_last(rows, {1006})
    state, log = play(FFA, state, better_seed, log)
    assert state.complete and state.champion == 1001
    assert all(1006 not in m.participants for m in state if m.round > 1)
    assert_ranked_last(FFA.standings(state), {1006})


def test_a_result_recorded_before_the_disqualification_stands() -> None:
    """Disqualified after playing round 2: round 2 stays as played (it placed first of
    F2-1), it does not reach the final (F2-1's fifth does), and it ranks last."""
    log: list[ResultFact] = []
    state = FFA.derive(field(20), {})
    play_round(state, 1, log)
    play_round(state, 2, log)
    final = state["F3-1"]
    assert 1001 in final.participants and 1009 not in final.participants
    played = outcome_view(state)[:5]
    state = FFA.derive(without(field(20), 1001), {}, log)
    assert outcome_view(state)[:5] == played
    assert state["F2-1"].winner == 1001
    final = state["F3-1"]
    assert 1001 not in final.participants and 1009 in final.participants
    assert final.status is MatchStatus.READY
    state, _ = play(FFA, state, better_seed, log)
    assert state.champion == 1002
    rows = FFA.standings(state)
    assert rows[0].entrant_id == 1002 and rows[0].status == "champion"
    assert_ranked_last(rows, {1001})
    assert rows[-1].values["round_reached"] == 2 and rows[-1].values["placing"] == 1


def test_a_champion_disqualified_afterwards_is_no_champion() -> None:
    state, log = run(FFA, 20, {}, better_seed)
    before = outcome_view(state)
    state = FFA.derive(without(field(20), 1001), {}, log)
    assert outcome_view(state) == before  # nothing recorded is undone
    assert state.complete and state.champion == 1002
    rows = FFA.standings(state)
    assert [r.entrant_id for r in rows][:2] == [1002, 1003] and rows[0].status == "champion"
    assert_ranked_last(rows, {1001})


def test_a_played_lobby_keeps_whoever_took_a_place() -> None:
    """F1-1's fourth (1012) leaves first: 1013 takes its seat and plays F2-1. Then its
    second (1006, in F2-2, not played yet) leaves too: F2-1 as played stands (1013 keeps
    that seat, whatever order they left in) and 1018 takes 1006's."""
    log: list[ResultFact] = []
    state = FFA.derive(field(20), {})
    play_round(state, 1, log)
    state = FFA.derive(without(field(20), 1012), {}, log)
    assert 1013 in state["F2-1"].participants
    f21 = better_seed(state["F2-1"], state)
    FFA.check_result(state, f21)
    log.append(f21)
    state = FFA.derive(without(field(20), 1012, 1006), {}, log)
    assert state["F2-1"].status is MatchStatus.COMPLETED and state["F2-1"].result == f21
    assert 1013 in state["F2-1"].participants
    assert 1018 in state["F2-2"].participants and 1006 not in state["F2-2"].participants
    assert_ranked_last(FFA.standings(state), {1006, 1012})


def test_a_lobby_everyone_left_is_skipped_and_sends_nobody() -> None:
    """Lobbies of 2, one goes on; 1 and 4 share F1-1 and both leave: it is skipped, its
    seat in round 2 stays empty, and the field still finishes."""
    state = FFA.derive(without(field(4), 1001, 1004), {"lobby_size": 2, "advance": 1})
    assert state["F1-1"].status is MatchStatus.SKIPPED and state["F1-1"].participants == ()
    state, log = play(FFA, state, better_seed)
    assert log == [state["F1-2"].result]
    assert state["F2-1"].participants == (1002,) and state["F2-1"].status is MatchStatus.SKIPPED
    assert state.complete and state.champion == 1002
    assert_ranked_last(FFA.standings(state), {1001, 1004})


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 40),
    lobby=st.integers(2, 8),
    advance=st.integers(1, 7),
    games=st.integers(1, 2),
    salt=st.integers(0, 9999),
    who=st.integers(1, 40),
    when=st.integers(0, 40),
)
def test_a_disqualified_entrant_never_plays_on_and_ranks_last(
    n: int, lobby: int, advance: int, games: int, salt: int, who: int, when: int
) -> None:
    """Any field, any lobby size, an entrant disqualified after any number of lobby
    results: what was played stands; it is in no lobby played after that and no later
    round; the rest play to a champion still in; it ranks last and the others 1, 2, 3..."""
    advance = min(advance, lobby - 1)
    try:
        round_sizes(n, lobby, advance)
    except ValueError:
        return
    options = FFA.validate_options({"lobby_size": lobby, "advance": advance, "games": games})
    oracle = shuffled(salt)
    state = FFA.derive(field(n), options)
    log: list[ResultFact] = []
    while len(log) < when and (ready := state.ready()):
        fact = oracle(ready[0], state)
        FFA.check_result(state, fact)
        FFA.apply(state, fact)
        log.append(fact)
    played_before = {f.match for f in log}
    x = 1000 + (who - 1) % n + 1
    # Up to its last round played, it stays: byes included (it went through them).
    last_played = max(
        (state[k].round for k in played_before if x in state[k].participants), default=0
    )
    before = {m.key: m.snapshot() for m in state if m.key in played_before}
    entrants = without(field(n), x)
    state = FFA.derive(entrants, options, log)
    assert {k: state[k].snapshot() for k in played_before} == before, "a played lobby changed"
    assert all(x not in m.participants for m in state if m.round > last_played)
    state, log = play(FFA, state, oracle, log)
    assert state.complete and state.champion is not None and state.champion != x
    for m in state:
        if x in m.participants:
            assert m.round <= last_played and (m.key in played_before or m.round < last_played)
    rebuilt = FFA.derive(entrants, options, list(reversed(log)))
    assert rebuilt.snapshot() == state.snapshot(), "derive is not a function of the facts"
    assert FFA.standings(rebuilt) == FFA.standings(state)
    rows = FFA.standings(state)
    assert_ranked_last(rows, {x})


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 40),
    lobby=st.integers(2, 6),
    advance=st.integers(1, 5),
    salt=st.integers(0, 9999),
    leaving=st.lists(st.tuples(st.integers(1, 40), st.integers(0, 8)), min_size=2, max_size=4),
)
def test_lobbies_played_stay_as_played_whoever_leaves_later(
    n: int, lobby: int, advance: int, salt: int, leaving: list[tuple[int, int]]
) -> None:
    """Several entrants leave, each after some more lobby results, in any order: every
    lobby already played stays exactly as it was (the places their departure frees go to
    whom those lobbies were played with), and the field still finishes."""
    advance = min(advance, lobby - 1)
    try:
        round_sizes(n, lobby, advance)
    except ValueError:
        return
    options = FFA.validate_options({"lobby_size": lobby, "advance": advance})
    oracle = shuffled(salt)
    state = FFA.derive(field(n), options)
    log: list[ResultFact] = []
    out: set[int] = set()
    for who, more in leaving:
        for _ in range(more):
            if not (ready := state.ready()):
                break
            fact = oracle(ready[0], state)
            FFA.check_result(state, fact)
            FFA.apply(state, fact)
            log.append(fact)
        played = {f.match: state[f.match].snapshot() for f in log}
        out.add(1000 + (who - 1) % n + 1)
        state = FFA.derive(without(field(n), *out), options, log)
        assert {k: state[k].snapshot() for k in played} == played, "a played lobby changed"
    state, log = play(FFA, state, oracle, log)
    assert state.complete
    assert state.champion not in out
    if set(state.matches[-1].participants) - out:
        assert state.champion is not None
    assert_ranked_last(FFA.standings(state), out)
