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
from collections.abc import Callable
from typing import Any

from podium.core.venue.contracts import ProgrammeProblem, Schedule

from .model import (
    WISH_START_CAP_MINUTES,
    Prepared,
    Slot,
    explain_unplaced,
    explain_wishes,
    prepare,
    soft_cost,
    start_points,
)


def _order(pre: Prepared) -> list[int]:
    """Phases sources first (Kahn): pinned ones, then the longest tail first (the racing,
    ceremony and recovery still to come after a phase in its chain), as list scheduling
    does, so that long competitions (a sprint tournament) start early."""
    followers = defaultdict[int, list[int]](list)
    for p, sources in enumerate(pre.sources):
        for a in set(sources):
            followers[a].append(p)
    tail = [0] * len(pre.phases)
    for p in reversed(_kahn(pre, followers, lambda p: p)):
        tail[p] = pre.occupancy(p) + max(
            (pre.gap_before[q] + tail[q] for q in followers[p]), default=0)
    return _kahn(pre, followers, lambda p: (p not in pre.pinned_start, -tail[p], p))


def _kahn(pre: Prepared, followers: dict[int, list[int]],
          priority: Callable[[int], Any]) -> list[int]:
    waiting = [len(set(sources)) for sources in pre.sources]
    ready = [(priority(p), p) for p in range(len(pre.phases)) if not waiting[p]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, p = heapq.heappop(ready)
        order.append(p)
        for q in followers.get(p, []):
            waiting[q] -= 1
            if not waiting[q]:
                heapq.heappush(ready, (priority(q), q))
    return order  # phases on a cycle of ``after`` never become ready: they stay unplaced


def greedy_slots(pre: Prepared) -> dict[int, Slot]:
    """Place what fits, phase by phase; returns phase -> (start minute, session).

    Up to three passes, the best kept (most phases placed, then the lowest weighted cost
    of unmet wishes): phases try their wished part of the day first while the others keep
    out of the wished parts when they can (as printed programmes keep evenings for
    finals); the same without keeping out; no wishes at all (a wish can strand a chain of
    rounds late in the meet).
    """
    order = _order(pre)
    best: tuple[int, int, dict[int, Slot]] | None = None
    for use_wishes, keep_out in ((True, True), (True, False), (False, False)):
        slots = _place(pre, order, use_wishes, keep_out)
        score = (len(slots), -soft_cost(pre, slots, WISH_START_CAP_MINUTES))
        if best is None or score > best[:2]:
            best = (*score, slots)
        if len(slots) == len(pre.phases) and use_wishes:
            break
    return best[2] if best else {}


def _place(pre: Prepared, order: list[int], use_wishes: bool, keep_out: bool) -> dict[int, Slot]:
    placed: dict[int, Slot] = {}
    wished_parts = {phase.wish_part for phase in pre.phases if phase.wish_part}
    in_session = defaultdict[int, list[int]](list)
    changeover = pre.changeover

    def fits(p: int, start: int, s: int) -> bool:
        end = start + pre.occupancy(p)
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
        for q in pre.neighbours[p]:
            if q in placed:
                q_start = placed[q][0]
                if not (q_start + pre.duration[q] + pre.gap_before[p] <= start
                        or racing_end + pre.gap_before[q] <= q_start):
                    return False
        return True

    for p in order:
        if p in pre.impossible or any(a not in placed for a in pre.sources[p]):
            continue
        wish = pre.phases[p].wish_part if use_wishes else None
        if wish:
            sessions = sorted(pre.candidates[p],
                              key=lambda s: (pre.sessions[s].part != wish, pre.session_start[s]))
        elif keep_out:
            sessions = sorted(pre.candidates[p],
                              key=lambda s: (pre.sessions[s].part in wished_parts, pre.session_start[s]))
        else:
            sessions = pre.candidates[p]
        for s in sessions:
            start = next((t for t in start_points(pre, p, s, placed, in_session[s])
                          if fits(p, t, s)), None)
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
            explanations=tuple(explain_unplaced(pre, slots) + wishes),
            objective=float(soft_cost(pre, slots, WISH_START_CAP_MINUTES)),
            wishes=total,
            wishes_met=total - len({(e.kind, e.subject) for e in wishes}),
        )
