"""Bodies of the meets' JSON API (msgspec Structs: they appear in the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

Status = Literal["OK", "DNF", "DNS", "DSQ", "REL"]


class MeetCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new meet: adopt the venue event ``event_id`` (kind ``track_meet``), or create one
    on the track from ``starts_at`` to ``ends_at``."""

    name: str
    level: str = "club"
    event_id: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    track_space_id: int | None = None


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A session of the meet, inside its dates."""

    name: str
    starts_at: datetime
    ends_at: datetime
    kind: Literal["competition", "warm-up", "training", "public"] = "competition"


class CompetitionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A competition: category × discipline, optional progression table id (chosen by the
    field size when empty), the riders' recovery between races, finals wished in the
    evening."""

    category: str
    discipline: str
    name: str | None = None
    table_id: str | None = None
    recovery_minutes: int = 30
    evening_finals: bool = True


class RiderIn(msgspec.Struct, forbid_unknown_fields=True):
    """A rider to enter (a known UCI ID reuses that rider)."""

    name: str
    nation: str = ""
    uci_id: str | None = None
    team: str = ""
    seed: int | None = None
    bib: int | None = None


class EntriesIn(msgspec.Struct, forbid_unknown_fields=True):
    """Riders to enter, all or nothing."""

    riders: list[RiderIn]


class SeedingIn(msgspec.Struct, forbid_unknown_fields=True):
    """The start list's order: rider ids, strongest first."""

    rider_ids: list[int]


class EntriesOpenIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whether riders with accounts may enter themselves."""

    open: bool


class SelfEntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """A signed-in rider's own entry (used when the account has no rider yet)."""

    name: str | None = None
    nation: str = ""
    uci_id: str | None = None
    team: str = ""


class ResultLine(msgspec.Struct, forbid_unknown_fields=True):
    """One rider's result in a heat: ``time`` as typed (``10.123``, ``1:02.345``) or
    ``time_ms``."""

    rider_id: int
    status: Status = "OK"
    place: int | None = None
    time: str | None = None
    time_ms: int | None = None
    points: int | None = None
    laps: int = 0


class HeatResultsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The results of one heat, typed against the competition's ``version``."""

    heat_id: str
    version: int
    results: list[ResultLine]
    final: bool = True


class VoidIn(msgspec.Struct, forbid_unknown_fields=True):
    """Void one heat's results (typed against the competition's ``version``)."""

    heat_id: str
    version: int


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Call a heat to the track: the one named, or (both left out) the next one not called
    yet in programme order."""

    competition_id: int | None = None
    heat_id: str | None = None


class CallOut(msgspec.Struct):
    """A call to the track: the heat called and its entrants (riders, or teams)."""

    id: int
    competition_id: int
    heat_id: str
    label: str
    entrants: list[int]


class PinIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pin a phase to a session (and a start) before rescheduling the rest."""

    phase: str
    session_id: int
    starts_at: datetime | None = None


class ResultsOut(msgspec.Struct):
    """After a save or a void: the competition's new version and the stale heats."""

    version: int
    stale: list[str]


class Page(msgspec.Struct):
    """A page of a list."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class TeamRiderIn(msgspec.Struct, forbid_unknown_fields=True):
    """A rider of a team (a known UCI ID reuses that rider)."""

    name: str
    nation: str = ""
    uci_id: str | None = None


class TeamIn(msgspec.Struct, forbid_unknown_fields=True):
    """A team of a team event: ``members`` (3 in a team sprint, 4 in a team pursuit, 2 in
    a madison) and up to 2 ``reserves``."""

    name: str
    members: list[TeamRiderIn]
    reserves: list[TeamRiderIn] = []
    nation: str = ""
    club: str = ""
    ranking_points: int | None = None


class SeedingPointsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Seed by ranking points: ``points`` per entry id (rider ids; team ids in a team
    event), most points first, entries without points after; ``spread`` (keirin) puts
    riders of one team in different first-round heats."""

    points: dict[int, int | None]
    spread: bool = False


# ----------------------------------------------------------------- typed read models
# What the read endpoints answer, so the OpenAPI document describes every field (the
# services build plain dicts; the API converts them with ``msgspec.convert``).


class MeetOut(msgspec.Struct):
    """A meet and its venue event's window."""

    id: int
    venue_id: int
    event_id: int
    name: str
    level: str
    track_space_id: int
    created_at: datetime
    starts_at: datetime
    ends_at: datetime
    created_by: int | None = None
    uid: str | None = None
    event_status: str | None = None


class MeetPage(msgspec.Struct):
    """A page of meets."""

    items: list[MeetOut]
    total: int
    limit: int
    offset: int


class SessionOut(msgspec.Struct):
    """A session of a meet."""

    id: int
    meet: int
    name: str
    kind: str
    starts_at: datetime
    ends_at: datetime


class EntryOut(msgspec.Struct):
    """A rider on a start list (``seed``: the order, 1 = strongest)."""

    id: int
    seed: int
    rider: int
    name: str
    nation: str
    team: str
    bib: int | None = None
    uci_id: str | None = None
    user_id: int | None = None
    ranking_points: int | None = None


class TeamRiderOut(msgspec.Struct):
    """A rider of a team."""

    rider: int
    name: str
    nation: str
    uci_id: str | None = None


class TeamOut(msgspec.Struct):
    """A team of a team event: one start-list entry, its members and reserves."""

    id: int
    competition: int
    name: str
    nation: str
    club: str
    seed: int
    created_at: datetime
    members: list[TeamRiderOut]
    reserves: list[TeamRiderOut]
    ranking_points: int | None = None


class HeatRiderOut(msgspec.Struct):
    """A slot of a heat: the rider (or team; ``null`` while unknown), the label that
    places it ("winner of 1/8-3") and its result once entered."""

    rider_id: int | None
    name: str
    label: str
    place: int | None = None
    time: str = ""
    time_ms: int | None = None
    points: int | None = None
    laps: int = 0
    status: str | None = None


class HeatOut(msgspec.Struct):
    """A heat: its start list (from the progression table) and results."""

    heat_id: str
    phase_id: str
    phase: str
    contest_id: str
    race_no: int
    label: str
    format: str
    status: str
    ready: bool
    stale: bool
    done: bool
    entered: bool
    riders: list[HeatRiderOut]
    ranked: list[HeatRiderOut]


class PhaseOut(msgspec.Struct):
    """A phase (round) of a competition and how far it is."""

    id: str
    name: str
    kind: str
    format: str
    after: list[str]
    status: str
    done: bool


class PlacingOut(msgspec.Struct):
    """A place of the classification (a team's id in a team event)."""

    place: int
    rider_id: int
    name: str


class OmniumLineOut(msgspec.Struct):
    """A line of the omnium's points table."""

    place: int
    rider_id: int
    total: int
    race_points: list[int]
    classified: bool
    name: str = ""


class CompetitionOut(msgspec.Struct):
    """A competition: start list (riders, or teams in a team event), heats, phases,
    classification, omnium table, and the ``version`` to send with results."""

    id: int
    meet: int
    name: str
    category: str
    discipline: str
    table_id: str
    status: str
    entries_open: bool
    recovery_minutes: int
    evening_finals: bool
    version: int
    is_team: bool
    team_size: int
    entries: list[EntryOut]
    teams: list[TeamOut]
    heats: list[HeatOut]
    phases: list[PhaseOut]
    table: str
    table_title: str
    classification: list[PlacingOut]
    complete: bool
    omnium: list[OmniumLineOut]
    #: The title in the request's language: ``name`` when the organiser gave one, else
    #: from the category and discipline.
    title: str = ""


class PlacementOut(msgspec.Struct):
    """A phase placed in a session by the scheduler."""

    phase: str
    session: int
    starts_at: datetime
    ends_at: datetime
    #: "Elite women sprint — Quarter-finals" in the request's language (derived when read).
    label: str = ""
    #: The progression table's name of the round (a stable key) and its translation.
    phase_name: str = ""
    phase_title: str = ""
    competition_id: int | None = None
    ceremony_end: str | None = None


class ExplanationOut(msgspec.Struct):
    """Why a phase is not placed, which wish is not met, what holds the track: ``code`` is
    stable (``track_busy``, ``cannot_place``, ``no_fit``, ``wish_part``, ``wish_start``,
    ``spread``, ``calendar_changed``...; ``text`` for a sentence stored before codes),
    ``detail`` is worded in the request's language."""

    code: str
    detail: str


class ProgrammeOut(msgspec.Struct):
    """A programme: the draft (``number`` 0) or a published version."""

    id: int
    meet: int
    number: int
    solver: str
    status: str
    placements: list[PlacementOut]
    unplaced: list[Any]
    explanations: list[ExplanationOut]
    created_at: datetime
    published_at: datetime | None = None


class VersionOut(msgspec.Struct):
    """A published programme version."""

    number: int
    status: str
    solver: str
    published_at: datetime | None = None


class MeetViewOut(msgspec.Struct):
    """A meet with its sessions, competitions and the latest published programme."""

    meet: MeetOut
    sessions: list[SessionOut]
    competitions: list[CompetitionOut]
    programme: ProgrammeOut | None
    versions: list[VersionOut]


class RiderOut(msgspec.Struct):
    """A rider."""

    id: int
    name: str
    nation: str
    team: str
    created_at: datetime
    uci_id: str | None = None
    user_id: int | None = None


class RiderHeatOut(msgspec.Struct):
    """A rider's result in one heat."""

    heat_id: str
    label: str
    time: str
    place: int | None = None
    time_ms: int | None = None
    points: int | None = None
    status: str = "OK"


class RiderCompetitionOut(msgspec.Struct):
    """A competition a rider rode (alone, or in ``team``) and the place won."""

    competition: int
    competition_name: str
    discipline: str
    meet: int
    meet_name: str
    heats: list[RiderHeatOut]
    place: int | None = None
    team: str | None = None
    reserve: bool = False


class RiderViewOut(msgspec.Struct):
    """A rider with their results across meets."""

    rider: RiderOut
    competitions: list[RiderCompetitionOut]


def to_out(value: Any, model: Any) -> Any:
    """A service's dict as a typed read model (extra keys dropped)."""
    return msgspec.convert(value, model, from_attributes=True, strict=False)
