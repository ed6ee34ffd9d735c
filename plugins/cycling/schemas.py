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
