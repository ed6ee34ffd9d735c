"""Random competitions through every shipped table, heat by heat, as SprintMgr tests them.

For every table and field size: every rider gets exactly one final place, places run
1..N (shared places only where the table declares them), every heat's riders are what
its labels name (read independently from the results), nobody rides two contests of one
phase, a best of three stops at two wins; and correcting an earlier heat re-flows the
later ones, reporting the results that no longer fit as stale.
"""

from __future__ import annotations

import random

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.plugins.cycling.progression import (
    HeatResult,
    HeatStatus,
    ProgressionTable,
    RiderResult,
    all_tables,
    resolve,
)
from podium.tests.plugins.cycling.support import check_finished, field, play

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

TABLES = all_tables()
SIM = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ids(table: ProgressionTable) -> str:
    return table.id


@pytest.mark.parametrize("table", TABLES, ids=_ids)
def test_every_field_size_finishes(table: ProgressionTable) -> None:
    """Each covered field size, once, with a fixed random draw (cheap and exhaustive)."""
    for n in range(table.riders.min, table.riders.max + 1):
        seeded = field(n)
        progress, results = play(table, seeded, random.Random(n))
        check_finished(table, seeded, progress, results)


@pytest.mark.parametrize("table", TABLES, ids=_ids)
@SIM
@given(data=st.data())
def test_random_competitions_finish(table: ProgressionTable, data: st.DataObject) -> None:
    n = data.draw(st.integers(table.riders.min, table.riders.max), label="riders")
    rng = random.Random(data.draw(st.integers(0, 2**32), label="results seed"))
    mishaps = data.draw(st.booleans(), label="mishaps")
    seeded = field(n)
    progress, results = play(table, seeded, rng, mishaps=mishaps)
    check_finished(table, seeded, progress, results)
    # Recomputing from the same facts gives the same answer (no hidden state), whatever
    # the order the results were entered in.
    shuffled = dict(sorted(results.items(), key=lambda _: rng.random()))
    assert resolve(table, seeded, shuffled) == progress


def _swap_top_two(result: HeatResult) -> HeatResult:
    """The same heat with its first two riders swapped (a corrected finish or time)."""
    entries = list(result.riders)
    if all(e.place is not None for e in entries):
        by_place = sorted(entries, key=lambda e: e.place or 0)
        a, b = by_place[0], by_place[1]
        swapped = {a.rider_id: b.place, b.rider_id: a.place}
        entries = [
            msgspec.structs.replace(e, place=swapped[e.rider_id], status="OK")
            if e.rider_id in swapped else e
            for e in entries
        ]
    else:
        timed = sorted(entries, key=lambda e: (e.time_ms is None, e.time_ms or 0))
        a, b = timed[0], timed[1]
        ta = a.time_ms if a.time_ms is not None else 10_000
        entries = [
            RiderResult(e.rider_id, time_ms=ta + 1000, status="OK") if e.rider_id == a.rider_id
            else RiderResult(e.rider_id, time_ms=ta - 500, status="OK") if e.rider_id == b.rider_id
            else e
            for e in entries
        ]
    return HeatResult(riders=entries, final=False)


@pytest.mark.parametrize("table", TABLES, ids=_ids)
@SIM
@given(data=st.data())
def test_correction_reflows_later_heats(table: ProgressionTable, data: st.DataObject) -> None:
    n = data.draw(st.integers(table.riders.min, table.riders.max), label="riders")
    rng = random.Random(data.draw(st.integers(0, 2**32), label="results seed"))
    seeded = field(n)
    before, results = play(table, seeded, rng, mishaps=False, partial=False)
    last_phase = table.phases[-1].id
    candidates = sorted(
        h.heat_id for h in before.heats if h.done and h.phase_id != last_phase and len(h.riders) > 1
    )
    if not candidates:
        return
    corrected_id = data.draw(st.sampled_from(candidates), label="corrected heat")
    corrected = dict(results)
    corrected[corrected_id] = _swap_top_two(results[corrected_id])
    after = resolve(table, seeded, corrected)
    old = {h.heat_id: h for h in before.heats}
    changed_lists = 0
    for heat in after.heats:
        result = corrected.get(heat.heat_id)
        was = old[heat.heat_id]
        if heat.riders != was.riders:
            changed_lists += 1
        if set(heat.riders) != set(was.riders):
            if result is not None:
                # A result entered for other riders no longer applies (the same riders in
                # other slots keep their result: a start list is a set of riders).
                assert heat.stale and not heat.done, heat.heat_id
        elif result is not None and heat.status is not HeatStatus.UNNEEDED and not any(
            h.stale for h in after.heats
            if h.contest_id == heat.contest_id and h.race_no < heat.race_no
        ):
            assert not heat.stale, heat.heat_id
    # Where the corrected contest's ranking changed (or became undecided in a best of
    # three) at a position a later start list reads, that start list moved.
    contest_id = after.heat(corrected_id).contest_id
    phase_id = after.heat(corrected_id).phase_id
    old_order = before.contest(contest_id).order or []
    new_order = after.contest(contest_id).order
    moved = {
        p for p in range(1, len(old_order) + 1)
        if new_order is None or new_order[p - 1] != old_order[p - 1]
    }
    readers = {f"place {p} of {contest_id}" for p in moved} | {f"rank {p} of {phase_id}" for p in moved}
    readers |= {"winner of " + contest_id} if 1 in moved else set()
    readers |= {"loser of " + contest_id} if 2 in moved else set()
    if any(label in readers for h in before.heats for label in h.sources):
        assert changed_lists
    # The meet voids the stale results and rides on: the competition still ends right.
    live = {k: v for k, v in corrected.items() if not after.heat(k).stale}
    rest_rng = random.Random(rng.random())
    progress, final_results = play(table, seeded, rest_rng, mishaps=False, results=live)
    check_finished(table, seeded, progress, final_results)
