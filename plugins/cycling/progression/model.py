"""The plain data of a progression: the table (what a file declares), the facts the meet
enters (the field and the heat results) and the derived progress.

Vocabulary (DOMAIN.md, UCI Part 3): competition → phase (qualifying, 1/16 final,
repechage, quarter-final...) → contest ("1 v 16", "heat 3") → heat (race 1, 2, 3 of a
best-of-three; one heat for every other format).

Table (decoded from a file, see ``docs/cycling.md`` for the file format):

* :class:`ProgressionTable` — ``id``, ``version``, ``discipline``, ``riders`` (the field
  sizes covered), ``source`` (regulation article), ``phases``, named ``groups``, the
  final ``classification`` (labels in place order), ``notes`` and ``preference`` (where
  several tables cover a field, the higher is offered first).
* :class:`Phase` — ``id``, ``name``, ``kind`` (qualifying, round, repechage...), ``format``
  (``timed``: ranked by time; ``match``: best of ``best_of`` races between two riders;
  ``race``: one heat ranked by the places entered), ``after`` (source phases),
  ``contests`` and, for bunch races, the ``scoring`` engine the meet uses to compute places.
* :class:`Contest` — ``id`` (unique in the table, e.g. ``"1/8-3"``) and ``slots``:
  positional labels ("seed 5", "winner of 1/8-3", "places 4-6 of K1-1", "rank 2 of group
  R1-winners").
* :class:`Group` — riders gathered from labels and ordered by keys ("losers of the 1/8
  finals, by qualifying rank").

Facts (entered by the meet):

* :class:`SeededRider` — ``rider_id`` (the meet's id) and optional ``team``; the field is a
  sequence in seeding order (position 1 = strongest).
* :class:`HeatResult` — the result of one heat: ``riders`` (one :class:`RiderResult` each)
  and ``final`` (confirmed by the commissaires; provisional otherwise).
* :class:`RiderResult` — ``rider_id``; ``place`` (1 = first across the line; for ``race``
  and ``match`` heats); ``time_ms`` (thousandths of a second; for ``timed`` heats and
  tie-breaks); ``last_lap_ms`` (the last lap or half-lap time, to break equal times);
  ``points`` (points won in the race's sprints, for bunch races); ``laps`` (laps gained
  minus laps lost); ``final_sprint_place`` (place in the final sprint, the points races'
  tie-break); ``status`` — ``OK``, ``DNF`` (did not finish), ``DNS`` (did not start),
  ``DSQ`` (disqualified), ``REL`` (relegated: behind every rider who finished OK).

Derived (returned by :func:`~podium.plugins.cycling.progression.resolver.resolve`):

* :class:`Progress` — ``heats`` (:class:`HeatState` in table order), ``contests``
  (:class:`ContestState`), ``phases`` (:class:`PhaseState`), ``classification``
  (:class:`Placing` ``(place, rider_id)`` as places become known), ``complete`` (every
  contest decided) and ``unknown_results`` (result keys that name no heat).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, NamedTuple

import msgspec

#: A phase's format: how its heats are ranked.
PhaseFormat = Literal["timed", "match", "race"]
#: What a phase is in the competition (for pages and the scheduler; no rule depends on it
#: except that a ``qualifying`` phase is where times rank the field).
PhaseKind = Literal[
    "qualifying",
    "round",
    "repechage",
    "quarter-final",
    "semi-final",
    "final",
    "race",
]
#: The scoring engine (``podium.plugins.cycling.scoring``) that turns a bunch race into
#: places; the resolver itself only reads the places entered.
ScoringRule = Literal["scratch", "points", "tempo", "elimination", "madison"]


class FieldSize(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The field sizes (number of riders or teams) a table covers, both ends included."""

    min: int
    max: int


class Contest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One contest of a phase: its id (unique in the table) and its slots as labels."""

    id: str
    slots: list[str]
    name: str | None = None


class Phase(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One phase (round) of a competition; see the module docstring."""

    id: str
    name: str
    kind: PhaseKind
    format: PhaseFormat
    contests: list[Contest]
    after: list[str] = []
    best_of: int = 1
    scoring: ScoringRule | None = None


class Group(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Riders gathered from labels (``of``), ordered by keys (``by``).

    Keys, applied in order: ``seed``, ``rank in PHASE`` (the rider's rank in that
    single-contest phase), ``place in PHASE`` (the rider's place in its contest of that
    phase), ``time in PHASE`` (the rider's best time there, fastest first), ``final sprint
    in PHASE``, ``omnium of P1 P2 P3 P4`` (omnium points over those four races). Riders
    equal on every key are ordered by seed (``ties: seed``) or share a place
    (``ties: shared``, competition ranking 1, 2, 2, 4).
    """

    of: list[str]
    by: list[str] = []
    ties: Literal["seed", "shared"] = "seed"


class ProgressionTable(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One progression table, as decoded from its file; see the module docstring."""

    id: str
    version: int
    discipline: str
    title: str
    riders: FieldSize
    source: str
    phases: list[Phase]
    classification: list[str]
    groups: dict[str, Group] = {}
    notes: str = ""
    preference: int = 0

    def covers(self, riders: int) -> bool:
        """Whether a field of ``riders`` riders (or teams) is within this table's range."""
        return self.riders.min <= riders <= self.riders.max

    def phase(self, phase_id: str) -> Phase:
        """The phase ``phase_id`` (``KeyError`` if the table has none)."""
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)


# ----------------------------------------------------------------------------- facts
RiderStatus = Literal["OK", "DNF", "DNS", "DSQ", "REL"]


class SeededRider(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A rider (or team) of the field; the field's order is the seeding order."""

    rider_id: int
    team: str | None = None


class RiderResult(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One rider's result in one heat; see the module docstring for each field."""

    rider_id: int
    place: int | None = None
    time_ms: int | None = None
    last_lap_ms: int | None = None
    points: int | None = None
    laps: int = 0
    final_sprint_place: int | None = None
    status: RiderStatus = "OK"


class HeatResult(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The result of one heat: one entry per rider; ``final`` once confirmed."""

    riders: list[RiderResult]
    final: bool = False


# --------------------------------------------------------------------------- derived
class HeatStatus(StrEnum):
    """Where a heat stands.

    ``virtual``: some rider is not known yet (the start list shows labels);
    ``provisional``: the start list is known but rests on a result not yet final, or its
    own result is provisional or missing; ``final``: its result is final and so is every
    result its start list rests on; ``unneeded``: a race 3 after a 2–0.
    """

    VIRTUAL = "virtual"
    PROVISIONAL = "provisional"
    FINAL = "final"
    UNNEEDED = "unneeded"


class HeatState(msgspec.Struct, frozen=True):
    """One heat as derived from the table, the field and the results.

    ``riders[i]`` is the rider of ``sources[i]`` (``None`` while unknown). ``ready``: the
    start list is known, the heat is needed and awaits its result. ``done``: a complete
    result for exactly these riders was applied. ``stale``: a result was entered but no
    longer fits (its riders changed after a correction upstream, or the heat is no longer
    needed); it is ignored until the meet voids or re-enters it.
    """

    heat_id: str
    phase_id: str
    contest_id: str
    race_no: int
    label: str
    riders: list[int | None]
    sources: list[str]
    status: HeatStatus
    ready: bool
    stale: bool
    done: bool


class ContestState(msgspec.Struct, frozen=True):
    """One contest: its riders, the race wins (match), and its ranking once decided."""

    contest_id: str
    phase_id: str
    riders: list[int | None]
    sources: list[str]
    wins: list[int]
    order: list[int] | None

    @property
    def decided(self) -> bool:
        """Whether the contest's ranking is known."""
        return self.order is not None

    @property
    def winner(self) -> int | None:
        """The contest's winner (first of its ranking), once decided."""
        return self.order[0] if self.order else None


class PhaseState(msgspec.Struct, frozen=True):
    """One phase: its contests and status (the weakest status of its heats)."""

    phase_id: str
    name: str
    kind: str
    format: str
    after: list[str]
    contest_ids: list[str]
    status: HeatStatus
    done: bool


class Placing(NamedTuple):
    """A final place: ``(place, rider_id)``; tied riders share a place."""

    place: int
    rider_id: int


class Progress(msgspec.Struct, frozen=True):
    """Everything derived for one competition; see the module docstring."""

    heats: list[HeatState]
    contests: list[ContestState]
    phases: list[PhaseState]
    classification: list[Placing]
    complete: bool
    #: Result keys that name no heat of the table (a typo, or a heat id of another table).
    unknown_results: list[str] = []

    def heat(self, heat_id: str) -> HeatState:
        """The heat ``heat_id`` (``KeyError`` if none)."""
        for heat in self.heats:
            if heat.heat_id == heat_id:
                return heat
        raise KeyError(heat_id)

    def contest(self, contest_id: str) -> ContestState:
        """The contest ``contest_id`` (``KeyError`` if none)."""
        for contest in self.contests:
            if contest.contest_id == contest_id:
                return contest
        raise KeyError(contest_id)
