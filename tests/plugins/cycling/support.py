"""Drive a progression table with random results, heat by heat (as SprintMgr's tests do),
and check a finished competition against an independent reading of the labels."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

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
from podium.plugins.cycling.progression.labels import OrderKey
from podium.plugins.cycling.scoring import OmniumKind, OmniumRace, omnium_standings

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
    next_place = 1
    for place in sorted(counts):
        assert place == next_place, f"gap before place {place}"
        next_place += counts[place]
    assert next_place == len(seeded) + 1
    if not any(g.ties == "shared" for g in table.groups.values()):
        assert places == list(range(1, len(seeded) + 1))
    # Every heat's riders are exactly what its sources name.
    oracle = Oracle(table, seeded, progress, results)
    for heat in progress.heats:
        assert len(heat.riders) == len(heat.sources)
        for rider, label in zip(heat.riders, heat.sources, strict=True):
            assert rider is not None
            assert oracle.at(label) == rider, (heat.heat_id, label, rider)
    # The classification is its labels, in order (riders of a shared-ties group may
    # share a place, never pass one another).
    expected = [r for label in table.classification for r in oracle.expand(label)]
    place_of = {p.rider_id: p.place for p in progress.classification}
    assert sorted(expected) == sorted(place_of)
    shown = [place_of[r] for r in expected]
    assert shown == sorted(shown)
    shared = {
        r for label in table.classification if parse_label(label).kind == "group"
        and table.groups[parse_label(label).target].ties == "shared"
        for r in oracle.expand(label)
    }
    for i, rider in enumerate(expected):
        if rider not in shared:
            assert place_of[rider] == i + 1
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


class Oracle:
    """Reads labels from the contest rankings read independently from the results."""

    def __init__(
        self, table: ProgressionTable, seeded: Sequence[SeededRider], progress: Progress,
        results: Mapping[str, HeatResult],
    ) -> None:
        self.table = table
        self.seeded = seeded
        self.progress = progress
        self.results = results
        self.seed_of = {r.rider_id: i + 1 for i, r in enumerate(seeded)}
        self.ranking = contest_rankings(table, progress, results, self.seed_of)
        self.single = {p.id: p.contests[0].id for p in table.phases if len(p.contests) == 1}
        self.groups: dict[str, list[int]] = {}

    def at(self, label: str, position: int | None = None) -> int:
        """The rider a label names (at ``position`` for a range); IndexError past its end."""
        ref = parse_label(label)
        position = ref.first if position is None else position
        if ref.kind == "seed":
            return self.seeded[position - 1].rider_id
        if ref.kind == "rank":
            return self.ranking[self.single[ref.target]][position - 1]
        if ref.kind == "place":
            return self.ranking[ref.target][position - 1]
        return self.group_order(ref.target)[position - 1]

    def expand(self, label: str) -> list[int]:
        """Every rider a (range) label names, in order."""
        ref = parse_label(label)
        out: list[int] = []
        for position in range(ref.first, (ref.last or 10_000) + 1):
            try:
                out.append(self.at(label, position))
            except IndexError:
                break
        return out

    def group_order(self, name: str) -> list[int]:
        """A group's members sorted by its keys, then seed."""
        if name in self.groups:
            return self.groups[name]
        group = self.table.groups[name]
        members = [r for label in group.of for r in self.expand(label)]
        keys = [parse_key(k) for k in group.by]
        parts = [
            _oracle_key(self.table, key, members, self.ranking, self.progress, self.results)
            for key in keys
        ]
        ordered = sorted(members, key=lambda r: (tuple(part(r) for part in parts), self.seed_of[r]))
        self.groups[name] = ordered
        return ordered


def _oracle_key(
    table: ProgressionTable, key: OrderKey, members: Sequence[int],
    ranking: Mapping[str, list[int]], progress: Progress, results: Mapping[str, HeatResult],
) -> Callable[[int], tuple[float, ...]]:
    """A group ordering key, computed from the results (not the resolver's own code)."""
    inf = float("inf")
    if key.kind == "seed":
        return lambda r: (0.0,)  # the final seed order is added by the caller
    phase = next((p for p in table.phases if p.id == key.phases[0]), None)
    entries = [
        e for h in progress.heats if h.done and phase is not None and h.phase_id == phase.id
        for e in results[h.heat_id].riders
    ]
    if key.kind in ("rank", "place"):
        assert phase is not None
        where = {r: c.id for c in phase.contests for r in ranking.get(c.id, [])}
        return lambda r: (float(ranking[where[r]].index(r)) if r in where else inf,)
    if key.kind == "time":
        best: dict[int, RiderResult] = {}
        for e in entries:
            if e.status == "OK" and e.time_ms is not None:
                if e.rider_id not in best or e.time_ms < (best[e.rider_id].time_ms or 0):
                    best[e.rider_id] = e

        def time_of(r: int) -> tuple[float, ...]:
            if r not in best:
                return (inf, 0.0)
            t = best[r].time_ms
            tied = [best[m] for m in members if m in best and best[m].time_ms == t]
            lap = best[r].last_lap_ms if all(x.last_lap_ms is not None for x in tied) else 0
            return (float(t or 0), float(lap or 0))

        return time_of
    if key.kind == "final_sprint":
        sprint = {e.rider_id: e.final_sprint_place for e in entries}
        return lambda r: (float(sprint.get(r) or inf),)
    kinds: tuple[OmniumKind, ...] = ("scratch", "tempo", "elimination", "points")
    races = [
        OmniumRace(kind, [e for h in progress.heats if h.done and h.phase_id == pid
                          for e in results[h.heat_id].riders])
        for kind, pid in zip(kinds, key.phases, strict=True)
    ]
    standing = {s.rider_id: float(s.place) for s in omnium_standings(races)}
    return lambda r: (standing.get(r, inf),)
