"""The CP-SAT programme scheduler (OR-Tools): whole phases placed into sessions, their heats
laid out inside (see :mod:`.model`).

The model, in minutes from the first session:

* per phase, a start variable whose domain is the union of the windows of the sessions it
  may use, and one Boolean per such session (exactly one is true) tying the start to that
  window;
* the track: one interval per phase (racing, ceremony, changeover) and one fixed interval
  per blocked period (merged, with the changeover after it), all in one
  ``add_no_overlap``;
* order: a phase starts after its sources' racing ends;
* recovery: per maximal set of phases sharing a rider, an ``add_no_overlap`` of intervals
  that run from ``start - recovery needed before the phase`` to the end of its racing (two
  of them cannot overlap exactly when the later one starts at least its recovery after
  the earlier one ends), so only phases that really share riders are constrained;
* the objective: weighted soft penalties (:class:`~podium.core.venue.contracts.SoftWeights`).

The search starts from the greedy schedule (:mod:`.greedy`), polished by single moves
that meet wishes, as a complete hint. Meets of more than ``decompose_above`` phases are
then improved a day at a time with the rest frozen; smaller ones are solved whole
(optimal when the search ends in time). A schedule the time limit stopped is polished
again.

When no complete schedule is found, a second model makes every phase optional and
maximises the number placed: the phases it leaves out are reported with the rule that
blocks them, never dropped silently.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Literal

from podium.core.venue.contracts import ProgrammeProblem, Schedule

from .greedy import greedy_slots
from .model import (
    WISH_START_CAP_MINUTES,
    Prepared,
    Slot,
    explain_unplaced,
    explain_wishes,
    improve_by_moves,
    minutes_between,
    prepare,
    soft_cost,
    spread_targets,
)

if TYPE_CHECKING:  # imported at run time by the functions that use it (1-2 s)
    from ortools.sat.python import cp_model

#: Seconds of the time limit kept to polish a schedule CP-SAT had no time to finish.
POLISH_SECONDS = 0.15
#: Seconds of the time limit kept per phase to explain the answer.
EXPLAIN_SECONDS_PER_PHASE = 0.001

Status = Literal["optimal", "feasible", "infeasible", "unknown"]


Valuation = Callable[[dict[int, Slot]], int]


def _minutes_off(p: int, wish: int, tolerance: int, cap: int) -> Valuation:
    """Minutes phase ``p`` starts off its wish beyond ``tolerance``, at most ``cap``."""
    return lambda slots: min(cap, max(0, abs(slots[p][0] - wish) - tolerance))


def _excess(pre: Prepared, finals: list[int], day: date, cap: int) -> Valuation:
    """Finals of ``finals`` on ``day`` beyond ``cap``."""
    return lambda slots: max(0, sum(1 for p in finals if pre.session_day[slots[p][1]] == day) - cap)


def _session_end(pre: Prepared, s: int) -> Valuation:
    """The end of session ``s``'s last track use (its start when empty)."""
    return lambda slots: max([pre.session_start[s], *(
        start + pre.occupancy(p) for p, (start, t) in slots.items() if t == s)])


class _Model:
    """The CP-SAT variables of one problem; ``optional`` makes every phase optional."""

    def __init__(self, prepared: Prepared, optional: bool,
                 frozen: dict[int, Slot] | None = None, window: set[int] | None = None) -> None:
        """``frozen`` phases stay where they are (constants); the others may only go in the
        ``window`` sessions (all when ``None``)."""
        from ortools.sat.python import cp_model  # imported when first used: 1-2 s

        self.prepared = prepared
        self.model = cp_model.CpModel()
        self.placed: dict[int, cp_model.IntVar] = {}
        self.start: dict[int, cp_model.IntVar] = {}
        self.chosen: dict[tuple[int, int], cp_model.IntVar] = {}
        #: the objective's helper variables, with their value for a given schedule (hints).
        self.aux: list[tuple[cp_model.IntVar, Valuation]] = []
        #: per phase, the sessions it may go in, in this model.
        self.sessions_of: dict[int, list[int]] = {}
        self.frozen = frozen or {}
        self._build(optional, window)

    def _build(self, optional: bool, window: set[int] | None) -> None:
        from ortools.sat.python import cp_model

        pre, model = self.prepared, self.model
        horizon = max(pre.session_end, default=0) + pre.changeover + 1
        track, recovery = [], {}
        for p, phase in enumerate(pre.phases):
            if p in pre.impossible:
                continue
            occupancy = pre.occupancy(p)
            if p in self.frozen:  # a constant: its track and recovery intervals are fixed
                at, session = self.frozen[p]
                self.start[p] = model.new_constant(at)
                self.placed[p] = model.new_constant(1)
                self.chosen[p, session] = model.new_constant(1)
                self.sessions_of[p] = [session]
                track.append(model.new_fixed_size_interval_var(
                    at, occupancy + pre.changeover, f"track_{phase.id}"))
                recovery[p] = model.new_fixed_size_interval_var(
                    at - pre.gap_before[p], pre.gap_before[p] + pre.duration[p], f"rest_{phase.id}")
                continue
            self.sessions_of[p] = [t for t in pre.candidates[p] if window is None or t in window]
            earliest, latest = pre.earliest.get(p, 0), pre.latest.get(p, 10**9)
            windows = [[max(pre.session_start[s], earliest), min(pre.session_end[s] - occupancy, latest)]
                       for s in self.sessions_of[p]]
            start = model.new_int_var_from_domain(
                cp_model.Domain.from_intervals(windows), f"start_{phase.id}")
            if p in pre.pinned_start:
                model.add(start == pre.pinned_start[p])
            self.start[p] = start
            placed = model.new_bool_var(f"placed_{phase.id}") if optional else model.new_constant(1)
            self.placed[p] = placed
            choices = []
            for s in self.sessions_of[p]:
                chosen = model.new_bool_var(f"in_{phase.id}_{s}")
                model.add(start >= pre.session_start[s]).only_enforce_if(chosen)
                model.add(start + occupancy <= pre.session_end[s]).only_enforce_if(chosen)
                self.chosen[p, s] = chosen
                choices.append(chosen)
            model.add(sum(choices) == placed)
            size = occupancy + pre.changeover
            track.append(model.new_optional_interval_var(
                start, size, start + size, placed, f"track_{phase.id}"))
            recovery[p] = model.new_optional_interval_var(
                start - pre.gap_before[p], pre.gap_before[p] + pre.duration[p],
                start + pre.duration[p], placed, f"rest_{phase.id}")
        # Blocked intervals may overlap one another (the calendar's business, not ours):
        # merged first, or one no-overlap constraint would make every model infeasible.
        merged: list[list[int]] = []
        for b_start, b_end, _ in sorted(pre.blocked, key=lambda b: b[:2]):
            if merged and b_start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b_end + pre.changeover)
            else:
                merged.append([b_start, b_end + pre.changeover])
        for b_start, b_end in merged:
            if b_end > 0 and b_start < horizon:
                track.append(model.new_fixed_size_interval_var(b_start, b_end - b_start, "blocked"))
        model.add_no_overlap(track)
        for p in self.start:
            for a in pre.sources[p]:
                if p in self.frozen and a in self.frozen:
                    continue
                if a in self.start:
                    model.add(self.start[p] >= self.start[a] + pre.duration[a]).only_enforce_if(
                        self.placed[p])
                    model.add_implication(self.placed[p], self.placed[a])
                else:
                    model.add(self.placed[p] == 0)
        for group in pre.rider_groups:
            intervals = [recovery[p] for p in group if p in recovery]
            if len(intervals) > 1 and any(p not in self.frozen for p in group):
                model.add_no_overlap(intervals)

    def soft_objective(self) -> cp_model.LinearExprT:
        """The weighted soft penalties (see ``SoftWeights``)."""
        pre, model, weights = self.prepared, self.model, self.prepared.problem.weights
        terms: list[cp_model.LinearExprT] = []
        tolerance = weights.wish_start_tolerance_minutes
        for p, phase in enumerate(pre.phases):
            if p not in self.start:
                continue
            if phase.wish_part:
                met = [self.chosen[p, s] for s in self.sessions_of[p]
                       if pre.sessions[s].part == phase.wish_part]
                terms.append(weights.wish_part * (1 - sum(met)))
            if phase.wish_start is not None:
                wish = minutes_between(pre.origin, phase.wish_start)
                # Minutes off the wish beyond the tolerance, capped: a day off is one
                # missed wish, not 1,440 times a minute's.
                off = model.new_int_var(0, 10**6, f"off_{phase.id}")
                # Equal, not just at least: a loose helper would hide a better start.
                model.add_max_equality(off, [self.start[p] - wish - tolerance,
                                             wish - self.start[p] - tolerance, 0])
                capped = model.new_int_var(0, WISH_START_CAP_MINUTES, f"capped_{phase.id}")
                model.add_min_equality(capped, [off, WISH_START_CAP_MINUTES])
                self.aux.append((off, _minutes_off(p, wish, tolerance, 10**6)))
                self.aux.append((capped, _minutes_off(p, wish, tolerance, WISH_START_CAP_MINUTES)))
                terms.append(weights.wish_start_per_minute * capped)
        for category, finals, cap in spread_targets(pre):
            per_day = defaultdict[date, list[int]](list)
            for p in finals:  # each final once a day, however many sessions that day has
                for day in sorted({pre.session_day[s] for s in self.sessions_of[p]
                                   if (p, s) in self.chosen}):
                    per_day[day].append(p)
            for day, ps in per_day.items():
                if len(ps) > cap:
                    excess = model.new_int_var(0, len(ps), f"excess_{category}_{day}")
                    model.add(excess >= sum(self.chosen[p, s] for p in ps for s in self.sessions_of[p]
                                            if pre.session_day[s] == day) - cap)
                    self.aux.append((excess, _excess(pre, ps, day, cap)))
                    terms.append(weights.spread * excess)
        if weights.compact_per_minute:
            for s in range(len(pre.sessions)):
                end = model.new_int_var(pre.session_start[s], pre.session_end[s], f"end_{s}")
                for p in self.start:
                    if (p, s) in self.chosen:
                        model.add(end >= self.start[p] + pre.occupancy(p)).only_enforce_if(
                            self.chosen[p, s])
                self.aux.append((end, _session_end(pre, s)))
                terms.append(weights.compact_per_minute * (end - pre.session_start[s]))
        return sum(terms)

    def hint(self, slots: dict[int, Slot]) -> None:
        """Start the search from a known schedule, e.g. the greedy one. A complete hint
        (every phase, and the objective's helper variables) lets CP-SAT take it as its
        first solution at once."""
        for p, (start, s) in slots.items():
            if p not in self.start or p in self.frozen:
                continue
            self.model.add_hint(self.start[p], start)
            for t in self.sessions_of[p]:
                self.model.add_hint(self.chosen[p, t], t == s)
        if len(slots) == len(self.start):
            for var, value in self.aux:
                self.model.add_hint(var, value(slots))

    def solve(self, time_limit_s: float, workers: int,
              seed: int) -> tuple[Status, dict[int, Slot], float | None]:
        """Solve; returns the status, the placed phases and the objective value."""
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        # Probing (presolve) took seconds on a national championship for little gain.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        status = solver.solve(self.model)
        slots: dict[int, Slot] = {}
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return ("infeasible" if status == cp_model.INFEASIBLE else "unknown"), slots, None
        for p, start in self.start.items():
            if solver.value(self.placed[p]):
                session = next(s for s in self.sessions_of[p]
                               if solver.value(self.chosen[p, s]))
                slots[p] = (solver.value(start), session)
        found: Status = "optimal" if status == cp_model.OPTIMAL else "feasible"
        return found, slots, solver.objective_value


class CpSatScheduler:
    """Places a meet's phases with CP-SAT (OR-Tools), then their heats inside them.

    :param workers: CP-SAT search workers (the venue's machines have 2 cores).
    :param hint_with_greedy: start the search from the greedy schedule.
    :param decompose_above: with more phases than this and a complete greedy schedule,
        improve it window by window (a day at a time, the rest frozen) rather than all
        at once: on a world championship a whole-meet search barely moves in 3 s, while
        windows of 15-25 phases solve in a few tenths of a second each. The
        answer is then ``feasible``, never proven ``optimal``.
    """

    name = "cp_sat"
    label = "Optimised (CP-SAT)"

    def __init__(self, workers: int = 2, seed: int = 1, hint_with_greedy: bool = True,
                 decompose_above: int = 40) -> None:
        self.workers = workers
        self.seed = seed
        self.hint_with_greedy = hint_with_greedy
        self.decompose_above = decompose_above

    def schedule(self, problem: ProgrammeProblem) -> Schedule:
        """Every placement respects the hard rules; what cannot be placed or wished is
        explained. Takes up to ``problem.time_limit_s`` (twice when no complete schedule is
        found: the second search finds the most that fits), plus, on the first call in a
        process, OR-Tools' import (1-2 s)."""
        import ortools.sat.python.cp_model  # noqa: F401  (before the clock starts)

        began = time.perf_counter()
        pre = prepare(problem)
        greedy = greedy_slots(pre) if self.hint_with_greedy else {}
        # The time limit covers the whole call: what the preparation took is spent, and
        # a little is kept to polish a schedule the search had no time to finish and to
        # explain it (about a millisecond a phase on a loaded machine).
        deadline = began + problem.time_limit_s - EXPLAIN_SECONDS_PER_PHASE * len(problem.phases)
        if not pre.impossible:
            if len(greedy) == len(pre.phases):
                # A better start is worth a tenth of the time: single moves meeting wishes.
                greedy = improve_by_moves(pre, greedy, WISH_START_CAP_MINUTES,
                                          time.perf_counter() + problem.time_limit_s / 10)
                if len(pre.phases) > self.decompose_above:
                    slots, windows = self._by_windows(pre, greedy, deadline - POLISH_SECONDS)
                    slots = improve_by_moves(pre, slots, WISH_START_CAP_MINUTES, deadline)
                    return self._answer(pre, "feasible", slots, (
                        f"CP-SAT by windows of days ({windows} searches) in "
                        f"{time.perf_counter() - began:.2f} s"))
            full = _Model(pre, optional=False)
            full.model.minimize(full.soft_objective())
            if greedy:
                full.hint(greedy)
            left = deadline - time.perf_counter() - POLISH_SECONDS
            status, slots, _ = full.solve(left, self.workers, self.seed)
            if slots:
                if status == "feasible":
                    slots = improve_by_moves(pre, slots, WISH_START_CAP_MINUTES, deadline)
                return self._answer(pre, status, slots,
                                    f"CP-SAT {status} in {time.perf_counter() - began:.2f} s")
            proven = status == "infeasible"
        else:
            proven = True  # a phase fits nowhere: no complete schedule exists
        most = _Model(pre, optional=True)
        most.model.maximize(sum(most.placed.values()))
        if greedy:
            most.hint(greedy)
            for p in most.placed:
                most.model.add_hint(most.placed[p], int(p in greedy))
        status, slots, _ = most.solve(problem.time_limit_s, self.workers, self.seed)
        if len(greedy) > len(slots):
            slots = greedy
        verdict: Literal["infeasible", "unknown", "feasible"] = "infeasible" if proven else "unknown"
        if len(slots) == len(pre.phases):
            verdict = "feasible"  # the time ran out on the optimisation, not on feasibility
        return self._answer(pre, verdict, slots,
                            f"CP-SAT {verdict} in {time.perf_counter() - began:.2f} s")

    def _by_windows(self, pre: Prepared, slots: dict[int, Slot],
                    until: float) -> tuple[dict[int, Slot], int]:
        """Improve a complete schedule window by window of days (the phases outside a
        window frozen where they are) until ``time.perf_counter()`` reaches ``until``.
        Returns the schedule and how many windows were searched."""
        # One day at a time: on the Worlds and the national championship, day windows
        # (about 15-25 phases) met two more wishes in 3 s than windows of two days.
        spans = [{day} for day in sorted(set(pre.session_day))]
        cost, searched = soft_cost(pre, slots, WISH_START_CAP_MINUTES), 0
        while time.perf_counter() < until:
            improved = False
            for span in spans:
                left = until - time.perf_counter()
                if left < 0.05:
                    break
                window = {s for s in range(len(pre.sessions)) if pre.session_day[s] in span}
                frozen = {p: slot for p, slot in slots.items() if slot[1] not in window}
                model = _Model(pre, optional=False, frozen=frozen, window=window)
                model.model.minimize(model.soft_objective())
                model.hint(slots)
                status, found, _ = model.solve(min(left, max(0.2, left / len(spans))),
                                               self.workers, self.seed)
                searched += 1
                if len(found) == len(slots):
                    found_cost = soft_cost(pre, found, WISH_START_CAP_MINUTES)
                    if found_cost < cost:
                        slots, cost, improved = found, found_cost, True
            if not improved:
                break  # every window is as good as its search could make it
        return slots, searched

    def _answer(self, pre: Prepared, status: Status, slots: dict[int, Slot],
                message: str) -> Schedule:
        unplaced = [p for p in range(len(pre.phases)) if p not in slots]
        explanations = explain_unplaced(pre, slots)
        wishes, total = explain_wishes(pre, slots)
        unmet = len({(e.kind, e.subject) for e in wishes})
        return Schedule(
            status=status,
            placements=tuple(pre.placement(p, start, s)
                             for p, (start, s) in sorted(slots.items(), key=lambda i: i[1][0])),
            unplaced=tuple(pre.phases[p].id for p in unplaced),
            message=message,
            explanations=tuple(explanations + wishes),
            # Recounted from the placements: CP-SAT's own value may carry slack when it
            # stopped early, and polishing moves phases after it.
            objective=float(soft_cost(pre, slots, WISH_START_CAP_MINUTES)),
            wishes=total,
            wishes_met=total - unmet,
        )
