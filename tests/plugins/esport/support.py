"""Helpers shared by the esport format tests: fields, outcome oracles, play-through."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from podium.plugins.esport.formats.free_for_all import FreeForAll
from podium.tournaments.engine import (
    BYE,
    BracketFormat,
    BracketState,
    Entrant,
    EntrantId,
    Match,
    MatchStatus,
    ResultFact,
)

#: Entrant ids are offset from seeds so a test can never confuse the two.
ID_OFFSET = 1000

Oracle = Callable[[Match, BracketState], ResultFact]


def field(n: int) -> list[Entrant]:
    """N entrants, seeds 1..N, ids 1001..1000+N."""
    return [Entrant(ID_OFFSET + s, s) for s in range(1, n + 1)]


def without(entrants: Sequence[Entrant], *out: Any) -> list[Entrant]:
    """The same field with ``out`` withdrawn or disqualified (``active=False``)."""
    return [Entrant(e.id, e.seed, e.id not in out) for e in entrants]


def seed(state: BracketState, eid: Any) -> int:
    """The seed of an entrant id."""
    return state.seed_of[eid]


def sides(m: Match) -> tuple[EntrantId, ...]:
    """The participants of ``m``, every side known (what a result lists); fails the test
    when a side is not known yet or empty (a bye)."""
    known = tuple(p for p in m.participants if p is not None)
    assert len(known) == len(m.participants), f"{m.key} has an unknown side: {m.participants}"
    return known


def pair(m: Match) -> tuple[EntrantId, EntrantId]:
    """The two known sides of a two-sided match (see :func:`sides`)."""
    a, b = sides(m)
    return a, b


def fact_for(m: Match, winner: Any, games: int = 1) -> ResultFact:
    """A result for ``m`` as reported by its current participants."""
    a, b = pair(m)
    if winner == a:
        g = tuple((1, 0) for _ in range(games))
    else:
        g = tuple((0, 1) for _ in range(games))
    return ResultFact(m.key, winner, (a, b), g)


def better_seed(m: Match, state: BracketState) -> ResultFact:
    """The better seed always wins (in a lobby: finishes ahead, every game)."""
    if m.extra is not None and "entrants" in m.extra:
        parts = list(sides(m))
        order = sorted(parts, key=lambda e: state.seed_of[e])
        place = {e: i + 1 for i, e in enumerate(order)}
        games = tuple(tuple(place[e] for e in parts) for _ in range(m.best_of))
        return ResultFact(m.key, order[0], tuple(parts), games)
    a, b = pair(m)
    return fact_for(m, a if state.seed_of[a] < state.seed_of[b] else b)


def hashed(salt: int) -> Oracle:
    """A deterministic 'random' winner per (match key, pair): replays agree with themselves."""

    def oracle(m: Match, state: BracketState) -> ResultFact:
        a, b = pair(m)
        lo, hi = sorted((a, b), key=repr)
        h = hashlib.blake2b(f"{salt}:{m.key}:{lo}:{hi}".encode(), digest_size=2).digest()
        return fact_for(m, lo if h[0] & 1 else hi)

    return oracle


def play(
    fmt: BracketFormat,
    state: BracketState,
    oracle: Oracle,
    log: list[ResultFact] | None = None,
    limit: int = 100_000,
) -> tuple[BracketState, list[ResultFact]]:
    """Report results for every playable match until none is left (incremental path).

    Dynamic formats get their next round paired (and the state re-derived with the new
    pairing fact, as the domain does) whenever the current round is done.
    Returns the final state and the results log (appended to ``log`` when given).
    """
    log = [] if log is None else log
    for _ in range(limit):
        playable = [m for m in state.matches if m.playable]
        if not playable:
            if fmt.dynamic and not state.complete:
                pairing = fmt.next_round(state)
                state = fmt.derive(state.entrants, state.options, log, (*state.pairings, pairing))
                continue
            return state, log
        for m in playable:
            if not m.playable:
                continue
            fact = oracle(m, state)
            fmt.check_result(state, fact)
            log.append(fact)
            fmt.apply(state, fact)
    raise AssertionError("did not finish")


def run(
    fmt: BracketFormat,
    n: int,
    options: dict[str, Any] | None,
    oracle: Oracle,
) -> tuple[BracketState, list[ResultFact]]:
    """Derive a fresh tournament of ``n`` and play it to the end; return state and log."""
    state = fmt.derive(field(n), fmt.validate_options(options or {}))
    return play(fmt, state, oracle)


def _normal_result(m: Match) -> Any:
    """The applied result in the match's own slot order (reporters may list sides swapped)."""
    fact = m.result
    if fact is None or m.status is not MatchStatus.COMPLETED:
        return None
    order = list(sides(m))
    if list(fact.participants) == order:
        return (fact.winner, fact.games, fact.forfeit)
    perm = [list(fact.participants).index(p) for p in order]
    games = tuple(tuple(g[i] for i in perm) for g in fact.games)
    return (fact.winner, games, fact.forfeit)


def outcome_view(state: BracketState) -> list[tuple[Any, ...]]:
    """What a correction must reproduce: structure, participants, winners, applied results."""
    return [
        (m.key, m.status, m.participants, m.a is BYE, m.b is BYE, m.w, m.l, _normal_result(m))
        for m in state.matches
    ]


def real_losses(state: BracketState) -> dict[Any, int]:
    """Losses per entrant in really played matches (byes excluded)."""
    out: dict[Any, int] = {e.id: 0 for e in state.entrants}
    for m in state.played:
        if m.w is BYE:
            out[m.a] += 1
            out[m.b] += 1
        else:
            out[m.l] += 1
    return out


def flipped(m: Match, fact: ResultFact, state: BracketState) -> ResultFact:
    """The same match with the other outcome (two-sided: the other winner; a lobby: every
    game's placements reversed, the winner as the format ranks the lobby)."""
    if m.extra is not None and "entrants" in m.extra:
        n = len(fact.participants)
        games = tuple(tuple(n + 1 - p for p in g) for g in fact.games)
        draft = ResultFact(fact.match, None, fact.participants, games)
        assert isinstance(state.format, FreeForAll), "lobbies are free-for-all's"
        order, _ = state.format.lobby_order(state, draft)
        return ResultFact(fact.match, order[0], fact.participants, games)
    a, b = fact.participants
    return fact_for(m, b if fact.winner == a else a)


def correction_roundtrip(
    fmt: BracketFormat,
    n: int,
    options: dict[str, Any],
    oracle: Oracle,
    pick: int,
) -> None:
    """Correct one played result, replay what needs replaying, compare with a fresh build
    where that result was the corrected one from the start."""
    state, log = run(fmt, n, options, oracle)
    decided = [f for f in log if state[f.match].status is MatchStatus.COMPLETED]
    target = decided[pick % len(decided)]
    corrected = flipped(state[target.match], target, state)

    def oracle2(m: Match, st: BracketState) -> ResultFact:
        return corrected if m.key == corrected.match else oracle(m, st)

    fmt.check_result(state, corrected)  # correcting a completed match is accepted
    fmt.apply(state, corrected)
    log.append(corrected)
    rebuilt = fmt.derive(state.entrants, state.options, log, state.pairings)
    assert outcome_view(state) == outcome_view(rebuilt), "incremental != derive from the log"
    assert all(state[f.match].result is not None for f in log), "a recorded result vanished"
    for m in state:
        if m.status is MatchStatus.NEEDS_REPLAY:
            assert m.winner is None, "a match needing replay advanced someone"
    state, _ = play(fmt, state, oracle2, log)
    fresh, _ = run(fmt, n, options, oracle2)
    assert outcome_view(state) == outcome_view(fresh)
    assert [r.to_dict() for r in fmt.standings(state)] == [
        r.to_dict() for r in fmt.standings(fresh)
    ]
