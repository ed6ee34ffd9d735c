"""The format contract: what the tournament domain calls, and a base class to build on.

A bracket format is a plain object registered through the ``podium_bracket_formats`` hook.
The domain never looks inside it; it calls, with plain data:

* ``validate_options(options)`` when an organiser creates or edits a tournament;
* ``match_count(entrants, options)`` with ``max_matches``: how many matches a field of
  that size would create, checked against the format's (and the venue's) limit when a
  tournament is created with a capacity and again at the start, before anything is built;
* ``check_entrants(entrants, options)`` before starting;
* ``derive(entrants, options, results, pairings)`` to rebuild the whole state from the
  facts (start-up, after a correction, to check a projection);
* ``apply(state, fact)`` on the hot path, after a new result was appended to the log;
* ``check_result(state, fact)`` before accepting a report (a 4xx names the reason);
* ``next_round(state)`` for dynamic formats (Swiss) when an organiser pairs a round;
* ``standings(state)`` for the standings page and API;
* optionally ``drawing(stage, bracket)``: how the venue's screen draws a bracket
  (:class:`Drawing`; :class:`BaseFormat` answers ``None``, "judge by the matches").

See ``docs/formats.md`` for a complete example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from podium.core.i18n import _, gettext_noop
from podium.tournaments.labels import status_label
from podium.tournaments.engine.graph import apply_result, derive_all
from podium.tournaments.engine.model import (
    BYE,
    BracketState,
    Entrant,
    Match,
    MatchKey,
    MatchStatus,
    PairingFact,
    ResultFact,
    StandingRow,
)
from podium.tournaments.engine.options import OptionSpec, validate_options
from podium.tournaments.engine.standings import TIEBREAKERS


class ResultError(ValueError):
    """A result the format refuses; ``code`` is stable (for the API), the message human.

    Codes: ``unknown_match``, ``not_ready``, ``participants_changed``,
    ``winner_not_in_match``, ``draw_not_allowed``, ``games_contradict_winner``,
    ``invalid_games``.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class PairingError(ValueError):
    """The next round cannot be paired (finished, unfinished round, or impossible)."""


class Drawing(StrEnum):
    """How the venue's screen draws one bracket of a stage (see ``BaseFormat.drawing``)."""

    TREE = "tree"  # rounds side by side, each match feeding the next (elimination)
    GROUPS = "groups"  # a table per group (the bracket is the group) and its current round
    ROUNDS = "rounds"  # the current round's matches, then the standings (Swiss)
    LOBBIES = "lobbies"  # matches of more than two sides, with placings and points


@runtime_checkable
class BracketFormat(Protocol):
    """What every bracket format provides. Formats hold no per-tournament state.

    The data members are read-only properties: the domain only reads them, so a class
    attribute (``BaseFormat``'s ``ClassVar``s), an instance attribute or a property all
    satisfy the protocol, and ``option_specs`` may be any tuple of specs.
    """

    @property
    def name(self) -> str:
        """Unique registry name, e.g. ``"double_elimination"``."""
        ...

    @property
    def label(self) -> str:
        """Human label, e.g. ``"Double elimination"``."""
        ...

    @property
    def description(self) -> str:
        """One sentence for the format picker."""
        ...

    @property
    def option_specs(self) -> tuple[OptionSpec, ...]:
        """The options an organiser can set, with defaults and allowed values."""
        ...

    @property
    def dynamic(self) -> bool:
        """``True`` when rounds are paired one at a time from results (Swiss): the domain
        must call :meth:`next_round` and store the returned :class:`PairingFact`."""
        ...

    @property
    def allows_draws(self) -> bool:
        """``True`` when a match may end in a draw (``winner=None``, not a forfeit)."""
        ...

    @property
    def min_entrants(self) -> int:
        """The smallest field the format accepts."""
        ...

    @property
    def max_matches(self) -> int | None:
        """The most matches this format will create for one tournament (``None``: only the
        venue-wide ``PODIUM_MAX_MATCHES_PER_TOURNAMENT`` applies)."""
        ...

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return the options complete with defaults; ``ValueError`` names a bad one."""
        ...

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """How many matches (at most) ``entrants`` would create with these (validated)
        options, computed without building anything."""
        ...

    def too_many_matches(self, entrants: int, options: Mapping[str, Any], limit: int) -> str:
        """Why ``entrants`` exceed ``limit`` matches, and what to change instead (shown to
        the organiser as it is)."""
        ...

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` when this field cannot be run with these options."""
        ...

    def derive(
        self,
        entrants: Sequence[Entrant],
        options: Mapping[str, Any],
        results: Sequence[ResultFact] | Mapping[MatchKey, ResultFact] = (),
        pairings: Sequence[PairingFact] = (),
    ) -> BracketState:
        """Build the whole state from the facts (the latest fact per match key wins)."""
        ...

    def apply(self, state: BracketState, fact: ResultFact) -> list[MatchKey]:
        """Record ``fact`` in ``state`` (replacing any fact for that match) and update it.

        Returns the keys of the matches whose derived data changed. The result is the same
        as ``derive`` with the updated log.
        """
        ...

    def check_result(self, state: BracketState, fact: ResultFact) -> None:
        """Raise :class:`ResultError` when ``fact`` cannot be accepted for its match now."""
        ...

    def next_round(self, state: BracketState) -> PairingFact:
        """Pair the next round (dynamic formats); :class:`PairingError` when impossible."""
        ...

    def standings(self, state: BracketState) -> list[StandingRow]:
        """Rank every entrant with the tournament's tiebreakers."""
        ...


def latest_results(
    results: Sequence[ResultFact] | Mapping[MatchKey, ResultFact],
) -> dict[MatchKey, ResultFact]:
    """The results log reduced to the latest fact per match key (later entries win)."""
    if isinstance(results, Mapping):
        return dict(results)
    out: dict[MatchKey, ResultFact] = {}
    for fact in results:
        out[fact.match] = fact
    return out


def check_games(
    fact: ResultFact, participants: Sequence[Any], best_of: int | None, allows_draws: bool
) -> None:
    """Check a two-sided result's winner and games against the match.

    * the winner is one of the participants (or ``None``: a draw where allowed, or a
      double forfeit);
    * every game is two non-negative integers;
    * the winner won more games than the loser (a draw: as many), and nobody won more
      games than a best-of-N needs;
    * a forfeit may come without games.
    """
    if fact.winner is not None and fact.winner not in participants:
        raise ResultError(
            "winner_not_in_match", _("the chosen winner does not play match %(match)s", match=fact.match)
        )
    if fact.winner is None and not fact.forfeit and not allows_draws:
        raise ResultError("draw_not_allowed", _("match %(match)s needs a winner", match=fact.match))
    if not fact.games:
        return
    for g in fact.games:
        if len(g) != 2 or not all(isinstance(x, int) and x >= 0 for x in g):
            raise ResultError("invalid_games", _("a game must be two scores, got %(g)s", g=f"{list(g)!r}"))
    # Games are in the reporter's participant order; count them in the match's order.
    first = participants[0]
    if fact.participants and fact.participants[0] != first:
        games = [(g[1], g[0]) for g in fact.games]
    else:
        games = [(g[0], g[1]) for g in fact.games]
    wins_a = sum(1 for x, y in games if x > y)
    wins_b = sum(1 for x, y in games if y > x)
    if best_of and len(games) > best_of:
        raise ResultError(
            "games_contradict_winner", _("%(games)s games reported in a best of %(best_of)s", games=len(games), best_of=best_of)
        )
    if fact.winner is None:
        if not fact.forfeit and wins_a != wins_b:
            raise ResultError("games_contradict_winner", _("a draw needs as many wins each"))
        return
    won, lost = (wins_a, wins_b) if fact.winner == first else (wins_b, wins_a)
    if won <= lost:
        raise ResultError(
            "games_contradict_winner",
            # Engines know entrants by id only: the detail names no one (an id means nothing
            # to the person at the form) and says how to fix the scores instead.
            _("the games say %(won)s-%(lost)s for the chosen winner: give the scores in the "
              "order the players are shown", won=won, lost=lost),
        )
    if best_of and best_of > 1:
        need = best_of // 2 + 1
        if won > need or lost >= need:
            raise ResultError(
                "games_contradict_winner",
                _("%(won)s-%(lost)s is not a finished best of %(best_of)s (first to %(need)s)", won=won, lost=lost, best_of=best_of, need=need),
            )


def largest_field(fmt: BracketFormat, options: Mapping[str, Any], limit: int, below: int) -> int:
    """The largest field under ``below`` entrants whose match count fits ``limit``
    (a binary search: match counts grow with the field)."""
    lo, hi = 0, max(below - 1, 0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fmt.match_count(mid, options) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


class BaseFormat:
    """Defaults for the contract; subclasses set the class attributes and ``_build``.

    Static formats (the whole match graph known up front) implement ``_build(state)`` —
    add every match with :meth:`BracketState.add` — and ``_summarise(state)`` (champion,
    completion), and get ``derive``/``apply`` for free through ``podium.tournaments.engine.graph``.
    Dynamic formats override :meth:`derive`, :meth:`apply` and :meth:`next_round`.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    option_specs: ClassVar[tuple[OptionSpec, ...]] = ()
    dynamic: ClassVar[bool] = False
    allows_draws: ClassVar[bool] = False
    min_entrants: ClassVar[int] = 2
    #: the most matches one tournament may create (``None``: the venue's setting only).
    max_matches: ClassVar[int | None] = None
    #: tiebreakers when the tournament does not choose: subclasses override.
    default_tiebreakers: ClassVar[tuple[str, ...]] = ()

    # ------------------------------------------------------------------ options
    @classmethod
    def tiebreaker_option(cls, default: Sequence[str]) -> OptionSpec:
        """The standard ``tiebreakers`` option (an ordered list of names)."""
        return OptionSpec(
            "tiebreakers",
            "choice_list",
            default=list(default),
            label=gettext_noop("Tiebreakers"),
            help=gettext_noop("Applied in this order when entrants are level; the seed decides "
                              "last."),
            choices=TIEBREAKERS,
        )

    def validate_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Fill defaults and check every option; ``ValueError`` names the bad one."""
        return validate_options(self.option_specs, options)

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """Matches for ``entrants`` (default: one per entrant, formats override)."""
        return max(entrants, 0)

    def too_many_matches(self, entrants: int, options: Mapping[str, Any], limit: int) -> str:
        """The refusal's reason: the count, the limit, and a smaller field to try."""
        fits = largest_field(self, options, limit, entrants)
        return (
            f"{self.label or self.name} with {entrants:,} entrants would create "
            f"{self.match_count(entrants, options):,} matches; this venue allows at most "
            f"{limit:,} per tournament (up to {fits:,} entrants with these options)"
        )

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """Check the field: enough entrants, distinct ids, seeds exactly 1..N."""
        if len(entrants) < self.min_entrants:
            raise ValueError(
                f"{self.label or self.name} needs at least {self.min_entrants} entrants, "
                f"got {len(entrants)}"
            )
        ids = [e.id for e in entrants]
        if len(set(ids)) != len(ids):
            raise ValueError("an entrant is listed twice")
        seeds = sorted(e.seed for e in entrants)
        if seeds != list(range(1, len(entrants) + 1)):
            raise ValueError("seeds must be exactly 1..N, each once")

    # ------------------------------------------------------------------ derivation
    def derive(
        self,
        entrants: Sequence[Entrant],
        options: Mapping[str, Any],
        results: Sequence[ResultFact] | Mapping[MatchKey, ResultFact] = (),
        pairings: Sequence[PairingFact] = (),
    ) -> BracketState:
        """Build the match graph and evaluate it from the results log."""
        opts = self.validate_options(options)
        self.check_entrants(entrants, opts)
        state = BracketState(self, entrants, opts, latest_results(results), pairings)
        self._build(state)
        derive_all(state)
        self._summarise(state)
        return state

    def _build(self, state: BracketState) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _summarise(self, state: BracketState) -> None:
        """Set ``state.extra["complete"]`` and ``["champion"]`` (default: never complete)."""
        state.extra.setdefault("complete", False)

    def apply(self, state: BracketState, fact: ResultFact) -> list[MatchKey]:
        """Record ``fact`` and re-flow everything downstream of its match."""
        m = state.by_key.get(fact.match)
        if m is None:
            raise ResultError("unknown_match", _("no match %(match)s in this tournament", match=f"{fact.match!r}"))
        state.results[fact.match] = fact
        changed = apply_result(state, m.index)
        matches = state.matches
        # Only a change to one of the deciding matches can change the summary; formats
        # list their indices in extra["summary_watch"] so the hot path skips the rest.
        watch = state.extra.get("summary_watch")
        if watch is None or not watch.isdisjoint(changed):
            self._summarise(state)
        return [matches[i].key for i in changed]

    def check_result(self, state: BracketState, fact: ResultFact) -> None:
        """Refuse results that do not fit the match as it stands now.

        Accepted on ``ready`` matches (a report), ``completed`` ones (a correction, which
        the domain restricts to organisers) and ``needs_replay`` ones with both sides known
        (the replay). The recorded participants must be the current ones.
        """
        m = state.by_key.get(fact.match)
        if m is None:
            raise ResultError("unknown_match", _("no match %(match)s in this tournament", match=f"{fact.match!r}"))
        playable = m.status in (MatchStatus.READY, MatchStatus.COMPLETED) or m.playable
        if not playable or m.a is BYE or m.b is BYE:
            raise ResultError(
                "not_ready", _("match %(key)s is %(status)s and cannot take a result", key=m.key, status=status_label(m.status.value))
            )
        participants = [p for p in m.participants]
        if sorted(map(repr, participants)) != sorted(map(repr, fact.participants)):
            raise ResultError(
                "participants_changed",
                _("the players of match %(key)s have changed since this result was entered: enter it again", key=m.key),
            )
        self._check_outcome(state, m, fact)

    def _check_outcome(self, state: BracketState, m: Match, fact: ResultFact) -> None:
        check_games(fact, m.participants, m.best_of, self.allows_draws)

    def next_round(self, state: BracketState) -> PairingFact:
        """Static formats have nothing to pair: their whole graph exists from the start."""
        raise PairingError(_("%(name)s has no rounds to pair", name=self.label or self.name))

    def standings(self, state: BracketState) -> list[StandingRow]:  # pragma: no cover
        """Rank every entrant (formats implement this)."""
        raise NotImplementedError

    def drawing(self, stage: int, bracket: str) -> Drawing | None:
        """How the screen draws ``bracket`` of ``stage``; ``None`` (the default) lets it
        judge by the matches: lobbies when they have more than two sides, else a tree."""
        return None

    def tiebreakers(self, state: BracketState) -> list[str]:
        """The tournament's tiebreakers, or this format's defaults."""
        chosen = state.options.get("tiebreakers")
        return list(chosen) if chosen is not None else list(self.default_tiebreakers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
