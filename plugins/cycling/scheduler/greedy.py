"""A greedy programme scheduler: each phase, sources first, at its earliest legal start.

Fast (milliseconds for a world championship) and never optimal: it is the CP-SAT
scheduler's starting hint, a fallback, and a second opinion for the tests (whatever either
returns must keep the hard rules). A phase that wishes a part of the day tries the
sessions of that part first.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict

from podium.core.venue.contracts import Explanation, ProgrammeProblem, Schedule

from .model import Prepared, Slot, explain_wishes, prepare, unplaced_reason


def _order(pre: Prepared) -> list[int]:
    """Phases sources first (Kahn): pinned ones, then by depth, then as given."""
    depth = [0] * len(pre.phases)
    waiting = [len(set(sources)) for sources in pre.sources]
    followers = defaultdict[int, list[int]](list)
    for p, sources in enumerate(pre.sources):
        for a in set(sources):
            followers[a].append(p)
    ready = [(p not in pre.pinned_start, 0, p) for p in range(len(pre.phases)) if not waiting[p]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, p = heapq.heappop(ready)
        order.append(p)
        for q in followers[p]:
            depth[q] = max(depth[q], depth[p] + 1)
            waiting[q] -= 1
            if not waiting[q]:
                heapq.heappush(ready, (q not in pre.pinned_start, depth[q], q))
    return order  # phases on a cycle of ``after`` never become ready: they stay unplaced


def greedy_slots(pre: Prepared) -> dict[int, Slot]:
    """Place what fits, phase by phase; returns phase -> (start minute, session)."""
    placed: dict[int, Slot] = {}
    in_session = defaultdict[int, list[int]](list)
    neighbours = defaultdict[int, list[int]](list)
    for p, q in pre.shares_rider:
        neighbours[p].append(q)
        neighbours[q].append(p)
    changeover = pre.changeover

    def fits(p: int, start: int, s: int) -> bool:
        end = start + pre.occupancy(p)
        if p in pre.pinned_start and pre.pinned_start[p] != start:
            return False
        if any(placed[a][0] + pre.duration[a] > start for a in pre.sources[p]):
            return False
        if any(start < b_end + changeover and b_start < end + changeover
               for b_start, b_end, _ in pre.blocked):
            return False
        for q in in_session[s]:
            q_start = placed[q][0]
            if start < q_start + pre.occupancy(q) + changeover and q_start < end + changeover:
                return False
        racing_end = start + pre.duration[p]
        for q in neighbours[p]:
            if q in placed:
                q_start = placed[q][0]
                if not (q_start + pre.duration[q] + pre.gap_before[p] <= start
                        or racing_end + pre.gap_before[q] <= q_start):
                    return False
        return True

    def earliest(p: int, s: int) -> int | None:
        first, last = pre.session_start[s], pre.session_end[s] - pre.occupancy(p)
        points = {first}
        points.update(placed[a][0] + pre.duration[a] for a in pre.sources[p])
        points.update(b_end + changeover for _, b_end, _ in pre.blocked)
        points.update(placed[q][0] + pre.occupancy(q) + changeover for q in in_session[s])
        points.update(placed[q][0] + pre.duration[q] + pre.gap_before[p]
                      for q in neighbours[p] if q in placed)
        if p in pre.pinned_start:
            points = {pre.pinned_start[p]}
        for start in sorted(t for t in points if first <= t <= last):
            if fits(p, start, s):
                return start
        return None

    for p in _order(pre):
        if p in pre.impossible or any(a not in placed for a in pre.sources[p]):
            continue
        wish = pre.phases[p].wish_part
        sessions = sorted(pre.candidates[p],
                          key=lambda s: (bool(wish) and pre.sessions[s].part != wish,
                                         pre.session_start[s]))
        for s in sessions:
            start = earliest(p, s)
            if start is not None:
                placed[p] = (start, s)
                in_session[s].append(p)
                break
    return placed


class GreedyScheduler:
    """Places each phase at its earliest legal start (sources first); never optimal, fast."""

    name = "greedy"
    label = "Quick (greedy)"

    def schedule(self, problem: ProgrammeProblem) -> Schedule:
        """A schedule that keeps every hard rule. With phases left over the status is
        ``unknown``, not ``infeasible``: the greedy order found no room for the phases in
        ``unplaced``, another order might (the ones that fit nowhere are explained)."""
        began = time.perf_counter()
        pre = prepare(problem)
        slots = greedy_slots(pre)
        unplaced = [p for p in range(len(pre.phases)) if p not in slots]
        wishes, total = explain_wishes(pre, slots)
        return Schedule(
            status="feasible" if not unplaced else "unknown",
            placements=tuple(pre.placement(p, start, s)
                             for p, (start, s) in sorted(slots.items(), key=lambda i: i[1][0])),
            unplaced=tuple(pre.phases[p].id for p in unplaced),
            message=f"greedy in {time.perf_counter() - began:.3f} s",
            explanations=tuple([Explanation("unplaced", pre.phases[p].id,
                                            unplaced_reason(pre, p, slots)) for p in unplaced]
                               + wishes),
            wishes=total,
            wishes_met=total - len({(e.kind, e.subject) for e in wishes}),
        )
