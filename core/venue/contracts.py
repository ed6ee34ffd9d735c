"""Contracts between the venue and the domains and plugins that use it.

* The programme-scheduler contract: pure data in (phases, riders, session windows, rules),
  a schedule out. Registered through ``podium_programme_schedulers``.
* :class:`DemoVenue`: what ``podium demo`` built, handed to ``podium_seed_demo`` so each
  domain adds its part of the demo.

A meet (track cycling) or any multi-session competition has phases — a round of a
competition, with its heats laid out inside — to place into the venue's sessions. The
domain that runs the meet persists the result; a scheduler only computes it, so it can be
tested with hypothesis and swapped (a CP-SAT solver, a greedy one) without touching the
rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

import msgspec

from podium.core.accounts.service import CurrentUser
from podium.core.plugins import PluginHost, RegistryHook


class Phase(msgspec.Struct, frozen=True):
    """One phase to place: it runs ``minutes`` on the track in one session.

    :param after: phases that must end before it starts (previous round, repechage...).
    :param riders: the riders who may race in it (recovery rules apply between phases
        sharing a rider; for a later round, every rider who might qualify).
    :param discipline: sets the recovery gap a rider needs before it (``rules``).
    """

    id: str
    competition: str
    discipline: str
    minutes: int
    after: tuple[str, ...] = ()
    riders: frozenset[int] = frozenset()
    pinned_session: str | None = None
    pinned_start: datetime | None = None


class SessionWindow(msgspec.Struct, frozen=True):
    """A session of the meet phases can be placed in."""

    id: str
    starts_at: datetime
    ends_at: datetime
    kind: Literal["competition", "warm-up", "training", "public"] = "competition"


class ProgrammeProblem(msgspec.Struct, frozen=True):
    """Everything a scheduler needs.

    :param recovery_minutes: per discipline, the least time between two phases of the
        same rider.
    :param changeover_minutes: the gap between two phases on the track.
    :param time_limit_s: the scheduler should stop searching after this long and return
        its best schedule (with ``status`` saying so).
    """

    phases: tuple[Phase, ...]
    sessions: tuple[SessionWindow, ...]
    recovery_minutes: Mapping[str, int] = msgspec.field(default_factory=dict)
    changeover_minutes: int = 0
    time_limit_s: float = 3.0


class Placement(msgspec.Struct, frozen=True):
    """Where and when one phase runs."""

    phase_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime


class Schedule(msgspec.Struct, frozen=True):
    """A scheduler's answer.

    :param status: ``optimal``, ``feasible`` (a time limit stopped the search),
        ``infeasible`` (no schedule exists: ``unplaced`` says which phases do not fit) or
        ``unknown``.
    """

    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    placements: tuple[Placement, ...] = ()
    unplaced: tuple[str, ...] = ()
    message: str = ""


@runtime_checkable
class ProgrammeScheduler(Protocol):
    """Places a meet's phases into its sessions. Pure: the problem in, a schedule out."""

    #: unique registry name, e.g. ``"cp_sat"``.
    name: str
    #: what organisers read.
    label: str

    def schedule(self, problem: ProgrammeProblem) -> Schedule:
        """Every placement respects the hard rules (windows, order, recovery, one phase
        on the track at a time); pinned phases stay where they are pinned."""
        ...


#: The typed key of ``podium_programme_schedulers``.
PROGRAMME_SCHEDULERS: RegistryHook[ProgrammeScheduler] = RegistryHook(
    "podium_programme_schedulers")


@dataclass
class DemoVenue:
    """The demo venue as ``podium demo`` built it, for ``podium_seed_demo``.

    :param spaces: space ids by slug (``track``, ``infield``, ``arena``, ``lounge``).
    :param events: ids of the demo week's one-off events by label ("E-sport tournament"...).
    :param organiser: the demo organiser, who creates what plugins add.
    :param made: what plugins created, by a name of theirs (``{"tournament": 1}``); tests
        and the command line read it.
    :param notes: one line each, printed by ``podium demo`` ("a running tournament at
        /tournaments/1").
    """

    host: PluginHost
    venue_id: int
    tz: str
    first_day: date
    spaces: dict[str, int]
    events: dict[str, int]
    organiser: CurrentUser | None
    made: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
