"""Swiss: rounds paired one at a time from the standings, never the same pairing twice.

Swiss is a *dynamic* format: an organiser asks for the next round (``next_round``), the
domain stores the returned :class:`PairingFact`, and the matches of that round come from
it. Published pairings are facts: correcting a result of round 2 after round 3 was paired
updates scores and standings but does not re-pair round 3 (that is what arbiters do; to
re-pair, delete the last pairing fact and pair again).

Option ``system``:

``dutch`` — the FIDE Dutch system's structure, for a field of any size:
  players ranked by score then seed; score brackets processed from the top; in each
  bracket the moved-down players (MDPs) meet the best residents first, then the residents
  split in halves, S1[i] against S2[i], trying S2 transpositions in lexicographic order
  and then exchanges with S1, the way the FIDE rules generate candidates; when a bracket
  cannot pair everybody, the lowest-ranked players float down (preferring players who did
  not float down in the previous round, never an MDP before a resident). Every choice is
  checked against FIDE's completion criterion — the rest of the field must stay pairable
  without a rematch — exactly (Dirac's theorem, else Edmonds' blossom matching), so a
  round never fails when a rematch-free pairing exists. The bye (worth a win) goes to the
  lowest-ranked player who has not had one and whose absence leaves the rest pairable.
  Home/away (colours, in chess) are balanced after pairing rather than being pairing
  criteria, because an e-sport match has no colour: the player with fewer home matches
  gets home, then the one who was away last, then the higher-ranked one.
  Option ``engine``: ``builtin`` (the above; well under a second for 1,024 players),
  ``py4swiss`` (the ``py4swiss`` package: exact FIDE Dutch incl. colour criteria,
  identical to bbpPairings/JaVaFo; with Podium's faster set-up in ``py4swiss_fast`` —
  same pairings — about 0.3 s per round at 256 players and 8-10 s at 1,024, where stock
  py4swiss takes about 30 s), or ``auto`` (default): py4swiss up to 1,024 active players
  (256 if the installed py4swiss is a version the fast set-up was not checked against),
  builtin above (and builtin when a round only chess colour rules block, or py4swiss is
  not installed).

``valve`` — the CS Major Swiss: 16 teams (any even field works), ``wins_to_advance`` 3,
  ``losses_to_eliminate`` 3; round one pairs seed i with seed i + N/2; later rounds pair
  inside each win-loss record, teams ordered by difficulty (sum of the opponents' wins −
  losses) then seed, highest against lowest, avoiding rematches — a six-team record group
  tries the fifteen possible pairings in Valve's published priority order. Advancing or
  eliminating matches are best of ``decider_best_of`` (3), others best of ``best_of`` (1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from podium.core.i18n import _, gettext_noop
from podium.plugins.esport.formats.matching import pairable, perfect_matching
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
    PairingError,
    PairingFact,
    ResultError,
    ResultFact,
    StandingRow,
    Table,
    collect_records,
    derive_all,
    first_still_in,
    latest_results,
    rank_rows,
)

DUTCH_TIEBREAKERS = ("match_wins", "buchholz", "median_buchholz", "sonneborn_berger")
VALVE_TIEBREAKERS = ("difficulty",)

#: Valve's priority order for pairing a six-team record group (1 = best ranked).
VALVE_SIX = (
    ((1, 6), (2, 5), (3, 4)),
    ((1, 6), (2, 4), (3, 5)),
    ((1, 5), (2, 6), (3, 4)),
    ((1, 5), (2, 4), (3, 6)),
    ((1, 4), (2, 6), (3, 5)),
    ((1, 4), (2, 5), (3, 6)),
    ((1, 6), (2, 3), (4, 5)),
    ((1, 5), (2, 3), (4, 6)),
    ((1, 3), (2, 6), (4, 5)),
    ((1, 3), (2, 5), (4, 6)),
    ((1, 4), (2, 3), (5, 6)),
    ((1, 3), (2, 4), (5, 6)),
    ((1, 2), (3, 6), (4, 5)),
    ((1, 2), (3, 5), (4, 6)),
    ((1, 2), (3, 4), (5, 6)),
)

#: Backtracking steps allowed per bracket attempt before falling back to exact matching.
_BUDGET = 20_000

#: ``engine=auto`` uses py4swiss up to this many players: about 10 s CPU per round at most
#: (bench/bench_brackets.py; the issue's goal is under 15 s at 1,024).
PY4SWISS_LIMIT = 1_024
#: The same for stock py4swiss (a py4swiss version the fast path was not checked against):
#: about 1.3 s per round at 256 players, 30 s or more at 1,024.
STOCK_PY4SWISS_LIMIT = 256


def py4swiss_limit() -> int:
    """How many players ``engine=auto`` gives py4swiss: 0 when it is not installed."""
    try:
        from podium.plugins.esport.formats.py4swiss_fast import FastDutchEngine, dutch_engine
    except ImportError:  # pragma: no cover - depends on the environment
        return 0
    return PY4SWISS_LIMIT if dutch_engine() is FastDutchEngine else STOCK_PY4SWISS_LIMIT


@dataclass(eq=False)
class Player:
    """What pairing needs to know about one entrant (built from the facts)."""

    id: Any
    seed: int
    score: float = 0.0
    wins: int = 0
    losses: int = 0
    opponents: set[Any] = field(default_factory=set)
    had_bye: bool = False
    home: int = 0
    away: int = 0
    last_side: int = 0  # +1 home, -1 away, 0 none yet
    floated_down: bool = False  # in the previous round
    difficulty: int = 0

    def can_meet(self, other: Player) -> bool:
        """Never the same pairing twice."""
        return other.id not in self.opponents and other is not self


class Swiss(BaseFormat):
    """Swiss system, FIDE Dutch or CS Major (Valve) rules."""

    name = "swiss"
    label = gettext_noop("Swiss")
    description = gettext_noop("Rounds paired by score; nobody meets the same opponent twice.")
    dynamic = True
    allows_draws = True
    option_specs = (
        OptionSpec(
            "system",
            "choice",
            default="dutch",
            label=gettext_noop("System"),
            help=gettext_noop("dutch: FIDE Dutch; valve: CS Major (3 wins advance, 3 losses eliminate)."),
            choices=("dutch", "valve"),
            choice_labels=(gettext_noop("Dutch (FIDE)"), gettext_noop("Valve (CS Major)")),
        ),
        OptionSpec(
            "rounds",
            "int",
            default=None,
            label=gettext_noop("Rounds"),
            help=gettext_noop("Dutch: number of rounds (default: log2 of the field, rounded up)."),
            minimum=1,
            maximum=200,
        ),
        OptionSpec(
            "engine",
            "choice",
            default="auto",
            label=gettext_noop("Dutch pairing engine"),
            help=gettext_noop(
                "auto: py4swiss (exact FIDE) up to 1,024 players, builtin above; builtin: "
                "fast, colours balanced after pairing; py4swiss: exact FIDE, about 9 s "
                "per round at 1,024 players."
            ),
            choices=("auto", "builtin", "py4swiss"),
            choice_labels=(gettext_noop("automatic"), gettext_noop("built-in"), "py4swiss"),
        ),
        OptionSpec("wins_to_advance", "int", default=3, label=gettext_noop("Wins to advance"),
                   help=gettext_noop("Valve: wins that send a team through."), minimum=1, maximum=20),
        OptionSpec("losses_to_eliminate", "int", default=3, label=gettext_noop("Losses to eliminate"),
                   help=gettext_noop("Valve: losses that knock a team out."), minimum=1, maximum=20),
        OptionSpec("best_of", "int", default=1, label=gettext_noop("Best of"), minimum=1, maximum=99),
        OptionSpec(
            "decider_best_of",
            "int",
            default=3,
            label=gettext_noop("Decider best of"),
            help=gettext_noop("Valve: advancing and eliminating matches."),
            minimum=1,
            maximum=99,
        ),
        BaseFormat.tiebreaker_option(()),
    )

    def drawing(self, stage: int, bracket: str) -> Drawing:
        """The current round's matches, then the standings."""
        return Drawing.ROUNDS

    # ------------------------------------------------------------------ options
    def validate_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Fill defaults; the default tiebreakers depend on the system."""
        given = dict(options or {})
        opts = super().validate_options(given)
        if given.get("tiebreakers") is None:
            opts["tiebreakers"] = list(
                DUTCH_TIEBREAKERS if opts["system"] == "dutch" else VALVE_TIEBREAKERS
            )
        return opts

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """Dutch: no more rounds than a rematch-free schedule allows."""
        super().check_entrants(entrants, options)
        n = len(entrants)
        if options["system"] == "valve":
            # Small fields run out of rematch-free pairings before everyone reaches a
            # threshold (8 teams at 3 wins/3 losses dead-end in about half the events).
            # 4·(W + L − 2) is the smallest field that never did in our simulations.
            least = max(2, 4 * (options["wins_to_advance"] + options["losses_to_eliminate"] - 2))
            if n < least:
                raise ValueError(
                    f"the valve system with {options['wins_to_advance']} wins/"
                    f"{options['losses_to_eliminate']} losses needs at least {least} teams"
                )
        if options["system"] == "dutch" and options["rounds"] is not None:
            most = n - 1 if n % 2 == 0 else n
            if options["rounds"] > most:
                raise ValueError(f"{n} players allow at most {most} rounds without rematches")

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """At most one table per pair of players (a bye is a table) in every round."""
        if options["system"] == "valve":
            rounds = int(options["wins_to_advance"] + options["losses_to_eliminate"] - 1)
        elif options["rounds"] is not None:
            rounds = int(options["rounds"])
        else:
            rounds = max(1, math.ceil(math.log2(max(2, entrants))))
        return rounds * -(-max(entrants, 0) // 2)

    def rounds(self, state: BracketState) -> int:
        """How many rounds the tournament has (Valve: the most it can take)."""
        o = state.options
        if o["system"] == "valve":
            most: int = o["wins_to_advance"] + o["losses_to_eliminate"] - 1
            return most
        if o["rounds"] is not None:
            return int(o["rounds"])
        return max(1, math.ceil(math.log2(max(2, len(state.entrants)))))

    # ------------------------------------------------------------------ derivation
    def derive(
        self,
        entrants: Sequence[Entrant],
        options: Mapping[str, Any],
        results: Sequence[ResultFact] | Mapping[MatchKey, ResultFact] = (),
        pairings: Sequence[PairingFact] = (),
    ) -> BracketState:
        """One match per table of every published round; results applied from the log."""
        opts = self.validate_options(options)
        self.check_entrants(entrants, opts)
        pairings = sorted(pairings, key=lambda p: p.round)
        if [p.round for p in pairings] != list(range(1, len(pairings) + 1)):
            raise ValueError("pairing facts must be rounds 1..R, each once")
        state = BracketState(self, entrants, opts, latest_results(results), pairings)
        known = set(state.seed_of)
        for p in pairings:
            for t, table in enumerate(p.tables, start=1):
                if table.home not in known or (table.away is not None and table.away not in known):
                    raise ValueError(f"round {p.round} pairs an unknown entrant")
                away = ("bye",) if table.away is None else ("entrant", table.away)
                state.add(
                    Match(
                        f"S{p.round}-{t}",
                        1,
                        "swiss",
                        p.round,
                        t,
                        table.best_of,
                        (("entrant", table.home), away),
                    )
                )
        derive_all(state)
        state.extra["summary_watch"] = set()  # summarised below and after each apply
        self._summarise(state)
        return state

    def apply(self, state: BracketState, fact: ResultFact) -> list[MatchKey]:
        """Record a result; rounds are independent, so only that match changes."""
        changed = super().apply(state, fact)
        self._summarise(state)
        return changed

    def _round_done(self, state: BracketState) -> bool:
        return all(m.status in (MatchStatus.COMPLETED, MatchStatus.SKIPPED) for m in state)

    def _summarise(self, state: BracketState) -> None:
        done = self._round_done(state)
        o = state.options
        if o["system"] == "valve":
            players = self._players(state)
            active = {e.id for e in state.entrants if e.active}
            finished = all(
                p.wins >= o["wins_to_advance"] or p.losses >= o["losses_to_eliminate"]
                for p in players.values()
                if p.id in active
            )
            complete = done and bool(state.pairings) and finished
        else:
            complete = done and len(state.pairings) >= self.rounds(state)
        state.extra["complete"] = complete
        # The best placed still in: one disqualified after the last round is not champion.
        state.extra["champion"] = (first_still_in(state.entrants, self.standings(state))
                                   if complete else None)

    def _check_outcome(self, state: BracketState, m: Match, fact: ResultFact) -> None:
        if state.options["system"] == "valve" and fact.winner is None and not fact.forfeit:
            raise ResultError("draw_not_allowed", _("match %(key)s needs a winner", key=m.key))
        super()._check_outcome(state, m, fact)

    # ------------------------------------------------------------------ history
    def _players(self, state: BracketState) -> dict[Any, Player]:
        """Scores, opponents, byes, sides and floats from the decided matches."""
        players = {e.id: Player(e.id, e.seed) for e in state.entrants}
        last_round = len(state.pairings)
        for m in state.matches:
            home = players[m.a]
            if m.b is BYE:
                if m.status is MatchStatus.SKIPPED:
                    home.had_bye = True
                    home.score += 1
                    home.wins += 1
                    if m.round == last_round:
                        home.floated_down = True
                continue
            away = players[m.b]
            # Pairings are facts: they met, whatever became of the result.
            home.opponents.add(away.id)
            away.opponents.add(home.id)
            home.home += 1
            away.away += 1
            home.last_side, away.last_side = 1, -1
            if m.round == last_round:
                # The higher score floats down to meet a lower one (recorded before the
                # result of this round is added).
                if home.score > away.score:
                    home.floated_down = True
                elif away.score > home.score:
                    away.floated_down = True
            if m.status is not MatchStatus.COMPLETED:
                continue
            if m.w is BYE:  # double forfeit
                home.losses += 1
                away.losses += 1
            elif m.w is None:
                home.score += 0.5
                away.score += 0.5
            else:
                winner, loser = (home, away) if m.w == home.id else (away, home)
                winner.score += 1
                winner.wins += 1
                loser.losses += 1
        for p in players.values():
            p.difficulty = sum(
                players[o].wins - players[o].losses for o in p.opponents if o in players
            )
        return players

    # ------------------------------------------------------------------ pairing
    def next_round(self, state: BracketState) -> PairingFact:
        """Pair the next round from the standings; :class:`PairingError` when impossible."""
        if state.complete:
            raise PairingError(_("the tournament is over"))
        if not self._round_done(state):
            raise PairingError(_("round %(pairings)s is not finished", pairings=len(state.pairings)))
        o = state.options
        if o["system"] == "dutch" and len(state.pairings) >= self.rounds(state):
            raise PairingError(_("every round has been paired"))
        players = self._players(state)
        active_ids = {e.id for e in state.entrants if e.active}
        active = [p for p in players.values() if p.id in active_ids]
        round_no = len(state.pairings) + 1
        if o["system"] == "valve":
            tables = self._pair_valve(state, active, round_no)
        elif o["engine"] == "py4swiss":
            tables = self._pair_py4swiss(state, players, active, round_no)
        elif o["engine"] == "auto" and len(active) <= py4swiss_limit():
            try:
                tables = self._pair_py4swiss(state, players, active, round_no)
            except PairingError:
                # py4swiss also enforces chess colour rules (absolute colour preferences);
                # an e-sport round that only those rules block is paired by the builtin.
                tables = self._pair_dutch(active, round_no)
        else:
            tables = self._pair_dutch(active, round_no)
        _check_tables(tables, players)
        return PairingFact(round_no, tuple(tables))

    # ---------------------------------------------------------------- dutch
    def _pair_dutch(self, active: list[Player], round_no: int) -> list[Table]:
        ranked = sorted(active, key=lambda p: (-p.score, p.seed))
        bye = None
        if len(ranked) % 2:
            bye = _choose_bye(ranked)
            ranked.remove(bye)
        elif not _pairable(ranked):
            raise PairingError(_("no pairing without a rematch exists for this round"))
        pairs = _pair_brackets(ranked)
        best_of = 1
        return _tables(pairs, bye, ranked, lambda _a, _b: best_of, round_no)

    def _pair_py4swiss(
        self,
        state: BracketState,
        players: Mapping[Any, Player],
        active: list[Player],
        round_no: int,
    ) -> list[Table]:
        try:
            from podium.plugins.esport.formats.py4swiss_engine import pair_with_py4swiss
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise PairingError(_("the py4swiss engine is not available: %(err)s", err=err)) from err
        return pair_with_py4swiss(state, players, {p.id for p in active}, self.rounds(state))

    # ---------------------------------------------------------------- valve
    def _pair_valve(self, state: BracketState, active: list[Player], round_no: int) -> list[Table]:
        o = state.options
        need_w, need_l = o["wins_to_advance"], o["losses_to_eliminate"]
        alive = [p for p in active if p.wins < need_w and p.losses < need_l]
        # Ranking: record (wins desc, losses asc), then difficulty, then seed.
        alive.sort(key=lambda p: (-p.wins, p.losses, -p.difficulty, p.seed))
        bye = None
        if len(alive) % 2:
            bye = _choose_bye(alive)
            alive.remove(bye)

        def best_of(a: Player, b: Player) -> int:
            decisive = any(p.wins == need_w - 1 or p.losses == need_l - 1 for p in (a, b))
            n: int = o["decider_best_of"] if decisive else o["best_of"]
            return n

        if round_no == 1:
            by_seed = sorted(alive, key=lambda p: p.seed)
            half = len(by_seed) // 2
            pairs = list(zip(by_seed[:half], by_seed[half:], strict=True))
        else:
            if not _pairable(alive):
                raise PairingError(_("no pairing without a rematch exists for this round"))
            groups: list[list[Player]] = []
            for p in alive:
                if groups and (groups[-1][0].wins, groups[-1][0].losses) == (p.wins, p.losses):
                    groups[-1].append(p)
                else:
                    groups.append([p])
            pairs = []
            carry: list[Player] = []
            for gi, group in enumerate(groups):
                bracket = carry + group
                lower = [p for g in groups[gi + 1 :] for p in g]
                got, carry = _pair_valve_group(bracket, lower)
                pairs += got
            if carry:
                raise PairingError(_("could not pair the last record group"))  # pragma: no cover
        return _tables(pairs, bye, alive, best_of, round_no)

    # ------------------------------------------------------------------ standings
    def standings(self, state: BracketState) -> list[StandingRow]:
        """Dutch: score, then the tiebreakers. Valve: record, then the tiebreakers."""
        o = state.options
        records = collect_records(state.entrants, state.matches, count_byes=True)
        tb = self.tiebreakers(state)
        done = self._round_done(state)
        if o["system"] == "valve":
            need_w, need_l = o["wins_to_advance"], o["losses_to_eliminate"]

            def primary(x: Any) -> tuple[Any, ...]:
                r = records[x]
                return (-(r.wins + r.byes), r.losses)

            def status(x: Any) -> str:
                r = records[x]
                if r.wins + r.byes >= need_w:
                    return "advanced"
                if r.losses >= need_l:
                    return "eliminated"
                return "active"

        else:
            last = len(state.pairings) >= self.rounds(state) and done

            def primary(x: Any) -> tuple[Any, ...]:
                return (-records[x].score,)

            def status(x: Any) -> str:
                return "finished" if last else "active"

        rows = rank_rows(
            list(state.entrants),
            records,
            tb,
            primary=primary,
            status=status,
            extra_values=lambda x: {
                "score": records[x].score,
                "wins": records[x].wins + records[x].byes,
                "losses": records[x].losses,
                "draws": records[x].draws,
            },
        )
        if rows and state.extra.get("complete") and o["system"] == "dutch":
            champion = first_still_in(state.entrants, rows)
            for row in rows:
                if row.entrant_id == champion:
                    row.status = "champion"
        return rows


# ---------------------------------------------------------------------- shared helpers
def _pairable(players: Sequence[Player]) -> bool:
    return pairable(players, Player.can_meet, lambda p: len(p.opponents))


def _choose_bye(ranked: Sequence[Player]) -> Player:
    """The lowest-ranked player without a bye whose absence leaves the rest pairable."""
    for p in reversed(ranked):
        if p.had_bye:
            continue
        rest = [q for q in ranked if q is not p]
        if _pairable(rest):
            return p
    raise PairingError(_("no player can take the bye without a rematch or a second bye"))


def _tables(
    pairs: Iterable[tuple[Player, Player]],
    bye: Player | None,
    ranked: Sequence[Player],
    best_of: Callable[[Player, Player], int],
    round_no: int,
) -> list[Table]:
    """Sides and table order: top boards first (higher scores), the bye last."""
    rank = {p.id: i for i, p in enumerate(ranked)}
    out: list[tuple[tuple[Any, ...], Table]] = []
    for a, b in pairs:
        hi, lo = (a, b) if rank[a.id] < rank[b.id] else (b, a)
        home, away = _sides(hi, lo, rank[hi.id])
        key = (-max(a.score, b.score), -(a.score + b.score), rank[hi.id])
        out.append((key, Table(home.id, away.id, best_of(a, b))))
    out.sort(key=lambda kt: kt[0])
    tables = [t for _key, t in out]
    if bye is not None:
        tables.append(Table(bye.id, None, 1))
    return tables


def _sides(hi: Player, lo: Player, board: int) -> tuple[Player, Player]:
    """Home for the one with fewer home matches, then the one away last, then ``hi``."""
    dh, dl = hi.home - hi.away, lo.home - lo.away
    if dh != dl:
        return (hi, lo) if dh < dl else (lo, hi)
    if hi.last_side != lo.last_side:
        return (hi, lo) if hi.last_side < lo.last_side else (lo, hi)
    if hi.last_side == 0:
        # First match for both: alternate by board, as FIDE does, so the top half is not
        # all at home.
        return (hi, lo) if board % 2 == 0 else (lo, hi)
    return (hi, lo)


def _check_tables(tables: Sequence[Table], players: Mapping[Any, Player]) -> None:
    """Guard rails: nobody twice, no rematch, at most one bye per player."""
    seen: set[Any] = set()
    for t in tables:
        for x in (t.home, t.away):
            if x is None:
                continue
            if x in seen:
                raise PairingError(_("%(x)s is paired twice", x=f"{x!r}"))  # pragma: no cover
            seen.add(x)
        if t.away is None and players[t.home].had_bye:
            raise PairingError(_("%(home)s would get a second bye", home=f"{t.home!r}"))  # pragma: no cover
        if t.away is not None and t.away in players[t.home].opponents:
            raise PairingError(_("%(home)s and %(away)s already met", home=f"{t.home!r}", away=f"{t.away!r}"))  # pragma: no cover


# ---------------------------------------------------------------------- dutch internals
def _pair_brackets(ranked: list[Player]) -> list[tuple[Player, Player]]:
    """Pair score brackets from the top, moving unpaired players down."""
    groups: list[list[Player]] = []
    for p in ranked:
        if groups and groups[-1][0].score == p.score:
            groups[-1].append(p)
        else:
            groups.append([p])
    pairs: list[tuple[Player, Player]] = []
    mdps: list[Player] = []
    for gi, group in enumerate(groups):
        lower = [p for g in groups[gi + 1 :] for p in g]
        got, mdps = _pair_bracket(mdps, group, lower)
        pairs += got
    if mdps:  # pragma: no cover - completion checks make this unreachable
        raise PairingError(_("the last bracket could not be paired"))
    return pairs


def _pair_bracket(
    mdps: list[Player], residents: list[Player], lower: list[Player]
) -> tuple[list[tuple[Player, Player]], list[Player]]:
    """Pair one bracket; return its pairs and the players floating down."""
    bracket = mdps + residents
    n = len(bracket)
    mdp_ids = {p.id for p in mdps}
    if not lower:
        # The last bracket must pair everyone (the completion checks above guarantee it).
        got = _match_in_order(bracket, mdp_ids)
        if got is None:
            got = perfect_matching(bracket, Player.can_meet)
        if got is None:  # pragma: no cover
            raise PairingError(_("the last bracket could not be paired"))
        return got, []
    lower_worst = max((len(p.opponents) for p in lower), default=0)
    for p in range(n // 2, -1, -1):
        for floaters in _floater_sets(bracket, n - 2 * p, mdp_ids):
            # Completion criterion: what floats down plus the brackets below stay pairable.
            if not _completes(floaters, lower, lower_worst):
                continue
            fl = {q.id for q in floaters}
            got = _match_in_order([q for q in bracket if q.id not in fl], mdp_ids)
            if got is not None:
                return got, floaters
    return [], bracket  # pragma: no cover - p == 0 always completes


def _completes(floaters: list[Player], lower: list[Player], lower_worst: int) -> bool:
    n = len(floaters) + len(lower)
    worst = max(lower_worst, max((len(p.opponents) for p in floaters), default=0))
    if n % 2 == 0 and n - 1 - worst >= n / 2:
        return True  # Dirac: no need to look closer
    return _pairable(floaters + lower)


def _floater_sets(bracket: list[Player], count: int, mdp_ids: set[Any]) -> Iterable[list[Player]]:
    """Who floats down, best choice first: residents before MDPs, players who did not float
    down last round before those who did, lowest-ranked first."""
    if count == 0:
        yield []
        return
    order = sorted(
        range(len(bracket)),
        key=lambda i: (bracket[i].id in mdp_ids, bracket[i].floated_down, -i),
    )
    for k, combo in enumerate(combinations(order, count)):
        if k >= 500:  # plenty: beyond this, floating one more player is the better move
            return
        yield [bracket[i] for i in sorted(combo)]


def _match_in_order(players: list[Player], mdp_ids: set[Any]) -> list[tuple[Player, Player]] | None:
    """Pair all of ``players`` (ranked), the first valid candidate in Dutch order.

    MDPs first, each against the best free resident; then the residents: S1[i] against
    S2 in order (transpositions of S2), then against the lower S1 players from the bottom
    (exchanges); an S2 player left over takes the next S2 player. Backtracking finds the
    lexicographically first valid candidate; ``None`` when there is none (or it would take
    too long: the caller then floats someone instead).
    """
    n = len(players)
    if n == 0:
        return []
    if n % 2 or not _pairable(players):
        return None
    mdps = [p for p in players if p.id in mdp_ids]
    residents = [p for p in players if p.id not in mdp_ids]
    # Phase 1 (heterogeneous part): MDPs take residents in order. Few MDPs: enumerate
    # their choices lexicographically and solve the homogeneous rest for each.
    budget = [_BUDGET]
    for chosen in _mdp_choices(mdps, residents, budget):
        taken = {r.id for _key, r in chosen}
        rest = [r for r in residents if r.id not in taken]
        spare_mdps = [m for m in mdps if all(m is not x for x, _ in chosen)]
        got = _homogeneous(spare_mdps + rest, budget)
        if got is not None:
            return chosen + got
        if budget[0] <= 0:
            break
    return perfect_matching(players, Player.can_meet)


def _mdp_choices(
    mdps: list[Player], residents: list[Player], budget: list[int]
) -> Iterable[list[tuple[Player, Player]]]:
    """Assignments MDP -> resident in lexicographic order (MDPs left over pair later)."""
    if not mdps:
        yield []
        return
    pairable_count = min(len(mdps), len(residents))
    head, tail = mdps[:pairable_count], mdps[pairable_count:]

    def rec(i: int, used: set[Any]) -> Iterable[list[tuple[Player, Player]]]:
        if i == len(head):
            yield []
            return
        for r in residents:
            if budget[0] <= 0:
                return
            if r.id in used or not head[i].can_meet(r):
                continue
            budget[0] -= 1
            for more in rec(i + 1, used | {r.id}):
                yield [(head[i], r), *more]

    del tail  # left-over MDPs are paired among the homogeneous rest
    yield from rec(0, set())


def _homogeneous(players: list[Player], budget: list[int]) -> list[tuple[Player, Player]] | None:
    """S1/S2 backtracking over a homogeneous group (ranked)."""
    n = len(players)
    if n == 0:
        return []
    if n % 2:
        return None
    h = n // 2
    # Candidate lists by index: S1[i] -> S2 in order, then lower S1 from the bottom;
    # S2[j] -> the following S2 players.
    cands: list[list[int]] = []
    for i in range(n):
        if i < h:
            cands.append(list(range(h, n)) + list(range(h - 1, i, -1)))
        else:
            cands.append(list(range(i + 1, n)))
    partner = [-1] * n
    stack: list[tuple[int, int]] = []
    c, k = 0, 0
    while True:
        cl = cands[c]
        pc = players[c]
        while k < len(cl) and (partner[cl[k]] != -1 or not pc.can_meet(players[cl[k]])):
            k += 1
        if k < len(cl):
            d = cl[k]
            partner[c], partner[d] = d, c
            stack.append((c, k))
            budget[0] -= 1
            if budget[0] <= 0:
                return None
            while c < n and partner[c] != -1:
                c += 1
            if c == n:
                return [(players[i], players[partner[i]]) for i in range(n) if i < partner[i]]
            k = 0
        else:
            if not stack:
                return None
            c, k = stack.pop()
            d = partner[c]
            partner[c] = partner[d] = -1
            k += 1


# ---------------------------------------------------------------------- valve internals
def _pair_valve_group(
    bracket: list[Player], lower: list[Player]
) -> tuple[list[tuple[Player, Player]], list[Player]]:
    """Highest against lowest inside a record group, no rematch; float the lowest if odd."""
    n = len(bracket)
    for p in range(n // 2, -1, -1):
        for floaters in _floater_sets(bracket, n - 2 * p, set()):
            if not _pairable(floaters + lower):
                continue
            fl = {q.id for q in floaters}
            got = _valve_order([q for q in bracket if q.id not in fl])
            if got is not None:
                return got, floaters
    return [], bracket  # pragma: no cover


def _valve_order(players: list[Player]) -> list[tuple[Player, Player]] | None:
    """The first rematch-free pairing in Valve's priority order (top against bottom)."""
    n = len(players)
    if n == 0:
        return []
    if n == 6:
        for pattern in VALVE_SIX:
            pairs = [(players[a - 1], players[b - 1]) for a, b in pattern]
            if all(a.can_meet(b) for a, b in pairs):
                return pairs
        return None
    # General size: the highest-ranked free team takes the lowest-ranked free opponent
    # it has not met, backtracking when that strands someone.
    cands = [list(range(n - 1, i, -1)) for i in range(n)]
    partner = [-1] * n
    stack: list[tuple[int, int]] = []
    c, k = 0, 0
    steps = 0
    while True:
        cl = cands[c]
        while k < len(cl) and (partner[cl[k]] != -1 or not players[c].can_meet(players[cl[k]])):
            k += 1
        if k < len(cl):
            d = cl[k]
            partner[c], partner[d] = d, c
            stack.append((c, k))
            steps += 1
            if steps > _BUDGET:
                return perfect_matching(players, Player.can_meet)
            while c < n and partner[c] != -1:
                c += 1
            if c == n:
                return [(players[i], players[partner[i]]) for i in range(n) if i < partner[i]]
            k = 0
        else:
            if not stack:
                return None
            c, k = stack.pop()
            d = partner[c]
            partner[c] = partner[d] = -1
            k += 1


FORMAT = Swiss()
