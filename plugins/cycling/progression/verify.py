"""Check that a table places every rider, for each field size it covers.

Loading checks a file's shape and references; this plays it: for each field size, once
with the favourites winning every heat and once with the outsiders winning, until no heat
is ready, and reports what a federation adding a file needs to fix (a competition that
stops early, a rider placed twice or never, a rider in two contests of one phase).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from podium.plugins.cycling.progression.model import (
    HeatResult,
    HeatState,
    ProgressionTable,
    RiderResult,
    SeededRider,
)
from podium.plugins.cycling.progression.resolver import resolve


def _result(heat: HeatState, seed_of: dict[int, int], favourites: bool) -> HeatResult:
    riders = sorted((r for r in heat.riders if r is not None), key=seed_of.__getitem__)
    if not favourites:
        riders.reverse()
    return HeatResult(
        [
            RiderResult(rider, place=i + 1, time_ms=60_000 + 10 * i, final_sprint_place=i + 1)
            for i, rider in enumerate(riders)
        ],
        final=True,
    )


def verify_table(table: ProgressionTable, sizes: Iterable[int] | None = None) -> list[str]:
    """Problems found playing ``table`` through ``sizes`` (default: every size it covers).

    An empty list means every rider ends with exactly one place, in both plays.
    """
    problems: list[str] = []
    for n in sizes if sizes is not None else range(table.riders.min, table.riders.max + 1):
        for favourites in (True, False):
            who = "favourites" if favourites else "outsiders"
            problems += [
                f"{table.id}, {n} riders, {who} winning: {p}" for p in _play(table, n, favourites)
            ]
    return problems


def _play(table: ProgressionTable, n: int, favourites: bool) -> list[str]:
    field = [SeededRider(rider_id=i + 1) for i in range(n)]
    seed_of = {r.rider_id: i + 1 for i, r in enumerate(field)}
    results: dict[str, HeatResult] = {}
    for _ in range(100_000):
        progress = resolve(table, field, results)
        ready = [h for h in progress.heats if h.ready]
        if not ready:
            break
        for heat in ready:
            results[heat.heat_id] = _result(heat, seed_of, favourites)
    problems: list[str] = []
    for phase in progress.phases:
        seen: Counter[int] = Counter()
        for contest in progress.contests:
            if contest.phase_id == phase.phase_id:
                seen.update(r for r in contest.riders if r is not None)
        twice = sorted(r for r, k in seen.items() if k > 1)
        if twice:
            problems.append(f"phase {phase.phase_id}: seeds {twice} ride two contests")
    if not progress.complete:
        stuck = [h.heat_id for h in progress.heats if h.status == "virtual"][:5]
        problems.append(f"the competition stops; heats never filled: {stuck}")
        return problems
    placed = Counter(p.rider_id for p in progress.classification)
    missing = sorted(set(seed_of) - set(placed))
    twice = sorted(r for r, k in placed.items() if k > 1)
    if missing:
        problems.append(f"seeds {missing} get no place")
    if twice:
        problems.append(f"seeds {twice} get two places")
    places = sorted(p.place for p in progress.classification)
    if places and places[-1] > n:
        problems.append(f"places go up to {places[-1]}")
    return problems
