"""Track cycling: meets and their programme (UCI Part 3 conventions).

For now it contributes the ``track_meet`` event kind to the venue calendar; the meet
programme (phases, heats, start lists) comes in a later issue.
"""

from __future__ import annotations

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.venue.contracts import ProgrammeScheduler
from podium.core.venue.kinds import EventKind
from podium.plugins.cycling.scheduler import CpSatScheduler, GreedyScheduler

PODIUM_PLUGIN = PluginMeta(
    name="cycling",
    version="0.1.0",
    description="Track cycling meets on the velodrome's track.",
    scope="venue",
)

TRACK_MEET = EventKind(
    name="track_meet",
    label="Track meet",
    description="A track cycling competition (sprint, keirin, pursuit, omnium...).",
    color="#c0262d",
)


@hookimpl
def podium_event_kinds(registry: Registry[EventKind]) -> None:
    """Register the ``track_meet`` kind."""
    registry.add(TRACK_MEET.name, TRACK_MEET)


@hookimpl
def podium_programme_schedulers(registry: Registry[ProgrammeScheduler]) -> None:
    """Register the CP-SAT programme scheduler and its quick greedy counterpart."""
    registry.add(CpSatScheduler.name, CpSatScheduler())
    registry.add(GreedyScheduler.name, GreedyScheduler())
