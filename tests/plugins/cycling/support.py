"""Drive a progression table with random results, heat by heat (as SprintMgr's tests do),
and check a finished competition against an independent reading of the labels."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from podium.plugins.cycling.progression import (
    HeatResult,
    HeatState,
    Progress,
    ProgressionTable,
    RiderResult,
    RiderStatus,
    SeededRider,
    parse_key,
    parse_label,
    resolve,
)

_STATUS_RANK = {"OK": 0, "REL": 1, "DNF": 2, "DSQ": 3, "DNS": 4}


def field(n: int, first_id: int = 101) -> list[SeededRider]:
    """A field of ``n`` riders with ids ``first_id``.., in seeding order."""
    return [SeededRider(rider_id=first_id + i, team=f"T{i % 5}") for i in range(n)]


def random_result(heat: HeatState, format: str, rng: random.Random, mishaps: bool) -> HeatResult:
    """A plausible random result for a heat whose riders are known."""
    riders = [r for r in heat.riders if r is not None]
    order = riders[:]
    rng.shuffle(order)
    entries: list[RiderResult] = []
    for place, rider in enumerate(order, start=1):
        status: RiderStatus = "OK"
        if mishaps and rng.random() < 0.08:
            status = rng.choice(["DNF", "DNS", "DSQ", "REL"])
        if format == "timed":
            # Coarse times so equal times happen, broken by the last lap (or not).
            time_ms = None if status in ("DNS", "DNF") else rng.randrange(9_800, 10_400, 50)
            lap = rng.choice([None, rng.randrange(3_000, 3_100, 25)])
            entries.append(RiderResult(rider, time_ms=time_ms, last_lap_ms=lap, status=status))
        else:
            entries.append(
                RiderResult(
                    rider,
                    place=place,
                    points=rng.randrange(0, 30),
                    laps=rng.choice([0, 0, 0, 1, -1]),
                    final_sprint_place=place,
                    status=status,
                )
            )
    rng.shuffle(entries)  # the order of entry never matters
    return HeatResult(riders=entries, final=rng.random() < 0.7)


def play(
    table: ProgressionTable,
    seeded: Sequence[SeededRider],
    rng: random.Random,
    mishaps: bool = True,
    partial: bool = True,
    results: Mapping[str, HeatResult] | None = None,
) -> tuple[Progress, dict[str, HeatResult]]:
    """Enter random results for ready heats, in random order, until none is ready
    (starting from ``results`` if given)."""
    formats = {p.id: p.format for p in table.phases}
    entered: dict[str, HeatResult] = dict(results or {})
    for _ in range(10_000):
        progress = resolve(table, seeded, entered)
        ready = [h for h in progress.heats if h.ready]
        if not ready:
            return progress, entered
        heat = rng.choice(ready)
        result = random_result(heat, formats[heat.phase_id], rng, mishaps)
        if partial and len(result.riders) > 2 and heat.heat_id not in entered and rng.random() < 0.2:
            # A timed qualifying entered rider by rider: first a part of the field.
            result = HeatResult(riders=result.riders[: len(result.riders) // 2])
        entered[heat.heat_id] = result
    raise AssertionError("the competition never ended")


# ------------------------------------------------------------------ the oracle
def heat_order(format: str, result: HeatResult, seed_of: Mapping[int, int]) -> list[int]:
    """Independent reading of a heat's ranking (the rules of the resolver's docstring)."""
    big = 10**12

    def key(e: RiderResult) -> tuple[int, ...]:
        status = _STATUS_RANK[e.status]
        if format == "timed":
            tied = [o for o in result.riders if o.time_ms == e.time_ms]
            laps = all(o.last_lap_ms is not None for o in tied)
            return (status, e.time_ms if e.time_ms is not None else big,
                    (e.last_lap_ms or 0) if laps else 0, seed_of[e.rider_id])
        return (status, e.place if e.place is not None else big, seed_of[e.rider_id])

    return [e.rider_id for e in sorted(result.riders, key=key)]


def contest_rankings(
    table: ProgressionTable, progress: Progress, results: Mapping[str, HeatResult],
    seed_of: Mapping[int, int],
) -> dict[str, list[int]]:
    """Each decided contest's ranking, read from the results and the heats' riders only."""
    formats = {p.id: (p.format, p.best_of) for p in table.phases}
    out: dict[str, list[int]] = {}
    for contest in progress.contests:
        fmt, best_of = formats[contest.phase_id]
        heats = [h for h in progress.heats if h.contest_id == contest.contest_id and h.done]
        riders = [r for r in contest.riders if r is not None]
        if fmt == "match":
            wins = Counter(heat_order(fmt, results[h.heat_id], seed_of)[0] for h in heats)
            if len(riders) == 1:
                out[contest.contest_id] = riders
            elif wins and max(wins.values()) == best_of // 2 + 1:
                winner = wins.most_common(1)[0][0]
                out[contest.contest_id] = [winner] + [r for r in riders if r != winner]
        elif heats:
            out[contest.contest_id] = heat_order(fmt, results[heats[0].heat_id], seed_of)
    return out


def check_finished(
    table: ProgressionTable, seeded: Sequence[SeededRider], progress: Progress,
    results: Mapping[str, HeatResult],
) -> None:
    """Every invariant of a finished competition (see test_simulation.py)."""
    seed_of = {r.rider_id: i + 1 for i, r in enumerate(seeded)}
    assert progress.complete, [h.heat_id for h in progress.heats if not h.done][:5]
    # Every rider exactly one place; places 1..N in competition ranking (ties share).
    riders = [p.rider_id for p in progress.classification]
    assert sorted(riders) == sorted(seed_of), "classification is not the field"
    places = [p.place for p in progress.classification]
    assert places == sorted(places) and places[0] == 1
    counts = Counter(places)
    expected = 1
    for place in sorted(counts):
        assert place == expected, f"gap before place {place}"
        expected += counts[place]
    assert expected == len(seeded) + 1
    if not any(g.ties == "shared" for g in table.groups.values()):
        assert places == list(range(1, len(seeded) + 1))
    # Every heat's riders are exactly what its sources name.
    ranking = contest_rankings(table, progress, results, seed_of)
    single = {p.id: p.contests[0].id for p in table.phases if len(p.contests) == 1}
    for heat in progress.heats:
        assert len(heat.riders) == len(heat.sources)
        for rider, label in zip(heat.riders, heat.sources, strict=True):
            assert rider is not None
            assert source_allows(table, label, rider, seeded, ranking, single, progress), (
                heat.heat_id, label, rider)
    # Nobody rides two contests of one phase; a phase's riders are distinct.
    for phase in table.phases:
        seen: Counter[int] = Counter()
        for contest in progress.contests:
            if contest.phase_id == phase.id:
                seen.update(r for r in contest.riders if r is not None)
        assert all(n == 1 for n in seen.values()), (phase.id, seen.most_common(2))
    # Best of N stops at the deciding win; race 3 only at 1-1.
    for phase in table.phases:
        if phase.format != "match":
            continue
        need = phase.best_of // 2 + 1
        for spec in phase.contests:
            state = progress.contest(spec.id)
            played = [h for h in progress.heats if h.contest_id == state.contest_id and h.done]
            if len([r for r in state.riders if r is not None]) == 2:
                assert max(state.wins) == need and sum(state.wins) == len(played)
                assert min(state.wins) < need
            if phase.best_of == 3 and len(played) == 3:
                first_two = Counter(heat_order("match", results[h.heat_id], seed_of)[0] for h in played[:2])
                assert sorted(first_two.values()) == [1, 1]
    assert not any(h.stale for h in progress.heats)


def source_allows(
    table: ProgressionTable, label: str, rider: int, seeded: Sequence[SeededRider],
    ranking: Mapping[str, list[int]], single: Mapping[str, str], progress: Progress,
) -> bool:
    """Whether ``rider`` is what ``label`` names, from the rankings read independently."""
    ref = parse_label(label)
    position = ref.first
    if ref.kind == "seed":
        return seeded[position - 1].rider_id == rider
    if ref.kind == "rank":
        return ranking[single[ref.target]][position - 1] == rider
    if ref.kind == "place":
        return ranking[ref.target][position - 1] == rider
    # A group: the rider is one of its members, and the members before it sort before it.
    group = table.groups[ref.target]
    members: list[int] = []
    for member_label in group.of:
        member = parse_label(member_label)
        for pos in range(member.first, (member.last or 999) + 1):
            one = member.at(pos)
            try:
                rider_at = _lookup(one, seeded, ranking, single)
            except IndexError:
                break
            members.append(rider_at)
    if rider not in members:
        return False
    keys = [parse_key(k) for k in group.by]
    seed_of = {r.rider_id: i + 1 for i, r in enumerate(seeded)}

    def sort_key(r: int) -> tuple[int, ...]:
        out: tuple[int, ...] = ()
        for key in keys:
            if key.kind in ("rank", "place"):
                phase = next(p for p in table.phases if p.id == key.phases[0])
                for c in phase.contests:
                    if r in ranking.get(c.id, []):
                        out += (ranking[c.id].index(r),)
            elif key.kind == "seed":
                out += (seed_of[r],)
        return out + (seed_of[r],)

    if all(k.kind in ("rank", "place", "seed") for k in keys) and group.ties == "seed":
        ordered = sorted(members, key=sort_key)
        return ordered[position - 1] == rider
    return True


def _lookup(label: str, seeded: Sequence[SeededRider], ranking: Mapping[str, list[int]],
            single: Mapping[str, str]) -> int:
    ref = parse_label(label)
    if ref.kind == "seed":
        return seeded[ref.first - 1].rider_id
    if ref.kind == "rank":
        return ranking[single[ref.target]][ref.first - 1]
    return ranking[ref.target][ref.first - 1]
