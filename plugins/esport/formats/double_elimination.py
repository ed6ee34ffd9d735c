"""Double elimination: a first loss drops you into the losers bracket, a second one ends it.

Winners bracket of 2^k − 1 matches, losers bracket of 2^k − 2 matches in 2(k − 1) rounds
(alternating drop-in and internal rounds), then the grand final. Losers drop in an order
that changes every round (see :mod:`podium.plugins.esport.formats.elimination`) so that
players who met in the winners bracket do not meet again early in the losers bracket.

Option ``grand_final``:

* ``reset`` (default): the winners' champion must be beaten twice. ``GF2`` is played only
  when the losers' champion wins ``GF1``; otherwise it is ``skipped`` (never ``ready``).
  Everyone but the champion loses exactly twice; 2N − 2 matches are played, + 1 with a reset.
* ``single``: one grand final. 2N − 2 matches; when the losers' champion wins it, the
  runner-up has lost only once.
* ``none``: no grand final (the two bracket winners go on elsewhere, e.g. to a next stage).
  2N − 3 matches; the winners-bracket winner ranks first, the losers-bracket winner second,
  each with at most one loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium.core.i18n import gettext_noop
from podium.plugins.esport.formats import elimination as elim
from podium.plugins.esport.formats.common import best_of_options
from podium.tournaments.engine import BaseFormat, BracketState, OptionSpec, next_power_of_two


class DoubleElimination(elim.EliminationFormat):
    """Winners and losers brackets, then a grand final with an optional reset."""

    name = "double_elimination"
    label = gettext_noop("Double elimination")
    description = gettext_noop("Two losses eliminate; losers get a second life in the losers bracket.")
    option_specs = (
        OptionSpec(
            "grand_final",
            "choice",
            default="reset",
            label=gettext_noop("Grand final"),
            help=gettext_noop("reset: the losers' champion must win twice; single: one match; none: no final."),
            choices=("none", "single", "reset"),
            choice_labels=(gettext_noop("no grand final"), gettext_noop("one match"),
                           gettext_noop("with a bracket reset")),
        ),
        *best_of_options(),
        BaseFormat.tiebreaker_option(()),
    )

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """Winners bracket P − 1, losers bracket P − 2, and the grand final (P: the field
        rounded up to a power of two; byes count as matches)."""
        size = next_power_of_two(max(entrants, 2))
        finals = {"none": 0, "single": 1, "reset": 2}[options["grand_final"]]
        return 2 * size - 3 + finals

    def _bracket(self, state: BracketState) -> dict[str, Any]:
        o = state.options
        return elim.build_double(
            state,
            len(state.entrants),
            grand_final=o["grand_final"],
            best_of=o["best_of"],
            finals_best_of=o["finals_best_of"],
        )


FORMAT = DoubleElimination()
