"""What every programme scheduler here shares: the problem in whole minutes, the heats laid
out inside each phase, the sessions a phase may use, and reasons as data (:mod:`.said`).

Time is counted in whole minutes from the first session's start (``origin``). A phase
occupies the track for its racing (``duration``) then its medal ceremony (``ceremony``);
the changeover is kept after every use of the track, blocked intervals included.

The heat layout inside a phase does not depend on when the phase starts, so it is done
once, before any search: a solver then places whole phases (as the domain notes advise:
phases first, heats inside them), and the heats follow. Recovery between phases is kept
from the end of one phase's racing to the start of the next: an over-approximation of the
per-heat rule, safe whatever the start lists turn out to be.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from podium.core.venue.contracts import (
    HeatPlacement,
    Phase,
    Placement,
    ProgrammeProblem,
    SessionWindow,
)

from .said import (
    Ref,
    Said,
    SaidExplanation,
    at_ref,
    day_ref,
    explanation,
    listed,
    part_ref,
    phase_ref,
    session_ref,
    term_ref,
    time_ref,
)

#: One placed phase in minutes: (start, session index).
Slot = tuple[int, int]

#: A wished start missed by more than this costs as much as missing it by this much: a
#: day off is one missed wish, not 1,440 times a minute's.
WISH_START_CAP_MINUTES = 120


def minutes_between(origin: datetime, at: datetime) -> int:
    """Whole minutes from ``origin`` to ``at`` (rounded down)."""
    return math.floor((at - origin).total_seconds() / 60)


@dataclass(frozen=True)
class HeatSlot:
    """One heat laid out inside its phase: offsets in minutes from the phase's start."""

    heat_id: str
    start: int
    end: int


def lay_out_heats(phase: Phase, heat_recovery: int) -> tuple[list[HeatSlot], int]:
    """Lay the heats of ``phase`` end to end: race 1 of every contest, then race 2, then
    the deciders; a rider's (or a contest's: the same riders, even before they are known)
    next heat waits ``heat_recovery`` minutes after their last.

    Returns the heat slots and the phase's racing duration (at least ``phase.minutes``).
    """
    ordered = sorted(enumerate(phase.heats), key=lambda item: (item[1].race, item[0]))
    at, slots = 0, list[HeatSlot]()
    free_at = dict[int | str, int]()  # rider or contest -> earliest start of its next heat
    for _, heat in ordered:
        riders: set[int | str] = set(heat.riders) | ({heat.contest} if heat.contest else set())
        start = max([at, *(free_at.get(rider, 0) for rider in riders)])
        end = start + heat.minutes
        slots.append(HeatSlot(heat.id, start, end))
        for rider in riders:
            free_at[rider] = end + heat_recovery
        at = end
    return slots, max(phase.minutes, at)


@dataclass
class Prepared:
    """A :class:`ProgrammeProblem` in minutes, with what every scheduler needs."""

    problem: ProgrammeProblem
    origin: datetime
    phases: list[Phase]
    index: dict[str, int]
    sessions: list[SessionWindow]
    session_start: list[int]
    session_end: list[int]
    session_day: list[date]
    duration: list[int]
    ceremony: list[int]
    heat_slots: list[list[HeatSlot]]
    #: recovery a rider needs before each phase (its discipline or category, the larger).
    gap_before: list[int]
    #: per phase, the sessions it may go in (windows long enough, pins kept).
    candidates: list[list[int]]
    #: per phase without candidates, why (:mod:`.said` data).
    impossible: dict[int, Said]
    #: per phase, the indices of its known ``after`` phases.
    sources: list[list[int]]
    #: the blocked intervals in minutes: (start, end, what: an event's title or a session).
    blocked: list[tuple[int, int, str | Said]]
    #: maximal sets of phases sharing a rider (recovery applies inside each set).
    rider_groups: list[list[int]]
    #: pairs (p, q) sharing a rider, p < q.
    shares_rider: set[tuple[int, int]] = field(default_factory=set)
    #: per phase, bounds on its start from its chain of rounds (``_narrow_by_order``).
    earliest: dict[int, int] = field(default_factory=dict)
    latest: dict[int, int] = field(default_factory=dict)
    #: per phase, the phases sharing a rider with it.
    neighbours: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    pinned_start: dict[int, int] = field(default_factory=dict)

    @property
    def changeover(self) -> int:
        """Minutes kept free on the track after each use."""
        return self.problem.changeover_minutes

    def occupancy(self, p: int) -> int:
        """Minutes phase ``p`` holds the track (racing and ceremony)."""
        return self.duration[p] + self.ceremony[p]

    def at(self, minute: int) -> datetime:
        """The datetime of a minute count."""
        return self.origin + timedelta(minutes=minute)

    def ref(self, p: int) -> Ref:
        """Phase ``p`` as explanations name it."""
        return phase_ref(self.phases[p].id, self.phases[p].name)

    def session_ref(self, s: int) -> Ref:
        """Session ``s`` as explanations name it."""
        return session_ref(self.sessions[s].id, self.sessions[s].name)

    def share(self, p: int, q: int) -> bool:
        """Whether phases ``p`` and ``q`` have a rider in common."""
        return (min(p, q), max(p, q)) in self.shares_rider

    def placement(self, p: int, start: int, s: int) -> Placement:
        """The contract's placement of phase ``p`` starting at minute ``start`` in ``s``."""
        racing_end = start + self.duration[p]
        return Placement(
            phase_id=self.phases[p].id,
            session_id=self.sessions[s].id,
            starts_at=self.at(start),
            ends_at=self.at(racing_end),
            ceremony_ends_at=(self.at(racing_end + self.ceremony[p])
                              if self.ceremony[p] else None),
            heats=tuple(HeatPlacement(h.heat_id, self.at(start + h.start), self.at(start + h.end))
                        for h in self.heat_slots[p]),
        )


def prepare(problem: ProgrammeProblem) -> Prepared:
    """Convert ``problem`` to minutes and work out what does not depend on the search."""
    sessions = [s for s in problem.sessions if s.kind == "competition"]
    origin = min((s.starts_at for s in sessions), default=datetime(2000, 1, 1))
    phases = list(problem.phases)
    index = {phase.id: i for i, phase in enumerate(phases)}
    session_start = [math.ceil((s.starts_at - origin).total_seconds() / 60) for s in sessions]
    session_end = [minutes_between(origin, s.ends_at) for s in sessions]
    duration, ceremony, heat_slots, gap_before = [], [], [], []
    for phase in phases:
        slots, minutes = lay_out_heats(
            phase, problem.heat_recovery_minutes.get(phase.discipline, 0))
        heat_slots.append(slots)
        duration.append(minutes)
        ceremony.append(phase.ceremony_minutes)
        gap_before.append(max(problem.recovery_minutes.get(phase.discipline, 0),
                              problem.category_recovery_minutes.get(phase.category, 0)))
    prepared = Prepared(
        problem=problem, origin=origin, phases=phases, index=index, sessions=sessions,
        session_start=session_start, session_end=session_end,
        session_day=[s.starts_at.date() for s in sessions],
        duration=duration, ceremony=ceremony, heat_slots=heat_slots, gap_before=gap_before,
        candidates=[], impossible={}, sources=[], blocked=[], rider_groups=[])
    prepared.blocked = [(minutes_between(origin, b.starts_at),
                         math.ceil((b.ends_at - origin).total_seconds() / 60), b.reason)
                        for b in problem.blocked if b.ends_at > b.starts_at]
    # Warm-up, training and public sessions take the track too.
    prepared.blocked += [(minutes_between(origin, s.starts_at),
                          math.ceil((s.ends_at - origin).total_seconds() / 60),
                          Said.of("session_kind", session=session_ref(s.id, s.name),
                                  kind=term_ref(s.kind)))
                         for s in problem.sessions if s.kind != "competition" and s.ends_at > s.starts_at]
    for p, phase in enumerate(phases):
        prepared.sources.append([index[a] for a in phase.after if a in index])
        candidates, reason = _candidate_sessions(prepared, p)
        prepared.candidates.append(candidates)
        if reason:
            prepared.impossible[p] = reason
    prepared.rider_groups = _rider_groups(phases)
    for group in prepared.rider_groups:
        for i, p in enumerate(group):
            for q in group[i + 1:]:
                prepared.shares_rider.add((min(p, q), max(p, q)))
    for p, q in prepared.shares_rider:
        prepared.neighbours[p].append(q)
        prepared.neighbours[q].append(p)
    _narrow_by_order(prepared)
    return prepared


def _topological(prepared: Prepared) -> list[int]:
    """Phases sources first; phases on a cycle of ``after`` are left out."""
    waiting = [len(set(sources)) for sources in prepared.sources]
    followers = defaultdict[int, list[int]](list)
    for p, sources in enumerate(prepared.sources):
        for a in set(sources):
            followers[a].append(p)
    ready = [p for p in range(len(prepared.phases)) if not waiting[p]]
    order = []
    while ready:
        p = ready.pop()
        order.append(p)
        for q in followers[p]:
            waiting[q] -= 1
            if not waiting[q]:
                ready.append(q)
    return order


def _narrow_by_order(prepared: Prepared) -> None:
    """Bound each phase's start by its chain of rounds: it cannot start before its sources
    could have ended (their track time, changeover, the riders' recovery), nor so late
    that the rounds after it no longer fit. Sessions outside the bounds are dropped from
    its candidates; a solver gets smaller domains, and a chain too long for the meet is
    explained before any search."""
    pre, changeover = prepared, prepared.changeover
    order = _topological(prepared)
    followers = defaultdict[int, list[int]](list)
    for p, sources in enumerate(pre.sources):
        for a in sources:
            followers[a].append(p)

    def need_after(a: int, p: int) -> int:
        """Least minutes from ``a``'s start to ``p``'s start when ``p`` follows ``a``."""
        return max(pre.occupancy(a) + changeover,
                   pre.duration[a] + (pre.gap_before[p] if pre.share(a, p) else 0))

    for p in order:
        if p in pre.impossible:
            continue
        bound, limiting = 0, -1
        for a in pre.sources[p]:
            if a not in pre.impossible and pre.earliest[a] + need_after(a, p) > bound:
                bound, limiting = pre.earliest[a] + need_after(a, p), a
        kept = [s for s in pre.candidates[p]
                if max(pre.session_start[s], bound) + pre.occupancy(p) <= pre.session_end[s]]
        if p in pre.pinned_start and pre.pinned_start[p] < bound:
            kept = []
        if not kept:
            pre.impossible[p] = Said.of("chain_late", phase=pre.ref(limiting),
                                        at=at_ref(pre.at(bound)))
            continue
        pre.candidates[p] = kept
        pre.earliest[p] = max(pre.session_start[kept[0]], bound)
        if p in pre.pinned_start:
            pre.earliest[p] = pre.pinned_start[p]
    for p in reversed(order):
        if p in pre.impossible:
            continue
        bound = min((pre.latest.get(q, 10**9) - need_after(p, q) for q in followers[p]
                     if q not in pre.impossible), default=10**9)
        kept = [s for s in pre.candidates[p]
                if max(pre.session_start[s], pre.earliest[p]) <= min(bound, pre.session_end[s] - pre.occupancy(p))]
        if not kept:
            pre.impossible[p] = Said.of("chain_early", at=at_ref(pre.at(bound)))
            continue
        pre.candidates[p] = kept
        pre.latest[p] = min(bound, pre.session_end[kept[-1]] - pre.occupancy(p))
        if p in pre.pinned_start:
            pre.latest[p] = pre.pinned_start[p]


def _candidate_sessions(prepared: Prepared, p: int) -> tuple[list[int], Said | None]:
    phase, occupancy = prepared.phases[p], prepared.occupancy(p)
    missing = [a for a in phase.after if a not in prepared.index]
    if missing:
        return [], Said.of("waits_missing", phases=", ".join(missing))
    if phase.id in phase.after:
        return [], Said.of("waits_itself")
    if not prepared.sessions:
        return [], Said.of("no_session")
    sessions = range(len(prepared.sessions))
    if phase.pinned_session is not None:
        sessions = range(0)
        for s, session in enumerate(prepared.sessions):
            if session.id == phase.pinned_session:
                sessions = range(s, s + 1)
        if not sessions:
            return [], Said.of("pinned_elsewhere", session=phase.pinned_session)
    fits = [s for s in sessions
            if prepared.session_end[s] - prepared.session_start[s] >= occupancy]
    if not fits:
        longest = max(prepared.session_end[s] - prepared.session_start[s] for s in sessions)
        return [], Said.of("too_long", minutes=occupancy, longest=longest)
    if phase.pinned_start is not None:
        start = minutes_between(prepared.origin, phase.pinned_start)
        prepared.pinned_start[p] = start
        fits = [s for s in fits if prepared.session_start[s] <= start
                and start + occupancy <= prepared.session_end[s]]
        if not fits:
            return [], Said.of("pinned_no_fit", at=at_ref(phase.pinned_start), minutes=occupancy)
    return fits, None


def _rider_groups(phases: list[Phase]) -> list[list[int]]:
    """Maximal sets of phases a rider races in: recovery is kept inside each set."""
    by_rider = defaultdict[int, set[int]](set)
    for p, phase in enumerate(phases):
        riders = set(phase.riders)
        for heat in phase.heats:
            riders |= heat.riders
        for rider in riders:
            by_rider[rider].add(p)
    distinct = {frozenset(ps) for ps in by_rider.values() if len(ps) > 1}
    ordered = sorted(distinct, key=len, reverse=True)
    maximal: list[frozenset[int]] = []
    for group in ordered:
        if not any(group <= kept for kept in maximal):
            maximal.append(group)
    return [sorted(group) for group in maximal]


def why_not(prepared: Prepared, p: int, start: int, s: int,
            placed: dict[int, Slot]) -> Said | None:
    """Why phase ``p`` cannot start at minute ``start`` in session ``s`` given the other
    placed phases (``placed``: phase -> (start, session)); ``None`` when it can.

    The hard rules, as data (:mod:`.said`): the window, the pin, the order, the track (phases,
    ceremonies, blocked intervals, changeover) and the riders' recovery.
    """
    phase, end = prepared.phases[p], start + prepared.occupancy(p)
    session = prepared.sessions[s]
    if start < prepared.session_start[s] or end > prepared.session_end[s]:
        return Said.of("window", minutes=prepared.occupancy(p), start=time_ref(prepared.at(start)),
                       session=session_ref(session.id, session.name),
                       opens=time_ref(session.starts_at), closes=time_ref(session.ends_at))
    if p in prepared.pinned_start and prepared.pinned_start[p] != start:
        return Said.of("pinned_at", at=time_ref(prepared.at(prepared.pinned_start[p])))
    for a in prepared.sources[p]:
        if a not in placed:
            return Said.of("waits_for", phase=prepared.ref(a))
        if placed[a][0] + prepared.duration[a] > start:
            return Said.of("follows", phase=prepared.ref(a),
                           at=at_ref(prepared.at(placed[a][0] + prepared.duration[a])))
    changeover = prepared.changeover
    for b_start, b_end, reason in prepared.blocked:
        if start < b_end + changeover and b_start < end + changeover:
            return Said.of("track_taken", what=reason, start=at_ref(prepared.at(b_start)),
                           end=time_ref(prepared.at(b_end)))
    for q, (q_start, _) in placed.items():
        if q == p:
            continue
        q_end = q_start + prepared.occupancy(q)
        if start < q_end + changeover and q_start < end + changeover:
            return Said.of("track_taken", what=prepared.ref(q), start=at_ref(prepared.at(q_start)),
                           end=time_ref(prepared.at(q_end)))
        if p in prepared.sources[q] and q_start < start + prepared.duration[p]:
            return Said.of("must_follow", phase=prepared.ref(q))
        if prepared.share(p, q):
            q_racing_end = q_start + prepared.duration[q]
            racing_end = start + prepared.duration[p]
            if not (q_racing_end + prepared.gap_before[p] <= start
                    or racing_end + prepared.gap_before[q] <= q_start):
                return Said.of("recovery", phase=prepared.ref(q), start=at_ref(prepared.at(q_start)),
                               end=time_ref(prepared.at(q_racing_end)),
                               minutes=max(prepared.gap_before[p], prepared.gap_before[q]))
    return None


def start_points(prepared: Prepared, p: int, s: int, placed: dict[int, Slot],
                 in_session: Iterable[int] | None = None) -> list[int]:
    """The minutes of session ``s`` where phase ``p`` may first become startable: the
    session's start and the ends of whatever holds it back (the track, its sources, its
    riders' recovery). Its earliest legal start, if any, is one of them.

    ``in_session``: the placed phases in ``s`` (all placed phases are looked at without it).
    """
    first = prepared.session_start[s]
    last = prepared.session_end[s] - prepared.occupancy(p)
    if p in prepared.pinned_start:
        return [prepared.pinned_start[p]] if first <= prepared.pinned_start[p] <= last else []
    changeover = prepared.changeover
    points = {first}
    points.update(placed[a][0] + prepared.duration[a] for a in prepared.sources[p] if a in placed)
    points.update(b_end + changeover for _, b_end, _ in prepared.blocked)
    others = in_session if in_session is not None else (q for q in placed if placed[q][1] == s)
    points.update(placed[q][0] + prepared.occupancy(q) + changeover for q in others)
    points.update(placed[q][0] + prepared.duration[q] + prepared.gap_before[p]
                  for q in prepared.neighbours[p] if q in placed)
    return sorted(t for t in points if first <= t <= last)


def _session_verdicts(prepared: Prepared, p: int, sessions: Iterable[int],
                      placed: dict[int, Slot]) -> list[tuple[int, Said | None, int | None]]:
    """Per session: (session, the most common reason phase ``p`` cannot start there, or
    ``None`` with the first minute it could start)."""
    verdicts: list[tuple[int, Said | None, int | None]] = []
    for s in sessions:
        counts = defaultdict[Said, int](int)
        free = None
        for start in start_points(prepared, p, s, placed):
            reason = why_not(prepared, p, start, s, placed)
            if reason is None:
                free = start
                break
            counts[_gist(reason)] += 1
        if free is not None:
            verdicts.append((s, None, free))
        else:
            verdicts.append((s, max(counts, key=lambda r: counts[r]) if counts
                             else Said.of("too_short"), None))
    return verdicts


def _first_reasons(prepared: Prepared, p: int, sessions: Iterable[int],
                   placed: dict[int, Slot]) -> list[Said]:
    """Per session where phase ``p`` cannot start, the most common reason."""
    return [Said.of("in_session", session=prepared.session_ref(s), reason=reason)
            for s, reason, _ in _session_verdicts(prepared, p, sessions, placed) if reason]


def _why_not_wished(prepared: Prepared, p: int, current: Slot, wished: list[int],
                    others: dict[int, Slot]) -> Said | tuple[Said, ...]:
    """Why phase ``p`` (at ``current``) is in none of the ``wished`` sessions, the rest
    staying put."""
    verdicts = _session_verdicts(prepared, p, wished, others)
    free = [(s, start) for s, reason, start in verdicts if reason is None and start is not None]
    if free:
        s, start = free[0]
        now = soft_cost(prepared, {**others, p: current})
        moved = soft_cost(prepared, {**others, p: (start, s)})
        if moved < now:
            return Said.of("search_ended", session=prepared.session_ref(s),
                           at=time_ref(prepared.at(start)))
        return Said.of("costs_more", session=prepared.session_ref(s), at=time_ref(prepared.at(start)))
    # Sessions before its previous round ends say little: name the others first.
    telling = [(s, r) for s, r, _ in verdicts if r and r.code != "follows"]
    if not telling:
        return Said.of("too_early", part=part_ref(prepared.phases[p].wish_part or ""),
                       reason=verdicts[-1][1] or ())
    return listed([Said.of("in_session", session=prepared.session_ref(s), reason=r)
                   for s, r in telling], 2)


def _gist(reason: Said) -> Said:
    """A reason without its times, so that reasons at neighbouring minutes count as one."""
    if reason.code == "track_taken":
        return Said.of("session_full")
    return reason


def unplaced_reason(prepared: Prepared, p: int, placed: dict[int, Slot]) -> Said:
    """Why phase ``p`` is not in the schedule ``placed`` (words: :mod:`.said`)."""
    name = prepared.ref(p)
    if p in prepared.impossible:
        return Said.of("cannot_place", phase=name, reason=prepared.impossible[p])
    for a in prepared.sources[p]:
        if a not in placed:
            return Said.of("cannot_place", phase=name,
                           reason=Said.of("waits_for", phase=prepared.ref(a)))
    reasons = _first_reasons(prepared, p, prepared.candidates[p], placed)
    if not reasons:  # a slot is free now: the search stopped before finding it
        return Said.of("time_limit", phase=name)
    return Said.of("no_fit", phase=name, reasons=listed(reasons, 3, "and_more_sessions"))


def explain_unplaced(prepared: Prepared, placed: dict[int, Slot]) -> list[SaidExplanation]:
    """Why each phase missing from ``placed`` is not placed."""
    return [explanation("unplaced", prepared.phases[p].id, unplaced_reason(prepared, p, placed))
            for p in range(len(prepared.phases)) if p not in placed]


def explain_wishes(prepared: Prepared, placed: dict[int, Slot]
                   ) -> tuple[list[SaidExplanation], int]:
    """Every soft wish ``placed`` does not meet, with why; and how many wishes there are."""
    explanations, wishes = [], 0
    weights = prepared.problem.weights
    for p, phase in enumerate(prepared.phases):
        if phase.wish_part:
            wishes += 1
            if p in placed and prepared.sessions[placed[p][1]].part != phase.wish_part:
                start, s = placed[p]
                wished = [t for t in prepared.candidates[p]
                          if prepared.sessions[t].part == phase.wish_part]
                others = {q: slot for q, slot in placed.items() if q != p}
                why = (_why_not_wished(prepared, p, placed[p], wished, others) if wished
                       else Said.of("no_part_session", part=part_ref(phase.wish_part)))
                explanations.append(explanation("wish_part", phase.id, Said.of(
                    "wish_part", phase=prepared.ref(p), part=part_ref(phase.wish_part),
                    session=prepared.session_ref(s), at=time_ref(prepared.at(start)), why=why)))
        if phase.wish_start is not None:
            wishes += 1
            wish = minutes_between(prepared.origin, phase.wish_start)
            if p in placed and abs(placed[p][0] - wish) > weights.wish_start_tolerance_minutes:
                start, s = placed[p]
                others = {q: slot for q, slot in placed.items() if q != p}
                sessions = [t for t in prepared.candidates[p]
                            if prepared.session_start[t] <= wish <= prepared.session_end[t]]
                reason: Said | None = Said.of("no_session_open")
                if sessions:
                    reason = (why_not(prepared, p, wish, sessions[0], others)
                              or Said.of("costs_more_wish"))
                explanations.append(explanation("wish_start", phase.id, Said.of(
                    "wish_start", phase=prepared.ref(p), wanted=at_ref(phase.wish_start),
                    at=at_ref(prepared.at(start)), why=reason)))
    for category, finals, cap in spread_targets(prepared):
        wishes += 1
        per_day = defaultdict[date, list[int]](list)
        for p in finals:
            if p in placed:
                per_day[prepared.session_day[placed[p][1]]].append(p)
        crowded = {day: ps for day, ps in per_day.items() if len(ps) > cap}
        if crowded:
            days = tuple(Said.of("day_count", count=len(ps), day=day_ref(day))
                         for day, ps in sorted(crowded.items()))
            explanations.append(explanation("spread", category, Said.of(
                "spread", category=term_ref(category), days=days, cap=cap)))
    return explanations, wishes


def spread_targets(prepared: Prepared) -> list[tuple[str, list[int], int]]:
    """Per category with finals: (category, its finals, the fair share of finals a day)."""
    days = len(set(prepared.session_day))
    by_category = defaultdict[str, list[int]](list)
    for p, phase in enumerate(prepared.phases):
        if phase.final and phase.category:
            by_category[phase.category].append(p)
    return [(category, finals, math.ceil(len(finals) / days))
            for category, finals in sorted(by_category.items()) if days > 1]


def soft_cost(prepared: Prepared, placed: dict[int, Slot],
              wish_start_cap: int = WISH_START_CAP_MINUTES) -> int:
    """The weighted cost of ``placed``'s unmet wishes, as the CP-SAT objective counts it
    (so a greedy schedule can be compared with it); unplaced phases cost nothing here."""
    weights, cost = prepared.problem.weights, 0
    for p, phase in enumerate(prepared.phases):
        if p not in placed:
            continue
        start, s = placed[p]
        if phase.wish_part and prepared.sessions[s].part != phase.wish_part:
            cost += weights.wish_part
        if phase.wish_start is not None:
            off = abs(start - minutes_between(prepared.origin, phase.wish_start))
            cost += weights.wish_start_per_minute * min(
                wish_start_cap, max(0, off - weights.wish_start_tolerance_minutes))
    for _, finals, cap in spread_targets(prepared):
        per_day = defaultdict[date, int](int)
        for p in finals:
            if p in placed:
                per_day[prepared.session_day[placed[p][1]]] += 1
        cost += weights.spread * sum(max(0, n - cap) for n in per_day.values())
    for s in range(len(prepared.sessions)):
        ends = [start + prepared.occupancy(p) for p, (start, t) in placed.items() if t == s]
        cost += weights.compact_per_minute * (max(ends, default=prepared.session_start[s])
                                              - prepared.session_start[s])
    return cost


def improve_by_moves(prepared: Prepared, placed: dict[int, Slot], wish_start_cap: int,
                     deadline: float) -> dict[int, Slot]:
    """Polish a schedule: move one phase at a time to a legal start that meets one of its
    wishes, when that lowers the weighted cost (``soft_cost``); until no move helps or
    ``time.perf_counter()`` passes ``deadline``. Every move is checked against every hard
    rule (``why_not``), so the schedule stays legal.

    A time-limited search often leaves such single moves untried (a final that could go
    in a free evening slot); this finds them in milliseconds.
    """
    slots = dict(placed)
    cost = soft_cost(prepared, slots, wish_start_cap)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for p, phase in enumerate(prepared.phases):
            if p not in slots or time.perf_counter() >= deadline:
                continue
            others = {q: slot for q, slot in slots.items() if q != p}
            moves: list[Slot] = []
            if phase.wish_part and prepared.sessions[slots[p][1]].part != phase.wish_part:
                for s in prepared.candidates[p]:
                    if prepared.sessions[s].part == phase.wish_part:
                        moves += [(t, s) for t in start_points(prepared, p, s, others)]
            if phase.wish_start is not None:
                wish = minutes_between(prepared.origin, phase.wish_start)
                for s in prepared.candidates[p]:
                    if prepared.session_start[s] <= wish <= prepared.session_end[s]:
                        moves += [(t, s) for t in [wish, *start_points(prepared, p, s, others)]]
            for start, s in moves:
                if (start, s) == slots[p] or why_not(prepared, p, start, s, others) is not None:
                    continue
                trial = {**others, p: (start, s)}
                trial_cost = soft_cost(prepared, trial, wish_start_cap)
                if trial_cost < cost:
                    slots, cost, improved = trial, trial_cost, True
                    others = {q: slot for q, slot in slots.items() if q != p}
    return slots
