"""Random small programmes (hypothesis): whatever a scheduler returns keeps every hard rule,
checked by ``schedule_rules`` (not the schedulers' code); and CP-SAT's "infeasible" is
confirmed by an exhaustive search of its own.

Small on purpose (a handful of phases, short sessions, a 1 s time limit) so the file runs
in seconds on two shared cores.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.core.venue.contracts import (
    BlockedInterval,
    Heat,
    Phase,
    ProgrammeProblem,
    Schedule,
    SessionWindow,
)
from podium.plugins.cycling.scheduler import CpSatScheduler, GreedyScheduler

from .schedule_rules import violations

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

BASE = datetime(2026, 12, 5, tzinfo=timezone.utc)
CP_SAT, GREEDY = CpSatScheduler(), GreedyScheduler()
#: The big-meet path (windows of days, the rest frozen) on small meets too.
BY_WINDOWS = CpSatScheduler(decompose_above=0)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn, max_phases: int = 6, with_heats: bool = True) -> ProgrammeProblem:
    """A small meet: 1-2 days of afternoon and evening sessions, phases in chains sharing
    riders, blocked track, pins. Every time is a multiple of 5 minutes (the exhaustive
    search steps by 5)."""
    sessions: list[SessionWindow] = []
    for day in range(draw(st.integers(1, 2))):
        for part, hour in (("afternoon", 14), ("evening", 19)):
            if draw(st.booleans()) or not sessions:
                start = BASE + timedelta(days=day, hours=hour)
                length = draw(st.sampled_from([30, 60, 90, 120]))
                sessions.append(SessionWindow(f"d{day}-{part}", start, start + timedelta(minutes=length),
                                              label=f"Day {day + 1} {part}", part=part))
    if draw(st.booleans()):  # a warm-up on the track, running into the first session
        first = sessions[0].starts_at
        sessions.append(SessionWindow("warm-up", first - timedelta(minutes=30),
                                      first + timedelta(minutes=5 * draw(st.integers(0, 4))),
                                      kind="warm-up"))
    competition = [s for s in sessions if s.kind == "competition"]
    phases: list[Phase] = []
    for i in range(draw(st.integers(1, max_phases))):
        earlier = [p.id for p in phases]
        after = tuple(draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True))) if earlier else ()
        heats: tuple[Heat, ...] = ()
        if with_heats and draw(st.booleans()):
            contests = draw(st.integers(1, 3))
            races = draw(st.integers(1, 3))
            heats = tuple(Heat(f"c{c}r{r}", draw(st.sampled_from([2, 3, 5])),
                               frozenset(draw(st.lists(st.integers(0, 5), max_size=2))),
                               contest=f"c{c}" if races > 1 else "", race=r)
                          for c in range(contests) for r in range(1, races + 1))
        pinned_session = pinned_start = None
        pin = draw(st.sampled_from(["none", "none", "none", "session", "start"]))
        if pin != "none":
            session = draw(st.sampled_from(competition))
            pinned_session = session.id
            if pin == "start":
                pinned_start = session.starts_at + timedelta(minutes=5 * draw(st.integers(0, 12)))
        phases.append(Phase(
            id=f"p{i}", competition=f"c{i % 3}", discipline=draw(st.sampled_from(["sprint", "keirin"])),
            minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45])), after=after,
            riders=frozenset(draw(st.lists(st.integers(0, 5), max_size=3))),
            pinned_session=pinned_session, pinned_start=pinned_start,
            category=draw(st.sampled_from(["men", "women"])), heats=heats,
            final=draw(st.booleans()), ceremony_minutes=draw(st.sampled_from([0, 0, 5])),
            wish_part=draw(st.sampled_from([None, "evening"])),
            wish_start=draw(st.sampled_from([None, BASE + timedelta(hours=20)]))))
    blocked = []
    for _ in range(draw(st.integers(0, 2))):
        session = draw(st.sampled_from(competition))
        start = session.starts_at + timedelta(minutes=5 * draw(st.integers(-2, 20)))
        blocked.append(BlockedInterval(start, start + timedelta(minutes=draw(st.sampled_from([10, 30, 60]))),
                                       "a venue event"))
    return ProgrammeProblem(
        phases=tuple(phases), sessions=tuple(sessions),
        recovery_minutes={"sprint": draw(st.sampled_from([0, 10, 30])),
                          "keirin": draw(st.sampled_from([0, 20]))},
        category_recovery_minutes={"women": draw(st.sampled_from([0, 25]))},
        heat_recovery_minutes={"sprint": draw(st.sampled_from([0, 5]))},
        changeover_minutes=draw(st.sampled_from([0, 5])),
        blocked=tuple(blocked), time_limit_s=1.0)


def _complete(schedule: Schedule) -> bool:
    return schedule.status in ("optimal", "feasible")


@SETTINGS
@given(problems())
def test_any_schedule_keeps_every_hard_rule(problem: ProgrammeProblem):
    cp_sat, greedy = CP_SAT.schedule(problem), GREEDY.schedule(problem)
    assert violations(problem, cp_sat) == []
    assert violations(problem, greedy) == []
    # Differential: when the greedy order finds a complete schedule, one exists.
    if _complete(greedy):
        assert _complete(cp_sat), cp_sat.explanations
        if cp_sat.status == "optimal":  # the same weighted wishes, counted for both
            assert cp_sat.objective is not None and greedy.objective is not None
            assert cp_sat.objective <= greedy.objective
    if cp_sat.status == "infeasible":
        assert cp_sat.unplaced and all(e.text for e in cp_sat.explanations)
    windows = BY_WINDOWS.schedule(problem)
    assert violations(problem, windows) == []
    if _complete(greedy):  # it starts from the greedy schedule and only keeps improvements
        assert _complete(windows) and windows.objective is not None
        assert greedy.objective is not None and windows.objective <= greedy.objective


def exists_complete_schedule(problem: ProgrammeProblem) -> bool:
    """Exhaustive search, 5 minutes a step, for a schedule placing every phase (phases
    without heats: a phase lasts its ``minutes``). Written from the rules, not from the
    schedulers."""
    base = min(s.starts_at for s in problem.sessions)

    def minute(at: datetime) -> int:
        return int((at - base).total_seconds() // 60)

    phases = list(problem.phases)
    index = {p.id: i for i, p in enumerate(phases)}
    change = problem.changeover_minutes
    blocked = [(minute(b.starts_at), minute(b.ends_at)) for b in problem.blocked]
    blocked += [(minute(s.starts_at), minute(s.ends_at)) for s in problem.sessions
                if s.kind != "competition"]  # a warm-up takes the track
    need = [max(problem.recovery_minutes.get(p.discipline, 0),
                problem.category_recovery_minutes.get(p.category, 0)) for p in phases]
    options: list[list[int]] = []
    for phase in phases:
        span = phase.minutes + phase.ceremony_minutes
        starts = []
        for session in problem.sessions:
            if session.kind != "competition" or phase.pinned_session not in (None, session.id):
                continue
            for t in range(minute(session.starts_at), minute(session.ends_at) - span + 1, 5):
                if phase.pinned_start is not None and t != minute(phase.pinned_start):
                    continue
                if all(t + span + change <= b0 or b1 + change <= t for b0, b1 in blocked):
                    starts.append(t)
        options.append(starts)

    def compatible(i: int, ti: int, j: int, tj: int) -> bool:
        a, b = phases[i], phases[j]
        if b.id in a.after and tj + b.minutes > ti:
            return False
        if a.id in b.after and ti + a.minutes > tj:
            return False
        span_a, span_b = a.minutes + a.ceremony_minutes, b.minutes + b.ceremony_minutes
        if not (ti + span_a + change <= tj or tj + span_b + change <= ti):
            return False
        if a.riders & b.riders and not (ti + a.minutes + need[j] <= tj or tj + b.minutes + need[i] <= ti):
            return False
        return True

    assigned: dict[int, int] = {}

    def search(i: int) -> bool:
        if i == len(phases):
            return True
        for t in options[i]:
            if all(compatible(i, t, j, tj) for j, tj in assigned.items()):
                assigned[i] = t
                if search(i + 1):
                    return True
                del assigned[i]
        return False

    assert all(a in index for p in phases for a in p.after)
    return search(0)


@SETTINGS
@given(problems(max_phases=4, with_heats=False))
def test_cp_sat_says_infeasible_exactly_when_no_schedule_exists(problem: ProgrammeProblem):
    schedule = CP_SAT.schedule(problem)
    assert violations(problem, schedule) == []
    assert schedule.status in ("optimal", "infeasible")  # small: the search always ends
    assert (schedule.status == "optimal") == exists_complete_schedule(problem)
    if schedule.status == "infeasible":
        named = {e.subject for e in schedule.explanations if e.kind == "unplaced"}
        assert named == set(schedule.unplaced) and named


@SETTINGS
@given(problems(max_phases=5))
def test_pinned_phases_stay_put_or_are_named(problem: ProgrammeProblem):
    schedule = CP_SAT.schedule(problem)
    where = {p.phase_id: p for p in schedule.placements}
    for phase in problem.phases:
        if phase.id not in where:
            assert phase.id in schedule.unplaced
            continue
        if phase.pinned_start is not None:
            assert where[phase.id].starts_at == phase.pinned_start
        if phase.pinned_session is not None:
            assert where[phase.id].session_id == phase.pinned_session
