"""Realistic programme problems, built from data tables: the 2022 UCI Track World
Championships shape and a four-category national championship.

Pure data for the bench, the tests and the demo. Each competition's rounds follow from
its discipline and field size (:func:`rounds`), with the domain's typical durations: about
a minute per time-trial ride, 3 min per sprint race, 5 min per keirin heat, 6 min per
pursuit heat, bunch races by their laps. Riders are drawn from per-category pools of
sprinters and endurance riders, so one rider races several events as at a real meet,
and every phase of a competition lists its whole field (anyone might qualify).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from podium.core.venue.contracts import (
    BlockedInterval,
    Heat,
    Phase,
    ProgrammeProblem,
    SessionWindow,
)

#: Recovery (minutes) a rider needs before a phase of each discipline: 20–40 min at elite level.
RECOVERY_MINUTES = {
    "sprint": 30, "keirin": 30, "team_sprint": 30, "time_trial": 30,
    "individual_pursuit": 40, "team_pursuit": 40,
    "scratch": 30, "points": 30, "elimination": 30, "madison": 30, "omnium": 20,
}
#: Between the races of one best-of-three contest inside a round.
HEAT_RECOVERY_MINUTES = {"sprint": 6}
CHANGEOVER_MINUTES = 3
CEREMONY_MINUTES = 8

DISCIPLINES = ("sprint", "keirin", "team_sprint", "team_pursuit", "individual_pursuit",
               "time_trial", "scratch", "points", "elimination", "omnium", "madison")
LABELS = {
    "sprint": "sprint", "keirin": "keirin", "team_sprint": "team sprint",
    "team_pursuit": "team pursuit", "individual_pursuit": "individual pursuit",
    "time_trial": "time trial", "scratch": "scratch race", "points": "points race",
    "elimination": "elimination race", "omnium": "omnium", "madison": "madison",
}
#: Riders per team in the team events.
TEAM_SIZE = {"team_sprint": 3, "team_pursuit": 4, "madison": 2}
SPRINT_EVENTS = frozenset({"sprint", "keirin", "team_sprint", "time_trial"})


@dataclass(frozen=True)
class Round:
    """One round of a competition: ``heats`` heats (contests for a best of three) of
    ``heat_minutes`` each; ``final`` when it awards the medals."""

    key: str
    label: str
    heats: int
    heat_minutes: int
    best_of: int = 1
    final: bool = False
    medal: bool = False  # rides for a medal (wished in the evening) without the ceremony
    one_rider_per_heat: bool = False  # time trials, sprint qualifying: the start list is the field


@dataclass(frozen=True)
class Category:
    """Men or women, elite or junior: field sizes per discipline (teams for team events)
    and bunch-race distances in km."""

    key: str
    label: str
    fields: dict[str, int]
    distances_km: dict[str, float]
    lap_seconds: float
    sprinters: int
    endurance: int


def _bunch_minutes(km: float, lap_seconds: float) -> int:
    """A bunch race's track time: its laps on a 250 m track, plus 5 min to start and finish."""
    return math.ceil(km * 4 * lap_seconds / 60) + 5


def rounds(discipline: str, field: int, category: Category) -> list[Round]:
    """The rounds of a competition, from its discipline and field size (riders, or teams in
    the team events), after the UCI tables (the world-level sprint table, keirin rounds by
    field size, pursuits by times)."""
    bunch = category.distances_km
    if discipline == "sprint":
        ladder = [Round("q", "qualifying", field, 1, one_rider_per_heat=True)]
        if field >= 28:  # the top 28 enter the 1/16 finals, seeds 1-4 with a bye
            ladder += [Round("r16", "1/16 finals", 12, 3), Round("r8", "1/8 finals", 8, 3)]
        elif field >= 16:
            ladder.append(Round("r8", "1/8 finals", 8, 3))
        if field >= 8:
            ladder.append(Round("qf", "quarter-finals", 4, 3, best_of=3))
        return ladder + [Round("sf", "semi-finals", 2, 3, best_of=3),
                         Round("f", "finals", 2, 3, best_of=3, final=True)]
    if discipline == "keirin":
        first = math.ceil(field / 6)
        if field >= 22:
            return [Round("r1", "first round", first, 5), Round("rep", "repechages", 4, 5),
                    Round("r2", "second round", 2, 5), Round("f712", "final 7-12", 1, 5),
                    Round("f", "final", 1, 5, final=True)]
        if field >= 12:
            return [Round("r1", "first round", first, 5), Round("rep", "repechages", 2, 5),
                    Round("f712", "final 7-12", 1, 5), Round("f", "final", 1, 5, final=True)]
        return [Round("r1", "first round", 2, 5), Round("f", "final", 1, 5, final=True)]
    if discipline in ("team_sprint", "team_pursuit"):
        minutes = 3 if discipline == "team_sprint" else 6
        ladder = [Round("q", "qualifying", math.ceil(field / 2), minutes)]
        if field >= 8:  # round one 1v8, 2v7...: the winners ride for the medals
            ladder.append(Round("r1", "first round", 4, minutes))
        return ladder + [Round("fb", "bronze final", 1, minutes, medal=True),
                         Round("f", "gold final", 1, minutes, final=True)]
    if discipline == "individual_pursuit":
        return [Round("q", "qualifying", math.ceil(field / 2), 6),
                Round("fb", "bronze final", 1, 6, medal=True),
                Round("f", "gold final", 1, 6, final=True)]
    if discipline == "time_trial":
        if field > 12:
            return [Round("q", "qualifying", field, 2, one_rider_per_heat=True),
                    Round("f", "final", 8, 2, final=True, one_rider_per_heat=True)]
        return [Round("f", "final", field, 2, final=True, one_rider_per_heat=True)]
    if discipline == "omnium":
        return [Round("scratch", "scratch race", 1, _bunch_minutes(bunch["omnium_scratch"], category.lap_seconds)),
                Round("tempo", "tempo race", 1, _bunch_minutes(bunch["omnium_tempo"], category.lap_seconds)),
                Round("elimination", "elimination race", 1,
                      _bunch_minutes(field * 2 * 0.25, category.lap_seconds)),
                Round("points", "points race", 1, _bunch_minutes(bunch["omnium_points"], category.lap_seconds),
                      final=True)]
    if discipline in ("scratch", "points", "elimination", "madison"):
        km = field * 2 * 0.25 + 1 if discipline == "elimination" else bunch[discipline]
        final = Round("f", "final", 1, _bunch_minutes(km, category.lap_seconds), final=True)
        if field > 24 and discipline != "madison":  # qualifying heats for a big field
            return [Round("h", "qualifying heats", 2, _bunch_minutes(km * 0.6, category.lap_seconds)), final]
        return [final]
    raise ValueError(f"unknown discipline {discipline}")


def _fields(rng: random.Random, category: Category, base: int) -> dict[str, frozenset[int]]:
    """Each discipline's riders, drawn from the category's pools of sprinters and endurance
    riders (rider ids from ``base``)."""
    sprinters = list(range(base, base + category.sprinters))
    endurance = list(range(base + category.sprinters,
                           base + category.sprinters + category.endurance))
    riders = {}
    for discipline, size in category.fields.items():
        pool = sprinters if discipline in SPRINT_EVENTS else endurance
        count = min(len(pool), size * TEAM_SIZE.get(discipline, 1))
        riders[discipline] = frozenset(rng.sample(pool, count))
    return riders


def competition_phases(category: Category, discipline: str, riders: frozenset[int],
                       wishes: dict[str, datetime], split_best_of: bool = True) -> list[Phase]:
    """The phases of one competition: one per round, each after the previous; medal rounds
    wished in the evening, a medal ceremony after the final.

    With ``split_best_of`` a best-of-three round is three phases (race 1 of every contest,
    race 2, the deciders), as printed programmes run them: other events fill the recovery
    between them. Otherwise one phase holds the three races, interleaved.
    """
    competition = f"{category.key}-{discipline}"
    name = f"{category.label} {LABELS[discipline]}"
    field = category.fields[discipline]
    phases: list[Phase] = []
    ordered = sorted(riders)

    def add(key: str, label: str, spec: Round, heats: list[Heat], last: bool) -> None:
        phase_id = f"{competition}-{key}"
        final = spec.final and last
        phases.append(Phase(
            id=phase_id, competition=competition, discipline=discipline,
            minutes=0, after=(phases[-1].id,) if phases else (), riders=riders,
            label=f"{name} {label}", category=category.label, heats=tuple(heats),
            final=final, ceremony_minutes=CEREMONY_MINUTES if final else 0,
            wish_part="evening" if spec.final or spec.medal else None,
            wish_start=wishes.get(phase_id)))

    for number, spec in enumerate(rounds(discipline, field, category)):
        if spec.best_of > 1:
            races = [[Heat(f"contest {c + 1} race {race}", spec.heat_minutes,
                           contest=f"contest {c + 1}", race=race) for c in range(spec.heats)]
                     for race in range(1, spec.best_of + 1)]
            if split_best_of:
                for race, heats in enumerate(races, start=1):
                    decider = race == spec.best_of
                    add(f"{spec.key}{'' if decider else race}",
                        f"{spec.label} {'deciders' if decider else f'race {race}'}",
                        spec, heats, last=decider)
            else:
                add(spec.key, spec.label, spec, [h for race in races for h in race], last=True)
            continue
        heats = [Heat(f"heat {h + 1}", spec.heat_minutes,
                      frozenset({ordered[h]}) if spec.one_rider_per_heat and number == 0
                      and h < len(ordered) else frozenset())
                 for h in range(spec.heats)]
        add(spec.key, spec.label, spec, heats, last=True)
    return phases


def _sessions(first_day: date, days: int, windows: Sequence[tuple[str, time, time]],
              tz: timezone) -> tuple[SessionWindow, ...]:
    return tuple(
        SessionWindow(f"d{d + 1}-{part}", datetime.combine(first_day + timedelta(days=d), start, tz),
                      datetime.combine(first_day + timedelta(days=d), end, tz),
                      label=f"Day {d + 1} {part}", part=part)
        for d in range(days) for part, start, end in windows)


def _problem(categories: Sequence[Category], sessions: tuple[SessionWindow, ...],
             wishes: dict[str, datetime], seed: int, time_limit_s: float,
             blocked: tuple[BlockedInterval, ...] = (),
             category_recovery: dict[str, int] | None = None) -> ProgrammeProblem:
    rng = random.Random(seed)
    phases: list[Phase] = []
    for n, category in enumerate(categories):
        fields = _fields(rng, category, base=1000 * (n + 1))
        for discipline in DISCIPLINES:
            if discipline in category.fields:
                phases += competition_phases(category, discipline, fields[discipline], wishes)
    return ProgrammeProblem(
        phases=tuple(phases), sessions=sessions, recovery_minutes=RECOVERY_MINUTES,
        category_recovery_minutes=category_recovery or {},
        heat_recovery_minutes=HEAT_RECOVERY_MINUTES, changeover_minutes=CHANGEOVER_MINUTES,
        blocked=blocked, time_limit_s=time_limit_s)


PARIS = timezone(timedelta(hours=2))  # CEST, October 2022

ELITE_MEN = Category(
    "me", "Men elite",
    fields={"sprint": 30, "keirin": 30, "team_sprint": 14, "team_pursuit": 14,
            "individual_pursuit": 24, "time_trial": 22, "scratch": 26, "points": 24,
            "elimination": 24, "omnium": 22, "madison": 16},
    distances_km={"scratch": 15, "points": 40, "madison": 50, "omnium_scratch": 10,
                  "omnium_tempo": 10, "omnium_points": 25},
    lap_seconds=16.5, sprinters=50, endurance=80)
ELITE_WOMEN = Category(
    "we", "Women elite",
    fields={"sprint": 28, "keirin": 28, "team_sprint": 12, "team_pursuit": 12,
            "individual_pursuit": 22, "time_trial": 20, "scratch": 24, "points": 22,
            "elimination": 22, "omnium": 20, "madison": 14},
    distances_km={"scratch": 10, "points": 25, "madison": 30, "omnium_scratch": 7.5,
                  "omnium_tempo": 7.5, "omnium_points": 20},
    lap_seconds=18.0, sprinters=45, endurance=70)


def worlds_2022(time_limit_s: float = 3.0, seed: int = 2022) -> ProgrammeProblem:
    """The 2022 UCI Track World Championships' shape: 22 medal events (11 disciplines, men
    and women elite) over 5 days of an afternoon and an evening session, finals wished in
    the evening, a few marquee finals wished at a time."""
    first_day = date(2022, 10, 12)
    sessions = _sessions(first_day, 5, [("afternoon", time(13, 30), time(17, 0)),
                                        ("evening", time(18, 30), time(22, 30))], PARIS)

    def evening(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(first_day + timedelta(days=day - 1), time(hour, minute), PARIS)

    wishes = {"me-sprint-f": evening(5, 20), "we-sprint-f": evening(4, 20),
              "me-keirin-f": evening(5, 21), "we-keirin-f": evening(3, 21),
              "me-madison-f": evening(5, 21, 15), "we-team_pursuit-f": evening(2, 20, 30)}
    return _problem([ELITE_MEN, ELITE_WOMEN], sessions, wishes, seed, time_limit_s)


def _junior(category: Category, key: str, label: str) -> Category:
    return Category(
        key, label,
        fields={d: max(6, round(size * 0.6)) for d, size in category.fields.items()},
        distances_km={d: km * 0.7 for d, km in category.distances_km.items()},
        lap_seconds=category.lap_seconds + 1.0,
        sprinters=round(category.sprinters * 0.5), endurance=round(category.endurance * 0.5))


def _national(category: Category) -> Category:
    return Category(
        category.key, category.label,
        fields={d: max(8, round(size * 0.75)) for d, size in category.fields.items()},
        distances_km=dict(category.distances_km), lap_seconds=category.lap_seconds + 0.5,
        sprinters=round(category.sprinters * 0.6), endurance=round(category.endurance * 0.6))


def national_championship(time_limit_s: float = 3.0, seed: int = 7) -> ProgrammeProblem:
    """A national championship: four categories (elite and junior, men and women), 44
    competitions over 6 days of a morning, an afternoon and an evening session; juniors
    need 10 more minutes of recovery; one afternoon the track is lent to a school track
    day."""
    first_day = date(2026, 7, 1)
    tz = timezone(timedelta(hours=2))
    categories = [_national(ELITE_MEN), _national(ELITE_WOMEN),
                  _junior(ELITE_MEN, "mj", "Men junior"), _junior(ELITE_WOMEN, "wj", "Women junior")]
    sessions = _sessions(first_day, 6, [("morning", time(9, 30), time(12, 30)),
                                        ("afternoon", time(14, 0), time(17, 30)),
                                        ("evening", time(18, 30), time(22, 30))], tz)
    day3 = first_day + timedelta(days=2)
    blocked = (BlockedInterval(datetime.combine(day3, time(14, 0), tz),
                               datetime.combine(day3, time(15, 30), tz), "a school track day"),)
    wishes = {"me-sprint-f": datetime.combine(first_day + timedelta(days=5), time(20, 0), tz)}
    return _problem(categories, sessions, wishes, seed, time_limit_s, blocked,
                    category_recovery={"Men junior": 40, "Women junior": 40})
