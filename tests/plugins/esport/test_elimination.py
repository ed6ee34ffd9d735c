"""Single and double elimination: examples from DOMAIN.md and hypothesis properties."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.double_elimination import FORMAT as DE
from podium.plugins.esport.formats.single_elimination import FORMAT as SE
from podium.tests.plugins.esport.support import (
    better_seed,
    correction_roundtrip,
    fact_for,
    field,
    hashed,
    pair,
    play,
    real_losses,
    run,
    sides,
)
from podium.tournaments.engine import (
    BYE,
    BracketFormat,
    MatchStatus,
    ResultError,
    ResultFact,
    first_round,
    fold_order,
    next_power_of_two,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

FAST = settings(max_examples=40, deadline=None)
sizes = st.integers(min_value=2, max_value=70)


# ------------------------------------------------------------------ seeding examples
def test_fold_for_sixteen() -> None:
    pairs = list(zip(fold_order(16)[::2], fold_order(16)[1::2], strict=True))
    assert pairs == [(1, 16), (8, 9), (4, 13), (5, 12), (2, 15), (7, 10), (3, 14), (6, 11)]


def test_thirteen_entrants_round_one() -> None:
    """DOMAIN.md: ``1-bye 8-9 4-13 5-12 2-bye 7-10 3-bye 6-11``."""
    assert first_round(13) == [
        (1, None), (8, 9), (4, 13), (5, 12), (2, None), (7, 10), (3, None), (6, 11),
    ]  # fmt: skip
    state = SE.derive(field(13), {})
    shown = []
    for m in state:
        if m.round != 1:
            continue
        a, b = (state.seed_of.get(x) if x is not None else "bye" for x in m.participants)
        shown.append(f"{a}-{b}")
        # Byes are resolved at once and never offered as playable.
        assert (m.status is MatchStatus.SKIPPED) == ("bye" in (a, b))
        assert not (m.is_bye and m.playable)
    assert " ".join(shown) == "1-bye 8-9 4-13 5-12 2-bye 7-10 3-bye 6-11"


def test_seeds_one_and_two_meet_only_in_the_final() -> None:
    state, _ = run(SE, 16, {}, better_seed)
    final = state["W4-1"]
    assert {state.seed_of[x] for x in sides(final)} == {1, 2}


def test_bye_winner_is_already_placed_in_round_two() -> None:
    state = SE.derive(field(13), {})
    w21 = state["W2-1"]
    assert w21.participants[0] == 1001  # seed 1 came through its bye
    slot = w21.slots(state)[1].to_dict()
    assert slot["entrant_id"] is None and slot["source"] == "winner of W1-2"
    assert slot["source_ref"] == {
        "kind": "winner",
        "match": "W1-2",
        "description": "winner of W1-2",
    }


# ------------------------------------------------------------------ options
def test_options_are_validated_with_clear_messages() -> None:
    assert DE.validate_options({})["grand_final"] == "reset"
    with pytest.raises(ValueError, match="grand_final.*none, single, reset"):
        DE.validate_options({"grand_final": "twice"})
    with pytest.raises(ValueError, match="unknown option 'thrid_place'"):
        SE.validate_options({"thrid_place": True})
    with pytest.raises(ValueError, match="best_of.*odd"):
        SE.validate_options({"best_of": 2})
    with pytest.raises(ValueError, match="tiebreakers"):
        SE.validate_options({"tiebreakers": ["coin_toss"]})
    with pytest.raises(ValueError, match="at least 2 entrants"):
        SE.derive(field(1), {})


# ------------------------------------------------------------------ result checks
def test_results_that_do_not_fit_are_refused() -> None:
    state = SE.derive(field(4), {"best_of": 3})
    m = state["W1-1"]
    a, b = pair(m)

    def code(fact: ResultFact) -> str:
        with pytest.raises(ResultError) as err:
            SE.check_result(state, fact)
        return err.value.code

    assert code(ResultFact("W1-1", 9999, (a, b), ((2, 0),))) == "winner_not_in_match"
    assert code(ResultFact("W1-1", a, (a, b), ((0, 1), (0, 1)))) == "games_contradict_winner"
    assert code(ResultFact("W1-1", a, (a, b), ((1, 0),) * 3)) == "games_contradict_winner"
    assert code(ResultFact("W1-1", None, (a, b), ((1, 1),))) == "draw_not_allowed"
    assert code(ResultFact("W2-1", a, (a, 1003), ())) == "not_ready"
    assert code(ResultFact("W1-1", a, (a, 1003), ())) == "participants_changed"
    assert code(ResultFact("nope", a, (a, b), ())) == "unknown_match"
    # Games given in the reporter's order are read in that order.
    SE.check_result(state, ResultFact("W1-1", b, (b, a), ((1, 0), (0, 1), (1, 0))))
    SE.check_result(state, ResultFact("W1-1", a, (a, b), (), forfeit=True))


# ------------------------------------------------------------------ single elimination
@FAST
@given(n=sizes, third=st.booleans(), salt=st.integers(0, 10_000))
def test_single_elimination_completes_with_one_champion(n: int, third: bool, salt: int) -> None:
    state, log = run(SE, n, {"third_place": third}, hashed(salt))
    assert state.complete and state.champion is not None
    losses = real_losses(state)
    assert [e for e, k in losses.items() if k == 0] == [state.champion]
    third_played = third and n >= 4
    assert len(state.played) == n - 1 + third_played
    assert len(log) == len(state.played)


@FAST
@given(n=sizes)
def test_byes_only_for_top_seeds(n: int) -> None:
    for fmt in (SE, DE):
        state = fmt.derive(field(n), {})
        byes = sorted(
            state.seed_of[m.w]
            for m in state
            if m.round == 1 and m.bracket == "winners" and m.is_bye
        )
        assert byes == list(range(1, next_power_of_two(n) - n + 1))


@FAST
@given(n=sizes, third=st.booleans())
def test_single_better_seed_wins_standings_equal_seeding(n: int, third: bool) -> None:
    state, _ = run(SE, n, {"third_place": third}, better_seed)
    rows = SE.standings(state)
    assert [r.seed for r in rows] == list(range(1, n + 1))
    assert rows[0].status == "champion"
    assert all(x.rank <= y.rank for x, y in pairwise(rows))


# ------------------------------------------------------------------ double elimination
@FAST
@given(n=sizes, salt=st.integers(0, 10_000))
def test_double_elimination_reset_everyone_but_champion_loses_twice(n: int, salt: int) -> None:
    state, _ = run(DE, n, {"grand_final": "reset"}, hashed(salt))
    assert state.complete and state.champion is not None
    losses = real_losses(state)
    champion = state.champion
    assert all(k == 2 for e, k in losses.items() if e != champion)
    reset_played = state["GF2"].status is MatchStatus.COMPLETED
    assert losses[champion] == int(reset_played)
    assert len(state.played) == 2 * n - 2 + reset_played
    if not reset_played:
        # Never playable when not needed: skipped as soon as GF1 went the favourite's way.
        assert state["GF2"].status is MatchStatus.SKIPPED


@FAST
@given(n=sizes, salt=st.integers(0, 10_000), gf=st.sampled_from(["single", "none"]))
def test_double_elimination_single_and_no_grand_final(n: int, salt: int, gf: str) -> None:
    state, _ = run(DE, n, {"grand_final": gf}, hashed(salt))
    assert state.complete and state.champion is not None
    losses = real_losses(state)
    if gf == "single":
        assert len(state.played) == 2 * n - 2
        gf1 = state["GF1"]
        once = {state.champion, gf1.loser} if gf1.loser == gf1.participants[0] else {state.champion}
        assert all(k == 2 for e, k in losses.items() if e not in once)
        assert "GF2" not in state.by_key
    else:
        assert len(state.played) == 2 * n - 3
        rows = DE.standings(state)
        assert rows[0].entrant_id == state.champion and losses[state.champion] == 0
        assert losses[rows[1].entrant_id] == 1
        assert all(losses[r.entrant_id] == 2 for r in rows[2:])


def test_reset_is_pending_then_ready_only_when_needed() -> None:
    state = DE.derive(field(4), {"grand_final": "reset"})
    state, _ = play(DE, state, better_seed)  # seed 1 wins everything: no reset
    assert state["GF2"].status is MatchStatus.SKIPPED and state.champion == 1001
    # Now the losers' champion (seed 2) takes GF1: the reset appears.
    gf1 = state["GF1"]
    DE.apply(state, fact_for(gf1, gf1.participants[1]))
    assert state["GF2"].status is MatchStatus.READY and not state.complete
    DE.apply(state, fact_for(state["GF2"], 1002))
    assert state.complete and state.champion == 1002
    rows = DE.standings(state)
    assert [r.entrant_id for r in rows[:2]] == [1002, 1001]


def test_double_elimination_structure_counts() -> None:
    for k in range(1, 9):
        n = 1 << k
        state = DE.derive(field(n), {"grand_final": "single"})
        wb = [m for m in state if m.bracket == "winners"]
        lb = [m for m in state if m.bracket == "losers"]
        assert len(wb) == n - 1
        assert len(lb) == max(0, n - 2)
        assert max((m.round for m in lb), default=0) == max(0, 2 * (k - 1))


@FAST
@given(n=sizes, gf=st.sampled_from(["none", "single", "reset"]))
def test_double_better_seed_wins_standings_equal_seeding(n: int, gf: str) -> None:
    state, _ = run(DE, n, {"grand_final": gf}, better_seed)
    rows = DE.standings(state)
    assert [r.seed for r in rows] == list(range(1, n + 1))
    assert rows[0].seed == 1


def test_losers_drop_order_keeps_early_rematches_away() -> None:
    """Better seeds winning everything: a dropper never meets a player it beat."""
    for n in (8, 16, 64, 256):
        state, _ = run(DE, n, {"grand_final": "single"}, hashed(n))
        met: dict[frozenset, int] = {}
        for m in state.played:
            met[frozenset((m.a, m.b))] = met.get(frozenset((m.a, m.b)), 0) + 1
        repeats = sum(1 for v in met.values() if v > 1)
        assert repeats <= 4  # the bench measures the average; this guards gross regressions


# ------------------------------------------------------------------ facts first
@settings(max_examples=60, deadline=None)
@given(
    fmt=st.sampled_from([SE, DE]),
    n=st.integers(2, 40),
    salt=st.integers(0, 10_000),
    pick=st.integers(0, 10_000),
    options=st.sampled_from(
        [{}, {"third_place": True}, {"grand_final": "single"}, {"grand_final": "none"}]
    ),
)
def test_correction_then_replay_equals_fresh_build(
    fmt: BracketFormat, n: int, salt: int, pick: int, options: dict[str, Any]
) -> None:
    if set(options) - {s.name for s in fmt.option_specs}:
        options = {}
    correction_roundtrip(fmt, n, options, hashed(salt), pick)


def test_correction_marks_later_matches_for_replay_not_dropped() -> None:
    state, log = run(SE, 8, {}, better_seed)
    w11 = state["W1-1"]  # 1 beat 8
    DE_like = fact_for(w11, 1008)
    SE.apply(state, DE_like)
    assert state["W2-1"].status is MatchStatus.NEEDS_REPLAY
    assert state["W2-1"].result is not None and state["W2-1"].stale
    assert state["W2-1"].participants == (1008, 1004)
    assert state["W3-1"].status is MatchStatus.NEEDS_REPLAY  # its recorded side is gone
    assert state["W3-1"].participants[0] is None and not state["W3-1"].playable
    assert not state.complete and state.champion is None
    # Replaying W2-1 with the new participants re-flows into the final.
    SE.apply(state, fact_for(state["W2-1"], 1004))
    assert state["W3-1"].status is MatchStatus.NEEDS_REPLAY and state["W3-1"].playable


def test_double_forfeit_eliminates_both() -> None:
    state = DE.derive(field(4), {})
    m = state["W1-1"]
    a, b = pair(m)
    DE.apply(state, ResultFact("W1-1", None, (a, b), (), forfeit=True))
    assert state["W1-1"].status is MatchStatus.COMPLETED and state["W1-1"].winner is None
    assert state["W2-1"].participants[0] is None and state["W2-1"].a is BYE
    assert state["L1-1"].a is BYE
