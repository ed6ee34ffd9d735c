"""The hard rules of a meet programme, checked from the contract alone.

Written apart from the schedulers (it imports nothing from plugins/cycling/scheduler) so a
rule the solver gets wrong is not "checked" by the same wrong code. ``violations`` lists
every broken rule in words; an empty list means the schedule keeps them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from podium.core.venue.contracts import Phase, Placement, ProgrammeProblem, Schedule


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _riders(phase: Phase) -> frozenset[int]:
    riders = set(phase.riders)
    for heat in phase.heats:
        riders |= heat.riders
    return frozenset(riders)


def violations(problem: ProgrammeProblem, schedule: Schedule) -> list[str]:
    """Every hard rule ``schedule`` breaks for ``problem``."""
    broken: list[str] = []
    phases = {phase.id: phase for phase in problem.phases}
    sessions = {session.id: session for session in problem.sessions}
    placed: dict[str, Placement] = {}
    for placement in schedule.placements:
        if placement.phase_id in placed:
            broken.append(f"{placement.phase_id} placed twice")
        placed[placement.phase_id] = placement
    unplaced = set(schedule.unplaced)
    for phase_id in phases:
        if (phase_id in placed) == (phase_id in unplaced):
            broken.append(f"{phase_id} is neither placed nor unplaced, or both")
    if set(placed) - set(phases) or unplaced - set(phases):
        broken.append("a placement or unplaced id names no phase")
    if schedule.status in ("optimal", "feasible") and unplaced:
        broken.append(f"status {schedule.status} with unplaced phases {sorted(unplaced)}")
    explained = {e.subject for e in schedule.explanations if e.kind == "unplaced"}
    if unplaced - explained:
        broken.append(f"unplaced without explanation: {sorted(unplaced - explained)}")

    for phase_id, at in placed.items():
        phase = phases[phase_id]
        session = sessions.get(at.session_id)
        if session is None or session.kind != "competition":
            broken.append(f"{phase_id} in {at.session_id}, not a competition session")
            continue
        if at.starts_at < session.starts_at or at.track_until > session.ends_at:
            broken.append(f"{phase_id} {at.starts_at}–{at.track_until} outside {session.id}")
        if _minutes(at.ends_at - at.starts_at) < phase.minutes:
            broken.append(f"{phase_id} shorter than its {phase.minutes} min")
        ceremony = (at.ceremony_ends_at - at.ends_at) if at.ceremony_ends_at else timedelta()
        if _minutes(ceremony) != phase.ceremony_minutes:
            broken.append(f"{phase_id} ceremony lasts {ceremony}, not {phase.ceremony_minutes} min")
        if phase.pinned_session is not None and at.session_id != phase.pinned_session:
            broken.append(f"{phase_id} pinned to {phase.pinned_session}, placed in {at.session_id}")
        if phase.pinned_start is not None and at.starts_at != phase.pinned_start:
            broken.append(f"{phase_id} pinned at {phase.pinned_start}, starts {at.starts_at}")
        broken += _heat_violations(problem, phase, at)
        for source in phase.after:
            if source not in placed:
                broken.append(f"{phase_id} placed but its source {source} is not")
            elif placed[source].ends_at > at.starts_at:
                broken.append(f"{phase_id} starts before its source {source} ends")

    # The track: phases (with ceremonies) and blocked intervals, the changeover between any two.
    uses: list[tuple[datetime, datetime, str]] = [
        (at.starts_at, at.track_until, at.phase_id) for at in placed.values()]
    uses += [(b.starts_at, b.ends_at, f"blocked {b.reason}") for b in problem.blocked
             if b.ends_at > b.starts_at]
    uses += [(s.starts_at, s.ends_at, f"blocked {s.kind} session {s.id}") for s in problem.sessions
             if s.kind != "competition" and s.ends_at > s.starts_at]
    uses.sort()
    changeover = timedelta(minutes=problem.changeover_minutes)
    for i, (start, end, what) in enumerate(uses):
        for other_start, _, other in uses[i + 1:]:
            if other_start >= end + changeover:
                break
            if what.startswith("blocked") and other.startswith("blocked"):
                continue  # the calendar's own overlaps are not the scheduler's
            broken.append(f"track: {what} and {other} overlap or lack the changeover")

    # Recovery between phases sharing a rider, the later phase's rule deciding.
    ids = sorted(placed, key=lambda i: placed[i].starts_at)
    riders = {i: _riders(phases[i]) for i in ids}
    for n, first in enumerate(ids):
        for second in ids[n + 1:]:
            if not riders[first] & riders[second]:
                continue
            later = phases[second]
            need = max(problem.recovery_minutes.get(later.discipline, 0),
                       problem.category_recovery_minutes.get(later.category, 0))
            rest = _minutes(placed[second].starts_at - placed[first].ends_at)
            if rest < need:
                broken.append(f"recovery: {first} → {second} leaves {rest} min, needs {need}")
    return broken


def _heat_violations(problem: ProgrammeProblem, phase: Phase, at: Placement) -> list[str]:
    broken = []
    heats = {heat.id: heat for heat in phase.heats}
    if sorted(h.heat_id for h in at.heats) != sorted(heats):
        return [f"{phase.id}: heats placed {[h.heat_id for h in at.heats]}, expected {sorted(heats)}"]
    running = sorted(at.heats, key=lambda h: h.starts_at)
    order = [h.id for h in phase.heats]
    for before, after in zip(running, running[1:]):
        if after.starts_at < before.ends_at:
            broken.append(f"{phase.id}: heats {before.heat_id} and {after.heat_id} overlap")
        first, second = heats[before.heat_id], heats[after.heat_id]
        interleaved = (first.race, order.index(first.id)) < (second.race, order.index(second.id))
        if not interleaved:
            broken.append(f"{phase.id}: {second.id} (race {second.race}) runs after {first.id} "
                          f"(race {first.race}): not interleaved")
    rest_needed = problem.heat_recovery_minutes.get(phase.discipline, 0)
    last_end: dict[object, datetime] = {}
    for slot in running:
        heat = heats[slot.heat_id]
        if _minutes(slot.ends_at - slot.starts_at) != heat.minutes:
            broken.append(f"{phase.id}: heat {heat.id} lasts {slot.ends_at - slot.starts_at}")
        if slot.starts_at < at.starts_at or slot.ends_at > at.ends_at:
            broken.append(f"{phase.id}: heat {heat.id} outside its phase")
        # A contest's races are ridden by the same riders, known or not yet.
        for rider in [*heat.riders, *([("contest", heat.contest)] if heat.contest else [])]:
            if rider in last_end and _minutes(slot.starts_at - last_end[rider]) < rest_needed:
                broken.append(f"{phase.id}: rider {rider} rests less than {rest_needed} min before {heat.id}")
            last_end[rider] = slot.ends_at
    return broken
