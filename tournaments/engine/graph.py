"""Derivation for formats whose match graph is fixed up front (elimination brackets).

A format lays its matches out once (:class:`~podium.tournaments.engine.model.Match` with
slot references to seeds or to earlier matches); this module fills in participants,
statuses and outcomes from the results log:

* :func:`derive_all` — one pass in layout order (every source precedes its consumers),
  O(matches). This is the "rebuild from the log" path.
* :func:`reflow` — the incremental path: re-evaluate one match and everything downstream
  whose inputs changed, in layout order, so the outcome is identical to a full pass.

Rules applied to every match:

* a side that is an empty slot (``BYE``) loses at once: the match is ``skipped`` and the
  other side advances (two empty sides produce an empty winner);
* with both participants known and no result the match is ``ready``;
* a result whose recorded participants equal the derived ones (as a set: sides may be
  listed in either order) is applied (``completed``; a draw only where the format allows
  draws);
  otherwise it is kept but not applied (``needs_replay``) and nobody advances from it;
* a match with ``needed_when`` (the grand-final reset) waits until the match it depends
  on is decided and is ``skipped`` unless the required side won it.
"""

from __future__ import annotations

from collections.abc import Iterable
from heapq import heappop, heappush
from typing import Any

from podium.tournaments.engine.model import BYE, BracketState, Match, MatchStatus

_PENDING = MatchStatus.PENDING
_READY = MatchStatus.READY
_COMPLETED = MatchStatus.COMPLETED
_REPLAY = MatchStatus.NEEDS_REPLAY
_SKIPPED = MatchStatus.SKIPPED


def resolve(state: BracketState, ref: tuple[Any, ...]) -> Any:
    """The raw occupant of a slot reference: an entrant id, ``BYE``, or ``None`` (unknown)."""
    kind = ref[0]
    if kind == "winner":
        return state.matches[ref[1]].w
    if kind == "loser":
        return state.matches[ref[1]].l
    if kind == "seed":
        return state.by_seed.get(ref[1], BYE)
    if kind == "entrant":
        return ref[1]
    if kind == "bye":
        return BYE
    if kind == "rank":
        if state.rank_resolver is None:
            return None
        return state.rank_resolver(ref[1], ref[2])
    raise ValueError(f"unknown slot reference {ref!r}")


def evaluate(state: BracketState, m: Match) -> None:
    """Recompute one two-sided match from its inputs and the results log."""
    # Inlined resolve() for the two common kinds: this runs once per match per derive.
    ra, rb = m.refs
    matches = state.matches
    k = ra[0]
    a = (
        matches[ra[1]].w
        if k == "winner"
        else matches[ra[1]].l if k == "loser" else resolve(state, ra)
    )
    k = rb[0]
    b = (
        matches[rb[1]].w
        if k == "winner"
        else matches[rb[1]].l if k == "loser" else resolve(state, rb)
    )
    m.a = a
    m.b = b
    fact = state.results.get(m.key)
    m.result = fact

    if m.needed_when is not None:
        prod = matches[m.needed_when[0]]
        if prod.status is not _COMPLETED:
            # Undecided (or itself awaiting a replay): never shown as ready.
            m.w = m.l = None
            m.status = _PENDING
            return
        required = prod.a if m.needed_when[1] == 0 else prod.b
        if prod.w != required:
            m.w = m.l = None
            m.status = _SKIPPED
            return

    if a is BYE or b is BYE:
        if a is None or b is None:
            m.w = m.l = None
            m.status = _PENDING
        else:
            m.w = b if a is BYE else a
            m.l = BYE
            m.status = _SKIPPED
        return
    if a is None or b is None:
        m.w = m.l = None
        m.status = _PENDING if fact is None else _REPLAY
        return
    if fact is None:
        m.w = m.l = None
        m.status = _READY
        return
    parts = fact.participants
    if len(parts) == 2 and ((parts[0] == a and parts[1] == b) or (parts[0] == b and parts[1] == a)):
        winner = fact.winner
        if winner == a:
            m.w, m.l = a, b
            m.status = _COMPLETED
            return
        if winner == b:
            m.w, m.l = b, a
            m.status = _COMPLETED
            return
        if winner is None and fact.forfeit:
            # Double forfeit: both are out; an empty slot moves on in their place.
            m.w = m.l = BYE
            m.status = _COMPLETED
            return
        if winner is None and state.format.allows_draws and not state.dependents[m.index]:
            # A draw where the format allows one (round robin, Swiss) and nothing advances
            # from this match (a drawn playoff match would strand its bracket).
            m.w = m.l = None
            m.status = _COMPLETED
            return
    # Participants changed since the report (or the fact is unusable here): keep it
    # visible, advance nobody.
    m.w = m.l = None
    m.status = _REPLAY


def derive_all(state: BracketState) -> None:
    """Evaluate every match in layout order (the full rebuild from the log)."""
    for m in state.matches:
        evaluate(state, m)


def reflow(state: BracketState, start: Iterable[int]) -> list[int]:
    """Re-evaluate the matches at ``start`` and everything downstream that changes.

    Processes indices in increasing (layout) order with a heap, so each match is evaluated
    after all of its inputs: the result equals :func:`derive_all`. Returns the indices whose
    derived data changed, in layout order.
    """
    matches = state.matches
    dependents = state.dependents
    heap = sorted(set(start))
    queued = set(heap)
    changed: list[int] = []
    while heap:
        i = heappop(heap)
        m = matches[i]
        before = (m.status, m.a, m.b, m.w, m.l, m.result)
        evaluate(state, m)
        if before != (m.status, m.a, m.b, m.w, m.l, m.result):
            changed.append(i)
            for j in dependents[i]:
                if j not in queued:
                    queued.add(j)
                    heappush(heap, j)
    return changed


def apply_result(state: BracketState, index: int) -> list[int]:
    """Re-flow after the fact for match ``index`` changed in ``state.results``.

    The hot path (a first result on a ``ready`` match) decides that match directly and
    only re-evaluates its dependents; anything else goes through :func:`reflow`. Returns
    the indices whose derived data changed.
    """
    matches = state.matches
    m = matches[index]
    fact = state.results.get(m.key)
    if m.status is not _READY or fact is None:
        return reflow(state, [index])
    winner = fact.winner
    a, b, parts = m.a, m.b, fact.participants
    if (
        winner is None
        or len(parts) != 2
        or not ((parts[0] == a and parts[1] == b) or (parts[0] == b and parts[1] == a))
    ):
        return reflow(state, [index])
    if winner == a:
        m.w, m.l = a, b
    elif winner == b:
        m.w, m.l = b, a
    else:
        return reflow(state, [index])
    m.result = fact
    m.status = _COMPLETED
    # Each dependent gains a participant, so each of them changes; only when one of them
    # resolves at once (a bye) does anything further downstream move.
    dependents = state._dependents or state.dependents
    changed = [index]
    cascade: list[int] = []
    for j in dependents[index]:
        d = matches[j]
        w0, l0 = d.w, d.l
        evaluate(state, d)
        changed.append(j)
        if d.w is not w0 or d.l is not l0:
            cascade.extend(dependents[j])
    if cascade:
        changed.extend(i for i in reflow(state, cascade) if i not in changed)
    return changed
