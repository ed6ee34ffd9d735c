"""Scoring engines: DOMAIN.md examples and hypothesis properties (omnium totals are the sum
of race points whatever the input order; rankings are a total order that follows the
tie-break rules; a points race does not depend on the order of its intermediate sprints)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.cycling.progression import RiderResult, RiderStatus
from podium.plugins.cycling.scoring import (
    FINAL_SPRINT_POINTS,
    LAP_POINTS,
    SPRINT_POINTS,
    OmniumRace,
    OmniumStanding,
    PointsStanding,
    RaceStanding,
    countback,
    elimination,
    madison,
    omnium_place_points,
    omnium_standings,
    points_race,
    rank_times,
    scratch,
    sprint_award,
    sprint_laps,
    tempo,
    tempo_laps,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

FAST = settings(max_examples=60, deadline=None)


# ---------------------------------------------------------------------- examples
def test_omnium_place_points() -> None:
    assert [omnium_place_points(p) for p in range(1, 23)] == [
        40, 38, 36, 34, 32, 30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 1, 1,
    ]  # fmt: skip
    with pytest.raises(ValueError):
        omnium_place_points(0)


def test_sprint_scales_and_laps() -> None:
    assert sprint_award([7, 3, 9, 1, 5]) == {7: 5, 3: 3, 9: 2, 1: 1}
    assert sprint_award([7, 3], final=True) == {7: 10, 3: 6}
    # 40 km on a 250 m track: 160 laps, a sprint every 10.
    assert sprint_laps(160) == list(range(10, 161, 10))
    assert sprint_laps(25, 10) == [5, 15, 25]
    assert tempo_laps(40)[0] == 5 and tempo_laps(40)[-1] == 40


def test_points_race_laps_count_twenty_and_ties_go_to_the_final_sprint() -> None:
    riders = [1, 2, 3, 4]
    sprints = [[1, 2, 3, 4], [2, 1, 4, 3], [3, 4, 2, 1]]
    # 1: 5+3+2=10, 2: 3+5+4=12, 3: 2+1+10=13, 4: 1+2+6=9; rider 4 gained a lap: 29.
    standings = points_race(riders, sprints, laps={4: 1, 1: -1})
    assert [(s.rider_id, s.points) for s in standings] == [(4, 29), (3, 13), (2, 12), (1, -10)]
    # 1 and 2 level on points (8 each, nothing in the final sprint): the final sprint's
    # order decides (2 fifth across the line, 1 sixth).
    tied = points_race([1, 2], [[1, 2], [2, 1]] + [[9, 8, 7, 6, 2, 1]])
    assert [s.rider_id for s in tied] == [2, 1] and tied[0].points == tied[1].points
    assert [s.place for s in tied] == [1, 2]


def test_madison_scores_teams_like_a_points_race() -> None:
    teams = [10, 20, 30]
    sprints = [[10, 20, 30], [30, 10, 20]]
    assert madison(teams, sprints, laps={20: 1}) == points_race(teams, sprints, laps={20: 1})
    assert madison(teams, sprints, laps={20: 1})[0].rider_id == 20


def test_tempo_one_point_a_lap_and_ties_by_final_sprint() -> None:
    standings = tempo([1, 2, 3], lap_leaders=[1, 1, 2, 3, 2], final_sprint=[3, 2, 1])
    assert [(s.rider_id, s.points) for s in standings] == [(2, 2), (1, 2), (3, 1)]
    lapped = tempo([1, 2], lap_leaders=[1] * 10, final_sprint=[1, 2], laps={2: 1})
    assert lapped[0].rider_id == 2 and lapped[0].points == 20


def test_elimination_is_the_reverse_order_of_elimination() -> None:
    standings = elimination([1, 2, 3, 4, 5], eliminated=[4, 1, 5], final_sprint=[3, 2])
    assert [s.rider_id for s in standings] == [3, 2, 5, 1, 4]
    dns = elimination([1, 2, 3], eliminated=[2], final_sprint=[1], status={3: "DNS"})
    assert [s.rider_id for s in dns] == [1, 2, 3]


def test_scratch_laps_first_then_the_line() -> None:
    standings = scratch([1, 2, 3, 4], finish=[1, 2, 3, 4], laps={4: 1}, status={2: "DNF"})
    assert [s.rider_id for s in standings] == [4, 1, 3, 2]


def test_times_to_the_thousandth_with_the_last_lap_deciding() -> None:
    ranked = rank_times({1: 61_234, 2: 61_233, 3: 61_234, 4: None}, last_laps={1: 15_100, 3: 15_050})
    assert [(s.place, s.rider_id) for s in ranked] == [(1, 2), (2, 3), (3, 1), (4, 4)]
    shared = rank_times({1: 61_234, 2: 61_234}, last_laps={1: 15_000})
    assert [s.place for s in shared] == [1, 1]


def test_countback() -> None:
    # One win each; then 1 has two second places, 3 one, 2 none.
    assert countback({1: [2, 2, 1], 2: [1, 3, 3], 3: [1, 2, 4]}) == [1, 3, 2]
    assert countback({5: [3], 4: [3]}) == [4, 5]  # equal on every count: id order


def _entry(rider: int, place: int, status: RiderStatus = "OK") -> RiderResult:
    return RiderResult(rider, place=place, status=status)


def test_omnium_example() -> None:
    riders = [1, 2, 3]
    races = [
        OmniumRace("scratch", [_entry(1, 1), _entry(2, 2), _entry(3, 3)]),  # 40 38 36
        OmniumRace("tempo", [_entry(2, 1), _entry(1, 2), _entry(3, 3)]),  # 38 40 36
        OmniumRace("elimination", [_entry(3, 1), _entry(1, 2), _entry(2, 3)]),  # 38 36 40
        OmniumRace(
            "points",
            [
                RiderResult(1, points=5, final_sprint_place=2),
                RiderResult(2, points=3, laps=1, final_sprint_place=3),
                RiderResult(3, points=25, final_sprint_place=1),
            ],
        ),
    ]
    standings = omnium_standings(races)
    totals = {s.rider_id: s.total for s in standings}
    assert totals == {1: 40 + 38 + 38 + 5, 2: 38 + 40 + 36 + 23, 3: 36 + 36 + 40 + 25}
    # 2 and 3 are level on 137: the points race's final sprint puts 3 (first) ahead.
    assert [s.rider_id for s in standings] == [3, 2, 1] and standings[0].total == 137
    assert [s.place for s in standings] == [1, 2, 3]
    assert sorted(totals) == riders


def test_omnium_dnf_is_not_classified() -> None:
    races = [
        OmniumRace("scratch", [_entry(1, 1), _entry(2, 2, "DNF")]),
        OmniumRace("tempo", [_entry(1, 2), _entry(2, 1)]),
    ]
    standings = omnium_standings(races)
    assert [(s.rider_id, s.classified) for s in standings] == [(1, True), (2, False)]


# ---------------------------------------------------------------- hypothesis
_OK: list[RiderStatus] = ["OK"] * 12
_STATUSES: list[RiderStatus] = [*_OK, "DNF", "DNS", "DSQ", "REL"]
statuses = st.sampled_from(_STATUSES)


@st.composite
def omnium_races(draw: st.DrawFn) -> tuple[list[int], list[OmniumRace]]:
    n = draw(st.integers(2, 26))
    riders = list(range(1, n + 1))
    races: list[OmniumRace] = []
    for kind in ("scratch", "tempo", "elimination"):
        order = draw(st.permutations(riders))
        races.append(
            OmniumRace(kind, [_entry(r, i + 1, draw(statuses)) for i, r in enumerate(order)])
        )
    sprint = draw(st.permutations(riders))
    points = [
        RiderResult(
            r,
            points=draw(st.integers(0, 60)),
            laps=draw(st.integers(-3, 3)),
            final_sprint_place=sprint.index(r) + 1 if draw(st.booleans()) else None,
            status=draw(statuses),
        )
        for r in riders
    ]
    races.append(OmniumRace("points", points))
    return riders, races


def _expected_total(rider: int, races: Sequence[OmniumRace]) -> int:
    total = 0
    for race in races:
        for e in race.results:
            if e.rider_id != rider or e.status in ("DNF", "DNS", "DSQ"):
                continue
            if race.kind == "points":
                total += (e.points or 0) + LAP_POINTS * e.laps
            else:
                assert e.place is not None
                total += 40 - 2 * (e.place - 1) if e.place <= 20 else 1
    return total


def _check_places(keys: Sequence[tuple[float, ...]], places: Sequence[int]) -> None:
    """Places follow the keys: sorted, shared exactly when the keys are equal, 1..N."""
    assert places[0] == 1
    for i in range(1, len(keys)):
        assert keys[i - 1] <= keys[i]
        if keys[i - 1] == keys[i]:
            assert places[i] == places[i - 1]
        else:
            assert places[i] == i + 1


@FAST
@given(omnium_races(), st.randoms(use_true_random=False))
def test_omnium_totals_are_the_sum_of_race_points_whatever_the_order(
    drawn: tuple[list[int], list[OmniumRace]], rng: random.Random
) -> None:
    riders, races = drawn
    standings = omnium_standings(races)
    assert sorted(s.rider_id for s in standings) == riders
    for s in standings:
        assert s.total == sum(s.race_points) == _expected_total(s.rider_id, races)
    # Shuffle the entries of every race (and the order of the first three races): the
    # totals and the classification do not change.
    shuffled = [OmniumRace(r.kind, rng.sample(list(r.results), len(r.results))) for r in races]
    first_three = rng.sample(shuffled[:3], 3)
    again = omnium_standings(first_three + shuffled[3:])
    assert {s.rider_id: (s.place, s.total) for s in again} == {
        s.rider_id: (s.place, s.total) for s in standings
    }


@FAST
@given(omnium_races())
def test_omnium_ranking_is_a_total_order_following_the_rules(
    drawn: tuple[list[int], list[OmniumRace]],
) -> None:
    _, races = drawn
    standings = omnium_standings(races)

    def key(s: OmniumStanding) -> tuple[float, ...]:
        sprint = float("inf") if s.final_sprint_place is None else float(s.final_sprint_place)
        # Classified riders finished all four races; the rest are ranked after them.
        finished = sum(
            1 for race in races for e in race.results
            if e.rider_id == s.rider_id and e.status not in ("DNF", "DNS", "DSQ")
        )
        return (0.0 if s.classified else 1.0, -float(s.total), -float(finished), sprint)

    _check_places([key(s) for s in standings], [s.place for s in standings])
    for s in standings:
        statuses_of = {e.status for race in races for e in race.results if e.rider_id == s.rider_id}
        assert s.classified == (not statuses_of & {"DNF", "DNS", "DSQ"})


@st.composite
def points_races(draw: st.DrawFn) -> tuple[list[int], list[list[int]], dict[int, int]]:
    n = draw(st.integers(2, 24))
    riders = list(range(1, n + 1))
    k = draw(st.integers(1, 16))
    sprints = [list(draw(st.permutations(riders)))[: draw(st.integers(1, n))] for _ in range(k)]
    laps = {r: draw(st.integers(-2, 2)) for r in riders}
    return riders, sprints, laps


@FAST
@given(points_races(), st.randoms(use_true_random=False))
def test_points_race_does_not_depend_on_the_order_of_intermediate_sprints(
    drawn: tuple[list[int], list[list[int]], dict[int, int]], rng: random.Random
) -> None:
    riders, sprints, laps = drawn
    standings = points_race(riders, sprints, laps)
    intermediate = sprints[:-1]
    shuffled = rng.sample(intermediate, len(intermediate)) + sprints[-1:]
    assert points_race(rng.sample(riders, len(riders)), shuffled, laps) == standings
    # Totals: sprint points plus 20 per lap; every sprint hands out its scale.
    handed = sum(sum(SPRINT_POINTS[: len(s)]) for s in intermediate)
    handed += sum(FINAL_SPRINT_POINTS[: len(sprints[-1])])
    assert sum(s.sprint_points for s in standings) == handed
    for s in standings:
        assert s.points == s.sprint_points + LAP_POINTS * laps[s.rider_id]


@FAST
@given(points_races())
def test_points_race_ranking_follows_points_then_final_sprint(
    drawn: tuple[list[int], list[list[int]], dict[int, int]],
) -> None:
    riders, sprints, laps = drawn
    standings = points_race(riders, sprints, laps)
    final = sprints[-1]
    inf = float("inf")

    def key(s: PointsStanding) -> tuple[float, ...]:
        sprint = float(final.index(s.rider_id) + 1) if s.rider_id in final else inf
        return (-float(s.points), sprint)

    keys = [key(s) for s in standings]
    assert keys == sorted(keys)
    places = [s.place for s in standings]
    assert places[0] == 1 and places == sorted(places)
    # Riders share a place only when equal on points, final sprint and countback.
    for a, b in zip(standings, standings[1:]):
        if a.place == b.place:
            assert key(a) == key(b) and a.final_sprint_place is None


@FAST
@given(st.dictionaries(st.integers(1, 40), st.one_of(st.none(), st.integers(60_000, 60_010)), min_size=1),
       st.dictionaries(st.integers(1, 40), st.integers(14_000, 14_003)))
def test_times_rank_is_a_total_order(times: dict[int, int | None], laps: dict[int, int]) -> None:
    ranked = rank_times(times, last_laps=laps)
    assert sorted(s.rider_id for s in ranked) == sorted(times)
    inf = float("inf")
    for a, b in zip(ranked, ranked[1:]):
        ta = inf if a.time_ms is None else a.time_ms
        tb = inf if b.time_ms is None else b.time_ms
        assert ta <= tb
        if a.place == b.place:
            assert ta == tb
            tied = [r for r, t in times.items() if t == a.time_ms]
            assert not all(r in laps for r in tied) or laps[a.rider_id] == laps[b.rider_id]
        elif ta == tb:
            assert all(r in laps for r in times if times[r] == a.time_ms)
            assert laps[a.rider_id] < laps[b.rider_id]


@FAST
@given(st.integers(2, 24).flatmap(lambda n: st.tuples(st.just(n), st.permutations(range(1, n + 1)))),
       st.integers(0, 23))
def test_elimination_places_everyone_once(drawn: tuple[int, Sequence[int]], cut: int) -> None:
    n, order = drawn
    out = list(order[: min(cut, n - 1)])
    rest = list(order[min(cut, n - 1):])
    standings: list[RaceStanding] = elimination(list(range(1, n + 1)), out, rest)
    assert [s.place for s in standings] == list(range(1, n + 1))
    assert [s.rider_id for s in standings] == rest + out[::-1]
    ranked_by_line = scratch(list(range(1, n + 1)), list(order))
    assert [s.rider_id for s in ranked_by_line] == list(order)
