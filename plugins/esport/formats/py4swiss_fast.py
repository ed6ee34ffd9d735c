"""py4swiss's Dutch engine with a faster set-up: the same pairings in a third of the time.

Profiling stock py4swiss 0.3.1 on one round at 1,024 players (after three random rounds,
as bench/bench_brackets.py does; about 30 s CPU here) shows under cProfile: about
70% in ``BracketMatcher._get_weight``, which evaluates the fifteen quality criteria
C.5-C.19 in Python on multi-word ``DynamicUint`` integers for every pair of players of
every bracket (each bracket also holds the next score group: 330,000 pairs); about 8% in
``ValidityMatcher.is_allowed_pair`` (a set built per call, for 850,000 pairs); the rest
mostly in the C++ blossom matching: 519 bracket matchings and 7 completion checks.

* The quality weight of a pair depends only on the bracket and on what the criteria read
  of the two players — role, score, colour preference and difference, floats, topscorer,
  bye — never on who they are. :class:`FastBracketMatcher` asks stock py4swiss for the
  weight of the first allowed pair of each kind and gives the others copies.
* :class:`FastValidityMatcher` answers the absolute criteria (C.1 no rematch, C.3
  absolute colour preferences, forbidden pairs) from per-player facts computed once, and
  answers a completion check "yes" at once where Dirac's theorem guarantees it.

Everything else — the bracket sequence, every weight adjustment and every call to the
bracket matching computer, in the same order with the same values — is stock py4swiss, so
the pairings are identical (tests/plugins/esport/test_swisspy4swiss_fast.py checks it
against stock: pairings, every bracket graph edge by edge, every completion check).
Remaining time at 1,024 (8-10 s): mostly the C++ bracket matchings.

These classes lean on py4swiss internals, so :func:`dutch_engine` returns them only for
the versions they were checked against (:data:`CHECKED_VERSIONS`) and stock py4swiss
otherwise.
"""
from __future__ import annotations

import functools
import types
from collections.abc import Callable, Hashable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from typing import Any, cast

from py4swiss.dynamicuint import DynamicUint
from py4swiss.engines import DutchEngine
from py4swiss.engines.common import ColorPreferenceStrength
from py4swiss.engines.dutch.bracket import BracketPairer
from py4swiss.engines.dutch.bracket.bracket_matcher import BracketMatcher
from py4swiss.engines.dutch.criteria.absolute import C2
from py4swiss.engines.dutch.player import Player
from py4swiss.engines.dutch.validity_matcher import ValidityMatcher

#: py4swiss releases whose internals these classes were checked against.
CHECKED_VERSIONS = ("0.3.1",)


def _quality_kind(player: Player) -> tuple[Hashable, ...]:
    """Everything the quality criteria (and the bye preference bits) read of a player."""
    preference = player.color_preference
    return (
        player.role,
        player.points_with_acceleration,
        preference.side,
        preference.strength,
        player.color_difference,
        player.color_double,
        player.float_1,
        player.float_2,
        player.top_scorer,
        player.bye_received,
    )


class FastValidityMatcher(ValidityMatcher):
    """Stock ValidityMatcher whose pair test reads precomputed per-player facts, and whose
    completion check answers from Dirac's theorem when it applies.

    The check asks whether the players not yet finalised (plus the bye vertex when the
    field is odd) can all be paired: a perfect matching of that graph, which stock
    py4swiss finds with its blossom matching (a third of a 1,024-player round). By Dirac's
    theorem a graph of n ≥ 3 vertices whose every vertex has degree ≥ n/2 has a
    Hamiltonian cycle, hence (n even) a perfect matching; early in a round the graph is
    nearly complete, so that holds and the answer is "yes" without matching. Otherwise
    stock py4swiss decides. Degrees are kept as each vertex's set of missing edges.
    """

    def __init__(self, players: list[Player], forbidden_pairs: set[tuple[int, int]]) -> None:
        """Index the forbidden pairs both ways and each player's C.3 facts, then set up."""
        self._forbidden_either_way = set(forbidden_pairs) | {(b, a) for a, b in forbidden_pairs}
        self._colour_facts = {
            p.id: (
                p.top_scorer,
                p.color_preference.side,
                p.color_preference.strength == ColorPreferenceStrength.ABSOLUTE,
            )
            for p in players
        }
        super().__init__(players, forbidden_pairs)

    def _set_up_computer(self) -> None:
        """Stock graph (weight 1 per allowed pair, bye edges when odd), set in stock order."""
        computer = self._computer
        for _ in range(self._len):
            computer.add_vertex()
        players = self._players
        allowed = self.is_allowed_pair
        set_edge_weight = computer.set_edge_weight
        count = len(players)
        missing: list[set[int]] = [set() for _ in range(self._len)]
        for i, player_1 in enumerate(players):
            for j in range(i + 1, count):
                edge = allowed(player_1, players[j])
                set_edge_weight(i, j, int(edge))
                if not edge:
                    missing[i].add(j)
                    missing[j].add(i)
        if count % 2 == 1:
            for i, player in enumerate(players):
                edge = C2.evaluate(player, player)
                set_edge_weight(i, count, int(edge))
                if not edge:
                    missing[i].add(count)
                    missing[count].add(i)
        self._missing = missing
        self._open = set(range(self._len))
        self._degrees_known = True

    def finalize_match(self, player_1: Player, player_2: Player) -> None:
        """Stock finalisation; the pair leaves the graph of players still to pair."""
        super().finalize_match(player_1, player_2)
        pair = (self._index_dict[player_1], self._index_dict[player_2])
        if not self._open.issuperset(pair) or pair[0] == pair[1]:
            # Not a fresh pair (stock py4swiss never asks after this): no shortcut.
            self._degrees_known = False
            return
        self._open.difference_update(pair)
        for u in pair:
            for v in self._missing[u]:
                self._missing[v].discard(u)

    def is_valid_matching(self) -> bool:
        """Stock answer; "yes" at once where Dirac's theorem guarantees it."""
        size = len(self._open)
        if self._degrees_known and size >= 4:
            most_missing = max(len(self._missing[u]) for u in self._open)
            if size - 1 - most_missing >= size / 2:
                return True
        return super().is_valid_matching()

    def is_allowed_pair(self, player_1: Player, player_2: Player) -> bool:
        """Stock pair test: not forbidden, no rematch (C.1), and not two non-topscorers
        with the same absolute colour preference (C.3)."""
        id_1, id_2 = player_1.id, player_2.id
        if (id_1, id_2) in self._forbidden_either_way or id_1 in player_2.opponents:
            return False
        top_1, side_1, absolute_1 = self._colour_facts[id_1]
        top_2, side_2, absolute_2 = self._colour_facts[id_2]
        return top_1 or top_2 or side_1 != side_2 or not (absolute_1 and absolute_2)


class FastBracketMatcher(BracketMatcher):
    """Stock BracketMatcher computing each kind of pair's weight once per bracket."""

    def _set_up_computer(self) -> None:
        """Stock graph, set in stock order; each kind of pair's weight is computed once."""
        computer = self._computer
        for _ in range(self._len):
            computer.add_vertex()
        players = self._player_list
        kinds = [_quality_kind(p) for p in players]
        weights = self._weights
        zero = self._zero_weight  # never changed in place: py4swiss skips zero edges
        allowed = self._validity_matcher.is_allowed_pair
        set_edge_weight = computer.set_edge_weight
        stock_weight = super()._get_weight
        weight_of_kinds: dict[tuple[Hashable, Hashable], DynamicUint] = {}
        count = len(players)
        for i, player_1 in enumerate(players):
            kind_1, row = kinds[i], weights[i]
            for j in range(i + 1, count):
                player_2 = players[j]
                if allowed(player_1, player_2):
                    kinds_12 = (kind_1, kinds[j])
                    weight = weight_of_kinds.get(kinds_12)
                    if weight is None:
                        weight = weight_of_kinds[kinds_12] = stock_weight(player_1, player_2)
                    # A copy per edge: py4swiss zeroes a removed edge's weight in place.
                    weight = DynamicUint(weight)
                else:
                    weight = zero
                row[j] = weights[j][i] = weight
                set_edge_weight(i, j, weight)


def _with_names(function: Callable[..., Any], **names: Any) -> Callable[..., Any]:
    """``function``'s own code, resolving the given global names to our classes.

    This swaps the collaborators a stock py4swiss method constructs without copying its
    code or patching the py4swiss modules (which other callers share).
    """
    rebound = types.FunctionType(
        function.__code__,
        {**function.__globals__, **names},
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    rebound.__qualname__ = function.__qualname__
    rebound.__kwdefaults__ = function.__kwdefaults__
    rebound.__doc__ = function.__doc__
    return rebound


class FastBracketPairer(BracketPairer):
    """Stock BracketPairer that builds a :class:`FastBracketMatcher`."""

    __init__ = _with_names(BracketPairer.__init__, BracketMatcher=FastBracketMatcher)


class FastDutchEngine(DutchEngine):
    """Stock Dutch engine pairing with the fast matchers above."""

    generate_pairings = classmethod(
        _with_names(
            # A classmethod read on its class is a bound method; take the plain function.
            cast(types.MethodType, DutchEngine.generate_pairings).__func__,
            ValidityMatcher=FastValidityMatcher,
            BracketPairer=FastBracketPairer,
        )
    )


@functools.cache
def py4swiss_version() -> str:
    """The installed py4swiss version ("" if its metadata is missing)."""
    try:
        return installed_version("py4swiss")
    except PackageNotFoundError:  # pragma: no cover - py4swiss imported above
        return ""


def dutch_engine() -> type[DutchEngine]:
    """The fast engine for a checked py4swiss version, else stock py4swiss's."""
    return FastDutchEngine if py4swiss_version() in CHECKED_VERSIONS else DutchEngine
