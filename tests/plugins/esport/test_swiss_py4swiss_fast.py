"""The fast py4swiss path pairs exactly as stock py4swiss (differential tests)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py4swiss.engines import DutchEngine
from py4swiss.engines.common import PairingError as Py4SwissPairingError
from py4swiss.engines.dutch.bracket.bracket_matcher import BracketMatcher
from py4swiss.engines.dutch.validity_matcher import ValidityMatcher
from py4swiss.trf import ParsedTrf
from py4swiss.trf.codes import PlayerCode
from py4swiss.trf.results import RoundResult
from py4swiss.trf.results.color_token import ColorToken
from py4swiss.trf.results.result_token import ResultToken
from py4swiss.trf.sections import PlayerSection, XSection
from py4swiss.trf.sections.x_section import XSectionConfiguration

from podium.plugins.esport.formats import py4swiss_fast
from podium.plugins.esport.formats.py4swiss_engine import pair_with_py4swiss
from podium.plugins.esport.formats.py4swiss_fast import (
    FastBracketMatcher,
    FastDutchEngine,
    FastValidityMatcher,
    dutch_engine,
)
from podium.plugins.esport.formats.swiss import FORMAT as SW
from podium.plugins.esport.formats.swiss import (
    PY4SWISS_LIMIT,
    STOCK_PY4SWISS_LIMIT,
    py4swiss_limit,
)
from podium.tests.plugins.esport.support import field, pair
from podium.tournaments.engine import ResultFact

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

WHITE, BLACK, NONE = ColorToken.WHITE, ColorToken.BLACK, ColorToken.BYE_OR_NOT_PAIRED
# Played and forfeited results as (white's token, black's token), with their odds.
GAMES = (("1", "0"), ("0", "1"), ("=", "="), ("+", "-"), ("-", "+"), ("-", "-"))
GAME_ODDS = (35, 35, 18, 5, 5, 2)
POINTS = {"1": 10, "+": 10, "=": 5, "U": 10, "F": 10, "H": 5}


def report(
    history: dict[int, list[RoundResult]],
    rounds: int,
    absent: set[int],
    forbidden: set[tuple[int, int]],
    white_first: bool,
    accelerations: dict[int, list[int]],
) -> ParsedTrf:
    """A TRF report of ``history`` asking for the next round (built afresh per engine)."""
    sections = [
        PlayerSection(
            code=PlayerCode.PLAYER,
            starting_number=s,
            points_times_ten=sum(POINTS.get(x.result.value, 0) for x in results),
            rank=s,
            results=list(results),
        )
        for s, results in sorted(history.items())
    ]
    return ParsedTrf(
        player_sections=sections,
        x_section=XSection(
            number_of_rounds=rounds,
            zeroed_ids=set(absent),
            forbidden_pairs=set(forbidden),
            configuration=XSectionConfiguration(first_round_color=white_first),
            accelerations={s: list(a) for s, a in accelerations.items()},
        ),
    )


def pairings(engine: type[DutchEngine], trf: ParsedTrf) -> list[tuple[int, int]] | str:
    """(white, black) starting numbers in published order, or the engine's refusal."""
    try:
        return [(p.white, p.black) for p in engine.generate_pairings(trf)]
    except Py4SwissPairingError as err:
        return f"refused: {err}"


def play_and_compare(n: int, rounds: int, salt: int, chaotic: bool = False) -> int:
    """Play ``rounds`` rounds of an ``n``-player Swiss with random results, byes, absences,
    withdrawals, forbidden pairs and accelerations; before each round, stock and fast
    py4swiss must give the same pairings. Returns how many rounds were paired.

    ``chaotic``: the rounds before the last are random pairings with random colours (so
    colour differences and repeated colours are extreme), and only the last round, where
    topscorers count, is compared."""
    rng = random.Random(salt)
    history: dict[int, list[RoundResult]] = {s: [] for s in range(1, n + 1)}
    withdrawn: set[int] = set()
    forbidden: set[tuple[int, int]] = set()
    if n > 1:
        for _ in range(rng.randint(0, n // 8)):
            low, high = sorted(rng.sample(range(1, n + 1), 2))
            forbidden.add((low, high))
    accelerations = {
        s: [rng.choice((0, 5, 10)) for _ in range(rounds + 1)]
        for s in range(1, n + 1)
        if salt % 4 == 0 and s <= n // 2
    }
    white_first = salt % 3 != 0
    for r in range(rounds):
        # Requested byes (half, full or zero point) for this round, and withdrawals.
        requested = {s: rng.choice("HFZ") for s in history if rng.random() < 0.05}
        if rng.random() < 0.3:
            withdrawn.add(rng.randint(1, n))
        absent = withdrawn | set(requested)
        args = (history, rounds, absent, forbidden, white_first, accelerations)
        stock: list[tuple[int, int]] | str
        if chaotic and r < rounds - 1:
            stock = random_pairs(rng, [s for s in history if s not in absent])
        else:
            stock = pairings(DutchEngine, report(*args))
            fast = pairings(FastDutchEngine, report(*args))
            assert fast == stock, f"round {r + 1}: n={n} salt={salt} chaotic={chaotic}"
        if isinstance(stock, str):
            return r
        seen = set()
        for white, black in stock:
            seen |= {white, black}
            if black == 0:
                history[white].append(RoundResult(id=0, color=NONE, result=ResultToken("U")))
                continue
            w, b = rng.choices(GAMES, GAME_ODDS)[0]
            history[white].append(RoundResult(id=black, color=WHITE, result=ResultToken(w)))
            history[black].append(RoundResult(id=white, color=BLACK, result=ResultToken(b)))
        for s in history:
            if s not in seen:
                token = requested.get(s, "Z")
                history[s].append(RoundResult(id=0, color=NONE, result=ResultToken(token)))
    return rounds


def random_pairs(rng: random.Random, present: list[int]) -> list[tuple[int, int]]:
    """Any pairing of the present players (rematches allowed), the odd one out a bye."""
    rng.shuffle(present)
    pairs = [(present[i], present[i + 1]) for i in range(0, len(present) - 1, 2)]
    return pairs + [(present[-1], 0)] if len(present) % 2 else pairs


@contextmanager
def every_bracket_graph_checked() -> Iterator[None]:
    """While active, each bracket graph the fast path builds is checked edge by edge
    against stock py4swiss's weight for that pair (before any pairing step changes it),
    and each completion check against stock py4swiss's answer."""
    set_up = FastBracketMatcher._set_up_computer
    completes = FastValidityMatcher.is_valid_matching

    def checked(matcher: FastBracketMatcher) -> None:
        set_up(matcher)
        players = matcher._player_list
        for i, j in combinations(range(len(players)), 2):
            stock = BracketMatcher._get_weight(matcher, players[i], players[j])
            assert matcher._weights[i][j] == stock, (players[i].id, players[j].id)

    def checked_completion(matcher: FastValidityMatcher) -> bool:
        answer = completes(matcher)
        assert answer == ValidityMatcher.is_valid_matching(matcher)
        return answer

    with (
        mock.patch.object(FastBracketMatcher, "_set_up_computer", checked),
        mock.patch.object(FastValidityMatcher, "is_valid_matching", checked_completion),
    ):
        yield


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(2, 60),
    rounds=st.integers(1, 6),
    salt=st.integers(0, 10**6),
    chaotic=st.booleans(),
)
def test_fast_py4swiss_pairs_random_histories_as_stock(
    n: int, rounds: int, salt: int, chaotic: bool
) -> None:
    with every_bracket_graph_checked():
        play_and_compare(n, rounds, salt, chaotic)


def test_fast_py4swiss_pairs_a_large_field_as_stock() -> None:
    """200 players (forfeits, absences, withdrawals): the same pairings in rounds 1 to 4."""
    assert play_and_compare(200, 4, salt=20_251) == 4


def test_podium_uses_the_fast_engine_and_matches_stock_through_the_format() -> None:
    """Through Podium's Swiss format (random results, draws, a withdrawal): the default
    engine is the fast one, and it pairs round 4 of 128 players as stock py4swiss does."""
    assert dutch_engine() is FastDutchEngine
    rng = random.Random(7)
    entrants = field(128)
    options = SW.validate_options({"system": "dutch", "rounds": 5, "engine": "py4swiss"})
    state = SW.derive(entrants, options)
    log: list[ResultFact] = []
    for _ in range(3):
        state = SW.derive(entrants, options, log, (*state.pairings, SW.next_round(state)))
        for m in state.ready():
            a, b = pair(m)
            x = rng.random()
            if x < 0.15:
                fact = ResultFact(m.key, None, (a, b), ((1, 1),))
            else:
                w = a if x < 0.6 else b
                fact = ResultFact(m.key, w, (a, b), ((1, 0),) if w == a else ((0, 1),))
            log.append(fact)
            SW.apply(state, fact)
    players = SW._players(state)
    active = {e.id for e in state.entrants if e.id != 1_017}  # one withdrawal
    stock = pair_with_py4swiss(state, players, active, 5, engine=DutchEngine)
    fast = pair_with_py4swiss(state, players, active, 5)
    assert fast == stock
    assert len(fast) == 64  # 127 active: 63 tables and the bye


def test_an_unchecked_py4swiss_version_falls_back_to_stock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another py4swiss release gets stock py4swiss, and engine=auto its smaller limit."""
    assert py4swiss_limit() == PY4SWISS_LIMIT == 1_024
    monkeypatch.setattr(py4swiss_fast, "py4swiss_version", lambda: "0.4.0")
    assert dutch_engine() is DutchEngine
    assert py4swiss_limit() == STOCK_PY4SWISS_LIMIT == 256
