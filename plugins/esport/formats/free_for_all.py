"""Free-for-all: lobbies of N play together, points by placement, the top K go on.

Round 1 deals the field into lobbies of at most ``lobby_size`` by snake seeding. Each
lobby plays ``games`` games; every game awards ``points[place − 1]`` (default: the lobby
size for first, one less for each place below); a lobby ranks its players by points, then
by their placements compared best first (count-back), then by seed. The top ``advance`` of
every lobby go on; they are ordered by their place in their lobby, then points, then seed,
and dealt by snake seeding into the next round's lobbies. When the players left fit into
one lobby, that lobby is the final (bracket ``"final"``; earlier lobbies are in bracket
``"lobbies"``). Keys: ``F{round}-{lobby}``.

A lobby result's ``games`` are one tuple per game holding each participant's finishing
place (1 = first), in the order of ``participants``; its ``winner`` is whoever tops the
lobby. Until a round is complete, the next round's slots show their source
("3rd of round 1" = the third best advancer of round 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.core.i18n import _, gettext_noop
from podium.tournaments.engine import (
    BYE,
    BaseFormat,
    BracketState,
    Drawing,
    Entrant,
    Match,
    MatchKey,
    MatchStatus,
    OptionSpec,
    ResultError,
    ResultFact,
    StandingRow,
    latest_results,
    rank_rows,
    resolve,
    snake,
)
from podium.tournaments.engine.model import SlotRef


def round_sizes(n: int, lobby_size: int, advance: int) -> list[list[int]]:
    """Lobby sizes per round, e.g. 20 players in lobbies of 8 advancing 4:
    ``[[7, 7, 6], [4, 4, 4]]`` → 12 left ⇒ ``[6, 6]`` → 8 ⇒ ``[[8]]`` the final."""
    rounds: list[list[int]] = []
    count = n
    while True:
        lobbies = -(-count // lobby_size)
        sizes = [len(g) for g in snake(list(range(count)), lobbies)]
        rounds.append(sizes)
        if lobbies == 1:
            return rounds
        nxt = sum(min(advance, s) for s in sizes)
        if nxt >= count:
            raise ValueError(
                f"lobbies of {lobby_size} sending {advance} on never shrink a field of {count}"
            )
        count = nxt


class FreeForAll(BaseFormat):
    """Battle-royale style lobbies with points per placement."""

    name = "free_for_all"
    label = gettext_noop("Free-for-all lobbies")
    description = gettext_noop("Lobbies of N play several games; points by placement; the top K advance.")
    default_tiebreakers = ()
    option_specs = (
        OptionSpec("lobby_size", "int", default=8, label=gettext_noop("Lobby size"), minimum=2, maximum=100),
        OptionSpec(
            "advance",
            "int",
            default=4,
            label=gettext_noop("Advance per lobby"),
            help=gettext_noop("The top K of each lobby go to the next round."),
            minimum=1,
            maximum=99,
        ),
        OptionSpec(
            "games",
            "int",
            default=1,
            label=gettext_noop("Games per lobby"),
            minimum=1,
            maximum=50,
        ),
        OptionSpec(
            "points",
            "int_list",
            default=None,
            label=gettext_noop("Points by placement"),
            help=gettext_noop("Points for 1st, 2nd, ...; default: lobby size for 1st, one less per place."),
            minimum=0,
        ),
    )

    def drawing(self, stage: int, bracket: str) -> Drawing:
        """Lobbies with placings and points (the final lobby too)."""
        return Drawing.LOBBIES

    def validate_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``advance`` must be smaller than the lobby size; points must not increase."""
        opts = super().validate_options(options)
        if opts["advance"] >= opts["lobby_size"]:
            raise ValueError("option 'advance' must be smaller than 'lobby_size'")
        if opts["points"] is None:
            opts["points"] = list(range(opts["lobby_size"], 0, -1))
        pts = opts["points"]
        if any(x < y for x, y in zip(pts, pts[1:], strict=False)):
            raise ValueError("option 'points' must not increase from one place to the next")
        return opts

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """One match per lobby of every round (a field that never shrinks: one per entrant,
        :meth:`check_entrants` refuses it anyway)."""
        try:
            rounds = round_sizes(max(entrants, 1), options["lobby_size"], options["advance"])
        except ValueError:
            return max(entrants, 0)
        return sum(len(sizes) for sizes in rounds)

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """The lobbies must shrink the field round after round."""
        super().check_entrants(entrants, options)
        round_sizes(len(entrants), options["lobby_size"], options["advance"])

    # ------------------------------------------------------------------ derivation
    def derive(
        self,
        entrants: Sequence[Entrant],
        options: Mapping[str, Any],
        results: Sequence[ResultFact] | Mapping[MatchKey, ResultFact] = (),
        pairings: Sequence[Any] = (),
    ) -> BracketState:
        """Lay the lobbies out and evaluate them round by round."""
        opts = self.validate_options(options)
        self.check_entrants(entrants, opts)
        state = BracketState(self, entrants, opts, latest_results(results), pairings)
        rounds = round_sizes(len(state.entrants), opts["lobby_size"], opts["advance"])
        state.extra["rounds"] = len(rounds)
        state.extra["advancers"] = {}
        state.rank_resolver = lambda group, rank: self._advancer(state, group, rank)
        for r, sizes in enumerate(rounds, start=1):
            members = list(range(1, sum(sizes) + 1))
            final = r == len(rounds)
            for i, lobby in enumerate(snake(members, len(sizes)), start=1):
                refs: tuple[SlotRef, ...]
                if r == 1:
                    refs = tuple(("seed", s) for s in lobby)
                else:
                    refs = tuple(("rank", f"round {r - 1}", q) for q in lobby)
                m = Match(
                    f"F{r}-{i}",
                    1,
                    "final" if final else "lobbies",
                    r,
                    i,
                    opts["games"],
                    refs,
                )
                m.extra = {"entrants": [None] * len(refs)}
                state.add(m)
        self._evaluate_all(state)
        return state

    def _evaluate_all(self, state: BracketState) -> None:
        state.extra["advancers"] = {}
        for m in state.matches:
            self._evaluate(state, m)
        self._summarise(state)

    def _evaluate(self, state: BracketState, m: Match) -> None:
        entrants = [resolve(state, ref) for ref in m.refs]
        fact = state.results.get(m.key)
        m.extra = {"entrants": entrants}
        m.result = fact
        m.w = m.l = None
        if len(entrants) == 1:
            # A lobby of one (an uneven split of a tiny field): through without playing.
            m.a, m.b = entrants[0], BYE
            if entrants[0] is None:
                m.status = MatchStatus.PENDING
                return
            # Scored as winning every game, so byes do not sink them among the advancers.
            first = state.options["points"][0] * m.best_of
            m.extra.update(points={entrants[0]: first}, placing={entrants[0]: 1})
            m.w = entrants[0]
            m.status = MatchStatus.SKIPPED
            return
        m.a, m.b = entrants[0], entrants[1]
        if any(e is None for e in entrants):
            m.status = MatchStatus.PENDING if fact is None else MatchStatus.NEEDS_REPLAY
            return
        if fact is None:
            m.status = MatchStatus.READY
            return
        if sorted(map(repr, fact.participants)) != sorted(map(repr, entrants)):
            m.status = MatchStatus.NEEDS_REPLAY
            return
        try:
            order, points = self.lobby_order(state, fact)
        except ResultError:
            m.status = MatchStatus.NEEDS_REPLAY
            return
        m.extra["points"] = points
        m.extra["placing"] = {e: i + 1 for i, e in enumerate(order)}
        m.w = order[0]
        m.status = MatchStatus.COMPLETED

    def lobby_order(
        self, state: BracketState, fact: ResultFact
    ) -> tuple[list[Any], dict[Any, int]]:
        """A lobby result's players, best first, and their points (``ResultError`` when
        the placements are not valid)."""
        parts = list(fact.participants)
        n = len(parts)
        if not fact.games:
            raise ResultError("invalid_games", _("a lobby result needs the placements of each game"))
        table = state.options["points"]
        points = {p: 0 for p in parts}
        places: dict[Any, list[int]] = {p: [] for p in parts}
        for g in fact.games:
            if sorted(g) != list(range(1, n + 1)):
                raise ResultError(
                    "invalid_games", _("each game must place all %(n)s players 1..%(n)s, got %(g)s", n=n, g=list(g))
                )
            for p, place in zip(parts, g, strict=True):
                points[p] += table[place - 1] if place <= len(table) else 0
                places[p].append(place)
        seed = state.seed_of
        order = sorted(parts, key=lambda p: (-points[p], sorted(places[p]), seed[p]))
        return order, points

    def _advancer(self, state: BracketState, group: str, rank: int) -> Any:
        """The ``rank``-th best advancer of ``group`` ("round r"), once that round is done."""
        cache = state.extra["advancers"]
        if group not in cache:
            r = int(group.split()[-1])
            lobbies = [m for m in state.matches if m.round == r]
            if any(m.status not in (MatchStatus.COMPLETED, MatchStatus.SKIPPED) for m in lobbies):
                cache[group] = None
            else:
                adv = state.options["advance"]
                seed = state.seed_of
                chosen = [
                    (m.extra["placing"][e], -m.extra["points"][e], seed[e], e)
                    for m in lobbies
                    for e in m.extra["entrants"]
                    if m.extra["placing"][e] <= adv
                ]
                cache[group] = [e for *_rest, e in sorted(chosen)]
        got = cache[group]
        if got is None or rank > len(got):
            return None
        return got[rank - 1]

    def apply(self, state: BracketState, fact: ResultFact) -> list[MatchKey]:
        """Record a lobby result and re-evaluate (lobbies are few: a full pass is cheap)."""
        if fact.match not in state.by_key:
            raise ResultError("unknown_match", _("no match %(match)s in this tournament", match=f"{fact.match!r}"))
        before = {m.key: m.snapshot() for m in state.matches}
        state.results[fact.match] = fact
        self._evaluate_all(state)
        return [m.key for m in state.matches if m.snapshot() != before[m.key]]

    def _check_outcome(self, state: BracketState, m: Match, fact: ResultFact) -> None:
        order, _points = self.lobby_order(state, fact)
        if fact.winner != order[0]:
            raise ResultError(
                "games_contradict_winner",
                _("the placings put another player first than the chosen winner: give each "
                  "game's places in the order the players are shown"),
            )
        if len(fact.games) != m.best_of:
            raise ResultError(
                "invalid_games", _("this lobby plays %(best_of)s games, got %(games)s", best_of=m.best_of, games=len(fact.games))
            )

    def _summarise(self, state: BracketState) -> None:
        final = state.matches[-1]
        done = final.status in (MatchStatus.COMPLETED, MatchStatus.SKIPPED)
        state.extra["complete"] = done
        state.extra["champion"] = final.w if done else None

    # ------------------------------------------------------------------ standings
    def standings(self, state: BracketState) -> list[StandingRow]:
        """By the round reached, then the place and points in that round's lobby, then seed."""
        reached: dict[Any, tuple[int, Match]] = {}
        for m in state.matches:
            for e in m.extra["entrants"]:
                if e is not None:
                    reached[e] = (m.round, m)
        last = state.extra["rounds"]
        complete = state.complete

        decided = (MatchStatus.COMPLETED, MatchStatus.SKIPPED)

        def primary(x: Any) -> tuple[Any, ...]:
            r, m = reached[x]
            if m.status not in decided:
                return (-r, 0, 0)
            return (-r, m.extra["placing"][x], -m.extra["points"][x])

        def status(x: Any) -> str:
            r, m = reached[x]
            if complete and x == state.champion:
                return "champion"
            if m.status not in decided:
                return "active"
            if r == last:
                return "finished"
            return "eliminated" if m.extra["placing"][x] > state.options["advance"] else "active"

        def values(x: Any) -> dict[str, Any]:
            r, m = reached[x]
            done = m.status in decided
            return {
                "round_reached": r,
                "lobby": m.key,
                "placing": m.extra["placing"][x] if done else None,
                "points": m.extra["points"][x] if done else None,
            }

        return rank_rows(
            list(state.entrants), {}, (), primary=primary, status=status, extra_values=values
        )


FORMAT = FreeForAll()
