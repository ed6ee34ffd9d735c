"""The plain data every bracket format speaks: facts in, derived matches out.

Facts (what the domain stores, append-only):

* :class:`Entrant` — who plays and their seed (1 = strongest).
* :class:`ResultFact` — one reported result: which match, who won, the games, and who was
  playing it *when it was reported* (so a later correction upstream can be detected).
* :class:`PairingFact` — for dynamic formats (Swiss): the pairings of one round, fixed
  once published, so correcting an old result never silently re-pairs a played round.

Derived state (what a format computes, never stored as truth):

* :class:`Match` — one match with its stable key, place in the bracket, slots, status,
  winner and games.
* :class:`BracketState` — all matches of a tournament plus the facts they came from.

Everything here is plain Python: no database, no HTTP, no framework.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Union, cast

if TYPE_CHECKING:  # pragma: no cover - typing only
    from podium.tournaments.engine.base import BracketFormat

#: An entrant's identifier, as the domain stores it (database id or any hashable label).
EntrantId = Union[int, str]
#: A match key: stable and unique within one tournament ("W1-3", "L2-1", "GF1", "A-R1-2").
MatchKey = str


class MatchStatus(StrEnum):
    """Every status the domain exposes for a match.

    A format derives only the *structural* ones (``pending``, ``ready``, ``completed``,
    ``needs_replay``, ``skipped``). The domain overlays the *reporting* ones
    (``in_progress``, ``awaiting_confirmation``, ``disputed``) on top of ``ready`` matches
    from its own records, because they depend on who reported what, not on the bracket.
    """

    PENDING = "pending"  # a participant is not known yet
    READY = "ready"  # both participants known, no result
    IN_PROGRESS = "in_progress"  # domain overlay: called to a station
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # domain overlay: one side reported
    DISPUTED = "disputed"  # domain overlay: the sides disagree
    COMPLETED = "completed"  # a valid result for the current participants
    NEEDS_REPLAY = "needs_replay"  # a result exists but its participants changed since
    SKIPPED = "skipped"  # not played: a bye, or a reset match that is not needed


class _ByeType:
    """The phantom entrant that fills empty slots; it loses to everyone, instantly."""

    _instance: _ByeType | None = None

    def __new__(cls) -> _ByeType:
        # A singleton so identity checks (``x is BYE``) are cheap on the hot path.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BYE"

    def __reduce__(self) -> str:
        return "BYE"


#: The phantom entrant. Never exposed through the public properties (they say ``None``).
BYE: Final = _ByeType()


@dataclass(frozen=True, slots=True)
class Entrant:
    """A seeded entrant.

    :param id: the domain's identifier for the entrant (player or team).
    :param seed: 1..N, 1 strongest; seeds of one tournament are distinct.
    :param active: ``False`` once the entrant withdrew or was disqualified; formats that
        pair round by round (Swiss, free-for-all) stop pairing them, elimination formats
        rely on forfeits instead.
    """

    id: EntrantId
    seed: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class ResultFact:
    """One reported result, as stored in the ordered results log.

    :param match: the key of the match it is for.
    :param winner: the winning entrant, or ``None`` for a draw (formats that allow draws)
        or a double forfeit (``forfeit=True``).
    :param games: the games, in order. Two-sided matches: ``(a, b)`` = the score of the
        first and second participant in ``participants`` order. Free-for-all lobbies:
        one tuple per game with each participant's finishing place (1 = first), again in
        ``participants`` order.
    :param participants: who played, in slot order, as the reporter saw the match. When the
        derived participants of that match no longer equal these (an earlier result was
        corrected), the result is not applied: the match becomes ``needs_replay``.
    :param forfeit: the loser (or both, when ``winner`` is ``None``) did not play.
    """

    match: MatchKey
    winner: EntrantId | None
    participants: tuple[EntrantId, ...]
    games: tuple[tuple[int, ...], ...] = ()
    forfeit: bool = False

    @property
    def is_draw(self) -> bool:
        """A played draw (no winner, not a forfeit)."""
        return self.winner is None and not self.forfeit

    @property
    def is_double_forfeit(self) -> bool:
        """Nobody showed up: both participants lose."""
        return self.winner is None and self.forfeit


@dataclass(frozen=True, slots=True)
class Table:
    """One pairing of a dynamic round: ``home`` against ``away``; ``away=None`` is a bye."""

    home: EntrantId
    away: EntrantId | None
    best_of: int = 1


@dataclass(frozen=True, slots=True)
class PairingFact:
    """The published pairings of one round of a dynamic format (Swiss).

    The domain stores it as a fact when an organiser pairs the next round
    (``BracketFormat.next_round``). Deleting the last one un-pairs that round.
    """

    round: int
    tables: tuple[Table, ...]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a not-yet-known slot will be filled from.

    * ``kind="winner"`` / ``"loser"``: the winner or loser of match ``match``.
    * ``kind="rank"``: the entrant ranked ``rank`` in ``group`` (a round-robin group, a
      free-for-all round...), once that group is complete.
    """

    kind: str
    match: MatchKey | None = None
    group: str | None = None
    rank: int | None = None

    def describe(self) -> str:
        """A short human label: ``"winner of W1-3"``, ``"2nd of group A"``."""
        if self.kind in ("winner", "loser"):
            return f"{self.kind} of {self.match}"
        return f"{ordinal(self.rank or 0)} of {self.group}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form; ``description`` is what a page shows."""
        out: dict[str, Any] = {"kind": self.kind, "description": self.describe()}
        if self.match is not None:
            out["match"] = self.match
        if self.group is not None:
            out["group"] = self.group
            out["rank"] = self.rank
        return out


def ordinal(n: int) -> str:
    """``1 -> "1st"``, ``2 -> "2nd"``, ``11 -> "11th"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class Slot:
    """One side of a match as shown to people.

    Exactly one of these holds: ``entrant_id`` is set (with ``seed``); ``bye`` is true (the
    side is empty and the other side advances); or ``source`` says where the entrant will
    come from.
    """

    entrant_id: EntrantId | None
    seed: int | None = None
    source: Source | None = None
    bye: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form, e.g. ``{"entrant_id": None, "source": "winner of W1-3", ...}``."""
        out: dict[str, Any] = {"entrant_id": self.entrant_id}
        if self.entrant_id is not None:
            out["seed"] = self.seed
        if self.bye:
            out["bye"] = True
        if self.source is not None:
            out["source"] = self.source.describe()
            out["source_ref"] = self.source.to_dict()
        return out


# Internal slot references of a match, kept as tuples because derive touches them for
# every match on every derivation and tuples are the cheapest thing Python has:
#   ("seed", s)          — the entrant seeded s (a BYE when s > N)
#   ("entrant", id)      — a fixed entrant (dynamic formats: the pairing fact said so)
#   ("bye",)             — an empty side
#   ("winner", i)/("loser", i) — outcome of the match at index i of the same state
#   ("rank", group, r)   — the entrant ranked r in group (resolved by the format)
SlotRef = tuple[Any, ...]


class Match:
    """One match of the derived state.

    Structure (fixed when the bracket is built): ``key``, ``stage``, ``bracket``
    (``"winners"``, ``"losers"``, ``"final"``, or a group's name), ``round`` (from 1 within its
    bracket), ``position`` (from 1 within its round), ``best_of``.

    Derived: ``status``, the participants, ``winner``/``loser``, ``games`` and ``result``
    (the fact behind it). ``result`` is also kept on ``needs_replay`` matches (and on a
    ``skipped`` reset that was played before a correction made it unnecessary, with
    ``stale=True``) so nothing an organiser recorded ever silently disappears.

    Uses ``__slots__`` and plain attributes because a 65,536-entrant double elimination
    holds 131,071 of them.
    """

    __slots__ = (
        "key",
        "stage",
        "bracket",
        "round",
        "position",
        "best_of",
        "refs",
        "needed_when",
        "status",
        "a",
        "b",
        "w",
        "l",
        "result",
        "extra",
        "index",
    )

    def __init__(
        self,
        key: MatchKey,
        stage: int,
        bracket: str,
        round: int,  # noqa: A002 - the domain's own word
        position: int,
        best_of: int,
        refs: tuple[SlotRef, ...],
        needed_when: tuple[int, int] | None = None,
    ) -> None:
        self.key = key
        self.stage = stage
        self.bracket = bracket
        self.round = round
        self.position = position
        self.best_of = best_of
        self.refs = refs
        # (match index, slot index): this match is played only when that slot's entrant
        # won that match (the grand-final reset). Otherwise it is skipped.
        self.needed_when = needed_when
        self.status: MatchStatus = MatchStatus.PENDING
        # Participants and outcome, raw: entrant id, BYE, or None (not known yet).
        self.a: Any = None
        self.b: Any = None
        self.w: Any = None
        self.l: Any = None
        self.result: ResultFact | None = None
        # Format-specific data (free-for-all: the extra participants and the points).
        self.extra: Any = None
        self.index = -1

    # ----------------------------------------------------------------- public view
    @property
    def participants(self) -> tuple[EntrantId | None, ...]:
        """The entrants in slot order; ``None`` for a slot not known yet or empty (bye)."""
        if self.extra is not None and "entrants" in self.extra:
            return tuple(self.extra["entrants"])
        return (_public(self.a), _public(self.b))

    @property
    def winner(self) -> EntrantId | None:
        """The winner (``None`` while undecided, for a draw, or after a double forfeit)."""
        return _public(self.w)

    @property
    def loser(self) -> EntrantId | None:
        """The loser of a decided two-sided match (``None`` for a bye's empty side)."""
        return _public(self.l)

    @property
    def games(self) -> tuple[tuple[int, ...], ...]:
        """The games of the applied result (empty when none is applied)."""
        if self.result is None or self.status is not MatchStatus.COMPLETED:
            return ()
        return self.result.games

    @property
    def stale(self) -> bool:
        """A result is recorded for this match but is not applied (participants changed)."""
        return self.result is not None and self.status in (
            MatchStatus.NEEDS_REPLAY,
            MatchStatus.SKIPPED,
        )

    @property
    def is_bye(self) -> bool:
        """One side is an empty slot: resolved automatically, never playable."""
        return self.a is BYE or self.b is BYE

    @property
    def playable(self) -> bool:
        """Both participants are known and the match can be (re)played now."""
        if self.status not in (MatchStatus.READY, MatchStatus.NEEDS_REPLAY):
            return False
        parts = self.participants
        return all(p is not None for p in parts) and self.a is not BYE and self.b is not BYE

    def slots(self, state: BracketState) -> list[Slot]:
        """The sides as shown to people (entrant and seed, bye, or source description)."""
        if self.extra is not None and "entrants" in self.extra:
            # A multi-entrant match (free-for-all lobby): one slot per entrant.
            seeds = state.seed_of
            return [
                (
                    Slot(e, seeds.get(e))
                    if e is not None
                    else Slot(None, source=state.source_of(self.refs[i]))
                )
                for i, e in enumerate(self.extra["entrants"])
            ]
        out = []
        for raw, ref in zip((self.a, self.b), self.refs, strict=True):
            if raw is BYE:
                out.append(Slot(None, bye=True))
            elif raw is not None:
                out.append(Slot(raw, state.seed_of.get(raw)))
            else:
                out.append(Slot(None, source=state.source_of(ref)))
        return out

    def to_dict(self, state: BracketState) -> dict[str, Any]:
        """A JSON-friendly dict with every field the public API exposes."""
        return {
            "key": self.key,
            "stage": self.stage,
            "bracket": self.bracket,
            "round": self.round,
            "position": self.position,
            "status": str(self.status),
            "best_of": self.best_of,
            "slots": [s.to_dict() for s in self.slots(state)],
            "winner_id": self.winner,
            "games": [list(g) for g in self.games],
            "stale_result": self.stale,
        }

    def snapshot(self) -> tuple[Any, ...]:
        """Everything derived about this match, for comparisons and diffs."""
        extra = None
        if self.extra is not None:
            extra = tuple(sorted((k, _freeze(v)) for k, v in self.extra.items()))
        return (self.key, self.status, self.a, self.b, self.w, self.l, self.result, extra)

    def __repr__(self) -> str:
        return (
            f"Match({self.key} {self.status.value} {self.a!r} v {self.b!r}"
            f"{' -> ' + repr(self.w) if self.w is not None else ''})"
        )


def _public(x: EntrantId | _ByeType | None) -> EntrantId | None:
    # BYE is the only _ByeType there is: past the identity check, x is an entrant or None.
    return None if x is BYE else cast("EntrantId | None", x)


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


@dataclass
class StandingRow:
    """One line of the standings.

    :param rank: 1-based; entrants share a rank when nothing separates them but their seed
        (rows are still ordered by seed inside a shared rank).
    :param values: the tiebreak values by name (``match_wins``, ``buchholz``...), plus what
        the format adds (``placement``, ``group``, ``points``...).
    :param status: ``"champion"``, ``"active"``, ``"advanced"``, ``"eliminated"`` or
        ``"finished"``.
    """

    rank: int
    entrant_id: EntrantId
    seed: int
    values: dict[str, Any] = field(default_factory=dict)
    status: str = "active"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "rank": self.rank,
            "entrant_id": self.entrant_id,
            "seed": self.seed,
            "status": self.status,
            **self.values,
        }


class BracketState:
    """The derived state of one tournament: its matches and the facts they came from.

    Built by ``BracketFormat.derive``; updated in place by ``BracketFormat.apply`` (the
    incremental path). Matches are kept in a stable order: stage, then bracket, round and
    position as the format laid them out; every match's sources come before it.
    """

    def __init__(
        self,
        format: BracketFormat,  # noqa: A002 - what it is
        entrants: Sequence[Entrant],
        options: Mapping[str, Any],
        results: Mapping[MatchKey, ResultFact],
        pairings: Sequence[PairingFact] = (),
    ) -> None:
        self.format = format
        self.entrants: tuple[Entrant, ...] = tuple(sorted(entrants, key=lambda e: e.seed))
        self.options: dict[str, Any] = dict(options)
        self.results: dict[MatchKey, ResultFact] = dict(results)
        self.pairings: tuple[PairingFact, ...] = tuple(pairings)
        self.matches: list[Match] = []
        self.by_key: dict[MatchKey, Match] = {}
        self.seed_of: dict[EntrantId, int] = {e.id: e.seed for e in self.entrants}
        self.by_seed: dict[int, EntrantId] = {e.seed: e.id for e in self.entrants}
        # Format-specific derived data (group tables, the qualifiers of a playoff...).
        self.extra: dict[str, Any] = {}
        # Who depends on whom, for the incremental path: index -> indices fed by it.
        # Built lazily: a full derive (the correction path) never needs it.
        self._dependents: list[list[int]] | None = None
        # Resolves ("rank", group, r) slot references: returns the entrant, or None while
        # that group is not decided. Set by formats that feed one stage into another.
        self.rank_resolver: Callable[[str, int], Any] | None = None

    # ----------------------------------------------------------------- building
    def add(self, match: Match) -> Match:
        """Append a match (its sources must already be in the state)."""
        if match.key in self.by_key:
            raise ValueError(f"duplicate match key {match.key!r}")
        match.index = len(self.matches)
        self.matches.append(match)
        self.by_key[match.key] = match
        self._dependents = None
        return match

    @property
    def dependents(self) -> list[list[int]]:
        """For each match index, the indices of the matches fed by it."""
        if self._dependents is None:
            deps: list[list[int]] = [[] for _ in self.matches]
            for m in self.matches:
                for ref in m.refs:
                    if ref[0] == "winner" or ref[0] == "loser":
                        deps[ref[1]].append(m.index)
                if m.needed_when is not None:
                    deps[m.needed_when[0]].append(m.index)
            self._dependents = deps
        return self._dependents

    # ----------------------------------------------------------------- reading
    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    def __getitem__(self, key: MatchKey) -> Match:
        return self.by_key[key]

    def get(self, key: MatchKey) -> Match | None:
        """The match with this key, or ``None``."""
        return self.by_key.get(key)

    def with_status(self, *statuses: MatchStatus | str) -> list[Match]:
        """Matches whose status is one of ``statuses``, in bracket order."""
        wanted = {MatchStatus(s) for s in statuses}
        return [m for m in self.matches if m.status in wanted]

    def ready(self) -> list[Match]:
        """Matches that can be called to a station now."""
        return [m for m in self.matches if m.playable]

    @property
    def played(self) -> list[Match]:
        """Completed matches that were really played (not byes)."""
        return [
            m
            for m in self.matches
            if m.status is MatchStatus.COMPLETED and m.a is not BYE and m.b is not BYE
        ]

    @property
    def complete(self) -> bool:
        """The format says the tournament is over (every needed match decided)."""
        return bool(self.extra.get("complete", False))

    @property
    def champion(self) -> EntrantId | None:
        """The winner of the tournament once it is complete (``None`` otherwise)."""
        return self.extra.get("champion")

    def source_of(self, ref: SlotRef) -> Source | None:
        """The public :class:`Source` for an internal slot reference."""
        kind = ref[0]
        if kind in ("winner", "loser"):
            return Source(kind, match=self.matches[ref[1]].key)
        if kind == "rank":
            return Source("rank", group=ref[1], rank=ref[2])
        return None

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Everything derived, for equality checks (correction + replay == built fresh)."""
        return [m.snapshot() for m in self.matches]

    def to_dicts(self, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every match (optionally only some statuses) as JSON-friendly dicts."""
        wanted = None if statuses is None else {MatchStatus(s) for s in statuses}
        return [m.to_dict(self) for m in self.matches if wanted is None or m.status in wanted]
