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


class Heat(msgspec.Struct, frozen=True):
    """One race inside a phase (a heat, a ride of a time trial, a race of a best of three).

    :param minutes: its track time, the changeover to the next heat included.
    :param riders: the riders in it, where known (recovery between heats is checked for
        them; an unknown start list is empty).
    :param contest: the contest it belongs to ("1 v 8") in a best-of-N round.
    :param race: its race number in that contest (1, 2, 3 for a decider). Heats are laid
        out by race number first, in the given order within a race number: race 1 of
        every contest, then race 2, then the deciders (interleaving).
    """

    id: str
    minutes: int
    riders: frozenset[int] = frozenset()
    contest: str = ""
    race: int = 1


class Phase(msgspec.Struct, frozen=True):
    """One phase to place: it runs ``minutes`` on the track in one session.

    :param after: phases that must end before it starts (previous round, repechage...).
    :param riders: the riders who may race in it (recovery rules apply between phases
        sharing a rider; for a later round, every rider who might qualify).
    :param discipline: sets the recovery gap a rider needs before it (``rules``).
    :param label: what organisers read ("Men's sprint final"); the id when empty.
    :param category: "men elite", "women junior"...: per-category recovery and the wish
        to spread a category's finals over the days.
    :param heats: its races; when given, the phase lasts as long as its heats laid out
        (interleaved, with ``heat_recovery_minutes``) or ``minutes``, whichever is longer.
    :param final: it awards medals (a medal ceremony may follow, see ``ceremony_minutes``).
    :param ceremony_minutes: the medal ceremony right after the phase, in the same
        session. It takes the track (no race runs during a ceremony) but is not racing: a
        rider's recovery counts from the end of the racing.
    :param wish_part: soft: the part of the day wished (``"evening"`` for a final); see
        :attr:`SessionWindow.part`.
    :param wish_start: soft: the start wished ("the men's sprint final at 20:00").
    """

    id: str
    competition: str
    discipline: str
    minutes: int
    after: tuple[str, ...] = ()
    riders: frozenset[int] = frozenset()
    pinned_session: str | None = None
    pinned_start: datetime | None = None
    label: str = ""
    category: str = ""
    heats: tuple[Heat, ...] = ()
    final: bool = False
    ceremony_minutes: int = 0
    wish_part: str | None = None
    wish_start: datetime | None = None

    @property
    def name(self) -> str:
        """What organisers read: the label, or the id."""
        return self.label or self.id


class SessionWindow(msgspec.Struct, frozen=True):
    """A session of the meet. Only ``competition`` sessions receive phases; the others
    (warm-up, training, public) take the track, so no phase overlaps them (the changeover
    kept), like a blocked interval.

    :param label: what organisers read ("Day 2 evening"); the id when empty.
    :param part: the part of the day ("morning", "afternoon", "evening"), matched by
        :attr:`Phase.wish_part`.
    """

    id: str
    starts_at: datetime
    ends_at: datetime
    kind: Literal["competition", "warm-up", "training", "public"] = "competition"
    label: str = ""
    part: str = ""

    @property
    def name(self) -> str:
        """What organisers read: the label, or the id."""
        return self.label or self.id


class BlockedInterval(msgspec.Struct, frozen=True):
    """A time the track is taken by something else (another venue event, its setup and
    teardown buffers included). No phase may overlap it."""

    starts_at: datetime
    ends_at: datetime
    reason: str = "another event"


class SoftWeights(msgspec.Struct, frozen=True):
    """How much each unmet soft wish costs in the objective (lower is better).

    :param wish_part: a phase outside the part of the day it wished (per phase).
    :param wish_start_per_minute: per minute between a phase's start and its wished start,
        beyond ``wish_start_tolerance_minutes`` (within it the wish counts as met).
    :param spread: per final of a category beyond its fair share of a day
        (ceil(finals / days)).
    :param compact_per_minute: per minute a session runs (its last track use's end),
        so sessions finish early.
    """

    wish_part: int = 1000
    wish_start_per_minute: int = 10
    wish_start_tolerance_minutes: int = 5
    spread: int = 300
    compact_per_minute: int = 1


class ProgrammeProblem(msgspec.Struct, frozen=True):
    """Everything a scheduler needs. Times count in whole minutes: a window shrinks to
    whole minutes, a pin is rounded down to its minute.

    :param recovery_minutes: per discipline, the least time between two phases of the
        same rider (from the end of one's racing to the start of the next, the later
        phase's discipline deciding).
    :param category_recovery_minutes: per category, the same; the larger of the two
        applies.
    :param heat_recovery_minutes: per discipline, the least time between two heats of the
        same rider, or of the same contest (the races of a best of three), inside one phase.
    :param changeover_minutes: the gap between two uses of the track (phases, a ceremony
        counts with its phase, blocked intervals).
    :param blocked: the track's occupancy by other events (the venue calendar).
    :param weights: the cost of unmet soft wishes.
    :param time_limit_s: the scheduler should stop searching after this long and return
        its best schedule (with ``status`` saying so).
    """

    phases: tuple[Phase, ...]
    sessions: tuple[SessionWindow, ...]
    recovery_minutes: Mapping[str, int] = msgspec.field(default_factory=dict)
    changeover_minutes: int = 0
    time_limit_s: float = 3.0
    category_recovery_minutes: Mapping[str, int] = msgspec.field(default_factory=dict)
    heat_recovery_minutes: Mapping[str, int] = msgspec.field(default_factory=dict)
    blocked: tuple[BlockedInterval, ...] = ()
    weights: SoftWeights = msgspec.field(default_factory=SoftWeights)


class HeatPlacement(msgspec.Struct, frozen=True):
    """When one heat of a placed phase runs."""

    heat_id: str
    starts_at: datetime
    ends_at: datetime


class Placement(msgspec.Struct, frozen=True):
    """Where and when one phase runs.

    :param ends_at: the end of its racing.
    :param ceremony_ends_at: the end of its medal ceremony (which starts at ``ends_at``),
        when it has one: the track is taken until then.
    :param heats: its heats, in running order.
    """

    phase_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime
    ceremony_ends_at: datetime | None = None
    heats: tuple[HeatPlacement, ...] = ()

    @property
    def track_until(self) -> datetime:
        """When the phase gives the track back (after its ceremony, if any)."""
        return self.ceremony_ends_at or self.ends_at


class Explanation(msgspec.Struct, frozen=True):
    """Why a phase is not placed, or which soft wish is not met, in plain words.

    :param kind: ``unplaced``, ``wish_part``, ``wish_start`` or ``spread``.
    :param subject: the phase id (a category for ``spread``).
    """

    kind: Literal["unplaced", "wish_part", "wish_start", "spread"]
    subject: str
    text: str


class Schedule(msgspec.Struct, frozen=True):
    """A scheduler's answer.

    :param status: ``optimal``, ``feasible`` (a time limit stopped the search),
        ``infeasible`` (no schedule exists: ``unplaced`` says which phases do not fit and
        ``explanations`` why; ``placements`` is the most that fits) or ``unknown`` (the
        time ran out before any complete schedule; the same fields say what is missing).
    :param explanations: every unplaced phase and every unmet soft wish, in plain words.
    :param objective: the weighted cost of the unmet soft wishes (see
        :class:`SoftWeights`), when known.
    :param wishes: how many soft wishes the problem holds; ``wishes_met`` how many the
        schedule meets.
    """

    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    placements: tuple[Placement, ...] = ()
    unplaced: tuple[str, ...] = ()
    message: str = ""
    explanations: tuple[Explanation, ...] = ()
    objective: float | None = None
    wishes: int = 0
    wishes_met: int = 0


@runtime_checkable
class ProgrammeScheduler(Protocol):
    """Places a meet's phases into its sessions. Pure: the problem in, a schedule out."""

    #: unique registry name, e.g. ``"cp_sat"``.
    name: str
    #: what organisers read.
    label: str

    def schedule(self, problem: ProgrammeProblem) -> Schedule:
        """Every placement respects the hard rules (windows, order, recovery, one phase
        on the track at a time, blocked intervals, changeover); pinned phases stay where
        they are pinned; a phase that cannot be placed is in ``unplaced`` with an
        explanation, never silently dropped."""
        ...


#: The typed key of ``podium_programme_schedulers``.
PROGRAMME_SCHEDULERS: RegistryHook[ProgrammeScheduler] = RegistryHook(
    "podium_programme_schedulers")


@dataclass
class DemoVenue:
    """The demo venue as ``podium demo`` built it, for ``podium_seed_demo``.

    :param spaces: space ids by slug (``track``, ``infield``, ``arena``, ``lounge``).
    :param events: ids of the demo's one-off events by label ("E-sport tournament", "Team
        tournament", "Track meet"...: the meet was ridden over the two days before the week).
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
