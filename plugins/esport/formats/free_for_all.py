"""Free-for-all: lobbies of N play together, points by placement, the top K go on.

Round 1 deals the field into lobbies of at most ``lobby_size`` by snake seeding. Each
lobby plays ``games`` games; every game awards ``points[place − 1]`` (default: the lobby
size for first, one less for each place below); a lobby ranks its players by points, then
by their placements compared best first (count-back), then by seed. The top ``advance`` of
every lobby go on; they are ordered by their place in their lobby, then points, then seed,
and dealt by snake seeding into the next round's lobbies. When the players left fit into
one lobby, that lobby is the final (bracket ``"final"``; earlier lobbies are in bracket
``"lobbies"``). Keys: ``F{round}-{lobby}``.

A withdrawn or disqualified entrant (``active=False``) is dropped from every lobby it has
not played: it stays only in the rounds up to the last one whose recorded result lists it
(a result recorded before the disqualification stands, and so does the lobby it decided).
It never goes on to a round it has not played: its place goes to the next-placed active
entrant of its lobby, who takes that place's order and seat in the next round; a lobby
with nobody left to send leaves the seat empty. A lobby left with one player is a bye,
with none it is skipped; either goes on in the order of its best seat. The champion is the
best-placed finalist still in. In the standings a withdrawn or disqualified entrant ranks
last, after every active entrant (status ``disqualified``), and the ranks of the others
run on without a gap. All of this follows from the facts alone (the entrants' ``active``
flags and the results), so ``derive`` stays a pure function of them.

A lobby result's ``games`` are one tuple per game holding each participant's finishing
place (1 = first), in the order of ``participants``; its ``winner`` is whoever tops the
lobby. Until a round is complete, the next round's slots show their source
("3rd of round 1" = the third best advancer of round 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from podium.core.i18n import _, gettext_noop
from podium.tournaments.engine import (
    BYE,
    BaseFormat,
    BracketState,
    Drawing,
    Entrant,
    EntrantId,
    Match,
    MatchKey,
    MatchStatus,
    OptionSpec,
    ResultError,
    ResultFact,
    StandingRow,
    latest_results,
    rank_rows,
    snake,
)
from podium.tournaments.engine.model import SlotRef

#: A lobby that needs nothing more: played, or through without playing.
_DECIDED = (MatchStatus.COMPLETED, MatchStatus.SKIPPED)


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
        state.extra["played_until"] = self._played_until(state)
        for m in state.matches:
            self._evaluate(state, m)
        self._summarise(state)

    @staticmethod
    def _played_until(state: BracketState) -> dict[EntrantId, int]:
        """Each withdrawn or disqualified entrant's last round whose recorded result lists
        it (0: none). It keeps its seats up to that round (it played them) and no later."""
        out = {e.id: 0 for e in state.entrants if not e.active}
        if out:
            for m in state.matches:
                fact = state.results.get(m.key)
                if fact is None:
                    continue
                for p in fact.participants:
                    if p in out and m.round > out[p]:
                        out[p] = m.round
        return out

    @staticmethod
    def _sits(state: BracketState, e: EntrantId, r: int) -> bool:
        """``e`` may sit in a lobby of round ``r``: active, or a recorded result of round
        ``r`` or later lists it (it played there before it left)."""
        return bool(state.extra["played_until"].get(e, r) >= r)

    def _lobby_seats(self, state: BracketState, m: Match) -> list[tuple[Any, int]] | None:
        """``(occupant, order seed)`` of each slot of ``m`` before anyone is dropped
        (``None`` while the previous round is undecided). The occupant is ``None`` for a
        seat nobody could fill; the order seed is what a lobby decided without playing
        ranks by among the next round's places (its best seat's)."""
        if m.round == 1:
            return [(state.by_seed[ref[1]], ref[1]) for ref in m.refs]
        table = self._seats(state, m.refs[0][1])
        if table is None:
            return None
        return [table[ref[2] - 1] for ref in m.refs]

    def _evaluate(self, state: BracketState, m: Match) -> None:
        fact = state.results.get(m.key)
        m.result = fact
        m.w = m.l = None
        seats = self._lobby_seats(state, m)
        if seats is None:
            m.extra = {"entrants": [None] * len(m.refs)}
            if len(m.refs) == 1:
                m.a, m.b = None, BYE
                m.status = MatchStatus.PENDING
            else:
                m.a = m.b = None
                m.status = MatchStatus.PENDING if fact is None else MatchStatus.NEEDS_REPLAY
            return
        # Withdrawn or disqualified entrants sit only in the lobbies they played.
        entrants = [e for e, _ in seats if e is not None and self._sits(state, e, m.round)]
        m.extra = {"entrants": entrants}
        if not entrants:
            # Nobody left to play it (everyone in it withdrew or was disqualified).
            m.a = m.b = BYE
            m.extra.update(points={}, placing={})
            m.status = MatchStatus.SKIPPED
            return
        if len(entrants) == 1:
            # A lobby of one (an uneven split of a tiny field, or the others left): through
            # without playing.
            m.a, m.b = entrants[0], BYE
            # Scored as winning every game, so byes do not sink them among the advancers.
            first = state.options["points"][0] * m.best_of
            m.extra.update(points={entrants[0]: first}, placing={entrants[0]: 1})
            m.w = entrants[0]
            m.status = MatchStatus.SKIPPED
            return
        m.a, m.b = entrants[0], entrants[1]
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
        """The ``rank``-th best advancer of ``group`` ("round r"), once that round is done
        (``None`` before, or when nobody is left to take that place)."""
        table = self._seats(state, group)
        if table is None or rank > len(table):
            return None
        return table[rank - 1][0]

    def _seats(self, state: BracketState, group: str) -> list[tuple[Any, int]] | None:
        """The places ``group`` ("round r") sends on, best first, as ``(occupant, order
        seed)``: ``None`` until every lobby of that round is decided.

        Every lobby has ``min(advance, size)`` places, ordered by place, then points, then
        seed. A place whose holder left (withdrew or was disqualified) and did not play the
        next round goes to the next-placed entrant of that lobby still in (one the next
        round's recorded result lists first, so a played lobby keeps its players), who
        keeps the place's order; a lobby with nobody left leaves it empty (``None``).
        """
        cache = state.extra["advancers"]
        if group in cache:
            return cast("list[tuple[Any, int]] | None", cache[group])
        r = int(group.split()[-1])
        lobbies = [m for m in state.matches if m.round == r]
        if any(m.status not in _DECIDED for m in lobbies):
            cache[group] = None
            return None
        adv = state.options["advance"]
        seed = state.seed_of
        beyond = len(state.entrants)
        # (sort key, holder, order seed, lobby index)
        places: list[tuple[tuple[int, ...], Any, int, int]] = []
        spare: dict[int, list[Any]] = {}
        for m in lobbies:
            order = self._finishing_order(m)
            n = min(adv, len(m.refs))
            first = 1
            if m.status is MatchStatus.SKIPPED:
                # Through without playing (a lobby of one, or the others left): no result
                # says who was in it, so it ranks by its best seat whoever is left in it
                # (or nobody); a later withdrawal never reorders the next round.
                seats = self._lobby_seats(state, m)
                assert seats is not None  # decided, so its round's seats are known
                by = min(b for _e, b in seats)
                points = state.options["points"][0] * m.best_of
                places.append(((1, 0, -points, by), order[0] if order else None, by, m.index))
                first = 2
            for p in range(first, n + 1):
                if p <= len(order):
                    e = order[p - 1]
                    places.append(((p, 0, -m.extra["points"][e], seed[e]), e, seed[e], m.index))
                else:  # fewer players than places: the lobby lost some before it was played
                    by = beyond + m.index * adv + p
                    places.append(((p, 1, 0, by), None, by, m.index))
            spare[m.index] = order[n:]
        places.sort(key=lambda x: x[0])
        nxt = {ref[2]: m for m in state.matches if m.round == r + 1 for ref in m.refs}
        table: list[tuple[Any, int] | None] = [None] * len(places)
        open_places: list[int] = []
        for q, (_key, e, by, _lobby) in enumerate(places):
            if e is None or self._sits(state, e, r + 1):
                table[q] = (e, by)
            else:
                open_places.append(q)
        taken: set[Any] = set()

        def fill(q: int, listed: tuple[Any, ...] | None) -> None:
            for c in spare.get(places[q][3], ()):
                if c in taken or not self._sits(state, c, r + 1):
                    continue
                if listed is None or c in listed:
                    table[q] = (c, places[q][2])
                    taken.add(c)
                    return

        # Whom the next round's recorded result lists takes the place first (that lobby was
        # played with them), then the next placed one still in; else nobody.
        for q in open_places:
            fact = state.results.get(nxt[q + 1].key) if q + 1 in nxt else None
            if fact is not None:
                fill(q, fact.participants)
        for q in open_places:
            if table[q] is None:
                fill(q, None)
        seats = [t if t is not None else (None, places[q][2]) for q, t in enumerate(table)]
        cache[group] = seats
        return seats

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
        done = final.status in _DECIDED
        state.extra["complete"] = done
        champion = None
        if done:
            # The best finalist still in: one disqualified after the final is not champion.
            champion = next(
                (e for e in self._finishing_order(final)
                 if e not in state.extra["played_until"]),
                None,
            )
        state.extra["champion"] = champion

    # ------------------------------------------------------------------ standings
    def standings(self, state: BracketState) -> list[StandingRow]:
        """By the round reached, then the place and points in that round's lobby, then seed;
        withdrawn or disqualified entrants last (tied), whatever they reached."""
        reached: dict[Any, tuple[int, Match]] = {}
        for m in state.matches:
            for e in m.extra["entrants"]:
                if e is not None:
                    reached[e] = (m.round, m)
        last = state.extra["rounds"]
        complete = state.complete
        out = state.extra["played_until"]

        def primary(x: Any) -> tuple[Any, ...]:
            if x in out:
                return (1,)
            r, m = reached[x]
            if m.status not in _DECIDED:
                return (0, -r, 0, 0)
            return (0, -r, m.extra["placing"][x], -m.extra["points"][x])

        def status(x: Any) -> str:
            if x in out:
                return "disqualified"
            r, m = reached[x]
            if complete and x == state.champion:
                return "champion"
            if m.status not in _DECIDED:
                return "active"
            if r == last:
                return "finished"
            if self._seats(state, f"round {r}") is not None:
                return "eliminated"  # the round is over and x is not in the next one
            return "active" if x in self._goes_on(state, m) else "eliminated"

        def values(x: Any) -> dict[str, Any]:
            if x not in reached:  # left before playing any lobby
                return {"round_reached": None, "lobby": None, "placing": None, "points": None}
            r, m = reached[x]
            done = m.status in _DECIDED
            return {
                "round_reached": r,
                "lobby": m.key,
                "placing": m.extra["placing"][x] if done else None,
                "points": m.extra["points"][x] if done else None,
            }

        return rank_rows(
            list(state.entrants), {}, (), primary=primary, status=status, extra_values=values
        )

    @staticmethod
    def _finishing_order(m: Match) -> list[Any]:
        """A decided lobby's players, first place first (none for a lobby skipped empty)."""
        placing = m.extra["placing"]
        return sorted(placing, key=placing.__getitem__)

    def _goes_on(self, state: BracketState, m: Match) -> set[Any]:
        """Who a decided lobby sends on once its round is over: its places, a place whose
        holder left going to the next-placed player still in."""
        order = self._finishing_order(m)
        n = min(state.options["advance"], len(m.refs))
        stay = [e for e in order if self._sits(state, e, m.round + 1)]
        kept = [e for e in order[:n] if e in stay]
        return set(kept + [e for e in stay if e not in order[:n]][: n - len(kept)])


FORMAT = FreeForAll()
