"""Scoring rule engines for track races (UCI Part 3 conventions): pure functions.

Every engine takes plain data (rider or team ids, orders across the line, lap counts) and
returns a ranking: a list of standings, best first, each with a ``place`` (riders equal
on every rule share a place; the list then orders them by id, for display only).

Implemented rules and the choices made where the regulation leaves room (DOMAIN.md):

* **Points race and madison** (:func:`points_race`, :func:`madison`): an intermediate
  sprint scores 5-3-2-1, the final sprint double (10-6-4-2); a lap gained +20, a lap lost
  −20. Ties by the place in the final sprint; riders still equal (neither placed in the
  final sprint) by countback: more sprint wins, then more second places, and so on. A
  madison is the same race for teams (pass team ids).
* **Tempo** (:func:`tempo`): from the scoring lap on (lap 5 by default) 1 point to the
  first rider across the line each lap; ±20 per lap gained or lost; ties by the final
  sprint.
* **Elimination** (:func:`elimination`): riders leave in the order given (the last rider
  out every two laps); the classification is the reverse order of elimination, the last
  two riders by their final sprint.
* **Scratch** (:func:`scratch`): riders who gained laps first (most laps), then the order
  across the line.
* **Timed events** (:func:`rank_times`): pursuit, time trial, 200 m — fastest first, to
  the thousandth; equal times by the last lap (or half-lap) time where every rider on that
  time has one, else equal.
* **Omnium** (:func:`omnium_standings`): places 1–20 in scratch, tempo and elimination
  earn 40, 38, 36 … 2, places below 20th earn 1; the points race then adds the points won
  in its sprints and ±20 per lap directly. Ties by the place in the points race's final
  sprint. A rider who abandons any race is placed after the last classified rider, as DNF
  (the regulation's omnium article, 3.2.172 bis in one edition's numbering); this engine
  treats DNS and DSQ the same way and ranks those riders among themselves by points,
  then races completed (``classified`` is false for them). A relegated (REL) rider keeps
  the points of the place entered after relegation.

A rider's status in every engine is ``OK`` unless given; ``DNF``, ``DNS`` and ``DSQ``
riders rank after every finisher (in that order), whatever their points.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, NamedTuple, Protocol, TypeVar

import msgspec

Status = Literal["OK", "DNF", "DNS", "DSQ", "REL"]
_OUT_RANK = {"OK": 0, "REL": 0, "DNF": 1, "DSQ": 2, "DNS": 3}

#: Points for places 1-4 of an intermediate sprint, and of the final sprint (double).
SPRINT_POINTS: tuple[int, ...] = (5, 3, 2, 1)
FINAL_SPRINT_POINTS: tuple[int, ...] = (10, 6, 4, 2)
#: Points for each lap gained (and taken away for each lap lost).
LAP_POINTS = 20

K = TypeVar("K", bound=Hashable)


def _places(items: Sequence[K], key: Callable[[K], tuple[float, ...]]) -> list[tuple[int, K]]:
    """Competition ranking (1, 2, 2, 4) of ``items`` sorted by ``key`` (ties share)."""
    ordered = sorted(items, key=key)
    out: list[tuple[int, K]] = []
    for i, item in enumerate(ordered):
        if i and key(item) == key(ordered[i - 1]):
            out.append((out[-1][0], item))
        else:
            out.append((i + 1, item))
    return out


def _sprint_place(order: Sequence[int], rider: int) -> float:
    return float(order.index(rider) + 1) if rider in order else float("inf")


# ------------------------------------------------------------- points race, madison
class PointsStanding(msgspec.Struct, frozen=True):
    """One rider's (or team's) line in a points race, madison or tempo race."""

    place: int
    rider_id: int
    points: int
    sprint_points: int
    lap_points: int
    final_sprint_place: int | None
    status: Status


def sprint_laps(laps: int, every: int = 10) -> list[int]:
    """The laps (counted from the start, 1..``laps``) that end with a sprint: every
    ``every`` laps (10 on a 250 m track), the last one at the finish."""
    if laps < 1 or every < 1:
        raise ValueError("laps and every must be positive")
    return list(range(laps % every or every, laps + 1, every))


def tempo_laps(laps: int, first: int = 5) -> list[int]:
    """The laps of a tempo race that score a point: from lap ``first`` to the finish."""
    return list(range(first, laps + 1))


def sprint_award(order: Sequence[int], final: bool = False) -> dict[int, int]:
    """Points won in one sprint: ``order`` is the riders across the line, first first."""
    scale = FINAL_SPRINT_POINTS if final else SPRINT_POINTS
    return {rider: points for rider, points in zip(order, scale)}


def points_race(
    riders: Sequence[int],
    sprints: Sequence[Sequence[int]],
    laps: Mapping[int, int] | None = None,
    status: Mapping[int, Status] | None = None,
) -> list[PointsStanding]:
    """Rank a points race.

    ``sprints``: each sprint's order across the line (only the first four score), in race
    order; the last one is the final sprint (double points, and the tie-break). ``laps``:
    laps gained minus laps lost per rider. ``status``: anything but ``OK``.
    """
    laps = laps or {}
    status = status or {}
    earned = {r: 0 for r in riders}
    placings: dict[int, list[int]] = {r: [0] * len(SPRINT_POINTS) for r in riders}
    for i, sprint in enumerate(sprints):
        for rider, points in sprint_award(sprint, final=i == len(sprints) - 1).items():
            if rider in earned:
                earned[rider] += points
        for position, rider in enumerate(sprint[: len(SPRINT_POINTS)]):
            if rider in placings:
                placings[rider][position] += 1
    final = sprints[-1] if sprints else []
    return _rank_points(riders, earned, placings, final, laps, status)


def madison(
    teams: Sequence[int],
    sprints: Sequence[Sequence[int]],
    laps: Mapping[int, int] | None = None,
    status: Mapping[int, Status] | None = None,
) -> list[PointsStanding]:
    """Rank a madison: the points race's rules for teams (pass team ids)."""
    return points_race(teams, sprints, laps, status)


def _rank_points(
    riders: Sequence[int],
    earned: Mapping[int, int],
    placings: Mapping[int, Sequence[int]],
    final: Sequence[int],
    laps: Mapping[int, int],
    status: Mapping[int, Status],
) -> list[PointsStanding]:
    def total(r: int) -> int:
        return earned[r] + LAP_POINTS * laps.get(r, 0)

    def key(r: int) -> tuple[float, ...]:
        countback = tuple(-float(n) for n in placings[r])
        return (
            float(_OUT_RANK[status.get(r, "OK")]),
            -float(total(r)),
            _sprint_place(final, r),
            *countback,
        )

    out: list[PointsStanding] = []
    for place, rider in _places(sorted(riders), key):
        out.append(
            PointsStanding(
                place=place,
                rider_id=rider,
                points=total(rider),
                sprint_points=earned[rider],
                lap_points=LAP_POINTS * laps.get(rider, 0),
                final_sprint_place=final.index(rider) + 1 if rider in final else None,
                status=status.get(rider, "OK"),
            )
        )
    return out


def tempo(
    riders: Sequence[int],
    lap_leaders: Sequence[int],
    final_sprint: Sequence[int],
    laps: Mapping[int, int] | None = None,
    status: Mapping[int, Status] | None = None,
) -> list[PointsStanding]:
    """Rank a tempo race.

    ``lap_leaders``: the first rider across the line on each scoring lap (from lap 5 on;
    the caller passes only scoring laps), 1 point each. ``final_sprint``: the order
    across the line at the finish (the tie-break). ``laps``: laps gained minus lost.
    """
    earned = {r: 0 for r in riders}
    wins: dict[int, list[int]] = {r: [0] for r in riders}
    for rider in lap_leaders:
        if rider in earned:
            earned[rider] += 1
            wins[rider][0] += 1
    return _rank_points(riders, earned, wins, final_sprint, laps or {}, status or {})


# ------------------------------------------------------------ elimination, scratch
class RaceStanding(msgspec.Struct, frozen=True):
    """One rider's line in a scratch or elimination race (or a timed event)."""

    place: int
    rider_id: int
    status: Status
    time_ms: int | None = None


def elimination(
    riders: Sequence[int],
    eliminated: Sequence[int],
    final_sprint: Sequence[int],
    status: Mapping[int, Status] | None = None,
) -> list[RaceStanding]:
    """Rank an elimination race.

    ``eliminated``: riders in the order they were taken out (first out first; a rider who
    abandons is taken out where it happened). Riders never eliminated are ranked by
    ``final_sprint`` (the winner first). DNS and DSQ riders rank last.
    """
    status = status or {}
    remaining = [r for r in riders if r not in eliminated and _OUT_RANK[status.get(r, "OK")] < 2]
    remaining.sort(key=lambda r: (_sprint_place(final_sprint, r), r))
    out_order = [r for r in reversed(eliminated) if r in riders]
    absent = sorted(
        (r for r in riders if r not in remaining and r not in out_order),
        key=lambda r: (_OUT_RANK[status.get(r, "OK")], r),
    )
    ordered = remaining + out_order + absent
    return [
        RaceStanding(place=i + 1, rider_id=r, status=status.get(r, "OK"))
        for i, r in enumerate(ordered)
    ]


def scratch(
    riders: Sequence[int],
    finish: Sequence[int],
    laps: Mapping[int, int] | None = None,
    status: Mapping[int, Status] | None = None,
) -> list[RaceStanding]:
    """Rank a scratch race: most laps gained first, then the order across the line."""
    laps = laps or {}
    status = status or {}

    def key(r: int) -> tuple[float, ...]:
        return (float(_OUT_RANK[status.get(r, "OK")]), -float(laps.get(r, 0)), _sprint_place(finish, r))

    return [
        RaceStanding(place=place, rider_id=r, status=status.get(r, "OK"))
        for place, r in _places(sorted(riders), key)
    ]


def rank_times(
    times: Mapping[int, int | None],
    last_laps: Mapping[int, int] | None = None,
    status: Mapping[int, Status] | None = None,
) -> list[RaceStanding]:
    """Rank a timed event (pursuit, time trial, 200 m) to the thousandth.

    ``times``: rider → time in thousandths of a second (``None``: no time). Equal times
    are separated by ``last_laps`` (the last lap or half-lap time) where every rider on
    that time has one, and share a place otherwise.
    """
    last_laps = last_laps or {}
    status = status or {}
    inf = float("inf")
    # The last lap decides between equal times only where every rider on that time has one.
    laps_known: dict[int | None, bool] = {}
    for rider, time in times.items():
        laps_known[time] = laps_known.get(time, True) and last_laps.get(rider) is not None

    def key(r: int) -> tuple[float, ...]:
        time = times[r]
        lap = last_laps.get(r)
        return (
            float(_OUT_RANK[status.get(r, "OK")]),
            inf if time is None else float(time),
            float(lap) if lap is not None and laps_known[time] else 0.0,
        )

    return [
        RaceStanding(place=place, rider_id=r, status=status.get(r, "OK"), time_ms=times[r])
        for place, r in _places(sorted(times), key)
    ]


def countback(placings: Mapping[int, Sequence[int]]) -> list[int]:
    """Order riders by countback: most first places, then most seconds, and so on.

    ``placings``: rider → the places they took (in any order). Riders equal on every
    count keep id order.
    """
    deepest = max((max(p) for p in placings.values() if p), default=0)

    def key(rider: int) -> tuple[int, ...]:
        counts = [0] * deepest
        for place in placings[rider]:
            counts[place - 1] += 1
        return tuple(-c for c in counts)

    return sorted(placings, key=lambda r: (key(r), r))


# ------------------------------------------------------------------------- omnium
OmniumKind = Literal["scratch", "tempo", "elimination", "points"]


class OmniumEntry(Protocol):
    """What the omnium reads of one rider's result in one race (the progression's
    ``RiderResult`` has these fields; a structural type keeps this module independent)."""

    @property
    def rider_id(self) -> int: ...
    @property
    def place(self) -> int | None: ...
    @property
    def points(self) -> int | None: ...
    @property
    def laps(self) -> int: ...
    @property
    def final_sprint_place(self) -> int | None: ...
    @property
    def status(self) -> Status: ...


class OmniumRace(NamedTuple):
    """One race of an omnium: its kind and its results as entered (places for scratch,
    tempo and elimination; ``points``, ``laps`` and ``final_sprint_place`` for the points
    race)."""

    kind: OmniumKind
    results: Sequence[OmniumEntry]


class OmniumStanding(msgspec.Struct, frozen=True):
    """One rider's omnium line: points per race (in race order) and the total."""

    place: int
    rider_id: int
    total: int
    race_points: list[int]
    final_sprint_place: int | None
    classified: bool


def omnium_place_points(place: int) -> int:
    """Omnium points for a place in scratch, tempo or elimination: 40, 38 … 2, then 1."""
    if place < 1:
        raise ValueError("places start at 1")
    return 40 - 2 * (place - 1) if place <= 20 else 1


def omnium_standings(races: Sequence[OmniumRace]) -> list[OmniumStanding]:
    """The omnium classification after the races given (any number, in race order).

    See the module docstring for the points and the status rule. Riders appear if they are
    in any race's results.
    """
    riders = sorted({e.rider_id for race in races for e in race.results})
    per_race: dict[int, list[int]] = {r: [0] * len(races) for r in riders}
    finished: dict[int, int] = {r: 0 for r in riders}
    classified: dict[int, bool] = {r: True for r in riders}
    sprint: dict[int, int | None] = {r: None for r in riders}
    for i, race in enumerate(races):
        seen = set()
        for entry in race.results:
            rider = entry.rider_id
            seen.add(rider)
            if entry.status in ("DNS", "DSQ", "DNF"):
                classified[rider] = False
                continue
            finished[rider] += 1
            if race.kind == "points":
                per_race[rider][i] = (entry.points or 0) + LAP_POINTS * entry.laps
                sprint[rider] = entry.final_sprint_place
            elif entry.place is not None:
                per_race[rider][i] = omnium_place_points(entry.place)
        for rider in riders:
            if rider not in seen:
                classified[rider] = False  # absent from a race: did not start it

    def key(r: int) -> tuple[float, ...]:
        place = sprint[r]
        return (
            0.0 if classified[r] else 1.0,
            -float(sum(per_race[r])),
            -float(finished[r]),
            float("inf") if place is None else float(place),
        )

    return [
        OmniumStanding(
            place=place,
            rider_id=r,
            total=sum(per_race[r]),
            race_points=per_race[r],
            final_sprint_place=sprint[r],
            classified=classified[r],
        )
        for place, r in _places(riders, key)
    ]
