"""Programme schedulers for track meets, through the ``ProgrammeScheduler`` contract.

* :class:`CpSatScheduler` (``cp_sat``): CP-SAT (OR-Tools) places whole phases into
  sessions under the hard rules and weighs the soft wishes; heats are laid inside.
* :class:`GreedyScheduler` (``greedy``): each phase at its earliest legal start; the
  CP-SAT search's starting point and a quick fallback.

Both are pure: a :class:`~podium.core.venue.contracts.ProgrammeProblem` in, a
:class:`~podium.core.venue.contracts.Schedule` out. :mod:`.programmes` builds realistic
problems (a world championship, a national championship) for the demo, the bench and the
tests.
"""

from __future__ import annotations

from .cp_sat import CpSatScheduler
from .greedy import GreedyScheduler

__all__ = ["CpSatScheduler", "GreedyScheduler"]
