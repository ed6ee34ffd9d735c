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
    run,
    sides,
)
from podium.tournaments.engine import BracketState, Match, MatchStatus, ResultError, ResultFact

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
