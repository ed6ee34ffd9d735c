"""What the tournament services share: the write lock, the clock, the version counter,
the description of a change, and the guards and look-ups every write needs.

Every write that competes (registration against the capacity, reports against the
organiser's result, pairing a round, a roster change, a station call) runs in
:func:`~podium.core.database.atomic` with the tournament row locked
(:func:`lock_tournament`) and re-checks its rule inside the lock: one tournament's writes
are serialised, different tournaments' are not.

A tournament's ``log_version`` counts its visible changes. Pages cache what they render
per version (:mod:`podium.tournaments.render_cache`), so every visible write bumps it in
its own transaction, always through :func:`bump_version`.

Every write also says what it did, once, in the same transaction: :func:`announce` records
a :class:`~podium.core.events.TournamentChanged` domain event (and
:class:`~podium.core.events.MatchesCompleted` when results completed matches) in the
outbox; open pages and plugins hear of it after commit. :func:`touch` does both for a
change of the field (a registration, a check-in, a roster).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from podium.core.database import after_commit, for_update
from podium.core.i18n import N_, _
from podium.core.errors import Conflict, NotFound
from podium.core.events import (
    CompletedMatch,
    MatchesCompleted,
    ScopeRef,
    StationCall,
    TournamentChanged,
)
from podium.core.outbox import record
from podium.core.plugins import ScopeKind
from podium.core.validation import MAX_PAGE
from podium.tournaments.engine import BracketFormat, BracketState
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import TeamMember, Tournament

ENTRANT_STATUSES = ("registered", "waitlisted", "withdrawn", "dropped")
# Statuses of a tournament whose field is frozen and whose bracket exists.
STARTED = ("running", "finished")
MAX_CAPACITY = 65_536
DEFAULT_LIMIT = 50
MAX_LIMIT = MAX_PAGE


#: The scope kind this domain declares: plugins can be switched per tournament.
TOURNAMENT_SCOPE = ScopeKind("tournament", N_("Tournament"), path_param="tournament_id")


def scope_of(tournament_id: int) -> ScopeRef:
    """A tournament as an activation scope (which plugins are on for it)."""
    return ScopeRef(TOURNAMENT_SCOPE.name, tournament_id)


def now() -> datetime:
    """The current instant, timezone-aware (UTC): every stored timestamp comes from here."""
    return datetime.now(timezone.utc)


def load_json(value: Any) -> Any:
    """A JSON column's value (Piccolo returns the text unless asked to load it)."""
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value


async def lock_tournament(tournament_id: int) -> dict[str, Any]:
    """Lock the tournament row for this transaction and return it (call inside
    :func:`~podium.core.database.atomic`).

    :raises NotFound: no such tournament.
    :raises Conflict: ``archived``: an archived tournament takes no more writes.
    """
    row = await for_update(Tournament.select().where(Tournament.id == tournament_id)).first()
    if row is None:
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    if row["archived_at"] is not None:
        raise Conflict(_("this tournament is archived: it takes no more changes"),
                       code="archived")
    return row


async def bump_version(tournament_id: int, values: Mapping[Any, Any] | None = None) -> int:
    """Count a visible change of a tournament: ``log_version`` + 1, with any other
    ``values`` (``{column: value}``) written in the same statement. Call it inside the
    write's transaction. Returns the new version.

    :raises NotFound: no such tournament.
    """
    rows = await Tournament.update({Tournament.log_version: Tournament.log_version + 1,
                                    **(values or {})}).where(
        Tournament.id == tournament_id).returning(Tournament.log_version)
    if not rows:
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    return rows[0]["log_version"]


# ------------------------------------------------------------------ derived states
# The derived state of a running tournament, kept after a write so the next write applies
# its one new fact to it (``BracketFormat.apply``) instead of re-deriving every match: a
# result on a 256-entrant round robin touches one match and the standings, not 32,640.
#
# Safety: an entry is used only by a writer holding the tournament's lock, and only when
# it was stored for the row's current ``log_version`` (every write that changes a fact
# bumps it, in any process) and the same tournament (``created_at``: ids can be reused
# after a wipe). The writer *takes* the entry out, so nobody else sees it half-updated,
# and it goes back only after its transaction commits: a rollback just loses it (the next
# write derives afresh from the facts).
# Entries are evicted, least recently used first, beyond this many matches in total.
STATE_CACHE_MATCHES = 200_000
_STATES: OrderedDict[int, tuple[tuple[Any, ...], BracketState]] = OrderedDict()


def _state_key(t: Mapping[str, Any], version: int, fmt: BracketFormat) -> tuple[Any, ...]:
    return (version, t["created_at"], t["format"], id(fmt))


def take_state(t: Mapping[str, Any], fmt: BracketFormat) -> BracketState | None:
    """The cached state of the locked tournament ``t`` if it is current, removed from the
    cache (the caller may update it in place); ``None`` when there is none."""
    entry = _STATES.pop(t["id"], None)
    if entry is None or entry[0] != _state_key(t, t["log_version"], fmt):
        return None
    return entry[1]


def keep_state(t: Mapping[str, Any], fmt: BracketFormat, state: BracketState,
               version: int) -> None:
    """Cache ``state`` as tournament ``t``'s state at ``version`` once the current
    transaction commits (call inside :func:`~podium.core.database.atomic`, after the last
    bump of the write)."""
    key = _state_key(t, version, fmt)

    def store() -> None:
        _STATES[t["id"]] = (key, state)
        _STATES.move_to_end(t["id"])
        total = sum(len(s) for _k, s in _STATES.values())
        while total > STATE_CACHE_MATCHES and len(_STATES) > 1:
            _tid, (_key, old) = _STATES.popitem(last=False)
            total -= len(old)

    after_commit(store)


def _carry_state(t: Mapping[str, Any], old: int, new: int) -> None:
    """A change that adds no fact moved ``t`` from version ``old`` to ``new``: its cached
    state (if stored for ``old``) stays valid at ``new``, once the change commits."""
    def carry() -> None:
        entry = _STATES.get(t["id"])
        if entry is not None and entry[0][0] == old and entry[0][1] == t["created_at"]:
            _STATES[t["id"]] = ((new, *entry[0][1:]), entry[1])

    after_commit(carry)


def forget_states() -> None:
    """Drop every cached state (tests; nothing else needs to)."""
    _STATES.clear()


@dataclass
class Change:
    """What a write did to the bracket, for live updates and hooks."""

    tournament_id: int
    version: int
    changed: list[str]
    completed: list[dict[str, Any]]
    status: str
    # Matches called to stations by this change (see podium.tournaments.stations).
    called: list[dict[str, Any]] = field(default_factory=list)


async def record_change(t: Mapping[str, Any], changed: Sequence[str] = (),
                        called: Sequence[dict[str, Any]] = ()) -> Change:
    """Bump the version of the locked tournament ``t`` for a visible change that adds no
    fact (a report, a station call, the stream queue), describe it and announce it."""
    version = await bump_version(t["id"])
    # No fact changed: a cached state of the version before stays the state at this one.
    _carry_state(t, version - 1, version)
    change = Change(t["id"], version, list(changed), [], t["status"], list(called))
    return await announce(t, change)


async def touch(t: Mapping[str, Any]) -> Change:
    """Count and announce a change of the locked tournament ``t`` that moves no match (its
    field, a roster, its settings): pages showing it re-fetch."""
    return await record_change(t)


async def announce(t: Mapping[str, Any], change: Change) -> Change:
    """Record what the write did as domain events, in its transaction (call it once per
    write, inside :func:`~podium.core.database.atomic`, with the locked row ``t``):
    :class:`~podium.core.events.TournamentChanged` always, and
    :class:`~podium.core.events.MatchesCompleted` when matches were completed. Returns
    ``change``."""
    calls = tuple(StationCall(match_id=c["match_id"], key=c["key"], station=c["station"],
                              user_ids=tuple(c.get("user_ids", ())))
                  for c in change.called)
    venue_id = t.get("venue", t.get("venue_id"))
    completed = None
    if change.completed:
        completed = MatchesCompleted(
            venue_id=venue_id, tournament_id=change.tournament_id, version=change.version,
            matches=tuple(completed_match(m) for m in change.completed))
    await record(TournamentChanged(venue_id=venue_id, tournament_id=change.tournament_id,
                                   version=change.version, status=change.status,
                                   changed=tuple(change.changed), called=calls),
                 completed)
    return change


def completed_match(row: Mapping[str, Any]) -> CompletedMatch:
    """A projection row of a completed match as plugins are told of it."""
    return CompletedMatch(
        id=row["id"], key=row["key"], stage=row["stage"], round=row["round"],
        entrant_ids=tuple(slot.get("entrant_id") for slot in row.get("slots", [])),
        winner_id=row.get("winner"),
        games=tuple(tuple(int(x) for x in g) for g in row.get("games", [])),
        forfeit=bool(row.get("forfeit", False)))


def merge_changes(changes: Sequence[Change]) -> Change:
    """Several changes of one tournament in a row, as one (the last version and status)."""
    first, last = changes[0], changes[-1]
    changed: list[str] = []
    for c in changes:
        changed += [k for k in c.changed if k not in changed]
    return Change(first.tournament_id, last.version, changed,
                  [m for c in changes for m in c.completed], last.status,
                  [m for c in changes for m in c.called])


def require_not_started(t: Mapping[str, Any]) -> None:
    """Refuse a change to the field once the tournament has started.

    :raises Conflict: ``started``.
    """
    if t["status"] in STARTED:
        raise Conflict(_("this tournament has started; its field is frozen"), code="started")


async def entrant_in(tournament_id: int, entrant_id: int) -> dict[str, Any]:
    """The entrant row ``entrant_id`` of this tournament.

    :raises NotFound: no such entrant in this tournament.
    """
    row = await EntrantRow.select().where((EntrantRow.id == entrant_id)
                                          & (EntrantRow.tournament == tournament_id)).first()
    if row is None:
        raise NotFound(_("entrant %(entrant_id)s is not in this tournament", entrant_id=entrant_id))
    return row


async def user_entrants(tournament_id: int, user_id: int, statuses: Sequence[str]) -> list[int]:
    """Ids of a user's entrants in a tournament with one of ``statuses``: as the solo
    player or captain, or as an accepted member of a team."""
    own = await EntrantRow.select(EntrantRow.id).where(
        (EntrantRow.tournament == tournament_id) & (EntrantRow.user == user_id)
        & EntrantRow.status.is_in(list(statuses)))
    member = await TeamMember.select(TeamMember.entrant).where(
        (TeamMember.user == user_id) & (TeamMember.status == "accepted")
        & (TeamMember.entrant.tournament == tournament_id)
        & TeamMember.entrant.status.is_in(list(statuses)))
    return sorted({r["id"] for r in own} | {r["entrant"] for r in member})
