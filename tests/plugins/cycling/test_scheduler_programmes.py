"""The programme builders (Worlds 2022 shape, national championship) and the schedulers on
them: a real-size programme keeps every hard rule and explains every unmet wish."""

from __future__ import annotations

from collections import Counter

import pytest

from podium.core.venue.contracts import ProgrammeProblem
from podium.plugins.cycling.scheduler import CpSatScheduler, GreedyScheduler
from podium.plugins.cycling.scheduler.programmes import national_championship, worlds_2022

from .schedule_rules import violations

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure


def test_the_worlds_have_22_events_over_10_sessions_in_5_days():
    problem = worlds_2022()
    competitions = Counter(p.competition for p in problem.phases)
    assert len(competitions) == 22 and 70 <= len(problem.phases) <= 90
    assert len(problem.sessions) == 10 and len({s.starts_at.date() for s in problem.sessions}) == 5
    assert 300 <= sum(len(p.heats) for p in problem.phases) <= 400
    finals = [p for p in problem.phases if p.final]
    assert len(finals) == 22
    assert all(p.ceremony_minutes > 0 and p.wish_part == "evening" for p in finals)
    by_id = {p.id: p for p in problem.phases}
    for phase in problem.phases:  # rounds chained inside their competition
        assert all(by_id[a].competition == phase.competition for a in phase.after)
    sprint_qf = [p for p in problem.phases if p.id.startswith("me-sprint-qf")]
    assert [p.label for p in sprint_qf] == [
        "Men elite sprint quarter-finals race 1", "Men elite sprint quarter-finals race 2",
        "Men elite sprint quarter-finals deciders"]
    # Riders race several events: recovery binds phases of different competitions.
    keirin = next(p for p in problem.phases if p.id == "me-keirin-r1")
    sprint = next(p for p in problem.phases if p.id == "me-sprint-q")
    assert keirin.riders & sprint.riders


def test_the_national_championship_has_four_categories_over_six_days():
    problem = national_championship()
    assert {p.category for p in problem.phases} == {
        "Men elite", "Women elite", "Men junior", "Women junior"}
    assert len({p.competition for p in problem.phases}) == 44
    assert 130 <= len(problem.phases) <= 180
    assert len({s.starts_at.date() for s in problem.sessions}) == 6 and problem.blocked
    assert problem.category_recovery_minutes["Men junior"] > problem.recovery_minutes["sprint"]


@pytest.mark.parametrize("build", [worlds_2022, national_championship], ids=["worlds", "national"])
def test_a_real_size_programme_is_scheduled_within_the_rules(build):
    problem: ProgrammeProblem = build(time_limit_s=2.0)
    for scheduler in (GreedyScheduler(), CpSatScheduler()):
        schedule = scheduler.schedule(problem)
        assert schedule.status in ("optimal", "feasible"), schedule.explanations[:3]
        assert len(schedule.placements) == len(problem.phases)
        assert violations(problem, schedule) == []
        unmet = {(e.kind, e.subject) for e in schedule.explanations}
        assert schedule.wishes_met == schedule.wishes - len(unmet)
        assert all(e.kind != "unplaced" for e in schedule.explanations)
