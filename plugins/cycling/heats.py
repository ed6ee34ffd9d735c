"""A competition's heats, start lists and classification, derived from its facts (the
seeded field and the results entered) through the progression resolver
(:mod:`podium.plugins.cycling.progression`), recomputed on every read so a correction
re-flows every later heat.

A competition with no progression table (a bunch race such as a scratch, when no table
covers it) is one heat, ``final``, ridden by the whole field and ranked by the places
entered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podium.plugins.cycling.progression import (
    HeatResult,
    Progress,
    ProgressionTable,
    RiderResult,
    SeededRider,
    load_table,
    resolve,
    tables_for,
)

SINGLE_HEAT = "final"
STATUS_ORDER = {"OK": 0, "REL": 1, "DNF": 2, "DSQ": 3, "DNS": 4}


@dataclass
class Heat:
    """One heat as pages and the API show it.

    ``riders``: rider ids (``None`` while unknown, ``labels`` then say where they come
    from); ``status``: virtual, provisional, final or unneeded; ``ready``: awaits its
    result; ``stale``: a result was entered that no longer fits (void or re-enter it).
    """

    heat_id: str
    phase_id: str
    phase_name: str
    contest_id: str
    race_no: int
    label: str
    format: str
    riders: list[int | None]
    labels: list[str]
    status: str
    ready: bool
    stale: bool
    done: bool


@dataclass
class CompetitionProgress:
    """Everything derived for one competition."""

    table: ProgressionTable | None
    heats: list[Heat]
    classification: list[tuple[int, int]]  # (place, rider_id)
    complete: bool
    phases: list[dict[str, Any]] = field(default_factory=list)

    def heat(self, heat_id: str) -> Heat | None:
        """The heat ``heat_id``, if the competition has one."""
        return next((h for h in self.heats if h.heat_id == heat_id), None)


def table_exists(table_id: str) -> bool:
    """Whether a shipped progression table has this id."""
    try:
        load_table(table_id)
    except (KeyError, ValueError, OSError):
        return False
    return True


def table_for(table_id: str, discipline: str, riders: int) -> ProgressionTable | None:
    """The competition's table: the one it names, else the best shipped one for the
    discipline and field size, else ``None`` (one heat)."""
    if table_id:
        return load_table(table_id)
    if riders < 1:
        return None
    candidates = tables_for(discipline, riders)
    return candidates[0] if candidates else None


def results_by_heat(rows: Sequence[Mapping[str, Any]]) -> dict[str, HeatResult]:
    """Heat result rows (one per rider) grouped into the resolver's :class:`HeatResult`."""
    grouped: dict[str, list[RiderResult]] = {}
    final: dict[str, bool] = {}
    for row in rows:
        grouped.setdefault(row["heat_id"], []).append(RiderResult(
            rider_id=row["rider"], place=row["place"], time_ms=row["time_ms"],
            points=row["points"], laps=row["laps"] or 0, status=row["status"]))
        final[row["heat_id"]] = final.get(row["heat_id"], True) and bool(row["final"])
    return {h: HeatResult(riders=rs, final=final[h]) for h, rs in grouped.items()}


def derive(table: ProgressionTable | None, field_ids: Sequence[int],
           rows: Sequence[Mapping[str, Any]]) -> CompetitionProgress:
    """Heats and classification of a competition from its field (seed order) and the heat
    result rows entered so far."""
    results = results_by_heat(rows)
    if table is None:
        return _single_heat(field_ids, results)
    progress: Progress = resolve(table, [SeededRider(rider_id=r) for r in field_ids], results)
    phase_of = {p.id: p for p in table.phases}
    heats = [
        Heat(heat_id=h.heat_id, phase_id=h.phase_id, phase_name=phase_of[h.phase_id].name,
             contest_id=h.contest_id, race_no=h.race_no, label=h.label,
             format=phase_of[h.phase_id].format, riders=list(h.riders),
             labels=list(h.sources), status=str(h.status.value), ready=h.ready,
             stale=h.stale, done=h.done)
        for h in progress.heats
    ]
    phases = [{"id": p.phase_id, "name": p.name, "kind": p.kind, "format": p.format,
               "after": list(p.after), "status": str(p.status.value), "done": p.done}
              for p in progress.phases]
    return CompetitionProgress(table=table, heats=heats,
                               classification=[(p.place, p.rider_id)
                                               for p in progress.classification],
                               complete=progress.complete, phases=phases)


def _single_heat(field_ids: Sequence[int], results: Mapping[str, HeatResult]
                 ) -> CompetitionProgress:
    """One heat ridden by the whole field, ranked by status then place."""
    entered = results.get(SINGLE_HEAT)
    riders = list(field_ids)
    fits = entered is not None and {r.rider_id for r in entered.riders} == set(riders)
    stale = entered is not None and not fits
    classification: list[tuple[int, int]] = []
    if fits and entered is not None:
        ranked = sorted(entered.riders, key=lambda r: (
            STATUS_ORDER.get(r.status, 9), r.place if r.place is not None else 10**6,
            r.time_ms if r.time_ms is not None else 10**12, riders.index(r.rider_id)))
        classification = [(i, r.rider_id) for i, r in enumerate(ranked, start=1)]
    status = "final" if fits and entered is not None and entered.final else "provisional"
    heat = Heat(heat_id=SINGLE_HEAT, phase_id=SINGLE_HEAT, phase_name="Final",
                contest_id=SINGLE_HEAT, race_no=1, label="Final", format="race",
                riders=list(riders), labels=[f"seed {i}" for i in range(1, len(riders) + 1)],
                status=status, ready=bool(riders) and not fits, stale=stale, done=fits)
    return CompetitionProgress(
        table=None, heats=[heat], classification=classification, complete=fits,
        phases=[{"id": SINGLE_HEAT, "name": "Final", "kind": "final", "format": "race",
                 "after": [], "status": status, "done": fits}])
